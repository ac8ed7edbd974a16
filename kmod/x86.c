// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural rules, once for both vendors: which values a guest may put
 * in PAT, EFER, CR0, CR4 and XCR0, which addresses are canonical, how an IN
 * result lands in RAX, what a reset x87/SSE image holds. The backends only
 * store what these functions accepted (ops->set_ctl / ops->msr_set), adding
 * the bits they force in hardware.
 */
#include <linux/bits.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "hvm.h"

/*
 * CR4 bits the backend's hardware can run for a guest (VMX: IA32_VMX_CR4_FIXED1;
 * SVM: everything), and XCR0 bits a guest XSETBV may enable (0: the backend
 * offers no XSAVE). Both set once by the backend's probe.
 */
u64 hvm_cr4_hw_bits = ~0ULL;
u64 hvm_guest_xcr0_mask;

/**
 * hvm_pat_valid() - every IA32_PAT entry is a defined memory type
 * @pat: the value a WRMSR or set_regs would load
 *
 * SDM vol. 3A 13.12.2 "IA32_PAT MSR", APM vol. 2 7.8.1: each byte is 0 (UC),
 * 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-); 2, 3 and 8-255 are reserved
 * and raise #GP.
 *
 * Return: true when valid.
 */
bool hvm_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/**
 * hvm_canonical() - is @la canonical for this guest?
 * @vcpu: the vCPU (its CR4.LA57 decides the width)
 * @la: a linear address (an MSR value, a string-I/O operand)
 *
 * SDM vol. 1 3.3.7.1, APM vol. 2 5.3.1: 48 bits, or 57 with 5-level paging.
 * hvm never advertises LA57 (kmod/cpuid.c) nor lets CR4.LA57 be set, so a
 * guest lives in a 48-bit space on every host, LA57 or not; the width still
 * follows the guest's CR4 so that enabling LA57 later changes one line.
 *
 * Return: true when canonical.
 */
bool hvm_canonical(struct hvm_vcpu *vcpu, u64 la)
{
	unsigned int bits = 48;

	if (hvm_ops->get_ctl(vcpu, HVM_CTL_CR4) & X86_CR4_LA57)
		bits = 57;
	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

/**
 * hvm_efer_valid_bits() - EFER bits a guest may hold
 *
 * SCE, LME, LMA, and NX where the host has it (CPUID advertises it then).
 * SVME, LMSLE, FFXSR, TCE and the rest are reserved for the guest: hvm
 * offers neither nested virtualization nor those AMD extras.
 *
 * Return: the mask.
 */
u64 hvm_efer_valid_bits(void)
{
	u64 ok = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		ok |= EFER_NX;
	return ok;
}

/**
 * hvm_set_efer() - a guest WRMSR to EFER
 * @vcpu: the vCPU
 * @val: the value written
 *
 * SDM vol. 3A 2.2.1 / 10.8.5, APM vol. 2 3.1.7: reserved bits #GP; LME may
 * not change while paging is on; LMA is read-only (the write keeps the
 * current LMA: the CPU sets it on CR0.PG).
 *
 * Return: 0, -EINVAL (#GP) or what ops->set_ctl returned.
 */
int hvm_set_efer(struct hvm_vcpu *vcpu, u64 val)
{
	u64 old = hvm_ops->get_ctl(vcpu, HVM_CTL_EFER);
	u64 cr0 = hvm_ops->get_ctl(vcpu, HVM_CTL_CR0);

	if (val & ~hvm_efer_valid_bits())
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && ((val ^ old) & EFER_LME))
		return -EINVAL;
	val = (val & ~EFER_LMA) | (old & EFER_LMA);
	return hvm_ops->set_ctl(vcpu, HVM_CTL_EFER, val);
}

/**
 * hvm_set_cr0() - a guest MOV to CR0, CLTS or LMSW
 * @vcpu: the vCPU
 * @val: the new guest-visible CR0
 *
 * SDM vol. 3A 2.5 and 10.8.5, APM vol. 2 3.1.1: bits 63:32 set, NW without
 * CD, or PG without PE raise #GP, and so does turning paging on with
 * EFER.LME set but CR4.PAE clear; leaving long mode by clearing PG while
 * CS.L is set is #GP too. ET is hardwired to 1.
 *
 * Return: 0, -EINVAL (#GP) or what ops->set_ctl returned.
 */
int hvm_set_cr0(struct hvm_vcpu *vcpu, u64 val)
{
	u64 old = hvm_ops->get_ctl(vcpu, HVM_CTL_CR0);
	u64 efer = hvm_ops->get_ctl(vcpu, HVM_CTL_EFER);
	u64 cr4 = hvm_ops->get_ctl(vcpu, HVM_CTL_CR4);

	if (val >> 32)
		return -EINVAL;
	val |= X86_CR0_ET;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) &&
	    (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) && (efer & EFER_LMA) &&
	    (hvm_ops->get_ctl(vcpu, HVM_CTL_CS_ATTR) & BIT(9)))
		return -EINVAL;
	return hvm_ops->set_ctl(vcpu, HVM_CTL_CR0, val);
}

/**
 * hvm_cr4_guest_bits() - CR4 bits a guest may set
 *
 * Only what hvm virtualizes and kmod/cpuid.c advertises: the architectural
 * base bits, plus FSGSBASE, UMIP, SMEP, SMAP and OSXSAVE where the host
 * (and for OSXSAVE the backend) has them. Never MCE (the guest is told
 * there is no machine-check architecture; the hardware bit is the host's),
 * PCIDE, PKE, LA57 (hidden), CET (no supervisor XSAVE state), VMXE/SMXE,
 * or a bit a later CPU defines: setting any other bit raises #GP, as
 * reserved bits do (SDM vol. 3A 2.5, APM vol. 2 3.1.3). Intersected with
 * what the backend's hardware can run (hvm_cr4_hw_bits).
 *
 * Return: the mask.
 */
u64 hvm_cr4_guest_bits(void)
{
	u64 bits = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		   X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE |
		   X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		bits |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		bits |= X86_CR4_FSGSBASE;
	if (hvm_guest_xcr0_mask)
		bits |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		bits |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		bits |= X86_CR4_SMAP;
	return bits & hvm_cr4_hw_bits;
}

/**
 * hvm_set_cr4() - a guest MOV to CR4
 * @vcpu: the vCPU
 * @val: the new guest-visible CR4
 *
 * SDM vol. 3A 2.5, APM vol. 2 3.1.3: bits outside hvm_cr4_guest_bits() #GP;
 * so does clearing PAE in long mode.
 *
 * Return: 0, -EINVAL (#GP) or what ops->set_ctl returned.
 */
int hvm_set_cr4(struct hvm_vcpu *vcpu, u64 val)
{
	u64 efer = hvm_ops->get_ctl(vcpu, HVM_CTL_EFER);

	if (val & ~hvm_cr4_guest_bits())
		return -EINVAL;
	if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return -EINVAL;
	return hvm_ops->set_ctl(vcpu, HVM_CTL_CR4, val);
}

/**
 * hvm_xcr0_valid() - may a guest XSETBV load @xcr0 into XCR0?
 * @xcr0: the value (EDX:EAX)
 *
 * SDM vol. 1 13.3 and vol. 2 XSETBV, APM vol. 2 11.5.2: x87 always set;
 * only supported components (hvm_guest_xcr0_mask: x87, SSE, AVX, AVX-512
 * where the host has them); AVX needs SSE; the three AVX-512 components
 * come together and only with AVX.
 *
 * Return: true when valid.
 */
bool hvm_xcr0_valid(u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~hvm_guest_xcr0_mask))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if (xcr0 & XFEATURE_MASK_AVX512)
		return (xcr0 & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512 &&
		       (xcr0 & XFEATURE_MASK_YMM);
	return true;
}

/**
 * hvm_in_merge() - RAX after an IN of @size bytes returned @val
 * @rax: RAX before
 * @val: the value read
 * @size: 1, 2 or 4
 *
 * SDM vol. 1 3.4.1.1: an 8- or 16-bit destination (AL, AX) keeps the rest
 * of RAX; a 32-bit one (EAX) zero-extends into RAX.
 *
 * Return: the new RAX.
 */
unsigned long hvm_in_merge(unsigned long rax, u32 val, unsigned int size)
{
	if (size == 4)
		return val;
	if (size == 2)
		return (rax & ~0xffffUL) | (val & 0xffff);
	return (rax & ~0xffUL) | (val & 0xff);
}

/**
 * hvm_fpu_reset_image() - an FXSAVE/XSAVE image of the x87/SSE reset state
 * @buf: the image (at least 512 bytes; an XSAVE header after it is cleared)
 * @size: its size
 *
 * SDM vol. 3A 10.1.1 table 10-1 (state after FNINIT / power-up as XRSTOR
 * loads it): FCW 0x37F, every other x87 field 0, MXCSR 0x1F80; the XSAVE
 * header's XSTATE_BV 0 puts the other components in their init state.
 */
void hvm_fpu_reset_image(void *buf, unsigned int size)
{
	struct fxregs_state *fx = buf;

	memset(buf, 0, size);
	fx->cwd = 0x37f;
	fx->mxcsr = 0x1f80;
}
