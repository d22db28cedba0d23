#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-slirp.sh — `--net slirp`, the user-mode
# network that `--net private` uses without root (slirp4netns): the
# sandbox gets tap0 10.0.2.100/24 with a default route through 10.0.2.2
# and slirp's name server 10.0.2.3 in /etc/resolv.conf, reaches a server on the host's own non-loopback address through the
# user-mode NAT (the host's loopback stays out of reach), and its
# slirp4netns ends with the sandbox, after a run and after rm.  Run as
# root here; sandbox-rootless.sh covers the unprivileged path as far as
# this machine lets a user open /dev/net/tun.

. "$(dirname "$0")/sandbox-common.sh"
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; sbx_cleanup' EXIT

if ! sbx_setup; then
	skip sandbox-slirp "$SBX_SKIP"; exit 0
fi
if ! command -v slirp4netns >/dev/null; then
	skip sandbox-slirp "slirp4netns is not installed"; exit 0
fi
before=$(pgrep -x slirp4netns | wc -l)
count() { pgrep -x slirp4netns | wc -l; }

out=$(sbx run --read-only --net slirp -- sh -c \
	'PATH=/usr/sbin:/sbin:$PATH; ip -4 addr show tap0; ip -4 route; cat /etc/resolv.conf' 2>&1)
grep -qx "nameserver 10.0.2.3" <<<"$out" && pass sandbox-slirp-resolv-conf ||
	fail sandbox-slirp-resolv-conf "$(tr '\n' ' ' <<<"$out")"
if grep -q "inet 10.0.2.100/24" <<<"$out" &&
	grep -q "^default via 10.0.2.2 dev tap0" <<<"$out"; then
	pass sandbox-slirp-address-route
else
	fail sandbox-slirp-address-route "$(tr '\n' ' ' <<<"$out")"
fi
for _ in $(seq 1 50); do [ "$(count)" = "$before" ] && break; sleep 0.1; done
[ "$(count)" = "$before" ] && pass sandbox-slirp-run-cleanup ||
	fail sandbox-slirp-run-cleanup "slirp4netns left after the run"

# a server on this machine's own address, reached through the NAT
hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}')
if [ -n "$hostip" ]; then
	mkdir -p "$work/www" && echo through-slirp >"$work/www/hello"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
	python3 -m http.server -b "$hostip" -d "$work/www" "$port" >/dev/null 2>&1 &
	srv=$!
	for _ in $(seq 1 50); do
		python3 -c "import socket; socket.create_connection(('$hostip', $port), 1)" 2>/dev/null && break
		sleep 0.1
	done
	out=$(sbx run --read-only --net slirp -- python3 -c "
import urllib.request
print(urllib.request.urlopen('http://$hostip:$port/hello', timeout=10).read().decode().strip())" 2>&1)
	[ "$out" = through-slirp ] && pass sandbox-slirp-reaches-host-address ||
		fail sandbox-slirp-reaches-host-address "$out"
	out=$(sbx run --read-only --net slirp -- python3 -c "
import socket
try:
    socket.create_connection(('10.0.2.2', $port), 3); print('reached')
except OSError as e:
    print('refused')" 2>&1)
	[ "$out" = refused ] && pass sandbox-slirp-no-host-loopback ||
		fail sandbox-slirp-no-host-loopback "$out"
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; srv=
else
	skip sandbox-slirp-reaches-host-address "this machine has no global IPv4 address"
fi

for _ in $(seq 1 50); do [ "$(count)" = "$before" ] && break; sleep 0.1; done
if out=$(sbx create sl --read-only --net slirp 2>&1) &&
	[ "$(count)" = $((before + 1)) ]; then
	pass sandbox-slirp-create
else
	fail sandbox-slirp-create "$out; $(count) slirp4netns"
fi
out=$(sbx inspect sl 2>&1)
grep -q "^net: *slirp" <<<"$out" && pass sandbox-slirp-inspect ||
	fail sandbox-slirp-inspect "$(grep net <<<"$out")"
sbx rm -f sl >/dev/null 2>&1
for _ in $(seq 1 50); do [ "$(count)" = "$before" ] && break; sleep 0.1; done
[ "$(count)" = "$before" ] && pass sandbox-slirp-rm-cleanup ||
	fail sandbox-slirp-rm-cleanup "slirp4netns still running after rm"
