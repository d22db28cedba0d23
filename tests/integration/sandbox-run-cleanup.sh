#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-run-cleanup.sh — a `sandbox run` that is
# killed leaves nothing behind: on SIGTERM (timeout(1)), SIGHUP or a sent
# SIGINT it ends and removes its sandbox itself (rootfs unmounted, record
# and cgroup gone) and dies of the signal; on SIGKILL its init notices the
# caller is gone and ends, and the next `sandbox ls` removes the rest.
# Layered (cshell-fs over the host root) and --read-only both.  A later
# `sandbox run` removes it as well, but looks at all records at most once
# a minute (runtime/run-sweep.stamp), not on every run.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-run-cleanup "$SBX_SKIP"
	exit 0
fi

# leftovers: mounts below $work, sandbox dirs, cshell cgroups of ours
leftovers() {
	local m d
	m=$(awk -v w="$work" 'index($2, w) == 1 { print $2 }' /proc/mounts)
	d=$(ls -A "$CSHELL_RUNTIME_DIR/sandboxes" 2>/dev/null)
	[ -n "$m$d" ] && echo "mounts: [$m] records: [$d]"
}

# wait_gone: until no process of ours runs a sandbox (5 s at most)
wait_gone() {
	for _ in $(seq 50); do
		[ -z "$(leftovers)" ] && return 0
		sleep 0.1
	done
	return 1
}

# started: until the run's sandbox record exists (10 s at most)
started() {
	for _ in $(seq 100); do
		ls "$CSHELL_RUNTIME_DIR/sandboxes/"run-*/state >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	return 1
}

for mode in layered read-only; do
	opt=
	[ $mode = read-only ] && opt=--read-only
	timeout 3 "$sbx_bin/cshell" -c "sandbox run $opt -- sleep 100" \
		</dev/null >/dev/null 2>&1
	rc=$?
	left=$(leftovers)
	if [ $rc = 124 ] && [ -z "$left" ]; then
		pass "sandbox-run-timeout-$mode"
	else
		fail "sandbox-run-timeout-$mode" "status $rc; left: $left"
		wait_gone
	fi

	for sig in HUP INT TERM; do
		# (a background job of a script starts with INT ignored)
		env --default-signal=INT \
			"$sbx_bin/cshell" -c "sandbox run $opt -- sleep 100" \
			</dev/null >/dev/null 2>&1 &
		pid=$!
		started
		kill -s $sig $pid
		timeout 10 tail --pid=$pid -f /dev/null
		wait $pid 2>/dev/null
		rc=$?
		want=$((128 + $(kill -l $sig)))
		left=$(leftovers)
		if [ $rc = $want ] && [ -z "$left" ]; then
			pass "sandbox-run-sig$sig-$mode"
		else
			fail "sandbox-run-sig$sig-$mode" "status $rc (want $want); left: $left"
			kill -9 $pid 2>/dev/null
			sbx ls >/dev/null 2>&1
			wait_gone
		fi
	done

	# SIGKILL: init ends when its caller is gone; ls removes the rest
	"$sbx_bin/cshell" -c "sandbox run $opt -- sleep 100" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	started
	init=$(sed -n 's/^init_pid=//p' "$CSHELL_RUNTIME_DIR"/sandboxes/run-*/state)
	kill -9 $pid
	wait $pid 2>/dev/null
	ended=0
	for _ in $(seq 100); do
		[ -n "$init" ] && ! kill -0 "$init" 2>/dev/null && {
			ended=1
			break
		}
		sleep 0.1
	done
	check "sandbox-run-sigkill-init-ends-$mode" test $ended = 1
	state=$(sbx ls 2>&1)
	left=$(leftovers)
	if [ -z "$left" ] && [[ $state != *run-* ]]; then
		pass "sandbox-run-sigkill-ls-cleans-$mode"
	else
		fail "sandbox-run-sigkill-ls-cleans-$mode" "ls: $state; left: $left"
	fi
done

# killed_run: a run whose caller gets SIGKILL, until its init has ended
killed_run() {
	local pid init
	"$sbx_bin/cshell" -c "sandbox run --read-only -- sleep 100" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	started || return 1
	init=$(sed -n 's/^init_pid=//p' "$CSHELL_RUNTIME_DIR"/sandboxes/run-*/state)
	kill -9 $pid
	wait $pid 2>/dev/null
	for _ in $(seq 100); do
		[ -n "$init" ] && ! kill -0 "$init" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stamp=$CSHELL_RUNTIME_DIR/run-sweep.stamp
if killed_run; then
	touch "$stamp"
	sbx run --read-only -- true
	if [ -n "$(leftovers)" ]; then
		pass "sandbox-run-sweep-not-every-run"
	else
		fail "sandbox-run-sweep-not-every-run" \
			"a run with a fresh stamp read every record"
	fi
	touch -d '2 minutes ago' "$stamp"
	sbx run --read-only -- true
	left=$(leftovers)
	age=$(($(date +%s) - $(stat -c %Y "$stamp")))
	if [ -z "$left" ] && [ $age -lt 60 ]; then
		pass "sandbox-run-sweep-once-a-minute"
	else
		fail "sandbox-run-sweep-once-a-minute" "left: $left"
	fi
else
	fail "sandbox-run-sweep" "the killed run did not end"
fi

# the stamp is only ever ours: a FIFO put in its place must not hang a run
# (an open for writing waits for a reader), nor stop the sweep
rm -f "$stamp"
mkfifo "$stamp"
touch -d "2 minutes ago" "$stamp"
if killed_run; then
	timeout 20 "$sbx_bin/cshell" -c "sandbox run --read-only -- true" \
		</dev/null >/dev/null 2>&1
	rc=$?
	left=$(leftovers)
	if [ $rc = 0 ] && [ -z "$left" ]; then
		pass "sandbox-run-sweep-stamp-fifo"
	else
		fail "sandbox-run-sweep-stamp-fifo" "status $rc; left: $left"
	fi
else
	fail "sandbox-run-sweep-stamp-fifo" "the killed run did not end"
fi
rm -f "$stamp"
