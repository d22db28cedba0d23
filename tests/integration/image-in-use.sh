#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-in-use.sh — an image a sandbox runs on keeps its layers: `image rm`
# refuses, naming the sandbox; `image rm -f` only untags (the image stays,
# nameless); `image prune` removes no layer a sandbox names; once the
# sandbox is gone, prune frees everything.  docker-registry on 127.0.0.1.

set -u
. "$(dirname "$0")/../registry/lib.sh"

SB=inuse$$
iu_cleanup() {
	"$IMG_BIN/cshell" -c "sandbox rm -f $SB" >/dev/null 2>&1
	img_cleanup
}
trap iu_cleanup EXIT

[ "$(id -u)" = 0 ] || { skip image-in-use "needs root for sandboxes here"; exit 0; }
[ -e /dev/fuse ] || { skip image-in-use "no /dev/fuse"; exit 0; }
img_prereqs image-in-use docker-registry skopeo python3 || exit 0
R=127.0.0.1:$REG_PORT
echo "insecure $R" >"$CSHELL_CONFIG_DIR/registries"
export CSHELL_FS=$IMG_BIN/cshell-fs

mkdir -p "$T/r1/bin" "$T/r1/etc" "$T/r2/etc"
cp /bin/busybox "$T/r1/bin/busybox"
ln -s busybox "$T/r1/bin/sh"
echo hello >"$T/r1/etc/hello"
echo two >"$T/r2/etc/two"
python3 "$REG_DIR/mkimage.py" "$T/layout" test "$T/r1:gzip" "$T/r2:gzip" >/dev/null
if ! skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:test" \
	"docker://$R/busybox:test" >"$T/err" 2>&1; then
	fail image-in-use-seed "skopeo copy failed: $(head -c 300 "$T/err")"
	exit 0
fi
csh() { "$IMG_BIN/cshell" -c "$1" 2>>"$T/err"; }
runs() { [ "$(csh "@$SB busybox cat /etc/hello /etc/two" | tr '\n' ' ')" = "hello two " ]; }
nlayers() { find "$CSHELL_DATA_DIR/layers/sha256" -mindepth 1 -maxdepth 1 | wc -l; }

if ! csh "sandbox create $SB --image $R/busybox:test" >/dev/null || ! runs; then
	fail image-in-use "sandbox from the image does not run: $(head -c 300 "$T/err")"
	exit 0
fi

# rm refuses while the sandbox uses the image, and says which sandbox.
: >"$T/err"
if img rm "$R/busybox:test" >/dev/null 2>"$T/err"; then
	fail image-rm-in-use-refused "image rm removed an image a sandbox uses"
elif ! grep -q "in use by sandbox $SB" "$T/err"; then
	fail image-rm-in-use-refused "error does not name the sandbox"
elif ! runs || [ "$(nlayers)" != 2 ] ||
	[ "$(img ls --names)" != "$R/busybox:test" ]; then
	fail image-rm-in-use-refused "the image or its layers changed"
else
	pass image-rm-in-use-refused
fi

# A second name can go: the image stays with the other.
img tag "$R/busybox:test" "$R/busybox:other" 2>"$T/err"
if img rm "$R/busybox:other" >/dev/null 2>>"$T/err" &&
	[ "$(img ls --names)" = "$R/busybox:test" ]; then
	pass image-rm-other-name-in-use
else
	fail image-rm-other-name-in-use "could not remove a second name"
fi

# rm -f untags only: the image stays nameless, the layers stay.
if img rm -f "$R/busybox:test" >/dev/null 2>"$T/err" &&
	[ -z "$(img ls --names)" ] && [ "$(img ls -q | wc -l)" = 1 ] &&
	[ "$(nlayers)" = 2 ] && runs; then
	pass image-rm-force-untags
else
	fail image-rm-force-untags "names: '$(img ls --names)', $(nlayers) layers"
fi

# prune keeps the layers (and the nameless image) the sandbox uses.
if img prune >/dev/null 2>"$T/err" && [ "$(nlayers)" = 2 ] && runs &&
	[ "$(img ls -q | wc -l)" = 1 ]; then
	pass image-prune-keeps-in-use
else
	fail image-prune-keeps-in-use "$(nlayers) layers left, sandbox runs: $(runs && echo yes || echo no)"
fi

# the sandbox gone, prune frees it all.
csh "sandbox rm -f $SB" >/dev/null
if img prune >/dev/null 2>"$T/err" && [ "$(nlayers)" = 0 ] &&
	[ -z "$(img ls -q)" ]; then
	pass image-prune-after-sandbox-rm
else
	fail image-prune-after-sandbox-rm "$(nlayers) layers left"
fi
exit 0
