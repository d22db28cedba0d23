# SPDX-License-Identifier: GPL-3.0-or-later
# Parameter expansion (XCU 2.6.2): every form, with set, unset and empty
# parameters, patterns with quoted pattern characters, ${#x}, ${10}.

### simple-braces
x=abc
echo ${x}def $x
--- stdout
abcdef abc

### name-ends-at-nonname
x=abc
echo $x-y $x.y
--- stdout
abc-y abc.y

### unset-is-empty
unset x
echo "<$x>"
--- stdout
<>

### dash-unset
unset x
echo ${x-word}
--- stdout
word

### dash-empty
x=
echo "<${x-word}>"
--- stdout
<>

### dash-set
x=val
echo ${x-word}
--- stdout
val

### colon-dash-unset
unset x
echo ${x:-word}
--- stdout
word

### colon-dash-empty
x=
echo ${x:-word}
--- stdout
word

### colon-dash-set
x=val
echo ${x:-word}
--- stdout
val

### colon-dash-no-assign
unset x
: ${x:-word}
echo "<$x>"
--- stdout
<>

### equals-unset
unset x
echo ${x=word}
echo $x
--- stdout
word
word

### equals-empty
x=
echo "<${x=word}>"
echo "<$x>"
--- stdout
<>
<>

### colon-equals-empty
x=
echo ${x:=word}
echo $x
--- stdout
word
word

### colon-equals-set
x=val
echo ${x:=word}
--- stdout
val

### colon-equals-positional-error
(: ${1:=x}) 2>/dev/null
echo $?
--- stdout
1

### question-set
x=val
echo ${x?msg}
--- stdout
val

### question-empty
x=
echo "<${x?msg}>"
--- stdout
<>

### question-unset-exits
unset x
echo before
echo ${x?not set} 2>/dev/null
echo after
--- stdout
before
--- status 1

### question-unset-subshell-status
unset x
(echo ${x?oops}) 2>/dev/null
echo $?
--- stdout
1

### colon-question-empty-exits
x=
(: ${x:?empty}) 2>/dev/null
echo $?
--- stdout
1

### colon-question-set
x=v
echo ${x:?empty}
--- stdout
v

### plus-set
x=val
echo ${x+alt}
--- stdout
alt

### plus-empty
x=
echo ${x+alt}
--- stdout
alt

### plus-unset
unset x
echo "<${x+alt}>"
--- stdout
<>

### colon-plus-empty
x=
echo "<${x:+alt}>"
--- stdout
<>

### colon-plus-set
x=val
echo ${x:+alt}
--- stdout
alt

### word-is-expanded
y=yy
unset x
echo ${x:-$y$(echo z)$((1+1))}
--- stdout
yyz2

### word-not-expanded-when-unused
x=1
echo ${x:-$(echo side >&2; echo no)} 2>/dev/null
--- stdout
1

### word-lazy-assignment
x=set
: ${x:=$(echo called > called)}
ls
echo done
--- stdout
done

### word-with-spaces-splits
unset x
set -- ${x:-a b c}
echo $#
--- stdout
3

### word-quoted-no-split
unset x
set -- "${x:-a b c}"
echo $#
--- stdout
1

### length
x=hello
echo ${#x}
--- stdout
5

### length-empty
x=
echo ${#x}
--- stdout
0

### length-unset
unset x
echo ${#x}
--- stdout
0

### length-positional-count
set -- a b c d
echo ${##}
echo $#
--- stdout
1
4

### length-of-positional
set -- abcdef
echo ${#1}
--- stdout
6

### ten-positional
set -- 1 2 3 4 5 6 7 8 9 ten eleven
echo ${10} ${11}
--- stdout
ten eleven

### dollar-ten-is-dollar1-0
set -- 1 2 3 4 5 6 7 8 9 ten
echo $10
--- stdout
10

### remove-small-suffix
x=file.tar.gz
echo ${x%.*}
--- stdout
file.tar

### remove-large-suffix
x=file.tar.gz
echo ${x%%.*}
--- stdout
file

### remove-small-prefix
x=/usr/local/bin
echo ${x#*/}
--- stdout
usr/local/bin

### remove-large-prefix
x=/usr/local/bin
echo ${x##*/}
--- stdout
bin

### remove-no-match
x=abc
echo ${x#z} ${x%z} ${x##z} ${x%%z}
--- stdout
abc abc abc abc

### remove-whole
x=abc
echo "<${x#abc}>" "<${x%%*}>" "<${x##*}>"
--- stdout
<> <> <>

### remove-empty-pattern
x=abc
echo ${x#} ${x%}
--- stdout
abc abc

### remove-question-mark
x=abcd
echo ${x#?} ${x%??}
--- stdout
bcd ab

### remove-bracket
x=abc123
echo ${x%[0-9]} ${x%%[0-9]*} ${x#[!0-9]}
--- stdout
abc12 abc bc123

### remove-quoted-star
x='a*b*c'
echo "${x#*\*}" "${x#"a*"}" "${x%'*c'}"
--- stdout
b*c b*c a*b

### remove-quoted-star-literal-only
x=abc
echo ${x#"*"} ${x%'*'}
--- stdout
abc abc

### remove-quoted-question
x='?x'
echo ${x#"?"} ${x#\?}
--- stdout
x x

### remove-pattern-from-var
x=hello.world
p='*.'
echo ${x#$p} "${x#"$p"}"
--- stdout
world hello.world

### remove-pattern-var-quoted-literal
x='*.world'
p='*.'
echo "${x#"$p"}"
--- stdout
world

### remove-on-positional
set -- path/to/file
echo ${1##*/} ${1%/*}
--- stdout
file path/to

### remove-unset-empty
unset x
echo "<${x#a}>"
--- stdout
<>

### nested-default
unset x y
echo ${x:-${y:-deep}}
--- stdout
deep

### default-with-quotes-inside
unset x
echo ${x:-'a  b'}
printf '<%s>\n' "${x:-"c  d"}"
--- stdout
a  b
<c  d>

### default-single-quote-in-dquote
unset x
echo "${x:-'q'}"
--- stdout
'q'

### rbrace-in-word-quoted
unset x
echo ${x:-"}"} ${x:-\}}
--- stdout
} }

### assign-default-then-use
unset n
echo ${n:=5} $((n + 1))
--- stdout
5 6

### special-question-mark
false
echo ${?}
--- stdout
1

### hash-expansion-default
set --
echo ${1-none} ${#}
--- stdout
none 0

### at-default-empty
set --
echo ${@:-empty}
--- stdout
empty

### star-plus
set -- a
echo ${*:+yes}
--- stdout
yes

### length-multibyte-ascii-only
x='a b	c'
echo ${#x}
--- stdout
5

### param-in-pattern-escape
x='a.b.c'
y=.
echo ${x%"$y"*}
--- stdout
a.b

### remove-suffix-star-only-shortest
x=aaa
echo ${x%a*} ${x%%a*}
--- stdout
aa

### unset-positional-default
set -- a
echo ${2-two} ${2:-two}
--- stdout
two two

### readonly-assign-default-fails
readonly r=
(: ${r:=x}) 2>/dev/null
echo $?
--- stdout
1

### star-colon-minus-empty-ifs-no-params
IFS=
echo ${*:-w} "${*:-w}"
--- stdout
w w

### star-colon-minus-empty-ifs-empty-params
IFS=
set -- "" ""
echo "[${*:-w}]"
--- stdout
[w]

### hash-param-with-operator
set -- 1 2 3 4 5 6 7 8 9 10 11 12
echo ${###} ${####} ${##1} ${###1} ${#-x} ${##}
--- stdout
12 12 2 2 12 2

### quoted-plus-empty-word-is-one-field
x=1
set -- "${x:+}" "${x+}" "${u+}"
echo "$#"
--- stdout
3

### length-counts-characters-of-the-locale
self=$(readlink /proc/$$/exe)
mu=$(printf '\316\274')
LC_ALL=C.UTF-8 "$self" -c 'v=_$1_; echo ${#v}' sh "$mu"
LC_ALL=C "$self" -c 'v=_$1_; echo ${#v}' sh "$mu"
--- stdout
3
4

### strip-removes-whole-characters
self=$(readlink /proc/$$/exe)
mu=$(printf '\316\274')
LC_ALL=C.UTF-8 "$self" -c 'v=$1-; w=-$1; x=$1abc$1
echo ${v#?} ${v##?} ${w%?} ${w%%?} "[${x#?abc?}]" "[${x%%?abc?}]"' sh "$mu"
--- stdout
- - - - [] []

### patsub-first-all-anchored
x=abcabc
echo ${x/b/X} ${x//b/X} ${x/#a/X} ${x/%c/X} ${x/#b/X} ${x//} ${x/b}
echo ${x//?/-} ${x//*/z} ${x/%/E} ${x/#/S} "${x//b/ }" ${x//[ac]/}
--- stdout
aXcabc aXcaXc Xbcabc abcabX abcabc abcabc acabc
------ z abcabcE Sabcabc a ca c bb

### patsub-quoted-and-bracket-patterns
x='[foo]'
echo ${x//[\[z]/<} ${x//[\]z]/>} ${x//[]z]/>} ${x//[^\[z]/<}
var="++--''++--''"
echo "${var//[+-]}" "${var//['+-']}"
y='a[[[---]]]b'
echo "${y//['[]']}"
foo='a b c d'
printf '<%s>' "${foo//'c d'/zzz}" "${foo//'c  d'/zzz}" "${foo/'c d'/'z z'}"
echo
z='a*b*c'
echo "${z//\*/+}" "${z/"*"/-}"
--- stdout
<foo] [foo> [foo> [<<<<
'''' ''''
a---b
<a b zzz><a b c d><a b z z>
a+b+c a-b*c

### patsub-tilde-and-positional-params
HOME=/home/u
x=/home/u/f
echo ${x/#~/'~'} ${x//u/~}
set -- aa bb ''
printf '<%s>' "${@/#/p-}" ${@/%/-s} "${*//a/A}"
echo
--- stdout
~/f /home//home/u/f
<p-aa><p-bb><p-><aa-s><bb-s><-s><AA bb >

### patsub-replaces-whole-characters
self=$(readlink /proc/$$/exe)
mu=$(printf '\316\274')
LC_ALL=C.UTF-8 "$self" -c 'x=a$1b; echo ${x//?/+} ${x/#a?/-}' sh "$mu"
--- stdout
+++ -b
