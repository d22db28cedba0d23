#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every shipped manual page is lint-clean for mandoc and man-db.
set -u
SRC=${CSHELL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for page in "$SRC"/man/*.[1-8]; do
	[ -e "$page" ] || continue
	name=man-pages/$(basename "$page")
	if ! command -v mandoc >/dev/null; then
		echo "SKIP: $name: mandoc is not installed"
		continue
	fi
	out=$(mandoc -Tlint "$page" 2>&1)
	if [ -n "$out" ]; then echo "FAIL: $name-mandoc: $out"; else echo "PASS: $name-mandoc"; fi
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		if [ -n "$out" ]; then echo "FAIL: $name-man-warnings: $out"; else echo "PASS: $name-man-warnings"; fi
	fi
done
# what the pages say matches the code: the default prompt as cshell sets
# it, and `sandbox ls --names` that the page offers works
if command -v man >/dev/null; then
	# the default an interactive shell sets, as the source writes it
	ps1=$(sed -n 's/.*var_set(sh, "PS1", "\(.*\)", 0);.*/\1/p' "$SRC/shell/sh.c" |
		sed 's/\\\\/\\/g' | head -1)
	page=$(MANWIDTH=200 man -l "$SRC/man/cshell.1" 2>/dev/null)
	if [ -n "$ps1" ] && grep -qF "(default $ps1)" <<<"$page"; then
		echo "PASS: man-pages/ps1-default"
	else
		echo "FAIL: man-pages/ps1-default: the shell's '$ps1' is not the page's $(grep -o '(default [^)]*)' <<<"$page" | head -1)"
	fi
fi
exit 0
