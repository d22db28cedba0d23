#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-nat.sh — `--net private` has a way out on a
# host where IPv4 forwarding starts off: creating the sandbox switches it
# on, and the sandbox reaches a listener "outside" — in a network
# namespace made here, behind a veth of its own, which knows no route to
# the bridge, so only the NAT brings the answer back.  Nothing but this
# machine's own namespaces is contacted.  Touches the host's bridge and
# ip_forward (restored at the end): run alone, like sandbox-net.sh.

. "$(dirname "$0")/sandbox-common.sh"
NS=cshell-nat-$$
VETH=cshn$$
SRV=
FWD=
nat_cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	sbx_cleanup
	ip link del "$VETH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "$FWD" ] && echo "$FWD" >/proc/sys/net/ipv4/ip_forward
}
trap nat_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-nat "$SBX_SKIP"
	exit 0
fi
for t in ip iptables python3 bash; do
	command -v $t >/dev/null || { skip sandbox-nat "$t is not installed"; exit 0; }
done

# "the outside": 10.231.77.2 in a namespace of our own
OUT=10.231.77.2
if ! ip netns add "$NS" 2>/dev/null ||
	! ip link add "$VETH" type veth peer name eth0 netns "$NS" ||
	! ip addr add 10.231.77.1/30 dev "$VETH" || ! ip link set "$VETH" up ||
	! ip -n "$NS" addr add "$OUT/30" dev eth0 ||
	! ip -n "$NS" link set eth0 up || ! ip -n "$NS" link set lo up; then
	skip sandbox-nat "cannot make a test network namespace"
	exit 0
fi
cat >"$work/srv.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen()
s.settimeout(30)
c, peer = s.accept()
c.sendall(b"from-outside\n")
c.close()
PY
timeout 40 ip netns exec "$NS" python3 "$work/srv.py" "$OUT" >/dev/null 2>&1 &
SRV=$!
for _ in $(seq 50); do
	ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q "$OUT:8080" && break
	sleep 0.1
done

FWD=$(cat /proc/sys/net/ipv4/ip_forward)
echo 0 >/proc/sys/net/ipv4/ip_forward
if ! out=$(sbx create nat --read-only --net private 2>&1); then
	fail sandbox-nat-create "$out"
	exit 0
fi
check sandbox-nat-ip-forward-on test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1
out=$(timeout 20 "$sbx_bin/cshell" -c "@nat timeout 10 bash -c 'exec 3<>/dev/tcp/$OUT/8080 && cat <&3'" 2>&1)
check sandbox-nat-reaches-outside test "$out" = from-outside
sbx rm -f nat >/dev/null 2>&1
exit 0
