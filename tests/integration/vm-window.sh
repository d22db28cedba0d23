#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/vm-window.sh — a malicious guest against the host's
# supervisor, without a real VM: a fake QEMU (CSHELL_QEMU) speaks the
# agent's side of protocol 4 on fd 3, then sends an exec's stdout past the
# window it was given.  The supervisor must kill it rather than queue what
# it sends without end; a guest that gives stdin credit and stops reading
# must not make the supervisor or the client queue stdin; QEMU gets none
# of the caller's fds.  The stream ports (fds 4 and on): an exec's EXIT
# waits for the bytes its OUTLEN counts, bytes on a port no exec owns are
# not read (nor queued), and a PORT or CLEAN outside the ports, a CLEAN
# for a connected stdin port or a second stdin port for one exec kills
# the guest.  Needs a kernel .deb in apt's cache only to pass
# boot's checks; the kernel never runs.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${CSHELL_BIN:-$repo/build/bin}
case $bin in /*) ;; *) bin=$repo/$bin ;; esac
vm=$bin/cshell-vm
. "$repo/tests/lib.sh"

deb=$(ls /var/cache/apt/archives/linux-image-6.1*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
if [ -z "$deb" ] || ! command -v python3 >/dev/null; then
	skip vm-window "no linux-image-6.1 .deb in apt's cache, or no python3"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cshell-vmw.XXXXXX") || exit 1
export CSHELL_RUNTIME_DIR=$work/rt CSHELL_DATA_DIR=$work/data
export CSHELL_CONFIG_DIR=$work/cfg
export CSHELL_AGENT=$bin/cshell-agent
cache=${CSHELL_TEST_CACHE:-/var/tmp/cshell-test-cache}/vm-kernels
mkdir -p "$cache" "$CSHELL_DATA_DIR/vm" && ln -s "$cache" "$CSHELL_DATA_DIR/vm/kernels"
cleanup() {
	timeout 15 "$vm" stop w --timeout 3000 >/dev/null 2>&1
	timeout 15 "$vm" stop w2 --timeout 3000 >/dev/null 2>&1
	timeout 15 "$vm" stop w3 --timeout 3000 >/dev/null 2>&1
	for d in "$CSHELL_RUNTIME_DIR"/vm/w4-*; do
		[ -d "$d" ] && timeout 15 "$vm" stop "${d##*/}" --timeout 3000 >/dev/null 2>&1
	done
	kill -9 $(cat "$CSHELL_RUNTIME_DIR"/vm/w*/*.pid 2>/dev/null) 2>/dev/null
	umount -l "$CSHELL_RUNTIME_DIR"/vm/w*/rootfs 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# the agent's side: frames on fd 3, and its HELLO
cat >"$work/fake.py" <<'PY'
import os, struct, threading
def frame(t, s, i, p=b""):
    os.write(3, struct.pack("<IBBHI", len(p), t, s, 0, i) + p)
def read(n):
    b = b""
    while len(b) < n:
        c = os.read(3, n - len(b))
        if not c:
            raise SystemExit
        b += c
    return b
# 300 MiB written to stream port 0 (QEMU's fd 4), in the background
def flood():
    def write():
        try:
            for _ in range(300 * 16):
                os.write(4, b"f" * 65536)
        except OSError:
            pass
    threading.Thread(target=write, daemon=True).start()
# the next EXEC's id, after its STARTED
def exec_id():
    while True:
        ln, t, s, _, i = struct.unpack("<IBBHI", read(12))
        read(ln)
        if t == 2:
            frame(3, 0, i, struct.pack("<I", 4242))
            return i
frame(1, 0, 0, struct.pack("<II", 4, 4) + b"fake")
PY
cat >"$work/qemu" <<PY
#!/usr/bin/python3
import os, struct, sys, time
sys.path.insert(0, "$work")
from fake import exec_id, frame, read
if os.path.exists("/proc/self/fd/9"):
    open("$work/leak", "w").write(os.readlink("/proc/self/fd/9"))
# the first exec keeps to its window: 8 MiB, then ends
i = exec_id()
for _ in range(8 * 1024 * 1024 // 65536):
    frame(4, 1, i, b"y" * 65536)
frame(4, 1, i)
frame(8, 0, i, struct.pack("<II", 0, 0))
# the second sends twice its window
i = exec_id()
chunk = b"x" * 65536
for _ in range(16 * 1024 * 1024 // 65536):
    frame(4, 1, i, chunk)
time.sleep(3)
open("$work/survived", "w").close()
frame(4, 1, i)
frame(8, 0, i, struct.pack("<II", 0, 0))
PY
cat >"$work/qemu2" <<PY
#!/usr/bin/python3
import struct, sys, time
sys.path.insert(0, "$work")
from fake import frame, read
while True:
    ln, t, s, _, i = struct.unpack("<IBBHI", read(12))
    read(ln)
    if t == 2:
        break
# all the stdin credit there is, and the port is never read again
frame(3, 0, i, struct.pack("<I", 4242))
frame(5, 0, i, struct.pack("<I", 0x7fffffff))
time.sleep(60)
PY
cat >"$work/qemu3" <<PY
#!/usr/bin/python3
import os, struct, sys, threading, time
sys.path.insert(0, "$work")
from fake import exec_id, flood, frame, read
# 300 MiB on port 0, which no exec owns: nobody may read (and queue) them
flood()
# an exec whose stdout is port 1: its OUTLEN and EXIT come first, its
# bytes half a second later
i = exec_id()
n = 3 * 65536 + 5
frame(13, 1, i, struct.pack("<I", 1))
frame(14, 0, i, struct.pack("<Q", n))
frame(4, 1, i)
frame(8, 0, i, struct.pack("<II", 0, 9))
time.sleep(0.5)
os.write(5, b"p" * n)
# then a port that does not exist (there are two of each kind)
i = exec_id()
time.sleep(6)
frame(13, 1, i, struct.pack("<I", 2))
time.sleep(60)
PY
# stdin ports misused right after the first exec: $BAD is frames
# "type stream port", ";"-separated; QEMU's stdin sockets listen, so
# the supervisor is connected to each
cat >"$work/qemu4" <<PY
#!/usr/bin/python3
import os, socket, struct, sys, time
sys.path.insert(0, "$work")
socks = []
for a in sys.argv:
    if a.startswith("socket,id=i"):
        path = [f[5:] for f in a.split(",") if f.startswith("path=")][0]
        l = socket.socket(socket.AF_UNIX)
        l.bind(path)
        l.listen(4)
        socks.append(l)
from fake import frame, read
while True:
    ln, t, s, _, i = struct.unpack("<IBBHI", read(12))
    read(ln)
    if t == 2:
        break
# before STARTED, as the agent sends its PORTs
for f in os.environ["BAD"].split(";"):
    t, s, k = map(int, f.split())
    frame(t, s, i if t == 13 else 0, struct.pack("<I", k))
frame(3, 0, i, struct.pack("<I", 4242))
time.sleep(60)
PY
# an exec whose stdout is port 0 and which says it wrote 300 MiB, then
# floods it: the client reads nothing, and the supervisor, which sends a
# port's bytes on (spliced) while the client's pipe or socket takes
# them, must queue no more than its window of the rest
cat >"$work/qemu5" <<PY
#!/usr/bin/python3
import os, struct, sys, threading, time
sys.path.insert(0, "$work")
from fake import exec_id, flood, frame, read
i = exec_id()
frame(13, 1, i, struct.pack("<I", 0))
frame(14, 0, i, struct.pack("<Q", 300 << 20))
flood()
# the supervisor's pings answered: it has no reason to end this guest
while True:
    ln, t, s, _, k = struct.unpack("<IBBHI", read(12))
    p = read(ln)
    if t == 9:
        frame(10, 0, 0, p)
PY
# root in a running guest says CONFWAIT, as its agent does before its
# setup: were that honoured, the host would save the guest's memory as
# the snapshot other VMs of its kind restore (docs/vm.md, "Snapshots")
# and send a CONFIG; neither may happen once a VM is up
cat >"$work/qemu6" <<PY
#!/usr/bin/python3
import os, select, struct, sys, time
sys.path.insert(0, "$work")
from fake import frame, read
frame(16, 0, 0)
end = time.time() + 30
while time.time() < end:
    if not select.select([3], [], [], 1)[0]:
        continue
    ln, t, s, _, k = struct.unpack("<IBBHI", read(12))
    p = read(ln)
    if t == 17:
        open("$work/reconfigured", "w").close()
    if t == 9:
        frame(10, 0, k, p)
PY
chmod +x "$work/qemu" "$work/qemu2" "$work/qemu3" "$work/qemu4" "$work/qemu5" "$work/qemu6"

# fd 9: something of the caller's QEMU must not get
out=$(CSHELL_QEMU=$work/qemu timeout 120 "$vm" boot w --kernel "$deb" --timeout 60 2>&1 9<"$deb")
if [ $? != 0 ]; then
	fail vm-window-boot "$out"
	exit 0
fi
if [ -e "$work/leak" ]; then
	fail vm-qemu-fds "QEMU got the caller's fd 9 ($(cat "$work/leak"))"
else
	pass vm-qemu-fds
fi
n=$(timeout 60 "$vm" exec w cat </dev/null 2>&1 | wc -c)
if [ "$n" = 8388608 ]; then
	pass vm-window-within
else
	fail vm-window-within "an exec within its window printed $n bytes, not 8388608"
fi
# a client that does not read (its stdout is full) returns no credit
timeout 10 "$vm" exec w cat 2>/dev/null </dev/null | sleep 6
if [ -e "$work/survived" ]; then
	fail vm-window-overrun "the supervisor relayed 16 MiB sent on an 8 MiB window"
else
	pass vm-window-overrun
fi

# a guest that gives stdin credit and never reads: neither the supervisor
# nor the client queues the 300 MiB offered
timeout 15 "$vm" stop w --timeout 3000 >/dev/null 2>&1
out=$(CSHELL_QEMU=$work/qemu2 timeout 120 "$vm" boot w2 --kernel "$deb" --timeout 60 2>&1) ||
	fail vm-window-boot2 "$out"
head -c 300M /dev/zero | timeout 6 "$vm" exec w2 cat >/dev/null 2>&1 &
epid=$!
sleep 5
sup=$(cat "$CSHELL_RUNTIME_DIR/vm/w2/supervisor.pid")
rss=$(awk '/^VmHWM/ {print $2}' "/proc/$sup/status")
cl=$(awk '/^VmHWM/ {print $2}' "/proc/$(pgrep -P $epid -f "exec w2" | head -1)/status" 2>/dev/null)
wait $epid
timeout 15 "$vm" stop w2 --timeout 3000 >/dev/null 2>&1
if [ "${rss:-0}" -gt 65536 ] || [ "${cl:-0}" -gt 65536 ]; then
	fail vm-window-stdin "peak RSS: supervisor ${rss}k, client ${cl}k"
else
	pass "vm-window-stdin (peak RSS: supervisor ${rss}k, client ${cl:-?}k)"
fi

# both ways to a client: its stdout a pipe nobody reads (the supervisor
# splices into the pipe itself, and stops where it is full), and its
# stdout a socket nobody reads (the client stops reading; the supervisor
# queues DATA frames for it, up to its window)
port_window() { # VM pipe|socket
	local out sup rss
	out=$(CSHELL_QEMU=$work/qemu5 timeout 120 "$vm" boot $1 --kernel "$deb" --timeout 60 2>&1) ||
		fail "vm-port-window-$2" "boot: $out"
	sup=$(cat "$CSHELL_RUNTIME_DIR/vm/$1/supervisor.pid" 2>/dev/null)
	if [ $2 = pipe ]; then
		timeout -k 2 8 "$vm" exec $1 cat </dev/null 2>/dev/null | sleep 7 &
	else
		python3 - "$vm" $1 <<'PY' &
import socket, subprocess, sys, time
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "exec", sys.argv[2], "cat"],
                     stdin=subprocess.DEVNULL, stdout=a,
                     stderr=subprocess.DEVNULL)
a.close()
time.sleep(7)
p.kill()
p.wait()
PY
	fi
	sleep 5
	rss=$(awk '/^VmHWM/ {print $2}' "/proc/$sup/status" 2>/dev/null)
	wait
	timeout 15 "$vm" stop $1 --timeout 3000 >/dev/null 2>&1
	if [ -n "$rss" ] && [ "$rss" -le 65536 ]; then
		pass "vm-port-window-$2 (supervisor peak RSS ${rss}k)"
	else
		fail "vm-port-window-$2" "supervisor peak RSS ${rss:-?}k with 300 MiB on an owned port its client does not read"
	fi
}
port_window w5 pipe
port_window w6 socket

out=$(CSHELL_QEMU=$work/qemu6 timeout 120 "$vm" boot w7 --kernel "$deb" --timeout 60 2>&1) ||
	fail vm-confwait-after-boot "boot: $out"
sleep 2
pong=$(timeout 10 "$vm" ping w7 2>&1)
snaps=$(ls "$CSHELL_DATA_DIR/vm/snapshots" 2>/dev/null)
if [ ! -e "$work/reconfigured" ] && [ -z "$snaps" ] && [[ $pong == *answered* ]]; then
	pass vm-confwait-after-boot
else
	fail vm-confwait-after-boot "CONFIG sent again: $([ -e "$work/reconfigured" ] && echo yes || echo no); snapshots: '$snaps'; ping: $pong"
fi
timeout 15 "$vm" stop w7 --timeout 3000 >/dev/null 2>&1

# killed_within VM SECONDS: an exec started on VM, the VM's state is
# gone within SECONDS (the supervisor ended the guest)
killed_within() {
	local i=0
	timeout $(($2 + 2)) "$vm" exec "$1" true </dev/null >/dev/null 2>&1 &
	while [ -e "$CSHELL_RUNTIME_DIR/vm/$1" ] && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait $!
	[ ! -e "$CSHELL_RUNTIME_DIR/vm/$1" ]
}

# the stream ports
timeout 15 "$vm" stop w2 --timeout 3000 >/dev/null 2>&1
out=$(CSHELL_QEMU=$work/qemu3 timeout 120 "$vm" boot w3 --kernel "$deb" --timeout 60 2>&1) ||
	fail vm-port-boot "$out"
timeout 30 "$vm" exec w3 cat </dev/null >"$work/out" 2>"$work/err"
rc=$?
n=$(wc -c <"$work/out")
if [ "$n" = 196613 ] && [ "$rc" = 9 ]; then
	pass vm-port-exit-after-bytes
else
	fail vm-port-exit-after-bytes "printed $n bytes (not 196613), status $rc (not 9): $(cat "$work/err")"
fi
sup=$(cat "$CSHELL_RUNTIME_DIR/vm/w3/supervisor.pid" 2>/dev/null)
rss=$(awk '/^VmHWM/ {print $2}' "/proc/$sup/status" 2>/dev/null)
# its CPU time in ticks: not woken again and again by what it leaves
cpu=$(awk '{print $14 + $15}' "/proc/$sup/stat" 2>/dev/null)
if [ -n "$rss" ] && [ "$rss" -le 65536 ] && [ "${cpu:-999}" -lt 100 ]; then
	pass "vm-port-unowned (supervisor peak RSS ${rss}k, ${cpu} ticks)"
else
	fail vm-port-unowned "supervisor peak RSS ${rss:-?}k, ${cpu:-?} ticks of CPU with 300 MiB offered on a port no exec owns"
fi
# its PORT comes 6 s after this exec starts: gone within 12 s, before
# the fake's unanswered pings (20 s) would end it anyway
if ! killed_within w3 12; then
	fail vm-port-bad-index "the supervisor kept a guest that named stream port 4 of 4"
	timeout 15 "$vm" stop w3 --timeout 3000 >/dev/null 2>&1
else
	pass vm-port-bad-index
fi
# a port that does not exist; a CLEAN while the host is connected; two
# stdin ports for one exec
for bad in "13 0 2" "15 0 2" "15 0 1" "13 0 0;13 0 1"; do
	name=w4-$(echo "$bad" | tr ' ;' '-_')
	out=$(BAD=$bad CSHELL_QEMU=$work/qemu4 timeout 120 "$vm" boot "$name" --kernel "$deb" --timeout 60 2>&1) ||
		fail vm-port-bad-stdin "$out"
	# gone within 6 s: before the fake's unanswered pings (20 s) would
	if ! killed_within "$name" 6; then
		fail "vm-port-bad-stdin ($bad)" "the supervisor kept a guest that sent '$bad'"
		timeout 15 "$vm" stop "$name" --timeout 3000 >/dev/null 2>&1
	else
		pass "vm-port-bad-stdin ($bad)"
	fi
done
