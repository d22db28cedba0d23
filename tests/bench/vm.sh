#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/bench/vm.sh — the VM backend against bare QEMU, one run each,
# ratios printed (> 1.0: cshell takes longer / moves bytes slower; the
# streams' throughput is printed as a fraction of raw too, the issue's
# "≥ 0.7× of raw"):
#   1. `sandbox create old --kernel 6.1` + the first `@old true`, against
#      qemu-system-x86_64 -M microvm with the same kernel and command line
#      and a minimal initramfs whose /init runs /true and powers off
#      (five of each in turns, the medians); beside them, five creates
#      restored from a snapshot (the issue's stretch: <= 0.5x);
#   2. the round trip of `@old true` on the running VM (ms), beside what
#      a fork + exec of true costs inside the guest (its floor);
#   3. `seq 10000000 | @old wc -l` and `@old cat BIGFILE | wc -c` (64 MiB
#      in the guest's /dev/shm), against the same bytes through a raw
#      virtio-serial port of a bare QEMU (tests/bench/vm-init.c as /init,
#      with the modules of cshell's initramfs): the guest's own `wc -l`
#      reading the port, the guest's own `cat` of a 64 MiB file straight
#      to the port (both started by /init, the port their stdin or
#      stdout); and, with no program to start and nothing to count,
#      the port read and dropped, or the file copied to it by /init
#      itself (128 KiB reads, as cat does).  On both sides cat and wc
#      run once on nothing first: a throughput is timed with the program
#      already read and translated; each is timed several times, the
#      median printed with all the times.
# Kernel: Debian's 6.1 .deb as in tests/integration/vm-basic.sh (the
# kernel cache warm after one run).  Needs root, gcc -static, python3.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$repo/tests/lib.sh"
. "$repo/tests/vm-common.sh" bench-vm
bare_pid=
vm_extra_cleanup='[ -n "$bare_pid" ] && kill -9 $bare_pid 2>/dev/null'

if ! gcc -static -O2 -o "$work/init" "$repo/tests/bench/vm-init.c" 2>"$work/cc.log"; then
	skip bench-vm "cannot build a static /init: $(head -c 200 "$work/cc.log")"
	exit 0
fi
# The bare guest's programs run in the C locale (the kernel gives /init no
# LANG, and its initramfs has no locale files); the agent's get the
# caller's environment, and a UTF-8 locale costs every program start in
# the guest ~30 ms of file lookups through 9p (docs/vm.md): the same C
# locale on both sides
export LC_ALL=C
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
ratio() { python3 -c "print('%.2f' % ($1 / $2) if $2 else '?')"; }

# ---------------------------------------------------------------- 1. boot
# A first create, for the bare QEMU's command line (below) and so that
# both sides start with the kernel and QEMU in the page cache; timed, and
# printed apart (the bench timed this one alone until 7 December 2026)
cd "$work" || exit 1
t0=$(now)
"$csh" -c "sandbox create old --kernel '$deb'" >/dev/null || { fail bench-vm "create failed"; exit 0; }
"$csh" -c '@old true' || { fail bench-vm "@old true failed"; exit 0; }
t1=$(now)
first_ms=$(ms $t0 $t1)
qpid=$(cat "$CSHELL_RUNTIME_DIR/vm/old/qemu.pid")
mapfile -t qargs < <(tr '\0' '\n' <"/proc/$qpid/cmdline")
for i in "${!qargs[@]}"; do
	case ${qargs[$i]} in
	-kernel) vmlinux=${qargs[$((i + 1))]} ;;
	-append) append=${qargs[$((i + 1))]} ;;
	-accel) accel=${qargs[$((i + 1))]} ;;
	-cpu) cpu=${qargs[$((i + 1))]} ;;
	esac
done

# newc archives: /init and /true alone, or cshell's initramfs (its
# modules and /cshell.conf) with our /init in place of the agent
python3 - "$CSHELL_RUNTIME_DIR/vm/old/initramfs" "$work/init" "$work" <<'PY'
import sys
src, init, out = sys.argv[1:4]
def entry(name, mode, data, ino):
    name = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0))
    rec = h + name
    rec += b"\0" * (-len(rec) % 4) + data
    return rec + b"\0" * (-len(rec) % 4)
def parse(buf):
    off = 0
    while True:
        f = [int(buf[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        nlen, size = f[11], f[6]
        name = buf[off + 110:off + 110 + nlen - 1].decode()
        off = (off + 110 + nlen + 3) & ~3
        data = buf[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return
        yield name, f[1], data
prog = open(init, "rb").read()
def write(path, extra):
    items = extra + [("init", 0o100755, prog), ("true", 0o100755, prog)]
    blob = b"".join(entry(n, m, d, i + 1) for i, (n, m, d) in enumerate(items))
    blob += entry("TRAILER!!!", 0, b"", 0)
    open(path, "wb").write(blob + b"\0" * (-len(blob) % 512))
write(out + "/true.cpio", [])
# the guest's cat and wc, and what they load, at their paths (the VM's
# root is the host's own)
import os, subprocess
files, dirs = [], []
for p in ("/usr/bin/cat", "/usr/bin/wc"):
    files.append(p)
    for l in subprocess.run(["ldd", p], capture_output=True, text=True).stdout.splitlines():
        w = [x for x in l.split() if x.startswith("/")]
        if w:
            files.append(w[0])
progs = []
for f in dict.fromkeys(files):
    parts = f.strip("/").split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in dirs:
            dirs.append(d)
            progs.append((d, 0o40755, b""))
    progs.append((f.strip("/"), 0o100755, open(f, "rb").read()))
write(out + "/port.cpio", [(n, m, d) for n, m, d in parse(open(src, "rb").read()) if n not in ("init", "true")] + progs)
PY

# a bare QEMU as cshell runs it (machine, accelerator, CPU model, kernel,
# command line), with the bench's port when asked; its pid in bare_pid
bare() { # INITRD BENCH-MODE [port socket]
	local port=()
	[ -n "$3" ] && port=(-device virtio-serial-device
		-chardev "socket,id=b,path=$3,server=on,wait=off"
		-device virtserialport,chardev=b,name=bench)
	qemu-system-x86_64 -M microvm,x-option-roms=off -accel "$accel" -cpu "$cpu" \
		-smp 1 -m 512 -nodefaults -no-user-config -no-reboot -nographic \
		-monitor none -serial "file:$work/bare.log" \
		-global virtio-mmio.force-legacy=off "${port[@]}" \
		-kernel "$vmlinux" -initrd "$1" -append "$append bench=$2" &
	bare_pid=$!
}
# Then five rounds, each a bare boot, a create + first `@old true` that
# boots (CSHELL_VM_SNAPSHOTS=0) and one restored from the snapshot the
# first create saved (after `sandbox rm` each), one after the other: a
# boot under TCG here varies by a fifth from the next, and in turns all
# see the same drift.  The medians are the figures, every time printed.
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
create_ms() { # create + first `@old true`: its ms in last
	local t0 t1
	"$csh" -c 'sandbox rm -f old' || { fail bench-vm "rm failed"; exit 0; }
	t0=$(now)
	"$csh" -c "sandbox create old --kernel '$deb'" >/dev/null || { fail bench-vm "create failed"; exit 0; }
	"$csh" -c '@old true' || { fail bench-vm "@old true failed"; exit 0; }
	t1=$(now)
	last=$(ms $t0 $t1)
}
bares=() creates=() restores=()
for _ in 1 2 3 4 5; do
	t0=$(now)
	bare "$work/true.cpio" true
	wait $bare_pid
	t1=$(now)
	bares+=("$(ms $t0 $t1)")
	CSHELL_VM_SNAPSHOTS=0 create_ms
	creates+=("$last")
	create_ms
	restores+=("$last")
done
grep -q restored "$CSHELL_RUNTIME_DIR/vm/old/boot" || fail bench-vm "the last create was not restored from a snapshot"
create_ms=$(median "${creates[@]}") bare_ms=$(median "${bares[@]}")
restore_ms=$(median "${restores[@]}")
echo "bench-vm: create + first @old true: $create_ms ms (${creates[*]}); bare microvm /init running true + power off: $bare_ms ms (${bares[*]}); ratio $(ratio $create_ms $bare_ms) (the run's first create + @old true, before any bare boot, which saves the snapshot: $first_ms ms)"
echo "bench-vm: create restored from a snapshot + first @old true: $restore_ms ms (${restores[*]}); ratio to the create that boots $(ratio $restore_ms $create_ms), to the bare microvm $(ratio $restore_ms $bare_ms)"

# ---------------------------------------------------------------- 2. round trip
N=20
cmd=$(for _ in $(seq $N); do printf '@old true; '; done)
t0=$(now)
"$csh" -c "$cmd"
t1=$(now)
t2=$(now)
for _ in $(seq $N); do "$bin/cshell-vm" exec old true; done
t3=$(now)
# the floor: the guest's own fork + exec of true, N times in a guest sh
guest_ns=$("$csh" -c "@old sh -c 's=\$(date +%s%N); for i in \$(seq $N); do /usr/bin/true; done; e=\$(date +%s%N); echo \$((e - s))'")
echo "bench-vm: @old true round trip: $((($(ms $t0 $t1)) / N)) ms ($N in one shell; cshell-vm exec, a process each: $((($(ms $t2 $t3)) / N)) ms; the guest's own fork + exec of /usr/bin/true: $((guest_ns / N / 1000000)) ms)"

# ---------------------------------------------------------------- 3. throughput
# the host side of the raw port: waits for the guest's "r", then sends
# (in, wc) or takes (out, cat) N bytes; prints the ms from "r" to the end
# (wc: the guest's own count of them, as it ends after the host left)
raw() { # in|out|cat|wc N
	local sock=$work/b-$1.sock
	rm -f "$sock"
	bare "$work/port.cpio" "$1:$2" "$sock"
	python3 - "$sock" "$1" "$2" <<'PY'
import socket, subprocess, sys, time
path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX)
for _ in range(600):
    try:
        s.connect(path); break
    except OSError:
        time.sleep(0.05)
assert s.recv(1) == b"r"
t = time.monotonic()
if mode == "in":
    chunk, left = b"x" * 65536, n
    while left:
        left -= s.send(chunk[:min(left, 65536)])
    while s.recv(1) != b"k":
        pass
elif mode == "wc":
    # seq's bytes; a half close is the guest's EOF (a whole close would
    # let QEMU drop what it has not read yet)
    data = subprocess.run(["seq", "10000000"], capture_output=True).stdout[:n]
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    sys.exit(0)
else:
    left = n
    while left > 0:
        b = s.recv(1 << 20)
        if not b: break
        left -= len(b)
print(int((time.monotonic() - t) * 1000))
PY
	wait $bare_pid
	if [ "$1" = wc ]; then
		# the count, then the time, each on its own line
		grep -q '^10000000' "$work/bare.log" &&
			sed -n 's/^bench-ms=\([0-9]*\).*/\1/p' "$work/bare.log"
	fi
}
# Each throughput is timed nine times through the agent (as a user's
# commands follow each other) and three times on the bare side (a boot
# each), in three rounds of three transfers and one boot, so that both
# sides meet the same states of the machine; the median is the figure.
# Under TCG here one transfer through the agent varies by a third from
# the next, and a whole run's by as much from the next run's (with the
# agent's five all before the bare boots, the ratio moved by half).
agent_ms() { # COMMAND EXPECTED: the ms of `cshell -c COMMAND`
	local t0 t1 out
	t0=$(now)
	out=$("$csh" -c "$1")
	t1=$(now)
	[ "$out" = "$2" ] || fail bench-vm "'$1' printed '$out', not '$2'"
	ms $t0 $t1
}
seq_bytes=$(seq 10000000 | wc -c)
big=$((64 << 20))
"$csh" -c "@old sh -c 'head -c $big /dev/zero >/dev/shm/big'"
"$csh" -c '@old cat /dev/null; @old wc -l </dev/null' >/dev/null
ins=() outs=() raw_ins=() raw_wcs=() raw_outs=() raw_cats=()
for _ in 1 2 3; do
	for _ in 1 2 3; do
		ins+=("$(agent_ms 'seq 10000000 | @old wc -l' 10000000)")
		outs+=("$(agent_ms '@old cat /dev/shm/big | wc -c' $big)")
	done
	raw_ins+=("$(raw in "$seq_bytes")")
	w=$(raw wc "$seq_bytes")
	[ -n "$w" ] || fail bench-vm "the bare guest's wc -l of the raw port did not count 10000000"
	raw_wcs+=("${w:-0}")
	raw_outs+=("$(raw out $big)")
	raw_cats+=("$(raw cat $big)")
done
in_ms=$(median "${ins[@]}") out_ms=$(median "${outs[@]}")
raw_in=$(median "${raw_ins[@]}") raw_wc=$(median "${raw_wcs[@]}")
raw_out=$(median "${raw_outs[@]}") raw_cat=$(median "${raw_cats[@]}")
mbs() { python3 -c "print('%.1f MB/s' % ($1 / 1e6 / max($2, 1) * 1000))"; }
echo "bench-vm: seq 10000000 | @old wc -l ($seq_bytes bytes in): $in_ms ms (${ins[*]}), $(mbs $seq_bytes $in_ms); the guest's wc -l on a raw virtio-serial port: $raw_wc ms (${raw_wcs[*]}), $(mbs $seq_bytes $raw_wc); ratio $(ratio $in_ms $raw_wc), throughput $(ratio $raw_wc $in_ms)× of raw (the port read and dropped: $raw_in ms, $(mbs $seq_bytes $raw_in), ratio $(ratio $in_ms $raw_in))"
echo "bench-vm: @old cat 64MiB | wc -c (out): $out_ms ms (${outs[*]}), $(mbs $big $out_ms); the guest's cat straight to a raw virtio-serial port: $raw_cat ms (${raw_cats[*]}), $(mbs $big $raw_cat); ratio $(ratio $out_ms $raw_cat), throughput $(ratio $raw_cat $out_ms)× of raw (a file copied to the port by /init: $raw_out ms, $(mbs $big $raw_out), ratio $(ratio $out_ms $raw_out))"
echo "bench-vm: accelerator $accel, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$csh" -c 'sandbox rm -f old'
exit 0
