#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# up-build.sh — `cshell up` over a sample project (man 5 Cshellfile): a
# cold `up -- CMD` builds, a second one starts no build at all, editing a
# `run` line rebuilds from that step on, `--locked` sees the drift,
# syntax errors and unknown builtins fail with Cshellfile:LINE: before
# anything is built, a failing step leaves the cache as it was, `down`.
# Steps are tiny and run over the host root (no image), so this is quick.
# Steps are counted from the progress lines CSHELL_UP_PROGRESS=1 prints
# ("up: [i/n] TEXT", "(cached)" when not run).

set -u
. "$(dirname "$0")/sandbox-common.sh"
TEST_PREFIX=up-build/
trap sbx_cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! sbx_setup; then
	skip all "$SBX_SKIP"
	exit 0
fi
if [ "$SBX_FUSE" = 0 ]; then
	skip all "no /dev/fuse: steps need the layered fs"
	exit 0
fi
export CSHELL_UP_PROGRESS=1
P=$work/my\ proj
mkdir -p "$P/src"
echo hello >"$P/src/hello.txt"
cat >"$P/Cshellfile" <<'EOF'
# a sample environment
greeting=hi
env GREETING=$greeting
mount . /work
step() { run "$@"; }
step 'mkdir -p /opt/a && echo one >/opt/a/f'
copy src/hello.txt /opt/hello.txt
if [ -n "$greeting" ]; then
	run 'echo two >/opt/b'
fi
workdir /work
EOF
up() { (cd "$P" && "$sbx_bin/cshell" -c 'up "$@"' cshell "$@"); }
ran() { grep -c '^up: \[.*[^)]$' "$work/out" || true; }
cached() { grep -c '^up: \[.*(cached)$' "$work/out" || true; }
ncache() { ls "$CSHELL_DATA_DIR/build-cache" 2>/dev/null | wc -l; }

# 1: cold
t0=$(date +%s%N)
up -- sh -c 'cat /opt/a/f /opt/hello.txt /opt/b; echo "$GREETING $(pwd)"' \
	>"$work/cmd" 2>"$work/out"
rc=$?
t1=$(date +%s%N)
echo "    cold up: $(((t1 - t0) / 1000000)) ms"
if [ $rc = 0 ] && [ "$(cat "$work/cmd")" = "$(printf 'one\nhello\ntwo\nhi /work')" ] &&
	[ "$(ran)" = 3 ]; then
	pass cold-build
else
	fail cold-build "status $rc, ran $(ran) steps, output '$(cat "$work/cmd")' $(head -c 300 "$work/out")"
fi
check lock-written grep -q '^step copy sha256:' "$P/Cshellfile.lock"
sbx inspect my-proj >/dev/null 2>&1
check name-sanitised test $? = 0

# 2: warm: no evaluation, no step, no cshell-image
t0=$(date +%s%N)
up -- true >"$work/cmd" 2>"$work/out"
rc=$?
t1=$(date +%s%N)
echo "    warm up -- true: $(((t1 - t0) / 1000000)) ms"
if [ $rc = 0 ] && ! [ -s "$work/out" ]; then
	pass warm-no-build
else
	fail warm-no-build "status $rc, '$(head -c 300 "$work/out")'"
fi

# 3: a changed Cshellfile with the same steps: every step cached
echo '# a comment' >>"$P/Cshellfile"
up -- true >/dev/null 2>"$work/out"
rc=$?
check all-cached test $rc = 0 -a "$(ran)" = 0 -a "$(cached)" = 3

# 4: the last run line edited: only that step runs; --locked saw it first
cp "$P/Cshellfile.lock" "$work/lock.before"
sed -i 's/echo two/echo TWO/' "$P/Cshellfile"
n_before=$(ncache)
up --locked -- true >/dev/null 2>"$work/out"
rc=$?
if [ $rc != 0 ] && grep -q 'Cshellfile:9: step 3 .* differs from Cshellfile.lock' "$work/out" &&
	[ "$(ncache)" = "$n_before" ] && cmp -s "$P/Cshellfile.lock" "$work/lock.before"; then
	pass locked-drift
else
	fail locked-drift "status $rc, '$(head -c 300 "$work/out")'"
fi
up -- cat /opt/b >"$work/cmd" 2>"$work/out"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$work/cmd")" = TWO ] && [ "$(ran)" = 1 ] &&
	[ "$(cached)" = 2 ] && ! cmp -s "$P/Cshellfile.lock" "$work/lock.before"; then
	pass rebuild-from-step
else
	fail rebuild-from-step "status $rc, ran $(ran), cached $(cached), '$(cat "$work/cmd")'"
fi
up --locked -- true >/dev/null 2>"$work/out"
check locked-clean test $? = 0

# 5: errors: Cshellfile:LINE:, nothing built, the sandbox left alone
Q=$work/bad
mkdir -p "$Q"
badcase() { # NAME LINE-PATTERN CSHELLFILE-TEXT
	printf '%s' "$3" >"$Q/Cshellfile"
	local n=$(ncache)
	(cd "$Q" && "$sbx_bin/cshell" -c 'up -- true') >/dev/null 2>"$work/out"
	local rc=$?
	if [ $rc != 0 ] && grep -q "^Cshellfile:$2" "$work/out" &&
		[ "$(ncache)" = "$n" ] && [ "$(ran)" = 0 ] && ! [ -e "$Q/Cshellfile.lock" ] &&
		! sbx inspect bad >/dev/null 2>&1; then
		pass "$1"
	else
		fail "$1" "status $rc, '$(head -c 300 "$work/out")'"
	fi
}
badcase syntax-error '3: syntax error' $'run \'echo x\'\nif true; then\n'
badcase unknown-builtin "2: unknown builtin 'gcc'" $'run \'echo x\'\ngcc --version\n'
badcase bad-value "2: memory: " $'run \'echo x\'\nmemory lots\n'
badcase kernel-missing "1: kernel: cannot use kernel '0.0-none'" $'kernel 0.0-none\nrun \'echo x\'\n'
badcase on-bad-host "1: on: 'a b' is not a host name, a label or auto" $'on "a b"\nrun \'echo x\'\n'
badcase no-targets "1: '@" $'@host echo hi\n'

# 6: a failing step: its output and status, the cache as it was
printf 'run "echo ok-step"\nrun "echo failing-step; exit 7"\n' >"$Q/Cshellfile"
(cd "$Q" && "$sbx_bin/cshell" -c 'up -- true') >/dev/null 2>&1
n=$(ncache)
layers=$(ls "$CSHELL_DATA_DIR/layers/sha256" | wc -l)
(cd "$Q" && "$sbx_bin/cshell" -c 'up -- true') >"$work/cmd" 2>"$work/out"
rc=$?
if [ $rc != 0 ] && grep -q "^Cshellfile:2: step 'echo failing-step; exit 7' failed with status 7" "$work/out" &&
	grep -q failing-step "$work/cmd" && [ "$(ncache)" = "$n" ] &&
	[ "$(ls "$CSHELL_DATA_DIR/layers/sha256" | wc -l)" = "$layers" ] &&
	! sbx ls --names | grep -q up-build; then
	pass failing-step
else
	fail failing-step "status $rc, cache $n -> $(ncache), '$(head -c 300 "$work/out")'"
fi

# 7: no command: an entered shell (here reading its commands from stdin)
out=$(cd "$P" && echo 'cat /opt/b; printenv GREETING' | "$sbx_bin/cshell" up 2>&1)
check enter-without-command test "$out" = "$(printf 'TWO\nhi')"

# 8: a sandbox of the same name that up did not make is left alone
mkdir -p "$work/taken"
echo 'env A=1' >"$work/taken/Cshellfile"
sbx create taken --read-only >/dev/null 2>&1
out=$(cd "$work/taken" && "$sbx_bin/cshell" up -- true 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"a sandbox 'taken' exists that 'up' did not make"* ]] &&
	sbx inspect taken >/dev/null 2>&1; then
	pass name-taken
else
	fail name-taken "status $rc, '$out'"
fi
sbx rm -f taken >/dev/null 2>&1

# 9: down stops, up starts it again without a build; down --rm removes
up_down() { (cd "$P" && "$sbx_bin/cshell" -c 'down "$@"' cshell "$@"); }
up_down && sbx inspect my-proj | grep -q 'state: *stopped'
check down-stops test $? = 0
up -- true >/dev/null 2>"$work/out"
check up-restarts test $? = 0 -a "$(ran)" = 0
up_down --rm
check down-rm test $? = 0 -a -z "$(sbx ls --names)"
exit 0
