// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: the nested page table entry format.
 *
 * NPT entries are ordinary x86-64 page table entries; the walker that
 * builds them is the core's (kmod/mmu.c). Leaves carry no PAT/PCD/PWT
 * bits, so guest RAM is write-back combined with the guest's own PAT, and
 * no NX bit, so it is executable. A 2 MiB leaf is a PDE with PS set
 * (APM vol. 2 15.25.2: nested paging uses the host's paging modes, and
 * long mode always has 2 MiB pages).
 */
#include <asm/pgtable_types.h>

#include "svm.h"

const struct hvm_npt_format svm_npt_format = {
	.table	= _PAGE_PRESENT | _PAGE_RW | _PAGE_USER,
	.leaf	= _PAGE_PRESENT | _PAGE_RW | _PAGE_USER,
	.huge	= _PAGE_PSE,
};
