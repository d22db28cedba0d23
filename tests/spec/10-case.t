# SPDX-License-Identifier: GPL-3.0-or-later
# The case command (XCU 2.9.4.3): alternatives with |, glob patterns, quoted
# pattern characters, no fallthrough, ;; optional on the last item, empty
# bodies and the exit status.

### literal-match
case foo in foo) echo yes;; esac
--- stdout
yes

### first-match-wins
case foo in f*) echo one;; foo) echo two;; esac
--- stdout
one

### no-fallthrough
case a in a) echo a;; b) echo b;; *) echo star;; esac
--- stdout
a

### alternatives
for w in x y z w; do
	case $w in x|y) echo "$w:xy";; z | w) echo "$w:zw";; esac
done
--- stdout
x:xy
y:xy
z:zw
w:zw

### star-default
case nomatch in a) echo a;; *) echo default;; esac
--- stdout
default

### question-pattern
case ab in ?) echo one;; ??) echo two;; esac
--- stdout
two

### bracket-pattern
case 5 in [0-9]) echo digit;; esac
case x in [!0-9]) echo nondigit;; esac
--- stdout
digit
nondigit

### class-pattern
case A in [[:upper:]]) echo upper;; esac
--- stdout
upper

### quoted-star-literal
case abc in '*') echo literal;; *) echo glob;; esac
case '*' in '*') echo literal;; esac
--- stdout
glob
literal

### backslash-quoted-pattern
case 'a?' in a\?) echo escaped;; esac
case ab in a\?) echo wrong;; *) echo no-match;; esac
--- stdout
escaped
no-match

### double-quoted-pattern-part
case 'x*y' in "x*"y) echo ok;; esac
case xzy in "x*"y) echo wrong;; *) echo no;; esac
--- stdout
ok
no

### pattern-from-variable
p='a*'
case abc in $p) echo glob-match;; esac
case abc in "$p") echo wrong;; *) echo quoted-literal;; esac
--- stdout
glob-match
quoted-literal

### word-expansions
x=hello
case $x$(echo !) in 'hello!') echo ok;; esac
--- stdout
ok

### word-not-split
x='a b'
case $x in 'a b') echo ok;; esac
--- stdout
ok

### no-match-status-zero
false
case x in y) echo no;; esac
echo $?
--- stdout
0

### status-of-body
case x in x) false;; esac
echo $?
--- stdout
1

### empty-body
case x in x) ;; esac
echo $?
--- stdout
0

### last-item-without-dsemi
case x in x) echo last
esac
--- stdout
last

### paren-before-pattern
case x in (x) echo open-paren;; esac
--- stdout
open-paren

### multiline
case b in
	a)
		echo A
		;;
	b)
		echo B1
		echo B2
		;;
esac
--- stdout
B1
B2

### empty-case
case x in
esac
echo $?
--- stdout
0

### empty-word
case "" in '') echo empty;; *) echo other;; esac
--- stdout
empty

### reserved-words-as-patterns
case in in in) echo in;; esac
case esac in (esac) echo esac;; esac
--- stdout
in
esac

### dot-slash-patterns
case ./a/b in */b) echo slash-matched;; esac
case .hidden in *hidden) echo dot-matched;; esac
--- stdout
slash-matched
dot-matched

### case-in-function-return
f() { case $1 in y) return 0;; *) return 3;; esac; }
f y; echo $?
f n; echo $?
--- stdout
0
3

### case-in-pipeline
echo b | while read v; do case $v in b) echo got-b;; esac; done
--- stdout
got-b

### nested-case
case a in a) case b in b) echo inner;; esac;; esac
--- stdout
inner

### pattern-with-spaces-quoted
case 'a b' in a\ b) echo ok1;; esac
case 'a b' in "a b") echo ok2;; esac
--- stdout
ok1
ok2

### tilde-pattern
HOME=/hh
case /hh/x in ~/x) echo ok;; esac
--- stdout
ok

### bracket-rbracket
case ']' in []]) echo rb;; esac
--- stdout
rb

### pattern-expansion-lazy
case a in a) echo first;; $(echo side >&2)) echo no;; esac 2>/dev/null
--- stdout
first

### case-semicolon-newline-forms
case x in x) echo a
;;
esac
--- stdout
a

### bracket-escaped-dash-literal
for c in - C D B; do
	case $c in [C\-D]) echo "$c in" ;; *) echo "$c out" ;; esac
done
--- stdout
- in
C in
D in
B out

### bracket-quoted-dash-literal
case - in ["C-D"]) echo in ;; *) echo out ;; esac
case B in [A"-"C]) echo in ;; *) echo out ;; esac
--- stdout
in
out

### bracket-quoted-bang-literal
case ! in [\!a]) echo in ;; *) echo out ;; esac
case b in [\!a]) echo in ;; *) echo out ;; esac
--- stdout
in
out

### backslash-from-expansion-escapes
x='\*'
case '*' in $x) echo star;; *) echo no-star;; esac
case 'a' in $x) echo wrong;; *) echo not-any;; esac
x='\a'
case a in $x) echo escaped-a;; esac
x='[\]]'
case ']' in $x) echo bracket;; esac
x='\\'
case '\' in $x) echo backslash;; esac
x='a\'
case 'a\' in $x) echo trailing;; esac
--- stdout
star
not-any
escaped-a
bracket
backslash
trailing

### fallthrough-semi-amp
for x in a b c; do
	case $x in
	a) echo A ;&
	b) echo B ;&
	c) echo C ;;
	*) echo no ;;
	esac
done
--- stdout
A
B
C
B
C
C

### fallthrough-last-item
case a in a) echo A ;& esac
echo $?
--- stdout
A
0

### retest-dsemi-amp
case ab in
a*) echo one ;;&
x*) echo no ;;&
*b) echo two ;;&
*) echo three ;;
*) echo not-reached ;;
esac
--- stdout
one
two
three
