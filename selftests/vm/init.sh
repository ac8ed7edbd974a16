#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the hvm test machine (busybox). See selftests/vm/README.md.
#
# Kernel command line options (all optional):
#   hvmtest.cmd=BASE64   run this shell command instead of the suite
#                        (/hvm/cmd, from an overlay archive, does the same)
#   hvmtest.noload       in command mode, do not insmod /hvm/hvm.ko first
#   hvmtest.shell        interactive shell on the console instead of anything else
#   hvmtest.timeout=S    per-test-binary timeout of the suite (default 600)
#   hvmtest.no_avx       export HVM_TEST_NO_AVX=1: the machine's own AVX state
#                        handling is broken (Bochs 2.7), host tests use SSE only
#   hvmtest.dmesg=warn|all|none   kernel log dumped at the end (default warn:
#                        messages of level warning and above, and the
#                        "hvmtest:" markers tests write to /dev/kmsg)
# At the end it prints "### hvm: taint boot=N end=N" (/proc/sys/kernel/tainted
# at /init and at the end) for summarize.sh's kernel-log gate.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname -F /etc/hostname
ip link set lo up 2>/dev/null

cmd="" noload=0 shell=0 dmesg_mode=warn
export HVM_TEST_TIMEOUT=600
for w in $(cat /proc/cmdline); do
	case $w in
	hvmtest.cmd=*) cmd=$(echo "${w#hvmtest.cmd=}" | base64 -d) ;;
	hvmtest.noload) noload=1 ;;
	hvmtest.shell) shell=1 ;;
	hvmtest.timeout=*) HVM_TEST_TIMEOUT=${w#hvmtest.timeout=} ;;
	hvmtest.dmesg=*) dmesg_mode=${w#hvmtest.dmesg=} ;;
	hvmtest.no_avx) export HVM_TEST_NO_AVX=1 ;;
	esac
done
[ -z "$cmd" ] && [ -f /hvm/cmd ] && cmd=$(cat /hvm/cmd)

backend=none
grep -qw svm /proc/cpuinfo && backend=svm
grep -qw vmx /proc/cpuinfo && backend=vmx
export HVM_BACKEND=$backend
export HVM_KERNEL_SERIES=$(cat /hvm/series 2>/dev/null)
export HVM_KO=/hvm/hvm.ko
export HVM_KVM_DIR=/hvm/kvm

finish() {
	case $dmesg_mode in
	none) ;;
	all) echo "### hvm: dmesg begin"; dmesg; echo "### hvm: dmesg end" ;;
	*)
		# what the kernel logged at warning level and above since boot
		echo "### hvm: dmesg begin (warning and above, since /init)"
		# and the suite's markers (user facility, see run-suite.sh and
		# summarize.sh's kernel-log gate)
		dmesg -r | tail -n +$((boot_lines + 1)) |
			grep -E '^<[0-4]>|^<[0-9]+>\[[^]]*\] hvmtest: ' |
			grep -v -e 'loading out-of-tree module taints kernel' \
				-e 'module verification failed: signature'
		echo "### hvm: dmesg end"
		;;
	esac
	# taint flags at the end and at /init: only O and E may be new
	echo "### hvm: taint boot=$boot_taint end=$(cat /proc/sys/kernel/tainted)"
	echo "### hvm: poweroff"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 10
}

# boot-time kernel messages are not part of what a run reports
boot_lines=$(dmesg -r | wc -l)
boot_taint=$(cat /proc/sys/kernel/tainted)
# the tests' "hvmtest:" markers in /dev/kmsg must not be rate limited
echo on >/proc/sys/kernel/printk_devkmsg 2>/dev/null

echo
echo "### hvm: boot kernel=$(uname -r) backend=$backend cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"

if [ "$shell" = 1 ]; then
	[ -f /hvm/hvm.ko ] && [ "$noload" = 0 ] && insmod /hvm/hvm.ko
	setsid cttyhack sh -l
	finish
fi

if [ -n "$cmd" ]; then
	if [ "$noload" = 0 ] && [ -f /hvm/hvm.ko ]; then
		insmod /hvm/hvm.ko || echo "### hvm: insmod /hvm/hvm.ko failed"
	fi
	echo "### hvm: cmd begin"
	(cd /hvm && exec sh -c "$cmd" </dev/null)
	rc=$?
	echo "### hvm: cmd end rc=$rc"
	finish
fi

/hvm/run-suite
finish
