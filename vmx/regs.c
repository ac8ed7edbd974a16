// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's state as the core sees it: struct hvm_regs (get_regs /
 * set_regs), the control state of enum hvm_ctl, the HVM_MSR_ARCH MSRs and
 * the event fields of the VMCS (inject_event, set_windows,
 * get_interruptibility). The GPRs and RIP live in the core's register
 * file (vcpu->gprs, vcpu->rip); vmx_vcpu_run() moves RSP and RIP between
 * it and the VMCS around each entry.
 *
 * The uapi describes segments in the AMD VMCB layout (attrib bits 0-7 type,
 * S, DPL, P; bits 8-11 AVL, L, D/B, G); VMX access rights keep bits 0-7 and
 * move AVL..G to bits 12-15, with bit 16 meaning "unusable".
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>

#include "vmx.h"

/* ---------------------------------------------------------------------- */
/* Segments */

struct vmx_seg_fields {
	u32 sel, base, limit, ar;
};

enum { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR, NR_SEGS };

static const struct vmx_seg_fields vmx_seg[NR_SEGS] = {
	[SEG_CS]   = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	[SEG_DS]   = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	[SEG_ES]   = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	[SEG_FS]   = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	[SEG_GS]   = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	[SEG_SS]   = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	[SEG_TR]   = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
	[SEG_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
};

#define SEG_ATTR_P	0x80
#define SEG_ATTR_S	0x10
#define VMX_AR_G	(1U << 15)

/*
 * AMD attrib -> VMX access rights, made acceptable to the VM-entry checks
 * without changing what the guest sees: not-present data segments become
 * "unusable", code and data types get their accessed bit, G follows the
 * byte limit, and a TR the loader left empty becomes a busy 32-bit TSS.
 */
static u32 vmx_seg_ar(const struct hvm_segment *s, int seg, u32 *limit)
{
	u32 ar = (s->attrib & 0xff) | ((s->attrib & 0xf00) << 4);
	bool present = s->attrib & SEG_ATTR_P;

	switch (seg) {
	case SEG_TR:
		if (!present || (s->attrib & SEG_ATTR_S) ||
		    ((ar & 0xf) != 3 && (ar & 0xf) != 11))
			ar = 0x8b;
		break;
	case SEG_LDTR:
		if (!present || !(s->selector & ~7))
			return VMX_AR_UNUSABLE;
		break;
	case SEG_CS:
		ar |= SEG_ATTR_P | SEG_ATTR_S;
		break;
	default:
		if (!present)
			return VMX_AR_UNUSABLE;
		break;
	}
	if (ar & SEG_ATTR_S)
		ar |= 1;
	if (*limit > 0xfffff) {
		ar |= VMX_AR_G;
		*limit |= 0xfff;
	} else if ((*limit & 0xfff) != 0xfff) {
		ar &= ~VMX_AR_G;
	}
	return ar;
}

static void vmx_write_seg(int seg, const struct hvm_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_seg[seg];
	u32 limit = s->limit;
	u32 ar = vmx_seg_ar(s, seg, &limit);

	vmcs_write(f->sel, s->selector);
	vmcs_write(f->base, s->base);
	vmcs_write(f->limit, limit);
	vmcs_write(f->ar, ar);
}

static void vmx_read_seg(int seg, struct hvm_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_seg[seg];
	u32 ar = vmcs_read32(f->ar);

	s->selector = vmcs_read(f->sel);
	s->base = vmcs_read(f->base);
	s->limit = vmcs_read32(f->limit);
	s->attrib = (ar & 0xff) | ((ar >> 4) & 0xf00);
	if (ar & VMX_AR_UNUSABLE)
		s->attrib &= ~SEG_ATTR_P;
}

/* ---------------------------------------------------------------------- */
/* Paging mode */

/*
 * vmx_update_efer() - write guest EFER, deriving LMA and the IA-32e entry
 * control from LME and CR0.PG (the hardware only does that itself when the
 * guest's own MOV to CR0 runs unintercepted).
 */
void vmx_update_efer(struct vmx_vcpu *vmx, u64 efer)
{
	if ((efer & EFER_LME) && (vmx_guest_cr0() & X86_CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	vmcs_write(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmx->entry_ctls |= ENTRY_IA32E_MODE;
	else
		vmx->entry_ctls &= ~ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, vmx->entry_ctls);
}

/*
 * vmx_load_pdptrs() - PAE paging without long mode takes its PDPTEs from
 * the VMCS at VM entry: load them from guest memory when we changed the
 * paging state behind the guest's back. Returns 0 or -EFAULT.
 */
int vmx_load_pdptrs(struct vmx_vcpu *vmx)
{
	u64 pdpte[4];
	int i, r;

	if (!(vmx_guest_cr0() & X86_CR0_PG) || !(vmx_guest_cr4() & X86_CR4_PAE) ||
	    (vmcs_read(GUEST_IA32_EFER) & EFER_LMA))
		return 0;
	r = hvm_mem_read(vmx->vcpu->vm, vmcs_read(GUEST_CR3) & 0xffffffe0UL,
			 pdpte, sizeof(pdpte));
	if (r)
		return -EFAULT;
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Register state */

/** vmx_read_regs() - the architectural state: register file + current VMCS */
void vmx_read_regs(struct vmx_vcpu *vmx, struct hvm_regs *regs)
{
	const unsigned long *g = vmx->vcpu->gprs;

	regs->rax = g[HVM_GPR_RAX];
	regs->rcx = g[HVM_GPR_RCX];
	regs->rdx = g[HVM_GPR_RDX];
	regs->rbx = g[HVM_GPR_RBX];
	regs->rsp = g[HVM_GPR_RSP];
	regs->rbp = g[HVM_GPR_RBP];
	regs->rsi = g[HVM_GPR_RSI];
	regs->rdi = g[HVM_GPR_RDI];
	regs->r8 = g[HVM_GPR_R8];
	regs->r9 = g[HVM_GPR_R9];
	regs->r10 = g[HVM_GPR_R10];
	regs->r11 = g[HVM_GPR_R11];
	regs->r12 = g[HVM_GPR_R12];
	regs->r13 = g[HVM_GPR_R13];
	regs->r14 = g[HVM_GPR_R14];
	regs->r15 = g[HVM_GPR_R15];
	regs->rip = vmx->vcpu->rip;
	regs->rflags = vmcs_read(GUEST_RFLAGS);
	regs->cr0 = vmx_guest_cr0();
	regs->cr2 = vmx->cr2;
	regs->cr3 = vmcs_read(GUEST_CR3);
	regs->cr4 = vmx_guest_cr4();
	regs->efer = vmcs_read(GUEST_IA32_EFER);
	vmx_read_seg(SEG_CS, &regs->cs);
	vmx_read_seg(SEG_DS, &regs->ds);
	vmx_read_seg(SEG_ES, &regs->es);
	vmx_read_seg(SEG_FS, &regs->fs);
	vmx_read_seg(SEG_GS, &regs->gs);
	vmx_read_seg(SEG_SS, &regs->ss);
	vmx_read_seg(SEG_TR, &regs->tr);
	vmx_read_seg(SEG_LDTR, &regs->ldtr);
	regs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	regs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	regs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	regs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
}

/*
 * vmx_write_regs() - load @regs into the register file and the current
 * VMCS (pending events and interruptibility are left alone)
 */
void vmx_write_regs(struct vmx_vcpu *vmx, const struct hvm_regs *regs)
{
	unsigned long *g = vmx->vcpu->gprs;

	g[HVM_GPR_RAX] = regs->rax;
	g[HVM_GPR_RCX] = regs->rcx;
	g[HVM_GPR_RDX] = regs->rdx;
	g[HVM_GPR_RBX] = regs->rbx;
	g[HVM_GPR_RSP] = regs->rsp;
	g[HVM_GPR_RBP] = regs->rbp;
	g[HVM_GPR_RSI] = regs->rsi;
	g[HVM_GPR_RDI] = regs->rdi;
	g[HVM_GPR_R8] = regs->r8;
	g[HVM_GPR_R9] = regs->r9;
	g[HVM_GPR_R10] = regs->r10;
	g[HVM_GPR_R11] = regs->r11;
	g[HVM_GPR_R12] = regs->r12;
	g[HVM_GPR_R13] = regs->r13;
	g[HVM_GPR_R14] = regs->r14;
	g[HVM_GPR_R15] = regs->r15;
	vmx->vcpu->rip = regs->rip;
	vmx->vmcs_rsp = regs->rsp;
	vmx->vmcs_rip = regs->rip;
	vmcs_write(GUEST_RSP, regs->rsp);
	vmcs_write(GUEST_RIP, regs->rip);
	vmcs_write(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);

	vmcs_write(CR0_READ_SHADOW, regs->cr0);
	vmcs_write(GUEST_CR0, vmx_actual_cr0(regs->cr0));
	vmcs_write(CR4_READ_SHADOW, regs->cr4);
	vmcs_write(GUEST_CR4, vmx_actual_cr4(regs->cr4));
	vmcs_write(GUEST_CR3, regs->cr3);
	vmx->cr2 = regs->cr2;
	vmx_update_efer(vmx, regs->efer);

	vmx_write_seg(SEG_CS, &regs->cs);
	vmx_write_seg(SEG_DS, &regs->ds);
	vmx_write_seg(SEG_ES, &regs->es);
	vmx_write_seg(SEG_FS, &regs->fs);
	vmx_write_seg(SEG_GS, &regs->gs);
	vmx_write_seg(SEG_SS, &regs->ss);
	vmx_write_seg(SEG_TR, &regs->tr);
	vmx_write_seg(SEG_LDTR, &regs->ldtr);
	vmcs_write(GUEST_GDTR_BASE, regs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, regs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, regs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, regs->idt.limit);
	vmx_load_pdptrs(vmx);
}

/* Callers from any CPU: pull the VMCS here for the duration (VM not running). */
static void vmx_load_here(struct hvm_vcpu *vcpu)
{
	preempt_disable();
	vmx_vcpu_load(vcpu, smp_processor_id());
}

/** vmx_get_regs() - ops->get_regs */
void vmx_get_regs(struct hvm_vcpu *vcpu, struct hvm_regs *regs)
{
	vmx_load_here(vcpu);
	vmx_read_regs(vcpu->arch, regs);
	preempt_enable();
}

/**
 * vmx_set_regs() - ops->set_regs: a new state, no event pending
 * @vcpu: the vCPU
 * @regs: the new state
 *
 * Without unrestricted guest the CPU cannot run real mode or protected
 * mode with paging off: -EINVAL.
 *
 * Return: 0 or -EINVAL.
 */
int vmx_set_regs(struct hvm_vcpu *vcpu, const struct hvm_regs *regs)
{
	struct vmx_vcpu *vmx = vcpu->arch;

	if (!vmx_caps.unrestricted &&
	    (!(regs->cr0 & X86_CR0_PE) || !(regs->cr0 & X86_CR0_PG))) {
		pr_debug("real mode and unpaged protected mode need unrestricted guest\n");
		return -EINVAL;
	}
	if (regs->cr4 & ~vmx_caps.cr4_allowed) {
		pr_debug("CR4 bits %#llx not available to guests here\n",
			 regs->cr4 & ~(u64)vmx_caps.cr4_allowed);
		return -EINVAL;
	}
	vmx_load_here(vcpu);
	vmx_write_regs(vmx, regs);
	/* A new state drops whatever event the old one had in flight. */
	vcpu->event.type = HVM_EV_NONE;
	vcpu->exc_next.type = HVM_EV_NONE;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx->cpu_ctls = vmx_caps.cpu;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx->cpu_ctls);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	preempt_enable();
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Control state for the core's exit handlers (ops->get_ctl / set_ctl) */

/** vmx_cpl() - the guest's CPL: SS.DPL (SDM 26.3.1.5 / 27.3.1.5) */
unsigned int vmx_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/**
 * vmx_get_ctl() - ops->get_ctl
 * @vcpu: the vCPU (its VMCS current)
 * @ctl: what to read
 *
 * Return: the guest-visible value.
 */
u64 vmx_get_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	u32 ar;

	switch (ctl) {
	case HVM_CTL_CR0:
		return vmx_guest_cr0();
	case HVM_CTL_CR2:
		return vmx->cr2;
	case HVM_CTL_CR3:
		return vmcs_read(GUEST_CR3);
	case HVM_CTL_CR4:
		return vmx_guest_cr4();
	case HVM_CTL_CR8:
		return vmx->cr8;
	case HVM_CTL_EFER:
		return vmcs_read(GUEST_IA32_EFER);
	case HVM_CTL_RFLAGS:
		return vmcs_read(GUEST_RFLAGS);
	case HVM_CTL_CPL:
		return vmx_cpl();
	case HVM_CTL_CS_ATTR:
		ar = vmcs_read32(GUEST_CS_AR_BYTES);
		return (ar & 0xff) | ((ar >> 4) & 0xf00);
	case HVM_CTL_XCR0:
		return vmx->xcr0;
	case HVM_CTL_DR6:
		return vmx->dr6;
	}
	return 0;
}

/*
 * MOV to CR0 after the core's checks (kmod/x86.c): without unrestricted
 * guest the CPU cannot run with PE or PG clear (#GP, as before). The
 * guest's value goes to the read shadow, the one the CPU runs with adds
 * the fixed bits; EFER.LMA and the IA-32e entry control follow CR0.PG,
 * and PAE paging reloads the PDPTEs (SDM 4.4.1).
 */
static int vmx_set_cr0(struct vmx_vcpu *vmx, u64 val)
{
	if (!vmx_caps.unrestricted && (!(val & X86_CR0_PE) || !(val & X86_CR0_PG)))
		return -EINVAL;
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, vmx_actual_cr0(val));
	vmx_update_efer(vmx, vmcs_read(GUEST_IA32_EFER));
	return vmx_load_pdptrs(vmx);
}

/**
 * vmx_set_ctl() - ops->set_ctl: store a value the core validated
 * @vcpu: the vCPU (its VMCS current)
 * @ctl: what to write
 * @val: the new guest-visible value
 *
 * Return: 0, -EINVAL (#GP) or -EFAULT (PDPTEs outside guest RAM).
 */
int vmx_set_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl, u64 val)
{
	struct vmx_vcpu *vmx = vcpu->arch;

	switch (ctl) {
	case HVM_CTL_CR0:
		return vmx_set_cr0(vmx, val);
	case HVM_CTL_CR2:
		vmx->cr2 = val;
		return 0;
	case HVM_CTL_CR3:
		vmcs_write(GUEST_CR3, val);
		/* VPID-tagged guest-linear translations survive the entry. */
		if (vmx->vm->vpid)
			vmx->need_flush = true;
		return vmx_load_pdptrs(vmx);
	case HVM_CTL_CR4:
		vmcs_write(CR4_READ_SHADOW, val);
		vmcs_write(GUEST_CR4, vmx_actual_cr4(val));
		return vmx_load_pdptrs(vmx);
	case HVM_CTL_CR8:
		vmx->cr8 = val;
		return 0;
	case HVM_CTL_EFER:
		vmx_update_efer(vmx, val);
		return 0;
	case HVM_CTL_RFLAGS:
		vmcs_write(GUEST_RFLAGS, val | X86_EFLAGS_FIXED);
		return 0;
	case HVM_CTL_XCR0:
		vmx->xcr0 = val;
		return 0;
	case HVM_CTL_DR6:
		/*
		 * Virtual: MOV DR always exits and #DB is intercepted, so the
		 * CPU's DR6 is never the guest's (vmx_exit_dr(), exit.c) and
		 * the guest reads this value. The pending-debug-exceptions
		 * field the SDM suggests for an emulated trap (vol. 3C
		 * "Debug Exceptions" under "Virtualization of System
		 * Resources") would only come back as a #DB exit here.
		 */
		vmx->dr6 = (val & 0xe00f) | DR6_RESERVED;
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---------------------------------------------------------------------- */
/* HVM_MSR_ARCH MSRs: raw storage; the core checked values (kmod/exit.c) */

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

/**
 * vmx_msr_get() - ops->msr_get: from the VMCS or the switched MSR area
 * @vcpu: the vCPU (its VMCS current)
 * @msr: the MSR index
 * @val: out: its value
 *
 * Return: 0, or -EINVAL (#GP) for an MSR the backend does not hold.
 */
int vmx_msr_get(struct hvm_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	int idx = vmx_switched_index(msr);

	if (idx >= 0) {
		*val = vmx->guest_msrs[idx].value;
		return 0;
	}
	switch (msr) {
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
		*val = rdtsc() + ((vmx_caps.cpu & CPU_TSC_OFFSETTING) ?
				  vmcs_read(TSC_OFFSET) : 0);
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * vmx_msr_set() - ops->msr_set: store a value the core checked
 * @vcpu: the vCPU (its VMCS current)
 * @msr: the MSR index (never EFER: that is HVM_CTL_EFER)
 * @val: the value
 *
 * Return: 0, or -EINVAL (#GP).
 */
int vmx_msr_set(struct hvm_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	int idx = vmx_switched_index(msr);

	if (idx >= 0) {
		vmx->guest_msrs[idx].value = val;
		return 0;
	}
	switch (msr) {
	case MSR_IA32_CR_PAT:
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

/* ---------------------------------------------------------------------- */
/* Events (kmod/event.c decides, these program the VMCS; interrupts off) */

static const u32 vmx_event_type[] = {
	[HVM_EV_EXCEPTION]	= INTR_TYPE_HARD_EXCEPTION,
	[HVM_EV_INTR]		= INTR_TYPE_EXT_INTR,
	[HVM_EV_NMI]		= INTR_TYPE_NMI,
	[HVM_EV_SOFT_INT]	= INTR_TYPE_SOFT_INTR,
	[HVM_EV_SOFT_EXC]	= INTR_TYPE_SOFT_EXCEPTION,
	[HVM_EV_PRIV_SOFT]	= INTR_TYPE_PRIV_SW_EXCEPTION,
};

/**
 * vmx_inject_event() - ops->inject_event: the VM-entry interruption
 * information for @ev (SDM 26.6 / 27.6 "Event Injection"), or none
 * @vcpu: the vCPU (its VMCS current)
 * @ev: the event, or NULL
 *
 * Real mode delivers no error code (and VM entry refuses one, SDM
 * 26.2.1.3 / 27.2.1.3). Software interrupts and exceptions carry the
 * instruction length, which the entry adds to the RIP it pushes.
 */
void vmx_inject_event(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev)
{
	u32 info;

	if (!ev || ev->type == HVM_EV_NONE || ev->type >= ARRAY_SIZE(vmx_event_type)) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		return;
	}
	info = ev->vector | vmx_event_type[ev->type] | INTR_INFO_VALID;
	if (ev->has_error && (vmx_guest_cr0() & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error);
	}
	if (ev->type >= HVM_EV_SOFT_INT)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, ev->insn_len);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/**
 * vmx_set_windows() - ops->set_windows: interrupt- and NMI-window exiting
 * @vcpu: the vCPU (its VMCS current)
 * @irq: exit as soon as the guest can take an external interrupt
 * @nmi: exit as soon as it can take an NMI
 *
 * NMI-window exiting exists only with virtual NMIs (vmx_caps.nmi_window);
 * without them a pending NMI waits for the next exit of any kind, at
 * which hvm_inject_pending() looks again.
 */
void vmx_set_windows(struct hvm_vcpu *vcpu, bool irq, bool nmi)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	u32 ctls = vmx->cpu_ctls & ~(CPU_INTR_WINDOW_EXITING | CPU_NMI_WINDOW_EXITING);

	if (irq && vmx_caps.irq_window)
		ctls |= CPU_INTR_WINDOW_EXITING;
	if (nmi && vmx_caps.nmi_window)
		ctls |= CPU_NMI_WINDOW_EXITING;
	if (ctls != vmx->cpu_ctls) {
		vmx->cpu_ctls = ctls;
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, ctls);
	}
}

/**
 * vmx_get_interruptibility() - ops->get_interruptibility
 * @vcpu: the vCPU (its VMCS current)
 *
 * RFLAGS.IF, and the guest interruptibility state (SDM 25.4.2 / 24.4.2
 * table "Format of Interruptibility State"): blocking by STI (bit 0) or
 * MOV SS (bit 1), blocking by NMI (bit 3; virtual-NMI blocking with
 * virtual NMIs).
 *
 * Return: HVM_INTR_* bits.
 */
u32 vmx_get_interruptibility(struct hvm_vcpu *vcpu)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	u32 r = 0;

	if (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF)
		r |= HVM_INTR_IF;
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		r |= HVM_INTR_SHADOW;
	if (intr & GUEST_INTR_NMI)
		r |= HVM_INTR_NMI_BLOCKED;
	return r;
}
