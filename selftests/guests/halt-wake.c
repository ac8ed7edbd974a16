// SPDX-License-Identifier: GPL-2.0
/*
 * halt-wake: HLT with interrupts enabled waits for an interrupt instead of
 * stopping the VM. The guest arms the test device's one-shot timer (hvm
 * testdev=1: vector 0x41 after a delay given on the command line, default
 * 1 s), executes STI; HLT, and prints what woke it: the handler must have
 * run exactly once, right after the HLT. Then CLI; HLT with nothing
 * pending stops the VM with reason halt. The host meanwhile checks that
 * the halted vCPU thread used no CPU.
 */
#include "lib/guest.h"

#define TD		0xfebf0000ULL
#define TD_TIMER	0x28
#define VECTOR		0x41

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PCD		0x010ULL
#define PTE_PS		0x080ULL

struct gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, rsvd;
} __attribute__((packed));

static u64 pd[512] __attribute__((aligned(4096)));
static struct gate idt256[256] __attribute__((aligned(16)));

volatile u32 irq_count;
volatile u64 irq_rip;
extern char irq_stub[], after_hlt[];

/* The handler records the RIP it interrupted (the frame's first word). */
__asm__(
	"	.text\n"
	"irq_stub:\n"
	"	push %rax\n"
	"	incl irq_count(%rip)\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, irq_rip(%rip)\n"
	"	pop %rax\n"
	"	iretq\n");

static void map_device(void)
{
	u64 *pml4, *pdpt;
	uintptr_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(cr3 & ~0xfffULL);
	pdpt = (u64 *)(uintptr_t)(pml4[0] & ~0xfffULL);
	pd[(TD >> 21) & 511] = (TD & ~0x1fffffULL) | PTE_P | PTE_RW | PTE_PCD | PTE_PS;
	pdpt[(TD >> 30) & 511] = (uintptr_t)pd | PTE_P | PTE_RW;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

static void idt_setup(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) d;
	uintptr_t h = (uintptr_t)irq_stub;
	u16 cs;
	int i;

	__asm__ volatile("sidt %0" : "=m"(d));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (i = 0; i < 32; i++)
		idt256[i] = ((struct gate *)(uintptr_t)d.base)[i];
	idt256[VECTOR].off0 = (u16)h;
	idt256[VECTOR].sel = cs;
	idt256[VECTOR].type = 0x8e;
	idt256[VECTOR].off1 = (u16)(h >> 16);
	idt256[VECTOR].off2 = (u32)(h >> 32);
	d.limit = sizeof(idt256) - 1;
	d.base = (uintptr_t)idt256;
	__asm__ volatile("lidt %0" : : "m"(d));
}

int main(void)
{
	u64 delay_us = 1000000;

	map_device();
	idt_setup();
	printf("halting with IF=1\n");
	*(volatile u64 *)(uintptr_t)(TD + TD_TIMER) = delay_us << 8 | VECTOR;
	__asm__ volatile("sti\n\thlt\n"
			 "after_hlt:\n\tcli" : : : "memory");
	printf("woke: irq=%u at-hlt=%d\n", irq_count,
	       irq_rip == (uintptr_t)after_hlt);
	printf("halting with IF=0\n");
	__asm__ volatile("cli; hlt");
	printf("still running\n");
	return 1;
}
