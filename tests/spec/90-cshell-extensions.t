# SPDX-License-Identifier: GPL-3.0-or-later
# cshell's extensions (docs/shell.md): on in interactive shells, off in
# scripts until `set +o posix`, off again with `set -o posix`.  dash has
# none of them, so the runner does not run NN-cshell-*.t under dash.

### extensions-off-in-scripts
echo -e 'a\tb' | od -An -c | tr -s ' '
source /dev/null 2>/dev/null || echo no-source
--- stdout
 - e a \t b \n
no-source

### source-runs-in-current-shell
set +o posix
echo 'x=sourced' >inc
source ./inc
echo "$x"
--- stdout
sourced

### echo-e-E
set +o posix
echo -E 'a\tb'
echo -e 'a\tb' | od -An -c | tr -s ' '
echo -nE 'x\n'
echo
echo -n-e
--- stdout
a\tb
 a \t b \n
x\n
-n-e

### pipestatus
set +o posix
false | true | (exit 3)
echo "$PIPESTATUS"
true
echo "$PIPESTATUS"
! false | false
echo "$PIPESTATUS $?"
--- stdout
1 0 3
0
1 1 0

### posix-turns-extensions-off
set +o posix
set -o posix
source /dev/null 2>/dev/null || echo no-source
echo -E x
--- stdout
no-source
-E x
