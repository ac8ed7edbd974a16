// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x backend: the host state a VM entry and exit do not switch (SDM
 * vol. 3C 28.5 / 27.5 "Loading Host State" lists what the exit loads),
 * switched in two tiers, as svm/host.c does for AMD-V:
 *
 * - once per guest context (vmx_guest_context_enter/leave()): the VMCS
 *   host CR3/CR4 and owed TLB flush, the guest's FPU image and XCR0, the
 *   host's debug registers; at the end the image is saved and the host's
 *   GDT/IDT/TR limits, LDTR and data segments, XCR0 and DR7 put back.
 *   vmx_vcpu_run() keeps one guest context across every exit the core
 *   handles without sleeping (hvm_exit_fast()), with interrupts off in
 *   between: no interrupt handler, softirq or other task runs on this CPU
 *   meanwhile, so nothing else can use or change this state.
 * - once per entry (vmx_guest_entry_enter/leave()): the guest's CR2, PKRU
 *   (it checks the kernel's own accesses to user pages) and, where the
 *   host has breakpoints or DEBUGCTL armed or the guest owns DR0-3, the
 *   debug registers.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/tlbflush.h>

#include "vmx.h"

/* An XSAVE area in standard form with XSTATE_BV = 0: XRSTOR of it inits. */
static const u8 vmx_xsave_init[576] __aligned(64);

/*
 * Load the guest's image. With xsave=N on a host with XSAVE the image is
 * FXSAVE's (x87/SSE only): the other components the host's XCR0 enables
 * (upper YMM/ZMM halves, opmasks) are put in their init state first, so
 * the guest never runs on what a host task left in them.
 */
static int vmx_fpu_restore(void *buf, u64 mask)
{
	u32 lo = mask, hi = mask >> 32;

	if (!vmx_caps.xsave) {
		if (vmx_caps.host_xsave)
			asm volatile("xrstor64 %0"
				     : : "m"(*(const u8 (*)[576])vmx_xsave_init),
				       "a"(lo), "d"(hi) : "memory");
		asm goto("1: fxrstor64 %0\n\t"
			 _ASM_EXTABLE(1b, %l[fault])
			 : : "m"(*(u8 (*)[512])buf) : "memory" : fault);
		return 0;
	}
	asm goto("1: xrstor64 %0\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(*(u8 (*)[576])buf), "a"(lo), "d"(hi) : "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

static void vmx_fpu_save(void *buf, u64 mask)
{
	u32 lo = mask, hi = mask >> 32;

	if (!vmx_caps.xsave) {
		asm volatile("fxsave64 %0" : "=m"(*(u8 (*)[512])buf) : : "memory");
		return;
	}
	asm volatile("xsave64 %0" : "+m"(*(u8 (*)[576])buf) : "a"(lo), "d"(hi) : "memory");
}

/*
 * The host-state fields that follow the task (lazy-TLB switches and CR4
 * updates change CR3/CR4 under us, never with interrupts off).
 */
static void vmx_host_state_enter(struct vmx_vcpu *vmx)
{
	unsigned long cr3 = __read_cr3(), cr4 = __read_cr4();

	if (cr3 != vmx->host.cr3) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host.cr3 = cr3;
	}
	if (cr4 != vmx->host.cr4) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host.cr4 = cr4;
	}
}

/*
 * The host state a VM exit does not restore (SDM 28.5 / 27.5 "Loading
 * Host State"): it sets the GDTR and IDTR limits to 0xffff, TR's to 0x67,
 * LDTR to 0, and leaves DS/ES/FS selectors alone. None of it matters to
 * kernel code with interrupts off (vectors stay below 256, the kernel
 * uses no LDT and no I/O bitmap, and 64-bit code ignores DS/ES), so it is
 * put back once per guest context, as KVM does it once per return to
 * user space.
 */
static void vmx_host_state_leave(struct vmx_vcpu *vmx)
{
	load_fixmap_gdt(smp_processor_id());
	asm volatile("lidt %0" : : "m"(vmx->host.idt));
	if (vmx->host.ldt)
		asm volatile("lldt %w0" : : "r"(vmx->host.ldt));
	invalidate_tss_limit();
	if (vmx->host.ds)
		loadsegment(ds, vmx->host.ds);
	if (vmx->host.es)
		loadsegment(es, vmx->host.es);
	/* vCPU threads are kernel threads: a user FS/GS selector is only possible for FS here. */
	if (vmx->host.fs & 7) {
		loadsegment(fs, vmx->host.fs);
		wrmsrl(MSR_FS_BASE, vmx->host.fs_base);
	}
}

/* The guest's DR0-3 once it used them (MOV DR exits: vmx/exit.c). */
static void vmx_guest_dr_enter(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	int i;

	if (!vmx->dr_active)
		return;
	/*
	 * Host breakpoints must not fire on guest addresses in the window
	 * before the entry: DR7 off first (the exit leaves it 0x400 anyway
	 * and vmx_guest_dr_leave() puts the host's back), as svm/svm.c does.
	 */
	if (h->dr7 & VMX_DR7_ENABLES)
		native_set_debugreg(7, VMX_DR7_FIXED1);
	for (i = 0; i < 4; i++) {
		h->dr[i] = native_get_debugreg(i);
		native_set_debugreg(i, vmx->dr[i]);
	}
}

/* VM exit leaves DR7 = 0x400 and DEBUGCTL = 0 (SDM 28.5.1 / 27.5.1). */
static void vmx_guest_dr_leave(struct vmx_vcpu *vmx, const struct vmx_host_state *h)
{
	int i;

	if (vmx->dr_active)
		for (i = 0; i < 4; i++)
			native_set_debugreg(i, h->dr[i]);
	if (h->dr7 != VMX_DR7_FIXED1)
		native_set_debugreg(7, h->dr7);
	if (vmx->host.debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, vmx->host.debugctl);
}

/* The guest's x87/SSE/AVX state and XCR0 (inside kernel_fpu_begin()). */
static void vmx_guest_fpu_enter(struct vmx_vcpu *vmx)
{
	if (vmx_fpu_restore(vmx->fpu, vmx_caps.fpu_mask)) {
		/* Only we write the image; start the guest's FPU afresh if it is bad. */
		hvm_fpu_reset_image(vmx->fpu, vmx_caps.fpu_size);
		vmx_fpu_restore(vmx->fpu, vmx_caps.fpu_mask);
	}
	/* With xsave=N vmx->xcr0 is x87|SSE: the guest never runs on the host's XCR0. */
	if (vmx_caps.host_xsave && xgetbv(XCR_XFEATURE_ENABLED_MASK) != vmx->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
}

static void vmx_guest_fpu_leave(struct vmx_vcpu *vmx)
{
	/*
	 * Compare with what the CPU holds rather than with what we loaded: the
	 * host's XCR0 must be back whatever the entry and exit did to it, or
	 * the next XRSTORS of a user task faults.
	 */
	if (vmx_caps.host_xsave) {
		u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

		if (xcr0 != vmx->xcr0 && xcr0 != vmx_caps.xcr0)
			pr_warn_once("XCR0 %#llx after a VM exit, guest's was %#llx\n",
				     xcr0, vmx->xcr0);
		if (xcr0 != vmx_caps.xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx_caps.xcr0);
	}
	vmx_fpu_save(vmx->fpu, vmx_caps.fpu_mask);
}

/**
 * vmx_guest_context_enter() - load what one guest context needs
 * @vmx: the vCPU, its VMCS current here
 * @h: where the host's values are kept until vmx_guest_context_leave()
 *
 * Inside kernel_fpu_begin(), interrupts off.
 */
void vmx_guest_context_enter(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	vmx_host_state_enter(vmx);
	h->dr7 = native_get_debugreg(7);
	h->dr_each_entry = vmx->dr_active || (h->dr7 & VMX_DR7_ENABLES) ||
			   vmx->host.debugctl;
	h->has_pkru = boot_cpu_has(X86_FEATURE_OSPKE);
	if (h->has_pkru)
		h->pkru = rdpkru();
	vmx_guest_fpu_enter(vmx);
}

/**
 * vmx_guest_context_leave() - save the guest's FPU, put the host's back
 * @vmx: the vCPU
 * @h: what vmx_guest_context_enter() kept
 *
 * Interrupts still off.
 */
void vmx_guest_context_leave(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	vmx_host_state_leave(vmx);
	vmx_guest_fpu_leave(vmx);
	/* VM exit leaves DR7 = 0x400 (SDM 28.5.1 / 27.5.1). */
	if (!h->dr_each_entry && native_get_debugreg(7) != h->dr7)
		native_set_debugreg(7, h->dr7);
}

/**
 * vmx_guest_entry_enter() - the per-entry part, right before it
 * @vmx: the vCPU
 * @h: the guest context's host state
 */
void vmx_guest_entry_enter(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	if (vmx->need_flush) {
		vmx_flush_guest(vmx);
		vmx->need_flush = false;
	}
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);
	if (h->has_pkru && vmx->pkru != h->pkru)
		wrpkru(vmx->pkru);
	if (h->dr_each_entry)
		vmx_guest_dr_enter(vmx, h);
}

/**
 * vmx_guest_entry_leave() - the per-entry part, right after the exit
 * @vmx: the vCPU
 * @h: the guest context's host state
 */
void vmx_guest_entry_leave(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	vmx->cr2 = native_read_cr2();
	if (h->has_pkru) {
		vmx->pkru = rdpkru();
		if (vmx->pkru != h->pkru)
			wrpkru(h->pkru);
	}
	if (h->dr_each_entry)
		vmx_guest_dr_leave(vmx, h);
}
