#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The interactive shell as a person uses it, driven through tmux
# (send-keys to type, capture-pane to read the screen): the prompt, PS2,
# history across sessions, Tab completion, Ctrl-C, Ctrl-Z with jobs/bg/fg.
set -u
BIN=${CSHELL_BIN:-$(cd "$(dirname "$0")/../../build/bin" && pwd)}
CSH=$BIN/cshell
T=$(mktemp -d)
SOCK=$T/tmux.sock TM_SESSION=sh
. "$(dirname "$0")/../tmux-common.sh"
cleanup() {
	TM kill-server 2>/dev/null
	[ -n "${SBX:-}" ] && "$CSH" sandbox rm -f "$SBX" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

if ! command -v tmux >/dev/null; then
	echo "SKIP: shell-interactive: tmux is not installed"
	exit 0
fi
pass() { echo "PASS: shell-interactive/$1"; }
fail() {
	echo "FAIL: shell-interactive/$1: $2"
	TM capture-pane -p -t sh 2>/dev/null | grep -v '^ *$' | tail -15 | sed 's/^/    | /'
}

mkdir -p "$T/home/dir.d" "$T/config" "$T/state"
echo "alias rcalias='echo from-the-rc-file'" >"$T/config/cshellrc"
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run
# the layered fs for the sandbox cases: ours when built, else a stand-in
if [ -x "$BIN/cshell-fs" ]; then
	FS=$BIN/cshell-fs
else
	FS=$(command -v fuse-overlayfs)
fi
touch "$T/home/unique-file.txt"
# start [ARGS...]: a fresh cshell in a fresh terminal
start() {
	TM kill-server 2>/dev/null
	# let the old server go before a new one takes the socket
	for _ in $(seq 20); do TM has-session 2>/dev/null || break; sleep 0.1; done
	rm -f "$SOCK"
	TM new-session -d -s sh -x 150 -y 40 -c "$T/home" \
		"env -i HOME=$T/home TERM=xterm PATH=/usr/bin:/bin XDG_STATE_HOME=$T/state \
		 CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run \
		 CSHELL_FS=$FS \
		 PS1='cs% ' $CSH $*"
	wait_for '^cs% *$' || true
}
keys() { TM send-keys -t sh "$@"; sleep 0.15; }
clear_screen() { keys C-l; TM clear-history -t sh; }

# check NAME REGEX: the screen must match
check() { if wait_for "$2"; then pass "$1"; else fail "$1" "screen does not match /$2/"; fi; }

start
check prompt '^cs% *$'

keys 'for i in a b' Enter
check ps2-prompt '^> *$'
keys 'do echo "it=$i"; done' Enter
check ps2-runs 'it=b'

clear_screen
keys 'echo one-line' Enter
wait_for one-line
keys 'exit' Enter
sleep 0.3
start
keys Up Up
check history-across-sessions 'cs% echo one-line'
keys C-u
keys Up Up Up Up
check history-multiline-one-entry 'do echo "it=\$i"; done'
keys C-c
sleep 0.2

clear_screen
keys 'hel' Tab
check tab-builtin 'cs% help *$'
keys C-u
keys 'sandbox cre' Tab
check tab-subcommand 'cs% sandbox create *$'
keys C-u
keys 'ls unique-f' Tab
check tab-file 'cs% ls unique-file.txt *$'
keys C-u
keys 'echo $HOM' Tab
check tab-variable 'cs% echo \$HOME *$'
keys C-u

clear_screen
keys 'sleep 30' Enter
sleep 0.3
keys C-c
check ctrl-c-running 'cs% *$'
keys 'echo "st=$?"' Enter
check ctrl-c-status 'st=130'

clear_screen
keys 'half typed line' C-c
sleep 0.2
keys 'echo after-cancel' Enter
check ctrl-c-line 'after-cancel'

clear_screen
keys 'sleep 60' Enter
sleep 0.3
keys C-z
check ctrl-z-stops 'Stopped[[:space:]]+sleep 60'
keys 'jobs' Enter
check jobs-lists '\[1\]\+ +Stopped +sleep 60'
keys 'bg' Enter
check bg-resumes '\[1\] sleep 60 &'
keys 'jobs' Enter
check jobs-running '\[1\]\+ +Running +sleep 60'
keys 'fg' Enter
sleep 0.3
keys C-c
keys 'echo "fg-st=$?"' Enter
check fg-then-ctrl-c 'fg-st=130'

# targets: a sandbox with a command that exists only inside it
SBX=tabsb$$
mkdir -p "$T/proj" && touch "$T/proj/unique-src-file.c"
if [ -n "$FS" ] && CSHELL_FS=$FS "$CSH" -c "sandbox create $SBX --mount $T/proj:/src && @$SBX sh -c 'printf \"#!/bin/sh\\necho inside\\n\" >/usr/bin/only-in-sbx && chmod +x /usr/bin/only-in-sbx'" >"$T/sbx.log" 2>&1; then
	clear_screen
	keys "@${SBX:0:4}" Tab
	check tab-target "cs% @$SBX *\$"
	keys 'only-in' Tab
	check tab-command-in-target "cs% @$SBX only-in-sbx *\$"
	keys Enter
	check run-in-target '^inside$'
	# below a --mount destination: the mount's source
	clear_screen
	keys "@$SBX cat /src/uniq" Tab
	check tab-file-under-mount "cs% @$SBX cat /src/unique-src-file.c *\$"
	keys C-u
	clear_screen
	keys 'only-in' Tab
	sleep 0.3
	if screen | grep -q 'only-in-sbx'; then
		fail tab-host-does-not-see-target "completed a command that exists only in the sandbox"
	else
		pass tab-host-does-not-see-target
	fi
	keys C-u
	keys "sandbox stop ${SBX:0:4}" Tab
	check tab-sandbox-name "cs% sandbox stop $SBX *\$"
	keys C-u
	keys "PS1='\\T% '" Enter
	keys "enter $SBX" Enter
	check prompt-shows-target "^\\[$SBX\\] % *\$"
	keys 'only-in' Tab
	check tab-command-after-enter "only-in-sbx *\$"
	keys C-u
	keys 'leave' Enter
	# \w after enter: where the sandbox's commands run (over the host
	# root: the shell's own directory)
	keys "PS1='\T\w% '" Enter
	keys "enter $SBX" Enter
	check prompt-shows-target-dir "^\[$SBX\] $T/home% *\$"
	keys 'leave' Enter
	# job control reaches into the sandbox
	clear_screen
	keys "@$SBX sleep 60" Enter
	sleep 0.5
	keys C-z
	check ctrl-z-in-target "Stopped[[:space:]]+@$SBX sleep 60"
	keys 'fg' Enter
	sleep 0.3
	keys C-c
	keys 'echo "target-fg-st=$?"' Enter
	check fg-in-target-ctrl-c 'target-fg-st=130'
	# `sandbox run` is a job like any command: ^Z, fg, ^C
	clear_screen
	keys "sandbox run --read-only -- sleep 60" Enter
	sleep 1.5
	keys C-z
	check ctrl-z-run "Stopped[[:space:]]+sandbox run --read-only -- sleep 60"
	keys 'fg' Enter
	sleep 0.5
	keys C-c
	keys 'echo "run-fg-st=$?"' Enter
	check fg-run-ctrl-c '^run-fg-st=130'
	# a background job ended by its sandbox's stop: one notice, as bash
	clear_screen
	keys "@$SBX sleep 100 &" Enter
	sleep 0.5
	# a background join's relay leaves the terminal it shares with the
	# shell as it was (a non-blocking one breaks the next host program)
	shpid=$(TM display -p -t sh '#{pane_pid}')
	flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$shpid/fdinfo/0" 2>/dev/null)
	if [ -n "$flags" ] && [ $((8#$flags & 8#4000)) = 0 ]; then
		pass bg-join-terminal-blocking
	else
		fail bg-join-terminal-blocking "fd 0 flags '$flags' have O_NONBLOCK"
	fi
	keys "sandbox stop $SBX" Enter
	sleep 4
	keys 'echo notices' Enter
	if wait_for '^notices$' && [ "$(screen | grep -c '^\[1\]  ')" = 1 ] &&
		screen | grep -q '^\[1\]  Terminated'; then
		pass bg-job-stopped-sandbox-one-notice
	else
		fail bg-job-stopped-sandbox-one-notice "want one 'Terminated' notice"
	fi
else
	echo "SKIP: shell-interactive/targets: no sandbox here: $(head -c 300 "$T/sbx.log")"
fi

# editing modes and end of input
start
clear_screen
keys 'set -o vi' Enter
keys 'echo vi-one' Enter
keys Escape
keys k
check vi-mode-history-k 'cs% echo vi-one *$'
keys Enter
keys 'set -o emacs' Enter
clear_screen
keys 'set -o ignoreeof' Enter
keys C-d
check ignoreeof-keeps-shell 'Use "exit" to leave the shell'
keys 'set +o ignoreeof' Enter
keys C-d
sleep 0.3
if TM has-session -t sh 2>/dev/null && screen | grep -q 'cs% *$'; then
	fail ctrl-d-exits "the shell is still running"
else
	pass ctrl-d-exits
fi

# the start-up file, and --norc
start
clear_screen
keys 'rcalias' Enter
check rcfile-read 'from-the-rc-file'
start --norc
clear_screen
keys 'rcalias' Enter
check norc-skips-rcfile 'rcalias: not found'

keys 'exit' Enter
exit 0
