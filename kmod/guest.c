// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-virtual to guest-physical translation, for the few exits that
 * carry a guest linear address (string I/O). Walks the guest's own page
 * tables in guest RAM: no paging, 32-bit (with 4 MiB pages), PAE and 4- or
 * 5-level long mode (with 2 MiB / 1 GiB pages).
 *
 * The CPU leaves the memory operand of an intercepted INS/OUTS to us (SDM
 * Vol. 3 26.1.1: only privilege and I/O-permission faults come before the
 * VM exit; APM Vol. 2 15.10.2 likewise), so the walk applies what the
 * hardware would have: present and reserved bits (SDM Vol. 3 4.5, 4.4,
 * 4.3; APM Vol. 2 5.3-5.4), and access rights (SDM Vol. 3 4.6, APM Vol. 2
 * 5.6): U/S for CPL 3, R/W for writes with CR0.WP, SMAP for supervisor
 * accesses to user pages. On success it sets the Accessed flags and, for a
 * write, the Dirty flag, as the CPU does (SDM Vol. 3 4.8): guests rely on
 * them for page aging and to know which pages need writing back. A failed
 * walk reports a #PF for the caller to inject.
 */
#include <linux/highmem.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/traps.h>

#include "hvm.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
#define PTE_ADDR	GENMASK_ULL(51, 12)

/* #PF error code (SDM Vol. 3 4.7, APM Vol. 2 8.4.2). */
#define PFERR_P		BIT(0)
#define PFERR_W		BIT(1)
#define PFERR_U		BIT(2)
#define PFERR_RSVD	BIT(3)

/* A/D updates that keep losing a race with another vCPU: re-execute. */
#define HVM_WALK_RETRIES	8

#define HVM_WALK_MAX_LEVELS	5

struct hvm_walk {
	u64 entry_gpa[HVM_WALK_MAX_LEVELS];
	u64 entry[HVM_WALK_MAX_LEVELS];
	bool has_ad[HVM_WALK_MAX_LEVELS];	/* PAE PDPTEs have no A flag */
	unsigned int nr;			/* entries used, leaf last */
	bool wide;				/* 8-byte entries */
};

/* The MAXPHYADDR the guest sees: hvm_cpuid() passes leaf 0x80000008 EAX. */
static unsigned int hvm_guest_maxphyaddr(void)
{
	static unsigned int bits;
	unsigned int b = READ_ONCE(bits);

	if (!b) {
		b = 36;		/* SDM Vol. 3 4.1.4: without the leaf */
		if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
			b = cpuid_eax(0x80000008) & 0xff;
		WRITE_ONCE(bits, b);
	}
	return b;
}

/*
 * The CPL: 0 in real mode, 3 in virtual-8086 mode, else SS.DPL (which both
 * vendors keep equal to the CPL: SDM Vol. 3 5.5, APM Vol. 2 15.5.1).
 */
static unsigned int hvm_guest_cpl(const struct hvm_regs *regs)
{
	if (!(regs->cr0 & X86_CR0_PE))
		return 0;
	if (regs->rflags & X86_EFLAGS_VM)
		return 3;
	return (regs->ss.attrib >> 5) & 3;
}

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

/*
 * Set @bits in the entry at @gpa, if it still holds @old: atomically, as
 * the CPU's locked update (SDM Vol. 3 4.8), since other vCPUs may run on
 * the same tables. Return 0, -EAGAIN when the entry changed, or an errno.
 */
static int hvm_set_pte_bits(struct hvm_vcpu *vcpu, u64 gpa, u64 old, u64 bits,
			    bool wide)
{
	struct page *page;
	void *kaddr;
	bool ok;

	page = hvm_mem_page(vcpu->vm, gpa >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);
	kaddr = kmap_local_page(page);
	if (wide) {
		u64 *p = kaddr + offset_in_page(gpa);

		ok = try_cmpxchg64(p, &old, old | bits);
	} else {
		u32 *p = kaddr + offset_in_page(gpa);
		u32 old32 = old;

		ok = try_cmpxchg(p, &old32, (u32)(old | bits));
	}
	kunmap_local(kaddr);
	return ok ? 0 : -EAGAIN;
}

/* Reserved bits of a present entry at @level (1 = PTE) in a wide format. */
static u64 hvm_rsvd_wide(const struct hvm_regs *regs, unsigned int level,
			 u64 pte, bool long_mode)
{
	unsigned int m = hvm_guest_maxphyaddr();
	u64 rsvd = long_mode ? GENMASK_ULL(51, m) : GENMASK_ULL(62, m);

	if (!(regs->efer & EFER_NX))
		rsvd |= PTE_NX;
	if (level >= 4)
		rsvd |= PTE_PS;
	else if (level == 3 && (pte & PTE_PS))
		rsvd |= boot_cpu_has(X86_FEATURE_GBPAGES) ? GENMASK_ULL(29, 13) : PTE_PS;
	else if (level == 2 && (pte & PTE_PS))
		rsvd |= GENMASK_ULL(20, 13);
	return rsvd;
}

/* Reserved bits of a 4 MiB PDE in 32-bit paging with PSE-36. */
static u64 hvm_rsvd_pse(void)
{
	unsigned int m = hvm_guest_maxphyaddr();

	return BIT_ULL(21) | (m < 40 ? GENMASK_ULL(20, m - 19) : 0);
}

static int hvm_page_fault(struct hvm_exception *exc, u64 gva, u32 error)
{
	exc->vector = X86_TRAP_PF;
	exc->has_error = true;
	exc->error_code = error;
	exc->cr2 = gva;
	return HVM_IO_INJECT;
}

/*
 * One walk: fill @w with the entries used and *@gpa, or report the #PF.
 * Access rights are the AND of U/S and R/W over all levels that have them
 * (SDM Vol. 3 4.6.1).
 *
 * Long by design: one walk for every paging mode, so the permission rules
 * are written once.
 */
static int hvm_walk(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
		    u64 gva, u32 pferr, struct hvm_walk *w, u64 *gpa,
		    struct hvm_exception *exc)
{
	bool long_mode = regs->efer & EFER_LMA;
	bool pae = long_mode || (regs->cr4 & X86_CR4_PAE);
	unsigned int level, bits = pae ? 9 : 10;
	u64 table, pte = 0, page_mask = 0, rsvd;
	bool user_ok = true, write_ok = true;
	int r;

	w->nr = 0;
	w->wide = pae;
	if (long_mode) {
		level = (regs->cr4 & X86_CR4_LA57) ? 5 : 4;
		table = regs->cr3 & PTE_ADDR;
	} else if (pae) {
		level = 3;
		table = regs->cr3 & GENMASK_ULL(31, 5);
		gva = (u32)gva;
	} else {
		level = 2;
		table = regs->cr3 & GENMASK_ULL(31, 12);
		gva = (u32)gva;
	}

	for (;; level--) {
		unsigned int shift = 12 + bits * (level - 1);
		u64 idx = (gva >> shift) & ((1ULL << bits) - 1);
		/* PAE's four PDPTEs: no U/S, R/W or A (SDM Vol. 3 4.4.1). */
		bool pdpte = pae && !long_mode && level == 3;
		bool leaf;

		if (pdpte)
			idx = (gva >> 30) & 3;
		w->entry_gpa[w->nr] = table + idx * (pae ? 8 : 4);
		r = hvm_read_pte(vcpu, w->entry_gpa[w->nr], &pte, pae);
		if (r)
			return r;
		if (!(pte & PTE_P))
			return hvm_page_fault(exc, gva, pferr);

		/*
		 * The PDPTEs were checked when CR3 was loaded (#GP then);
		 * only the other levels can fault on reserved bits here.
		 */
		if (pae && !pdpte)
			rsvd = hvm_rsvd_wide(regs, level, pte, long_mode);
		else if (!pae && level == 2 && (pte & PTE_PS) &&
			 (regs->cr4 & X86_CR4_PSE))
			rsvd = hvm_rsvd_pse();
		else
			rsvd = 0;
		if (pte & rsvd)
			return hvm_page_fault(exc, gva, pferr | PFERR_P | PFERR_RSVD);

		if (!pdpte) {
			user_ok &= !!(pte & PTE_US);
			write_ok &= !!(pte & PTE_RW);
		}
		w->entry[w->nr] = pte;
		w->has_ad[w->nr] = !pdpte;
		w->nr++;

		leaf = level == 1 ||
		       (!pdpte && (pte & PTE_PS) &&
			(pae || (regs->cr4 & X86_CR4_PSE)));
		if (leaf) {
			page_mask = (1ULL << shift) - 1;
			break;
		}
		table = pte & (pae ? PTE_ADDR : GENMASK_ULL(31, 12));
	}

	/* SDM Vol. 3 4.6.1: user accesses, then supervisor ones. */
	if (pferr & PFERR_U) {
		if (!user_ok || ((pferr & PFERR_W) && !write_ok))
			return hvm_page_fault(exc, gva, pferr | PFERR_P);
	} else {
		/*
		 * SMAP: an explicit supervisor access (INS/OUTS at CPL < 3)
		 * to a user page needs RFLAGS.AC; with AC set, writes still
		 * obey R/W when CR0.WP is set.
		 */
		if (user_ok && (regs->cr4 & X86_CR4_SMAP) &&
		    !(regs->rflags & X86_EFLAGS_AC))
			return hvm_page_fault(exc, gva, pferr | PFERR_P);
		if ((pferr & PFERR_W) && !write_ok && (regs->cr0 & X86_CR0_WP))
			return hvm_page_fault(exc, gva, pferr | PFERR_P);
	}

	if (!pae && page_mask == GENMASK_ULL(21, 0))
		/* PSE-36: bits 20:13 hold physical address bits 39:32. */
		*gpa = (pte & 0xffc00000) | ((pte & 0x1fe000ULL) << 19);
	else
		*gpa = pte & (pae ? PTE_ADDR : GENMASK_ULL(31, 12)) & ~page_mask;
	*gpa |= gva & page_mask;
	return 0;
}

/**
 * hvm_gva_to_gpa() - translate @gva for a data access by the guest
 * @vcpu: the vCPU (its VM's RAM holds the tables)
 * @regs: CR0, CR3, CR4, EFER select the paging mode; SS.DPL (the CPL),
 *        CR0.WP, CR4.SMAP and RFLAGS.AC the access rights
 * @gva: guest linear address
 * @write: the access writes
 * @gpa: the translation
 * @exc: filled with the #PF (error code, CR2 = @gva) when the walk faults
 *
 * The access is an explicit one by the instruction at the guest's CPL: a
 * user access at CPL 3, a supervisor access (SMAP honours RFLAGS.AC)
 * below. Sets the Accessed flags, and Dirty for a write, on success.
 *
 * Return: 0; HVM_IO_INJECT with *@exc filled; -EFAULT when a table lies
 * outside RAM; -EAGAIN when another vCPU kept changing the entries (the
 * caller lets the guest execute the instruction again); -ENOMEM.
 */
int hvm_gva_to_gpa(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
		   u64 gva, bool write, u64 *gpa, struct hvm_exception *exc)
{
	u32 pferr = (write ? PFERR_W : 0) |
		    (hvm_guest_cpl(regs) == 3 ? PFERR_U : 0);
	unsigned int tries, i;
	struct hvm_walk w;
	int r;

	if (!(regs->cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}

	for (tries = 0; tries < HVM_WALK_RETRIES; tries++) {
		r = hvm_walk(vcpu, regs, gva, pferr, &w, gpa, exc);
		if (r)
			return r;

		for (i = 0; i < w.nr; i++) {
			u64 set = PTE_A;

			if (i == w.nr - 1 && write)
				set |= PTE_D;
			if (!w.has_ad[i] || (w.entry[i] & set) == set)
				continue;
			r = hvm_set_pte_bits(vcpu, w.entry_gpa[i], w.entry[i],
					     set, w.wide);
			if (r)
				break;
		}
		if (r != -EAGAIN)
			return r;
	}
	return -EAGAIN;
}
