// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-dev: a guest that abuses its interrupt controllers. Every line
 * is compared exactly by selftests/hostile_guest.c:
 *
 *  - the APIC timer, periodic, divide by 1, initial count 1 (hvm clamps
 *    the period to 200 us, kmod/lapic.c): 1000 ticks arrive;
 *  - 10000 self IPIs, each taken and acknowledged;
 *  - self IPIs on every vector 0x20-0xff with IF=1 and no EOI: only the
 *    first of each priority class gets in (SDM vol. 3A 10.8.3.1: a vector
 *    is delivered only above the PPR's class), 14 of 224; then each EOI
 *    lets the next one in until all 224 were taken and IRR/ISR are empty;
 *  - 2000 writes of random values (fixed seed) to random I/O APIC
 *    registers and 2000 to the PIC and ELCR ports, then read back as a
 *    hash (deterministic: the same code models them on both backends);
 *  - last, an interrupt storm that never ends (the timer at its minimum
 *    period and a self IPI after every instruction pair), announced by
 *    "storm": the host must still stop the VM promptly.
 *
 * The host may replace the counts before the start: u32s at guest-physical
 * 0x9000 (0: the default) for the ticks (1000), the self IPIs (10000), the
 * random writes to each controller (2000) and a pause in the storm (0:
 * none): when set, the storm is a self IPI, then that many loop
 * iterations, and again, with the timer masked. Bochs, the VT-x test
 * machine, spends milliseconds of wall time on every exit while its
 * guest clock stands nearly still: a storm at full speed there makes
 * one second of the host's time take hours.
 */
#include "lib/mmio64.h"

#define APIC		0xfee00000ULL
#define IOAPIC		0xfec00000ULL

#define A_TPR		0x80
#define A_EOI		0xb0
#define A_SVR		0xf0
#define A_ISR		0x100
#define A_IRR		0x200
#define A_ESR		0x280
#define A_ICR		0x300
#define A_LVTT		0x320
#define A_TMICT		0x380
#define A_TDCR		0x3e0

#define ICR_SELF	(1u << 18)
#define LVT_MASK	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define V_TIMER		0x30
#define V_IPI		0x40

volatile u32 count[256];
volatile u32 total;
volatile bool eoi;
static int failed;
static u32 n_ticks = 1000, n_ipis = 10000, n_writes = 2000, storm_pause;

#define MBOX		0x9000

static inline u32 rd(u32 off)
{
	return *(volatile u32 *)(uintptr_t)(APIC + off);
}

static inline void wr(u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(APIC + off) = v;
}

static u32 io_rd(u32 reg)
{
	*(volatile u32 *)(uintptr_t)IOAPIC = reg;
	return *(volatile u32 *)(uintptr_t)(IOAPIC + 0x10);
}

static void io_wr(u32 reg, u32 v)
{
	*(volatile u32 *)(uintptr_t)IOAPIC = reg;
	*(volatile u32 *)(uintptr_t)(IOAPIC + 0x10) = v;
}

void irq_c(u64 vector);
void irq_c(u64 vector)
{
	count[vector]++;
	total++;
	if (eoi)
		wr(A_EOI, 0);
}

/* One 16-byte stub per vector 32-255: irq_stubs + (vector - 32) * 16. */
__asm__(
	"	.text\n"
	"	.balign 16\n"
	"irq_stubs:\n"
	"	.set	vec, 32\n"
	"	.rept	224\n"
	"	.balign	16\n"
	"	push	%rdi\n"
	"	mov	$vec, %edi\n"
	"	jmp	irq_common\n"
	"	.set	vec, vec + 1\n"
	"	.endr\n"
	"irq_common:\n"
	"	push %rax; push %rcx; push %rdx; push %rsi\n"
	"	push %r8; push %r9; push %r10; push %r11\n"
	"	call	irq_c\n"
	"	pop %r11; pop %r10; pop %r9; pop %r8\n"
	"	pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
	"	pop	%rdi\n"
	"	iretq\n");
extern char irq_stubs[];

static u32 seed = 12345;

static u32 rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8 ^ seed << 13;
}

static u32 fnv(u32 h, u32 v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		h = (h ^ ((v >> (8 * i)) & 0xff)) * 16777619u;
	return h;
}

static bool isr_irr_empty(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (rd(A_ISR + 16 * i) || rd(A_IRR + 16 * i))
			return false;
	return true;
}

static void reset_counts(void)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		count[i] = 0;
	total = 0;
}

static void timer_min_period(void)
{
	reset_counts();
	eoi = true;
	wr(A_TDCR, 0xb);			/* divide by 1 */
	wr(A_LVTT, LVT_PERIODIC | V_TIMER);
	wr(A_TMICT, 1);
	while (count[V_TIMER] < n_ticks)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	wr(A_LVTT, LVT_MASK | V_TIMER);
	wr(A_TMICT, 0);
	/* one more tick may have been pending when we masked it */
	__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	if (count[V_TIMER] >= n_ticks)
		printf("apic timer at its minimum period: %u ticks\n", n_ticks);
	else
		printf("apic timer at its minimum period: stuck\n");
	if (!isr_irr_empty())
		failed++;
}

static void self_ipi_flood(void)
{
	unsigned int i;

	reset_counts();
	eoi = true;
	__asm__ volatile("sti");
	for (i = 0; i < n_ipis; i++)
		wr(A_ICR, ICR_SELF | V_IPI);
	__asm__ volatile("nop; nop; cli" : : : "memory");
	printf("self-ipi flood: %s, isr/irr %s\n",
	       count[V_IPI] && count[V_IPI] <= n_ipis && total == count[V_IPI] ?
	       "taken" : "lost", isr_irr_empty() ? "empty" : "not empty");
	if (!count[V_IPI] || !isr_irr_empty())
		failed++;
}

static void never_acknowledged(void)
{
	unsigned int v, n;
	u32 before;

	reset_counts();
	eoi = false;
	for (v = 0x20; v < 0x100; v++) {
		wr(A_ICR, ICR_SELF | v);
		__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	}
	before = total;
	/* each EOI ends one in service and lets the best pending one in */
	for (n = 0; n < 512 && !isr_irr_empty(); n++) {
		wr(A_EOI, 0);
		__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	}
	wr(A_ESR, 0);
	printf("unacknowledged: %u of 224 before EOI, %u after %u EOIs, isr/irr %s, esr 0x%x\n",
	       before, total, n, isr_irr_empty() ? "empty" : "not empty",
	       rd(A_ESR));
	if (before != 14 || total != 224 || n != 224)
		failed++;
}

static void ioapic_random(void)
{
	u32 h = 2166136261u, ver = io_rd(1);
	unsigned int i;

	for (i = 0; i < n_writes; i++) {
		u32 reg = rnd() & 0xff, val = rnd();

		io_wr(reg, val);
	}
	for (i = 0; i < 0x40; i++)
		h = fnv(h, io_rd(i));
	/* mask every pin again */
	for (i = 0; i < 24; i++)
		io_wr(0x10 + 2 * i, LVT_MASK);
	printf("ioapic random writes: version %s, hash %08x\n",
	       io_rd(1) == ver ? "kept" : "changed", h);
}

static void pic_random(void)
{
	static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	u32 h = 2166136261u;
	unsigned int i;

	for (i = 0; i < n_writes; i++) {
		u32 r = rnd();

		outb(ports[r % 6], (u8)(r >> 8));
	}
	for (i = 0; i < 6; i++)
		h = fnv(h, inb(ports[i]));
	/* ICW1-4 on both, everything masked, ELCR edge */
	outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
	outb(0x21, 0xff); outb(0xa1, 0xff);
	outb(0x4d0, 0); outb(0x4d1, 0);
	printf("pic random writes: hash %08x, masked %02x/%02x\n", h,
	       inb(0x21), inb(0xa1));
}

static void storm(void)
{
	u32 i;

	reset_counts();
	eoi = true;
	if (!storm_pause) {
		wr(A_TDCR, 0xb);
		wr(A_LVTT, LVT_PERIODIC | V_TIMER);
		wr(A_TMICT, 1);
	}
	printf("storm\n");
	__asm__ volatile("sti");
	for (;;) {
		wr(A_ICR, ICR_SELF | V_IPI);
		for (i = storm_pause; i; i--)
			__asm__ volatile("" : : : "memory");
	}
}

int main(void)
{
	static const u64 devices[] = { APIC, IOAPIC };
	volatile u32 *mbox = (volatile u32 *)MBOX;
	unsigned int v;

	if (mbox[0])
		n_ticks = mbox[0];
	if (mbox[1])
		n_ipis = mbox[1];
	if (mbox[2])
		n_writes = mbox[2];
	storm_pause = mbox[3];

	mmio64_map(devices, 2);
	mmio64_idt_load();
	for (v = 32; v < 256; v++)
		mmio64_gate(v, irq_stubs + (v - 32) * 16);
	wr(A_SVR, 0x1ff);		/* software enable, spurious vector 0xff */
	wr(A_TPR, 0);

	timer_min_period();
	self_ipi_flood();
	never_acknowledged();
	ioapic_random();
	pic_random();
	printf("%d checks failed\n", failed);
	storm();
	return 99;
}
