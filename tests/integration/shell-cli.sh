#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The cshell command line as a user drives it: commands from stdin, -c,
# script files with arguments, #! scripts, exit statuses, and bad input
# (unterminated constructs, deep nesting, huge lines, NUL bytes, invalid
# UTF-8) that must end in a located error and a non-zero status, never a
# crash.
set -u
BIN=${CSHELL_BIN:-$(cd "$(dirname "$0")/../../build/bin" && pwd)}
CSH=$BIN/cshell
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run

TEST_PREFIX=shell-cli/
. "$(dirname "$0")/../lib.sh"

# check NAME EXPECTED_STATUS EXPECTED_STDOUT -- command...
check() {
	local name=$1 want_st=$2 want_out=$3
	shift 4
	local out st
	out=$(timeout 20 "$@" 2>"$T/err")
	st=$?
	if [ "$st" != "$want_st" ]; then
		fail "$name" "status $st, want $want_st; stderr: $(head -c 300 "$T/err")"
	elif [ "$out" != "$want_out" ]; then
		fail "$name" "stdout '$(printf %s "$out" | head -c 200)', want '$want_out'"
	else
		pass "$name"
	fi
}

# errcheck NAME PATTERN: last stderr must match an extended regex
errcheck() {
	if grep -Eq "$2" "$T/err"; then pass "$1-message"; else
		fail "$1-message" "stderr '$(head -c 300 "$T/err")' does not match /$2/"; fi
	if grep -q 'AddressSanitizer\|runtime error\|Segmentation' "$T/err"; then
		fail "$1-clean" "sanitizer or crash report"; fi
}

check stdin 0 hi -- sh -c "printf 'echo hi\n' | '$CSH'"
check dash-c 0 $'2\n4' -- "$CSH" -c 'for i in 1 2; do echo $((i*2)); done'
check dash-c-name 0 'nm a b 2' -- "$CSH" -c 'echo $0 $1 $2 $#' nm a b

cat >"$T/script.sh" <<'S'
echo "$#:$1:$2:$*"
for a in "$@"; do echo "<$a>"; done
S
check script-args 0 $'2:x y:z:x y z\n<x y>\n<z>' -- "$CSH" "$T/script.sh" 'x y' z

cat >"$T/shebang" <<S
#!/usr/bin/env cshell
echo "shebang \$0 \$1"
S
chmod +x "$T/shebang"
check shebang 0 "shebang $T/shebang arg" -- env PATH="$BIN:$PATH" "$T/shebang" arg

# a script read from stdin leaves the rest of stdin to the commands it runs
check stdin-shared 0 'got: second line' -- sh -c "printf 'read x\nsecond line\necho \"got: \$x\"\n' | '$CSH'"

check shopt-option 0 '' -- "$CSH" -O nullglob -c 'echo no_such_file_xyz*'
check shopt-option-unknown 2 '' -- "$CSH" -O nosuch -c true
errcheck shopt-option-unknown 'nosuch: invalid shell option name'
check shopt-option-missing 2 '' -- "$CSH" -O
errcheck shopt-option-missing 'O needs a shopt option name'
check not-found 127 '' -- "$CSH" -c 'no_such_command_xyz'
errcheck not-found 'no_such_command_xyz: not found'
printf 'echo x\n' >"$T/noexec"
chmod -x "$T/noexec"
check not-executable 126 '' -- "$CSH" -c "'$T/noexec'"
check signalled 143 '' -- "$CSH" -c 'sh -c "kill -TERM \$\$"'
check missing-script 127 '' -- "$CSH" "$T/does-not-exist.sh"
errcheck missing-script "cannot open .*does-not-exist"

check unknown-target 2 '' -- "$CSH" -c '@nowhere echo hi'
errcheck unknown-target "unknown target 'nowhere'"

# syntax errors: FILE:LINE: message, status 2, nothing run
printf 'echo one\necho "two\n' >"$T/unterminated.sh"
check unterminated-dquote 2 'one' -- "$CSH" "$T/unterminated.sh"
errcheck unterminated-dquote "unterminated.sh:[0-9]+: syntax error: unterminated double quote \(opened on line 2\)"
check unterminated-squote 2 '' -- "$CSH" -c "echo 'abc"
errcheck unterminated-squote "syntax error: unterminated single quote"
check unterminated-cmdsub 2 '' -- "$CSH" -c 'echo $(echo hi'
errcheck unterminated-cmdsub "syntax error: unterminated '\\$\('"
printf 'cat <<EOF\nbody\n' >"$T/heredoc.sh"
check unterminated-heredoc 2 '' -- "$CSH" "$T/heredoc.sh"
errcheck unterminated-heredoc "heredoc.sh:[0-9]+: syntax error: here-document started on line 2"
check unexpected-fi 2 '' -- "$CSH" -c 'echo a; fi'
errcheck unexpected-fi "syntax error: unexpected 'fi'"

perl -e '
my $t = shift;
open(F, ">", "$t/nest.sh"); print F "(" x 10000, "true", ")" x 10000, "\n"; close F;
open(F, ">", "$t/bigline.sh"); print F "x=", "a" x (1<<20), "; echo \${#x}\n"; close F;
open(F, ">", "$t/nul.sh"); print F "echo a\0b\n"; close F;
open(F, ">", "$t/utf8.sh"); print F "printf %s \xff\xfe\xc3 | od -An -tx1\n"; close F;
' "$T"
check deep-nesting 2 '' -- "$CSH" "$T/nest.sh"
errcheck deep-nesting "nest.sh:1: syntax error: nesting deeper than"
check one-mib-line 0 1048576 -- "$CSH" "$T/bigline.sh"
check nul-byte 2 '' -- "$CSH" "$T/nul.sh"
errcheck nul-byte "nul.sh:1: syntax error: NUL byte"
# bytes that are not UTF-8 pass through unchanged, as in every POSIX shell
check invalid-utf8 0 ' ff fe c3' -- "$CSH" "$T/utf8.sh"

# set -b: a background job that ends while the prompt waits for input is
# reported at once (under a pseudo-terminal), not at the next command
cat >"$T/notify_pty.py" <<'EOF2'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execve(sys.argv[1], [sys.argv[1], '-i'],
              {'PATH': '/usr/bin:/bin', 'PS1': '$ ', 'TERM': 'dumb',
               'HOME': sys.argv[2]})
def drain(secs):
    out, end = b'', time.time() + secs
    while time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return out
drain(1)
os.write(fd, b'set -b; sleep 1 &\n')
out = drain(3)
os.write(fd, b'exit\n')
drain(1)
os.waitpid(pid, 0)
print('notified' if b'Done\tsleep 1' in out else 'silent')
EOF2
check set-b-notifies-at-prompt 0 notified -- python3 "$T/notify_pty.py" "$CSH" "$T"

exit 0
