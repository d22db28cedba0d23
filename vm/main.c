// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * main.c — cshell-vm, a thin driver over vm/ for tests and for trying a
 * kernel by hand (the shell reaches the same library through `sandbox
 * create --kernel` and `@NAME`):
 *
 *   cshell-vm boot NAME --kernel K [--root DIR | --layer DIR...]
 *             [--ro|--read-only]
 *             [--mount S:D[:ro]] [--env K=V] [--workdir D] [--hostname H]
 *             [--cpus N] [--memory SIZE] [--timeout S] [--virtiofs] [--vm]
 * (the options `sandbox create --kernel` takes, so the shell hands them
 * over as they are)
 *   cshell-vm start NAME          (a stopped VM, from its record)
 *   cshell-vm run [boot options] [--] CMD [ARG...]   (an ephemeral VM)
 *   cshell-vm exec NAME [-t|-T] [-C DIR] [--] CMD [ARG...]
 *   cshell-vm stop NAME [--timeout MS]   (the record stays)
 *   cshell-vm rm NAME             (stops it and removes its record)
 *   cshell-vm ping NAME
 *   cshell-vm kernel SPEC
 *   cshell-vm accel
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "vm/vm.h"

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: cshell-vm boot NAME --kernel K [--root DIR | --layer DIR...] "
		"[--read-only]\n"
		"                 [--mount S:D[:ro]]\n"
		"                 [--env K=V] [--workdir D] [--hostname H] "
		"[--cpus N] [--memory SIZE]\n"
		"                 [--timeout S] [--virtiofs]\n"
		"       cshell-vm start NAME\n"
		"       cshell-vm run [boot options] [--] CMD [ARG...]\n"
		"       cshell-vm exec NAME [-t|-T] [-C DIR] [--] CMD [ARG...]\n"
		"       cshell-vm stop NAME [--timeout MS]\n"
		"       cshell-vm rm NAME\n"
		"       cshell-vm ping NAME\n"
		"       cshell-vm kernel SPEC\n"
		"       cshell-vm accel\n");
	return status;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Parses the options of `boot`/`run` from argv[*i] on into cfg, up to
 * "--" (consumed) or, with stop_at_word, the first word that is no
 * option.  0 or -1 + err.
 */
static int parse_opts(int argc, char **argv, int *i, int stop_at_word,
		      struct vm_config *cfg, struct cs_error *err)
{
	for (; *i < argc; (*i)++) {
		const char *o = argv[*i],
			   *v = *i + 1 < argc ? argv[*i + 1] : NULL;

		if (!strcmp(o, "--")) {
			(*i)++;
			break;
		}
		if (stop_at_word && o[0] != '-')
			break;
		if (!strcmp(o, "--ro") || !strcmp(o, "--read-only")) {
			cfg->root_ro = 1;
			continue;
		}
		if (!strcmp(o, "--vm"))
			continue;
		if (!strcmp(o, "--virtiofs")) {
			cfg->virtiofs = 1;
			continue;
		}
		if (!v || o[0] != '-')
			return cs_error_set(err, 0, "'%s' needs a value", o);
		(*i)++;
		if (!strcmp(o, "--kernel")) {
			/* kept in the record: a relative path must still
			 * name the same file at `sandbox start` */
			char *abs = strchr(v, '/') ? realpath(v, NULL) : NULL;

			free(cfg->kernel);
			cfg->kernel = abs ? abs : xstrdup(v);
		} else if (!strcmp(o, "--layer")) {
			char *abs = realpath(v, NULL);

			vm_config_add_layer(cfg, abs ? abs : v);
			free(abs);
		} else if (!strcmp(o, "--root")) {
			free(cfg->root), cfg->root = xstrdup(v);
		} else if (!strcmp(o, "--workdir")) {
			free(cfg->workdir), cfg->workdir = xstrdup(v);
		} else if (!strcmp(o, "--hostname")) {
			free(cfg->hostname), cfg->hostname = xstrdup(v);
		} else if (!strcmp(o, "--image")) {
			/* recorded only: the shell resolved it into --layer,
			 * --env and --workdir */
			free(cfg->image), cfg->image = xstrdup(v);
		} else if (!strcmp(o, "--env")) {
			vm_config_add_env(cfg, v);
		} else if (!strcmp(o, "--timeout")) {
			cfg->boot_timeout = atoi(v);
		} else if (!strcmp(o, "--cpus")) {
			uint64_t milli;

			if (sbx_parse_cpus(v, &milli, err) < 0)
				return -1;
			cfg->cpus = (unsigned)((milli + 999) / 1000);
			/* as docker refuses: more vCPUs than the host has
			 * only slow the guest (under TCG 99 of them did not
			 * boot in 30 s on 2 cores) */
			if (cfg->cpus > (unsigned)sysconf(_SC_NPROCESSORS_ONLN))
				return cs_error_set(
					err, 0,
					"--cpus %s is more than "
					"this host's %ld CPUs",
					v, sysconf(_SC_NPROCESSORS_ONLN));
		} else if (!strcmp(o, "--memory")) {
			if (sbx_parse_size(v, &cfg->memory, err) < 0)
				return -1;
			/* QEMU would take less than a MiB as its default */
			if (cfg->memory < VM_MIN_MEMORY)
				return cs_error_set(
					err, 0,
					"--memory %s is too little for a VM: "
					"it needs at least %llum (the default "
					"is 512m)",
					v, VM_MIN_MEMORY >> 20);
		} else if (!strcmp(o, "--mount")) {
			/* the sandbox's own parser: same syntax, relative
			 * sources made absolute */
			struct sbx_spec spec;
			int r;

			sbx_spec_init(&spec);
			r = sbx_parse_mount(&spec, v, err);
			if (r == 0)
				vm_config_add_mount(cfg, spec.mounts[0].src,
						    spec.mounts[0].dst,
						    spec.mounts[0].ro);
			sbx_spec_release(&spec);
			if (r < 0)
				return -1;
		} else {
			return cs_error_set(err, 0,
					    "option '%s' is not supported for "
					    "a VM",
					    o);
		}
	}
	if (!cfg->kernel)
		return cs_error_set(err, 0, "no --kernel given");
	/* as a sandbox: no layers is the host root as the only one */
	if (!cfg->root && !cfg->nlayers)
		vm_config_add_layer(cfg, "/");
	return 0;
}

/* whether the supervisor restored the VM from a snapshot (inspect's
 * "boot") */
static int restored(const char *name)
{
	struct vm_info vi;
	int r;

	if (vm_inspect(name, &vi, NULL) < 0)
		return 0;
	r = vi.boot && !strcmp(vi.boot, "restored");
	vm_info_release(&vi);
	return r;
}

static void booted(const struct vm_config *cfg, double t0)
{
	char *reason = NULL;
	enum vm_accel a;

	if (getenv("CSHELL_VM_QUIET"))
		return;
	a = vm_accel_detect(&reason);
	printf("%s %s in %.2f s (%s: %s)\n", cfg->name,
	       restored(cfg->name) ? "restored from a snapshot" : "booted",
	       now() - t0, a == VM_ACCEL_KVM ? "kvm" : "tcg", reason);
	free(reason);
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

/* A ^C (or TERM, HUP) while a VM boots must not leave it half made or
 * running against the user's wish: the signal is noted, and acted on
 * once the boot is over (boot, start and run undo it). */
static const int boot_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void catch_interrupts(struct sigaction old[3])
{
	struct sigaction sa = { .sa_handler = on_interrupt };

	for (size_t s = 0; s < CS_ARRAY_SIZE(boot_sigs); s++)
		sigaction(boot_sigs[s], &sa, &old[s]);
}

static void restore_interrupts(const struct sigaction old[3])
{
	for (size_t s = 0; s < CS_ARRAY_SIZE(boot_sigs); s++)
		sigaction(boot_sigs[s], &old[s], NULL);
}

/* boot NAME [options]: a new VM, recorded, then booted; a failed boot
 * leaves nothing, nor does one interrupted. */
static int boot(int argc, char **argv, struct cs_error *err)
{
	struct vm_config cfg;
	struct sigaction old[3];
	double t0 = now();
	int i = 1, r;

	vm_config_init(&cfg);
	r = parse_opts(argc, argv, &i, 0, &cfg, err);
	cfg.name = xstrdup(argv[0]);
	catch_interrupts(old);
	if (r == 0)
		r = vm_record_create(&cfg, err);
	if (r == 0) {
		r = vm_boot(&cfg, err);
		if (r < 0 || interrupted)
			vm_remove(cfg.name, 1, NULL);
	}
	restore_interrupts(old);
	if (r == 0 && interrupted) {
		cs_error_set(err, 0, "interrupted: VM %s removed", cfg.name);
		r = 128 + interrupted;
	} else if (r == 0) {
		booted(&cfg, t0);
	}
	vm_config_release(&cfg);
	return r < 0 ? 1 : r;
}

/* start NAME: boots a stopped VM again from its record. */
static int start(const char *name, struct cs_error *err)
{
	struct vm_config cfg;
	struct sigaction old[3];
	double t0 = now();
	int r;

	if (vm_record_load(name, &cfg, err) < 0)
		return 1;
	catch_interrupts(old);
	r = vm_boot(&cfg, err);
	if (r == 0 && interrupted)
		vm_stop(name, 3000, NULL);
	restore_interrupts(old);
	if (r == 0 && interrupted) {
		cs_error_set(err, 0, "interrupted: VM %s stopped again", name);
		r = 128 + interrupted;
	} else if (r == 0) {
		booted(&cfg, t0);
	}
	vm_config_release(&cfg);
	return r < 0 ? 1 : r;
}

/* run [options] [--] CMD [ARG...]: an ephemeral VM for one command,
 * removed after it; the command's status. */
static int run(int argc, char **argv, struct cs_error *err)
{
	struct vm_config cfg;
	struct sigaction old[3];
	int i = 0, r;

	vm_config_init(&cfg);
	r = parse_opts(argc, argv, &i, 1, &cfg, err);
	if (r == 0 && i >= argc)
		r = cs_error_set(err, 0, "run: no command given");
	if (r < 0) {
		vm_config_release(&cfg);
		return 125;
	}
	cfg.name = xasprintf("run-%d", (int)getpid());
	cfg.ephemeral = 1;
	catch_interrupts(old);
	r = vm_record_create(&cfg, err);
	if (r == 0)
		r = vm_boot(&cfg, err);
	restore_interrupts(old);
	if (r == 0 && !interrupted) {
		struct vm_exec_opts o = {
			.argv = argv + i, .tty = -1, .out = 1, .errfd = 2
		};

		r = vm_exec(cfg.name, &o, err);
	} else if (r == 0) {
		r = 128 + interrupted;
	} else {
		r = -1;
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	vm_remove(cfg.name, 1, NULL);
	vm_config_release(&cfg);
	return r < 0 ? 125 : r;
}

static int exec_cmd(int argc, char **argv, struct cs_error *err)
{
	struct vm_exec_opts o = { .tty = -1, .in = 0, .out = 1, .errfd = 2 };
	int i = 1, r;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-t")) {
			o.tty = 1;
		} else if (!strcmp(argv[i], "-T")) {
			o.tty = 0;
		} else if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			o.cwd = argv[++i];
		} else {
			return usage(stderr, 2);
		}
	}
	if (i >= argc)
		return usage(stderr, 2);
	o.argv = argv + i;
	r = vm_exec(argv[0], &o, err);
	return r < 0 ? 255 : r;
}

static int known_command(const char *cmd)
{
	static const char *const cmds[] = { "boot", "start",  "run",
					    "exec", "stop",   "rm",
					    "ping", "kernel", "accel" };

	for (size_t i = 0; i < CS_ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmd, cmds[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct cs_error err = CS_ERROR_INIT;
	const char *cmd = argc > 1 ? argv[1] : "";
	int r = 2;

	cs_log_set_prog("cshell-vm");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
		return usage(stdout, 0);
	if (!known_command(cmd)) {
		if (*cmd)
			fprintf(stderr, "cshell-vm: unknown command '%s'\n",
				cmd);
		return usage(stderr, 2);
	}
	if (!strcmp(cmd, "accel")) {
		char *reason;
		enum vm_accel a = vm_accel_detect(&reason);

		printf("%s: %s\n", a == VM_ACCEL_KVM ? "kvm" : "tcg", reason);
		free(reason);
		return 0;
	}
	if (argc < 3)
		return usage(stderr, 2);
	if (!strcmp(cmd, "boot")) {
		r = boot(argc - 2, argv + 2, &err);
	} else if (!strcmp(cmd, "start")) {
		r = start(argv[2], &err);
	} else if (!strcmp(cmd, "rm")) {
		r = vm_remove(argv[2], 1, &err) < 0;
	} else if (!strcmp(cmd, "run")) {
		r = run(argc - 2, argv + 2, &err);
		if (r == 125 && err.msg)
			cs_error_print(&err, "cshell-vm");
		cs_error_release(&err);
		return r;
	} else if (!strcmp(cmd, "exec")) {
		r = exec_cmd(argc - 2, argv + 2, &err);
		if (r == 255 && err.msg)
			cs_error_print(&err, "cshell-vm");
		cs_error_release(&err);
		return r;
	} else if (!strcmp(cmd, "stop")) {
		int ms = argc > 4 && !strcmp(argv[3], "--timeout") ?
				 atoi(argv[4]) :
				 10000;

		r = vm_stop(argv[2], ms, &err) < 0;
	} else if (!strcmp(cmd, "ping")) {
		long us;

		r = vm_ping(argv[2], 5000, &us, &err) < 0;
		if (!r)
			printf("%s answered in %.3f ms\n", argv[2],
			       us / 1000.0);
	} else if (!strcmp(cmd, "kernel")) {
		struct vm_kernel k;

		r = vm_kernel_resolve(argv[2], &k, &err) < 0;
		if (!r) {
			printf("vmlinux=%s\nmodules=%s\nrelease=%s\ndigest=%s\n",
			       k.vmlinux, k.modules ? k.modules : "", k.release,
			       k.digest);
			vm_kernel_release(&k);
		}
	} else {
		return usage(stderr, 2);
	}
	/* 1: failed; 128 + N: interrupted by signal N, and undone */
	if (r == 1 || (r > 128 && err.msg))
		cs_error_print(&err, "cshell-vm");
	cs_error_release(&err);
	return r;
}
