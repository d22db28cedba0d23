# SPDX-License-Identifier: GPL-3.0-or-later
# Arithmetic expansion (XCU 2.6.4): every C operator the standard requires,
# precedence and associativity, assignments, constants, variables, errors.

### add-sub
echo $((1 + 2)) $((5 - 7))
--- stdout
3 -2

### mul-div-mod
echo $((6 * 7)) $((17 / 5)) $((17 % 5))
--- stdout
42 3 2

### div-truncates-toward-zero
echo $((-7 / 2)) $((-7 % 2)) $((7 % -2))
--- stdout
-3 -1 1

### unary
echo $((-3)) $((+3)) $((- -3)) $((!0)) $((!5)) $((~0)) $((~5))
--- stdout
-3 3 3 1 0 -1 -6

### shifts
echo $((1 << 4)) $((256 >> 3)) $((-16 >> 2))
--- stdout
16 32 -4

### comparisons
echo $((1 < 2)) $((2 < 1)) $((2 <= 2)) $((3 > 2)) $((2 >= 3)) $((4 == 4)) $((4 != 4))
--- stdout
1 0 1 1 0 1 0

### bitwise
echo $((12 & 10)) $((12 | 10)) $((12 ^ 10))
--- stdout
8 14 6

### logical
echo $((1 && 0)) $((1 && 2)) $((0 || 0)) $((0 || 3))
--- stdout
0 1 0 1

### logical-short-circuit-and
x=0
echo $((0 && (x = 5))) $x
--- stdout
0 0

### logical-short-circuit-or
x=0
echo $((1 || (x = 5))) $x
--- stdout
1 0

### ternary
echo $((1 ? 10 : 20)) $((0 ? 10 : 20))
--- stdout
10 20

### ternary-nested
x=2
echo $((x == 1 ? 100 : x == 2 ? 200 : 300))
--- stdout
200

### ternary-short-circuit
a=0 b=0
echo $((1 ? (a = 1) : (b = 1))) $a $b
--- stdout
1 1 0

### precedence-mul-over-add
echo $((2 + 3 * 4)) $((2 * 3 + 4))
--- stdout
14 10

### precedence-parens
echo $(((2 + 3) * 4))
--- stdout
20

### precedence-shift-vs-add
echo $((1 << 2 + 1))
--- stdout
8

### precedence-compare-vs-bitand
echo $((1 & 2 == 2))
--- stdout
1

### precedence-bitor-vs-xor-vs-and
echo $((1 | 2 ^ 3 & 1))
--- stdout
3

### precedence-logical
echo $((0 || 1 && 0))
--- stdout
0

### precedence-unary-minus-mul
echo $((-2 * 3)) $((2 * -3))
--- stdout
-6 -6

### left-assoc-sub
echo $((10 - 3 - 2))
--- stdout
5

### left-assoc-div
echo $((100 / 10 / 5))
--- stdout
2

### assign
echo $((x = 5)) $x
--- stdout
5 5

### assign-ops
x=10
echo $((x += 5)) $((x -= 3)) $((x *= 2)) $((x /= 4)) $((x %= 4))
--- stdout
15 12 24 6 2

### assign-bit-ops
x=12
echo $((x &= 10)) $((x |= 1)) $((x ^= 3)) $((x <<= 2)) $((x >>= 1))
--- stdout
8 9 10 40 20

### assign-right-assoc
echo $((a = b = 3)) $a $b
--- stdout
3 3 3

### assign-persists
: $((n = 7))
echo $n
--- stdout
7

### variable-by-name
x=6
echo $((x * 2)) $(($x * 2))
--- stdout
12 12

### variable-unset-is-zero
unset u
echo $((u + 1))
--- stdout
1

### variable-empty-is-zero
e=
echo $((e + 1))
--- stdout
1

### variable-holding-expression-text
x=3
y=x
echo $(($y + 1))
--- stdout
4

### variable-with-dollar-expr
a='1 + 2'
echo $(($a * 3))
--- stdout
7

### hex-constant
echo $((0x10)) $((0xff)) $((0XA))
--- stdout
16 255 10

### octal-constant
echo $((010)) $((0777)) $((00))
--- stdout
8 511 0

### hex-in-variable
x=0x20
echo $((x + 1))
--- stdout
33

### octal-in-variable
x=010
echo $((x))
--- stdout
8

### whitespace-and-newlines
echo $((  1
  +
  2  ))
--- stdout
3

### nested-arith
echo $(( $((1 + 1)) * 3 ))
--- stdout
6

### nested-parens-deep
echo $(( ((((1 + 2)))) ))
--- stdout
3

### large-64bit
echo $((2147483647 + 1)) $((1 << 40))
--- stdout
2147483648 1099511627776

### negative-modulo-sign
echo $((-9 % 4))
--- stdout
-1

### in-dquotes
x=4
echo "$((x * x))"
--- stdout
16

### param-expansion-inside
unset v
echo $((${v:-3} + 1))
--- stdout
4

### cmdsub-inside
echo $(($(echo 3) * $(echo 5)))
--- stdout
15

### divide-by-zero-error
(echo $((1 / 0))) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### modulo-by-zero-error
(echo $((1 % 0))) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### syntax-error
(echo $((1 +))) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### syntax-error-stops-shell
echo a
echo $((2 +* 3)) 2>/dev/null
echo notreached
--- stdout
a
--- status 1

### invalid-variable-content
x=abc!
(echo $((x))) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### invalid-octal
(echo $((09))) 2>/dev/null
[ $? -ne 0 ] && echo error
--- stdout
error

### assign-to-readonly-error
readonly r=1
(: $((r = 2))) 2>/dev/null
[ $? -ne 0 ] && echo error
echo $r
--- stdout
error
1

### comma-free-expressions
x=1
echo $((x)) $(( x )) $((x+0))
--- stdout
1 1 1

### arith-result-as-command
i=0
while [ $((i += 1)) -lt 4 ]; do :; done
echo $i
--- stdout
4

### not-equal-chain
echo $((1 != 2 != 0))
--- stdout
1

### bitnot-negative
echo $((~-1))
--- stdout
0

### bash-base-constants
base=16
echo $((2#101)) $((36#z)) $((64#A)) $((10#010)) $(( ${base}#ff ))
--- stdout
5 35 36 10 255

### bash-power-operator
echo $((3 ** 2)) $((2 ** 3 ** 2)) $((2 * 3 ** 2)) $((-3 ** 2))
--- stdout
9 512 18 9

### variable-value-is-an-expression
foo=5 bar=foo e=bar+1
echo $((bar + 1)) $((e * 2))
--- stdout
6 12

### nounset-covers-arithmetic-variables
set -u
(echo $((y + 5))) 2>/dev/null
echo $?
echo $((1 || y)) $((y = 2)) $((y + 1))
--- stdout
1
1 2 3

### arithmetic-command
x=11
(( 1 || (x = 22) )); echo $x
(( 0 || (x = 33) )); echo $x
(( 0 && (x = 44) )); echo st=$? $x
(( undef1++ )); echo st=$?
(( ++undef2 )); echo "[$undef1][$undef2]"
f() { (( $1 > 2 )) && echo big || echo small; }
f 3; f 1
(( y = 5 )) >/dev/null; echo y=$y
(
	set -e
	(( 0 ))
	echo not-reached
)
echo errexit=$?
( (( 1 / 0 )); echo not-reached) 2>/dev/null
echo error=$?
--- stdout
11
33
st=1 33
st=1
[1][1]
big
small
y=5
errexit=1
error=1

### double-paren-subshells-stay-subshells
((echo a); (echo b))
((echo sub) | cat)
( (echo c) )
--- stdout
a
b
sub
c

### arithmetic-command-xtrace
x=3
set -x
(( a = x + $x )) 2>trace
set +x
cat trace
--- stdout
+ (( a = x + 3 ))

### arithmetic-for-loop
for ((x = 0; x < 3; ++x)); do echo for-$x; done >out
cat out
for (( n=0; n<(3-(1)); n++ )) ; do echo $n; done
for ((;;)); do echo once; break; done
for ((i = 0; i < 5; i++))
do
	[ $i = 1 ] && continue
	[ $i = 3 ] && break
	echo i=$i
done
for ((j = 0; j < $LINENO; j++)); do :; done
echo j=$j
f() { for ((k = $1; k > 0; k--)); do printf '%s.' $k; done; echo; }
f 3
--- stdout
for-0
for-1
for-2
0
1
once
i=0
i=2
j=11
3.2.1.

### arithmetic-command-redirection-failure-and-errexit
(set -e; (( 42 )) >/; echo not-reached) 2>/dev/null
[ $? -ne 0 ] && echo failed
--- stdout
failed
### arith-command
i=0
(( i++ )); echo "$? $i"
((i > 0)) && echo positive
((echo a) ); ((echo b); echo c)
--- stdout
1 1
positive
a
b
c

### arith-command-errexit
set -e
n=0
(( n ))
echo not-reached
--- stdout
--- status 1
