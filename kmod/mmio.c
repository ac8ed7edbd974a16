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
#include <asm/msr-index.h>
#include <asm/trapnr.h>

#include "hvm.h"
#include "emulate.h"

/*
 * hvm_emulate() passes positive callback codes through: the memory operand
 * raised an exception (in mmio_ctx.exc) that the guest must take.
 */
#define HVM_MMIO_INJECT		2

/**
 * struct hvm_mmio_ctx - one emulated instruction
 * @vcpu: the vCPU
 * @regs: its state (segments, CRs, RFLAGS for the walker and the flags)
 * @code64: 64-bit code: segment bases other than FS/GS are 0, no limits
 * @exc: the exception a memory operand raised
 * @fault_gpa: the guest-physical address outside RAM an access hit
 */
struct hvm_mmio_ctx {
	struct hvm_vcpu *vcpu;
	struct hvm_regs regs;
	bool code64;
	struct hvm_exception exc;
	u64 fault_gpa;
};

/**
 * hvm_mmio_register() - serve [@base, @base + @size) with @ops
 * @vm: the VM, not yet visible to anyone (creation)
 * @base: guest-physical base, page aligned
 * @size: bytes, a multiple of the page size
 * @ops: the callbacks
 * @priv: passed to them
 *
 * The range must not overlap another range. It may lie over guest RAM (a
 * VM larger than ~4 GiB reaches the local and I/O APICs' addresses): the
 * device wins, as the chipset's decode does on a PC, and the RAM pages
 * behind it are never mapped for the guest (hvm_handle_exit() asks
 * hvm_mmio_access() before backing a nested page fault with RAM). The
 * loader's e820 map reserves those addresses.
 *
 * Return: 0, -EINVAL for a bad or overlapping range, -ENOSPC when the VM
 * has HVM_MMIO_MAX ranges already.
 */
int hvm_mmio_register(struct hvm_vm *vm, u64 base, u64 size,
		      const struct hvm_mmio_ops *ops, void *priv)
{
	struct hvm_mmio_range *r;

	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    base + size < base || base + size > (1ULL << hvm_gpa_bits()))
		return -EINVAL;
	if (hvm_mmio_overlaps(vm, base, size))
		return -EINVAL;
	if (vm->nr_mmio == HVM_MMIO_MAX)
		return -ENOSPC;
	r = &vm->mmio[vm->nr_mmio++];
	r->base = base;
	r->size = size;
	r->ops = ops;
	r->priv = priv;
	return 0;
}

/**
 * hvm_mmio_overlaps() - does any device range meet [@base, @base + @size)?
 * @vm: the VM (its ranges are fixed at creation)
 * @base: guest-physical base
 * @size: bytes
 */
bool hvm_mmio_overlaps(struct hvm_vm *vm, u64 base, u64 size)
{
	unsigned int i;

	for (i = 0; i < vm->nr_mmio; i++)
		if (base < vm->mmio[i].base + vm->mmio[i].size &&
		    vm->mmio[i].base < base + size)
			return true;
	return false;
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

static const struct hvm_segment *hvm_mmio_seg(struct hvm_mmio_ctx *c,
					      unsigned int seg)
{
	switch (seg) {
	case HVM_SEG_ES:
		return &c->regs.es;
	case HVM_SEG_CS:
		return &c->regs.cs;
	case HVM_SEG_SS:
		return &c->regs.ss;
	case HVM_SEG_FS:
		return &c->regs.fs;
	case HVM_SEG_GS:
		return &c->regs.gs;
	default:
		return &c->regs.ds;
	}
}

static int hvm_mmio_fault(struct hvm_mmio_ctx *c, u8 vector)
{
	c->exc.vector = vector;
	c->exc.has_error = true;
	c->exc.error_code = 0;
	return HVM_MMIO_INJECT;
}

/*
 * Segmentation (SDM vol. 3A 3.4 and 5.3, APM vol. 2 4.12): in 64-bit mode
 * only FS and GS add a base and nothing is limit-checked (the linear
 * address must be canonical instead: #GP, or #SS for SS); elsewhere the
 * segment must be usable, writable for a write, and [ea, ea + len) within
 * its limit (expand-up data segments; an expand-down one has its valid
 * range above the limit).
 */
static int hvm_mmio_linear(struct hvm_mmio_ctx *c, unsigned int seg, u64 ea,
			   unsigned int len, bool write, u64 *la)
{
	const struct hvm_segment *s = hvm_mmio_seg(c, seg);
	u8 fault = seg == HVM_SEG_SS ? X86_TRAP_SS : X86_TRAP_GP;
	u32 type = s->attrib & 0xf;
	u64 last = ea + len - 1;

	if (c->code64) {
		*la = ea + ((seg == HVM_SEG_FS || seg == HVM_SEG_GS) ? s->base : 0);
		if (!hvm_canonical(c->vcpu, *la) ||
		    !hvm_canonical(c->vcpu, *la + len - 1))
			return hvm_mmio_fault(c, fault);
		return 0;
	}
	if (c->regs.cr0 & X86_CR0_PE) {
		/* Present (bit 7) data or readable code; writable for writes. */
		if (!(s->attrib & BIT(7)) ||
		    (write && (type & 0xa) != 0x2) ||
		    (!write && (type & 0xa) == 0x8))
			return hvm_mmio_fault(c, fault);
		if ((type & 0xc) == 0x4) {	/* expand-down data */
			u64 top = (s->attrib & BIT(10)) ? 0xffffffffULL : 0xffff;

			if (ea <= s->limit || last > top)
				return hvm_mmio_fault(c, fault);
		} else if (last > s->limit) {
			return hvm_mmio_fault(c, fault);
		}
	} else if (last > 0xffff) {
		return hvm_mmio_fault(c, fault);
	}
	*la = (u32)(s->base + ea);
	return 0;
}

/* One piece of an access within a guest page: a device register or RAM. */
static int hvm_mmio_piece(struct hvm_mmio_ctx *c, u64 la, void *buf,
			  unsigned int len, bool write)
{
	struct hvm_vm *vm = c->vcpu->vm;
	const struct hvm_mmio_range *r;
	u64 gpa;
	int ret;

	ret = hvm_gva_to_gpa(c->vcpu, &c->regs, la, write, &gpa, &c->exc);
	if (ret == HVM_IO_INJECT)
		return HVM_MMIO_INJECT;
	if (ret)
		return ret;

	r = hvm_mmio_find(vm, gpa);
	if (r) {
		/* A register access: one naturally sized piece of the range. */
		if ((len != 1 && len != 2 && len != 4 && len != 8) ||
		    gpa - r->base + len > r->size)
			return -EOPNOTSUPP;
		return write ? r->ops->write(c->vcpu, r->priv, gpa - r->base, buf, len) :
			       r->ops->read(c->vcpu, r->priv, gpa - r->base, buf, len);
	}
	ret = write ? hvm_mem_write(vm, gpa, buf, len) :
		      hvm_mem_read(vm, gpa, buf, len);
	if (ret == -EFAULT)
		c->fault_gpa = gpa;
	return ret;
}

static int hvm_mmio_mem(void *opaque, unsigned int seg, u64 ea, void *buf,
			unsigned int len, bool write)
{
	struct hvm_mmio_ctx *c = opaque;
	unsigned int first;
	u64 la;
	int r;

	r = hvm_mmio_linear(c, seg, ea, len, write, &la);
	if (r)
		return r;
	/* Split where the access crosses a page boundary. */
	first = min_t(u64, len, PAGE_SIZE - offset_in_page(la));
	r = hvm_mmio_piece(c, la, buf, first, write);
	if (r || first == len)
		return r;
	la += first;
	if (!c->code64)
		la = (u32)la;
	return hvm_mmio_piece(c, la, buf + first, len - first, write);
}

static int hvm_mmio_read_mem(void *opaque, unsigned int seg, u64 ea,
			     void *buf, unsigned int len)
{
	return hvm_mmio_mem(opaque, seg, ea, buf, len, false);
}

static int hvm_mmio_write_mem(void *opaque, unsigned int seg, u64 ea,
			      const void *buf, unsigned int len)
{
	return hvm_mmio_mem(opaque, seg, ea, (void *)buf, len, true);
}

static u64 hvm_mmio_read_gpr(void *opaque, unsigned int reg)
{
	struct hvm_mmio_ctx *c = opaque;

	return c->vcpu->gprs[reg];
}

static void hvm_mmio_write_gpr(void *opaque, unsigned int reg, u64 val)
{
	struct hvm_mmio_ctx *c = opaque;

	c->vcpu->gprs[reg] = val;
}

static u64 hvm_mmio_read_rflags(void *opaque)
{
	struct hvm_mmio_ctx *c = opaque;

	return c->regs.rflags;
}

static void hvm_mmio_write_rflags(void *opaque, u64 val)
{
	struct hvm_mmio_ctx *c = opaque;

	c->regs.rflags = val;
	hvm_ops->set_ctl(c->vcpu, HVM_CTL_RFLAGS, val);
}

static const struct hvm_emu_ops hvm_mmio_emu_ops = {
	.read_gpr = hvm_mmio_read_gpr,
	.write_gpr = hvm_mmio_write_gpr,
	.read_rflags = hvm_mmio_read_rflags,
	.write_rflags = hvm_mmio_write_rflags,
	.read_mem = hvm_mmio_read_mem,
	.write_mem = hvm_mmio_write_mem,
};

/*
 * The instruction at CS:RIP: the bytes the CPU fetched when it gave them
 * (AMD decode assists), else read through the guest's page tables. The
 * CPU has just fetched them itself, so a fetch the guest may not do never
 * gets here; a page that vanished meanwhile ends the decode short.
 */
static int hvm_mmio_fetch(struct hvm_mmio_ctx *c, const struct hvm_exit *e,
			  u8 *buf)
{
	unsigned int done = 0, n;
	u64 la, gpa;
	int r;

	if (e->npf.insn_bytes) {
		memcpy(buf, e->npf.insn, e->npf.insn_bytes);
		return e->npf.insn_bytes;
	}
	while (done < HVM_MAX_INSN) {
		la = c->regs.cs.base + c->vcpu->rip + done;
		if (!c->code64)
			la = (u32)la;
		n = min_t(u64, HVM_MAX_INSN - done, PAGE_SIZE - offset_in_page(la));
		r = hvm_gva_to_gpa(c->vcpu, &c->regs, la, false, &gpa, &c->exc);
		if (r || hvm_mem_read(c->vcpu->vm, gpa, buf + done, n))
			break;
		done += n;
	}
	return done;
}

/* 2, 4 or 8: the default operand/address size of the code segment. */
static unsigned int hvm_mmio_mode(struct hvm_mmio_ctx *c)
{
	if (c->code64)
		return 8;
	if ((c->regs.cr0 & X86_CR0_PE) && !(c->regs.rflags & X86_EFLAGS_VM) &&
	    (c->regs.cs.attrib & BIT(10)))
		return 4;
	return 2;
}

/**
 * hvm_mmio_access() - a nested page fault that may be a device access
 * @vcpu: the vCPU
 * @e: the NPF exit
 *
 * Decodes the instruction at RIP and emulates it (kmod/emulate.c), its
 * memory operands reaching the device's callbacks or guest RAM. What the
 * emulator does not know stops the VM with reason unhandled (the NPF exit
 * code; the instruction bytes go to the kernel log).
 *
 * Return: -ENOENT when @e->npf.gpa is in no registered range (the caller
 * handles it as RAM), else what hvm_handle_exit() returns.
 */
int hvm_mmio_access(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	struct hvm_mmio_ctx c = { .vcpu = vcpu };
	u8 bytes[HVM_MAX_INSN];
	struct hvm_insn insn;
	unsigned int n;
	u64 next;
	int r;

	if (!hvm_mmio_find(vcpu->vm, e->npf.gpa))
		return -ENOENT;

	hvm_ops->get_regs(vcpu, &c.regs);
	c.code64 = (c.regs.efer & EFER_LMA) && (c.regs.cs.attrib & BIT(9));
	n = hvm_mmio_fetch(&c, e, bytes);
	r = hvm_decode(bytes, n, hvm_mmio_mode(&c), &insn);
	if (r) {
		pr_info_ratelimited("%s: cannot emulate the MMIO access at %#llx by %*ph\n",
				    vcpu->vm->name, e->npf.gpa, n, bytes);
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
	}
	next = vcpu->rip + insn.len;
	if (!c.code64)
		next = hvm_mmio_mode(&c) == 2 ? (u16)next : (u32)next;

	r = hvm_emulate(&hvm_mmio_emu_ops, &c, &insn, next);
	switch (r) {
	case 0:
		vcpu->rip = next;
		return 0;
	case HVM_EMU_AGAIN:	/* a REP chunk: the guest executes it again */
		return 0;
	case HVM_MMIO_INJECT:
		if (c.exc.vector == X86_TRAP_PF)
			hvm_ops->set_ctl(vcpu, HVM_CTL_CR2, c.exc.cr2);
		return hvm_queue_exception(vcpu, c.exc.vector, c.exc.has_error,
					   c.exc.error_code);
	case -EAGAIN:		/* the guest's tables changed under the walk */
		return 0;
	case -EFAULT:
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT, c.fault_gpa);
	case -ENOMEM:
		return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, ENOMEM);
	case -EOPNOTSUPP:
	case -EINVAL:
		pr_info_ratelimited("%s: cannot emulate the MMIO access at %#llx by %*ph\n",
				    vcpu->vm->name, e->npf.gpa, insn.len, bytes);
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
	default:
		return r < 0 ? hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, -r) : r;
	}
}
