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
# check_tty NAME DIR CMDLINE INPUT WANT: CMDLINE run in DIR on a terminal
# (script(1)) with INPUT typed into it; PASS when its output (CRs
# dropped) holds WANT, SKIP without script(1)
check_tty() {
	local out
	if ! command -v script >/dev/null; then
		skip "$1" "script(1) is not installed"
		return
	fi
	out=$(printf '%s' "$4" | (cd "$2" && timeout 60 script -qfec "$3" /dev/null) 2>&1 | tr -d '\r')
	if [[ $out == *"$5"* ]]; then pass "$1"; else fail "$1" "printed '$out'"; fi
}
