# SPDX-License-Identifier: GPL-3.0-or-later
# cshell's extensions (docs/shell.md): on in interactive shells, off in
# scripts until `set +o posix`, off again with `set -o posix`.  dash has
# none of them, so the runner does not run NN-cshell-*.t under dash.

### extensions-off-in-scripts
echo -e 'a\tb' | od -An -c | tr -s ' '
source /dev/null 2>/dev/null || echo no-source
--- stdout
 - e a \t b \n
no-source

### source-runs-in-current-shell
set +o posix
echo 'x=sourced' >inc
source ./inc
echo "$x"
--- stdout
sourced

### echo-e-E
set +o posix
echo -E 'a\tb'
echo -e 'a\tb' | od -An -c | tr -s ' '
echo -nE 'x\n'
echo
echo -n-e
--- stdout
a\tb
 a \t b \n
x\n
-n-e

### pipestatus
set +o posix
false | true | (exit 3)
echo "$PIPESTATUS"
true
echo "$PIPESTATUS"
! false | false
echo "$PIPESTATUS $?"
--- stdout
1 0 3
0
1 1 0

### posix-turns-extensions-off
set +o posix
set -o posix
source /dev/null 2>/dev/null || echo no-source
echo -E x
--- stdout
no-source
-E x

### time-pipeline
set +o posix
{ time sleep 0 | false; } 2>err
echo "status $?"
grep -c '^real	0m0\.[0-9][0-9][0-9]s$' err
grep -c '^user	' err
grep -c '^sys	' err
--- stdout
status 1
1
1
1

### time-p-posix-format
set +o posix
{ time -p true; } 2>err
sed 's/[0-9]/N/g' err
--- stdout
real N.NN
user N.NN
sys N.NN

### time-alone-and-in-current-shell
set +o posix
{ time; } 2>err
grep -c real err
{ time x=1; } 2>/dev/null
echo "x=$x"
{ time ! false; } 2>/dev/null
echo "status $?"
--- stdout
1
x=1
status 0

### time-not-reserved-in-posix-mode
time() { echo "function $*"; }
time -p x
--- stdout
function -p x

### brace-lists
set +o posix
echo {a,b}c a{b,c{d,e}}f a{,b} pre{x,y}{1,2}
--- stdout
ac bc abf acdf acef a ab prex1 prex2 prey1 prey2

### brace-sequences
set +o posix
echo {1..3} {3..1} {1..10..4} {01..3} {a..c} {c..a}
--- stdout
1 2 3 3 2 1 1 5 9 01 02 03 a b c c b a

### brace-literal-cases
set +o posix
x=X
echo {a} {} "{a,b}" \{a,b\} {a..} $x{1,2} {$x,y}
--- stdout
{a} {} {a,b} {a,b} {a..} X1 X2 X y

### brace-not-in-assignments
set +o posix
v={a,b}
echo "$v"
--- stdout
{a,b}

### brace-off-in-posix-mode
echo {a,b} {1..2}
--- stdout
{a,b} {1..2}

### dbracket-patterns
set +o posix
x='hello world'
[[ $x == hello* ]] && echo glob
[[ $x == "hello*" ]] || echo quoted-literal
[[ $x != h?llo* ]] || echo not-equal
[[ $x = *" "* ]] && echo no-splitting
--- stdout
glob
quoted-literal
not-equal
no-splitting

### dbracket-regex
set +o posix
[[ abc =~ ^a(b|c)+$ ]] && echo "match $BASH_REMATCH $BASH_REMATCH_1"
[[ a.c =~ a"."c ]] && echo quoted-dot
[[ abc =~ a"."c ]] || echo quoted-dot-literal
[[ x =~ y ]] || echo "no match [${BASH_REMATCH-unset}]"
[[ x =~ "(" ]]
echo "status $?"
--- stdout
match abc c
quoted-dot
quoted-dot-literal
no match [unset]
status 1

### dbracket-logic-and-tests
set +o posix
[[ -n x && -z "" ]] && echo and
[[ ! -f /nonexistent ]] && echo not
[[ ( a < b ) && ! ( b < a ) ]] && echo parens-lt
[[ 10 -gt 9 ]] && echo numeric
[[ a == b || -d / ]] && echo or
y=
[[ $y ]] || echo empty
[[ -d / || $(echo evaluated >&2) ]] 2>err && [ ! -s err ] && echo short-circuit
--- stdout
and
not
parens-lt
numeric
or
empty
short-circuit

### dbracket-errors-and-errexit
set +o posix
[[ a b ]] 2>/dev/null
echo "status $?"
set -e
if [[ a == b ]]; then :; fi
[[ a == b ]]
echo not-reached
--- stdout
status 2
--- status 1

### dbracket-not-reserved-in-posix-mode
[[ 2>/dev/null
echo "status $?"
--- stdout
status 127

### named-fd-redirection
set +o posix
exec {fd}>f
[ "$fd" -ge 10 ] && echo high
echo one >&$fd
exec {fd}>&-
echo two >&$fd 2>/dev/null || echo closed
cat f
echo x= {w}>&1
[ "$w" -ge 10 ] && echo w-set
--- stdout
high
closed
one
x=
w-set

### named-fd-off-in-posix-mode
echo {v}>f
cat f
echo "[$v]"
--- stdout
{v}
[]

### and-greater-redirects-both
set +o posix
f() { echo out; echo err >&2; }
f &> log
f &>> log
cat log
set -C
echo x &> /dev/null && echo devnull-ok
--- stdout
out
err
out
err
devnull-ok

### and-greater-is-background-in-posix-mode
echo bg &> f
wait
cat f
echo "[$(cat f)]"
--- stdout
bg
[]
