/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * help.c — `help` and `help NAME`: a synopsis and one line for every
 * builtin and cshell command.  man cshell has the full story.
 */
#include <string.h>

#include "shell/shell_i.h"

static const struct {
	const char *name, *usage, *what;
} topics[] = {
	{ ".", ". FILE", "run the commands of FILE in this shell" },
	{ ":", ": [ARG...]", "do nothing, successfully" },
	{ "[", "[ EXPRESSION ]", "same as test" },
	{ "alias", "alias [NAME[=VALUE]...]", "define or list aliases" },
	{ "bg", "bg [%JOB...]", "resume stopped jobs in the background" },
	{ "break", "break [N]", "leave N enclosing loops" },
	{ "cd", "cd [-L|-P] [DIR|-]", "change the working directory" },
	{ "command", "command [-p] [-v|-V] NAME [ARG...]",
	  "run or describe NAME, skipping functions" },
	{ "continue", "continue [N]",
	  "next iteration of the Nth enclosing loop" },
	{ "down", "down [--rm] [DIR]",
	  "stop the sandbox of a Cshellfile (--rm: remove it)" },
	{ "echo", "echo [-n] [ARG...]",
	  "print arguments (backslash escapes are interpreted)" },
	{ "enter", "enter [TARGET]",
	  "run the following commands in TARGET; 'enter host' or 'leave' returns" },
	{ "eval", "eval [ARG...]", "run the arguments as a command" },
	{ "exec", "exec [COMMAND [ARG...]]",
	  "replace the shell with COMMAND, or make redirections permanent" },
	{ "exit", "exit [N]", "leave the shell with status N" },
	{ "export", "export [-p] NAME[=VALUE]...",
	  "give variables to the commands the shell runs" },
	{ "false", "false", "fail" },
	{ "fanout",
	  "fanout [-f WIDTH] [-t SECONDS] [-r N] [--gather] [--summary] SPEC [--] COMMAND...",
	  "run a command on many hosts" },
	{ "fg", "fg [%JOB]", "bring a job to the foreground" },
	{ "getopts", "getopts OPTSTRING NAME [ARG...]", "parse options" },
	{ "hash", "hash [-r] [NAME...]",
	  "remember or forget command locations" },
	{ "help", "help [NAME]", "this text" },
	{ "host", "host add|rm|ls|probe|place|clean ...",
	  "SSH hosts: the inventory, probes, placement" },
	{ "image",
	  "image pull|ls|inspect|tag|rm|prune|push|import|export|build ...",
	  "OCI images" },
	{ "jobs", "jobs [-p]", "list the jobs" },
	{ "kill", "kill [-s SIG|-SIG] PID|%JOB...  |  kill -l [N]",
	  "send a signal" },
	{ "leave", "leave", "return to the host after 'enter'" },
	{ "local", "local NAME[=VALUE]... | local -",
	  "variables (or options) restored when the function returns" },
	{ "monitor", "monitor [TARGET...] [--json] [--duration S] ...",
	  "live exec/exit/open/connect events of sandboxes" },
	{ "printf", "printf FORMAT [ARG...]", "formatted output" },
	{ "pwd", "pwd [-L|-P]", "print the working directory" },
	{ "read", "read [-r] [-p PROMPT] NAME...",
	  "read a line into variables" },
	{ "readonly", "readonly [-p] NAME[=VALUE]...",
	  "make variables read-only" },
	{ "return", "return [N]", "return from a function or . file" },
	{ "sandbox",
	  "sandbox create|ls|inspect|exec|stop|start|rm|logs|diff|commit|run|stats ...",
	  "namespaced sandboxes (alias sb)" },
	{ "set", "set [-eufxnCav] [-o OPTION] [--] [ARG...]",
	  "shell options and positional parameters" },
	{ "shift", "shift [N]", "drop the first N positional parameters" },
	{ "test", "test EXPRESSION", "evaluate a condition" },
	{ "times", "times", "print the shell's and its children's CPU times" },
	{ "trap", "trap [ACTION] CONDITION...",
	  "run ACTION on a signal or EXIT" },
	{ "true", "true", "succeed" },
	{ "type", "type NAME...", "say how NAME would be run" },
	{ "ulimit", "ulimit [-HS] [-a | -cdfnstv [LIMIT]]",
	  "show or set a resource limit of the shell and its children" },
	{ "umask", "umask [-S] [MODE]", "the file mode creation mask" },
	{ "unalias", "unalias -a | NAME...", "remove aliases" },
	{ "unset", "unset [-f|-v] NAME...", "remove variables or functions" },
	{ "up", "up [DIR] [--locked] [--rebuild] [-- CMD...]",
	  "build and enter the environment of a Cshellfile (man 5 Cshellfile)" },
	{ "wait", "wait [PID|%JOB...]", "wait for background jobs" },
};

int sh_help_usage(const char *name)
{
	for (size_t k = 0; k < CS_ARRAY_SIZE(topics); k++) {
		if (!strcmp(topics[k].name, name)) {
			printf("usage: %s\n    %s\n", topics[k].usage,
			       topics[k].what);
			return 0;
		}
	}
	return -1;
}

int bi_help(struct sh *sh, int argc, char **argv)
{
	if (argc == 1) {
		printf("cshell: POSIX sh in which @TARGET says where a command runs.\n"
		       "  @T cmd        run cmd in sandbox T (@host: here)\n"
		       "  @T1,T2 cmd    run it in each (also @sb*), lines prefixed\n"
		       "  enter T       make T the default target; leave returns\n"
		       "Builtins (help NAME for one; man cshell for all):\n");
		for (size_t i = 0; i < CS_ARRAY_SIZE(topics); i++)
			printf("  %-45s %s\n", topics[i].usage, topics[i].what);
		return 0;
	}
	int st = 0;
	for (int i = 1; i < argc; i++) {
		size_t k;
		for (k = 0; k < CS_ARRAY_SIZE(topics); k++)
			if (!strcmp(topics[k].name, argv[i]))
				break;
		if (k == CS_ARRAY_SIZE(topics)) {
			sh_err(sh,
			       "help: no help for '%s' (try 'help' or 'man cshell')",
			       argv[i]);
			st = 1;
			continue;
		}
		printf("%s\n    %s\n", topics[k].usage, topics[k].what);
	}
	return st;
}
