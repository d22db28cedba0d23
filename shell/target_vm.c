// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * target_vm.c — the target backend of VMs (vm/): `@old cmd` relays cmd to
 * the guest agent of VM old (vm_exec) from the forked child, which then
 * exits with the remote status.  VMs are made by `sandbox create NAME
 * --kernel K` (bi_sandbox.c runs cshell-vm boot).
 */
#include <fnmatch.h>
#include <string.h>

#include "shell/target_i.h"
#include "vm/vm.h"

static void free_names(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int vm_resolve(const char *word, struct sh_targets *out,
		      struct cs_error *err)
{
	char **names;
	int added = 0;

	if (!sh_target_is_glob(word)) {
		if (!vm_exists(word)) {
			if (!vm_known(word))
				return 0;
			/* stopped (or its QEMU died): its record stays */
			cs_error_set(err, 0,
				     "VM '%s' is not running ('sandbox start "
				     "%s' starts it)",
				     word, word);
			return -1;
		}
		sh_targets_add(out, &sh_backend_vm, word, NULL);
		return 1;
	}
	names = vm_names();
	for (char **p = names; *p; p++)
		if (fnmatch(word, *p, 0) == 0 && vm_exists(*p)) {
			sh_targets_add(out, &sh_backend_vm, *p, NULL);
			added++;
		}
	free_names(names);
	return added;
}

static int vm_enter(const struct sh_target *t, char **argv,
		    const char *const **env, struct cs_error *err)
{
	struct vm_exec_opts o = {
		.argv = argv,
		.tty = -1,
		.in = 0,
		.out = 1,
		.errfd = 2,
	};
	int st;

	*env = NULL;
	fflush(NULL);
	st = vm_exec(t->name, &o, err);
	if (st < 0)
		return cs_error_wrap(err, "cannot run in VM '%s'", t->name);
	_exit(st);
}

static char **vm_target_names(void)
{
	return vm_names();
}

const struct sh_backend sh_backend_vm = {
	.name = "vm",
	.resolve = vm_resolve,
	.enter = vm_enter,
	.names = vm_target_names,
};
