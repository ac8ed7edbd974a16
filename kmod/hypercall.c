// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls (VMCALL on Intel, VMMCALL on AMD): the number in RAX, the
 * result back in RAX. 0 returns the interface version; anything else is
 * unknown and returns -ENOSYS, as the SPEC promises.
 */
#include <linux/errno.h>

#include "hvm.h"

u64 hvm_hypercall(struct hvm_vcpu *vcpu, u64 nr)
{
	switch (nr) {
	case 0:
		return HVM_HYPERCALL_VERSION;
	default:
		return (u64)-ENOSYS;
	}
}
