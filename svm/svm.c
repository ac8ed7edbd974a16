// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: detection, per-CPU enable, vCPU lifecycle and the
 * VMRUN loop body. The VMCB layout is in vmcb.h, register conversion in
 * vmcb.c, exit handling in exit.c, NPT format and ASIDs in npt.c, and the
 * world switch itself in entry.S.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/io.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "svm.h"

DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

u32 svm_nr_asids;
u32 svm_features;
u64 svm_host_xcr0;
u64 svm_guest_xcr0_mask;
unsigned int svm_fpu_size;
u64 svm_host_xss;
u64 svm_cr4_forced;

/*
 * One IOPM and one MSRPM for every VM: the policy is the same for all of
 * them. They exist while at least one VM does (the ops table has no
 * module-exit hook, so nothing may outlive the last vm_destroy).
 */
static DEFINE_MUTEX(svm_bitmaps_lock);
static unsigned int svm_bitmaps_users;		/* [svm_bitmaps_lock] */
static struct page *svm_iopm, *svm_msrpm;	/* [svm_bitmaps_lock] */
phys_addr_t svm_iopm_pa, svm_msrpm_pa;		/* [c] while users > 0 */

#define SVM_IOPM_ORDER		2	/* 12 KiB used of 16 KiB */
#define SVM_MSRPM_ORDER		1

#define CPUID_8000_0001_ECX_SVM	BIT(2)

/* DR7: L0-G3 breakpoint enables; the value with all of them off. */
#define SVM_DR7_ENABLES		0xffUL
#define SVM_DR7_RESET		0x400UL

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

static inline void svm_xrstor(void *buf, u64 mask)
{
	asm volatile("xrstor64 (%0)"
		     :: "D" (buf), "a" ((u32)mask), "d" ((u32)(mask >> 32))
		     : "memory");
}

static inline void svm_xsave(void *buf, u64 mask)
{
	asm volatile("xsave64 (%0)"
		     :: "D" (buf), "a" ((u32)mask), "d" ((u32)(mask >> 32))
		     : "memory");
}

static inline void svm_fxrstor(void *buf)
{
	asm volatile("fxrstor64 (%0)" :: "D" (buf) : "memory");
}

static inline void svm_fxsave(void *buf)
{
	asm volatile("fxsave64 (%0)" :: "D" (buf) : "memory");
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

/* ---- detection ---- */

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
static int svm_probe(u64 *features, u32 *nr_asids)
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
	if (edx & SVM_FEATURE_NRIPS)
		feat |= HVM_FEAT_NRIPS;
	if (edx & SVM_FEATURE_FLUSH_BY_ASID)
		feat |= HVM_FEAT_FLUSH_BY_ASID;
	if (edx & SVM_FEATURE_DECODE_ASSISTS)
		feat |= HVM_FEAT_DECODE_ASSISTS;
	if (edx & SVM_FEATURE_VGIF)
		feat |= HVM_FEAT_VGIF;

	if (boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		svm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		/* EBX: standard-format size for the XCR0 now enabled. */
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		svm_fpu_size = ebx;
		svm_guest_xcr0_mask = svm_host_xcr0 &
			(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM |
			 XFEATURE_MASK_AVX512);
		feat |= HVM_FEAT_XSAVE;
	} else {
		svm_host_xcr0 = 0;
		svm_guest_xcr0_mask = 0;
		svm_fpu_size = 512;	/* FXSAVE area */
	}

	pr_debug("%u ASIDs, features %#x, host XCR0 %#llx XSS %#llx, FPU area %u bytes\n",
		 svm_nr_asids, svm_features, svm_host_xcr0, svm_host_xss,
		 svm_fpu_size);
	*features = feat;
	*nr_asids = svm_nr_asids;
	return 0;
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

	/* Never free the save area VM_HSAVE_PA still points at. */
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

/* ---- per-VM: the shared permission maps ---- */

/*
 * MSRs whose whole state VMLOAD/VMSAVE switch: the guest may access them
 * directly when the core's policy makes them architectural state.
 */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* Bit offset of @msr's read bit in the MSRPM (write bit is +1), or -1. */
static long svm_msrpm_bit(u32 msr)
{
	static const u32 base[] = { 0x00000000, 0xc0000000, 0xc0010000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(base); i++)
		if (msr - base[i] < 0x2000)
			return (long)i * 0x800 * 8 + (msr - base[i]) * 2;
	return -1;
}

static void svm_msrpm_init(unsigned long *msrpm)
{
	unsigned int i;
	long bit;

	memset(msrpm, 0xff, SVM_MSRPM_SIZE);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++) {
		u32 msr = svm_passthrough_msrs[i];

		bit = svm_msrpm_bit(msr);
		if (WARN_ON_ONCE(bit < 0))
			continue;
		if (hvm_msr_policy(msr, false) == HVM_MSR_ARCH)
			__clear_bit(bit, msrpm);
		if (hvm_msr_policy(msr, true) == HVM_MSR_ARCH)
			__clear_bit(bit + 1, msrpm);
	}
}

static int svm_bitmaps_get(void)
{
	int ret = 0;

	mutex_lock(&svm_bitmaps_lock);
	if (svm_bitmaps_users++)
		goto out_unlock;

	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	if (!svm_iopm)
		goto err_users;
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_msrpm)
		goto err_free_iopm;

	/* Intercept every port: the core decides what each one does. */
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	svm_msrpm_init(page_address(svm_msrpm));
	svm_iopm_pa = page_to_phys(svm_iopm);
	svm_msrpm_pa = page_to_phys(svm_msrpm);
	goto out_unlock;

err_free_iopm:
	__free_pages(svm_iopm, SVM_IOPM_ORDER);
	svm_iopm = NULL;
err_users:
	svm_bitmaps_users--;
	ret = -ENOMEM;
out_unlock:
	mutex_unlock(&svm_bitmaps_lock);
	return ret;
}

static void svm_bitmaps_put(void)
{
	mutex_lock(&svm_bitmaps_lock);
	if (!WARN_ON_ONCE(!svm_bitmaps_users) && !--svm_bitmaps_users) {
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
		svm_msrpm = NULL;
		svm_iopm = NULL;
		svm_iopm_pa = 0;
		svm_msrpm_pa = 0;
	}
	mutex_unlock(&svm_bitmaps_lock);
}

/**
 * svm_vm_init() - per-VM setup
 * @vm: the VM
 *
 * ASIDs are handed out per CPU at run time (npt.c), so the only per-VM
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

static void svm_fpu_init(void *fpu)
{
	/* FCW, and MXCSR: XRSTOR loads MXCSR from memory even in init state. */
	*(u16 *)fpu = 0x37f;
	*(u32 *)(fpu + 24) = 0x1f80;
	/* XSTATE_BV (offset 512) stays 0: every component in init state. */
}

/**
 * svm_vcpu_create() - allocate the VMCB and guest state; reset state
 * @vcpu: the vCPU
 *
 * Return: 0 or -ENOMEM.
 */
static int svm_vcpu_create(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv;
	struct page *page;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	sv->vcpu = vcpu;
	sv->asid_cpu = -1;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto err_free_sv;
	sv->vmcb = page_address(page);
	sv->vmcb_pa = page_to_phys(page);

	sv->fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					   get_order(svm_fpu_size));
	if (!sv->fpu)
		goto err_free_vmcb;
	svm_fpu_init(sv->fpu);
	sv->xcr0 = XFEATURE_MASK_FP;

	vcpu->arch = sv;
	svm_vmcb_init(sv);
	return 0;

err_free_vmcb:
	__free_page(page);
err_free_sv:
	kfree(sv);
	return -ENOMEM;
}

/**
 * svm_vcpu_destroy() - free what svm_vcpu_create() allocated
 * @vcpu: the vCPU, not running
 */
static void svm_vcpu_destroy(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;
	int cpu;

	if (!sv)
		return;
	/*
	 * A new VMCB may get this page: no CPU may then skip the IBPB
	 * because it "ran it last".
	 */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpu, cpu)->last_vmcb, sv->vmcb, NULL);
	free_pages((unsigned long)sv->fpu, get_order(svm_fpu_size));
	free_page((unsigned long)sv->vmcb);
	kfree(sv);
	vcpu->arch = NULL;
}

/**
 * svm_vcpu_load() - the vCPU thread now runs on @cpu
 * @vcpu: the vCPU
 * @cpu: this CPU (preemption is off)
 *
 * Nothing to do: a VMCB is plain memory that any CPU can VMRUN, the ASID
 * is checked against the CPU at every run (npt.c), the host state VMRUN
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
 * Guest FPU state in, host XCR0 still active: XRSTOR every component the
 * host enabled, so guest registers the guest's own XCR0 hides (e.g. YMM
 * while its XCR0 is x87|SSE) are still preserved across exits.
 */
static void svm_fpu_load_guest(struct svm_vcpu *sv)
{
	if (svm_host_xcr0)
		svm_xrstor(sv->fpu, svm_host_xcr0);
	else
		svm_fxrstor(sv->fpu);
}

static void svm_fpu_save_guest(struct svm_vcpu *sv)
{
	if (svm_host_xcr0)
		svm_xsave(sv->fpu, svm_host_xcr0);
	else
		svm_fxsave(sv->fpu);
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

/**
 * svm_vcpu_run() - enter the guest once and handle the exit
 * @vcpu: the vCPU, on its own thread, preemptible
 *
 * kernel_fpu_begin()/kernel_fpu_end() bracket the interrupts-off window
 * (6.13+ requires kernel_fpu_end() with interrupts on). Inside it is the
 * world switch: the stop check (the core's "stop/entry blocked" flags are
 * read with interrupts off, so a kick IPI cannot be missed), the guest FPU
 * state, host debug registers, XCR0, XSS and PKRU saved and put back
 * exactly, and GIF cleared around VMRUN so a host interrupt or NMI that
 * arrives in guest mode causes an #VMEXIT and is delivered once STGI sets
 * GIF again (the NMI: right at STGI, through the IDT, whose IRET unblocks
 * NMIs again; nothing here leaves them blocked). SPEC_CTRL needs no
 * switching: the MSRPM intercepts it and the core's policy never hands it
 * to the guest (with V_SPEC_CTRL the CPU itself swaps it). TSC_AUX is
 * switched lazily (see svm_tsc_aux_load_guest()).
 *
 * Return: 0 to continue, 1 when the VM stops, negative errno on an
 * internal error.
 */
static int svm_vcpu_run(struct hvm_vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb *vmcb = sv->vmcb;
	unsigned long host_dr6, host_dr7, host_dr[4], dr;
	u64 xcr0_loaded, xcr0_now;
	bool has_pkru;
	struct svm_cpu *sc;
	u32 host_pkru = 0;
	u64 t0, t1;
	int cpu, fault, ret;

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
		local_irq_enable();
		kernel_fpu_end();
		return -EAGAIN;
	}
	/*
	 * Host FS/GS/TR/LDTR and syscall MSRs, saved here with interrupts
	 * off rather than once per vcpu_load: the kthread runs on a borrowed
	 * mm, and a flush_ldt() IPI for that mm may reload LDTR between two
	 * runs; a stale copy would put a freed LDT back.
	 */
	if (!svm_vmsave(page_to_phys(sc->host_vmsave))) {
		fault = 1;
		goto out_fault;
	}
	svm_asid_assign(sv, sc, cpu);
	svm_tsc_aux_load_guest(sc);
	svm_ibpb_on_vmcb_switch(sc, sv);
	vmcb->control.n_cr3 = vcpu->vm->npt_root_pa;
	vmcb->control.vmcb_clean = 0;

	has_pkru = (svm_host_xcr0 & XFEATURE_MASK_PKRU) &&
		   boot_cpu_has(X86_FEATURE_OSPKE);
	if (has_pkru)
		host_pkru = rdpkru();
	svm_fpu_load_guest(sv);
	/* The guest's XCR0 only matters (and is only settable) with OSXSAVE. */
	xcr0_loaded = svm_host_xcr0;
	if (svm_host_xcr0 && (vmcb->save.cr4 & X86_CR4_OSXSAVE) &&
	    sv->xcr0 != svm_host_xcr0) {
		xsetbv(XCR_XFEATURE_ENABLED_MASK, sv->xcr0);
		xcr0_loaded = sv->xcr0;
	}
	if (svm_host_xss)
		wrmsrl(MSR_IA32_XSS, 0);

	get_debugreg(host_dr6, 6);
	get_debugreg(host_dr7, 7);
	if (sv->dr_passthrough) {
		/* Never let host breakpoints arm on guest addresses. */
		if (host_dr7 & SVM_DR7_ENABLES)
			set_debugreg(SVM_DR7_RESET, 7);
		get_debugreg(host_dr[0], 0);
		get_debugreg(host_dr[1], 1);
		get_debugreg(host_dr[2], 2);
		get_debugreg(host_dr[3], 3);
		set_debugreg(sv->guest_dr[0], 0);
		set_debugreg(sv->guest_dr[1], 1);
		set_debugreg(sv->guest_dr[2], 2);
		set_debugreg(sv->guest_dr[3], 3);
	}

	svm_guest_timing_enter();
	t0 = ktime_get_ns();
	if (svm_clgi())
		fault = svm_enter_guest(sv->gprs, sv->vmcb_pa,
					page_to_phys(sc->host_vmsave));
	else
		fault = 1;
	t1 = ktime_get_ns();

	if (sv->dr_passthrough) {
		set_debugreg(SVM_DR7_RESET, 7);
		get_debugreg(sv->guest_dr[0], 0);
		get_debugreg(sv->guest_dr[1], 1);
		get_debugreg(sv->guest_dr[2], 2);
		get_debugreg(sv->guest_dr[3], 3);
		set_debugreg(host_dr[0], 0);
		set_debugreg(host_dr[1], 1);
		set_debugreg(host_dr[2], 2);
		set_debugreg(host_dr[3], 3);
	}
	/* #VMEXIT leaves the guest's DR6 and a reset DR7 behind. */
	get_debugreg(dr, 6);
	if (dr != host_dr6)
		set_debugreg(host_dr6, 6);
	get_debugreg(dr, 7);
	if (dr != host_dr7)
		set_debugreg(host_dr7, 7);

	if (svm_host_xss)
		wrmsrl(MSR_IA32_XSS, svm_host_xss);
	if (svm_host_xcr0) {
		/*
		 * Read XCR0 back rather than trust the XSETBV intercept: QEMU
		 * 7.2 does not implement it, so there the guest writes XCR0
		 * itself. Whatever it holds now is the guest's.
		 */
		xcr0_now = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (xcr0_now != xcr0_loaded)
			sv->xcr0 = xcr0_now;
		if (xcr0_now != svm_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, svm_host_xcr0);
	}
	svm_fpu_save_guest(sv);
	if (has_pkru && rdpkru() != host_pkru)
		wrpkru(host_pkru);

	/* A pending host NMI is taken here, at GIF=1. */
	svm_stgi();

	sv->shutdown_mc = false;
	if (!fault && vmcb->control.exitcode == VMEXIT_EXCP_MC) {
		hvm_machine_check();
	} else if (!fault && vmcb->control.exitcode == VMEXIT_SHUTDOWN &&
		   hvm_mc_in_progress()) {
		sv->shutdown_mc = true;
		hvm_machine_check();
	}

	/*
	 * VMSCAPE: the guest may have poisoned predictors that user space
	 * on this CPU (any task: there is no VMM process) would consume.
	 * Flag the CPU that ran the guest, before preemption can move us.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);

	/*
	 * Take the interrupt that caused an INTR exit, and any tick that
	 * came in guest mode, while the time still counts as the guest's.
	 */
	local_irq_enable();
	vcpu->stats[HVM_STAT_RUNS]++;	/* not in STI's shadow */
	local_irq_disable();
	svm_guest_timing_exit();

out_fault:
	if (unlikely(fault)) {
		local_irq_enable();
		kernel_fpu_end();
		/* An SVM instruction faulted: EFER.SVME was cleared under us. */
		pr_warn_ratelimited("CPU %d: SVM instruction faulted (EFER.SVME clear?)\n",
				    cpu);
		vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
		return hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, VMEXIT_INVALID);
	}
	local_irq_enable();
	kernel_fpu_end();

	vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
	vcpu->guest_ns += t1 - t0;

	ret = svm_handle_exit(sv);
	vcpu->host_ns += ktime_get_ns() - t1;
	return ret;

out_irq_on:
	local_irq_enable();
	kernel_fpu_end();
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
};
