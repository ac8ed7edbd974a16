#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /hvm/run-suite: run every selftest binary of /hvm/tests.list, in order, from
# /hvm. Before each one hvm.ko is inserted if it is not loaded (a test that
# needs the module absent removes it itself). Each binary's KTAP output is
# framed by "### hvm: test begin/end" lines that the host side parses.

cd /hvm || exit 1
timeout_s=${HVM_TEST_TIMEOUT:-600}
n=$(grep -c . tests.list)
echo "### hvm: suite begin kernel=$(uname -r) backend=${HVM_BACKEND:-none} tests=$n"
while read -r t; do
	[ -n "$t" ] || continue
	# which binary the kernel messages from here on belong to: hvm warnings
	# it declared ("hvmtest: expect-warn ERE") hold until the next one
	echo "<5>hvmtest: test begin $t" >/dev/kmsg
	if [ -f /hvm/hvm.ko ] && [ ! -d /sys/module/hvm ]; then
		insmod /hvm/hvm.ko || echo "### hvm: insmod /hvm/hvm.ko failed"
	fi
	echo "### hvm: test begin $t"
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout -s KILL "$timeout_s" "./$t" </dev/null
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "### hvm: test end $t rc=$rc secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")"
done <tests.list
echo "<5>hvmtest: test begin (after the suite)" >/dev/kmsg
echo "### hvm: suite end"
