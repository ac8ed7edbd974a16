// SPDX-License-Identifier: GPL-2.0
/*
 * evt-inject: exceptions hvm injects itself, delivered through an IDT, a
 * TSS and IST stacks on never-touched pages, so the injected event's
 * delivery exits with a nested page fault and hvm must inject it again
 * (with its error code), without counting it twice.
 *
 *  - RDMSR of an MSR no CPU has (hvm's MSR policy): #GP(0), SDM RDMSR
 *    "Protected Mode Exceptions: #GP(0) ... If the value in ECX specifies
 *    a reserved or unimplemented MSR address". Delivered through IDT page 1
 *    and IST1; saved RIP = the RDMSR (a fault), error code 0.
 *  - XSETBV with CR4.OSXSAVE = 0: #UD (SDM XSETBV "#UD If CR4.OSXSAVE[bit
 *    18] = 0"), never #GP; through IDT page 2 and IST2. The #UD outranks
 *    the intercept (SDM 25.1.1 / 26.1.1 "Relative Priority of Faults and
 *    VM Exits"; APM vol. 2 15.9: instruction intercepts are checked after
 *    simple exceptions such as #UD), so it does not come from hvm.
 *
 * Exit code 0.
 */
#include "evt.h"

#define MSR_NONE	0xdeadbeef	/* outside every architectural range */
#define CR4_OSXSAVE	(1UL << 18)

__asm__(EVT_ASM_COMMON
	"	.section .data.evt_idt, \"aw\"\n"
	"	.balign 4096\n"
	"evt_idt1:\n"
	"	evt_gates 13\n"
	"	evt_gate evt_stub_gp, 1\n"
	"	evt_gates 18\n"
	"	.balign 4096\n"
	"evt_idt2:\n"
	"	evt_gates 6\n"
	"	evt_gate evt_stub_ud, 2\n"
	"	evt_gates 25\n"
	"	.balign 4096\n"
	"	.text\n");

extern char evt_idt1[], evt_idt2[];
extern char rdmsr_insn[], rdmsr_next[], xsetbv_insn[], xsetbv_next[];

void evt_trap(struct trap_frame *f)
{
	bool gp = f->vector == X86_GP;
	const char *name = gp ? "rdmsr" : "xsetbv";
	void *insn = gp ? rdmsr_insn : xsetbv_insn;

	printf("%s vector=%lu", gp ? "#GP" : f->vector == X86_UD ? "#UD" : "#??",
	       (unsigned long)f->vector);
	if (gp)
		printf(" err=0x%lx", (unsigned long)f->error);
	evt_print_ip("rip", f->ip, name, insn);
	evt_print_sp(f);
	printf("\n");
	if (f->ip != (uintptr_t)insn)
		guest_exit(GUEST_EXIT_UNEXPECTED_TRAP);
	f->ip = (uintptr_t)(gp ? rdmsr_next : xsetbv_next);
}

int main(void)
{
	u32 lo = 0x1111, hi = 0x2222;

	evt_load_gdt_tss();
	evt_lidt(evt_idt1, 32);
	printf("evt-inject: rdmsr 0x%x\n", MSR_NONE);
	__asm__ volatile("rdmsr_insn: rdmsr\n"
			 "rdmsr_next:"
			 : "+a"(lo), "+d"(hi) : "c"(MSR_NONE) : "memory");
	printf("evt-inject: after rdmsr: edx:eax=%x:%x\n", hi, lo);

	evt_lidt(evt_idt2, 32);
	printf("evt-inject: xsetbv with CR4.OSXSAVE=%lu\n",
	       (unsigned long)(read_cr4() & CR4_OSXSAVE) >> 18);
	__asm__ volatile("xsetbv_insn: xsetbv\n"
			 "xsetbv_next:"
			 : : "a"(1), "d"(0), "c"(0) : "memory");
	printf("evt-inject: done\n");
	return 0;
}
