#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/sandbox-first-hour.sh — what a new user hits in the
# first hour (issue 19): a sandbox over the host root starts in the
# shell's directory, the name `host` is refused, relative --layer paths,
# --read-only on a layer without /proc, concurrent `rm -f`, `diff`
# without the runtime's mount points, and `ls` columns sized to content.
# Root; the layered fs for the writable cases.

. "$(dirname "$0")/sandbox-common.sh"
trap sbx_cleanup EXIT

if ! sbx_setup; then
	skip sandbox-first-hour "$SBX_SKIP"
	exit 0
fi
if [ "$SBX_FUSE" != 1 ] || ! command -v "$CSHELL_FS" >/dev/null; then
	skip sandbox-first-hour "no layered fs program or /dev/fuse"
	exit 0
fi
if ! [ -x /bin/busybox ] || ! file -L /bin/busybox 2>/dev/null | grep -q static; then
	skip sandbox-first-hour "needs a static /bin/busybox (busybox-static)"
	exit 0
fi
csh() { timeout 60 "$sbx_bin/cshell" -c "$1" 2>&1; }

# layers of one static busybox, no /proc, /dev or /sys in them
mkdir -p "$work/bb/bin" "$work/bb2/etc" "$work/proj/sub" "$work/share"
cp /bin/busybox "$work/bb/bin/busybox"
echo two >"$work/bb2/etc/two"

# 5: the host root as the lower layer: commands start where the shell is
if out=$(sbx create hr 2>&1); then
	out=$(cd "$work/proj/sub" && csh '@hr pwd')
	check sandbox-host-root-join-follows-cwd test "$out" = "$work/proj/sub"
	out=$(cd "$work/proj" && timeout 60 "$sbx_bin/cshell" -c 'sandbox exec hr -- pwd' 2>&1)
	check sandbox-host-root-exec-follows-cwd test "$out" = "$work/proj"
	# the runtime root is hidden inside: the workdir then
	out=$(cd "$CSHELL_RUNTIME_DIR" && csh '@hr pwd')
	check sandbox-host-root-hidden-cwd-workdir test "$out" = /
else
	fail sandbox-host-root-join-follows-cwd "create: $out"
fi
out=$(cd "$work/proj" && timeout 60 "$sbx_bin/cshell" -c 'sandbox run -- pwd' 2>&1)
check sandbox-host-root-run-follows-cwd test "$out" = "$work/proj"
# a --mount mapping stays the first rule
out=$(cd "$work/proj/sub" && timeout 60 "$sbx_bin/cshell" -c \
	"sandbox run --mount $work/proj:/src -- pwd" 2>&1)
check sandbox-host-root-mount-rule-first test "$out" = /src/sub
sbx rm -f hr >/dev/null 2>&1

# 7: `@host` is the host: no sandbox may take the name
out=$(sbx create host --read-only 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"'host' is reserved"* ]] &&
	! [ -e "$CSHELL_RUNTIME_DIR/sandboxes/host/state" ]; then
	pass sandbox-name-host-reserved
else
	fail sandbox-name-host-reserved "status $rc, '$out'"
	sbx rm -f host >/dev/null 2>&1
fi

# 9: a relative --layer is the caller's directory's, as a --mount is
out=$(cd "$work" && timeout 60 "$sbx_bin/cshell" -c \
	'sandbox run --layer bb -- /bin/busybox echo relative' 2>&1)
check sandbox-layer-relative test "$out" = relative

# 10: --read-only over layers without /proc (as docker and podman run them)
out=$(timeout 60 "$sbx_bin/cshell" -c \
	"sandbox run --read-only --layer $work/bb -- /bin/busybox cat /proc/self/comm" 2>&1)
check sandbox-read-only-layer-without-proc test "$out" = busybox
out=$(timeout 60 "$sbx_bin/cshell" -c \
	"sandbox run --read-only --layer $work/bb2 --layer $work/bb --workdir /w \
	--mount $work/share:/data -- /bin/busybox sh -c 'cat /etc/two; pwd; ls -d /data'" 2>&1)
check sandbox-read-only-layers-without-mount-points test "$(echo $out)" = "two /w /data"
out=$(timeout 60 "$sbx_bin/cshell" -c \
	"sandbox run --read-only --layer $work/bb -- /bin/busybox touch /x" 2>&1)
rc=$?
if [ $rc != 0 ] && ! [ -e "$work/bb/x" ]; then
	pass sandbox-read-only-layer-stays-read-only
else
	fail sandbox-read-only-layer-stays-read-only "status $rc, '$out'"
fi

# 16: two concurrent rm -f: both succeed, the sandbox is gone
if sbx create rr --read-only >/dev/null 2>&1; then
	timeout 60 "$sbx_bin/cshell" -c 'sandbox rm -f rr' >"$work/rm1" 2>&1 &
	p1=$!
	timeout 60 "$sbx_bin/cshell" -c 'sandbox rm -f rr' >"$work/rm2" 2>&1 &
	p2=$!
	wait $p1
	r1=$?
	wait $p2
	r2=$?
	if [ $r1 = 0 ] && [ $r2 = 0 ] && ! [ -e "$CSHELL_RUNTIME_DIR/sandboxes/rr" ]; then
		pass sandbox-rm-f-concurrent
	else
		fail sandbox-rm-f-concurrent "$r1 $r2: $(cat "$work/rm1" "$work/rm2" | tr '\n' ' ')"
	fi
else
	fail sandbox-rm-f-concurrent "create failed"
fi
out=$(sbx rm -f nosuch 2>&1)
check sandbox-rm-f-missing-is-success test $? = 0 -a -z "$out"
out=$(sbx rm nosuch 2>&1)
check sandbox-rm-missing-fails test $? = 1

# 27: diff leaves out the empty mount points the setup made
if out=$(sbx create df --layer "$work/bb" --mount "$work/share:/src" \
	--mount "$work/share:/a/b/c" 2>&1); then
	csh '@df /bin/busybox sh -c "echo x > /made"' >/dev/null
	out=$(sbx diff df 2>&1)
	check sandbox-diff-no-runtime-mount-points test "$out" = "A /made"
else
	fail sandbox-diff-no-runtime-mount-points "create: $out"
fi
sbx rm -f df >/dev/null 2>&1

# 27: ls columns follow the longest name
long=a-rather-long-sandbox-name-for-the-columns
if sbx create "$long" --read-only >/dev/null 2>&1 &&
	sbx create s --read-only >/dev/null 2>&1; then
	out=$(sbx ls 2>&1)
	col=$(head -1 <<<"$out" | awk '{print index($0, "STATE")}')
	c1=$(grep "^$long " <<<"$out" | awk '{print index($0, "running")}')
	c2=$(grep '^s ' <<<"$out" | awk '{print index($0, "running")}')
	if [ -n "$col" ] && [ "$col" = "$c1" ] && [ "$col" = "$c2" ]; then
		pass sandbox-ls-columns-fit-names
	else
		fail sandbox-ls-columns-fit-names "$(tr '\n' '|' <<<"$out")"
	fi
else
	fail sandbox-ls-columns-fit-names "create failed"
fi
sbx rm -f "$long" s >/dev/null 2>&1
exit 0
