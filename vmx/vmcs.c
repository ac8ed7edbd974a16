// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS setup: controls, the CR0/CR4 guest/host masks and the values the
 * CPU runs the guest with, host-state fields, the MSR bitmap and areas,
 * and the vCPU's creation in the architectural reset state. The guest
 * state the core reads and writes is in vmx/regs.c.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/fpu/types.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "vmx.h"

/* CR0 bits the guest owns outright are left out of the mask; the rest trap on change. */
static unsigned long vmx_cr0_mask(void)
{
	unsigned long mask = vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1 |
			     X86_CR0_CD | X86_CR0_NW;

	if (vmx_caps.unrestricted)
		mask &= ~(X86_CR0_PE | X86_CR0_PG);
	return mask;
}

/*
 * CR4 bits the guest owns outright (MOV to CR4 changing only these does
 * not exit, SDM 26.3 / 25.3 "MOV to CR4"): allowed ones that need neither
 * checks nor a host value. Everything else is host-owned: the allowlist's
 * MCE and OSXSAVE, every bit outside it (VMXE, PKE, LA57, CET, reserved
 * and future bits), so any write that sets one exits and the core's
 * hvm_set_cr4() decides.
 */
#define VMX_CR4_GUEST_OWNED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
				 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCE | \
				 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
				 X86_CR4_FSGSBASE | X86_CR4_SMEP | X86_CR4_SMAP)

static unsigned long vmx_cr4_mask(void)
{
	return ~(VMX_CR4_GUEST_OWNED & vmx_caps.cr4_allowed & ~vmx_caps.cr4_fixed0);
}

/** vmx_actual_cr0() - the CR0 the CPU runs the guest with for guest-visible @cr0 */
unsigned long vmx_actual_cr0(unsigned long cr0)
{
	unsigned long fixed0 = vmx_caps.cr0_fixed0;

	if (vmx_caps.unrestricted)
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	/* The guest never makes the physical CPU uncached. */
	return ((cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | fixed0) & vmx_caps.cr0_fixed1;
}

/*
 * vmx_actual_cr4() - the CR4 the CPU runs the guest with for guest-visible
 * @cr4: only allowed bits, plus VMXE (fixed) and the host's MCE. CR4.MCE
 * must stay set while the guest runs: a machine check with CR4.MCE clear
 * shuts the processor down (SDM 17.? / 15.10.? "Machine-Check
 * Initialization"; in VMX non-root that is a triple-fault VM exit, SDM
 * 26.2 / 25.2), and the host's handler would never see it. The guest's
 * own MCE lives in the read shadow.
 */
unsigned long vmx_actual_cr4(unsigned long cr4)
{
	return ((cr4 & vmx_caps.cr4_allowed & ~X86_CR4_MCE) | (cr4_read_shadow() & X86_CR4_MCE) |
		vmx_caps.cr4_fixed0 | X86_CR4_VMXE) & vmx_caps.cr4_fixed1;
}

/** vmx_guest_cr0() - CR0 as the guest sees it (current VMCS) */
unsigned long vmx_guest_cr0(void)
{
	unsigned long mask = vmx_cr0_mask();

	return (vmcs_read(GUEST_CR0) & ~mask) | (vmcs_read(CR0_READ_SHADOW) & mask);
}

unsigned long vmx_guest_cr4(void)
{
	unsigned long mask = vmx_cr4_mask();

	return (vmcs_read(GUEST_CR4) & ~mask) | (vmcs_read(CR4_READ_SHADOW) & mask);
}

/* ---------------------------------------------------------------------- */
/* Host state */

/*
 * vmx_write_host_percpu() - host fields that differ between CPUs; after
 * the VMCS moved to @cpu (this CPU, preemption off)
 */
void vmx_write_host_percpu(struct vmx_vcpu *vmx, int cpu)
{
	u64 v;

	vmcs_write(HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	rdmsrl(MSR_GS_BASE, v);
	vmcs_write(HOST_GS_BASE, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_CR0, read_cr0());
}

static const u32 vmx_switched_msrs[VMX_NR_MSRS] = {
	[VMX_MSR_KERNEL_GS_BASE]	= MSR_KERNEL_GS_BASE,
	[VMX_MSR_STAR]			= MSR_STAR,
	[VMX_MSR_LSTAR]			= MSR_LSTAR,
	[VMX_MSR_CSTAR]			= MSR_CSTAR,
	[VMX_MSR_SYSCALL_MASK]		= MSR_SYSCALL_MASK,
};

/*
 * vmx_save_host_task() - host state of the current task that a VM exit
 * does not restore, or restores from the VMCS: selectors, FS base, the
 * syscall MSRs (VM-exit MSR-load area), DEBUGCTL, LDTR, IDTR limit
 */
void vmx_save_host_task(struct vmx_vcpu *vmx)
{
	int i;

	savesegment(ds, vmx->host.ds);
	savesegment(es, vmx->host.es);
	savesegment(fs, vmx->host.fs);
	savesegment(gs, vmx->host.gs);
	store_ldt(vmx->host.ldt);
	store_idt(&vmx->host.idt);
	rdmsrl(MSR_FS_BASE, vmx->host.fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->host.kernel_gs_base);
	rdmsrl(MSR_IA32_DEBUGCTLMSR, vmx->host.debugctl);

	/* Host selector fields need RPL 0 and TI 0; others are reloaded by hand. */
	vmcs_write(HOST_FS_SELECTOR, (vmx->host.fs & 7) ? 0 : vmx->host.fs);
	vmcs_write(HOST_GS_SELECTOR, (vmx->host.gs & 7) ? 0 : vmx->host.gs);
	vmcs_write(HOST_FS_BASE, vmx->host.fs_base);

	for (i = 0; i < VMX_NR_MSRS; i++)
		rdmsrl(vmx_switched_msrs[i], vmx->host_msrs[i].value);
}

/* Host fields that are the same on every CPU and for every task. */
static void vmx_write_host_const(void)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, __read_cr4());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)hvm_vmx_exit);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
}

/* ---------------------------------------------------------------------- */
/* MSR bitmap */

static void vmx_msr_passthrough(unsigned long *bitmap, u32 msr)
{
	/* Read-low, read-high, write-low, write-high quarters of 1 KiB each. */
	unsigned long base = (msr & 0xc0000000) ? 1024 * 8 : 0;
	unsigned long bit = msr & 0x1fff;

	if (msr > 0x1fff && (msr < 0xc0000000 || msr > 0xc0001fff))
		return;
	if (hvm_msr_policy(msr, false) == HVM_MSR_ARCH)
		__clear_bit(base + bit, bitmap);
	if (hvm_msr_policy(msr, true) == HVM_MSR_ARCH)
		__clear_bit(2048 * 8 + base + bit, bitmap);
}

/*
 * Only MSRs whose guest value the VMCS itself holds (FS/GS base, SYSENTER)
 * or switches through the MSR areas pass through; every other access
 * exits and goes through the core's policy.
 */
static void vmx_init_msr_bitmap(unsigned long *bitmap)
{
	static const u32 direct[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
		MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	unsigned int i;

	memset(bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(direct); i++)
		vmx_msr_passthrough(bitmap, direct[i]);
}

/* ---------------------------------------------------------------------- */
/* VMCS initialisation */

/* The architectural reset state: real mode at f000:fff0. */
static void vmx_reset_regs(struct hvm_regs *r)
{
	static const struct hvm_segment data = { .limit = 0xffff, .attrib = 0x93 };

	memset(r, 0, sizeof(*r));
	r->rip = 0xfff0;
	r->rflags = X86_EFLAGS_FIXED;
	r->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	r->cs = (struct hvm_segment){ .base = 0xffff0000, .limit = 0xffff,
				      .selector = 0xf000, .attrib = 0x9b };
	r->ds = data;
	r->es = data;
	r->fs = data;
	r->gs = data;
	r->ss = data;
	r->tr = (struct hvm_segment){ .limit = 0xffff, .attrib = 0x8b };
	r->ldtr = (struct hvm_segment){ .limit = 0xffff, .attrib = 0x82 };
	r->gdt.limit = 0xffff;
	r->idt.limit = 0xffff;
}

static void vmx_vmcs_init(struct vmx_vcpu *vmx)
{
	struct hvm_regs regs;
	u32 cpu2 = vmx_caps.cpu2;
	int i;

	if (vmx->vm->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vm->vpid);
	else
		cpu2 &= ~CPU2_ENABLE_VPID;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	vmx->cpu_ctls = vmx_caps.cpu;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx->cpu_ctls);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, cpu2);
	vmcs_write(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmx->entry_ctls = vmx_caps.entry;
	vmcs_write(VM_ENTRY_CONTROLS, vmx->entry_ctls);
	/*
	 * #DB and #AC can loop forever in microcode: intercept and reflect
	 * them. #MC always exits and goes to the host's handler (exit.c).
	 */
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC));
	/*
	 * With "enable ENCLS exiting" set, this bitmap picks the ENCLS leaves
	 * that exit; all of them do (ENCLS is #UD for the guest), SDM 25.6.16
	 * / 24.6.16 "ENCLS-Exiting Bitmap".
	 */
	if (cpu2 & CPU2_ENCLS_EXITING)
		vmcs_write(ENCLS_EXITING_BITMAP, ~0UL);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	if (vmx_caps.cpu & CPU_USE_MSR_BITMAPS)
		vmcs_write(MSR_BITMAP, __pa(vmx->msr_bitmap));
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, __pa(vmx->guest_msrs));
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, VMX_NR_MSRS);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, __pa(vmx->guest_msrs));
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, VMX_NR_MSRS);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, __pa(vmx->host_msrs));
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, VMX_NR_MSRS);
	vmcs_write(EPT_POINTER, vmx->vm->eptp);
	vmcs_write(VMCS_LINK_POINTER, ~0UL);
	if (vmx_caps.cpu & CPU_TSC_OFFSETTING)
		vmcs_write(TSC_OFFSET, vmx->vcpu->vm->tsc_offset);
	/* Without "save timer value" every entry starts a full slice. */
	if (vmx_caps.pin & PIN_PREEMPT_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_caps.preempt_timer);
	vmx->cr0_mask = vmx_cr0_mask();
	vmx->cr4_mask = vmx_cr4_mask();
	vmcs_write(CR0_GUEST_HOST_MASK, vmx->cr0_mask);
	vmcs_write(CR4_GUEST_HOST_MASK, vmx->cr4_mask);

	vmx_write_host_const();

	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_DR7, VMX_DR7_FIXED1);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	for (i = 0; i < VMX_NR_MSRS; i++)
		vmx->guest_msrs[i].value = 0;

	vmx_reset_regs(&regs);
	vmx_write_regs(vmx, &regs);
}

/**
 * vmx_vcpu_create() - ops->vcpu_create: VMCS, MSR areas and bitmap, FPU
 * @vcpu: the core vCPU; vcpu->arch is set on success
 * image; the VMCS gets its controls and the reset state here (VMX is on:
 * the VM holds a hardware reference).
 */
int vmx_vcpu_create(struct hvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;
	int i, r = -ENOMEM;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	vmx->vcpu = vcpu;
	vmx->vm = vcpu->vm->arch;
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_node);

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto err_free_vmx;
	vmx->vmcs = page_address(page);
	*(u32 *)vmx->vmcs = vmx_caps.revision;
	vmx->vmcs_pa = __pa(vmx->vmcs);

	/* One page: guest area in the first half, host area in the second. */
	vmx->guest_msrs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->guest_msrs)
		goto err_free_vmcs;
	vmx->host_msrs = (void *)vmx->guest_msrs + PAGE_SIZE / 2;
	for (i = 0; i < VMX_NR_MSRS; i++) {
		vmx->guest_msrs[i].index = vmx_switched_msrs[i];
		vmx->host_msrs[i].index = vmx_switched_msrs[i];
	}

	vmx->msr_bitmap = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->msr_bitmap)
		goto err_free_msrs;
	vmx_init_msr_bitmap(vmx->msr_bitmap);

	/* Power-of-two kmalloc sizes are naturally aligned: XSAVE needs 64. */
	vmx->fpu = kzalloc(roundup_pow_of_two(vmx_caps.fpu_size), GFP_KERNEL_ACCOUNT);
	if (!vmx->fpu)
		goto err_free_bitmap;

	hvm_fpu_reset_image(vmx->fpu, vmx_caps.fpu_size);
	/* xsave=N: the guest runs on x87|SSE, never on the host's XCR0. */
	vmx->xcr0 = vmx_caps.xsave ? XFEATURE_MASK_FP : XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	vmx->dr6 = DR6_RESERVED;
	vcpu->arch = vmx;

	preempt_disable();
	r = vmx_insn_vmclear(vmx->vmcs_pa);
	if (!r) {
		vmx_vcpu_load(vcpu, smp_processor_id());
		vmx_vmcs_init(vmx);
	}
	preempt_enable();
	if (r) {
		pr_err("VMCLEAR of a new VMCS failed (%d)\n", r);
		r = -EIO;
		goto err_free_fpu;
	}
	return 0;

err_free_fpu:
	vcpu->arch = NULL;
	kfree(vmx->fpu);
err_free_bitmap:
	free_page((unsigned long)vmx->msr_bitmap);
err_free_msrs:
	free_page((unsigned long)vmx->guest_msrs);
err_free_vmcs:
	__free_page(page);
err_free_vmx:
	kfree(vmx);
	return r;
}

/** vmx_vcpu_destroy() - ops->vcpu_destroy: VMCLEAR wherever active, free */
void vmx_vcpu_destroy(struct hvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->arch;

	if (!vmx)
		return;
	vmx_vcpu_unload(vmx);
	kfree(vmx->fpu);
	free_page((unsigned long)vmx->msr_bitmap);
	free_page((unsigned long)vmx->guest_msrs);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
	vcpu->arch = NULL;
}
