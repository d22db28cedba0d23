# SPDX-License-Identifier: GPL-3.0-or-later
# Jobs: background jobs reaped without `wait`, `$!` still waitable, and
# `set -m` (job control) in a shell without a terminal: process groups of
# their own, stopped jobs noticed, `bg`.  dash turns -m off without a
# terminal ("can't access tty"); POSIX does not tie -m to one, so the
# set-m cases are listed in dash-differences.txt.

### background-reaped-without-wait
for i in 1 2 3 4 5 6 7 8 9 10; do true & done
sleep 1
n=0
for f in /proc/[0-9]*/stat; do
	read -r pid comm state ppid rest 2>/dev/null <"$f" || continue
	[ "$ppid" = "$$" ] && [ "$state" = Z ] && n=$((n + 1))
done
echo "zombies $n"
--- stdout
zombies 0

### reaped-job-status-kept-for-wait
(exit 3) &
pid=$!
sleep 1
: one command later the job is reaped
wait "$pid"
echo "status $?"
--- stdout
status 3

### reaped-jobs-then-wait-all
for i in 1 2 3; do (exit 4) & done
sleep 1
true
wait
echo "status $?"
--- stdout
status 0

### set-m-stopped-job-bg-wait
set -m
case $- in *m*) ;; *) echo "no job control"; exit 1 ;; esac
sh -c 'kill -s STOP $$; echo resumed'
echo "status $?"
bg >/dev/null 2>&1
wait
echo done
--- stdout
status 147
resumed
done

### set-m-own-process-group
set -m
case $- in *m*) ;; *) echo "no job control"; exit 1 ;; esac
sh -c 'kill -s HUP 0'
echo "fg $?"
sh -c 'kill -s HUP 0' &
wait $!
echo "bg $?"
--- stdout
fg 129
bg 129

### dash-i-file-jobs-own-process-group
self=$(readlink /proc/$$/exe)
echo 'sh -c "kill -s HUP 0"; echo "alive $?"' >f
"$self" -i f 2>/dev/null
echo "status $?"
--- stdout
alive 129
status 0

### set-m-bg-several-jobs-fg-to-stdout
set -m
case $- in *m*) ;; *) echo "no job control"; exit 1 ;; esac
sh -c 'kill -s STOP $$; echo one >one'
sh -c 'kill -s STOP $$; echo two >two'
bg %1 %2 >out
wait
sed 's/[^]]*\] //' out
cat one two
sh -c 'kill -s STOP $$; echo three >three'
fg >out
cat out three
--- stdout
sh -c 'kill -s STOP $$; echo one >one' &
sh -c 'kill -s STOP $$; echo two >two' &
one
two
sh -c 'kill -s STOP $$; echo three >three'
three

### set-m-stop-signal-ignored-at-entry-stays-ignored
self=$(readlink /proc/$$/exe)
(trap '' TSTP; exec "$self" -m -c 'sh -c "kill -s TSTP \$\$; echo spared"; echo "status $?"')
--- stdout
spared
status 0
