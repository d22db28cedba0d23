#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-harden.sh — the daemon serving a root mount gives up what it does not
# need (overlayfs/harden.c): only the documented capabilities (effective,
# permitted and bounding), none inheritable or ambient, no_new_privs, a
# seccomp filter, and an empty root with only /proc in it.  Started the
# way the sandbox starts it (mount(2) on /dev/fuse, the fd as /dev/fd/3)
# and by itself; the mount still does what needs those capabilities;
# -o nosandbox turns it all off.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	skip "fs-harden" "needs root and FUSE (and a built cshell-fs)"
	exit 0
fi
PID=
stop() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	PID=
}
trap 'stop; fs_cleanup' EXIT

# CHOWN DAC_OVERRIDE FOWNER FSETID SYS_ADMIN MKNOD SETFCAP (docs/overlayfs.md)
WANT=000000008820001b

# start KIND DIR [OPTS]: the daemon in the foreground as our child
start() {
	local o="lowerdir=$2/l,upperdir=$2/u,workdir=$2/w${3:+,$3}"
	mkdir -p "$2/l/d" "$2/u" "$2/w" "$2/m"
	echo low >"$2/l/f"
	echo gone >"$2/l/g"
	M=$2/m
	MOUNTED+=("$M")
	if [ "$1" = standalone ]; then
		"$FS" -f -o "$o" "$M" 2>"$2.err" &
		PID=$!
	else
		FS_ERR=$2.err fs_start_fd "$M" "$o"
	fi
	for _ in $(seq 1 100); do
		is_mounted "$M" && timeout 10 stat "$M/f" >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }

for kind in fd standalone; do
	D=$T/$kind
	if ! start $kind "$D"; then
		fail "$kind: mount" "$(cat "$D.err")"; stop; continue
	fi
	got="eff=$(field CapEff) prm=$(field CapPrm) bnd=$(field CapBnd)"
	[ "$got" = "eff=$WANT prm=$WANT bnd=$WANT" ] &&
		pass "$kind: capabilities cut to the documented set" ||
		fail "$kind: capabilities cut to the documented set" "$got, want $WANT"
	got="inh=$(field CapInh) amb=$(field CapAmb)"
	[ "$got" = "inh=0000000000000000 amb=0000000000000000" ] &&
		pass "$kind: no inheritable or ambient capabilities" ||
		fail "$kind: no inheritable or ambient capabilities" "$got"
	[ "$(field NoNewPrivs)" = 1 ] && pass "$kind: no_new_privs" ||
		fail "$kind: no_new_privs" "NoNewPrivs $(field NoNewPrivs)"
	[ "$(field Seccomp)" = 2 ] && pass "$kind: seccomp filter" ||
		fail "$kind: seccomp filter" "Seccomp $(field Seccomp)"
	root=$(ls -A "/proc/$PID/root/" 2>&1 | tr '\n' ' ')
	[ "$root" = "proc " ] && pass "$kind: empty root" ||
		fail "$kind: empty root" "/proc/$PID/root holds: $(head -c 200 <<<"$root")"
	# what the kept capabilities are for, through the hardened daemon
	errs=
	out=$(cd "$M" && timeout 20 bash -c '
		cat f && echo new >n && rm g && mkdir d2 && rmdir d && mkdir d &&
		chown 1:1 n && chmod 4755 n && mknod c c 1 3 &&
		touch -d @1000 f &&
		python3 -c "import os; os.setxattr(\"f\", \"user.x\", b\"y\")" &&
		ln n n2 && mv n2 n3 && ls' 2>&1 | tr '\n' ' ')
	[ "$out" = "low c d d2 f n n3 " ] || errs="ops: $out"
	[ -n "$errs" ] || [ "$(stat -c %u:%g:%a "$M/n")" = 1:1:4755 ] ||
		errs="n is $(stat -c %u:%g:%a "$M/n")"
	[ -n "$errs" ] || [ "$(python3 -c "import os, sys; print(os.getxattr(sys.argv[1], 'trusted.overlay.opaque').decode())" "$D/u/d" 2>&1)" = y ] ||
		errs="no trusted.overlay.opaque on the recreated directory"
	[ -z "$errs" ] && pass "$kind: operations work hardened" ||
		fail "$kind: operations work hardened" "$errs"
	stop
	if [ $kind = standalone ]; then
		for _ in $(seq 1 40); do is_mounted "$M" || break; sleep 0.05; done
		! is_mounted "$M" && pass "$kind: SIGTERM unmounts" ||
			fail "$kind: SIGTERM unmounts" "still mounted: $(cat "$D.err")"
	fi
done

D=$T/off
if start standalone "$D" nosandbox; then
	got="seccomp=$(field Seccomp) nnp=$(field NoNewPrivs) root=$(ls -A "/proc/$PID/root/" | wc -l)"
	[ "$got" = "seccomp=0 nnp=0 root=$(ls -A / | wc -l)" ] &&
		pass "nosandbox keeps the daemon as it was" ||
		fail "nosandbox keeps the daemon as it was" "$got"
else
	fail "nosandbox keeps the daemon as it was" "$(cat "$D.err")"
fi
stop
exit 0
