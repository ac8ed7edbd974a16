// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-x run step: switch the host state the VMCS does not cover, enter
 * the guest once, and handle the exit with one handler per exit reason.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "vmx.h"

/* What one exit left in the VMCS, read while interrupts are still off. */
struct vmx_exit {
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

static int vmx_fpu_restore(void *buf, u64 mask)
{
	u32 lo = mask, hi = mask >> 32;

	if (!vmx_caps.xsave) {
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
	if (vmx_caps.xsave && xgetbv(XCR_XFEATURE_ENABLED_MASK) != vmx->xcr0)
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
	if (vmx_caps.xsave) {
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

	if (val & (~vmx_caps.cr4_fixed1 | X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_CET))
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
	case X86_TRAP_DB:
		/* A #DB exit leaves DR6 alone and reports its bits in the qualification. */
		if (type == INTR_TYPE_HARD_EXCEPTION)
			vmx->dr6 = (vmx->dr6 & ~0xe00fUL) | (e->qual & 0xe00f);
		fallthrough;
	case X86_TRAP_AC:
		vmx_reinject(info, vmcs_read32(VM_EXIT_INTR_ERROR_CODE), e->len);
		return 0;
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
		pr_err("vm %s: VMLAUNCH/VMRESUME faulted (VMX off on this CPU?)\n",
		       vcpu->vm->name);
		return -EIO;
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
		vcpu->stats[HVM_STAT_SHUTDOWN]++;
		return hvm_vcpu_stop(vcpu, HVM_STOP_SHUTDOWN, 0);
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

/* Interrupts still off: read the exit, pass an NMI on, re-deliver a cut-short event. */
static void vmx_read_exit(struct vmx_vcpu *vmx, struct vmx_exit *e)
{
	u32 idt;

	e->reason = vmcs_read32(VM_EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	e->rip = vmcs_read(GUEST_RIP);
	e->intr_info = 0;
	if (e->reason & EXIT_REASON_ENTRY_FAILED) {
		vmx_reset_launch(vmx);
		return;
	}
	if (e->reason == EXIT_REASON_EXCEPTION_NMI) {
		e->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
		/*
		 * The NMI was consumed by the exit; the host must still see it.
		 * Not send_IPI_self: x2APIC's self-IPI register sends fixed vectors only.
		 */
		if ((e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) ==
		    (INTR_INFO_VALID | INTR_TYPE_NMI))
			apic->send_IPI(smp_processor_id(), NMI_VECTOR);
	}
	idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	if (idt & INTR_INFO_VALID)
		vmx_reinject(idt, vmcs_read32(IDT_VECTORING_ERROR_CODE), e->len);
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
	if (hvm_vcpu_should_exit(vcpu)) {
		local_irq_enable();
		kernel_fpu_end();
		return 0;
	}
	vmx_enter_prepare(vmx, &host);
	t0 = local_clock();
	ret = hvm_vmx_enter(vmx->gprs, vmx->launched);
	t1 = local_clock();
	vmx_exit_restore(vmx, &host);
	if (!ret) {
		vmx->launched = true;
		vmx_read_exit(vmx, &e);
	} else if (ret == 1) {
		e.insn_error = vmcs_read32(VM_INSTRUCTION_ERROR);
		vmx_reset_launch(vmx);
	}
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
