# SPDX-License-Identifier: GPL-3.0-or-later
# Compound commands and lists (XCU 2.9.3, 2.9.4): if, for, while, until,
# break and continue with levels, brace groups, && || ! and pipelines.

### if-true
if true; then echo yes; fi
--- stdout
yes

### if-false-no-else
if false; then echo yes; fi
echo $?
--- stdout
0

### if-else
if false; then echo yes; else echo no; fi
--- stdout
no

### if-elif
x=2
if [ $x = 1 ]; then echo one; elif [ $x = 2 ]; then echo two; else echo other; fi
--- stdout
two

### if-elif-chain-else
x=9
if [ $x = 1 ]; then echo one; elif [ $x = 2 ]; then echo two; elif [ $x = 3 ]; then echo three; else echo other; fi
--- stdout
other

### if-status-is-body
if true; then false; fi
echo $?
--- stdout
1

### if-condition-list
if false; true; then echo last-counts; fi
--- stdout
last-counts

### if-multiline
if true
then
	echo a
else
	echo b
fi
--- stdout
a

### for-list
for i in a b c; do echo $i; done
--- stdout
a
b
c

### for-default-positional
set -- x y
for i; do echo $i; done
--- stdout
x
y

### for-default-positional-newline
set -- p q
for i
do
	echo $i
done
--- stdout
p
q

### for-empty-list
for i in; do echo never; done
echo $?
--- stdout
0

### for-var-after-loop
for i in 1 2 3; do :; done
echo $i
--- stdout
3

### for-status-empty-zero
false
for i in; do :; done
echo $?
--- stdout
0

### for-reserved-word-in-list
for w in do done for; do echo $w; done
--- stdout
do
done
for

### while-counter
i=0
while [ $i -lt 3 ]; do echo $i; i=$((i + 1)); done
--- stdout
0
1
2

### while-false-status
while false; do :; done
echo $?
--- stdout
0

### while-status-last-body
i=0
while [ $i -lt 2 ]; do i=$((i + 1)); (exit $i); done
echo $?
--- stdout
2

### until-counter
i=0
until [ $i -ge 3 ]; do echo $i; i=$((i + 1)); done
--- stdout
0
1
2

### until-true-never-runs
until true; do echo never; done
echo done
--- stdout
done

### break
for i in 1 2 3 4; do
	[ $i = 3 ] && break
	echo $i
done
--- stdout
1
2

### continue
for i in 1 2 3 4; do
	[ $i = 2 ] && continue
	echo $i
done
--- stdout
1
3
4

### break-in-while
i=0
while true; do
	i=$((i + 1))
	[ $i -gt 2 ] && break
	echo $i
done
--- stdout
1
2

### break-levels
for i in 1 2; do
	for j in a b c; do
		[ $j = b ] && break 2
		echo $i$j
	done
done
echo end
--- stdout
1a
end

### continue-levels
for i in 1 2 3; do
	for j in a b; do
		[ $j = b ] && continue 2
		echo $i$j
	done
	echo never
done
--- stdout
1a
2a
3a

### break-level-too-big
for i in 1 2; do
	for j in a b; do
		break 5
	done
	echo never
done
echo out
--- stdout
out

### continue-in-until
i=0
until [ $i -ge 4 ]; do
	i=$((i + 1))
	[ $i = 2 ] && continue
	echo $i
done
--- stdout
1
3
4

### break-status-zero
for i in 1; do false; break; done
echo $?
--- stdout
0

### nested-while-for
i=0
while [ $i -lt 2 ]; do
	for j in x y; do echo $i$j; done
	i=$((i + 1))
done
--- stdout
0x
0y
1x
1y

### and-list
true && echo a
false && echo b
echo $?
--- stdout
a
1

### or-list
false || echo a
true || echo b
echo $?
--- stdout
a
0

### and-or-left-assoc
false && echo a || echo b
true || echo c && echo d
--- stdout
b
d

### bang
! true
echo $?
! false
echo $?
--- stdout
1
0

### bang-pipeline
! echo x | grep -q y
echo $?
--- stdout
0

### pipeline-status-last
false | true
echo $?
true | false
echo $?
--- stdout
0
1

### pipeline-multi-stage
printf '3\n1\n2\n' | sort | head -n 2
--- stdout
1
2

### pipeline-newline-after-bar
echo abc |
tr a-z A-Z
--- stdout
ABC

### and-newline-continuation
true &&
echo yes
--- stdout
yes

### brace-group-current-shell
x=1
{ x=2; }
echo $x
--- stdout
2

### brace-group-status
{ false; }
echo $?
--- stdout
1

### subshell-group
(echo in; exit 3)
echo $?
--- stdout
in
3

### semicolon-list
echo a; echo b ;echo c
--- stdout
a
b
c

### async-and-wait
echo bg > f &
wait
cat f
--- stdout
bg

### loop-output-pipe
for i in 3 1 2; do echo $i; done | sort
--- stdout
1
2
3

### while-read-pipe-subshell-var
x=outer
echo inner | while read x; do :; done
echo $x
--- stdout
outer

### if-in-pipeline
if true; then echo piped; fi | tr a-z A-Z
--- stdout
PIPED

### nested-if
if true; then if false; then echo a; else echo b; fi; fi
--- stdout
b

### reserved-word-not-first-literal
echo if then fi
--- stdout
if then fi

### while-condition-multiple
i=0
while i=$((i + 1)); [ $i -le 2 ]; do echo $i; done
--- stdout
1
2

### until-status
i=0
until [ $i = 2 ]; do i=$((i + 1)); done
echo $?
--- stdout
0

### not-assignment-in-current-shell
! x=1
echo "x=$x"
--- stdout
x=1

### not-cd-in-current-shell
mkdir d
! cd d
case $PWD in */d) echo moved ;; esac
--- stdout
moved

### not-continue
for i in 1 2; do
	if ! continue; then echo no; fi
	echo no2
done
echo ok
--- stdout
ok

### not-break
for i in 1 2; do
	! break
	echo no
done
echo "ok $i"
--- stdout
ok 1

### not-exit
f() { ! exit 3; }
f
echo no
--- stdout
--- status 3

### not-return-status
f() { ! return 4; }
f
echo $?
--- stdout
4

### while-condition-return-status
f() { while return 7; do :; done; }
f
echo $?
--- stdout
7

### until-condition-return-status
f() { until return 6; do :; done; }
f
echo $?
--- stdout
6

### if-condition-return-status
f() { if return 5; then :; fi; }
f
echo $?
--- stdout
5

### arith-for-loop
for ((i = 0; i < 5; i++)); do
	[ $i = 1 ] && continue
	[ $i = 3 ] && break
	echo "i$i"
done > out
cat out
for ((;;))
do echo once; break; done
for (( n=0; n<(3-(1)); n++ )); do echo $n; done
--- stdout
i0
i2
once
0
1
