#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-first-hour.sh — what a new user meets first with images (issue
# #19): loopback registries need no --insecure, the registries config
# file is named in help and errors, `sandbox create --image` shows the
# pull's progress on a terminal and says when Ctrl-C interrupted it, an
# interrupted pull is resumed with a Range request, a full disk says so
# with the path, and `import --name` keeps the name as given.  Registries:
# docker-registry and tests/registry/fakereg.py on 127.0.0.1.

set -u
. "$(dirname "$0")/../registry/lib.sh"

SB=fh$$
SMALL=
fh_cleanup() {
	if [ -n "$SANDBOXES" ]; then
		"$IMG_BIN/cshell" -c "sandbox rm -f $SB $SB-run" >/dev/null 2>&1
	fi
	[ -n "$SMALL" ] && umount "$SMALL" 2>/dev/null
	img_cleanup
}
SANDBOXES=
trap fh_cleanup EXIT

img_prereqs image-first-hour docker-registry skopeo python3 jq curl script ||
	exit 0
R=127.0.0.1:$REG_PORT
export CSHELL_FS=$IMG_BIN/cshell-fs
if [ "$(id -u)" = 0 ] && [ -e /dev/fuse ]; then
	SANDBOXES=1
fi

mkdir -p "$T/r1/bin" "$T/r1/etc" "$T/r1/tmp" "$T/r2/etc"
cp /bin/busybox "$T/r1/bin/busybox"
ln -s busybox "$T/r1/bin/sh"
echo hello >"$T/r1/etc/hello"
# incompressible, so the blob is big enough to stop half-way through
head -c 2000000 /dev/urandom >"$T/r2/etc/noise"
python3 "$REG_DIR/mkimage.py" "$T/layout" test "$T/r1:gzip" "$T/r2:gzip" >/dev/null
if ! skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:test" \
	"docker://$R/busybox:test" >"$T/err" 2>&1; then
	fail image-first-hour-seed "skopeo copy failed: $(head -c 300 "$T/err")"
	exit 0
fi
conf=$CSHELL_CONFIG_DIR/registries

# 20: a loopback registry is plain http by default, as with docker.
if img pull -q "$R/busybox:test" >/dev/null 2>"$T/err"; then
	pass image-loopback-insecure-default
else
	fail image-loopback-insecure-default "pull from $R without --insecure failed"
fi

# 20: a "secure" line forces https; the error then names the config file.
echo "secure $R" >"$conf"
if CSHELL_DATA_DIR=$T/data-secure img pull -q "$R/busybox:test" >/dev/null 2>"$T/err"; then
	fail image-secure-line "pulled over http although the config says secure"
elif grep -qF "insecure $R' in $conf" "$T/err"; then
	pass image-secure-line
else
	fail image-secure-line "error does not name $conf"
fi

# 20: an unknown registry: the error names the config file too.
if img pull -q "127.0.0.1:1/x:y" >/dev/null 2>"$T/err"; then
	fail image-unknown-registry-config "pulled from port 1"
elif grep -qF "$conf" "$T/err"; then
	pass image-unknown-registry-config
else
	fail image-unknown-registry-config "error does not name $conf"
fi

# 20: `image pull --help` names it.
if img pull --help >"$T/out" 2>"$T/err" && grep -qF "$conf" "$T/out" &&
	grep -q "secure HOST" "$T/out"; then
	pass image-pull-help-config
else
	fail image-pull-help-config "'image pull --help' does not name $conf"
fi

# 20: `sandbox create --insecure --image` overrides the secure line.
if [ -z "$SANDBOXES" ]; then
	skip image-sandbox-insecure "needs root and /dev/fuse for sandboxes"
else
	img rm "$R/busybox:test" >/dev/null 2>&1
	if "$IMG_BIN/cshell" -c "sandbox create $SB --insecure --image $R/busybox:test" \
		>/dev/null 2>"$T/err" &&
		[ "$("$IMG_BIN/cshell" -c "@$SB busybox cat /etc/hello" 2>>"$T/err")" = hello ]; then
		pass image-sandbox-insecure
	else
		fail image-sandbox-insecure "sandbox create --insecure --image failed"
	fi
	"$IMG_BIN/cshell" -c "sandbox rm -f $SB" >/dev/null 2>&1
fi
# From here on the registries are marked insecure explicitly, so the
# cases below test only what they name (also against older builds).
echo "insecure $R" >"$conf"

# 19: on a terminal, `sandbox create --image` shows the pull's progress.
if [ -z "$SANDBOXES" ]; then
	skip image-sandbox-pull-progress "needs root and /dev/fuse for sandboxes"
else
	img rm "$R/busybox:test" >/dev/null 2>&1
	img prune >/dev/null 2>&1
	script -qfec "$IMG_BIN/cshell -c 'sandbox create $SB --image $R/busybox:test'" \
		/dev/null >"$T/tty" 2>&1 </dev/null
	if grep -q "MiB .*2/2 blobs" "$T/tty" &&
		"$IMG_BIN/cshell" -c "sandbox inspect $SB" >/dev/null 2>&1; then
		pass image-sandbox-pull-progress
	else
		fail image-sandbox-pull-progress "no progress on the terminal: $(tr -d '\r' <"$T/tty" | head -c 300)"
	fi
	"$IMG_BIN/cshell" -c "sandbox rm -f $SB" >/dev/null 2>&1
fi

# 19, 27: interrupted mid-blob (SIGINT to cshell-image, as Ctrl-C
# sends), the pull says so and keeps the partial blob; the next pull
# resumes it with a Range request and verifies the whole.
# interrupt NAME CMD — runs CMD (a cshell -c string) in the background,
# sends SIGINT to its cshell-image once a blob being downloaded has bytes; sets
# st to CMD's status, its stderr in $T/err.
interrupt() {
	local pid child= i
	# a background job of a script starts with SIGINT ignored; Ctrl-C
	# reaches a foreground command with it at its default
	env --default-signal=INT "$IMG_BIN/cshell" -c "$2" >/dev/null 2>"$T/err" &
	pid=$!
	for i in $(seq 200); do
		# a blob on its way in (older builds: blobs/…/HEX.tmp-XXXXXX)
		if [ -n "$(find "$CSHELL_DATA_DIR" -type f -size +1k \( -path '*/partial/*' -o -name '*.tmp-*' \) 2>/dev/null)" ]; then
			child=$(ps -o pid= --ppid "$pid" | head -n1 | tr -d ' ')
			# the shell may have exec'd its last command itself
			if [ -z "$child" ] && [ "$(ps -o comm= -p "$pid")" = cshell-image ]; then
				child=$pid
			fi
			break
		fi
		sleep 0.05
	done
	if [ -n "$child" ]; then
		kill -INT "$child"
	else
		kill "$pid"
	fi
	wait "$pid"
	st=$?
	[ -n "$child" ]
}

img rm "$R/busybox:test" >/dev/null 2>&1
img prune >/dev/null 2>&1
if fake_start "$T/layout" stall; then
	F=127.0.0.1:$FAKE_PORT
	echo "insecure $F" >>"$conf"
	ranges=$FAKE_PF.ranges
	if [ -n "$SANDBOXES" ]; then
		cmd="sandbox create $SB --image $F/bb:test"
		name=image-sandbox-create-interrupted
	else
		cmd="image pull $F/bb:test"
		name=image-pull-interrupted
	fi
	if ! interrupt "$name" "$cmd"; then
		fail "$name" "no partial download appeared"
	elif [ "$st" = 0 ]; then
		fail "$name" "the command succeeded"
	elif ! grep -q "interrupted.*pull again to resume" "$T/err"; then
		fail "$name" "no message about the interrupt (status $st)"
	elif [ -n "$SANDBOXES" ] && ! grep -q "not created" "$T/err"; then
		fail "$name" "does not say the sandbox was not created"
	elif grep -q "see above" "$T/err" && [ "$(grep -c . "$T/err")" -lt 2 ]; then
		fail "$name" "'see above' with nothing above"
	else
		pass "$name"
	fi
	partial=$(find "$CSHELL_DATA_DIR/partial" -type f -size +1k 2>/dev/null | head -n1)
	if [ -n "$partial" ] && [ -z "$(img ls -q)" ]; then
		pass image-interrupted-keeps-partial
	else
		fail image-interrupted-keeps-partial "no partial blob kept, or the image is listed"
	fi
	if img pull -q "$F/bb:test" >/dev/null 2>"$T/err" &&
		grep -q " [1-9][0-9]*$" "$ranges" 2>/dev/null &&
		[ -z "$(find "$CSHELL_DATA_DIR/partial" -type f)" ] &&
		img inspect "$F/bb:test" >/dev/null 2>&1; then
		ok=1
		for f in "$CSHELL_DATA_DIR"/blobs/sha256/*; do
			[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] || ok=0
		done
		[ $ok = 1 ] && pass image-pull-resumes ||
			fail image-pull-resumes "a stored blob does not match its digest"
	else
		fail image-pull-resumes "no Range request resumed the blob (ranges: $(cat "$ranges" 2>/dev/null))"
	fi
	img rm "$F/bb:test" >/dev/null 2>&1
else
	fail image-pull-interrupted "fake registry did not start"
fi

# 27: prune deletes partial downloads.
mkdir -p "$CSHELL_DATA_DIR/partial/sha256"
head -c 5000 /dev/zero >"$CSHELL_DATA_DIR/partial/sha256/$(printf '%064d' 0)"
if img prune >/dev/null 2>"$T/err" &&
	[ -z "$(find "$CSHELL_DATA_DIR/partial" -type f)" ]; then
	pass image-prune-partial
else
	fail image-prune-partial "a partial download survived prune"
fi

# 21: a full disk says so, with the path: at 400 kB a blob does not fit;
# at 3200 kB the blobs (2.9 MB) do, the unpacked layers do not.
if [ "$(id -u)" != 0 ]; then
	skip image-pull-disk-full "needs root to mount a small tmpfs"
else
	mkdir -p "$T/small"
	why=
	for size in 400k 3200k; do
		if ! mount -t tmpfs -o size=$size tmpfs "$T/small"; then
			why=mount
			break
		fi
		SMALL=$T/small
		if CSHELL_DATA_DIR=$T/small img pull -q --insecure "$R/busybox:test" \
			>/dev/null 2>"$T/err"; then
			why="a 5 MB image fitted into $size"
		elif ! grep -q "No space left on device" "$T/err" ||
			! grep -qF "'$T/small/" "$T/err"; then
			why="$size: the error does not say the disk is full, with the path"
		fi
		umount "$T/small" && SMALL=
		[ -n "$why" ] && break
	done
	if [ "$why" = mount ]; then
		skip image-pull-disk-full "cannot mount a tmpfs here"
	elif [ -n "$why" ]; then
		fail image-pull-disk-full "$why"
	else
		pass image-pull-disk-full
	fi
fi

# 27: `import --name` keeps the name as given.
if img import --name imported/bb "$T/layout:test" >/dev/null 2>"$T/err" &&
	[ "$(img ls --names | grep imported)" = imported/bb:latest ] &&
	img inspect imported/bb >/dev/null 2>>"$T/err" &&
	img rm imported/bb >/dev/null 2>>"$T/err" &&
	! img ls --names | grep -q imported; then
	pass image-import-name-as-given
else
	fail image-import-name-as-given "names: $(img ls --names | tr '\n' ' ')"
fi
exit 0
