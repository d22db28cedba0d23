#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/integration/shell-backend-plugin.sh — a backend and a builtin
# added the way docs/shell.md says ("Adding a backend"): the test module
# tests/backend/echo/ (its file and its module.mk, nothing shared) built
# into the test shell build/test-backend/bin/cshell (make test-backend).
# Its targets resolve through the generated table: one, a list, a glob,
# an error, enter; its builtin has a help entry; the normal cshell has
# none of it.
set -u
bin=${CSHELL_BIN:-$(cd "$(dirname "$0")/../../build/bin" && pwd)}
tb=${CSHELL_TEST_BACKEND_BIN:-$bin/../test-backend/bin}/cshell
TEST_PREFIX=shell-backend-plugin/
. "$(dirname "$0")/../lib.sh"

# the generator: sorted by name, in ORDER, duplicates refused
gen=$(dirname "$0")/../../scripts/gen-sh-tables.sh
out=$("$gen" --builtins zz aa dot=. --backends 20:b 10:a 2>&1)
got=$(sed -n 's/^\t&sh_\(builtin\|backend\)_\(.*\),$/\2/p' <<<"$out" | tr '\n' ' ')
check generator-sorts test "$got" = "dot aa zz a b "
out=$("$gen" --builtins a x=a --backends 2>&1)
check generator-duplicate-name test $? = 1 -a "$out" = "gen-sh-tables: builtin listed twice: a"
out=$("$gen" --builtins --backends 10:a 10:b 2>&1)
check generator-duplicate-order test $? = 1 -a "$out" = "gen-sh-tables: two backends share the order 10"
out=$("$gen" --builtins --backends 10:a 010:b 2>&1)
check generator-duplicate-order-zero test $? = 1 -a "$out" = "gen-sh-tables: two backends share the order 10"

if ! [ -x "$tb" ]; then
	fail built "$tb is not built (make test-backend)"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export CSHELL_CONFIG_DIR=$T/config CSHELL_DATA_DIR=$T/data CSHELL_RUNTIME_DIR=$T/run

out=$("$tb" -c '@echo-one sh -c "echo \$CSHELL_ECHO_TARGET"' 2>&1)
check one-target test "$out" = echo-one

out=$("$tb" -c '@echo-two,echo-one sh -c "echo in \$CSHELL_ECHO_TARGET"
	echo "status $? $TARGET_STATUS"' 2>&1 | sort)
want=$(printf '%s\n' 'echo-one: in echo-one' 'echo-two: in echo-two' \
	'status 0 echo-two=0 echo-one=0')
[ "$out" = "$want" ] && pass list-fans-out ||
	fail list-fans-out "got: $(echo $out)"

out=$("$tb" -c '@echo-* sh -c "exit 3"; echo "status $? $TARGET_STATUS"' 2>&1)
check glob-worst-status test "$out" = "status 3 echo-one=3 echo-two=3"

out=$("$tb" -c '@echo-down true; echo "status $?"' 2>&1)
[[ $out == *"echo target 'echo-down' is down"*"status 2" ]] &&
	pass resolve-error || fail resolve-error "got: $out"

out=$("$tb" -c 'enter echo-two; enter; sh -c "echo \$CSHELL_ECHO_TARGET"
	@host sh -c "echo host:\${CSHELL_ECHO_TARGET-unset}"' 2>&1)
want=$(printf '%s\n' echo-two echo-two host:unset)
check enter test "$out" = "$want"

# the shell's own backends still come first and still resolve
out=$("$tb" -c '@nosuch true' 2>&1)
[[ $out == *"unknown target 'nosuch'"* ]] && pass unknown-still-unknown ||
	fail unknown-still-unknown "got: $out"

out=$("$tb" -c 'help' 2>&1)
[[ $out == *"echo-targets [--count]"*"the targets of the echo test backend"* ]] &&
	pass help-lists-builtin || fail help-lists-builtin "not in help"
out=$("$tb" -c 'echo-targets --help; echo-targets --count' 2>&1)
want=$(printf '%s\n' 'usage: echo-targets [--count]' \
	'    the targets of the echo test backend' 2)
check builtin-help-and-run test "$out" = "$want"

# the normal build has neither
out=$("$bin/cshell" -c '@echo-one true' 2>&1)
[[ $out == *"unknown target 'echo-one'"* ]] && pass not-in-cshell ||
	fail not-in-cshell "got: $out"
"$bin/cshell" -c 'command -v echo-targets' >/dev/null 2>&1
check builtin-not-in-cshell test $? = 1
"$bin/cshell" -c 'help' | grep -q echo-targets
check help-not-in-cshell test $? = 1
