#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The shipped completion scripts load in bash, zsh and fish without errors
# and complete a subcommand and live names in a scripted check.
set -u
SRC=${CSHELL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${CSHELL_BIN:-$SRC/build/bin}
T=$(mktemp -d)
trap 'CSHELL_RUNTIME_DIR=$T/rt CSHELL_DATA_DIR=$T/data "$BIN/cshell" sandbox rm -f compsb >/dev/null 2>&1; rm -rf "$T"' EXIT
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run
export PATH=$BIN:$PATH

TEST_PREFIX=shell-completions/
. "$(dirname "$0")/../lib.sh"
expect() { # NAME OUTPUT WORD
	if grep -qx -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "no '$3' in: $(echo $2 | head -c 200)"; fi
}

out=$(bash --norc -c "source '$SRC/completions/cshell.bash' && COMP_WORDS=(cshell sand) COMP_CWORD=1 && _cshell && printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1)
expect bash-subcommand "$out" sandbox
out=$(bash --norc -c "source '$SRC/completions/cshell.bash' && COMP_WORDS=(cshell sandbox cr) COMP_CWORD=2 && _cshell && printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1)
expect bash-sandbox-sub "$out" create

if command -v zsh >/dev/null; then
	# compadd is stubbed to print what the script offers
	zrun() {
		zsh -f -c "compadd() { [[ \$1 == -- ]] && shift; print -l -- \"\$@\"; }
			_files() { :; }
			words=($1); CURRENT=$2
			source '$SRC/completions/_cshell'" 2>&1
	}
	out=$(zrun 'cshell sa' 2)
	expect zsh-subcommand "$out" sandbox
	out=$(zrun 'cshell image i' 3)
	expect zsh-image-sub "$out" inspect
else
	echo "SKIP: shell-completions/zsh: zsh is not installed"
fi

if command -v fish >/dev/null; then
	out=$(HOME=$T fish --no-config -c "source '$SRC/completions/cshell.fish'; complete -C 'cshell sandbox cr'" 2>&1 | cut -f1)
	expect fish-sandbox-sub "$out" create
	out=$(HOME=$T fish --no-config -c "source '$SRC/completions/cshell.fish'; complete -C 'cshell ima'" 2>&1 | cut -f1)
	expect fish-subcommand "$out" image
else
	echo "SKIP: shell-completions/fish: fish is not installed"
fi

# live names come from `cshell sandbox ls --names`
if [ "$(id -u)" = 0 ]; then
	export CSHELL_RUNTIME_DIR=$T/rt CSHELL_DATA_DIR=$T/data CSHELL_CONFIG_DIR=$T/cfg
	if cshell sandbox create compsb --read-only >/dev/null 2>&1; then
		out=$(bash --norc -c "source '$SRC/completions/cshell.bash' && COMP_WORDS=(cshell sandbox stop comp) COMP_CWORD=3 && _cshell && printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1)
		expect bash-sandbox-names "$out" compsb
		cshell sandbox rm -f compsb >/dev/null 2>&1
	else
		fail bash-sandbox-names "cannot create a sandbox"
	fi
else
	skip bash-sandbox-names "needs root to create a sandbox"
fi
exit 0
