#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/sandbox.sh — sandbox speed side by side with its peers (issue
# 4), one run, ratios printed (< 1.0 means cshell is faster):
#   (1) join a running sandbox and exec /bin/true  vs  nsenter -t PID -a
#   (2) `sandbox run --read-only -- /bin/true` over the host root  vs  bwrap
#   (3) a sandbox on 3 layers + upper, start+exit  vs  crun run
# The cshell side is measured twice where it matters: from an already
# running process (a loop calling sbx_join in forked children, what a
# cshell script running many `@sb` commands does) and as one new front-end
# process per run.  Usage: tests/bench/sandbox.sh [N] (default 200).

. "$(dirname "$0")/../integration/sandbox-common.sh"
trap sbx_cleanup EXIT
n=${1:-200}

if ! sbx_setup; then
	echo "SKIP: bench-sandbox: $SBX_SKIP"
	exit 0
fi
# the runtime root on tmpfs, as root's default /run/cshell is on a usual
# system (/dev/shm where this machine's /run is on disk); the data root
# (a layered sandbox's upper layer) stays on disk
for d in /run /dev/shm; do
	[ "$(stat -f -c %T "$d" 2>/dev/null)" = tmpfs ] || continue
	rt=$(mktemp -d "$d/cshell-bench.XXXXXX") && ln -s "$rt" "$work/rt" &&
		export CSHELL_RUNTIME_DIR=$rt
	trap 'sbx_cleanup; rm -rf "$rt"' EXIT
	break
done

now() { date +%s%N; }
# per-run milliseconds of N runs of a command
per_run() {
	local t0 t1 i
	t0=$(now)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	t1=$(now)
	echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc
}
ratio() { echo "scale=2; $1 / $2" | bc; }
row() { printf '%-52s %9s ms %9s ms  %5sx\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

cat >"$work/loop.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sandbox/sandbox.h"
extern char **environ;
/* loop N NAME: fork + sbx_join + exec /bin/true, N times; prints ms/run */
int main(int argc, char **argv)
{
	int n = atoi(argv[1]);
	struct timespec a, b;

	sbx_join_prepare(); /* as the shell does, once */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			char *const av[] = { "true", NULL };

			if (sbx_join(argv[2], NULL) < 0)
				_exit(125);
			/* as the shell does: through cshell-init's image */
			sbx_exec("/bin/true", av, environ);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "run %d failed\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e6 / n);
	return 0;
}
EOF
srcs=$(ls "$sbx_repo"/lib/*.c "$sbx_repo"/sandbox/*.c | grep -v '/sandbox/init\.c$')
# shellcheck disable=SC2086
gcc -std=gnu11 -O2 -I"$sbx_repo" -D_GNU_SOURCE -w -o "$work/loop" "$work/loop.c" $srcs -lseccomp || exit 1

echo "sandbox bench: $n runs each, per-run wall time; runtime root on" \
	"$(stat -f -c %T "$CSHELL_RUNTIME_DIR/"), data root on $(stat -f -c %T "$work")"
printf '%-52s %12s %12s  %6s\n' case cshell peer ratio

sbx create bench --read-only >/dev/null || exit 1
pid=$(sed -n 's/^init_pid=//p' "$work/rt/sandboxes/bench/state")
nsenter -t "$pid" -a /bin/true || echo "  (nsenter failed)"
peer=$(per_run nsenter -t "$pid" -a /bin/true)
mine=$("$work/loop" "$n" bench) || exit 1
row "(1) join+exec /bin/true, running process" "$mine" "$peer"
mine=$(per_run sbx exec bench -- /bin/true)
row "(1) same, new front-end process per run" "$mine" "$peer"
# what a user's script does: one cshell running many `@bench` commands
t0=$(now)
"$sbx_bin/cshell" -c "i=0; while [ \$i -lt $n ]; do @bench /bin/true; i=\$((i + 1)); done"
t1=$(now)
mine=$(echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc)
row "(1) @bench /bin/true in one cshell script" "$mine" "$peer"
sbx rm -f bench

m=$((n / 4))
[ $m -ge 10 ] || m=10
n_save=$n
n=$m
if command -v bwrap >/dev/null; then
	bwrap --ro-bind / / --proc /proc --dev /dev --unshare-all true || echo "  (bwrap failed)"
	peer=$(per_run bwrap --ro-bind / / --proc /proc --dev /dev --unshare-all true)
	mine=$(per_run sbx run --read-only -- /bin/true)
	row "(2) run --read-only /bin/true over /, new cshell/run" "$mine" "$peer"
	t0=$(now)
	"$sbx_bin/cshell" -c "i=0; while [ \$i -lt $n ]; do sandbox run --read-only -- /bin/true; i=\$((i + 1)); done"
	t1=$(now)
	mine=$(echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc)
	row "(2) same, $n runs in one cshell script" "$mine" "$peer"
else
	echo "SKIP: (2): bwrap not installed"
fi

if command -v crun >/dev/null && [ "$SBX_FUSE" = 1 ] && command -v "$CSHELL_FS" >/dev/null; then
	# three layers: a static true, then two with filler files; crun gets
	# the same files merged in one directory
	for l in 1 2 3; do mkdir -p "$work/l$l/etc" "$work/l$l/bin"; echo "$l" >"$work/l$l/etc/layer$l"; done
	printf 'int main(void){return 0;}\n' >"$work/true.c"
	gcc -static -O2 -o "$work/l1/bin/true" "$work/true.c"
	mkdir -p "$work/bundle/rootfs"
	cp -a "$work"/l3/. "$work"/l2/. "$work"/l1/. "$work/bundle/rootfs/"
	(cd "$work/bundle" && crun spec >/dev/null 2>&1 &&
		sed -i 's/"terminal": true/"terminal": false/; s|"sh"|"/bin/true"|' config.json)
	mine=$(per_run sbx run --layer "$work/l1" --layer "$work/l2" --layer "$work/l3" -- /bin/true)
	t0=$(now)
	"$sbx_bin/cshell" -c "i=0; while [ \$i -lt $n ]; do sandbox run --layer $work/l1 --layer $work/l2 --layer $work/l3 -- /bin/true; i=\$((i + 1)); done"
	t1=$(now)
	mine2=$(echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc)
	# crun refuses a hybrid cgroup host whose v2 hierarchy holds a
	# controller, even with cgroups disabled: it then runs in a mount
	# namespace of its own without /sys/fs/cgroup/unified, with
	# --cgroup-manager=disabled (no cgroup work at all; we still make the
	# v2 identity group).  The loop times itself inside that namespace,
	# so setting it up is not counted.
	crun_one='crun --cgroup-manager=disabled --root "$work/crun" run --bundle "$work/bundle" "b$$"'
	crun_loop='t0=$(date +%s%N); for ((i = 0; i < n; i++)); do '"$crun_one"' >/dev/null 2>&1 || exit 1; done; t1=$(date +%s%N); echo "scale=3; ($t1 - $t0) / 1000000 / $n" | bc'
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] &&
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		crun_env='umount -l /sys/fs/cgroup/unified || exit 1;'
	else
		crun_env=
	fi
	export work n
	if err=$(unshare -m --propagation private bash -c "$crun_env $crun_one" 2>&1); then
		peer=$(unshare -m --propagation private bash -c "$crun_env $crun_loop")
		row "(3) 3 layers+upper, new cshell/run ($(basename "$CSHELL_FS"))" "$mine" "$peer"
		row "(3) same, $n runs in one cshell script" "$mine2" "$peer"
	else
		printf '%-52s %9s ms  (crun fails here: %s)\n' \
			"(3) 3 layers+upper start+exit ($n, $(basename "$CSHELL_FS"))" "$mine" "$err"
	fi
else
	echo "SKIP: (3): crun, /dev/fuse or a layered fs program missing"
fi
n=$n_save
exit 0
