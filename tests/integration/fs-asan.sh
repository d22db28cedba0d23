#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-asan.sh — the cshell-fs integration suite again, with the daemon built
# with ASan+UBSan (build/asan/bin/cshell-fs, made by `make check`): POSIX
# cases, the I/O modes, the fd budget and one differential seed with the
# data-integrity exerciser.  A sanitizer error stops the daemon (ASan
# aborts, UBSan halts), which fails the cases that follow with ENOTCONN;
# the daemon's stderr is gone once it is in the background, so ASan's
# reports also go to files (log_path), and any of them, leaks found at
# unmount included, is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${CSHELL_SRC:-$(cd "$here/../.." && pwd)}
asan_fs=$src/${CSHELL_BUILD:-build}/asan/bin/cshell-fs
case "${CSHELL_BIN:-}" in /*/bin) asan_fs=${CSHELL_BIN%/bin}/asan/bin/cshell-fs ;; esac
if [ ! -x "$asan_fs" ]; then
	echo "FAIL: fs-asan: $asan_fs not built (make check builds it)"; exit 0
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/cshell-fs-asan.XXXXXX")
trap 'rm -rf "$logs"' EXIT
export CSHELL_FS_DAEMON=$asan_fs
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
export FS_DIFF_SEEDS=7 FS_DIFF_OPS=1500

for t in fs-posix fs-passthrough fs-killpriv fs-volatile fs-fdlimit fs-whiteouts \
	fs-enospc fs-upper-lock fs-live fs-difftest; do
	bash "$here/$t.sh" 2>&1 | sed -n "s/^\(PASS\|FAIL\|SKIP\): /\1: [asan] /p"
done
reports=$(ls "$logs")
if [ -z "$reports" ]; then
	echo "PASS: [asan] no sanitizer report from the daemon"
else
	echo "FAIL: [asan] sanitizer reports: $(head -c 1500 "$logs"/* | tr '\n' '|')"
fi
