#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# scripts/deps.sh — installs the Debian packages the build and the tests
# need: the union of every */deps.txt and tests/deps.txt (docs/build.md).
# Packages already installed are skipped; as root the rest is installed
# with apt-get, otherwise the exact apt-get line is printed.
#
# usage: scripts/deps.sh [--runtime] [--check | --list]
#   --runtime  only what building and running cshell needs (*/deps.txt
#              but tests/deps.txt: make run); default: everything
#   --check    only report; exit 1 when something is missing
#   --list     print the wanted package names

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
mode=install
runtime=0
for arg in "$@"; do
	case "$arg" in
	--check) mode=check ;;
	--list) mode=list ;;
	--runtime) runtime=1 ;;
	-h | --help)
		sed -n '/^# usage:/,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "deps.sh: unknown option '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done

shopt -s nullglob
lists=()
for f in "$repo"/*/deps.txt; do
	[ "$runtime" = 1 ] && [ "$f" = "$repo/tests/deps.txt" ] && continue
	lists+=("$f")
done
# Strip comments and blanks, one name per line, unique.
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]\+/\n/g' "${lists[@]}" |
	grep -v '^$' | sort -u)

if [ "$mode" = list ]; then
	printf '%s\n' "${wanted[@]}"
	exit 0
fi

if ! command -v dpkg-query >/dev/null; then
	echo "deps.sh: dpkg-query not found; install these packages by hand:" >&2
	printf '  %s\n' "${wanted[@]}" >&2
	exit 1
fi

# One dpkg-query call for all of them: this is what makes --check cheap.
missing=()
declare -A have=()
while read -r name status; do
	[ "$status" = installed ] && have[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)
for p in "${wanted[@]}"; do
	[ -n "${have[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	[ "$mode" = check ] && echo "deps.sh: all ${#wanted[@]} packages installed"
	exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$mode" = check ]; then
	echo "deps.sh: missing: ${missing[*]}"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; as root run:" >&2
	echo "  $line" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or older than a day.
lists_dir=/var/lib/apt/lists
if [ -z "$(find "$lists_dir" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
	echo "deps.sh: apt-get update"
	apt-get update -q
fi
echo "deps.sh: $line"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends "${missing[@]}"
