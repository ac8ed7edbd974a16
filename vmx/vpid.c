// SPDX-License-Identifier: GPL-2.0
/*
 * VPID allocation (SDM 29.1 / 28.1 "Virtual Processor Identifiers"): one
 * tag per VM for its guest TLB entries; 0 is the host's. Flushing a
 * VPID's translations is in vmx/ept.c with the EPT flushes.
 */
#include <linux/bitmap.h>
#include <linux/spinlock.h>

#include "vmx.h"

#define VMX_NR_VPIDS	(1U << 16)

static DEFINE_SPINLOCK(vmx_vpid_lock);
static unsigned long vmx_vpid_bitmap[BITS_TO_LONGS(VMX_NR_VPIDS)];	/* [vmx_vpid_lock] */

/**
 * vmx_vpid_alloc() - a free VPID for a new VM
 *
 * Return: the VPID, or 0 when all are taken (the VM then runs untagged:
 * the CPU flushes on every entry and exit).
 */
u16 vmx_vpid_alloc(void)
{
	unsigned long vpid;

	spin_lock(&vmx_vpid_lock);
	/* VPID 0 is the host's. */
	vpid = find_next_zero_bit(vmx_vpid_bitmap, VMX_NR_VPIDS, 1);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

/** vmx_vpid_free() - give back a VPID from vmx_vpid_alloc() (0: none) */
void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}
