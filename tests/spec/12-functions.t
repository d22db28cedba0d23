# SPDX-License-Identifier: GPL-3.0-or-later
# Functions (XCU 2.9.5): definition, arguments, return, recursion, the
# positional parameters, and `local` with dash's semantics (dynamic scope;
# a local variable starts with the value of the outer one).

### define-and-call
f() { echo called; }
f
--- stdout
called

### args
f() { echo "$# $1 $2"; }
f a 'b c'
--- stdout
2 a b c

### args-restored
set -- outer1 outer2
f() { set -- x; echo $1; }
f inner
echo $1 $#
--- stdout
x
outer1 2

### dollar-zero-unchanged
f() { case $0 in */script) echo script;; *) echo "other $0";; esac; }
f
--- stdout
script

### return-status
f() { return 7; }
f
echo $?
--- stdout
7

### return-default-last-status
f() { false; return; }
f
echo $?
--- stdout
1

### return-stops-function
f() { echo a; return 0; echo b; }
f
--- stdout
a

### status-of-last-command
f() { true; false; }
f
echo $?
--- stdout
1

### return-from-loop
f() {
	for i in 1 2 3; do
		[ $i = 2 ] && return $i
		echo $i
	done
}
f
echo rc=$?
--- stdout
1
rc=2

### recursion-factorial
fact() {
	if [ $1 -le 1 ]; then echo 1; return; fi
	echo $(( $1 * $(fact $(($1 - 1))) ))
}
fact 10
--- stdout
3628800

### recursion-depth
depth() { [ $1 -gt 0 ] && depth $(($1 - 1)) || echo bottom; }
depth 100
--- stdout
bottom

### globals-visible
x=global
f() { echo $x; x=changed; }
f
echo $x
--- stdout
global
changed

### local-basic
x=outer
f() { local x=inner; echo $x; }
f
echo $x
--- stdout
inner
outer

### local-inherits-value-dash
x=outer
f() { local x; echo "<$x>"; x=set-in-f; }
f
echo $x
--- stdout
<outer>
outer

### local-unset-outer-stays-unset
unset y
f() { local y; y=1; }
f
echo "<${y-unset}>"
--- stdout
<unset>

### local-dynamic-scope
f() { local v=from-f; g; }
g() { echo $v; v=changed-by-g; }
v=global
f
echo $v
--- stdout
from-f
global

### local-multiple
f() { local a=1 b=2; echo $a$b; }
f
echo "<$a$b>"
--- stdout
12
<>

### local-recursion
r() {
	local n=$1
	if [ $n -gt 0 ]; then r $((n - 1)); fi
	echo $n
}
r 3
--- stdout
0
1
2
3

### redefine
f() { echo one; }
f() { echo two; }
f
--- stdout
two

### unset-f
f() { echo hi; }
unset -f f
f 2>/dev/null
echo $?
--- stdout
127

### function-overrides-utility
ls() { echo fake-ls; }
ls
--- stdout
fake-ls

### command-bypasses-function
echo() { printf 'wrapped\n'; }
echo x
command echo real
--- stdout
wrapped
real

### function-body-subshell
f() (x=inside; echo $x)
x=outside
f
echo $x
--- stdout
inside
outside

### function-body-if
f() if [ "$1" = y ]; then echo yes; else echo no; fi
f y
f n
--- stdout
yes
no

### function-name-with-underscore-digits
my_func2() { echo ok; }
my_func2
--- stdout
ok

### function-in-pipeline
f() { echo piped; }
f | tr a-z A-Z
--- stdout
PIPED

### function-defined-in-function
outer() { inner() { echo inner; }; }
outer
inner
--- stdout
inner

### function-status-of-definition
false
f() { :; }
echo $?
--- stdout
0

### function-prefix-assignment-visible
f() { echo "in f: $v"; }
v=pre f
--- stdout
in f: pre

### function-with-redirect-in-call
f() { echo out; echo err >&2; }
f 2>/dev/null
--- stdout
out

### function-args-at
f() { for a in "$@"; do echo "[$a]"; done; }
f 'a b' '' c
--- stdout
[a b]
[]
[c]

### function-shift
f() { shift; echo "$@"; }
f a b c
--- stdout
b c

### function-return-in-subshell
f() { (return 4); echo sub=$?; return 5; }
f
echo $?
--- stdout
sub=4
5

### function-exit-exits-shell
f() { exit 9; }
f
echo not-reached
--- stdout
--- status 9

### function-forward-all-args
f() { echo $#; }
f "$@"
set -- 1 2
f "$@"
--- stdout
0
2

### local-dash-form
x=1
f() { local -; set -f; echo *; }
touch a
f
echo *
--- stdout
*
a

### function-name-same-as-var
foo=var
foo() { echo fn; }
foo
echo $foo
--- stdout
fn
var
