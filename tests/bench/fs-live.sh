#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/bench/fs-live.sh — what live lower layers cost (issue 19, item 6:
# the host root served live): cshell-fs with live=1 against live=0 over
# the same lower, a cold and a warm find+stat through the mount, and a
# busy host writer in the lower's filesystem, in a directory the mount
# never saw and in one it listed.  tests/bench/fs.sh times the rest of the
# filesystem (quiet and loaded, against the kernel and fuse-overlayfs).
# Sizes: BENCH_TREE (dirs to tar, default /usr/include /usr/share/perl),
# BENCH_FIND_FILES (50000 small files, in directories of 100),
# BENCH_LIVE_FILES (20000 files the writer makes), BENCH_LIVE_RUNS (3).
# Needs root (fanotify, drop_caches).
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

TREE=${BENCH_TREE:-"/usr/include /usr/share/perl"}
NFIND=${BENCH_FIND_FILES:-50000}
NLIVE=${BENCH_LIVE_FILES:-20000}

if ! can_fuse || [ "$(id -u)" != 0 ]; then
	echo "SKIP: fs-live bench: needs root and FUSE"; exit 0
fi
L=$T/lower; mkdir -p "$L"
tar -cf - $TREE 2>/dev/null | tar -xf - -C "$L"
python3 -c "
import os
for i in range($NFIND):
    d = '$L/many/%d' % (i // 100)
    if i % 100 == 0: os.makedirs(d)
    with open('%s/%d' % (d, i), 'w') as f: f.write('x')"
echo "lower: $(find "$L/usr" "$L/many" | wc -l) names under usr/ and many/"

secs() { # COMMAND…: wall seconds, or "fail" when the command failed
	local s e rc
	s=$(date +%s.%N); "$@" >/dev/null 2>"$T/row.err"; rc=$?; e=$(date +%s.%N)
	if [ $rc != 0 ]; then
		echo "row command failed ($rc): $* — $(head -c 300 "$T/row.err")" >&2
		echo fail
		return
	fi
	echo "$e - $s" | bc
}
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
declare -A R

# (f) live lower layers, live=0 against live=1 (the fanotify watch, when
# root): a cold and a warm find+stat through the mount (seconds), and a
# host writer that creates, writes 4 KiB to, renames and deletes NLIVE
# files in the lower, in a directory the mount never looked at ("unseen":
# each event is dropped at a hash lookup) and in one it listed ("seen":
# each event also invalidates the kernel's caches).  The writer's rows are
# its CPU seconds (user+sys: fanotify's work is done in its system calls;
# wall time swings by 2x on this machine) and the daemon's CPU seconds
# over both writers.
mkdir -p "$L/hostw-unseen" "$L/hostw-seen"
writer() { # DIR: the writer's CPU seconds
	python3 -c "
import os, resource
d = '$1'
for i in range($NLIVE):
    p = '%s/%d' % (d, i)
    with open(p, 'w') as f: f.write('x' * 4096)
    os.rename(p, p + '.r'); os.unlink(p + '.r')
r = resource.getrusage(resource.RUSAGE_SELF)
print(r.ru_utime + r.ru_stime)"
}
daemon_cpu() { # MNT: the CPU seconds of the daemon serving MNT
	local p
	for p in $(pgrep -x cshell-fs); do
		grep -qF -- "$1" "/proc/$p/cmdline" 2>/dev/null || continue
		awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$p/stat"
		return
	done
	echo 0
}
# the marks are per filesystem: one mount at a time; the best of
# BENCH_LIVE_RUNS (3) rounds, alternating
min() { echo "if ($1 < $2 || $2 == 0) $1 else $2" | bc -l; }
rows="find_cold find_warm writer_unseen writer_seen daemon_cpu"
for row in $rows; do
	R[live0.$row]=0 R[live1.$row]=0
done
for run in $(seq 1 "${BENCH_LIVE_RUNS:-3}"); do
	for mode in 0 1; do
		m=$T/mlive$mode.$run
		mkdir -p "$T/ulive$mode.$run" "$T/wlive$mode.$run"
		fs_mount "$m" "$L" "$T/ulive$mode.$run" "$T/wlive$mode.$run" "live=$mode"
		drop
		v=$(secs bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null")
		R[live$mode.find_cold]=$(min "$v" "${R[live$mode.find_cold]}")
		v=$(secs bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null")
		R[live$mode.find_warm]=$(min "$v" "${R[live$mode.find_warm]}")
		ls "$m/hostw-seen" >/dev/null
		c0=$(daemon_cpu "$m")
		sync
		R[live$mode.writer_unseen]=$(min "$(writer "$L/hostw-unseen")" "${R[live$mode.writer_unseen]}")
		sync
		R[live$mode.writer_seen]=$(min "$(writer "$L/hostw-seen")" "${R[live$mode.writer_seen]}")
		sleep 0.2 # the last batch
		v=$(echo "$(daemon_cpu "$m") - $c0" | bc -l)
		R[live$mode.daemon_cpu]=$(min "$v" "${R[live$mode.daemon_cpu]}")
		fs_umount "$m"
	done
done
printf '%-16s%16s%16s\n' "row (f)" live=0 live=1
for row in $rows; do
	if [ "$row" = daemon_cpu ]; then
		printf '%-16s%15.2fs%15.2fs\n' "$row" "${R[live0.$row]}" "${R[live1.$row]}"
		continue
	fi
	printf '%-16s%15.2fs%9.2fs %4.2fx\n' "$row" "${R[live0.$row]}" \
		"${R[live1.$row]}" "$(echo "${R[live1.$row]} / ${R[live0.$row]}" | bc -l)"
done
