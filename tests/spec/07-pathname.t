# SPDX-License-Identifier: GPL-3.0-or-later
# Pathname expansion (XCU 2.6.6, 2.13): each case creates its files in its
# own empty cwd first. LC_ALL=C, so results sort in byte order.

### star
touch a b c
echo *
--- stdout
a b c

### star-prefix
touch ab ac bc
echo a*
--- stdout
ab ac

### star-suffix
touch x.c y.c z.h
echo *.c
--- stdout
x.c y.c

### question
touch a1 a2 a10
echo a?
--- stdout
a1 a2

### bracket-list
touch a b c d
echo [abc]
--- stdout
a b c

### bracket-range
touch f1 f2 f3 f9
echo f[1-3]
--- stdout
f1 f2 f3

### bracket-negate-bang
touch a b c
echo [!a]
--- stdout
b c

### bracket-class
touch a 1 B
echo [[:digit:]] [[:upper:]] [[:lower:]]
--- stdout
1 B a

### bracket-class-alpha-alnum
touch a 1 _
echo [[:alpha:]] [[:alnum:]]
--- stdout
a 1 a

### bracket-rbracket-first
touch ']' a
echo []a]
--- stdout
] a

### bracket-dash-last
touch ./- a b
echo [a-]
--- stdout
- a

### bracket-unclosed-literal
touch '[a' a
echo [a
--- stdout
[a

### no-match-literal
echo *.nothing
--- stdout
*.nothing

### no-match-question-literal
echo ?????.x
--- stdout
?????.x

### sorted-order
touch b B a A _ 1
echo *
--- stdout
1 A B _ a b

### dotfiles-hidden
touch .hidden visible
echo *
--- stdout
visible

### dotfiles-explicit
touch .hidden .h2 visible
echo .h*
--- stdout
.h2 .hidden

### dot-not-matched-by-bracket
touch .a a
echo [.]a ?a
--- stdout
[.]a ?a

### dot-and-dotdot
touch .x
echo .* .?
mkdir d
echo d/.* d/. d/.. "$(echo .[.])"
cd d
echo .*
shopt -u globskipdots
echo .*
--- stdout
.x .x
d/.* d/. d/.. .[.]
.*
. ..

### slash-explicit
mkdir d1 d2
touch d1/f d2/f d2/g
echo d*/f
echo */g
--- stdout
d1/f d2/f
d2/g

### star-slash-directories-only
mkdir dir
touch file
echo */
--- stdout
dir/

### quoted-star-no-glob
touch a b
echo "*" '*' \*
--- stdout
* * *

### partly-quoted-pattern
touch 'a*b' axb
echo a"*"b
echo a*b
--- stdout
a*b
a*b axb

### glob-from-variable
touch f1 f2
p='f*'
echo $p
--- stdout
f1 f2

### glob-from-quoted-variable-no
touch f1 f2
p='f*'
echo "$p"
--- stdout
f*

### set-f-disables
touch a b
set -f
echo *
set +f
echo *
--- stdout
*
a b

### set-o-noglob
touch a
set -o noglob
echo *
--- stdout
*

### glob-result-not-resplit
touch 'a b' c
set -- *
echo $#
--- stdout
2

### glob-in-assignment-no
touch a b
x=*
echo "$x"
--- stdout
*

### glob-in-case-word-no
touch abc
case * in '*') echo literal;; *) echo other;; esac
--- stdout
literal

### glob-in-for
touch 1.t 2.t
for f in *.t; do echo "file $f"; done
--- stdout
file 1.t
file 2.t

### glob-in-redirect-not-expanded
touch only.txt
echo data > o*.txt
cat 'o*.txt'
echo "<$(cat only.txt)>"
--- stdout
data
<>

### backslash-escaped-bracket
touch '[x]' x
echo \[x]
--- stdout
[x]

### glob-nonexistent-dir
echo nodir/*
--- stdout
nodir/*

### star-matches-empty
touch a ab
echo a*
--- stdout
a ab

### multiple-stars
touch abc aXbXc
echo a*b*c
--- stdout
aXbXc abc

### bracket-negate-range
touch a1 aa ab
echo a[!0-9]
--- stdout
aa ab

### ifs-split-then-glob
touch f1 g1
x='f* g*'
echo $x
--- stdout
f1 g1

### path-with-dot-dir
mkdir d
touch d/.x d/y
echo d/*
--- stdout
d/y

### backslash-from-expansion-escapes
: >'*' >ab >ac
x='\a*'
printf '%s\n' $x
x='\*'
printf '%s\n' $x
x='a\c'
printf '%s\n' $x
x='\z*'
printf '%s\n' $x
--- stdout
ab
ac
\*
a\c
\z*

### question-mark-matches-a-multibyte-character
self=$(readlink /proc/$$/exe)
touch _x_ "_$(printf '\316\274')_"
LC_ALL=C.UTF-8 "$self" -c 'set -- _?_; echo $#
case $2 in ?????) echo bytes;; _?_) echo char;; esac'
LC_ALL=C "$self" -c 'set -- _?_; echo $#'
--- stdout
2
char
1

### shopt-nullglob-and-failglob
touch a.x
shopt -s nullglob
echo a *.none *.x "*.none" "[$(echo *.none)]"
shopt -u nullglob
echo *.none
shopt -s failglob
(echo *.none; echo not-reached) 2>/dev/null
echo status=$?
echo *.x
self=$(readlink /proc/$$/exe)
"$self" -O nullglob -c 'echo a *.none b'
"$self" +O nullglob -c 'echo a *.none b'
--- stdout
a a.x *.none []
*.none
status=1
a.x
a b
a *.none b
