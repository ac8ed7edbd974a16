// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: VMCB setup, register state in and out, and the small
 * helpers exit handlers share (event injection, skipping an instruction).
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "svm.h"

/* Power-on PAT (APM 7.8.2): WB, WT, UC-, UC, twice. */
#define SVM_PAT_DEFAULT		0x0007040600070406ULL

/* Segment attributes (VMCB format): P | S | type. */
#define SEG_CODE16_RESET	0x009b
#define SEG_DATA16_RESET	0x0093
#define SEG_LDT			0x0082
#define SEG_TSS_BUSY		0x008b

/* Debug registers at reset. */
#define SVM_DR6_INIT		0xffff0ff0ULL
#define SVM_DR7_INIT		0x400ULL

/* Bits of RFLAGS that must be zero (reserved). */
#define RFLAGS_RESERVED		(~0x3f7fd7ULL)

/**
 * svm_vmcb_init_control() - intercepts, permission maps, nested paging
 * @sv: the vCPU; sv->vcpu->vm has its nested page table root
 */
void svm_vmcb_init_control(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->control;

	memset(c, 0, sizeof(*c));

	/*
	 * CR0 and CR3 accesses run natively: nested paging makes them
	 * harmless. CR4 is intercepted both ways (exit.c): the guest may only
	 * set the bits hvm virtualizes and advertises, and the hardware CR4
	 * keeps the host's MCE bit, which the guest reads back as it wrote it.
	 */
	c->intercept_cr = BIT(INTERCEPT_CR_READ(4)) | BIT(INTERCEPT_CR_WRITE(4));
	/* DRs: intercepted until first use, then switched (see exit.c). */
	c->intercept_dr = sv->dr_passthrough ? 0 : INTERCEPT_DR_ALL;
	/*
	 * #DB and #AC are reflected back to the guest: intercepting them
	 * keeps a guest's exception-delivery loop (CVE-2015-5307/8104) from
	 * holding the CPU in microcode. #MC goes to the host's handler.
	 */
	c->intercept_exceptions = BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
				  BIT(X86_TRAP_MC);
	c->intercept_misc1 = BIT(INTERCEPT_INTR) | BIT(INTERCEPT_NMI) |
			     BIT(INTERCEPT_SMI) | BIT(INTERCEPT_RDPMC) |
			     BIT(INTERCEPT_CPUID) | BIT(INTERCEPT_RSM) |
			     BIT(INTERCEPT_INVD) | BIT(INTERCEPT_HLT) |
			     BIT(INTERCEPT_INVLPGA) | BIT(INTERCEPT_IOIO_PROT) |
			     BIT(INTERCEPT_MSR_PROT) |
			     BIT(INTERCEPT_TASK_SWITCH) |
			     BIT(INTERCEPT_SHUTDOWN);
	/*
	 * WBINVD (and WBNOINVD, which the same intercept bit covers: APM
	 * vol. 2 table B-1, vector 4 bit 9 "WBINVD and WBNOINVD") would
	 * write back and invalidate every cache of the package, a stall of
	 * milliseconds for all host CPUs that a guest loop could repeat at
	 * will. Intercepted and emulated as a no-op (exit.c).
	 */
	c->intercept_misc2 = BIT(INTERCEPT_VMRUN) | BIT(INTERCEPT_VMMCALL) |
			     BIT(INTERCEPT_VMLOAD) | BIT(INTERCEPT_VMSAVE) |
			     BIT(INTERCEPT_STGI) | BIT(INTERCEPT_CLGI) |
			     BIT(INTERCEPT_SKINIT) | BIT(INTERCEPT_MONITOR) |
			     BIT(INTERCEPT_MWAIT) |
			     BIT(INTERCEPT_MWAIT_ARMED) |
			     BIT(INTERCEPT_XSETBV) | BIT(INTERCEPT_RDPRU) |
			     BIT(INTERCEPT_WBINVD);
	c->intercept_misc3 = BIT(INTERCEPT_INVLPGB) |
			     BIT(INTERCEPT_INVLPGB_ILLEGAL) |
			     BIT(INTERCEPT_TLBSYNC);

	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	c->tsc_offset = 0;
	c->tlb_control = TLB_CONTROL_DO_NOTHING;
	/* Host RFLAGS.IF, not the guest's, gates physical interrupts. */
	c->vintr = V_INTR_MASKING;
	c->np_enable = NP_ENABLE;
	c->n_cr3 = sv->vcpu->vm->npt_root_pa;
	/* Take a new ASID (and so a clean TLB) on the next run. */
	sv->asid_cpu = -1;
}

/**
 * svm_vmcb_init() - a fresh VMCB: control area and the x86 reset state
 * @sv: the vCPU; sv->vcpu->vm has its nested page table root
 */
void svm_vmcb_init(struct svm_vcpu *sv)
{
	struct vmcb_save *s = &sv->vmcb->save;

	memset(sv->vmcb, 0, sizeof(*sv->vmcb));
	memset(sv->gprs, 0, sizeof(sv->gprs));
	svm_vmcb_init_control(sv);

	/* Reset state (APM 14.1.3), except that EFER.SVME must be set. */
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	s->cs.limit = 0xffff;
	s->cs.attrib = SEG_CODE16_RESET;
	s->ds.limit = s->es.limit = s->fs.limit = 0xffff;
	s->gs.limit = s->ss.limit = 0xffff;
	s->ds.attrib = s->es.attrib = s->fs.attrib = SEG_DATA16_RESET;
	s->gs.attrib = s->ss.attrib = SEG_DATA16_RESET;
	s->gdtr.limit = s->idtr.limit = 0xffff;
	s->ldtr.limit = s->tr.limit = 0xffff;
	s->ldtr.attrib = SEG_LDT;
	s->tr.attrib = SEG_TSS_BUSY;
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	svm_set_cr4(sv, 0);
	s->dr6 = SVM_DR6_INIT;
	s->dr7 = SVM_DR7_INIT;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->g_pat = SVM_PAT_DEFAULT;
}

/* ---- register state ---- */

static void svm_seg_out(struct hvm_segment *out, const struct vmcb_seg *in)
{
	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->attrib = in->attrib;
}

static void svm_seg_in(struct vmcb_seg *out, const struct hvm_segment *in)
{
	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->attrib = in->attrib;
}

/**
 * svm_get_regs() - copy the vCPU's architectural state out
 * @vcpu: the vCPU, not running
 * @regs: filled; vcpu and flags are left to the caller
 *
 * The guest never sees EFER.SVME: it is the host's requirement for VMRUN.
 */
void svm_get_regs(struct hvm_vcpu *vcpu, struct hvm_regs *regs)
{
	struct svm_vcpu *sv = vcpu->arch;
	const struct vmcb_save *s = &sv->vmcb->save;

	regs->rax = s->rax;
	regs->rbx = sv->gprs[SVM_GPR_RBX];
	regs->rcx = sv->gprs[SVM_GPR_RCX];
	regs->rdx = sv->gprs[SVM_GPR_RDX];
	regs->rsi = sv->gprs[SVM_GPR_RSI];
	regs->rdi = sv->gprs[SVM_GPR_RDI];
	regs->rsp = s->rsp;
	regs->rbp = sv->gprs[SVM_GPR_RBP];
	regs->r8 = sv->gprs[SVM_GPR_R8];
	regs->r9 = sv->gprs[SVM_GPR_R9];
	regs->r10 = sv->gprs[SVM_GPR_R10];
	regs->r11 = sv->gprs[SVM_GPR_R11];
	regs->r12 = sv->gprs[SVM_GPR_R12];
	regs->r13 = sv->gprs[SVM_GPR_R13];
	regs->r14 = sv->gprs[SVM_GPR_R14];
	regs->r15 = sv->gprs[SVM_GPR_R15];
	regs->rip = s->rip;
	regs->rflags = s->rflags;
	regs->cr0 = s->cr0;
	regs->cr2 = s->cr2;
	regs->cr3 = s->cr3;
	regs->cr4 = sv->cr4;
	regs->efer = s->efer & ~EFER_SVME;
	svm_seg_out(&regs->cs, &s->cs);
	svm_seg_out(&regs->ds, &s->ds);
	svm_seg_out(&regs->es, &s->es);
	svm_seg_out(&regs->fs, &s->fs);
	svm_seg_out(&regs->gs, &s->gs);
	svm_seg_out(&regs->ss, &s->ss);
	/*
	 * The CPL is the VMCB's; SS.DPL may be stale (SYSRET to user mode
	 * leaves it 0 on AMD, APM vol. 2 15.5.1): report it as SS.DPL, as
	 * KVM's svm_get_segment() does, so the core's CPL checks see it.
	 */
	regs->ss.attrib = (regs->ss.attrib & ~0x60) | ((s->cpl & 3) << 5);
	svm_seg_out(&regs->tr, &s->tr);
	svm_seg_out(&regs->ldtr, &s->ldtr);
	regs->gdt.base = s->gdtr.base;
	regs->gdt.limit = s->gdtr.limit;
	regs->idt.base = s->idtr.base;
	regs->idt.limit = s->idtr.limit;
}

/**
 * svm_cr4_guest_bits() - CR4 bits a guest may set
 *
 * Only what hvm virtualizes and kmod/cpuid.c advertises to guests: the
 * architectural base bits, plus FSGSBASE, UMIP, SMEP, SMAP and OSXSAVE
 * where the host has them (CPUID passes those through). Never MCE (the
 * guest is told there is no machine-check architecture; the hardware bit
 * is the host's), PCIDE, PKE, LA57 (hidden), CET (no supervisor XSAVE
 * state is virtualized), VMXE/SMXE, or a bit a later CPU defines. A MOV
 * to CR4 setting any other bit raises #GP, as reserved bits do (APM 3.1.3).
 *
 * Return: the mask.
 */
u64 svm_cr4_guest_bits(void)
{
	u64 bits = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		   X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE |
		   X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		bits |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		bits |= X86_CR4_FSGSBASE;
	if (svm_host_xcr0)
		bits |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		bits |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		bits |= X86_CR4_SMAP;
	return bits;
}

/**
 * svm_set_cr4() - give the guest CR4 value @cr4
 * @sv: the vCPU
 * @cr4: the guest-visible value (already checked against
 *       svm_cr4_guest_bits())
 *
 * The VMCB gets @cr4 plus the host bits hvm keeps in force (CR4.MCE):
 * a machine check in guest mode then raises #MC, which is intercepted and
 * handed to the host (APM 15.12), instead of shutting the CPU down.
 * A change of any paging-related bit needs the TLB flush the MOV would
 * have done (APM 5.5.3); the vCPU takes a fresh ASID (npt.c).
 */
void svm_set_cr4(struct svm_vcpu *sv, u64 cr4)
{
	if (sv->cr4 != cr4)
		sv->asid_cpu = -1;
	sv->cr4 = cr4;
	sv->vmcb->save.cr4 = cr4 | svm_cr4_forced;
}

/**
 * svm_efer_valid() - is @efer a value a guest may hold (SVME excluded)?
 * @efer: the guest-visible EFER
 *
 * Return: 1 when valid, 0 otherwise.
 */
int svm_efer_valid(u64 efer)
{
	u64 ok = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		ok |= EFER_NX;
	return !(efer & ~ok);
}

/**
 * svm_pat_valid() - every PAT entry is a defined memory type
 * @pat: the value
 *
 * Return: true when each byte is 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB)
 * or 7 (UC-).
 */
bool svm_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/**
 * svm_set_regs() - load a state the core already checked
 * @vcpu: the vCPU, not running
 * @regs: the state; segment attributes are in VMCB format
 *
 * Rejects what VMRUN's consistency checks would refuse (APM 15.5.1), so a
 * bad state fails here with -EINVAL rather than as an entry failure.
 * EFER.LMA is derived from LME and CR0.PG, CPL from SS.DPL (0 in real
 * mode, 3 in virtual-8086 mode). Any pending event is dropped.
 *
 * Return: 0 or -EINVAL.
 */
int svm_set_regs(struct hvm_vcpu *vcpu, const struct hvm_regs *regs)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb *vmcb = sv->vmcb;
	struct vmcb_save *s = &vmcb->save;
	u64 cr0 = regs->cr0, cr4 = regs->cr4, efer = regs->efer & ~EFER_SVME;
	bool long_mode;

	if (cr0 >> 32 || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) ||
	    ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))) {
		pr_debug("set_regs: invalid CR0 %#llx\n", cr0);
		return -EINVAL;
	}
	if (cr4 & ~svm_cr4_guest_bits()) {
		pr_debug("set_regs: CR4 bits hvm does not virtualize in %#llx\n",
			 cr4);
		return -EINVAL;
	}
	if (regs->cr3 >> boot_cpu_data.x86_phys_bits) {
		pr_debug("set_regs: CR3 %#llx beyond the physical address width\n",
			 regs->cr3);
		return -EINVAL;
	}
	if (!svm_efer_valid(efer)) {
		pr_debug("set_regs: reserved EFER bits in %#llx\n", efer);
		return -EINVAL;
	}
	if (regs->rflags & RFLAGS_RESERVED) {
		pr_debug("set_regs: reserved RFLAGS bits in %#llx\n",
			 regs->rflags);
		return -EINVAL;
	}
	long_mode = (efer & EFER_LME) && (cr0 & X86_CR0_PG);
	if (long_mode && !(cr4 & X86_CR4_PAE)) {
		pr_debug("set_regs: EFER.LME and CR0.PG without CR4.PAE\n");
		return -EINVAL;
	}
	if (long_mode && (regs->cs.attrib & BIT(9)) &&
	    (regs->cs.attrib & BIT(10))) {
		pr_debug("set_regs: long mode with CS.L and CS.D both set\n");
		return -EINVAL;
	}

	s->rax = regs->rax;
	sv->gprs[SVM_GPR_RBX] = regs->rbx;
	sv->gprs[SVM_GPR_RCX] = regs->rcx;
	sv->gprs[SVM_GPR_RDX] = regs->rdx;
	sv->gprs[SVM_GPR_RSI] = regs->rsi;
	sv->gprs[SVM_GPR_RDI] = regs->rdi;
	s->rsp = regs->rsp;
	sv->gprs[SVM_GPR_RBP] = regs->rbp;
	sv->gprs[SVM_GPR_R8] = regs->r8;
	sv->gprs[SVM_GPR_R9] = regs->r9;
	sv->gprs[SVM_GPR_R10] = regs->r10;
	sv->gprs[SVM_GPR_R11] = regs->r11;
	sv->gprs[SVM_GPR_R12] = regs->r12;
	sv->gprs[SVM_GPR_R13] = regs->r13;
	sv->gprs[SVM_GPR_R14] = regs->r14;
	sv->gprs[SVM_GPR_R15] = regs->r15;
	s->rip = regs->rip;
	s->rflags = regs->rflags | X86_EFLAGS_FIXED;
	s->cr0 = cr0;
	s->cr2 = regs->cr2;
	s->cr3 = regs->cr3;
	svm_set_cr4(sv, cr4);
	efer &= ~EFER_LMA;
	if (long_mode)
		efer |= EFER_LMA;
	s->efer = efer | EFER_SVME;
	svm_seg_in(&s->cs, &regs->cs);
	svm_seg_in(&s->ds, &regs->ds);
	svm_seg_in(&s->es, &regs->es);
	svm_seg_in(&s->fs, &regs->fs);
	svm_seg_in(&s->gs, &regs->gs);
	svm_seg_in(&s->ss, &regs->ss);
	svm_seg_in(&s->tr, &regs->tr);
	svm_seg_in(&s->ldtr, &regs->ldtr);
	s->gdtr.base = regs->gdt.base;
	s->gdtr.limit = regs->gdt.limit;
	s->idtr.base = regs->idt.base;
	s->idtr.limit = regs->idt.limit;

	if (!(cr0 & X86_CR0_PE))
		s->cpl = 0;
	else if (regs->rflags & X86_EFLAGS_VM)
		s->cpl = 3;
	else
		s->cpl = (regs->ss.attrib >> 5) & 3;

	vmcb->control.eventinj = 0;
	vmcb->control.interrupt_shadow = 0;
	return 0;
}

/* ---- helpers for exit handlers ---- */

/**
 * svm_inject_exception() - deliver an exception at the next VMRUN
 * @sv: the vCPU
 * @vector: exception vector
 * @has_error: push @error
 * @error: error code
 */
void svm_inject_exception(struct svm_vcpu *sv, u8 vector, bool has_error,
			  u32 error)
{
	u64 ev = vector | EVENTINJ_TYPE_EXCEPTION | EVENTINJ_V;

	if (has_error)
		ev |= EVENTINJ_EV | ((u64)error << EVENTINJ_ERRORCODE_SHIFT);
	sv->vmcb->control.eventinj = ev;
}

/**
 * svm_skip_insn() - move RIP past the intercepted instruction
 * @sv: the vCPU
 * @len: its length, used when the CPU has no NRIP save (QEMU TCG)
 */
void svm_skip_insn(struct svm_vcpu *sv, unsigned int len)
{
	struct vmcb *vmcb = sv->vmcb;
	u64 rip;

	if (svm_has(SVM_FEATURE_NRIPS) && vmcb->control.nrip)
		rip = vmcb->control.nrip;
	else
		rip = vmcb->save.rip + len;
	/* Outside 64-bit code the instruction pointer is 32 bits wide. */
	if (!((vmcb->save.efer & EFER_LMA) && (vmcb->save.cs.attrib & BIT(9))))
		rip &= 0xffffffff;
	vmcb->save.rip = rip;
	vmcb->control.interrupt_shadow = 0;
}
