/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interactive.c — the terminal front end over GNU readline: the prompt
 * (PS1, PS2 while a command continues), history, and the editing mode.
 */
#include <stdio.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "shell/interactive_i.h"
#include "shell/shell_i.h"

static bool active;

void sh_interactive_init(struct sh *sh)
{
	(void)sh;
	active = true;
	rl_readline_name = "cshell";
	using_history();
}

char *sh_readline(struct sh *sh)
{
	const char *ps = sh->continuation ? sh_getvar(sh, "PS2")
					  : sh_getvar(sh, "PS1");
	char *line;

	sh->continuation = true;
	fflush(stdout);
	line = readline(ps ? ps : "");
	if (!line)
		return NULL;
	if (*line)
		add_history(line);
	char *r = xasprintf("%s\n", line);
	free(line);
	return r;
}

void sh_history_save(struct sh *sh)
{
	(void)sh;
}

void sh_editing_mode_changed(struct sh *sh)
{
	if (!active)
		return;
	rl_editing_mode = sh->opts[OPT_VI] ? 0 : 1;
}
