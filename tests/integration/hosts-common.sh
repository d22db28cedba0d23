#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/hosts-common.sh — the test bed of the hosts-*.sh tests:
# N network namespaces on a bridge of their own, each running its own
# sshd, reached with a key, known_hosts and ssh_config made for the test
# (CSHELL_SSH_CONFIG, so nothing of ~/.ssh is read or written).
#
# Sourced, it defines hb_setup N (sets HB_SKIP and returns 1 when the
# machine cannot do it), hb_ns I / hb_ip I / hb_sshd_pid I, hb_state I,
# hb_cut I (link down), hb_kill_sshd I, hb_procs I (processes in host I's
# namespace other than sshd), the PASS/FAIL/SKIP printers, and hb_cleanup,
# which the EXIT trap runs even after a failure.  A test may define
# hb_sshd_extra I to print lines added to host I's sshd_config (not
# SetEnv: sshd takes only the first, which gives the state dirs of
# hb_state I).  Run on its own, it brings up two hosts and checks that ssh
# reaches both.
#
# Addresses: 10.253.X.0/24 (X from the pid, skipping subnets in use); the
# host side of the bridge is .1, host I is .(10+I).  Nothing is routed
# anywhere else.  Names carry the pid of the run (csht<pid>…), so that
# leftovers of a run that died are found and removed, and concurrent runs
# leave each other alone.
#
# The hosts share this machine's files, so each sshd gives its sessions
# (SetEnv) a PATH that starts with a directory of its own, where a test
# may put stand-ins (hb_state I/bin), then the build's bin directory (the
# remote cshell is the one under test), and state roots of their own
# ($hb_work/hostI/{config,data,run}): no host sees another's sandboxes.

hb_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
hb_bin=${CSHELL_BIN:-$hb_repo/build/bin}
case $hb_bin in /*) ;; *) hb_bin=$hb_repo/$hb_bin ;; esac
HOSTS=$hb_bin/cshell-hosts

. "$hb_repo/tests/lib.sh"

HB_N=0
HB_PIDS=()
hb_tag=csht$$
hb_work=

hb_ns() { echo "$hb_tag-$1"; }
hb_ip() { echo "$HB_NET.$((10 + $1))"; }
hb_veth() { echo "${hb_tag}h$1"; }
hb_sshd_pid() { echo "${HB_PIDS[$1]}"; }
# the state roots (CSHELL_*_DIR) of host I's sessions
hb_state() { echo "$hb_work/host$1"; }

# Removes what runs that died left behind: their namespaces (and the
# processes in them) and their bridges.
hb_clean_leftovers() {
	local ns pid br
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^csht[0-9]*-'); do
		pid=${ns#csht}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] && continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	# bridges (csht<pid>b) and host ends of veths (csht<pid>h<i>)
	for br in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^csht[0-9]+(b|h[0-9]+)$'); do
		pid=${br#csht}
		pid=${pid%%[bh]*}
		[ -d "/proc/$pid" ] || ip link del "$br" 2>/dev/null
	done
}

# A 10.253.X.0/24 that no interface of this machine uses.
hb_pick_net() {
	local x=$(($$ % 240 + 10)) i
	for i in $(seq 0 239); do
		if ! ip -4 -o addr show | grep -q " 10\.253\.$x\."; then
			HB_NET=10.253.$x
			return 0
		fi
		x=$(((x - 10 + 1) % 240 + 10))
	done
	return 1
}

hb_start_sshd() {
	local i=$1 ns
	ns=$(hb_ns "$i")
	cat >"$hb_work/sshd$i.conf" <<EOF
ListenAddress $(hb_ip "$i"):22
HostKey $hb_work/host_key
PidFile none
AuthorizedKeysFile $hb_work/id.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200
MaxSessions 200
LogLevel ERROR
SetEnv PATH=$(hb_state "$i")/bin:$hb_bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CSHELL_CONFIG_DIR=$(hb_state "$i")/config CSHELL_DATA_DIR=$(hb_state "$i")/data CSHELL_RUNTIME_DIR=$(hb_state "$i")/run
EOF
	mkdir -p "$(hb_state "$i")/config" "$(hb_state "$i")/data" "$(hb_state "$i")/run" \
		"$(hb_state "$i")/bin"
	chmod 700 "$(hb_state "$i")/run"
	# a test may add lines of its own for host I (hb_sshd_extra I)
	if declare -F hb_sshd_extra >/dev/null; then
		hb_sshd_extra "$i" >>"$hb_work/sshd$i.conf"
	fi
	# not a job of this shell: bash would report its death when killed.
	# The login shell sshd starts reads the user's dotfiles; an empty home
	# in a mount namespace of its own keeps this machine's out of the test.
	# nsenter, not `ip netns exec`, which mounts a sysfs of the namespace
	# over /sys and so hides the cgroup hierarchies (and BTF) that sandboxes
	# and monitors on these hosts need
	HB_PIDS[$i]=$(nsenter --net="/run/netns/$ns" unshare -m --propagation private \
		/bin/sh -c 'mount --bind "$1" "$2" && exec /usr/sbin/sshd -D -e -f "$3"' \
		sh "$hb_work/home" "$hb_home" "$hb_work/sshd$i.conf" \
		</dev/null >/dev/null 2>>"$hb_work/sshd$i.log" & echo $!)
}

# hb_setup N: N namespaces with sshd, the client config, and the hosts
# h1..hN in a fresh inventory (own state roots).
hb_setup() {
	local n=$1 i ns v
	HB_SKIP=
	if [ "$(id -u)" != 0 ]; then HB_SKIP="needs root (network namespaces)"; return 1; fi
	for t in ip ssh ssh-keygen pgrep nsenter; do
		command -v $t >/dev/null || { HB_SKIP="$t is not installed"; return 1; }
	done
	[ -x /usr/sbin/sshd ] || { HB_SKIP="sshd is not installed (openssh-server)"; return 1; }
	[ -x "$HOSTS" ] || { HB_SKIP="$HOSTS is not built"; return 1; }
	hb_clean_leftovers
	hb_work=$(mktemp -d /tmp/cshth.XXXXXX) || return 1
	export CSHELL_CONFIG_DIR=$hb_work/config CSHELL_DATA_DIR=$hb_work/data
	export CSHELL_RUNTIME_DIR=$hb_work/run
	mkdir -p "$CSHELL_CONFIG_DIR" "$CSHELL_DATA_DIR" "$CSHELL_RUNTIME_DIR"
	chmod 700 "$CSHELL_RUNTIME_DIR"
	hb_pick_net || { HB_SKIP="no free 10.253.X.0/24"; return 1; }
	ip link add "${hb_tag}b" type bridge || { HB_SKIP="cannot create a bridge"; return 1; }
	ip addr add "$HB_NET.1/24" dev "${hb_tag}b"
	ip link set "${hb_tag}b" up
	ssh-keygen -q -t ed25519 -N '' -f "$hb_work/host_key" -C cshell-test-host || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$hb_work/id" -C cshell-test || return 1
	mkdir -m 700 "$hb_work/home"
	hb_home=$(getent passwd "$(id -un)" | cut -d: -f6)
	# sshd's privilege separation directory (Debian's unit creates it)
	mkdir -p /run/sshd
	: >"$hb_work/known_hosts"
	for i in $(seq 1 "$n"); do
		ns=$(hb_ns "$i")
		v=$(hb_veth "$i")
		ip netns add "$ns" || { HB_SKIP="cannot create namespaces"; return 1; }
		ip link add "$v" type veth peer name eth0 netns "$ns" || return 1
		ip link set "$v" master "${hb_tag}b" up
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$(hb_ip "$i")/24" dev eth0
		ip -n "$ns" link set eth0 up
		echo "$(hb_ip "$i") $(cat "$hb_work/host_key.pub")" >>"$hb_work/known_hosts"
	done
	HB_N=$n
	cat >"$hb_work/ssh_config" <<EOF
Host alias-h1
	HostName $(hb_ip 1)
Host *
	User root
	IdentityFile $hb_work/id
	IdentitiesOnly yes
	UserKnownHostsFile $hb_work/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	LogLevel ERROR
EOF
	export CSHELL_SSH_CONFIG=$hb_work/ssh_config
	for i in $(seq 1 "$n"); do
		hb_start_sshd "$i"
		"$HOSTS" add "h$i" "root@$(hb_ip "$i")" "idx=$i" "parity=$((i % 2))" || return 1
	done
	# sshd is ready when its port answers
	for i in $(seq 1 "$n"); do
		for _ in $(seq 100); do
			(exec 3<>"/dev/tcp/$(hb_ip "$i")/22") 2>/dev/null && break
			sleep 0.05
		done
	done
	return 0
}

hb_cut() { ip link set "$(hb_veth "$1")" down; }

# sshd of host I and every connection it serves
hb_kill_sshd() {
	local p
	for p in $(ip netns pids "$(hb_ns "$1")" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && kill -9 "$p" 2>/dev/null
	done
}

# processes in host I's namespace that are not sshd, as "pid cmdline"
hb_procs() {
	local p
	for p in $(ip netns pids "$(hb_ns "$1")" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && continue
		[ -d "/proc/$p" ] && echo "$p $( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)"
	done
}

# The sandboxes the hosts made: their inits live in namespaces of their
# own (not the hosts' network namespaces emptied below), so they are
# killed from their records, their cgroups removed.
hb_kill_sandboxes() {
	local st pid cg
	for st in "$hb_work"/host*/run/sandboxes/*/state; do
		[ -f "$st" ] || continue
		pid=$(sed -n 's/^init_pid=//p' "$st")
		[ -n "$pid" ] && [ "$pid" -gt 1 ] &&
			grep -q cshell-init "/proc/$pid/cmdline" 2>/dev/null &&
			kill -9 "$pid"
	done
	sleep 0.2
	for st in "$hb_work"/host*/run/sandboxes/*/state; do
		[ -f "$st" ] || continue
		for cg in $(sed -n 's/^cgroup_v[12]=//p' "$st" | tr ':' ' '); do
			case $cg in /sys/fs/cgroup/*cshell/*) rmdir "$cg" 2>/dev/null ;; esac
		done
	done
}

hb_cleanup() {
	local i s p
	[ -n "$hb_work" ] || return 0
	hb_kill_sandboxes
	# the masters first: they are ssh processes this test started
	for s in "$CSHELL_RUNTIME_DIR"/ssh/*.sock; do
		[ -S "$s" ] && timeout 5 ssh -F "$hb_work/ssh_config" -o ControlPath="$s" \
			-O exit x >/dev/null 2>&1
	done
	for i in $(seq 1 "$HB_N"); do
		for p in $(ip netns pids "$(hb_ns "$i")" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		# a veth outlives a namespace that an orphaned TCP socket (a
		# cut link) keeps alive for minutes: delete it by its host end
		ip link del "$(hb_veth "$i")" 2>/dev/null
		ip netns del "$(hb_ns "$i")" 2>/dev/null
	done
	ip link del "${hb_tag}b" 2>/dev/null
	rm -rf "$hb_work"
	hb_work=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	trap hb_cleanup EXIT
	if ! hb_setup 2; then
		skip hosts-testbed "$HB_SKIP"
		exit 0
	fi
	ok=1
	for i in 1 2; do
		out=$(ssh -F "$CSHELL_SSH_CONFIG" -o BatchMode=yes "root@$(hb_ip "$i")" ip netns identify 2>&1)
		[ "$out" = "$(hb_ns "$i")" ] || { ok=0; fail hosts-testbed "host $i answered '$out'"; }
	done
	[ $ok = 1 ] && pass hosts-testbed
	exit 0
fi
