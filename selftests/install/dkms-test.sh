#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh - dkms.conf at work: `make dkms-source` into a scratch root,
# then dkms add, build (for every supported kernel's headers), install and
# remove in a scratch DKMS tree (--dkmstree, --sourcetree, --installtree).
# Each built hvm.ko must carry exactly the vermagic of that kernel's own
# kvm.ko (prepare.sh unpacks it; without $HVM_CACHE/env only the release is
# compared) and the version of kmod/hvm.h. The module signing key DKMS
# makes goes to the scratch directory: /var/lib/dkms stays as it was.
# Needs root (dkms refuses otherwise) and dkms (prepare.sh installs it).
# Prints TAP; host.sh runs it (`make check`).

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

if ! command -v dkms >/dev/null; then
	check "dkms is installed" 1 "no dkms: make prepare (selftests/vm/prepare.sh) installs it"
	finish
	exit
fi
mapfile -t kernels < <(hvm_kernels)
check "kernel headers of two series to build against" \
	"$([ ${#kernels[@]} -ge 2 ]; echo $?)" "found: ${kernels[*]}"

version=$(hvm_version)
arch=$(uname -m)
sys_before=$(ls -lR /var/lib/dkms 2>&1)
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
tree=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" --installtree "$tmp/lib")
mkdir -p "$tmp/dkms" "$tmp/lib"

make -s --no-print-directory -C "$root" dkms-source DESTDIR="$tmp/root" >"$tmp/log" 2>&1
check "make dkms-source DESTDIR=" $? "$(tail -n 20 "$tmp/log")"
dkms add -m hvm -v "$version" "${tree[@]}" >"$tmp/log" 2>&1
check "dkms add hvm/$version" $? "$(tail -n 20 "$tmp/log")"
same "$(dkms status "${tree[@]}" 2>/dev/null)" "hvm/$version: added" \
	"dkms status: hvm/$version added (the version of kmod/hvm.h)"

status_want=""
last=""
for k in "${kernels[@]}"; do
	read -r series kver kdir moddir <<<"$k"
	suffix=$(module_suffix "$kdir")
	dkms build -m hvm -v "$version" -k "$kver" --kernelsourcedir "$kdir" "${tree[@]}" \
		>"$tmp/log" 2>&1
	rc=$?
	check "$series: dkms build -k $kver" $rc "$(tail -n 20 "$tmp/log")" \
		"$(tail -n 30 "$tmp/dkms/hvm/$version/build/make.log" 2>/dev/null)"
	status_want="$status_want${status_want:+$'\n'}hvm/$version, $kver, $arch: built"
	ko=$tmp/dkms/hvm/$version/$kver/$arch/module/hvm.ko$suffix
	check "$series: built module/hvm.ko$suffix" "$([ -f "$ko" ]; echo $?)" \
		"$(ls "$tmp/dkms/hvm/$version/$kver/$arch/module" 2>&1)"
	if [ "$moddir" != - ] && [ -f "$moddir/kvm.ko" ]; then
		same "$(modinfo -F vermagic "$ko" 2>/dev/null)" "$(modinfo -F vermagic "$moddir/kvm.ko")" \
			"$series: hvm.ko's vermagic is that of the kernel's own kvm.ko"
	else
		same "$(modinfo -F vermagic "$ko" 2>/dev/null | awk '{ print $1 }')" "$kver" \
			"$series: hvm.ko's vermagic names $kver"
	fi
	same "$(modinfo -F version "$ko" 2>/dev/null)" "$version" "$series: hvm.ko's version"
	last=$kver lastko=$ko lastsuffix=$suffix lastkdir=$kdir
done
same "$(dkms status "${tree[@]}" 2>/dev/null)" "$status_want" \
	"dkms status: built for every kernel"

# install for the newest kernel into the scratch module tree, then remove all
if [ -n "$last" ]; then
	mkdir -p "$tmp/lib/$last"
	dkms install -m hvm -v "$version" -k "$last" --kernelsourcedir "$lastkdir" \
		--no-depmod "${tree[@]}" >"$tmp/log" 2>&1
	check "dkms install -k $last" $? "$(tail -n 20 "$tmp/log")"
	inst=$tmp/lib/$last/updates/dkms/hvm.ko$lastsuffix
	cmp -s "$lastko" "$inst"
	check "installed updates/dkms/hvm.ko$lastsuffix is the built module" $?
	dkms remove -m hvm -v "$version" --all --no-depmod "${tree[@]}" >"$tmp/log" 2>&1
	check "dkms remove --all" $? "$(tail -n 20 "$tmp/log")"
	same "$(cd "$tmp/lib" && find . -type f)" "" "dkms remove took the installed module away"
	same "$(dkms status "${tree[@]}" 2>/dev/null)" "" "dkms status: nothing left"
fi
same "$(ls -lR /var/lib/dkms 2>&1)" "$sys_before" "the system's /var/lib/dkms is untouched"

finish
