#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/vm-image.sh — `sandbox create NAME --kernel 6.1
# --image REF --layer DIR` (issue 13): an image pushed to a local
# docker-registry (busybox in two layers, the second whiting out a file of
# the first) is pulled, its layers under the --layer are the guest's whole
# root, its Env and WorkingDir apply (--env over Env), an Env value with
# a newline arrives whole (the record and /cshell.conf escape it), ls and
# inspect name the image, and the guest's writes land in the VM's upper
# layer, not in the image.  One boot.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$repo/tests/lib.sh"
for t in docker-registry skopeo python3; do
	command -v "$t" >/dev/null || { skip vm-image "$t not installed"; exit 0; }
done
[ -x /bin/busybox ] || { skip vm-image "busybox-static not installed"; exit 0; }
. "$repo/tests/registry/lib.sh"
trap - EXIT
. "$repo/tests/vm-common.sh" vm-image
vm_extra_cleanup='img_cleanup'
mkdir -p "$CSHELL_CONFIG_DIR"

if ! reg_start main; then
	skip vm-image "docker-registry did not start on 127.0.0.1"
	exit 0
fi
R=localhost:$REG_PORT
echo "insecure $R" >"$CSHELL_CONFIG_DIR/registries"

# mkimage.py's config: Env PATH=/bin FOO=bar, WorkingDir /tmp
mkdir -p "$T/r1/bin" "$T/r1/etc" "$T/r1/tmp" "$T/r2/etc" "$work/top/etc"
cp /bin/busybox "$T/r1/bin/busybox"
ln -s busybox "$T/r1/bin/sh"
echo gone >"$T/r1/etc/gone"
echo hello >"$T/r1/etc/hello"
: >"$T/r2/etc/.wh.gone"
echo mine >"$work/top/etc/hello"
echo top >"$work/top/etc/top"
python3 "$REG_DIR/mkimage.py" "$T/layout" test "$T/r1:gzip" "$T/r2:gzip" >/dev/null
if ! skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:test" \
	"docker://$R/busybox:test" >"$T/err" 2>&1; then
	fail vm-image-seed "skopeo copy failed: $(head -c 300 "$T/err")"
	exit 0
fi
rm -f "$T/err"
sh_() { (cd "$work" && timeout 120 "$csh" -c "$1"); }

out=$(sh_ "sandbox create img --kernel '$deb' --image $R/busybox:test \
	--layer '$work/top' --env EXTRA=1" 2>&1)
if [ $? != 0 ]; then
	fail vm-image-create "$out"
	exit 0
fi
pass vm-image-create

out=$(sh_ "@img busybox sh -c 'uname -r; cat /etc/hello /etc/top; ls /etc/gone 2>&1 | grep -c No; echo \$FOO \$EXTRA \$(pwd); ls /usr 2>&1 | grep -c No'" 2>&1)
if [[ $(head -1 <<<"$out") == 6.1.* ]] &&
	[ "$(sed -n '2,$p' <<<"$out" | tr '\n' ' ')" = "mine top 1 bar 1 /tmp 1 " ]; then
	pass vm-image-root
else
	fail vm-image-root "want 6.1.*, the --layer over the image, the whiteout, image Env/WorkingDir, no host /usr; printed '$out'"
fi

# an Env value with a newline (mkimage.py's NL=a<newline>b) arrives whole
out=$(sh_ "@img busybox sh -c 'printf \"%s|\" \"\$NL\"'")
[ "$out" = "a
b|" ] && pass vm-image-env-newline ||
	fail vm-image-env-newline "want 'a<newline>b|', got '$out'"

out=$(sh_ 'sandbox ls')
grep -Eq "^img +running +[0-9]+ +vm +$R/busybox:test\$" <<<"$out" &&
	pass vm-image-ls || fail vm-image-ls "printed '$out'"
out=$(sh_ 'sandbox inspect img --json')
if python3 -c 'import json,sys; v=json.load(sys.stdin); sys.exit(0 if v["image"] == sys.argv[1] and v["vm"]["release"].startswith("6.1.") else 1)' "$R/busybox:test" <<<"$out"; then
	pass vm-image-inspect
else
	fail vm-image-inspect "printed '$out'"
fi

# the image's own copies of /etc/hello, which the guest must not change
layers=$(find "$CSHELL_DATA_DIR" -path "*/vm/img" -prune -o -path '*/etc/hello' -print)
sh_ "@img busybox sh -c 'echo w >/etc/written; echo x >/etc/hello'"
out=$(sh_ 'sandbox diff img')
if grep -qx 'A /etc/written' <<<"$out" && grep -qx 'C /etc/hello' <<<"$out" &&
	[ "$(cat "$work/top/etc/hello")" = mine ] && ! [ -e "$work/top/etc/written" ] &&
	[ -n "$layers" ] && [ "$(cat $layers | sort -u)" = hello ]; then
	pass vm-image-writes-upper
else
	fail vm-image-writes-upper "diff printed '$out'; the layers must be untouched"
fi
sh_ 'sandbox rm -f img' && ! [ -e "$CSHELL_DATA_DIR/vm/img" ] &&
	pass vm-image-rm || fail vm-image-rm "the record is left"
exit 0
