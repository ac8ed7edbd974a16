/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For 64-bit guests that reach device registers above RAM (the selftests'
 * testdev at 0xfebf0000, the local and I/O APICs) and take interrupts at
 * vectors >= 32: map the devices' 2 MiB pages uncached in the loader's
 * identity map (all of them lie in the 3-4 GiB slot of its PDPT), and
 * extend the runtime's 32-entry IDT to 256 entries.
 */
#ifndef HVM_GUEST_MMIO64_H
#define HVM_GUEST_MMIO64_H

#include "desc64.h"

#define TD_BASE		0xfebf0000ULL	/* kmod/testdev.c */

static u64 mmio64_pd[512] __attribute__((aligned(4096)));
static struct gate64 mmio64_idt[256] __attribute__((aligned(16)));

/* Map the 2 MiB pages holding each of @addrs (all in 3-4 GiB), uncached. */
static inline void mmio64_map(const u64 *addrs, unsigned int n)
{
	u64 *pml4, *pdpt;
	uintptr_t cr3;
	unsigned int i;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(cr3 & ~0xfffULL);
	pdpt = (u64 *)(uintptr_t)(pml4[0] & ~0xfffULL);
	for (i = 0; i < n; i++)	/* P | RW | PCD | PS */
		mmio64_pd[(addrs[i] >> 21) & 511] = (addrs[i] & ~0x1fffffULL) | 0x93;
	pdpt[3] = (uintptr_t)mmio64_pd | 0x3;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

/* Point vector @vec at @handler (after mmio64_idt_load()): a DPL 0 interrupt gate. */
static inline void mmio64_gate(unsigned int vec, void *handler)
{
	desc64_gate(&mmio64_idt[vec], handler, GATE64_INTR, 0);
}

/* Load a 256-entry IDT keeping the runtime's exception stubs (0-31). */
static inline void mmio64_idt_load(void)
{
	struct desc64_ptr d;

	desc64_runtime_gates(mmio64_idt);
	d.limit = sizeof(mmio64_idt) - 1;
	d.base = (uintptr_t)mmio64_idt;
	__asm__ volatile("lidt %0" : : "m"(d));
}

#endif /* HVM_GUEST_MMIO64_H */
