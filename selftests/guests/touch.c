// SPDX-License-Identifier: GPL-2.0
/*
 * touch: a Multiboot guest that writes one byte to each of "pages=N" pages
 * spread "stride=S" bytes apart (default 64 MiB) from "start=A" up (default
 * one stride), so the host can count what guest RAM it really backs. Needs
 * A + N * S bytes of RAM.
 */
#include "lib/guest.h"

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};


int main(void)
{
	const struct mb_info *mi =
		(const struct mb_info *)(uintptr_t)multiboot_info_addr;
	const char *cmdline = (mi->flags & 4) ?
		(const char *)(uintptr_t)mi->cmdline : "";
	u32 pages = (u32)cmdline_u64(cmdline, "pages", 10);
	u64 stride = cmdline_u64(cmdline, "stride", 64u << 20);
	u64 start = cmdline_u64(cmdline, "start", stride);
	u64 ram = ((u64)mi->mem_upper << 10) + (1u << 20);
	u32 i;

	if (multiboot_magic != 0x2badb002 || !(mi->flags & 1)) {
		printf("no multiboot memory info\n");
		return 1;
	}
	if (start + (u64)pages * stride > ram || start + (u64)pages * stride > 0xffffffffu) {
		printf("%u pages need more than %llu bytes of RAM\n", pages,
		       (unsigned long long)ram);
		return 1;
	}
	for (i = 0; i < pages; i++) {
		volatile u8 *p = (volatile u8 *)(uintptr_t)(start + (u64)i * stride);

		*p = (u8)(i + 1);
		if (*p != (u8)(i + 1)) {
			printf("page %u did not keep its byte\n", i);
			return 1;
		}
	}
	printf("touched %u pages\n", pages);
	return 0;
}
