#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-killpriv.sh — setuid, setgid and file capabilities after writes,
# truncates and chowns, by root and by a user without CAP_FSETID.
# cshell-fs takes the kernel's handle_killpriv_v2 (it clears the bits
# itself, so that the kernel stops asking for security.capability before
# every write), so each case runs on a cshell-fs mount and on a kernel
# overlayfs mount over the same layer and must end the same, once with
# passthrough (the default as root) and once with the page cache.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse; then
	skip "fs-killpriv" "no FUSE here"; exit 0
fi
if ! can_kovl; then
	skip "fs-killpriv" "kernel overlayfs unavailable for reference"; exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip "fs-killpriv" "setpriv (util-linux) missing"; exit 0
fi

# the lower layer: files another user may write, with the bits to lose
chmod 755 "$T"
L=$T/lower
mkdir -p "$L"
for f in suid sgidx sgidnox root trunc otrunc chown upper cap ctrunc held; do
	echo data >"$L/$f"
done
chmod 4777 "$L/suid" "$L/root" "$L/trunc" "$L/otrunc" "$L/chown" "$L/held"
chmod 2777 "$L/sgidx"
chmod 2766 "$L/sgidnox"
chmod 0777 "$L/upper" "$L/cap" "$L/ctrunc"
chmod 755 "$L"
# security.capability v2: cap_net_raw permitted and effective
capset() {
	python3 -c "import os, struct, sys
os.setxattr(sys.argv[1], 'security.capability',
            struct.pack('<IIIII', 0x02000001, 1 << 13, 0, 0, 0))" "$1"
}
capget() {
	python3 -c "import os, sys
try: print(len(os.getxattr(sys.argv[1], 'security.capability')))
except OSError as e: print(e.strerror)" "$1"
}
capset "$L/cap"
capset "$L/ctrunc"

user() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- "$@"; }

# run_cases DIR: every case in mount DIR, one result line each
run_cases() {
	local m=$1
	user sh -c "echo more >>'$m/suid'"
	user sh -c "echo more >>'$m/sgidx'"
	user sh -c "echo more >>'$m/sgidnox'"
	sh -c "echo more >>'$m/root'"
	user truncate -s 2 "$m/trunc"
	user sh -c ": >'$m/otrunc'"
	chown 1:1 "$m/chown"
	# an upper file whose first write came before its setuid bit
	echo first >"$m/new"
	chmod 4777 "$m/new"
	user sh -c "echo more >>'$m/new'"
	# a file root holds open (passthrough on cshell-fs) while the user
	# writes it
	chmod 4777 "$m/held"
	exec 3<"$m/held"
	user sh -c "echo more >>'$m/held'"
	exec 3<&-
	user sh -c "echo more >>'$m/cap'"
	user truncate -s 1 "$m/ctrunc"
	for f in suid sgidx sgidnox root trunc otrunc chown new held; do
		echo "$f $(stat -c '%a %s' "$m/$f")"
	done
	echo "cap $(capget "$m/cap") $(stat -c %s "$m/cap")"
	echo "ctrunc $(capget "$m/ctrunc") $(stat -c %s "$m/ctrunc")"
}

mkdir -p "$T/ku" "$T/kw"
kovl_mount "$T/km" "$L" "$T/ku" "$T/kw" || { fail "fs-killpriv" "kernel overlayfs did not mount"; exit 0; }
want=$(run_cases "$T/km" 2>&1)
# the reference itself must show the kernel's rules at work, or the
# comparison below proves nothing
case "$want" in
*"suid 777 10"*"root 4777 10"*) ;;
*) fail "fs-killpriv reference" "kernel overlayfs: $(echo "$want" | tr '\n' '|')"; exit 0 ;;
esac

n=0
for extra in "" "passthrough=0"; do
	n=$((n + 1))
	name="killpriv${extra:+ ($extra)}"
	mkdir -p "$T/u$n" "$T/w$n"
	if ! fs_mount "$T/m$n" "$L" "$T/u$n" "$T/w$n" "allow_other${extra:+,$extra}"; then
		fail "$name" "cshell-fs did not mount"; continue
	fi
	got=$(run_cases "$T/m$n" 2>&1)
	if [ "$got" = "$want" ]; then
		pass "$name: bits as the kernel leaves them"
	else
		fail "$name" "cshell-fs: $(echo "$got" | tr '\n' '|') kernel: $(echo "$want" | tr '\n' '|')"
	fi
	# and what is left in the upper layer, after the mount is gone
	fs_umount "$T/m$n"
	up=$(stat -c '%a' "$T/u$n/suid" "$T/u$n/otrunc" "$T/u$n/new" | tr '\n' ' ')
	if [ "$up" = "777 777 777 " ]; then
		pass "$name: upper files lost the bits"
	else
		fail "$name: upper files lost the bits" "modes $up"
	fi
done
