#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/vm-snapshot.sh — a VM created as an earlier one was
# (the same kernel, agent, memory, vCPUs and number of shares) is
# restored from a snapshot of that one, saved while its agent waited for
# its own setup (docs/vm.md, "Snapshots"): the restored VMs each get
# their own --mount, hostname and env, the host's clock, and randomness
# of their own; a damaged snapshot boots instead (and is dropped);
# CSHELL_VM_SNAPSHOTS=0 boots; the snapshots kept are the newest four;
# `sandbox inspect` says which VM was restored.
# Three boots and four restores.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$repo/tests/lib.sh"
. "$repo/tests/vm-common.sh" vm-snapshot

sh_() { (cd "$work" && timeout 90 "$csh" -c "$1"); }
snaps=$CSHELL_DATA_DIR/vm/snapshots
for v in a b c d e; do
	mkdir -p "$work/m$v"
	echo "data of $v" >"$work/m$v/f"
done
# four older snapshots of other VMs: the first save makes five, and the
# oldest of them goes
mkdir -p "$snaps"
for i in 1 2 3 4; do
	f=$snaps/$(printf '%064d' $i)
	echo old >"$f"
	touch -d "2026-01-0$i" "$f"
done

create() { # NAME: created with its own mount, hostname and env
	sh_ "sandbox create $1 --kernel '$deb' --mount '$work/m$1:/data' \
		--hostname host-$1 --env WHO=$1" 2>&1
}

out=$(create a)
saved_at=$(date +%s)
if [[ $out != "a booted in "* ]]; then
	fail vm-snapshot-save "the first create printed '$out'"
	exit 0
fi
saved=$(ls "$snaps" | grep -v '^0000')
mode=$(stat -c %a "$snaps/$saved" 2>/dev/null)
left=$(ls "$snaps" | grep -c '^0000')
if [ "$(printf '%s\n' "$saved" | grep -c .)" = 1 ] && [ "$mode" = 600 ] &&
	[ "$left" = 3 ] && [ ! -e "$snaps/$(printf '%064d' 1)" ]; then
	pass vm-snapshot-save
else
	fail vm-snapshot-save "snapshots: $(ls -l "$snaps" | tr '\n' ' ')"
fi

out_b=$(create b)
out_c=$(create c)
if [[ $out_b == "b restored from a snapshot in "* ]] &&
	[[ $out_c == "c restored from a snapshot in "* ]]; then
	pass vm-snapshot-restore
else
	fail vm-snapshot-restore "printed '$out_b' and '$out_c'"
fi

# inspect says which (text and JSON), and keeps it once stopped
ib=$(sh_ 'sandbox inspect b' | grep '^boot:')
ja=$(sh_ 'sandbox inspect a --json' | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm"]["boot"])')
sh_ 'sandbox stop c' >/dev/null 2>&1
jc=$(sh_ 'sandbox inspect c --json' | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm"]["boot"])')
# (restored again 7 s after the save: a clock left as the snapshot's
# would be 7 s behind, below)
while [ "$(date +%s)" -lt $((saved_at + 7)) ]; do sleep 0.5; done
sh_ 'sandbox start c' >/dev/null 2>&1
if [ "$ib" = "boot:     restored" ] && [ "$ja" = booted ] && [ "$jc" = restored ]; then
	pass vm-snapshot-inspect
else
	fail vm-snapshot-inspect "b: '$ib', a: '$ja', c stopped: '$jc'"
fi

# each its own: what CONFIG brought after the restore
out=$(sh_ '@b sh -c "uname -r; hostname; echo \$WHO; cat /data/f"; @c sh -c "hostname; echo \$WHO; cat /data/f"')
want="$(printf '%s\n' "${deb##*/}" | sed -n 's/^linux-image-\([^_]*\)_.*/\1/p')
host-b
b
data of b
host-c
c
data of c"
[ "$out" = "$want" ] && pass vm-snapshot-own-setup ||
	fail vm-snapshot-own-setup "printed '$out', not '$want'"

# the host's time, not the snapshot's (c's clock, restored 7 s after
# the save)
g=$(sh_ '@c date +%s')
h=$(date +%s)
if [ -n "$g" ] && [ $((h - g)) -le 2 ] && [ $((g - h)) -le 2 ]; then
	pass vm-snapshot-clock
else
	fail vm-snapshot-clock "guest $g, host $h"
fi

# clones of one snapshot draw different numbers (without the reseed
# they print the same 16 bytes)
rb=$(sh_ '@b head -c 16 /dev/urandom | od -An -tx1')
rc=$(sh_ '@c head -c 16 /dev/urandom | od -An -tx1')
if [ -n "$rb" ] && [ "$rb" != "$rc" ]; then
	pass vm-snapshot-random
else
	fail vm-snapshot-random "b and c both drew '$rb'"
fi

# a damaged snapshot: booted instead, and dropped
truncate -s 1M "$snaps/$saved"
out=$(create d)
if [[ $out == "d booted in "* ]] && [ "$(sh_ '@d cat /data/f' 2>&1)" = "data of d" ] &&
	[ ! -e "$snaps/$saved" ] && grep -q "the snapshot did not restore" "$CSHELL_RUNTIME_DIR/vm/d/console.log"; then
	pass vm-snapshot-damaged
else
	fail vm-snapshot-damaged "printed '$out'; snapshots: $(ls "$snaps" | tr '\n' ' ')"
fi

# asked not to: booted, nothing saved
before=$(ls "$snaps" | wc -l)
out=$(CSHELL_VM_SNAPSHOTS=0 create e)
if [[ $out == "e booted in "* ]] && [ "$(ls "$snaps" | wc -l)" = "$before" ]; then
	pass vm-snapshot-off
else
	fail vm-snapshot-off "printed '$out'; snapshots: $(ls "$snaps" | tr '\n' ' ')"
fi
sh_ 'sandbox rm -f a b c d e' >/dev/null 2>&1
