// SPDX-License-Identifier: GPL-2.0
/*
 * multiboot: a Multiboot 1 kernel (ELF32 + header). Checks the magic in
 * EAX and prints what the info structure in EBX holds: memory sizes, the
 * command line, the modules (size, alignment, first bytes) and the memory
 * map; then checks that none of it overlaps our image or page 0.
 */
#include "lib/guest.h"

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};

struct mb_module {
	u32 mod_start, mod_end;
	u32 string;
	u32 reserved;
};

struct __attribute__((packed)) mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
};

#define MBI_MEM		(1u << 0)
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define MBI_MMAP	(1u << 6)

static int overlaps;

/* Report a loader structure that lies on page 0 or on our image. */
static void check_place(const char *what, u32 start, u32 len)
{
	u32 img0 = (u32)(uintptr_t)__image_start;
	u32 img1 = (u32)(uintptr_t)__image_end;

	if (!len)
		return;
	if (start < 0x1000 || (start < img1 && start + len > img0)) {
		printf("overlap: %s at 0x%x+0x%x\n", what, start, len);
		overlaps++;
	}
}

static void print_bytes(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len && i < 32; i++)
		putc_serial(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
}

int main(void)
{
	const struct mb_info *mi;
	u32 i;

	if (multiboot_magic != 0x2badb002) {
		printf("bad magic 0x%x\n", multiboot_magic);
		return 1;
	}
	printf("magic ok\n");
	mi = (const struct mb_info *)(uintptr_t)multiboot_info_addr;
	check_place("info", multiboot_info_addr, sizeof(*mi));

	if (mi->flags & MBI_MEM)
		printf("mem_lower=%u mem_upper=%u\n", mi->mem_lower, mi->mem_upper);
	else
		printf("no memory info\n");

	if (mi->flags & MBI_CMDLINE) {
		const char *c = (const char *)(uintptr_t)mi->cmdline;

		printf("cmdline=%s\n", c);
		check_place("cmdline", mi->cmdline, (u32)strlen(c) + 1);
	} else {
		printf("no cmdline\n");
	}

	if (mi->flags & MBI_MODS) {
		const struct mb_module *m =
			(const struct mb_module *)(uintptr_t)mi->mods_addr;

		printf("mods=%u\n", mi->mods_count);
		check_place("module list", mi->mods_addr,
			    mi->mods_count * (u32)sizeof(*m));
		for (i = 0; i < mi->mods_count; i++) {
			u32 len = m[i].mod_end - m[i].mod_start;

			printf("mod%u: size=%u %s data=", i, len,
			       m[i].mod_start & 0xfff ? "unaligned" : "page-aligned");
			print_bytes((const u8 *)(uintptr_t)m[i].mod_start, len);
			printf("\n");
			check_place("module", m[i].mod_start, len);
			if (m[i].string)
				check_place("module string", m[i].string,
					    (u32)strlen((const char *)(uintptr_t)m[i].string) + 1);
		}
	} else {
		printf("mods=0\n");
	}

	if (mi->flags & MBI_MMAP) {
		u32 off = 0;

		check_place("memory map", mi->mmap_addr, mi->mmap_length);
		while (off < mi->mmap_length) {
			const struct mb_mmap *e = (const struct mb_mmap *)
				(uintptr_t)(mi->mmap_addr + off);

			printf("mmap 0x%llx-0x%llx type %u\n",
			       (unsigned long long)e->addr,
			       (unsigned long long)(e->addr + e->len), e->type);
			off += e->size + 4;
		}
	} else {
		printf("no memory map\n");
	}

	printf("placement %s\n", overlaps ? "BAD" : "ok");
	return overlaps ? 2 : 0;
}
