#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/monitor-shell.sh — the shell's `monitor` builtin and
# `sandbox stats` (shell/bi_monitor.c over monitor/): a sandbox named like
# `@T` is watched, `enter`ed it is the default, what is not a local
# sandbox is refused with a sentence, and stats come out as JSON.  The
# shell maps libbpf only once it monitors (monitor/bpf_dl.c).

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip monitor-shell "$SBX_SKIP"
	exit 0
fi
if ! command -v jq >/dev/null; then
	skip monitor-shell "jq is not installed"
	exit 0
fi
csh=$sbx_bin/cshell
if ! out=$(sbx create msh 2>&1); then
	fail monitor-shell-create "$out"
	exit 0
fi

# `enter msh; monitor`: the entered sandbox by default
"$csh" -c 'enter msh; monitor --json --duration 8 --events exec' \
	>"$work/mon.json" 2>"$work/mon.err" &
mpid=$!
for _ in $(seq 50); do
	grep -q '"type":"start"' "$work/mon.json" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q '"type":"start"' "$work/mon.json"; then
	kill $mpid 2>/dev/null
	out=$(cat "$work/mon.err")
	if [[ $out == *"monitoring needs"* ]]; then
		skip monitor-shell "$out"
	else
		fail monitor-shell-start "${out:0:300}"
	fi
	exit 0
fi
"$csh" -c '@msh /bin/echo mark-shell' >/dev/null 2>&1
# libbpf is loaded when a monitor opens, not by every shell that starts
plain=$("$csh" -c 'cat /proc/$$/maps' | grep -c libbpf)
if grep -q libbpf "/proc/$mpid/maps" && [ "$plain" = 0 ]; then
	pass monitor-shell-libbpf-on-demand
else
	mapped=$(grep -c libbpf "/proc/$mpid/maps")
	fail monitor-shell-libbpf-on-demand \
		"libbpf mappings: monitoring $mapped, a plain shell $plain"
fi
sleep 0.3
kill -INT $mpid
wait $mpid
rc=$?
line=$(jq -c 'select(.type=="exec" and (.argv|index("mark-shell")!=null))' "$work/mon.json" | head -1)
last=$(tail -1 "$work/mon.json")
if [ "$(jq -r .sandbox <<<"$line" 2>/dev/null)" = msh ] &&
	[ "$(jq -r .reason <<<"$last" 2>/dev/null)" = signal ] && [ $rc = 0 ]; then
	pass monitor-shell-entered
else
	fail monitor-shell-entered "exit $rc, exec: '${line:0:200}', last: '${last:0:200}'"
fi

out=$("$csh" -c 'monitor host' 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"only sandboxes and SSH hosts can be monitored"* ]]; then
	pass monitor-shell-not-sandbox
else
	fail monitor-shell-not-sandbox "exit $rc: $out"
fi
out=$("$csh" -c 'monitor msh --duration x' 2>&1)
[ $? = 2 ] && [[ $out == *"invalid duration 'x'"* ]] &&
	pass monitor-shell-usage || fail monitor-shell-usage "$out"

out=$("$csh" -c 'sandbox stats msh --json' 2>&1)
if jq -e '.type=="stats" and .sandbox=="msh" and .stats.pids_current>0' <<<"$out" >/dev/null 2>&1; then
	pass monitor-shell-stats
else
	fail monitor-shell-stats "${out:0:300}"
fi
exit 0
