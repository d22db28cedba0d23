/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sh_table.c — the builtin table: sorted (sh_find_builtin bsearches
 * it), and every entry found by its name; and what the table feeds —
 * `help`, `help NAME`, `NAME --help` and Tab completion — printed for
 * every builtin and a set of command lines and compared with
 * tests/unit/sh_builtins.expected, which holds what the shell printed
 * before its builtins moved into their own files.  A deliberate change of
 * a help text or of completion rewrites that file:
 * `UPDATE_FIXTURE=1 build/tests/test_sh_table` (from the top directory,
 * or with CSHELL_SRC set to it),
 * and the diff shows what users will see change.  And the hand-written
 * completions/cshell.bash offers the sandbox and image subcommands and
 * sandbox flags the definitions have.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <readline/readline.h>

#include "shell/interactive_i.h"
#include "shell/shell_i.h"
#include "tests/unit/ut_tmp.h"

#define FIXTURE "tests/unit/sh_builtins.expected"

static void test_sorted(void **state)
{
	const char *prev = NULL, *name;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (name = sh_builtin_name(i)); i++, n++) {
		if (prev && strcmp(prev, name) >= 0)
			fail_msg("builtin table out of order: '%s' before '%s'",
				 prev, name);
		assert_non_null(sh_find_builtin(name));
		prev = name;
	}
	assert_true(n > 30);
	assert_null(sh_find_builtin("no-such-builtin"));
}

/* stdout and stderr of what runs between begin and end, into out */
static int capture_begin(int saved[2])
{
	char tmpl[] = "/tmp/test_sh_table.XXXXXX";
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(1);
	saved[1] = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	return fd;
}

static void capture_end(int fd, int saved[2], struct cs_buf *out)
{
	char chunk[4096];
	ssize_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(saved[0], 1);
	dup2(saved[1], 2);
	close(saved[0]);
	close(saved[1]);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		cs_buf_add(out, chunk, n);
	close(fd);
}

/* Runs builtin argv[0] as the shell would, appending what it printed and
 * its status to out. */
static void run(struct sh *sh, struct cs_buf *out, int argc, char **argv)
{
	const struct builtin *b = sh_find_builtin(argv[0]);
	int saved[2], fd, st;

	cs_buf_addf(out, "$ %s%s%s\n", argv[0], argc > 1 ? " " : "",
		    argc > 1 ? argv[1] : "");
	fd = capture_begin(saved);
	st = sh_run_builtin(sh, b, argc, argv);
	capture_end(fd, saved, out);
	cs_buf_addf(out, "[%d]\n", st);
}

/* Builtins whose own --help runs a helper program or a script file: their
 * help entry is shown instead. */
static bool own_help_runs_more(const char *name)
{
	static const char *const names[] = {
		"sandbox", "sb", "image", "host",   "fanout",
		"monitor", "up", "down",  "source", ".",
	};

	for (size_t i = 0; i < CS_ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void dump_help(struct sh *sh, struct cs_buf *out)
{
	const char *name;

	run(sh, out, 1, (char *[]){ "help", NULL });
	for (size_t i = 0; (name = sh_builtin_name(i)); i++) {
		run(sh, out, 2, (char *[]){ "help", (char *)name, NULL });
		if (!own_help_runs_more(name)) {
			run(sh, out, 2,
			    (char *[]){ (char *)name, "--help", NULL });
		} else {
			int saved[2], fd = capture_begin(saved);
			int st = sh_help_usage(name);

			cs_buf_addf(out, "usage of %s:\n", name);
			capture_end(fd, saved, out);
			cs_buf_addf(out, "[%d]\n", st);
		}
	}
}

/* Completion of line at its end, as readline would ask for it. */
static void dump_complete(struct cs_buf *out, const char *line)
{
	const char *start = line + strlen(line);
	char **m;

	while (start > line && !strchr(" \t\n;|&()<>", start[-1]))
		start--;
	rl_line_buffer = (char *)line;
	rl_attempted_completion_over = 0;
	m = rl_attempted_completion_function(start, start - line, strlen(line));
	cs_buf_addf(out, "complete '%s':", line);
	if (!m && !rl_attempted_completion_over)
		cs_buf_adds(out, " <files>");
	for (size_t i = 0; m && m[i]; i++) {
		cs_buf_addf(out, " %s", m[i]);
		free(m[i]);
	}
	free(m);
	cs_buf_addc(out, '\n');
}

static void dump_completions(struct sh *sh, struct cs_buf *out)
{
	static const char *const lines[] = {
		"",
		"s",
		"sa",
		"e",
		"@",
		"@h",
		"@ho",
		"enter ",
		"enter h",
		"sandbox ",
		"sandbox c",
		"sb s",
		"sandbox create -",
		"sandbox create --i",
		"sandbox create --image ",
		"sandbox create x ",
		"sandbox stop ",
		"sandbox stop -",
		"sandbox ls ",
		"image ",
		"image i",
		"image inspect ",
		"image inspect -",
		"image pull ",
		"image pull -",
		"image build --",
		"image build x ",
		"up -",
		"up --r",
		"down -",
		"up x",
		"monitor ",
		"monitor -",
		"host ",
		"host -",
		"fanout -",
		"echo --image ",
		"ls -",
		"ls ",
		"echo $PA",
		"cd ",
		"help ",
		"help s",
		"x; sandbox ",
		"a | image ",
		"@host sandbox ",
	};

	sh_complete_init(sh);
	for (size_t i = 0; i < CS_ARRAY_SIZE(lines); i++)
		dump_complete(out, lines[i]);
}

static void test_outputs_match_fixture(void **state)
{
	char *tmp = ut_tmpdir("test_sh_table");
	struct cs_buf out = CS_BUF_INIT, want = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	bool update = getenv("UPDATE_FIXTURE") != NULL;
	/* tests/run says where the sources are; by hand, the top directory */
	const char *src = getenv("CSHELL_SRC");
	_cleanup_free_ char *fixture =
		xasprintf("%s/%s", src ? src : ".", FIXTURE);
	/* cmocka reads its output format from the environment per test */
	const char *fmt = getenv("CMOCKA_MESSAGE_OUTPUT");
	_cleanup_free_ char *cmocka_output = fmt ? xstrdup(fmt) : NULL;
	_cleanup_free_ char *actual =
		xasprintf("%s/sh_builtins.actual",
			  getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	assert_non_null(tmp);
	/* nothing of the host: no PATH commands, no sandboxes, no images */
	clearenv();
	if (cmocka_output)
		setenv("CMOCKA_MESSAGE_OUTPUT", cmocka_output, 1);
	setenv("PATH", tmp, 1);
	setenv("HOME", tmp, 1);
	setenv("CSHELL_CONFIG_DIR", tmp, 1);
	setenv("CSHELL_DATA_DIR", tmp, 1);
	setenv("CSHELL_RUNTIME_DIR", tmp, 1);
	struct sh *sh = sh_new();

	dump_help(sh, &out);
	dump_completions(sh, &out);
	if (update) {
		FILE *f = fopen(fixture, "w");
		assert_non_null(f);
		fwrite(out.buf, 1, out.len, f);
		assert_int_equal(fclose(f), 0);
	}
	if (cs_read_file(fixture, &want, 1u << 20, &err) < 0)
		fail_msg("cannot read %s (run from the top directory, or set "
			 "CSHELL_SRC): %s",
			 fixture, err.msg);
	if (strcmp(out.buf, want.buf)) {
		FILE *f = fopen(actual, "w");
		if (f) {
			fwrite(out.buf, 1, out.len, f);
			fclose(f);
		}
		fail_msg("help or completion output differs from %s; "
			 "diff it with %s",
			 fixture, actual);
	}
	cs_buf_release(&out);
	cs_buf_release(&want);
	ut_rmtree(tmp);
	free(tmp);
}

/* The words of `local NAME='…'` in the bash completion script, space-
 * separated (malloc'd), or NULL. */
static char *bash_list(const char *script, const char *name)
{
	_cleanup_free_ char *key = xasprintf("local %s='", name);
	const char *p = strstr(script, key), *e;

	if (!p)
		return NULL;
	p += strlen(key);
	e = strchr(p, '\'');
	return e ? xstrndup(p, e - p) : NULL;
}

static char *joined(const char *const *v)
{
	struct cs_buf b = CS_BUF_INIT;

	for (; v && *v; v++)
		cs_buf_addf(&b, "%s%s", b.len ? " " : "", *v);
	return cs_buf_detach(&b, NULL);
}

/* completions/cshell.bash is written by hand: it offers the subcommands
 * and sandbox flags the builtins' own definitions have, no more, no
 * fewer. */
static void test_bash_completion_matches_definitions(void **state)
{
	static const struct {
		const char *var, *builtin;
		bool flags;
	} lists[] = {
		{ "sb_subs", "sandbox", false },
		{ "sb_flags", "sandbox", true },
		{ "img_subs", "image", false },
	};
	const char *src = getenv("CSHELL_SRC");
	_cleanup_free_ char *path =
		xasprintf("%s/completions/cshell.bash", src ? src : ".");
	struct cs_buf script = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	if (cs_read_file(path, &script, 1u << 20, &err) < 0)
		fail_msg("cannot read %s: %s", path, err.msg);
	for (size_t i = 0; i < CS_ARRAY_SIZE(lists); i++) {
		const struct sh_builtin *b =
			sh_find_builtin_def(lists[i].builtin);
		assert_non_null(b);
		assert_non_null(b->complete);
		_cleanup_free_ char *want = bash_list(script.buf, lists[i].var);
		_cleanup_free_ char *have =
			joined(lists[i].flags ? b->complete->flags :
						b->complete->subs);
		if (!want || strcmp(want, have))
			fail_msg("completions/cshell.bash %s is '%s', %s's "
				 "definition says '%s'",
				 lists[i].var, want ? want : "(missing)",
				 lists[i].builtin, have);
	}
	cs_buf_release(&script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_outputs_match_fixture),
		cmocka_unit_test(test_bash_completion_matches_definitions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
