#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - `make check`: the whole suite on every emulated machine.
#
#   host.sh: user-space unit tests on the host (make -C ctl test, and
#   summarize-test.sh: this script's own counting and kernel-log gate)
#   QEMU TCG -cpu EPYC (AMD-V) with Debian's 6.1 kernel and with its 6.12 kernel,
#   Bochs (VT-x, selftests/vm/bochs.sh).
# Each leg prints its results prefixed with [kernel/backend] and its own
# summary; the last line is the combined "N passed, N failed, N skipped".
# Exits non-zero on any failure, and on any run that is not complete.
#
# What a complete run is, derived, never typed here: every binary of
# `make -s -C selftests list-tests` (which must name every selftests/*.c
# with TEST_HARNESS_MAIN) starts and finishes on every machine leg, each
# with the KTAP plan it has on the other legs and every planned result
# (summarize.sh: HVM_EXPECT_TESTS, skips.allowed, the kernel-log gate).
# A leg that cannot run (bochs.sh missing or not executable, an unknown
# kernel) fails.
#
# Developer knobs (each makes the run partial: the legs left out are listed
# as "not run" and the exit status is 1 unless HVM_CHECK_PARTIAL=1):
#   HVM_CHECK_KERNELS="6.12"  only these QEMU legs (default: all, $all_kernels)
#   HVM_CHECK_BOCHS=0         no Bochs leg
#   HVM_TESTS_ONLY="a b"      only these binaries (the selftests Makefile's filter)
# Other environment: HVM_CHECK_PARALLEL (1: the QEMU legs run at the same
# time; default 1 without Bochs, 0 with it), HVM_CACHE. CI (.ci/run) clears
# all the knobs.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export HVM_CACHE=${HVM_CACHE:-/var/cache/hvm}
# the supported kernels (README): one QEMU leg each
all_kernels="6.1 6.12"
kernels=${HVM_CHECK_KERNELS:-$all_kernels}
bochs=${HVM_CHECK_BOCHS:-1}
partial_ok=${HVM_CHECK_PARTIAL:-0}
not_run=()
for k in $all_kernels; do
	case " $kernels " in *" $k "*) ;; *) not_run+=("qemu-$k (HVM_CHECK_KERNELS=\"$kernels\")") ;; esac
done
[ "$bochs" = 1 ] || not_run+=("bochs (HVM_CHECK_BOCHS=$bochs)")
[ -z "${HVM_TESTS_ONLY:-}" ] || not_run+=("every binary but \"$HVM_TESTS_ONLY\" (HVM_TESTS_ONLY)")
# Never more emulators than the CI machine's 2 cores: with Bochs running, the
# QEMU legs go one after the other beside it. Oversubscribed, a TCG vCPU can
# wait hundreds of ms for a host core, and the stop-latency test measures that.
if [ "$bochs" = 1 ]; then
	parallel=${HVM_CHECK_PARALLEL:-0}
else
	parallel=${HVM_CHECK_PARALLEL:-1}
fi

start=$(date +%s)
"$here/prepare.sh"
export HVM_SKIP_PREPARE=1
out=$root/build/check
mkdir -p "$root/build"
exec 6>"$root/build/check.lock"
if ! flock -n 6; then
	echo "check.sh: another make check is running in this tree; waiting for it" >&2
	flock 6
fi
rm -rf "$out"
mkdir -p "$out"

# The suite every machine leg must run, from the selftests Makefile; the
# full list must name every test source, so that dropping a binary from
# TESTS turns this red.
suite_problems=()
make -s --no-print-directory -C "$root/selftests" list-tests >"$out/expected-tests" ||
	suite_problems+=("make -C selftests list-tests failed")
env -u HVM_TESTS_ONLY make -s --no-print-directory -C "$root/selftests" list-tests \
	>"$out/all-tests" || suite_problems+=("make -C selftests list-tests failed")
for src in "$root"/selftests/*.c; do
	[ -f "$src" ] && grep -q '^TEST_HARNESS_MAIN' "$src" || continue
	t=tests/$(basename "$src" .c)
	grep -qxF "$t" "$out/all-tests" ||
		suite_problems+=("selftests/$(basename "$src") is a test but $t is not in list-tests")
done
nexpected=$(grep -c . "$out/expected-tests" || true)
[ "$nexpected" -gt 0 ] || suite_problems+=("list-tests is empty")
export HVM_EXPECT_TESTS=$out/expected-tests

declare -A pids
legs=()
run_leg() {
	local name=$1
	shift
	legs+=("$name")
	(
		s=$(date +%s)
		set +e
		HVM_COUNTS=$out/$name.counts "$@" >"$out/$name.out" 2>&1
		echo $? >"$out/$name.rc"
		echo $(($(date +%s) - s)) >"$out/$name.time"
	) &
	pids[$name]=$!
}

# the host's own unit tests first: they take seconds
run_leg host "$here/host.sh" --no-total
wait "${pids[host]}"

# Bochs is the long pole (single-threaded, minutes): start it first, then the
# QEMU legs beside it, together or one after the other
if [ "$bochs" = 1 ]; then
	if [ -x "$here/bochs.sh" ]; then
		run_leg bochs "$here/bochs.sh" --no-total
	else
		# a leg that cannot run is a failure, never a silent omission
		legs+=(bochs)
		echo "check.sh: selftests/vm/bochs.sh is missing or not executable: the VT-x leg cannot run" \
			>"$out/bochs.out"
		echo 1 >"$out/bochs.rc"
		echo 0 >"$out/bochs.time"
	fi
fi
for k in $kernels; do
	run_leg "qemu-$k" "$here/run.sh" --kernel "$k" --no-total
	if [ "$parallel" != 1 ]; then
		wait "${pids[qemu-$k]}"
	fi
done
wait

tp=0 tf=0 ts=0 status=0
order=()
for l in host "${legs[@]}"; do
	case " ${order[*]} " in *" $l "*) ;; *) [ "$l" = bochs ] || order+=("$l") ;; esac
done
[ "$bochs" = 1 ] && order+=(bochs)
table=()
declare -A plan_of plan_leg
for l in "${order[@]}"; do
	echo "==== $l ($(cat "$out/$l.time")s) ===="
	cat "$out/$l.out"
	rc=$(cat "$out/$l.rc")
	p=0 f=0 s=0
	if [ -s "$out/$l.counts" ]; then
		read -r p f s <"$out/$l.counts"
	elif [ "$rc" = 0 ]; then
		echo "[$l] not ok: the leg wrote no counts"
		f=$((f + 1))
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "[$l] not ok: the leg failed (exit status $rc) without a failed result"
		f=1
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "[$l] not ok: nothing passed"
		f=1
	fi
	binaries=""
	if [ "$l" != host ]; then
		# every binary of the suite finished on this machine, with the
		# same plan as on the others (summarize.sh checks the results)
		nfin=0 nplanned=0
		while read -r t; do
			[ -n "$t" ] || continue
			fin=$(grep -E "^\[[^]]*\] $t: finished in .* plan 1\.\.[0-9]+$" "$out/$l.out" | tail -n1 || true)
			if [ -z "$fin" ]; then
				echo "[$l] not ok $t: did not run to its end on this machine"
				f=$((f + 1))
				continue
			fi
			nfin=$((nfin + 1))
			pl=${fin##*plan 1..}
			nplanned=$((nplanned + pl))
			if [ -z "${plan_of[$t]:-}" ]; then
				plan_of[$t]=$pl plan_leg[$t]=$l
			elif [ "${plan_of[$t]}" != "$pl" ]; then
				echo "[$l] not ok $t: plan 1..$pl here, 1..${plan_of[$t]} on ${plan_leg[$t]}"
				f=$((f + 1))
			fi
		done <"$out/expected-tests"
		binaries=$(printf '%d/%d binaries, %d planned' "$nfin" "$nexpected" "$nplanned")
	fi
	[ "$rc" = 0 ] || status=1
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	table+=("$(printf '%-10s %4d passed, %3d failed, %3d skipped  (%ss)  %s' \
		"$l" "$p" "$f" "$s" "$(cat "$out/$l.time")" "$binaries")")
done
for sp in "${suite_problems[@]+"${suite_problems[@]}"}"; do
	echo "[suite] not ok: $sp"
	tf=$((tf + 1))
done
echo "==== summary (check took $(($(date +%s) - start))s) ===="
printf '%s\n' "${table[@]}"
for n in "${not_run[@]+"${not_run[@]}"}"; do
	printf '%-10s not run\n' "$n"
done
[ "$tf" = 0 ] || status=1
if [ ${#not_run[@]} -gt 0 ]; then
	echo "$tp passed, $tf failed, $ts skipped; PARTIAL run: ${#not_run[@]} part(s) not run"
	if [ "$partial_ok" != 1 ]; then
		echo "check.sh: not a full check (set HVM_CHECK_PARTIAL=1 to accept a partial run)" >&2
		status=1
	fi
else
	echo "$tp passed, $tf failed, $ts skipped"
fi
exit $status
