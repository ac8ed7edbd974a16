// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-virtual to guest-physical translation, for the few exits that
 * carry a guest linear address (string I/O). Walks the guest's own page
 * tables in guest RAM: no paging, 32-bit (with 4 MiB pages), PAE and 4-level
 * long mode (with 2 MiB / 1 GiB pages). Access rights are not checked: the
 * guest already executed the instruction, the CPU only asks us to finish it.
 */
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hvm.h"

#define PTE_P		(1ULL << 0)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	GENMASK_ULL(51, 12)

static int hvm_read_pte(struct hvm_vcpu *vcpu, u64 gpa, u64 *pte, bool wide)
{
	u32 pte32;
	int r;

	if (wide)
		return hvm_mem_read(vcpu->vm, gpa, pte, 8);
	r = hvm_mem_read(vcpu->vm, gpa, &pte32, 4);
	*pte = pte32;
	return r;
}

/**
 * hvm_gva_to_gpa() - translate @gva with the paging mode in @regs
 * @vcpu: the vCPU (its VM's RAM holds the tables)
 * @regs: CR0, CR3, CR4 and EFER select the paging mode
 * @gva: guest linear address
 * @write: the access writes (not checked, see above)
 * @gpa: the translation
 *
 * Return: 0, or -EFAULT when a table lies outside RAM or an entry is not
 * present.
 */
int hvm_gva_to_gpa(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
		   u64 gva, bool write, u64 *gpa)
{
	u64 table, pte;
	int level, r;

	if (!(regs->cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}

	if (regs->efer & EFER_LMA) {
		table = regs->cr3 & PTE_ADDR;
		for (level = 4; level >= 1; level--) {
			unsigned int idx = (gva >> (12 + 9 * (level - 1))) & 511;

			r = hvm_read_pte(vcpu, table + idx * 8, &pte, true);
			if (r)
				return r;
			if (!(pte & PTE_P))
				return -EFAULT;
			if (level <= 3 && level > 1 && (pte & PTE_PS)) {
				u64 page = 1ULL << (12 + 9 * (level - 1));

				*gpa = (pte & PTE_ADDR & ~(page - 1)) | (gva & (page - 1));
				return 0;
			}
			table = pte & PTE_ADDR;
		}
		*gpa = table | (gva & 0xfff);
		return 0;
	}

	gva = (u32)gva;
	if (regs->cr4 & X86_CR4_PAE) {
		/* Four PDPTEs at CR3 (32-byte aligned), then 2 levels. */
		r = hvm_read_pte(vcpu, (regs->cr3 & ~0x1fULL) + (gva >> 30) * 8, &pte, true);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return -EFAULT;
		table = pte & PTE_ADDR;
		r = hvm_read_pte(vcpu, table + ((gva >> 21) & 511) * 8, &pte, true);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return -EFAULT;
		if (pte & PTE_PS) {
			*gpa = (pte & PTE_ADDR & ~0x1fffffULL) | (gva & 0x1fffff);
			return 0;
		}
		table = pte & PTE_ADDR;
		r = hvm_read_pte(vcpu, table + ((gva >> 12) & 511) * 8, &pte, true);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return -EFAULT;
		*gpa = (pte & PTE_ADDR) | (gva & 0xfff);
		return 0;
	}

	/* Legacy 32-bit paging. */
	r = hvm_read_pte(vcpu, (regs->cr3 & 0xfffff000) + (gva >> 22) * 4, &pte, false);
	if (r)
		return r;
	if (!(pte & PTE_P))
		return -EFAULT;
	if ((pte & PTE_PS) && (regs->cr4 & X86_CR4_PSE)) {
		/* PSE-36: bits 20:13 hold physical address bits 39:32. */
		*gpa = (pte & 0xffc00000) | ((pte & 0x1fe000ULL) << 19) | (gva & 0x3fffff);
		return 0;
	}
	table = pte & 0xfffff000;
	r = hvm_read_pte(vcpu, table + ((gva >> 12) & 1023) * 4, &pte, false);
	if (r)
		return r;
	if (!(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gva & 0xfff);
	return 0;
}
