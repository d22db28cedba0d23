# SPDX-License-Identifier: GPL-3.0-or-later
# Tilde expansion (XCU 2.6.1). HOME is the case's temp directory, so the
# cases compare against $HOME or set HOME themselves; no real user names
# are looked up (they depend on the machine).

### tilde-alone
HOME=/home/test
echo ~
--- stdout
/home/test

### tilde-slash
HOME=/home/test
echo ~/dir/file
--- stdout
/home/test/dir/file

### tilde-quoted-not-expanded
HOME=/h
echo '~' "~" \~
--- stdout
~ ~ ~

### tilde-mid-word-not-expanded
HOME=/h
echo a~ a~/b
--- stdout
a~ a~/b

### tilde-in-assignment
HOME=/h
x=~/bin
echo $x
--- stdout
/h/bin

### tilde-after-colon-in-assignment
HOME=/h
PATH2=/bin:~/bin:~
echo $PATH2
--- stdout
/bin:/h/bin:/h

### tilde-after-colon-in-argument-not-expanded
HOME=/h
echo a:~/b
--- stdout
a:~/b

### tilde-home-with-spaces-no-split
HOME='/a  b'
set -- ~
echo $# "$1"
--- stdout
1 /a  b

### tilde-home-not-globbed
touch x1 x2
HOME='x*'
echo ~
--- stdout
x*

### tilde-unknown-user-literal
echo ~no_such_user_cshell_spec/x
--- stdout
~no_such_user_cshell_spec/x

### tilde-in-export-and-readonly-assignment
HOME=/h
export e=~/y
readonly r=~/z:~
echo $e $r
--- stdout
/h/y /h/z:/h

### tilde-in-default-word
HOME=/h
unset x
echo ${x:-~/d}
--- stdout
/h/d

### tilde-matches-env-home
[ ~ = "$HOME" ] && echo same
--- stdout
same

### tilde-from-expansion-not-expanded
HOME=/h
t='~'
echo $t
--- stdout
~

### tilde-empty-home
HOME=
echo "<"~">"
echo "<$(echo ~)>"
--- stdout
<~>
<>

### tilde-in-for-list
HOME=/h
for d in ~ ~/a; do echo $d; done
--- stdout
/h
/h/a

### tilde-in-case-word
HOME=/h
case /h in ~) echo match;; esac
--- stdout
match

### tilde-in-redirect
HOME=$PWD
echo data > ~/file
cat file
--- stdout
data

### tilde-in-cd
mkdir sub
HOME=$PWD/sub
cd ~
[ "$PWD" = "$HOME" ] && echo ok
--- stdout
ok

### tilde-in-prefix-removal-word
HOME=/home/u
x=/home/u/a
echo ${x#~} "${x#~}" ${x##~/}
--- stdout
/a /a a

### tilde-in-suffix-removal-word
HOME=/h
x=/h/a/h
echo ${x%~} "[${x%%~/*}]" ${x%/~}
--- stdout
/h/a [] /h/a/h

### assignment-tilde-in-param-word
HOME=/home/bar
x=~:${undef-~:~}
echo "$x"
y=${undef-a=~}
echo "$y"
--- stdout
/home/bar:/home/bar:/home/bar
a=~

### in-question-mark-message-word
HOME=/h/dir
(: ${a?~/x}) 2>&1 | grep -q '/h/dir/x' && echo expanded
(: ${a?\~}) 2>&1 | grep -q '~' && echo literal
--- stdout
expanded
literal
