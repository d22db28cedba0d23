#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-lifecycle.sh — a sandbox from create to rm the
# way a user drives it: env, workdir, hostname, mounts, exit statuses,
# pipes, persistence across stop/start, diff and commit, a layered sandbox
# over the committed layer, stale records, concurrent create, and the
# ephemeral `run`.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-lifecycle "$SBX_SKIP"
	exit 0
fi
if [ "$SBX_FUSE" != 1 ] || ! command -v "$CSHELL_FS" >/dev/null; then
	skip sandbox-lifecycle "no layered fs program (cshell-fs or fuse-overlayfs) or /dev/fuse"
	exit 0
fi

mkdir -p "$work/share" "$work/ro"
echo readonly >"$work/ro/file"
marker=cshell-test-$$-$RANDOM

if ! out=$(sbx create dev --env FOO=bar --env FOO=baz --workdir /wd \
	--hostname hh --mount "$work/share:/share" \
	--mount "$work/ro:/ro:ro" 2>&1); then
	fail sandbox-create "$out"
	exit 0
fi
pass sandbox-create

out=$(sbx ls)
check sandbox-ls-running grep -q '^dev  *running' <<<"$out"
out=$(sbx inspect dev --json)
check sandbox-inspect-json grep -q '"state":"running".*"workdir":"/wd"' <<<"$out"

out=$(sbx exec dev -- sh -c 'echo "$FOO $(pwd) $(hostname)"' 2>&1)
check sandbox-env-workdir-hostname test "$out" = "baz /wd hh"

sbx exec dev -- sh -c 'exit 7'
check sandbox-exit-status test $? = 7
sbx exec dev -- sh -c 'kill -TERM $$'
check sandbox-killed-by-signal test $? = 143
# a signal sent (kill) to the joined process's relay reaches the command
sbx exec dev -- sleep 20 &
front=$!
relay=
for _ in $(seq 50); do
	relay=$(pgrep -P $front | head -1)
	[ -n "$relay" ] && [ -n "$(pgrep -P "$relay")" ] && break
	sleep 0.1
done
if [ -n "$relay" ]; then
	kill -INT "$relay"
	wait $front
	check sandbox-relay-forwards-signal test $? = 130
else
	kill $front
	wait $front
	fail sandbox-relay-forwards-signal "no relay process found"
fi
out=$(sbx exec dev -- sh -c 'echo hello from dev' | tr a-z A-Z)
check sandbox-pipe test "$out" = "HELLO FROM DEV"
# the language: `@dev cmd` joins the sandbox
{
	out=$("$sbx_bin/cshell" -c '@dev hostname | tr a-z A-Z' 2>&1)
	check sandbox-at-target-pipe test "$out" = HH
	"$sbx_bin/cshell" -c '@dev sh -c "exit 5"' 2>/dev/null
	check sandbox-at-target-status test $? = 5
	out=$("$sbx_bin/cshell" -c '@dev sh -c "echo \$FOO \$(pwd)"' 2>&1)
	check sandbox-at-target-env-workdir test "$out" = "baz /wd"
	out=$("$sbx_bin/cshell" -c 'enter dev; hostname; @host hostname; leave; hostname' 2>&1)
	check sandbox-enter-leave test "$out" = "hh
$(hostname)
$(hostname)"
	# DESIGN's session: `sandbox create dev --mount .:/src` in a project,
	# `@dev make | tee build.log` builds there, from a subdirectory too
	mkdir -p "$work/proj/sub"
	printf 'all:\n\t@echo "built in $$(pwd) on $$(hostname)"\n' >"$work/proj/Makefile"
	# (env -u: under make check the outer make's jobserver would leak in)
	out=$(cd "$work/proj" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		"$sbx_bin/cshell" -c 'sandbox create proj --mount .:/src >/dev/null &&
		@proj make -j2 | tee build.log >/dev/null; cat build.log; cd sub && @proj pwd; cd /; @proj pwd
		enter proj; cd '"$work"'/proj; make; leave; sandbox rm -f proj' 2>&1)
	check sandbox-design-session test "$out" = "built in /src on proj
/src/sub
/
built in /src on proj"
	out=$("$sbx_bin/cshell" -c '@nosuch true' 2>&1)
	rc=$?
	if [ $rc = 2 ] && [[ $out == *"unknown target 'nosuch'"* ]]; then
		pass sandbox-at-unknown-target
	else
		fail sandbox-at-unknown-target "status $rc, '$out'"
	fi
}
sbx exec dev -- /nonexistent/cmd 2>/dev/null
check sandbox-not-found-127 test $? = 127

out=$(sbx exec dev -- sh -c 'ps -e -o pid= | wc -l; echo $$' 2>&1)
# only init, sh, ps (and wc) are visible: a fresh pid namespace
n=$(head -1 <<<"$out")
check sandbox-pid-namespace test "$n" -le 5

sbx exec dev -- sh -c 'echo shared > /share/out'
check sandbox-mount-rw grep -qx shared "$work/share/out"
sbx exec dev -- sh -c 'echo x > /ro/new' 2>/dev/null
rc=$?
out=$(sbx exec dev -- cat /ro/file)
if [ $rc != 0 ] && [ ! -e "$work/ro/new" ] && [ "$out" = readonly ]; then
	pass sandbox-mount-ro
else
	fail sandbox-mount-ro "write status $rc, read '$out'"
fi

sbx exec dev -- sh -c "echo $marker > /etc/$marker && rm /etc/hostname"
if [ -e "/etc/$marker" ]; then
	fail sandbox-host-root-untouched "/etc/$marker appeared on the host"
	rm -f "/etc/$marker"
elif [ ! -e /etc/hostname ] && [ -e "$work/data/sandboxes/dev/upper" ]; then
	fail sandbox-host-root-untouched "/etc/hostname vanished on the host"
else
	pass sandbox-host-root-untouched
fi
out=$(sbx diff dev)
if grep -qx "A /etc/$marker" <<<"$out" && grep -qx "D /etc/hostname" <<<"$out" &&
	grep -qx "C /etc" <<<"$out"; then
	pass sandbox-diff
else
	fail sandbox-diff "got: $(tr '\n' ' ' <<<"$out")"
fi

out=$(sbx logs dev)
check sandbox-logs grep -q "cshell-init: sandbox 'dev' started" <<<"$out"

sbx stop dev
if sbx ls | grep -q '^dev  *stopped' &&
	! grep -q "$work/rt/sandboxes/dev/rootfs" /proc/mounts; then
	pass sandbox-stop
else
	fail sandbox-stop "not stopped or rootfs still mounted"
fi
out=$(sbx exec dev -- true 2>&1)
check sandbox-exec-stopped-fails grep -q "is stopped" <<<"$out"
sbx start dev
out=$(sbx exec dev -- cat "/etc/$marker" 2>&1)
check sandbox-start-persists test "$out" = "$marker"
out=$(sbx start dev 2>&1)
check sandbox-start-running-fails grep -q "already running" <<<"$out"

sbx commit dev "$work/layer1"
check sandbox-commit test -f "$work/layer1/etc/$marker"
out=$(sbx commit dev "$work/layer1" 2>&1)
check sandbox-commit-nonempty-fails grep -q "is not empty" <<<"$out"

# a sandbox over the committed layer and the host root
if out=$(sbx create layered --layer "$work/layer1" --layer / 2>&1); then
	out=$(sbx exec layered -- sh -c "cat /etc/$marker; test -e /etc/hostname || echo gone")
	check sandbox-layered test "$out" = "$marker
gone"
else
	fail sandbox-layered "$out"
fi

# stale record: its init dies behind our back
pid=$(sed -n 's/^init_pid=//p' "$work/rt/sandboxes/layered/state")
kill -9 "$pid"
sleep 0.2
out=$(sbx ls)
check sandbox-stale-listed grep -q '^layered  *dead' <<<"$out"
out=$(sbx exec layered -- true 2>&1)
check sandbox-stale-exec-fails grep -q "is dead" <<<"$out"
sbx rm layered 2>/dev/null
if [ ! -e "$work/rt/sandboxes/layered" ] &&
	! grep -q "$work/rt/sandboxes/layered/" /proc/mounts; then
	pass sandbox-stale-rm
else
	fail sandbox-stale-rm "record or mount left behind"
fi

# two creates of one name at once: exactly one wins
sbx create race >"$work/race1" 2>&1 &
p1=$!
sbx create race >"$work/race2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
if [ $((r1 + r2)) -ge 1 ] && { [ $r1 = 0 ] || [ $r2 = 0 ]; } &&
	grep -qE "already exists|being changed" "$work/race1" "$work/race2"; then
	pass sandbox-concurrent-create
else
	fail sandbox-concurrent-create "statuses $r1 $r2: $(cat "$work/race1" "$work/race2")"
fi
sbx rm -f race

out=$(sbx rm dev 2>&1)
check sandbox-rm-running-refused grep -q "is running" <<<"$out"
sbx rm -f dev
if [ "$(sbx ls --json)" = "[]" ] && [ ! -e "$work/data/sandboxes/dev" ]; then
	pass sandbox-rm
else
	fail sandbox-rm "record or data left"
fi

out=$(sbx run --read-only -- sh -c 'cat /etc/hostname >/dev/null && touch /x' 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"Read-only file system"* ]] &&
	[ "$(sbx ls --json)" = "[]" ]; then
	pass sandbox-run-read-only
else
	fail sandbox-run-read-only "status $rc, '$out'"
fi
out=$(sbx run --env A=1 -- sh -c 'echo $A; exit 3')
rc=$?
check sandbox-run-status test "$rc:$out" = "3:1"
# options of create, each through an ephemeral read-only run
out=$(sbx run --read-only --user 1000:1000 -- sh -c 'id -u; id -g; grep CapEff /proc/self/status')
check sandbox-user test "$(tr '\n\t' '  ' <<<"$out")" = "1000 1000 CapEff: 0000000000000000 "
out=$(sbx run --read-only --cap-add NET_RAW --cap-drop CHOWN -- grep CapEff /proc/self/status)
# default 0xa00405fb + net_raw (bit 13) - chown (bit 0)
check sandbox-cap-add-drop grep -q '00000000a00425fa$' <<<"$out"
# an added capability also unlocks its system calls (as in Docker)
out=$(sbx run --read-only --cap-add SYS_ADMIN -- sh -c 'mount -t tmpfs none /mnt && echo mounted' 2>&1)
check sandbox-cap-add-unlocks-syscalls test "$out" = mounted
out=$(sbx run --read-only -- cat /proc/net/dev | grep -c ':')
check sandbox-net-none test "$out" = 1
host_ifs=$(grep -c ':' /proc/net/dev)
if [ "$host_ifs" -gt 1 ]; then
	out=$(sbx run --read-only --net host -- cat /proc/net/dev | grep -c ':')
	check sandbox-net-host test "$out" = "$host_ifs"
else
	skip sandbox-net-host "the host has only a loopback interface"
fi
out=$(sbx run --read-only --net private -- cat /proc/net/dev 2>&1)
check sandbox-net-private-eth0 grep -q "eth0:" <<<"$out"
printf '# test profile\nuname\n' >"$work/profile"
out=$(sbx run --read-only --seccomp "$work/profile" -- uname 2>&1)
rc=$?
check sandbox-seccomp-file test $rc != 0 -a -n "$(grep -i 'not permitted' <<<"$out")"
out=$(sbx run --read-only --seccomp unconfined -- grep Seccomp: /proc/self/status)
check sandbox-seccomp-unconfined grep -q '0$' <<<"$out"
printf 'no_such_call\n' >"$work/profile"
out=$(sbx run --read-only --seccomp "$work/profile" -- true 2>&1)
check sandbox-seccomp-file-bad grep -q "unknown system call 'no_such_call'" <<<"$out"
# Docker/OCI JSON profiles: conditions on capabilities, errnoRet
cat >"$work/profile.json" <<'EOF'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [
		{ "names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 },
		{ "names": ["getcwd"], "action": "SCMP_ACT_ERRNO",
		  "includes": { "caps": ["CAP_SYS_ADMIN"] } },
		{ "names": ["no_such_call"], "action": "SCMP_ACT_ERRNO" }
	]
}
EOF
out=$(sbx run --read-only --seccomp "$work/profile.json" -- sh -c 'uname; cd / && /bin/pwd' 2>&1)
if grep -q "Operation not permitted" <<<"$out" && grep -qx / <<<"$out"; then
	pass sandbox-seccomp-json
else
	fail sandbox-seccomp-json "'$out'"
fi
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' >"$work/bad.json"
out=$(sbx run --read-only --seccomp "$work/bad.json" -- true 2>&1)
check sandbox-seccomp-json-invalid grep -q "invalid JSON" <<<"$out"
check sandbox-all-removed test "$(sbx ls --json)" = "[]"
exit 0
