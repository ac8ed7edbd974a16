// SPDX-License-Identifier: GPL-2.0
/*
 * zero-ram: read every byte of a 16 MiB VM's RAM (ELF32, paging off) and
 * count the non-zero ones, skipping only our own image and the page holding
 * the loader's GDT. Prints the first few non-zero addresses to make a
 * failure easy to read; exit code 0 when everything else is zero.
 */
#include "lib/guest.h"

#define RAM_SIZE	(16u << 20)

struct __attribute__((packed)) gdtr {
	u16 limit;
	u32 base;
};

extern struct gdtr boot_gdtr;

int main(void)
{
	u32 img0 = (u32)(uintptr_t)__image_start & ~0xfffu;
	u32 img1 = ((u32)(uintptr_t)__image_end + 0xfff) & ~0xfffu;
	u32 gdt0 = boot_gdtr.base & ~0xfffu;
	u32 gdt1 = (boot_gdtr.base + boot_gdtr.limit + 0x1000) & ~0xfffu;
	u32 addr, nonzero = 0, skipped = 0, shown = 0;

	if (!boot_gdtr.limit)
		gdt0 = gdt1 = 0;
	for (addr = 0; addr < RAM_SIZE; addr += 4) {
		u32 v;

		if ((addr >= img0 && addr < img1) || (addr >= gdt0 && addr < gdt1)) {
			skipped += 4;
			continue;
		}
		v = *(volatile u32 *)(uintptr_t)addr;
		if (!v)
			continue;
		nonzero++;
		if (shown++ < 8)
			printf("nonzero at 0x%08x: 0x%08x\n", addr, v);
	}
	printf("scanned=%u skipped=%u nonzero=%u\n", RAM_SIZE - skipped,
	       skipped, nonzero);
	return nonzero ? 1 : 0;
}
