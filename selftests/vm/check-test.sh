#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-test.sh - host-side unit test of check.sh: runs it in a scratch copy
# of selftests/ whose machine legs are fakes (a synthetic serial log per
# leg, counted by the real summarize.sh), and proves that make check turns
# red when a test binary is dropped from the list, a leg is disabled or
# cannot run, a machine runs fewer binaries or another plan, and that a
# partial run passes only with HVM_CHECK_PARTIAL=1. Prints TAP; host.sh
# runs it.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the scratch tree: the real check.sh, summarize.sh and tables, the real
# selftests Makefile and test sources; fake prepare/host/run/bochs
mkdir -p "$tmp/selftests/vm"
cp "$src"/selftests/Makefile "$src"/selftests/*.c "$tmp/selftests/"
cp "$here"/check.sh "$here"/summarize.sh "$here"/skips.allowed "$here"/kmsg.expected \
	"$tmp/selftests/vm/"
printf '#!/bin/sh\nexit 0\n' >"$tmp/selftests/vm/prepare.sh"
cat >"$tmp/selftests/vm/host.sh" <<'H'
#!/bin/sh
echo "[host/user] ctl: ok 1 - fake"
[ -z "$HVM_COUNTS" ] || echo "1 0 0" >"$HVM_COUNTS"
H
# a machine leg: every binary of the image's list with plan 1..2 and two
# passes, then the taint line; FAKE_DROP_<leg> leaves one binary out,
# FAKE_PLAN3_<leg> gives one binary a third test
cat >"$tmp/selftests/vm/fake-leg.sh" <<'H'
#!/bin/bash
leg=$1 label=$2 backend=$3
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/../../build/fake-$leg
mkdir -p "$dir"
make -s --no-print-directory -C "$here/.." list-tests >"$dir/tests.list"
v=FAKE_DROP_${leg//[.-]/_}; drop=${!v:-}
v=FAKE_PLAN3_${leg//[.-]/_}; plan3=${!v:-}
{
	echo "### hvm: boot kernel=x backend=$backend cpus=2"
	echo "### hvm: suite begin"
	while read -r t; do
		[ "$t" = "$drop" ] && continue
		echo "### hvm: test begin $t"
		n=2
		[ "$t" = "$plan3" ] && n=3
		echo "1..$n"
		for i in $(seq 1 $n); do
			printf '#  RUN           f.t%d ...\n#            OK  f.t%d\nok %d f.t%d\n' $i $i $i $i
		done
		echo "### hvm: test end $t rc=0 secs=0.1"
	done <"$dir/tests.list"
	echo "### hvm: suite end"
	echo "### hvm: taint boot=0 end=12288"
	echo "### hvm: poweroff"
} >"$dir/serial.log"
"$here/summarize.sh" --log "$dir/serial.log" --label "$label" --tests "$dir/tests.list" \
	--counts "$dir/counts"
rc=$?
[ -z "${HVM_COUNTS:-}" ] || cp "$dir/counts" "$HVM_COUNTS"
exit $rc
H
cat >"$tmp/selftests/vm/run.sh" <<'H'
#!/bin/bash
k=$2
here=$(cd "$(dirname "$0")" && pwd)
case $k in 6.1 | 6.12) ;; *) echo "run.sh: error: unknown kernel series '$k'" >&2; exit 1 ;; esac
exec "$here/fake-leg.sh" "qemu-$k" "$k" svm
H
cat >"$tmp/selftests/vm/bochs.sh" <<'H'
#!/bin/bash
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/fake-leg.sh" bochs bochs-6.1 vmx
H
chmod +x "$tmp"/selftests/vm/*.sh

n=0 bad=0
# run NAME WANT_STATUS [VAR=VALUE...]: check.sh's exit status must be WANT
run() {
	local name=$1 want=$2 got
	shift 2
	n=$((n + 1))
	env -u HVM_CHECK_KERNELS -u HVM_CHECK_BOCHS -u HVM_TESTS_ONLY -u HVM_CHECK_PARTIAL \
		-u HVM_EXPECT_TESTS "$@" HVM_CHECK_PARALLEL=0 HVM_CACHE="$tmp/cache" \
		"$tmp/selftests/vm/check.sh" >"$tmp/out" 2>&1
	got=$?
	if { [ "$want" = 0 ] && [ "$got" = 0 ]; } || { [ "$want" != 0 ] && [ "$got" != 0 ]; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit status $got)"
		sed 's/^/#   | /' "$tmp/out" | tail -n 30
		bad=$((bad + 1))
	fi
}
expect() {
	n=$((n + 1))
	if grep -qF -- "$1" "$tmp/out"; then
		echo "ok $n - output says: $1"
	else
		echo "not ok $n - output lacks: $1"
		sed 's/^/#   | /' "$tmp/out" | tail -n 30
		bad=$((bad + 1))
	fi
}

nb=$(make -s --no-print-directory -C "$tmp/selftests" list-tests | grep -c .)
run "the full fake suite passes" 0
expect "$nb/$nb binaries"
first=$(make -s --no-print-directory -C "$tmp/selftests" list-tests | awk 'NR == 1')
run "a machine that skips a binary fails" 1 "FAKE_DROP_qemu_6_12=$first"
expect "[qemu-6.12] not ok $first: did not run to its end"
run "a binary with another plan on one machine fails" 1 "FAKE_PLAN3_bochs=$first"
expect "plan 1..3 here, 1..2 on qemu-6.1"
run "HVM_CHECK_BOCHS=0 is a partial run" 1 HVM_CHECK_BOCHS=0
expect "not run"
run "HVM_CHECK_BOCHS=0 HVM_CHECK_PARTIAL=1 passes, marked partial" 0 HVM_CHECK_BOCHS=0 \
	HVM_CHECK_PARTIAL=1
expect "PARTIAL run"
run "HVM_CHECK_KERNELS=6.12 is a partial run" 1 HVM_CHECK_KERNELS=6.12
expect "qemu-6.1 (HVM_CHECK_KERNELS"
run "an unknown kernel fails" 1 "HVM_CHECK_KERNELS=6.1 6.12 5.10"
run "HVM_TESTS_ONLY is a partial run" 1 "HVM_TESTS_ONLY=${first#tests/}"
run "HVM_TESTS_ONLY with HVM_CHECK_PARTIAL=1 passes" 0 "HVM_TESTS_ONLY=${first#tests/}" \
	HVM_CHECK_PARTIAL=1
chmod -x "$tmp/selftests/vm/bochs.sh"
run "a bochs.sh that is not executable fails" 1
expect "the VT-x leg cannot run"
rm "$tmp/selftests/vm/bochs.sh"
run "a missing bochs.sh fails" 1
# drop the first binary from the Makefile's TESTS
sed -i "s/^TESTS := ${first#tests/} /TESTS := /" "$tmp/selftests/Makefile"
if make -s -C "$tmp/selftests" list-tests | grep -qxF "$first"; then
	echo "not ok $((n + 1)) - could not drop $first from the scratch Makefile"
	bad=$((bad + 1))
	n=$((n + 1))
else
	printf '#!/bin/bash\nhere=$(cd "$(dirname "$0")" && pwd)\nexec "$here/fake-leg.sh" bochs bochs-6.1 vmx\n' \
		>"$tmp/selftests/vm/bochs.sh"
	chmod +x "$tmp/selftests/vm/bochs.sh"
	run "a test binary dropped from TESTS fails" 1
	expect "is a test but $first is not in list-tests"
fi

echo "1..$n"
[ "$bad" = 0 ]
