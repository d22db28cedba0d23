// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_ovl_config.c — libFuzzer target for what cshell-fs parses: the
 * fuse-overlayfs option string (lowerdir lists with escapes, key=value
 * options; podman builds it from image and user input), a whole command
 * line (the input split at newlines), and the OCI whiteout names that come
 * from untrusted layers.  Crashes, leaks and UB are the findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "overlayfs/overlayfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_error err = CS_ERROR_INIT;
	struct ovl_config cfg;
	char *s = malloc(size + 1), *argv[17], *mnt = NULL, *p;
	int argc = 1;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;

	ovl_config_init(&cfg);
	ovl_config_parse(&cfg, s, &err);
	cs_error_release(&err);
	ovl_config_release(&cfg);

	/* the names between commas as directory entries of a layer */
	for (p = s; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		char name[256];
		size_t n = strcspn(p, ",");

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = 0;
		if (ovl_name_is_marker(name))
			(void)ovl_whiteout_target(name);
	}

	/* a command line: "cshell-fs" then the input's lines */
	argv[0] = "cshell-fs";
	for (p = s; *p && argc < 16;) {
		argv[argc++] = p;
		p += strcspn(p, "\n");
		if (*p)
			*p++ = 0;
	}
	argv[argc] = NULL;
	ovl_config_init(&cfg);
	ovl_config_from_args(&cfg, argc, argv, &mnt, &err);
	free(mnt);
	cs_error_release(&err);
	ovl_config_release(&cfg);
	free(s);
	return 0;
}
