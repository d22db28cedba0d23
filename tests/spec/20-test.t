# SPDX-License-Identifier: GPL-3.0-or-later
# test and [ (XCU test): string, integer and file primaries, ! -a -o and
# parentheses, the argument-count rules, and usage errors (status > 1).

### empty-test-false
test
echo $?
--- stdout
1

### one-arg-nonempty
test abc; echo $?
test ''; echo $?
--- stdout
0
1

### one-arg-operator-like
test -n; echo $?
test !; echo $?
--- stdout
0
0

### bracket-form
[ a = a ]; echo $?
[ a = b ]; echo $?
--- stdout
0
1

### bracket-missing-close
[ a = a 2>/dev/null
[ $? -gt 1 ] && echo usage-error
--- stdout
usage-error

### string-equal-notequal
[ abc = abc ] && echo eq
[ abc != abd ] && echo ne
--- stdout
eq
ne

### string-n-z
x=
[ -z "$x" ] && echo empty
[ -n "$x" ] || echo not-nonempty
x=v
[ -n "$x" ] && echo nonempty
--- stdout
empty
not-nonempty
nonempty

### string-compare-lt-gt
[ a \< b ] && echo lt
[ b \> a ] && echo gt
--- stdout
lt
gt

### integer-compare
[ 3 -eq 3 ] && echo eq
[ 3 -ne 4 ] && echo ne
[ 2 -lt 3 ] && echo lt
[ 3 -le 3 ] && echo le
[ 4 -gt 3 ] && echo gt
[ 3 -ge 3 ] && echo ge
--- stdout
eq
ne
lt
le
gt
ge

### integer-negative
[ -5 -lt 2 ] && echo yes
--- stdout
yes

### integer-leading-spaces
[ ' 7' -eq 7 ] && echo yes
--- stdout
yes

### integer-invalid-error
[ abc -eq 1 ] 2>/dev/null
[ $? -gt 1 ] && echo error
--- stdout
error

### not
[ ! a = b ] && echo yes
[ ! -n "" ] && echo yes2
--- stdout
yes
yes2

### and-or
[ a = a -a b = b ] && echo and
[ a = b -o b = b ] && echo or
[ a = b -a b = b ] || echo and-false
--- stdout
and
or
and-false

### parens
[ \( a = a \) ] && echo paren
[ ! \( a = b \) ] && echo not-paren
--- stdout
paren
not-paren

### file-e-f-d
touch file
mkdir dir
[ -e file ] && echo e
[ -f file ] && echo f
[ -d dir ] && echo d
[ -f dir ] || echo dir-not-f
[ -e nosuch ] || echo no-e
--- stdout
e
f
d
dir-not-f
no-e

### file-s
touch empty
echo x > full
[ -s full ] && echo full
[ -s empty ] || echo empty
--- stdout
full
empty

### file-r-w-x
touch f
chmod 755 f
[ -r f ] && echo r
[ -w f ] && echo w
[ -x f ] && echo x
touch g
chmod 644 g
[ -x g ] || echo g-not-x
--- stdout
r
w
x
g-not-x

### file-symlink
touch target
ln -s target link
ln -s nosuch dangling
[ -h link ] && echo h
[ -L link ] && echo L
[ -L target ] || echo not-link
[ -e dangling ] || echo dangling-not-e
[ -L dangling ] && echo dangling-L
--- stdout
h
L
not-link
dangling-not-e
dangling-L

### file-p-fifo
mkfifo fifo
[ -p fifo ] && echo fifo
[ -p . ] || echo dir-not-fifo
--- stdout
fifo
dir-not-fifo

### file-c-b
[ -c /dev/null ] && echo char
[ -b /dev/null ] || echo not-block
--- stdout
char
not-block

### file-t-not-terminal
[ -t 0 ] || echo stdin-not-tty
--- stdout
stdin-not-tty

### file-nt-ot
touch -d '2020-01-01' old
touch -d '2021-01-01' new
[ new -nt old ] && echo nt
[ old -ot new ] && echo ot
--- stdout
nt
ot

### file-ef
touch a
ln a b
[ a -ef b ] && echo same
--- stdout
same

### file-S-g-u
touch f
[ -S f ] || echo not-socket
[ -u f ] || echo not-setuid
[ -g f ] || echo not-setgid
--- stdout
not-socket
not-setuid
not-setgid

### two-args-not
test ! ''; echo $?
test ! x; echo $?
--- stdout
0
1

### three-args-string-equal-operator-like
test -n = -n && echo eq
--- stdout
eq

### three-args-not-unary
test ! -z x && echo yes
--- stdout
yes

### four-args-not-binary
test ! a = b && echo yes
--- stdout
yes

### status-values
test 1 -eq 2
echo $?
--- stdout
1

### test-is-builtin-dash
command -V test | grep -c builtin
--- stdout
1

### string-with-spaces
x='a b'
[ "$x" = 'a b' ] && echo equal
--- stdout
equal

### unquoted-empty-var-error
x=
[ $x = a ] 2>/dev/null
echo $?
--- stdout
2

### equal-with-dash-value
x=-n
[ "$x" = -n ] && echo ok
--- stdout
ok

### unary-a-is-file-exists
[ -a / ] && echo root
[ -a ./none ] || echo none
[ -a -a ] || echo no-file-named-a
: >-a
[ -a -a ] && echo file-named-a
test -a / -a -a ./none || echo and-of-two
[ ! -a ./none ] && echo negated
--- stdout
root
none
no-file-named-a
file-named-a
and-of-two
negated

### double-equals-is-string-equality
[ a == a ] && echo same
[ abc == 'a*' ] || echo no-glob
test '(' == ')' || echo parens-compared
--- stdout
same
no-glob
parens-compared

### unary-v-variable-is-set
g=
test -v g && echo set-empty
test -v no_such_var_xyz || echo unset
f() { local l=1; test -v l && echo local; }
f
--- stdout
set-empty
unset
local

### unary-o-option-is-on
test -o nounset || echo off
set -u
test -o nounset && echo on
test -o no_such_option || echo unknown
--- stdout
off
on
unknown
