#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/hosts-cli.sh — cshell-hosts over the test bed
# (hosts-common.sh, 2 hosts): the inventory on disk (one clear sentence
# and an unchanged file for a duplicate or a bad destination, concurrent
# adds all kept), `host probe` in its table and JSON forms and its cache,
# placement over real probes (label, capacity, kernel), and `run` on one
# host with the caller's stdin.

. "$(dirname "$0")/hosts-common.sh"
trap hb_cleanup EXIT

if ! hb_setup 2; then
	skip hosts-cli "$HB_SKIP"
	exit 0
fi
w=$hb_work
inv=$CSHELL_CONFIG_DIR/hosts

# --- inventory: errors leave the file as it was
cp "$inv" "$w/inv.before"
out=$("$HOSTS" add h1 root@10.0.0.1 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$out" = "cshell: host 'h1' is already in the inventory" ] &&
	cmp -s "$inv" "$w/inv.before"; then
	pass hosts-cli-add-duplicate
else
	fail hosts-cli-add-duplicate "status $rc: $out"
fi
out=$("$HOSTS" add evil -oProxyCommand=touch 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && cmp -s "$inv" "$w/inv.before"; then
	pass hosts-cli-add-bad-destination
else
	fail hosts-cli-add-bad-destination "status $rc: $out"
fi

# --- concurrent adds under the lock: none lost
for i in $(seq 1 20); do "$HOSTS" add "c$i" "10.0.0.$i" "n=$i" & done
wait
n=$("$HOSTS" ls 'c*' | tail -n +2 | wc -l)
check hosts-cli-concurrent-adds test "$n" = 20
for i in $(seq 1 20); do echo "c$i"; done | xargs "$HOSTS" rm
check hosts-cli-rm cmp -s "$inv" "$w/inv.before"

# --- ls --json
out=$("$HOSTS" ls --json parity=1 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["name"], d[0]["dest"], d[0]["labels"]["idx"], len(d))' 2>&1)
check hosts-cli-ls-json test "$out" = "h1 root@$(hb_ip 1) 1 1"

# --- probe: a table, JSON, the cache, an unreachable host reported
"$HOSTS" add gone "root@$HB_NET.250" >/dev/null
out=$("$HOSTS" probe -t 5 'h*' 2>&1)
rc=$?
kern=$(uname -r)
if [ $rc = 0 ] && echo "$out" | grep -q '^HOST .*KERNEL' &&
	[ "$(echo "$out" | grep -c " $kern ")" = 2 ]; then
	pass hosts-cli-probe-table
else
	fail hosts-cli-probe-table "status $rc: $out"
fi
out=$("$HOSTS" probe --json h1 | python3 -c '
import json, sys, os
p = json.load(sys.stdin)[0]
ok = (p["reachable"] and p["cpus"] == os.cpu_count() and p["kernel"] == os.uname().release
      and p["arch"] == os.uname().machine and p["mem_total_kb"] > 0 and p["disk_free_kb"] > 0
      and len(p["load"]) == 3)
print("ok" if ok else p)' 2>&1)
check hosts-cli-probe-json test "$out" = ok
t0=$(date +%s)
out=$("$HOSTS" probe -t 2 gone 2>&1)
rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q '^gone .*unreachable' && [ $(($(date +%s) - t0)) -le 5 ]; then
	pass hosts-cli-probe-unreachable
else
	fail hosts-cli-probe-unreachable "status $rc: $out"
fi
out=$(python3 -c 'import json,sys; print(" ".join("%s:%s" % (p["host"], p["reachable"]) for p in json.load(open(sys.argv[1]))))' "$CSHELL_DATA_DIR/hosts-probe.json" 2>&1)
check hosts-cli-probe-cache test "$out" = "h1:True h2:True gone:False"

# --- placement over the cache
major=$(uname -r | cut -d. -f1-2)
out=$("$HOSTS" place --label parity=0 --kernel "$major" 2>/dev/null)
check hosts-cli-place-label test "$(echo "$out" | awk '{print $1}')" = h2
out=$("$HOSTS" place --kernel 1.0 2>&1)
rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "h1: kernel $(uname -r), not 1.0" &&
	echo "$out" | grep -q 'gone: unreachable'; then
	pass hosts-cli-place-kernel
else
	fail hosts-cli-place-kernel "status $rc: $out"
fi
out=$("$HOSTS" place --memory 1000T 'h*' 2>&1)
rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q 'memory available'; then
	pass hosts-cli-place-capacity
else
	fail hosts-cli-place-capacity "status $rc: $out"
fi
out=$("$HOSTS" place --spread --placed h1=3 'h*' 2>/dev/null | head -n 1 | awk '{print $1}')
check hosts-cli-place-spread test "$out" = h2

# --- run: one host, the caller's stdin, the command's status
out=$(printf 'a\nb\n' | "$HOSTS" run h2 -- sh -c 'wc -l; exit 3')
rc=$?
check hosts-cli-run test "$out:$rc" = "2:3"
exit 0
