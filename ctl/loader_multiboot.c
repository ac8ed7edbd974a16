// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot 1: an ELF image, or any image with the a.out kludge (header
 * flag 16: load addresses in the header), booted in 32-bit protected mode
 * with EAX = 0x2BADB002 and EBX = the multiboot_info structure.
 *
 * Placement: the image where it asks to be; modules page-aligned after the
 * image; the info block (info, memory map, module list, strings) at the
 * lowest free page at or above 0x1000. Nothing goes in page 0, in the
 * 640 KiB-1 MiB hole the memory map reports as reserved, or in the boot GDT
 * page at the top of the first 4 GiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"

#define MB_HDR_PAGE_ALIGN	(1U << 0)
#define MB_HDR_MEMORY_INFO	(1U << 1)
#define MB_HDR_VIDEO_MODE	(1U << 2)
#define MB_HDR_AOUT_KLUDGE	(1U << 16)

#define MB_INFO_MEMORY		(1U << 0)
#define MB_INFO_CMDLINE		(1U << 2)
#define MB_INFO_MODS		(1U << 3)
#define MB_INFO_MEM_MAP		(1U << 6)
#define MB_INFO_LOADER_NAME	(1U << 9)

/* Offsets in struct multiboot_info. */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64

#define MB_MMAP_ENTRY		24	/* size field + base + length + type */
#define MB_MMAP_MAX		3
#define MB_MOD_ENTRY		16
#define MB_MEM_AVAILABLE	1
#define MB_MEM_RESERVED		2
#define MB_LOADER_NAME		"hvctl"

int ld_mb_find(const struct ld_file *img, struct ld_mb_header *h)
{
	size_t end = img->size < LD_MB_SEARCH ? img->size : LD_MB_SEARCH;
	bool bad_sum = false;

	for (size_t off = 0; off + 12 <= end; off += 4) {
		const uint8_t *p = img->data + off;
		uint32_t magic = ld_ld32(p), flags = ld_ld32(p + 4);

		if (magic != LD_MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(magic + flags + ld_ld32(p + 8))) {
			bad_sum = true;
			continue;
		}
		memset(h, 0, sizeof(*h));
		h->flags = flags;
		h->off = off;
		if (off + 32 <= img->size) {
			h->header_addr = ld_ld32(p + 12);
			h->load_addr = ld_ld32(p + 16);
			h->load_end_addr = ld_ld32(p + 20);
			h->bss_end_addr = ld_ld32(p + 24);
			h->entry_addr = ld_ld32(p + 28);
		}
		return 0;
	}
	return bad_sum ? -EINVAL : -ENOENT;
}

/* Load through the header's address fields instead of an executable format. */
static int load_aout_kludge(struct ld_ctx *c, const struct ld_mb_header *h,
			    uint64_t limit)
{
	const struct ld_file *img = c->img;
	uint64_t text_off, start, size, end, bss_end;
	int ret;

	if (h->off + 32 > img->size)
		return ld_fail(c, -EINVAL, "truncated multiboot header");
	if (h->load_addr > h->header_addr)
		return ld_fail(c, -EINVAL, "multiboot load_addr 0x%x is above header_addr 0x%x",
			       h->load_addr, h->header_addr);
	text_off = h->header_addr - h->load_addr;
	if (text_off > h->off)
		return ld_fail(c, -EINVAL, "multiboot load_addr 0x%x lies before the start of the file",
			       h->load_addr);
	start = h->off - text_off;
	if (!h->load_end_addr) {
		size = img->size - start;
	} else {
		if (h->load_end_addr <= h->load_addr)
			return ld_fail(c, -EINVAL, "multiboot load_end_addr 0x%x is not above load_addr 0x%x",
				       h->load_end_addr, h->load_addr);
		size = (uint64_t)h->load_end_addr - h->load_addr;
		if (size > img->size - start)
			return ld_fail(c, -EINVAL, "multiboot load_end_addr 0x%x lies past the end of the file",
				       h->load_end_addr);
	}
	end = h->load_addr + size;
	bss_end = end;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < end)
			return ld_fail(c, -EINVAL, "multiboot bss_end_addr 0x%x is below the loaded image",
				       h->bss_end_addr);
		bss_end = h->bss_end_addr;
	}
	if (bss_end > limit)
		return ld_fail(c, -E2BIG, "multiboot image at 0x%x-0x%llx ends past RAM (0x%llx)",
			       h->load_addr, (unsigned long long)(bss_end - 1),
			       (unsigned long long)limit);
	ret = ld_add(c, h->load_addr, img->data + start, size, "multiboot image");
	if (!ret)
		ret = ld_add(c, end, NULL, bss_end - end, "multiboot bss");
	if (ret)
		return ret;
	c->entry = h->entry_addr;
	c->image_end = bss_end;
	return 0;
}

int ld_load_multiboot(struct ld_ctx *c)
{
	uint64_t limit = ld_min(c->mem, LD_4G);
	uint32_t required;
	struct ld_mb_header h;
	bool is64 = false;
	int ret;

	ret = ld_mb_find(c->img, &h);
	if (ret == -EINVAL)
		return ld_fail(c, -EINVAL, "multiboot header has a bad checksum");
	if (ret)
		return ld_fail(c, -ENOEXEC, "no multiboot header in the first %d bytes",
			       LD_MB_SEARCH);

	/* Bits 0-15 are requirements: refuse what we cannot honour. */
	required = h.flags & 0xffff;
	if (required & MB_HDR_VIDEO_MODE)
		return ld_fail(c, -EOPNOTSUPP,
			       "multiboot header asks for a video mode (flag 2), which hvctl does not provide");
	if (required & ~(MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO))
		return ld_fail(c, -EOPNOTSUPP, "multiboot header has unknown required flags 0x%x",
			       required & ~(MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO));

	c->hole_lo = LD_LOW_MEM_END;
	c->hole_hi = LD_1M;
	c->mode = LD_MODE_PROTECTED;
	if (h.flags & MB_HDR_AOUT_KLUDGE)
		return load_aout_kludge(c, &h, limit);
	if (!ld_is_elf(c->img))
		return ld_fail(c, -EINVAL,
			       "multiboot image is not ELF and has no load addresses (flag 16)");
	return ld_elf_segments(c, limit, &is64);
}

static void mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	ld_st32(p, MB_MMAP_ENTRY - 4);
	ld_st64(p + 4, base);
	ld_st64(p + 12, len);
	ld_st32(p + 20, type);
}

/*
 * The memory map: all RAM available except a PC-style hole from 640 KiB to
 * 1 MiB. The boot GDT page counts as available: a Multiboot kernel must load
 * its own GDT before it touches a segment register.
 */
static unsigned int build_mmap(struct ld_ctx *c, uint8_t *p)
{
	unsigned int n = 0;

	mmap_entry(p, 0, ld_min(c->mem, LD_LOW_MEM_END), MB_MEM_AVAILABLE);
	n++;
	if (c->mem > LD_LOW_MEM_END)
		mmap_entry(p + n++ * MB_MMAP_ENTRY, LD_LOW_MEM_END,
			   ld_min(c->mem, LD_1M) - LD_LOW_MEM_END, MB_MEM_RESERVED);
	if (c->mem > LD_1M)
		mmap_entry(p + n++ * MB_MMAP_ENTRY, LD_1M, c->mem - LD_1M,
			   MB_MEM_AVAILABLE);
	return n;
}

int ld_multiboot_info(struct ld_ctx *c)
{
	const struct ld_opts *o = c->o;
	const char *cmdline = o->cmdline ? o->cmdline : "";
	uint64_t limit = c->boot_lo;
	uint64_t at, info, size, mmap_off, mods_off, str_off, pos;
	uint64_t *mod_addr;
	unsigned int nr_mmap;
	uint8_t *p;
	int ret;

	/* The info block: fixed parts first, then every string. */
	mmap_off = LD_MB_INFO_SIZE;
	mods_off = mmap_off + MB_MMAP_MAX * MB_MMAP_ENTRY;
	if (o->nr_modules > UINT32_MAX / MB_MOD_ENTRY)
		return ld_fail(c, -E2BIG, "too many multiboot modules");
	str_off = mods_off + o->nr_modules * MB_MOD_ENTRY;
	size = str_off + strlen(cmdline) + 1 + sizeof(MB_LOADER_NAME);
	for (size_t i = 0; i < o->nr_modules; i++) {
		if (__builtin_add_overflow(size, strlen(o->modules[i].name) + 1,
					   &size))
			return ld_fail(c, -E2BIG, "multiboot module names too long");
	}

	mod_addr = calloc(o->nr_modules + 1, sizeof(*mod_addr));
	if (!mod_addr)
		return ld_fail(c, -ENOMEM, "out of memory");

	/* Modules: page-aligned, in order, after the image. */
	at = ld_align_up(c->image_end, LD_PAGE_SIZE);
	for (size_t i = 0; i < o->nr_modules; i++) {
		const struct ld_file *m = &o->modules[i];

		if (ld_find_free(c, at, limit, m->size ? m->size : 1, &mod_addr[i])) {
			ret = ld_fail(c, -E2BIG,
				      "no room below 0x%llx for multiboot module %s (%zu bytes)",
				      (unsigned long long)limit, m->name, m->size);
			goto out_free;
		}
		ret = ld_add(c, mod_addr[i], m->data, m->size, "multiboot module");
		if (ret)
			goto out_free;
		at = mod_addr[i] + m->size;
	}

	if (ld_find_free(c, LD_PAGE_SIZE, limit, size, &info)) {
		ret = ld_fail(c, -E2BIG, "no room below 0x%llx for the multiboot info (%llu bytes)",
			      (unsigned long long)limit, (unsigned long long)size);
		goto out_free;
	}
	p = ld_add_owned(c, info, size, "multiboot info");
	if (!p) {
		ret = -EINVAL;
		goto out_free;
	}

	nr_mmap = build_mmap(c, p + mmap_off);
	ld_st32(p + MBI_FLAGS, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
		MB_INFO_MEM_MAP | MB_INFO_LOADER_NAME);
	ld_st32(p + MBI_MEM_LOWER, ld_min(c->mem, LD_LOW_MEM_END) >> 10);
	ld_st32(p + MBI_MEM_UPPER, c->mem > LD_1M ?
		ld_min((c->mem - LD_1M) >> 10, UINT32_MAX) : 0);
	ld_st32(p + MBI_MMAP_LENGTH, nr_mmap * MB_MMAP_ENTRY);
	ld_st32(p + MBI_MMAP_ADDR, info + mmap_off);
	ld_st32(p + MBI_MODS_COUNT, o->nr_modules);
	ld_st32(p + MBI_MODS_ADDR, o->nr_modules ? info + mods_off : 0);

	pos = str_off;
	ld_st32(p + MBI_CMDLINE, info + pos);
	memcpy(p + pos, cmdline, strlen(cmdline) + 1);
	pos += strlen(cmdline) + 1;
	ld_st32(p + MBI_LOADER_NAME, info + pos);
	memcpy(p + pos, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	pos += sizeof(MB_LOADER_NAME);
	for (size_t i = 0; i < o->nr_modules; i++) {
		const char *name = o->modules[i].name;
		uint8_t *mod = p + mods_off + i * MB_MOD_ENTRY;

		ld_st32(mod, mod_addr[i]);
		ld_st32(mod + 4, mod_addr[i] + o->modules[i].size);
		ld_st32(mod + 8, info + pos);
		memcpy(p + pos, name, strlen(name) + 1);
		pos += strlen(name) + 1;
	}

	c->r->regs.rax = LD_MB_INFO_MAGIC;
	c->r->regs.rbx = info;
	ret = 0;
out_free:
	free(mod_addr);
	return ret;
}
