#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/hosts-place.sh — sandboxes placed on SSH hosts, over
# the test bed (hosts-common.sh, 3 hosts, each running the build's cshell
# with state roots of its own): `sandbox create --on` by label, capacity
# and kernel, with the host's cshell version checked; `@HOST/SB`, a plain
# `@SB` and `@any` (the least loaded host, one that answers);
# `--replicas 2` over two hosts; `sandbox ls` with its HOST column; stop
# and rm on the sandbox's host; an unreachable host skipped with its
# reason; no host fitting: one sentence, nothing made; replicas all or
# none.
#
# The hosts share this machine's kernel and load, so host 2's PATH holds
# a uname that answers another release (the probe asks uname), host 3's a
# cshell that answers another version to --version, and for @any each a
# cut that answers another load.

. "$(dirname "$0")/hosts-common.sh"

# hb_cleanup kills the sandboxes the hosts made, then the bed
trap hb_cleanup EXIT

if ! hb_setup 3; then
	skip hosts-place "$HB_SKIP"
	exit 0
fi
C=$hb_bin/cshell
[ -x "$C" ] || { skip hosts-place "$C is not built"; exit 0; }
real=$(uname -r)
major=$(echo "$real" | cut -d. -f1-2)
printf '#!/bin/sh\n[ "$1" = -r ] && { echo 4.19.0-stand-in; exit 0; }\nexec /bin/uname "$@"\n' \
	>"$(hb_state 2)/bin/uname"
printf '#!/bin/sh\n[ "$1" = --version ] && { echo cshell 0.0.1; exit 0; }\nexec %s "$@"\n' \
	"$C" >"$(hb_state 3)/bin/cshell"
chmod +x "$(hb_state 2)/bin/uname" "$(hb_state 3)/bin/cshell"
rec=$CSHELL_DATA_DIR/hosts-sandboxes

# the sandboxes host I's own cshell knows, sorted, on one line
on_host() {
	ls "$(hb_state "$1")/run/sandboxes" 2>/dev/null | sort | tr '\n' ' '
}

# --- host probe: a cshell of another version, and what to do
out=$("$C" -c 'host probe' 2>&1 >/dev/null)
case $out in
*"host 'h3' cannot take sandboxes: cshell 0.0.1 there, not cshell "*"(install the same version"*)
	[ "$(echo "$out" | wc -l)" = 1 ] && pass hosts-place-probe-cshell ||
		fail hosts-place-probe-cshell "$out" ;;
*) fail hosts-place-probe-cshell "$out" ;;
esac

# --- by label; then @HOST/SB and a plain @SB: stdio, pipes, status
out=$("$C" -c 'sandbox create web --on auto --label parity=0' 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$out" = "web on h2" ] && [ "$(on_host 2)" = "web " ] &&
	[ -z "$(on_host 1)$(on_host 3)" ] && [ "$(cat "$rec")" = "web h2 0 0" ]; then
	pass hosts-place-label
else
	fail hosts-place-label "status $rc: $out; h1: $(on_host 1) h2: $(on_host 2)"
fi
out=$("$C" -c '@h2/web sh -c "cat /etc/hostname 2>/dev/null; hostname; exit 3"' </dev/null 2>&1)
rc=$?
check hosts-place-at-host-sb test "$(echo "$out" | tail -n 1):$rc" = "web:3"
out=$(printf 'a\nb\nc\n' | "$C" -c '@web sh -c "wc -l; echo err >&2; exit 5"' 2>"$hb_work/err")
rc=$?
check hosts-place-at-sb test "$out:$(cat "$hb_work/err"):$rc" = "3:err:5"
# the command runs in the sandbox (its own hostname), not on the host
out=$("$C" -c '@web hostname' </dev/null 2>&1)
check hosts-place-at-sb-inside test "$out" = web
if command -v script >/dev/null; then
	out=$(script -qec "$C -c '@web tty'" /dev/null </dev/null 2>&1 | tr -d '\r')
	case $out in *"/dev/pts/"*) pass hosts-place-at-sb-tty ;; *) fail hosts-place-at-sb-tty "$out" ;; esac
	# ^C on the terminal reaches the command in the remote sandbox
	out=$( (for _ in $(seq 100); do pgrep -f 'sleep 7791$' >/dev/null && break; sleep 0.1; done
		printf '\003'; sleep 1) |
		script -qec "$C -c '@web sleep 7791; echo rc=\$?'" /dev/null 2>&1 | tr -d '\r')
	for _ in $(seq 30); do
		left=$(pgrep -f 'sleep 7791')
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [[ $out == *rc=130* ]] && [ -z "$left" ]; then
		pass hosts-place-at-sb-ctrl-c
	else
		fail hosts-place-at-sb-ctrl-c "'$out', left: $left"
		[ -n "$left" ] && kill $left
	fi
else
	skip hosts-place-at-sb-tty "script (bsdutils) is not installed"
fi

# --- the cshell version is a filter: h3's is another
out=$("$C" -c 'sandbox create x --on h3' 2>&1)
rc=$?
case $out in
"cshell: cannot place sandbox 'x': no host fits (h3: cshell 0.0.1 there, not cshell "*)
	[ $rc = 1 ] && [ -z "$(on_host 3)" ] && pass hosts-place-cshell-version ||
		fail hosts-place-cshell-version "status $rc" ;;
*) fail hosts-place-cshell-version "status $rc: $out" ;;
esac

# --- by kernel: a host that runs it wins, no VM
out=$("$C" -c 'sandbox create k419 --on h1,h2 --kernel 4.19' 2>&1)
rc=$?
back=$("$C" -c 'sandbox inspect --json k419' 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["backend"])' 2>&1)
check hosts-place-kernel test "$rc:$out:$back" = "0:k419 on h2:ns"
out=$("$C" -c "sandbox create kreal --on h1,h2 --kernel $major --spread" 2>&1)
check hosts-place-kernel-real test "$out" = "kreal on h1"
# no host runs it: the best host is asked for a VM of that kernel (here
# it has none installed: its cshell-vm says so, nothing is recorded)
before=$(cat "$rec")
out=$("$C" -c 'sandbox create v --on h1 --kernel 1.0' 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"cshell-vm: "*"'1.0'"* ]] &&
	[[ $out == *"cannot create sandbox 'v' on host 'h1' (see the error above)"* ]] &&
	[ "$(cat "$rec")" = "$before" ]; then
	pass hosts-place-kernel-vm-fallback
else
	fail hosts-place-kernel-vm-fallback "status $rc: $out"
fi

# --- by capacity: more cpus than any host has, one sentence, nothing made
before=$(cat "$rec")
out=$("$C" -c 'sandbox create huge --on h1,h2 --cpus 4096' 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] &&
	echo "$out" | grep -q "^cshell: cannot place sandbox 'huge': no host fits (h1: .* cpus free, 4096.0 wanted; h2: .* cpus free, 4096.0 wanted)$" &&
	[ "$(cat "$rec")" = "$before" ] && ! ls "$(hb_state 1)/run/sandboxes/huge" 2>/dev/null; then
	pass hosts-place-capacity-none
else
	fail hosts-place-capacity-none "status $rc: $out"
fi
# what a placed sandbox asked for is taken: --binpack would put both
# copies on one host, but the first one's memory (55 % of the total)
# leaves no room for the second, however little the host uses right now.
# The hosts are this machine: that much must be available here.
total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
half=$((total * 55 / 100))
if [ "$avail" -lt $((half + 524288)) ]; then
	for t in capacity-requests remote-limit rm-many replicas-all-or-none; do
		skip "hosts-place-$t" "this machine has less than 55 % of its memory available"
	done
else
	out=$("$C" -c "sandbox create mem --on h1,h2 --binpack --replicas 2 --memory ${half}k" 2>&1)
	rc=$?
	check hosts-place-capacity-requests test "$rc:$(echo "$out" | awk '$2 == "on" {print $3}' | sort | tr '\n' ' ')" = "0:h1 h2 "
	# --memory is also the sandbox's limit on its host
	h=$(echo "$out" | awk '$1 == "mem-1" {print $3}')
	st=$(hb_state "${h#h}")/run/sandboxes/mem-1/state
	lim=
	for cg in $(sed -n 's/^cgroup_v[12]=//p' "$st" 2>/dev/null | tr ':' ' '); do
		[ -f "$cg/memory.max" ] && lim=$(cat "$cg/memory.max")
		[ -f "$cg/memory.limit_in_bytes" ] && lim=$(cat "$cg/memory.limit_in_bytes")
	done
	# (the kernel rounds it down to a page)
	check hosts-place-remote-limit test "$lim" = $((half * 1024 / 4096 * 4096))
	out=$("$C" -c 'sandbox rm -f mem-1 mem-2' 2>&1)
	check hosts-place-rm-many test "$?:$out:$(grep -c '^mem' "$rec")" = "0::0"
	# all copies or none: the third does not fit, the two made are removed
	before=$(cat "$rec")
	out=$("$C" -c "sandbox create mem --on h1,h2 --replicas 3 --memory ${half}k" 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "^cshell: cannot place sandbox 'mem-3': no host fits (h1: .*memory available" &&
		[ "$(cat "$rec")" = "$before" ] && [[ "$(on_host 1)$(on_host 2)" != *mem* ]]; then
		pass hosts-place-replicas-all-or-none
	else
		fail hosts-place-replicas-all-or-none "status $rc: $out; h1: $(on_host 1) h2: $(on_host 2)"
	fi
fi

# --- a bad value: a usage error as for a local create, before any host
out=$("$C" -c 'sandbox create bad --on auto --memory lots' 2>&1 | head -n 1)
case $out in *"invalid size 'lots'"*) pass hosts-place-usage ;; *) fail hosts-place-usage "$out" ;; esac
out=$("$C" -c 'sandbox create bad --on auto --replicas 0' 2>&1 | head -n 1)
check hosts-place-usage-replicas test "$out" = "cshell: sandbox: invalid --replicas '0' (1 to 1000)"

# --- no host fits: the label no host has, and nothing created
before=$(cat "$rec")
out=$("$C" -c 'sandbox create db --on auto --label role=db' 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$out" = "cshell: cannot place sandbox 'db': no host fits (h1: no label role=db; h2: no label role=db; h3: cshell 0.0.1 there, not cshell $("$C" --version | cut -d' ' -f2) (install the same version on both))" ] &&
	[ "$(cat "$rec")" = "$before" ]; then
	pass hosts-place-no-fit
else
	fail hosts-place-no-fit "status $rc: $out"
fi

# --- --replicas 2 over two hosts: one copy on each
out=$("$C" -c 'sandbox create r --on h1,h2 --replicas 2' 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$(echo "$out" | sort | tr '\n' '|')" = "r-1 on h1|r-2 on h2|" ] &&
	[[ "$(on_host 1)" == *"r-1 "* ]] && [[ "$(on_host 2)" == *"r-2 "* ]]; then
	pass hosts-place-replicas
else
	fail hosts-place-replicas "status $rc: $out"
fi
out=$("$C" -c '@r-2 hostname; @h1/r-1 hostname' </dev/null 2>&1 | tr '\n' ' ')
check hosts-place-replicas-reached test "$out" = "r-2 r-1 "

# --- sandbox ls: every host's, with a HOST column
out=$("$C" -c 'sandbox ls' 2>&1)
rows=$(echo "$out" | awk 'NR > 1 { print $1 ":" $2 ":" $3 }' | sort | tr '\n' ' ')
if echo "$out" | head -n 1 | grep -q '^HOST  *NAME  *STATE' &&
	[ "$rows" = "h1:kreal:running h1:r-1:running h2:k419:running h2:r-2:running h2:web:running " ]; then
	pass hosts-place-ls
else
	fail hosts-place-ls "$out"
fi
out=$("$C" -c 'sandbox ls --json' | python3 -c 'import json,sys; print(" ".join(sorted("%s/%s" % (s["host"], s["name"]) for s in json.load(sys.stdin))))' 2>&1)
check hosts-place-ls-json test "$out" = "h1/kreal h1/r-1 h2/k419 h2/r-2 h2/web"

# --- rm HOST/SB forgets the record of SB only when it is that host's: a
# web made on h1 by hand is removed there, h2's web stays known
"$C" -c '@h1 cshell -c "sandbox create web"' </dev/null >/dev/null 2>&1
"$C" -c 'sandbox rm -f h1/web' </dev/null >/dev/null 2>&1
if grep -q '^web h2 ' "$rec" && [[ "$(on_host 1)" != *"web "* ]]; then
	pass hosts-place-rm-other-host
else
	fail hosts-place-rm-other-host "record: $(cat "$rec"); h1: $(on_host 1)"
fi
# --- stop and rm act on the sandbox's host
"$C" -c 'sandbox stop web' >/dev/null 2>&1
st=$("$C" -c 'sandbox ls' 2>/dev/null | awk '$2 == "web" { print $3 }')
"$C" -c 'sandbox rm web' >/dev/null 2>&1
rc=$?
if [ "$st" = stopped ] && [ $rc = 0 ] && ! grep -q '^web ' "$rec" &&
	[[ "$(on_host 2)" != *"web "* ]]; then
	pass hosts-place-stop-rm
else
	fail hosts-place-stop-rm "state '$st', rm status $rc, h2: $(on_host 2)"
fi
out=$("$C" -c '@web true' 2>&1)
case $out in *"unknown target 'web'"*) pass hosts-place-rm-forgotten ;; *) fail hosts-place-rm-forgotten "$out" ;; esac

# --- interrupted between copies: the copy being made is finished, then
# every copy made is removed again (the hosts' cshell made slow for it)
for i in 1 2; do
	printf '#!/bin/sh\n[ "$1" = --version ] || sleep 2\nexec %s "$@"\n' "$C" >"$(hb_state "$i")/bin/cshell"
	chmod +x "$(hb_state "$i")/bin/cshell"
done
before=$(cat "$rec")
"$C" -c 'sandbox create c --on h1,h2 --replicas 2' >"$hb_work/c.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do grep -q '^c-1 on' "$hb_work/c.out" && break; sleep 0.1; done
hp=$(pgrep -f 'cshell-hosts create c ')
[ -n "$hp" ] && kill -INT $hp
wait $cpid
rc=$?
if [ -n "$hp" ] && [ $rc != 0 ] && grep -q 'interrupted: the sandboxes made are removed again' "$hb_work/c.out" &&
	[ "$(cat "$rec")" = "$before" ] && [[ "$(on_host 1)$(on_host 2)" != *c-* ]]; then
	pass hosts-place-interrupted
else
	fail hosts-place-interrupted "status $rc, pid '$hp': $(cat "$hb_work/c.out"); h1: $(on_host 1) h2: $(on_host 2)"
fi
rm -f "$(hb_state 1)/bin/cshell" "$(hb_state 2)/bin/cshell"

# --- an unreachable host: skipped with its reason, the others used
"$HOSTS" add gone "root@$HB_NET.250" role=x >/dev/null
out=$("$C" -c 'sandbox create u --on gone,h1 --label role=x' 2>&1)
rc=$?
case $out in
"cshell: cannot place sandbox 'u': no host fits (h1: no label role=x; gone: unreachable at the last probe: "*")")
	[ $rc = 1 ] && pass hosts-place-unreachable-reason || fail hosts-place-unreachable-reason "status $rc" ;;
*) fail hosts-place-unreachable-reason "status $rc: $out" ;;
esac
out=$("$C" -c 'sandbox create u --on gone,h1' 2>"$hb_work/err")
rc=$?
err=$(cat "$hb_work/err")
case $err in
"cshell: host 'gone' skipped: unreachable: "*)
	[ "$rc:$out" = "0:u on h1" ] && pass hosts-place-unreachable-skipped ||
		fail hosts-place-unreachable-skipped "status $rc: $out" ;;
*) fail hosts-place-unreachable-skipped "status $rc: $out; $err" ;;
esac
out=$("$C" -c 'sandbox ls' 2>&1 >/dev/null)
case $out in "cshell: host 'gone': cannot list its sandboxes: "*) pass hosts-place-ls-unreachable ;;
*) fail hosts-place-ls-unreachable "$out" ;; esac
"$HOSTS" rm gone

# --- sandbox ls: what a host answers does not drive our terminal (a
# stand-in cshell on h3 names a sandbox with an escape sequence)
printf '#!/bin/sh\necho %s\n' "'[{\"name\":\"ev\\u001b]0;pwned\\u0007il\",\"state\":\"running\\u009b2J\",\"pid\":1,\"backend\":\"ns\",\"layers\":[\"\\u001b[31m\"]}]'" \
	>"$(hb_state 3)/bin/cshell"
chmod +x "$(hb_state 3)/bin/cshell"
out=$("$C" -c 'sandbox ls' 2>&1)
rm -f "$(hb_state 3)/bin/cshell"
if printf '%s\n' "$out" | grep -qF 'ev\x1b]0;pwned\x07il' &&
	! printf '%s' "$out" | grep -q "$(printf '\033')\|$(printf '\302\233')\|$(printf '\007')"; then
	pass hosts-place-ls-escaped
else
	fail hosts-place-ls-escaped "$(printf '%s\n' "$out" | od -c | head -8)"
fi

# --- @any: the least allocated host; h1 and h2 say that all their cpus
# are busy, h3 that it is idle (through a cut that the probe reads
# /proc/loadavg with: the real load is this shared machine's)
for i in 1 2 3; do
	l=9.00
	[ "$i" = 3 ] && l=0.00
	printf '#!/bin/sh\ncase "$*" in *loadavg*) echo %s %s %s ;; *) exec /usr/bin/cut "$@" ;; esac\n' \
		"$l" "$l" "$l" >"$(hb_state "$i")/bin/cut"
	chmod +x "$(hb_state "$i")/bin/cut"
done
out=$("$C" -c '@any ip netns identify' </dev/null 2>&1)
check hosts-place-any-least-loaded test "$out" = "$(hb_ns 3)"
rm -f "$(hb_state 1)/bin/cut" "$(hb_state 2)/bin/cut" "$(hb_state 3)/bin/cut"

# --- @any: a reachable host (h1's sshd is gone)
hb_kill_sshd 1
out=$("$C" -c '@any ip netns identify' </dev/null 2>&1)
case $out in "$(hb_ns 2)" | "$(hb_ns 3)") pass hosts-place-any ;; *) fail hosts-place-any "$out" ;; esac
exit 0
