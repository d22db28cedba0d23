#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/build-deps.sh — the build's dependency plumbing as a
# new user meets it: a plain `make` with a build dependency missing says
# what to install (instead of dying on a missing header), make run installs
# only what building and running need, and make's variables do not leak
# into the shell make run starts.

set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if ! command -v dpkg-query >/dev/null; then
	skip build-deps "no dpkg-query: not a Debian machine"
	exit 0
fi
# a copy of the tree whose lib/ wants a package no machine has
(cd "$repo" && git ls-files -z | tar --null -T - -c) | tar -x -C "$T"
echo cshell-test-no-such-package >>"$T/lib/deps.txt"
out=$(make -C "$T" --no-print-directory build/.deps-ok 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"missing: cshell-test-no-such-package"* ||
	$out == *"missing"*"cshell-test-no-such-package"* ]] &&
	[[ $out == *"make deps"* ]]; then
	pass build-deps-missing-says-what
else
	fail build-deps-missing-says-what "status $rc: $out"
fi

# make run's list: no test peers
runtime=$("$repo/scripts/deps.sh" --runtime --list)
all=$("$repo/scripts/deps.sh" --list)
bad=
for p in podman skopeo crun bubblewrap docker-registry zsh fish libcmocka-dev; do
	grep -qx "$p" <<<"$runtime" && bad="$bad $p"
	grep -qx "$p" <<<"$all" || bad="$bad (not in the full list: $p)"
done
[ -z "$bad" ] && pass build-deps-runtime-split ||
	fail build-deps-runtime-split "$bad"

# make run starts cshell through scripts/run.sh: MAKE* variables unset
mkdir -p "$T/fakebin"
cat >"$T/fakebin/cshell" <<'EOS'
#!/bin/sh
case "$1" in
sandbox) exit 0 ;;
-c) exit 0 ;;
esac
env | grep '^MAKE' || echo clean
EOS
chmod +x "$T/fakebin/cshell"
out=$(MAKELEVEL=1 MAKEFLAGS=-j2 MFLAGS=-j2 sh "$repo/scripts/run.sh" "$T/fakebin" 2>&1)
check build-deps-run-env-clean test "$out" = clean
