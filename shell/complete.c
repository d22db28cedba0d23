/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * complete.c — Tab completion for the interactive shell.
 *
 * The line up to the cursor is split into the words of the current simple
 * command (roughly: blanks and ; | & ( ) separate, quotes are respected).
 * From that: a word starting with $ completes variables; in command
 * position @… completes targets and anything else commands (builtins,
 * functions, aliases, PATH); after a builtin, what its definition's
 * struct sh_completion says (subcommands, flags, names: each builtin's own
 * file has it); otherwise files.  In a
 * target's context (`@dev …`, or after `enter dev`) commands come from
 * that target's PATH and files from its root filesystem, never the host's.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/readline.h>

#include "shell/interactive_i.h"
#include "shell/shell_i.h"
#include "shell/target_i.h"

static struct sh *csh;

static void add_names(const char *prefix, char **v, const char *pre);

/* candidates for the generator */
static char **cands;
static size_t ncands, acands;

static void cand_reset(void)
{
	for (size_t i = 0; i < ncands; i++)
		free(cands[i]);
	ncands = 0;
}

static void cand_add(const char *prefix, const char *s)
{
	if (strncmp(s, prefix, strlen(prefix)))
		return;
	for (size_t i = 0; i < ncands; i++)
		if (!strcmp(cands[i], s))
			return;
	if (ncands == acands) {
		acands = acands ? 2 * acands : 64;
		cands = xrealloc(cands, acands * sizeof(*cands));
	}
	cands[ncands++] = xstrdup(s);
}

void sh_complete_offer(const char *text, const char *s)
{
	cand_add(text, s);
}

void sh_complete_offer_take(const char *text, char **v)
{
	add_names(text, v, "");
}

static char *gen(const char *text, int state)
{
	static size_t i;

	(void)text;
	if (!state)
		i = 0;
	return i < ncands ? xstrdup(cands[i++]) : NULL;
}

/* ------------------------------------------------------------------ */
/* sources */

static void add_names(const char *prefix, char **v, const char *pre)
{
	if (!v)
		return;
	for (char **p = v; *p; p++) {
		char *s = xasprintf("%s%s", pre, *p);
		cand_add(prefix, s);
		free(s);
		free(*p);
	}
	free(v);
}

static void add_executables(const char *prefix, const char *root,
			    const char *path)
{
	const char *p = path;
	size_t pl = strlen(prefix);

	while (p && *p) {
		const char *e = strchrnul(p, ':');
		char *dir =
			xasprintf("%s%.*s", root ? root : "", (int)(e - p), p);
		DIR *d = opendir(dir);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (de->d_name[0] == '.' ||
				    strncmp(de->d_name, prefix, pl))
					continue;
				char *full =
					xasprintf("%s/%s", dir, de->d_name);
				struct stat st;
				if (stat(full, &st) == 0 &&
				    S_ISREG(st.st_mode) && (st.st_mode & 0111))
					cand_add(prefix, de->d_name);
				free(full);
			}
			closedir(d);
		}
		free(dir);
		p = *e ? e + 1 : e;
	}
}

static void add_commands(const char *prefix, const char *root)
{
	for (size_t i = 0; sh_builtin_name(i); i++)
		cand_add(prefix, sh_builtin_name(i));
	for (struct func *f = csh->funcs; f; f = f->next)
		cand_add(prefix, f->name);
	for (struct alias *a = csh->aliases; a; a = a->next)
		if (a->name[0])
			cand_add(prefix, a->name);
	/* a target runs commands with the shell's PATH, inside its root */
	add_executables(prefix, root, sh_getvar(csh, "PATH"));
}

static void add_variables(const char *prefix)
{
	for (int i = 0; i < VAR_HASH; i++)
		for (struct var *v = csh->vars[i]; v; v = v->next) {
			char *s = xasprintf("$%s", v->name);
			cand_add(prefix, s);
			free(s);
		}
}

/* Files inside a target: text is the path as the target sees it (below a
 * --mount destination: the mount's source). */
static void add_target_files(const char *text, const char *target,
			     const char *workdir)
{
	const char *slash = strrchr(text, '/');
	char *dirpart = slash ? xstrndup(text, slash - text + 1) : xstrdup("");
	const char *base = slash ? slash + 1 : text;
	char *inside, *hostdir;

	if (text[0] == '/')
		inside = xstrdup(dirpart);
	else
		inside = xasprintf("%s/%s", workdir ? workdir : "", dirpart);
	hostdir = sh_target_host_path(target, inside);
	free(inside);
	DIR *d = hostdir ? opendir(hostdir) : NULL;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (de->d_name[0] == '.' && base[0] != '.')
				continue;
			if (strncmp(de->d_name, base, strlen(base)))
				continue;
			char *full = xasprintf("%s/%s", hostdir, de->d_name);
			struct stat st;
			bool dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
			char *c = xasprintf("%s%s%s", dirpart, de->d_name,
					    dir ? "/" : "");
			cand_add(text, c);
			free(c);
			free(full);
		}
		closedir(d);
	}
	free(hostdir);
	free(dirpart);
}

/* ------------------------------------------------------------------ */
/* the line */

struct ctx {
	char *words[64];
	int nwords;   /* complete words of the current command before text */
	char *target; /* @T of the current command, or NULL */
};

static void ctx_release(struct ctx *c)
{
	for (int i = 0; i < c->nwords; i++)
		free(c->words[i]);
	free(c->target);
}

/* Splits line[0..end) into the words of the last simple command. */
static void scan(const char *line, int end, struct ctx *c)
{
	struct cs_buf w = CS_BUF_INIT;
	char q = 0;
	bool inword = false;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < end; i++) {
		char ch = line[i];
		if (q) {
			if (ch == q)
				q = 0;
			else
				cs_buf_addc(&w, ch);
			continue;
		}
		if (ch == '\'' || ch == '"') {
			q = ch;
			inword = true;
			continue;
		}
		if (ch == '\\' && i + 1 < end) {
			cs_buf_addc(&w, line[++i]);
			inword = true;
			continue;
		}
		bool sep = ch == ' ' || ch == '\t';
		bool op = strchr(";|&()", ch) != NULL;
		if (sep || op) {
			if (inword) {
				if (c->nwords == 0 && !c->target &&
				    w.buf[0] == '@')
					c->target = xstrdup(w.buf + 1);
				else if (c->nwords < 64)
					c->words[c->nwords++] = xstrdup(w.buf);
				cs_buf_reset(&w);
				inword = false;
			}
			if (op) {
				/* a new command starts */
				for (int k = 0; k < c->nwords; k++)
					free(c->words[k]);
				c->nwords = 0;
				free(c->target);
				c->target = NULL;
			}
			continue;
		}
		cs_buf_addc(&w, ch);
		inword = true;
	}
	cs_buf_release(&w);
}

static void add_list(const char *prefix, const char *const *v)
{
	for (; *v; v++)
		cand_add(prefix, *v);
}

/* The arguments of a builtin, as its definition's completion says
 * (builtin_i.h); false when it has nothing to say about text. */
static bool complete_builtin(const struct sh_completion *cp,
			     const struct ctx *c, const char *text)
{
	if (!cp)
		return false;
	if (c->nwords == 1 && cp->subs) {
		add_list(text, cp->subs);
		return true;
	}
	if (cp->operand && cp->operand(csh, c->words, c->nwords, text))
		return true;
	if (text[0] == '-' && cp->flags) {
		add_list(text, cp->flags);
		return true;
	}
	return false;
}

static char **complete(const char *text, int start, int end)
{
	struct ctx c;
	char *root = NULL, *workdir = NULL;
	char **m = NULL;

	(void)end;
	rl_attempted_completion_over = 1;
	cand_reset();
	scan(rl_line_buffer, start, &c);
	const char *target = c.target ? c.target : csh->entered;
	if (target)
		root = sh_target_rootfs(target, &workdir);

	if (text[0] == '$') {
		add_variables(text);
	} else if (c.nwords == 0 && text[0] == '@') {
		add_names(text, sh_target_names(), "@");
	} else if (c.nwords == 0) {
		add_commands(text, root);
	} else {
		const struct sh_builtin *b = sh_find_builtin_def(c.words[0]);

		if (b && complete_builtin(b->complete, &c, text)) {
			/* the builtin's own */
		} else if (root) {
			add_target_files(text, target, workdir);
			rl_completion_suppress_append =
				ncands == 1 &&
				cands[0][strlen(cands[0]) - 1] == '/';
		} else {
			rl_attempted_completion_over = 0; /* readline's files */
		}
	}
	if (rl_attempted_completion_over) {
		if (ncands)
			m = rl_completion_matches(text, gen);
	}
	free(root);
	free(workdir);
	ctx_release(&c);
	return m;
}

void sh_complete_init(struct sh *sh)
{
	csh = sh;
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t\n;|&()<>";
	rl_completer_quote_characters = "'\"";
}
