// SPDX-License-Identifier: GPL-2.0
/*
 * evt-de: a #DE whose delivery exits to hvm several times. The IDT and the
 * TSS are pre-built in the image on pages the guest never touched, the #DE
 * gate switches to IST1 (a never-touched page outside the image) and the
 * handler's code is on a page of its own: reading the gate, reading
 * TSS.IST1 and pushing the frame each take a nested page fault in the
 * middle of the delivery, and hvm has to deliver the #DE again each time.
 * The handler checks what the CPU pushed (SDM 6.15 / 7.15 "Interrupt 0":
 * a fault, saved RIP = the DIV; no error code; 64-bit frame on the IST
 * stack, 16-byte aligned, SDM 6.14.4 / 7.14.4), skips the DIV and returns.
 * Exit code 0.
 */
#include "evt.h"

__asm__(EVT_ASM_COMMON
	"	.section .data.evt_idt, \"aw\"\n"
	"	.balign 4096\n"
	"evt_idt:\n"
	"	evt_gate evt_stub_de, 1\n"
	"	evt_gates 31\n"
	"	.balign 4096\n"
	"	.text\n");

extern char evt_idt[], de_insn[], de_next[];

static int traps;

void evt_trap(struct trap_frame *f)
{
	traps++;
	printf("#DE vector=%lu", (unsigned long)f->vector);
	evt_print_ip("rip", f->ip, "div", de_insn);
	evt_print_sp(f);
	printf(" cs=0x%lx ss=0x%lx\n", (unsigned long)f->cs,
	       (unsigned long)f->ss);
	if (f->vector != X86_DE || f->ip != (uintptr_t)de_insn)
		guest_exit(GUEST_EXIT_UNEXPECTED_TRAP);
	f->ip = (uintptr_t)de_next;
}

int main(void)
{
	u32 a = 1234, d = 0, zero = 0;

	evt_load_gdt_tss();
	evt_lidt(evt_idt, 32);
	printf("evt-de: div by zero, IDT/TSS/IST stack/handler untouched\n");
	__asm__ volatile("de_insn: divl %2\n"
			 "de_next:"
			 : "+a"(a), "+d"(d) : "r"(zero) : "memory");
	printf("evt-de: resumed after the div: eax=%u traps=%d\n", a, traps);
	return 0;
}
