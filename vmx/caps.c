// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x detection: the capability MSRs, the controls hvm runs with, the
 * guest FPU/XCR0 and CR4 policy inputs for the core, and the speculation
 * mitigations the entry path applies.
 *
 * IA32_FEATURE_CONTROL: Linux locks it at boot (arch/x86/kernel/cpu/
 * feat_ctl.c). Should we still find it unlocked, hardware_enable() sets
 * "VMXON outside SMX" and the lock bit on that CPU, as KVM did before the
 * kernel took this over; locked without that bit means the BIOS disabled
 * VT-x and probe() refuses.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "vmx.h"

struct vmx_caps vmx_caps;

static bool vmx_use_vpid = true;
module_param_named(vpid, vmx_use_vpid, bool, 0444);
MODULE_PARM_DESC(vpid, "VT-x: tag guest TLB entries with a VPID per VM (default on)");

static bool vmx_use_xsave = true;
module_param_named(xsave, vmx_use_xsave, bool, 0444);
MODULE_PARM_DESC(xsave, "VT-x: switch guest FPU state with XSAVE and XCR0 (default on; off: FXSAVE, no XSAVE for guests)");

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

/*
 * The controls, EPT/VPID capabilities, the preemption timer rate and the
 * CR fixed bits. One step per capability MSR, in the order the SDM lists
 * them (appendix A); long, but each step is a few lines with its own
 * refusal message.
 *
 * Long by design: every VMX control field adjusted in turn against its
 * capability MSR.
 */
static int vmx_probe_controls(bool true_ctls)
{
	u32 pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS;
	u32 cpu_msr = true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS;
	u32 exit_msr = true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS;
	u32 entry_msr = true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS;
	u64 cap;
	int r;

	r = vmx_adjust_ctls("pin-based", pin_msr,
			    PIN_EXT_INTR_EXITING | PIN_NMI_EXITING,
			    PIN_PREEMPT_TIMER | PIN_VIRTUAL_NMIS,
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
	/*
	 * Window exits for the core's event injection (kmod/event.c):
	 * interrupt-window exiting, and NMI-window exiting, which needs
	 * virtual NMIs (SDM 26.2.1.1 / 27.2.1.1 "VM-Execution Control Fields").
	 */
	vmx_caps.irq_window = vmx_ctl_may(cpu_msr) & CPU_INTR_WINDOW_EXITING;
	vmx_caps.nmi_window = (vmx_caps.pin & PIN_VIRTUAL_NMIS) &&
			      (vmx_ctl_may(cpu_msr) & CPU_NMI_WINDOW_EXITING);
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
	/* 2 MiB EPT leaves (SDM 29.3.2 / 30.3.2, "EPT Translation Mechanism"). */
	vmx_ept_format.huge = (cap & VMX_EPT_2MB_PAGE) ? EPT_LARGE_PAGE : 0;
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

/*
 * The guest FPU state hvm switches: x87, SSE, AVX and AVX-512 where the
 * host's XCR0 has them (PKRU separately: it is not FPU state to the
 * kernel, and PKU is hidden from guests). The core gets the same set as
 * the XCR0 bits a guest XSETBV may enable (hvm_guest_xcr0_mask), or 0
 * with xsave=N: then the guest image is an FXSAVE one and the guest never
 * gets CR4.OSXSAVE, but on a host with XSAVE the CPU still has an XCR0 and
 * upper vector registers: the entry path runs the guest on XCR0 =
 * x87|SSE with every other component in its init state (vmx_guest_fpu_enter()).
 */
static void vmx_probe_fpu(void)
{
	u32 eax, ebx, ecx, edx;

	vmx_caps.host_xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
			      boot_cpu_has(X86_FEATURE_OSXSAVE);
	if (vmx_caps.host_xsave)
		vmx_caps.xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	vmx_caps.fpu_mask = vmx_caps.xcr0 & (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM |
					     XFEATURE_MASK_AVX512);
	vmx_caps.xsave = vmx_use_xsave && vmx_caps.host_xsave;
	hvm_guest_xcr0_mask = vmx_caps.xsave ? vmx_caps.fpu_mask : 0;
	if (!vmx_caps.xsave) {
		vmx_caps.fpu_size = 512;	/* FXSAVE image */
		return;
	}
	/* EBX: the XSAVE area size for what XCR0 enables now. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	vmx_caps.fpu_size = max_t(u32, ebx, 576);
}

/*
 * CR4: the core decides which bits a guest may set (hvm_cr4_guest_bits(),
 * kmod/x86.c) within what this CPU can run in VMX non-root operation
 * (IA32_VMX_CR4_FIXED1, SDM A.8 "VMX-Fixed Bits in CR4"). The bits the
 * backend lets a guest hold: those, plus MCE, which a loaded state may
 * carry: it is host-owned in the guest/host mask, the guest sees its own
 * value in the read shadow and the CPU always runs with the host's.
 */
static void vmx_probe_cr4(void)
{
	hvm_cr4_hw_bits = vmx_caps.cr4_fixed1;
	vmx_caps.cr4_allowed = (hvm_cr4_guest_bits() | X86_CR4_MCE) & vmx_caps.cr4_fixed1;
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
int vmx_probe(u64 *features, u32 *nr_asids)
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
