// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: what the core kernel must know about guest mode.
 *
 * guest_state_enter_irqoff()/guest_state_exit_irqoff() tell context
 * tracking (RCU: a CPU in a guest is in an extended quiescent state on
 * nohz_full CPUs), lockdep and the irq-flags tracer that the CPU leaves
 * and re-enters the kernel; guest_timing_*() make the tick account the
 * time between them to the guest (PF_VCPU, "guest" in /proc/stat). Both
 * kernels (6.1 and 6.12) have them as inlines in <linux/kvm_host.h> that
 * only use exported symbols (__ct_user_enter/exit, vtime_guest_enter/exit,
 * context_tracking, rcu_note_context_switch).
 */
#include <linux/kvm_host.h>
#include <asm/processor.h>

#include "ctx.h"

/**
 * svm_enter_guest() - VMRUN once, as the kernel sees it
 * @gprs: the core register file (hvm_vcpu::gprs); entry.S loads and saves
 *        every GPR but RAX and RSP, which VMRUN switches through the VMCB
 * @vmcb_pa: physical address of the VMCB
 * @host_vmsave_pa: this CPU's host VMSAVE area
 *
 * Called with interrupts disabled and GIF clear. RFLAGS.IF is set only
 * for VMRUN itself: with V_INTR_MASKING the host's RFLAGS.IF at VMRUN
 * decides whether physical interrupts exit the guest (APM 15.21.1), while
 * GIF=0 keeps them pending in host mode (APM 15.17.1), so no interrupt
 * is taken here. IF is set with a plain STI well before VMRUN, never in
 * VMRUN's interrupt shadow (AMD CPUs carry that shadow into the guest
 * when an event delivered during VMRUN causes a #VMEXIT).
 *
 * Return: svm_vmrun()'s status (1: an SVM instruction faulted).
 */
int svm_enter_guest(unsigned long *gprs, unsigned long vmcb_pa,
		    unsigned long host_vmsave_pa)
{
	int fault;

	guest_state_enter_irqoff();
	raw_local_irq_enable();
	/* Zen1 DIV0: do not leave a host quotient for the guest to sample. */
	amd_clear_divider();
	fault = svm_vmrun(gprs, vmcb_pa, host_vmsave_pa);
	raw_local_irq_disable();
	guest_state_exit_irqoff();
	return fault;
}

/**
 * svm_guest_timing_enter() - account from now on to guest time
 *
 * Interrupts are disabled.
 */
void svm_guest_timing_enter(void)
{
	guest_timing_enter_irqoff();
}

/**
 * svm_guest_timing_exit() - stop accounting to guest time
 *
 * Interrupts are disabled; the caller briefly enabled them after the
 * exit so that a tick that arrived in guest mode was taken (and counted
 * as guest time) first, as KVM does.
 */
void svm_guest_timing_exit(void)
{
	guest_timing_exit_irqoff();
}
