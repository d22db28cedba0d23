#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/bench/fs.sh — cshell-fs against kernel overlayfs and fuse-overlayfs
# over the same layers on the same filesystem, one run per row, printing
# seconds and the ratio to the kernel.  Rows (issue 3): (a) untar a tree,
# (b) cold and warm find+stat of the lower files, (c) cold and warm
# sequential read of a big lower file, (d) create+write+fsync of many
# files, (e) copy-up by appending one byte to many lower files, and the
# same followed by one sync (the durability cshell-fs and the kernel give
# each copy; fuse-overlayfs syncs none).  cshell-fs also runs the copy-up
# rows with -o fsync=0 (column cshell-fsync0), fuse-overlayfs's own
# durability.
# Issue 17: every row runs twice, on a quiet machine and while two busy
# loops burn the CPUs (a sandbox is busy by nature: a build runs in it),
# with fresh mounts each time; BENCH_LOAD=0 runs only the quiet pass,
# BENCH_LOAD=1 only the loaded one.  For each FUSE daemon the table gives
# the ratio to the kernel in both and the growth loaded/quiet.  The load
# average is printed before and after each pass: the machine is shared.
# cshell-fs counts its requests (CSHELL_FS_REQSTATS, overlayfs/loop.c)
# and the bench prints them per file for each row of the quiet pass.
# BENCH_ROWS picks rows (default: untar find read fsync copyup);
# BENCH_FS_OTHER=PATH adds the cshell-fs at PATH as column cshell-other.
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
LOAD=${BENCH_LOAD:-both}
ROWS=${BENCH_ROWS:-untar find read fsync copyup}

if ! can_fuse || ! can_kovl; then
	echo "SKIP: fs bench: needs root, FUSE and kernel overlayfs"; exit 0
fi
have_fo=0; command -v fuse-overlayfs >/dev/null && have_fo=1

tar -cf "$T/tree.tar" $TREE 2>/dev/null
L=$T/lower; mkdir -p "$L/copy" "$L/copy2"
tar -xf "$T/tree.tar" -C "$L"
dd if=/dev/urandom of="$L/big" bs=1M count="$READ_MB" status=none
for i in $(seq 1 "$NCOPY"); do
	echo "$i" >"$L/copy/$i"; echo "$i" >"$L/copy2/$i"
done
python3 -c "
import os
for i in range($NFIND):
    d = '$L/many/%d' % (i // 100)
    if i % 100 == 0: os.makedirs(d)
    with open('%s/%d' % (d, i), 'w') as f: f.write('x')"
nlower=$(find "$L/usr" "$L/many" | wc -l)
ntar=$(tar -tf "$T/tree.tar" | wc -l)
echo "lower: $nlower names under usr/ and many/ for the find rows; tar of $(du -m "$T/tree.tar" | cut -f1) MiB, $ntar names"

# mount_impl IMPL N: fresh upper/work, mount IMPL on $T/mIMPL.N, the path
# in M[IMPL] (not in a subshell: the cleanup must know the mount)
declare -A M
mount_impl() {
	local m=$T/m$1.$2 u=$T/u$1.$2 w=$T/w$1.$2
	mkdir -p "$m" "$u" "$w"
	case $1 in
	kernel) kovl_mount "$m" "$L" "$u" "$w" ;;
	cshell) CSHELL_FS_REQSTATS=$T/req.$1 fs_mount "$m" "$L" "$u" "$w" ;;
	cshell-fsync0)
		CSHELL_FS_REQSTATS=$T/req.$1 fs_mount "$m" "$L" "$u" "$w" fsync=0 ;;
	cshell-other)
		CSHELL_FS_REQSTATS=$T/req.$1 FS=$BENCH_FS_OTHER fs_mount "$m" "$L" "$u" "$w" ;;
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
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# reqs IMPL: the daemon's request counts so far ("OPCODE COUNT" lines);
# nothing for a daemon that does not count
reqs() {
	local f=$T/req.$1 pid seq
	[ -f "$f" ] || return 0
	for _ in $(seq 1 100); do [ -s "$f" ] && break; sleep 0.05; done
	pid=$(awk '$1 == "pid" { print $2 }' "$f")
	seq=$(awk '$1 == "seq" { print $2 }' "$f")
	[ -n "$pid" ] && kill -USR1 "$pid" 2>/dev/null || return 0
	# written in one go, but read again until two reads agree
	for _ in $(seq 1 100); do
		cp "$f" "$f.a"
		[ "$(awk '$1 == "seq" { print $2 }' "$f.a")" != "$seq" ] &&
			cmp -s "$f" "$f.a" && break
		sleep 0.02
	done
	grep -v '^pid\|^seq\|^$' "$f.a"
}
# row_reqs IMPL ROW FILES BEFORE AFTER: requests per file of one row
declare -A Q
row_reqs() {
	Q[$1.$2]=$(awk -v n="$3" -v before="$4" -v after="$5" 'BEGIN {
		split(before, b, "\n"); for (i in b) { split(b[i], f, " "); was[f[1]] = f[2] }
		split(after, a, "\n"); for (i in a) { split(a[i], f, " ");
			d = f[2] - was[f[1]]; if (f[1] != "" && d > 0) { tot += d; per[f[1]] = d } }
		out = sprintf("%.2f:", tot / n)
		for (k in per) if (per[k] / n >= 0.01) out = out sprintf(" %s %.2f", k, per[k] / n)
		print out }')
}

# run IMPL ROW FILES COMMAND…: one row of one implementation, timed; its
# requests per file counted in the quiet pass
run() {
	local impl=$1 row=$2 nf=$3 before after
	shift 3
	[ "$pass" = quiet ] && before=$(reqs $impl)
	R[$impl.$row.$pass]=$(secs "$@")
	if [ "$pass" = quiet ] && [ -n "$before" ]; then
		after=$(reqs $impl)
		row_reqs $impl $row "$nf" "$before" "$after"
	fi
}

# copyup_row ROW DIR AFTER: append a byte to each lower file of DIR, then
# run the Python statement AFTER; one copy-up per file
copyup_row() {
	local impl m
	for impl in $copy_impls; do
		m=${M[$impl]}
		sync
		run $impl $1 "$NCOPY" python3 -c "
import os
for i in range(1, $NCOPY + 1):
    with open('$m/$2/%d' % i, 'a') as f: f.write('y')
$3"
	done
}

impls="kernel cshell"; [ $have_fo = 1 ] && impls="$impls fuse-overlayfs"
# BENCH_FS_OTHER=PATH: another cshell-fs build side by side (A/B of a change)
[ -n "${BENCH_FS_OTHER:-}" ] && impls="$impls cshell-other"
copy_impls="$impls cshell-fsync0"
has_row() { case " $ROWS " in *" $1 "*) return 0 ;; esac; return 1; }
declare -A R
case $LOAD in 0) passes=quiet ;; 1) passes=loaded ;; *) passes="quiet loaded" ;; esac
burners=()
stop_burners() {
	local p
	for p in "${burners[@]}"; do kill "$p" 2>/dev/null; done
	burners=()
}
trap 'stop_burners; fs_cleanup' EXIT

# one pass: all mounts fresh, each row run for each implementation in turn,
# so that a change in the machine's load during the pass falls on every
# implementation of a row alike
n=0
for pass in $passes; do
	for impl in $copy_impls; do
		n=$((n + 1))
		mount_impl $impl $n
	done
	echo "pass $pass: load average $(loadavg) before"
	if [ $pass = loaded ]; then
		for _ in 1 2; do
			sh -c 'while :; do :; done' &
			burners+=($!)
		done
		sleep 1
	fi
	# each write row starts with nothing of an earlier one left to write back
	if has_row untar; then
		for impl in $impls; do
			sync
			run $impl untar "$ntar" tar -xf "$T/tree.tar" -C "${M[$impl]}/copy"
		done
	fi
	if has_row find; then
		for impl in $impls; do
			m=${M[$impl]}
			drop
			run $impl find_cold "$nlower" bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null"
			run $impl find_warm "$nlower" bash -c "find '$m/usr' '$m/many' -exec stat -c %i {} + >/dev/null"
		done
	fi
	if has_row read; then
		for impl in $impls; do
			m=${M[$impl]}
			drop
			run $impl read_cold "$READ_MB" dd if="$m/big" of=/dev/null bs=1M
			run $impl read_warm "$READ_MB" dd if="$m/big" of=/dev/null bs=1M
		done
	fi
	if has_row fsync; then
		for impl in $impls; do
			m=${M[$impl]}
			mkdir -p "$m/fs"
			sync
			run $impl fsync "$NFSYNC" python3 -c "
import os
for i in range($NFSYNC):
    fd = os.open('$m/fs/%d' % i, os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b'x' * 100); os.fsync(fd); os.close(fd)"
		done
	fi
	if has_row copyup; then
		copyup_row copyup copy ""
		copyup_row copyup_sync copy2 "os.sync()"
	fi
	stop_burners
	echo "pass $pass: load average $(loadavg) after"
	for impl in $copy_impls; do
		fs_umount "${M[$impl]}" 2>/dev/null || umount "${M[$impl]}"
	done
done

# seconds per pass, the ratio to the kernel, and for the FUSE daemons the
# growth of that ratio under load (issue 17: at most 1.5)
ratio() { # VALUE KERNEL: VALUE/KERNEL, or "-"
	if [ -z "$1" ] || [ -z "$2" ] || [ "$1" = fail ] || [ "$2" = fail ]; then
		echo -
	else
		echo "$1 / $2" | bc -l
	fi
}
fmt() { # NUMBER or "-"
	if [ "$1" = - ] || [ -z "$1" ]; then printf '%9s' -; else printf "%9.${2:-2}f" "$1"; fi
}
printf '%-12s %-15s %9s %9s %9s %9s %9s\n' row impl quiet loaded "ratio q" "ratio l" "l/q"
for row in untar find_cold find_warm read_cold read_warm fsync copyup copyup_sync; do
	for impl in $copy_impls; do
		case $impl.$row in cshell-fsync0.copyup*) ;; cshell-fsync0.*) continue ;; esac
		q=${R[$impl.$row.quiet]:-} l=${R[$impl.$row.loaded]:-}
		[ -z "$q$l" ] && continue
		rq=$(ratio "$q" "${R[kernel.$row.quiet]:-}")
		rl=$(ratio "$l" "${R[kernel.$row.loaded]:-}")
		g=-; [ "$rq" != - ] && [ "$rl" != - ] && g=$(echo "$rl / $rq" | bc -l)
		printf '%-12s %-15s ' $row $impl
		fmt "${q/#fail/-}"; fmt "${l/#fail/-}"
		if [ $impl = kernel ]; then echo; continue; fi
		fmt "$rq"; fmt "$rl"; fmt "$g"; echo
	done
done
if [ ${#Q[@]} -gt 0 ]; then
	echo "requests per file (per MiB for read), quiet pass: total: by opcode"
	for row in untar find_cold find_warm read_cold read_warm fsync copyup copyup_sync; do
		for impl in cshell cshell-fsync0 cshell-other; do
			[ -n "${Q[$impl.$row]:-}" ] && printf '%-12s %-15s %s\n' $row $impl "${Q[$impl.$row]}"
		done
	done
fi
