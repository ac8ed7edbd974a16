// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: the host state VMRUN does not switch (APM vol. 2
 * 15.5.1 lists what VMRUN saves in the host save area; the x87/SSE/AVX
 * registers, XCR0, XSS, PKRU and the debug registers are not among it),
 * switched in two tiers, after NVMM's svm_vcpu_guest_*_enter/leave and
 * KVM's vcpu_enter_guest() fastpath loop:
 *
 * - once per guest context (svm_guest_context_enter/leave()): the guest's
 *   FPU image is XRSTORed, XCR0 and XSS set, the host's debug registers
 *   read; at the end the image is XSAVEd and the host's values put back.
 *   svm_vcpu_run() keeps one guest context across every exit the core
 *   handles without sleeping (hvm_exit_fast()), with interrupts off
 *   between the entries: no interrupt handler, softirq or other task runs
 *   on this CPU in between, so nothing else can use or change this state.
 * - once per VMRUN (svm_guest_entry_enter/leave()): only what host code
 *   between two entries may depend on: PKRU (it checks the kernel's own
 *   accesses to user pages) and, where the host has breakpoints armed or
 *   the guest owns DR0-3, the debug registers.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>

#include "svm.h"

/* DR7: L0-G3 breakpoint enables; the value with all of them off. */
#define SVM_DR7_ENABLES		0xffUL
#define SVM_DR7_RESET		0x400UL

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
 * Debug registers: DR6/DR7 are in the VMCB; DR0-3 are the guest's once it
 * used them (exit.c). #VMEXIT leaves the guest's DR6 and a reset DR7
 * behind. Host breakpoints never arm on guest addresses.
 */
static void svm_guest_dr_enter(struct svm_vcpu *sv, struct svm_host_state *h)
{
	if (h->dr7 & SVM_DR7_ENABLES)
		set_debugreg(SVM_DR7_RESET, 7);
	if (!sv->dr_passthrough)
		return;
	set_debugreg(sv->guest_dr[0], 0);
	set_debugreg(sv->guest_dr[1], 1);
	set_debugreg(sv->guest_dr[2], 2);
	set_debugreg(sv->guest_dr[3], 3);
}

static void svm_guest_dr_leave(struct svm_vcpu *sv, struct svm_host_state *h)
{
	if (sv->dr_passthrough) {
		set_debugreg(SVM_DR7_RESET, 7);
		get_debugreg(sv->guest_dr[0], 0);
		get_debugreg(sv->guest_dr[1], 1);
		get_debugreg(sv->guest_dr[2], 2);
		get_debugreg(sv->guest_dr[3], 3);
		set_debugreg(h->dr[0], 0);
		set_debugreg(h->dr[1], 1);
		set_debugreg(h->dr[2], 2);
		set_debugreg(h->dr[3], 3);
	}
	if (h->dr7 != SVM_DR7_RESET)
		set_debugreg(h->dr7, 7);
}

/**
 * svm_guest_context_enter() - load the guest's FPU, XCR0 and XSS
 * @sv: the vCPU
 * @h: where the host's values are kept until svm_guest_context_leave()
 *
 * Inside kernel_fpu_begin() (the host task's FPU state is saved), with
 * interrupts off. XRSTOR runs with the host's XCR0, so it restores every
 * component the host enabled: guest registers the guest's own XCR0 hides
 * (e.g. YMM while its XCR0 is x87|SSE) are still preserved. The guest's
 * XCR0 only matters (and is only settable) with CR4.OSXSAVE; XSS runs as
 * 0 (svm_probe()).
 */
void svm_guest_context_enter(struct svm_vcpu *sv, struct svm_host_state *h)
{
	h->has_pkru = (svm_host_xcr0 & XFEATURE_MASK_PKRU) &&
		      boot_cpu_has(X86_FEATURE_OSPKE);
	if (h->has_pkru)
		h->pkru = rdpkru();
	if (svm_host_xcr0)
		svm_xrstor(sv->fpu, svm_host_xcr0);
	else
		svm_fxrstor(sv->fpu);
	/* Between entries PKRU is the host's: the guest's waits in @h. */
	if (h->has_pkru) {
		h->guest_pkru = rdpkru();
		if (h->guest_pkru != h->pkru)
			wrpkru(h->pkru);
	}

	h->xcr0 = svm_host_xcr0;
	if (svm_host_xcr0 && (sv->cr4 & X86_CR4_OSXSAVE) &&
	    sv->xcr0 != svm_host_xcr0) {
		xsetbv(XCR_XFEATURE_ENABLED_MASK, sv->xcr0);
		h->xcr0 = sv->xcr0;
	}
	if (svm_host_xss)
		wrmsrl(MSR_IA32_XSS, 0);

	get_debugreg(h->dr6, 6);
	get_debugreg(h->dr7, 7);
	h->dr_each_entry = sv->dr_passthrough || (h->dr7 & SVM_DR7_ENABLES);
	if (sv->dr_passthrough) {
		get_debugreg(h->dr[0], 0);
		get_debugreg(h->dr[1], 1);
		get_debugreg(h->dr[2], 2);
		get_debugreg(h->dr[3], 3);
	}
}

/**
 * svm_guest_context_leave() - save the guest's FPU, put the host's back
 * @sv: the vCPU
 * @h: what svm_guest_context_enter() kept
 *
 * Interrupts still off; the reverse order of svm_guest_context_enter().
 * XCR0 is read back rather than trusted to the XSETBV intercept: QEMU 7.2
 * does not implement it, so there the guest writes XCR0 itself, and
 * whatever it holds now is the guest's.
 */
void svm_guest_context_leave(struct svm_vcpu *sv, struct svm_host_state *h)
{
	unsigned long dr;
	u64 xcr0;

	/* #VMEXIT leaves the guest's DR6 and a reset DR7 behind. */
	get_debugreg(dr, 6);
	if (dr != h->dr6)
		set_debugreg(h->dr6, 6);
	get_debugreg(dr, 7);
	if (dr != h->dr7)
		set_debugreg(h->dr7, 7);

	if (svm_host_xss)
		wrmsrl(MSR_IA32_XSS, svm_host_xss);
	if (svm_host_xcr0) {
		xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (xcr0 != h->xcr0)
			sv->xcr0 = xcr0;
		if (xcr0 != svm_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, svm_host_xcr0);
	}

	if (h->has_pkru && h->guest_pkru != h->pkru)
		wrpkru(h->guest_pkru);
	if (svm_host_xcr0)
		svm_xsave(sv->fpu, svm_host_xcr0);
	else
		svm_fxsave(sv->fpu);
	if (h->has_pkru && h->guest_pkru != h->pkru)
		wrpkru(h->pkru);
}

/**
 * svm_guest_entry_enter() - the per-VMRUN part, right before it
 * @sv: the vCPU
 * @h: the guest context's host state
 *
 * Interrupts off, GIF clear.
 */
void svm_guest_entry_enter(struct svm_vcpu *sv, struct svm_host_state *h)
{
	if (h->has_pkru && h->guest_pkru != h->pkru)
		wrpkru(h->guest_pkru);
	if (h->dr_each_entry)
		svm_guest_dr_enter(sv, h);
}

/**
 * svm_guest_entry_leave() - the per-VMRUN part, right after the #VMEXIT
 * @sv: the vCPU
 * @h: the guest context's host state
 *
 * Interrupts off, GIF still clear.
 */
void svm_guest_entry_leave(struct svm_vcpu *sv, struct svm_host_state *h)
{
	if (h->dr_each_entry)
		svm_guest_dr_leave(sv, h);
	if (h->has_pkru) {
		h->guest_pkru = rdpkru();
		if (h->guest_pkru != h->pkru)
			wrpkru(h->pkru);
	}
}
