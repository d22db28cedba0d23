#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-net-isolation.sh — `--net private` keeps the
# sandbox off the host: a service on the host's 0.0.0.0 does not answer
# it on the bridge address 10.89.0.1 (one iptables rule in INPUT, added
# once however many sandboxes), while `--net private:host` reaches it;
# /sys/class/net shows the sandbox's own interfaces; the host's abstract
# unix sockets (per network namespace) and its path sockets under /tmp
# are out of reach.  Traffic goes only to loopback and the bridge.
# Touches the host bridge cshbr0 and INPUT: run alone (tests/run runs one
# script at a time); what it added is removed at exit.

. "$(dirname "$0")/sandbox-common.sh"
SRV= SOCKPID=
iso_cleanup() {
	for p in $SRV $SOCKPID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	sbx_cleanup
}
trap iso_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-net-isolation "$SBX_SKIP"
	exit 0
fi
for t in ip nsenter iptables python3 timeout; do
	command -v $t >/dev/null || { skip sandbox-net-isolation "$t is not installed"; exit 0; }
done

csh() { timeout 30 "$sbx_bin/cshell" -c "$1" 2>&1; }

# a TCP service on all the host's addresses, bounded
cat >"$work/srv.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
s.settimeout(120)
while True:
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.sendall(b"host-service\n")
    c.close()
PY
# the unix sockets: a path one under /tmp and an abstract one
cp "$sbx_repo/tests/integration/probes/unix-listen.py" "$work/listen.py"
cp "$sbx_repo/tests/integration/probes/unix-connect.py" "$work/connect.py"
timeout 150 python3 "$work/srv.py" >"$work/srv.port" 2>&1 &
SRV=$!
abstract=@cshell-iso-$$
timeout 150 python3 "$work/listen.py" "$work/host.sock" "$abstract" >"$work/listen.out" 2>&1 &
SOCKPID=$!
for _ in $(seq 50); do
	[ -s "$work/srv.port" ] && grep -q ready "$work/listen.out" 2>/dev/null && break
	sleep 0.1
done
port=$(head -1 "$work/srv.port")
case $port in [0-9]*) ;; *) fail sandbox-net-isolation "the test service did not start: $port"; exit 0 ;; esac

if ! out=$(sbx create npriv --read-only --net private 2>&1); then
	fail sandbox-net-isolation-create "$out"
	exit 0
fi
# (on failure the checks of plain private still run)
out=$(sbx create nhost --read-only --net private:host 2>&1) ||
	fail sandbox-net-isolation-create-host "$out"
# the bridge exists now: the host reaches its own service there
(echo >"/dev/tcp/10.89.0.1/$port") 2>/dev/null ||
	fail sandbox-net-isolation "the host cannot reach its service on 10.89.0.1:$port"

get="timeout 5 bash -c 'exec 3<>/dev/tcp/10.89.0.1/$port && head -n 1 <&3' 2>&1 || echo refused"
out=$(csh "@npriv $get")
if [ "$out" != host-service ] && [[ $out == *refused* ]]; then
	pass sandbox-net-private-host-service-refused
else
	fail sandbox-net-private-host-service-refused "got '$out'"
fi
out=$(csh "@nhost $get")
check sandbox-net-private-host-opt-in test "$out" = host-service
# ... also from a run
out=$(csh "sandbox run --read-only --net private -- $get")
if [ "$out" != host-service ] && [[ $out == *refused* ]]; then
	pass sandbox-net-private-run-host-service-refused
else
	fail sandbox-net-private-run-host-service-refused "got '$out'"
fi
n=$(iptables -w -S INPUT | grep -- '-i cshbr0' | grep -- '10.89.128.0/17' | grep -c REJECT)
check sandbox-net-private-one-input-rule test "$n" = 1
a1=$(csh '@npriv ip -4 -o addr show eth0' | awk '{print $4}')
a2=$(csh '@nhost ip -4 -o addr show eth0' | awk '{print $4}')
case $a1/$a2 in
10.89.[0-9].*/16/10.89.1[2-9][0-9].*/16 | 10.89.[1-9][0-9].*/16/10.89.1[2-9][0-9].*/16 | 10.89.1[01][0-9].*/16/10.89.1[2-9][0-9].*/16 | 10.89.12[0-7].*/16/10.89.1[2-9][0-9].*/16 | */10.89.2[0-5][0-9].*/16)
	pass sandbox-net-private-address-ranges ;;
*) fail sandbox-net-private-address-ranges "private '$a1', private:host '$a2'" ;;
esac
out=$(sbx inspect nhost --json)
check sandbox-net-private-host-recorded grep -q '"net_host_access": *true' <<<"$out"

# /sys/class/net: the sandbox's interfaces only
out=$(csh '@npriv ls /sys/class/net' | tr '\n' ' ')
check sandbox-net-private-sys-class-net test "$out" = "eth0 lo "

# unix sockets of the host: abstract (per network namespace) and a path
# under /tmp, from --read-only over / and from the layered default mode
modes="--read-only"
[ "$SBX_FUSE" = 1 ] && modes="--read-only default"
for m in $modes; do
	mo=$m
	[ "$m" = default ] && mo=
	out=$(timeout 30 "$sbx_bin/cshell" -c "sandbox run $mo --net private -- python3 - $work/host.sock $abstract" <"$work/connect.py" 2>&1)
	if grep -q "^$work/host.sock=E" <<<"$out" && grep -q "^$abstract=ECONNREFUSED$" <<<"$out"; then
		pass "sandbox-net-private-host-unix-sockets-$m"
	else
		fail "sandbox-net-private-host-unix-sockets-$m" "$(tr '\n' ' ' <<<"$out")"
	fi
done
sbx rm -f npriv nhost >/dev/null 2>&1
exit 0
