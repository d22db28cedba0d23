#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-pids.sh — every sandbox has a pids limit: a
# fork loop in a default sandbox is refused (EAGAIN) near 2048 processes,
# `--pids 50` stops it near 50, and `--pids 0` sets no limit at all.  The
# loop is a small static C program that keeps its children paused and
# kills them again before it reports; every run is bounded by `timeout`.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-pids "$SBX_SKIP"
	exit 0
fi
if ! [ -w /sys/fs/cgroup/pids ] && ! grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	skip sandbox-pids "no pids cgroup controller here"
	exit 0
fi
command -v gcc >/dev/null || { skip sandbox-pids "gcc is not installed"; exit 0; }

mkdir -p "$work/bin"
cat >"$work/forks.c" <<'C'
/* forks N: forks paused children until N of them or a refusal; prints
 * "COUNT ERRNO-NAME" (ok when all N were made), then kills them all */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = atoi(argv[1]), made = 0, e = 0;
	pid_t *kids = calloc(n, sizeof(*kids));

	while (made < n) {
		pid_t p = fork();

		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0) {
			e = errno;
			break;
		}
		kids[made++] = p;
	}
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	printf("%d %s\n", made, e == EAGAIN ? "EAGAIN" : e ? strerror(e) : "ok");
	return 0;
}
C
if ! gcc -static -O1 -o "$work/bin/forks" "$work/forks.c" 2>"$work/cc.log"; then
	skip sandbox-pids "cannot build a static test program: $(head -1 "$work/cc.log")"
	exit 0
fi

# STATE -> the sandbox's pids cgroup directory (v1 pids, else v2)
pids_dir() {
	local d
	for d in $(sed -n 's/^cgroup_v1=//p' "$1" | tr ':' ' '); do
		case $d in */pids/*) echo "$d"; return ;; esac
	done
	sed -n 's/^cgroup_v2=//p' "$1"
}

# default sandbox (the host root under a writable layer when FUSE works,
# else read-only over the host root)
mode=
[ "$SBX_FUSE" = 1 ] || mode=--read-only
if ! out=$(sbx create pdef $mode --mount "$work/bin:/mnt:ro" 2>&1); then
	fail sandbox-pids-default-create "$out"
	exit 0
fi
st=$work/rt/sandboxes/pdef/state
max=$(cat "$(pids_dir "$st")/pids.max" 2>/dev/null)
check sandbox-pids-default-max test "$max" = 2048
out=$(timeout 60 "$sbx_bin/cshell" -c 'sandbox exec pdef -- /mnt/forks 4000' 2>&1)
set -- $out
if [ "$2" = EAGAIN ] && [ "$1" -ge 2030 ] && [ "$1" -lt 2048 ]; then
	pass sandbox-pids-default-fork-bomb
else
	fail sandbox-pids-default-fork-bomb "forked '$out' (want EAGAIN near 2048)"
fi
out=$(timeout 20 "$sbx_bin/cshell" -c 'sandbox exec pdef -- echo alive' 2>&1)
check sandbox-pids-default-recovers test "$out" = alive
out=$(sbx inspect pdef --json)
check sandbox-pids-default-recorded grep -q '"pids": *2048' <<<"$out"

# an explicit small limit, in a run
out=$(timeout 60 "$sbx_bin/cshell" -c "sandbox run --read-only --pids 50 --mount '$work/bin:/mnt:ro' -- /mnt/forks 500" 2>&1)
set -- $out
if [ "$2" = EAGAIN ] && [ "$1" -ge 40 ] && [ "$1" -lt 50 ]; then
	pass sandbox-pids-50
else
	fail sandbox-pids-50 "forked '$out' (want EAGAIN near 50)"
fi

# no limit: no pids.max below the host's own, more forks than the default
if ! out=$(sbx create pnone --read-only --pids 0 --mount "$work/bin:/mnt:ro" 2>&1); then
	fail sandbox-pids-0-create "$out"
	exit 0
fi
st=$work/rt/sandboxes/pnone/state
d=$(pids_dir "$st")
max=$(cat "$d/pids.max" 2>/dev/null)
case $d in
*/pids/*) fail sandbox-pids-0-no-limit "a v1 pids group '$d' (pids.max '$max')" ;;
*) if [ -z "$max" ] || [ "$max" = max ]; then pass sandbox-pids-0-no-limit
   else fail sandbox-pids-0-no-limit "pids.max '$max'"; fi ;;
esac
out=$(timeout 60 "$sbx_bin/cshell" -c 'sandbox exec pnone -- /mnt/forks 2200' 2>&1)
check sandbox-pids-0-forks-past-default test "$out" = "2200 ok"
out=$(sbx create pbad --read-only --pids lots 2>&1)
rc=$?
if [ $rc = 2 ] && [[ $out == *"invalid pids limit 'lots'"* ]]; then
	pass sandbox-pids-bad-value
else
	fail sandbox-pids-bad-value "status $rc: $out"
fi
sbx rm -f pdef pnone >/dev/null 2>&1
exit 0
