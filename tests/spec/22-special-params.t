# SPDX-License-Identifier: GPL-3.0-or-later
# Special parameters and shell variables (XCU 2.5.2, 2.5.3): $? $$ $! $#
# $@ $* $- $0 ${10}, LINENO PPID PWD OLDPWD IFS OPTIND OPTARG HOME PATH.

### question-mark
true; echo $?
false; echo $?
(exit 9); echo $?
--- stdout
0
1
9

### dollar-dollar-is-shell-pid
sh -c 'echo $PPID' > ppid
[ "$(cat ppid)" = "$$" ] && echo match
--- stdout
match

### dollar-dollar-numeric
case $$ in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
--- stdout
numeric

### bang-last-background
sleep 0.1 &
p=$!
wait $p && echo waited
case $p in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
--- stdout
waited
numeric

### bang-is-child-pid
sh -c 'echo $$ > childpid' &
p=$!
wait
[ "$(cat childpid)" = "$p" ] && echo match
--- stdout
match

### bang-unset-before-bg
echo "<$!>"
--- stdout
<>

### hash-count
set -- a 'b c' d
echo $#
set --
echo $#
--- stdout
3
0

### at-star-unquoted-equal
set -- 'a b' c
echo $@
echo $*
--- stdout
a b c
a b c

### at-preserves-args-passed-on
set -- 'one two' '' three
count() { echo $#; }
count "$@"
count $@
count "$*"
--- stdout
3
3
1

### dash-flags-contains-options
set -u
case $- in *u*) echo u-set;; esac
set +u
case $- in *u*) echo still;; *) echo u-clear;; esac
--- stdout
u-set
u-clear

### dollar-zero-script-path
case $0 in */script) echo script-name;; *) echo "other: $0";; esac
--- stdout
script-name

### dollar-zero-in-function
f() { case $0 in */script) echo still-script;; esac; }
f
--- stdout
still-script

### positional-ten-and-up
set -- a b c d e f g h i j k
echo ${10} ${11} $1
--- stdout
j k a

### positional-unset-above-count
set -- a
echo "<$2><${2}><${12}>"
--- stdout
<><><>

### positional-zero-args
echo $#
--- stdout
0

### lineno
echo $LINENO
x=1
echo $LINENO
--- stdout
1
3

### lineno-in-arithmetic
echo $((LINENO * 10))
x=$((LINENO + 0))
echo $x
--- stdout
10
2

### lineno-in-function
f() {
	echo $LINENO
}
f
--- stdout
2

### lineno-in-for-list-is-the-for-line
echo one
for x in \
	$LINENO zzz; do
	echo $x
done
--- stdout
one
2
zzz

### ppid-is-parent
echo $PPID > p
sh -c 'echo $PPID' > child
[ "$(cat child)" = "$$" ] && echo child-ok
case $(cat p) in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
--- stdout
child-ok
numeric

### ppid-same-in-subshell
p=$PPID
(echo $(( PPID == p )))
--- stdout
1

### pwd-initial
[ "$PWD" = "$(pwd)" ] && echo same
--- stdout
same

### pwd-after-cd
mkdir d
cd d
[ "$PWD" = "$(pwd)" ] && echo same
--- stdout
same

### oldpwd-after-cd
here=$PWD
cd /
[ "$OLDPWD" = "$here" ] && echo ok
--- stdout
ok

### ifs-default-value
printf '%s' "$IFS" | od -An -c | tr -s ' '
--- stdout
 \t \n

### optind-initial
echo $OPTIND
--- stdout
1

### optarg-set-by-getopts
getopts a: o -a val
echo $OPTARG $OPTIND
--- stdout
val 3

### home-from-environment
[ -n "$HOME" ] && [ -d "$HOME" ] && echo home-ok
--- stdout
home-ok

### path-from-environment
echo $PATH
--- stdout
/usr/bin:/bin

### path-empty-not-found
PATH=
ls 2>/dev/null
echo $?
--- stdout
127

### path-change-rehashes
mkdir b1 b2
printf '#!/bin/sh\necho one\n' > b1/tool
printf '#!/bin/sh\necho two\n' > b2/tool
chmod +x b1/tool b2/tool
PATH=$PWD/b1:/usr/bin:/bin
tool
PATH=$PWD/b2:/usr/bin:/bin
tool
--- stdout
one
two

### path-prefix-assignment
mkdir b
printf '#!/bin/sh\necho found\n' > b/only_here
chmod +x b/only_here
PATH=$PWD/b:$PATH only_here
--- stdout
found

### env-vars-imported-exported
sh -c 'echo $LC_ALL'
--- stdout
C

### env-var-modified-exported
LC_ALL=POSIX
sh -c 'echo $LC_ALL'
--- stdout
POSIX

### question-after-pipeline
false | false | true
echo $?
--- stdout
0

### question-in-double-quotes
false
echo "status: $?"
--- stdout
status: 1

### dollar-star-with-ifs-in-function
f() { local IFS=-; echo "$*"; }
f a b c
echo "$*"
--- stdout
a-b-c

--- status 0

### dollar-hash-in-function
f() { echo $#; }
set -- 1 2 3
f x
echo $#
--- stdout
1
3

### special-param-braces
set -- x y
echo ${#} ${?} ${@} ${*} ${1}
--- stdout
2 0 x y x y x
