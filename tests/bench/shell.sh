#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shell speed, side by side with dash and bash in one run: start-up, a
# while loop with arithmetic, function calls with parameter expansions,
# and command substitutions.  Prints seconds (best of 3) and ratios.
# Targets (issue 2): start-up <= 1.5x dash; each loop <= 1.0x bash.
set -u
BIN=${CSHELL_BIN:-$(dirname "$0")/../../build/bin}
CSHELL=$BIN/cshell
[ -x "$CSHELL" ] || { echo "bench: $CSHELL not built" >&2; exit 1; }
shells=("$CSHELL" dash bash)
names=(cshell dash bash)

now() { date +%s.%N; }
# best of 3 wall-clock seconds for: shell -c script
best() {
	local sh=$1 script=$2 reps=${3:-1} best= t0 t1 d
	for _ in 1 2 3; do
		t0=$(now)
		for ((k = 0; k < reps; k++)); do "$sh" -c "$script" >/dev/null; done
		t1=$(now)
		d=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
	done
	printf '%.4f' "$best"
}

declare -A cases=(
	[startup]='true'
	[while_arith]='i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done'
	[func_expand]='f() { x=$1; y=${x%.*}; z=${#y}; }; i=0; while [ $i -lt 10000 ]; do f file.name.txt; i=$((i + 1)); done'
	[cmdsub]='i=0; while [ $i -lt 2000 ]; do x=$(echo $i); i=$((i + 1)); done'
)
order=(startup while_arith func_expand cmdsub)
declare -A reps=([startup]=200)

printf '%-12s %10s %10s %10s %9s %9s  %s\n' case cshell dash bash '/dash' '/bash' target
for c in "${order[@]}"; do
	declare -A t=()
	for i in 0 1 2; do
		t[${names[$i]}]=$(best "${shells[$i]}" "${cases[$c]}" "${reps[$c]:-1}")
	done
	rd=$(echo "${t[cshell]} / ${t[dash]}" | bc -l)
	rb=$(echo "${t[cshell]} / ${t[bash]}" | bc -l)
	if [ "$c" = startup ]; then target='<= 1.5x dash'; else target='<= 1.0x bash'; fi
	printf '%-12s %10s %10s %10s %8.2fx %8.2fx  %s\n' "$c" "${t[cshell]}" "${t[dash]}" "${t[bash]}" "$rd" "$rb" "$target"
done
