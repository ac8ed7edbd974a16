// SPDX-License-Identifier: GPL-2.0
/*
 * Loader core: format detection, the segment list, placement, and the three
 * boot states (real, protected, long). The formats live in loader_raw.c,
 * loader_elf.c, loader_multiboot.c and loader_linux.c (with the MP table
 * in loader_mptable.c).
 *
 * Memory the loader builds itself sits at the top of RAM (below 4 GiB for
 * protected mode), where images rarely go; see ctl/README.md for the map.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"

/* Segment attributes, AMD VMCB layout (see uapi hvm_segment). */
#define AT_CODE16	0x009b	/* P, S, type 0xb (execute/read, accessed) */
#define AT_DATA16	0x0093	/* P, S, type 0x3 (read/write, accessed) */
#define AT_CODE32	0x0c9b	/* + D/B, G */
#define AT_DATA32	0x0c93
#define AT_CODE64	0x0a9b	/* + L, G; D/B must be 0 */
#define AT_TSS_BUSY	0x008b	/* P, type 0xb: busy 32/64-bit TSS */
#define AT_LDT		0x0082	/* P, type 0x2 */

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define RFLAGS_FIXED	0x2ULL

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define LD_2M		0x200000ULL
#define LD_1G		0x40000000ULL

static const char *const format_names[] = {
	[LD_FMT_AUTO] = "auto",
	[LD_FMT_RAW] = "raw",
	[LD_FMT_ELF] = "elf",
	[LD_FMT_MULTIBOOT] = "multiboot",
	[LD_FMT_LINUX] = "linux",
};

static const char *const mode_names[] = {
	[LD_MODE_DEFAULT] = "default",
	[LD_MODE_REAL] = "real",
	[LD_MODE_PROTECTED] = "protected",
	[LD_MODE_LONG] = "long",
};

const char *ld_format_name(enum ld_format fmt)
{
	return (unsigned int)fmt <= LD_FMT_LINUX ? format_names[fmt] : "?";
}

const char *ld_mode_name(enum ld_mode mode)
{
	return (unsigned int)mode <= LD_MODE_LONG ? mode_names[mode] : "?";
}

int ld_parse_format(const char *s, enum ld_format *fmt)
{
	for (unsigned int i = LD_FMT_RAW; i <= LD_FMT_LINUX; i++) {
		if (!strcmp(s, format_names[i])) {
			*fmt = i;
			return 0;
		}
	}
	return -EINVAL;
}

int ld_parse_mode(const char *s, enum ld_mode *mode)
{
	for (unsigned int i = LD_MODE_REAL; i <= LD_MODE_LONG; i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

enum ld_format ld_detect(const struct ld_file *img)
{
	struct ld_mb_header mb;

	if (ld_mb_find(img, &mb) == 0)
		return LD_FMT_MULTIBOOT;
	if (ld_is_elf(img))
		return LD_FMT_ELF;
	if (img->size >= 0x206 && !memcmp(img->data + 0x202, "HdrS", 4))
		return LD_FMT_LINUX;
	return LD_FMT_RAW;
}

int ld_fail(struct ld_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->r->err, sizeof(c->r->err), fmt, ap);
	va_end(ap);
	return err;
}

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return a < b + bsize && b < a + asize;
}

int ld_add(struct ld_ctx *c, uint64_t gpa, const uint8_t *data, uint64_t size,
	   const char *what)
{
	struct ld_result *r = c->r;
	uint64_t end;

	if (!size)
		return 0;
	if (__builtin_add_overflow(gpa, size, &end) || end > c->mem)
		return ld_fail(c, -E2BIG,
			       "%s at 0x%llx-0x%llx does not fit in RAM (%llu KiB)",
			       what, (unsigned long long)gpa,
			       (unsigned long long)(gpa + size - 1),
			       (unsigned long long)(c->mem >> 10));
	for (size_t i = 0; i < r->nr_segs; i++) {
		const struct ld_seg *s = &r->segs[i];

		if (overlaps(gpa, size, s->gpa, s->size))
			return ld_fail(c, -EINVAL,
				       "%s at 0x%llx-0x%llx overlaps %s at 0x%llx-0x%llx",
				       what, (unsigned long long)gpa,
				       (unsigned long long)(end - 1), s->what,
				       (unsigned long long)s->gpa,
				       (unsigned long long)(s->gpa + s->size - 1));
	}
	if (r->nr_segs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct ld_seg *segs = realloc(r->segs, cap * sizeof(*segs));

		if (!segs)
			return ld_fail(c, -ENOMEM, "out of memory");
		r->segs = segs;
		r->cap = cap;
	}
	r->segs[r->nr_segs++] = (struct ld_seg){
		.gpa = gpa, .size = size, .data = data, .what = what,
	};
	return 0;
}

uint8_t *ld_add_owned(struct ld_ctx *c, uint64_t gpa, uint64_t size,
		      const char *what)
{
	uint8_t *buf;

	if (size > SIZE_MAX || !(buf = calloc(1, size))) {
		ld_fail(c, -ENOMEM, "out of memory for %s", what);
		return NULL;
	}
	if (ld_add(c, gpa, buf, size, what)) {
		free(buf);
		return NULL;
	}
	c->r->segs[c->r->nr_segs - 1].owned = buf;
	return buf;
}

int ld_find_free(struct ld_ctx *c, uint64_t lo, uint64_t hi, uint64_t size,
		 uint64_t *gpa)
{
	const struct ld_result *r = c->r;
	uint64_t at = ld_align_up(lo < LD_PAGE_SIZE ? LD_PAGE_SIZE : lo,
				  LD_PAGE_SIZE);
	bool moved;

	do {
		uint64_t end;

		if (at < lo || __builtin_add_overflow(at, size, &end) || end > hi)
			return -E2BIG;
		moved = false;
		if (c->hole_hi && overlaps(at, size, c->hole_lo,
					   c->hole_hi - c->hole_lo)) {
			at = ld_align_up(c->hole_hi, LD_PAGE_SIZE);
			moved = true;
			continue;
		}
		for (size_t i = 0; i < r->nr_segs; i++) {
			const struct ld_seg *s = &r->segs[i];

			if (overlaps(at, size, s->gpa, s->size)) {
				at = ld_align_up(s->gpa + s->size, LD_PAGE_SIZE);
				moved = true;
				break;
			}
		}
	} while (moved);
	*gpa = at;
	return 0;
}

int ld_check_entry(struct ld_ctx *c)
{
	for (size_t i = 0; i < c->r->nr_segs; i++) {
		const struct ld_seg *s = &c->r->segs[i];

		if (c->entry >= s->gpa && c->entry - s->gpa < s->size)
			return 0;
	}
	return ld_fail(c, -EINVAL, "entry point 0x%llx is not inside the loaded image",
		       (unsigned long long)c->entry);
}

static struct hvm_segment seg(uint16_t sel, uint64_t base, uint32_t limit,
			      uint16_t attrib)
{
	return (struct hvm_segment){
		.base = base, .limit = limit, .selector = sel, .attrib = attrib,
	};
}

static void set_data_segs(struct hvm_regs *regs, struct hvm_segment s)
{
	regs->ds = s;
	regs->es = s;
	regs->fs = s;
	regs->gs = s;
	regs->ss = s;
}

/* An 8-byte code/data descriptor: flat 4 GiB with the given attributes. */
static uint64_t gdt_flat(uint16_t attrib)
{
	uint64_t d = 0xffff;			/* limit 15:0 */

	d |= (uint64_t)(attrib & 0xff) << 40;	/* type, S, DPL, P */
	d |= 0xfULL << 48;			/* limit 19:16 */
	d |= (uint64_t)((attrib >> 8) & 0xf) << 52;	/* AVL, L, D/B, G */
	return d;
}

/*
 * The boot page: GDT (null, code at 0x08, data at 0x10, TSS at 0x18, a
 * 16-byte system descriptor in long mode) and a TSS with no I/O bitmap.
 * Guests are expected to install their own; these keep the descriptor
 * caches consistent with memory so a reload of DS or a far jump to 0x08
 * behaves. Linux images get the selectors boot.rst asks for instead:
 * __BOOT_CS 0x10, __BOOT_DS 0x18, and the TSS at 0x20.
 */
static void build_gdt(struct ld_ctx *c, uint8_t *page, uint64_t page_gpa,
		      bool long_mode)
{
	struct hvm_regs *regs = &c->r->regs;
	uint64_t tss = page_gpa + LD_TSS_OFFSET;
	uint16_t code = long_mode ? AT_CODE64 : AT_CODE32;
	uint16_t sel_code = c->linux_gdt ? LD_LINUX_SEL_CODE : LD_SEL_CODE;
	uint16_t sel_data = c->linux_gdt ? LD_LINUX_SEL_DATA : LD_SEL_DATA;
	uint16_t sel_tss = c->linux_gdt ? LD_LINUX_SEL_TSS : LD_SEL_TSS;
	uint64_t d;

	ld_st64(page + sel_code, gdt_flat(code));
	ld_st64(page + sel_data, gdt_flat(AT_DATA32));
	d = 0x67 | (tss & 0xffffff) << 16 | (uint64_t)AT_TSS_BUSY << 40 |
	    ((tss >> 24) & 0xff) << 56;
	ld_st64(page + sel_tss, d);
	if (long_mode)
		ld_st64(page + sel_tss + 8, tss >> 32);
	ld_st16(page + LD_TSS_OFFSET + 102, 104);	/* I/O map base: none */

	regs->gdt.base = page_gpa;
	regs->gdt.limit = sel_tss + (long_mode ? 16 : 8) - 1;
	regs->idt.base = 0;
	regs->idt.limit = 0;	/* any exception before the guest's IDT: shutdown */
	regs->cs = seg(sel_code, 0, 0xffffffff, code);
	set_data_segs(regs, seg(sel_data, 0, 0xffffffff, AT_DATA32));
	regs->tr = seg(sel_tss, tss, 0x67, AT_TSS_BUSY);
	regs->ldtr = seg(0, 0, 0, AT_LDT);
	regs->rflags = RFLAGS_FIXED;	/* IF clear */
}

uint64_t ld_boot_area_lo(uint64_t mem, enum ld_mode mode)
{
	uint64_t pages = 3 + (mem + LD_1G - 1) / LD_1G;

	if (mode == LD_MODE_PROTECTED)
		return ld_min(mem, LD_4G) - LD_PAGE_SIZE;
	return mem > pages * LD_PAGE_SIZE ? mem - pages * LD_PAGE_SIZE : 0;
}

int ld_boot_real(struct ld_ctx *c)
{
	struct hvm_regs *regs = &c->r->regs;

	if (c->entry >= LD_1M)
		return ld_fail(c, -EINVAL,
			       "real mode entry 0x%llx is above 1 MiB",
			       (unsigned long long)c->entry);
	/* CS:IP = entry; CS stays 0 for entries in the first 64 KiB. */
	regs->cs = seg((c->entry >> 4) & 0xf000, c->entry & 0xf0000, 0xffff,
		       AT_CODE16);
	regs->rip = c->entry & 0xffff;
	set_data_segs(regs, seg(0, 0, 0xffff, AT_DATA16));
	regs->tr = seg(0, 0, 0xffff, AT_TSS_BUSY);
	regs->ldtr = seg(0, 0, 0xffff, AT_LDT);
	regs->gdt.base = 0;
	regs->gdt.limit = 0xffff;
	regs->idt.base = 0;
	regs->idt.limit = 0x3ff;
	regs->rsp = ld_min(c->mem, LD_REAL_STACK_TOP) - 16;
	regs->rflags = RFLAGS_FIXED;
	regs->cr0 = CR0_ET;
	return 0;
}

int ld_boot_protected(struct ld_ctx *c)
{
	struct hvm_regs *regs = &c->r->regs;
	uint64_t top = ld_min(c->mem, LD_4G);
	uint8_t *page;

	if (c->entry >= LD_4G)
		return ld_fail(c, -EINVAL,
			       "protected mode entry 0x%llx is above 4 GiB",
			       (unsigned long long)c->entry);
	if (top < 2 * LD_PAGE_SIZE)
		return ld_fail(c, -E2BIG, "RAM too small for the boot GDT");
	c->boot_lo = top - LD_PAGE_SIZE;
	c->boot_hi = top;
	page = ld_add_owned(c, c->boot_lo, LD_PAGE_SIZE, "boot GDT");
	if (!page)
		return -EINVAL;
	build_gdt(c, page, c->boot_lo, false);
	regs->rip = c->entry;
	regs->rsp = c->boot_lo - 16;
	regs->cr0 = CR0_PE | CR0_ET;
	return 0;
}

/*
 * Identity map of all RAM with 2 MiB pages: one PML4, one PDPT, one PD per
 * GiB, placed at the top of RAM above the GDT page.
 */
int ld_boot_long(struct ld_ctx *c)
{
	struct hvm_regs *regs = &c->r->regs;
	uint64_t nr_pd = (c->mem + LD_1G - 1) / LD_1G;
	uint64_t nr_2m = (c->mem + LD_2M - 1) / LD_2M;
	uint64_t pages = 3 + nr_pd;
	uint64_t base, pml4, pdpt, pd;
	uint8_t *area;

	if (nr_pd > 512)
		return ld_fail(c, -E2BIG,
			       "long mode boot tables map at most 512 GiB of RAM");
	if (c->mem < (pages + 1) * LD_PAGE_SIZE)
		return ld_fail(c, -E2BIG,
			       "RAM too small for the long mode page tables (%llu KiB)",
			       (unsigned long long)(pages * 4));
	base = c->mem - pages * LD_PAGE_SIZE;
	c->boot_lo = base;
	c->boot_hi = c->mem;
	area = ld_add_owned(c, base, pages * LD_PAGE_SIZE, "boot page tables");
	if (!area)
		return -EINVAL;
	build_gdt(c, area, base, true);

	pml4 = base + LD_PAGE_SIZE;
	pdpt = pml4 + LD_PAGE_SIZE;
	pd = pdpt + LD_PAGE_SIZE;
	ld_st64(area + (pml4 - base), pdpt | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < nr_pd; i++)
		ld_st64(area + (pdpt - base) + 8 * i,
			(pd + i * LD_PAGE_SIZE) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < nr_2m; i++)
		ld_st64(area + (pd - base) + 8 * i,
			(i * LD_2M) | PTE_P | PTE_RW | PTE_PS);

	regs->rip = c->entry;
	regs->rsp = base - 16;
	regs->cr0 = CR0_PG | CR0_PE | CR0_ET;
	regs->cr3 = pml4;
	regs->cr4 = CR4_PAE;
	regs->efer = EFER_LME | EFER_LMA;
	return 0;
}

static int check_options(struct ld_ctx *c, enum ld_format fmt)
{
	const struct ld_opts *o = c->o;

	if (o->has_addr && fmt != LD_FMT_RAW)
		return ld_fail(c, -EINVAL, "--addr applies to format raw only (this is %s)",
			       ld_format_name(fmt));
	if (o->initrd && fmt != LD_FMT_LINUX)
		return ld_fail(c, -EINVAL, "--initrd applies to format linux only (this is %s)",
			       ld_format_name(fmt));
	if (o->nr_modules && fmt != LD_FMT_MULTIBOOT)
		return ld_fail(c, -EINVAL, "--module applies to format multiboot only (this is %s)",
			       ld_format_name(fmt));
	if (o->cmdline && fmt != LD_FMT_MULTIBOOT && fmt != LD_FMT_LINUX)
		return ld_fail(c, -EINVAL, "--cmdline applies to formats multiboot and linux only (this is %s)",
			       ld_format_name(fmt));
	if (fmt == LD_FMT_MULTIBOOT && o->mode != LD_MODE_DEFAULT &&
	    o->mode != LD_MODE_PROTECTED)
		return ld_fail(c, -EINVAL, "multiboot images start in protected mode, not %s",
			       ld_mode_name(o->mode));
	if (fmt == LD_FMT_LINUX && o->mode == LD_MODE_REAL)
		return ld_fail(c, -EINVAL,
			       "linux images start in protected or long mode (the real-mode setup code is not run)");
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct ld_seg *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

int ld_load(const struct ld_file *img, const struct ld_opts *opts,
	    uint64_t mem_size, struct ld_result *res)
{
	struct ld_ctx c = { .img = img, .o = opts, .mem = mem_size, .r = res };
	enum ld_format fmt;
	int ret;

	if (!mem_size || mem_size % LD_PAGE_SIZE)
		return ld_fail(&c, -EINVAL, "RAM size %llu is not a positive multiple of 4 KiB",
			       (unsigned long long)mem_size);
	if (!img->size)
		return ld_fail(&c, -ENOEXEC, "the image is empty");
	fmt = opts->format == LD_FMT_AUTO ? ld_detect(img) : opts->format;
	res->format = fmt;
	ret = check_options(&c, fmt);
	if (ret)
		return ret;

	switch (fmt) {
	case LD_FMT_RAW:
		ret = ld_load_raw(&c);
		break;
	case LD_FMT_ELF:
		ret = ld_load_elf(&c);
		break;
	case LD_FMT_MULTIBOOT:
		ret = ld_load_multiboot(&c);
		break;
	case LD_FMT_LINUX:
		ret = ld_load_linux(&c);
		break;
	default:
		ret = ld_fail(&c, -EINVAL, "unknown format %d", fmt);
		break;
	}
	if (ret)
		return ret;

	if (opts->has_entry)
		c.entry = opts->entry;
	ret = ld_check_entry(&c);
	if (ret)
		return ret;

	/* The linux loader already settled the mode (it shapes the e820). */
	res->mode = opts->mode != LD_MODE_DEFAULT && fmt != LD_FMT_LINUX ?
		    opts->mode : c.mode;
	switch (res->mode) {
	case LD_MODE_REAL:
		ret = ld_boot_real(&c);
		break;
	case LD_MODE_PROTECTED:
		ret = ld_boot_protected(&c);
		break;
	default:
		ret = ld_boot_long(&c);
		break;
	}
	if (ret)
		return ret;

	if (fmt == LD_FMT_MULTIBOOT) {
		ret = ld_multiboot_info(&c);
		if (ret)
			return ret;
	}

	if (fmt == LD_FMT_LINUX)
		res->regs.rsi = c.zero_page;	/* boot.rst: %rsi/%esi = boot_params */

	res->regs.vcpu = 0;
	qsort(res->segs, res->nr_segs, sizeof(*res->segs), cmp_seg);
	return 0;
}

void ld_result_free(struct ld_result *res)
{
	for (size_t i = 0; i < res->nr_segs; i++)
		free(res->segs[i].owned);
	free(res->segs);
	res->segs = NULL;
	res->nr_segs = 0;
	res->cap = 0;
}
