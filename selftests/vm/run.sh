#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - build hvm for a Debian kernel, boot it in QEMU (TCG, -cpu EPYC:
# AMD-V with nested paging) and run the selftest suite or a shell command.
#
# Usage: selftests/vm/run.sh [options]
#   --kernel 6.1|6.12   kernel series to boot (default 6.1)
#   --cmd 'COMMAND'     run COMMAND (busybox sh, cwd /hvm, after insmod hvm.ko)
#                       instead of the suite; run.sh exits with its status
#   --timeout S         kill the machine after S seconds (default 900 for the
#                       suite, 300 for --cmd); a timeout is a failure
#   --smp N             vCPUs (default 2)      --memory MB   RAM (default 1024)
#   --append 'ARGS'     extra kernel command line
#   --file SRC:DST      also put SRC at DST in the machine (repeatable)
#   --noload            with --cmd: don't insmod hvm.ko first
#   --no-module         don't build or include hvm.ko at all
#   --shell             interactive shell on the console (Ctrl-A x quits QEMU)
#   --verbose           stream the console while the suite runs
#   --no-total          suite mode: don't print the final total line (make check)
# Outputs go to build/vm-SERIES/ (serial.log, initramfs, module build, ...).
# Environment: HVM_CACHE (default /var/cache/hvm), HVM_SKIP_PREPARE=1 (don't
# run prepare.sh when its env file exists), HVM_COUNTS=FILE (suite mode: write
# "PASSED FAILED SKIPPED" there too).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HVM_CACHE=${HVM_CACHE:-/var/cache/hvm}
export HVM_CACHE

series=6.1 cmd="" have_cmd=0 timeout="" smp=2 mem=1024 append="" noload=0
nomodule=0 shell=0 verbose=0 total=1
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) series=$2; shift 2 ;;
	--cmd) cmd=$2; have_cmd=1; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--memory) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--noload) noload=1; shift ;;
	--no-module) nomodule=1; shift ;;
	--shell) shell=1; shift ;;
	--verbose) verbose=1; shift ;;
	--no-total) total=0; shift ;;
	-h | --help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
if [ -z "$timeout" ]; then
	if [ "$have_cmd" = 1 ]; then timeout=300; else timeout=900; fi
fi

die() { echo "run.sh: error: $*" >&2; exit 1; }
info() { echo "run.sh: $*" >&2; }

if [ "${HVM_SKIP_PREPARE:-0}" != 1 ] || [ ! -f "$HVM_CACHE/env" ]; then
	"$here/prepare.sh"
fi
# shellcheck disable=SC1091
. "$HVM_CACHE/env"
v=${series//./_}
eval "abi=\${HVM_K_${v}_ABI:-}"
eval "kdir=\${HVM_K_${v}_KDIR:-}"
eval "vmlinuz=\${HVM_K_${v}_VMLINUZ:-}"
[ -n "$abi" ] || die "unknown kernel series '$series' (have: $HVM_KERNELS)"

# one run at a time per output directory: engineers share the tree, so a
# second concurrent run for the same kernel gets a directory of its own
out=$root/build/vm-$series
mkdir -p "$out"
find "$root/build" -maxdepth 1 -name "vm-*.??????" -mtime +1 -exec rm -rf {} + 2>/dev/null || true
exec 7>"$out/.lock"
if ! flock -n 7; then
	out=$(mktemp -d "$root/build/vm-$series.XXXXXX")
	exec 7>"$out/.lock"
	flock 7
	# keep its logs, drop the big files
	trap 'rm -f "$out"/*.gz "$out/hvm.ko"' EXIT
fi

# ---------------------------------------------------------------------------
# Build. The tree is copied (only changed files) into build/ so builds for
# several kernels, and static user space, can run beside the developer's own
# in-tree build without touching it.
# ---------------------------------------------------------------------------
# shellcheck source=lib.sh
. "$here/lib.sh"

# hvm.ko for this kernel, built in build/mod-ABI, copied to $out/hvm.ko
build_module() {
	local dir=$root/build/mod-$abi blog=$out/module-build.log
	[ -f "$root/Kbuild" ] || die "no Kbuild in $root"
	mkdir -p "$dir"
	(
		flock 8
		sync_tree "$dir"
		info "building hvm.ko for $abi"
		if ! make -C "$kdir" M="$dir" W=1 modules >"$blog" 2>&1; then
			cat "$blog" >&2
			die "module build for $abi failed"
		fi
		cp "$dir/hvm.ko" "$out/hvm.ko"
	) 8>"$root/build/mod-$abi.lock"
	# the compiler's "warning:" and modpost's "WARNING:"
	if grep -qi 'warning:' "$blog"; then
		grep -i -B2 -A4 'warning:' "$blog" >&2
		if [ "$have_cmd" = 0 ]; then
			die "module build for $abi has warnings (W=1 must be clean)"
		fi
		info "module build has warnings (fatal in suite mode)"
	fi
	hvm_ko=$out/hvm.ko
}

# static hvctl and the selftests in build/user, then the base initramfs (under
# the same lock: it reads build/user)
build_user_and_initramfs() {
	local dir=$root/build/user blog=$out/user-build.log hvctl_bin="" selftests_dir=""
	mkdir -p "$dir"
	(
		flock 8
		sync_tree "$dir"
		: >"$blog"
		# a broken user-space build fails the suite; a command still runs
		# with whatever did build (make -k), after a warning
		partial=()
		user_failed() {
			if [ "$have_cmd" = 0 ]; then
				cat "$blog" >&2
				die "$1 build failed (log: ${blog#"$root"/})"
			fi
			grep -E 'error|Error|No rule' "$blog" | tail -n 5 >&2
			info "WARNING: $1 build failed, the machine gets what did build (log: ${blog#"$root"/})"
			partial=(--partial)
		}
		if [ -f "$dir/ctl/Makefile" ]; then
			info "building static hvctl"
			make -k -C "$dir/ctl" STATIC=1 >>"$blog" 2>&1 || user_failed hvctl
		else
			info "ctl/Makefile missing: no hvctl in the machine"
		fi
		if [ -f "$dir/selftests/Makefile" ]; then
			info "building selftests"
			make -k -C "$dir/selftests" STATIC=1 KSFT_DIR="$HVM_KSFT_DIR" \
				>>"$blog" 2>&1 || user_failed selftests
		else
			info "selftests/Makefile missing: empty suite"
		fi
		[ -f "$dir/ctl/hvctl" ] && hvctl_bin=$dir/ctl/hvctl
		[ -f "$dir/selftests/Makefile" ] && selftests_dir=$dir/selftests
		"$here/mkinitramfs.sh" --kernel "$series" --out "$base" "${partial[@]}" \
			${hvm_ko:+--hvm-ko "$hvm_ko"} ${hvctl_bin:+--hvctl "$hvctl_bin"} \
			${selftests_dir:+--selftests "$selftests_dir"}
	) 8>"$root/build/user.lock"
}

# ---------------------------------------------------------------------------
# initramfs: the base image, plus a small overlay for this run's command
# ---------------------------------------------------------------------------
base=$out/initramfs.cpio.gz
hvm_ko=""
[ "$nomodule" = 1 ] || build_module
build_user_and_initramfs
initrd=$base
if [ "$have_cmd" = 1 ] || [ ${#files[@]} -gt 0 ]; then
	ov_args=(--overlay --out "$out/overlay.cpio.gz")
	[ "$have_cmd" = 1 ] && ov_args+=(--cmd "$cmd")
	for f in "${files[@]+"${files[@]}"}"; do ov_args+=(--file "$f"); done
	"$here/mkinitramfs.sh" "${ov_args[@]}"
	cat "$base" "$out/overlay.cpio.gz" >"$out/initrd.gz"
	initrd=$out/initrd.gz
fi
# the suite list of this image, for the summary
gzip -dc "$base" | (cd "$out" && cpio -i --quiet --to-stdout hvm/tests.list) \
	>"$out/tests.list" 2>/dev/null || : >"$out/tests.list"

# ---------------------------------------------------------------------------
# Boot
# ---------------------------------------------------------------------------
kappend="console=ttyS0 quiet panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1"
kappend+=" init_on_alloc=0"
# slab consistency checks, red zones, poisoning, user tracking: a corrupted
# or double-freed object is reported ("BUG kmalloc-64 (...): ..." and taint
# B, both fail the run). Measured on nl_fuzz, wrong_state, perm, chardev,
# vm_lifecycle and guest_boot (6.12): 33 s -> 64 s of test time (the
# allocation-heavy nl_fuzz 27 s -> 55 s), 40 s -> 72 s of machine time.
kappend+=" slub_debug=FZPU"
[ "$noload" = 1 ] && kappend+=" hvmtest.noload"
[ "$shell" = 1 ] && kappend+=" hvmtest.shell"
[ -n "$append" ] && kappend+=" $append"

qemu=(qemu-system-x86_64 -accel tcg -cpu EPYC -m "$mem" -smp "$smp"
      -nographic -no-reboot -kernel "$vmlinuz" -initrd "$initrd"
      -append "$kappend")

if [ "$shell" = 1 ]; then
	exec "${qemu[@]}"
fi

log=$out/serial.log
info "booting $abi (-smp $smp, timeout ${timeout}s), log: ${log#"$root"/}"
start=$(date +%s)
set +e
if [ "$have_cmd" = 1 ] || [ "$verbose" = 1 ]; then
	# stream from /init on (the firmware's screen output is noise)
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>"$out/qemu.err" | tee "$log" |
		sed -u -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' | sed -u -n '/### hvm: boot/,$p'
	qrc=${PIPESTATUS[0]}
else
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>"$out/qemu.err" >"$log"
	qrc=$?
fi
set -e
elapsed=$(($(date +%s) - start))
info "machine ran ${elapsed}s"
echo "$elapsed" >"$out/elapsed"

problems=()
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	problems+=("timeout: the machine was killed after ${timeout}s")
elif [ "$qrc" != 0 ]; then
	problems+=("qemu exited with status $qrc: $(grep -v 'host doesn.t support requested feature' "$out/qemu.err" | tail -n 3 | tr '\n' ' ')")
fi
# the serial log without CRs and terminal escapes (SeaBIOS clears the screen)
sed -e 's/\r//g' -e 's/\x1b[^a-zA-Z]*[a-zA-Z]//g' "$log" >"$out/console.txt"
clean() { cat "$out/console.txt"; }
# crash reports: BUG/WARNING/Oops, lockups, list and slab corruption
# (slub_debug: "BUG kmalloc-64 (Not tainted): Redzone overwritten")
bad='BUG:|BUG [^ :]+ \(|WARNING:|Oops|soft lockup|hard LOCKUP|general protection|Kernel panic|UBSAN:'
bad+='|blocked for more than|rcu.*stall|list_[a-z_]+ corruption|list_add double add'
# known harmless lines that match: the emulated EPYC has no SRSO microcode
benign='Speculative Return Stack Overflow: WARNING: See'
hits=$(clean | grep -E "$bad" | grep -Ev "$benign" | head -n 4 | sed 's/^\[ *[0-9.]*\] //' |
       paste -sd '|' | sed 's/|/ | /g' || true)
[ -z "$hits" ] || problems+=("kernel log: $hits")
reached_init=1
if ! grep -q '### hvm: boot' "$out/console.txt"; then
	problems+=("the machine never reached /init")
	reached_init=0
fi

show_tail() {
	echo "---- last 60 lines of ${log#"$root"/} ----" >&2
	clean | tail -n 60 >&2
	echo "----" >&2
}

if [ "$have_cmd" = 1 ]; then
	rc=$(clean | sed -n 's/^### hvm: cmd end rc=\([0-9]*\)$/\1/p' | tail -n1)
	if [ -z "$rc" ]; then
		problems+=("the command did not finish")
		rc=1
	fi
	# the kernel-log gate of the suite (summarize.sh): hvm warnings the
	# command did not declare, MSR errors, taint
	bl=/dev/null
	[ "$nomodule" = 1 ] || bl=$out/module-build.log
	while IFS= read -r l; do
		problems+=("$l")
	done < <("$here/summarize.sh" --gate-only --log "$log" --build-log "$bl" || true)
	if [ ${#problems[@]} -gt 0 ]; then
		[ "$reached_init" = 1 ] || show_tail
		for p in "${problems[@]}"; do echo "run.sh: FAIL: $p" >&2; done
		[ "$rc" = 0 ] && rc=1
	fi
	exit "$rc"
fi

# suite mode
label=$series
sargs=(--log "$log" --label "$label" --tests "$out/tests.list" --counts "$out/counts")
if [ "$nomodule" = 1 ]; then sargs+=(--build-log /dev/null); else sargs+=(--build-log "$out/module-build.log"); fi
for p in "${problems[@]+"${problems[@]}"}"; do sargs+=(--extra-fail "$p"); done
# the summary shows the log of a binary that did not finish; the plain tail
# only helps when the suite never started
if [ ${#problems[@]} -gt 0 ] && [ "$verbose" = 0 ] &&
   ! grep -q '^### hvm: suite begin' "$out/console.txt"; then
	show_tail
fi
"$here/summarize.sh" "${sargs[@]}"
read -r np nf ns <"$out/counts"
[ -z "${HVM_COUNTS:-}" ] || cp "$out/counts" "$HVM_COUNTS"
if [ "$total" = 1 ]; then
	echo "$np passed, $nf failed, $ns skipped"
fi
[ "$nf" = 0 ]
