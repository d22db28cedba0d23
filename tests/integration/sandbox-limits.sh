#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-limits.sh — cgroup limits are enforced: a
# memory hog is OOM-killed inside the sandbox while the sandbox (and the
# host) carry on, a fork storm stops at pids.max, the cpu quota is set.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-limits "$SBX_SKIP"
	exit 0
fi
if [ ! -w /sys/fs/cgroup/memory ] && [ ! -w /sys/fs/cgroup/cgroup.procs ]; then
	skip sandbox-limits "no writable cgroup hierarchy"
	exit 0
fi

# read-only over the host root: no FUSE needed for these
if ! out=$(sbx create lim --read-only --memory 64m --pids 40 --cpus 0.5 2>&1); then
	fail sandbox-limits-create "$out"
	exit 0
fi
state=$work/rt/sandboxes/lim/state
cgdir() { # CONTROLLER -> the sandbox's directory in it (v1 or v2)
	local d
	for d in $(sed -n 's/^cgroup_v[12]=//p' "$state" | tr ':' ' '); do
		case $d in
		*/"$1"/*) echo "$d"; return ;;
		esac
	done
	sed -n 's/^cgroup_v2=//p' "$state"
}

# memory: `tail -n1` keeps a newline-free stream in memory
( sbx exec lim -- sh -c 'head -c 400m /dev/zero | tail -n 1 >/dev/null' ) 2>/dev/null
rc=$?
alive=$(sbx exec lim -- echo alive 2>&1)
mem=$(cgdir memory)
if [ -f "$mem/memory.oom_control" ]; then
	kills=$(sed -n 's/^oom_kill //p' "$mem/memory.oom_control")
else
	kills=$(sed -n 's/^oom_kill //p' "$mem/memory.events")
fi
if [ "$rc" = 137 ] && [ "$alive" = alive ] && [ "${kills:-0}" -ge 1 ]; then
	pass sandbox-memory-oom-inside
else
	fail sandbox-memory-oom-inside "status $rc, after: '$alive', oom kills '${kills:-?}'"
fi

# pids: a storm of sleepers cannot pass pids.max
sbx exec lim -- sh -c 'i=0; while [ $i -lt 200 ]; do sleep 2 & i=$((i+1)); done; wait' \
	>/dev/null 2>&1
pids=$(cgdir pids)
hit=$(sed -n 's/^max //p' "$pids/pids.events" 2>/dev/null)
max=$(cat "$pids/pids.max" 2>/dev/null)
if [ "$max" = 40 ] && [ "${hit:-0}" -ge 1 ]; then
	pass sandbox-pids-max
else
	fail sandbox-pids-max "pids.max '$max', refused forks '${hit:-?}'"
fi
# the sleepers end, the sandbox can fork again (give a loaded machine
# up to 15 s)
for _ in $(seq 30); do
	sleep 0.5
	alive=$(sbx exec lim -- sh -c 'sleep 0.1 & wait; echo alive' 2>&1)
	[ "$alive" = alive ] && break
done
check sandbox-pids-recovers test "$alive" = alive

cpu=$(cgdir cpu)
if [ -f "$cpu/cpu.cfs_quota_us" ]; then
	check sandbox-cpu-quota test "$(cat "$cpu/cpu.cfs_quota_us")" = 50000
elif [ -f "$cpu/cpu.max" ]; then
	check sandbox-cpu-quota grep -q '^50000 100000' "$cpu/cpu.max"
else
	skip sandbox-cpu-quota "no cpu controller"
fi

cgs=$(sed -n 's/^cgroup_v[12]=//p' "$state" | tr ':' ' ')
sbx rm -f lim
leftover=
for d in $cgs; do
	[ -d "$d" ] && leftover="$leftover $d"
done
if [ -n "$cgs" ] && [ -z "$leftover" ] && [ ! -e "$state" ]; then
	pass sandbox-cgroups-removed
else
	fail sandbox-cgroups-removed "left: '$leftover' (of '$cgs')"
fi
exit 0
