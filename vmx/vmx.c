// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x backend: detection, VMXON per CPU, VMCS ownership across CPUs, and
 * the ops table the core drives.
 *
 * IA32_FEATURE_CONTROL: Linux locks it at boot (arch/x86/kernel/cpu/
 * feat_ctl.c). Should we still find it unlocked, hardware_enable() sets
 * "VMXON outside SMX" and the lock bit on that CPU, as KVM did before the
 * kernel took this over; locked without that bit means the BIOS disabled
 * VT-x and probe() refuses.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "vmx.h"

struct vmx_caps vmx_caps;

static bool vmx_use_vpid = true;
module_param_named(vpid, vmx_use_vpid, bool, 0444);
MODULE_PARM_DESC(vpid, "VT-x: tag guest TLB entries with a VPID per VM (default on)");

static bool vmx_use_xsave = true;
module_param_named(xsave, vmx_use_xsave, bool, 0444);
MODULE_PARM_DESC(xsave, "VT-x: switch guest FPU state with XSAVE and XCR0 (default on; off: FXSAVE, guest XSETBV #GPs)");

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
/* Detection */

/*
 * Fold the controls we need (@req) and would like (@opt) into what the
 * capability MSR allows: its low half holds the bits that must be 1, its
 * high half the bits that may be 1.
 */
static int vmx_adjust_ctls(const char *what, u32 msr, u32 req, u32 opt, u32 *out)
{
	u32 must, may, ctl;
	u64 cap;

	if (rdmsrl_safe(msr, &cap)) {
		pr_err("cannot read the %s capability MSR %#x\n", what, msr);
		return -ENODEV;
	}
	must = (u32)cap;
	may = (u32)(cap >> 32);
	if (req & ~may) {
		pr_err("CPU lacks required %s controls %#x (allowed %#x, MSR %#x)\n",
		       what, req & ~may, may, msr);
		return -ENODEV;
	}
	ctl = (req | opt) & may;
	*out = ctl | must;
	return 0;
}

/* The controls that may be 1 (high half of a capability MSR). */
static u32 vmx_ctl_may(u32 msr)
{
	u64 cap;

	return rdmsrl_safe(msr, &cap) ? 0 : (u32)(cap >> 32);
}

static int vmx_probe_feature_control(void)
{
	u64 fc;

	if (rdmsrl_safe(MSR_VMX_FEATURE_CONTROL, &fc)) {
		pr_err("cannot read IA32_FEATURE_CONTROL\n");
		return -ENODEV;
	}
	if ((fc & VMX_FC_LOCKED) && !(fc & VMX_FC_VMXON_OUTSIDE_SMX)) {
		pr_err("VT-x disabled by BIOS (IA32_FEATURE_CONTROL locked without VMXON enabled)\n");
		return -ENODEV;
	}
	return 0;
}

static int vmx_probe_basic(void)
{
	u64 basic;
	u32 mt;

	if (rdmsrl_safe(MSR_VMX_BASIC, &basic)) {
		pr_err("cannot read IA32_VMX_BASIC\n");
		return -ENODEV;
	}
	vmx_caps.revision = basic & VMX_BASIC_REVISION_MASK;
	vmx_caps.vmcs_size = (basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & VMX_BASIC_VMCS_SIZE_MASK;
	mt = (basic >> VMX_BASIC_MEMTYPE_SHIFT) & VMX_BASIC_MEMTYPE_MASK;
	if (!vmx_caps.vmcs_size || vmx_caps.vmcs_size > PAGE_SIZE) {
		pr_err("unsupported VMCS size %u (IA32_VMX_BASIC[44:32])\n", vmx_caps.vmcs_size);
		return -ENODEV;
	}
	if (basic & VMX_BASIC_32BIT_PA) {
		pr_err("VMX limited to 32-bit physical addresses (IA32_VMX_BASIC[48])\n");
		return -ENODEV;
	}
	if (mt != VMX_MT_WB) {
		pr_err("VMCS memory type %u is not write-back (IA32_VMX_BASIC[53:50])\n", mt);
		return -ENODEV;
	}
	vmx_caps.ins_outs_info = basic & VMX_BASIC_INS_OUTS;
	return (basic & VMX_BASIC_TRUE_CTLS) ? 1 : 0;
}

static int vmx_probe_controls(bool true_ctls)
{
	u32 pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS;
	u32 cpu_msr = true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS;
	u32 exit_msr = true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS;
	u32 entry_msr = true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS;
	u64 cap;
	int r;

	r = vmx_adjust_ctls("pin-based", pin_msr,
			    PIN_EXT_INTR_EXITING | PIN_NMI_EXITING, PIN_PREEMPT_TIMER,
			    &vmx_caps.pin);
	if (r)
		return r;
	/*
	 * Every port access, HLT, MOV DR and CR8 access exits; MWAIT,
	 * MONITOR and RDPMC exit to be refused. MSR bitmaps only let the
	 * MSRs the VMCS switches anyway through.
	 */
	r = vmx_adjust_ctls("processor-based", cpu_msr,
			    CPU_HLT_EXITING | CPU_MWAIT_EXITING | CPU_RDPMC_EXITING |
			    CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING |
			    CPU_MOV_DR_EXITING | CPU_UNCOND_IO_EXITING |
			    CPU_MONITOR_EXITING | CPU_SECONDARY_CONTROLS,
			    CPU_TSC_OFFSETTING | CPU_USE_MSR_BITMAPS, &vmx_caps.cpu);
	if (r)
		return r;
	vmx_caps.mtf = vmx_ctl_may(cpu_msr) & CPU_MONITOR_TRAP_FLAG;
	r = vmx_adjust_ctls("secondary processor-based", MSR_VMX_PROCBASED_CTLS2,
			    CPU2_ENABLE_EPT,
			    CPU2_ENABLE_VPID | CPU2_UNRESTRICTED_GUEST |
			    CPU2_WBINVD_EXITING | CPU2_ENCLS_EXITING, &vmx_caps.cpu2);
	if (r)
		return r;
	r = vmx_adjust_ctls("VM-exit", exit_msr,
			    EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER |
			    EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT,
			    EXIT_SAVE_DEBUG_CONTROLS, &vmx_caps.exit);
	if (r)
		return r;
	r = vmx_adjust_ctls("VM-entry", entry_msr,
			    ENTRY_IA32E_MODE | ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT,
			    ENTRY_LOAD_DEBUG_CONTROLS, &vmx_caps.entry);
	if (r)
		return r;
	/* IA-32e mode is per guest; acknowledging interrupts never. */
	vmx_caps.entry &= ~ENTRY_IA32E_MODE;
	if (vmx_caps.exit & EXIT_ACK_INTR_ON_EXIT) {
		pr_err("CPU forces \"acknowledge interrupt on exit\"\n");
		return -ENODEV;
	}

	if (rdmsrl_safe(MSR_VMX_EPT_VPID_CAP, &vmx_caps.ept_vpid)) {
		pr_err("cannot read IA32_VMX_EPT_VPID_CAP\n");
		return -ENODEV;
	}
	cap = vmx_caps.ept_vpid;
	if (!(cap & VMX_EPT_PWL4)) {
		pr_err("EPT lacks 4-level page walks (IA32_VMX_EPT_VPID_CAP[6])\n");
		return -ENODEV;
	}
	if (!(cap & VMX_EPT_MEMTYPE_WB)) {
		pr_err("EPT lacks write-back paging structures (IA32_VMX_EPT_VPID_CAP[14])\n");
		return -ENODEV;
	}
	if (!(cap & VMX_EPT_INVEPT) || !(cap & (VMX_EPT_INVEPT_SINGLE | VMX_EPT_INVEPT_ALL))) {
		pr_err("EPT lacks INVEPT (IA32_VMX_EPT_VPID_CAP[20,25,26])\n");
		return -ENODEV;
	}
	/* VPIDs only with a way to flush them. */
	if (vmx_use_vpid && (vmx_caps.cpu2 & CPU2_ENABLE_VPID) &&
	    (cap & VMX_VPID_INVVPID) &&
	    (cap & (VMX_VPID_INVVPID_SINGLE | VMX_VPID_INVVPID_ALL)))
		vmx_caps.vpid = true;
	else
		vmx_caps.cpu2 &= ~CPU2_ENABLE_VPID;
	vmx_caps.unrestricted = vmx_caps.cpu2 & CPU2_UNRESTRICTED_GUEST;

	rdmsrl(MSR_VMX_MISC, vmx_caps.misc);
	if (vmx_caps.pin & PIN_PREEMPT_TIMER) {
		/* The timer ticks once every 2^IA32_VMX_MISC[4:0] TSC cycles. */
		u64 ticks = ((u64)tsc_khz * VMX_SLICE_US / 1000) >>
			    (vmx_caps.misc & VMX_MISC_PREEMPT_RATE_MASK);

		vmx_caps.preempt_timer = clamp_t(u64, ticks, 1, U32_MAX);
	}
	rdmsrl(MSR_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);
	return 0;
}

/* x87, SSE, AVX and AVX-512 are switched; PKRU separately (it is not FPU state to the kernel). */
#define VMX_XFEATURES	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
			 XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | \
			 XFEATURE_MASK_Hi16_ZMM)

/*
 * With xsave=N the guest image is an FXSAVE one and the guest never gets
 * CR4.OSXSAVE, but on a host with XSAVE the CPU still has an XCR0 and
 * upper vector registers: the entry path then runs the guest on XCR0 =
 * x87|SSE with every other component in its init state (vmx/exit.c).
 */
static void vmx_probe_fpu(void)
{
	u32 eax, ebx, ecx, edx;

	vmx_caps.host_xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
			      boot_cpu_has(X86_FEATURE_OSXSAVE);
	if (vmx_caps.host_xsave)
		vmx_caps.xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	vmx_caps.xsave = vmx_use_xsave && vmx_caps.host_xsave;
	if (!vmx_caps.xsave) {
		vmx_caps.fpu_size = 512;	/* FXSAVE image */
		return;
	}
	vmx_caps.guest_xcr0_mask = vmx_caps.xcr0 & (VMX_XFEATURES | XFEATURE_MASK_PKRU);
	/* EBX: the XSAVE area size for what XCR0 enables now. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	vmx_caps.fpu_size = max_t(u32, ebx, 576);
}

/*
 * CR4 bits a guest may set: those hvm virtualizes and kmod/cpuid.c
 * advertises. Everything else, reserved and future bits included, is
 * host-owned in the CR4 guest/host mask and a guest MOV to CR4 setting it
 * gets #GP (vmx/exit.c). Left out on purpose: VMXE/SMXE (VMX and SMX are
 * hidden), PCIDE (PCID hidden), PKE (PKU hidden), LA57, CET, PKS, UINTR,
 * LAM_SUP and whatever comes next. MCE is allowed but host-owned: the
 * guest sees its own value, the CPU always runs with the host's.
 */
static void vmx_probe_cr4(void)
{
	unsigned long allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
				X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
				X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		allowed |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		allowed |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		allowed |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		allowed |= X86_CR4_SMAP;
	if (vmx_caps.xsave)
		allowed |= X86_CR4_OSXSAVE;
	vmx_caps.cr4_allowed = allowed & vmx_caps.cr4_fixed1;
}

/* The software L1D flush reads this (no IA32_FLUSH_CMD); module lifetime. */
u8 vmx_l1d_flush_buf[VMX_L1D_FLUSH_SIZE] __aligned(PAGE_SIZE);

/*
 * L1TF (SDM-independent: Intel's "L1 Terminal Fault" guidance; KVM's
 * vmx_setup_l1d_flush()): a guest can read host data left in L1D through
 * a not-present EPT/guest PTE. Flush L1D before each entry when the CPU
 * is affected, does not say it needs no flush (ARCH_CAPABILITIES
 * SKIP_VMENTRY_L1DFLUSH), and the host did not switch the mitigation off
 * (l1tf=off). KVM's "cond" mode flushes only after some exits; hvm always
 * flushes, which is never weaker. IA32_FLUSH_CMD where the CPU has it,
 * KVM's software sequence over 64 KiB otherwise.
 */
static void vmx_probe_l1d_flush(void)
{
	u64 arch_cap = 0;
	int i;

	vmx_caps.l1d_flush = false;
	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &arch_cap) &&
	    (arch_cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH))
		return;
	if (l1tf_mitigation == L1TF_MITIGATION_OFF)
		return;
	vmx_caps.l1d_flush = true;
	/* A different pattern per page, so no page deduplication merges them. */
	for (i = 0; i < VMX_L1D_FLUSH_SIZE / PAGE_SIZE; i++)
		memset(vmx_l1d_flush_buf + i * PAGE_SIZE, i + 1, PAGE_SIZE);
}

/*
 * Refuse what the entry path cannot mitigate or would do wrong: FRED
 * (the NMI hand-off uses the IDT entry), a CPU that forces "enable
 * XSAVES/XRSTORS" (with it 0 XSAVES/XRSTORS #UD in the guest, SDM 26.3 /
 * 25.3 "Changes to Instruction Behavior in VMX Non-Root Operation", so
 * they cannot reach the host's IA32_XSS components such as CET state).
 */
static int vmx_probe_mitigations(void)
{
#ifdef CONFIG_X86_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err("FRED is enabled: the NMI hand-off after VM exits needs the IDT entry\n");
		return -ENODEV;
	}
#endif
	if (vmx_caps.cpu2 & CPU2_ENABLE_XSAVES) {
		pr_err("CPU forces \"enable XSAVES/XRSTORS\": the guest could reach host IA32_XSS state\n");
		return -ENODEV;
	}
	vmx_probe_l1d_flush();
	return 0;
}

/**
 * vmx_probe() - detect VT-x and compute the controls we will run with
 * @features: out: HVM_FEAT_* bits
 * @nr_asids: out: VPIDs available (0 without VPID)
 *
 * Quietly -ENODEV without VMX (so the core can try SVM); a pr_err naming
 * the missing bit otherwise.
 */
static int vmx_probe(u64 *features, u32 *nr_asids)
{
	int r, true_ctls;

	if (!(cpuid_ecx(1) & BIT(5)))
		return -ENODEV;

	r = vmx_probe_feature_control();
	if (r)
		return r;
	true_ctls = vmx_probe_basic();
	if (true_ctls < 0)
		return true_ctls;
	r = vmx_probe_controls(true_ctls);
	if (r)
		return r;
	vmx_probe_fpu();
	vmx_probe_cr4();
	r = vmx_probe_mitigations();
	if (r)
		return r;

	*features = HVM_FEAT_EPT;
	if (vmx_caps.vpid)
		*features |= HVM_FEAT_VPID;
	if (vmx_caps.unrestricted)
		*features |= HVM_FEAT_UNRESTRICTED;
	if (vmx_ctl_may(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS) &
	    PIN_PREEMPT_TIMER)
		*features |= HVM_FEAT_PREEMPT_TIMER;
	if (vmx_caps.cpu & CPU_USE_MSR_BITMAPS)
		*features |= HVM_FEAT_MSR_BITMAP;
	if (vmx_ctl_may(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS) &
	    CPU_USE_IO_BITMAPS)
		*features |= HVM_FEAT_IO_BITMAP;
	if (vmx_caps.xsave)
		*features |= HVM_FEAT_XSAVE;
	*nr_asids = vmx_caps.vpid ? 0xffff : 0;

	pr_info("VMCS rev %#x size %u, %s controls, pin %#x cpu %#x cpu2 %#x exit %#x entry %#x\n",
		vmx_caps.revision, vmx_caps.vmcs_size, true_ctls ? "TRUE" : "legacy",
		vmx_caps.pin, vmx_caps.cpu, vmx_caps.cpu2, vmx_caps.exit, vmx_caps.entry);
	pr_info("guest CR4 allowed %#lx, L1D flush %s\n", vmx_caps.cr4_allowed,
		!vmx_caps.l1d_flush ? "off" :
		boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? "IA32_FLUSH_CMD" : "software");
	return 0;
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
};
