#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/monitor-events.sh — cshell-monitor (monitor/) against
# real sandboxes (docs/monitor.md): exec, open, connect and exit done in a
# sandbox with `@NAME cmd` show up with that sandbox's name, cgroup and
# in-sandbox pid; host processes do not; a process in a child cgroup of a
# monitored one does; two sandboxes are told apart; every line follows the
# documented JSON schema (jq); no event is lost at a moderate rate; and a
# sandbox removed while monitored ends its stream, the last one the run.

. "$(dirname "$0")/sandbox-common.sh"

mon_pid=
mon_cleanup() {
	[ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
	[ -n "${sub_cg:-}" ] && rmdir "$sub_cg" 2>/dev/null
	sbx_cleanup
}
trap mon_cleanup EXIT

if ! sbx_setup; then
	skip monitor-events "$SBX_SKIP"
	exit 0
fi
mon=$sbx_bin/cshell-monitor
if ! [ -x "$mon" ]; then
	fail monitor-build "$mon is not built"
	exit 0
fi
if ! command -v jq >/dev/null; then
	skip monitor-events "jq is not installed"
	exit 0
fi
# the monitor's own sentence when this machine cannot load it
if ! out=$("$mon" --duration 0.1 /sys/fs/cgroup 2>&1) &&
	[[ $out == *"needs"* ]]; then
	skip monitor-events "$out"
	exit 0
fi

for s in mona monb; do
	if ! out=$(sbx create $s 2>&1); then
		fail monitor-create "$out"
		exit 0
	fi
done
cg_a=$(sed -n 's/^cgroup_v2=//p' "$work/rt/sandboxes/mona/state")
if [ -z "$cg_a" ] || ! [ -d "$cg_a" ]; then
	skip monitor-events "sandbox mona has no cgroup v2 directory"
	exit 0
fi

# start-up: wait for the "start" line, so nothing below happens before
# the programs are attached
out_json=$work/mon.json
"$mon" --json --duration 60 @mona @monb >"$out_json" 2>"$work/mon.err" &
mon_pid=$!
for _ in $(seq 50); do
	grep -q '"type":"start"' "$out_json" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q '"type":"start"' "$out_json"; then
	fail monitor-start "no start line: $(head -3 "$work/mon.err")"
	exit 0
fi

csh=$sbx_bin/cshell
# in mona: its own pid as it sees it, then exec (same pid), open, connect
nspid_a=$("$csh" -c '@mona bash -c "echo \$\$; exec /bin/bash -c \": mark-a-exec; cat /etc/hostname >/dev/null; exec 3<>/dev/tcp/127.0.0.1/1\""' 2>/dev/null | head -1)
"$csh" -c '@monb /bin/echo mark-b-exec' >/dev/null 2>&1
# on the host: must not appear
/bin/echo mark-host-exec >/dev/null
bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null
# a process in a child cgroup of mona's (made from the host: the sandbox
# cannot write its cgroup tree)
sub_cg=$cg_a/montest-sub
if mkdir "$sub_cg" 2>/dev/null; then
	bash -c "echo \$\$ >'$sub_cg/cgroup.procs' && exec /bin/echo mark-sub-exec" >/dev/null 2>&1
	sub_id=$(stat -c %i "$sub_cg")
else
	sub_cg=
fi
# a moderate rate: 1000 execs of /bin/true (with their opens and exits)
"$csh" -c '@mona bash -c "for i in \$(seq 1000); do /bin/true mark-rate; done"' >/dev/null 2>&1
[ -n "$sub_cg" ] && rmdir "$sub_cg" 2>/dev/null && sub_cg=

# figures of a running sandbox: v2 files, or the v1 controllers of its
# record on a hybrid host (pids: always limited, so always there)
stats=$("$mon" --stats --json @mona @monb 2>&1)
if [ "$(jq -r 'select(.stats.pids_current>0 and .stats.cpu_usage_usec>0) | .sandbox' <<<"$stats" 2>/dev/null | tr '\n' ' ')" = "mona monb " ]; then
	pass monitor-stats-sandbox
else
	fail monitor-stats-sandbox "${stats:0:300}"
fi

# removal while monitored: both go, the monitor ends by itself
sbx rm -f mona >/dev/null 2>&1
sbx rm -f monb >/dev/null 2>&1
for _ in $(seq 50); do
	kill -0 "$mon_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$mon_pid" 2>/dev/null; then
	fail monitor-removed-ends "still running 5s after both sandboxes were removed"
	kill "$mon_pid"
fi
wait "$mon_pid"
mon_rc=$?
mon_pid=

ev() { jq -c "select($1)" "$out_json" 2>/dev/null; }

# exec in mona: the right sandbox, cgroup and in-sandbox pid
has() { echo "(.argv//[]|join(\" \")|contains(\"$1\"))"; }
# the outer bash's argv holds the mark too: the inner one is a plain exec
line=$(ev '.type=="exec" and .argv[0]=="/bin/bash" and (.argv[2]//""|startswith(": mark-a-exec"))' | head -1)
if [ -z "$line" ]; then
	fail monitor-exec-sandbox "no exec event of mark-a-exec"
else
	got=$(jq -r '[.sandbox, .cgroup, .ns_pid, .pid, .filename] | @tsv' <<<"$line")
	IFS=$'\t' read -r sbox cg nspid hpid fname <<<"$got"
	if [ "$sbox" != mona ] || [ "$cg" != "$cg_a" ]; then
		fail monitor-exec-sandbox "sandbox '$sbox' cgroup '$cg', wanted mona $cg_a"
	elif [ "$nspid" != "$nspid_a" ] || [ "$nspid" = "$hpid" ]; then
		fail monitor-exec-sandbox "ns_pid $nspid (host pid $hpid), the sandbox saw $nspid_a"
	elif [ "$fname" != /bin/bash ]; then
		fail monitor-exec-sandbox "filename '$fname'"
	else
		pass monitor-exec-sandbox
	fi
fi
pid_a=$(jq -r .pid <<<"$line" 2>/dev/null)

# by cat, a child of that bash
if ev '.type=="open" and .sandbox=="mona" and .path=="/etc/hostname" and .result>=0 and .ns_pid>1' |
	grep -q "\"ppid\":$pid_a,"; then
	pass monitor-open-sandbox
else
	fail monitor-open-sandbox "no open of /etc/hostname by a child of pid $pid_a"
fi
if ev '.type=="connect" and .sandbox=="mona" and .addr=="127.0.0.1" and .port==1 and .error=="ECONNREFUSED"' |
	grep -q "\"pid\":$pid_a,"; then
	pass monitor-connect-sandbox
else
	fail monitor-connect-sandbox "no refused connect to 127.0.0.1:1 by pid $pid_a"
fi
if ev '.type=="exit" and .sandbox=="mona"' | grep -q "\"pid\":$pid_a,"; then
	pass monitor-exit-sandbox
else
	fail monitor-exit-sandbox "no exit of pid $pid_a"
fi

# two sandboxes told apart
line=$(ev ".type==\"exec\" and $(has mark-b-exec)" | head -1)
if [ "$(jq -r .sandbox <<<"$line" 2>/dev/null)" = monb ] &&
	! ev ".sandbox==\"mona\" and $(has mark-b-exec)" | grep -q .; then
	pass monitor-two-sandboxes
else
	fail monitor-two-sandboxes "mark-b-exec: '${line:0:200}'"
fi

# the host is not watched
if grep -q 'mark-host-exec' "$out_json" ||
	ev '.type=="connect" and .sandbox==null' | grep -q .; then
	fail monitor-host-absent "a host process was reported"
else
	pass monitor-host-absent
fi

# child cgroups are part of the monitored subtree
if [ -z "${sub_id:-}" ]; then
	skip monitor-child-cgroup "cannot make a child cgroup under $cg_a"
else
	line=$(ev ".type==\"exec\" and $(has mark-sub-exec)" | head -1)
	if [ "$(jq -r '"\(.sandbox) \(.task_cgroup_id)"' <<<"$line" 2>/dev/null)" = "mona $sub_id" ]; then
		pass monitor-child-cgroup
	else
		fail monitor-child-cgroup "wanted sandbox mona, task cgroup $sub_id: '${line:0:200}'"
	fi
fi

# the schema (docs/monitor.md), line by line
schema='
def common: (.type|type)=="string" and (.ts|type)=="number";
def task: (.sandbox|type)=="string" and (.cgroup|type)=="string"
	and ([.cgroup_id,.task_cgroup_id,.pid,.tid,.ns_pid,.ns_tid,.ppid,.uid,.gid]|all(type=="number"))
	and (.comm|type)=="string";
def res: (.result|type)=="number" and ((.error|type)=="string" or .error==null);
if .type=="start" then common and (.cgroups|type)=="number"
elif .type=="exec" then common and task and (.filename|type)=="string"
	and (.argv|type)=="array" and (.argv|all(type=="string")) and (.argv_truncated|type)=="boolean"
elif .type=="exit" then common and task and (.status|type)=="number"
	and ((.exit_code|type)=="number" or (.signal|type)=="number")
	and (.core_dumped|type)=="boolean" and (.runtime_ns|type)=="number"
elif .type=="open" then common and task and (.path|type)=="string" and (.dfd|type)=="number"
	and (.flags|type)=="number" and (.flags_str|type)=="string" and res
elif .type=="connect" then common and task and (.fd|type)=="number"
	and ((.family|type)=="string" or .family==null) and res
elif .type=="gone" then common and (.sandbox|type)=="string" and (.cgroup_id|type)=="number"
elif .type=="lost" then common and (.count|type)=="number" and (.total|type)=="number"
elif .type=="summary" then common and ([.events,.lost,.bad]|all(type=="number")) and (.reason|type)=="string"
else false end'
bad=$(jq -c "select(($schema)|not)" "$out_json" 2>&1 | head -2)
if ! jq -e . "$out_json" >/dev/null 2>&1; then
	fail monitor-json-schema "not JSON lines: $(head -c 300 "$out_json")"
elif [ -n "$bad" ]; then
	fail monitor-json-schema "${bad:0:300}"
else
	pass monitor-json-schema
fi

# 1000 execs: all there, nothing lost
n=$(ev '.type=="exec" and .sandbox=="mona" and .argv==["/bin/true","mark-rate"]' | wc -l)
lost=$(ev '.type=="summary"' | jq -r .lost)
if [ "$n" = 1000 ] && [ "$lost" = 0 ] && ! grep -q '"type":"lost"' "$out_json"; then
	pass monitor-no-loss
else
	fail monitor-no-loss "$n of 1000 execs, $lost lost"
fi

# removal: a gone line per sandbox, then the summary as the last line
last=$(tail -1 "$out_json")
if [ "$(ev '.type=="gone"' | jq -r .sandbox | sort | tr '\n' ' ')" = "mona monb " ] &&
	[ "$(jq -r '"\(.type) \(.reason)"' <<<"$last")" = "summary gone" ] && [ "$mon_rc" = 0 ]; then
	pass monitor-removed-ends
else
	fail monitor-removed-ends "exit $mon_rc, gone: $(ev '.type=="gone"' | jq -r .sandbox | tr '\n' ' '), last: ${last:0:200}"
fi
exit 0
