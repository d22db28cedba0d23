#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# up-on.sh — `up --on HOST` and a Cshellfile's `on` (man 5 Cshellfile, ON
# ANOTHER HOST) over the hosts test bed (hosts-common.sh, 2 netns hosts
# with their own sshd; they share this machine's filesystem, and their
# sshd puts this worktree's cshell on PATH and gives each host state
# directories of its own).  `up --on h1 -- CMD` builds on h1 (the sandbox
# is in h1's state, not here) and exits with CMD's status, the lock comes
# back with the digests a local up writes, `on parity=0` places it on h2,
# `--on auto` on either, `up --on h1` on a terminal enters with a tty, and
# an unreachable host is one sentence with nothing half-built, as is a
# copy source outside the project (not sent); `up --receive` takes a
# sandbox name only and unpacks nothing outside its directory.

. "$(dirname "$0")/hosts-common.sh"
TEST_PREFIX=up-on/
C=$hb_bin/cshell

# a host's sandboxes are removed on that host (their mounts live in its
# sshd's mount namespace), this machine's here, then the test bed
on_host() { "$C" -c "@h$1 cshell -c '$2'" </dev/null; }
cleanup() {
	local i n
	for i in 1 2; do
		for n in $(on_host "$i" 'sandbox ls --names' 2>/dev/null); do
			on_host "$i" "sandbox rm -f $n" >/dev/null 2>&1
		done
	done
	[ -n "${L:-}" ] && (cd "$L" && "$C" -c 'down --rm' >/dev/null 2>&1)
	hb_cleanup
}
trap cleanup EXIT

if [ ! -e /dev/fuse ]; then
	skip all "no /dev/fuse: sandboxes need the layered fs"
	exit 0
fi
if ! hb_setup 2; then
	skip all "$HB_SKIP"
	exit 0
fi

P=$hb_work/src/proj
mkdir -p "$P/src"
echo hello >"$P/src/hello.txt"
cat >"$P/Cshellfile" <<'CSF'
env GREETING=hi
mount . /work
copy src/hello.txt /opt/hello.txt
run 'echo two >/opt/b'
workdir /work
CSF
up() { (cd "$P" && "$C" -c 'up "$@"' cshell "$@"); }

# 1: built and run on h1, CMD's status back
out=$(up --on h1 -- sh -c 'cat /opt/hello.txt /opt/b; echo "$GREETING $(pwd)"; ls /work; exit 3' </dev/null 2>"$hb_work/err")
rc=$?
if [ $rc = 3 ] && [ "$(echo $out)" = "hello two hi /work Cshellfile Cshellfile.lock src" ]; then
	pass run-on-h1
else
	fail run-on-h1 "status $rc, printed '$out' $(head -c 600 "$hb_work/err")"
fi
names1=$(on_host 1 'sandbox ls --names' 2>&1)
names2=$(on_host 2 'sandbox ls --names' 2>&1)
here=$("$C" -c 'sandbox ls --names' 2>&1)
if [ "$names1" = proj ] && [ -z "$names2" ] && [ -z "$here" ] &&
	[ -z "$(ls "$CSHELL_DATA_DIR/build-cache" 2>/dev/null)" ]; then
	pass built-on-h1-only
else
	fail built-on-h1-only "h1 has '$names1', h2 '$names2', here '$here'"
fi

# 2: the lock came back, and a local up of the same project writes the
# same digests
if [ -s "$P/Cshellfile.lock" ] && grep -q '^step run ' "$P/Cshellfile.lock"; then
	pass lock-fetched
else
	fail lock-fetched "$(cat "$P/Cshellfile.lock" 2>&1)"
fi
L=$hb_work/src/proj-local
mkdir -p "$L" && cp -r "$P/Cshellfile" "$P/src" "$L/"
(cd "$L" && "$C" -c 'up -- true') >"$hb_work/lout" 2>&1
if cmp -s "$P/Cshellfile.lock" "$L/Cshellfile.lock"; then
	pass same-lock-as-local
else
	fail same-lock-as-local "$(diff "$P/Cshellfile.lock" "$L/Cshellfile.lock" 2>&1) $(head -c 300 "$hb_work/lout")"
fi

# 3: a second up --on h1 builds nothing there and --locked passes
t0=$(date +%s%N)
out=$(CSHELL_UP_PROGRESS=1 up --on h1 --locked -- cat /opt/b </dev/null 2>&1)
rc=$?
echo "    warm up --on h1 --locked: $((($(date +%s%N) - t0) / 1000000)) ms"
if [ $rc = 0 ] && [ "$(grep -v '(cached)$' <<<"$out")" = two ]; then
	pass warm-locked-on-h1
else
	fail warm-locked-on-h1 "status $rc, printed '$out'"
fi

# 4: the Cshellfile's `on`, a label: the placement picks h2 (the only
# host with parity=0)
printf 'on parity=0\n' >>"$P/Cshellfile"
out=$(up -- cat /opt/hello.txt </dev/null 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$out" = hello ] && [ "$(on_host 2 'sandbox ls --names')" = proj ]; then
	pass on-label-placed
else
	fail on-label-placed "status $rc, printed '$out'"
fi
sed -i '$d' "$P/Cshellfile"
out=$(up --on auto -- cat /opt/b </dev/null 2>&1)
check on-auto test $? = 0 -a "$out" = two

# 5: with a terminal, up --on enters the environment with a tty
check_tty enter-with-tty "$P" "$C -c 'up --on h1'" \
	$'test -t 0 && echo "TTY $(cat /opt/b)"\nexit\n' "TTY two"

# 6: an unreachable host: one sentence, nothing sent, built or written
"$HOSTS" add down "root@$(hb_ip 1):2" >/dev/null
cp "$P/Cshellfile.lock" "$hb_work/lock.before"
out=$(up --on down -- true </dev/null 2>&1)
rc=$?
if [ $rc != 0 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	[[ $out == "cshell: up: cannot reach host 'down': "*"Connection refused"* ]] &&
	cmp -s "$P/Cshellfile.lock" "$hb_work/lock.before"; then
	pass unreachable-one-sentence
else
	fail unreachable-one-sentence "status $rc, printed '$out'"
fi
out=$(up --on nosuch -- true </dev/null 2>&1)
[ $? != 0 ] && [ "$out" = "cshell: up: unknown host 'nosuch' (see 'host ls')" ]
check unknown-host test $? = 0
out=$(up --on 2>&1 </dev/null | head -1)
check on-without-host test "$out" = "cshell: up: --on needs a host, a label or auto"

# what is not sent (a copy source outside the project) is refused here,
# before anything is sent
Q=$hb_work/src/outside
mkdir -p "$Q" && printf 'copy ../proj/src/hello.txt /h\n' >"$Q/Cshellfile"
out=$(cd "$Q" && "$C" -c 'up --on h1 -- true' </dev/null 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == "Cshellfile:1: on: copy source '$Q/../proj/src/hello.txt' is outside the project directory"* ]] &&
	! [ -e "$(hb_state 1)/data/up/hosted/outside" ]; then
	pass copy-outside-refused
else
	fail copy-outside-refused "status $rc, printed '$out'"
fi

# down reaches the host the last up --on went to (h1, the tty case);
# --rm removes the environment there
out=$(cd "$P" && "$C" -c 'down' </dev/null 2>&1)
rc=$?
st=$(on_host 1 'sandbox inspect proj' 2>&1 | sed -n 's/^state: *//p')
check down-on-host test $rc = 0 -a "$st" = stopped
out=$(cd "$P" && "$C" -c 'down --rm' </dev/null 2>&1)
rc=$?
check down-rm-on-host test $rc = 0 -a -z "$(on_host 1 'sandbox ls --names')"
out=$(cd "$P" && "$C" -c 'down' 2>&1)
check down-nothing-left test $? = 1 -a "$out" = "cshell: down: no environment 'proj' (nothing to stop)"

# `up --receive NAME` (what the chosen host runs) takes a sandbox name
# only, and unpacks no member outside data/up/hosted/NAME: neither an
# absolute path nor a '..' (tar's own refusals), nor through a symlink
# the tar itself made
R=$hb_work/recv
mkdir -p "$R/data" "$R/outside"
bad=
for n in .. a/b '' -x; do
	out=$(CSHELL_DATA_DIR=$R/data "$C" -c "up --receive '$n'" </dev/null 2>&1)
	rc=$?
	[ $rc = 2 ] && [ "$out" = "cshell: up: --receive: not a sandbox name" ] ||
		bad+=" '$n': status $rc, printed '$out';"
done
[ -z "$bad" ] && pass receive-bad-name || fail receive-bad-name "$bad"
python3 - "$R" <<'PY'
import io, sys, tarfile
r = sys.argv[1]
t = tarfile.open(r + "/evil.tar", "w")
def add(name, data=b"x\n", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name); i.type = kind; i.linkname = link
    i.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
add("./ok")
add("../../../outside/dotdot")
add(r + "/outside/abs")
add("./link", kind=tarfile.SYMTYPE, link=r + "/outside")
add("./link/through")
t.close()
PY
out=$(CSHELL_DATA_DIR=$R/data "$C" -c 'up --receive evil' <"$R/evil.tar" 2>&1)
rc=$?
[ $rc = 1 ] && [ -z "$(ls -A "$R/outside")" ] &&
	[ ! -e "$R/data/up/hosted/evil" ] &&
	[[ $out == *"cshell: up: the project sent was not a complete tar" ]] &&
	pass receive-stays-inside ||
	fail receive-stays-inside "status $rc, printed '$out', outside: $(ls -A "$R/outside")"

# a second send updates the files in place and removes what the first
# one brought and the project no longer has (a file, a directory with
# it), keeps what was made there (a build's output), and never follows
# a symlink the project has become
S=$R/src
mkdir -p "$S/sub" "$S/gone-dir/deep" "$R/victim"
echo 1 >"$S/keep" && echo x >"$S/gone" && echo y >"$S/sub/gone2"
echo z >"$S/gone-dir/deep/f" && echo n >"$S/$(printf 'new\nline')"
echo v >"$R/victim/f" && mkdir "$S/swap" && echo s >"$S/swap/f"
send() { tar -C "$S" -cf - . | CSHELL_DATA_DIR=$R/data "$C" -c 'up --receive p2' 2>&1; }
out=$(send)
H=$R/data/up/hosted/p2
echo built >"$H/sub/made-here.o"
rm -r "$S/gone" "$S/sub/gone2" "$S/gone-dir" "$S/$(printf 'new\nline')" "$S/swap"
ln -s "$R/victim" "$S/swap"
echo 2 >"$S/keep"
out2=$(send)
left=$(cd "$H" && find . | LC_ALL=C sort | tr '\n' ' ')
want='. ./keep ./sub ./sub/made-here.o ./swap '
[ "$out" = "$H" ] && [ "$out2" = "$H" ] && [ "$left" = "$want" ] &&
	[ "$(cat "$H/keep")" = 2 ] && [ -L "$H/swap" ] && [ -e "$R/victim/f" ] &&
	pass receive-removes-unsent ||
	fail receive-removes-unsent "printed '$out' '$out2'; left: $left; victim: $(ls "$R/victim")"

# root in a sandbox that mounts the host's copy plants a symlink where
# the project has a directory: the next send replaces it, and writes
# nothing through it
mkdir -p "$R/victim2"
rm -rf "$H/sub" && ln -s "$R/victim2" "$H/sub"
echo 3 >"$S/sub/new-file"
out3=$(send)
[ "$out3" = "$H" ] && [ -d "$H/sub" ] && [ ! -L "$H/sub" ] &&
	[ "$(cat "$H/sub/new-file")" = 3 ] && [ -z "$(ls -A "$R/victim2")" ] &&
	pass receive-planted-symlink ||
	fail receive-planted-symlink "printed '$out3'; sub: $(ls -ld "$H/sub"); victim2: $(ls -A "$R/victim2")"
