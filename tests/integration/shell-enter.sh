#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/shell-enter.sh — `cshell --enter T` runs everything in
# T, whatever the commands come from: -c, a script file, stdin; a target
# that cannot be entered ends the shell (status 2) before anything runs on
# the host.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip shell-enter "$SBX_SKIP"
	exit 0
fi
if ! out=$(sbx create ent --read-only 2>&1); then
	fail shell-enter-create "$out"
	exit 0
fi
csh=$sbx_bin/cshell
out=$("$csh" --enter ent -c 'uname -n' 2>&1)
check shell-enter-c test "$out" = ent
echo 'uname -n' >"$work/script.sh"
out=$("$csh" --enter ent "$work/script.sh" 2>&1)
check shell-enter-script test "$out" = ent
out=$(echo 'uname -n' | "$csh" --enter ent 2>&1)
check shell-enter-stdin test "$out" = ent
out=$("$csh" --enter nosuch -c 'echo ran-on-host' 2>&1)
rc=$?
if [ $rc = 2 ] && [[ $out != *ran-on-host* ]] &&
	[[ $out == "cshell: enter: unknown target 'nosuch'"* ]]; then
	pass shell-enter-unknown
else
	fail shell-enter-unknown "status $rc: $out"
fi

# after enter, cd to a path of the target (a --mount destination the
# host lacks) works, and commands start there
mkdir -p "$work/proj/sub"
if out=$(sbx create entm --read-only --mount "$work/proj:/src" 2>&1); then
	out=$("$csh" -c 'enter entm; cd /src/sub && /bin/pwd' 2>&1)
	check shell-enter-cd-target-path test "$out" = /src/sub
else
	fail shell-enter-cd-target-path "create: $out"
fi
