# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/lib.sh — what every test script prints (docs/build.md, "Tests"):
# one line per case, PASS:, FAIL: with the reason, or SKIP: with why it
# cannot run here; tests/run counts them.  Sourced; a script may set
# TEST_PREFIX ("shell-cli/") before, to name its cases.

: "${TEST_PREFIX:=}"
pass() { echo "PASS: $TEST_PREFIX$1"; }
fail() { echo "FAIL: $TEST_PREFIX$1: $2"; }
skip() { echo "SKIP: $TEST_PREFIX$1: $2"; }
# check NAME COMMAND...: PASS when the command succeeds
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "'$*' failed"; fi
}
