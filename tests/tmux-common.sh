# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/tmux-common.sh — sourced by the tests that drive cshell on a
# terminal: tmux on a socket of the test's own ($SOCK), one session
# ($TM_SESSION).  TM runs tmux there, screen prints the session's pane,
# wait_for REGEX waits until it matches ($TM_WAIT tenths of a second at
# most, 50 by default).

TM() { tmux -S "$SOCK" "$@"; }
screen() { TM capture-pane -p -t "$TM_SESSION"; }
wait_for() {
	for _ in $(seq "${TM_WAIT:-50}"); do
		screen | grep -Eq "$1" && return 0
		sleep 0.1
	done
	return 1
}
