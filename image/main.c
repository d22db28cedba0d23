/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — cshell-image, the program behind the `image` builtin: a thin
 * main() over img_cli() (cli.c).
 */
#include "image/image.h"

int main(int argc, char **argv)
{
	cs_log_set_prog("cshell");
	return img_cli(argc, argv);
}
