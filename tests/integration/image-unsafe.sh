#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-unsafe.sh — malicious and broken registry content must be refused
# with a clear error, write nothing outside the store, leave no partial
# blob or layer behind and leave `image ls` unchanged: tar slips through
# "..", absolute paths, symlinked parents and hard links; a file over the
# size cap; a wrong digest; a truncated blob; an oversized manifest.  A
# small fake registry (tests/registry/fakereg.py) serves them.

set -u
. "$(dirname "$0")/../registry/lib.sh"

for t in python3 jq curl; do
	if ! command -v $t >/dev/null; then
		skip image-unsafe "$t not installed (scripts/deps.sh installs it)"
		exit 0
	fi
done
if ! img_find_cmd; then
	fail image-unsafe "$(head -c 300 "$T/cc.log")"
	exit 0
fi

mkdir -p "$T/escape" "$T/good/etc"
echo fine >"$T/good/etc/fine"
export EVIL_TARGET=$T/escape/target
mk() { python3 "$REG_DIR/mkimage.py" "$@" >/dev/null; }
mk "$T/layout" good "$T/good"
for k in dotdot abs symlink-parent hardlink-outside hardlink-dotdot bigfile; do
	mk --evil "$k" "$T/layout" "$k"
done
if ! fake_start "$T/layout"; then
	skip image-unsafe "fake registry did not start"
	exit 0
fi
F=127.0.0.1:$FAKE_PORT

if ! img pull -q --insecure "$F/good:good" >/dev/null 2>"$T/err"; then
	fail image-unsafe-baseline "a good image does not pull"
	exit 0
fi
pass image-unsafe-baseline
ls_before=$(img ls --json)
blobs_before=$(ls "$CSHELL_DATA_DIR/blobs/sha256" | sort | tr '\n' ' ')
layers_before=$(ls -a "$CSHELL_DATA_DIR/layers/sha256" | sort | tr '\n' ' ')

# refused NAME REF EXPECTED-ERROR-REGEX — the pull fails with that error
# and nothing changed.
refused() {
	local name=$1 ref=$2 want=$3 why=
	if img pull -q --insecure "$ref" >/dev/null 2>"$T/err"; then
		why="pull succeeded"
	elif ! grep -Eq "$want" "$T/err"; then
		why="error does not say '$want'"
	elif [ -n "$(ls -A "$T/escape")" ]; then
		why="wrote outside the store: $(ls -A "$T/escape")"
	elif [ "$(img ls --json)" != "$ls_before" ]; then
		why="image ls changed"
	elif [ "$(ls -a "$CSHELL_DATA_DIR/layers/sha256" | sort | tr '\n' ' ')" != "$layers_before" ]; then
		why="a partial layer was left behind"
	elif ls -A "$CSHELL_DATA_DIR/blobs/sha256" | grep -q tmp; then
		why="a temp blob was left behind"
	fi
	if [ -n "$why" ]; then
		fail "$name" "$why"
	else
		pass "$name"
	fi
	rm -rf "${T:?}/escape/"*
}

refused image-unsafe-dotdot "$F/evil:dotdot" "'\.\.' would leave the layer"
refused image-unsafe-absolute "$F/evil:abs" "absolute path"
refused image-unsafe-symlink-parent "$F/evil:symlink-parent" "parent directory is a symlink"
refused image-unsafe-hardlink-outside "$F/evil:hardlink-outside" "absolute link target"
refused image-unsafe-hardlink-dotdot "$F/evil:hardlink-dotdot" "link target '\.\./\.\./etc/passwd'"
CSHELL_IMAGE_MAX_FILE_SIZE=4096 \
	refused image-unsafe-size-cap "$F/evil:bigfile" "over the file size cap"

# Broken servers: each serves the same good image with one fault.  The
# blob it corrupts must not be stored; the good image is first removed so
# its blobs are really fetched.
img rm "$F/good:good" >/dev/null 2>&1
img prune >/dev/null 2>&1
ls_before=$(img ls --json)
layers_before=$(ls -a "$CSHELL_DATA_DIR/layers/sha256" | sort | tr '\n' ' ')
for fault in wrong-digest truncate big-manifest; do
	if ! fake_start "$T/layout" "$fault"; then
		fail "image-unsafe-$fault" "fake registry did not start"
		continue
	fi
	case $fault in
	wrong-digest) want="digest mismatch.*nothing was stored" ;;
	truncate) want="truncated: got [0-9]+ of [0-9]+ bytes after 4 attempts" ;;
	big-manifest) want="exceeds the limit of 4194304 bytes" ;;
	esac
	refused "image-unsafe-$fault" "127.0.0.1:$FAKE_PORT/good:good" "$want"
done
left=$(find "$CSHELL_DATA_DIR/blobs/sha256" -type f ! -name '*.json' | while read -r f; do
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || echo "$f"
done)
if [ -z "$left" ]; then
	pass image-unsafe-store-verified
else
	fail image-unsafe-store-verified "blobs not matching their digest: $left"
fi

# A transfer broken half-way is resumed with a Range request.
if fake_start "$T/layout" flaky; then
	if img pull -q --insecure "127.0.0.1:$FAKE_PORT/good:good" >/dev/null 2>"$T/err" &&
		[ -s "$T"/fake.port.*.ranges ] 2>/dev/null &&
		grep -q ' [1-9][0-9]*$' "$T"/fake.port.*.ranges; then
		pass image-resume-range
	else
		fail image-resume-range "no resumed pull (ranges: $(cat "$T"/fake.port.*.ranges 2>/dev/null))"
	fi
else
	fail image-resume-range "fake registry did not start"
fi

# A server that ignores Range: the blob starts over, and the layer (plain
# tar, unpacked while downloading) must come out whole.
mkdir -p "$T/plain/d"
for i in $(seq 40); do head -c 3000 /dev/urandom >"$T/plain/d/f$i"; done
mk "$T/layout" plain "$T/plain:none"
if fake_start "$T/layout" norange &&
	img pull -q --insecure "127.0.0.1:$FAKE_PORT/p:plain" >/dev/null 2>"$T/err"; then
	layer=$(img inspect "127.0.0.1:$FAKE_PORT/p:plain" | awk '/^Layers:/ {print $2}')
	if diff -r "$T/plain" "$layer" >/dev/null; then
		pass image-restart-without-range
	else
		fail image-restart-without-range "unpacked layer differs"
	fi
else
	fail image-restart-without-range "pull failed"
fi

# The store is still usable.
if img pull -q --insecure "$F/good:good" >/dev/null 2>"$T/err" &&
	img ls | grep -q "$F/good:good"; then
	pass image-unsafe-store-consistent
else
	fail image-unsafe-store-consistent "a good pull fails afterwards"
fi
exit 0
