#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/shell-advertised.sh — nothing is offered that does not
# exist: every builtin `help` lists is one, every subcommand and sandbox
# flag the completion scripts offer is accepted (not "not found" or
# "unknown option").  A module adds its own entries when it lands.

set -u
bin=${CSHELL_BIN:-$(cd "$(dirname "$0")/../../build/bin" && pwd)}
repo=$(cd "$(dirname "$0")/../.." && pwd)
csh=$bin/cshell
. "$repo/tests/lib.sh"

bad=
for name in $("$csh" -c help | sed -n 's/^  \([^ @][^ ]*\) .*/\1/p'); do
	"$csh" -c "command -v $name" >/dev/null 2>&1 || bad="$bad $name"
done
[ -z "$bad" ] && pass advertised-help-builtins ||
	fail advertised-help-builtins "help lists what is no builtin:$bad"

subs=$(sed -n "s/^[[:space:]]*local subcommands='\(.*\)'/\1/p" "$repo/completions/cshell.bash")
bad=
for sub in $subs; do
	out=$("$csh" "$sub" help 2>&1 </dev/null)
	[ $? = 127 ] || [[ $out == *"not found"* ]] && bad="$bad $sub"
done
[ -n "$subs" ] && [ -z "$bad" ] && pass advertised-subcommands ||
	fail advertised-subcommands "offered but missing:$bad (list: '$subs')"

flags=$(sed -n "s/^[[:space:]]*local sb_flags='\(.*\)'/\1/p" "$repo/completions/cshell.bash")
bad=
for f in $flags; do
	out=$("$csh" sandbox create "$f" 2>&1 </dev/null)
	[[ $out == *"unknown option"* ]] && bad="$bad $f"
done
[ -n "$flags" ] && [ -z "$bad" ] && pass advertised-sandbox-flags ||
	fail advertised-sandbox-flags "offered but unknown:$bad"

# every sandbox subcommand has its own --help (status 0, its usage)
bad=
for sub in create run exec ls inspect stop start logs diff rm commit; do
	out=$("$csh" sandbox "$sub" --help 2>&1)
	[ $? = 0 ] && [[ $out == "usage: sandbox $sub"* ]] || bad="$bad $sub"
done
[ -z "$bad" ] && pass advertised-sandbox-sub-help ||
	fail advertised-sandbox-sub-help "no usage for:$bad"
out=$("$csh" sandbox --help 2>&1)
[[ $out == *"--image REF"* ]]
check advertised-sandbox-help-image test $? = 0

# every other builtin answers --help with its usage and status 0
bad=
for b in cd pwd jobs fg bg wait enter leave alias unalias set export \
	unset read getopts umask ulimit kill trap type hash command; do
	out=$("$csh" -c "$b --help" 2>&1)
	[ $? = 0 ] && [[ $out == "usage: $b"* ]] || bad="$bad $b"
done
[ -z "$bad" ] && pass advertised-builtin-help ||
	fail advertised-builtin-help "no usage for:$bad"
