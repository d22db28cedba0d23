#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# up-image.sh — a Cshellfile as an OCI image and images of sandboxes:
# `image build` (from scratch: a copied busybox tree) gives the same
# digest again, `image push` to a docker-registry on 127.0.0.1 and a pull
# into another data dir give the same digests; an `up` from that image
# runs a step in it; a tag moved on the registry is drift for
# `up --locked`; `sandbox commit NAME --image REF` adds the upper layer
# to the sandbox's image.

set -u
. "$(dirname "$0")/../registry/lib.sh"
. "$IMG_SRC/tests/lib.sh"
TEST_PREFIX=up-image/

sb_cleanup() {
	local st pid m
	for st in "$T"/run/sandboxes/*/state; do
		[ -f "$st" ] || continue
		pid=$(sed -n 's/^init_pid=//p' "$st")
		[ -n "$pid" ] && [ "$pid" -gt 1 ] &&
			grep -q cshell-init "/proc/$pid/cmdline" 2>/dev/null &&
			kill -9 "$pid" 2>/dev/null
	done
	awk -v w="$T" 'index($2, w) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	img_cleanup
}
trap sb_cleanup EXIT

for t in docker-registry curl python3; do
	command -v "$t" >/dev/null ||
		{ skip all "$t not installed (scripts/deps.sh installs it)"; exit 0; }
done
[ -x /bin/busybox ] || { skip all "busybox-static not installed"; exit 0; }
if ! img_find_cmd; then
	fail all "$(head -c 300 "$T/cc.log")"
	exit 0
fi
if ! reg_start main; then
	skip all "docker-registry did not start on 127.0.0.1"
	exit 0
fi
R=127.0.0.1:$REG_PORT
[ -x "$IMG_BIN/cshell-fs" ] && export CSHELL_FS=$IMG_BIN/cshell-fs
export CSHELL_INIT=$IMG_BIN/cshell-init CSHELL_UP_PROGRESS=1
cs() { "$IMG_BIN/cshell" -c "$@"; }

# the base: busybox as /bin, from scratch
B=$T/base
mkdir -p "$B/root/bin"
cp /bin/busybox "$B/root/bin/busybox"
ln -s busybox "$B/root/bin/sh"
ln -s busybox "$B/root/bin/cat"
cat >"$B/Cshellfile" <<'EOF'
from scratch
copy root/bin /bin
env PATH=/bin
workdir /
EOF
out=$(cd "$B" && cs 'image build -t localhost/upbase:1' 2>"$T/err")
rc=$?
d1=${out##*: }
out2=$(cd "$B" && cs 'image build -t localhost/upbase:2' 2>>"$T/err")
d2=${out2##*: }
if [ $rc = 0 ] && [[ $d1 == sha256:* ]] && [ "$d1" = "$d2" ]; then
	pass build-reproducible
else
	fail build-reproducible "status $rc, '$out' vs '$out2'"
fi
cs 'image inspect --json localhost/upbase:1' >"$T/insp" 2>>"$T/err"
if grep -q '"/bin"\|"Env"' "$T/insp" && grep -q 'PATH=/bin' "$T/insp"; then
	pass build-config
else
	fail build-config "no Env in $(head -c 200 "$T/insp")"
fi

# push, then pull into another data dir: the same manifest digest
pushed=$(cs "image push -q localhost/upbase:1 $R/upbase:1" 2>>"$T/err")
rc=$?
pulled=$(CSHELL_DATA_DIR=$T/data2 cs "image pull -q $R/upbase:1" 2>>"$T/err")
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && [ "${pushed##*: }" = "$d1" ] &&
	[ "${pulled##*: }" = "$d1" ]; then
	pass push-pull-same-digest
else
	fail push-pull-same-digest "push $rc '$pushed', pull $rc2 '$pulled', built $d1"
fi

if [ "$(id -u)" != 0 ] || ! [ -e /dev/fuse ]; then
	skip up-from-image "needs root and /dev/fuse"
	exit 0
fi
# an environment from the registry's image, with a run step inside it
P=$T/proj
mkdir -p "$P"
cat >"$P/Cshellfile" <<EOF
from $R/upbase:1
run 'echo made-in-step >/made'
EOF
out=$(cd "$P" && cs 'up -- cat /made' 2>"$T/err")
rc=$?
if [ $rc = 0 ] && [ "$out" = made-in-step ] &&
	grep -q "^from $R/upbase:1 $d1\$" "$P/Cshellfile.lock"; then
	pass up-from-image
else
	fail up-from-image "status $rc, '$out'"
fi

# sandbox commit --image: the image's layers plus the upper layer
cs 'sandbox exec proj -- sh -c "echo committed >/c"' 2>>"$T/err"
cs 'sandbox commit proj --image localhost/committed:1' >/dev/null 2>>"$T/err"
rc=$?
nb=$(cs 'image inspect --json localhost/upbase:1' | grep -c '"diff_id"')
nc=$(cs 'image inspect --json localhost/committed:1' 2>/dev/null | grep -c '"diff_id"')
out=$(cs 'sandbox run --image localhost/committed:1 -- cat /c /made' 2>>"$T/err")
if [ $rc = 0 ] && [ "$nc" = $((nb + 2)) ] &&
	[ "$out" = "$(printf 'committed\nmade-in-step')" ]; then
	pass sandbox-commit-image
else
	fail sandbox-commit-image "status $rc, layers $nb -> $nc, '$out'"
fi

# the tag moves on the registry: drift for --locked
echo moved >"$B/root/moved"
echo 'copy root/moved /moved' >>"$B/Cshellfile"
(cd "$B" && cs 'image build -t localhost/upbase:3' >/dev/null 2>>"$T/err") &&
	cs "image push -q localhost/upbase:3 $R/upbase:1" >/dev/null 2>>"$T/err"
out=$(cd "$P" && cs 'up --locked -- true' 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"from $R/upbase:1 resolves to"*"Cshellfile.lock pins"* ]]; then
	pass locked-moved-tag
else
	fail locked-moved-tag "status $rc, '$out'"
fi
cs 'down --rm' 2>/dev/null
(cd "$P" && cs 'down --rm') 2>>"$T/err"
exit 0
