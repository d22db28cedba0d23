#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-hardening.sh — what root inside a sandbox
# must not see of the host (docs/sandbox.md, "Security defaults"):
# - /sys is a fresh read-only sysfs of the sandbox's own network namespace
#   (no debugfs, tracefs, bpffs or securityfs, only the sandbox's
#   interfaces), also when the host has those mounted (they are mounted
#   here in a private mount namespace of the test);
# - with the host root as a layer (default mode, and --read-only): the
#   host's shadow files and ssh host keys read empty, other users' homes
#   and every cshell state root are empty, the caller's credential dirs
#   are masked while the rest of its home is shared;
# - host unix sockets under /tmp and /run are out of reach (FUSE does not
#   pass sockets through; --read-only over the host root covers them with
#   tmpfs);
# - init's oom_score_adj is as low as the host lets us set it.
# Every run is bounded by `timeout`; the temp user's home and files go
# away at exit.

. "$(dirname "$0")/sandbox-common.sh"
HOMEDIR= OTHERDIR= SOCKPID= FAKEKEY= runsock=
hard_cleanup() {
	[ -n "$SOCKPID" ] && kill "$SOCKPID" 2>/dev/null && wait "$SOCKPID" 2>/dev/null
	[ -n "$HOMEDIR" ] && rm -rf "$HOMEDIR"
	[ -n "$OTHERDIR" ] && rm -rf "$OTHERDIR"
	[ -n "$FAKEKEY" ] && rm -f "$FAKEKEY"
	[ -n "$runsock" ] && rm -f "$runsock"
	sbx_cleanup
}
trap hard_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-hardening "$SBX_SKIP"
	exit 0
fi
for t in unshare python3 timeout; do
	command -v $t >/dev/null || { skip sandbox-hardening "$t is not installed"; exit 0; }
done
# the layered default mode needs /dev/fuse; --read-only over / does not
modes="--read-only"
[ "$SBX_FUSE" = 1 ] && modes="default --read-only"
mopt() { [ "$1" = default ] || echo "$1"; }
# run MODE [OPTIONS...]: `sandbox run` over the host root of the shell
# script on stdin; its output and status
run() {
	local m
	m=$(mopt "$1")
	shift
	timeout 30 "$sbx_bin/cshell" -c "sandbox run $m $* -- sh -s" 2>&1
}

# --- /sys ---------------------------------------------------------------
# the host's /sys with the pseudo file systems a host often has below it,
# in a mount namespace of our own (nothing changes outside it)
cat >"$work/sys.sh" <<'S'
grep -E " - (debugfs|tracefs|bpf|securityfs|cgroup) " /proc/self/mountinfo
echo sys:$(awk '$5 == "/sys"' /proc/self/mountinfo | wc -l)
S
for m in $modes; do
	out=$(timeout 60 unshare -m --propagation private sh -c '
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
		mount -t tracefs none /sys/kernel/tracing 2>/dev/null
		mount -t bpf none /sys/fs/bpf 2>/dev/null
		mount -t securityfs none /sys/kernel/security 2>/dev/null
		echo host:$(grep -cE " - (debugfs|tracefs|bpf|securityfs) " /proc/self/mountinfo)
		"$0" -c "sandbox run $1 -- sh -s" <"$2"
	' "$sbx_bin/cshell" "$(mopt $m)" "$work/sys.sh" 2>&1)
	if ! grep -q '^host:[1-9]' <<<"$out"; then
		skip "sandbox-sys-no-host-submounts-$m" "cannot mount debugfs & co here: $out"
	elif grep -q '^sys:1$' <<<"$out" && [ "$(grep -c . <<<"$out")" = 2 ]; then
		pass "sandbox-sys-no-host-submounts-$m"
	else
		fail "sandbox-sys-no-host-submounts-$m" "$(tr '\n' ' ' <<<"$out")"
	fi
	out=$(run $m <<<'ls /sys/class/net | tr "\n" " "')
	check "sandbox-sys-net-none-only-lo-$m" test "$out" = "lo "
	out=$(run $m <<<'awk '\''$5 == "/sys"'\'' /proc/self/mountinfo')
	if [[ $out == *" /sys ro,"*" - sysfs "* ]]; then
		pass "sandbox-sys-fresh-read-only-$m"
	else
		fail "sandbox-sys-fresh-read-only-$m" "$out"
	fi
	out=$(run $m <<<'touch /sys/kernel/x 2>&1; ls /sys/firmware | wc -l; test -f /sys/fs/cgroup/cgroup.procs && echo cg')
	if [[ $out == *"Read-only file system"* ]] && [[ $out == *$'\n0\ncg' ]]; then
		pass "sandbox-sys-masks-kept-$m"
	else
		fail "sandbox-sys-masks-kept-$m" "$(tr '\n' ' ' <<<"$out")"
	fi
done

# --- host secrets with the host root as a layer ------------------------
# another user's home (a throwaway dir owned by an unused uid), the
# caller's own home with credentials and a project, a fake ssh host key
HOMEDIR=$(mktemp -d /home/cshell-own-XXXXXX) || { fail sandbox-hardening "cannot make a dir under /home"; exit 0; }
OTHERDIR=$(mktemp -d /home/cshell-other-XXXXXX) || { fail sandbox-hardening "cannot make a dir under /home"; exit 0; }
other=$OTHERDIR own=$HOMEDIR
mkdir -p "$other" "$own/.ssh" "$own/.aws" "$own/.config/gcloud" "$own/proj"
echo secret >"$other/notes"
chown -R 61234:61234 "$other"
chmod 700 "$other"
echo PRIVATE-KEY >"$own/.ssh/id_ed25519"
echo aws-secret >"$own/.aws/credentials"
echo gcloud-secret >"$own/.config/gcloud/token"
echo "machine x password netrc-secret" >"$own/.netrc"
echo project-file >"$own/proj/Makefile"
mkdir -p "$own/.local/share/cshell/sandboxes"
echo state >"$own/.local/share/cshell/sandboxes/rec"
if [ -d /etc/ssh ] && ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
	FAKEKEY=/etc/ssh/ssh_host_cshelltest_key
	echo HOST-PRIVATE-KEY >"$FAKEKEY"
	chmod 600 "$FAKEKEY"
fi
chmod 755 "$own"

cat >"$work/secrets.sh" <<'S'
printf 'shadow:%s\n' "$(cat /etc/shadow 2>&1 | wc -c)"
for f in /etc/gshadow /etc/shadow- /etc/gshadow- /etc/ssh/ssh_host_*_key; do
	[ -e "$f" ] && printf 'file:%s:%s\n' "$f" "$(cat "$f" 2>&1 | wc -c)"
done
printf 'other:%s\n' "$(ls -A "$O" 2>&1 | wc -l)"
printf 'ssh:%s\n' "$(ls -A "$H/.ssh" 2>&1 | wc -l)"
printf 'aws:%s\n' "$(ls -A "$H/.aws" 2>&1 | wc -l)"
printf 'gcloud:%s\n' "$(ls -A "$H/.config/gcloud" 2>&1 | wc -l)"
printf 'netrc:%s\n' "$(cat "$H/.netrc" 2>&1 | wc -c)"
printf 'state:%s\n' "$(ls -A "$H/.local/share/cshell" 2>&1 | wc -l)"
printf 'project:%s\n' "$(cat "$H/proj/Makefile" 2>&1)"
printf 'shadow-write:%s\n' "$( (echo x >>/etc/shadow) 2>&1 | grep -c 'Read-only')"
for d in /run/cshell /var/lib/cshell /etc/cshell; do
	[ -d "$d" ] && printf 'root:%s:%s\n' "$d" "$(ls -A "$d" | wc -l)"
done
S
for m in $modes; do
	out=$(timeout 30 env HOME="$own" "$sbx_bin/cshell" -c \
		"sandbox run $(mopt $m) --env H=$own --env O=$other -- sh -s" <"$work/secrets.sh" 2>&1)
	bad=
	grep -q '^shadow:0$' <<<"$out" || bad+="shadow "
	grep '^file:' <<<"$out" | grep -vq ':0$' && bad+="files "
	[ -n "$FAKEKEY" ] && ! grep -q "^file:$FAKEKEY:0$" <<<"$out" && bad+="hostkey "
	grep -q '^other:0$' <<<"$out" || bad+="other-home "
	grep -q '^ssh:0$' <<<"$out" || bad+=".ssh "
	grep -q '^aws:0$' <<<"$out" || bad+=".aws "
	grep -q '^gcloud:0$' <<<"$out" || bad+=".config/gcloud "
	grep -q '^netrc:0$' <<<"$out" || bad+=".netrc "
	grep -q '^state:0$' <<<"$out" || bad+="own-cshell-state "
	grep -q '^project:project-file$' <<<"$out" || bad+="project-not-shared "
	grep -q '^shadow-write:1$' <<<"$out" || bad+="shadow-writable "
	grep '^root:' <<<"$out" | grep -vq ':0$' && bad+="state-roots "
	if [ -z "$bad" ]; then
		pass "sandbox-host-secrets-masked-$m"
	else
		fail "sandbox-host-secrets-masked-$m" "$bad: $(tr '\n' ' ' <<<"$out")"
	fi
done

# under sudo the invoking user's home is shared too (a passwd user with
# a home under /home, if there is one)
sudo_uid= sudo_home=
while IFS=: read -r _ _ u _ _ h _; do
	if [ "$u" -ge 1000 ] && [ "$u" -lt 60000 ] && [ -d "$h" ] &&
		[ -n "$(ls -A "$h" 2>/dev/null)" ]; then
		case $h in /home/?*) sudo_uid=$u sudo_home=$h; break ;; esac
	fi
done </etc/passwd
if [ -z "$sudo_uid" ]; then
	skip sandbox-host-home-sudo "no user with a non-empty home under /home"
else
	m=${modes%% *}
	n=$(timeout 30 env HOME="$own" "$sbx_bin/cshell" -c "sandbox run $(mopt $m) -- ls -A $sudo_home" 2>&1 | wc -l)
	ns=$(timeout 30 env HOME="$own" SUDO_UID=$sudo_uid "$sbx_bin/cshell" -c "sandbox run $(mopt $m) -- ls -A $sudo_home" 2>&1 | wc -l)
	if [ "$n" = 0 ] && [ "$ns" -gt 0 ]; then
		pass sandbox-host-home-sudo
	else
		fail sandbox-host-home-sudo "$sudo_home: $n entries without SUDO_UID (want 0), $ns with"
	fi
fi

# a layer that is not the host root keeps its files (nothing masked)
mkdir -p "$work/layer/etc" "$work/layer/bin" "$work/layer/proc" "$work/layer/dev" "$work/layer/sys"
echo layer-shadow >"$work/layer/etc/shadow"
if cp "$(command -v busybox 2>/dev/null || echo /nonexistent)" "$work/layer/bin/sh" 2>/dev/null; then
	out=$(timeout 30 "$sbx_bin/cshell" -c "sandbox run --read-only --layer $work/layer -- /bin/sh -c 'cat /etc/shadow'" 2>&1)
	check sandbox-host-secrets-layer-untouched test "$out" = layer-shadow
fi

# --- host unix sockets --------------------------------------------------
# a listener on the host: path sockets under /tmp ($work) and /run, and
# an abstract one; it answers "hello" to whoever connects (bounded)
cp "$sbx_repo/tests/integration/probes/unix-listen.py" "$work/listen.py"
cp "$sbx_repo/tests/integration/probes/unix-connect.py" "$work/connect.py"
runsock=/run/cshell-test-$$.sock
abstract=@cshell-test-$$
timeout 300 python3 "$work/listen.py" "$work/host.sock" "$runsock" "$abstract" >"$work/listen.out" 2>&1 &
SOCKPID=$!
for _ in $(seq 50); do grep -q ready "$work/listen.out" 2>/dev/null && break; sleep 0.1; done
hostview=$(python3 "$work/connect.py" "$work/host.sock" "$runsock" "$abstract" | tr '\n' ' ')
if [ "$hostview" != "$work/host.sock=hello $runsock=hello $abstract=hello " ]; then
	fail sandbox-host-sockets "the test listener does not answer on the host: $hostview"
else
	# connect.py goes in on stdin: /tmp may be covered in there
	nets="none host"
	command -v slirp4netns >/dev/null && [ -c /dev/net/tun ] && nets+=" slirp"
	for m in $modes; do
		for net in $nets; do
			out=$(timeout 30 "$sbx_bin/cshell" -c "sandbox run $(mopt $m) --net $net -- python3 - $work/host.sock $runsock $abstract" <"$work/connect.py" 2>&1)
			bad=
			grep -q "^$work/host.sock=hello" <<<"$out" && bad+="/tmp "
			grep -q "^$runsock=hello" <<<"$out" && bad+="/run "
			grep -q "^$work/host.sock=E" <<<"$out" || bad+="no-answer "
			if [ -z "$bad" ]; then
				pass "sandbox-host-path-sockets-unreachable-$m-net-$net"
			else
				fail "sandbox-host-path-sockets-unreachable-$m-net-$net" "$bad: $(tr '\n' ' ' <<<"$out")"
			fi
			# the abstract namespace belongs to the network namespace
			if [ $net = host ]; then
				want=hello
			else
				want=ECONNREFUSED
			fi
			check "sandbox-host-abstract-socket-$m-net-$net" grep -q "^$abstract=$want$" <<<"$out"
		done
	done
	# with --read-only over the host root, /tmp and /run are fresh and
	# writable
	out=$(run --read-only <<<'echo x >/tmp/f && echo x >/var/tmp/f && echo x >/run/f && ls -A /tmp /run | wc -l')
	check sandbox-read-only-fresh-tmp-run test "$out" = 5
fi

# --- init's oom_score_adj -----------------------------------------------
# the caller runs at 500 (raising needs no privilege): init must end up
# at -1000, or as low as this host lets root go (without CAP_SYS_RESOURCE,
# in a container, no lower than the score a privileged writer once set);
# a run's command keeps the caller's score
floor=$(sh -c 'echo 500 >/proc/self/oom_score_adj
	for v in -1000 -999 -500 -1 0; do
		echo $v >/proc/self/oom_score_adj 2>/dev/null && { echo $v; exit; }
	done; echo 500')
at500() { sh -c 'echo 500 >/proc/self/oom_score_adj && exec "$@"' sh "$@"; }
if [ "$floor" = 500 ]; then
	skip sandbox-init-oom-score "this host lets no process lower its oom_score_adj"
else
	m=${modes%% *}
	if out=$(at500 timeout 30 "$sbx_bin/cshell" -c "sandbox create oom $(mopt $m)" 2>&1); then
		pid=$(sed -n 's/^init_pid=//p' "$work/rt/sandboxes/oom/state")
		v=$(cat "/proc/$pid/oom_score_adj" 2>&1)
		if [ "$v" -le "$floor" ] 2>/dev/null; then
			pass sandbox-init-oom-score-create
		else
			fail sandbox-init-oom-score-create "init has '$v', want <= $floor"
		fi
		sbx rm -f oom >/dev/null 2>&1
	else
		fail sandbox-init-oom-score-create "$out"
	fi
	out=$(at500 timeout 30 "$sbx_bin/cshell" -c "sandbox run $(mopt $m) -- cat /proc/1/oom_score_adj /proc/self/oom_score_adj" 2>&1)
	set -- $out
	if [ "$1" -le "$floor" ] 2>/dev/null && [ "$2" = 500 ]; then
		pass sandbox-init-oom-score-run
	else
		fail sandbox-init-oom-score-run "init, command: '$out' (want <= $floor, 500)"
	fi
fi
exit 0
