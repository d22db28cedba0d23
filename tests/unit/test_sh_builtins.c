/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sh_builtins.c — echo, printf, test/[, umask, getopts and read run
 * over the stub interpreter (tests/unit/sh_stub.c).  Standard output is
 * captured by pointing fd 1 at a temporary file, standard input of read
 * is a pipe.  Expected results were checked against dash 0.5.12.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/sh_stub.h"

static struct sh *sh;
static char out[4096];
static size_t outlen;

static int setup(void **st)
{
	(void)st;
	sh = stub_sh_new();
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	stub_sh_free(sh);
	return 0;
}

/* Runs fn with the NULL-terminated arguments, stdout captured in out. */
static int run(sh_builtin_fn fn, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;

	va_start(ap, fn);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);

	FILE *tf = tmpfile();
	assert_non_null(tf);
	fflush(stdout);
	int saved = dup(1);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tf), 1) == 1);
	int status = fn(sh, argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, 1) == 1);
	close(saved);
	rewind(tf);
	outlen = fread(out, 1, sizeof(out) - 1, tf);
	out[outlen] = 0;
	fclose(tf);
	return status;
}

#define assert_out(s) assert_memory_equal_len(s, sizeof(s) - 1)
static void assert_memory_equal_len(const char *want, size_t len)
{
	if (len != outlen || memcmp(want, out, len))
		fail_msg("output '%s' (%zu bytes), want '%s' (%zu bytes)", out,
			 outlen, want, len);
}

static const char *var(const char *name)
{
	const char *v = sh_getvar(sh, name);
	return v ? v : "(unset)";
}

/* ---------------------------------------------------------------- echo */

static void test_echo(void **st)
{
	(void)st;
	assert_int_equal(run(bi_echo, "echo", "a", "b", NULL), 0);
	assert_out("a b\n");
	run(bi_echo, "echo", NULL);
	assert_out("\n");
	run(bi_echo, "echo", "-n", "a", NULL);
	assert_out("a");
	run(bi_echo, "echo", "-n", "-n", "a", NULL);
	assert_out("-n a");
	run(bi_echo, "echo", "-e", "a", NULL);
	assert_out("-e a\n");
	run(bi_echo, "echo", "--", "a", NULL);
	assert_out("-- a\n");
	run(bi_echo, "echo", "a\\tb\\\\", NULL);
	assert_out("a\tb\\\n");
	run(bi_echo, "echo", "\\0101\\101\\1234", NULL);
	assert_out("AAS4\n");
	run(bi_echo, "echo", "x\\0", NULL);
	assert_out("x\0\n");
	run(bi_echo, "echo", "a\\cb", "c", NULL);
	assert_out("a");
	run(bi_echo, "echo", "\\q\\x", NULL);
	assert_out("\\q\\x\n");
}

/* With the extensions: -n -e -E and clusters of them, as bash. */
static void test_echo_extensions(void **st)
{
	(void)st;
	stub_set_extensions(sh, true);
	run(bi_echo, "echo", "-E", "a\\tb", NULL);
	assert_out("a\\tb\n");
	run(bi_echo, "echo", "-e", "a\\tb", NULL);
	assert_out("a\tb\n");
	run(bi_echo, "echo", "-nE", "-e", "a\\tb", NULL);
	assert_out("a\tb");
	run(bi_echo, "echo", "-nx", "a", NULL);
	assert_out("-nx a\n");
	run(bi_echo, "echo", "-", "a", NULL);
	assert_out("- a\n");
	stub_set_extensions(sh, false);
}

/* -------------------------------------------------------------- printf */

static void test_printf_conversions(void **st)
{
	(void)st;
	run(bi_printf, "printf", "%d|%5d|%-5d|%05d|%+d|% d\\n", "42", "42",
	    "42", "42", "42", "42", NULL);
	assert_out("42|   42|42   |00042|+42| 42\n");
	run(bi_printf, "printf", "%i %o %u %x %X %#x %#o\\n", "10", "8", "7",
	    "255", "255", "255", "8", NULL);
	assert_out("10 10 7 ff FF 0xff 010\n");
	run(bi_printf, "printf", "%s|%10s|%-4s|%.2s|\\n", "hello", "hi", "hi",
	    "hello", NULL);
	assert_out("hello|        hi|hi  |he|\n");
	run(bi_printf, "printf", "%c%c%3c|\\n", "abc", "d", "e", NULL);
	assert_out("ad  e|\n");
	run(bi_printf, "printf", "%c", "", NULL);
	assert_out("\0");
	run(bi_printf, "printf", "%e %E %f %F %g %G\\n", "1.5", "1.5", "1.5",
	    "1.5", "1.5", "0.00001", NULL);
	assert_out("1.500000e+00 1.500000E+00 1.500000 1.500000 1.5 1E-05\n");
	run(bi_printf, "printf", "%a\\n", "1", NULL);
	assert_out("0x1p+0\n");
	run(bi_printf, "printf", "%*d|%-*d|%.*f|%%\\n", "5", "1", "3", "2", "2",
	    "3.14159", NULL);
	assert_out("    1|2  |3.14|%\n");
	run(bi_printf, "printf", "%d %d %x\\n", "'A", "\"B", "-1", NULL);
	assert_out("65 66 ffffffffffffffff\n");
	run(bi_printf, "printf", "%d %u %o\\n", "0x10", "010", "0x1F", NULL);
	assert_out("16 8 37\n");
	run(bi_printf, "printf", "%.3d|%08.3f\\n", "5", "-3.5", NULL);
	assert_out("005|-003.500\n");
}

static void test_printf_args(void **st)
{
	(void)st;
	/* the format is reused while arguments remain */
	assert_int_equal(
		run(bi_printf, "printf", "%s-%s\\n", "a", "b", "c", NULL), 0);
	assert_out("a-b\nc-\n");
	/* missing arguments are empty or 0 */
	run(bi_printf, "printf", "[%s|%d|%f]\\n", NULL);
	assert_out("[|0|0.000000]\n");
	/* no conversion: printed once even with arguments */
	run(bi_printf, "printf", "x\\n", "a", "b", NULL);
	assert_out("x\n");
	run(bi_printf, "printf", "--", "%s\\n", "y", NULL);
	assert_out("y\n");
}

static void test_printf_escapes(void **st)
{
	(void)st;
	run(bi_printf, "printf", "a\\tb\\\\\\101\\0102\\a\\b\\f\\r\\v\\n",
	    NULL);
	assert_out("a\tb\\A\0102\a\b\f\r\v\n");
	run(bi_printf, "printf", "%s\\n", "\\n", NULL);
	assert_out("\\n\n");
	run(bi_printf, "printf", "%b|%b|%b|%b\\n", "a\\tb", "x\\0101y", "\\101",
	    "\\q", NULL);
	assert_out("a\tb|xAy|A|\\q\n");
	/* \c in %b stops all output, the rest of the format too */
	assert_int_equal(
		run(bi_printf, "printf", "%b|%s\\n", "a\\cb", "z", NULL), 0);
	assert_out("a");
	run(bi_printf, "printf", "%5b|%-3b|\\n", "ab", "c", NULL);
	assert_out("   ab|c  |\n");
}

static void test_printf_errors(void **st)
{
	(void)st;
	int n = stub_nerr(sh);
	/* a bad number: message, status 1, printing goes on */
	assert_int_equal(run(bi_printf, "printf", "%d|%d\\n", "abc", "7", NULL),
			 1);
	assert_out("0|7\n");
	assert_int_equal(stub_nerr(sh), n + 1);
	assert_non_null(strstr(stub_last_err(sh), "abc"));
	assert_int_equal(run(bi_printf, "printf", "%d\\n", "12abc", NULL), 1);
	assert_out("12\n");
	assert_int_equal(
		run(bi_printf, "printf", "%d\\n", "99999999999999999999", NULL),
		1);
	assert_out("9223372036854775807\n");
	assert_int_equal(run(bi_printf, "printf", "%f\\n", "x", NULL), 1);
	assert_out("0.000000\n");
	/* an invalid directive stops with status 1 like bash */
	assert_int_equal(run(bi_printf, "printf", "a%zb\\n", NULL), 1);
	assert_out("a");
	assert_int_equal(run(bi_printf, "printf", NULL), 2);
}

/* ---------------------------------------------------------------- test */

static char tmpdir[64];
static char path_file[128], path_empty[128], path_dir[128], path_fifo[128],
	path_link[128], path_old[128], path_none[128];

static int setup_files(void **st)
{
	setup(st);
	strcpy(tmpdir, "/tmp/test_sh_builtins.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path_file, sizeof(path_file), "%s/file", tmpdir);
	snprintf(path_empty, sizeof(path_empty), "%s/empty", tmpdir);
	snprintf(path_dir, sizeof(path_dir), "%s/dir", tmpdir);
	snprintf(path_fifo, sizeof(path_fifo), "%s/fifo", tmpdir);
	snprintf(path_link, sizeof(path_link), "%s/link", tmpdir);
	snprintf(path_old, sizeof(path_old), "%s/old", tmpdir);
	snprintf(path_none, sizeof(path_none), "%s/none", tmpdir);
	int fd = open(path_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	fd = open(path_empty, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(path_old, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	assert_int_equal(mkdir(path_dir, 01777), 0);
	assert_int_equal(chmod(path_dir, 01777), 0);
	assert_int_equal(mkfifo(path_fifo, 0600), 0);
	assert_int_equal(symlink(path_file, path_link), 0);
	return 0;
}

static int teardown_files(void **st)
{
	unlink(path_file);
	unlink(path_empty);
	unlink(path_old);
	unlink(path_fifo);
	unlink(path_link);
	rmdir(path_dir);
	rmdir(tmpdir);
	return teardown(st);
}

#define T(want, ...)                                                           \
	assert_int_equal(run(bi_test, "test", __VA_ARGS__, NULL), want)

static void test_test_strings(void **st)
{
	(void)st;
	assert_int_equal(run(bi_test, "test", NULL), 1);
	T(1, "");
	T(0, "a");
	T(0, "-n"); /* one argument: a non-empty string */
	T(0, "!");
	T(1, "-n", "");
	T(0, "-z", "");
	T(0, "!", "");
	T(1, "!", "a");
	T(0, "a", "=", "a");
	T(1, "a", "=", "b");
	T(0, "a", "!=", "b");
	T(0, "a", "<", "b");
	T(0, "b", ">", "a");
	T(1, "b", "<", "a");
	T(0, "=", "=", "="); /* three arguments: binary first */
	T(1, "!", "=", "a");
	T(0, "-e", "-a", "-e"); /* POSIX: "-e" and "-e" both non-empty */
	T(0, "!", "!", "a");
	T(0, "(", "a", ")");
	T(1, "(", "", ")");
	T(0, "(", "-n", "a", ")");
	T(1, "!", "a", "=", "a");
}

static void test_test_numbers(void **st)
{
	(void)st;
	T(0, "1", "-eq", "1");
	T(1, "1", "-ne", "1");
	T(0, "2", "-gt", "1");
	T(0, "2", "-ge", "2");
	T(0, "-1", "-lt", "0");
	T(0, "3", "-le", "3");
	T(0, " 1", "-eq", "1");
	T(0, "1 ", "-eq", "1");
	int n = stub_nerr(sh);
	T(2, "1", "-eq", "a");
	T(2, "", "-eq", "0");
	T(2, "99999999999999999999", "-gt", "1");
	T(2, "1.5", "-gt", "1");
	assert_int_equal(stub_nerr(sh), n + 4);
	assert_non_null(strstr(stub_last_err(sh), "1.5"));
}

static void test_test_xsi(void **st)
{
	(void)st;
	T(0, "2", "-ge", "2", "-a", "3", "-le", "4");
	T(0, "2", "-ge", "3", "-o", "3", "-le", "4");
	T(0, "a", "-o", "b", "-a", ""); /* -a binds tighter than -o */
	T(0, "", "-a", "", "-o", "a");
	T(0, "a", "-o", "", "-a", "");
	T(0, "", "-o", "", "-o", "a");
	T(1, "!", "a", "-o", "");
	T(0, "(", "-n", "a", ")", "-a", "(", "-z", "", ")");
	T(1, "!", "(", "a", "=", "a", ")");
	T(2, "(", "a", "=", "a");
	T(2, "a", "=", "a", "-a");
	T(2, "a", "b");
	T(2, "a", "b", "c");
	T(2, "1", "-gt");

	/* deep nesting is an error, never a stack overflow */
	enum {
		N = 100000
	};
	char **v = calloc(2 * N + 3, sizeof(char *));
	assert_non_null(v);
	int k = 0;
	v[k++] = "test";
	for (int i = 0; i < N; i++)
		v[k++] = i % 2 ? "!" : "(";
	v[k++] = "a";
	for (int i = 0; i < N / 2; i++)
		v[k++] = ")";
	assert_int_equal(bi_test(sh, k, v), 2);
	assert_non_null(strstr(stub_last_err(sh), "deeply"));
	/* moderate nesting works: ( ! ( ! … a … ) ) */
	k = 1;
	for (int i = 0; i < 200; i++)
		v[k++] = i % 2 ? "!" : "(";
	v[k++] = "a";
	for (int i = 0; i < 100; i++)
		v[k++] = ")";
	assert_int_equal(bi_test(sh, k, v), 0);
	free(v);
}

static void test_test_files(void **st)
{
	(void)st;
	T(0, "-e", path_file);
	T(1, "-e", path_none);
	T(0, "-f", path_file);
	T(1, "-f", path_dir);
	T(0, "-d", path_dir);
	T(1, "-d", path_file);
	T(0, "-p", path_fifo);
	T(1, "-p", path_file);
	T(0, "-h", path_link);
	T(0, "-L", path_link);
	T(1, "-L", path_file);
	T(0, "-f", path_link); /* other tests follow the link */
	T(0, "-s", path_file);
	T(1, "-s", path_empty);
	T(0, "-x", path_file);
	T(0, "-r", path_empty);
	T(0, "-w", path_empty);
	T(0, "-k", path_dir);
	T(1, "-k", path_file);
	T(1, "-u", path_file);
	T(1, "-g", path_file);
	T(0, "-O", path_file);
	T(0, "-G", path_file);
	T(0, "-c", "/dev/null");
	T(1, "-b", "/dev/null");
	T(1, "-S", "/dev/null");
	T(1, "-t", "99");
	T(2, "-t", "x");
	T(0, path_file, "-nt", path_old);
	T(1, path_old, "-nt", path_file);
	T(0, path_old, "-ot", path_file);
	T(0, path_file, "-nt", path_none); /* POSIX.1-2024; dash says 1 */
	T(0, path_none, "-ot", path_file);
	T(1, path_none, "-nt", path_none);
	T(0, path_link, "-ef", path_file);
	T(1, path_old, "-ef", path_file);
	T(1, path_none, "-ef", path_none);
	T(0, "-f", path_file, "-a", "-d", path_dir, "-a", "!", "-e", path_none);
}

static void test_bracket(void **st)
{
	(void)st;
	assert_int_equal(run(bi_test, "[", "a", "=", "a", "]", NULL), 0);
	assert_int_equal(run(bi_test, "[", "a", "=", "b", "]", NULL), 1);
	assert_int_equal(run(bi_test, "[", "]", NULL), 1);
	assert_int_equal(run(bi_test, "[", "-n", "]", NULL), 0);
	assert_int_equal(run(bi_test, "[", "a", "=", "a", NULL), 2);
	assert_non_null(strstr(stub_last_err(sh), "]"));
	assert_int_equal(run(bi_test, "[", NULL), 2);
	/* test itself takes "]" as an operand */
	assert_int_equal(run(bi_test, "test", "]", NULL), 0);
}

/* --------------------------------------------------------------- umask */

static void test_umask(void **st)
{
	(void)st;
	mode_t saved = umask(022);

	assert_int_equal(run(bi_umask, "umask", NULL), 0);
	assert_out("0022\n");
	run(bi_umask, "umask", "-S", NULL);
	assert_out("u=rwx,g=rx,o=rx\n");
	assert_int_equal(run(bi_umask, "umask", "077", NULL), 0);
	run(bi_umask, "umask", NULL);
	assert_out("0077\n");
	run(bi_umask, "umask", "-S", NULL);
	assert_out("u=rwx,g=,o=\n");
	run(bi_umask, "umask", "u=rwx,g=rx,o=", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0027\n");
	run(bi_umask, "umask", "g-x,o+r", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0033\n");
	run(bi_umask, "umask", "a+w", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0011\n");
	run(bi_umask, "umask", "=", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0777\n");
	run(bi_umask, "umask", "u+r-w+x", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0277\n");
	run(bi_umask, "umask", "go=u", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0222\n");
	run(bi_umask, "umask", "1777", NULL); /* high bits dropped, as dash */
	run(bi_umask, "umask", NULL);
	assert_out("0777\n");
	run(bi_umask, "umask", "--", "002", NULL);
	run(bi_umask, "umask", NULL);
	assert_out("0002\n");
	assert_int_equal(run(bi_umask, "umask", "888", NULL), 2);
	assert_int_equal(run(bi_umask, "umask", "abc", NULL), 2);
	assert_int_equal(run(bi_umask, "umask", "u+q", NULL), 2);
	run(bi_umask, "umask", NULL);
	assert_out("0002\n"); /* unchanged by the errors */
	umask(saved);
}

/* ------------------------------------------------------------- getopts */

/* Runs getopts until it returns non-zero; out lists "opt:arg:OPTIND ". */
static char *getopts_all(const char *optstring, char **args, int n)
{
	static char log[1024];
	char *argv[32] = { "getopts", (char *)optstring, "o" };

	for (int i = 0; i < n; i++)
		argv[3 + i] = args[i];
	log[0] = 0;
	for (int k = 0; k < 20; k++) {
		int r = bi_getopts(sh, 3 + n, argv);
		size_t l = strlen(log);
		snprintf(log + l, sizeof(log) - l, "%s%s:%s:%s ",
			 r ? "end:" : "", var("o"), var("OPTARG"),
			 var("OPTIND"));
		if (r)
			break;
	}
	return log;
}

/* An option without argument leaves OPTARG unset (POSIX; dash sets ""),
 * and so does the end; OPTIND names a cluster until its last option. */
static void test_getopts(void **st)
{
	(void)st;
	char *a1[] = { "-a", "-b", "arg", "-c", "rest" };
	assert_string_equal(getopts_all("ab:c", a1, 5),
			    "a:(unset):2 b:arg:4 c:(unset):5 end:?:(unset):5 ");
	sh_unsetvar(sh, "OPTIND");
	char *a2[] = { "-ab", "arg", "-c" };
	assert_string_equal(getopts_all("ab:c", a2, 3),
			    "a:(unset):1 b:arg:3 c:(unset):4 end:?:(unset):4 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	char *a3[] = { "-abarg", "x" };
	assert_string_equal(getopts_all("ab:c", a3, 2),
			    "a:(unset):1 b:arg:2 end:?:(unset):2 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	char *a4[] = { "-x", "-b" };
	assert_string_equal(getopts_all("ab:", a4, 2),
			    "?:(unset):2 ?:(unset):3 end:?:(unset):3 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	assert_string_equal(getopts_all(":ab:", a4, 2),
			    "?:x:2 ::b:3 end:?:(unset):3 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	char *a5[] = { "-a", "--", "-b" };
	assert_string_equal(getopts_all("ab", a5, 3),
			    "a:(unset):2 end:?:(unset):3 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	char *a6[] = { "-a", "-", "-b" };
	assert_string_equal(getopts_all("ab", a6, 3),
			    "a:(unset):2 end:?:(unset):2 ");
	sh_setvar(sh, "OPTIND", "1", 0);
	char *a7[] = { "-:" };
	assert_string_equal(getopts_all("a:", a7, 1),
			    "?:(unset):2 end:?:(unset):2 ");

	/* the positional parameters when no arguments are given */
	sh_setvar(sh, "OPTIND", "1", 0);
	char *pos[] = { "-ab" };
	stub_set_posparams(sh, 1, pos);
	char *argv[] = { "getopts", "ab", "o", NULL };
	assert_int_equal(bi_getopts(sh, 3, argv), 0);
	assert_string_equal(var("o"), "a");
	assert_string_equal(var("OPTIND"), "1"); /* still in the cluster */
	/* OPTIND=1 by the script restarts inside a cluster (var.c tells
	 * getopts of every assignment) */
	sh_setvar(sh, "OPTIND", "1", 0);
	sh_getopts_optind_set();
	assert_int_equal(bi_getopts(sh, 3, argv), 0);
	assert_string_equal(var("o"), "a");
	assert_int_equal(bi_getopts(sh, 3, argv), 0);
	assert_string_equal(var("o"), "b");
	assert_int_equal(bi_getopts(sh, 3, argv), 1);

	char *bad[] = { "getopts", "ab", "1x", NULL };
	assert_int_equal(bi_getopts(sh, 3, bad), 2);
	assert_int_equal(bi_getopts(sh, 2, bad), 2);
}

/* ---------------------------------------------------------------- read */

/* Runs read with input on fd 0; returns the status, and in *rest what
 * read left unread. */
static int run_read(const char *input, char *rest, size_t restsz, ...)
{
	char *argv[16] = { "read" };
	int argc = 1, p[2];
	va_list ap;

	va_start(ap, restsz);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], input, strlen(input)),
			 (ssize_t)strlen(input));
	close(p[1]);
	int saved = fcntl(0, F_DUPFD_CLOEXEC, 3); /* -1: stdin was closed */
	assert_int_equal(dup2(p[0], 0), 0);
	close(p[0]);
	int status = bi_read(sh, argc, argv);
	ssize_t n = read(0, rest, restsz - 1);
	rest[n > 0 ? n : 0] = 0;
	if (saved >= 0) {
		assert_int_equal(dup2(saved, 0), 0);
		close(saved);
	} else {
		close(0);
	}
	return status;
}

#define R(input, ...) run_read(input, rest, sizeof(rest), __VA_ARGS__, NULL)

static void test_read(void **st)
{
	(void)st;
	char rest[256];

	assert_int_equal(R("a b c\nnext\n", "x", "y"), 0);
	assert_string_equal(var("x"), "a");
	assert_string_equal(var("y"), "b c");
	assert_string_equal(rest, "next\n"); /* nothing read past \n */
	R("  a   b  c  \n", "x", "y");
	assert_string_equal(var("x"), "a");
	assert_string_equal(var("y"), "b  c");
	R("a\n", "x", "y", "z");
	assert_string_equal(var("y"), "");
	assert_string_equal(var("z"), "");
	R("a\\ b c\n", "x", "y");
	assert_string_equal(var("x"), "a b");
	assert_string_equal(var("y"), "c");
	R("a\\ b c\n", "-r", "x", "y");
	assert_string_equal(var("x"), "a\\");
	assert_string_equal(var("y"), "b c");
	R("a\\\nb c\nz\n", "x", "y");
	assert_string_equal(var("x"), "ab");
	assert_string_equal(var("y"), "c");
	assert_string_equal(rest, "z\n");
	R("a\\\nb\n", "-r", "x");
	assert_string_equal(var("x"), "a\\");
	assert_string_equal(rest, "b\n");
	/* EOF: status 1, what was read is still assigned */
	assert_int_equal(R("abc", "x"), 1);
	assert_string_equal(var("x"), "abc");
	assert_int_equal(R("", "x"), 1);
	assert_string_equal(var("x"), "");

	sh_setvar(sh, "IFS", ":", 0);
	R("a:b:c\n", "x", "y");
	assert_string_equal(var("y"), "b:c");
	R("a:b:\n", "x", "y");
	assert_string_equal(var("y"), "b");
	R("a:b::\n", "x", "y");
	assert_string_equal(var("y"), "b::");
	R("a::b\n", "x", "y", "z");
	assert_string_equal(var("y"), "");
	assert_string_equal(var("z"), "b");
	R(" a \n", "x");
	assert_string_equal(var("x"), " a "); /* no IFS white space */
	sh_setvar(sh, "IFS", " :", 0);
	R(" a : b \n", "x", "y", "z");
	assert_string_equal(var("x"), "a");
	assert_string_equal(var("y"), "b");
	assert_string_equal(var("z"), "");
	R(" a : b : \n", "x", "y");
	assert_string_equal(var("y"), "b");
	sh_setvar(sh, "IFS", "", 0);
	R("  a b  \n", "x", "y");
	assert_string_equal(var("x"), "  a b  ");
	assert_string_equal(var("y"), "");
	sh_unsetvar(sh, "IFS");

	/* errors */
	assert_int_equal(R("x\n", "1x"), 2);
	sh_setvar(sh, "ro", "1", 0);
	stub_set_readonly(sh, "ro");
	assert_int_equal(R("x\n", "ro"), 2);
	assert_string_equal(var("ro"), "1");
}

int main(void)
{
#define U(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		U(test_echo),
		U(test_echo_extensions),
		U(test_printf_conversions),
		U(test_printf_args),
		U(test_printf_escapes),
		U(test_printf_errors),
		U(test_test_strings),
		U(test_test_numbers),
		U(test_test_xsi),
		cmocka_unit_test_setup_teardown(test_test_files, setup_files,
						teardown_files),
		U(test_bracket),
		U(test_umask),
		U(test_getopts),
		U(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
