#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/hosts-shell.sh — SSH hosts as targets of the language
# over the test bed (hosts-common.sh, 3 hosts): `@h1 cmd` with argv kept
# word for word, a label and a list fanning out with TARGET_STATUS, a pipe
# into a remote command, the `host` and `fanout` builtins, and a routed
# command killed locally that leaves no process on the host; @any with an
# empty inventory, --replicas without --on.

. "$(dirname "$0")/hosts-common.sh"
trap hb_cleanup EXIT

if ! hb_setup 3; then
	skip hosts-shell "$HB_SKIP"
	exit 0
fi
C=$hb_bin/cshell
[ -x "$C" ] || { skip hosts-shell "$C is not built"; exit 0; }

# with no inventory, @any and @all say why they reach nothing
out=$(CSHELL_CONFIG_DIR=$hb_work/empty-cfg "$C" -c '@any true' </dev/null 2>&1)
check hosts-shell-any-empty-inventory test $? = 2 -a "$out" = "cshell: no host for '@any': the inventory is empty (see 'host add')"
# a placement option without --on is a usage error that says so
out=$("$C" -c 'sandbox create x --replicas 2' </dev/null 2>&1)
check hosts-shell-replicas-without-on test $? = 2 -a "$(echo "$out" | head -1)" = "cshell: sandbox: create: --replicas places on SSH hosts: it needs --on HOST|auto"

out=$("$C" -c '@h1 ip netns identify' </dev/null 2>&1)
check hosts-shell-one-host test "$out" = "$(hb_ns 1)"

out=$("$C" -c "@h2 printf '<%s>' 'a b' \"it's\" '\$HOME' ''" </dev/null 2>&1)
check hosts-shell-argv-quoting test "$out" = "<a b><it's><\$HOME><>"

out=$("$C" -c '@parity=1 sh -c "ip netns identify; exit 3"; echo "rc=$? $TARGET_STATUS"' </dev/null 2>&1 | sort | tr '\n' '|')
check hosts-shell-label-fanout test "$out" = "h1: $(hb_ns 1)|h3: $(hb_ns 3)|rc=3 h1=3 h3=3|"

out=$("$C" -c 'printf "x\ny\n" | @h3 wc -l' 2>&1)
check hosts-shell-pipe-stdin test "$out" = 2

out=$("$C" -c 'host ls parity=0' 2>&1 | awk 'NR == 2 {print $1}')
check hosts-shell-host-builtin test "$out" = h2

out=$("$C" -c 'fanout -t 5 h1,h2 -c "exit 4"; echo "rc=$? $TARGET_STATUS"' </dev/null 2>/dev/null)
check hosts-shell-fanout-builtin test "$out" = "rc=4 h1=4 h2=4"

out=$("$C" -c '@nosuchhost true' 2>&1)
rc=$?
case $out in *"unknown target 'nosuchhost'"*) [ $rc = 2 ] && pass hosts-shell-unknown || fail hosts-shell-unknown "status $rc" ;;
*) fail hosts-shell-unknown "$out" ;; esac

# a routed command whose shell is killed: nothing stays on the host
"$C" -c '@h2 sleep 7773' </dev/null >/dev/null 2>&1 &
cp=$!
for _ in $(seq 50); do hb_procs 2 | grep -q 'sleep 7773' && break; sleep 0.1; done
if ! hb_procs 2 | grep -q 'sleep 7773'; then
	fail hosts-shell-killed-leaves-nothing "the remote sleep never started"
else
	pkill -TERM -P "$cp" 2>/dev/null # the ssh client this test's shell started
	kill -TERM "$cp" 2>/dev/null
	wait "$cp" 2>/dev/null
	# the watchdog may still be finishing its grace period
	for _ in $(seq 50); do
		left=$(hb_procs 2)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] && pass hosts-shell-killed-leaves-nothing ||
		fail hosts-shell-killed-leaves-nothing "left on the host: $left"
fi

# ^C at a terminal ends a fan-out although each ssh client runs in a
# session of its own: the signal goes to the job's process group, as the
# terminal sends it, where the holder of each client's stdin
# (sch_hold_stdin()) dies of it; nothing stays on the hosts
setsid "$C" -c '@h1,h2 sleep 7774' </dev/null >/dev/null 2>&1 &
cp=$!
for _ in $(seq 100); do
	hb_procs 1 | grep -q 'sleep 7774' && hb_procs 2 | grep -q 'sleep 7774' && break
	sleep 0.1
done
if ! hb_procs 1 | grep -q 'sleep 7774' || ! hb_procs 2 | grep -q 'sleep 7774'; then
	fail hosts-shell-fanout-interrupt "the remote sleeps never started"
	kill -KILL -- -"$cp" 2>/dev/null
else
	kill -INT -- -"$cp"
	for _ in $(seq 50); do
		left=$(hb_procs 1; hb_procs 2; pgrep -f 'ssh .*sleep 7774')
		[ -z "$left" ] && break
		sleep 0.1
	done
	wait "$cp" 2>/dev/null
	[ -z "$left" ] && pass hosts-shell-fanout-interrupt ||
		fail hosts-shell-fanout-interrupt "left after ^C: $left"
fi
exit 0
