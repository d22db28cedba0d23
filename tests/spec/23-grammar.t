# SPDX-License-Identifier: GPL-3.0-or-later
# The grammar (XCU 2.3, 2.4, 2.9, 2.10): tokens, operators, reserved words
# where they are and are not recognised, newlines and comments, line
# continuation, io numbers, and assignment words.

### semicolons-and-newlines
echo a; echo b
echo c
--- stdout
a
b
c

### operators-without-spaces
echo a;echo b&&echo c||echo d
--- stdout
a
b
c

### pipe-without-spaces
echo abc|tr a-z A-Z
--- stdout
ABC

### redirect-without-spaces
echo x>f;cat<f
--- stdout
x

### io-number-adjacent-only
echo 1 2>f
echo "<$(cat f)>"
echo 1 2 >f
cat f
--- stdout
1
<>
1 2

### io-number-quoted-is-word
echo a '2'>f
cat f
--- stdout
a 2

### brace-needs-separator
{ echo in-brace; }
--- stdout
in-brace

### brace-as-argument
echo { }
--- stdout
{ }

### brace-close-after-newline
{
echo a
}
--- stdout
a

### reserved-word-as-argument
echo if then else fi do done case esac while until for in
--- stdout
if then else fi do done case esac while until for in

### reserved-word-after-semicolon
true; if true; then echo yes; fi
--- stdout
yes

### bang-needs-space
! false && echo negated
--- stdout
negated

### do-on-next-line
for i in 1 2
do
	echo $i
done
--- stdout
1
2

### then-on-same-line-after-semicolon
if true; then echo a; fi; if true
then echo b
fi
--- stdout
a
b

### comment-lines
# a comment
echo a # trailing comment
	# indented comment
echo b
--- stdout
a
b

### comment-after-semicolon
echo a;# comment
--- stdout
a

### comment-does-not-eat-continuation
echo a # comment \
echo b
--- stdout
a
b

### line-continuation-in-word
ec\
ho joined
--- stdout
joined

### line-continuation-between-args
echo a \
	b \
	c
--- stdout
a b c

### line-continuation-in-operator
true &\
& echo and-joined
--- stdout
and-joined

### empty-lines
echo a



echo b
--- stdout
a
b

### assignment-before-command
x=1 y=2 sh -c 'echo $x$y'
--- stdout
12

### assignment-order-left-to-right
a=1 b=$a
echo $b
--- stdout
1

### assignment-word-only-at-start
echo x=1
--- stdout
x=1

### assignment-after-redirect-still-assignment
>/dev/null x=2 sh -c 'echo $x' >&2
x=3 >f
echo "<$x>"
--- stdout
<3>

### invalid-name-not-assignment
1x=2 2>/dev/null
echo $?
--- stdout
127

### assignment-no-field-split-no-glob
touch a b
x=*
y=$x
echo "$y"
--- stdout
*

### function-def-newline-before-brace
f()
{
	echo newline-body
}
f
--- stdout
newline-body

### function-def-spaces
f ( ) { echo spaced; }
f
--- stdout
spaced

### subshell-nested-parens
( (echo nested) )
--- stdout
nested

### background-list
echo bg1 > f1 & echo bg2 > f2 &
wait
cat f1 f2
--- stdout
bg1
bg2

### pipeline-bang-whole
! true | false
echo $?
--- stdout
0

### and-or-spanning-lines
false ||
	true &&
	echo reached
--- stdout
reached

### case-newlines-everywhere
case x
in
x)
echo x-matched
;;
esac
--- stdout
x-matched

### for-newline-before-in
for i
in a b
do echo $i
done
--- stdout
a
b

### alias-reserved-word-body
alias begin='{' end='}'
begin echo grouped; end
--- stdout
grouped

### dollar-single-not-special
echo $ '$' "$"
--- stdout
$ $ $

### dollar-at-end-of-dquote
echo "cost: 5$"
--- stdout
cost: 5$

### long-pipeline
echo x | cat | cat | cat | cat | cat | cat | cat | tr x y
--- stdout
y

### deep-nesting
if true; then while true; do for i in 1; do case a in a) { (echo deep); };; esac; done; break; done; fi
--- stdout
deep

### keyword-in-case-pattern-position
case for in for) echo for-word;; esac
--- stdout
for-word

### unterminated-if-syntax-error
(eval 'if true; then echo x') 2>/dev/null
echo $?
--- stdout
2

### unmatched-paren-syntax-error
(eval 'echo )') 2>/dev/null
echo $?
--- stdout
2

### missing-command-after-pipe
(eval 'echo a |') 2>/dev/null
echo $?
--- stdout
2

### empty-brace-group-syntax-error
(eval '{ }') 2>/dev/null
echo $?
--- stdout
2

### semicolon-alone-syntax-error
(eval ';') 2>/dev/null
echo $?
--- stdout
2

### null-command-with-redirect-and-assign
x=1 >/dev/null
echo $x
--- stdout
1

### tab-separators
echo	a		b
--- stdout
a b

### many-arguments
set -- $(i=0; while [ $i -lt 500 ]; do echo $i; i=$((i + 1)); done)
echo $# ${500}
--- stdout
500 499
