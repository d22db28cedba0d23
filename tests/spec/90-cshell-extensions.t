# SPDX-License-Identifier: GPL-3.0-or-later
# cshell's extensions (docs/shell.md): on in interactive shells; in
# scripts only those that change no POSIX script's meaning (source, [[,
# time, PIPESTATUS, $_) until `set +o posix`; all off with `set -o posix`.
# dash has none of them, so the runner does not run NN-cshell-*.t under dash.

### extensions-off-in-scripts
echo -e 'a\tb' | od -An -c | tr -s ' '
echo {a,b}
--- stdout
 - e a \t b \n
{a,b}

### compat-extensions-on-in-scripts
echo 'echo sourced' >inc
source ./inc
[[ a == a ]] && echo dbracket
false | true
echo "$PIPESTATUS"
{ time -p true; } 2>&1 | grep -c '^real '
--- stdout
sourced
dbracket
1 0
1

### set-o-posix-turns-compat-extensions-off
set -o posix
source /dev/null 2>/dev/null || echo no-source
[[ 2>/dev/null
echo "status $?"
--- stdout
no-source
status 127

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
set -o posix
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
set -o posix
[[ 2>/dev/null
echo "status $?"
--- stdout
status 127

### pipestatus-as-array
false | (exit 3) | true
printf '<%s>' "${PIPESTATUS[@]}" "${#PIPESTATUS[@]}" "${PIPESTATUS[1]}"
echo
false | true
printf '<%s>' "${PIPESTATUS[*]}" ${PIPESTATUS[@]}
echo
x=hi
printf '<%s>' "${x[0]}" "${x[1]}" "${x[@]}" "${#x[@]}" "${unset_var[@]}"
echo
--- stdout
<1><3><0><3><3>
<1 0><1><0>
<hi><><hi><1>

### dollar-underscore-last-argument
: 42
echo "$_ ${_}x"
x='with spaces'
: $x
echo "$_"
echo hi && echo "and=$_"
f() { echo "in f: $_"; }
: before
f a b
echo "after f: $_"
s=bar
echo "assign [$_]"
for i in 1 2; do echo "prev=$_"; done
(echo "subshell=$_")
--- stdout
42 42x
spaces
hi
and=hi
in f: before
after f: b
assign []
prev=assign []
prev=prev=assign []
subshell=prev=prev=assign []

### dollar-underscore-set-at-start-and-off-in-posix-mode
set -u
echo "${_:+set}"
set -o posix
: a b
echo "[$_]"
--- stdout
set
[set]

### bash-variables
case $RANDOM$RANDOM in *[!0-9]*) echo bad ;; *) echo random ;; esac
RANDOM=7; a=$RANDOM; RANDOM=7; b=$RANDOM
[ "$a" = "$b" ] && echo seeded
SECONDS=100
[ "$SECONDS" -ge 100 ] && [ "$SECONDS" -lt 110 ] && echo seconds
[ "$UID" = "$(id -u)" ] && [ "$EUID" = "$(id -u)" ] && echo uid
[ "$HOSTNAME" = "$(uname -n)" ] && echo hostname
[ -n "$OSTYPE" ] && echo ostype
[ "$BASHPID" = "$$" ] && echo bashpid
[ "$(echo $BASHPID)" != "$$" ] && echo bashpid-in-subshell
unset RANDOM; echo "[${RANDOM-unset}]"
--- stdout
random
seeded
seconds
uid
hostname
ostype
bashpid
bashpid-in-subshell
[unset]

### bash-variables-at-start-up
self=$(readlink /proc/$$/exe)
UID=xx EUID=xx HOSTNAME=h OSTYPE=o /usr/bin/env -u SHELL -u PATH "$self" -c \
	'echo $UID $EUID $HOSTNAME $OSTYPE; [ -n "$SHELL" ] && echo shell
	echo "$PATH"; env | grep -c "^PATH="' | sed "s/^$(id -u) $(id -u) /N N /"
--- stdout
N N h o
shell
/usr/local/bin:/usr/bin:/bin
0

### dot-with-arguments
printf '%s\n' 'echo "$# $*"' shift 'x=set' >inc
set -- a b c
. ./inc 1 2
echo "$# $* $x"
f() { . ./inc; echo "in f: $*"; }
f p q r
--- stdout
2 1 2
3 a b c set
3 p q r
in f: q r

### eval-and-dot-discard-dash-dash
eval -- echo evaluated
echo 'echo dotted "$@"' >inc
. -- ./inc
source -- ./inc x
--- stdout
evaluated
dotted
dotted x

### wait-n
{ sleep 0.3; exit 9; } &
{ sleep 0.1; exit 3; } &
wait -n
echo "status $?"
wait -n
echo "status $?"
wait -n
echo "none $?"
true &
wait -n $! nosuchjob 2>/dev/null
echo "given $?"
--- stdout
status 3
status 9
none 127
given 0

### wait-reports-a-job-killed-by-a-signal
sleep 5 &
kill -s HUP $!
wait $! 2>err
echo "status $?"
grep -c Hangup err
--- stdout
status 129
1

### jobs-in-a-subshell-lists-the-parents
sleep 1 &
sleep 1 | cat &
jobs | wc -l
echo "$(jobs -p)" | wc -l
(sleep 1 >/dev/null & jobs) | wc -l
kill $(jobs -p)
--- stdout
2
2
1

### xtrace-assignment-sees-ps4-before-it
PS4='+$x:'
{
	set -x
	x=1
	x=2
	set +x
} 2>err
cat err
--- stdout
+:x=1
+1:x=2
+2:set +x

### histfile-in-interactive-shells-and-rcfile
self=$(readlink /proc/$$/exe)
"$self" -c 'echo "[${HISTFILE-unset}]"'
CSHELL_HISTFILE=$PWD/h "$self" -i -c 'echo "$HISTFILE"' 2>/dev/null |
	sed "s|^$PWD/|DIR/|"
echo 'echo rc ran' >rc
echo 'echo cmd' | CSHELL_HISTFILE=$PWD/h "$self" --rcfile ./rc -i 2>/dev/null
--- stdout
[unset]
DIR/h
rc ran
cmd

### pipe-stderr-too
{ echo out; echo err >&2; } |& sort
f() { echo fo; echo fe >&2; }
f 2>/dev/null |& wc -l
echo x |&
	cat
--- stdout
err
out
2
x

### dbracket-unbalanced-parentheses-are-a-syntax-error
echo start
[[ ( a ]]
echo not-reached
--- stdout
start
--- status 2

### rcfile-relative-warning-and-login
self=$(readlink /proc/$$/exe)
echo 'echo rc ran' >rc
echo 'echo cmd' | CSHELL_HISTFILE=$PWD/h "$self" --rcfile rc -i 2>/dev/null
"$self" --rcfile rc -c 'echo non-interactive' 2>err
grep -c warning err
"$self" --login -c 'echo login'
--- stdout
rc ran
cmd
non-interactive
1
login

### exec-a-sets-argv0
(exec -a NAME sh -c 'echo $0')
(exec -a NAME -- sh -c 'echo $0')
(exec -a NAME nosuchcommand) 2>/dev/null
echo "status $?"
--- stdout
NAME
NAME
status 127

### source-errors-return-and-current-directory
source /nonexistent/file 2>/dev/null
echo "status $?"
source 2>/dev/null
echo "status $?"
echo 'echo here' >inc
source inc
(. inc) 2>/dev/null || echo "dot searches PATH only"
--- stdout
status 1
status 2
here
dot searches PATH only

### dollar-single-quote-unicode-escapes
printf '%s\n' $'[\u03bc]' $'\U0001F600' $'a\u' $'\u41\u00e9' $'x\u0000y' | od -An -c | tr -s ' '
--- stdout
 [ 316 274 ] \n 360 237 230 200 \n a \ u \n A 303
 251 \n x \n
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

### set-lists-dynamic-variables-current
set >vars
grep -c "^BASHPID=$$\$" vars
--- stdout
1
