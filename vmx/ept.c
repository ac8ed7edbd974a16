// SPDX-License-Identifier: GPL-2.0
/*
 * EPT: the entry format for the shared nested-page-table walker
 * (kmod/mmu.c), the EPT pointer, per-VM state, and TLB invalidation
 * (VPIDs come from vmx/vpid.c).
 *
 * Guest RAM is mapped on first touch and never unmapped while the VM
 * lives, so the only stale translations are those of a VM that is gone
 * (its EPTP or VPID reused) or of a vCPU that ran here before: a vCPU
 * flushes its EPTP and VPID whenever it enters on a CPU other than the
 * one it last ran on, and a dying VM's EPTP is flushed on every CPU.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "vmx.h"

/*
 * Tables: read/write/execute; leaves: the same, write-back, guest PAT
 * ignored. With "ignore PAT" clear the effective type would combine the
 * guest's PAT with the EPT type (SDM 29.3.7.2 / 30.3.7.2 "Memory Type
 * Used for Translated Guest-Physical Addresses", PAT-vs-MTRR table 12-7):
 * a guest could map ordinary host RAM UC or WC while the host maps the
 * same page WB, the memory-type aliasing SDM 12.12.4 warns against. Guest
 * RAM is always host RAM and no device is assigned (MMIO is emulated on
 * EPT violations), so WB with IPAT is exact; it is what KVM uses for RAM
 * when no non-coherent DMA device is assigned.
 */
struct hvm_npt_format vmx_ept_format = {
	.table	= EPT_READ | EPT_WRITE | EPT_EXEC,
	.leaf	= EPT_READ | EPT_WRITE | EPT_EXEC | ((u64)VMX_MT_WB << EPT_MT_SHIFT) |
		  EPT_IGNORE_PAT,
};

/* Source of struct vmx_vm.gen: never reused, unlike a freed pointer. */
static atomic64_t vmx_vm_gen = ATOMIC64_INIT(0);

static void vmx_invept(u64 eptp)
{
	if (vmx_caps.ept_vpid & VMX_EPT_INVEPT_SINGLE)
		vmx_insn_invept(VMX_INVEPT_SINGLE, eptp);
	else
		vmx_insn_invept(VMX_INVEPT_ALL, 0);
}

static void vmx_invvpid(u16 vpid)
{
	if (!vpid)
		return;
	if (vmx_caps.ept_vpid & VMX_VPID_INVVPID_SINGLE)
		vmx_insn_invvpid(VMX_INVVPID_SINGLE, vpid);
	else
		vmx_insn_invvpid(VMX_INVVPID_ALL, 0);
}

/** vmx_flush_guest() - drop this CPU's translations for @vmx's VM (IRQs off) */
void vmx_flush_guest(struct vmx_vcpu *vmx)
{
	vmx_invept(vmx->vm->eptp);
	vmx_invvpid(vmx->vm->vpid);
}

/** vmx_flush_all_ept() - every EPT translation on this CPU (after VMXON) */
void vmx_flush_all_ept(void)
{
	if (vmx_caps.ept_vpid & VMX_EPT_INVEPT_ALL)
		vmx_insn_invept(VMX_INVEPT_ALL, 0);
	if (vmx_caps.vpid && (vmx_caps.ept_vpid & VMX_VPID_INVVPID_ALL))
		vmx_insn_invvpid(VMX_INVVPID_ALL, 0);
}

/**
 * vmx_vm_init() - the EPT pointer and a VPID for @vm
 * @vm: the new VM; vm->npt_root_pa is set
 *
 * Without a free VPID the VM runs with VPID 0 (the CPU then flushes on
 * every entry and exit): slower, never wrong.
 */
int vmx_vm_init(struct hvm_vm *vm)
{
	struct vmx_vm *v;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->eptp = vm->npt_root_pa | EPTP_PWL4 | EPTP_MT_WB;
	v->gen = atomic64_inc_return(&vmx_vm_gen);
	if (vmx_caps.vpid)
		v->vpid = vmx_vpid_alloc();
	vm->arch = v;
	return 0;
}

static void vmx_flush_vm_ipi(void *data)
{
	struct vmx_vm *v = data;

	if (__read_cr4() & X86_CR4_VMXE) {
		vmx_invept(v->eptp);
		vmx_invvpid(v->vpid);
	}
}

/** vmx_vm_destroy() - flush the VM's translations everywhere, free its VPID */
void vmx_vm_destroy(struct hvm_vm *vm)
{
	struct vmx_vm *v = vm->arch;

	if (!v)
		return;
	/* Before the tables go back to the page allocator and the IDs get reused. */
	on_each_cpu(vmx_flush_vm_ipi, v, 1);
	vmx_vpid_free(v->vpid);
	kfree(v);
	vm->arch = NULL;
}
