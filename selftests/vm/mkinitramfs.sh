#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build the busybox initramfs of the emulated test machine.
#
# Usage:
#   mkinitramfs.sh --kernel SERIES --out FILE.cpio.gz
#                  [--hvm-ko FILE] [--hvctl FILE] [--selftests DIR] [--partial]
#       Base image: busybox, /init, hvm.ko, the KVM modules of that kernel,
#       the kernel itself and a guest initramfs in /hvm/linux/ (a Linux guest),
#       hvctl, and the selftests DIR lists (make -s -C DIR list-tests/list-files).
#       --partial: leave out listed files that were not built (with a warning).
#
#   mkinitramfs.sh --overlay --out FILE.cpio.gz [--cmd 'shell command'] [--file SRC:DST]...
#       A small archive to append to a base image (the kernel unpacks
#       concatenated archives in order, later files win): --cmd becomes /hvm/cmd,
#       --file copies SRC to DST inside the image.
#
# The machine's behaviour (what /init does) is described in README.md.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
HVM_CACHE=${HVM_CACHE:-/var/cache/hvm}

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

series="" out="" hvm_ko="" hvctl="" selftests="" overlay=0 cmd="" have_cmd=0 partial=0
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) series=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--hvm-ko) hvm_ko=$2; shift 2 ;;
	--hvctl) hvctl=$2; shift 2 ;;
	--selftests) selftests=$2; shift 2 ;;
	--overlay) overlay=1; shift ;;
	--partial) partial=1; shift ;;
	--cmd) cmd=$2; have_cmd=1; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	*) die "unknown argument: $1" ;;
	esac
done
[ -n "$out" ] || die "--out is required"

stage=$(mktemp -d "${TMPDIR:-/tmp}/hvm-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

pack() {
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	 cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
	mv -f "$out.tmp" "$out"
}

add_files() {
	local f src dst
	for f in "${files[@]}"; do
		src=${f%%:*}
		dst=${f#*:}
		[ -f "$src" ] || die "no such file: $src"
		mkdir -p "$stage/$(dirname "$dst")"
		cp -L "$src" "$stage/$dst"
	done
}

if [ "$overlay" = 1 ]; then
	mkdir -p "$stage/hvm"
	if [ "$have_cmd" = 1 ]; then
		printf '%s\n' "$cmd" >"$stage/hvm/cmd"
	fi
	add_files
	pack
	exit 0
fi

[ -n "$series" ] || die "--kernel is required"
[ -f "$HVM_CACHE/env" ] || die "$HVM_CACHE/env missing: run selftests/vm/prepare.sh"
# shellcheck disable=SC1091
. "$HVM_CACHE/env"
v=${series//./_}
eval "abi=\${HVM_K_${v}_ABI:-}"
eval "moddir=\${HVM_K_${v}_MODDIR:-}"
[ -n "$abi" ] || die "unknown kernel series '$series' (have: $HVM_KERNELS)"

# copy an executable and, if it is dynamically linked, the libraries it needs
copy_exe() {
	local src=$1 dst=$2 lib
	mkdir -p "$stage/$(dirname "$dst")"
	cp -L "$src" "$stage/$dst"
	chmod 0755 "$stage/$dst"
	# ldd fails on a static executable
	if ldd "$src" >/dev/null 2>&1; then
		for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
			[ -e "$stage/$lib" ] && continue
			mkdir -p "$stage/$(dirname "$lib")"
			cp -L "$lib" "$stage/$lib"
		done
	fi
}

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,home/user,hvm/kvm,lib/modules}
chmod 1777 "$stage/tmp"
# the kernel opens /dev/console for init before anything is mounted
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
cp /bin/busybox "$stage/bin/busybox"
# applet links now (so the image also works for a plain `init=/bin/sh`)
/bin/busybox --list-full | while read -r a; do
	[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
done

cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:unprivileged test user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 "$stage/home/user" 2>/dev/null || true
echo hvm-test >"$stage/etc/hostname"
echo "$abi" >"$stage/hvm/kernel"
echo "$series" >"$stage/hvm/series"

# KVM modules of this kernel, and a helper that loads/unloads them in order
cp "$moddir"/*.ko "$moddir/deps" "$stage/hvm/kvm/"
install -m 0755 "$here/kvm-mod.sh" "$stage/hvm/kvm/kvm-mod"
ln -s /hvm/kvm/kvm-mod "$stage/usr/bin/kvm-mod"

# A Linux guest for hvm (selftests/linux_boot.c, make demo): this very
# kernel and a tiny busybox initramfs (mkguestinitrd.sh).
eval "vmlinuz=\${HVM_K_${v}_VMLINUZ:-}"
[ -f "$vmlinuz" ] || die "no vmlinuz for kernel series '$series'"
mkdir -p "$stage/hvm/linux"
cp "$vmlinuz" "$stage/hvm/linux/vmlinuz"
"$here/mkguestinitrd.sh" "$stage/hvm/linux/initrd.gz"

if [ -n "$hvm_ko" ]; then
	[ -f "$hvm_ko" ] || die "no such module: $hvm_ko"
	cp "$hvm_ko" "$stage/hvm/hvm.ko"
fi

if [ -n "$hvctl" ]; then
	[ -f "$hvctl" ] || die "no such program: $hvctl"
	copy_exe "$hvctl" /usr/bin/hvctl
	mkdir -p "$stage/hvm/ctl"
	ln -s /usr/bin/hvctl "$stage/hvm/ctl/hvctl"
fi

: >"$stage/hvm/tests.list"
if [ -n "$selftests" ]; then
	[ -d "$selftests" ] || die "no such directory: $selftests"
	# test binaries, in run order; then extra files (guest payloads ...)
	tests=$(make -s --no-print-directory -C "$selftests" list-tests 2>/dev/null) ||
		die "make -C $selftests list-tests failed"
	for t in $tests; do
		case $t in /*) src=$t; rel=$(basename "$t") ;; *) src=$selftests/$t; rel=$t ;; esac
		if [ ! -f "$src" ]; then
			[ "$partial" = 1 ] || die "selftest $t listed but not built ($src)"
			echo "mkinitramfs: warning: $t not built, left out" >&2
			continue
		fi
		copy_exe "$src" "/hvm/$rel"
		echo "$rel" >>"$stage/hvm/tests.list"
	done
	if extra=$(make -s --no-print-directory -C "$selftests" list-files 2>/dev/null); then
		for f in $extra; do
			case $f in /*) src=$f; rel=$(basename "$f") ;; *) src=$selftests/$f; rel=$f ;; esac
			if [ ! -e "$src" ]; then
				[ "$partial" = 1 ] || die "selftest file $f listed but missing ($src)"
				echo "mkinitramfs: warning: $f not built, left out" >&2
				continue
			fi
			mkdir -p "$stage/hvm/$(dirname "$rel")"
			cp -L "$src" "$stage/hvm/$rel"
		done
	fi
fi

install -m 0755 "$here/init.sh" "$stage/init"
install -m 0755 "$here/run-suite.sh" "$stage/hvm/run-suite"

add_files
pack
