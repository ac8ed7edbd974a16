// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-x run step: switch the host state the VMCS does not cover, enter
 * the guest once, and handle the exit with one handler per exit reason.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "vmx.h"

/* What one exit left in the VMCS, read while interrupts are still off. */
struct vmx_exit {
	bool machine_check;	/* a machine check caused it (handled by the host) */
	u32 reason;
	u32 len;
	u32 intr_info;
	u32 insn_error;
	u64 qual;
	u64 rip;
};

/* ---------------------------------------------------------------------- */
/* Small helpers */

static inline struct hvm_vcpu *to_vcpu(struct vmx_vcpu *vmx)
{
	return vmx->vcpu;
}

static unsigned int vmx_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

static bool vmx_long_mode(void)
{
	return (vmcs_read(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & (1U << 13));
}

static u64 vmx_gpr_read(struct vmx_vcpu *vmx, unsigned int reg)
{
	u64 v = reg == 4 ? vmcs_read(GUEST_RSP) : vmx->gprs[reg];

	return vmx_long_mode() ? v : (u32)v;
}

static void vmx_gpr_write(struct vmx_vcpu *vmx, unsigned int reg, u64 val)
{
	if (!vmx_long_mode())
		val = (u32)val;
	if (reg == 4)
		vmcs_write(GUEST_RSP, val);
	else
		vmx->gprs[reg] = val;
}

/* Move past the instruction that exited; STI/MOV SS blocking ends with it. */
static void vmx_skip(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	u32 intr;

	vmcs_write(GUEST_RIP, e->rip + e->len);
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   intr & ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

static void vmx_inject(struct vmx_vcpu *vmx, unsigned int vector, bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID;

	/* Real mode delivers no error code (and VM entry refuses one). */
	if (has_error && (vmx_guest_cr0() & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	to_vcpu(vmx)->stats[HVM_STAT_EXCEPTION]++;
}

static int vmx_inject_ud(struct vmx_vcpu *vmx)
{
	vmx_inject(vmx, X86_TRAP_UD, false, 0);
	return 0;
}

static int vmx_inject_gp(struct vmx_vcpu *vmx)
{
	vmx_inject(vmx, X86_TRAP_GP, true, 0);
	return 0;
}

/*
 * Re-deliver an event the guest was in the middle of delivering (an EPT
 * violation on its IDT or stack, say): VM entry injects it again.
 */
static void vmx_reinject(u32 info, u32 error, u32 len)
{
	u32 type = info & INTR_INFO_TYPE_MASK;

	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & (INTR_INFO_VALID | 0xfff));
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	if (type >= (4U << 8))
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, len);
}

/* ---------------------------------------------------------------------- */
/* Host state around the entry (interrupts off) */

#define VMX_XSAVE_MASK	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
			 XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | \
			 XFEATURE_MASK_Hi16_ZMM)

/* An XSAVE area in standard form with XSTATE_BV = 0: XRSTOR of it inits. */
static const u8 vmx_xsave_init[576] __aligned(64);

/*
 * Load the guest's image. With xsave=N on a host with XSAVE the image is
 * FXSAVE's (x87/SSE only): the other components the host's XCR0 enables
 * (upper YMM/ZMM halves, opmasks) are put in their init state first, so
 * the guest never runs on what a host task left in them.
 */
static int vmx_fpu_restore(void *buf, u64 mask)
{
	u32 lo = mask, hi = mask >> 32;

	if (!vmx_caps.xsave) {
		if (vmx_caps.host_xsave)
			asm volatile("xrstor64 %0"
				     : : "m"(*(const u8 (*)[576])vmx_xsave_init),
				       "a"(lo), "d"(hi) : "memory");
		asm goto("1: fxrstor64 %0\n\t"
			 _ASM_EXTABLE(1b, %l[fault])
			 : : "m"(*(u8 (*)[512])buf) : "memory" : fault);
		return 0;
	}
	asm goto("1: xrstor64 %0\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(*(u8 (*)[576])buf), "a"(lo), "d"(hi) : "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

static void vmx_fpu_save(void *buf, u64 mask)
{
	u32 lo = mask, hi = mask >> 32;

	if (!vmx_caps.xsave) {
		asm volatile("fxsave64 %0" : "=m"(*(u8 (*)[512])buf) : : "memory");
		return;
	}
	asm volatile("xsave64 %0" : "+m"(*(u8 (*)[576])buf) : "a"(lo), "d"(hi) : "memory");
}

struct vmx_host_dr {
	unsigned long dr[4];
	unsigned long dr7;
	u32 pkru;
};

static void vmx_enter_prepare(struct vmx_vcpu *vmx, struct vmx_host_dr *h)
{
	unsigned long cr3 = __read_cr3(), cr4 = __read_cr4();
	u64 mask = vmx_caps.xcr0 & VMX_XSAVE_MASK;
	int i;

	/* Lazy-TLB switches and CR4 updates can change these under us. */
	if (cr3 != vmx->host.cr3) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host.cr3 = cr3;
	}
	if (cr4 != vmx->host.cr4) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host.cr4 = cr4;
	}
	if (vmx->need_flush) {
		vmx_flush_guest(vmx);
		vmx->need_flush = false;
	}
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	h->dr7 = native_get_debugreg(7);
	if (vmx->dr_active) {
		/*
		 * Host breakpoints must not fire on guest addresses in the
		 * window before the entry: DR7 off first (the exit leaves it
		 * 0x400 anyway and vmx_exit_restore() puts the host's back),
		 * as svm/svm.c does.
		 */
		if (h->dr7 & VMX_DR7_ENABLES)
			native_set_debugreg(7, VMX_DR7_FIXED1);
		for (i = 0; i < 4; i++) {
			h->dr[i] = native_get_debugreg(i);
			native_set_debugreg(i, vmx->dr[i]);
		}
	}

	if (vmx_fpu_restore(vmx->fpu, mask)) {
		/* Only we write the image; start the guest's FPU afresh if it is bad. */
		memset(vmx->fpu, 0, vmx_caps.fpu_size);
		*(u16 *)vmx->fpu = 0x37f;
		*(u32 *)(vmx->fpu + 24) = 0x1f80;
		vmx_fpu_restore(vmx->fpu, mask);
	}
	/* With xsave=N vmx->xcr0 is x87|SSE: the guest never runs on the host's XCR0. */
	if (vmx_caps.host_xsave && xgetbv(XCR_XFEATURE_ENABLED_MASK) != vmx->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
	if (boot_cpu_has(X86_FEATURE_OSPKE)) {
		h->pkru = rdpkru();
		if (h->pkru != vmx->pkru)
			wrpkru(vmx->pkru);
	}
}

static void vmx_exit_restore(struct vmx_vcpu *vmx, const struct vmx_host_dr *h)
{
	u64 mask = vmx_caps.xcr0 & VMX_XSAVE_MASK;
	int i;

	vmx->cr2 = native_read_cr2();
	if (boot_cpu_has(X86_FEATURE_OSPKE)) {
		vmx->pkru = rdpkru();
		if (vmx->pkru != h->pkru)
			wrpkru(h->pkru);
	}
	/*
	 * Compare with what the CPU holds rather than with what we loaded: the
	 * host's XCR0 must be back whatever the entry and exit did to it, or
	 * the next XRSTORS of a user task faults.
	 */
	if (vmx_caps.host_xsave) {
		u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

		if (xcr0 != vmx->xcr0 && xcr0 != vmx_caps.xcr0)
			pr_warn_once("XCR0 %#llx after a VM exit, guest's was %#llx\n",
				     xcr0, vmx->xcr0);
		if (xcr0 != vmx_caps.xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx_caps.xcr0);
	}
	vmx_fpu_save(vmx->fpu, mask);

	if (vmx->dr_active)
		for (i = 0; i < 4; i++)
			native_set_debugreg(i, h->dr[i]);
	/* VM exit leaves DR7 = 0x400 and DEBUGCTL = 0. */
	if (h->dr7 != VMX_DR7_FIXED1)
		native_set_debugreg(7, h->dr7);
	if (vmx->host.debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, vmx->host.debugctl);

	/* VM exit sets the GDTR and IDTR limits to 0xffff, TR's to 0x67, LDTR to 0. */
	load_fixmap_gdt(smp_processor_id());
	asm volatile("lidt %0" : : "m"(vmx->host.idt));
	if (vmx->host.ldt)
		asm volatile("lldt %w0" : : "r"(vmx->host.ldt));
	invalidate_tss_limit();
	if (vmx->host.ds)
		loadsegment(ds, vmx->host.ds);
	if (vmx->host.es)
		loadsegment(es, vmx->host.es);
	/* vCPU threads are kernel threads: a user FS/GS selector is only possible for FS here. */
	if (vmx->host.fs & 7) {
		loadsegment(fs, vmx->host.fs);
		wrmsrl(MSR_FS_BASE, vmx->host.fs_base);
	}
}

/* ---------------------------------------------------------------------- */
/* Exit handlers */

static int vmx_exit_cpuid(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	u32 eax = vmx->gprs[0], ebx = 0, ecx = vmx->gprs[1], edx = 0;

	to_vcpu(vmx)->stats[HVM_STAT_CPUID]++;
	hvm_cpuid(to_vcpu(vmx), vmx_guest_cr4(), &eax, &ebx, &ecx, &edx);
	/*
	 * xsave=N: no XSAVE (CR4.OSXSAVE #GPs) and so nothing that needs
	 * it: AVX and its successors, and leaf 0xd.
	 */
	if (!vmx_caps.xsave) {
		if ((u32)vmx->gprs[0] == 1)
			ecx &= ~(BIT(12) | BIT(26) | BIT(27) | BIT(28) | BIT(29));	/* FMA XSAVE OSXSAVE AVX F16C */
		else if ((u32)vmx->gprs[0] == 7 && (u32)vmx->gprs[1] == 0) {
			ebx &= ~(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) |	/* AVX2, AVX-512 */
				 BIT(27) | BIT(28) | BIT(30) | BIT(31));
			ecx &= ~(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) |	/* AVX-512, VAES... */
				 BIT(12) | BIT(14));
			edx &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(23));
		} else if ((u32)vmx->gprs[0] == 0xd) {
			eax = ebx = ecx = edx = 0;
		}
	}
	vmx->gprs[0] = eax;
	vmx->gprs[3] = ebx;
	vmx->gprs[1] = ecx;
	vmx->gprs[2] = edx;
	vmx_skip(vmx, e);
	return 0;
}

/*
 * No interrupt source exists for the guest yet (ROADMAP: LAPIC timer), so
 * HLT can never resume: stop with reason halt, RIP past it, as on AMD-V.
 */
static int vmx_exit_hlt(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	to_vcpu(vmx)->stats[HVM_STAT_HLT]++;
	vmx_skip(vmx, e);
	return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_HALT, 0);
}

static int vmx_exit_vmcall(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	to_vcpu(vmx)->stats[HVM_STAT_HYPERCALL]++;
	vmx->gprs[0] = hvm_hypercall(to_vcpu(vmx), vmx->gprs[0]);
	vmx_skip(vmx, e);
	return 0;
}

static int vmx_exit_io_string(struct vmx_vcpu *vmx, const struct vmx_exit *e,
			      u16 port, unsigned int size, bool in, bool rep)
{
	struct hvm_regs regs;
	struct hvm_segment *segs[8];
	struct hvm_exception exc;
	unsigned int addr_size, seg = 3;
	int r;

	vmx_read_regs(vmx, &regs);
	segs[0] = &regs.es;
	segs[1] = &regs.cs;
	segs[2] = &regs.ss;
	segs[3] = &regs.ds;
	segs[4] = &regs.fs;
	segs[5] = &regs.gs;
	segs[6] = &regs.ds;
	segs[7] = &regs.ds;
	if (vmx_caps.ins_outs_info) {
		u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);

		addr_size = 2U << ((info >> 7) & 3);
		if (addr_size > 8)
			addr_size = 8;
		seg = (info >> 15) & 7;
	} else if (vmx_long_mode()) {
		addr_size = 8;
	} else {
		addr_size = (regs.cs.attrib & (1U << 10)) ? 4 : 2;
	}

	r = hvm_io_string(to_vcpu(vmx), &regs, port, size, in, rep, addr_size,
			  segs[seg], e->rip + e->len, &exc);
	vmx->gprs[1] = regs.rcx;
	vmx->gprs[6] = regs.rsi;
	vmx->gprs[7] = regs.rdi;
	if (r == HVM_IO_INJECT) {
		if (exc.vector == X86_TRAP_PF)
			vmx->cr2 = exc.cr2;
		vmx_inject(vmx, exc.vector, exc.has_error, exc.error_code);
		return 0;
	}
	if (regs.rip != e->rip) {
		struct vmx_exit done = *e;

		done.len = regs.rip - e->rip;
		vmx_skip(vmx, &done);
	}
	if (r == -ENOMEM)
		return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_INTERNAL, ENOMEM);
	if (r < 0) {
		u64 mask = addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;

		/* The guest address that did not translate (as on AMD-V). */
		return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_FAULT,
				     in ? regs.es.base + (regs.rdi & mask) :
					  segs[seg]->base + (regs.rsi & mask));
	}
	return r;
}

static int vmx_exit_io(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	unsigned int size = (e->qual & IOQ_SIZE_MASK) + 1;
	bool in = e->qual & IOQ_IN;
	u16 port = e->qual >> IOQ_PORT_SHIFT;
	u32 val;
	int r;

	to_vcpu(vmx)->stats[HVM_STAT_IO]++;
	if (e->qual & IOQ_STRING)
		return vmx_exit_io_string(vmx, e, port, size, in, e->qual & IOQ_REP);

	val = in ? 0 : (u32)vmx->gprs[0];
	r = hvm_io_emulate(to_vcpu(vmx), port, size, in, &val);
	if (in) {
		if (size == 4)
			vmx->gprs[0] = val;
		else if (size == 2)
			vmx->gprs[0] = (vmx->gprs[0] & ~0xffffUL) | (val & 0xffff);
		else
			vmx->gprs[0] = (vmx->gprs[0] & ~0xffUL) | (val & 0xff);
	}
	/* Past the OUT even when it stopped the VM (exit port): a restart resumes after it. */
	vmx_skip(vmx, e);
	return r;
}

static bool vmx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static int vmx_switched_index(u32 msr)
{
	switch (msr) {
	case MSR_KERNEL_GS_BASE:	return VMX_MSR_KERNEL_GS_BASE;
	case MSR_STAR:			return VMX_MSR_STAR;
	case MSR_LSTAR:			return VMX_MSR_LSTAR;
	case MSR_CSTAR:			return VMX_MSR_CSTAR;
	case MSR_SYSCALL_MASK:		return VMX_MSR_SYSCALL_MASK;
	default:			return -1;
	}
}

/* MSRs whose guest value lives in the VMCS or the MSR areas. -EINVAL: #GP. */
static int vmx_msr_arch_read(struct vmx_vcpu *vmx, u32 msr, u64 *val)
{
	int idx = vmx_switched_index(msr);

	if (idx >= 0) {
		*val = vmx->guest_msrs[idx].value;
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vmcs_read(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_CR_PAT:
		*val = vmcs_read(GUEST_IA32_PAT);
		return 0;
	case MSR_FS_BASE:
		*val = vmcs_read(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*val = vmcs_read(GUEST_GS_BASE);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_read(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_read(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + ((vmx_caps.cpu & CPU_TSC_OFFSETTING) ? vmcs_read(TSC_OFFSET) : 0);
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmx_msr_arch_write(struct vmx_vcpu *vmx, u32 msr, u64 val)
{
	int idx = vmx_switched_index(msr);
	u64 efer;

	switch (msr) {
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!__is_canonical_address(val, 48))
			return -EINVAL;
		break;
	}
	if (idx >= 0) {
		vmx->guest_msrs[idx].value = val;
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		efer = vmcs_read(GUEST_IA32_EFER);
		if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
			return -EINVAL;
		/* LME may not change while paging is on; LMA is read-only. */
		if ((vmx_guest_cr0() & X86_CR0_PG) && ((val ^ efer) & EFER_LME))
			return -EINVAL;
		vmx_update_efer(vmx, (val & ~(u64)EFER_LMA) | (efer & EFER_LMA));
		return 0;
	case MSR_IA32_CR_PAT:
		if (!vmx_pat_valid(val))
			return -EINVAL;
		vmcs_write(GUEST_IA32_PAT, val);
		return 0;
	case MSR_FS_BASE:
		vmcs_write(GUEST_FS_BASE, val);
		return 0;
	case MSR_GS_BASE:
		vmcs_write(GUEST_GS_BASE, val);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write(GUEST_SYSENTER_CS, (u32)val);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		vmcs_write(GUEST_SYSENTER_ESP, val);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmcs_write(GUEST_SYSENTER_EIP, val);
		return 0;
	case MSR_IA32_TSC:
		if (!(vmx_caps.cpu & CPU_TSC_OFFSETTING))
			return -EINVAL;
		vmcs_write(TSC_OFFSET, val - rdtsc());
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmx_exit_msr(struct vmx_vcpu *vmx, const struct vmx_exit *e, bool write)
{
	struct hvm_vcpu *vcpu = to_vcpu(vmx);
	u32 msr = vmx->gprs[1];
	u64 val = (vmx->gprs[2] << 32) | (u32)vmx->gprs[0];
	int r;

	vcpu->stats[HVM_STAT_MSR]++;
	switch (hvm_msr_policy(msr, write)) {
	case HVM_MSR_ARCH:
		r = write ? vmx_msr_arch_write(vmx, msr, val) : vmx_msr_arch_read(vmx, msr, &val);
		break;
	case HVM_MSR_CORE:
		r = write ? hvm_msr_core_write(vcpu, msr, val) : hvm_msr_core_read(vcpu, msr, &val);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r)
		return vmx_inject_gp(vmx);
	if (!write) {
		vmx->gprs[0] = (u32)val;
		vmx->gprs[2] = val >> 32;
	}
	vmx_skip(vmx, e);
	return 0;
}

/* A guest write to CR0 that touched a bit we own. -EINVAL: #GP. */
static int vmx_set_cr0(struct vmx_vcpu *vmx, u64 val)
{
	unsigned long old = vmx_guest_cr0();
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if (val >> 32)
		return -EINVAL;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (efer & EFER_LME) &&
	    !(vmx_guest_cr4() & X86_CR4_PAE))
		return -EINVAL;
	if (!vmx_caps.unrestricted && (!(val & X86_CR0_PE) || !(val & X86_CR0_PG)))
		return -EINVAL;
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, vmx_actual_cr0(val));
	vmx_update_efer(vmx, efer);
	return vmx_load_pdptrs(vmx);
}

static int vmx_set_cr4(struct vmx_vcpu *vmx, u64 val)
{
	unsigned long old = vmx_guest_cr4();
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	/*
	 * Only what hvm virtualizes and advertises (vmx_probe_cr4()); every
	 * other bit is host-owned in the guest/host mask, so setting it
	 * exits here and gets #GP, as on a CPU without the feature
	 * (SDM 2.5 "Control Registers": reserved/unsupported bits #GP).
	 */
	if (val & ~(u64)vmx_caps.cr4_allowed)
		return -EINVAL;
	if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return -EINVAL;
	if ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (vmcs_read(GUEST_CR3) & 0xfff)))
		return -EINVAL;
	if ((val & X86_CR4_OSXSAVE) && !vmx_caps.xsave)
		return -EINVAL;
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, vmx_actual_cr4(val));
	return vmx_load_pdptrs(vmx);
}

static int vmx_exit_cr(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	unsigned int cr = e->qual & CRQ_NUM_MASK;
	unsigned int type = (e->qual >> CRQ_TYPE_SHIFT) & CRQ_TYPE_MASK;
	unsigned int reg = (e->qual >> CRQ_GPR_SHIFT) & 0xf;
	unsigned long cr0;
	u64 val;
	int r = 0;

	to_vcpu(vmx)->stats[HVM_STAT_OTHER]++;
	switch (type) {
	case CRQ_TYPE_MOV_TO:
		val = vmx_gpr_read(vmx, reg);
		switch (cr) {
		case 0:
			r = vmx_set_cr0(vmx, val);
			break;
		case 3:
			vmcs_write(GUEST_CR3, val);
			r = vmx_load_pdptrs(vmx);
			if (vmx->vm->vpid)
				vmx->need_flush = true;
			break;
		case 4:
			r = vmx_set_cr4(vmx, val);
			break;
		case 8:
			if (val & ~0xfULL)
				r = -EINVAL;
			else
				vmx->cr8 = val;
			break;
		default:
			r = -EINVAL;
			break;
		}
		break;
	case CRQ_TYPE_MOV_FROM:
		if (cr == 3)
			vmx_gpr_write(vmx, reg, vmcs_read(GUEST_CR3));
		else if (cr == 8)
			vmx_gpr_write(vmx, reg, vmx->cr8);
		else
			r = -EINVAL;
		break;
	case CRQ_TYPE_CLTS:
		r = vmx_set_cr0(vmx, vmx_guest_cr0() & ~X86_CR0_TS);
		break;
	case CRQ_TYPE_LMSW:
		cr0 = vmx_guest_cr0();
		val = (e->qual >> CRQ_LMSW_SHIFT) & 0xf;
		/* LMSW sets PE but never clears it. */
		r = vmx_set_cr0(vmx, (cr0 & ~0xeUL) | val | (cr0 & X86_CR0_PE));
		break;
	}
	if (r == -EFAULT)
		return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_FAULT, vmcs_read(GUEST_CR3));
	if (r)
		return vmx_inject_gp(vmx);
	vmx_skip(vmx, e);
	return 0;
}

/*
 * MOV DR always exits: DR0-3 are kept here and loaded around entries
 * once the guest used them, DR6 is virtual (#DB is intercepted, so the
 * CPU never writes it for the guest), DR7 lives in the VMCS.
 */
static int vmx_exit_dr(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	unsigned int dr = e->qual & DRQ_NUM_MASK;
	unsigned int reg = (e->qual >> DRQ_GPR_SHIFT) & 0xf;
	u64 val;

	to_vcpu(vmx)->stats[HVM_STAT_OTHER]++;
	if (vmx_cpl())
		return vmx_inject_gp(vmx);
	if (dr == 4 || dr == 5) {
		if (vmx_guest_cr4() & X86_CR4_DE)
			return vmx_inject_ud(vmx);
		dr += 2;
	}
	if (e->qual & DRQ_FROM_DR) {
		if (dr < 4)
			val = vmx->dr[dr];
		else if (dr == 6)
			val = vmx->dr6;
		else
			val = vmcs_read(GUEST_DR7);
		vmx_gpr_write(vmx, reg, val);
	} else {
		val = vmx_gpr_read(vmx, reg);
		if (dr < 4) {
			vmx->dr[dr] = val;
			vmx->dr_active = true;
		} else if (dr == 6) {
			if (val >> 32)
				return vmx_inject_gp(vmx);
			vmx->dr6 = (val & 0xe00f) | DR6_RESERVED;
		} else {
			if (val >> 32)
				return vmx_inject_gp(vmx);
			vmcs_write(GUEST_DR7, (val & ~0x2800ULL) | VMX_DR7_FIXED1);
			if (val & 0xff)
				vmx->dr_active = true;
		}
	}
	vmx_skip(vmx, e);
	return 0;
}

static int vmx_exit_xsetbv(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	u64 val = (vmx->gprs[2] << 32) | (u32)vmx->gprs[0];
	u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM;

	to_vcpu(vmx)->stats[HVM_STAT_OTHER]++;
	if (vmx_cpl() || (u32)vmx->gprs[1] != 0 || !vmx_caps.xsave)
		return vmx_inject_gp(vmx);
	if (!(val & XFEATURE_MASK_FP) || (val & ~vmx_caps.guest_xcr0_mask) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    ((val & avx512) && ((val & avx512) != avx512 || !(val & XFEATURE_MASK_YMM))))
		return vmx_inject_gp(vmx);
	vmx->xcr0 = val;
	vmx_skip(vmx, e);
	return 0;
}

static int vmx_exit_ept_violation(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	struct hvm_vcpu *vcpu = to_vcpu(vmx);
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int r;

	vcpu->stats[HVM_STAT_NPF]++;
	r = hvm_npt_map(vcpu->vm, gpa);
	if (r == -EFAULT)
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT, gpa);
	return r;
}

static int vmx_exit_ept_misconfig(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);

	pr_err_ratelimited("vm %s: EPT misconfiguration at GPA %#llx\n",
			   to_vcpu(vmx)->vm->name, gpa);
	return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_UNHANDLED, EXIT_REASON_EPT_MISCONFIG);
}

/*
 * Exception classes for SDM Vol. 3A Table 6-4 / 6-5 ("Interrupt 8—Double
 * Fault Exception"): 0 benign, 1 contributory, 2 page fault.
 */
static int vmx_exc_class(u32 info)
{
	if ((info & INTR_INFO_TYPE_MASK) != INTR_TYPE_HARD_EXCEPTION)
		return 0;
	switch (info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return 1;
	case X86_TRAP_PF:
		return 2;
	default:
		return 0;
	}
}

/*
 * vmx_deliver_exception() - reflect an intercepted exception (@info as
 * the exit reported it) without dropping an event already in the
 * injection slot, i.e. the event whose delivery the exception interrupted
 * (IDT-vectoring information, put back by vmx_read_exit()):
 *  - first and second per SDM Table 6-5 call for a double fault
 *    (contributory + contributory, or #PF + contributory/#PF): #DF(0),
 *    and a shutdown when the first was #DF itself;
 *  - otherwise they are handled serially: the first event is delivered
 *    by this entry and the new exception right after it, at the
 *    monitor-trap-flag exit that follows the delivery (SDM 26.7.2 /
 *    27.7.2 "VM Exits Induced by the Monitor Trap Flag"), or at the next
 *    exit on a CPU without MTF.
 * #DB and #AC, the two exceptions reflected today, are benign: always the
 * serial case, never lost.
 */
static int vmx_deliver_exception(struct vmx_vcpu *vmx, const struct vmx_exit *e,
				 u32 info, u32 error)
{
	u32 first = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	int c1, c2;

	if (!(first & INTR_INFO_VALID)) {
		vmx_reinject(info, error, e->len);
		return 0;
	}
	c1 = vmx_exc_class(first);
	c2 = vmx_exc_class(info);
	if ((c1 == 1 && c2 == 1) || (c1 == 2 && c2)) {
		if ((first & INTR_INFO_VECTOR_MASK) == X86_TRAP_DF &&
		    (first & INTR_INFO_TYPE_MASK) == INTR_TYPE_HARD_EXCEPTION) {
			to_vcpu(vmx)->stats[HVM_STAT_SHUTDOWN]++;
			return hvm_vcpu_stop(to_vcpu(vmx), HVM_STOP_SHUTDOWN, 0);
		}
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_DF | INTR_TYPE_HARD_EXCEPTION |
			   INTR_INFO_DELIVER_CODE | INTR_INFO_VALID);
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
		return 0;
	}
	vmx->queued_info = info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK |
				   INTR_INFO_DELIVER_CODE | INTR_INFO_VECTOR_MASK);
	vmx->queued_error = error;
	if (vmx_caps.mtf)
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.cpu | CPU_MONITOR_TRAP_FLAG);
	return 0;
}

/* Legacy alignment checking is on for the guest (SDM 6.15 "Interrupt 17"). */
static bool vmx_guest_ac_enabled(void)
{
	return (vmx_guest_cr0() & X86_CR0_AM) &&
	       (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC) && vmx_cpl() == 3;
}

static int vmx_exit_exception(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	struct hvm_vcpu *vcpu = to_vcpu(vmx);
	u32 info = e->intr_info;
	u32 type = info & INTR_INFO_TYPE_MASK;
	unsigned int vector = info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI) {
		/* Already handed to the host right after the exit. */
		vcpu->stats[HVM_STAT_NMI]++;
		return 0;
	}
	vcpu->stats[HVM_STAT_EXCEPTION]++;
	switch (vector) {
	case X86_TRAP_MC:
		/* The host's handler already ran (vmx_read_exit()); resume. */
		return 0;
	case X86_TRAP_DB:
		/* A #DB exit leaves DR6 alone and reports its bits in the qualification. */
		if (type == INTR_TYPE_HARD_EXCEPTION)
			vmx->dr6 = (vmx->dr6 & ~0xe00fUL) | (e->qual & 0xe00f);
		return vmx_deliver_exception(vmx, e, info, vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
	case X86_TRAP_AC:
		/*
		 * With the host's split-lock detection on, a locked access
		 * across a cache line raises #AC whatever CR0.AM, RFLAGS.AC
		 * and CPL say (SDM Vol. 1 / 3A "split lock detection",
		 * MSR_TEST_CTRL[29]). A guest that never enabled alignment
		 * checking has no handler for that: do not reflect it. The
		 * kernel's handle_guest_split_lock() is not used: outside
		 * warn mode it sends SIGBUS to the current task, here the
		 * vCPU kthread. The VM stops instead (unhandled #AC).
		 */
		if (!vmx_guest_ac_enabled()) {
			pr_info_ratelimited("vm %s: split-lock #AC at RIP %#llx\n",
					    vcpu->vm->name, e->rip);
			return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, EXIT_REASON_EXCEPTION_NMI);
		}
		return vmx_deliver_exception(vmx, e, info, vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
	default:
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, EXIT_REASON_EXCEPTION_NMI);
	}
}

static const char *vmx_insn_error_str(u32 err)
{
	switch (err) {
	case 4:  return "VMLAUNCH with non-clear VMCS";
	case 5:  return "VMRESUME with non-launched VMCS";
	case 7:  return "invalid control field(s)";
	case 8:  return "invalid host-state field(s)";
	case 26: return "events blocked by MOV SS";
	default: return "see SDM 31.4";
	}
}

/* HVM_A_VM_HW_ERROR when a VMX instruction of the entry faulted (as KVM's 0xdead). */
#define VMX_ENTRY_FAULTED	0xdead

/*
 * The CPU refused the guest: stop with reason entry-failed. hw_error is the
 * VM-instruction error for a VMfail, or the full exit reason (bit 31 set)
 * with the exit qualification in bits 63:32 for a failed guest-state check.
 */
static int vmx_entry_failed(struct vmx_vcpu *vmx, const struct vmx_exit *e, int ret)
{
	struct hvm_vcpu *vcpu = to_vcpu(vmx);
	u64 code;

	if (ret == 2) {
		/* VMX was turned off under us (emergency reboot, kexec): no oops. */
		pr_err_ratelimited("vm %s: VM entry faulted (VMX off on this CPU?)\n",
				   vcpu->vm->name);
		return hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, VMX_ENTRY_FAULTED);
	}
	if (ret == 1) {
		code = e->insn_error;
		pr_warn_ratelimited("vm %s: VM entry failed: VM-instruction error %u (%s)\n",
				    vcpu->vm->name, e->insn_error,
				    vmx_insn_error_str(e->insn_error));
	} else {
		code = ((u64)(u32)e->qual << 32) | e->reason;
		pr_warn_ratelimited("vm %s: VM entry failed: %s (exit reason %#x, qualification %#llx)\n",
				    vcpu->vm->name,
				    (e->reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_INVALID_STATE ?
				    "invalid guest state" :
				    (e->reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_MSR_LOAD_FAIL ?
				    "MSR loading" : "machine check",
				    e->reason, e->qual);
	}
	return hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, code);
}

static int vmx_handle_exit(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	struct hvm_vcpu *vcpu = to_vcpu(vmx);

	vcpu->stats[HVM_STAT_EXITS]++;
	switch (e->reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		return vmx_exit_exception(vmx, e);
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		/* The host takes its interrupt once ours are back on. */
		vcpu->stats[HVM_STAT_INTR]++;
		return 0;
	case EXIT_REASON_TRIPLE_FAULT:
		if (e->machine_check) {
			pr_err_ratelimited("vm %s: machine check shut the guest down (handled by the host)\n",
					   vcpu->vm->name);
			return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, EIO);
		}
		vcpu->stats[HVM_STAT_SHUTDOWN]++;
		return hvm_vcpu_stop(vcpu, HVM_STOP_SHUTDOWN, 0);
	case EXIT_REASON_MTF:
		/* The queued exception went in at the start of this exit's handling. */
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	case EXIT_REASON_INIT_SIGNAL:
	case EXIT_REASON_SIPI_SIGNAL:
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	case EXIT_REASON_CPUID:
		return vmx_exit_cpuid(vmx, e);
	case EXIT_REASON_HLT:
		return vmx_exit_hlt(vmx, e);
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/* Guest memory is ordinary write-back RAM: nothing to write back for it. */
		vcpu->stats[HVM_STAT_OTHER]++;
		vmx_skip(vmx, e);
		return 0;
	case EXIT_REASON_VMCALL:
		return vmx_exit_vmcall(vmx, e);
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_RSM:
	case EXIT_REASON_ENCLS:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
		/* VMX, SMX, SGX and MONITOR/MWAIT are hidden from the guest. */
		return vmx_inject_ud(vmx);
	case EXIT_REASON_RDPMC:
		return vmx_inject_gp(vmx);
	case EXIT_REASON_CR_ACCESS:
		return vmx_exit_cr(vmx, e);
	case EXIT_REASON_DR_ACCESS:
		return vmx_exit_dr(vmx, e);
	case EXIT_REASON_IO_INSTRUCTION:
		return vmx_exit_io(vmx, e);
	case EXIT_REASON_MSR_READ:
		return vmx_exit_msr(vmx, e, false);
	case EXIT_REASON_MSR_WRITE:
		return vmx_exit_msr(vmx, e, true);
	case EXIT_REASON_EPT_VIOLATION:
		return vmx_exit_ept_violation(vmx, e);
	case EXIT_REASON_EPT_MISCONFIG:
		return vmx_exit_ept_misconfig(vmx, e);
	case EXIT_REASON_XSETBV:
		return vmx_exit_xsetbv(vmx, e);
	default:
		vcpu->stats[HVM_STAT_OTHER]++;
		pr_info_ratelimited("vm %s: unhandled exit reason %u at RIP %#llx\n",
				    vcpu->vm->name, e->reason, e->rip);
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->reason);
	}
}

/*
 * Interrupts still off: read the exit, hand NMIs and machine checks to
 * the host, re-deliver a cut-short event, inject a queued exception.
 */
static void vmx_read_exit(struct vmx_vcpu *vmx, struct vmx_exit *e)
{
	u32 idt, basic;

	e->reason = vmcs_read32(VM_EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	e->rip = vmcs_read(GUEST_RIP);
	e->intr_info = 0;
	basic = e->reason & EXIT_REASON_BASIC_MASK;
	if (e->reason & EXIT_REASON_ENTRY_FAILED) {
		/*
		 * Exit reason 41: a machine check during VM entry (SDM 26.8 /
		 * 27.8 "Machine-Check Events During VM Entry"). The event is
		 * the host's; then the entry failed like any other.
		 */
		if (basic == EXIT_REASON_MCE_DURING_VMENTRY) {
			e->machine_check = true;
			hvm_machine_check();
		}
		vmx_reset_launch(vmx);
		return;
	}
	if (e->reason == EXIT_REASON_EXCEPTION_NMI) {
		e->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
		if ((e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) ==
		    (INTR_INFO_VALID | INTR_TYPE_NMI)) {
			/* The exit consumed the NMI and blocks NMIs: see entry.S. */
			hvm_vmx_do_nmi_irqoff();
		} else if ((e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK |
					    INTR_INFO_VECTOR_MASK)) ==
			   (INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC)) {
			e->machine_check = true;
			hvm_machine_check();
		}
	}
	/*
	 * A triple-fault exit is not always the guest's doing: a machine check
	 * the CPU could not deliver (a second one while MCG_STATUS.MCIP is still
	 * set, SDM Vol. 3B "Machine-Check Exception" / 6.15 "Interrupt 18": the
	 * processor enters shutdown) is a shutdown, and shutdown in VMX non-root
	 * operation is a triple-fault VM exit (SDM 26.2 / 25.2 "Other Causes of VM
	 * Exits": triple fault). CR4.MCE is always set while a guest runs
	 * (vmx_actual_cr4()), so the "CR4.MCE = 0" route to shutdown is closed.
	 * MCIP still set at the exit tells the two apart.
	 */
	if (e->reason == EXIT_REASON_TRIPLE_FAULT && hvm_mc_in_progress()) {
		e->machine_check = true;
		hvm_machine_check();
	}
	idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	if (idt & INTR_INFO_VALID) {
		vmx_reinject(idt, vmcs_read32(IDT_VECTORING_ERROR_CODE), e->len);
	} else if (vmx->queued_info) {
		/* The event it followed has been delivered (or was never redelivered). */
		vmx_reinject(vmx->queued_info, vmx->queued_error, 0);
		vmx->queued_info = 0;
		if (vmx_caps.mtf)
			vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.cpu);
	}
}

/*
 * L1TF and MDS-class data sampling, the last thing before the entry
 * (interrupts off). L1D flush (vmx_probe_l1d_flush()) also clears the CPU
 * buffers; VERW for MDS/TAA/RFDS otherwise runs in entry.S. MMIO stale
 * data: where the host asked for buffer clearing only against MMIO
 * (mmio_stale_data_clear without X86_FEATURE_CLEAR_CPU_BUF_VM), KVM does it
 * for VMs with an assigned device; hvm guests reach no host MMIO at all,
 * but a VERW costs little and keeps the host's choice in force.
 */
static __always_inline void vmx_flush_before_entry(void)
{
	if (vmx_caps.l1d_flush) {
		if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
			native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
			return;
		}
		/* KVM's vmx_l1d_flush(): TLB entries first, then every line. */
		asm volatile("xorl %%eax, %%eax\n"
			     "1:\tmovzbl (%[buf], %%rax), %%ecx\n\t"
			     "addl $4096, %%eax\n\t"
			     "cmpl %%eax, %[size]\n\t"
			     "jne 1b\n\t"
			     "xorl %%eax, %%eax\n\t"
			     "cpuid\n\t"
			     "xorl %%eax, %%eax\n"
			     "2:\tmovzbl (%[buf], %%rax), %%ecx\n\t"
			     "addl $64, %%eax\n\t"
			     "cmpl %%eax, %[size]\n\t"
			     "jne 2b\n\t"
			     "lfence\n"
			     : : [buf] "r"(vmx_l1d_flush_buf), [size] "r"((u32)VMX_L1D_FLUSH_SIZE)
			     : "eax", "ebx", "ecx", "edx", "memory");
		return;
	}
	if (static_branch_unlikely(&mmio_stale_data_clear) &&
	    !cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF_VM))
		x86_clear_cpu_buffers();
}

/**
 * hvm_vmx_spec_ctrl_restore() - entry.S, after the exit, before its RET
 *
 * Guests cannot write IA32_SPEC_CTRL (not in the MSR allowlist), so the
 * host's value stayed in force; but legacy IBRS (X86_FEATURE_KERNEL_IBRS)
 * only protects when written after a less privileged predictor mode ran,
 * as KVM's vmx_spec_ctrl_restore_host() does.
 */
noinstr void hvm_vmx_spec_ctrl_restore(void)
{
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, this_cpu_read(x86_spec_ctrl_current));
	barrier_nospec();
}

/* The world switch proper: guest context on, flushes, entry, guest context off. */
static noinstr int vmx_vcpu_enter_exit(struct vmx_vcpu *vmx)
{
	int ret;

	vmx_guest_enter_irqoff();
	vmx_flush_before_entry();
	ret = hvm_vmx_enter(vmx->gprs, vmx->launched);
	vmx_guest_exit_irqoff();
	return ret;
}

/**
 * vmx_vcpu_run() - ops->vcpu_run: enter the guest once, handle the exit
 * @vcpu: the vCPU, on its own thread
 *
 * The FPU is the guest's between kernel_fpu_begin() and kernel_fpu_end();
 * interrupts are off from the last stop check to the exit, so a kick
 * either is seen before entry or forces the exit.
 */
int vmx_vcpu_run(struct hvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	struct vmx_host_dr host;
	struct vmx_exit e = {};
	u64 t0, t1;
	int ret, r;

	kernel_fpu_begin();
	local_irq_disable();
	/* Stop requests and the core's "guest entry blocked" flag, with IRQs off. */
	if (hvm_vcpu_should_exit(vcpu)) {
		local_irq_enable();
		kernel_fpu_end();
		return 0;
	}
	/*
	 * VMX is already off on this CPU (it is going offline): the core
	 * sleeps a tick and we continue on a CPU that can run guests.
	 */
	if (unlikely(!hvm_cpu_virt_on())) {
		local_irq_enable();
		kernel_fpu_end();
		return -EAGAIN;
	}
	vmx_enter_prepare(vmx, &host);
	vmx_ibpb_if_other_vm(vmx->vm);
	vmx_guest_timing_enter_irqoff();
	t0 = local_clock();
	ret = vmx_vcpu_enter_exit(vmx);
	t1 = local_clock();
	/*
	 * VMSCAPE: the guest may have trained predictions aimed at host user
	 * space; the next return to user mode on this CPU does an IBPB.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	vmx_exit_restore(vmx, &host);
	if (!ret) {
		vmx->launched = true;
		vmx_read_exit(vmx, &e);
	} else if (ret == 1) {
		e.insn_error = vmcs_read32(VM_INSTRUCTION_ERROR);
		vmx_reset_launch(vmx);
	}
	/*
	 * Take the interrupt that ended the guest (and any tick) while the
	 * task still counts as in the guest, as KVM does; then stop guest
	 * time. kernel_fpu_end() with interrupts on (6.13+ insists).
	 */
	local_irq_enable();
	asm volatile("nop");	/* STI's interrupt shadow */
	local_irq_disable();
	vmx_guest_timing_exit_irqoff();
	local_irq_enable();
	kernel_fpu_end();

	vcpu->stats[HVM_STAT_RUNS]++;
	vcpu->guest_ns += t1 - t0;
	if (ret || (e.reason & EXIT_REASON_ENTRY_FAILED))
		return vmx_entry_failed(vmx, &e, ret);

	r = vmx_handle_exit(vmx, &e);
	vcpu->host_ns += local_clock() - t1;
	return r;
}
