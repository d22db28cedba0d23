#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/monitor-hosts.sh — `monitor @HOST…` (docs/monitor.md)
# on the hosts test bed (hosts-common.sh): the namespace hosts share this
# filesystem, so their cshell is this build's, put on their PATH by sshd
# (SetEnv), each host with state directories of its own.  A sandbox named
# sb on hosts 1 and 2 runs an exec and an open each; `monitor @h1 @h2
# --json` shows them with the right host and sandbox, never one host's
# under the other; host 3 has no BTF (hidden in its sshd's mount
# namespace), so its monitor's sentence saying what is needed appears;
# host 4's sshd is dead: reported unreachable, with ssh's reason, while
# the others stream.  Neither the end of --duration nor ^C leaves a
# monitor process on a host (looked for inside its namespace).  The
# terminal view has a host column.

. "$(dirname "$0")/hosts-common.sh"

C=$hb_bin/cshell
mon_pids=()
# the monitors, then (hb_cleanup) the hosts' sandboxes and the bed
mh_cleanup() {
	local p
	for p in "${mon_pids[@]}"; do kill -KILL -- -"$p" 2>/dev/null; done
	hb_cleanup
}
trap mh_cleanup EXIT

command -v jq >/dev/null || { skip monitor-hosts "jq is not installed"; exit 0; }
for b in cshell cshell-init cshell-fs cshell-monitor; do
	[ -x "$hb_bin/$b" ] || { skip monitor-hosts "$hb_bin/$b is not built"; exit 0; }
done
if ! hb_setup 4; then
	skip monitor-hosts "$HB_SKIP"
	exit 0
fi
rsh() {
	local i=$1
	shift
	ssh -F "$CSHELL_SSH_CONFIG" -oBatchMode=yes "root@$(hb_ip "$i")" "$@" </dev/null
}
# monitor processes in host I's namespace
remote_monitors() { hb_procs "$1" | grep 'monitor --json'; }

for i in 1 2 3; do
	if ! out=$(rsh $i "cshell -c 'sandbox create sb --net none'" 2>&1); then
		fail monitor-hosts-create "host $i: $out"
		exit 0
	fi
done
# host 3: no BTF there
nsenter -t "$(hb_sshd_pid 3)" -m mount -t tmpfs none /sys/kernel/btf
hb_kill_sshd 4

w=$hb_work/mon
setsid "$C" -c 'monitor @h1 @h2 @h3 @h4 --json --events exec,open --duration 8' \
	</dev/null >"$w.json" 2>"$w.err" &
mon_pids+=($!)
for _ in $(seq 100); do
	[ "$(grep -c '"type":"start"' "$w.json" 2>/dev/null)" = 2 ] && break
	sleep 0.1
done
if [ "$(grep -c '"type":"start"' "$w.json")" != 2 ]; then
	fail monitor-hosts-start "$(head -c 600 "$w.json" "$w.err")"
	exit 0
fi
for i in 1 2; do
	rsh $i "cshell -c '@sb /bin/echo mark-h$i; @sb /bin/cat /nonexistent-mark-h$i'" >/dev/null 2>&1
done
running=$(remote_monitors 1)
wait "${mon_pids[0]}"
st=$?
# this machine cannot load the monitor at all: host 1 says what it needs
reason1=$(jq -r 'select(.host == "h1" and .type == "host_error") | .reason' "$w.json")
if [[ $reason1 == *"needs"* ]]; then
	skip monitor-hosts "host 1: $reason1"
	exit 0
fi

# every line is JSON, the host first
bad=$(jq -rc 'select((keys_unsorted[0] != "host") or (.host | type != "string"))' "$w.json" 2>&1)
check monitor-hosts-json-host test -s "$w.json" -a -z "$bad"

for i in 1 2; do
	n=$(jq -c --arg h "h$i" --arg m "mark-h$i" \
		'select(.host == $h and .type == "exec" and .sandbox == "sb" and .filename == "/bin/echo" and .ns_pid > 0 and (.argv | index($m)))' "$w.json" | wc -l)
	check monitor-hosts-exec-h$i test "$n" = 1
	n=$(jq -c --arg h "h$i" --arg p "/nonexistent-mark-h$i" \
		'select(.host == $h and .type == "open" and .sandbox == "sb" and .path == $p and .error == "ENOENT")' "$w.json" | wc -l)
	check monitor-hosts-open-h$i test "$n" = 1
done
# one host's events never under another's name
cross=$(jq -c 'select((.host == "h1" and (tostring | test("mark-h2"))) or (.host == "h2" and (tostring | test("mark-h1"))))' "$w.json")
check monitor-hosts-apart test -z "$cross"
n=$(jq -c 'select(.type == "summary" and .reason == "duration" and (.host == "h1" or .host == "h2"))' "$w.json" | wc -l)
check monitor-hosts-summary test "$n" = 2

# host 3: the sentence of what is needed, and its failure in the stream
reason3=$(jq -r 'select(.host == "h3" and .type == "host_error") | .reason' "$w.json")
if grep -q '^h3: .*needs a kernel with BTF' "$w.err" && [[ $reason3 == *"needs a kernel with BTF"* ]]; then
	pass monitor-hosts-needs
else
	fail monitor-hosts-needs "stderr: $(head -c 300 "$w.err"); reason: $reason3"
fi
# host 4: unreachable, ssh's reason
r4=$(jq -r 'select(.host == "h4" and .type == "host_error") | "\(.result) \(.reason)"' "$w.json")
case $r4 in "unreachable "*refused*) pass monitor-hosts-unreachable ;;
*) fail monitor-hosts-unreachable "'$r4'" ;; esac
check monitor-hosts-status test "$st" = 1

# the duration ended: the monitors were there, and are gone
for _ in $(seq 50); do
	left=$(remote_monitors 1; remote_monitors 2)
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -z "$running" ]; then
	fail monitor-hosts-duration-leaves-nothing "no monitor seen on host 1 while it ran"
else
	check monitor-hosts-duration-leaves-nothing test -z "$left"
fi

# ^C (to the process group, as a terminal sends it): nothing stays
setsid "$C" -c 'monitor @h1 --json' </dev/null >"$w.int" 2>&1 &
mon_pids+=($!)
p=$!
for _ in $(seq 100); do
	grep -q '"type":"start"' "$w.int" 2>/dev/null && break
	sleep 0.1
done
running=$(remote_monitors 1)
kill -INT -- -"$p"
for _ in $(seq 100); do
	kill -0 "$p" 2>/dev/null || break
	sleep 0.1
done
ended=$(kill -0 "$p" 2>/dev/null || echo yes)
for _ in $(seq 50); do
	left=$(remote_monitors 1)
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -z "$running" ] || [ "$ended" != yes ]; then
	fail monitor-hosts-interrupt "monitor seen on host 1: '$running', ended: '$ended'"
else
	check monitor-hosts-interrupt test -z "$left"
fi

# resource figures stay a local command: said, with where to run it
out=$("$C" -c 'sandbox stats @h1' 2>&1)
rc=$?
case "$rc $out" in "1 "*"'h1' is an SSH host: run '@h1 sandbox stats' there"*) pass monitor-hosts-stats-refused ;;
*) fail monitor-hosts-stats-refused "$rc $out" ;; esac

# the terminal view: a host column
setsid "$C" -c 'monitor @h1 --events exec --duration 4' </dev/null >"$w.txt" 2>&1 &
mon_pids+=($!)
for _ in $(seq 100); do
	grep -q 'watching' "$w.txt" 2>/dev/null && break
	sleep 0.1
done
# (an escape sequence in an argument shows as \x1b, it does not drive
# the terminal; the sandbox sees this file through its host-root layer)
printf '%s\n' "e=\$(printf '\\033'); exec /bin/echo \"mark-esc\${e}[31m\"" >"$hb_work/esc.sh"
rsh 1 "cshell -c '@sb /bin/echo mark-text; @sb /bin/sh $hb_work/esc.sh'" >/dev/null 2>&1
wait "${mon_pids[2]}"
if grep -q '^h1 \[sb\] exec .*/bin/echo mark-text' "$w.txt"; then
	pass monitor-hosts-text
else
	fail monitor-hosts-text "$(head -c 400 "$w.txt")"
fi
if grep -qF '/bin/echo mark-esc\x1b[31m' "$w.txt" && ! grep -q "$(printf '\033')" "$w.txt"; then
	pass monitor-hosts-text-escaped
else
	fail monitor-hosts-text-escaped "$(grep mark-esc "$w.txt" | od -c | head -5)"
fi
# a host's line that names a host itself does not pass for another's:
# one "host" key, ours (a stand-in cshell on host 1 answers)
printf '#!/bin/sh\necho %s\n' "'{\"host\":\"h2\",\"type\":\"start\",\"cgroups\":7}'" \
	>"$(hb_state 1)/bin/cshell"
chmod +x "$(hb_state 1)/bin/cshell"
out=$("$C" -c 'monitor @h1 --json' 2>&1)
rm -f "$(hb_state 1)/bin/cshell"
if [ "$(printf '%s\n' "$out" | grep -o '"host"' | wc -l)" = 1 ] &&
	[ "$(printf '%s\n' "$out" | jq -r '.host + " " + (.cgroups|tostring)')" = "h1 7" ]; then
	pass monitor-hosts-json-host-spoof
else
	fail monitor-hosts-json-host-spoof "$out"
fi
exit 0
