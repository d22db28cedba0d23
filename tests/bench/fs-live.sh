#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/bench/fs-live.sh — rows (f) of the fs bench, kept apart from
# tests/bench/fs.sh (which times the rest quiet and under load):
# tests/bench/fs.sh — cshell-fs against kernel overlayfs and fuse-overlayfs
# over the same layers on the same filesystem, one run per row, printing
# seconds and the ratio to the kernel.  Rows (issue 3): (a) untar a tree,
# (b) cold and warm find+stat of the lower files, (c) cold and warm
# sequential read of a big lower file, (d) create+write+fsync of many
# files, (e) copy-up by appending one byte to many lower files.
# Rows (f), issue 19: what live lower layers cost (cshell-fs live=1 against
# live=0): a cold find+stat, and a busy host writer in the lower's
# filesystem, in a directory the mount never saw and in one it listed.
# BENCH_ONLY=live runs only those.
# Sizes: BENCH_READ_MB (1024), BENCH_FSYNC_FILES (10000),
# BENCH_COPYUP_FILES (1000), BENCH_TREE (dirs to tar, default /usr/include
# /usr/share/perl), BENCH_FIND_FILES (50000 small lower files added to the
# tree for the find rows, in directories of 100).  Needs root (kernel overlayfs, drop_caches).
# "Cold" drops the guest's caches; in a VM the host may still hold the
# disk's blocks, so the first implementation of a cold row can pay more.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

READ_MB=${BENCH_READ_MB:-1024}
NFSYNC=${BENCH_FSYNC_FILES:-10000}
NCOPY=${BENCH_COPYUP_FILES:-1000}
TREE=${BENCH_TREE:-"/usr/include /usr/share/perl"}
NFIND=${BENCH_FIND_FILES:-50000}
NLIVE=${BENCH_LIVE_FILES:-20000}
ONLY=${BENCH_ONLY:-live} # this script: the live rows (f); fs.sh has the rest

if ! can_fuse || ! can_kovl; then
	echo "SKIP: fs bench: needs root, FUSE and kernel overlayfs"; exit 0
fi
have_fo=0; command -v fuse-overlayfs >/dev/null && have_fo=1

tar -cf "$T/tree.tar" $TREE 2>/dev/null
L=$T/lower; mkdir -p "$L/copy"
tar -xf "$T/tree.tar" -C "$L"
[ "$ONLY" = live ] && READ_MB=1
dd if=/dev/urandom of="$L/big" bs=1M count="$READ_MB" status=none
for i in $(seq 1 "$NCOPY"); do echo "$i" >"$L/copy/$i"; done
python3 -c "
import os
for i in range($NFIND):
    d = '$L/many/%d' % (i // 100)
    if i % 100 == 0: os.makedirs(d)
    with open('%s/%d' % (d, i), 'w') as f: f.write('x')"
nlower=$(find "$L/usr" "$L/many" | wc -l)
echo "lower: $nlower names under usr/ and many/ for the find rows; tar of $(du -m "$T/tree.tar" | cut -f1) MiB, $(tar -tf "$T/tree.tar" | wc -l) names"

# mount_impl IMPL N: fresh upper/work, mount IMPL on $T/mIMPL.N, the path
# in M[IMPL] (not in a subshell: the cleanup must know the mount)
declare -A M
mount_impl() {
	local m=$T/m$1.$2 u=$T/u$1.$2 w=$T/w$1.$2
	mkdir -p "$m" "$u" "$w"
	case $1 in
	kernel) kovl_mount "$m" "$L" "$u" "$w" ;;
	cshell) fs_mount "$m" "$L" "$u" "$w" ;;
	fuse-overlayfs) MOUNTED+=("$m"); fuse-overlayfs -o "lowerdir=$L,upperdir=$u,workdir=$w" "$m" ;;
	esac
	M[$1]=$m
}

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

impls="kernel cshell"; [ $have_fo = 1 ] && impls="$impls fuse-overlayfs"
[ "$ONLY" = live ] && impls=
declare -A R
# All three mounted at once and each row run for each in turn, so that a
# change in the machine's load during the run (this kind of machine has
# them) falls on every implementation of a row alike.
n=0
for impl in $impls; do
	n=$((n + 1))
	mount_impl $impl $n
done
# each write row starts with nothing of an earlier one left to write back
for impl in $impls; do
	m=${M[$impl]}
	sync
	R[$impl.untar]=$(secs tar -xf "$T/tree.tar" -C "$m/copy")
done
for impl in $impls; do
	m=${M[$impl]}
	drop
	R[$impl.find_cold]=$(secs bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null")
	R[$impl.find_warm]=$(secs bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null")
done
for impl in $impls; do
	m=${M[$impl]}
	drop
	R[$impl.read_cold]=$(secs dd if="$m/big" of=/dev/null bs=1M)
	R[$impl.read_warm]=$(secs dd if="$m/big" of=/dev/null bs=1M)
done
for impl in $impls; do
	m=${M[$impl]}
	mkdir -p "$m/fs"
	sync
	R[$impl.fsync]=$(secs python3 -c "
import os
for i in range($NFSYNC):
    fd = os.open('$m/fs/%d' % i, os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b'x' * 100); os.fsync(fd); os.close(fd)")
done
for impl in $impls; do
	m=${M[$impl]}
	sync
	R[$impl.copyup]=$(secs python3 -c "
import os
for i in range(1, $NCOPY + 1):
    with open('$m/copy/%d' % i, 'a') as f: f.write('y')")
done
for impl in $impls; do
	fs_umount "${M[$impl]}" 2>/dev/null || umount "${M[$impl]}"
done
[ "$ONLY" = live ] || {
printf '%-16s' row; for impl in $impls; do printf '%16s' "$impl"; done; echo
for row in untar find_cold find_warm read_cold read_warm fsync copyup; do
	printf '%-16s' $row
	k=${R[kernel.$row]}
	for impl in $impls; do
		v=${R[$impl.$row]}
		if [ "$v" = fail ] || [ "$k" = fail ]; then
			printf '%16s' "${v/#fail/failed}"
		else
			printf '%9.2fs %4.1fx' "$v" "$(echo "$v / $k" | bc -l)"
		fi
	done
	echo
done
}

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
