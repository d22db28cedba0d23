#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-net.sh — the three network modes: `none` has
# only loopback, `host` shares the host's interfaces, `private` gets eth0
# on the host bridge cshbr0 with its own address and a default route, and
# reaches a server on the bridge address (`private:host`) and another
# private sandbox.
# Traffic stays between this machine and its own namespaces.

. "$(dirname "$0")/sandbox-common.sh"
SRV=
net_cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	sbx_cleanup
}
trap net_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-net "$SBX_SKIP"
	exit 0
fi
for t in ip nsenter python3 bash; do
	command -v $t >/dev/null || { skip sandbox-net "$t is not installed"; exit 0; }
done

csh() { "$sbx_bin/cshell" -c "$1" 2>&1; }

out=$(sbx create nnone --read-only 2>&1) || { fail sandbox-net-none "$out"; exit 0; }
out=$(csh '@nnone ip -o link show' | awk -F': ' '{print $2}' | tr '\n' ' ')
check sandbox-net-none-loopback-only test "$out" = "lo "

out=$(sbx create nhost --read-only --net host 2>&1) || { fail sandbox-net-host "$out"; exit 0; }
want=$(ip -o link show | wc -l)
out=$(csh '@nhost ip -o link show' | wc -l)
check sandbox-net-host-shares-interfaces test "$out" = "$want"

# np1 may reach the host's own addresses (sandbox-net-isolation.sh checks
# that a plain private one may not)
if ! out=$(sbx create np1 --read-only --net private:host 2>&1); then
	fail sandbox-net-private-create "$out"
	exit 0
fi
sbx create np2 --read-only --net private >/dev/null 2>&1 ||
	fail sandbox-net-private-second "second private sandbox not created"
ip1=$(csh '@np1 ip -4 -o addr show eth0' | awk '{print $4}' | cut -d/ -f1)
ip2=$(csh '@np2 ip -4 -o addr show eth0' | awk '{print $4}' | cut -d/ -f1)
case $ip1 in 10.89.*) pass sandbox-net-private-address ;; *)
	fail sandbox-net-private-address "eth0 of np1 has '$ip1'" ;; esac
check sandbox-net-private-distinct-addresses test -n "$ip2" -a "$ip1" != "$ip2"
out=$(csh '@np1 ip route' | grep '^default')
check sandbox-net-private-default-route test "$out" = "default via 10.89.0.1 dev eth0 "

# a server on the host's bridge address, reached from inside
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("10.89.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/www"
echo from-the-host >"$work/www/hello"
python3 -m http.server --bind 10.89.0.1 --directory "$work/www" "$port" >/dev/null 2>&1 &
SRV=$!
for _ in $(seq 50); do
	(echo >"/dev/tcp/10.89.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
get='exec 3<>/dev/tcp/HOST/PORT && printf "GET /hello HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3'
out=$(csh "@np1 timeout 5 bash -c '$(echo "$get" | sed "s/HOST/10.89.0.1/; s/PORT/$port/")'")
check sandbox-net-private-reaches-host-bridge test "$out" = from-the-host

# one private sandbox reaches another (a bare socket server: http.server
# would stall on a reverse DNS lookup that no resolver answers in here)
cat >"$work/srv.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen()
s.settimeout(20)
c, _ = s.accept()
c.sendall(b"from-np2\n")
c.close()
PY
csh "@np2 python3 - $ip2 <'$work/srv.py' >'$work/srv.log' 2>&1 &" >/dev/null
out=
for _ in $(seq 50); do
	out=$(csh "@np1 timeout 2 bash -c 'exec 3<>/dev/tcp/$ip2/8080 && head -n 1 <&3'" 2>/dev/null)
	[ "$out" = from-np2 ] && break
	sleep 0.1
done
check sandbox-net-private-reaches-other-sandbox test "$out" = from-np2

# the host end of the veth goes away with the sandbox
pid=$(sed -n 's/^init_pid=//p' "$work/rt/sandboxes/np1/state")
sbx rm -f np1 >/dev/null 2>&1
sleep 0.2
if ip -o link show | grep -q "cshv$pid[:@]"; then
	fail sandbox-net-private-cleanup "cshv$pid still exists after rm"
else
	pass sandbox-net-private-cleanup
fi
exit 0
