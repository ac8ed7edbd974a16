// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: detection. What the CPU implements (CPUID
 * 8000_000Ah), whether the host kernel can mitigate what guests could
 * exploit, and the numbers the rest of the backend and the core run with
 * (ASIDs, FPU area, XCR0 and CR4 masks).
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "svm.h"

u32 svm_nr_asids;
u32 svm_features;
u64 svm_host_xcr0;
unsigned int svm_fpu_size;
u64 svm_host_xss;
u64 svm_cr4_forced;

/*
 * Speculation mitigations at VMRUN, as KVM's __svm_vcpu_run does on both
 * supported kernels (entry.S and svm_vcpu_run()):
 *
 *   VERW before VMRUN          X86_FEATURE_CLEAR_CPU_BUF_VM (MDS/TAA/MMIO/TSA)
 *   RSB stuffing after exit    X86_FEATURE_RSB_VMEXIT(_LITE)
 *   RET untraining, IBPB       UNTRAIN_RET(_VM), X86_FEATURE_IBPB_ON_VMEXIT
 *   branch history (BHI)       X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT
 *   IBPB between VMCBs         indirect_branch_prediction_barrier()
 *   VMSCAPE                    x86_ibpb_exit_to_user (X86_FEATURE_IBPB_EXIT_TO_USER)
 *   SRSO BpSpecReduce (6.12)   BP_CFG bit while SVM is on
 *
 * Each is keyed on the feature bit the host kernel's own mitigation
 * selection sets, so "mitigations=off" and unaffected CPUs pay nothing.
 * A kernel whose headers lack one of these features cannot have enabled
 * it, but may still run on an affected CPU with a mitigation hvm does not
 * know how to apply: refuse to load there rather than run unmitigated.
 */
static int svm_check_mitigations(void)
{
	int bad = 0;

#ifndef X86_FEATURE_CLEAR_CPU_BUF_VM
	if (boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF)) {
		pr_err("host clears CPU buffers (VERW) but this kernel has no X86_FEATURE_CLEAR_CPU_BUF_VM: refusing to run guests unmitigated\n");
		bad++;
	}
#endif
#ifndef X86_FEATURE_IBPB_EXIT_TO_USER
	if (boot_cpu_has_bug(X86_BUG_VMSCAPE)) {
		pr_err("CPU affected by VMSCAPE but this kernel has no exit-to-user IBPB: refusing to run guests unmitigated\n");
		bad++;
	}
#endif
#if !defined(X86_FEATURE_RSB_VMEXIT) || !defined(X86_FEATURE_IBPB_ON_VMEXIT)
	pr_err("this kernel has no RSB_VMEXIT/IBPB_ON_VMEXIT features: refusing to run guests unmitigated\n");
	bad++;
#endif
	return bad ? -ENODEV : 0;
}

/*
 * The host state hvm keeps or switches around VMRUN (CR4.MCE, XSS, XCR0,
 * the FPU area size) and the masks the core applies to guests
 * (hvm_guest_xcr0_mask, hvm_cr4_hw_bits). Returns the HVM_FEAT_* bits
 * that do not depend on CPUID 8000_000Ah.
 */
static u64 svm_probe_host_state(void)
{
	u64 feat;

	/*
	 * Keep the host's CR4.MCE in force in guest mode: with CR4.MCE clear
	 * a machine check shuts the processor down instead of raising #MC
	 * (APM 9.3.2, 8.2.19), so the host would never see it and the
	 * shutdown would read as a guest triple fault. The guest sees its
	 * own value through the CR4 intercepts (exit.c).
	 */
	svm_cr4_forced = __read_cr4() & X86_CR4_MCE;

	/*
	 * IA32_XSS is not switched by VMRUN, and a guest can execute XSAVES
	 * whenever its CR4.OSXSAVE is set, advertised or not: with the
	 * host's XSS (e.g. CET_USER on 6.12) it would save and load the host
	 * task's supervisor state components. svm_vcpu_run() runs guests
	 * with XSS 0 (hvm never lets a guest set XSS) where the host's is not.
	 */
	svm_host_xss = 0;
	if (boot_cpu_has(X86_FEATURE_XSAVES) &&
	    rdmsrl_safe(MSR_IA32_XSS, &svm_host_xss))
		svm_host_xss = 0;

	feat = HVM_FEAT_NPT | HVM_FEAT_ASID | HVM_FEAT_MSR_BITMAP |
	       HVM_FEAT_IO_BITMAP;

	if (boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		svm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		/* EBX: standard-format size for the XCR0 now enabled. */
		svm_fpu_size = cpuid_ebx(0xd);
		/* What a guest XSETBV may enable (kmod/x86.c); PKRU never. */
		hvm_guest_xcr0_mask = svm_host_xcr0 &
			(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM |
			 XFEATURE_MASK_AVX512);
		feat |= HVM_FEAT_XSAVE;
	} else {
		svm_host_xcr0 = 0;
		hvm_guest_xcr0_mask = 0;
		svm_fpu_size = 512;	/* FXSAVE area */
	}
	/*
	 * VMRUN runs any CR4 value the host CPU supports (APM 15.5.1 only
	 * checks reserved bits): the guest allowlist (hvm_cr4_guest_bits())
	 * alone decides.
	 */
	hvm_cr4_hw_bits = ~0ULL;

	return feat;
}

/**
 * svm_probe() - detect a usable AMD-V implementation
 * @features: HVM_FEAT_* bits, filled on success
 * @nr_asids: number of ASIDs the CPU implements
 *
 * Quiet (pr_debug) when the CPU is not AMD or has no SVM at all, so the
 * core can go on to try VT-x; loud (pr_err) when SVM exists but is
 * unusable, naming the bit.
 *
 * Return: 0, or -ENODEV.
 */
int svm_probe(u64 *features, u32 *nr_asids)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr, feat;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON) {
		pr_debug("not an AMD/Hygon CPU\n");
		return -ENODEV;
	}
	if (cpuid_eax(0x80000000) < 0x80000001 ||
	    !(cpuid_ecx(0x80000001) & CPUID_8000_0001_ECX_SVM)) {
		pr_debug("no SVM: CPUID 8000_0001h:ECX.SVM[bit 2] is clear\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr)) {
		pr_err("SVM unusable: MSR VM_CR (C001_0114h) cannot be read\n");
		return -ENODEV;
	}
	if (vm_cr & VM_CR_SVMDIS) {
		if (vm_cr & VM_CR_LOCK)
			pr_err("SVM disabled by BIOS (VM_CR.SVMDIS set, locked)\n");
		else
			pr_err("SVM disabled (VM_CR.SVMDIS set, not locked)\n");
		return -ENODEV;
	}
	if (cpuid_eax(0x80000000) < 0x8000000a) {
		pr_err("SVM unusable: CPUID leaf 8000_000Ah (SVM features) is missing\n");
		return -ENODEV;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_FEATURE_NP)) {
		pr_err("nested paging missing: CPUID 8000_000Ah:EDX.NP[bit 0] is clear\n");
		return -ENODEV;
	}
	if (ebx < 2) {
		pr_err("CPUID 8000_000Ah:EBX reports %u ASIDs, at least 2 needed\n",
		       ebx);
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_FXSR)) {
		pr_err("SVM unusable: CPUID 1:EDX.FXSR[bit 24] is clear\n");
		return -ENODEV;
	}

	if (svm_check_mitigations())
		return -ENODEV;

	svm_features = edx;
	svm_nr_asids = ebx;

	feat = svm_probe_host_state();
	if (edx & SVM_FEATURE_NRIPS)
		feat |= HVM_FEAT_NRIPS;
	if (edx & SVM_FEATURE_FLUSH_BY_ASID)
		feat |= HVM_FEAT_FLUSH_BY_ASID;
	if (edx & SVM_FEATURE_DECODE_ASSISTS)
		feat |= HVM_FEAT_DECODE_ASSISTS;
	if (edx & SVM_FEATURE_VGIF)
		feat |= HVM_FEAT_VGIF;

	pr_debug("%u ASIDs, features %#x, host XCR0 %#llx XSS %#llx, FPU area %u bytes\n",
		 svm_nr_asids, svm_features, svm_host_xcr0, svm_host_xss,
		 svm_fpu_size);
	*features = feat;
	*nr_asids = svm_nr_asids;
	return 0;
}

