#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# host.sh - the tests that need no emulated machine, run on the host:
# `make test` of every user-space directory that has one (ctl/: the
# image loader and parser unit tests; selftests/ynl: the YNL spec
# uapi/hvm.yaml against the uapi header, the kernel and hvctl), and
# summarize-test.sh and check-test.sh (make check's own result counting,
# kernel-log gate and completeness checks), and selftests/install/*-test.sh
# (make install and uninstall, dkms build for both kernels, man pages, bash
# completion). Results are counted like a
# machine's (summarize.sh), labelled [host/user].
#
# Usage: host.sh [--no-total]     Environment: HVM_COUNTS=FILE

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

total=1
[ "${1:-}" = --no-total ] && total=0

out=$root/build/host
mkdir -p "$out"
exec 7>"$out/.lock"
flock 7
sync_tree "$out/src"

log=$out/test.log
: >"$out/tests.list"
{
	echo "### hvm: boot kernel=$(uname -r) backend=user"
	echo "### hvm: suite begin"
	for d in ctl selftests/unit selftests/ynl; do
		[ -f "$out/src/$d/Makefile" ] || continue
		grep -q '^test:' "$out/src/$d/Makefile" || continue
		echo "$d" >>"$out/tests.list"
		echo "### hvm: test begin $d"
		set +e
		make -s --no-print-directory -C "$out/src/$d" test 2>&1
		rc=$?
		set -e
		echo "### hvm: test end $d rc=$rc"
	done
	# make check itself (result counting, kernel-log gate, complete legs);
	# make install/uninstall, DKMS for both kernels, man pages, completion
	for t in selftests/vm/summarize-test.sh selftests/vm/check-test.sh \
		 selftests/install/*-test.sh; do
		t=${t#"$out/src/"}
		echo "$t" >>"$out/tests.list"
		echo "### hvm: test begin $t"
		set +e
		"$out/src/$t" 2>&1
		rc=$?
		set -e
		echo "### hvm: test end $t rc=$rc"
	done
	echo "### hvm: suite end"
} >"$log"

# the machines' suite (HVM_EXPECT_TESTS, from check.sh) is not this leg's
"$here/summarize.sh" --log "$log" --label host --tests "$out/tests.list" \
	--expect-tests /dev/null --counts "$out/counts"
[ -z "${HVM_COUNTS:-}" ] || cp "$out/counts" "$HVM_COUNTS"
read -r np nf ns <"$out/counts"
[ "$total" = 0 ] || echo "$np passed, $nf failed, $ns skipped"
[ "$nf" = 0 ]
