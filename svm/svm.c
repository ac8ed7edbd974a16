// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: per-CPU enable, vCPU lifecycle and the VMRUN loop
 * body, with the host state it switches as named enter/leave pairs
 * (svm_guest_*_enter/leave, after NVMM's svm_vcpu_guest_*_enter/leave).
 * Detection is in caps.c, the permission maps in bitmaps.c, the VMCB
 * layout in vmcb.h, VMCB setup and the register/control ops in vmcb.c,
 * event injection in event.c, exit decode in exit.c, the NPT format in
 * npt.c, ASIDs in asid.c and the world switch itself in entry.S.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "svm.h"
#include "trace.h"

DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

/* ---- small instruction wrappers ---- */

/*
 * CLGI, STGI and VMSAVE raise #UD once EFER.SVME is clear, which an
 * emergency reboot, kexec or crash dump (cpu_emergency_disable_virtualization)
 * may do to any CPU at any time (APM 15.4: "SVM instructions ... #UD when
 * EFER.SVME=0"). Each has an exception-table entry so that the fault is
 * reported (false) and the run ends as an entry-failed stop, never an
 * oops; entry.S does the same for VMLOAD/VMRUN/VMSAVE.
 */
static inline bool svm_clgi(void)
{
	asm goto("1: clgi\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 ::: "memory" : fault);
	return true;
fault:
	return false;
}

/*
 * A failed STGI leaves GIF clear: on CPUs with SKINIT STGI works without
 * SVME (APM, STGI), and where it does not, whoever cleared SVME behind our
 * back is taking the machine down (reboot/crash NMI), so nothing is lost
 * by carrying on.
 */
static inline bool svm_stgi(void)
{
	asm goto("1: stgi\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 ::: "memory" : fault);
	return true;
fault:
	return false;
}

static inline bool svm_vmsave(phys_addr_t pa)
{
	asm goto("1: vmsave %%rax\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 :: "a" (pa) : "memory" : fault);
	return true;
fault:
	return false;
}

/*
 * TSC_AUX: RDTSCP and RDPID read it in guest mode (QEMU does not even
 * honour the RDTSCP intercept, and RDPID has none), and it holds the host's
 * CPU number. Guests see 0 instead, their own value: the MSR policy never
 * lets them write it. The host needs its value only in user space (the
 * kernel stopped using RDPID in paranoid entry for KVM's sake), so it is
 * put back lazily, when the vCPU thread leaves the CPU.
 */
static bool svm_tsc_aux_used(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

static void svm_tsc_aux_load_guest(struct svm_cpu *sc)
{
	if (sc->guest_tsc_aux || !svm_tsc_aux_used())
		return;
	wrmsrl(MSR_TSC_AUX, 0);
	sc->guest_tsc_aux = true;
}

static void svm_tsc_aux_load_host(struct svm_cpu *sc)
{
	if (!sc->guest_tsc_aux)
		return;
	wrmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
	sc->guest_tsc_aux = false;
}

/* ---- per-CPU enable ---- */

/**
 * svm_hardware_setup() - allocate @cpu's host save areas
 * @cpu: the CPU
 *
 * Return: 0 or -ENOMEM.
 */
static int svm_hardware_setup(unsigned int cpu)
{
	struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);
	int node = cpu_to_node(cpu);

	if (!sc->hsave) {
		sc->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave)
			return -ENOMEM;
	}
	if (!sc->host_vmsave) {
		sc->host_vmsave = alloc_pages_node(node,
						   GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->host_vmsave)
			goto err_free_hsave;
	}
	return 0;

err_free_hsave:
	__free_page(sc->hsave);
	sc->hsave = NULL;
	return -ENOMEM;
}

/**
 * svm_hardware_unsetup() - free what svm_hardware_setup() allocated
 * @cpu: the CPU; SVM is already disabled on it
 */
static void svm_hardware_unsetup(unsigned int cpu)
{
	struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);

	/* At module unload; never free the save area VM_HSAVE_PA still names. */
	if (sc->enabled) {
		pr_err("CPU %u: host save area still in use\n", cpu);
		return;
	}
	if (sc->host_vmsave)
		__free_page(sc->host_vmsave);
	if (sc->hsave)
		__free_page(sc->hsave);
	sc->host_vmsave = NULL;
	sc->hsave = NULL;
}

/*
 * SRSO on 6.12: where the kernel chose "BpSpecReduce" for the guest->host
 * vector it leaves X86_FEATURE_SRSO_BP_SPEC_REDUCE set and no IBPB on VM
 * exit, expecting the hypervisor to set BP_CFG[BpSpecReduce] while guests
 * may run (KVM does it for the lifetime of its VMs; hvm has SVM on exactly
 * while VMs exist). 6.1 has neither the feature nor the mitigation.
 */
static void svm_srso_bp_spec_reduce(bool on)
{
#if defined(X86_FEATURE_SRSO_BP_SPEC_REDUCE) && defined(MSR_ZEN4_BP_CFG_BP_SPEC_REDUCE_BIT)
	if (!cpu_feature_enabled(X86_FEATURE_SRSO_BP_SPEC_REDUCE))
		return;
	if (on)
		msr_set_bit(MSR_ZEN4_BP_CFG, MSR_ZEN4_BP_CFG_BP_SPEC_REDUCE_BIT);
	else
		msr_clear_bit(MSR_ZEN4_BP_CFG, MSR_ZEN4_BP_CFG_BP_SPEC_REDUCE_BIT);
#endif
}

/**
 * svm_hardware_enable() - set EFER.SVME and VM_HSAVE_PA on this CPU
 *
 * Never touches a CPU where EFER.SVME is already set: that belongs to
 * another hypervisor (kvm_amd).
 *
 * Return: 0, -EBUSY when SVM is already on, -ENODEV when this CPU has no
 * SVM, -ENOMEM when hardware_setup() did not run for it.
 */
static int svm_hardware_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u64 efer;

	if (sc->enabled)
		return 0;
	if (!(cpuid_ecx(0x80000001) & CPUID_8000_0001_ECX_SVM))
		return -ENODEV;
	if (!sc->hsave || !sc->host_vmsave)
		return -ENOMEM;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_debug("CPU %d: EFER.SVME already set (kvm_amd?)\n",
			 smp_processor_id());
		return -EBUSY;
	}
	if (svm_tsc_aux_used())
		rdmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
	sc->guest_tsc_aux = false;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	svm_srso_bp_spec_reduce(true);
	sc->enabled = true;
	sc->last_vmcb = NULL;
	svm_asid_cpu_reset(sc);
	return 0;
}

/**
 * svm_hardware_disable() - clear VM_HSAVE_PA and EFER.SVME on this CPU
 *
 * A no-op where svm_hardware_enable() did not succeed, so it is safe on
 * a CPU another hypervisor owns.
 */
static void svm_hardware_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u64 efer;

	if (!sc->enabled)
		return;
	svm_tsc_aux_load_host(sc);
	svm_srso_bp_spec_reduce(false);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	sc->enabled = false;
}

/**
 * svm_vm_init() - per-VM setup
 * @vm: the VM
 *
 * ASIDs are handed out per CPU at run time (asid.c), so the only per-VM
 * resource is a reference on the shared IOPM/MSRPM.
 *
 * Return: 0 or -ENOMEM.
 */
static int svm_vm_init(struct hvm_vm *vm)
{
	vm->arch = NULL;
	return svm_bitmaps_get();
}

/**
 * svm_vm_destroy() - undo svm_vm_init()
 * @vm: the VM; none of its vCPUs runs
 */
static void svm_vm_destroy(struct hvm_vm *vm)
{
	svm_bitmaps_put();
}

/* ---- vCPU ---- */

/**
 * svm_vcpu_load() - the vCPU thread now runs on @cpu
 * @vcpu: the vCPU
 * @cpu: this CPU (preemption is off)
 *
 * Nothing to do: a VMCB is plain memory that any CPU can VMRUN, the ASID
 * is checked against the CPU at every run (asid.c), the host state VMRUN
 * does not restore is saved by every run itself, and the guest TSC_AUX is
 * loaded by the first run.
 */
static void svm_vcpu_load(struct hvm_vcpu *vcpu, int cpu)
{
}

/**
 * svm_vcpu_put() - the vCPU thread leaves this CPU
 * @vcpu: the vCPU (scheduler context: runqueue lock held, interrupts off)
 *
 * Gives the host its TSC_AUX back before anything else runs here.
 */
static void svm_vcpu_put(struct hvm_vcpu *vcpu)
{
	svm_tsc_aux_load_host(this_cpu_ptr(&svm_cpu));
}

/*
 * Spectre v2 between guests: the previous VMCB this CPU ran may belong to
 * another VM that trained the indirect branch predictors. KVM issues an
 * IBPB when a CPU switches VMCBs (svm_vcpu_load()) unless the host already
 * does one on every VM exit (X86_FEATURE_IBPB_ON_VMEXIT). The helper is a
 * no-op unless the host enabled IBPB (X86_FEATURE_USE_IBPB).
 */
static void svm_ibpb_on_vmcb_switch(struct svm_cpu *sc, struct svm_vcpu *sv)
{
	if (sc->last_vmcb == sv->vmcb)
		return;
	sc->last_vmcb = sv->vmcb;
	if (!cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		indirect_branch_prediction_barrier();
}

/*
 * The core's register file and the VMCB: VMRUN switches RAX, RSP and RIP
 * through the VMCB, entry.S the other GPRs through vcpu->gprs directly.
 * When the core moved RIP (an emulated instruction completed), the STI /
 * MOV SS shadow ends as it would after the instruction (APM vol. 2
 * 15.21.5).
 */
static void svm_guest_regs_enter(struct svm_vcpu *sv)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	struct vmcb_save *s = &sv->vmcb->save;

	if (s->rip != vcpu->rip) {
		sv->vmcb->control.interrupt_shadow = 0;
		s->rip = vcpu->rip;
	}
	s->rax = vcpu->gprs[HVM_GPR_RAX];
	s->rsp = vcpu->gprs[HVM_GPR_RSP];
}

static void svm_guest_regs_leave(struct svm_vcpu *sv)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	const struct vmcb_save *s = &sv->vmcb->save;

	vcpu->gprs[HVM_GPR_RAX] = s->rax;
	vcpu->gprs[HVM_GPR_RSP] = s->rsp;
	vcpu->rip = s->rip;
}

/*
 * Host machine checks an exit consumed (kmod/mce.c): an #MC intercept, or
 * a SHUTDOWN while MCG_STATUS.MCIP is set (exit.c, svm_exit_shutdown()).
 * Interrupts are still off.
 */
static void svm_guest_mce_check(struct svm_vcpu *sv)
{
	u64 code = sv->vmcb->control.exitcode;

	sv->shutdown_mc = false;
	if (code == VMEXIT_EXCP_MC) {
		hvm_machine_check();
	} else if (code == VMEXIT_SHUTDOWN && hvm_mc_in_progress()) {
		sv->shutdown_mc = true;
		hvm_machine_check();
	}
}

/*
 * The world switch proper, interrupts off, everything the core wanted
 * injected already in the VMCB, the guest context loaded: the per-VMRUN
 * host state goes out and comes back around it, and GIF is cleared
 * around VMRUN so a host interrupt or NMI that arrives in guest mode
 * causes an #VMEXIT and is delivered once STGI sets GIF again (the NMI:
 * right at STGI, through the IDT, whose IRET unblocks NMIs again; nothing
 * here leaves them blocked; the interrupt: once svm_vcpu_run() turns
 * interrupts on). @guest_tsc accumulates the TSC cycles spent in VMRUN.
 *
 * Return: 0, or 1 when an SVM instruction faulted.
 */
static int svm_world_switch(struct svm_vcpu *sv, struct svm_cpu *sc,
			    struct svm_host_state *h, u64 *guest_tsc)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	int fault;
	u64 t0;

	if (!svm_clgi())
		return 1;
	svm_guest_entry_enter(sv, h);
	t0 = rdtsc();
	fault = svm_enter_guest(vcpu->gprs, sv->vmcb_pa,
				page_to_phys(sc->host_vmsave));
	*guest_tsc += rdtsc() - t0;
	svm_guest_entry_leave(sv, h);

	/* A pending host NMI is taken here, at GIF=1. */
	svm_stgi();
	sv->vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
	vcpu->stats[HVM_STAT_RUNS]++;
	if (!fault)
		svm_guest_mce_check(sv);
	return fault;
}

/*
 * VMRUN until an exit the core must handle with interrupts on, and handle
 * the others on the way (the guest context stays loaded: host.c). Return:
 * 0 with *@slow set when such an exit is pending, 0 or 1 (the VM stops)
 * from the core's handling otherwise, or -EIO when an SVM instruction
 * faulted.
 */
static int svm_run_guest_context(struct svm_vcpu *sv, struct svm_cpu *sc,
				 bool *slow, u64 *guest_tsc)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	struct svm_host_state h;
	unsigned int n = 0;
	int ret;

	svm_guest_context_enter(sv, &h);
	do {
		svm_guest_regs_enter(sv);
		hvm_inject_pending(vcpu);
		trace_hvm_entry(vcpu);
		if (svm_world_switch(sv, sc, &h, guest_tsc)) {
			ret = -EIO;
			break;
		}
		svm_guest_regs_leave(sv);
		if (!svm_exit_fast(sv)) {
			*slow = true;
			ret = 0;
			break;
		}
		ret = svm_handle_exit(sv);
	} while (!ret && hvm_fast_reenter(vcpu, ++n));
	svm_guest_context_leave(sv, &h);
	return ret;
}

/*
 * VMRUN saves the host's state in the page VM_HSAVE_PA names, and QEMU
 * does it in the VMCB layout: were that page ever a guest's VMCB, the
 * guest would resume with the host's RIP, RSP and CR3 (issue 7). The
 * per-CPU pages live from module load to unload (svm_hardware_setup()),
 * so this never fires; it is checked once per guest context (one RDMSR)
 * so that it is seen, not guessed, should it ever happen.
 */
static bool svm_hsave_ok(struct svm_vcpu *sv, struct svm_cpu *sc)
{
	u64 pa;

	rdmsrl(MSR_VM_HSAVE_PA, pa);
	if (likely(pa == page_to_phys(sc->hsave) && pa != sv->vmcb_pa))
		return true;
	pr_err_ratelimited("CPU %d: VM_HSAVE_PA %#llx, want %#llx (VMCB %#llx): not entering\n",
			   smp_processor_id(), pa, (u64)page_to_phys(sc->hsave),
			   (u64)sv->vmcb_pa);
	return false;
}

/**
 * svm_vcpu_run() - enter the guest and handle the exits
 * @vcpu: the vCPU, on its own thread, preemptible
 *
 * kernel_fpu_begin()/kernel_fpu_end() bracket the interrupts-off window
 * (6.13+ requires kernel_fpu_end() with interrupts on). Inside it: the
 * stop check (the core's "stop/entry blocked" flags are read with
 * interrupts off, so a kick IPI cannot be missed), the host state VMRUN
 * does not restore (VMSAVE: FS/GS/TR/LDTR and the syscall MSRs; with
 * interrupts off nothing can change them, e.g. a flush_ldt() IPI for the
 * mm the kthread borrows), the ASID, TSC_AUX and IBPB, then one guest
 * context (svm_run_guest_context()): as many entries as the exits allow,
 * each with the register file and the pending event put into the VMCB.
 * Once interrupts are back on, the interrupt that ended the guest is
 * taken while the time still counts as the guest's, and an exit that
 * needs a sleeping handler (nested page faults, MMIO, string I/O, HLT,
 * CR and XSETBV, exceptions...) is handled, preemptible. SPEC_CTRL needs
 * no switching: the MSRPM intercepts it and the core's policy never hands
 * it to the guest (with V_SPEC_CTRL the CPU itself swaps it). TSC_AUX is
 * switched lazily (see svm_tsc_aux_load_guest()).
 *
 * Return: 0 to continue, 1 when the VM stops, negative errno on an
 * internal error.
 */
static int svm_vcpu_run(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;
	u64 t0 = rdtsc(), guest_tsc = 0;
	struct svm_cpu *sc;
	bool slow = false;
	int cpu, ret;

	kernel_fpu_begin_mask(0);
	local_irq_disable();
	if (hvm_vcpu_should_exit(vcpu)) {
		ret = 0;
		goto out_irq_on;
	}

	cpu = smp_processor_id();
	sc = this_cpu_ptr(&svm_cpu);
	/*
	 * This CPU is going offline (its SVM is already off) or a suspend
	 * blocked entry: the core retries after a tick, on a CPU that can
	 * run guests (kmod/hw.c).
	 */
	if (unlikely(!hvm_cpu_virt_on() || !sc->enabled)) {
		ret = -EAGAIN;
		goto out_irq_on;
	}
	if (!svm_vmsave(page_to_phys(sc->host_vmsave))) {
		ret = -EIO;
		goto out_irq_on;
	}
	if (unlikely(!svm_hsave_ok(sv, sc))) {
		ret = -EIO;
		goto out_irq_on;
	}
	svm_asid_assign(sv, sc, cpu);
	svm_tsc_aux_load_guest(sc);
	svm_ibpb_on_vmcb_switch(sc, sv);
	sv->vmcb->control.n_cr3 = vcpu->vm->npt_root_pa;
	sv->vmcb->control.vmcb_clean = 0;

	svm_guest_timing_enter();
	ret = svm_run_guest_context(sv, sc, &slow, &guest_tsc);
	/*
	 * VMSCAPE: the guest may have poisoned predictors that user space
	 * on this CPU (any task: there is no VMM process) would consume.
	 * Flag the CPU that ran the guest, before preemption can move us.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	local_irq_enable();
	asm volatile("nop");	/* STI's interrupt shadow */
	local_irq_disable();
	svm_guest_timing_exit();

out_irq_on:
	local_irq_enable();
	kernel_fpu_end();
	if (unlikely(ret == -EIO)) {
		/* An SVM instruction faulted: EFER.SVME was cleared under us. */
		pr_warn_ratelimited("CPU %d: SVM instruction faulted (EFER.SVME clear?)\n",
				    raw_smp_processor_id());
		ret = hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, VMEXIT_INVALID);
	} else if (slow) {
		ret = svm_handle_exit(sv);
	}
	hvm_vcpu_account(vcpu, guest_tsc, rdtsc() - t0);
	return ret;
}

const struct hvm_arch_ops hvm_svm_ops = {
	.name			= "svm",
	.probe			= svm_probe,
	.hardware_enable	= svm_hardware_enable,
	.hardware_disable	= svm_hardware_disable,
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.npt			= &svm_npt_format,
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_destroy		= svm_vcpu_destroy,
	.vcpu_load		= svm_vcpu_load,
	.vcpu_put		= svm_vcpu_put,
	.vcpu_run		= svm_vcpu_run,
	.get_regs		= svm_get_regs,
	.set_regs		= svm_set_regs,
	.get_ctl		= svm_get_ctl,
	.set_ctl		= svm_set_ctl,
	.msr_get		= svm_msr_get,
	.msr_set		= svm_msr_set,
	.inject_event		= svm_inject_event,
	.set_windows		= svm_set_windows,
	.get_interruptibility	= svm_get_interruptibility,
};
