# SPDX-License-Identifier: GPL-3.0-or-later
# set -e (errexit) and its corner cases (XCU 2.14 set): commands in && and
# || lists, if/while conditions, !, functions, subshells, command
# substitution in assignments, pipelines.

### exits-on-failure
set -e
echo a
false
echo b
--- stdout
a
--- status 1

### exit-status-kept
set -e
(exit 42)
echo no
--- stdout
--- status 42

### not-in-if-condition
set -e
if false; then echo yes; else echo no; fi
echo after
--- stdout
no
after

### not-in-elif-condition
set -e
if false; then :; elif false; then :; else echo else; fi
echo after
--- stdout
else
after

### not-in-while-condition
set -e
while false; do :; done
echo after
--- stdout
after

### not-in-until-condition
set -e
until true; do :; done
i=0
until [ $i = 1 ]; do i=1; done
echo after
--- stdout
after

### not-on-and-list-left
set -e
false && echo no
echo after
--- stdout
after

### not-on-or-list-left
set -e
false || echo recovered
echo after
--- stdout
recovered
after

### last-of-and-list-fails-exits
set -e
true && false
echo no
--- stdout
--- status 1

### last-of-or-list-fails-exits
set -e
false || false
echo no
--- stdout
--- status 1

### bang-does-not-exit
set -e
! true
echo after
--- stdout
after

### bang-false-ok
set -e
! false
echo after
--- stdout
after

### pipeline-last-decides
set -e
false | true
echo after
true | false
echo no
--- stdout
after
--- status 1

### subshell-failure-exits-parent
set -e
(false; echo not-in-sub)
echo no
--- stdout
--- status 1

### subshell-set-e-stays-local
(set -e; false; echo no)
echo sub=$?
case $- in *e*) echo leaked;; *) echo not-leaked;; esac
--- stdout
sub=1
not-leaked

### subshell-errexit-ignored-in-or-context-dash
set -e
(false; echo continued) || echo no
--- stdout
continued

### function-failure-exits
set -e
f() { false; echo no; }
f
echo no
--- stdout
--- status 1

### function-in-condition-no-exit
set -e
f() { false; echo inside; }
if f; then echo then; fi
--- stdout
inside
then

### function-in-and-list
set -e
f() { false; echo inside; }
f && echo after-f
--- stdout
inside
after-f

### cmdsub-assignment-exits
set -e
x=$(false)
echo no
--- stdout
--- status 1

### cmdsub-in-argument-no-exit
set -e
echo got $(false)
echo after
--- stdout
got
after

### assign-cmdsub-in-function-exits
set -e
f() { local x; x=$(false); echo no; }
f
echo no
--- stdout
--- status 1

### brace-group-failure
set -e
{ false; echo no; }
echo no
--- stdout
--- status 1

### brace-group-in-or
set -e
{ false; echo still; } || echo no
--- stdout
still

### set-plus-e-disables
set -e
set +e
false
echo after
--- stdout
after

### set-o-errexit
set -o errexit
false
echo no
--- stdout
--- status 1

### exit-trap-runs
set -e
trap 'echo cleanup' EXIT
false
echo no
--- stdout
cleanup
--- status 1

### loop-body-failure
set -e
for i in 1 2; do echo $i; false; done
echo no
--- stdout
1
--- status 1

### case-body-failure
set -e
case x in x) false;; esac
echo no
--- stdout
--- status 1

### eval-failure
set -e
eval false
echo no
--- stdout
--- status 1

### eval-in-or-list-ignores-errexit
set -e
eval 'false; echo ev' || echo no
f() { eval 'false; echo fe'; }
f && echo and
echo end
--- stdout
ev
fe
and
end

### test-failure
set -e
[ 1 = 2 ]
echo no
--- stdout
--- status 1

### while-body-status-ok
set -e
i=0
while [ $i -lt 2 ]; do i=$((i + 1)); done
echo $i
--- stdout
2

### dollar-minus-has-e
set -e
case $- in *e*) echo has-e;; esac
--- stdout
has-e

### arith-command-failure
set -e
x=0
: $((x += 1))
echo $x
--- stdout
1

### if-body-failure-exits
set -e
if true; then false; echo no; fi
echo no
--- stdout
--- status 1

### errexit-dot-script
echo false > f.sh
echo 'echo no' >> f.sh
set -e
. ./f.sh
echo no
--- stdout
--- status 1

### not-found-command-exits
set -e
no_such_command_xyz 2>/dev/null
echo no
--- stdout
--- status 127

### errexit-not-return-zero
set -e
f() { ! return 0; }
f
echo ok
--- stdout
ok

### errexit-not-builtin-no-subshell
set -e
! x=1
! false
echo "ok $x"
--- stdout
ok 1

### errexit-brace-group-redirect-failure
set -e
{ echo no; } < nonexistent 2>/dev/null
echo not-reached
--- stdout
--- status 1

### errexit-while-redirect-failure
set -e
while read -r l; do echo "$l"; done < nonexistent 2>/dev/null
echo not-reached
--- stdout
--- status 1

### errexit-assignment-redirect-failure
set -e
x=1 > /nonexistent/f 2>/dev/null
echo not-reached
--- stdout
--- status 1

### errexit-redirect-failure-in-condition
set -e
if { :; } < nonexistent 2>/dev/null; then echo yes; else echo no; fi
--- stdout
no

### errexit-ignored-in-condition-substitution
set -e
if echo $(echo 1; false; echo 2); then echo A; fi
echo $(echo 3; false; echo 4)
--- stdout
1 2
A
3
