#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# image.sh — `image pull` of a 3-layer image of >= 200 MiB from a local
# docker-registry, side by side with `skopeo copy docker://… oci:…` (and
# `podman pull` when installed); then a second image sharing two layers,
# of which only the new one may be downloaded.  One run each; prints a
# table of wall-clock and CPU (user + sys) seconds, and the load average,
# since on a shared machine wall time varies with it.  Layers are random
# data (incompressible) stored uncompressed so that building the image
# stays quick (IMAGE_BENCH_COMP=gzip|zstd to compress them,
# IMAGE_BENCH_MIB for the layer size).

set -u
. "$(dirname "$0")/../registry/lib.sh"

for t in docker-registry skopeo python3; do
	command -v $t >/dev/null || { echo "SKIP: bench image: $t not installed"; exit 0; }
done
img_find_cmd || { echo "bench image: $(cat "$T/cc.log")" >&2; exit 1; }
reg_start bench || { echo "SKIP: bench image: registry did not start"; exit 0; }
R=127.0.0.1:$REG_PORT
MIB=${IMAGE_BENCH_MIB:-70}
COMP=${IMAGE_BENCH_COMP:-none}

for l in a b c d; do
	mkdir -p "$T/$l"
	head -c $((MIB << 20)) /dev/urandom >"$T/$l/data"
done
python3 "$REG_DIR/mkimage.py" "$T/layout" one "$T/a:$COMP" "$T/b:$COMP" "$T/c:$COMP" >/dev/null
python3 "$REG_DIR/mkimage.py" "$T/layout" two "$T/a:$COMP" "$T/b:$COMP" "$T/d:$COMP" >/dev/null
for t in one two; do
	skopeo copy --quiet --dest-tls-verify=false "oci:$T/layout:$t" \
		"docker://$R/bench:$t" >/dev/null
done
rm -rf "$T/a" "$T/b" "$T/c" "$T/d"
size=$(du -sm "$T/layout/blobs" | cut -f1)

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
sync

# cpu CMD... — runs CMD, leaves its user+sys seconds in $T/cpu.
cpu() {
	local s
	s=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1)
	echo "$s" | awk '{printf "%.2f", $1 + $2}' >"$T/cpu"
}
t0=$(now)
cpu img pull -q --insecure "$R/bench:one"
t1=$(now)
ours_cpu=$(cat "$T/cpu")
[ -n "$(img ls -q)" ] || { echo "FAIL: bench image: pull failed"; exit 0; }
cpu skopeo copy --quiet --src-tls-verify=false "docker://$R/bench:one" "oci:$T/skopeo:one"
t2=$(now)
theirs_cpu=$(cat "$T/cpu")
ours=$(secs "$t0" "$t1") theirs=$(secs "$t1" "$t2")
podman_t=n/a
if command -v podman >/dev/null; then
	t3=$(now)
	podman --root "$T/podman" --runroot "$T/podman-run" pull -q \
		--tls-verify=false "$R/bench:one" >/dev/null 2>&1 &&
		podman_t=$(secs "$t3" "$(now)")
fi

before=$(ls "$CSHELL_DATA_DIR/blobs/sha256" | wc -l)
t4=$(now)
img pull -q --insecure "$R/bench:two" >/dev/null
t5=$(now)
after=$(ls "$CSHELL_DATA_DIR/blobs/sha256" | wc -l)
# New blobs: the manifest, the config and the one new layer.
new_layers=$((after - before - 2))

printf '\nload average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'image pull bench: 3 layers, %s MiB in the registry (layers: %s)\n' "$size" "$COMP"
printf '%-44s %8s %8s\n' "command" "seconds" "cpu s"
printf '%-44s %8s %8s\n' "image pull (download + verify + unpack)" "$ours" "$ours_cpu"
printf '%-44s %8s %8s\n' "skopeo copy docker:// oci: (no unpack)" "$theirs" "$theirs_cpu"
printf '%-44s %8s\n' "podman pull" "$podman_t"
printf '%-44s %8s\n' "ratio image pull / skopeo" "$(echo "$ours / $theirs" | bc -l | xargs printf '%.2f')"
printf '%-44s %8s  (%s new layer blob(s) fetched)\n' "second pull, 2 of 3 layers shared" "$(secs "$t4" "$t5")" "$new_layers"
