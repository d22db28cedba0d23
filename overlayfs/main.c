// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * main.c — the cshell-fs daemon: parses the fuse-overlayfs compatible
 * command line and hands over to ovl_serve() (overlayfs/serve.c).
 */
#include "overlayfs/overlayfs.h"

int main(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config cfg;
	char *mnt = NULL;
	int r;

	cs_log_set_prog("cshell-fs");
	ovl_config_init(&cfg);
	r = ovl_config_from_args(&cfg, argc, argv, &mnt, &err);
	if (r == 1) {
		ovl_usage(stdout, "cshell-fs");
		ovl_config_release(&cfg);
		return 0;
	}
	if (r == 2) {
		puts("cshell-fs 0.1");
		ovl_config_release(&cfg);
		return 0;
	}
	if (r == 0)
		r = ovl_serve(&cfg, mnt, &err);
	if (r < 0) {
		cs_error_print(&err, "cshell-fs");
		cs_error_release(&err);
	}
	free(mnt);
	ovl_config_release(&cfg);
	return r < 0 ? 1 : 0;
}
