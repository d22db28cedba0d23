#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/monitor.sh — what watching a sandbox costs it (issue 15): N
# fork+exec of /bin/true in a sandbox (a bash loop run with `@NAME`),
#   (1) unwatched,
#   (2) cshell-monitor attached to another, idle cgroup (the price every
#       process on the host pays for the kernel-side filter),
#   (3) cshell-monitor --json watching the sandbox (all four events),
#   (4) bpftrace doing the same: the same events, filtered in the kernel
#       on the sandbox's cgroup id, printed.
# The monitor column is the CPU time the monitor process itself used, per
# fork+exec (start-up included).
# Prints the best of R loops (this VM is shared: the minimum is the figure
# least disturbed by others) in ms per fork+exec, the ratio to (1), and
# the events each monitor saw.  Usage: tests/bench/monitor.sh [N [R]]
# (default 20000 and 3).

. "$(dirname "$0")/../integration/sandbox-common.sh"
n=${1:-20000}
rounds=${2:-3}
mounted_tracefs=
idle_cg=
pids=()
bench_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$idle_cg" ] && rmdir "$idle_cg" 2>/dev/null
	[ -n "$mounted_tracefs" ] && umount /sys/kernel/tracing 2>/dev/null
	sbx_cleanup
}
trap bench_cleanup EXIT

if ! sbx_setup; then
	echo "SKIP: bench-monitor: $SBX_SKIP"
	exit 0
fi
mon=$sbx_bin/cshell-monitor
csh=$sbx_bin/cshell
if ! out=$(sbx create bench 2>&1); then
	echo "FAIL: bench-monitor: $out"
	exit 0
fi
cg=$(sed -n 's/^cgroup_v2=//p' "$work/rt/sandboxes/bench/state")
v2=/sys/fs/cgroup
[ -d /sys/fs/cgroup/unified ] && v2=/sys/fs/cgroup/unified
idle_cg=$v2/cshell-bench-idle.$$
mkdir "$idle_cg" || idle_cg=

# "WALL CPU" of one loop: ms of wall time and µs of CPU time charged to
# the sandbox's cgroup (cpu.stat; the kernel-side programs run in the
# traced tasks, so their cost lands there) per fork+exec
cpu_usec() { sed -n 's/^usage_usec //p' "$cg/cpu.stat"; }
loop_once() {
	local t0 t1 c0 c1
	c0=$(cpu_usec)
	t0=$(date +%s%N)
	"$csh" -c "@bench bash -c 'for ((i = 0; i < $n; i++)); do /bin/true; done'" \
		>/dev/null 2>&1
	t1=$(date +%s%N)
	c1=$(cpu_usec)
	echo "$(echo "scale=4; ($t1 - $t0) / 1000000 / $n" | bc)" \
		"$(echo "scale=1; ($c1 - $c0) / $n" | bc)"
}
# best wall and best CPU of the rounds
run_loop() {
	local out
	out=$(for ((r = 0; r < rounds; r++)); do loop_once; done)
	echo "$(cut -d' ' -f1 <<<"$out" | sort -n | head -1)" \
		"$(cut -d' ' -f2 <<<"$out" | sort -n | head -1)"
}
# µs of CPU a monitor process used per fork+exec of the rounds
proc_usec() {
	local ticks
	ticks=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null)
	echo "scale=1; ${ticks:-0} * 1000000 / $(getconf CLK_TCK) / ($rounds * $n)" | bc
}
# waits for a pattern in a file (a monitor's start), at most 30 s
wait_for() {
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# row LABEL "WALL CPU" [MONITOR_CPU] [NOTE]
row() {
	local wall=${2% *} cpu=${2#* } own=
	[ -n "${3:-}" ] && own="$3 us"
	printf '%-40s %7s ms %5sx %7s us %5sx %9s  %s\n' "$1" "$wall" \
		"$(echo "scale=2; $wall / ${base% *}" | bc)" "$cpu" \
		"$(echo "scale=2; $cpu / ${base#* }" | bc)" "$own" "${4:-}"
}

echo "== $n fork+exec of /bin/true in a sandbox, best of $rounds"
printf '%-40s %13s %17s %9s\n' "" "wall/exec" "sandbox cpu/exec" "monitor"
loop_once >/dev/null # warm the page cache and the join path
base=$(run_loop)
row "(1) unwatched" "$base"

if [ -n "$idle_cg" ]; then
	"$mon" --json "$idle_cg" >"$work/idle.json" 2>&1 &
	pids+=($!)
	wait_for "$work/idle.json" '"type":"start"'
	t=$(run_loop)
	own=$(proc_usec "${pids[-1]}")
	kill "${pids[-1]}"
	wait "${pids[-1]}" 2>/dev/null
	row "(2) cshell-monitor on another cgroup" "$t" "$own"
fi

"$mon" --json @bench >"$work/mon.json" 2>&1 &
pids+=($!)
wait_for "$work/mon.json" '"type":"start"'
t=$(run_loop)
own=$(proc_usec "${pids[-1]}")
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null
sum=$(tail -1 "$work/mon.json")
ev=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' <<<"$sum")
lost=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' <<<"$sum")
row "(3) cshell-monitor --json @bench" "$t" "$own" "$ev events, $lost lost"

if ! command -v bpftrace >/dev/null; then
	echo "SKIP: bench-monitor-bpftrace: bpftrace is not installed"
	exit 0
fi
if ! [ -e /sys/kernel/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null &&
		mounted_tracefs=1
fi
id=$(stat -c %i "$cg")
cat >"$work/mon.bt" <<EOF
tracepoint:sched:sched_process_exec /cgroup == $id/ {
	printf("exec %d %s\n", pid, str(args->filename));
}
tracepoint:sched:sched_process_exit /cgroup == $id && pid == tid/ {
	printf("exit %d\n", pid);
}
tracepoint:syscalls:sys_enter_openat /cgroup == $id/ {
	@path[tid] = args->filename;
}
tracepoint:syscalls:sys_exit_openat /@path[tid]/ {
	printf("open %d %s %d\n", pid, str(@path[tid]), args->ret);
	delete(@path[tid]);
}
tracepoint:syscalls:sys_enter_connect /cgroup == $id/ {
	@sa[tid] = args->uservaddr;
}
tracepoint:syscalls:sys_exit_connect /@sa[tid]/ {
	printf("connect %d %d\n", pid, args->ret);
	delete(@sa[tid]);
}
EOF
bpftrace "$work/mon.bt" >"$work/bt.out" 2>&1 &
pids+=($!)
if ! wait_for "$work/bt.out" '^Attaching'; then
	echo "SKIP: bench-monitor-bpftrace: $(head -3 "$work/bt.out")"
	exit 0
fi
sleep 1
t=$(run_loop)
own=$(proc_usec "${pids[-1]}")
kill -INT "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null
ev=$(grep -c '^\(exec\|exit\|open\|connect\) ' "$work/bt.out")
row "(4) bpftrace, same events and filter" "$t" "$own" "$ev events"
