#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/shell-targets.sh — target specs through the backend
# table (shell/target.c): `@a,b cmd` and `@sb* cmd` fan out with every
# line prefixed by its target and never split, the worst status, each
# target's status in TARGET_STATUS; `@host`, unknown names and globs that
# match nothing; `enter` takes one target; ^C and ^Z reach every target of
# a fan-out job (tmux).

. "$(dirname "$0")/sandbox-common.sh"
trap 'TM kill-server 2>/dev/null; sbx_cleanup' EXIT

if ! sbx_setup; then
	skip shell-targets "$SBX_SKIP"
	exit 0
fi
csh() { "$sbx_bin/cshell" -c "$@"; }

for s in ft1 ft2 other; do
	if ! out=$(sbx create $s --read-only 2>&1); then
		fail shell-targets-create "$out"
		exit 0
	fi
done

out=$(csh '@ft1,ft2 sh -c "echo out \$(hostname); echo err >&2; exit 3"; echo "st=$? $TARGET_STATUS"' 2>&1)
for want in "ft1: out ft1" "ft2: out ft2" "ft1: err" "ft2: err" "st=3 ft1=3 ft2=3"; do
	if ! grep -qxF "$want" <<<"$out"; then
		fail shell-targets-fanout-list "no line '$want' in: $out"
		break
	fi
done
[ "$want" = "st=3 ft1=3 ft2=3" ] && grep -qxF "$want" <<<"$out" &&
	pass shell-targets-fanout-list

# the worst status wins; 0 only when all succeed
out=$(csh '@ft1,ft2 sh -c "[ \$(hostname) = ft2 ] && exit 5; exit 0"; echo "st=$? $TARGET_STATUS"' 2>&1)
check shell-targets-worst-status test "$out" = "st=5 ft1=0 ft2=5"
out=$(csh '@ft* true; echo "st=$? $TARGET_STATUS"' 2>&1)
check shell-targets-glob test "$out" = "st=0 ft1=0 ft2=0"
# a name given twice runs once
out=$(csh '@ft1,ft1,ft* hostname' 2>&1 | sort | tr '\n' ' ')
check shell-targets-dedup test "$out" = "ft1: ft1 ft2: ft2 "

# what a bash user types first: an assignment before the target, and
# exec, command, time in front of it
out=$(csh 'FOO=bar @ft1 sh -c "echo \$FOO"' 2>&1)
check shell-targets-assignment-prefix test "$out" = bar
out=$(csh 'command @ft1 hostname' 2>&1)
check shell-targets-command-prefix test "$out" = ft1
out=$(csh 'time @ft1 hostname' 2>/dev/null)
check shell-targets-time-prefix test "$out" = ft1
out=$(csh 'exec @ft1 sh -c "hostname; exit 5"; echo not-reached' 2>&1)
rc=$?
check shell-targets-exec-prefix test "$rc:$out" = "5:ft1"

# lines are never split or mixed, however the targets interleave
csh '@ft1,ft2 sh -c "i=0; while [ \$i -lt 3000 ]; do echo \$(hostname)-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=\$((i+1)); done"' >"$work/lines" 2>&1
bad=$(grep -Evc '^(ft1: ft1|ft2: ft2)-x{86}$' "$work/lines")
total=$(wc -l <"$work/lines")
if [ "$bad" = 0 ] && [ "$total" = 6000 ]; then
	pass shell-targets-whole-lines
else
	fail shell-targets-whole-lines "$bad bad of $total lines"
fi
# a last line without a newline still comes out, prefixed
out=$(csh '@ft1,ft2 printf tail' 2>&1 | sort | tr '\n' ' ')
check shell-targets-partial-line test "$out" = "ft1: tail ft2: tail "

# "host" by its name only: a glob never means this machine
out=$(csh '@hos* true' 2>&1)
[[ $out == *"no target matches '@hos*'"* ]]
check shell-targets-glob-not-host test $? = 0
out=$(csh '@host,ft1 hostname' 2>&1 | sort | head -1)
check shell-targets-host-in-list test "$out" = "ft1: ft1"
out=$(csh '@nosuch true' 2>&1)
rc=$?
[ $rc = 2 ] && [[ $out == *"unknown target 'nosuch'"* ]]
check shell-targets-unknown test $? = 0
out=$(csh '@zz* true' 2>&1)
rc=$?
[ $rc = 2 ] && [[ $out == *"no target matches '@zz*'"* ]]
check shell-targets-glob-none test $? = 0
out=$(csh 'enter "ft*"' 2>&1)
rc=$?
[ $rc = 2 ] && [[ $out == *"enter takes one"* ]]
check shell-targets-enter-one test $? = 0
out=$(csh 'enter ft1; hostname; enter host; hostname' 2>&1)
check shell-targets-enter-host test "$out" = "ft1
$(hostname)"

# ^C and ^Z of a fan-out job reach every target
if ! command -v tmux >/dev/null; then
	skip shell-targets-job-control "tmux is not installed"
	exit 0
fi
SOCK=$work/tmux.sock TM_SESSION=t TM_WAIT=80
. "$sbx_repo/tests/tmux-common.sh"
TM new-session -d -s t -x 150 -y 40 \
	"env CSHELL_RUNTIME_DIR=$CSHELL_RUNTIME_DIR CSHELL_DATA_DIR=$CSHELL_DATA_DIR CSHELL_CONFIG_DIR=$CSHELL_CONFIG_DIR PS1='ft% ' $sbx_bin/cshell -i"
wait_for '^ft% *$'
TM send-keys -t t '@ft1,ft2 sleep 67' Enter
sleep 1.5
TM send-keys -t t C-z
if wait_for 'Stopped'; then
	pass shell-targets-ctrl-z
else
	fail shell-targets-ctrl-z "$(screen | grep -v '^ *$' | tail -5)"
fi
stopped=$(ps -eo stat,args | grep -c '^T.*sleep 67$')
check shell-targets-ctrl-z-all test "$stopped" -ge 2
TM send-keys -t t 'fg' Enter
sleep 1
TM send-keys -t t C-c
TM send-keys -t t 'echo "rc=$?"' Enter
if wait_for '^rc=130'; then
	pass shell-targets-ctrl-c
else
	fail shell-targets-ctrl-c "$(screen | grep -v '^ *$' | tail -5)"
fi
left=$(ps -eo args | grep -c '^sleep 67$')
check shell-targets-ctrl-c-all test "$left" = 0
