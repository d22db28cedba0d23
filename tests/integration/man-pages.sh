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
exit 0
