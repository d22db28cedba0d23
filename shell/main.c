/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — the cshell program: a thin wrapper over sh_main().
 */
#include "shell/shell.h"

int main(int argc, char **argv)
{
	return sh_main(argc, argv);
}
