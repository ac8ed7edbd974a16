/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Descriptor tables for 64-bit guests that bring their own GDT, TSS and
 * IDT (user segments, an IST stack, gates past the runtime's 32): the
 * 16-byte IDT gate and the 64-bit TSS (SDM vol. 3A 6.14.1, 7.7), segment
 * and TSS descriptors (SDM vol. 3A 3.4.5, 7.2.3), and loading them.
 */
#ifndef HVM_GUEST_DESC64_H
#define HVM_GUEST_DESC64_H

#include "guest.h"

/* Gate types: DPL 0 and DPL 3 64-bit interrupt gates. */
#define GATE64_INTR		0x8e
#define GATE64_INTR_USER	0xee

struct gate64 {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, rsvd;
} __attribute__((packed));

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];		/* IST1 is ist[0] */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct desc64_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* A code or data segment descriptor: @access is byte 5, @flags bits 55:52. */
static inline u64 desc64_seg(u64 base, u32 limit, u8 access, u8 flags)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) |
	       ((u64)access << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
	       ((u64)flags << 52) | ((base >> 24 & 0xff) << 56);
}

/*
 * gdt[idx] and gdt[idx + 1]: an available 64-bit TSS for @tss, which gets
 * no I/O permission bitmap (its base points past the limit).
 */
static inline void desc64_tss(u64 *gdt, unsigned int idx, struct tss64 *tss)
{
	u64 t = (uintptr_t)tss;

	tss->iomap_base = sizeof(*tss);
	gdt[idx] = desc64_seg(t, sizeof(*tss) - 1, 0x89, 0);
	gdt[idx + 1] = t >> 32;
}

/* Point @g at @handler: selector 0x08, @type (GATE64_*), stack @ist (0: none). */
static inline void desc64_gate(struct gate64 *g, const void *handler, u8 type,
			       u8 ist)
{
	uintptr_t h = (uintptr_t)handler;

	g->off0 = (u16)h;
	g->sel = 0x08;
	g->ist = ist;
	g->type = type;
	g->off1 = (u16)(h >> 16);
	g->off2 = (u32)(h >> 32);
	g->rsvd = 0;
}

/* Copy the runtime's gates 0-31 (its exception stubs) into @idt. */
static inline void desc64_runtime_gates(struct gate64 *idt)
{
	struct desc64_ptr d;
	unsigned int i;

	__asm__ volatile("sidt %0" : "=m"(d));
	if (d.base != (uintptr_t)idt)
		for (i = 0; i < 32; i++)
			idt[i] = ((struct gate64 *)(uintptr_t)d.base)[i];
}

/*
 * LGDT @gdt (@gdt_size bytes), LTR @tss_sel (its descriptor must be in
 * that GDT, not busy), LIDT @idt (@idt_size bytes). The code and data
 * selectors in use (0x08, 0x10) must stay valid in the new GDT.
 */
static inline void desc64_load(const u64 *gdt, u16 gdt_size, u16 tss_sel,
			       const struct gate64 *idt, u16 idt_size)
{
	struct desc64_ptr d;

	d.limit = gdt_size - 1;
	d.base = (uintptr_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(d) : "memory");
	if (tss_sel)
		__asm__ volatile("ltr %w0" : : "r"(tss_sel) : "memory");
	d.limit = idt_size - 1;
	d.base = (uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

#endif /* HVM_GUEST_DESC64_H */
