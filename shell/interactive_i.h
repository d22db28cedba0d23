/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interactive_i.h — the terminal front end (GNU readline): prompts,
 * history and editing modes.  Private to shell/.
 */
#ifndef CSHELL_SHELL_INTERACTIVE_I_H
#define CSHELL_SHELL_INTERACTIVE_I_H

#include <stdbool.h>

struct sh;

/* Sets up readline and history for an interactive shell. */
void sh_interactive_init(struct sh *sh);
/* Reads one line with the PS1 (or PS2 while a command continues) prompt.
 * Returns a malloc'd line ending in '\n', or NULL at end of input. */
char *sh_readline(struct sh *sh);
/* Writes the history file (no-op when not interactive). */
void sh_history_save(struct sh *sh);
/* `set -o vi` / `set -o emacs` switch the readline keymap. */
void sh_editing_mode_changed(struct sh *sh);
/* Adds the command just parsed (all its lines) to the history. */
void sh_history_commit(struct sh *sh);
/* PS1 escapes (\u \h \w \W \$ \t \T …) then parameter expansion:
 * malloc'd. */
char *sh_expand_prompt(struct sh *sh, const char *ps);
/* The start-up file (rcfile, or $CSHELL_CONFIG_DIR or the config root's
 * cshellrc; none with norc) and then $ENV, for interactive shells. */
void sh_run_rcfiles(struct sh *sh, bool norc, const char *rcfile);
/* The history file: $CSHELL_HISTFILE or the state root's (malloc'd). */
char *sh_history_path(void);
/* complete.c: installs the completion functions. */
void sh_complete_init(struct sh *sh);

#endif
