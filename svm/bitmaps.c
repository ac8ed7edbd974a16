// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: the I/O and MSR permission maps, one pair shared by
 * every VM (the policy is the same for all of them).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <asm/io.h>
#include <asm/msr-index.h>

#include "svm.h"

/*
 * One IOPM and one MSRPM for every VM: the policy is the same for all of
 * them. They exist while at least one VM does (the ops table has no
 * module-exit hook, so nothing may outlive the last vm_destroy).
 */
static DEFINE_MUTEX(svm_bitmaps_lock);
static unsigned int svm_bitmaps_users;		/* [svm_bitmaps_lock] */
static struct page *svm_iopm, *svm_msrpm;	/* [svm_bitmaps_lock] */
phys_addr_t svm_iopm_pa, svm_msrpm_pa;		/* [c] while users > 0 */

#define SVM_IOPM_ORDER		2	/* 12 KiB used of 16 KiB */
#define SVM_MSRPM_ORDER		1

/*
 * MSRs whose whole state VMLOAD/VMSAVE switch: the guest may access them
 * directly when the core's policy makes them architectural state.
 */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* Bit offset of @msr's read bit in the MSRPM (write bit is +1), or -1. */
static long svm_msrpm_bit(u32 msr)
{
	static const u32 base[] = { 0x00000000, 0xc0000000, 0xc0010000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(base); i++)
		if (msr - base[i] < 0x2000)
			return (long)i * 0x800 * 8 + (msr - base[i]) * 2;
	return -1;
}

static void svm_msrpm_init(unsigned long *msrpm)
{
	unsigned int i;
	long bit;

	memset(msrpm, 0xff, SVM_MSRPM_SIZE);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++) {
		u32 msr = svm_passthrough_msrs[i];

		bit = svm_msrpm_bit(msr);
		if (WARN_ON_ONCE(bit < 0))
			continue;
		if (hvm_msr_policy(msr, false) == HVM_MSR_ARCH)
			__clear_bit(bit, msrpm);
		if (hvm_msr_policy(msr, true) == HVM_MSR_ARCH)
			__clear_bit(bit + 1, msrpm);
	}
}

int svm_bitmaps_get(void)
{
	int ret = 0;

	mutex_lock(&svm_bitmaps_lock);
	if (svm_bitmaps_users++)
		goto out_unlock;

	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	if (!svm_iopm)
		goto err_users;
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_msrpm)
		goto err_free_iopm;

	/* Intercept every port: the core decides what each one does. */
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	svm_msrpm_init(page_address(svm_msrpm));
	svm_iopm_pa = page_to_phys(svm_iopm);
	svm_msrpm_pa = page_to_phys(svm_msrpm);
	goto out_unlock;

err_free_iopm:
	__free_pages(svm_iopm, SVM_IOPM_ORDER);
	svm_iopm = NULL;
err_users:
	svm_bitmaps_users--;
	ret = -ENOMEM;
out_unlock:
	mutex_unlock(&svm_bitmaps_lock);
	return ret;
}

void svm_bitmaps_put(void)
{
	mutex_lock(&svm_bitmaps_lock);
	if (!WARN_ON_ONCE(!svm_bitmaps_users) && !--svm_bitmaps_users) {
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
		svm_msrpm = NULL;
		svm_iopm = NULL;
		svm_iopm_pa = 0;
		svm_msrpm_pa = 0;
	}
	mutex_unlock(&svm_bitmaps_lock);
}

