#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-join.sh — the join (`@NAME cmd`, `sandbox
# exec`) as root inside the sandbox would attack it (docs/sandbox.md,
# "Join").  An attacker in the sandbox watches /proc/*/{exe,cwd,root,fd}
# while a host script on a terminal joins the sandbox hundreds of times:
# nothing of the host's (the script, its other fds, the cgroup tree, the
# terminal, a writable binary) may reach it.  A `#!/proc/self/exe` script
# must not re-run a host binary inside.  The host binaries are copies in
# the test's own directory, so a successful attack damages nothing.
# `cshell-init --exec PATH` execs before its C library starts, and a run's
# init sends its ready byte before it (strace).

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-join "$SBX_SKIP"
	exit 0
fi
if ! command -v script >/dev/null; then
	skip sandbox-join "script(1) is not installed (util-linux)"
	exit 0
fi
if ! gcc -static -O1 -o "$work/join-watch" \
	"$sbx_repo/tests/integration/probes/join-watch.c" 2>"$work/cc.log"; then
	fail sandbox-join-probe "cannot build the probe: $(head -3 "$work/cc.log")"
	exit 0
fi

# copies of the host binaries: what an attack would write to
mkdir -p "$work/bin"
cp "$sbx_bin/cshell" "$sbx_bin/cshell-init" "$work/bin/"
export CSHELL_INIT=$work/bin/cshell-init
csh=$work/bin/cshell
allowed=$(stat -c '%d:%i' "$work/bin/cshell-init")

layer=$work/layer
mkdir -p "$layer"/{proc,dev,sys,tmp}
cp "$work/join-watch" "$layer/join-watch"
printf '#!/proc/self/exe\n/join-watch selfexe\n' >"$layer/selfexe"
chmod 755 "$layer/selfexe"
echo "host secret" >"$work/secret"

if ! out=$(sbx create jw --read-only --layer "$layer" 2>&1); then
	fail sandbox-join-create "$out"
	exit 0
fi

# the attacker first, then the host script on a terminal (script(1)):
# its fd 7 is a host file, its own source is open too
sbx exec jw -- /join-watch 12 "$allowed" >"$work/watch.out" 2>&1 &
watcher=$!
sleep 0.5
cat >"$work/loop.csh" <<EOF
exec 7<"$work/secret"
i=0
while [ \$i -lt 300 ]; do
	@jw /join-watch noop || echo "join \$i failed"
	i=\$((i + 1))
done
echo "joined \$i times"
EOF
timeout 120 script -qec "$csh $work/loop.csh" /dev/null </dev/null \
	>"$work/loop.out" 2>&1
wait "$watcher"
rc=$?
if ! grep -q 'joined 300 times' "$work/loop.out"; then
	fail sandbox-join-loop "the host script did not finish: $(tail -3 "$work/loop.out")"
elif grep -q 'failed' "$work/loop.out"; then
	fail sandbox-join-loop "$(grep -m3 failed "$work/loop.out")"
else
	pass sandbox-join-loop
fi
if ! grep -q '^seen [1-9][0-9]* processes' "$work/watch.out"; then
	fail sandbox-join-watch "the attacker did not run: $(head -5 "$work/watch.out")"
elif grep -q '^LEAK' "$work/watch.out" || [ $rc != 0 ]; then
	fail sandbox-join-no-host-object "$(grep -m5 '^LEAK' "$work/watch.out")"
else
	pass sandbox-join-no-host-object
fi

# `#!/proc/self/exe`: the interpreter is whatever execs the script; it
# must be cshell-init's read-only image (or refused by the kernel, as
# 6.x does for a host binary outside the namespace), never a writable host
# binary
out=$(timeout 30 "$csh" -c '@jw /selfexe' 2>&1)
if [[ $out == *LEAK* ]]; then
	fail sandbox-join-selfexe "$out"
elif [[ $out == *cshell-init* || $out == *"not found"* || $out == *"No such file"* ]]; then
	pass sandbox-join-selfexe
else
	fail sandbox-join-selfexe "unexpected: $out"
fi
out=$(timeout 30 "$csh" -c 'sandbox exec jw -- /selfexe' 2>&1)
if [[ $out == *LEAK* ]]; then
	fail sandbox-join-exec-selfexe "$out"
elif [[ $out == *cshell-init* || $out == *"not found"* || $out == *"No such file"* ]]; then
	pass sandbox-join-exec-selfexe
else
	fail sandbox-join-exec-selfexe "unexpected: $out"
fi
# `sandbox run`: its command starts while pid 1 is still a copy of the
# shell; that copy is non-dumpable, and the command runs through
# cshell-init's image too
out=$(timeout 60 "$csh" -c "sandbox run --read-only --layer '$layer' -- /join-watch 2 '$allowed'" 2>&1)
if grep -q '^LEAK' <<<"$out" || ! grep -q '^seen' <<<"$out"; then
	fail sandbox-run-no-host-object "$(head -5 <<<"$out")"
else
	pass sandbox-run-no-host-object
fi
out=$(timeout 60 "$csh" -c "sandbox run --read-only --layer '$layer' -- /selfexe" 2>&1)
if [[ $out == *LEAK* ]]; then
	fail sandbox-run-selfexe "$out"
elif [[ $out == *cshell-init* || $out == *"not found"* || $out == *"No such file"* ]]; then
	pass sandbox-run-selfexe
else
	fail sandbox-run-selfexe "unexpected: $out"
fi
cmp -s "$sbx_bin/cshell" "$csh" && cmp -s "$sbx_bin/cshell-init" "$CSHELL_INIT"
check sandbox-join-binaries-intact test $? = 0

# a joined command on a terminal has a terminal of the sandbox's own
out=$(timeout 30 script -qec "$csh -c '@jw /join-watch noop && sandbox exec jw -- /join-watch noop; echo rc=\$?'" /dev/null </dev/null 2>&1)
if [[ $out == *rc=0* ]]; then
	pass sandbox-join-tty-status
else
	fail sandbox-join-tty-status "$out"
fi

# the shell keeps cshell-init's image open between joins: a redirection
# onto that fd number must not make a join exec a host file instead
out=$(timeout 30 "$csh" -c '@jw /join-watch noop
for fd in 3 4 5 6 7 8 9 64 65 66; do eval "exec $fd<\"$0\""; done
@jw /join-watch noop; echo rc=$?' "$csh" 2>&1)
[[ $out == *rc=0* ]]
check sandbox-join-image-fd-reused test $? = 0

# without a terminal: pipes as before, the status comes through
out=$(timeout 30 "$csh" -c '@jw /join-watch noop; echo rc=$?' 2>&1)
[[ $out == *rc=0* ]]
check sandbox-join-pipe-status test $? = 0

# cshell-init --exec PATH (every joined or run command) execs before the C
# library starts: between the two execve, its prctl alone (init.c); a
# command looked up in PATH, or one that cannot run, takes the full path
init=$sbx_bin/cshell-init
out=$("$init" --exec /bin/true 2>&1)
check sandbox-init-exec-usage test $? = 2 -a "$out" = "usage: cshell-init --exec FILE ARG0 [ARG...]"
if command -v strace >/dev/null; then
	calls=$(strace -f -qq "$init" --exec /bin/true true 2>&1 >/dev/null |
		sed -n '2,/^execve/p' | grep -vc '^execve')
	check sandbox-join-exec-before-libc test "$calls" = 1
	# a run's init: non-dumpable and ready before libc's first call
	strace -f -qq -o "$work/run.strace" -e trace=execveat,prctl,write,arch_prctl \
		"$csh" -c 'sandbox run --read-only -- /bin/true' >/dev/null 2>&1
	calls_of_init() { # the calls of a run's init after its exec, one a line
		awk '/execveat\(.*"--main"/ { pid = $1; next }
			pid && $1 == pid && $2 !~ /^<\.\.\./ {
				sub(/^[0-9]+ +/, ""); print }' "$work/run.strace"
	}
	first=$(calls_of_init | sed -n 1p)
	second=$(calls_of_init | sed -n 2p)
	[[ $first == prctl\(PR_SET_DUMPABLE* && $second == write\(*'"r"'* ]]
	check sandbox-join-run-ready-before-libc test $? = 0
else
	skip sandbox-join-exec-before-libc "strace is not installed"
fi
out=$("$init" --exec echo echo via-path 2>&1)
check sandbox-join-exec-path-lookup test "$out" = via-path
out=$("$init" --exec /nonexistent/cmd cmd 2>&1)
rc=$?
[ $rc = 127 ] && [[ $out == *"cmd: not found"* ]]
check sandbox-join-exec-not-found test $? = 0
