#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-seccomp.sh — the default seccomp filter is an
# allow list: (1) what ordinary work needs still runs in a sandbox over the
# host root (shell, coreutils, gcc, python3, perl, tar, git, ps, ip, a
# threaded program, the event fds, the newer calls glibc uses); (2) what
# Docker's profile refuses is refused here too, with the errno the docs
# promise: EPERM for the refused calls and argument values, ENOSYS for a
# call outside the list; (3) the inheritable capability set is empty;
# (4) the cached filter is a binary search on the call number: no call
# number runs more than 64 of its instructions (a linear list: ~350).
#
# The probe prints "ok NAME" or "not ok NAME: why" per check; a case that
# cannot be set up prints "skip NAME: why".

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-seccomp "$SBX_SKIP"
	exit 0
fi
if ! command -v gcc >/dev/null; then
	skip sandbox-seccomp "gcc is missing"
	exit 0
fi

w=$work/w
mkdir -p "$w/tmp"
cat >"$w/probe.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int bad;

static void ok(const char *name, int good, const char *why)
{
	if (good) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: %s\n", name, why);
		bad = 1;
	}
}

/* the call must work: any result but the filter's EPERM / ENOSYS */
static void works(const char *name, long r)
{
	char why[96];

	snprintf(why, sizeof(why), "%s", strerror(errno));
	ok(name, r >= 0, why);
}

/* the call must fail with exactly want */
static void refused(const char *name, long r, int want)
{
	char why[96];

	snprintf(why, sizeof(why), "%s (want %s)",
		 r < 0 ? strerror(errno) : "succeeded", strerror(want));
	ok(name, r < 0 && errno == want, why);
}

static void *thread(void *arg)
{
	return (char *)arg + 1;
}

static void workload(void)
{
	pthread_t t[4];
	int fds[2], efd, ep, tfd, sfd, in, good = 1;
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	struct statx stx;
	sigset_t set;
	uint64_t n;
	char buf[64], *p;
	pid_t pid;

	/* glibc starts threads with clone3 and falls back to clone on
	 * ENOSYS */
	for (int i = 0; i < 4; i++)
		good &= pthread_create(&t[i], NULL, thread, buf + i) == 0;
	for (int i = 0; i < 4; i++) {
		void *ret = NULL;

		good &= pthread_join(t[i], &ret) == 0 && ret == buf + i + 1;
	}
	ok("threads", good, "pthread_create/join failed");
	refused("clone3-enosys", syscall(SYS_clone3, NULL, 0), ENOSYS);
	pid = fork();
	if (pid == 0)
		_exit(7);
	ok("fork", pid > 0 && waitpid(pid, &in, 0) == pid &&
			   WIFEXITED(in) && WEXITSTATUS(in) == 7,
	   strerror(errno));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ok("mmap", p != MAP_FAILED, strerror(errno));
	if (p != MAP_FAILED) {
		p[0] = 1;
		works("mprotect", mprotect(p, 8192, PROT_READ));
		works("munmap", munmap(p, 8192));
	}
	works("pipe2", pipe2(fds, O_CLOEXEC));
	works("ioctl-fionread", ioctl(fds[0], FIONREAD, &in));
	works("eventfd", efd = eventfd(0, EFD_CLOEXEC));
	works("epoll_create1", ep = epoll_create1(EPOLL_CLOEXEC));
	works("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	n = 1;
	works("eventfd-write", write(efd, &n, sizeof(n)));
	ok("epoll_wait", epoll_wait(ep, &ev, 1, 1000) == 1, strerror(errno));
	works("timerfd_create", tfd = timerfd_create(CLOCK_MONOTONIC, 0));
	works("timerfd_settime", timerfd_settime(tfd, 0, &its, NULL));
	ok("timerfd-read", read(tfd, &n, sizeof(n)) == sizeof(n),
	   strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	works("signalfd", sfd = signalfd(-1, &set, SFD_CLOEXEC));
	raise(SIGUSR1);
	{
		struct signalfd_siginfo si;

		ok("signalfd-read",
		   read(sfd, &si, sizeof(si)) == sizeof(si) &&
			   si.ssi_signo == SIGUSR1,
		   strerror(errno));
	}
	works("inotify_init1", in = inotify_init1(IN_CLOEXEC));
	works("inotify_add_watch", inotify_add_watch(in, "/", IN_CREATE));
	works("getrandom", getrandom(buf, 16, 0));
	works("statx", statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &stx));
	works("faccessat2",
	      syscall(SYS_faccessat2, AT_FDCWD, "/", R_OK, AT_EACCESS));
	works("memfd_create", memfd_create("probe", MFD_CLOEXEC));
	works("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
	works("socket-inet", socket(AF_INET, SOCK_DGRAM, 0));
	works("socket-inet6", socket(AF_INET6, SOCK_DGRAM, 0));
	works("socket-netlink",
	      socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	works("personality-query", personality(0xffffffff));
	works("personality-linux32", personality(PER_LINUX32));
	works("personality-linux", personality(PER_LINUX));
	works("prctl", prctl(PR_SET_NAME, "probe"));
	works("sched_getaffinity",
	      sched_getaffinity(0, sizeof(cpu_set_t), &(cpu_set_t){ 0 }));
	/* glibc registered rseq already (EBUSY), or it is free to */
	{
		static __attribute__((aligned(32))) char area[32];
		long r = syscall(SYS_rseq, area, 32, 0, 0x53053053);

		ok("rseq", r == 0 || errno == EBUSY || errno == EINVAL,
		   strerror(errno));
	}
	/* last: closes every fd above 2 */
	works("close_range", syscall(SYS_close_range, 3, ~0U, 0));
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(t, "workload")) {
		workload();
	} else if (!strcmp(t, "refusals")) {
		refused("socket-vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0),
			EPERM);
		/* the kernel takes an int: high bits must not get past */
		refused("socket-vsock-highbits",
			syscall(SYS_socket, 0x100000028UL, SOCK_STREAM, 0),
			EPERM);
		refused("socket-alg", socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0),
			EPERM);
		refused("personality-read-implies-exec",
			personality(READ_IMPLIES_EXEC), EPERM);
		refused("personality-addr-no-randomize",
			personality(ADDR_NO_RANDOMIZE), EPERM);
		refused("migrate_pages",
			syscall(SYS_migrate_pages, 0, 0, NULL, NULL), EPERM);
		refused("set_mempolicy_home_node",
			syscall(450 /* set_mempolicy_home_node */, 0, 0, 0, 0),
			EPERM);
		refused("process_madvise",
			syscall(SYS_process_madvise, -1, NULL, 0, 0, 0), EPERM);
		refused("unknown-syscall-1000", syscall(1000), ENOSYS);
	} else if (!strcmp(t, "syscall")) {
		/* argv[2]: a call the kernel has but the list lacks */
		refused("syscall-outside-list", syscall(atol(argv[2]), -1, NULL, NULL, 0, 0),
			ENOSYS);
	} else if (!strcmp(t, "host-has")) {
		/* on the host: does the kernel have call argv[2]? */
		return syscall(atol(argv[2]), -1, NULL, NULL, 0, 0) < 0 &&
		       errno == ENOSYS;
	} else if (!strcmp(t, "handle")) {
		/* on the host: the handle of argv[2] as TYPE:HEX */
		struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
		int mnt;

		fh->handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(AT_FDCWD, argv[2], fh, &mnt, 0) < 0)
			return 1;
		printf("%d:", fh->handle_type);
		for (unsigned i = 0; i < fh->handle_bytes; i++)
			printf("%02x", fh->f_handle[i]);
		printf("\n");
	} else if (!strcmp(t, "open-handle")) {
		/* argv[2]: a directory on the same file system, argv[3]: a
		 * handle made on the host — forged, as far as the sandbox
		 * knows */
		struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
		const char *hex = strchr(argv[3], ':') + 1;
		int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
		long fd;

		fh->handle_type = atoi(argv[3]);
		fh->handle_bytes = (unsigned)strlen(hex) / 2;
		for (unsigned i = 0; i < fh->handle_bytes; i++)
			fh->f_handle[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
							  hexval(hex[2 * i + 1]));
		fd = syscall(SYS_open_by_handle_at, dir, fh, O_RDONLY);
		if (fd >= 0) {
			char buf[64] = "";

			if (read((int)fd, buf, sizeof(buf) - 1) < 0)
				buf[0] = 0;
			printf("opened by handle: %s", buf);
		}
		refused("open_by_handle_at", fd, EPERM);
	} else {
		fprintf(stderr, "unknown case '%s'\n", t);
		return 2;
	}
	return bad;
}
EOF
if ! gcc -static -O1 -pthread -o "$w/probe" "$w/probe.c" 2>"$work/probe.log"; then
	skip sandbox-seccomp "cannot build the static probe: $(head -2 "$work/probe.log")"
	exit 0
fi

# report OUTPUT [PREFIX]: the probe's ok / not ok / skip lines as results
report() {
	local line name
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "sandbox-seccomp-$2${line#ok }" ;;
		"not ok "*)
			name=${line#not ok }
			fail "sandbox-seccomp-$2${name%%:*}" "${name#*: }"
			;;
		"skip "*)
			name=${line#skip }
			skip "sandbox-seccomp-$2${name%%:*}" "${name#*: }"
			;;
		esac
	done <<<"$1"
}

# expect_ran NAME OUTPUT: the probe (or script) ran and reported, i.e. the
# sandbox started
expect_ran() {
	if ! grep -Eq '^(not )?ok ' <<<"$2"; then
		fail "sandbox-seccomp-$1" "nothing ran: $(tail -5 <<<"$2" | tr '\n' ' ')"
	fi
}

# (1) the probe's own workload, static and built by gcc inside
out=$(sbx run --read-only --mount "$w:$w" -- "$w/probe" workload 2>&1)
report "$out"
expect_ran workload "$out"

# real tools over the host root; each step prints ok/not ok
cat >"$w/work.sh" <<'EOF'
step() { # NAME COMMAND...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok $name"
	else
		echo "not ok $name: status $?: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
	fi
}
have() { command -v "$1" >/dev/null; }
W=$1
T=$W/tmp
# the host root is read-only: temp files (gcc's) go to the mount
export TMPDIR=$T
step sh sh -c 'x=$((6 * 7)); [ "$x" = 42 ] && case $x in 4*) true ;; esac'
step coreutils sh -c "ls -la / >/dev/null && mkdir -p $T/d/e && echo hi >$T/d/f &&
	cp $T/d/f $T/d/g && mv $T/d/g $T/d/h && ln -s h $T/d/l &&
	chmod 600 $T/d/h && touch -d @0 $T/d/h && stat $T/d/l >/dev/null &&
	sort /etc/passwd | wc -l >/dev/null && sha256sum $T/d/f >/dev/null &&
	seq 1 1000 | xargs -n 100 echo | tail -1 | grep -q 1000 &&
	rm -r $T/d && id -u >/dev/null && uname -a >/dev/null && env >/dev/null"
step date date -u +%s
step sleep sleep 0.2
step timeout timeout 5 sleep 0.1
step cc sh -c "cc -O1 -pthread -o $T/probe-dyn $W/probe.c && $T/probe-dyn workload >$T/probe-dyn.out"
step make make --version
step make-build sh -c "printf 'all:\n\techo built >$T/made\n' >$T/Makefile && make -s -C $T && grep -q built $T/made"
step git sh -c "git --version && git init -q $T/repo && cd $T/repo && echo x >f &&
	git add f && git -c user.name=t -c user.email=t@t commit -qm x && git log --oneline | grep -q x"
step python3 python3 -c '
import hashlib, json, os, socket, subprocess, sys, tempfile, threading
out = []
t = threading.Thread(target=lambda: out.append(hashlib.sha256(os.urandom(32)).hexdigest()))
t.start(); t.join()
assert out and json.loads(json.dumps({"a": 1}))["a"] == 1
assert subprocess.run(["true"]).returncode == 0
a, b = socket.socketpair(); a.send(b"x"); assert b.recv(1) == b"x"
with tempfile.TemporaryDirectory(dir=sys.argv[1]) as d: open(os.path.join(d, "f"), "w").write("x")
' "$T"
if have perl; then
	step perl perl -e 'my $p = fork; if (!$p) { exit 3 } waitpid($p, 0); exit(($? >> 8) == 3 ? 0 : 1)'
fi
step tar-gzip sh -c "tar -C /usr/include -czf $T/a.tgz stdio.h stdlib.h && tar -tzf $T/a.tgz | grep -q stdio.h &&
	gzip -t $T/a.tgz && mkdir -p $T/x && tar -C $T/x -xzf $T/a.tgz && cmp $T/x/stdio.h /usr/include/stdio.h"
step find find / -xdev -maxdepth 2 -name 'sh*'
step ps ps -ef
step ip ip addr show lo
EOF
out=$(sbx run --read-only --mount "$w:$w" -- /bin/sh "$w/work.sh" "$w" 2>&1)
report "$out" tool-
expect_ran tools "$out"
# a script that stopped half-way: the steps it never reached
if grep -Eq '^(not )?ok ' <<<"$out"; then
	for t in sh coreutils date sleep timeout cc make make-build git \
		python3 tar-gzip find ps ip; do
		grep -Eq "^(not )?ok $t(:|\$)" <<<"$out" ||
			fail "sandbox-seccomp-tool-$t" "no result: $(tail -3 <<<"$out" | tr '\n' ' ')"
	done
fi
if [ -f "$w/tmp/probe-dyn.out" ]; then
	report "$(cat "$w/tmp/probe-dyn.out")" dyn-
fi

# (2) refusals, with the errno documented in docs/sandbox.md
out=$(sbx run --read-only --mount "$w:$w" -- "$w/probe" refusals 2>&1)
report "$out"
expect_ran refusals "$out"
# a call the kernel has (file_getattr, Linux 6.17) but Docker's list and
# ours lack: ENOSYS from the filter, not from the kernel
if "$w/probe" host-has 468; then
	out=$(sbx run --read-only --mount "$w:$w" -- "$w/probe" syscall 468 2>&1)
	report "$out"
else
	skip sandbox-seccomp-syscall-outside-list "the kernel has no file_getattr (468)"
fi
# foreign ABIs are killed, not just refused
if [ "$(uname -m)" = x86_64 ]; then
	cat >"$w/abi.c" <<'EOF'
#include <stdlib.h>
int main(int argc, char **argv)
{
	long r;

	if (argc > 1 && argv[1][0] == 'x') /* x32: getpid with bit 30 */
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "a"(0x40000000L | 39)
				 : "rcx", "r11", "memory");
	else /* i386 int 0x80: getpid */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return 0;
}
EOF
	if gcc -static -O1 -o "$w/abi" "$w/abi.c" 2>>"$work/probe.log"; then
		for abi in x32 i386; do
			sbx run --read-only --mount "$w:$w" -- "$w/abi" $abi >/dev/null 2>&1
			rc=$?
			# 128 + SIGSYS
			if [ $rc = 159 ]; then
				pass "sandbox-seccomp-abi-$abi-killed"
			else
				fail "sandbox-seccomp-abi-$abi-killed" "status $rc"
			fi
		done
	fi
fi

# open_by_handle_at stays refused even with DAC_READ_SEARCH: a handle
# forged for a file outside the --mount (on its file system) is the
# "shocker" escape
echo host-secret >"$work/secret"
if handle=$("$w/probe" handle "$work/secret") && [ -n "$handle" ]; then
	out=$(sbx run --read-only --cap-add DAC_READ_SEARCH --mount "$w:$w" \
		-- "$w/probe" open-handle "$w" "$handle" 2>&1)
	report "$out" cap-dac-read-search-
	expect_ran cap-dac-read-search "$out"
	out=$(sbx run --read-only --mount "$w:$w" -- "$w/probe" open-handle "$w" "$handle" 2>&1)
	report "$out"
else
	skip sandbox-seccomp-open_by_handle_at "no file handles on $work's file system"
fi

# (3) the inheritable capability set is empty: in `run` and in a join
check_capinh() { # NAME OUTPUT
	if grep -q '^CapInh:[[:space:]]*0000000000000000$' <<<"$2" &&
		grep -q '^CapEff:[[:space:]]*00000000a00405fb$' <<<"$2"; then
		pass "$1"
	else
		fail "$1" "$(grep ^Cap <<<"$2" | tr '\n' ' ')"
	fi
}
out=$(sbx run --read-only -- /bin/grep ^Cap /proc/self/status 2>&1)
check_capinh sandbox-seccomp-capinh-run "$out"
if out=$(sbx create capinh --read-only 2>&1); then
	out=$(sbx exec capinh -- /bin/grep ^Cap /proc/self/status 2>&1)
	check_capinh sandbox-seccomp-capinh-exec "$out"
else
	fail sandbox-seccomp-capinh-create "$out"
fi
if out=$(sbx create capinh-user --read-only --user 1000:1000 2>&1); then
	out=$(sbx exec capinh-user -- /bin/grep ^Cap /proc/self/status 2>&1)
	if grep -q '^CapInh:[[:space:]]*0000000000000000$' <<<"$out"; then
		pass sandbox-seccomp-capinh-exec-user
	else
		fail sandbox-seccomp-capinh-exec-user "$(grep ^Cap <<<"$out" | tr '\n' ' ')"
	fi
else
	fail sandbox-seccomp-capinh-create-user "$out"
fi

# (4) the filter's longest path: walk the cached blob for every call
# number of this arch (arguments 0) and count the instructions run
cat >"$w/bpfpath.c" <<'EOF'
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	static struct sock_filter f[4096];
	FILE *in = argc > 1 ? fopen(argv[1], "rb") : NULL;
	size_t n = in ? fread(f, sizeof(*f), 4096, in) : 0;
	int worst = 0;

	for (int nr = 0; n && nr < 512; nr++) {
		struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };
		unsigned a = 0, steps = 0, op;

		for (size_t pc = 0; pc < n; steps++) {
			struct sock_filter *i = &f[pc++];

			switch (BPF_CLASS(i->code)) {
			case BPF_LD:
				if (BPF_MODE(i->code) == BPF_ABS)
					memcpy(&a, (char *)&d + i->k, 4);
				else
					a = i->k;
				break;
			case BPF_ALU: /* the filter's only ALU op */
				a &= i->k;
				break;
			case BPF_JMP:
				op = BPF_OP(i->code);
				if (op == BPF_JA)
					pc += i->k;
				else if (op == BPF_JEQ ? a == i->k :
					 op == BPF_JGT ? a > i->k :
					 op == BPF_JGE ? a >= i->k :
							 (a & i->k) != 0)
					pc += i->jt;
				else
					pc += i->jf;
				break;
			case BPF_RET:
				pc = n;
				break;
			}
		}
		if ((int)steps > worst)
			worst = steps;
	}
	printf("%d\n", n ? worst : -1);
	return 0;
}
EOF
if [ "$(uname -m)" != x86_64 ]; then
	skip sandbox-seccomp-filter-binary-search "the walker knows x86_64 only"
elif gcc -O2 -o "$w/bpfpath" "$w/bpfpath.c" 2>"$w/bpfpath.err"; then
	blob=$(ls "$CSHELL_RUNTIME_DIR"/seccomp-default-*.bpf 2>/dev/null | head -1)
	worst=$("$w/bpfpath" "$blob")
	if [ -n "$blob" ] && [ "$worst" -gt 0 ] && [ "$worst" -le 64 ]; then
		pass sandbox-seccomp-filter-binary-search
	else
		fail sandbox-seccomp-filter-binary-search \
			"longest path $worst instructions in '$blob'"
	fi
else
	fail sandbox-seccomp-filter-binary-search "$(head -3 "$w/bpfpath.err")"
fi
exit 0
