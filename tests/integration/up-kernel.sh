#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# up-kernel.sh — a Cshellfile with `kernel` (man 5 Cshellfile): `up`
# makes the environment a VM booting that kernel (Debian's 6.1 .deb from
# apt's cache, tests/vm-common.sh) over the built layers, the lock pins
# the kernel file's sha256, a second `up` boots nothing, `up` on a
# terminal enters the VM, `up --locked` refuses a lock that pins another
# kernel (and a Cshellfile that drops the line) before booting anything,
# what a VM cannot be (`user`) is refused before any build, `down --rm`
# removes the VM.  One boot in all.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$repo/tests/lib.sh"
TEST_PREFIX=up-kernel/
. "$repo/tests/vm-common.sh" up-kernel

P=$work/kproj
mkdir -p "$P/src"
echo hello >"$P/src/hello.txt"
# by version, as a user writes it: /boot, else apt's cache (vm-common.sh
# put Debian's 6.1 there)
K=6.1
cat >"$P/Cshellfile" <<EOF
kernel $K
env FOO=bar
mount . /src
copy src/hello.txt /opt/hello.txt
workdir /src
EOF
up() { (cd "$P" && timeout 300 "$csh" -c 'up "$@"' cshell "$@"); }

t0=$(date +%s%N)
out=$(up -- sh -c 'uname -r; cat /opt/hello.txt; echo "$FOO $(pwd)"; exit 3' 2>"$work/err")
rc=$?
t1=$(date +%s%N)
echo "    cold up with a kernel (boot included): $(((t1 - t0) / 1000000)) ms"
if [ $rc = 3 ] && [[ $(sed -n 1p <<<"$out") == 6.1.* ]] &&
	[ "$(sed -n 2,3p <<<"$out" | tr '\n' ' ')" = "hello bar /src " ]; then
	pass uname-in-vm
else
	fail uname-in-vm "status $rc, printed '$out' $(head -c 400 "$work/err")"
fi
"$csh" -c 'sandbox ls' | grep -Eq '^kproj +running +[0-9]+ +vm '
check is-a-vm test $? = 0

want="kernel $K $("$vm" kernel "$K" | sed -n 's/^digest=//p')"
grep -qxF "$want" "$P/Cshellfile.lock"
check lock-pins-kernel test $? = 0

# a second up: nothing evaluated, nothing booted (the same QEMU)
qpid=$(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)
out=$(up -- uname -r 2>&1)
if [[ $out == 6.1.* ]] && [ "$(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)" = "$qpid" ]; then
	pass warm-reuses-vm
else
	fail warm-reuses-vm "printed '$out', qemu pid $qpid -> $(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)"
fi

# `up` with no command on a terminal enters the VM (cshell --enter)
check_tty enter-vm-tty "$P" "$csh -c up" \
	$'test -t 0 && echo "TTY $(uname -r)"\nexit\n' "TTY 6.1."

# --locked: the lock as written passes; one pinning another kernel digest
# is refused, saying what, and the VM is left as it was
out=$(up --locked -- true 2>&1)
check locked-same test $? = 0 -a "$(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)" = "$qpid"
cp "$P/Cshellfile.lock" "$work/lock.good"
other=$(printf other | sha256sum | cut -d' ' -f1)
sed -i "s/^kernel \(.*\) sha256:.*/kernel \1 sha256:$other/" "$P/Cshellfile.lock"
out=$(up --locked -- true 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"Cshellfile:1: kernel $K is sha256:"*"but Cshellfile.lock pins $K sha256:$other:"* ]] &&
	[ "$(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)" = "$qpid" ]; then
	pass locked-other-kernel
else
	fail locked-other-kernel "status $rc, printed '$out'"
fi
cp "$work/lock.good" "$P/Cshellfile.lock"
sed -i '1d' "$P/Cshellfile"
out=$(up --locked -- true 2>&1)
rc=$?
[ $rc != 0 ] && [[ $out == *"Cshellfile.lock pins kernel $K but the Cshellfile has no 'kernel'"* ]]
check locked-kernel-dropped test $? = 0
cp "$work/lock.good" "$P/Cshellfile.lock"

# what a VM cannot be: refused before anything is built or booted
printf 'kernel %s\nuser 1000\nrun "echo built >/x"\n' "$deb" >"$P/Cshellfile"
n=$(ls "$CSHELL_DATA_DIR/build-cache" 2>/dev/null | wc -l)
out=$(up -- true 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"Cshellfile:1: kernel: a VM environment runs its commands as the guest's root: remove 'user'"* ]] &&
	[ "$(ls "$CSHELL_DATA_DIR/build-cache" 2>/dev/null | wc -l)" = "$n" ] &&
	[ "$(cat "$CSHELL_RUNTIME_DIR/vm/kproj/qemu.pid" 2>/dev/null)" = "$qpid" ]; then
	pass user-refused
else
	fail user-refused "status $rc, printed '$out'"
fi

# a mount path with ':' cannot go to cshell-vm's SRC:DST: one sentence
# before anything is built
mkdir -p "$P/a:b"
printf 'kernel %s\nmount a:b /ab\nrun "echo built >/x"\n' "$deb" >"$P/Cshellfile"
out=$(up -- true 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"Cshellfile:1: kernel: a VM cannot mount a path with ':' in it"* ]] &&
	[ "$(ls "$CSHELL_DATA_DIR/build-cache" 2>/dev/null | wc -l)" = "$n" ]; then
	pass colon-mount-refused
else
	fail colon-mount-refused "status $rc, printed '$out'"
fi

out=$(cd "$P" && "$csh" -c 'down --rm' 2>&1)
check down-rm test $? = 0 -a ! -e "$CSHELL_DATA_DIR/vm/kproj"
