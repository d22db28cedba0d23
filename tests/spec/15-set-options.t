# SPDX-License-Identifier: GPL-3.0-or-later
# Shell options (XCU 2.14 set): -u, -x (its trace goes to stderr, which is
# not compared), -f, -C, -a, -n, -o pipefail, $- and set +o round trips.

### nounset-unset-var-exits
set -u
echo before
echo $nosuchvar 2>/dev/null
echo no
--- stdout
before
--- status 1

### nounset-subshell-status
set -u
(echo $nosuchvar) 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### nounset-set-empty-ok
set -u
x=
echo "<$x>"
--- stdout
<>

### nounset-default-ok
set -u
echo ${nosuch:-default} ${nosuch-d2}
--- stdout
default d2

### nounset-plus-ok
set -u
echo "<${nosuch+alt}>"
--- stdout
<>

### nounset-at-and-star-ok
set -u
set --
echo "<$@>" "<$*>" $#
--- stdout
<> <> 0

### nounset-positional-unset-fails
set -u
set -- a
(echo $2) 2>/dev/null || echo failed
--- stdout
failed

### nounset-length-unset-fails
set -u
(echo ${#nosuch}) 2>/dev/null || echo failed
--- stdout
failed

### nounset-arith-unset-fails
set -u
(echo $(($nosuch + 1))) 2>/dev/null || echo failed
--- stdout
failed

### nounset-special-params-ok
set -u
echo $? $# > /dev/null
echo ok
--- stdout
ok

### nounset-plus-u-off
set -u
set +u
echo "<$nosuch>"
--- stdout
<>

### xtrace-stdout-clean
set -x
echo visible
x=1
: $x
set +x
echo done
--- stdout
visible
done

### xtrace-goes-to-stderr
{ set -x; echo out; set +x; } 2>trace
echo "---"
grep -c 'echo out' trace
--- stdout
out
---
1

### xtrace-ps4-prefix
PS4='TRACE: '
{ set -x; : hello; set +x; } 2>trace
grep '^TRACE: : hello$' trace
--- stdout
TRACE: : hello

### xtrace-before-command-redirections
{ set -x; echo traced 2>/dev/null; set +x; } 2>trace
grep -c 'echo traced' trace
--- stdout
traced
1

### xtrace-dollar-minus
set -x
case $- in *x*) echo has-x;; esac 2>/dev/null
--- stdout
has-x

### noglob
touch a b
set -f
echo * "[ab]"
--- stdout
* [ab]

### noglob-in-for
touch a
set -f
for f in *; do echo "$f"; done
--- stdout
*

### noglob-re-enabled
touch a
set -f
set +f
echo *
--- stdout
a

### noclobber-existing
echo 1 > f
set -C
(echo 2 > f) 2>/dev/null || echo refused
cat f
--- stdout
refused
1

### noclobber-force
echo 1 > f
set -C
echo 2 >| f
cat f
--- stdout
2

### noclobber-off
echo 1 > f
set -C
set +C
echo 2 > f
cat f
--- stdout
2

### allexport
set -a
myvar=exported
set +a
sh -c 'echo "child sees $myvar"'
--- stdout
child sees exported

### allexport-off-not-exported
set -a
set +a
other=no
sh -c 'echo "<$other>"'
--- stdout
<>

### allexport-read
set -a
read rv <<EOF
from-read
EOF
sh -c 'echo $rv'
--- stdout
from-read

### noexec-stops-execution
echo before
set -n
echo not-executed
--- stdout
before

### noexec-parses-only
set -n
if true; then echo no; fi
exit 5
--- stdout

### pipefail
set -o pipefail
false | true
echo $?
true | false | true
echo $?
(exit 3) | (exit 4) | true
echo $?
--- stdout
1
1
4

### pipefail-all-ok
set -o pipefail
true | true
echo $?
--- stdout
0

### pipefail-off
false | true
echo $?
--- stdout
0

### dollar-minus-flags
set -f -u -C
case $- in *f*) echo f;; esac
case $- in *u*) echo u;; esac
case $- in *C*) echo C;; esac
--- stdout
f
u
C

### dollar-minus-cleared
set -f
set +f
case $- in *f*) echo still;; *) echo cleared;; esac
--- stdout
cleared

### set-o-names
set -o noglob -o nounset
case $- in *f*u*|*u*f*) echo both;; esac
--- stdout
both

### set-plus-o-roundtrip
set -f -u
set +o > saved
set +f +u
. ./saved
case $- in *f*) echo f-restored;; esac
case $- in *u*) echo u-restored;; esac
--- stdout
f-restored
u-restored

### set-invalid-option
(set -o nosuchoption) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### set-dashdash-positional
set -- -x -y
echo $# $1 $2
case $- in *x*) echo traced;; esac
--- stdout
2 -x -y

### set-dash-alone-clears-xv
set -x
set - a b
echo $# $1
case $- in *x*) echo traced;; *) echo untraced;; esac
--- stdout
2 a
untraced

### set-positional-no-dashdash
set a b c
echo $# $3
--- stdout
3 c

### set-no-args-lists-vars
myuniquevar=value1
set | grep -c '^myuniquevar='
--- stdout
1

### set-listing-quoted-reinput
weird='a b$c'
set | grep '^weird=' > saved
unset weird
. ./saved
echo "$weird"
--- stdout
a b$c

### command-line-o-option
self=$(readlink /proc/$$/exe)
"$self" -o errexit -c 'false; echo no'
echo "status $?"
"$self" -o noglob -c 'echo /*' x
"$self" -eo nounset -c 'echo "$-" | grep -q u && echo nounset' x
--- stdout
status 1
/*
nounset

### command-line-oo-lone-minus-plus-c-l
self=$(readlink /proc/$$/exe)
"$self" -oo errexit noglob -c 'case $- in *e*f*|*f*e*) echo both ;; esac'
"$self" -c - 'echo lone-minus-ignored'
"$self" +c 'echo plus-c'
"$self" -l -c 'echo login-accepted'
echo 'echo "file $1"' >f.sh
"$self" - f.sh arg
--- stdout
both
lone-minus-ignored
plus-c
login-accepted
file arg

### interactive-prompts-to-stderr
self=$(readlink /proc/$$/exe)
printf 'echo hi\nif true\nthen echo there; fi\n' |
	PS1='P1> ' PS2='P2> ' "$self" -i 2>err
grep -q 'P1> ' err && echo prompt-on-stderr
--- stdout
hi
there
prompt-on-stderr

### set-n-same-line
set -n; echo not-run
echo not-run-either
--- stdout

### set-lone-plus-and-minus-keep-params
set -- a b
set +
echo "$# $*"
set -
echo "$# $*"
set + z
echo "$# $*"
--- stdout
2 a b
2 a b
1 z

### lone-plus-is-ignored
set a
set +
echo "$@"
set -f + -u x y
case $- in *u*) echo nounset ;; esac
echo "$@"
set + -
echo "$@"
--- stdout
a
nounset
x y
x y

### xtrace-ps4-is-expanded
PS4='+[$?] '
(set -x; false; : two) 2>&1
PS4='+$((1+1)) '
(set -x; : three) 2>&1
--- stdout
+[0] false
+[1] : two
+2 : three

### xtrace-ps4-expansion-error-goes-on
PS4='+$((1/0)) '
set -x
echo one 2>/dev/null
echo "status $?"
--- stdout
one
status 0

### set-b-and-h-in-dollar-minus
set -b -h && echo set
case $- in *b*) echo b-on;; esac
case $- in *h*) echo h-on;; esac
set +bh
case $- in *[bh]*) echo still;; *) echo off;; esac
--- stdout
set
b-on
h-on
off

### set-o-notify-listed-and-reinput
set -o notify
set -o | grep '^notify' | tr -s ' '
saved=$(set +o)
set +o notify
case $- in *b*) echo on;; *) echo off;; esac
eval "$saved"
case $- in *b*) echo restored;; esac
--- stdout
notify on
off
restored

### command-line-long-login-accepted
self=$(readlink /proc/$$/exe)
"$self" --login -c 'echo login-accepted'
--- stdout
login-accepted

### shopt-set-unset-query-print
shopt -p nullglob
shopt -q nullglob; echo q=$?
shopt -s nullglob; echo s=$?
shopt -p nullglob
shopt nullglob failglob
echo st=$?
shopt -s failglob nosuchopt 2>/dev/null; echo bad=$?
shopt -q nullglob failglob; echo both=$?
shopt -u nullglob failglob
shopt -s | grep -v 'globskipdots\|expand_aliases'; echo none-on
shopt -p
--- stdout
shopt -u nullglob
q=1
s=0
shopt -s nullglob
nullglob       	on
failglob       	off
st=1
bad=1
both=0
none-on
shopt -s expand_aliases
shopt -u failglob
shopt -s globskipdots
shopt -u nullglob

### shopt-o-is-set-o
shopt -po nounset
set -u
shopt -po nounset
shopt -o nounset
shopt -so noglob; case $- in *f*) echo f-on;; esac
shopt -uo noglob; case $- in *f*) ;; *) echo f-off;; esac
shopt -o -s emacs; shopt -po emacs vi
shopt -o -s vi; shopt -po emacs vi
shopt -qo errexit; echo errexit=$?
--- stdout
set +o nounset
set -o nounset
nounset        	on
f-on
f-off
set -o emacs
set +o vi
set +o emacs
set -o vi
errexit=1

### set-listing-quotes-only-where-needed
a=plain b='two words' c="it's" d=x/y:z
set | grep '^[abcd]='
--- stdout
a=plain
b='two words'
c='it'\''s'
d=x/y:z

### set-o-listing-sorted-by-name
set +o | sed -n '1,3p'
set -o emacs
set +o | grep 'emacs$\|vi$'
set -o vi
set +o | grep 'emacs$\|vi$'
--- stdout
set +o allexport
set +o emacs
set +o errexit
set -o emacs
set +o vi
set +o emacs
set -o vi

### shopt-expand-aliases
alias e='echo alias'
e 1
shopt -u expand_aliases
e 2 2>/dev/null || echo not-expanded
shopt -s expand_aliases
e 3
--- stdout
alias 1
not-expanded
alias 3
