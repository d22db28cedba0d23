# SPDX-License-Identifier: GPL-3.0-or-later
# Quoting: single quotes, double quotes, backslash (XCU 2.2).
# $'...' is not POSIX (before issue 8) and is deliberately not tested.

### single-basic
echo 'hello   world'
--- stdout
hello   world

### single-no-expansion
x=1
printf '%s\n' '$x `echo no` $(echo no) \n'
--- stdout
$x `echo no` $(echo no) \n

### single-backslash-literal
printf '%s\n' 'a\b' 'c\'
--- stdout
a\b
c\

### single-adjacent
echo 'a'b'c'
--- stdout
abc

### single-newline-inside
echo 'line1
line2'
--- stdout
line1
line2

### single-in-double
echo "it's"
--- stdout
it's

### double-in-single
echo 'say "hi"'
--- stdout
say "hi"

### double-preserves-spaces
echo "a    b"
--- stdout
a    b

### double-expands-param
x=world
echo "hello $x"
--- stdout
hello world

### double-expands-cmdsub
echo "a $(echo b) `echo c`"
--- stdout
a b c

### double-expands-arith
echo "$((1 + 2))"
--- stdout
3

### double-backslash-dollar
x=1
printf '%s\n' "\$x"
--- stdout
$x

### double-backslash-backquote
printf '%s\n' "\`"
--- stdout
`

### double-backslash-dquote
printf '%s\n' "a\"b"
--- stdout
a"b

### double-backslash-backslash
printf '%s\n' "a\\b"
--- stdout
a\b

### double-backslash-other-kept
printf '%s\n' "a\qb"
--- stdout
a\qb

### double-backslash-newline
printf '%s\n' "ab\
cd"
--- stdout
abcd

### double-no-glob
touch a1 a2
echo "a*"
--- stdout
a*

### double-no-split
x='1  2   3'
printf '<%s>\n' "$x"
--- stdout
<1  2   3>

### double-empty-is-arg
set -- "" ''
echo $#
--- stdout
2

### backslash-space
printf '<%s>\n' a\ b
--- stdout
<a b>

### backslash-dollar
x=1
echo \$x
--- stdout
$x

### backslash-newline-continuation
echo ab\
cd
--- stdout
abcd

### backslash-backslash
printf '%s\n' a\\b
--- stdout
a\b

### backslash-quote-chars
echo \'\"
--- stdout
'"

### backslash-operators
echo a\;b \& \| \< \>
--- stdout
a;b & | < >

### backslash-glob
touch ab
echo a\*
--- stdout
a*

### quoted-reserved-word
'if' 2>/dev/null
echo $?
--- stdout
127

### quoted-assignment-not-assignment
"x=1" 2>/dev/null
echo $?
--- stdout
127

### quote-removal-mixed
x=b
printf '%s\n' a"$x"'c'\d
--- stdout
abcd

### hash-inside-word
echo a#b
--- stdout
a#b

### hash-comment
echo a #b c
--- stdout
a

### quoted-hash
echo '#x' "#y" \#z
--- stdout
#x #y #z

### dquote-nested-cmdsub-quotes
echo "$(echo "inner  spaced")"
--- stdout
inner  spaced

### backquote-in-dquote-escape
echo "`echo \"q\"`"
--- stdout
q

### dquote-at-sign-literal
echo "@ % ^ ~"
--- stdout
@ % ^ ~

### dquote-tilde-not-expanded
HOME=/h
echo "~"
--- stdout
~

### single-quote-close-reopen
echo 'don'\''t'
--- stdout
don't

### empty-quotes-concat
echo a''b""c
--- stdout
abc

### backslash-in-single-in-double
x='a\nb'
printf '%s\n' "$x"
--- stdout
a\nb

### keyword-after-quote-not-keyword
echo for if then done
--- stdout
for if then done

### dollar-single-quote-escapes
printf '%s|' $'a\tb' $'q\'x' $'\x41\101\cA' $'s\\' | od -An -c | tr -s ' '
--- stdout
 a \t b | q ' x | A A 001 | s \ |

### dollar-single-quote-is-quoted
x=$'a b *'
set -- $'a b *'
echo "$# $x"
--- stdout
1 a b *

### dollar-single-quote-not-in-double-quotes
echo "$'no'"
--- stdout
$'no'

### dollar-single-quote-nul-ends-string
printf '%s|' $'ab\0cd'e $''x
echo
--- stdout
abe|x|

### dollar-single-quote-not-in-heredoc
cat <<END
$'a\tb'
END
--- stdout
$'a\tb'

### dollar-single-quote-unicode-escapes
printf '%s|' $'\u03bc' $'\U0001F600' $'a\u0041b' $'\ug' $'x\U0yz' | od -An -tx1 | tr -s ' \n' '  '
echo
--- stdout
 ce bc 7c f0 9f 98 80 7c 61 41 62 7c 5c 75 67 7c 78 7c 
### dollar-double-quote-is-double-quote
x=v
echo $"a $x" "b$" "$"
--- stdout
a v b$ $
