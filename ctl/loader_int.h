/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the loader's own files (loader*.c); not part of its interface. */
#ifndef HVCTL_LOADER_INT_H
#define HVCTL_LOADER_INT_H

#include "loader.h"

/* One ld_load() call in progress. */
struct ld_ctx {
	const struct ld_file *img;
	const struct ld_opts *o;
	uint64_t mem;
	struct ld_result *r;

	uint64_t entry;		/* from the image, or --entry */
	enum ld_mode mode;	/* the format's default boot state */
	uint64_t image_end;	/* end of the highest image segment */
	uint64_t boot_lo;	/* [boot_lo, boot_hi): GDT (+ page tables) */
	uint64_t boot_hi;
	uint64_t hole_lo;	/* [hole_lo, hole_hi): not for placement */
	uint64_t hole_hi;
	bool linux_gdt;		/* GDT with __BOOT_CS 0x10 / __BOOT_DS 0x18 */
	uint64_t zero_page;	/* linux: boot_params, passed in RSI */
};

int ld_fail(struct ld_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add a segment after checking it lies in RAM and overlaps no other one. */
int ld_add(struct ld_ctx *c, uint64_t gpa, const uint8_t *data, uint64_t size,
	   const char *what);
/* Same, for zeroed bytes the loader fills in; NULL (err set) on failure. */
uint8_t *ld_add_owned(struct ld_ctx *c, uint64_t gpa, uint64_t size,
		      const char *what);
/* Lowest page-aligned gpa in [lo, hi) where size bytes overlap nothing. */
int ld_find_free(struct ld_ctx *c, uint64_t lo, uint64_t hi, uint64_t size,
		 uint64_t *gpa);
/* The entry point must be inside an image segment added so far. */
int ld_check_entry(struct ld_ctx *c);

int ld_boot_real(struct ld_ctx *c);
int ld_boot_protected(struct ld_ctx *c);
int ld_boot_long(struct ld_ctx *c);

int ld_load_raw(struct ld_ctx *c);
int ld_load_elf(struct ld_ctx *c);
int ld_load_multiboot(struct ld_ctx *c);
int ld_multiboot_info(struct ld_ctx *c);
int ld_load_linux(struct ld_ctx *c);

/* Lowest address of the loader's boot area (GDT, page tables) for mode. */
uint64_t ld_boot_area_lo(uint64_t mem, enum ld_mode mode);

/* Intel MP Specification 1.4 tables for ncpus CPUs (loader_mptable.c). */
uint64_t ld_mptable_size(uint32_t ncpus);
void ld_mptable_build(uint8_t *buf, uint64_t gpa, uint32_t ncpus);
uint8_t ld_checksum(const uint8_t *p, size_t len);	/* byte sum */

/*
 * struct boot_params (the "zero page") and its setup header, offsets from
 * Documentation/arch/x86/zero-page.rst and boot.rst.
 */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_SETUP_SECTS		0x1f1
#define BP_SYSSIZE		0x1f4
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_RELOCATABLE		0x234
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_E820_ENTRY		20
#define BP_SIZE			0x1000

#define LOADFLAG_LOADED_HIGH	(1U << 0)
#define LOADFLAG_CAN_USE_HEAP	(1U << 7)
#define XLF_KERNEL_64		(1U << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1U << 1)
#define E820_RAM		1
#define E820_RESERVED		2
#define LD_LINUX_HEAP_END	0xde00		/* 0xe000 - 0x200, as boot.rst's example */
#define LD_LINUX_LOADER_TYPE	0xff		/* undefined boot loader */

/* Parse an ELF32/ELF64 image and add its PT_LOAD segments below limit. */
int ld_elf_segments(struct ld_ctx *c, uint64_t limit, bool *is_elf64);
bool ld_is_elf(const struct ld_file *img);

/* Multiboot 1 header; off is its offset in the file. */
struct ld_mb_header {
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	size_t off;
};
/* 0: found; -ENOENT: none; -EINVAL: magic found but checksum bad. */
int ld_mb_find(const struct ld_file *img, struct ld_mb_header *h);

static inline uint64_t ld_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t ld_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline void ld_st16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void ld_st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void ld_st64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static inline uint16_t ld_ld16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static inline uint32_t ld_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t ld_ld64(const uint8_t *p)
{
	return ld_ld32(p) | (uint64_t)ld_ld32(p + 4) << 32;
}

#endif /* HVCTL_LOADER_INT_H */
