// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: ASID allocation.
 *
 * ASIDs are handed out per physical CPU, not per VM: QEMU implements only
 * 16 of them, fewer than the VMs a host must run at once. Each CPU keeps
 * a generation; a vCPU keeps its ASID while it stays on the CPU and the
 * generation holds. Moving to another CPU takes a fresh ASID there, and
 * running out starts a new generation with one TLB flush, so an ASID is
 * never reused on a CPU without a flush in between (this also covers
 * ASIDs another hypervisor used before us: the first assignment after
 * hardware_enable always flushes).
 */
#include "svm.h"

/**
 * svm_asid_cpu_reset() - forget every ASID handed out on this CPU
 * @sc: this CPU's state (SVM just enabled)
 *
 * The next assignment starts a new generation and flushes the TLB.
 */
void svm_asid_cpu_reset(struct svm_cpu *sc)
{
	sc->asid_gen++;
	sc->next_asid = svm_nr_asids;
}

/**
 * svm_asid_assign() - make sure @sv has a valid ASID on @cpu
 * @sv: the vCPU about to run
 * @sc: this CPU's state
 * @cpu: this CPU; interrupts are disabled
 *
 * Sets the VMCB's ASID and, when a generation starts, TLB_CONTROL to
 * flush everything (QEMU implements only "nothing" and "everything").
 */
void svm_asid_assign(struct svm_vcpu *sv, struct svm_cpu *sc, int cpu)
{
	struct vmcb_control *c = &sv->vmcb->control;

	if (sv->asid_cpu == cpu && sv->asid_gen == sc->asid_gen)
		return;

	if (sc->next_asid >= svm_nr_asids) {
		sc->asid_gen++;
		sc->next_asid = 1;
		c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	}
	sv->asid = sc->next_asid++;
	sv->asid_gen = sc->asid_gen;
	sv->asid_cpu = cpu;
	c->guest_asid = sv->asid;
}
