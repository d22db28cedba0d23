#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image-pull.sh — `image pull/ls/inspect/tag/rm/prune` against a real
# docker-registry on 127.0.0.1, seeded with skopeo from an OCI layout of a
# busybox rootfs in two layers (gzip + zstd, one whiteout); the store must
# hold exactly the digests skopeo reports.  Also: https by default,
# insecure registries, platform selection from an index, basic auth
# (htpasswd) and Bearer tokens (fake registry).

set -u
. "$(dirname "$0")/../registry/lib.sh"

need() {
	local t
	for t in docker-registry skopeo python3 jq curl zstd htpasswd; do
		command -v "$t" >/dev/null || { echo "$t"; return; }
	done
	[ -x /bin/busybox ] || echo busybox-static
}
missing=$(need)
if [ -n "$missing" ]; then
	skip image-pull "$missing not installed (scripts/deps.sh installs it)"
	exit 0
fi
if ! img_find_cmd; then
	fail image-pull "$(head -c 300 "$T/cc.log")"
	exit 0
fi
if ! reg_start main; then
	skip image-pull "docker-registry did not start on 127.0.0.1"
	exit 0
fi
R=127.0.0.1:$REG_PORT

# The image: busybox in layer 1 with etc/gone, layer 2 whites it out.
mkdir -p "$T/r1/bin" "$T/r1/etc" "$T/r2/etc" "$T/r3"
cp /bin/busybox "$T/r1/bin/busybox"
ln -s busybox "$T/r1/bin/sh"
echo hello >"$T/r1/etc/hello"
echo gone >"$T/r1/etc/gone"
echo new >"$T/r2/etc/new"
: >"$T/r2/etc/.wh.gone"
echo arm >"$T/r3/arm"
mk() { python3 "$REG_DIR/mkimage.py" "$@" >/dev/null; }
mk "$T/layout" test "$T/r1:gzip" "$T/r2:zstd"
mk "$T/layout" arm --arch arm64 "$T/r1:gzip" "$T/r3:none"
mk --index "$T/layout" multi test:linux/amd64 arm:linux/arm64
cp_to() {
	skopeo copy --quiet --all --dest-tls-verify=false "oci:$T/layout:$1" \
		"docker://$2" >"$T/err" 2>&1
}
if ! cp_to test "$R/busybox:test" || ! cp_to multi "$R/busybox:multi"; then
	fail image-pull-seed "skopeo copy into the registry failed"
	exit 0
fi
sk() { skopeo "$1" --tls-verify=false "${@:2}"; }
want_digest=$(sk inspect --raw "docker://$R/busybox:test" | sha256sum | cut -d' ' -f1)

# 1: https unless marked insecure, and the error says what to do.  A
# loopback registry such as this one is insecure by default (as with
# docker): a "secure" line makes it https-only for this case.
echo "secure $R" >"$CSHELL_CONFIG_DIR/registries"
if img pull -q "$R/busybox:test" >/dev/null 2>"$T/err"; then
	fail image-https-default "pulled over plain http without --insecure"
elif grep -q "insecure" "$T/err"; then
	pass image-https-default
else
	fail image-https-default "error does not mention marking it insecure"
fi
rm "$CSHELL_CONFIG_DIR/registries"
if [ "$(img ls -q)" = "" ]; then
	pass image-failed-pull-not-listed
else
	fail image-failed-pull-not-listed "image ls lists a failed pull"
fi

# 2: pull, digests equal to what skopeo reports.
out=$(img pull -q --insecure "$R/busybox:test" 2>"$T/err")
if [ "$out" = "$R/busybox:test: sha256:$want_digest" ]; then
	pass image-pull-digest
else
	fail image-pull-digest "got '$out', skopeo says sha256:$want_digest"
fi
ok=1
for d in $(sk inspect "docker://$R/busybox:test" | jq -r '.Layers[]') \
	$(sk inspect --raw "docker://$R/busybox:test" | jq -r .config.digest) \
	"sha256:$want_digest"; do
	f=$CSHELL_DATA_DIR/blobs/sha256/${d#sha256:}
	[ -f "$f" ] && [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${d#sha256:}" ] ||
		{ ok=0; echo "    missing or bad blob $d"; }
done
[ $ok = 1 ] && pass image-store-blobs || fail image-store-blobs "blobs differ"
diffids=$(sk inspect --config "docker://$R/busybox:test" | jq -r '.rootfs.diff_ids[]')
ok=1
for d in $diffids; do
	[ -d "$CSHELL_DATA_DIR/layers/sha256/${d#sha256:}" ] || ok=0
done
nlayers=$(ls "$CSHELL_DATA_DIR/layers/sha256" | wc -l)
[ $ok = 1 ] && [ "$nlayers" = 2 ] && pass image-store-layers ||
	fail image-store-layers "unpacked layers do not match diff ids"
top=$CSHELL_DATA_DIR/layers/sha256/$(echo "$diffids" | tail -n1 | cut -d: -f2)
bottom=$CSHELL_DATA_DIR/layers/sha256/$(echo "$diffids" | head -n1 | cut -d: -f2)
if [ -f "$top/etc/.wh.gone" ] && [ ! -s "$top/etc/.wh.gone" ] &&
	[ "$(cat "$top/etc/new")" = new ] && [ -f "$bottom/etc/gone" ]; then
	pass image-whiteout-kept
else
	fail image-whiteout-kept "whiteout or layer content missing"
fi
if [ "$("$bottom/bin/busybox" echo ok 2>/dev/null)" = ok ] &&
	[ "$(readlink "$bottom/bin/sh")" = busybox ]; then
	pass image-layer-runs
else
	fail image-layer-runs "busybox from the unpacked layer does not run"
fi

# 3: ls, inspect, resolve order (top first) and the config.
if img ls | grep -q "^$R/busybox:test " &&
	[ "$(img ls --json | jq -r '.[0].names[0]')" = "$R/busybox:test" ]; then
	pass image-ls
else
	fail image-ls "name missing from image ls"
fi
img inspect "$R/busybox:test" >"$T/inspect" 2>"$T/err"
if grep -q '^Env: *PATH=/bin FOO=bar' "$T/inspect" &&
	grep -q '^WorkingDir: */tmp' "$T/inspect" &&
	grep -q '^Cmd: */bin/sh' "$T/inspect" &&
	[ "$(grep -A1 '^Layers:' "$T/inspect" | head -n1 | awk '{print $2}')" = "$top" ]; then
	pass image-inspect
else
	fail image-inspect "config or layer order wrong"
fi
if [ "$(img inspect --json "$R/busybox:test" | jq -r .image_config.config.User)" = 0:0 ]; then
	pass image-inspect-json
else
	fail image-inspect-json "no config in inspect --json"
fi

# 4: a registries config marks it insecure; same blobs are not fetched
# again (their inodes stay).
echo "insecure localhost:$REG_PORT" >"$CSHELL_CONFIG_DIR/registries"
ino_before=$(stat -c %i "$CSHELL_DATA_DIR"/blobs/sha256/* | sort | tr '\n' ' ')
if img pull -q "localhost:$REG_PORT/busybox:test" >/dev/null 2>"$T/err"; then
	ino_after=$(stat -c %i "$CSHELL_DATA_DIR"/blobs/sha256/* | sort | tr '\n' ' ')
	[ "$ino_before" = "$ino_after" ] && pass image-registries-config-and-reuse ||
		fail image-registries-config-and-reuse "blobs were downloaded again"
else
	fail image-registries-config-and-reuse "pull with the registries config failed"
fi

# 5: an index: the host platform by default, --platform otherwise.
amd=$(sk inspect --raw "docker://$R/busybox:multi" | jq -r '.manifests[] | select(.platform.architecture=="amd64") | .digest')
arm=$(sk inspect --raw "docker://$R/busybox:multi" | jq -r '.manifests[] | select(.platform.architecture=="arm64") | .digest')
hostarch=$(uname -m)
d1=$(img pull -q --insecure "$R/busybox:multi" 2>"$T/err" | awk '{print $2}')
d2=$(img pull -q --insecure --platform linux/arm64 "$R/busybox:multi" 2>>"$T/err" | awk '{print $2}')
if [ "$hostarch" != x86_64 ]; then
	skip image-index-platform "host is not amd64"
elif [ "$d1" = "$amd" ] && [ "$d2" = "$arm" ]; then
	pass image-index-platform
else
	fail image-index-platform "got $d1/$d2, want $amd/$arm"
fi
if img pull -q --insecure --platform linux/s390x "$R/busybox:multi" >/dev/null 2>"$T/err"; then
	fail image-index-no-platform "pulled a platform the index lacks"
elif grep -q "no image for platform linux/s390x" "$T/err"; then
	pass image-index-no-platform
else
	fail image-index-no-platform "unclear error"
fi

# 5b: two pulls at once into one fresh store: both succeed, one image.
(
	export CSHELL_DATA_DIR=$T/data2
	img pull -q --insecure "$R/busybox:test" >"$T/p1" 2>&1 &
	a=$!
	img pull -q --insecure "$R/busybox:test" >"$T/p2" 2>&1 &
	b=$!
	wait $a && wait $b || exit 1
	[ "$(img ls --json | jq length)" = 1 ] || exit 2
	[ "$(ls "$CSHELL_DATA_DIR/layers/sha256" | wc -l)" = 2 ] || exit 3
	[ -z "$(find "$CSHELL_DATA_DIR" -name '*.tmp-*' -o -name '.tmp-*')" ] || exit 4
)
rc=$?
[ $rc = 0 ] && pass image-concurrent-pulls ||
	fail image-concurrent-pulls "status $rc: $(cat "$T/p1" "$T/p2")"

# 5c: push back under a new name: the registry then serves the same
# manifest (skopeo's digest), and a fresh store pulls it.
if img push --insecure "$R/busybox:test" "$R/pushed/bb:v1" >"$T/out" 2>"$T/err" &&
	[ "$(sk inspect --raw "docker://$R/pushed/bb:v1" | sha256sum | cut -d' ' -f1)" = "$want_digest" ] &&
	grep -q "sha256:$want_digest" "$T/out"; then
	pass image-push
else
	fail image-push "pushed image differs or push failed"
fi
# The blobs were mounted from busybox (same registry), not uploaded again.
if grep -q 'POST /v2/pushed/bb/blobs/uploads/?mount=sha256:[0-9a-f]*&from=busybox HTTP/1.1" 201' "$T/reg-main.log" &&
	! grep -q 'PUT /v2/pushed/bb/blobs/uploads/' "$T/reg-main.log"; then
	pass image-push-cross-repo-mount
else
	fail image-push-cross-repo-mount "no mount in the registry's access log"
fi
if CSHELL_DATA_DIR=$T/data3 img pull -q --insecure "$R/pushed/bb:v1" >/dev/null 2>"$T/err" &&
	[ -x "$T/data3/layers/sha256/${bottom##*/}/bin/busybox" ]; then
	pass image-push-pull-back
else
	fail image-push-pull-back "cannot pull what was pushed"
fi
# Pushing again uploads nothing new and keeps the digest.
if img push --insecure "$R/busybox:test" "$R/pushed/bb:v2" >/dev/null 2>"$T/err" &&
	[ "$(sk inspect --raw "docker://$R/pushed/bb:v2" | sha256sum | cut -d' ' -f1)" = "$want_digest" ]; then
	pass image-push-again
else
	fail image-push-again "second push failed"
fi
# Chunked upload (PATCH per 64 KiB) of blobs the registry has never seen.
mkdir -p "$T/r4"
head -c 300000 /dev/urandom >"$T/r4/random"
mk "$T/layout" chunky "$T/r4:gzip"
chunky=$(python3 -c 'import json,sys; print([m for m in json.load(open(sys.argv[1]))["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"]=="chunky"][0]["digest"])' "$T/layout/index.json")
if img import --name "$R/chunky/img:1" "$T/layout:chunky" >/dev/null 2>"$T/err" &&
	CSHELL_IMAGE_PUSH_CHUNK=65536 img push --insecure "$R/chunky/img:1" >/dev/null 2>>"$T/err" &&
	[ "sha256:$(sk inspect --raw "docker://$R/chunky/img:1" | sha256sum | cut -d' ' -f1)" = "$chunky" ]; then
	pass image-push-chunked
else
	fail image-push-chunked "chunked push failed or digest differs"
fi
img rm "$R/chunky/img:1" >/dev/null 2>&1
if img push --insecure no/such:image "$R/x:y" >/dev/null 2>"$T/err"; then
	fail image-push-missing "pushed an image that is not in the store"
elif grep -q "no image 'no/such:image'" "$T/err"; then
	pass image-push-missing
else
	fail image-push-missing "unclear error"
fi

# 5d: as an unprivileged user (no root-only features): the pull works,
# files belong to the user, setuid bits are dropped.  The build may lie
# under a directory that user cannot enter (a checkout in /root, 0700):
# copies of the two programs it runs are staged in $T.
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip image-pull-rootless "needs root to switch to an unprivileged user"
else
	asuser() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			env CSHELL_DATA_DIR="$T/rootless" HOME=/nonexistent "$@"
	}
	mkdir -p "$T/rootless" "$T/rootless-bin"
	cp "$IMG_BIN/cshell" "$IMG_BIN/cshell-image" "$T/rootless-bin/"
	chmod 755 "$T" "$T/rootless-bin"
	chown 65534:65534 "$T/rootless"
	if ! asuser test -x "$T/rootless-bin/cshell"; then
		skip image-pull-rootless "uid 65534 cannot reach $T (TMPDIR=${TMPDIR:-/tmp})"
	elif asuser bash -c "$(declare -f img); IMG_BIN=$T/rootless-bin; img pull -q --insecure '$R/busybox:test'" \
		>/dev/null 2>"$T/err"; then
		f=$(find "$T/rootless/layers" -name busybox -type f | head -n1)
		if [ -n "$f" ] && [ "$(stat -c %u "$f")" = 65534 ] &&
			[ "$("$f" echo ok)" = ok ]; then
			pass image-pull-rootless
		else
			fail image-pull-rootless "layer content or owner wrong"
		fi
	else
		fail image-pull-rootless "pull as uid 65534 failed"
	fi
	chmod 700 "$T"
fi

# 6: tag, rm, prune.
img tag "$R/busybox:test" local/copy:1 2>"$T/err"
img rm "$R/busybox:test" "localhost:$REG_PORT/busybox:test" >/dev/null 2>>"$T/err"
names=$(img ls --json | jq -r '.[].names[]' | sort | tr '\n' ' ')
if [ "$names" = "$R/busybox:multi docker.io/local/copy:1 " ] &&
	[ -d "$top" ]; then
	pass image-tag-rm
else
	fail image-tag-rm "names now: $names"
fi
img rm local/copy:1 "$R/busybox:multi" >/dev/null 2>"$T/err"
img prune >/dev/null 2>>"$T/err"
left=$(find "$CSHELL_DATA_DIR/blobs" "$CSHELL_DATA_DIR/layers" -mindepth 2 | wc -l)
if [ "$(img ls -q)" = "" ] && [ "$left" = 0 ]; then
	pass image-rm-prune-frees
else
	fail image-rm-prune-frees "$left store entries left"
fi

# 7: basic auth (htpasswd) with the containers auth file.
htpasswd -Bbn tester s3cret >"$T/htpasswd" 2>/dev/null
if reg_start auth "$T/htpasswd"; then
	A=127.0.0.1:$REG_PORT
	echo "insecure $A" >>"$CSHELL_CONFIG_DIR/registries"
	skopeo copy --quiet --dest-tls-verify=false --dest-creds tester:s3cret \
		"oci:$T/layout:test" "docker://$A/busybox:test" >"$T/err" 2>&1
	auth() { printf '{"auths":{"%s":{"auth":"%s"}}}' "$A" "$(printf %s "$1" | base64 -w0)" >"$T/auth.json"; }
	if img pull -q "$A/busybox:test" >/dev/null 2>"$T/err"; then
		fail image-auth-required "pulled without credentials"
	elif grep -qi "login\|credentials" "$T/err"; then
		pass image-auth-required
	else
		fail image-auth-required "unclear error"
	fi
	auth tester:wrong
	if REGISTRY_AUTH_FILE=$T/auth.json img pull -q "$A/busybox:test" >/dev/null 2>"$T/err"; then
		fail image-auth-bad-password "pulled with a bad password"
	elif grep -q "check the credentials\|check the user name" "$T/err"; then
		pass image-auth-bad-password
	else
		fail image-auth-bad-password "unclear error"
	fi
	auth tester:s3cret
	if REGISTRY_AUTH_FILE=$T/auth.json img pull -q "$A/busybox:test" >/dev/null 2>"$T/err"; then
		pass image-auth-basic
	else
		fail image-auth-basic "pull with good credentials failed"
	fi
	if img push "$A/busybox:test" "$A/busybox:copy" >/dev/null 2>"$T/err"; then
		fail image-auth-push "pushed without credentials"
	elif REGISTRY_AUTH_FILE=$T/auth.json img push "$A/busybox:test" "$A/busybox:copy" >/dev/null 2>"$T/err" &&
		skopeo inspect --raw --tls-verify=false --creds tester:s3cret "docker://$A/busybox:copy" >/dev/null 2>&1; then
		pass image-auth-push
	else
		fail image-auth-push "push with credentials failed"
	fi
else
	skip image-auth "second docker-registry did not start"
fi

# 8: Bearer tokens from the WWW-Authenticate realm (fake registry).
if fake_start "$T/layout" bearer; then
	if img pull -q --insecure "127.0.0.1:$FAKE_PORT/x:test" >/dev/null 2>"$T/err"; then
		pass image-auth-bearer
	else
		fail image-auth-bearer "pull with a token failed"
	fi
else
	skip image-auth-bearer "fake registry did not start"
fi
exit 0
