// SPDX-License-Identifier: GPL-2.0
/*
 * apic-drift: a 1000 Hz periodic local APIC timer (SDM vol. 3A 10.5.4,
 * bus clock 1 GHz in hvm: divide by 1, initial count 1,000,000) running
 * for whole seconds of the CMOS RTC, which follows the host's time of
 * day: 10 on AMD-V, 2 on VT-x — the only VT-x test machine is Bochs, whose
 * clock counts instructions (no scheduling noise at all) and whose every
 * guest second costs about a minute. The window opens and closes when the
 * RTC's seconds register changes; the guest waits in HLT between ticks.
 *
 * Prints "drift: seconds=S ticks=T" with the interrupts it took. The host
 * test compares the VM's timer statistic (periods that elapsed, delivered
 * or coalesced while the vCPU was not running) with S * 1000: that is the
 * drift of the timer's time base; T, the interrupts this guest saw, can
 * only be lower (a tick that finds the previous one still pending merges
 * with it, as on hardware).
 */
#include "lib/mmio64.h"

#define APIC		0xfee00000ULL
#define A_EOI		0xb0
#define A_SVR		0xf0
#define A_LVTT		0x320
#define A_TMICT		0x380
#define A_TDCR		0x3e0
#define LVT_PERIODIC	(1u << 17)
#define LVT_MASKED	(1u << 16)
#define V_TIMER		0x30

volatile u32 ticks;

static inline void wr(u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(APIC + off) = v;
}

void tick_c(void);
void tick_c(void)
{
	ticks++;
	wr(A_EOI, 0);
}

__asm__("	.text\n"
	"tick_stub:\n"
	"	push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"
	"	push %r8; push %r9; push %r10; push %r11\n"
	"	call tick_c\n"
	"	pop %r11; pop %r10; pop %r9; pop %r8\n"
	"	pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
	"	iretq\n");
extern char tick_stub[];

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Return right after the RTC's seconds register changed. */
static void next_second(bool halt)
{
	u8 s = cmos(0x00);

	while (cmos(0x00) == s)
		if (halt)	/* the next tick wakes us (STI shadow covers HLT) */
			__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
}

int main(void)
{
	static const u64 devices[] = { APIC };
	int seconds = guest_cpu_vendor() == VENDOR_INTEL ? 2 : 10;
	u32 seen;

	mmio64_map(devices, 1);
	mmio64_idt_load();
	mmio64_gate(V_TIMER, tick_stub);
	wr(A_SVR, 0x1ff);
	wr(A_TDCR, 0xb);			/* divide by 1 */
	wr(A_LVTT, LVT_PERIODIC | V_TIMER);

	next_second(false);
	wr(A_TMICT, 1000000);			/* 1 ms at 1 GHz */
	for (int s = 0; s < seconds; s++)
		next_second(true);
	wr(A_TMICT, 0);				/* stops the timer (10.5.4) */
	wr(A_LVTT, LVT_MASKED);
	seen = ticks;
	printf("drift: seconds=%d ticks=%u\n", seconds, seen);
	return 0;
}
