/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shell_i.h — the interpreter's private types: arenas, input sources, the
 * AST (every node keeps its source line), words as lists of parts, and the
 * interpreter state struct sh.
 *
 * The phases follow dash's: input (input.c) → lexer and parser (parse.c) →
 * expansion (expand.c) → evaluation (eval.c) with redirections and jobs
 * (redir.c, jobs.c), variables (var.c) and builtins (builtins.c, bi_*.c).
 */
#ifndef CSHELL_SHELL_SHELL_I_H
#define CSHELL_SHELL_SHELL_I_H

#include <setjmp.h>
#include <signal.h>
#include <termios.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"
#include "shell/builtin_i.h"
#include "shell/shell.h"

/* ------------------------------------------------------------------ */
/* Arenas (arena.c).  A parse arena holds one top-level command's AST and
 * is reference counted, because functions defined in it keep it alive.
 * The expansion stack is one arena per shell with marks, released after
 * every command (dash's stack marks). */

struct ablock;
struct arena {
	struct ablock *head;
	int refs;
};
struct arena_mark {
	struct ablock *block;
	size_t used;
};

struct arena *arena_new(void);
void arena_ref(struct arena *a);
void arena_unref(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_mark(struct arena *a, struct arena_mark *m);
void arena_release(struct arena *a, const struct arena_mark *m);

/* ------------------------------------------------------------------ */
/* Words.  A word is a list of parts; quoting is a per-part flag, so the
 * expander knows what is subject to field splitting and globbing. */

enum wp_type {
	WP_LIT,	   /* text; quoted when from '…', "…" or \x */
	WP_PARAM,  /* $name ${name op arg} */
	WP_CMDSUB, /* $(…) and `…` */
	WP_ARITH,  /* $((…)) */
};

enum param_op {
	PO_NONE,
	PO_MINUS,  /* - */
	PO_ASSIGN, /* = */
	PO_QMARK,  /* ? */
	PO_PLUS,   /* + */
	PO_LEN,	   /* ${#x} */
	PO_RSHORT, /* % */
	PO_RLONG,  /* %% */
	PO_LSHORT, /* # */
	PO_LLONG,  /* ## */
	PO_SUB,	   /* ${x/pat/rep} (bash) */
	PO_SUBALL, /* ${x//pat/rep} */
	PO_SUBPRE, /* ${x/#pat/rep} */
	PO_SUBSUF, /* ${x/%pat/rep} */
};

struct wpart {
	struct wpart *next;
	enum wp_type type;
	bool quoted; /* inside "…" (or quoted literal) */
	union {
		struct {
			char *text;
			size_t len;
		} lit;
		struct {
			char *name;
			enum param_op op;
			bool colon;
			struct wpart *arg; /* the word after the operator */
			struct wpart *rep; /* PO_SUB*: the replacement */
		} param;
		struct node *cmd; /* WP_CMDSUB */
		struct wpart *arith;
	} u;
};

struct word {
	struct word *next;
	struct wpart *parts;
	int lineno;
};

/* ------------------------------------------------------------------ */
/* The AST */

enum redir_type {
	R_IN,	   /* <  */
	R_OUT,	   /* >  */
	R_APPEND,  /* >> */
	R_CLOBBER, /* >| */
	R_RDWR,	   /* <> */
	R_DUPIN,   /* <& */
	R_DUPOUT,  /* >& */
	R_HEREDOC, /* << and <<- */
	R_HERESTR, /* <<< word (bash): word and a newline on stdin */
};

struct redir {
	struct redir *next;
	enum redir_type type;
	int fd;
	bool fd_given;	     /* `2>`, not `>`: bash's >&file needs this */
	char *fdvar;	     /* {name}> (bash): fd picked, put in name */
	bool both;	     /* &> &>> (bash): stdout and stderr */
	struct word *target; /* file, fd word, or NULL for here-docs */
	struct wpart *body;  /* here-doc body (parts, expanded unless quoted) */
	bool body_quoted;    /* delimiter was quoted: no expansion */
	bool strip_tabs;     /* <<- */
	char *delim;	     /* here-doc delimiter after quote removal */
	struct redir *hd_next; /* pending here-doc list */
};

enum node_type {
	N_CMD,
	N_PIPE,
	N_ANDOR,
	N_LIST,
	N_BG,
	N_NOT,
	N_SUBSHELL,
	N_GROUP,
	N_IF,
	N_WHILE,
	N_UNTIL,
	N_FOR,
	N_CASE,
	N_FUNCDEF,
	N_DBRACKET, /* [[ … ]] (an extension) */
	N_ARITH,    /* (( expression )) (bash, ksh; allowed by POSIX) */
};

/* One token of [[ … ]]: a word (op: its text when a plain word, for the
 * operators) or one of && || ( ) < >. */
enum db_kind {
	DB_WORD,
	DB_AND,
	DB_OR,
	DB_LPAREN,
	DB_RPAREN,
	DB_LT,
	DB_GT
};
struct dbtok {
	enum db_kind kind;
	struct word *w;
	const char *op;
	bool regex; /* the word after =~ */
};

/* What ends a case item's body: ;; (or esac), ;& or ;;& */
enum case_term {
	CASE_END,    /* the case command ends */
	CASE_FALL,   /* ;& (POSIX.1-2024): the next body runs too */
	CASE_RETEST, /* ;;& (bash): the next items' patterns are tried */
};

struct case_item {
	struct case_item *next;
	struct word *patterns;
	struct node *body; /* may be NULL */
	enum case_term term;
};

struct node {
	enum node_type type;
	int lineno;
	struct redir *redirs; /* compound commands and simple commands */
	union {
		struct {
			struct word *assigns;
			struct word *args;
			struct word *target; /* @T prefix, or NULL */
		} cmd;
		struct {
			struct node **cmds;
			char *ops; /* ops[i] joins cmds[i], cmds[i+1]: '&' or '|' */
			int n;
		} andor;
		struct {
			struct node **cmds;
			int n;
		} list; /* a ; b & c — background items are N_BG */
		struct {
			struct node **cmds;
			int n; /* 0: `time` alone */
			bool negate;
			bool timed;	 /* `time` (an extension) */
			bool time_posix; /* `time -p` */
		} pipe;
		struct node *sub; /* BG NOT SUBSHELL GROUP */
		struct {
			struct node *cond, *then, *els;
		} ifs; /* IF WHILE UNTIL (els: the step of for ((…))) */
		struct {
			char *var;	   /* NULL: for ((init; cond; step)) */
			struct word *list; /* NULL with have_in false: "$@" */
			bool have_in;
			struct node *body;
			struct wpart *arith[3]; /* WP_ARITH parts */
		} fors;
		struct {
			struct word *subject;
			struct case_item *items;
		} cases;
		struct {
			char *name;
			struct node *body;
		} func;
		struct {
			struct dbtok *v;
			int n;
		} dbr;
		struct wpart *arith; /* ARITH: a WP_ARITH part */
	} u;
};

/* ------------------------------------------------------------------ */
/* Input (input.c).  A stack of sources: the script or terminal at the
 * bottom, alias texts and strings being eval'ed above it. */

struct alias;

struct source {
	struct source *prev;
	char *buf; /* owned unless borrowed */
	size_t len, pos;
	bool borrowed;
	int fd;		     /* >= 0: refill from this fd */
	bool line_at_a_time; /* read byte by byte up to '\n' (shared stdin) */
	bool interactive;    /* refill via readline */
	bool eof;
	struct alias *alias; /* in use while this source is on the stack */
	bool replay;	     /* read again: popped when read, as an alias */
	int lineno;
};

/* ------------------------------------------------------------------ */
/* Variables (var.c) */

struct var {
	struct var *next; /* hash chain */
	char *name;
	char *value; /* NULL: unset (kept for export/readonly attrs) */
	int flags;   /* enum sh_var_flags */
};

struct localsave {
	struct localsave *next;
	char *name;
	char *value; /* saved value, NULL when it was unset */
	int flags;
	bool existed;
};

struct params {
	int n;
	char **v; /* v[0..n-1], malloc'd */
};

/* ------------------------------------------------------------------ */
/* Functions and aliases */

struct func {
	struct func *next;
	char *name;
	struct node *body;
	struct arena *arena;
};

struct alias {
	struct alias *next;
	char *name;
	char *value;
	bool in_use;
};

/* ------------------------------------------------------------------ */
/* Jobs (jobs.c) */

struct proc {
	pid_t pid;
	int status; /* wait status, valid when done */
	bool done;
	bool stopped;
};

struct job {
	struct job *next;
	int id;
	pid_t pgid;
	int nprocs;
	struct proc *procs;
	char *cmdtext;
	bool background;
	bool stopped;
};

/* ------------------------------------------------------------------ */
/* Options */

enum sh_opt {
	OPT_ERREXIT,	 /* -e */
	OPT_NOUNSET,	 /* -u */
	OPT_XTRACE,	 /* -x */
	OPT_NOGLOB,	 /* -f */
	OPT_NOEXEC,	 /* -n */
	OPT_NOCLOBBER,	 /* -C */
	OPT_ALLEXPORT,	 /* -a */
	OPT_VERBOSE,	 /* -v */
	OPT_INTERACTIVE, /* -i */
	OPT_MONITOR,	 /* -m */
	OPT_NOTIFY,	 /* -b: report finished jobs while at the prompt */
	OPT_HASHONDEF,	 /* -h: accepted, no effect (no command hash) */
	OPT_PIPEFAIL,
	OPT_IGNOREEOF,
	OPT_VI,
	OPT_EMACS,
	OPT_NOLOG,
	OPT_POSIX,	    /* --posix: the interactive extensions are off */
	OPT_NULLGLOB,	    /* shopt (bash): a pattern matching nothing goes */
	OPT_FAILGLOB,	    /* shopt (bash): a pattern matching nothing fails */
	OPT_GLOBSKIPDOTS,   /* shopt (bash, on): patterns skip . and .. */
	OPT_EXPAND_ALIASES, /* shopt (bash, on here as POSIX asks) */
	OPT__COUNT,
};

/* Non-local exits out of the evaluator. */
enum skip {
	SKIP_NONE,
	SKIP_BREAK,
	SKIP_CONT,
	SKIP_FUNC, /* return */
};

#define EV_EXIT (1 << 0)   /* last command of this process: exec directly */
#define EV_TESTED (1 << 1) /* exit status is tested: no set -e */

#define VAR_HASH 256
#define NSIG_TRAP 65

struct savedfd {
	struct savedfd *next;
	int fd;
	int saved; /* -1 when fd was closed before */
};

struct sh {
	/* identity */
	char *arg0;	  /* $0 */
	char *progname;	  /* for diagnostics */
	bool script;	  /* commands from a file or -c */
	bool script_file; /* from a file: messages say FILE:LINE: */
	pid_t rootpid;	  /* $$ */
	bool subshell;	  /* a forked child of the shell */

	bool opts[OPT__COUNT];
	/* -o posix is on only because this is a script: the extensions that
	 * keep POSIX meaning stay on (sh_compat_extensions) */
	bool posix_implied;
	int status;	   /* $? */
	int cmdsub_status; /* status of the last command substitution */
	pid_t lastbg;	   /* $! (0: none) */
	int lineno;	   /* of the command being run */

	struct var *vars[VAR_HASH];
	struct localsave *locals; /* innermost function's saves */
	int localdepth;
	struct params params;
	struct func *funcs;
	struct alias *aliases;

	/* evaluation control */
	enum skip skip;
	int skipcount;
	int loopdepth;
	int funcdepth;
	int evaldepth;
	bool exiting;
	bool in_command; /* a special builtin run by `command`: errors return */
	char *entered;	 /* `enter T`: the default target, or NULL */
	int bi_flags; /* EV_TESTED while a builtin runs in a tested context */

	/* traps */
	char *traps[NSIG_TRAP];
	volatile sig_atomic_t pending[NSIG_TRAP];
	volatile sig_atomic_t anypending;
	bool intrap;
	bool ignored_at_start[NSIG_TRAP];
	/* SIGCHLD came in: reap finished background jobs at a safe point */
	volatile sig_atomic_t gotchld;

	/* jobs */
	struct job *jobs;
	/* a subshell: its parent's background jobs at the fork, which only
	 * `jobs` lists (while it has none of its own) */
	struct job *parent_jobs;
	int ttyfd;  /* the controlling terminal (job control), or -1 */
	pid_t pgid; /* the shell's own process group */
	bool have_tmodes;
	struct termios tmodes;

	/* redirections to undo, innermost first */
	struct savedfd *saved;

	/* input */
	struct source *src;
	/* while set, every character src_getc gives is appended to it
	 * (and src_ungetc takes it back): the lexer's tentative reads */
	struct cs_buf *src_record;
	/* set -e is ignored where the command being evaluated runs (a
	 * condition, not the last of && ||): so in its substitutions too */
	bool errexit_ignored;
	bool continuation; /* PS2: the command being read goes on */

	/* per-command scratch */
	struct arena *stack;
	struct arena *cur_arena; /* the tree being run (functions keep it) */

	/* command hash */
	char **hash_names;
	char **hash_paths;
	int hash_n, hash_alloc;

	/* error recovery for interactive shells */
	jmp_buf *jmp;
	bool recover; /* errors go to jmp even in a script (PS4) */

	/* evaluating a Cshellfile (up.c): its declarations, else NULL */
	struct up_eval *up;
};

/* ------------------------------------------------------------------ */
/* sh.c */
/* A fresh interpreter with the environment imported (for tests too). */
struct sh *sh_new(void);

/* input.c */
void src_push_string(struct sh *sh, const char *s, size_t len, int lineno);
void src_push_alias(struct sh *sh, struct alias *a);
/* text (len bytes, malloc'ed, taken) is read again, starting on line
 * lineno, before what follows it: the lexer read it the wrong way. */
void src_push_replay(struct sh *sh, char *text, size_t len, int lineno);
void src_push_fd(struct sh *sh, int fd, bool line_at_a_time);
void src_push_interactive(struct sh *sh);
void src_pop(struct sh *sh);
int src_getc(struct sh *sh);
void src_ungetc(struct sh *sh, int c);
/* What the current source has read in and not yet given out: *len bytes
 * the lexer may look ahead in (they stay unread). */
const char *src_peek(struct sh *sh, size_t *len);
int src_lineno(struct sh *sh);

/* parse.c */
enum parse_result {
	PARSE_OK,
	PARSE_EOF,
	PARSE_ERROR,
};
/* Parses one complete command from the current source into a new arena.
 * On PARSE_OK *out is the tree (NULL for an empty line) and *arena holds
 * a reference the caller drops after running it. */
enum parse_result sh_parse_command(struct sh *sh, struct node **out,
				   struct arena **arena);
bool sh_is_reserved(const char *s);
/* Parses s like an unquoted here-document body ($, `, \ special). */
struct wpart *sh_parse_dq(struct sh *sh, struct arena *a, const char *s,
			  bool *error);
/* Expands s that way: a malloc'd string, or NULL after a syntax error. */
char *sh_expand_string(struct sh *sh, const char *s);

/* expand.c */
struct strlist {
	char **v;
	int n, alloc;
};
enum {
	EXP_FULL = 1 << 0, /* field splitting and pathname expansion */
	EXP_TILDE = 1 << 1,
	EXP_ASSIGN = 1 << 2,  /* tilde after : too */
	EXP_PATTERN = 1 << 3, /* result is a pattern: escape quoted chars */
	EXP_REGEX = 1 << 4,   /* result is an ERE: escape quoted chars */
	EXP_COMMAND = 1 << 5, /* a simple command's words: export a=$x … */
};
/* Expands a list of words into fields (allocated on sh->stack).
 * Returns 0, or -1 after a diagnostic (the caller fails the command). */
int sh_expand_words(struct sh *sh, struct word *w, int flags,
		    struct strlist *out);
/* brace.c: the words of w after brace expansion (an extension), or NULL
 * when it has none (on sh->stack). */
struct word *sh_brace_expand(struct sh *sh, struct word *w);
/* Expands one word to one string, no splitting or globbing. */
char *sh_expand_word(struct sh *sh, struct word *w, int flags);
char *sh_expand_parts(struct sh *sh, struct wpart *p, int flags);
/* Shell pattern match; pattern made by EXP_PATTERN. */
bool sh_pmatch(const char *pattern, const char *s);
void strlist_add(struct sh *sh, struct strlist *l, char *s);
/* Quotes s for re-input (set, export -p, trap, set -x). */
void sh_quote(struct cs_buf *b, const char *s);

/* dbracket.c: runs [[ … ]], returns 0, 1 or 2 (error). */
int sh_eval_dbracket(struct sh *sh, struct node *n);

/* eval.c */
int sh_eval(struct sh *sh, struct node *n, int flags);
int sh_eval_string(struct sh *sh, const char *s, const char *name);
/* Runs commands from the current source until EOF.  Returns status. */
int sh_run_source(struct sh *sh, bool toplevel);
void sh_exit(struct sh *sh, int status) __attribute__((noreturn));
/* Raises a shell error: exits a non-interactive shell with status,
 * returns to the prompt in an interactive one. */
void sh_raise(struct sh *sh, int status) __attribute__((noreturn));
/* The status of an expansion or assignment error (`${x?}`, set -u, an
 * arithmetic error, a readonly variable): POSIX asks only for non-zero;
 * bash gives 1 (dash 2), and 2 stays a syntax error's. */
#define SH_EXPAND_ERROR 1
/* An error in a special builtin: fatal (sh_raise) unless run through
 * `command`, when it only returns status. */
int sh_special_error(struct sh *sh, int status);
int sh_cmdsub(struct sh *sh, struct node *n, struct cs_buf *out);
/* Runs argv (PATH searched) with its standard output into out; standard
 * error stays the shell's, or goes to /dev/null when quiet.  Returns the
 * exit status. */
int sh_capture(struct sh *sh, char **argv, struct cs_buf *out, bool quiet);
void sh_forked(struct sh *sh); /* a child process: reset traps, jobs */
char *sh_find_command(struct sh *sh, const char *name, const char *path);
void sh_hash_clear(struct sh *sh);
void sh_flush_std(struct sh *sh);
int sh_exec_external_wait(struct sh *sh, char **argv);
void sh_exec_replace(struct sh *sh, char **argv) __attribute__((noreturn));
/* `exec -a NAME cmd`: the same with NAME as cmd's argv[0]. */
void sh_exec_replace_as(struct sh *sh, const char *cmd, char **argv)
	__attribute__((noreturn));
struct sh_target;
struct sh_targets;
/* In a forked child: enters target t (target_i.h) and runs argv there, a
 * builtin or function of this shell included.  Never returns. */
void sh_run_routed(struct sh *sh, const struct sh_target *t, char **argv)
	__attribute__((noreturn));
/* Runs fn(arg) in a forked child that is a foreground job of its own
 * (process group, terminal: ^C and ^Z reach what it starts), and returns
 * its status as a shell status.  text names it in `jobs`. */
int sh_run_as_job(struct sh *sh, const char *text, int (*fn)(void *),
		  void *arg);
/* trace.c: `sandbox create --trace FILE` starts a recorder of name's
 * events into FILE (detached); `sandbox inspect --files` lists what the
 * sandbox read from the host or its mounts.  0, or -1 / 1 after a
 * message. */
struct sbx_info;
int sh_trace_start(struct sh *sh, const char *name, const char *file);
int sh_trace_files(struct sh *sh, const struct sbx_info *info);
/* fanout.c: in a job's forked child, runs argv on every target of t with
 * its output prefixed per target; writes "name=status" lines to status_fd
 * (-1: none) and exits with the worst status.  Never returns. */
void sh_fanout(struct sh *sh, const struct sh_targets *t, char **argv,
	       int status_fd) __attribute__((noreturn));
/* After the fan-out job j: sets TARGET_STATUS from what it reported on
 * fd (nothing when it is stopped). */
void sh_fanout_statuses(struct sh *sh, int fd, const struct job *j);
void sh_init_self_exe(void);
/* bi_image.c: the names of the stored images, asked of cshell-image (a
 * malloc'd vector; empty when it cannot tell). */
char **sh_image_names(struct sh *sh);
/* A helper program (cshell-image, cshell-fs…): next to this cshell when
 * it is there, else the bare name for a PATH search.  On sh->stack. */
char *sh_helper_path(struct sh *sh, const char *name);

int sh_parse_set_options(struct sh *sh, int argc, char **argv, int i,
			 bool *dashdash, bool cmdline);
const char *sh_builtin_name(size_t i);

/* redir.c */
/* The status of a command whose redirection failed: POSIX asks for 1 to
 * 125 (XCU 2.8.2), bash gives 1 (dash 2). */
#define SH_REDIR_STATUS 1
int sh_redirect(struct sh *sh, struct redir *r, bool save);
void sh_redirect_undo(struct sh *sh, struct savedfd *upto);
int sh_heredoc_fd(struct sh *sh, struct redir *r);
int sh_move_fd_high(int fd);

/* jobs.c */
struct job *job_new(struct sh *sh, int nprocs, const char *text);
/* Job control (set -m): jobs in their own process groups and stops
 * noticed, never in subshells.  The terminal is handed to foreground
 * jobs only when there is one (sh->ttyfd >= 0). */
bool jobs_control_active(struct sh *sh);
void jobs_init_control(struct sh *sh);
/* set -m in a non-interactive shell. */
void jobs_monitor_on(struct sh *sh);
/* Reaps finished jobs when SIGCHLD has come in (a safe point). */
void jobs_reap_pending(struct sh *sh);
/* In a job's forked child: its process group, the terminal when fg,
 * default job-control signals. */
void jobs_child_setup(struct sh *sh, struct job *j, bool fg);
/* Command text for `jobs`: malloc'd. */
char *job_text_argv(int argc, char **argv, const char *target);
char *job_text_node(const struct node *n);
int jobs_fg(struct sh *sh, struct job *j);
int jobs_bg(struct sh *sh, struct job *j);
int job_wait(struct sh *sh, struct job *j); /* returns its status */
int job_status(struct sh *sh, struct job *j);
void job_free(struct sh *sh, struct job *j);
/* In a forked child: the parent's jobs are no longer waited for. */
void jobs_forked(struct sh *sh);
struct job *job_find(struct sh *sh, const char *spec);
int jobs_wait_any(struct sh *sh, bool block);
void jobs_reap(struct sh *sh);
void jobs_notify(struct sh *sh);
/* Whether a background job has finished and not been reported yet. */
bool jobs_any_done(struct sh *sh);
int sh_waitstatus(int ws);

/* var.c */
/* PATH when the environment has none (set, not exported, at start-up). */
#define SH_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
void var_init(struct sh *sh, char **environ);
/* $_ (an extension): the last word of the simple command just run. */
void var_set_lastarg(struct sh *sh, const char *arg);
struct var *var_lookup(struct sh *sh, const char *name);
int var_set(struct sh *sh, const char *name, const char *value, int flags);
int var_setn(struct sh *sh, const char *assign, int flags); /* "N=V" */
char **var_environ(struct sh *sh, struct arena *a);
void var_local(struct sh *sh, const char *name);
void var_local_options(struct sh *sh);
void var_pop_locals(struct sh *sh, struct localsave *upto);
void params_set(struct params *p, int n, char **v);
void params_free(struct params *p);
void var_list(struct sh *sh, int flag, const char *prefix);
char *sh_optflags(struct sh *sh); /* $- (static buffer) */

/* builtins.c: the table generated from SH_BUILTINS (sorted by name) */
extern const struct sh_builtin *const sh_builtins[];
extern const size_t sh_nbuiltins;
const struct builtin *sh_find_builtin(const char *name);
/* The table's entry of name (help and completion data), or NULL. */
const struct sh_builtin *sh_find_builtin_def(const char *name);
/* The builtin as this shell sees it: extensions hidden by set -o posix. */
const struct builtin *sh_builtin(struct sh *sh, const char *name);
int sh_run_builtin(struct sh *sh, const struct builtin *b, int argc,
		   char **argv);
struct func *sh_find_func(struct sh *sh, const char *name);
void sh_define_func(struct sh *sh, const char *name, struct node *body,
		    struct arena *a);
int sh_call_func(struct sh *sh, struct func *f, int argc, char **argv,
		 int flags);
struct alias *sh_find_alias(struct sh *sh, const char *name);
int sh_set_option_letter(struct sh *sh, int c, bool on);
/* Sets bash's `shopt` option name (-O NAME on the command line); -1 when
 * cshell has no such option. */
int sh_shopt_set(struct sh *sh, const char *name, bool on);
extern const char sh_opt_letters[OPT__COUNT];

/* trap.c */
void trap_init(struct sh *sh);
int trap_signum(const char *name);
const char *trap_signame(int sig);
void trap_run_pending(struct sh *sh);
void trap_run_exit(struct sh *sh);
void trap_reset_for_child(struct sh *sh);
void trap_mark_shell_owned(int sig);

#endif
