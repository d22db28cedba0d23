#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-sandbox.sh — `sandbox create --image` and `sandbox run --image`
# against a real docker-registry on 127.0.0.1: the image (busybox in two
# layers, the second whiting out a file of the first) is pulled when
# missing, its layers become the sandbox's root, its Env and WorkingDir
# apply, --env overrides Env, and `run` without a command runs its Cmd.

set -u
. "$(dirname "$0")/../registry/lib.sh"

SB=imgsb$$
sbx_cleanup() {
	"$IMG_BIN/cshell" sandbox rm -f "$SB" >/dev/null 2>&1
	img_cleanup
}
trap sbx_cleanup EXIT

for t in docker-registry skopeo python3; do
	command -v "$t" >/dev/null || { skip image-sandbox "$t not installed"; exit 0; }
done
[ -x /bin/busybox ] || { skip image-sandbox "busybox-static not installed"; exit 0; }
[ "$(id -u)" = 0 ] || { skip image-sandbox "needs root for sandboxes here"; exit 0; }
[ -e /dev/fuse ] || { skip image-sandbox "no /dev/fuse"; exit 0; }
if ! img_find_cmd; then
	fail image-sandbox "$(cat "$T/cc.log")"
	exit 0
fi
if ! reg_start main; then
	skip image-sandbox "docker-registry did not start on 127.0.0.1"
	exit 0
fi
R=localhost:$REG_PORT
echo "insecure $R" >"$CSHELL_CONFIG_DIR/registries"
export CSHELL_FS=$IMG_BIN/cshell-fs

# mkimage.py's config: Env PATH=/bin FOO=bar, WorkingDir /tmp, Cmd /bin/sh
mkdir -p "$T/r1/bin" "$T/r1/etc" "$T/r1/tmp" "$T/r2/etc"
cp /bin/busybox "$T/r1/bin/busybox"
ln -s busybox "$T/r1/bin/sh"
echo gone >"$T/r1/etc/gone"
echo hello >"$T/r1/etc/hello"
: >"$T/r2/etc/.wh.gone"
python3 "$REG_DIR/mkimage.py" "$T/layout" test "$T/r1:gzip" "$T/r2:gzip" >/dev/null
if ! skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:test" \
	"docker://$R/busybox:test" >"$T/err" 2>&1; then
	fail image-sandbox-seed "skopeo copy failed: $(head -c 300 "$T/err")"
	exit 0
fi

csh() { "$IMG_BIN/cshell" -c "$1" 2>"$T/err"; }

# the image is not in the store yet: create pulls it
if csh "sandbox create $SB --image $R/busybox:test --env EXTRA=1 --env FOO=mine"; then
	pass image-sandbox-create-pulls
else
	fail image-sandbox-create-pulls "$(head -c 300 "$T/err")"
	exit 0
fi
out=$(csh "@$SB busybox sh -c 'echo ok'")
if [ "$out" = ok ]; then pass image-sandbox-busybox-ok; else
	fail image-sandbox-busybox-ok "got '$out': $(head -c 200 "$T/err")"; fi
out=$(csh "@$SB busybox sh -c 'cat /etc/hello; ls /etc/gone 2>&1 | grep -c No'")
if [ "$out" = "hello
1" ]; then pass image-sandbox-layers-and-whiteout; else
	fail image-sandbox-layers-and-whiteout "got '$out'"; fi
out=$(csh "@$SB busybox sh -c 'echo \$EXTRA \$FOO \$(pwd)'")
if [ "$out" = "1 mine /tmp" ]; then pass image-sandbox-env-workdir; else
	fail image-sandbox-env-workdir "want '1 mine /tmp' (--env over image Env, image WorkingDir), got '$out'"; fi
# an Env value with a newline arrives whole (the resolve protocol is
# NUL-separated); the line form refuses it instead of dropping it
out=$(csh "@$SB busybox sh -c 'printf \"%s|\" \"\$NL\"'")
if [ "$out" = "a
b|" ]; then pass image-sandbox-env-newline; else
	fail image-sandbox-env-newline "want 'a<newline>b|', got '$out'"; fi
out=$("$IMG_BIN/cshell-image" resolve "$R/busybox:test" 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"holds a newline"* ]]; then
	pass image-resolve-lines-refuse-newline
else
	fail image-resolve-lines-refuse-newline "status $rc: $out"
fi
# nothing of the host root is visible
out=$(csh "@$SB busybox ls /usr" 2>&1)
if [ -z "$out" ]; then pass image-sandbox-no-host-root; else
	fail image-sandbox-no-host-root "/usr exists in an image-only sandbox: '$out'"; fi
out=$(csh "image ls --names")
if [ "$out" = "$R/busybox:test" ]; then pass image-sandbox-image-listed; else
	fail image-sandbox-image-listed "image ls --names: '$out'"; fi

# ls and inspect name the image, not its layers' digests
out=$(csh "sandbox ls")
if grep -q "^$SB  *running  *[0-9]*  *ns  *$R/busybox:test\$" <<<"$out"; then
	pass image-sandbox-ls-shows-image; else
	fail image-sandbox-ls-shows-image "$(tr '\n' '|' <<<"$out")"; fi
out=$(csh "sandbox inspect $SB")
if grep -qx "image: *$R/busybox:test" <<<"$out"; then
	pass image-sandbox-inspect-shows-image; else
	fail image-sandbox-inspect-shows-image "$(grep -v env <<<"$out" | tr '\n' '|')"; fi

# --read-only on an image without /proc, /dev, /sys, as docker runs it
out=$(csh "sandbox run --read-only --image $R/busybox:test -- busybox sh -c 'cat /etc/hello; ls /proc/self/fd >/dev/null && echo proc'")
if [ "$out" = "hello
proc" ]; then pass image-sandbox-run-read-only; else
	fail image-sandbox-run-read-only "got '$out': $(head -c 200 "$T/err")"; fi

# run: ephemeral, with an explicit command
out=$(csh "sandbox run --image $R/busybox:test -- busybox echo run-ok")
if [ "$out" = run-ok ]; then pass image-sandbox-run; else
	fail image-sandbox-run "got '$out': $(head -c 200 "$T/err")"; fi

# a reference that does not exist: a clear error, nothing created
if csh "sandbox create bad$$ --image $R/nosuch:latest"; then
	fail image-sandbox-missing-image "created a sandbox from a missing image"
	"$IMG_BIN/cshell" sandbox rm -f "bad$$" >/dev/null 2>&1
elif grep -q "nosuch" "$T/err" && ! "$IMG_BIN/cshell" sandbox inspect "bad$$" >/dev/null 2>&1; then
	pass image-sandbox-missing-image
else
	fail image-sandbox-missing-image "error: $(head -c 300 "$T/err")"
fi
exit 0
