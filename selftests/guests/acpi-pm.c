// SPDX-License-Identifier: GPL-2.0
/*
 * acpi-pm: the ACPI PM block hvctl's FADT describes (kmod/acpi_pm.c), one
 * line per check (the host compares the text):
 *   - PM_TMR at 0x608: 24 bits (31-24 read 0), never goes backwards
 *     modulo 2^24, wraps from 0xffffff to a small value, and runs at
 *     3.579545 MHz within 20% of the 8254 (counter 2 mode 0 countdowns of
 *     0xffff clocks, 54.9 ms: the PM timer must count 196605 ticks in one;
 *     the lower bound holds always, the upper one on the fastest of five
 *     tries); the TSC cycles one PM timer read costs are printed;
 *   - PM1_STS at 0x600: TMR_STS sets when the timer's bit 23 changes,
 *     writing 0 keeps it, writing 1 clears it;
 *   - PM1_EN at 0x602: only the defined enable bits stick, byte writes;
 *   - PM1_CNT at 0x604: SCI_EN reads 1 whatever is written, BM_RLD and
 *     SLP_TYP read back, GBL_RLS and SLP_EN read 0, SLP_EN with a sleep
 *     type the DSDT does not offer does nothing;
 *   - 0x606 floats; a dword at 0x600 is PM1_STS | PM1_EN << 16.
 * It ends by writing SLP_TYP 5 (\_S5) | SLP_EN: the VM stops with halt.
 */
#include "lib/guest.h"

#define PM1_STS		0x600
#define PM1_EN		0x602
#define PM1_CNT		0x604
#define PM_TMR		0x608
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT61		0x61

#define TMR_HZ		3579545ULL
#define PIT_HZ		1193182ULL
#define COUNTDOWN	0xffffULL
#define WANT_TICKS	(COUNTDOWN * TMR_HZ / PIT_HZ)	/* 196605 */
#define SLP_EN		(1U << 13)
#define SLP_TYP(t)	((t) << 10)


static u32 tmr(void)
{
	return inl(PM_TMR);
}

/* Ticks from @a to @b of a 24-bit counter. */
static u32 since(u32 a, u32 b)
{
	return (b - a) & 0xffffff;
}

/* PM timer ticks across one 8254 countdown of 0xffff clocks. */
static u32 ticks_per_countdown(void)
{
	u32 t0, t1;

	outb(PORT61, (inb(PORT61) & ~0x02) | 0x01);	/* gate on, speaker off */
	t0 = tmr();
	outb(PIT_CMD, 0xb0);		/* counter 2, LSB then MSB, mode 0 */
	outb(PIT_CH2, COUNTDOWN & 0xff);
	outb(PIT_CH2, COUNTDOWN >> 8);
	while (!(inb(PORT61) & 0x20))
		;
	t1 = tmr();
	outb(PORT61, inb(PORT61) & ~0x03);
	return since(t0, t1);
}

/*
 * Bochs, the only VT-x test machine, counts time in instructions: the wrap
 * (up to 4.7 s) and two bit-23 changes (2.3 s each) would take it many
 * minutes. The device is core code (kmod/acpi_pm.c), the same on both
 * vendors; the AMD-V machines run those parts.
 */
static bool slow_clock(void)
{
	return guest_cpu_vendor() == VENDOR_INTEL;
}

static void timer_tests(void)
{
	u32 hi = 0, back = 0, prev, v, n, min = ~0U, max = 0, wraps = 0;
	u64 c0, c1, cmin = ~0ULL;

	/* 10000 reads: bits 31-24 clear, never backwards. */
	prev = tmr();
	for (n = 0; n < 10000; n++) {
		c0 = rdtsc();
		v = inl(PM_TMR);
		c1 = rdtsc();
		if (c1 - c0 < cmin)
			cmin = c1 - c0;
		hi |= v & 0xff000000;
		if (since(prev, v) >= 0x800000)
			back++;
		prev = v;
	}
	guest_check("tmr-24-bits", hi, 0);
	guest_check("tmr-monotonic", back, 0);
	printf("tmr-read-cycles: %llu\n", (unsigned long long)cmin);

	for (n = 0; n < 5; n++) {
		v = ticks_per_countdown();
		if (v < min)
			min = v;
		if (v > max)
			max = v;
	}
	/* Every countdown took at least 54.9 ms of the host's clock. */
	guest_check("tmr-rate-not-slow", min >= WANT_TICKS * 8 / 10, 1);
	guest_check("tmr-rate-not-fast", min <= WANT_TICKS * 12 / 10, 1);
	if (min < WANT_TICKS * 8 / 10 || min > WANT_TICKS * 12 / 10)
		printf("ticks per countdown: min %u max %u, want %llu\n", min,
		       max, WANT_TICKS);

	/*
	 * Wrap: within 2^24 ticks (4.7 s) the count must come back from
	 * near 0xffffff to near 0, a step as small as a read's.
	 */
	if (slow_clock()) {
		printf("tmr-wrap: not run (VT-x)\n");
		return;
	}
	prev = tmr();
	for (n = 0; n < 200 && !wraps; n++) {	/* 200 countdowns: 11 s */
		c0 = 0;
		outb(PORT61, (inb(PORT61) & ~0x02) | 0x01);
		outb(PIT_CMD, 0xb0);
		outb(PIT_CH2, 0xff);
		outb(PIT_CH2, 0xff);
		while (!(inb(PORT61) & 0x20)) {
			v = tmr();
			if (v < prev) {
				wraps++;
				c0 = since(prev, v);
				break;
			}
			prev = v;
		}
		outb(PORT61, inb(PORT61) & ~0x03);
	}
	guest_check("tmr-wraps", wraps, 1);
	guest_check("tmr-wrap-step-small", c0 < 0x10000, 1);
}

/* Wait for the PM timer's bit 23 to change (2.3 s at most). */
static void wait_msb_change(void)
{
	u32 msb = tmr() & 0x800000;

	while ((tmr() & 0x800000) == msb)
		;
}

static void sts_tests(void)
{
	wait_msb_change();
	guest_check("sts-set-by-msb", inw(PM1_STS), 0x0001);
	outw(PM1_STS, 0x0000);
	guest_check("sts-write-0-keeps", inw(PM1_STS), 0x0001);
	outw(PM1_STS, 0xfffe);
	guest_check("sts-write-other-keeps", inw(PM1_STS), 0x0001);
	outw(PM1_STS, 0x0001);
	guest_check("sts-write-1-clears", inw(PM1_STS), 0x0000);
	wait_msb_change();
	guest_check("sts-sets-again", inb(PM1_STS), 0x01);
	outb(PM1_STS, 0x01);
	guest_check("sts-byte-clears", inw(PM1_STS), 0x0000);
}

static void en_cnt_tests(void)
{
	guest_check("en-initial", inw(PM1_EN), 0x0000);
	outw(PM1_EN, 0xfffe);
	guest_check("en-defined-bits", inw(PM1_EN), 0x4720);
	outb(PM1_EN + 1, 0x01);
	guest_check("en-byte-write", inw(PM1_EN), 0x0120);
	outw(PM1_EN, 0x0000);
	guest_check("en-cleared", inw(PM1_EN), 0x0000);
	guest_check("evt-dword", inl(PM1_STS), 0x00000000);
	guest_check("port-606-floats", inw(0x606), 0xffff);

	guest_check("cnt-sci-en", inw(PM1_CNT), 0x0001);
	outw(PM1_CNT, 0x0000);
	guest_check("cnt-sci-en-stays", inw(PM1_CNT), 0x0001);
	outw(PM1_CNT, SLP_TYP(3) | 0x0006);	/* BM_RLD, GBL_RLS */
	guest_check("cnt-slp-typ-bm-rld", inw(PM1_CNT), SLP_TYP(3) | 0x0003);
	outw(PM1_CNT, SLP_TYP(3) | SLP_EN);	/* S3: not in the DSDT */
	guest_check("cnt-slp-en-other-type", inw(PM1_CNT), SLP_TYP(3) | 0x0001);
	outb(PM1_CNT + 1, SLP_TYP(5) >> 8);	/* type only, byte write */
	guest_check("cnt-slp-typ-byte", inw(PM1_CNT), SLP_TYP(5) | 0x0001);
	outw(PM1_CNT, 0x0000);
	guest_check("cnt-cleared", inw(PM1_CNT), 0x0001);
}

int main(void)
{
	timer_tests();
	if (slow_clock())
		printf("sts: not run (VT-x)\n");
	else
		sts_tests();
	en_cnt_tests();
	printf("%d checks failed\n", guest_checks_failed);
	/* \_S5: soft off; nothing after this runs. */
	outw(PM1_CNT, SLP_TYP(5) | SLP_EN);
	printf("still running after S5\n");
	return 1;
}
