#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-layout.sh — `image import` / `image export` with OCI layouts,
# offline: a layout built by tests/registry/mkimage.py imports (tag chosen
# by annotation, platform from an index), exports back to a layout that
# skopeo reads with the same digest, and a round trip through a fresh
# store keeps the digest.  A layout with a tampered blob or a tar slip is
# refused and leaves the store unchanged.

set -u
. "$(dirname "$0")/../registry/lib.sh"

command -v python3 >/dev/null || { skip image-layout "python3 not installed"; exit 0; }
if ! img_find_cmd; then
	fail image-layout "$(head -c 300 "$T/cc.log")"
	exit 0
fi

mk() { python3 "$REG_DIR/mkimage.py" "$@"; }
mkdir -p "$T/r1/bin" "$T/r2" "$T/escape"
echo one >"$T/r1/bin/one"
echo two >"$T/r2/two"
d_test=$(mk "$T/lay" test "$T/r1:gzip" "$T/r2:zstd")
d_arm=$(mk "$T/lay" arm --arch arm64 "$T/r1:gzip")
mk --index "$T/lay" multi test:linux/amd64 arm:linux/arm64 >/dev/null

# 1: import by tag; default name from the directory.
if out=$(img import "$T/lay:test" 2>"$T/err") &&
	[ "$out" = "$T/lay:test: $d_test" ] &&
	img ls | grep -q '^localhost/lay:test '; then
	pass image-import-tag
else
	fail image-import-tag "got '$out'"
fi
# 2: several images and no tag: a clear error.
if img import "$T/lay" >/dev/null 2>"$T/err"; then
	fail image-import-ambiguous "imported without a tag"
elif grep -q "holds 3 images: say which" "$T/err"; then
	pass image-import-ambiguous
else
	fail image-import-ambiguous "unclear error"
fi
# 3: an index entry: the platform decides.
if [ "$(uname -m)" = x86_64 ]; then
	out=$(img import --name arm/img:1 --platform linux/arm64 "$T/lay:multi" 2>"$T/err")
	out2=$(img import --name amd/img:1 "$T/lay:multi" 2>>"$T/err")
	if [ "$out" = "$T/lay:multi: $d_arm" ] && [ "$out2" = "$T/lay:multi: $d_test" ]; then
		pass image-import-index-platform
	else
		fail image-import-index-platform "got '$out' / '$out2'"
	fi
else
	skip image-import-index-platform "host is not amd64"
fi

# 4: export; skopeo reads it with the same digest; a fresh store imports
# it back to the same digest and content.
if img export localhost/lay:test "$T/out:v1" 2>"$T/err"; then
	if command -v skopeo >/dev/null; then
		sd=$(skopeo inspect --raw "oci:$T/out:v1" 2>/dev/null | sha256sum | cut -d' ' -f1)
		[ "sha256:$sd" = "$d_test" ] && pass image-export-skopeo ||
			fail image-export-skopeo "skopeo sees sha256:$sd, want $d_test"
	else
		skip image-export-skopeo "skopeo not installed"
	fi
	out=$(CSHELL_DATA_DIR=$T/data2 img import --name again/img:v1 "$T/out:v1" 2>"$T/err")
	layer=$(CSHELL_DATA_DIR=$T/data2 img inspect again/img:v1 2>>"$T/err" | awk '/^Layers:/ {print $2}')
	if [ "$out" = "$T/out:v1: $d_test" ] && [ "$(cat "$layer/two" 2>/dev/null)" = two ]; then
		pass image-export-import-roundtrip
	else
		fail image-export-import-roundtrip "got '$out'"
	fi
else
	fail image-export-skopeo "export failed"
fi

# 4b: docker-archive (what `podman save` writes by default), via skopeo.
if command -v skopeo >/dev/null && command -v jq >/dev/null; then
	mk "$T/lay" gz "$T/r1:gzip" "$T/r2:none" >/dev/null
	skopeo copy --quiet "oci:$T/lay:gz" "docker-archive:$T/a.tar:foo/bar:v1" 2>"$T/err"
	want=$(skopeo inspect --raw "docker-archive:$T/a.tar" 2>>"$T/err" | jq -r .config.digest)
	out=$(CSHELL_DATA_DIR=$T/data4 img import "$T/a.tar" 2>>"$T/err")
	got=$(CSHELL_DATA_DIR=$T/data4 img ls --json 2>>"$T/err" | jq -r '.[0].config + " " + .[0].names[0]')
	layer=$(CSHELL_DATA_DIR=$T/data4 img inspect foo/bar:v1 2>>"$T/err" | awk '/^Layers:/ {print $2}')
	if [ -n "$out" ] && [ "$got" = "$want docker.io/foo/bar:v1" ] &&
		[ "$(cat "$layer/two" 2>/dev/null)" = two ]; then
		pass image-import-docker-archive
	else
		fail image-import-docker-archive "got '$got', want '$want docker.io/foo/bar:v1'"
	fi
else
	skip image-import-docker-archive "skopeo or jq not installed"
fi
# Export to a docker-archive (a gzip and a zstd layer, inflated on the
# way): skopeo reads the same config; a fresh store imports it back.
if command -v skopeo >/dev/null && command -v jq >/dev/null; then
	cfg=$(img inspect --json localhost/lay:test 2>"$T/err" | jq -r .config)
	if img export localhost/lay:test "$T/out.tar" 2>>"$T/err" &&
		[ "$(skopeo inspect --raw "docker-archive:$T/out.tar" 2>>"$T/err" | jq -r .config.digest)" = "$cfg" ] &&
		CSHELL_DATA_DIR=$T/data6 img import "$T/out.tar" >/dev/null 2>>"$T/err" &&
		[ "$(CSHELL_DATA_DIR=$T/data6 img ls --json | jq -r '.[0].config + " " + .[0].names[0]')" = "$cfg localhost/lay:test" ]; then
		layer=$(CSHELL_DATA_DIR=$T/data6 img inspect localhost/lay:test | awk '/^Layers:/ {print $2}')
		[ "$(cat "$layer/two" 2>/dev/null)" = two ] && pass image-export-docker-archive ||
			fail image-export-docker-archive "layer content differs after the round trip"
	else
		fail image-export-docker-archive "export, skopeo or re-import failed"
	fi
else
	skip image-export-docker-archive "skopeo or jq not installed"
fi

# A docker-archive whose layer is a symlink out of the archive.
python3 - "$T/evil.tar" <<'PY'
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}}).encode()
    add("c.json", cfg)
    ti = tarfile.TarInfo("l/layer.tar"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/hostname"; t.addfile(ti)
    add("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["evil:1"], "Layers": ["l/layer.tar"]}]).encode())
PY
if CSHELL_DATA_DIR=$T/data5 img import "$T/evil.tar" >/dev/null 2>"$T/err"; then
	fail image-import-archive-symlink "imported a layer from outside the archive"
elif grep -q "must stay inside" "$T/err" &&
	[ -z "$(find "$T/data5/blobs" -type f ! -name '*.json' -newer "$T/evil.tar" 2>/dev/null | while read -r f; do cmp -s "$f" /etc/hostname && echo "$f"; done)" ]; then
	pass image-import-archive-symlink
else
	fail image-import-archive-symlink "unclear error or host file stored"
fi

# 5: untrusted layouts.
before=$(img ls --json)
cp -r "$T/lay" "$T/bad"
blob=$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1])); print([m for m in i["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")=="test"][0]["digest"][7:])' "$T/bad/index.json")
layer_digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][1]["digest"][7:])' "$T/bad/blobs/sha256/$blob")
chmod u+w "$T/bad/blobs/sha256/$layer_digest"
printf 'X' | dd of="$T/bad/blobs/sha256/$layer_digest" bs=1 seek=10 conv=notrunc 2>/dev/null
if CSHELL_DATA_DIR=$T/data3 img import "$T/bad:test" >/dev/null 2>"$T/err"; then
	fail image-import-tampered "imported a tampered blob"
elif grep -q "does not match its descriptor" "$T/err" &&
	[ ! -e "$T/data3/blobs/sha256/$layer_digest" ] &&
	[ "$(CSHELL_DATA_DIR=$T/data3 img ls -q)" = "" ]; then
	pass image-import-tampered
else
	fail image-import-tampered "unclear error or blob stored"
fi
EVIL_TARGET=$T/escape/target mk --evil symlink-parent "$T/lay" evil >/dev/null
if img import "$T/lay:evil" >/dev/null 2>"$T/err"; then
	fail image-import-tar-slip "imported a tar slip"
elif grep -q "parent directory is a symlink" "$T/err" &&
	[ -z "$(ls -A "$T/escape")" ] && [ "$(img ls --json)" = "$before" ]; then
	pass image-import-tar-slip
else
	fail image-import-tar-slip "unclear error or store changed"
fi
# A damaged images.json is reported, not trusted.
mkdir -p "$T/data7"
echo '{"images": [ {"digest": 1' >"$T/data7/images.json"
if CSHELL_DATA_DIR=$T/data7 img ls >/dev/null 2>"$T/err"; then
	fail image-db-corrupt "listed a corrupt image list"
elif grep -q "is corrupt" "$T/err"; then
	pass image-db-corrupt
else
	fail image-db-corrupt "unclear error"
fi
echo '{"images": [ {"digest": "x", "names": ["docker.io/a/b:c"], "layers": 3} ]}' >"$T/data7/images.json"
if CSHELL_DATA_DIR=$T/data7 img ls --json >/dev/null 2>"$T/err" &&
	! CSHELL_DATA_DIR=$T/data7 img inspect a/b:c >/dev/null 2>>"$T/err"; then
	pass image-db-odd-record
else
	fail image-db-odd-record "a malformed record broke ls or passed inspect"
fi
exit 0
