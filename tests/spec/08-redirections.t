# SPDX-License-Identifier: GPL-3.0-or-later
# Redirections (XCU 2.7): < > >> >| <> <& >& with fd numbers, closing with
# -, redirections on compound commands and functions, noclobber.

### output-create
echo hello > out
cat out
--- stdout
hello

### output-truncate
echo long-line > out
echo s > out
cat out
--- stdout
s

### append
echo a > out
echo b >> out
cat out
--- stdout
a
b

### append-creates
echo x >> new
cat new
--- stdout
x

### input
echo content > in
cat < in
--- stdout
content

### input-missing-file-fails
cat < nosuch 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### input-missing-command-not-run
echo ran > marker
rm marker
echo oops < nosuch > marker 2>/dev/null
[ -e marker ] && echo created || echo not-created
echo oops > marker < nosuch 2>/dev/null
[ -e marker ] && echo created || echo not-created
cat marker
--- stdout
not-created
created

### redirect-before-command
> out echo first
cat out
--- stdout
first

### redirect-in-middle
echo a > out b
cat out
--- stdout
a b

### fd-number-output
echo err 2> e >&2
cat e
--- stdout
err

### stderr-to-stdout
{ echo out; echo err >&2; } 2>&1 | sort
--- stdout
err
out

### stdout-to-stderr-discard
echo visible
echo hidden >&2 2>/dev/null
{ echo gone >&2; } 2>/dev/null
--- stdout
visible

### order-matters-1
{ echo o; echo e >&2; } > f 2>&1
sort f
--- stdout
e
o

### order-matters-2
{ echo e >&2; } 2>&1 > f
echo "<$(cat f)>"
--- stdout
e
<>

### dup-input
echo line > in
exec 3< in
cat <&3
exec 3<&-
--- stdout
line

### dup-output-fd3
exec 3> out
echo via3 >&3
exec 3>&-
cat out
--- stdout
via3

### close-stdout
(echo hi >&-) 2>/dev/null
echo status-nonzero=$([ $? -ne 0 ] && echo yes || echo no)
--- stdout
status-nonzero=yes

### close-fd-then-use-fails
exec 4> f
exec 4>&-
(echo x >&4) 2>/dev/null || echo closed
--- stdout
closed

### read-write
echo abc > f
exec 3<> f
read line <&3
echo "$line"
exec 3>&-
--- stdout
abc

### read-write-creates
: <> newfile
[ -f newfile ] && echo exists
--- stdout
exists

### read-write-no-truncate
echo 12345 > f
echo ab 1<> f
cat f
--- stdout
ab
45

### clobber-with-noclobber
echo old > f
set -C
echo new > f 2>/dev/null
echo status $?
cat f
--- stdout
status 1
old

### noclobber-override
echo old > f
set -C
echo new >| f
cat f
--- stdout
new

### noclobber-append-ok
echo a > f
set -o noclobber
echo b >> f
cat f
--- stdout
a
b

### noclobber-new-file-ok
set -C
echo fresh > f
cat f
--- stdout
fresh

### noclobber-dev-null-ok
set -C
echo x > /dev/null && echo ok
--- stdout
ok

### compound-brace
{ echo a; echo b; } > f
cat f
--- stdout
a
b

### compound-subshell
(echo a; echo b) > f
cat f
--- stdout
a
b

### compound-if
if true; then echo yes; fi > f
cat f
--- stdout
yes

### compound-for
for i in 1 2; do echo $i; done > f
cat f
--- stdout
1
2

### compound-while-input
printf 'x\ny\n' > in
while read l; do echo "got $l"; done < in
--- stdout
got x
got y

### compound-case
case a in a) echo matched;; esac > f
cat f
--- stdout
matched

### function-def-redirect
f() { echo in-f; } > fout
f
echo after
cat fout
--- stdout
after
in-f

### function-call-redirect
f() { echo body; }
f > out
cat out
--- stdout
body

### redirect-expands-word
n=name
echo x > file.$n
cat file.name
--- stdout
x

### redirect-no-field-split
f='a b'
echo x > $f
cat 'a b'
--- stdout
x

### fd-above-two
exec 5> f
echo five >&5
exec 5>&-
cat f
--- stdout
five

### dup-fd-copy-survives-close
exec 3> f
exec 4>&3
exec 3>&-
echo via4 >&4
exec 4>&-
cat f
--- stdout
via4

### exec-redirect-persists
(exec > out; echo one; echo two)
echo outside
cat out
--- stdout
outside
one
two

### exec-redirect-restore-via-dup
exec 3>&1
exec > f
echo hidden
exec 1>&3 3>&-
echo shown
cat f
--- stdout
shown
hidden

### redirect-only-command
> empty
[ -f empty ] && [ ! -s empty ] && echo empty
--- stdout
empty

### redirect-builtin-temporary
echo x > f
read v < f
echo "$v"
echo still-stdout
--- stdout
x
still-stdout

### redirect-not-applied-after-pipe
echo a | cat > f
cat f
--- stdout
a

### pipe-redirect-stderr
{ echo e >&2; } 2>&1 | cat
--- stdout
e

### heredoc-and-output
cat <<EOF > f
text
EOF
cat f
--- stdout
text

### dup-bad-fd-fails
(echo x >&9) 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### redirect-error-special-builtin-exits
: > /nonexistent/dir/file 2>/dev/null
echo not-reached
--- stdout
--- status 2

### redirect-error-regular-builtin-continues
echo x > /nonexistent/dir/file 2>/dev/null
echo continued $?
--- stdout
continued 1

### redirect-error-external-continues
cat < /nonexistent/file 2>/dev/null
echo continued
--- stdout
continued

### input-dup-stdin
echo data > f
exec 0< f
read a
echo "$a"
--- stdout
data

### redirect-number-needs-adjacent
echo 2 > f
cat f
--- stdout
2

### redirect-to-var-fd
echo v > f
exec 3< f
fd=3
cat <&$fd
--- stdout
v

### multi-digit-fd-numbers
echo line1 >f
exec 10<f
read x <&10
echo "$x"
exec 10<&-
echo to-99 99>&1
{ echo via-12 >&12; } 12>&1
exec 11>g
echo in-g >&11
exec 11>&-
cat g
read y <&10 2>/dev/null || echo closed
--- stdout
line1
to-99
via-12
in-g
closed

### dup-move-fd
exec 5>f
echo one >&5
exec 6>&5-
echo two >&5 2>/dev/null || echo 5-closed
echo three >&6
exec 6>&-
cat f
--- stdout
5-closed
one
three

### dup-move-fd-temporary
exec 5>f
{ echo in >&6; } 6>&5-
echo back >&5
exec 5>&-
cat f
--- stdout
in
back

### dup-move-same-fd
: 3>&3-
echo ok
--- stdout
ok

### dup-out-to-file-word
sh_out() { echo out; echo err >&2; }
sh_out >&f
cat f
--- stdout
out
err

### dup-numbered-to-file-word-fails
echo x 1>&f 2>/dev/null
echo status $?
--- stdout
status 1

### redirect-to-empty-name-fails
f=
echo x > "$f" 2>/dev/null
echo status $?
--- stdout
status 1

### here-string
cat <<< 'a b'
x='one  two'
cat <<<$x
cat <<< "$x"
--- stdout
a b
one  two
one  two

### here-string-fd
read -r a 3<<<'on three' <&3
echo "$a"
--- stdout
on three
