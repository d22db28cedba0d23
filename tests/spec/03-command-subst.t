# SPDX-License-Identifier: GPL-3.0-or-later
# Command substitution (XCU 2.6.3): $(...) and backquotes, nesting, trailing
# newline removal, quoting inside, status and subshell environment.

### dollar-paren
echo $(echo hi)
--- stdout
hi

### backquote
echo `echo hi`
--- stdout
hi

### trailing-newlines-stripped
x=$(printf 'a\n\n\n')
echo "<$x>"
--- stdout
<a>

### inner-newlines-kept
x=$(printf 'a\n\nb\n')
printf '%s\n' "$x"
--- stdout
a

b

### only-newlines
x=$(printf '\n\n')
echo "<$x>"
--- stdout
<>

### nested-dollar
echo $(echo $(echo $(echo deep)))
--- stdout
deep

### nested-backquote-escaped
echo `echo \`echo inner\``
--- stdout
inner

### mixed-nesting
echo $(echo `echo mixed`)
--- stdout
mixed

### unquoted-is-split
set -- $(echo a b c)
echo $#
--- stdout
3

### quoted-not-split
set -- "$(echo a b c)"
echo $#
--- stdout
1

### unquoted-newlines-split
set -- $(printf 'a\nb\nc')
echo $# $2
--- stdout
3 b

### quotes-inside-dollar-paren
echo "$(echo "a  b")"
--- stdout
a  b

### single-quotes-inside
echo $(echo 'x  y')
--- stdout
x y

### backquote-backslash-dollar
x=outer
echo `echo \$x`
--- stdout
outer

### backquote-double-backslash
printf '%s\n' `printf '%s' 'a\\b'`
--- stdout
a\b

### status-of-assignment
x=$(exit 3)
echo $?
--- stdout
3

### status-last-subst
x=$(false)$(true)
echo $?
--- stdout
0

### status-with-command
true $(exit 5)
echo $?
--- stdout
0

### subshell-var-isolation
x=1
y=$(x=2; echo $x)
echo $x $y
--- stdout
1 2

### subshell-cd-isolation
mkdir d
here=$(pwd)
x=$(cd d; pwd)
[ "$(pwd)" = "$here" ] && echo same
[ "$x" = "$here/d" ] && echo inner
--- stdout
same
inner

### case-in-dollar-paren
x=$(case a in a) echo matched;; esac)
echo $x
--- stdout
matched

### paren-in-dollar-paren
echo $( (echo sub) )
--- stdout
sub

### empty-subst
set -- $(true)
echo $#
--- stdout
0

### empty-subst-quoted
set -- "$(true)"
echo $#
--- stdout
1

### subst-with-comment
x=$(echo a # comment )
)
echo $x
--- stdout
a

### subst-multiline
x=$(
	echo one
	echo two
)
echo $x
--- stdout
one two

### subst-heredoc
x=$(cat <<EOT
doc
EOT
)
echo $x
--- stdout
doc

### subst-glob-after
touch f1 f2
echo $(echo 'f*')
--- stdout
f1 f2

### subst-in-word
echo pre$(echo mid)post
--- stdout
premidpost

### subst-stderr-not-captured
x=$(echo err >&2; echo out)
echo $x
--- stdout
out

### subst-stderr-redirected
x=$(echo err 2>&1 >&2)
echo "<$x>"
--- stdout
<err>

### subst-function
f() { echo from-f; }
echo $(f)
--- stdout
from-f

### subst-exit-inside
x=$(echo a; exit 1; echo b)
echo $x $?
--- stdout
a 1

### backquote-in-dquote
echo "`echo 'a  b'`"
--- stdout
a  b

### subst-ifs-split
IFS=:
set -- $(echo a:b:c)
echo $#
--- stdout
3

### subst-arith-inside
echo $(echo $((2*3)))
--- stdout
6

### arith-of-subst
echo $(( $(echo 4) + 1 ))
--- stdout
5

### subst-large-output
x=$(i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done)
printf '%s\n' "$x" | wc -l | tr -d ' '
--- stdout
2000

### backquote-dollar-paren-inside
echo `echo $(echo in)`
--- stdout
in

### nul-bytes-dropped
s=$(printf 'a\000b\000')
echo "${#s} $s"
s=$(printf '\000x')
echo "${#s} ${s#?}"
--- stdout
2 ab
1 

### redirect-only-reads-file
printf 'a\nb\n\n' > f
x=$(< f)
echo "[$x]"
y=`<f`
echo "[$y]"
z=$(< nonexistent) 2>/dev/null
echo "status $?"
--- stdout
[a
b]
[a
b]
status 1

### dollar-double-paren-subshell
x=$((echo a; echo b) | tr ab xy)
echo $x
y="$((false || echo c
) 2>/dev/null)"
echo "$y" $((1 + (2) ))
z=$((echo $((echo d
) )
) )
echo "$z" $LINENO
--- stdout
x y
c 3
d 9

### dollar-double-paren-unclosed-at-end-of-input
self=$(readlink /proc/$$/exe)
"$self" -c 'echo $((cat <<EOF
+(
EOF
))' 2>/dev/null
echo "status $?"
--- stdout
status 2
