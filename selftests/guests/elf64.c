// SPDX-License-Identifier: GPL-2.0
/*
 * elf64: a 64-bit C guest loaded from an ELF64 file. Proves the loader
 * copied .data, zero-filled .bss, and started us in long mode.
 */
#include "lib/guest.h"

static volatile u32 data_word = 0x1234abcd;
static volatile u8 bss_buf[8192];

int main(void)
{
	bool bss_zero = true;
	size_t i;

	for (i = 0; i < sizeof(bss_buf); i++)
		if (bss_buf[i])
			bss_zero = false;
	printf("hello from a 64-bit C guest\n");
	printf("data=0x%x bss=%s\n", data_word, bss_zero ? "zero" : "dirty");
	printf("mode=%s\n", rdmsr(MSR_EFER) & EFER_LMA ? "long" : "not-long");
	return 0;
}
