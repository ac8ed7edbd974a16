#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - `make check`: the whole suite on every emulated machine.
#
#   host.sh: user-space unit tests on the host (make -C ctl test)
#   QEMU TCG -cpu EPYC (AMD-V) with Debian's 6.1 kernel and with its 6.12 kernel,
#   and, when selftests/vm/bochs.sh exists, Bochs (VT-x).
# Each leg prints its results prefixed with [kernel/backend] and its own
# summary; the last line is the combined "N passed, N failed, N skipped".
# Exits non-zero on any failure.
#
# Environment: HVM_CHECK_KERNELS (default "6.1 6.12"), HVM_CHECK_PARALLEL
# (1: the QEMU legs run at the same time; default 1 without Bochs, 0 with it),
# HVM_CHECK_BOCHS=0 skips
# the Bochs leg, HVM_CACHE.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export HVM_CACHE=${HVM_CACHE:-/var/cache/hvm}
kernels=${HVM_CHECK_KERNELS:-6.1 6.12}
bochs=${HVM_CHECK_BOCHS:-1}
[ -x "$here/bochs.sh" ] || bochs=0
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
	run_leg bochs "$here/bochs.sh" --no-total
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
for l in "${order[@]}"; do
	echo "==== $l ($(cat "$out/$l.time")s) ===="
	cat "$out/$l.out"
	rc=$(cat "$out/$l.rc")
	if [ -s "$out/$l.counts" ]; then
		read -r p f s <"$out/$l.counts"
	else
		p=0 f=0 s=0
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "[$l] not ok: the leg failed (exit status $rc) without a failed result"
		f=1
	fi
	[ "$rc" = 0 ] || status=1
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	table+=("$(printf '%-10s %4d passed, %3d failed, %3d skipped  (%ss)' \
		"$l" "$p" "$f" "$s" "$(cat "$out/$l.time")")")
done
echo "==== summary (check took $(($(date +%s) - start))s) ===="
printf '%s\n' "${table[@]}"
[ "$tf" = 0 ] || status=1
echo "$tp passed, $tf failed, $ts skipped"
exit $status
