#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - `make bench`: hvm against the same kernel's KVM, side by side in
# the emulated AMD-V machine (QEMU TCG -cpu EPYC, selftests/vm/run.sh) and,
# with BENCH_VT=1, the Bochs VT-x machine (selftests/vm/bochs.sh). Both run
# the same payload bytes (bench/payloads), hvm through `hvctl run`, KVM
# through bench/kvmrun, in turns, BENCH_ROUNDS rounds. Prints the table and
# writes build/bench/bench.json and build/bench/bench.png.
#
# Environment:
#   BENCH_KERNEL=6.12        kernel of the QEMU machine (6.1 or 6.12)
#   BENCH_ROUNDS=5           rounds (each: every benchmark on both sides)
#   BENCH_N1=20000 BENCH_N2=100000   loop iterations (setup cost cancels)
#   BENCH_T1=4096 BENCH_T2=16384     first-touch pages (16 MiB / 64 MiB)
#   BENCH_REPS=3             repetitions of single operations per round
#   BENCH_MANY=64            VMs at once in the many-VMs benchmark
#   BENCH_LINUX=1            the Linux guest rows (QEMU machine only): hvctl
#                            run to the shell prompt against Debian's QEMU
#                            with KVM in the machine, then host CPU while idle
#   BENCH_IDLE=10            seconds of the idle Linux guest measured a round,
#   BENCH_SETTLE=2           starting this many seconds after its prompt
#   BENCH_VT=1               also the Bochs VT-x machine (6.1, smaller counts:
#                            BENCH_VT_N1=10000 BENCH_VT_N2=50000,
#                            BENCH_VT_T1=1024 BENCH_VT_T2=4096)
#   BENCH_QEMU=0             leave the QEMU machine out (with BENCH_VT=1)
#   BENCH_TIMEOUT=1800       per machine, seconds
# Exit status: 0 when every benchmark ran (targets missed or not), else 1.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
vm=$root/selftests/vm
out=$root/build/bench
kernel=${BENCH_KERNEL:-6.12}
rounds=${BENCH_ROUNDS:-5}
n1=${BENCH_N1:-20000} n2=${BENCH_N2:-100000}
reps=${BENCH_REPS:-3}
timeout=${BENCH_TIMEOUT:-1800}
# first touch: 16 MiB and 64 MiB worth of pages (the VM has 96 MiB)
t1=${BENCH_T1:-4096} t2=${BENCH_T2:-16384}
many=${BENCH_MANY:-64}
linux=${BENCH_LINUX:-1} idle=${BENCH_IDLE:-10} settle=${BENCH_SETTLE:-2}

die() { echo "bench: error: $*" >&2; exit 1; }
info() { echo "bench: $*" >&2; }

[ "$rounds" -ge 1 ] && [ "$n2" -gt "$n1" ] && [ "$n1" -ge 1 ] &&
	[ "$t2" -gt "$t1" ] && [ "$t1" -ge 1 ] && [ "$t2" -le 16384 ] && [ "$many" -ge 1 ] ||
	die "need BENCH_ROUNDS >= 1, BENCH_N2 > BENCH_N1 >= 1, 16384 >= BENCH_T2 > BENCH_T1 >= 1"
case $linux:$idle:$settle in
[01]:[1-9]*:[0-9]*) ;;
*) die "need BENCH_LINUX 0 or 1, BENCH_IDLE >= 1 and BENCH_SETTLE >= 0 (whole seconds)" ;;
esac
[ "$rounds" -ge 5 ] || info "BENCH_ROUNDS=$rounds: fewer than 5 rounds, a smoke run"

# host tools: the emulated machines' (prepare.sh), gnuplot and python3 for the report
mkdir -p "$out"
"$vm/prepare.sh"
export HVM_SKIP_PREPARE=1
need=()
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	info "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >"$out/apt.log" 2>&1 || {
		apt-get update -qq >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${need[@]}" >"$out/apt.log" 2>&1
	} || { tail -n 20 "$out/apt.log" >&2; die "apt-get install ${need[*]} failed"; }
fi

start=$(date +%s)

# build a payload set and the two tools for one machine (O=DIR), check
# them on the host, and turn them into --file arguments for run.sh/bochs.sh
files=()
build_set() {	# DIR N1 N2 T1 T2
	local f
	make -s -C "$here" O="$1" N1="$2" N2="$3" T1="$4" T2="$5" test >&2 ||
		die "bench build or host check failed"
	files=(--file "$1/kvmrun:/hvm/bench/kvmrun" --file "$1/benchtime:/hvm/bench/benchtime"
	       --file "$1/linuxrun:/hvm/bench/linuxrun"
	       --file "$here/inside.sh:/hvm/bench/inside.sh"
	       --file "$here/many-up.sh:/hvm/bench/many-up.sh")
	for f in $(make -s -C "$here" O="$1" N1="$2" N2="$3" T1="$4" T2="$5" list); do
		files+=(--file "$f:/hvm/bench/payloads/$(basename "$f")")
	done
}

# Debian's QEMU for the KVM side of the Linux rows, in the QEMU machine only
# (make check's machine stays as it is): the binary, the libraries ldd
# names, and the firmware a -kernel boot of the pc machine reads with no
# default devices (SeaBIOS, the linuxboot_dma and kvmvapic option ROMs),
# where the binary looks for them (its ../share/qemu and ../share/seabios)
qemu_files() {
	local q lib f
	q=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64 on the host"
	q=$(readlink -f "$q")
	files+=(--file "$q:/usr/bin/qemu-system-x86_64")
	for lib in $(ldd "$q" | grep -o '/[^ ]*'); do
		files+=(--file "$lib:$lib")
	done
	for f in qemu/kvmvapic.bin qemu/linuxboot_dma.bin seabios/bios-256k.bin; do
		[ -e "$(dirname "$q")/../share/$f" ] || die "no $(dirname "$q")/../share/$f"
		files+=(--file "$(dirname "$q")/../share/$f:/usr/share/$f")
	done
}

# what of the machine's console to show while it runs (the full log is kept)
show='^(BENCH-FAIL|  |(run|bochs)\.sh: |### hvm: (boot|cmd))'
logs=()
fail=0
if [ "${BENCH_QEMU:-1}" = 1 ]; then
	build_set "$out/qemu" "$n1" "$n2" "$t1" "$t2"
	[ "$linux" = 0 ] || qemu_files
	log=$out/console-qemu-$kernel.txt
	info "QEMU AMD-V machine, kernel $kernel, $rounds rounds, N $n1/$n2 (log: ${log#"$root"/})"
	set +e
	"$vm/run.sh" --kernel "$kernel" --timeout "$timeout" "${files[@]}" \
		--cmd "sh bench/inside.sh $rounds $n1 $n2 $t1 $t2 $reps $many $linux $idle $settle" 2>&1 |
		tee "$log" | grep --line-buffered -E "$show" >&2
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || { info "QEMU machine: the run failed (status $rc)"; fail=1; }
	logs+=("qemu-$kernel=$log")
fi
if [ "${BENCH_VT:-0}" = 1 ]; then
	vn1=${BENCH_VT_N1:-10000} vn2=${BENCH_VT_N2:-50000}
	vt1=${BENCH_VT_T1:-1024} vt2=${BENCH_VT_T2:-4096}
	build_set "$out/bochs" "$vn1" "$vn2" "$vt1" "$vt2"
	log=$out/console-bochs-6.1.txt
	info "Bochs VT-x machine, kernel 6.1, $rounds rounds, N $vn1/$vn2 (log: ${log#"$root"/})"
	set +e
	"$vm/bochs.sh" --timeout "$timeout" "${files[@]}" \
		--cmd "sh bench/inside.sh $rounds $vn1 $vn2 $vt1 $vt2 $reps $many" 2>&1 |
		tee "$log" | grep --line-buffered -E "$show" >&2
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || { info "Bochs machine: the run failed (status $rc)"; fail=1; }
	logs+=("bochs-6.1=$log")
fi
[ ${#logs[@]} -gt 0 ] || die "no machine selected (BENCH_QEMU=0 without BENCH_VT=1)"

python3 "$here/report.py" --out "$out" "${logs[@]}" || fail=1
info "took $(($(date +%s) - start)) s"
exit "$fail"
