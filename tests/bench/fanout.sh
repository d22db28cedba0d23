#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/fanout.sh — `@all true` over 16 hosts of the test bed
# (tests/integration/hosts-common.sh) side by side with pdsh -R ssh and
# parallel-ssh, interleaved round by round, one run, ratios printed (< 1.0
# means cshell is faster):
#   cold: no master connection (every host a new ssh handshake), which is
#         what pdsh and parallel-ssh always do;
#   warm: the ControlMaster connections of the previous round are up, the
#         state cshell is in after the first command to a host.
# All three read the same ssh_config (key, known_hosts) and run at most 32
# at once.  Usage: tests/bench/fanout.sh [ROUNDS] (default 5).

. "$(dirname "$0")/../integration/hosts-common.sh"
trap hb_cleanup EXIT
rounds=${1:-5}
N=16

for t in pdsh parallel-ssh bc; do
	command -v $t >/dev/null || { echo "SKIP: bench-fanout: $t is not installed"; exit 0; }
done
if ! hb_setup $N; then
	echo "SKIP: bench-fanout: $HB_SKIP"
	exit 0
fi
C=$hb_bin/cshell
[ -x "$C" ] || { echo "SKIP: bench-fanout: $C is not built"; exit 0; }

cfg=$CSHELL_SSH_CONFIG
list=$(for i in $(seq 1 $N); do printf '%s,' "$(hb_ip "$i")"; done)
list=${list%,}
now() { date +%s%N; }
# ms of one run of a command; FAIL when it does not succeed
ms() {
	local t0 t1
	t0=$(now)
	if ! "$@" </dev/null >"$hb_work/out" 2>&1; then
		echo "FAIL: bench-fanout: $1 failed: $(head -c 300 "$hb_work/out")" >&2
	fi
	t1=$(now)
	echo $(((t1 - t0) / 1000))
}
close_masters() {
	local s
	for s in "$CSHELL_RUNTIME_DIR"/ssh/*.sock; do
		[ -S "$s" ] && ssh -F "$cfg" -o ControlPath="$s" -O exit x >/dev/null 2>&1
	done
}
export PDSH_SSH_ARGS="-F $cfg -oBatchMode=yes -l%u %h"
pdsh_run() { pdsh -R ssh -f 32 -l root -w "$list" true; }
pssh_run() { parallel-ssh -p 32 -l root -x "-F $cfg -oBatchMode=yes" -H "${list//,/ }" true; }
csh_run() { "$C" -c '@all true'; }

cold=0 warm=0 pd=0 ps=0
for r in $(seq 1 "$rounds"); do
	close_masters
	cold=$((cold + $(ms csh_run)))
	pd=$((pd + $(ms pdsh_run)))
	warm=$((warm + $(ms csh_run)))
	ps=$((ps + $(ms pssh_run)))
done
avg() { echo "scale=1; $1 / $rounds / 1000" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
printf '%-40s %9s\n' "@all true over $N hosts ($rounds rounds)" "ms/run"
printf '%-40s %9s\n' "cshell, cold (new connections)" "$(avg $cold)"
printf '%-40s %9s\n' "cshell, warm (ControlMaster up)" "$(avg $warm)"
printf '%-40s %9s\n' "pdsh -R ssh" "$(avg $pd)"
printf '%-40s %9s\n' "parallel-ssh" "$(avg $ps)"
printf 'ratios: cold/pdsh %s  cold/pssh %s  warm/pdsh %s  warm/pssh %s\n' \
	"$(ratio $cold $pd)" "$(ratio $cold $ps)" "$(ratio $warm $pd)" "$(ratio $warm $ps)"
exit 0
