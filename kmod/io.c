// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O: one dispatch for both backends.
 *
 *   registered ranges (hvm_pio_register(): COM1 in kmod/uart.c, ...)
 *   0xF4         exit port (like QEMU's isa-debug-exit): a write stops the VM
 *   anything else: reads return all ones, writes are ignored; both counted
 */
#include <linux/mm.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>

#include "hvm.h"

/**
 * hvm_pio_register() - serve ports [@base, @base + @count) with @ops
 * @vm: the VM, not yet visible to anyone (creation)
 * @base: first port
 * @count: number of ports
 * @ops: the callbacks
 * @priv: passed to them
 *
 * Registered ranges come before the built-in exit port.
 *
 * Return: 0, -EINVAL for an empty, wrapping or overlapping range, -ENOSPC
 * when the VM has HVM_PIO_MAX ranges already.
 */
int hvm_pio_register(struct hvm_vm *vm, u16 base, u16 count,
		     const struct hvm_pio_ops *ops, void *priv)
{
	struct hvm_pio_range *r;
	unsigned int i;

	if (!count || (u32)base + count > 0x10000)
		return -EINVAL;
	for (i = 0; i < vm->nr_pio; i++) {
		r = &vm->pio[i];
		if (base < r->base + r->count && r->base < base + count)
			return -EINVAL;
	}
	if (vm->nr_pio == HVM_PIO_MAX)
		return -ENOSPC;
	r = &vm->pio[vm->nr_pio++];
	r->base = base;
	r->count = count;
	r->ops = ops;
	r->priv = priv;
	return 0;
}

static const struct hvm_pio_range *hvm_pio_find(struct hvm_vm *vm, u16 port)
{
	unsigned int i;

	for (i = 0; i < vm->nr_pio; i++)
		if (port >= vm->pio[i].base &&
		    port - vm->pio[i].base < vm->pio[i].count)
			return &vm->pio[i];
	return NULL;
}

int hvm_io_emulate(struct hvm_vcpu *vcpu, u16 port, unsigned int size,
		   bool in, u32 *val)
{
	struct hvm_vm *vm = vcpu->vm;
	u32 mask = size == 4 ? ~0U : (1U << (8 * size)) - 1;
	const struct hvm_pio_range *r = hvm_pio_find(vm, port);
	int ret;

	if (r) {
		if (!in)
			return r->ops->write(vcpu, r->priv, port, size, *val & mask);
		*val = 0;
		ret = r->ops->read(vcpu, r->priv, port, size, val);
		*val &= mask;
		return ret;
	}

	if (port == HVM_EXIT_PORT && !in)
		return hvm_vcpu_stop(vcpu, HVM_STOP_EXIT, *val & mask);

	/* No device: floating bus. */
	if (in)
		*val |= mask;
	vcpu->stats[HVM_STAT_IO_IGNORED]++;
	return 0;
}

/* At most this many REP elements per exit; the guest re-executes for more. */
#define HVM_IO_STRING_BATCH	4096

static u64 hvm_mask_addr(u64 v, unsigned int addr_size)
{
	return addr_size == 8 ? v : v & ((1ULL << (8 * addr_size)) - 1);
}

/* Replace the low @addr_size bytes of *reg (16/32-bit address forms). */
static void hvm_set_addr_reg(u64 *reg, u64 v, unsigned int addr_size)
{
	if (addr_size == 8)
		*reg = v;
	else if (addr_size == 4)
		*reg = (u32)v;	/* 32-bit writes zero-extend in 64-bit mode */
	else
		*reg = (*reg & ~0xffffULL) | (v & 0xffff);
}

/* Segment attribute bits (struct hvm_segment: the AMD VMCB layout). */
#define SEG_TYPE_W	BIT(1)	/* data: writable */
#define SEG_TYPE_R	BIT(1)	/* code: readable */
#define SEG_TYPE_E	BIT(2)	/* data: expand-down */
#define SEG_TYPE_CODE	BIT(3)
#define SEG_S		BIT(4)	/* code or data, not system */
#define SEG_P		BIT(7)
#define SEG_L		BIT(9)
#define SEG_DB		BIT(10)

static int hvm_seg_fault(const struct hvm_regs *regs,
			 const struct hvm_segment *s, struct hvm_exception *exc)
{
	/* #SS(0) for SS-relative accesses, #GP(0) for the others. */
	exc->vector = s == &regs->ss ? X86_TRAP_SS : X86_TRAP_GP;
	/* Real mode pushes no error code (SDM Vol. 3 20.1.4). */
	exc->has_error = regs->cr0 & X86_CR0_PE;
	exc->error_code = 0;
	exc->cr2 = 0;
	return HVM_IO_INJECT;
}

/*
 * The linear address of the @size bytes at offset @off in segment @s, with
 * the checks the CPU makes on a memory operand before paging:
 * - 64-bit mode: no base (except FS, GS), no limit, no type; the address
 *   must be canonical (SDM Vol. 3 3.3.7.1, APM Vol. 2 4.12.1).
 * - real and virtual-8086 mode: the limit (SDM Vol. 3 20.1.1).
 * - protected mode: a null (unusable) selector, the type (readable for
 *   OUTS, writable data for INS) and the limit, expand-up or expand-down
 *   (SDM Vol. 3 3.4.5.1, 5.3, 5.4.1; APM Vol. 2 4.7.2, 4.11).
 */
static int hvm_str_linear(const struct hvm_regs *regs,
			  const struct hvm_segment *s, bool long_mode,
			  u64 off, unsigned int size, bool write, u64 *la,
			  struct hvm_exception *exc)
{
	u64 last = off + size - 1;
	u32 type = s->attrib & 0xf;

	if (long_mode) {
		u8 bits = (regs->cr4 & X86_CR4_LA57) ? 57 : 48;

		*la = off;
		if (s == &regs->fs || s == &regs->gs)
			*la += s->base;
		if (!__is_canonical_address(*la, bits) ||
		    !__is_canonical_address(*la + size - 1, bits))
			return hvm_seg_fault(regs, s, exc);
		return 0;
	}

	if (!(regs->cr0 & X86_CR0_PE) || (regs->rflags & X86_EFLAGS_VM)) {
		if (last > s->limit)
			return hvm_seg_fault(regs, s, exc);
	} else {
		if (!(s->attrib & SEG_P) || !(s->attrib & SEG_S))
			return hvm_seg_fault(regs, s, exc);
		if (type & SEG_TYPE_CODE) {
			if (write || !(type & SEG_TYPE_R))
				return hvm_seg_fault(regs, s, exc);
		} else if (write && !(type & SEG_TYPE_W)) {
			return hvm_seg_fault(regs, s, exc);
		}
		if (!(type & SEG_TYPE_CODE) && (type & SEG_TYPE_E)) {
			/* Valid offsets: limit + 1 up to 64 KiB or 4 GiB - 1. */
			u64 top = (s->attrib & SEG_DB) ? 0xffffffffULL : 0xffff;

			if (off <= s->limit || last > top)
				return hvm_seg_fault(regs, s, exc);
		} else if (last > s->limit) {
			return hvm_seg_fault(regs, s, exc);
		}
	}
	*la = (u32)(s->base + off);
	return 0;
}

/* One remembered translation, so a REP walks the tables once per page. */
struct hvm_str_tlb {
	u64 la_page;
	u64 gpa_page;
	bool valid;
};

static int hvm_str_translate(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
			     u64 la, bool write, u64 *gpa,
			     struct hvm_str_tlb *tlb, struct hvm_exception *exc)
{
	int r;

	if (tlb->valid && tlb->la_page == (la & PAGE_MASK)) {
		*gpa = tlb->gpa_page | offset_in_page(la);
		return 0;
	}
	r = hvm_gva_to_gpa(vcpu, regs, la, write, gpa, exc);
	if (r)
		return r;
	tlb->la_page = la & PAGE_MASK;
	tlb->gpa_page = *gpa & PAGE_MASK;
	tlb->valid = true;
	return 0;
}

/*
 * The element at @la is @size bytes and may straddle two guest pages:
 * translate both parts before any I/O, so a fault leaves no side effect.
 */
static int hvm_str_element(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
			   u64 la, unsigned int size, bool write,
			   u64 gpa[2], unsigned int *first,
			   struct hvm_str_tlb *tlb, struct hvm_exception *exc)
{
	int r;

	*first = min_t(unsigned int, size, PAGE_SIZE - offset_in_page(la));
	r = hvm_str_translate(vcpu, regs, la, write, &gpa[0], tlb, exc);
	if (r || *first == size)
		return r;
	return hvm_str_translate(vcpu, regs, la + *first, write, &gpa[1], tlb, exc);
}

static int hvm_str_copy(struct hvm_vm *vm, const u64 gpa[2], unsigned int first,
			void *buf, unsigned int size, bool write)
{
	int r;

	if (write) {
		r = hvm_mem_write(vm, gpa[0], buf, first);
		if (!r && first < size)
			r = hvm_mem_write(vm, gpa[1], buf + first, size - first);
	} else {
		r = hvm_mem_read(vm, gpa[0], buf, first);
		if (!r && first < size)
			r = hvm_mem_read(vm, gpa[1], buf + first, size - first);
	}
	return r;
}

int hvm_io_string(struct hvm_vcpu *vcpu, struct hvm_regs *regs, u16 port,
		  unsigned int size, bool in, bool rep,
		  unsigned int addr_size, const struct hvm_segment *seg,
		  u64 next_rip, struct hvm_exception *exc)
{
	bool long_mode = (regs->efer & EFER_LMA) && (regs->cs.attrib & SEG_L);
	s64 step = (regs->rflags & X86_EFLAGS_DF) ? -(s64)size : size;
	u64 count = rep ? hvm_mask_addr(regs->rcx, addr_size) : 1;
	/* INS stores to ES:rDI (no override); OUTS reads seg:rSI. */
	const struct hvm_segment *s = in ? &regs->es : seg;
	u64 *idx = in ? &regs->rdi : &regs->rsi;
	struct hvm_str_tlb tlb = { .valid = false };
	unsigned int n;
	int r = 0;

	for (n = 0; count && n < HVM_IO_STRING_BATCH; n++) {
		u64 off = hvm_mask_addr(*idx, addr_size);
		unsigned int first;
		u64 la, gpa[2];
		u32 val = 0;

		r = hvm_str_linear(regs, s, long_mode, off, size, in, &la, exc);
		if (r)
			break;
		r = hvm_str_element(vcpu, regs, la, size, in, gpa, &first, &tlb, exc);
		if (r)
			break;
		if (!in) {
			r = hvm_str_copy(vcpu->vm, gpa, first, &val, size, false);
			if (r)
				break;
		}
		r = hvm_io_emulate(vcpu, port, size, in, &val);
		if (in) {
			int w = hvm_str_copy(vcpu->vm, gpa, first, &val, size, true);

			if (w) {
				r = w;
				break;
			}
		}
		hvm_set_addr_reg(idx, off + step, addr_size);
		count--;
		if (rep)
			hvm_set_addr_reg(&regs->rcx, count, addr_size);
		if (r || hvm_vcpu_should_exit(vcpu))
			break;
	}

	/* The tables kept changing under us: the guest simply tries again. */
	if (r == -EAGAIN)
		r = 0;
	if (!count)
		regs->rip = next_rip;
	return r;
}
