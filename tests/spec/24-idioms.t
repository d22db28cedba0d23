# SPDX-License-Identifier: GPL-3.0-or-later
# Idioms of real-world portable scripts (configure scripts, init scripts,
# wrappers), combining the features the other files test one by one.

### safe-args-forwarding
f() { printf '<%s>' ${1+"$@"}; echo; }
f 'a b' '' c
f
--- stdout
<a b><><c>
<>

### append-to-positional
set -- a
set -- "$@" 'b c'
set -- "$@" d
echo $#
printf '[%s]' "$@"; echo
--- stdout
3
[a][b c][d]

### empty-at-in-word
set --
printf '<%s>\n' "x$@"
--- stdout
<x>

### option-parsing-loop
set -- -v --name=foo -o out.txt -- -notopt rest
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--name=*) name=${1#--name=} ;;
	-o) shift; out=$1 ;;
	--) shift; break ;;
	-*) echo "unknown $1"; exit 2 ;;
	*) break ;;
	esac
	shift
done
echo "verbose=$verbose name=$name out=$out rest=$*"
--- stdout
verbose=1 name=foo out=out.txt rest=-notopt rest

### while-ifs-read-r
printf '  lead\\ing  \n\ttab\n' > in
while IFS= read -r line; do printf '[%s]\n' "$line"; done < in
--- stdout
[  lead\ing  ]
[	tab]

### read-fields-colon-file
printf 'root:x:0\nuser:y:1000\n' > db
while IFS=: read -r name pw id; do echo "$name has $id"; done < db
--- stdout
root has 0
user has 1000

### basename-dirname-by-expansion
p=/usr/local/lib/libx.so.1
echo "${p##*/} ${p%/*}"
--- stdout
libx.so.1 /usr/local/lib

### extension-strip
f=archive.tar.gz
echo "${f%%.*} ${f#*.} ${f##*.}"
--- stdout
archive tar.gz gz

### default-unset-nounset-safe
set -u
[ -z "${MAYBE_UNSET:-}" ] && echo unset-or-empty
--- stdout
unset-or-empty

### command-v-check
if command -v sh > /dev/null 2>&1; then echo have-sh; fi
if ! command -v no_such_tool_xyz > /dev/null 2>&1; then echo no-tool; fi
--- stdout
have-sh
no-tool

### exec-log-redirect
exec 3>&1
exec > log 2>&1
echo to-log
echo err-to-log >&2
exec 1>&3 2>&1 3>&-
cat log
--- stdout
to-log
err-to-log

### cleanup-trap-tempdir
tmp=$(mktemp -d "$PWD/t.XXXXXX")
trap 'rm -rf "$tmp"; echo cleaned' EXIT
touch "$tmp/x"
[ -f "$tmp/x" ] && echo working
--- stdout
working
cleaned

### counter-loop-arith
i=0 sum=0
while [ $i -lt 10 ]; do
	i=$((i + 1))
	sum=$((sum + i))
done
echo $sum
--- stdout
55

### string-contains-case
s='hello world'
case $s in *world*) echo contains;; esac
case $s in *xyz*) ;; *) echo lacks;; esac
--- stdout
contains
lacks

### eval-quoted-list
q="'a b' c 'd  e'"
eval "set -- $q"
echo $#
printf '[%s]' "$@"; echo
--- stdout
3
[a b][c][d  e]

### join-with-ifs
join() { local IFS=$1; shift; echo "$*"; }
join , a b c
join '' x y
--- stdout
a,b,c
xy

### split-path
p=/usr/bin:/bin::/sbin
old_ifs=$IFS
IFS=:
for d in $p; do echo "[$d]"; done
IFS=$old_ifs
--- stdout
[/usr/bin]
[/bin]
[]
[/sbin]

### here-doc-config-file
name=app
port=8080
cat > conf <<EOF
[$name]
port = $port
path = \$HOME/$name
EOF
cat conf
--- stdout
[app]
port = 8080
path = $HOME/app

### die-function
die() { echo "error: $*" >&2; exit 3; }
echo start
[ -d /nonexistent ] || die "missing dir" 2>/dev/null
echo no
--- stdout
start
--- status 3

### pipeline-into-while-count
n=$(printf 'a\nb\nc\n' | while read -r l; do echo x; done | wc -l)
echo $((n))
--- stdout
3

### nested-function-recursion-list
rev() {
	[ $# -eq 0 ] && return
	local first=$1
	shift
	rev "$@"
	printf '%s ' "$first"
}
rev 1 2 3 4; echo
--- stdout
4 3 2 1 

### is-number-check
isnum() { case $1 in ''|*[!0-9]*) return 1;; esac; }
for v in 12 1a '' 007; do
	if isnum "$v"; then echo "$v yes"; else echo "<$v> no"; fi
done
--- stdout
12 yes
<1a> no
<> no
007 yes

### lowercase-with-tr
x=$(echo MiXeD | tr 'A-Z' 'a-z')
echo $x
--- stdout
mixed

### script-dir-from-dollar0
d=$(cd "$(dirname "$0")" && pwd)
[ -f "$d/${0##*/}" ] && echo found-self
--- stdout
found-self

### retry-loop-with-break
n=0
while :; do
	n=$((n + 1))
	[ $n -ge 3 ] && break
done
echo tries=$n
--- stdout
tries=3

### conditional-assignment-chain
a=${A:-${B:-${C:-fallback}}}
echo $a
--- stdout
fallback

### set-e-with-or-true
set -e
false || true
x=$(false) || x=recovered
echo $x
--- stdout
recovered

### printf-table
printf '%-6s|%4s\n' name qty apple 3 kiwi 12
--- stdout
name  | qty
apple |   3
kiwi  |  12

### xargs-with-files
touch 'f 1' f2
printf '%s\n' f2 | xargs ls
--- stdout
f2

### sort-args
printf '%s\n' c a b | sort | while read -r x; do printf '%s' "$x"; done; echo
--- stdout
abc

### quote-for-eval
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
v="it's a \$test"
eval "w=$(q "$v")"
[ "$w" = "$v" ] && echo roundtrip
--- stdout
roundtrip
