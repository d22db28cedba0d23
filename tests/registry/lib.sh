# SPDX-License-Identifier: GPL-3.0-or-later
# lib.sh — shared helpers of the image tests (sourced): private state
# dirs, the `image` command under test, a real docker-registry and the
# fake registry, all cleaned up by an EXIT trap (processes killed by pid).

IMG_SRC=${CSHELL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IMG_BIN=${CSHELL_BIN:-$IMG_SRC/build/bin}
REG_DIR=$IMG_SRC/tests/registry
IMG_PIDS=()

T=$(mktemp -d "${TMPDIR:-/tmp}/cshell-img.XXXXXX")
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data \
	CSHELL_RUNTIME_DIR=$T/run
mkdir -p "$CSHELL_CONFIG_DIR" "$CSHELL_DATA_DIR" "$CSHELL_RUNTIME_DIR"
unset REGISTRY_AUTH_FILE

img_cleanup() {
	local p
	for p in "${IMG_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap img_cleanup EXIT
trap 'exit 130' INT TERM HUP

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; [ -s "$T/err" ] && sed 's/^/    /' "$T/err" | head -n 5; return 0; }
skip() { echo "SKIP: $1: $2"; }

# The image command is the shell's builtin: `cshell -c 'image …'`.
# Returns 2 (a failure, reason in $T/cc.log) when it does not run.
img_find_cmd() {
	if [ -x "$IMG_BIN/cshell" ] &&
		"$IMG_BIN/cshell" -c 'image ls -q' >"$T/cc.log" 2>&1; then
		return 0
	fi
	echo "'$IMG_BIN/cshell -c image ls' does not work" >>"$T/cc.log"
	return 2
}

# img ARGS... — runs `image ARGS...`; stdout/stderr as the command's.
img() {
	local q
	printf -v q ' %q' "$@"
	"$IMG_BIN/cshell" -c "image$q"
}

# img_prereqs NAME TOOL... — checks the tools, busybox-static and the
# image command, and starts the main docker-registry (REG_PORT); on a
# miss prints SKIP (or FAIL: the command does not run) for NAME and
# returns 1.
img_prereqs() {
	local name=$1 t
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			{ skip "$name" "$t not installed"; return 1; }
	done
	[ -x /bin/busybox ] ||
		{ skip "$name" "busybox-static not installed"; return 1; }
	if ! img_find_cmd; then
		fail "$name" "$(head -c 300 "$T/cc.log")"
		return 1
	fi
	if ! reg_start main; then
		skip "$name" "docker-registry did not start on 127.0.0.1"
		return 1
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# reg_start NAME [HTPASSWD] — starts docker-registry; sets REG_PORT.
reg_start() {
	local name=$1 htpasswd=${2:-} cfg=$REG_DIR/config.yml try pid
	local -a envs=()
	if [ -n "$htpasswd" ]; then
		cfg=$REG_DIR/auth-htpasswd.yml
		envs=("REGISTRY_AUTH_HTPASSWD_PATH=$htpasswd")
	fi
	mkdir -p "$T/reg-$name"
	for try in 1 2 3; do
		REG_PORT=$(free_port)
		env REGISTRY_HTTP_ADDR="127.0.0.1:$REG_PORT" \
			REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$T/reg-$name" \
			"${envs[@]}" \
			docker-registry serve "$cfg" >"$T/reg-$name.log" 2>&1 &
		pid=$!
		IMG_PIDS+=("$pid")
		for _ in $(seq 150); do
			if curl -s -o /dev/null "http://127.0.0.1:$REG_PORT/v2/"; then
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
	done
	return 1
}

# fake_start LAYOUT [FAULT] — starts fakereg.py; sets FAKE_PORT, and
# FAKE_PF to its port file (the Range log is "$FAKE_PF.ranges").
fake_start() {
	local pf=$T/fake.port.$RANDOM
	FAKE_PF=$pf
	python3 "$REG_DIR/fakereg.py" "$1" "$pf" ${2:+--fault "$2"} \
		>"$pf.log" 2>&1 &
	IMG_PIDS+=("$!")
	for _ in $(seq 150); do
		[ -s "$pf" ] && { FAKE_PORT=$(cat "$pf"); return 0; }
		sleep 0.1
	done
	return 1
}
