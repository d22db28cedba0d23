# SPDX-License-Identifier: GPL-3.0-or-later
# Subshell isolation (XCU 2.12): ( ), command substitution, pipelines and
# background commands get a copy of the environment; nothing flows back.

### var-isolation
x=1
(x=2; echo in=$x)
echo out=$x
--- stdout
in=2
out=1

### new-var-isolation
(newvar=1)
echo "<${newvar-unset}>"
--- stdout
<unset>

### unset-isolation
x=1
(unset x)
echo $x
--- stdout
1

### cd-isolation
mkdir d
before=$PWD
(cd d; [ "$PWD" = "$before/d" ] && echo moved)
[ "$PWD" = "$before" ] && echo unchanged
--- stdout
moved
unchanged

### function-isolation
(f() { echo f; })
f 2>/dev/null || echo no-f
--- stdout
no-f

### option-isolation
(set -f)
case $- in *f*) echo leaked;; *) echo isolated;; esac
--- stdout
isolated

### positional-isolation
set -- a b
(set -- x; echo $#)
echo $# $1
--- stdout
1
2 a

### trap-isolation
(trap 'echo sub' USR1)
trap
echo end
--- stdout
end

### exit-only-subshell
(exit 3)
echo survived $?
--- stdout
survived 3

### umask-isolation
umask 022
(umask 077)
umask
--- stdout
0022

### export-isolation
(export SUBV=1)
sh -c 'echo "<$SUBV>"'
--- stdout
<>

### sees-parent-vars
x=parent
(echo $x)
--- stdout
parent

### sees-parent-functions
f() { echo from-parent; }
(f)
--- stdout
from-parent

### nested-subshells
x=0
(x=1; (x=2; echo $x); echo $x)
echo $x
--- stdout
2
1
0

### pipeline-elements-isolated
x=1
x=2 | x=3
echo $x
--- stdout
1

### pipeline-last-element-subshell-dash
x=1
echo 5 | read x
echo $x
--- stdout
1

### background-isolation
x=1
x=2 &
wait
echo $x
--- stdout
1

### cmdsub-isolation
x=1
: $(x=2)
echo $x
--- stdout
1

### subshell-status
(false)
echo $?
(true)
echo $?
--- stdout
1
0

### subshell-redirect-isolation
(exec > f; echo into-f)
echo to-stdout
cat f
--- stdout
to-stdout
into-f

### readonly-in-subshell
(readonly r=1)
r=2
echo $r
--- stdout
2

### dollar-dollar-same-in-subshell
parent=$$
(echo $(( $$ == parent )))
--- stdout
1

### subshell-shift-isolation
set -- a b c
(shift 2; echo $1)
echo $1
--- stdout
c
a

### brace-group-not-isolated
x=1
{ x=2; cd /; }
echo $x $PWD
--- stdout
2 /

### subshell-exit-trap-not-parent
trap 'echo parent-exit' EXIT
(exit 0)
echo still-here
--- stdout
still-here
parent-exit
