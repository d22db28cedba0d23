# SPDX-License-Identifier: GPL-3.0-or-later
# Field splitting (XCU 2.6.5): default IFS, whitespace and non-whitespace
# IFS characters, empty and unset IFS, "$@" versus $* and "$*".

### default-split
x='a b	c
d'
set -- $x
echo $#
--- stdout
4

### default-leading-trailing-ws
x='   a   b   '
set -- $x
echo $# "<$1>" "<$2>"
--- stdout
2 <a> <b>

### only-whitespace-gives-nothing
x='   '
set -- $x
echo $#
--- stdout
0

### empty-unquoted-vanishes
x=
set -- $x
echo $#
--- stdout
0

### empty-quoted-stays
x=
set -- "$x"
echo $#
--- stdout
1

### nonws-ifs
IFS=:
x=a:b:c
set -- $x
echo $# $1 $2 $3
--- stdout
3 a b c

### nonws-empty-fields
IFS=:
x=a::b
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
3
<a><><b>

### nonws-leading-empty-field
IFS=:
x=:a
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
2
<><a>

### nonws-trailing-no-empty-field
IFS=:
x=a:
set -- $x
echo $#
--- stdout
1

### nonws-single-delimiter
IFS=:
x=:
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
1
<>

### mixed-ws-nonws
IFS=' :'
x='a : b'
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
2
<a><b>

### mixed-ws-nonws-double
IFS=' :'
x='a :: b'
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
3
<a><><b>

### mixed-leading-ws-then-nonws
IFS=' :'
x='  :a'
set -- $x
printf '<%s>' "$@"; echo
--- stdout
<><a>

### empty-ifs-no-split
IFS=
x='a b:c'
set -- $x
echo $#
--- stdout
1

### unset-ifs-default
unset IFS
x='a b	c'
set -- $x
echo $#
--- stdout
3

### ifs-custom-ws-only-tab
IFS='	'
x='a b	c'
set -- $x
echo $#
printf '<%s>' "$@"; echo
--- stdout
2
<a b><c>

### ifs-not-applied-to-literals
IFS=:
set -- a:b
echo $#
--- stdout
1

### ifs-applied-to-cmdsub
IFS=,
set -- $(echo 1,2,3)
echo $#
--- stdout
3

### ifs-applied-to-arith
IFS=0
set -- $((1005))
printf '<%s>' "$@"; echo
--- stdout
<1><><5>

### split-after-concat
x='1 2'
set -- a${x}b
printf '<%s>' "$@"; echo
--- stdout
<a1><2b>

### quoted-part-joins
x='1 2'
set -- "a"$x"b"
printf '<%s>' "$@"; echo
--- stdout
<a1><2b>

### at-unquoted
set -- 'a b' c
for i in $@; do echo "<$i>"; done
--- stdout
<a>
<b>
<c>

### at-quoted
set -- 'a b' c
for i in "$@"; do echo "<$i>"; done
--- stdout
<a b>
<c>

### at-quoted-empty-list
set --
set -- "$@"
echo $#
--- stdout
0

### at-quoted-empty-args-kept
set -- '' ''
set -- "$@"
echo $#
--- stdout
2

### at-quoted-with-prefix-suffix
set -- a b c
printf '<%s>' "x$@y"; echo
--- stdout
<xa><b><cy>

### star-unquoted
set -- 'a b' c
for i in $*; do echo "<$i>"; done
--- stdout
<a>
<b>
<c>

### star-quoted-default-ifs
set -- a b c
echo "<$*>"
--- stdout
<a b c>

### star-quoted-custom-ifs
set -- a b c
IFS=:
echo "$*"
--- stdout
a:b:c

### star-quoted-ifs-first-char
set -- a b c
IFS=',;'
echo "$*"
--- stdout
a,b,c

### star-quoted-empty-ifs
set -- a b c
IFS=
echo "$*"
--- stdout
abc

### star-quoted-unset-ifs
set -- a b c
unset IFS
echo "$*"
--- stdout
a b c

### star-quoted-one-field
set -- 'a b' c
set -- "$*"
echo $#
--- stdout
1

### at-in-assignment
set -- a b c
x=$@
echo "$x"
--- stdout
a b c

### star-in-assignment-uses-ifs-joined
set -- a b
IFS=:
x="$*"
echo "$x"
--- stdout
a:b

### star-unquoted-in-assignment-joins-with-ifs
set -- a b
IFS=-
x=$*
echo "$x"
IFS=
y=$*
echo "$y"
--- stdout
a-b
ab

### ifs-read-builtin-split
IFS=: read a b c <<EOF
1:2:3:4
EOF
echo "$a|$b|$c"
--- stdout
1|2|3:4

### ifs-assignment-prefix-no-effect-on-expansion
x='a:b'
IFS=: set -- $x
echo $#
--- stdout
1

### ifs-restored-after-unset
IFS=:
x='a b'
unset IFS
set -- $x
echo $#
--- stdout
2

### no-split-in-case-word
x='a b'
case $x in 'a b') echo ok;; esac
--- stdout
ok

### no-split-in-assignment
x='a   b'
y=$x
echo "$y"
--- stdout
a   b

### no-split-in-redirect-target
x='my file'
echo hi > $x
cat 'my file'
--- stdout
hi

### split-in-for-list
x='1 2 3'
for i in $x; do echo $i; done
--- stdout
1
2
3

### ifs-backslash-not-special
IFS='\'
x='a\b'
set -- $x
echo $# $1 $2
--- stdout
2 a b

### star-in-dquote-no-params
set --
echo "<$*>"
--- stdout
<>

### positional-split-nested-default
set -- 'x y'
unset u
set -- ${u:-$1}
echo $#
--- stdout
2

### ifs-multibyte-character
self=$(readlink /proc/$$/exe)
c=$(printf '\303\247')
LC_ALL=C.UTF-8 "$self" -c 'x=$1x; IFS=$1; printf "<%s>" $x; echo' sh "$c"
--- stdout
<><x>

### quoted-star-joins-with-multibyte-ifs
self=$(readlink /proc/$$/exe)
c=$(printf '\303\247')
LC_ALL=C.UTF-8 "$self" -c 'IFS=$1; set -- a b; v="$*"; echo "$*" ${#v}' sh "$c"
--- stdout
açb 3
