// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest, once for both vendors: exceptions the core raises
 * or reflects, events an exit interrupted in the middle of their delivery,
 * external interrupts and NMIs from device models. The backends only
 * translate struct hvm_guest_event to and from EVENTINJ/EXITINTINFO (AMD-V) or
 * the VM-entry interruption and IDT-vectoring fields (VT-x), report the
 * guest's interruptibility and arm the window exits (ops table).
 *
 * Per entry, vcpu->event holds at most one event to deliver, and
 * vcpu->exc_next one that must follow it (SDM vol. 3A 6.15 table 6-5,
 * "handled serially"). Both are [t]: the vCPU thread's.
 */
#include <linux/bitops.h>
#include <asm/trapnr.h>

#include "hvm.h"
#include "lapic.h"

enum hvm_exc_class {
	HVM_EXC_BENIGN,
	HVM_EXC_CONTRIBUTORY,
	HVM_EXC_PAGE_FAULT,
	HVM_EXC_DOUBLE_FAULT,
};

/* SDM vol. 3A 6.15 table 6-4, APM vol. 2 8.2.9 table 8-7. */
static enum hvm_exc_class hvm_exc_class(const struct hvm_guest_event *ev)
{
	if (ev->type != HVM_EV_EXCEPTION)
		return HVM_EXC_BENIGN;
	switch (ev->vector) {
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return HVM_EXC_CONTRIBUTORY;
	case X86_TRAP_PF:
		return HVM_EXC_PAGE_FAULT;
	case X86_TRAP_DF:
		return HVM_EXC_DOUBLE_FAULT;
	default:
		return HVM_EXC_BENIGN;
	}
}

/**
 * hvm_queue_exception() - deliver a hardware exception at the next entry
 * @vcpu: the vCPU (its own thread)
 * @vector: X86_TRAP_*
 * @has_error: the exception pushes @error
 * @error: the error code
 *
 * Combined with an event whose delivery the exit interrupted (vcpu->event)
 * as the CPU would (SDM vol. 3A 6.15 table 6-5, APM vol. 2 8.2.9):
 *
 *  - a contributory exception or #PF while delivering #DF: shutdown;
 *  - contributory after contributory, or contributory/#PF after #PF: #DF(0);
 *  - otherwise the two are handled serially: the new exception is
 *    delivered first. An interrupted exception or software interrupt is
 *    dropped: its instruction is still at RIP and raises it again after
 *    the handler returns. An interrupted external interrupt or NMI cannot
 *    recur, so it waits in vcpu->exc_next and goes in at the next entry.
 *
 * Every exception the core delivers is counted (HVM_STAT_EXCEPTION), the
 * same on both vendors.
 *
 * Return: 0, or 1 when the VM stopped (triple fault).
 */
int hvm_queue_exception(struct hvm_vcpu *vcpu, u8 vector, bool has_error,
			u32 error)
{
	struct hvm_guest_event ev = {
		.type = HVM_EV_EXCEPTION,
		.vector = vector,
		.has_error = has_error,
		.error = error,
	};
	struct hvm_guest_event *first = &vcpu->event;
	enum hvm_exc_class c1, c2;

	vcpu->stats[HVM_STAT_EXCEPTION]++;
	if (first->type != HVM_EV_NONE) {
		c1 = hvm_exc_class(first);
		c2 = hvm_exc_class(&ev);
		if (c1 == HVM_EXC_DOUBLE_FAULT && c2 != HVM_EXC_BENIGN) {
			first->type = HVM_EV_NONE;
			vcpu->stats[HVM_STAT_SHUTDOWN]++;
			return hvm_vcpu_stop(vcpu, HVM_STOP_SHUTDOWN, 0);
		}
		if ((c1 == HVM_EXC_CONTRIBUTORY && c2 == HVM_EXC_CONTRIBUTORY) ||
		    (c1 == HVM_EXC_PAGE_FAULT && c2 != HVM_EXC_BENIGN)) {
			ev.vector = X86_TRAP_DF;
			ev.has_error = true;
			ev.error = 0;
		} else if (first->type == HVM_EV_INTR ||
			   first->type == HVM_EV_NMI) {
			vcpu->exc_next = *first;
		}
	}
	*first = ev;
	return 0;
}

/**
 * hvm_event_interrupted() - an exit cut the delivery of @ev short
 * @vcpu: the vCPU (its own thread), right after the exit
 * @ev: the event from EXITINTINFO / IDT-vectoring information
 *
 * The event goes in again at the next entry (SDM vol. 3C 28.2.4 / 27.2.4
 * "Information for VM Exits During Event Delivery", APM vol. 2 15.7.2),
 * unless the exit's handler turns it into a double fault or shutdown by
 * queueing another exception.
 */
void hvm_event_interrupted(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev)
{
	vcpu->event = *ev;
}

/*
 * The external interrupt to take now (its vector, after the INTA cycle:
 * IRR -> ISR in the local APIC, or the 8259A's acknowledge for an
 * ExtINT), or -1.
 */
static int hvm_intr_ack(struct hvm_vcpu *vcpu)
{
	bool extint;
	int v;

	v = hvm_lapic_pending(vcpu, &extint);
	if (extint)
		return hvm_pic_intack(vcpu->vm);
	if (v < 0)
		return -1;
	return hvm_lapic_intack(vcpu);
}

static bool hvm_intr_pending(struct hvm_vcpu *vcpu)
{
	bool extint;

	return hvm_lapic_pending(vcpu, &extint) >= 0 || extint;
}

/**
 * hvm_inject_pending() - program the next entry's event
 * @vcpu: the vCPU, interrupts off, right before the entry
 *
 * In priority order: the interrupted or queued event, the event that must
 * follow it, an NMI when NMIs are not blocked, the interrupt controllers'
 * external interrupt when RFLAGS.IF is set: the 8259A's ExtINT through
 * LINT0, else the local APIC's highest IRR vector above PPR (SDM vol. 3A
 * 10.8.3.1; one masked by the TPR waits and arms no window). Neither an
 * NMI nor an interrupt goes in during the STI / MOV SS shadow (SDM vol. 3A
 * 6.8.3, APM vol. 2 8.5). What cannot go in now arms the matching window
 * exit.
 */
void hvm_inject_pending(struct hvm_vcpu *vcpu)
{
	struct hvm_guest_event ev = {};
	bool nmi = READ_ONCE(vcpu->nmi_pending);
	bool irq;
	u32 intr;
	int v;

	if (!vcpu->lapic)
		WRITE_ONCE(vcpu->lapic, hvm_vm_lapic(vcpu->vm, vcpu->index));
	irq = hvm_intr_pending(vcpu);
	if (vcpu->event.type != HVM_EV_NONE) {
		ev = vcpu->event;
		vcpu->event.type = HVM_EV_NONE;
	} else if (vcpu->exc_next.type != HVM_EV_NONE) {
		ev = vcpu->exc_next;
		vcpu->exc_next.type = HVM_EV_NONE;
	} else if (nmi || irq) {
		intr = hvm_ops->get_interruptibility(vcpu);
		if (nmi && !(intr & (HVM_INTR_NMI_BLOCKED | HVM_INTR_SHADOW))) {
			ev.type = HVM_EV_NMI;
			ev.vector = X86_TRAP_NMI;
			WRITE_ONCE(vcpu->nmi_pending, false);
			nmi = false;
		} else if (irq && (intr & HVM_INTR_IF) &&
			   !(intr & HVM_INTR_SHADOW)) {
			v = hvm_intr_ack(vcpu);
			if (v >= 0) {
				ev.type = HVM_EV_INTR;
				ev.vector = v;
			}
			irq = hvm_intr_pending(vcpu);
		}
	}
	if (ev.type != HVM_EV_NONE)
		hvm_ops->inject_event(vcpu, &ev);
	hvm_ops->set_windows(vcpu, irq, nmi);
}

/**
 * hvm_vcpu_has_interrupt() - would an event end a halt now?
 * @vcpu: the vCPU
 *
 * An NMI, or an external interrupt the interrupt controllers would deliver
 * (a halted vCPU has RFLAGS.IF set, so it will take it). Any context.
 */
bool hvm_vcpu_has_interrupt(struct hvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->nmi_pending) || hvm_intr_pending(vcpu);
}

/**
 * hvm_vcpu_raise_irq() - a fixed, edge-triggered interrupt for the vCPU
 * @vcpu: the vCPU
 * @vector: the vector (32-255)
 *
 * Accepted by the vCPU's local APIC (its IRR) even while the APIC is
 * software-disabled: the selftests' test device is wired straight at the
 * vCPU. Delivered by priority like any APIC interrupt; the handler's EOI
 * clears its ISR bit. Any context, hard interrupts included.
 */
void hvm_vcpu_raise_irq(struct hvm_vcpu *vcpu, u8 vector)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);

	if (apic)
		hvm_lapic_accept(apic, vector, false, true);
}

/**
 * hvm_vcpu_raise_nmi() - an NMI for the vCPU
 * @vcpu: the vCPU
 *
 * NMIs do not queue: a second one raised before the first was delivered
 * is the same NMI (SDM vol. 3A 6.7.1). Any context.
 */
void hvm_vcpu_raise_nmi(struct hvm_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->nmi_pending, true);
	hvm_lapic_kick(vcpu);
}
