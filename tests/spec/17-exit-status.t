# SPDX-License-Identifier: GPL-3.0-or-later
# Exit statuses (XCU 2.8.2, 2.9.1.1): 127 for a command not found, 126 for
# a file that cannot be executed, 128+N for death by signal N, 2 for syntax
# errors, and the status of the script as a whole.

### true-false
true
echo $?
false
echo $?
--- stdout
0
1

### not-found-127
no_such_command_xyz 2>/dev/null
echo $?
--- stdout
127

### not-found-path-127
./no_such_file 2>/dev/null
echo $?
--- stdout
127

### not-executable-126
echo 'echo hi' > script.sh
chmod 644 script.sh
./script.sh 2>/dev/null
echo $?
--- stdout
126

### directory-126
mkdir d
./d 2>/dev/null
echo $?
--- stdout
126

### executable-no-shebang-runs-as-sh
printf 'echo from-script $1\n' > s
chmod +x s
./s arg
echo $?
--- stdout
from-script arg
0

### executable-shebang
printf '#!/bin/sh\necho shebang\nexit 4\n' > s
chmod +x s
./s
echo $?
--- stdout
shebang
4

### path-search-order
mkdir a b
printf '#!/bin/sh\necho a\n' > a/cmd
printf '#!/bin/sh\necho b\n' > b/cmd
chmod +x a/cmd b/cmd
PATH=$PWD/b:$PWD/a:$PATH
cmd
--- stdout
b

### path-skips-nonexecutable
mkdir a b
printf '#!/bin/sh\necho a\n' > a/cmd
printf '#!/bin/sh\necho b\n' > b/cmd
chmod +x a/cmd
PATH=$PWD/b:$PWD/a:$PATH
cmd
--- stdout
a

### killed-by-signal
sh -c 'kill -s KILL $$'
echo $?
--- stdout
137

### killed-by-term
sh -c 'kill $$'
echo $?
--- stdout
143

### exit-value
exit 42
--- stdout
--- status 42

### exit-no-arg-last-status
false
exit
--- stdout
--- status 1

### script-status-last-command
echo x
false
--- stdout
x
--- status 1

### syntax-error-status-2
echo before
if then fi
echo after
--- stdout
before
--- status 2

### syntax-error-unclosed-quote
echo a
echo 'unclosed
--- stdout
a
--- status 2

### syntax-error-eval-subshell
(eval 'if then') 2>/dev/null
echo $?
--- stdout
2

### syntax-error-unexpected-token
(eval 'echo a; ;;') 2>/dev/null
echo $?
--- stdout
2

### syntax-error-missing-done
(eval 'for i in 1; do echo $i') 2>/dev/null
echo $?
--- stdout
2

### syntax-error-bad-redirect
(eval 'echo >') 2>/dev/null
echo $?
--- stdout
2

### special-builtin-error-exits
set -o nosuchopt 2>/dev/null
echo no
--- stdout
--- status 2

### regular-builtin-error-continues
cd /nonexistent/dir 2>/dev/null
[ $? -gt 0 ] && echo continued
--- stdout
continued

### command-prefix-special-builtin-no-exit
command set -o nosuchopt 2>/dev/null
echo continued
--- stdout
continued

### status-after-assignment-only
false
x=1
echo $?
--- stdout
0

### status-assignment-cmdsub
x=$(exit 7)
echo $?
--- stdout
7

### status-of-pipeline-negated
! (exit 5)
echo $?
--- stdout
0

### status-of-empty-command-subst
$(exit 3)
echo $?
--- stdout
3

### status-redirection-only
> f
echo $?
--- stdout
0

### status-background-zero
false &
echo $?
wait
--- stdout
0

### status-wait-background
(exit 6) &
wait $!
echo $?
--- stdout
6

### status-not-found-in-pipeline
no_such_cmd_xyz 2>/dev/null | true
echo $?
true | no_such_cmd_xyz 2>/dev/null
echo $?
--- stdout
0
127

### exit-in-subshell-pipeline
echo x | exit 9
echo $?
--- stdout
9

### exit-in-cmdsub-does-not-exit
echo $(exit 1) still
--- stdout
still

### dot-missing-file-exits
. ./no_such_file 2>/dev/null
echo no
--- stdout
--- status 2

### name-too-long-is-not-found
n=x
while [ ${#n} -lt 5000 ]; do n=$n$n; done
./$n 2>/dev/null
echo "status $?"
--- stdout
status 127
