// SPDX-License-Identifier: GPL-2.0
/*
 * fpu: turn SSE on and keep all 16 XMM registers full of a changing pattern
 * across thousands of exits (CPUID). The guest's registers must survive
 * every exit, while the host test on the same CPU checks that its own
 * registers survive the guest.
 */
#include "lib/guest.h"

#define ITERATIONS	20000
#define CR0_MP		(1u << 1)
#define CR0_EM		(1u << 2)
#define CR0_TS		(1u << 3)
#define CR4_OSFXSR	(1u << 9)
#define CR4_OSXMMEXCPT	(1u << 10)

static u8 in[16 * 16] __attribute__((aligned(16)));
static u8 out[16 * 16] __attribute__((aligned(16)));

static void load_xmm(const u8 *p)
{
	__asm__ volatile(
		"movdqu 0x00(%0), %%xmm0\n\tmovdqu 0x10(%0), %%xmm1\n\t"
		"movdqu 0x20(%0), %%xmm2\n\tmovdqu 0x30(%0), %%xmm3\n\t"
		"movdqu 0x40(%0), %%xmm4\n\tmovdqu 0x50(%0), %%xmm5\n\t"
		"movdqu 0x60(%0), %%xmm6\n\tmovdqu 0x70(%0), %%xmm7\n\t"
		"movdqu 0x80(%0), %%xmm8\n\tmovdqu 0x90(%0), %%xmm9\n\t"
		"movdqu 0xa0(%0), %%xmm10\n\tmovdqu 0xb0(%0), %%xmm11\n\t"
		"movdqu 0xc0(%0), %%xmm12\n\tmovdqu 0xd0(%0), %%xmm13\n\t"
		"movdqu 0xe0(%0), %%xmm14\n\tmovdqu 0xf0(%0), %%xmm15"
		: : "r"(p) : "memory");
}

static void store_xmm(u8 *p)
{
	__asm__ volatile(
		"movdqu %%xmm0, 0x00(%0)\n\tmovdqu %%xmm1, 0x10(%0)\n\t"
		"movdqu %%xmm2, 0x20(%0)\n\tmovdqu %%xmm3, 0x30(%0)\n\t"
		"movdqu %%xmm4, 0x40(%0)\n\tmovdqu %%xmm5, 0x50(%0)\n\t"
		"movdqu %%xmm6, 0x60(%0)\n\tmovdqu %%xmm7, 0x70(%0)\n\t"
		"movdqu %%xmm8, 0x80(%0)\n\tmovdqu %%xmm9, 0x90(%0)\n\t"
		"movdqu %%xmm10, 0xa0(%0)\n\tmovdqu %%xmm11, 0xb0(%0)\n\t"
		"movdqu %%xmm12, 0xc0(%0)\n\tmovdqu %%xmm13, 0xd0(%0)\n\t"
		"movdqu %%xmm14, 0xe0(%0)\n\tmovdqu %%xmm15, 0xf0(%0)"
		: : "r"(p) : "memory");
}

int main(void)
{
	uintptr_t cr0 = read_cr0(), cr4 = read_cr4();
	u32 a, b, c, d, i, j, bad = 0;

	cr0 = (cr0 & ~(uintptr_t)(CR0_EM | CR0_TS)) | CR0_MP;
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));

	for (i = 0; i < ITERATIONS; i++) {
		for (j = 0; j < sizeof(in); j++)
			in[j] = (u8)(0x47 + i * 13 + j * 7);
		load_xmm(in);
		cpuid(0, 0, &a, &b, &c, &d);	/* an exit with our state live */
		store_xmm(out);
		if (memcmp(in, out, sizeof(in)))
			bad++;
	}
	printf("fpu %s after %u exits\n", bad ? "corrupted" : "kept", ITERATIONS);
	return bad ? 1 : 0;
}
