// SPDX-License-Identifier: GPL-2.0
/*
 * work: a Multiboot guest for many-VM tests. "id=N loops=K" runs K rounds
 * of a 32-bit LCG seeded with N, prints "id=N sum=0x........" and exits
 * with code N. With "spin=1" it prints "id=N ready" and spins with
 * interrupts off until the host stops it.
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
	u32 id = (u32)cmdline_u64(cmdline, "id", 0);
	u64 loops = cmdline_u64(cmdline, "loops", 1000);
	u32 x = id;

	if (cmdline_u64(cmdline, "spin", 0)) {
		printf("id=%u ready\n", id);
		__asm__ volatile("cli");
		for (;;)
			__asm__ volatile("");
	}
	while (loops--)
		x = x * 1103515245u + 12345u;
	printf("id=%u sum=0x%08x\n", id, x);
	return (int)id;
}
