// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x backend: VMXON per CPU, VMCS ownership across CPUs, the run loop
 * with the host state it switches around each entry (named enter/leave
 * pairs), and the ops table the core drives. Detection is in vmx/caps.c.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "trace.h"

/**
 * struct vmx_cpu - per-CPU VMX state
 * @vmxon:	the VMXON region (hardware_setup .. hardware_unsetup)
 * @on:		VMXON done on this CPU
 * @current_vmcs: the VMCS made current by our last VMPTRLD here
 * @loaded:	vCPUs whose VMCS is active on this CPU (must be VMCLEARed
 *		before it moves or before VMXOFF); touched only on this CPU
 *		with interrupts off
 */
struct vmx_cpu {
	void *vmxon;
	bool on;
	void *current_vmcs;
	struct list_head loaded;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

/* struct vmx_vm.gen of the last VM whose guest ran on this CPU (0: none). */
static DEFINE_PER_CPU(u64, vmx_last_vm);

/**
 * vmx_ibpb_if_other_vm() - IBPB before a CPU runs a different VM's guest
 * @v: the VM about to be entered (interrupts off)
 *
 * Branch predictions one guest trained must not steer another guest
 * (Spectre v2 between VMs; KVM does an IBPB when a CPU loads another
 * vCPU's VMCS). vCPUs of one VM share a guest and need none between them.
 * indirect_branch_prediction_barrier() follows the host's choice
 * (X86_FEATURE_USE_IBPB: spectre_v2_user=prctl/seccomp/on, not off).
 */
void vmx_ibpb_if_other_vm(struct vmx_vm *v)
{
	if (this_cpu_read(vmx_last_vm) == v->gen)
		return;
	indirect_branch_prediction_barrier();
	this_cpu_write(vmx_last_vm, v->gen);
}

static DEFINE_RATELIMIT_STATE(vmx_vmwrite_rs, 5 * HZ, 5);

void vmx_vmwrite_error(unsigned long field, unsigned long val)
{
	if (__ratelimit(&vmx_vmwrite_rs))
		pr_err("VMWRITE %#lx <- %#lx failed (VM-instruction error %lu)\n",
		       field, val, vmcs_read(VM_INSTRUCTION_ERROR));
}


/* ---------------------------------------------------------------------- */
/* Per-CPU VMXON */

static int vmx_hardware_setup(unsigned int cpu)
{
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);
	struct page *page;

	if (!vc->loaded.next)
		INIT_LIST_HEAD(&vc->loaded);
	if (vc->vmxon)
		return 0;
	page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!page)
		return -ENOMEM;
	vc->vmxon = page_address(page);
	*(u32 *)vc->vmxon = vmx_caps.revision;
	return 0;
}

static void vmx_hardware_unsetup(unsigned int cpu)
{
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

	if (vc->on || !vc->vmxon)
		return;
	free_page((unsigned long)vc->vmxon);
	vc->vmxon = NULL;
}

static bool vmx_cr_fixed_ok(unsigned long val, u64 fixed0, u64 fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

static int vmx_insn_vmxon(phys_addr_t pa)
{
	asm goto("1: vmxon %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static void vmx_insn_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
fault:
	return;
}

/**
 * vmx_hardware_enable() - VMXON on this CPU (preemption off)
 *
 * -EBUSY when CR4.VMXE is already set (another hypervisor, likely
 * kvm_intel, is in VMX operation here) or when VMXON fails.
 */
static int vmx_hardware_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();
	u64 fc;
	int r;

	if (vc->on)
		return 0;
	if (!vc->vmxon)
		return -ENOMEM;
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("CPU %d: CR4.VMXE already set: VT-x is held by another hypervisor (kvm_intel?)\n",
		       cpu);
		return -EBUSY;
	}

	if (rdmsrl_safe(MSR_VMX_FEATURE_CONTROL, &fc))
		return -EIO;
	if (!(fc & VMX_FC_LOCKED)) {
		fc |= VMX_FC_VMXON_OUTSIDE_SMX | VMX_FC_LOCKED;
		if (wrmsrl_safe(MSR_VMX_FEATURE_CONTROL, fc))
			return -EIO;
	} else if (!(fc & VMX_FC_VMXON_OUTSIDE_SMX)) {
		pr_err("CPU %d: VT-x disabled by BIOS (IA32_FEATURE_CONTROL locked without VMXON enabled)\n",
		       cpu);
		return -EIO;
	}

	if (!vmx_cr_fixed_ok(read_cr0(), vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1) ||
	    !vmx_cr_fixed_ok(__read_cr4() | X86_CR4_VMXE, vmx_caps.cr4_fixed0,
			     vmx_caps.cr4_fixed1)) {
		pr_err("CPU %d: CR0 %#lx / CR4 %#lx violate the VMX fixed bits\n",
		       cpu, read_cr0(), __read_cr4());
		return -EIO;
	}

	cr4_set_bits(X86_CR4_VMXE);
	r = vmx_insn_vmxon(__pa(vc->vmxon));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("CPU %d: VMXON failed (%s): VT-x is held by another hypervisor?\n",
		       cpu, r == -EIO ? "VMfail" : "fault");
		return -EBUSY;
	}
	vc->on = true;
	vc->current_vmcs = NULL;
	/* Whoever used VMX here before us may have left EPT translations behind. */
	vmx_flush_all_ept();
	return 0;
}

/* This CPU, interrupts off: VMCLEAR @vmx and forget where it was. */
static void vmx_clear_local(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	vmx_insn_vmclear(vmx->vmcs_pa);
	if (vc->current_vmcs == vmx->vmcs)
		vc->current_vmcs = NULL;
	list_del(&vmx->loaded_node);
	vmx->launched = false;
	/* The list removal and the VMCLEAR before anyone sees cpu == -1. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_clear_ipi(void *data)
{
	struct vmx_vcpu *vmx = data;

	/* hardware_disable may have cleared it already. */
	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		vmx_clear_local(vmx);
}

/* Make @vmx's VMCS inactive wherever it is active. Preemption off or not. */
static void vmx_clear_anywhere(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, vmx, 1);
}

/** vmx_hardware_disable() - VMCLEAR what is active here, VMXOFF (preemption off) */
static void vmx_hardware_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct vmx_vcpu *vmx, *tmp;
	unsigned long flags;

	if (!vc->on)
		return;
	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_node)
		vmx_clear_local(vmx);
	local_irq_restore(flags);
	vmx_insn_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	vc->current_vmcs = NULL;
	vc->on = false;
}

/* ---------------------------------------------------------------------- */
/* VMCS ownership */

/**
 * vmx_vcpu_load() - make the vCPU's VMCS current on @cpu (this CPU)
 * @vcpu: the vCPU
 * @cpu: smp_processor_id()
 *
 * Preemption off. A VMCS active on another CPU is VMCLEARed there first
 * (an IPI; that also resets its launch state, so the next entry is a
 * VMLAUNCH), then VMPTRLDed here and the per-CPU host fields rewritten.
 */
void vmx_vcpu_load(struct hvm_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	bool moved = false;

	if (READ_ONCE(vmx->cpu) != cpu) {
		vmx_clear_anywhere(vmx);
		/* Pairs with the smp_wmb() in vmx_clear_local(): see its list_del first. */
		smp_rmb();
		local_irq_disable();
		list_add(&vmx->loaded_node, &vc->loaded);
		WRITE_ONCE(vmx->cpu, cpu);
		local_irq_enable();
		vmx->need_flush = true;
		moved = true;
	}
	if (vc->current_vmcs != vmx->vmcs) {
		if (vmx_insn_vmptrld(vmx->vmcs_pa))
			pr_err_ratelimited("VMPTRLD failed on CPU %d\n", cpu);
		vc->current_vmcs = vmx->vmcs;
	}
	if (moved)
		vmx_write_host_percpu(vmx, cpu);
	vmx_save_host_task(vmx);
}

static void vmx_vcpu_load_op(struct hvm_vcpu *vcpu, int cpu)
{
	vmx_vcpu_load(vcpu, cpu);
}

/*
 * Runs under the runqueue lock with interrupts off: the VMCS stays active
 * here and is pulled over by the next vcpu_load on whatever CPU.
 */
static void vmx_vcpu_put(struct hvm_vcpu *vcpu)
{
}

/**
 * vmx_reset_launch() - VMCLEAR + VMPTRLD here so the next entry is a
 * VMLAUNCH (after an entry failure the launch state is not trustworthy)
 * @vmx: the vCPU, its VMCS current on this CPU (preemption off)
 */
void vmx_reset_launch(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	vmx_insn_vmclear(vmx->vmcs_pa);
	vc->current_vmcs = NULL;
	if (!vmx_insn_vmptrld(vmx->vmcs_pa))
		vc->current_vmcs = vmx->vmcs;
	vmx->launched = false;
}

/* Used by vcpu_destroy: the VMCS must be inactive everywhere before it is freed. */
void vmx_vcpu_unload(struct vmx_vcpu *vmx)
{
	vmx_clear_anywhere(vmx);
}

/*
 * The core's register file -> VMCS before an entry. RIP the core moved
 * (an emulated instruction completed) also ends an STI / MOV SS shadow,
 * as completing the instruction does on the CPU (SDM 26.4.2 / 25.4.2).
 */
static void vmx_regs_to_vmcs(struct vmx_vcpu *vmx)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	u32 intr;

	if (vcpu->gprs[HVM_GPR_RSP] != vmx->vmcs_rsp) {
		vmx->vmcs_rsp = vcpu->gprs[HVM_GPR_RSP];
		vmcs_write(GUEST_RSP, vmx->vmcs_rsp);
	}
	if (vcpu->rip == vmx->vmcs_rip)
		return;
	vmx->vmcs_rip = vcpu->rip;
	vmcs_write(GUEST_RIP, vmx->vmcs_rip);
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   intr & ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

/*
 * L1TF and MDS-class data sampling, the last thing before the entry
 * (interrupts off). L1D flush (vmx_probe_l1d_flush()) also clears the CPU
 * buffers; VERW for MDS/TAA/RFDS otherwise runs in entry.S. MMIO stale
 * data: where the host asked for buffer clearing only against MMIO
 * (mmio_stale_data_clear without X86_FEATURE_CLEAR_CPU_BUF_VM), KVM does it
 * for VMs with an assigned device; hvm guests reach no host MMIO at all,
 * but a VERW costs little and keeps the host's choice in force.
 */
static __always_inline void vmx_flush_before_entry(void)
{
	if (vmx_caps.l1d_flush) {
		if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
			native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
			return;
		}
		/* KVM's vmx_l1d_flush(): TLB entries first, then every line. */
		asm volatile("xorl %%eax, %%eax\n"
			     "1:\tmovzbl (%[buf], %%rax), %%ecx\n\t"
			     "addl $4096, %%eax\n\t"
			     "cmpl %%eax, %[size]\n\t"
			     "jne 1b\n\t"
			     "xorl %%eax, %%eax\n\t"
			     "cpuid\n\t"
			     "xorl %%eax, %%eax\n"
			     "2:\tmovzbl (%[buf], %%rax), %%ecx\n\t"
			     "addl $64, %%eax\n\t"
			     "cmpl %%eax, %[size]\n\t"
			     "jne 2b\n\t"
			     "lfence\n"
			     : : [buf] "r"(vmx_l1d_flush_buf), [size] "r"((u32)VMX_L1D_FLUSH_SIZE)
			     : "eax", "ebx", "ecx", "edx", "memory");
		return;
	}
	if (static_branch_unlikely(&mmio_stale_data_clear) &&
	    !cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF_VM))
		x86_clear_cpu_buffers();
}

/**
 * hvm_vmx_spec_ctrl_restore() - entry.S, after the exit, before its RET
 *
 * Guests cannot write IA32_SPEC_CTRL (not in the MSR allowlist), so the
 * host's value stayed in force; but legacy IBRS (X86_FEATURE_KERNEL_IBRS)
 * only protects when written after a less privileged predictor mode ran,
 * as KVM's vmx_spec_ctrl_restore_host() does.
 */
noinstr void hvm_vmx_spec_ctrl_restore(void)
{
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, this_cpu_read(x86_spec_ctrl_current));
	barrier_nospec();
}

/* The world switch proper: guest context on, flushes, entry, guest context off. */
static noinstr int vmx_vcpu_enter_exit(struct vmx_vcpu *vmx)
{
	int ret;

	vmx_guest_enter_irqoff();
	vmx_flush_before_entry();
	ret = hvm_vmx_enter(vmx->vcpu->gprs, vmx->launched);
	vmx_guest_exit_irqoff();
	return ret;
}

/*
 * Enter the guest until an exit the core must handle with interrupts on,
 * handling the others on the way in the same guest context (host.c).
 * Return: 0 with *@slow set when such an exit (or a failed entry: @e's
 * reason has bit 31 set) is pending in @e, or with *@entry set to
 * hvm_vmx_enter()'s failure (VMfail 1 with @e->insn_error, fault 2); else
 * 0 or 1 (the VM stops) from the core's handling, or a negative errno.
 */
static int vmx_run_guest_context(struct vmx_vcpu *vmx, struct vmx_exit *e,
				 bool *slow, int *entry, u64 *guest_tsc)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	struct vmx_host_state h;
	unsigned int n = 0;
	int ret = 0;
	u64 t0;

	vmx_guest_context_enter(vmx, &h);
	do {
		vmx_regs_to_vmcs(vmx);
		/* The event for this entry and the window exits (kmod/event.c). */
		hvm_inject_pending(vcpu);
		trace_hvm_entry(vcpu);
		vmx_guest_entry_enter(vmx, &h);
		t0 = rdtsc();
		*entry = vmx_vcpu_enter_exit(vmx);
		*guest_tsc += rdtsc() - t0;
		vmx_guest_entry_leave(vmx, &h);
		vcpu->stats[HVM_STAT_RUNS]++;
		if (*entry) {
			if (*entry == 1) {
				e->insn_error = vmcs_read32(VM_INSTRUCTION_ERROR);
				vmx_reset_launch(vmx);
			}
			break;
		}
		vmx->launched = true;
		vmx_read_exit(vmx, e);
		if ((e->reason & EXIT_REASON_ENTRY_FAILED) ||
		    !vmx_exit_fast(vmx, e)) {
			*slow = true;
			break;
		}
		ret = vmx_handle_exit(vmx, e);
	} while (!ret && hvm_fast_reenter(vcpu, ++n));
	vmx_guest_context_leave(vmx, &h);
	return ret;
}

/**
 * vmx_vcpu_run() - ops->vcpu_run: enter the guest, handle the exits
 * @vcpu: the vCPU, on its own thread
 *
 * The FPU is the guest's between kernel_fpu_begin() and kernel_fpu_end();
 * interrupts are off from the last stop check to the last exit, so a kick
 * either is seen before an entry or forces the exit. In between: one guest
 * context (vmx_run_guest_context()), as many entries as the exits allow.
 * Once interrupts are back on, the interrupt that ended the guest is
 * taken while the time still counts as the guest's, and an exit that
 * needs a sleeping handler (EPT violations, MMIO, string I/O, HLT, CR and
 * XSETBV, exceptions...) or a failed entry is handled, preemptible.
 *
 * Return: 0 to continue, 1 when the VM stops, or a negative errno.
 */
static int vmx_vcpu_run(struct hvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->arch;
	u64 t0 = rdtsc(), guest_tsc = 0;
	struct vmx_exit e = {};
	bool slow = false;
	int ret, entry = 0;

	kernel_fpu_begin();
	local_irq_disable();
	/* Stop requests and the core's "guest entry blocked" flag, with IRQs off. */
	if (hvm_vcpu_should_exit(vcpu)) {
		ret = 0;
		goto out_irq_on;
	}
	/*
	 * VMX is already off on this CPU (it is going offline): the core
	 * sleeps a tick and we continue on a CPU that can run guests.
	 */
	if (unlikely(!hvm_cpu_virt_on())) {
		ret = -EAGAIN;
		goto out_irq_on;
	}
	vmx_ibpb_if_other_vm(vmx->vm);
	vmx_guest_timing_enter_irqoff();
	ret = vmx_run_guest_context(vmx, &e, &slow, &entry, &guest_tsc);
	/*
	 * VMSCAPE: the guest may have trained predictions aimed at host user
	 * space; the next return to user mode on this CPU does an IBPB.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	/*
	 * Take the interrupt that ended the guest (and any tick) while the
	 * task still counts as in the guest, as KVM does; then stop guest
	 * time. kernel_fpu_end() with interrupts on (6.13+ insists).
	 */
	local_irq_enable();
	asm volatile("nop");	/* STI's interrupt shadow */
	local_irq_disable();
	vmx_guest_timing_exit_irqoff();

out_irq_on:
	local_irq_enable();
	kernel_fpu_end();
	if (entry || (slow && (e.reason & EXIT_REASON_ENTRY_FAILED)))
		ret = vmx_entry_failed(vmx, &e, entry);
	else if (slow)
		ret = vmx_handle_exit(vmx, &e);
	hvm_vcpu_account(vcpu, guest_tsc, rdtsc() - t0);
	return ret;
}

const struct hvm_arch_ops hvm_vmx_ops = {
	.name			= "vmx",
	.probe			= vmx_probe,
	.hardware_enable	= vmx_hardware_enable,
	.hardware_disable	= vmx_hardware_disable,
	.hardware_setup		= vmx_hardware_setup,
	.hardware_unsetup	= vmx_hardware_unsetup,
	.npt			= &vmx_ept_format,
	.vm_init		= vmx_vm_init,
	.vm_destroy		= vmx_vm_destroy,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_destroy		= vmx_vcpu_destroy,
	.vcpu_load		= vmx_vcpu_load_op,
	.vcpu_put		= vmx_vcpu_put,
	.vcpu_run		= vmx_vcpu_run,
	.get_regs		= vmx_get_regs,
	.set_regs		= vmx_set_regs,
	.get_ctl		= vmx_get_ctl,
	.set_ctl		= vmx_set_ctl,
	.msr_get		= vmx_msr_get,
	.msr_set		= vmx_msr_set,
	.inject_event		= vmx_inject_event,
	.set_windows		= vmx_set_windows,
	.get_interruptibility	= vmx_get_interruptibility,
};
