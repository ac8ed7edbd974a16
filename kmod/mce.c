// SPDX-License-Identifier: GPL-2.0
/*
 * Host machine checks that a VM exit consumed, for both backends.
 */
#include <asm/cpufeature.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/ptrace.h>
#include <asm/processor-flags.h>

#include "hvm.h"

/**
 * hvm_machine_check() - hand a machine check the exit consumed to the host
 *
 * A #MC in guest mode is an exit, not delivered (APM vol. 2 15.12, SDM
 * vol. 3 27.x), so the host's handler must run, as KVM's
 * kvm_machine_check() does: do_machine_check() on a frame that claims
 * ring 3 (the guest is not host kernel code, so the handler may recover
 * instead of panicking on a kernel context) with IF set in the frame.
 * Call with interrupts off, right after the exit.
 */
void hvm_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

/**
 * hvm_mc_in_progress() - is a machine check pending that the host has not
 * handled (MCG_STATUS.MCIP)?
 *
 * Tells a shutdown / triple-fault exit that a machine check caused from a
 * guest's own triple fault.
 *
 * Return: true when MCIP is set.
 */
bool hvm_mc_in_progress(void)
{
	u64 mcg;

	return boot_cpu_has(X86_FEATURE_MCA) &&
	       !rdmsrl_safe(MSR_IA32_MCG_STATUS, &mcg) &&
	       (mcg & MCG_STATUS_MCIP);
}
