// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: events for the guest, translated to and from the
 * VMCB. The core decides what to deliver and when (kmod/event.c); this
 * file only encodes it in EVENTINJ, decodes EXITINTINFO after an exit,
 * arms the window exits and reports the guest's interruptibility
 * (APM vol. 2 15.20 "Event Injection", 15.7.2 "Intercepts During IDT
 * Interrupt Delivery", 15.21.4 "Injecting Virtual (INTR) Interrupts").
 *
 * NMI blocking: VMRUN keeps no guest NMI mask for an NMI injected through
 * EVENTINJ on CPUs without vNMI (and QEMU TCG has no vNMI), so hvm tracks
 * it as KVM does: masked from the injection until the guest's IRET has
 * executed. The IRET is intercepted; the mask is dropped at the first exit
 * that finds RIP moved off that IRET. There is no NMI-window intercept:
 * an NMI that waits for the IRET, or for an STI / MOV SS shadow to end,
 * goes in at the next exit after that (any exit: host timer interrupts
 * bound the delay).
 */
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "svm.h"

/**
 * svm_event_exit() - event state right after a #VMEXIT
 * @sv: the vCPU; vcpu->rip already holds the exit's RIP
 *
 * EVENTINJ was consumed by the VMRUN (an event it could not finish
 * delivering comes back in EXITINTINFO). An event whose delivery the exit
 * interrupted (e.g. a nested page fault on the IDT or the exception stack)
 * goes back to the core to deliver again at the next VMRUN, except
 * software interrupts (INTn) and INT3/INTO: RIP still points at the
 * instruction, which simply executes again (APM vol. 2 15.7.2).
 */
void svm_event_exit(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->control;
	struct hvm_vcpu *vcpu = sv->vcpu;
	u64 info = c->exitintinfo;
	u64 type = info & (7ULL << EVENTINJ_TYPE_SHIFT);
	struct hvm_guest_event ev = {
		.vector = info & EVENTINJ_VECTOR_MASK,
		.has_error = info & EVENTINJ_EV,
		.error = info >> EVENTINJ_ERRORCODE_SHIFT,
	};

	c->eventinj = 0;
	if (sv->nmi_iret_seen && vcpu->rip != sv->nmi_iret_rip) {
		sv->nmi_masked = false;
		sv->nmi_iret_seen = false;
	}
	if (!(info & EVENTINJ_V))
		return;
	switch (type) {
	case EVENTINJ_TYPE_INTR:
		ev.type = HVM_EV_INTR;
		break;
	case EVENTINJ_TYPE_NMI:
		ev.type = HVM_EV_NMI;
		/* Not delivered yet: not blocking either. */
		sv->nmi_masked = false;
		sv->nmi_iret_seen = false;
		break;
	case EVENTINJ_TYPE_EXCEPTION:
		if (ev.vector == X86_TRAP_BP || ev.vector == X86_TRAP_OF)
			return;
		ev.type = HVM_EV_EXCEPTION;
		break;
	default:	/* EVENTINJ_TYPE_SOFT_INT */
		return;
	}
	hvm_event_interrupted(vcpu, &ev);
}

/**
 * svm_inject_event() - make the next VMRUN deliver @ev
 * @vcpu: the vCPU, interrupts off
 * @ev: the event, or NULL for none
 *
 * Real mode pushes no error code (APM vol. 2 8.4: "real mode ... no error
 * code"). INT3/INTO and ICEBP go in as exceptions, INTn as a software
 * interrupt; for all three the return address is NRIP where the CPU
 * implements it (APM vol. 2 15.20), RIP + the instruction length.
 */
void svm_inject_event(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb *vmcb = sv->vmcb;
	u64 inj;

	if (!ev) {
		vmcb->control.eventinj = 0;
		return;
	}
	inj = ev->vector | EVENTINJ_V;
	switch (ev->type) {
	case HVM_EV_INTR:
		inj |= EVENTINJ_TYPE_INTR;
		break;
	case HVM_EV_NMI:
		inj |= EVENTINJ_TYPE_NMI;
		sv->nmi_masked = true;
		sv->nmi_iret_seen = false;
		break;
	case HVM_EV_SOFT_INT:
		inj |= EVENTINJ_TYPE_SOFT_INT;
		vmcb->control.nrip = vcpu->rip + ev->insn_len;
		break;
	case HVM_EV_SOFT_EXC:
	case HVM_EV_PRIV_SOFT:
		inj |= EVENTINJ_TYPE_EXCEPTION;
		vmcb->control.nrip = vcpu->rip + ev->insn_len;
		break;
	default:
		inj |= EVENTINJ_TYPE_EXCEPTION;
		break;
	}
	if (ev->has_error && (vmcb->save.cr0 & X86_CR0_PE))
		inj |= EVENTINJ_EV | ((u64)ev->error << EVENTINJ_ERRORCODE_SHIFT);
	vmcb->control.eventinj = inj;
}

/**
 * svm_set_windows() - arm (or disarm) the exits the core waits for
 * @vcpu: the vCPU, interrupts off
 * @irq: exit as soon as the guest can take an external interrupt
 * @nmi: exit as soon as it can take an NMI
 *
 * @irq requests a virtual interrupt (V_IRQ, highest priority, TPR
 * ignored) and intercepts VINTR, which exits when the guest would take it:
 * RFLAGS.IF set and no interrupt shadow (APM vol. 2 15.21.4). The
 * interrupt itself then goes in through EVENTINJ. @nmi has no intercept of
 * its own (see the top of this file).
 */
void svm_set_windows(struct hvm_vcpu *vcpu, bool irq, bool nmi)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb_control *c = &sv->vmcb->control;

	c->vintr &= ~(V_IRQ | V_IGN_TPR | V_INTR_PRIO_MASK);
	c->intercept_misc1 &= ~(BIT(INTERCEPT_VINTR) | BIT(INTERCEPT_IRET));
	if (irq) {
		c->vintr |= V_IRQ | V_IGN_TPR | V_INTR_PRIO_MASK;
		c->intercept_misc1 |= BIT(INTERCEPT_VINTR);
	}
	/*
	 * The IRET is intercepted whenever an NMI handler runs, not only
	 * with @nmi: the mask must end with it either way.
	 */
	if (sv->nmi_masked && !sv->nmi_iret_seen)
		c->intercept_misc1 |= BIT(INTERCEPT_IRET);
}

/**
 * svm_get_interruptibility() - HVM_INTR_* of the guest's current state
 * @vcpu: the vCPU
 *
 * Return: RFLAGS.IF, the STI / MOV SS shadow (INTERRUPT_SHADOW bit 0,
 * APM vol. 2 15.21.5), and NMI blocking as tracked here.
 */
u32 svm_get_interruptibility(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;
	const struct vmcb *vmcb = sv->vmcb;
	u32 r = 0;

	if (vmcb->save.rflags & X86_EFLAGS_IF)
		r |= HVM_INTR_IF;
	if (vmcb->control.interrupt_shadow & SVM_INTERRUPT_SHADOW)
		r |= HVM_INTR_SHADOW;
	if (sv->nmi_masked)
		r |= HVM_INTR_NMI_BLOCKED;
	return r;
}
