// SPDX-License-Identifier: GPL-2.0
/*
 * evt-pf-idt: an exception during the delivery of another, caused by the
 * guest's own page tables, with the deliveries also interrupted by nested
 * page faults (IDT pages pre-built in the image, IST stacks and the TSS
 * never touched before).
 *
 * 1. The IDT straddles two pages and the #DE gate (entry 0, the last 16
 *    bytes of the first page) is on a page the guest marks not present.
 *    DIV by zero: reading the gate raises #PF. SDM 6.15 / 7.15 table
 *    "Conditions for Generating a Double Fault": contributory (#DE) then
 *    page fault is handled serially, so the #PF is delivered: error code 0
 *    (not present, read, supervisor: the IDT read is an implicit
 *    supervisor-mode access, SDM 4.6 / 4.7), CR2 = the gate's linear
 *    address (SDM "Interrupt 14": CR2 holds the linear address that caused
 *    the fault), saved RIP = the DIV. The handler maps the page and
 *    returns; the DIV faults again and #DE is delivered normally.
 * 2. The IDT is moved so that the #PF gate (entry 14) is on a not-present
 *    page while the #DF gate (entry 8) is present. A read of a not-present
 *    page raises #PF whose delivery raises #PF again: page fault then page
 *    fault is a double fault (same table): #DF, error code 0 (SDM
 *    "Interrupt 8": always zero), CR2 = the #PF gate's address (the second
 *    fault's linear address). The saved RIP of a #DF is undefined (ibid.)
 *    and is not printed. #DF is an abort: the handler exits with 0.
 */
#include "evt.h"

#define PF_PAGE		0x1f0000UL	/* never mapped */

/*
 * Pages: [X: gate 0 at the end][Y: gates 1-31]
 *        [Y2: gates 0-13 at the end][X2: gates 14-31]
 */
__asm__(EVT_ASM_COMMON
	"	.section .data.evt_idt, \"aw\"\n"
	"	.balign 4096\n"
	"evt_x:\n"
	"	.fill 4096 - 16, 1, 0\n"
	"	evt_gate evt_stub_de, 1\n"
	"evt_y:\n"
	"	evt_gates 13\n"
	"	evt_gate evt_stub_pf, 2\n"
	"	evt_gates 17\n"
	"	.balign 4096\n"
	"evt_y2:\n"
	"	.fill 4096 - 14 * 16, 1, 0\n"
	"	evt_gates 8\n"
	"	evt_gate evt_stub_df, 3\n"
	"	evt_gates 5\n"
	"evt_x2:\n"
	"	evt_gate evt_stub_pf, 2\n"
	"	evt_gates 17\n"
	"	.balign 4096\n"
	"	.text\n");

extern char evt_x[], evt_y[], evt_y2[], evt_x2[], de_insn[], de_next[];

static uintptr_t idt_base;
static int traps;

static void print_cr2(void)
{
	uintptr_t cr2 = evt_read_cr2();

	if (cr2 >= idt_base && cr2 < idt_base + 32 * 16)
		printf(" cr2=idt+0x%lx", (unsigned long)(cr2 - idt_base));
	else
		printf(" cr2=0x%lx", (unsigned long)cr2);
}

void evt_trap(struct trap_frame *f)
{
	traps++;
	switch (f->vector) {
	case X86_PF:
		printf("#PF vector=14 err=0x%lx", (unsigned long)f->error);
		print_cr2();
		evt_print_ip("rip", f->ip, "div", de_insn);
		evt_print_sp(f);
		printf("\n");
		*evt_pte((uintptr_t)evt_x) |= PTE_P;
		evt_invlpg((uintptr_t)evt_x);
		return;
	case X86_DE:
		printf("#DE vector=0");
		evt_print_ip("rip", f->ip, "div", de_insn);
		evt_print_sp(f);
		printf("\n");
		f->ip = (uintptr_t)de_next;
		return;
	case X86_DF:
		printf("#DF vector=8 err=0x%lx", (unsigned long)f->error);
		print_cr2();
		evt_print_sp(f);
		printf("\nevt-pf-idt: done, traps=%d\n", traps);
		guest_exit(0);
	}
	guest_exit(GUEST_EXIT_UNEXPECTED_TRAP);
}

int main(void)
{
	u32 a = 1234, d = 0, zero = 0;

	evt_paging();
	*evt_pte((uintptr_t)evt_x) &= ~PTE_P;
	*evt_pte((uintptr_t)evt_x2) &= ~PTE_P;
	*evt_pte(PF_PAGE) &= ~PTE_P;
	evt_load_cr3();
	evt_load_gdt_tss();

	idt_base = (uintptr_t)evt_y - 16;
	evt_lidt((void *)idt_base, 32);
	printf("evt-pf-idt: div by zero, the #DE gate on a not-present page\n");
	__asm__ volatile("de_insn: divl %2\n"
			 "de_next:"
			 : "+a"(a), "+d"(d) : "r"(zero) : "memory");
	printf("evt-pf-idt: resumed after the div: eax=%u traps=%d\n", a, traps);

	idt_base = (uintptr_t)evt_x2 - 14 * 16;
	evt_lidt((void *)idt_base, 32);
	printf("evt-pf-idt: read of a not-present page, the #PF gate not present\n");
	(void)*(volatile u32 *)PF_PAGE;
	printf("evt-pf-idt: no #DF\n");
	return 1;
}
