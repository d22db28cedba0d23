# SPDX-License-Identifier: GPL-3.0-or-later
# The trap builtin (XCU 2.14 trap): EXIT, signals sent with kill -s, the
# default action (trap -), ignoring (trap ''), the listing printed by
# `trap`, traps in subshells, and $? around trap actions.

### exit-trap-normal-end
trap 'echo bye' EXIT
echo main
--- stdout
main
bye

### exit-trap-on-exit
trap 'echo bye' EXIT
exit 3
--- stdout
bye
--- status 3

### exit-trap-sees-status
trap 'echo status=$?' EXIT
(exit 4)
--- stdout
status=4
--- status 4

### exit-trap-zero-name
trap 'echo zero' 0
echo main
--- stdout
main
zero

### exit-trap-evaluated-late
trap 'echo $x' EXIT
x=late
--- stdout
late

### exit-trap-removed
trap 'echo never' EXIT
trap - EXIT
echo main
--- stdout
main

### exit-trap-exit-overrides-status
trap 'exit 7' EXIT
exit 1
--- stdout
--- status 7

### exit-trap-from-function-exit
trap 'echo cleanup' EXIT
f() { exit 2; }
f
echo no
--- stdout
cleanup
--- status 2

### signal-trap-usr1
trap 'echo got-usr1' USR1
kill -s USR1 $$
echo after
--- stdout
got-usr1
after

### signal-trap-int
trap 'echo got-int' INT
kill -s INT $$
echo after
--- stdout
got-int
after

### signal-trap-term
trap 'echo got-term' TERM
kill -s TERM $$
echo after
--- stdout
got-term
after

### signal-trap-hup-number
trap 'echo got-hup' 1
kill -s HUP $$
echo after
--- stdout
got-hup
after

### signal-multiple-conditions
trap 'echo caught' USR1 USR2
kill -s USR1 $$
kill -s USR2 $$
--- stdout
caught
caught

### signal-ignored
trap '' USR1
kill -s USR1 $$
echo survived
--- stdout
survived

### signal-default-kills
trap 'echo x' USR1
trap - USR1
kill -s USR1 $$
echo not-reached
--- stdout
--- status 138

### signal-untrapped-kills
echo before
kill -s TERM $$
echo not-reached
--- stdout
before
--- status 143

### signal-trap-exit-in-action
trap 'echo in-trap; exit 5' USR1
kill -s USR1 $$
echo not-reached
--- stdout
in-trap
--- status 5

### signal-trap-status-preserved
trap 'false' USR1
kill -s USR1 $$
echo $?
--- stdout
0

### signal-trap-then-exit-trap
trap 'echo exit-trap' EXIT
trap 'exit 3' TERM
kill -s TERM $$
echo no
--- stdout
exit-trap
--- status 3

### ignored-inherited-by-child
trap '' USR1
sh -c 'kill -s USR1 $$; echo child-survived'
--- stdout
child-survived

### caught-reset-in-child
trap 'echo parent-handler' USR1
sh -c 'kill -s USR1 $$; echo no'
echo child-status=$?
--- stdout
child-status=138

### subshell-resets-traps
trap 'echo parent' EXIT
(echo sub)
echo main
--- stdout
sub
main
parent

### subshell-own-exit-trap
(trap 'echo sub-exit' EXIT; echo in-sub)
echo main
--- stdout
in-sub
sub-exit
main

### cmdsub-exit-trap
x=$(trap 'echo bye' EXIT; echo hi)
echo "$x"
--- stdout
hi
bye

### subshell-ignored-stays-ignored
trap '' USR1
(kill -s USR1 $(exec sh -c 'echo $PPID'); echo sub-survived)
--- stdout
sub-survived

### trap-listing
trap 'echo a' EXIT
trap '' INT
trap 'echo u' USR1
trap
--- stdout
trap -- 'echo a' EXIT
trap -- '' INT
trap -- 'echo u' USR1
a

### trap-listing-empty
trap
echo "<$(trap)>"
--- stdout
<>

### trap-listing-after-reset
trap 'echo u' USR1
trap - USR1
trap
echo end
--- stdout
end

### trap-listing-reinput
trap 'echo "it'"'"'s" \$x' USR1
trap > saved
trap - USR1
. ./saved
x=1
kill -s USR1 $$
--- stdout
it's $x

### trap-in-function-persists
f() { trap 'echo from-f' EXIT; }
f
echo main
--- stdout
main
from-f

### trap-action-runs-in-current-shell
trap 'x=changed' USR1
x=orig
kill -s USR1 $$
echo $x
--- stdout
changed

### trap-invalid-signal
trap 'echo x' NOSUCHSIG 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### trap-numeric-reset
trap 'echo hup' HUP
trap 1
kill -s HUP $$ 2>/dev/null
echo not-reached
--- stdout
--- status 129

### trap-during-wait
trap 'echo caught' USR1
sleep 5 &
pid=$!
(sleep 0.2; kill -s USR1 $$) &
wait $pid
echo "wait-status-over-128=$([ $? -gt 128 ] && echo yes)"
kill $pid
--- stdout
caught
wait-status-over-128=yes

### trap-kill-default-term
trap 'echo term' TERM
kill $$
echo after
--- stdout
term
after

### trap-kill-stop-not-trapped-status
trap '' KILL 2>/dev/null
echo "kill $?"
trap 'echo x' STOP 2>/dev/null
echo "stop $?"
--- stdout
kill 0
stop 0

### trap-dash-dash-minus-resets
trap 'echo trapped' EXIT
trap -- - EXIT
trap
echo done
--- stdout
done

### trap-numeric-condition-resets
trap 'echo trapped' EXIT
trap 0
echo done
--- stdout
done

### exit-trap-subshell-exit-trap-fires
trap '(trap "echo inner" EXIT; :)' EXIT
echo outer
--- stdout
outer
inner

### exit-trap-nested-in-subshell
(trap '(trap "echo inner" EXIT; exit 0)' EXIT)
echo after
--- stdout
inner
after

### trap-unknown-option-is-special-builtin-error
trap 'echo exit-trap' EXIT
trap -1 EXIT 2>/dev/null
echo not-reached
--- stdout
exit-trap
--- status 2

### trap-number-first-resets
trap 'echo no' EXIT
trap 07 EXIT
trap 'echo yes' INT
trap 2
trap
echo done
--- stdout
done
