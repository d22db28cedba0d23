#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fs-fdlimit.sh — cshell-fs keeps an O_PATH fd per inode the kernel holds,
# so a tree with more names than the daemon's RLIMIT_NOFILE must still
# work: the least recently used nodes give their fds back and find them
# again by name.  The daemon runs with a limit of 256 fds over 3,000 lower
# files; every file is listed, read, stat'ed, copied up and renamed, and
# the daemon never holds more fds than its limit.
. "$(dirname "$0")/../../overlayfs/tools/fs-test-lib.sh"

if ! can_fuse || ! command -v prlimit >/dev/null; then
	skip "fs-fdlimit" "no FUSE or prlimit here"; exit 0
fi
PID=
stop_daemon() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=; }
trap 'fs_cleanup; stop_daemon' EXIT

L=$T/l M=$T/m LIMIT=256
mkdir -p "$L" "$T/u" "$T/w" "$M"
python3 - "$L" <<'EOF'
import os, sys
for d in range(30):
    os.makedirs('%s/d%d' % (sys.argv[1], d))
    for f in range(100):
        with open('%s/d%d/f%d' % (sys.argv[1], d, f), 'w') as fh:
            fh.write('%d.%d\n' % (d, f))
EOF
MOUNTED+=("$M")
prlimit --nofile=$LIMIT:$LIMIT "$FS" -f -o "lowerdir=$L,upperdir=$T/u,workdir=$T/w" "$M" 2>"$T/fs.err" &
PID=$!
for _ in $(seq 1 100); do mountpoint -q "$M" && break; sleep 0.05; done
if ! mountpoint -q "$M"; then
	fail "fs-fdlimit mount" "$(cat "$T/fs.err")"; exit 0
fi
maxfd() { ls "/proc/$PID/fd" | wc -l; }

n=$(find "$M" -type f | wc -l)
[ "$n" = 3000 ] && pass "find lists 3000 files with $LIMIT fds" ||
	fail "find lists 3000 files with $LIMIT fds" "found $n"
errs=$(find "$M" -type f -exec stat -c %i {} + 2>&1 >/dev/null | head -3)
[ -z "$errs" ] && pass "stat of every file" || fail "stat of every file" "$errs"
want=$(cd "$L" && cat d*/f* | md5sum)
got=$(cd "$M" && cat d*/f* | md5sum)
[ "$want" = "$got" ] && pass "contents read through evicted nodes" ||
	fail "contents read through evicted nodes" "$got != $want"
[ "$(maxfd)" -le $LIMIT ] && pass "daemon stays within $LIMIT fds" ||
	fail "daemon stays within $LIMIT fds" "$(maxfd) open"

# inode numbers stay what they were before the node lost its fds
i1=$(stat -c %i "$M/d0/f0")
cat "$M"/d*/f* >/dev/null
i2=$(stat -c %i "$M/d0/f0")
[ "$i1" = "$i2" ] && pass "inode number kept across eviction" ||
	fail "inode number kept across eviction" "$i1 then $i2"

# copy-up of nodes whose fds (and parents' fds) were given back
for d in 0 10 29; do for f in 0 50 99; do echo more >>"$M/d$d/f$f"; done; done
ok=1
for d in 0 10 29; do for f in 0 50 99; do
	[ "$(cat "$T/u/d$d/f$f" 2>/dev/null)" = "$(printf '%d.%d\nmore' $d $f)" ] || ok=0
done; done
[ $ok = 1 ] && pass "copy-up after eviction" ||
	fail "copy-up after eviction" "$(ls -R "$T/u" | head -5)"
mv "$M/d5" "$M/moved" && [ "$(cat "$M/moved/f7")" = 5.7 ] && [ ! -e "$M/d5" ] &&
	pass "rename of a directory after eviction" ||
	fail "rename of a directory after eviction" "$(ls "$M" | head)"
rm "$M/d7/f3" && [ ! -e "$M/d7/f3" ] && [ "$(ls "$M/d7" | wc -l)" = 99 ] &&
	pass "unlink after eviction" || fail "unlink after eviction" "$(ls "$M/d7" | wc -l) left"
errs=$(find "$M" -type f -exec stat -c %i {} + 2>&1 >/dev/null | head -3)
[ -z "$errs" ] && [ "$(maxfd)" -le $LIMIT ] && pass "second walk after changes" ||
	fail "second walk after changes" "$errs, $(maxfd) fds"
