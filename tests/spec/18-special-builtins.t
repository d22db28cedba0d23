# SPDX-License-Identifier: GPL-3.0-or-later
# Special built-ins (XCU 2.14): : . eval exec exit export readonly return
# shift times unset (break, continue, set and trap have their own files),
# and the rules special built-ins share: assignments before them persist.

### colon
: any args $(echo here) > /dev/null
echo $?
--- stdout
0

### colon-expands-args
: ${x=assigned}
echo $x
--- stdout
assigned

### dot-runs-in-current-shell
echo 'x=from-dot; echo in-dot' > inc.sh
. ./inc.sh
echo $x
--- stdout
in-dot
from-dot

### dot-path-search
mkdir lib
echo 'echo found-in-path' > lib/inc.sh
PATH=$PWD/lib:$PATH
. inc.sh
--- stdout
found-in-path

### dot-return
printf 'echo a\nreturn 3\necho b\n' > inc.sh
. ./inc.sh
echo status=$?
--- stdout
a
status=3

### dot-positional-unchanged
echo 'echo $#' > inc.sh
set -- a b c
. ./inc.sh
--- stdout
3

### dot-defines-functions
echo 'greet() { echo hello $1; }' > inc.sh
. ./inc.sh
greet world
--- stdout
hello world

### dot-status-of-last
echo false > inc.sh
. ./inc.sh
echo $?
--- stdout
1

### dot-empty-file-status-zero
: > inc.sh
false
. ./inc.sh
echo $?
--- stdout
0

### eval-simple
eval echo hello
--- stdout
hello

### eval-concatenates-args
eval 'x=a' 'y=b;' echo '"<$x$y>"'
--- stdout
<ab>

### eval-joins-with-space
eval echo a   b
--- stdout
a b

### eval-double-expansion
x=y
y=final
eval echo \$$x
--- stdout
final

### eval-assign-indirect
name=target
eval "$name=value"
echo $target
--- stdout
value

### eval-compound
eval 'for i in 1 2; do echo $i; done'
--- stdout
1
2

### eval-status
eval false
echo $?
eval
echo $?
--- stdout
1
0

### eval-current-shell
eval 'x=1; cd /'
echo $x $PWD
--- stdout
1 /

### eval-multiline
eval 'echo a
echo b'
--- stdout
a
b

### exec-replaces-shell
exec echo replaced
echo not-reached
--- stdout
replaced

### exec-no-command-redirects
exec 3> f
echo via-3 >&3
exec 3>&-
cat f
--- stdout
via-3

### exec-not-found-exits
(exec no_such_cmd_xyz) 2>/dev/null
echo $?
--- stdout
127

### exec-status-of-command
(exec sh -c 'exit 5')
echo $?
--- stdout
5

### exit-code
(exit 5)
echo $?
--- stdout
5

### exit-in-brace-group
{ echo in; exit 4; }
echo no
--- stdout
in
--- status 4

### exit-default-status
(false; exit)
echo $?
--- stdout
1

### export-to-child
export V=val
sh -c 'echo $V'
--- stdout
val

### export-later-assignment
V=1
export V
V=2
sh -c 'echo $V'
--- stdout
2

### export-multiple
export A=1 B=2
sh -c 'echo $A$B'
--- stdout
12

### export-unexported-not-seen
NOTEXP=x
sh -c 'echo "<$NOTEXP>"'
--- stdout
<>

### export-p-reinput
export EXV='a b'
export -p > saved
unset EXV
. ./saved
sh -c 'echo "$EXV"'
--- stdout
a b

### export-p-contains
export MYEXP=1
export -p | grep -c MYEXP
--- stdout
1

### export-no-value
export NOVAL
sh -c 'echo "<${NOVAL-unset}>"'
--- stdout
<unset>

### prefix-assignment-export-to-child
V=temp sh -c 'echo $V'
echo "<${V-unset}>"
--- stdout
temp
<unset>

### prefix-assignment-special-builtin-persists
V=kept :
echo $V
--- stdout
kept

### prefix-assignment-regular-builtin-temporary
unset V
V=temp true
echo "<${V-unset}>"
--- stdout
<unset>

### readonly-assign-fails
readonly R=1
(R=2) 2>/dev/null
echo $? $R
--- stdout
1 1

### readonly-assign-exits-shell
readonly R=1
R=2 2>/dev/null
echo no
--- stdout
--- status 1

### readonly-unset-fails
readonly R=1
(unset R) 2>/dev/null
[ $? -ne 0 ] && echo failed
echo $R
--- stdout
failed
1

### readonly-p-reinput
readonly RO='x y'
readonly -p | grep -c 'RO='
--- stdout
1

### readonly-without-value
readonly RNV
(RNV=1) 2>/dev/null || echo failed
--- stdout
failed

### return-from-function
f() { return 3; echo no; }
f
echo $?
--- stdout
3

### shift-one
set -- a b c
shift
echo $# $*
--- stdout
2 b c

### shift-n
set -- a b c d
shift 3
echo $# $1
--- stdout
1 d

### shift-all
set -- a b
shift 2
echo $#
--- stdout
0

### shift-too-many-fails
set -- a
(shift 2) 2>/dev/null
[ $? -ne 0 ] && echo failed
echo $#
--- stdout
failed
1

### shift-zero
set -- a b
shift 0
echo $#
--- stdout
2

### times-format
times > t
awk 'NF == 2 && $1 ~ /^[0-9]+m[0-9.]+s$/ && $2 ~ /^[0-9]+m[0-9.]+s$/ { n++ } END { print n }' t
--- stdout
2

### unset-var
x=1
unset x
echo "<${x-unset}>"
--- stdout
<unset>

### unset-v
x=1
unset -v x
echo "<${x-unset}>"
--- stdout
<unset>

### unset-function
f() { echo f; }
unset -f f
command -v f || echo gone
--- stdout
gone

### unset-nonexistent-ok
unset never_set_var
echo $?
--- stdout
0

### unset-multiple
a=1 b=2
unset a b
echo "<$a$b>"
--- stdout
<>

### unset-exported
export UE=1
unset UE
sh -c 'echo "<$UE>"'
--- stdout
<>

### colon-status-resets
false
:
echo $?
--- stdout
0

### eval-syntax-error-exits
eval 'if' 2>/dev/null
echo no
--- stdout
--- status 2

### dot-finds-cwd-file-only-with-path
echo 'echo cwd-file' > localinc
(. localinc) 2>/dev/null || echo not-in-path
--- stdout
not-in-path

### command-exec-keeps-redirection
echo hello >f
command exec 8<f
read -r x <&8
echo "got $x"
--- stdout
got hello

### command-exec-keeps-stdout-redirection
command exec 3>&1 >out
echo hidden
exec >&3
echo "shown $(cat out)"
--- stdout
shown hidden

### command-exec-redirection-error-not-fatal
command exec 9<nonexistent 2>/dev/null
echo "survived $?"
--- stdout
survived 1

### eval-keeps-status
false
eval 'echo $?'
--- stdout
1

### dot-keeps-status
echo 'echo $?' >inc
false
. ./inc
--- stdout
1

### prefix-assignments-in-order-special
x=5 y=$((x + 2)) :
echo "$x $y"
--- stdout
5 7

### prefix-assignments-in-order-external
x=5 y=$((x + 2)) env | grep '^y='
--- stdout
y=7

### prefix-assignments-in-order-function
f() { echo "$y"; }
x=5 y=$((x + 2)) f
--- stdout
7

### prefix-assignment-exec-exports
x=1 exec sh -c 'echo "x=$x"'
--- stdout
x=1

### export-readonly-exits-shell
readonly a
export a=c 2>/dev/null
echo survived
--- stdout
--- status 2

### unset-readonly-exits-shell
readonly a=1
unset a 2>/dev/null
echo survived
--- stdout
--- status 2

### readonly-prefix-regular-builtin-exits
readonly a=1
a=2 true 2>/dev/null
echo survived
--- stdout
--- status 1

### readonly-prefix-external-exits
readonly a=1
a=2 env 2>/dev/null
echo survived
--- stdout
--- status 1

### command-export-readonly-not-fatal
readonly a=1
command export a=2 2>/dev/null
[ $? -ne 0 ] && echo survived
--- stdout
survived

### declaration-utility-behind-command-or-expansion
x='a b'
command readonly c=$x
echo "$c"
\command export d=$x
echo "$d"
e=export
$e f=$x
echo "$f"
for w in export g=$x; do echo "$w"; done
--- stdout
a b
a b
a b
export
g=a
b

### shift-break-continue-extra-operand-is-an-error
(set -- a b c; shift 1 extra; echo not-reached) 2>/dev/null || echo shift
(for i in 1; do continue 1 extra; done; echo not-reached) 2>/dev/null ||
	echo continue
(for i in 1; do break 1 extra; done; echo not-reached) 2>/dev/null ||
	echo break
--- stdout
shift
continue
break

### shift-too-many-status-1
set -- a
shift 2
--- stdout
--- status 1

### export-n-takes-the-export-away
export X=1
export -n X
echo "shell $X"
sh -c 'echo "child ${X-unset}"'
export -n never_set_xyz && echo ok
--- stdout
shell 1
child unset
ok

### unset-without-f-removes-a-function-when-no-variable
f() { echo f; }
unset f
f 2>/dev/null || echo gone
g=1
g() { echo g; }
unset g
g
--- stdout
gone
g
