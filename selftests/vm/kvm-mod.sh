#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kvm-mod: load or unload the KVM modules of the running kernel inside the
# hvm test machine (they live in /hvm/kvm with their dependency list).
#
#   kvm-mod load [amd|intel|auto] [module parameters for kvm_amd/kvm_intel]
#   kvm-mod unload
#   kvm-mod list

dir=/hvm/kvm

loaded() { [ -d "/sys/module/$(echo "$1" | tr - _)" ]; }

load_one() {
	local m=$1 d
	shift
	for d in $(sed -n "s/^$m //p" "$dir/deps"); do
		load_one "$d" || return 1
	done
	loaded "$m" || insmod "$dir/$m.ko" "$@"
}

case ${1:-} in
load)
	vendor=${2:-auto}
	[ $# -ge 2 ] && shift 2 || shift $#
	if [ "$vendor" = auto ]; then
		vendor=amd
		grep -qw vmx /proc/cpuinfo && vendor=intel
	fi
	case $vendor in
	amd | intel) load_one "kvm-$vendor" "$@" ;;
	*) echo "kvm-mod: unknown vendor $vendor" >&2; exit 1 ;;
	esac
	;;
unload)
	rc=0
	for m in kvm_amd kvm_intel kvm ccp irqbypass; do
		if loaded "$m"; then
			rmmod "$m" || rc=1
		fi
	done
	exit $rc
	;;
list)
	ls "$dir"
	;;
*)
	echo "usage: kvm-mod load [amd|intel|auto] [params...] | unload | list" >&2
	exit 2
	;;
esac
