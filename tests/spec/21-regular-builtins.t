# SPDX-License-Identifier: GPL-3.0-or-later
# Regular built-ins: cd pwd getopts umask wait command type alias unalias
# kill true false (local is in 12-functions, test in 20-test).

### cd-and-pwd
mkdir d
cd d
case $(pwd) in */d) echo in-d;; esac
--- stdout
in-d

### cd-updates-pwd-oldpwd
start=$PWD
mkdir d
cd d
[ "$OLDPWD" = "$start" ] && echo oldpwd
[ "$PWD" = "$start/d" ] && echo pwd
--- stdout
oldpwd
pwd

### cd-dash
start=$PWD
mkdir d
cd d
cd - > "$start/out"
[ "$PWD" = "$start" ] && echo back
[ "$(cat out)" = "$start" ] && echo printed
--- stdout
back
printed

### cd-no-arg-home
mkdir h
HOME=$PWD/h
cd
[ "$PWD" = "$HOME" ] && echo home
--- stdout
home

### cd-nonexistent-fails
cd /nonexistent/dir 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### cd-dotdot-logical
mkdir -p real/sub
ln -s real/sub link
cd link
cd ..
[ "$PWD" != "${PWD%/real}" ] && echo physical || echo logical
--- stdout
logical

### cd-P-physical
mkdir -p real/sub
ln -s real/sub link
cd -P link
case $PWD in */real/sub) echo physical;; esac
--- stdout
physical

### pwd-L-P
mkdir real
ln -s real link
cd link
case $(pwd -L) in */link) echo L-link;; esac
case $(pwd -P) in */real) echo P-real;; esac
--- stdout
L-link
P-real

### cdpath
mkdir -p base/target
CDPATH=$PWD/base
o=$PWD/out
cd target > "$o"
case $PWD in */base/target) echo via-cdpath;; esac
[ "$(cat "$o")" = "$PWD" ] && echo printed
--- stdout
via-cdpath
printed

### cd-relative-dotdot
mkdir -p a/b
cd a/b
cd ../..
[ -d a ] && echo back-at-top
--- stdout
back-at-top

### getopts-basic
set -- -a -b arg file
while getopts ab: opt; do
	case $opt in
	a) echo "flag a";;
	b) echo "b=$OPTARG";;
	esac
done
shift $((OPTIND - 1))
echo "rest: $*"
--- stdout
flag a
b=arg
rest: file

### getopts-combined
set -- -ab val
while getopts ab: opt; do echo "$opt ${OPTARG-}"; done
--- stdout
a 
b val

### getopts-arg-attached
set -- -bvalue
getopts b: opt
echo "$opt $OPTARG"
--- stdout
b value

### getopts-unknown-option
set -- -z
getopts ab opt 2>/dev/null
echo "$opt"
--- stdout
?

### getopts-silent-mode
set -- -z -b
getopts :ab: opt
echo "$opt $OPTARG"
getopts :ab: opt
echo "$opt $OPTARG"
--- stdout
? z
: b

### getopts-missing-arg
set -- -b
getopts b: opt 2>/dev/null
echo "$opt"
--- stdout
?

### getopts-end-status
set -- -a
getopts a opt
echo $?
getopts a opt
echo $? $OPTIND
--- stdout
0
1 2

### getopts-double-dash
set -- -a -- -b
while getopts ab opt; do echo $opt; done
echo $OPTIND
--- stdout
a
3

### getopts-stops-at-nonoption
set -- -a file -b
while getopts ab opt; do echo $opt; done
echo $OPTIND
--- stdout
a
2

### getopts-explicit-args
getopts x: opt -x val
echo "$opt $OPTARG"
--- stdout
x val

### getopts-optind-reset
set -- -a
getopts a o; echo $o
OPTIND=1
getopts a o; echo $o
--- stdout
a
a

### umask-set-print
umask 027
umask
--- stdout
0027

### umask-symbolic-print
umask 022
umask -S
--- stdout
u=rwx,g=rx,o=rx

### umask-symbolic-set
umask u=rwx,g=rx,o=
umask
--- stdout
0027

### umask-affects-files
umask 077
touch f
ls -l f | cut -c1-10
--- stdout
-rw-------

### wait-all
(sleep 0.1; echo one) &
(echo two > f) &
wait
echo done
cat f
--- stdout
one
done
two

### wait-pid-status
(exit 3) &
p=$!
wait $p
echo $?
--- stdout
3

### wait-no-children
wait
echo $?
--- stdout
0

### wait-unknown-pid
wait 999999 2>/dev/null
echo $?
--- stdout
127

### wait-killed-status
sleep 5 &
p=$!
kill $p
wait $p
echo $?
--- stdout
143

### command-v-builtin
command -v cd
--- stdout
cd

### command-v-path
command -v sh | grep -c '^/'
--- stdout
1

### command-v-function
f() { :; }
command -v f
--- stdout
f

### command-v-alias
alias ll='ls -l'
command -v ll
--- stdout
alias ll='ls -l'

### command-v-not-found
command -v no_such_cmd_xyz
[ $? -ne 0 ] && echo failed
--- stdout
failed

### command-skips-function
true() { echo function-true; }
command true && echo builtin-true
--- stdout
builtin-true

### command-V-kinds
f() { :; }
command -V f | grep -c function
command -V cd | grep -c builtin
--- stdout
1
1

### command-p-default-path
PATH=/nonexistent
command -p ls -d / 
--- stdout
/

### command-pv-default-path
PATH=/nonexistent
command -p -v ls > /dev/null && echo found
command -pv ls > out
PATH=/usr/bin:/bin
grep -c '/ls$' out
--- stdout
found
1

### type-kinds
f() { :; }
alias al=echo
type f | grep -c function
type cd | grep -c builtin
type al | grep -c alias
type if | grep -c keyword
type sh | grep -c /
--- stdout
1
1
1
1
1

### type-not-found-status
type no_such_cmd_xyz > /dev/null 2>&1
[ $? -ne 0 ] && echo not-found
--- stdout
not-found

### alias-define-use
alias hi='echo hello'
hi world
--- stdout
hello world

### alias-list
alias a1='echo one'
alias a1
--- stdout
a1='echo one'

### alias-all-listing
alias b='echo b' a='echo a'
alias
--- stdout
a='echo a'
b='echo b'

### alias-trailing-space-chains
alias run='echo '
alias word=expanded
run word
--- stdout
expanded

### alias-not-in-same-line
alias x='echo aliased'; x 2>/dev/null || echo not-yet
x
--- stdout
not-yet
aliased

### alias-quoted-not-expanded
alias x='echo aliased'
'x' 2>/dev/null || echo quoted-skips
--- stdout
quoted-skips

### unalias
alias x='echo a'
unalias x
x 2>/dev/null || echo gone
--- stdout
gone

### unalias-a
alias x='echo a' y='echo b'
unalias -a
alias
echo end
--- stdout
end

### alias-undefined-status
alias no_such_alias_xyz 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### kill-l-name
kill -l 15
kill -l 9
--- stdout
TERM
KILL

### kill-l-exit-status
sh -c 'kill -s INT $$'
kill -l $?
--- stdout
INT

### kill-signal-forms
sleep 5 &
p=$!
kill -s TERM $p
wait $p
echo $?
sleep 5 &
p=$!
kill -9 $p
wait $p
echo $?
sleep 5 &
p=$!
kill -KILL $p
wait $p
echo $?
--- stdout
143
137
137

### kill-zero-exists
sleep 5 &
p=$!
kill -0 $p && echo alive
kill $p
wait $p
kill -0 $p 2>/dev/null || echo gone
--- stdout
alive
gone

### kill-bad-pid
kill 999999 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed

### true-false-args
true ignored args
echo $?
false ignored
echo $?
--- stdout
0
1

### jobs-pid-bang
sleep 0.1 &
[ "$!" -gt 0 ] && echo has-pid
wait
--- stdout
has-pid

### alias-after-semicolon
alias say='echo said'
eval 'true; say one'
--- stdout
said one

### alias-after-and-or-pipe
alias say='echo said'
eval 'true && say a
false || say b
say c | cat'
--- stdout
said a
said b
said c

### alias-after-assignment-prefix
alias show='sh -c "echo \$v"'
eval 'v=x show'
--- stdout
x

### alias-after-redirection
alias say='echo said'
eval '>out say r'
cat out
--- stdout
said r

### alias-after-blank-ending-alias
alias run='env ' say='echo said'
eval 'run say x'
--- stdout
said x

### alias-not-for-arguments
alias say='echo said'
eval 'echo say'
--- stdout
say

### pwd-after-directory-removed
mkdir gone
cd gone
rmdir ../gone
case $(pwd 2>/dev/null) in */gone) echo logical ;; *) echo other ;; esac
--- stdout
logical

### cd-exports-oldpwd
start=$PWD
mkdir d
cd d
env | grep -q "^OLDPWD=$start\$" && echo exported
--- stdout
exported

### getopts-flag-unsets-optarg
OPTARG=stale
set -- -a -b val
getopts ab: o
echo "$o ${OPTARG-unset}"
getopts ab: o
echo "$o ${OPTARG-unset}"
--- stdout
a unset
b val

### hash-lists-used-commands
hash -r
ls >/dev/null
hash | grep -c '/ls$'
--- stdout
1

### read-from-directory-fails
mkdir d
read -r x <d 2>/dev/null
[ $? -gt 0 ] && echo failed
--- stdout
failed

### ulimit-set-and-report
ulimit -f 1000
ulimit -f
ulimit -f 900
ulimit
--- stdout
1000
900

### ulimit-inherited-by-children
(ulimit -n 64; sh -c 'ulimit -n')
--- stdout
64

### ulimit-soft-only
ulimit -Sf 8
ulimit -Sf
[ "$(ulimit -Hf)" != 8 ] && echo hard-unchanged
--- stdout
8
hard-unchanged

### ulimit-all-and-options
ulimit -a >/dev/null && echo a
for o in c d f n s t v; do ulimit -$o >/dev/null || echo "no -$o"; done
ulimit -f bad 2>/dev/null || echo bad-limit
--- stdout
a
bad-limit

### getopts-restarts-after-set
set -- -a
while getopts ab o; do echo "$o"; done
set -- -c -d
while getopts cd o; do echo "$o"; done
echo "OPTIND=$OPTIND"
set --
getopts cd o
echo "$? OPTIND=$OPTIND"
--- stdout
a
c
d
OPTIND=3
1 OPTIND=1

### umask-leading-minus-is-an-option
umask 0124
umask -wx 2>/dev/null
echo "$? $(umask)"
umask -- -w
umask
--- stdout
2 0124
0326

### pwd-ignores-operands
mkdir d && cd d
pwd / | sed 's|.*/||'
--- stdout
d

### command-p-ignores-path
mkdir bin
printf 'echo from-path\n' >bin/only-here
chmod +x bin/only-here
PATH=$PWD/bin
command -p only-here 2>/dev/null
echo "status $?"
only-here
--- stdout
status 127
from-path

### wait-bad-operand
wait zzz 2>/dev/null
echo "status $?"
--- stdout
status 2

### builtin-runs-builtin-hidden-by-function
cd() { echo function-cd; }
cd
builtin cd / && pwd
builtin -- false
echo "false $?"
builtin no_such_builtin 2>/dev/null
echo "not-builtin $?"
--- stdout
function-cd
/
false 1
not-builtin 1

### builtin-export-is-declaration
x='a b'
builtin export y=$x
echo "$y"
builtin command readonly z=$x
echo "$z"
--- stdout
a b
a b

### kill-l-zero-is-exit
kill -l 0 INT
--- stdout
EXIT
2

### kill-invalid-signal-status-1
kill -s NOSUCHSIG $$ 2>/dev/null
echo "s $?"
kill -9999 $$ 2>/dev/null
echo "n $?"
kill -l 9999 2>/dev/null
echo "l $?"
--- stdout
s 1
n 1
l 1

### getopts-optind-inside-cluster
getopts abc: o -abc10
echo "$o $OPTIND"
getopts abc: o -abc10
echo "$o $OPTIND"
getopts abc: o -abc10
echo "$o $OPTIND $OPTARG"
getopts ab o -ab
OPTIND=1
getopts ab o -ab
echo "$o $OPTIND"
--- stdout
a 1
b 1
c 2 10
a 1

### getopts-end-unsets-optarg
getopts c: o -c10
getopts c: o -c10
echo "$? $o ${OPTARG-unset}"
--- stdout
1 ? unset

### command-v-path-must-be-program
mkdir -p d/cat
: >d/data
printf 'echo hi\n' >d/prog
chmod +x d/prog
command -v d/data || echo "data $?"
command -v d/cat || echo "dir $?"
command -v d/prog
--- stdout
data 1
dir 1
d/prog

### command-v-type-not-found-status-1
command -v no_such_cmd_xyz
echo "v $?"
command -V no_such_cmd_xyz 2>/dev/null
echo "V $?"
type no_such_cmd_xyz 2>/dev/null
echo "type $?"
--- stdout
v 1
V 1
type 1

### umask-p-prints-a-command
umask 0027
umask -p
--- stdout
umask 0027

### umask-usage-errors-keep-the-mask
umask 0111
umask u=, g+, o- 2>/dev/null || echo too-many
umask '' 2>/dev/null || echo empty
umask
--- stdout
too-many
empty
0111

### cd-dot-dot-after-a-missing-directory-fails
cd nonexistent_dir/.. 2>/dev/null
echo "missing $?"
: >file
cd file/.. 2>/dev/null
echo "file $?"
mkdir d
cd d/.. && echo dir
--- stdout
missing 1
file 1
dir

### cd-failure-status-1
cd /nonexistent/dir 2>/dev/null
echo "status $?"
--- stdout
status 1

### alias-unalias-accept-double-dash
alias -- say=echo
echo "alias $?"
say hi
unalias -- say
echo "unalias $?"
--- stdout
alias 0
hi
unalias 0

### unalias-without-operand-is-a-usage-error
unalias 2>/dev/null
[ $? -gt 0 ] && echo usage-error
--- stdout
usage-error

### declare-typeset-scalars
x='a b'
declare y=$x
echo "$y"
f() { declare l=1; typeset -g g=2; echo "in $l"; }
f
echo "out ${l-unset} $g"
declare -x e=1
sh -c 'echo "child $e"'
declare +x e
sh -c 'echo "child ${e-unset}"'
declare -p y
--- stdout
a b
in 1
out unset 2
child 1
child unset
declare -- y="a b"
