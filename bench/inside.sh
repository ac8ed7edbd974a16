#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# inside.sh - the part of `make bench` that runs in the test machine (busybox
# sh, cwd /hvm, hvm.ko inserted by /init). bench.sh puts it, kvmrun,
# benchtime and the payloads into /hvm/bench and parses what it prints:
#
#   BENCH-META KEY VALUE...
#   BENCH-SHA PAYLOAD HVM_SHA256 KVM_SHA256       bytes hvctl loads / kvmrun loads
#   BENCH-RUN NAME SIDE ROUND ITERS NS           one run of a loop payload
#                                   (SIDE kvm4k: KVM, guest RAM without THP;
#                                    SIDE hvm2m: hvm with huge_pages=Y)
#   BENCH-ONE NAME SIDE ROUND NS                 one single operation
#   BENCH-MANY ROUND VMS NS MEMFREE_BEFORE_KB MEMFREE_AFTER_KB
#   BENCH-LINUX SIDE ROUND BOOT_NS IDLE_WALL_NS IDLE_CPU_NS IDLE_VCPU_NS
#                 the Linux guest: launch to its shell prompt, then host CPU
#                 time while it idles there (SIDE hvm: hvctl run; kvm: QEMU)
#   BENCH-DONE  |  BENCH-FAIL WHAT
#
# Usage: inside.sh ROUNDS N1 N2 T1 T2 REPS MANY [LINUX IDLE_S SETTLE_S]
#   loop payloads NAME-N1.bin / NAME-N2.bin (touch-T1 / touch-T2), ROUNDS
#   rounds; single operations REPS times per round; MANY VMs at once; SIDE
#   is hvm or kvm, and each round runs the two sides in turn, the first side
#   alternating. LINUX 1 adds the Linux guest (default 0): IDLE_S (10)
#   seconds of it idling are measured, from SETTLE_S (2) after its prompt.

rounds=$1 n1=$2 n2=$3 t1=$4 t2=$5 reps=$6 many=$7 linux=${8:-0} idle=${9:-10} settle=${10:-2}
dir=/hvm/bench
pl=$dir/payloads
err=/tmp/bench.err
export PATH=$dir:$PATH

fail() {
	echo "BENCH-FAIL $*"
	[ -s "$err" ] && sed 's/^/  /' "$err" | tail -n 5
	exit 1
}

# KVM beside hvm: both modules stay loaded and take turns, since each holds
# AMD-V/VT-x only while it has VMs. 6.12's kvm would switch it on at load.
load_kvm() {
	insmod /hvm/kvm/irqbypass.ko 2>/dev/null
	if grep -q enable_virt_at_load /hvm/kvm/kvm.ko && [ ! -d /sys/module/kvm ]; then
		insmod /hvm/kvm/kvm.ko enable_virt_at_load=0 >$err 2>&1 ||
			fail "insmod kvm enable_virt_at_load=0"
	fi
	kvm-mod load auto >$err 2>&1 || fail "kvm-mod load"
	[ -c /dev/kvm ] || fail "no /dev/kvm after loading KVM"
}

hvm_run() {	# FILE MEMORY
	benchtime hvctl run "$1" --format raw --mode protected --memory "$2" --timeout 600
}
kvm_run() {	# FILE MEMORY
	benchtime kvmrun --memory "$2" "$1"
}
# hvm with huge_pages=Y (2 MiB blocks, like KVM's THP); back to N after
hvm2m_run() {	# FILE MEMORY
	local p=/sys/module/hvm/parameters/huge_pages r
	echo Y >$p || return 1
	hvm_run "$@"
	r=$?
	echo N >$p
	return $r
}
# KVM with 4 KiB pages like hvm's (THP off for its guest RAM)
kvm4k_run() {	# FILE MEMORY
	benchtime kvmrun --no-thp --memory "$2" "$1"
}

# one timed run: NAME SIDE ROUND ITERS FILE MEMORY
one_run() {
	local ns
	ns=$("$2"_run "$5" "$6" 2>$err) || fail "$1 $2 round $3: $5"
	echo "BENCH-RUN $1 $2 $3 $4 $ns"
}

# single operations: NAME SIDE ROUND COMMAND...
one_op() {
	local name=$1 side=$2 round=$3 i ns
	shift 3
	i=0
	while [ $i -lt "$reps" ]; do
		ns=$(benchtime "$@" 2>$err) || fail "$name $side round $round: $*"
		echo "BENCH-ONE $name $side $round $ns"
		i=$((i + 1))
	done
}

side_loops() {	# SIDE ROUND
	local b
	for b in cpuid hypercall ioport uart; do
		one_run $b "$1" "$2" "$n1" "$pl/$b-$n1.bin" 16M
		one_run $b "$1" "$2" "$n2" "$pl/$b-$n2.bin" 16M
	done
	one_run touch "$1" "$2" "$t1" "$pl/touch-$t1.bin" 96M
	one_run touch "$1" "$2" "$t2" "$pl/touch-$t2.bin" 96M
	if [ "$1" = hvm ]; then
		one_run touch hvm2m "$2" "$t1" "$pl/touch-$t1.bin" 96M
		one_run touch hvm2m "$2" "$t2" "$pl/touch-$t2.bin" 96M
	fi
	if [ "$1" = kvm ]; then
		one_run touch kvm4k "$2" "$t1" "$pl/touch-$t1.bin" 96M
		one_run touch kvm4k "$2" "$t2" "$pl/touch-$t2.bin" 96M
	fi
}

side_ops() {	# SIDE ROUND
	if [ "$1" = hvm ]; then
		one_op start hvm "$2" hvctl run "$pl/start.bin" --format raw --mode protected \
			--memory 16M --timeout 60
		one_op create16m hvm "$2" hvctl create bench-cd --memory 16M :: hvctl destroy bench-cd
		one_op create4g hvm "$2" hvctl create bench-cd --memory 4G :: hvctl destroy bench-cd
	else
		one_op start kvm "$2" kvmrun --memory 16M "$pl/start.bin"
		one_op create16m kvm "$2" kvmrun --create-only --memory 16M
		one_op create4g kvm "$2" kvmrun --create-only --memory 4G
	fi
}

# The Linux guest of selftests/linux_boot.c: the machine's own kernel and
# mkguestinitrd.sh's initramfs (prompt "hvm-linux# "), its command line and
# 256 MiB, one vCPU; on the KVM side Debian's QEMU (bench.sh adds it to the
# machine), lean: no default devices (network card, VGA, their option ROMs),
# display or user config, so what it costs is the VMM's own. vCPU threads: hvm's kernel threads
# "hvm-run-PID/N" (kmod/vcpu.c), QEMU's "CPU N/KVM" (debug-threads=on).
lx_kernel=/hvm/linux/vmlinuz
lx_initrd=/hvm/linux/initrd.gz
lx_cmdline="console=ttyS0 panic=-1 quiet"
lx_fail() {	# SIDE ROUND
	echo "  the guest's console (end):"
	tail -n 20 "/tmp/linux-$1.log" | sed 's/^/  | /'
	fail "linux $1 round $2"
}
linux_side() {	# SIDE ROUND
	local r
	if [ "$1" = hvm ]; then
		r=$(linuxrun -s "$settle" -i "$idle" -k 'hvm-run-%d/' -l /tmp/linux-hvm.log \
			'hvm-linux# ' hvctl run "$lx_kernel" --initrd "$lx_initrd" \
			--cmdline "$lx_cmdline" --memory 256M --attach 2>$err) ||
			lx_fail hvm "$2"
	else
		r=$(linuxrun -s "$settle" -i "$idle" -v 'CPU ' -l /tmp/linux-kvm.log \
			'hvm-linux# ' qemu-system-x86_64 -accel kvm -cpu host -m 256 -smp 1 \
			-nodefaults -no-user-config -display none -no-reboot -serial stdio \
			-name bench,debug-threads=on -kernel "$lx_kernel" -initrd "$lx_initrd" \
			-append "$lx_cmdline" 2>$err) || lx_fail kvm "$2"
	fi
	echo "BENCH-LINUX $1 $2 $r"
}

memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB$/\1/p' /proc/meminfo; }

# MemFree once memory freed by what ran before (deferred frees, caches)
# stopped coming back: two readings a second apart within 256 KiB, or 10 s
memfree_settled() {
	local a b i=0
	sync
	echo 3 >/proc/sys/vm/drop_caches
	b=$(memfree)
	while [ $i -lt 10 ]; do
		sleep 1
		a=$b
		b=$(memfree)
		[ $((b - a)) -lt 256 ] && [ $((a - b)) -lt 256 ] && break
		i=$((i + 1))
	done
	echo "$b"
}

# $many VMs created and started (each prints a line and exits), timed until
# the last one stopped; host memory while they all exist
many_vms() {	# ROUND
	local i before after ns
	before=$(memfree_settled)
	ns=$(benchtime sh "$dir/many-up.sh" "$many" "$pl/hello.bin" 2>$err) ||
		fail "$many VMs round $1"
	after=$(memfree_settled)
	i=1
	while [ $i -le $many ]; do
		hvctl console "bench-m$i" 2>$err | grep -q '^hello from a benchmark VM$' ||
			fail "VM bench-m$i did not print its line"
		hvctl destroy "bench-m$i" 2>$err || fail "destroy bench-m$i"
		i=$((i + 1))
	done
	echo "BENCH-MANY $1 $many $ns $before $after"
}

load_kvm
echo "BENCH-META kernel $(uname -r)"
echo "BENCH-META backend $HVM_BACKEND"
echo "BENCH-META cpu $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)"
echo "BENCH-META cpus $(nproc)"
echo "BENCH-META memory_kb $(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)"
echo "BENCH-META thp $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
echo "BENCH-META params rounds=$rounds n1=$n1 n2=$n2 t1=$t1 t2=$t2 reps=$reps many=$many linux=$linux idle=$idle settle=$settle"
if [ "$linux" = 1 ]; then
	v=$(qemu-system-x86_64 --version 2>$err | head -n1) || fail "qemu-system-x86_64 does not run"
	echo "BENCH-META qemu $v"
fi

for f in "$pl"/*.bin; do
	h=$(sha256sum "$f" | cut -d' ' -f1)
	k=$(kvmrun --sha256-only "$f" | sed -n 's/^sha256 //p')
	echo "BENCH-SHA $(basename "$f") $h $k"
done

r=1
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) = 1 ]; then order="hvm kvm"; else order="kvm hvm"; fi
	for s in $order; do
		side_loops "$s" "$r"
	done
	for s in $order; do
		side_ops "$s" "$r"
	done
	if [ "$linux" = 1 ]; then
		for s in $order; do
			linux_side "$s" "$r"
		done
	fi
	many_vms "$r"
	r=$((r + 1))
done
echo "BENCH-DONE"
