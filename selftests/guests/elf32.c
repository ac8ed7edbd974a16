// SPDX-License-Identifier: GPL-2.0
/*
 * elf32: a 32-bit C guest loaded from an ELF32 file (no Multiboot header).
 * Proves .data/.bss loading and protected mode with paging off.
 */
#include "lib/guest.h"

static volatile u32 data_word = 0x1234abcd;
static volatile u8 bss_buf[8192];

int main(void)
{
	bool bss_zero = true;
	uintptr_t cr0 = read_cr0();
	size_t i;

	for (i = 0; i < sizeof(bss_buf); i++)
		if (bss_buf[i])
			bss_zero = false;
	printf("hello from a 32-bit C guest\n");
	printf("data=0x%x bss=%s\n", data_word, bss_zero ? "zero" : "dirty");
	printf("mode=%s\n", (cr0 & 1) && !(cr0 & 0x80000000u) ?
	       "protected" : "unexpected");
	return 0;
}
