// SPDX-License-Identifier: GPL-2.0
/*
 * Guest context and guest time around a VM entry, from the kernel's own
 * helpers in <linux/kvm_host.h> (kept in this file: that header's x86
 * side defines VMCS names that clash with vmcs.h).
 *
 * guest_state_enter_irqoff() tells context tracking and RCU that the CPU
 * leaves the kernel for the guest (an extended quiescent state, as user
 * mode is), guest_timing_enter_irqoff() makes the tick account the time
 * to the task as guest time (PF_VCPU, or vtime with nohz_full). Between
 * the enter and exit calls nothing may use RCU, tracing or lockdep.
 */
#include <linux/kvm_host.h>

#include "guest.h"

/** vmx_guest_enter_irqoff() - the CPU is about to run guest code (IRQs off) */
noinstr void vmx_guest_enter_irqoff(void)
{
	guest_state_enter_irqoff();
}

/** vmx_guest_exit_irqoff() - the CPU is back from guest code (IRQs off) */
noinstr void vmx_guest_exit_irqoff(void)
{
	guest_state_exit_irqoff();
}

/** vmx_guest_timing_enter_irqoff() - ticks from now on are guest time */
void vmx_guest_timing_enter_irqoff(void)
{
	guest_timing_enter_irqoff();
}

/** vmx_guest_timing_exit_irqoff() - after the tick that ended the guest ran */
void vmx_guest_timing_exit_irqoff(void)
{
	guest_timing_exit_irqoff();
}
