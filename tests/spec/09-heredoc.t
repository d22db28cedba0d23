# SPDX-License-Identifier: GPL-3.0-or-later
# Here-documents (XCU 2.7.4): << and <<-, quoted and unquoted delimiters,
# several on one line, expansions inside, in functions and loops.
# Some script lines below start with real tab characters, on purpose (<<-).

### basic
cat <<EOF
line one
line two
EOF
--- stdout
line one
line two

### expands-parameters
x=world
cat <<EOF
hello $x ${x}s
EOF
--- stdout
hello world worlds

### expands-cmdsub-arith
cat <<EOF
$(echo cmd) `echo bq` $((2+2))
EOF
--- stdout
cmd bq 4

### quoted-delimiter-no-expansion
x=world
cat <<'EOF'
hello $x $(echo no) \$ \\
EOF
--- stdout
hello $x $(echo no) \$ \\

### dquoted-delimiter-no-expansion
x=1
cat <<"EOF"
$x
EOF
--- stdout
$x

### partly-quoted-delimiter
x=1
cat <<E\OF
$x
EOF
--- stdout
$x

### backslash-dollar-unquoted
x=1
cat <<EOF
\$x \`no\` \\ \a
EOF
--- stdout
$x `no` \ \a

### backslash-newline-unquoted
cat <<EOF
ab\
cd
EOF
--- stdout
abcd

### backslash-newline-quoted-kept
cat <<'EOF'
ab\
cd
EOF
--- stdout
ab\
cd

### double-quotes-literal
x=v
cat <<EOF
"$x" 'x'
EOF
--- stdout
"v" 'x'

### no-field-split-no-glob
touch a b
x='1    2'
cat <<EOF
$x *
EOF
--- stdout
1    2 *

### tab-strip
cat <<-EOF
	indented
		twice
not
	EOF
--- stdout
indented
twice
not

### tab-strip-not-spaces
cat <<-EOF
  spaces kept
	EOF
--- stdout
  spaces kept

### no-strip-without-dash
cat <<EOF
	kept
EOF
--- stdout
	kept

### two-on-one-line
cat <<A; cat <<B
first
A
second
B
--- stdout
first
second

### two-on-one-command
cat <<A 3<<B
from-a
A
from-b
B
--- stdout
from-a

### two-fds
f() { cat; cat <&3; }
f <<A 3<<B
from-a
A
from-b
B
--- stdout
from-a
from-b

### in-pipeline
cat <<EOF | tr a-z A-Z
shout
EOF
--- stdout
SHOUT

### in-function
f() {
	cat <<EOF
arg is $1
EOF
}
f one
f two
--- stdout
arg is one
arg is two

### in-loop
for i in 1 2 3; do
	cat <<EOF
item $i
EOF
done
--- stdout
item 1
item 2
item 3

### in-while-read
while read a b; do
	echo "$b $a"
done <<EOF
1 one
2 two
EOF
--- stdout
one 1
two 2

### empty-body
cat <<EOF
EOF
echo after
--- stdout
after

### delimiter-must-be-whole-line
cat <<EOF
EOF not end
 EOF
EOFX
EOF
--- stdout
EOF not end
 EOF
EOFX

### delimiter-with-tab-strip-inside-function
f() {
	cat <<-END
		body
	END
}
f
--- stdout
body

### on-compound
{ read a; read b; } <<EOF
x
y
EOF
echo $b$a
--- stdout
yx

### after-command-continues
cat <<EOF && echo ok
doc
EOF
--- stdout
doc
ok

### expansion-time-is-use-time
x=before
f() {
	cat <<EOF
$x
EOF
}
x=after
f
--- stdout
after

### subshell-in-heredoc
cat <<EOF
$(for i in a b; do echo $i; done)
EOF
--- stdout
a
b

### heredoc-to-variable
v=$(cat <<EOF
captured
EOF
)
echo $v
--- stdout
captured

### heredoc-dollar-at
set -- a b
cat <<EOF
$@ $* $#
EOF
--- stdout
a b a b 2

### heredoc-single-quote-in-body
cat <<EOF
it's
EOF
--- stdout
it's

### heredoc-long-body
i=0
{
	while [ $i -lt 300 ]; do echo "x$i"; i=$((i + 1)); done
} > gen.sh
n=$(cat <<EOF | wc -l
$(cat gen.sh)
EOF
)
echo $n
--- stdout
300

### heredoc-special-delim
cat <<'-'
dash delim
-
--- stdout
dash delim

### heredoc-quoted-with-vars-tab-strip
cat <<-'EOF'
	$HOME
	EOF
--- stdout
$HOME

### heredoc-fd-zero-explicit
cat 0<<EOF
zero
EOF
--- stdout
zero

### heredoc-in-cmdsub-in-heredoc
cat <<A
outer $(cat <<B
inner
B
)
A
--- stdout
outer inner

### heredoc-brace-param-default
unset u
cat <<EOF
${u:-def}
EOF
--- stdout
def

### delimiter-with-dollar-brace-literal
a=zz
cat <<${a}
text $a
zz
${a}
echo after
--- stdout
text zz
zz
after

### delimiter-with-dollar-name-literal
cat <<$x
body
$x
echo after
--- stdout
body
after
