#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/fanout.sh — `@all true` over 16 hosts of the test bed
# (tests/integration/hosts-common.sh) side by side with pdsh -R ssh and
# parallel-ssh: the same hosts, the same command, the same ssh_config (key,
# known_hosts), at most 32 at once.  Rounds are interleaved and the order
# within a round rotates, so load from elsewhere falls on every row alike;
# medians and their ratios are printed (< 1.0: cshell is faster), with
# the load average before and after.
#
# Each round, after every master connection is closed:
#   cold:  cshell (its first ssh to a host becomes the master and runs the
#          command); pdsh with ControlMaster/ControlPersist options (which
#          brings its masters up); plain pdsh; pdsh asking for the key
#          exchange cshell asks for (the same handshake, to show what the
#          rest costs); parallel-ssh;
#   warm:  cshell and pdsh again, each over the masters it left.
# Then the widest fan-out that succeeds on every connection, doubling from
# 16 to MAXWIDTH cold connections (several inventory entries per test host).
# Usage: tests/bench/fanout.sh [ROUNDS [MAXWIDTH]] (default 5, 512).

. "$(dirname "$0")/../integration/hosts-common.sh"
trap hb_cleanup EXIT
rounds=${1:-5}
N=16
MAXW=${2:-512}

for t in pdsh parallel-ssh; do
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
pcm=$hb_work/pdsh-cm
mkdir -p "$pcm"
kex=^curve25519-sha256,curve25519-sha256@libssh.org
load0=$(cut -d' ' -f1-3 /proc/loadavg)

now() { date +%s%N; }
# records the ms of one run of a command under its row; FAIL when it does
# not succeed
declare -A times
run() {
	local row=$1 t0 t1
	shift
	t0=$(now)
	if ! "$@" </dev/null >"$hb_work/out" 2>&1; then
		echo "FAIL: bench-fanout: $row failed: $(head -c 300 "$hb_work/out")" >&2
	fi
	t1=$(now)
	times[$row]+=" $(((t1 - t0) / 1000000))"
}
close_masters() {
	local s
	for s in "$CSHELL_RUNTIME_DIR"/ssh/*.sock "$pcm"/*; do
		[ -S "$s" ] && ssh -F "$cfg" -o ControlPath="$s" -O exit x >/dev/null 2>&1
	done
	# a master answers "exit" before it is gone
	for _ in $(seq 50); do
		pgrep -f "ssh.*(-oControlPath=$CSHELL_RUNTIME_DIR|$pcm)" >/dev/null || break
		sleep 0.1
	done
}
pdsh_args="-F $cfg -oBatchMode=yes"
pdsh_cm() {
	PDSH_SSH_ARGS="$pdsh_args -oControlMaster=auto -oControlPath=$pcm/%h -oControlPersist=300 -l%u %h" \
		pdsh -R ssh -f 32 -l root -w "$list" true
}
pdsh_plain() { PDSH_SSH_ARGS="$pdsh_args -l%u %h" pdsh -R ssh -f 32 -l root -w "$list" true; }
pdsh_kex() { PDSH_SSH_ARGS="$pdsh_args -oKexAlgorithms=$kex -l%u %h" pdsh -R ssh -f 32 -l root -w "$list" true; }
pssh_run() { parallel-ssh -p 32 -l root -x "-F $cfg -oBatchMode=yes" -H "${list//,/ }" true; }
csh_run() { "$C" -c '@all true'; }

# runs the named rows in an order rotated by the round number
rotated() {
	local r=$1 i n
	shift
	local rows=("$@")
	n=${#rows[@]}
	for i in $(seq 0 $((n - 1))); do
		"${rows[$(((i + r) % n))]}"
	done
}
cold_csh() { run csh_cold csh_run; }
cold_pdsh_cm() { run pdsh_cold pdsh_cm; }
cold_pdsh() { run pdsh_plain pdsh_plain; }
cold_pdsh_kex() { run pdsh_kex pdsh_kex; }
cold_pssh() { run pssh pssh_run; }
warm_csh() { run csh_warm csh_run; }
warm_pdsh() { run pdsh_warm pdsh_cm; }

for r in $(seq 1 "$rounds"); do
	close_masters
	rotated "$r" cold_csh cold_pdsh_cm cold_pdsh cold_pdsh_kex cold_pssh
	rotated "$r" warm_csh warm_pdsh
done
close_masters

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
declare -A med
for row in "${!times[@]}"; do med[$row]=$(echo "${times[$row]}" | median); done
ratio() { awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN{printf "%.2f", a/b}'; }
row() { printf '%-46s %7s   %s\n' "$1" "${med[$2]}" "${times[$2]}"; }

printf '@all true over %d hosts, %d rounds; load %s -> %s\n' $N "$rounds" "$load0" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-46s %7s   %s\n' "" "median" "ms of each round"
row "cshell, cold (new connections)" csh_cold
row "cshell, warm (its masters up)" csh_warm
row "pdsh -R ssh + ControlMaster, cold" pdsh_cold
row "pdsh -R ssh + ControlMaster, warm" pdsh_warm
row "pdsh -R ssh, plain" pdsh_plain
row "pdsh -R ssh, cshell's key exchange" pdsh_kex
row "parallel-ssh" pssh
printf 'ratios: cold/pdsh-cold %s (target <= 0.9)  warm/pdsh-warm %s (target <= 0.7)\n' \
	"$(ratio csh_cold pdsh_cold)" "$(ratio csh_warm pdsh_warm)"
printf '        cold/pdsh-plain %s  cold/pdsh-same-kex %s  cold/parallel-ssh %s\n' \
	"$(ratio csh_cold pdsh_plain)" "$(ratio csh_cold pdsh_kex)" "$(ratio csh_cold pssh)"

# The widest fan-out: W inventory entries over the N hosts (own state
# dirs, so @all above is untouched), cold, `fanout -f W`.
export CSHELL_CONFIG_DIR=$hb_work/wide
mkdir -p "$CSHELL_CONFIG_DIR"
best=0 w=$N
while [ $w -le $MAXW ]; do
	for i in $(seq $((best + 1)) $w); do
		echo "w$i root@$(hb_ip $(((i - 1) % N + 1)))"
	done >>"$CSHELL_CONFIG_DIR/hosts"
	best_try=$w
	t0=$(now)
	"$C" -c "fanout -f $w --summary all -- true" </dev/null >"$hb_work/wide.out" 2>&1
	st=$?
	t1=$(now)
	close_masters
	bad=$(grep -cE ' (unreachable|failed|timeout) ' "$hb_work/wide.out")
	if [ $st != 0 ] || [ "$bad" != 0 ]; then
		printf 'width %d: %d of %d connections failed (status %d), e.g. %s\n' $w "$bad" $w $st \
			"$(grep -m1 -E ' (unreachable|failed|timeout) ' "$hb_work/wide.out" | tr -s ' ')"
		break
	fi
	printf 'width %d: every connection succeeded in %d ms\n' $w $(((t1 - t0) / 1000000))
	best=$best_try
	w=$((w * 2))
done
printf 'widest fan-out without a failed connection: %d (tried up to %d)\n' $best $MAXW
exit 0
