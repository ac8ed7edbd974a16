# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - what the install tests share (sourced; needs $here): $root, a
# scratch directory $tmp removed on exit, TAP output and the kernels to test
# against.

root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 bad=0

# check NAME CONDITION-STATUS [DIAGNOSTIC...]: one TAP result
check() {
	local name=$1 st=$2
	shift 2
	n=$((n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		bad=$((bad + 1))
		[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/#   /'
	fi
}

# same A B NAME: check that two texts are equal, show the difference if not
same() {
	local d
	d=$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$2"))
	check "$3" $? "got (<) against want (>):" "$d"
}

finish() {
	echo "1..$n"
	[ "$bad" = 0 ]
}

# hvm_kernels: "SERIES RELEASE KDIR MODDIR" per supported kernel, oldest
# first: prepare.sh's $HVM_CACHE/env (MODDIR holds that kernel's kvm.ko),
# else every installed Debian linux-headers-*-amd64 (MODDIR "-")
hvm_kernels() {
	local env=${HVM_CACHE:-/var/cache/hvm}/env k v abi kdir moddir
	if [ -r "$env" ]; then
		(
			# shellcheck source=/dev/null
			. "$env"
			for k in $HVM_KERNELS; do
				v=${k//./_}
				eval "abi=\$HVM_K_${v}_ABI kdir=\$HVM_K_${v}_KDIR moddir=\$HVM_K_${v}_MODDIR"
				echo "$k $abi $kdir $moddir"
			done
		)
		return
	fi
	for kdir in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V); do
		abi=${kdir#/usr/src/linux-headers-}
		echo "$(echo "$abi" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/') $abi $kdir -"
	done
}

# the release a kernel build directory's modules carry in their vermagic
kdir_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h"
}

# the suffix modules_install and DKMS give a module for that kernel
# (6.1: any CONFIG_MODULE_COMPRESS_*; 6.12: only with MODULE_COMPRESS_ALL)
module_suffix() {
	local cfg=$1/.config c
	if grep -q '^# CONFIG_MODULE_COMPRESS_ALL is not set' "$cfg"; then
		return
	fi
	for c in GZIP:.gz XZ:.xz ZSTD:.zst; do
		if grep -q "^CONFIG_MODULE_COMPRESS_${c%:*}=y" "$cfg"; then
			echo "${c#*:}"
			return
		fi
	done
}

hvm_version() {
	sed -n 's/^#define[[:space:]]\{1,\}HVM_MODULE_VERSION[[:space:]]\{1,\}"\([^"]*\)".*/\1/p' \
		"$root/kmod/hvm.h"
}
