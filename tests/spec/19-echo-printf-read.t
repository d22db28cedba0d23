# SPDX-License-Identifier: GPL-3.0-or-later
# echo, printf and read. echo follows dash (XSI): it interprets backslash
# escapes and knows only the -n option.

### echo-basic
echo a b c
--- stdout
a b c

### echo-no-args
echo
--- stdout

--- status 0

### echo-n
echo -n abc
echo def
--- stdout
abcdef

### echo-other-options-literal
echo -e x
echo -E y
--- stdout
-e x
-E y

### echo-n-not-combined
echo -nn x
echo
--- stdout
-nn x

--- status 0

### echo-escape-newline-tab
echo 'a\nb\tc'
--- stdout
a
b	c

### echo-escape-c-stops
echo 'abc\cdef' ghi
echo next
--- stdout
abcnext

### echo-escape-backslash
echo 'a\\b'
--- stdout
a\b

### echo-escape-octal
echo '\0101\0102'
--- stdout
AB

### echo-escape-octal-without-zero-dash
echo '\101\102' '\0103'
--- stdout
AB C

### echo-dashdash-literal
echo -- x
--- stdout
-- x

### printf-string
printf '%s-%s\n' a b
--- stdout
a-b

### printf-reuses-format
printf '%s\n' a b c
--- stdout
a
b
c

### printf-missing-args
printf '%s|%s|%d\n' a
--- stdout
a||0

### printf-integers
printf '%d %i %o %x %X %u\n' 42 -7 8 255 255 3
--- stdout
42 -7 10 ff FF 3

### printf-width-precision
printf '[%5s][%-5s][%.2s][%05d][%-4d]\n' ab ab abcdef 42 7
--- stdout
[   ab][ab   ][ab][00042][7   ]

### printf-char-percent
printf '%c%%\n' xyz
--- stdout
x%

### printf-escapes-in-format
printf 'a\tb\\c\n'
--- stdout
a	b\c

### printf-octal-escape
printf '\101\n'
--- stdout
A

### printf-b-format
printf '%b\n' 'x\ty' 'a\\nb'
--- stdout
x	y
a\nb

### printf-s-no-escapes
printf '%s\n' 'a\tb'
--- stdout
a\tb

### printf-char-constant
printf '%d\n' "'A"
--- stdout
65

### printf-hex-octal-args
printf '%d %d\n' 0x10 010
--- stdout
16 8

### printf-invalid-number-status
printf '%d\n' abc 2>/dev/null
echo $?
--- stdout
0
1

### printf-no-newline
printf abc
printf 'def\n'
--- stdout
abcdef

### printf-star-width
printf '[%*d]\n' 4 7
--- stdout
[   7]

### printf-negative
printf '%d %+d\n' -5 5
--- stdout
-5 +5

### read-basic
read a <<EOF
hello world
EOF
echo "$a"
--- stdout
hello world

### read-split
read a b <<EOF
one two three four
EOF
echo "$a|$b"
--- stdout
one|two three four

### read-more-vars-than-fields
read a b c <<EOF
only
EOF
echo "$a|$b|$c"
--- stdout
only||

### read-strips-ifs-ws
read a <<EOF
   padded   
EOF
echo "<$a>"
--- stdout
<padded>

### read-backslash-continuation
read a <<'EOF'
ab\
cd
EOF
echo "$a"
--- stdout
abcd

### read-backslash-escape
read a <<'EOF'
a\ b\\c
EOF
printf '%s\n' "$a"
--- stdout
a b\c

### read-r-raw
read -r a <<'EOF'
a\nb\
EOF
printf '%s\n' "$a"
--- stdout
a\nb\

### read-eof-status
read a < /dev/null
echo $? "<$a>"
--- stdout
1 <>

### read-partial-line-status
printf 'noeol' > f
read a < f
echo $? $a
--- stdout
1 noeol

### read-custom-ifs
IFS=: read a b <<EOF
x:y:z
EOF
echo "$a $b"
--- stdout
x y:z

### read-ifs-empty-fields
IFS=: read a b c <<EOF
1::3
EOF
echo "$a|$b|$c"
--- stdout
1||3

### read-loop
printf 'l1\nl2\nl3\n' | while read line; do echo "[$line]"; done
--- stdout
[l1]
[l2]
[l3]

### read-empty-line
read a <<EOF

EOF
echo $? "<$a>"
--- stdout
0 <>

### read-trailing-ifs-last-var
IFS=: read a b <<EOF
x:y:
EOF
echo "<$a><$b>"
--- stdout
<x><y>

### read-from-fd
printf 'fd3\n' > f
read a 3<f <&3
echo $a
--- stdout
fd3

### read-consumes-one-line
printf 'one\ntwo\n' > f
{ read a; read b; } < f
echo $b $a
--- stdout
two one

### read-no-var-fails
(read <<EOF
x
EOF
) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### echo-status
echo x > /dev/null
echo $?
--- stdout
0

### printf-format-with-dash
printf -- '-%s-\n' x
--- stdout
-x-

### printf-percent-only
printf '100%%\n'
--- stdout
100%

### printf-quote-char-code-point-in-utf8
LC_ALL=C.UTF-8 printf '%d %x\n' "'é" "'€"
LC_ALL=C printf '%d\n' "'é"
--- stdout
233 20ac
195

### printf-v-assigns-the-output
printf -v out '%s-%d' a 5
echo "$out"
printf -v 'bad name' %s x 2>/dev/null
echo "bad $?"
printf -v 2>/dev/null
echo "no name $?"
--- stdout
a-5
bad 2
no name 2

### printf-q-quotes-for-reuse
v='"quoted" with spaces and \'
printf -v q %q "$v"
eval "back=$q"
[ "$back" = "$v" ] && echo round-trip
printf '%q %q\n' '$' ''
--- stdout
round-trip
\$ ''

### printf-hex-and-unicode-escapes
printf '\x41\u00e9|' | od -An -tx1
printf '%b|' '\x41\U000000e9' | od -An -tx1
--- stdout
 41 c3 a9 7c
 41 c3 a9 7c

### printf-strftime-conversion
TZ=UTC
export TZ
printf '%(%Y-%m-%d)T|%12.4(%Y)T|\n' 86400 0
--- stdout
1970-01-02|        1970|

### printf-invalid-directive-status-1
printf '%z' 2>/dev/null
echo "status $?"
--- stdout
status 1

### printf-quote-char-overlong-is-first-byte
LC_ALL=C.UTF-8
printf '%x\n' "'$(printf '\301\201')"
--- stdout
c1
