// SPDX-License-Identifier: GPL-2.0
/*
 * evt-pf-in-de: a #PF inside a #DE handler. DIV by zero enters the #DE
 * handler (IST1); it writes to a page the guest's page tables mark not
 * present, so a #PF (IST2, a different stack: the #DE frame must survive)
 * arrives while the #DE handler runs: error code 2 (not present, write,
 * supervisor; SDM 4.7 "Page-Fault Exceptions"), CR2 = the address written,
 * saved RIP = the MOV (a fault). The #PF handler maps the page and
 * returns, the MOV completes, the #DE handler reads the value back, skips
 * the DIV and returns. The IDT, the TSS and both stacks are on pages
 * never touched before, so both deliveries exit with nested page faults
 * on the way. Exit code 0.
 */
#include "evt.h"

#define PF_PAGE		0x1f0000UL	/* not present until the #PF */

__asm__(EVT_ASM_COMMON
	"	.section .data.evt_idt, \"aw\"\n"
	"	.balign 4096\n"
	"evt_idt:\n"
	"	evt_gate evt_stub_de, 1\n"
	"	evt_gates 13\n"
	"	evt_gate evt_stub_pf, 2\n"
	"	evt_gates 17\n"
	"	.balign 4096\n"
	"	.text\n");

extern char evt_idt[], de_insn[], de_next[], mov_insn[];

static int traps;

static __attribute__((noinline, noclone)) void write_page(u32 v)
{
	__asm__ volatile("mov_insn: movl %0, (%1)"
			 : : "r"(v), "r"(PF_PAGE) : "memory");
}

void evt_trap(struct trap_frame *f)
{
	traps++;
	switch (f->vector) {
	case X86_DE:
		printf("#DE vector=0");
		evt_print_ip("rip", f->ip, "div", de_insn);
		evt_print_sp(f);
		printf("\n");
		write_page(0x5a5a1234);
		printf("#DE handler: after the #PF: page holds 0x%x, traps=%d\n",
		       *(volatile u32 *)PF_PAGE, traps);
		f->ip = (uintptr_t)de_next;
		return;
	case X86_PF:
		printf("#PF vector=14 err=0x%lx", (unsigned long)f->error);
		if (evt_read_cr2() == PF_PAGE)
			printf(" cr2=page");
		else
			printf(" cr2=0x%lx", (unsigned long)evt_read_cr2());
		evt_print_ip("rip", f->ip, "mov", mov_insn);
		evt_print_sp(f);
		printf("\n");
		*evt_pte(PF_PAGE) |= PTE_P;
		evt_invlpg(PF_PAGE);
		return;
	}
	guest_exit(GUEST_EXIT_UNEXPECTED_TRAP);
}

int main(void)
{
	u32 a = 1234, d = 0, zero = 0;

	evt_paging();
	*evt_pte(PF_PAGE) &= ~PTE_P;
	evt_load_cr3();
	evt_load_gdt_tss();
	evt_lidt(evt_idt, 32);
	printf("evt-pf-in-de: div by zero, a #PF in the #DE handler\n");
	__asm__ volatile("de_insn: divl %2\n"
			 "de_next:"
			 : "+a"(a), "+d"(d) : "r"(zero) : "memory");
	printf("evt-pf-in-de: resumed after the div: eax=%u traps=%d\n", a, traps);
	return 0;
}
