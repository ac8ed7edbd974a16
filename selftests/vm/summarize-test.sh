#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# summarize-test.sh - host-side unit test of summarize.sh: crafted serial
# logs in, counts and verdicts out. Proves that only the suite's own result
# lines count, that a shrunken suite, a crash, a missing plan or an
# unexpected SKIP fail, and that each kernel-log gate fires (and that what
# a test declared does not). Prints TAP; host.sh runs it (`make check`).

set -uo pipefail
# check runs at the end of pipelines and counts: not in a subshell
shopt -s lastpipe

here=$(cd "$(dirname "$0")" && pwd)
sum=$here/summarize.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 bad=0
# tables of our own, so that the real ones can change without breaking this
cat >"$tmp/skips" <<'T'
# machine binary test reason
t-1/svm tests/b  f.may_skip  a reason
t-1/svm tests/w  -  a reason
T
cat >"$tmp/kexp" <<'T'
tests/a ^hvm: table says so [0-9]+$
T
export HVM_SKIPS_ALLOWED=$tmp/skips HVM_KMSG_EXPECTED=$tmp/kexp
unset HVM_EXPECT_TESTS

# the frame of a suite run: boot line, then what the test writes
begin() { printf '### hvm: boot kernel=x backend=svm cpus=2\n### hvm: suite begin\n'; }
tbeg() { printf '### hvm: test begin %s\n' "$1"; }
tend() { printf '### hvm: test end %s rc=%s secs=0.1\n' "$1" "$2"; }
finish() { printf '### hvm: suite end\n### hvm: taint boot=0 end=%s\n### hvm: poweroff\n' "${1:-12288}"; }
# a kselftest_harness test: RUN, optional log, status line, result line
hpass() { printf '#  RUN           %s ...\n#            OK  %s\nok %s %s\n' "$2" "$2" "$1" "$2"; }
hfail() { printf '#  RUN           %s ...\n#          FAIL  %s\nnot ok %s %s\n' "$2" "$2" "$1" "$2"; }
hskip() { printf '#  RUN           %s ...\n#      SKIP      why\n#            OK  %s\nok %s # SKIP why\n' "$2" "$2" "$1"; }

# check NAME WANT_COUNTS [summarize args]: log on stdin
check() {
	local name=$1 want=$2 got
	shift 2
	cat >"$tmp/log"
	n=$((n + 1))
	rm -f "$tmp/counts"
	"$sum" --log "$tmp/log" --label t-1 --counts "$tmp/counts" "$@" >"$tmp/out" 2>&1
	got=$(cat "$tmp/counts" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		echo "#   counts '$got', want '$want'; output:"
		sed 's/^/#   | /' "$tmp/out"
		bad=$((bad + 1))
	fi
}
# expect TEXT: the last check's output must contain TEXT
expect() {
	n=$((n + 1))
	if grep -qF -- "$1" "$tmp/out"; then
		echo "ok $n - output says: $1"
	else
		echo "not ok $n - output lacks: $1"
		sed 's/^/#   | /' "$tmp/out"
		bad=$((bad + 1))
	fi
}
list() { printf '%s\n' "$@" >"$tmp/list"; }

list tests/a
{ begin; tbeg tests/a; echo 1..2; hpass 1 f.one; hpass 2 f.two; tend tests/a 0; finish; } |
	check "clean harness binary" "2 0 0" --tests "$tmp/list"
expect "tests/a: finished in 0.1s, exit status 0, plan 1..2"

# a TH_LOG of a guest's console: continuation lines start in column 0
{ begin; tbeg tests/a; echo 1..2; hpass 1 f.one
  printf '#  RUN           f.two ...\n# a.c:9:two:console:\nok 2 f.two\nok 3 f.three\n'
  printf '#          FAIL  f.two\nnot ok 2 f.two\n'; tend tests/a 1; finish; } |
	check "result lines inside a test's log never count" "1 1 0" --tests "$tmp/list"
expect "ignored result-like line"

{ begin; tbeg tests/a; echo 1..2; hpass 1 f.one
  printf '#  RUN           f.two ...\n    ok 2 f.two\n  ok 2 f.two\n'
  printf '#            OK  f.two\nok 2 f.other\n'; tend tests/a 0; finish; } |
	check "indented or misnamed result lines never count" "1 1 0" --tests "$tmp/list"
expect "1 results missing (plan 1..2)"

{ begin; tbeg tests/a; printf 'Segmentation fault\n'; tend tests/a 139; finish; } |
	check "crash before the plan" "0 1 0" --tests "$tmp/list"
expect "no KTAP plan"

{ begin; tbeg tests/a; echo 1..3; hpass 1 f.one; tend tests/a 0; finish; } |
	check "fewer results than planned, exit 0" "1 2 0" --tests "$tmp/list"

{ begin; tbeg tests/a; echo hello; tend tests/a 0; finish; } |
	check "no plan, no results, exit 0" "0 1 0" --tests "$tmp/list"

{ begin; tbeg tests/a; echo 1..0; tend tests/a 0; finish; } |
	check "plan 1..0" "0 1 0" --tests "$tmp/list"

{ begin; tbeg tests/a; echo 1..1; hpass 1 f.one; echo 'ok 2 f.one'; tend tests/a 0; finish; } |
	check "a result out of sequence is ignored" "1 0 0" --tests "$tmp/list"

list tests/a tests/b
{ begin; tbeg tests/a; echo 1..1; hpass 1 f.one; tend tests/a 0; finish; } |
	check "a listed binary that never started" "1 1 0" --tests "$tmp/list"
expect "tests/b: never started"

list tests/a
printf 'tests/a\ntests/b\n' >"$tmp/expect"
{ begin; tbeg tests/a; echo 1..1; hpass 1 f.one; tend tests/a 0; finish; } |
	check "--expect-tests: the image lacks a binary" "1 1 0" --tests "$tmp/list" \
		--expect-tests "$tmp/expect"
{ begin; tbeg tests/a; echo 1..1; hpass 1 f.one; tend tests/a 0; finish; } |
	HVM_EXPECT_TESTS=$tmp/expect check "HVM_EXPECT_TESTS does the same" "1 1 0" \
		--tests "$tmp/list"

: >"$tmp/empty"
{ begin; finish; } | check "an empty suite fails" "0 1 0" --tests "$tmp/empty"

list tests/b
{ begin; tbeg tests/b; echo 1..2; hskip 1 f.may_skip; hskip 2 f.must_run; tend tests/b 0; finish; } |
	check "allowed and unexpected SKIPs" "0 1 1" --tests "$tmp/list"
expect "unexpected SKIP"
{ begin; tbeg tests/b; echo 1..1; hskip 1 f.may_skip; tend tests/b 0; finish; } |
	check "the allowed skip is per machine" "0 1 0" --tests "$tmp/list" --label other
list tests/w tests/z
{ begin; tbeg tests/w; tend tests/w 4; tbeg tests/z; tend tests/z 4; finish; } |
	check "whole-binary skips (exit 4)" "0 1 1" --tests "$tmp/list"

# the kernel-log gate
list tests/a
ok_a() { tbeg tests/a; echo 1..1; hpass 1 f.one; tend tests/a 0; }
dm() { printf '### hvm: dmesg begin (warning and above, since /init)\n'; cat; printf '### hvm: dmesg end\n'; }
{ begin; ok_a; printf '### hvm: suite end\n'
  printf '<4>[ 1.0] netlink: 4 bytes leftover\n<12>[ 1.1] hvmtest: test begin tests/a\n' | dm
  printf '### hvm: taint boot=0 end=12288\n### hvm: poweroff\n'; } |
	check "gate: O and E taint and other subsystems' warnings pass" "1 0 0" --tests "$tmp/list"

gate_case() {
	local name=$1 kmsg=$2 taint=${3:-12288}
	{ begin; ok_a; printf '### hvm: suite end\n'; printf '%b' "$kmsg" | dm
	  printf '### hvm: taint boot=0 end=%s\n### hvm: poweroff\n' "$taint"; } |
		check "gate: $name" "1 1 0" --tests "$tmp/list"
}
gate_case "unchecked MSR access" '<4>[ 1.0] unchecked MSR access error: RDMSR from 0xc0011029 at rIP: 0x0\n'
expect "unchecked MSR access error: RDMSR"
gate_case "an hvm bug message" '<3>[ 1.0] hvm: svm: CPU 1: VMRUN faulted\n'
expect "hvm bug message"
gate_case "an undeclared hvm warning" '<12>[ 1.0] hvmtest: test begin tests/a\n<4>[ 1.1] hvm: something odd\n'
expect "unexpected hvm warning (during tests/a): <4> hvm: something odd"
gate_case "a declaration ends with its binary" \
	'<13>[ 1.0] hvmtest: expect-warn ^hvm: odd\n<13>[ 1.0] hvmtest: test begin tests/b\n<4>[ 1.1] hvm: odd\n'
gate_case "a declared bug message still fails" \
	'<13>[ 1.0] hvmtest: expect-warn VMRUN\n<3>[ 1.1] hvm: svm: CPU 0: VMRUN faulted\n'
gate_case "a new taint flag" '' 12800
expect "tainted during the run: W"
{ begin; ok_a; printf '### hvm: suite end\n### hvm: poweroff\n'; } |
	check "gate: no taint line" "1 1 0" --tests "$tmp/list"
{ begin; ok_a; printf '### hvm: suite end\n'
  printf '<13>[ 1.0] hvmtest: test begin tests/a\n<13>[ 1.0] hvmtest: expect-warn ^hvm: odd [0-9]+$\n<4>[ 1.1] hvm: odd 42\n<3>[ 1.2] hvm: table says so 7\n' | dm
  printf '### hvm: taint boot=1 end=12289\n### hvm: poweroff\n'; } |
	check "gate: declared warnings and boot taint pass" "1 0 0" --tests "$tmp/list"
echo 'WARNING: modpost: "foo" [hvm.ko] undefined!' >"$tmp/build.log"
{ begin; ok_a; finish; } |
	check "gate: modpost warning" "1 1 0" --tests "$tmp/list" --build-log "$tmp/build.log"
expect "module build: WARNING: modpost"
{ begin; ok_a; finish; } >"$tmp/log"
n=$((n + 1))
if ! "$sum" --gate-only --log "$tmp/log" --build-log "$tmp/build.log" >/dev/null &&
   "$sum" --gate-only --log "$tmp/log" --build-log /dev/null >/dev/null; then
	echo "ok $n - --gate-only exit status"
else
	echo "not ok $n - --gate-only exit status"
	bad=$((bad + 1))
fi

echo "1..$n"
[ "$bad" = 0 ]
