/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shell.h — the cshell language: a POSIX sh interpreter with `@target`
 * routing.  main() is a thin wrapper over sh_main(); other modules never
 * include this header (shell/ is the module that knows all the others).
 */
#ifndef CSHELL_SHELL_SHELL_H
#define CSHELL_SHELL_SHELL_H

#include "lib/lib.h"

struct sh;

/* Runs cshell with a command line as main() gets it.  Returns the exit
 * status (it may also exit directly, e.g. on `exit`). */
int sh_main(int argc, char **argv);

#endif
