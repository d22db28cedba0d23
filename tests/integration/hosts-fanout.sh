#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/hosts-fanout.sh — the fan-out engine over 8 hosts of
# the test bed (hosts-common.sh): every host answers with its lines
# prefixed, lines are never split, --gather folds identical outputs, a
# timeout leaves no process behind on the host (also one that ignores
# SIGTERM), a host whose sshd is killed or whose link is cut mid-run is
# reported while the others succeed, without a hang, and retries.

. "$(dirname "$0")/hosts-common.sh"
trap hb_cleanup EXIT

if ! hb_setup 8; then
	skip hosts-fanout "$HB_SKIP"
	exit 0
fi
w=$hb_work

# --- every host, prefixed, status 0
out=$("$HOSTS" fanout all -- sh -c 'echo hello from $(ip netns identify)' 2>"$w/err")
rc=$?
want=$(for i in $(seq 1 8); do echo "h$i: hello from $(hb_ns "$i")"; done)
if [ $rc = 0 ] && [ "$(echo "$out" | sort)" = "$(echo "$want" | sort)" ]; then
	pass hosts-fanout-8
else
	fail hosts-fanout-8 "status $rc, output: $(echo "$out" | head -3) $(head -3 "$w/err")"
fi

# --- width 2: all hosts, never more than 2 at once (so 4 rounds at least)
t0=$(date +%s%N)
out=$("$HOSTS" fanout -f 2 'h*' -- sleep 0.4 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ $rc = 0 ] && [ -z "$out" ] && [ $ms -ge 1600 ]; then
	pass hosts-fanout-width
else
	fail hosts-fanout-width "status $rc after ${ms}ms (want >= 1600): $out"
fi

# --- the set of hosts: a list, a glob, a label, an alias destination
"$HOSTS" add a1 alias-h1 role=alias >/dev/null
out=$("$HOSTS" fanout 'h1,h2,parity=0,role=alias' -- ip netns identify 2>&1 | sort | tr '\n' ' ')
want="a1: $(hb_ns 1) h1: $(hb_ns 1) h2: $(hb_ns 2) h4: $(hb_ns 4) h6: $(hb_ns 6) h8: $(hb_ns 8) "
check hosts-fanout-spec test "$out" = "$want"
"$HOSTS" rm a1

# --- long lines from 8 hosts at once come out whole
"$HOSTS" fanout all -c 'x=$(printf %5000s "" | tr " " x); i=0; while [ $i -lt 200 ]; do echo "$x"; i=$((i+1)); done' >"$w/long" 2>&1
total=$(wc -l <"$w/long")
good=$(awk 'length($0) == 5004 && /^h[1-8]: x+$/' "$w/long" | wc -l)
if [ "$total" = 1600 ] && [ "$good" = 1600 ]; then
	pass hosts-fanout-whole-lines
else
	fail hosts-fanout-whole-lines "$good of $total lines whole (want 1600)"
fi

# --- gather: identical outputs folded, the odd one apart
echo different >"$w/msg.$(hb_ns 3)"
"$HOSTS" fanout --gather all -c "cat $w/msg.\$(ip netns identify) 2>/dev/null || echo same" >"$w/g" 2>&1
want=$(printf -- '----------------\nh[1-2,4-8]\n----------------\nsame\n----------------\nh3\n----------------\ndifferent')
if [ "$(cat "$w/g")" = "$want" ]; then
	pass hosts-fanout-gather
else
	fail hosts-fanout-gather "got: $(tr '\n' '|' <"$w/g")"
fi

# --- exit statuses: the worst one, per host in --status-json
"$HOSTS" fanout --status-json "$w/st.json" all -c 'exit $(ip netns identify | sed "s/.*-//")' >/dev/null 2>&1
rc=$?
sts=$(python3 -c 'import json,sys; print(" ".join(str(h["status"]) for h in json.load(open(sys.argv[1]))))' "$w/st.json" 2>&1)
if [ $rc = 8 ] && [ "$sts" = "1 2 3 4 5 6 7 8" ]; then
	pass hosts-fanout-status
else
	fail hosts-fanout-status "status $rc, per host: $sts"
fi

# --- a timeout kills the remote command, also one that ignores SIGTERM
t0=$(date +%s%N)
"$HOSTS" fanout -t 2 'h1,h2' -c 'sleep 7771 & trap "" TERM; sleep 7772; wait' >"$w/t" 2>&1
rc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ $rc = 124 ] && grep -q 'timed out after 2s' "$w/t" && [ $ms -lt 6000 ]; then
	pass hosts-fanout-timeout-status
else
	fail hosts-fanout-timeout-status "status $rc after ${ms}ms: $(tr '\n' '|' <"$w/t")"
fi
left=
for _ in $(seq 50); do
	left=$(hb_procs 1; hb_procs 2)
	[ -z "$left" ] && break
	sleep 0.1
done
# what is left, seen from inside the host's namespace
inside=$(ip netns exec "$(hb_ns 1)" pgrep --ns "$(hb_sshd_pid 1)" --nslist net -f 'sleep 777')
if [ -z "$left" ] && [ -z "$inside" ]; then
	pass hosts-fanout-timeout-no-remote-process
else
	fail hosts-fanout-timeout-no-remote-process "left: $left $inside"
fi

# --- mid-run: sshd of h3 killed, link of h5 cut; the others succeed
"$HOSTS" fanout -t 4 --status-json "$w/mid.json" all -c 'sleep 1; echo done' >"$w/mid" 2>&1 &
fp=$!
sleep 0.5
hb_kill_sshd 3
hb_cut 5
t0=$(date +%s%N)
wait $fp
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
res=$(python3 -c 'import json,sys; print(" ".join(h["host"]+"="+h["result"] for h in json.load(open(sys.argv[1]))))' "$w/mid.json" 2>&1)
want="h1=ok h2=ok h3=unreachable h4=ok h5=timeout h6=ok h7=ok h8=ok"
if [ "$res" = "$want" ] && [ $rc = 255 ] && [ $ms -lt 8000 ]; then
	pass hosts-fanout-host-lost-midrun
else
	fail hosts-fanout-host-lost-midrun "status $rc after ${ms}ms: $res"
fi
if grep -q '^HOST ' "$w/mid" && grep -q '^h3 .*unreachable' "$w/mid"; then
	pass hosts-fanout-summary-table
else
	fail hosts-fanout-summary-table "$(tr '\n' '|' <"$w/mid")"
fi
if [ "$(grep -c ': done$' "$w/mid")" = 6 ]; then
	pass hosts-fanout-others-output
else
	fail hosts-fanout-others-output "$(grep -c ': done$' "$w/mid") hosts printed done (want 6)"
fi

# --- a host that refuses: reported fast, retried, the rest fine
t0=$(date +%s%N)
"$HOSTS" fanout -r 2 --status-json "$w/r.json" 'h1,h3,h4' -- true >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
att=$(python3 -c 'import json,sys; print(" ".join("%s:%s:%d" % (h["host"], h["result"], h["attempts"]) for h in json.load(open(sys.argv[1]))))' "$w/r.json" 2>&1)
if [ $rc = 255 ] && [ "$att" = "h1:ok:1 h3:unreachable:3 h4:ok:1" ] && [ $ms -lt 5000 ]; then
	pass hosts-fanout-retries
else
	fail hosts-fanout-retries "status $rc after ${ms}ms: $att"
fi

# --- a stale control socket (its master killed) is cleaned and replaced
sock=$CSHELL_RUNTIME_DIR/ssh/h1.sock
mpid=$(ssh -F "$CSHELL_SSH_CONFIG" -o ControlPath="$sock" -O check x 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
if [ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null; then
	sleep 0.2
	[ -S "$sock" ] || cp /dev/null "$sock" 2>/dev/null
	out=$("$HOSTS" clean)
	out2=$("$HOSTS" fanout h1 -- echo back 2>&1)
	if [ "$out" = "1 stale control sockets removed" ] && [ "$out2" = back ]; then
		pass hosts-fanout-stale-socket
	else
		fail hosts-fanout-stale-socket "clean: '$out', then: '$out2'"
	fi
else
	fail hosts-fanout-stale-socket "no master for h1 ($sock)"
fi
exit 0
