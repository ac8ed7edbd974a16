// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO dispatch: device models register guest-physical ranges; a nested
 * page fault inside one is an access to the device, emulated from the
 * faulting instruction (kmod/emulate.c) and handed to the device's
 * callbacks. Every other nested page fault keeps its meaning: RAM on first
 * touch, reason fault outside RAM.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>

#include "hvm.h"

/**
 * hvm_mmio_register() - serve [@base, @base + @size) with @ops
 * @vm: the VM, not yet visible to anyone (creation)
 * @base: guest-physical base, page aligned
 * @size: bytes, a multiple of the page size
 * @ops: the callbacks
 * @priv: passed to them
 *
 * The range must not overlap guest RAM nor another range.
 *
 * Return: 0, -EINVAL for a bad or overlapping range, -ENOSPC when the VM
 * has HVM_MMIO_MAX ranges already.
 */
int hvm_mmio_register(struct hvm_vm *vm, u64 base, u64 size,
		      const struct hvm_mmio_ops *ops, void *priv)
{
	struct hvm_mmio_range *r;
	unsigned int i;

	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    base + size < base || base < vm->mem_size ||
	    base + size > (1ULL << hvm_gpa_bits()))
		return -EINVAL;
	for (i = 0; i < vm->nr_mmio; i++) {
		r = &vm->mmio[i];
		if (base < r->base + r->size && r->base < base + size)
			return -EINVAL;
	}
	if (vm->nr_mmio == HVM_MMIO_MAX)
		return -ENOSPC;
	r = &vm->mmio[vm->nr_mmio++];
	r->base = base;
	r->size = size;
	r->ops = ops;
	r->priv = priv;
	return 0;
}

static const struct hvm_mmio_range *hvm_mmio_find(struct hvm_vm *vm, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < vm->nr_mmio; i++)
		if (gpa >= vm->mmio[i].base &&
		    gpa - vm->mmio[i].base < vm->mmio[i].size)
			return &vm->mmio[i];
	return NULL;
}

/**
 * hvm_mmio_access() - a nested page fault that may be a device access
 * @vcpu: the vCPU
 * @e: the NPF exit
 *
 * Return: -ENOENT when @e->npf.gpa is in no registered range (the caller
 * handles it as RAM), else what hvm_handle_exit() returns.
 */
int hvm_mmio_access(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	const struct hvm_mmio_range *r = hvm_mmio_find(vcpu->vm, e->npf.gpa);

	if (!r)
		return -ENOENT;
	vcpu->stats[HVM_STAT_OTHER]++;
	return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
}
