// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-pt: the guest's own page tables point at guest-physical memory
 * that does not exist: a 2 MiB page at 1 GiB (far above the test's RAM),
 * or, built as hostile-pt-max, the last page below MAXPHYADDR (CPUID
 * 0x80000008). A read through it must stop the VM with reason fault at
 * that address (SPEC.md), the address printed first as "gpa=0x...".
 */
#include "lib/guest.h"

static u64 pd[512] __attribute__((aligned(4096)));

int main(void)
{
	u32 a, b, c, d;
	uintptr_t cr3;
	u64 *pml4, *pdpt, page, gpa;
	volatile u32 *p;

	cpuid(0x80000008, 0, &a, &b, &c, &d);
#ifdef HOSTILE_PT_MAXPHY
	page = (1ull << (a & 0xff)) - 0x200000;
	gpa = page + 0x1ff000;
#else
	page = 0x40000000;
	gpa = page + 0x123450;
#endif
	/* VA 4 GiB: a fifth PDPT slot, one 2 MiB page (P | RW | PS) */
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(cr3 & ~0xfffull);
	pdpt = (u64 *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
	pd[0] = page | 0x83;
	pdpt[4] = (uintptr_t)pd | 0x3;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	printf("gpa=0x%lx\n", (unsigned long)gpa);
	p = (volatile u32 *)(uintptr_t)(0x100000000ull + (gpa - page));
	printf("read 0x%x\n", *p);
	return 1;
}
