// SPDX-License-Identifier: GPL-2.0
/*
 * apic: conformance of the interrupt controllers (SDM vol. 3A chapter 10,
 * 82093AA I/O APIC, 8259A). Needs hvm testdev=1: its LINE register drives
 * an interrupt line like a device, its TIMER register gives a time
 * reference independent of the APIC. Every line printed is compared
 * exactly by selftests/guest_apic.c; timing shows only as "ok" for a tick
 * count within 50% of the expected one.
 */
#include "lib/mmio64.h"

#define APIC		0xfee00000ULL
#define IOAPIC		0xfec00000ULL
#define TD		0xfebf0000ULL
#define TD_TIMER	0x28
#define TD_LINE		0x30

#define A_ID		0x20
#define A_VER		0x30
#define A_TPR		0x80
#define A_PPR		0xa0
#define A_EOI		0xb0
#define A_LDR		0xd0
#define A_DFR		0xe0
#define A_SVR		0xf0
#define A_ISR		0x100
#define A_TMR		0x180
#define A_IRR		0x200
#define A_ESR		0x280
#define A_ICR		0x300
#define A_ICR2		0x310
#define A_LVTT		0x320
#define A_LINT0		0x350
#define A_LVTERR	0x370
#define A_TMICT		0x380
#define A_TMCCT		0x390
#define A_TDCR		0x3e0

#define MSR_TSC_DEADLINE	0x6e0
#define X2APIC_MSR(off)		(0x800 + ((off) >> 4))

#define V_TIMER		0x30
#define V_REF		0x41	/* the test device's timer */


volatile u32 count[256];
volatile u8 order[16];
volatile u32 norder;
volatile bool eoi_in_handler, x2mode;

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

static void line(unsigned int irq, bool level)
{
	*(volatile u16 *)(uintptr_t)(TD + TD_LINE) = irq | (level ? 0x100 : 0);
}

/* The test device raises V_REF after @us microseconds. */
static void ref_timer(u64 us)
{
	count[V_REF] = 0;
	*(volatile u64 *)(uintptr_t)(TD + TD_TIMER) = us << 8 | V_REF;
}

/* Open an interrupt window of one instruction. */
static void window(void)
{
	__asm__ volatile("sti\n\tnop\n\tcli" : : : "memory");
}

/* Called by every stub with interrupts off. */
void irq_c(u64 vector);
void irq_c(u64 vector)
{
	count[vector]++;
	if (norder < sizeof(order))
		order[norder++] = vector;
	if (eoi_in_handler && x2mode)
		wrmsr(X2APIC_MSR(A_EOI), 0);
	else if (eoi_in_handler)
		wr(A_EOI, 0);
}

#define STUB(v)								\
	"irq_stub_" #v ":\n"						\
	"	push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"	\
	"	push %r8; push %r9; push %r10; push %r11\n"		\
	"	mov $" #v ", %edi\n"					\
	"	call irq_c\n"						\
	"	pop %r11; pop %r10; pop %r9; pop %r8\n"			\
	"	pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"	\
	"	iretq\n"

#define VECTORS(X) X(0x30) X(0x38) X(0x41) X(0x45) X(0x46) X(0x47) X(0x52) \
	X(0x55) X(0x60) X(0x61) X(0x62) X(0x73) X(0x7a) X(0xef)

#define S(v) STUB(v)
__asm__("	.text\n" VECTORS(S));
#undef S

#define D(v) extern char irq_stub_##v[];
VECTORS(D)
#undef D

static void setup(void)
{
	static const u64 devices[] = { TD, APIC, IOAPIC };

	mmio64_map(devices, 3);
	mmio64_idt_load();
#define G(v) mmio64_gate(v, irq_stub_##v);
	VECTORS(G)
#undef G
}

static void reset_counts(void)
{
	int i;

	for (i = 0; i < 256; i++)
		count[i] = 0;
	norder = 0;
}

/* Wait with interrupts on until count[v] >= n or the reference timer fires. */
static void wait_for(int v, u32 n, u64 max_us)
{
	ref_timer(max_us);
	while (count[v] < n && !count[V_REF])
		__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
}

/* PIC: ICW1-4 for both chips, vectors 0x70/0x78, everything masked. */
static void pic_init(void)
{
	outb(0x20, 0x11);
	outb(0x21, 0x70);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x78);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void test_id(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	printf("id: id=%08x ver=%08x base=%lx cpuid-apic=%u x2apic=%u deadline=%u\n",
	       rd(A_ID), rd(A_VER), (unsigned long)rdmsr(MSR_IA32_APIC_BASE),
	       (d >> 9) & 1, (c >> 21) & 1, (c >> 24) & 1);
	printf("reset: svr=%08x lvtt=%08x lint0=%08x dfr=%08x tpr=%08x\n",
	       rd(A_SVR), rd(A_LVTT), rd(A_LINT0), rd(A_DFR), rd(A_TPR));
	wr(A_SVR, 0x1ff);
	wr(A_LDR, 0x01000000);
	printf("enable: svr=%08x ldr=%08x\n", rd(A_SVR), rd(A_LDR));
}

/* The TPR through the decoded instruction forms (kmod/emulate.c). */
static void test_forms(void)
{
	volatile u32 *tpr = (volatile u32 *)(uintptr_t)(APIC + A_TPR);
	u64 q;
	u32 x;
	u8 b;
	uintptr_t cr8;

	*tpr = 0x20;
	printf("forms: movl=%02x", *tpr);
	__asm__ volatile("orl $0x10, %0" : "+m"(*tpr));
	printf(" or=%02x", *tpr);
	__asm__ volatile("addl $0x10, %0" : "+m"(*tpr));
	printf(" add=%02x", *tpr);
	__asm__ volatile("andl $0xf0, %0" : "+m"(*tpr));
	printf(" and=%02x", *tpr);
	x = 0x50;
	__asm__ volatile("xchgl %0, %1" : "+r"(x), "+m"(*tpr));
	printf(" xchg=%02x/%02x", x, *tpr);
	__asm__ volatile("movb $0x60, %0" : "=m"(*(volatile u8 *)tpr));
	__asm__ volatile("movzbl %1, %0" : "=r"(x) : "m"(*(volatile u8 *)tpr));
	__asm__ volatile("movb %1, %0" : "=q"(b) : "m"(*(volatile u8 *)tpr));
	__asm__ volatile("movq %1, %0" : "=r"(q) : "m"(*(volatile u64 *)tpr));
	printf(" movb=%02x movzbl=%02x movq=%lx", b, x, (unsigned long)q);
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	printf(" cr8=%lx", (unsigned long)cr8);
	__asm__ volatile("mov %0, %%cr8" : : "r"(2UL));
	printf(" tpr-after-cr8=%02x\n", *tpr);
	*tpr = 0;
}

static void test_priority(void)
{
	reset_counts();
	eoi_in_handler = false;
	/* Three self IPIs while IF=0 (ICR shorthand 01: self). */
	wr(A_ICR, 0x40000 | 0x45);
	wr(A_ICR, 0x40000 | 0x38);
	wr(A_ICR, 0x40000 | 0x52);
	printf("ipi: irr1=%08x irr2=%08x icr=%08x\n", rd(A_IRR + 0x10),
	       rd(A_IRR + 0x20), rd(A_ICR));
	window();
	printf("isr: after-first isr2=%08x ppr=%02x window-again=", rd(A_ISR + 0x20),
	       rd(A_PPR));
	window();
	printf("%u\n", norder);
	wr(A_EOI, 0);
	window();
	wr(A_EOI, 0);
	window();
	wr(A_EOI, 0);
	printf("order: %02x %02x %02x n=%u isr=%08x ppr=%02x\n", order[0], order[1],
	       order[2], norder, rd(A_ISR + 0x20) | rd(A_ISR + 0x10), rd(A_PPR));

	/* TPR masking (SDM vol. 3A 10.8.3.1): class must be above TPR[7:4]. */
	reset_counts();
	eoi_in_handler = true;
	wr(A_TPR, 0x60);
	wr(A_ICR, 0x40000 | 0x55);
	window();
	printf("tpr: 60->%u", count[0x55]);
	wr(A_TPR, 0x50);
	window();
	printf(" 50->%u ppr=%02x", count[0x55], rd(A_PPR));
	wr(A_TPR, 0x4f);
	window();
	printf(" 4f->%u\n", count[0x55]);
	wr(A_TPR, 0);

	/* All including self (shorthand 10); an illegal vector sets ESR[5]. */
	wr(A_ICR, 0x80000 | 0x46);
	window();
	wr(A_ICR, 0x40000 | 0x05);
	wr(A_ESR, 0);
	printf("allinc: %u esr=%08x", count[0x46], rd(A_ESR));
	wr(A_ESR, 0);
	printf(" esr-cleared=%08x\n", rd(A_ESR));
}

static void test_timer(void)
{
	u32 ccr, n;

	eoi_in_handler = true;
	reset_counts();
	/* One-shot, divide by 1: 20 ms at the 1 GHz APIC bus. */
	wr(A_TDCR, 0xb);
	wr(A_LVTT, V_TIMER);
	wr(A_TMICT, 20000000);
	ccr = rd(A_TMCCT);
	printf("oneshot: ccr-running=%u", ccr > 0 && ccr <= 20000000);
	wait_for(V_TIMER, 1, 2000000);
	printf(" ticks=%u", count[V_TIMER]);
	wait_for(V_TIMER, 2, 100000);	/* 100 ms more: no second tick */
	printf(" later=%u ccr=%u icr=%u\n", count[V_TIMER], rd(A_TMCCT), rd(A_TMICT));

	/* HLT wakes on the APIC timer (the reference is 2 s away). */
	reset_counts();
	wr(A_TMICT, 10000000);
	ref_timer(2000000);
	__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
	printf("hlt-wake: timer=%u ref=%u\n", count[V_TIMER], count[V_REF]);

	/* Periodic, divide by 16: 312500 * 16 ns = 5 ms; 100 ticks in 500 ms. */
	reset_counts();
	wr(A_TDCR, 0x3);
	wr(A_LVTT, V_TIMER | (1 << 17));
	wr(A_TMICT, 312500);
	ccr = rd(A_TMCCT);
	ref_timer(500000);
	while (!count[V_REF])
		__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
	n = count[V_TIMER];
	wr(A_TMICT, 0);
	printf("periodic: ccr-running=%u ticks-within-50%%=%u dcr=%x", ccr > 0 && ccr <= 312500,
	       n >= 50 && n <= 150, rd(A_TDCR));
	if (n < 50 || n > 150)
		printf(" (%u)", n);
	reset_counts();
	wait_for(V_TIMER, 1, 50000);
	printf(" stopped=%u\n", count[V_TIMER]);

	/* TSC-deadline (SDM vol. 3A 10.5.4.1). */
	reset_counts();
	wrmsr(MSR_TSC_DEADLINE, 12345);	/* one-shot mode: ignored */
	printf("deadline: ignored=%lx", (unsigned long)rdmsr(MSR_TSC_DEADLINE));
	wr(A_LVTT, V_TIMER | (2 << 17));
	wr(A_TMICT, 1000);		/* ignored in deadline mode */
	printf(" tmict=%u", rd(A_TMICT));
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + (1ULL << 40));
	printf(" armed=%u", rdmsr(MSR_TSC_DEADLINE) != 0);
	wrmsr(MSR_TSC_DEADLINE, 0);
	wait_for(V_TIMER, 1, 50000);
	printf(" disarmed=%u", count[V_TIMER]);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 100000);
	wait_for(V_TIMER, 1, 2000000);
	printf(" fired=%u msr=%lx", count[V_TIMER], (unsigned long)rdmsr(MSR_TSC_DEADLINE));
	wrmsr(MSR_TSC_DEADLINE, 1);	/* in the past: at once */
	window();
	printf(" past=%u\n", count[V_TIMER]);
	wr(A_LVTT, 0x10000);
}

static void test_x2apic(void)
{
	u64 v = 0;
	int r1, r2, r3, r4;

	reset_counts();
	eoi_in_handler = true;
	r1 = try_wrmsr(X2APIC_MSR(A_TPR), 0);
	wrmsr(MSR_IA32_APIC_BASE, 0xfee00000 | 0x900 | 0x400);
	x2mode = true;
	printf("x2apic: before=%d base=%lx id=%lx ver=%lx ldr=%lx", r1,
	       (unsigned long)rdmsr(MSR_IA32_APIC_BASE),
	       (unsigned long)rdmsr(X2APIC_MSR(A_ID)),
	       (unsigned long)rdmsr(X2APIC_MSR(A_VER)),
	       (unsigned long)rdmsr(X2APIC_MSR(A_LDR)));
	wrmsr(X2APIC_MSR(A_TPR), 0x20);
	printf(" tpr=%lx mmio=%08x", (unsigned long)rdmsr(X2APIC_MSR(A_TPR)), rd(A_TPR));
	wrmsr(X2APIC_MSR(0x3f0), 0x47);	/* SELF IPI */
	window();
	printf(" self-ipi=%u", count[0x47]);
	wrmsr(X2APIC_MSR(A_ICR), 0x40000 | 0x46);
	window();
	printf(" icr=%u/%lx\n", count[0x46], (unsigned long)rdmsr(X2APIC_MSR(A_ICR)));
	wrmsr(X2APIC_MSR(A_TPR), 0);
	r1 = try_rdmsr(X2APIC_MSR(0x3f0), &v);
	r2 = try_wrmsr(X2APIC_MSR(A_EOI), 1);
	r3 = try_rdmsr(X2APIC_MSR(A_DFR), &v);
	r4 = try_wrmsr(X2APIC_MSR(A_LDR), 0);
	printf("x2apic-gp: rd-selfipi=%d wr-eoi1=%d rd-dfr=%d wr-ldr=%d", r1, r2, r3, r4);
	r1 = try_wrmsr(MSR_IA32_APIC_BASE, 0xfee00900);	/* x2APIC -> xAPIC */
	r2 = try_wrmsr(MSR_IA32_APIC_BASE, 0xfed00d00);	/* moving the base */
	r3 = try_wrmsr(MSR_IA32_APIC_BASE, 0xfee00100);	/* disable */
	x2mode = false;
	printf(" to-xapic=%d move=%d disable=%d", r1, r2, r3);
	{
		u32 a, b, c, d;

		cpuid(1, 0, &a, &b, &c, &d);
		printf(" cpuid-apic=%u", (d >> 9) & 1);
	}
	r1 = try_wrmsr(MSR_IA32_APIC_BASE, 0xfee00d00);	/* disabled -> x2APIC */
	r2 = try_wrmsr(MSR_IA32_APIC_BASE, 0xfee00900);
	printf(" to-x2=%d enable=%d svr=%08x\n", r1, r2, rd(A_SVR));
	wr(A_SVR, 0x1ff);
	wr(A_LDR, 0x01000000);
}

static void test_ioapic(void)
{
	u32 lo;

	reset_counts();
	printf("ioapic: ver=%08x id=%08x rte4=%08x/%08x\n", io_rd(1), io_rd(0),
	       io_rd(0x10 + 8), io_rd(0x11 + 8));
	/* Pin 5: vector 0x60, level, physical destination 0. */
	eoi_in_handler = false;
	io_wr(0x11 + 10, 0);
	io_wr(0x10 + 10, 0x8060);
	line(5, true);
	window();
	lo = io_rd(0x10 + 10);
	printf("level: n=%u rte=%08x tmr3=%08x", count[0x60], lo, rd(A_TMR + 0x30));
	wr(A_EOI, 0);	/* still asserted: sent again */
	window();
	printf(" again=%u", count[0x60]);
	line(5, false);
	wr(A_EOI, 0);
	window();
	printf(" low=%u rte=%08x", count[0x60], io_rd(0x10 + 10));
	io_wr(0x10 + 10, 0x18060);	/* masked */
	line(5, true);
	window();
	printf(" masked=%u", count[0x60]);
	io_wr(0x10 + 10, 0x8060);	/* unmasked while asserted: sent */
	window();
	printf(" unmasked=%u\n", count[0x60]);
	line(5, false);
	wr(A_EOI, 0);

	/* Pin 7: vector 0x61, edge; IRQ 0 drives pin 2 (vector 0x62). */
	eoi_in_handler = true;
	io_wr(0x10 + 14, 0x0061);
	io_wr(0x10 + 4, 0x0062);
	line(7, true);
	line(7, true);
	window();
	window();
	printf("edge: n=%u", count[0x61]);
	line(7, false);
	line(7, true);
	window();
	line(7, false);
	printf(" second=%u rte=%08x", count[0x61], io_rd(0x10 + 14));
	line(0, true);
	line(0, false);
	window();
	printf(" irq0-pin2=%u\n", count[0x62]);

	/* Logical destination, flat model: LDR 0x01. */
	io_wr(0x11 + 14, 0x01000000);
	io_wr(0x10 + 14, 0x0861);
	line(7, true);
	line(7, false);
	window();
	printf("logical: match=%u", count[0x61]);
	io_wr(0x11 + 14, 0x02000000);
	line(7, true);
	line(7, false);
	window();
	printf(" other=%u\n", count[0x61]);
	io_wr(0x10 + 14, 0x10000);
	io_wr(0x10 + 4, 0x10000);
	io_wr(0x10 + 10, 0x10000);
}

static void test_pic(void)
{
	u8 isr, irr;

	reset_counts();
	eoi_in_handler = false;
	outb(0x21, 0xf3);	/* IRQ 2 (cascade) and 3 */
	outb(0xa1, 0xfb);	/* IRQ 10 */
	wr(A_LINT0, 0x700);	/* ExtINT, unmasked: virtual wire */
	line(3, true);
	outb(0x20, 0x0a);	/* OCW3: read IRR */
	irr = inb(0x20);
	window();
	outb(0x20, 0x0b);	/* OCW3: read ISR */
	isr = inb(0x20);
	printf("pic: irr=%02x n=%u isr=%02x apic-isr3=%08x imr=%02x", irr, count[0x73],
	       isr, rd(A_ISR + 0x30), inb(0x21));
	outb(0x20, 0x20);	/* non-specific EOI */
	line(3, false);
	printf(" isr-after-eoi=%02x\n", inb(0x20));

	line(10, true);
	line(10, false);
	window();
	outb(0xa0, 0x0b);
	isr = inb(0xa0);
	printf("pic-slave: n=%u slave-isr=%02x master-isr=%02x", count[0x7a], isr,
	       inb(0x20));
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	printf(" after-eoi=%02x/%02x", inb(0xa0), inb(0x20));
	outb(0x4d0, 0xff);
	outb(0x4d1, 0x04);
	printf(" elcr=%02x/%02x\n", inb(0x4d0), inb(0x4d1));
	outb(0x4d0, 0);
	outb(0x4d1, 0);
	/* LINT0 masked again: the PIC no longer reaches the CPU. */
	wr(A_LINT0, 0x10700);
	line(3, true);
	line(3, false);
	window();
	printf("pic-masked-lint0: n=%u\n", count[0x73]);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

int main(void)
{
	setup();
	pic_init();
	test_id();
	test_forms();
	test_priority();
	test_timer();
	test_ioapic();
	test_pic();
	test_x2apic();
	printf("done\n");
	return 0;
}
