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
#include "lib/mmio64.h"

#define TD		0xfebf0000ULL
#define TD_TIMER	0x28
#define VECTOR		0x41


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

int main(void)
{
	u64 delay_us = 1000000;

	mmio64_map(&(const u64){ TD }, 1);
	mmio64_idt_load();
	mmio64_gate(VECTOR, irq_stub);
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
