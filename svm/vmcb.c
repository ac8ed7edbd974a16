// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: the VMCB and guest FPU area of a vCPU (allocation,
 * setup) and the guest state in them, as the core
 * reads and writes it: get_regs/set_regs (the GPRs and RIP live in the
 * core's register file, hvm_vcpu::gprs/rip), get_ctl/set_ctl and the
 * HVM_MSR_ARCH MSRs. The rules for what a guest may write are the core's
 * (kmod/x86.c); this file only adds what AMD-V forces.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/msr.h>
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
	 * harmless. CR4 is intercepted both ways (decoded in exit.c,
	 * emulated in kmod/exit.c): the guest may only set the bits hvm
	 * virtualizes and advertises, and the hardware CR4 keeps the host's
	 * MCE bit, which the guest reads back as it wrote it.
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
	 * will. Intercepted and emulated as a no-op (kmod/exit.c, HVM_EXIT_INVD).
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
	c->tsc_offset = sv->vcpu->vm->tsc_offset;
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
	memset(sv->vcpu->gprs, 0, sizeof(sv->vcpu->gprs));
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
	sv->vcpu->rip = s->rip;
	s->g_pat = SVM_PAT_DEFAULT;
}

/**
 * svm_vcpu_create() - allocate the VMCB and guest state; reset state
 * @vcpu: the vCPU
 *
 * Return: 0 or -ENOMEM.
 */
int svm_vcpu_create(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv;
	struct page *page;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	sv->vcpu = vcpu;
	sv->asid_cpu = -1;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto err_free_sv;
	sv->vmcb = page_address(page);
	sv->vmcb_pa = page_to_phys(page);

	sv->fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					   get_order(svm_fpu_size));
	if (!sv->fpu)
		goto err_free_vmcb;
	hvm_fpu_reset_image(sv->fpu, svm_fpu_size);
	sv->xcr0 = XFEATURE_MASK_FP;

	vcpu->arch = sv;
	svm_vmcb_init(sv);
	return 0;

err_free_vmcb:
	__free_page(page);
err_free_sv:
	kfree(sv);
	return -ENOMEM;
}

/**
 * svm_vcpu_destroy() - free what svm_vcpu_create() allocated
 * @vcpu: the vCPU, not running
 */
void svm_vcpu_destroy(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;
	int cpu;

	if (!sv)
		return;
	/*
	 * A new VMCB may get this page: no CPU may then skip the IBPB
	 * because it "ran it last".
	 */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpu, cpu)->last_vmcb, sv->vmcb, NULL);
	free_pages((unsigned long)sv->fpu, get_order(svm_fpu_size));
	free_page((unsigned long)sv->vmcb);
	kfree(sv);
	vcpu->arch = NULL;
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

	regs->rax = vcpu->gprs[HVM_GPR_RAX];
	regs->rbx = vcpu->gprs[HVM_GPR_RBX];
	regs->rcx = vcpu->gprs[HVM_GPR_RCX];
	regs->rdx = vcpu->gprs[HVM_GPR_RDX];
	regs->rsi = vcpu->gprs[HVM_GPR_RSI];
	regs->rdi = vcpu->gprs[HVM_GPR_RDI];
	regs->rsp = vcpu->gprs[HVM_GPR_RSP];
	regs->rbp = vcpu->gprs[HVM_GPR_RBP];
	regs->r8 = vcpu->gprs[HVM_GPR_R8];
	regs->r9 = vcpu->gprs[HVM_GPR_R9];
	regs->r10 = vcpu->gprs[HVM_GPR_R10];
	regs->r11 = vcpu->gprs[HVM_GPR_R11];
	regs->r12 = vcpu->gprs[HVM_GPR_R12];
	regs->r13 = vcpu->gprs[HVM_GPR_R13];
	regs->r14 = vcpu->gprs[HVM_GPR_R14];
	regs->r15 = vcpu->gprs[HVM_GPR_R15];
	regs->rip = vcpu->rip;
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
 * svm_set_cr4() - give the guest CR4 value @cr4
 * @sv: the vCPU
 * @cr4: the guest-visible value (already checked against
 *       hvm_cr4_guest_bits() by the core)
 *
 * The VMCB gets @cr4 plus the host bits hvm keeps in force (CR4.MCE):
 * a machine check in guest mode then raises #MC, which is intercepted and
 * handed to the host (APM 15.12), instead of shutting the CPU down.
 * A change of any paging-related bit needs the TLB flush the MOV would
 * have done (APM 5.5.3); the vCPU takes a fresh ASID (asid.c).
 */
void svm_set_cr4(struct svm_vcpu *sv, u64 cr4)
{
	if (sv->cr4 != cr4)
		sv->asid_cpu = -1;
	sv->cr4 = cr4;
	sv->vmcb->save.cr4 = cr4 | svm_cr4_forced;
}

/*
 * What VMRUN's consistency checks would refuse (APM 15.5.1), so a bad
 * state fails in set_regs with -EINVAL rather than as an entry failure.
 */
static int svm_regs_check(const struct hvm_regs *regs)
{
	u64 cr0 = regs->cr0, cr4 = regs->cr4, efer = regs->efer & ~EFER_SVME;
	bool long_mode;

	if (cr0 >> 32 || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) ||
	    ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))) {
		pr_debug("set_regs: invalid CR0 %#llx\n", cr0);
		return -EINVAL;
	}
	if (cr4 & ~hvm_cr4_guest_bits()) {
		pr_debug("set_regs: CR4 bits hvm does not virtualize in %#llx\n",
			 cr4);
		return -EINVAL;
	}
	if (regs->cr3 >> boot_cpu_data.x86_phys_bits) {
		pr_debug("set_regs: CR3 %#llx beyond the physical address width\n",
			 regs->cr3);
		return -EINVAL;
	}
	if (efer & ~hvm_efer_valid_bits()) {
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
	return 0;
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

	if (svm_regs_check(regs))
		return -EINVAL;
	long_mode = (efer & EFER_LME) && (cr0 & X86_CR0_PG);

	vcpu->gprs[HVM_GPR_RAX] = regs->rax;
	vcpu->gprs[HVM_GPR_RBX] = regs->rbx;
	vcpu->gprs[HVM_GPR_RCX] = regs->rcx;
	vcpu->gprs[HVM_GPR_RDX] = regs->rdx;
	vcpu->gprs[HVM_GPR_RSI] = regs->rsi;
	vcpu->gprs[HVM_GPR_RDI] = regs->rdi;
	vcpu->gprs[HVM_GPR_RSP] = regs->rsp;
	vcpu->gprs[HVM_GPR_RBP] = regs->rbp;
	vcpu->gprs[HVM_GPR_R8] = regs->r8;
	vcpu->gprs[HVM_GPR_R9] = regs->r9;
	vcpu->gprs[HVM_GPR_R10] = regs->r10;
	vcpu->gprs[HVM_GPR_R11] = regs->r11;
	vcpu->gprs[HVM_GPR_R12] = regs->r12;
	vcpu->gprs[HVM_GPR_R13] = regs->r13;
	vcpu->gprs[HVM_GPR_R14] = regs->r14;
	vcpu->gprs[HVM_GPR_R15] = regs->r15;
	/* svm_vcpu_run() copies RAX, RSP and RIP into the VMCB at entry. */
	vcpu->rip = regs->rip;
	s->rax = regs->rax;
	s->rsp = regs->rsp;
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
	vcpu->event.type = HVM_EV_NONE;
	vcpu->exc_next.type = HVM_EV_NONE;
	sv->nmi_masked = false;
	sv->nmi_iret_seen = false;
	return 0;
}

/* ---- control state for the core's exit handlers ---- */

/**
 * svm_get_ctl() - read guest state the register file does not hold
 * @vcpu: the vCPU (its thread, or stopped)
 * @ctl: which (enum hvm_ctl)
 *
 * CR4 is the guest's own value (without the host's CR4.MCE), EFER never
 * shows SVME. CS attributes are in VMCB format, which is the struct
 * hvm_segment layout (bit 9 L, bit 10 D/B).
 *
 * Return: the value, 0 for an unknown @ctl.
 */
u64 svm_get_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl)
{
	struct svm_vcpu *sv = vcpu->arch;
	const struct vmcb *vmcb = sv->vmcb;
	const struct vmcb_save *s = &vmcb->save;

	switch (ctl) {
	case HVM_CTL_CR0:
		return s->cr0;
	case HVM_CTL_CR2:
		return s->cr2;
	case HVM_CTL_CR3:
		return s->cr3;
	case HVM_CTL_CR4:
		return sv->cr4;
	case HVM_CTL_CR8:
		return vmcb->control.vintr & V_TPR_MASK;
	case HVM_CTL_EFER:
		return s->efer & ~EFER_SVME;
	case HVM_CTL_RFLAGS:
		return s->rflags;
	case HVM_CTL_CPL:
		return s->cpl;
	case HVM_CTL_CS_ATTR:
		return s->cs.attrib;
	case HVM_CTL_XCR0:
		return sv->xcr0;
	case HVM_CTL_DR6:
		return s->dr6;
	}
	return 0;
}

/*
 * EFER.LMA follows CR0.PG while EFER.LME is set (APM vol. 2 14.6.1: the
 * CPU sets LMA when paging is enabled in that state, clears it with PG).
 */
static void svm_update_lma(struct vmcb_save *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG))
		s->efer |= EFER_LMA;
	else
		s->efer &= ~EFER_LMA;
}

/**
 * svm_set_ctl() - store a value the core validated (kmod/x86.c)
 * @vcpu: the vCPU (its thread)
 * @ctl: which (enum hvm_ctl)
 * @val: the guest-visible value
 *
 * Adds what AMD-V forces (EFER.SVME, the host's CR4.MCE, RFLAGS bit 1)
 * and the side effects: EFER.LMA on CR0.PG, a fresh ASID (a TLB flush)
 * on a CR3 load or a change of the paging bits of CR0 (APM vol. 2 5.5.3).
 * On SVM, MOV CR0/CR3/CR8 run natively; these paths serve CLTS/LMSW-like
 * core updates and string-I/O #PF (CR2).
 *
 * Return: 0, or -EINVAL for state that cannot be written (CPL, CS).
 */
int svm_set_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl, u64 val)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb *vmcb = sv->vmcb;
	struct vmcb_save *s = &vmcb->save;

	switch (ctl) {
	case HVM_CTL_CR0:
		if ((s->cr0 ^ val) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
			sv->asid_cpu = -1;
		s->cr0 = val;
		svm_update_lma(s);
		return 0;
	case HVM_CTL_CR2:
		s->cr2 = val;
		return 0;
	case HVM_CTL_CR3:
		s->cr3 = val;
		sv->asid_cpu = -1;
		return 0;
	case HVM_CTL_CR4:
		svm_set_cr4(sv, val);
		return 0;
	case HVM_CTL_CR8:
		vmcb->control.vintr = (vmcb->control.vintr & ~V_TPR_MASK) |
				      (val & V_TPR_MASK);
		return 0;
	case HVM_CTL_EFER:
		s->efer = val | EFER_SVME;
		return 0;
	case HVM_CTL_RFLAGS:
		s->rflags = val | X86_EFLAGS_FIXED;
		return 0;
	case HVM_CTL_XCR0:
		/* Loaded around VMRUN by svm_guest_xcr0_enter() (svm.c). */
		sv->xcr0 = val;
		return 0;
	case HVM_CTL_DR6:
		/*
		 * VMRUN loads it into DR6, #VMEXIT saves the guest's back
		 * (APM vol. 2 15.5.1, 15.6): whether or not the guest's
		 * MOV DR is still intercepted, it reads this value.
		 */
		s->dr6 = val;
		return 0;
	case HVM_CTL_CPL:
	case HVM_CTL_CS_ATTR:
		break;
	}
	return -EINVAL;
}

/**
 * svm_msr_get() - read an HVM_MSR_ARCH MSR from the VMCB
 * @vcpu: the vCPU (its thread)
 * @msr: the MSR (EFER goes through svm_get_ctl())
 * @val: the value
 *
 * Return: 0, or -EINVAL for an MSR the VMCB does not hold (#GP).
 */
int svm_msr_get(struct hvm_vcpu *vcpu, u32 msr, u64 *val)
{
	struct svm_vcpu *sv = vcpu->arch;
	const struct vmcb_save *s = &sv->vmcb->save;

	switch (msr) {
	case MSR_IA32_CR_PAT:
		*val = s->g_pat;
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + sv->vmcb->control.tsc_offset;
		break;
	case MSR_FS_BASE:
		*val = s->fs.base;
		break;
	case MSR_GS_BASE:
		*val = s->gs.base;
		break;
	case MSR_KERNEL_GS_BASE:
		*val = s->kernel_gs_base;
		break;
	case MSR_STAR:
		*val = s->star;
		break;
	case MSR_LSTAR:
		*val = s->lstar;
		break;
	case MSR_CSTAR:
		*val = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*val = s->sfmask;
		break;
	case MSR_IA32_SYSENTER_CS:
		*val = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*val = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*val = s->sysenter_eip;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/**
 * svm_msr_set() - store an HVM_MSR_ARCH MSR in the VMCB
 * @vcpu: the vCPU (its thread)
 * @msr: the MSR (EFER goes through svm_set_ctl())
 * @val: a value the core checked (PAT types, canonical addresses)
 *
 * Return: 0, or -EINVAL for an MSR the VMCB does not hold (#GP).
 */
int svm_msr_set(struct hvm_vcpu *vcpu, u32 msr, u64 val)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb_save *s = &sv->vmcb->save;

	switch (msr) {
	case MSR_IA32_CR_PAT:
		s->g_pat = val;
		break;
	case MSR_IA32_TSC:
		sv->vmcb->control.tsc_offset = val - rdtsc();
		break;
	case MSR_FS_BASE:
		s->fs.base = val;
		break;
	case MSR_GS_BASE:
		s->gs.base = val;
		break;
	case MSR_KERNEL_GS_BASE:
		s->kernel_gs_base = val;
		break;
	case MSR_STAR:
		s->star = val;
		break;
	case MSR_LSTAR:
		s->lstar = val;
		break;
	case MSR_CSTAR:
		s->cstar = val;
		break;
	case MSR_SYSCALL_MASK:
		s->sfmask = val;
		break;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = val;
		break;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = val;
		break;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = val;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}
