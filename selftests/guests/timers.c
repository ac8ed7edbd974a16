// SPDX-License-Identifier: GPL-2.0
/*
 * timers: the platform's timers and chipset registers through their ports,
 * one line per check (the host compares the text):
 *   - the TSC starts near 0 and IA32_TSC writes still move it;
 *   - the 8254: status read-back, counting, the counter latch (a second
 *     latch before the read is ignored), LSB-only/MSB-only/BCD access,
 *     counter 2's gate in port 0x61 bit 0 and its mode 0 output in bit 5
 *     (ten countdowns of 0xffff clocks: the host checks they took at
 *     least 10 * 65535 / 1.193182 MHz = 549 ms), the refresh toggle;
 *   - the CMOS RTC: the NMI-mask bit of the index port, status A/B/D,
 *     RAM, the time of day (printed for the host to compare), setting the
 *     time under B.SET, binary and 12-hour formats, C's UF and PF flags;
 *   - PCI configuration mechanism #1 with no device; the i8042 status.
 */
#include "lib/guest.h"

#define PIT_CH1		0x41
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT61		0x61
#define CMOS_IDX	0x70
#define CMOS_DATA	0x71
#define NMI_OFF		0x80


/* Read-back (count latch off, status latch on) of counter 1's status. */
static u8 ch1_status(void)
{
	outb(PIT_CMD, 0xe4);
	return inb(PIT_CH1);
}

static u16 ch1_latched(void)
{
	u8 lo;

	outb(PIT_CMD, 0x40);	/* counter latch command, counter 1 */
	lo = inb(PIT_CH1);
	return lo | inb(PIT_CH1) << 8;
}

/* Counter 2, mode 0, @n clocks: OUT2 rises at the terminal count. */
static void ch2_start(u16 n)
{
	outb(PORT61, (inb(PORT61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, n & 0xff);
	outb(PIT_CH2, n >> 8);
}

static bool ch2_wait(void)
{
	u32 i;

	for (i = 0; i < 100000000; i++)
		if (inb(PORT61) & 0x20)
			return true;
	return false;
}

/* Counter 1 as a delay of @n clocks: mode 0, poll OUT in the status. */
static void ch1_delay(u16 n)
{
	u32 i;

	outb(PIT_CMD, 0x70);
	outb(PIT_CH1, n & 0xff);
	outb(PIT_CH1, n >> 8);
	for (i = 0; i < 100000000; i++)
		if (ch1_status() & 0x80)
			return;
	printf("ch1 delay never ended\n");
	guest_checks_failed++;
}

static void pit_tests(void)
{
	u16 a, b, l, v;
	u8 s, lo, hi;
	int i, low = 0, high = 0;

	/* Control word, no count yet: NULL COUNT, OUT high in mode 2. */
	outb(PIT_CMD, 0x74);		/* counter 1, LSB then MSB, mode 2 */
	guest_check("pit-status-null", ch1_status(), 0xf4);
	outb(PIT_CH1, 0);
	outb(PIT_CH1, 0);		/* 0 = 65536 */
	guest_check("pit-status-loaded", ch1_status() & 0x7f, 0x34);

	a = ch1_latched();
	ch2_start(1193);
	ch2_wait();
	b = ch1_latched();
	guest_check("pit-counts-1ms", (u16)(a - b) >= 1193, 1);

	/* A second latch before the read keeps the first value. */
	outb(PIT_CMD, 0x40);
	ch2_start(1193);
	ch2_wait();
	outb(PIT_CMD, 0x40);
	lo = inb(PIT_CH1);
	l = lo | inb(PIT_CH1) << 8;
	lo = inb(PIT_CH1);		/* live, LSB then MSB */
	v = lo | inb(PIT_CH1) << 8;
	guest_check("pit-latch-holds", (u16)(l - v) >= 1193, 1);

	/*
	 * Read-back of count and status: the status byte comes first, and
	 * the count is the one at the command, between a latch taken just
	 * before and one just after (the counter counts down; no timing).
	 */
	a = ch1_latched();
	outb(PIT_CMD, 0xc4);
	s = inb(PIT_CH1);
	lo = inb(PIT_CH1);
	hi = inb(PIT_CH1);
	b = ch1_latched();
	guest_check("pit-readback-status-first", s & 0x7f, 0x34);
	guest_check("pit-readback-count", (u16)(a - (lo | hi << 8)) <= (u16)(a - b), 1);

	/* Access modes, on counter 2 held by a low gate (exact values). */
	outb(PORT61, inb(PORT61) & ~0x03);
	outb(PIT_CMD, 0x90);		/* LSB only, mode 0 */
	outb(PIT_CH2, 0x5a);
	guest_check("pit-lsb-only", inb(PIT_CH2) << 8 | inb(PIT_CH2), 0x5a5a);
	outb(PIT_CMD, 0xa0);		/* MSB only, mode 0 */
	outb(PIT_CH2, 0x12);
	guest_check("pit-msb-only", inb(PIT_CH2) << 8 | inb(PIT_CH2), 0x1212);
	outb(PIT_CMD, 0xb1);		/* LSB then MSB, mode 0, BCD */
	outb(PIT_CH2, 0x34);
	outb(PIT_CH2, 0x12);
	lo = inb(PIT_CH2);
	guest_check("pit-bcd-held", inb(PIT_CH2) << 8 | lo, 0x1234);
	outb(PIT_CMD, 0x71);		/* counter 1, LSB then MSB, mode 0, BCD */
	outb(PIT_CH1, 0x00);
	outb(PIT_CH1, 0x90);		/* 9000 */
	ch2_start(1193);
	ch2_wait();
	outb(PIT_CMD, 0x40);
	lo = inb(PIT_CH1);
	hi = inb(PIT_CH1);
	guest_check("pit-bcd-counts", (lo & 0xf) <= 9 && (lo >> 4) <= 9 && (hi & 0xf) <= 9 &&
	      hi <= 0x78, 1);

	/* Gate low holds counter 2 (mode 0); high lets it count. */
	outb(PORT61, inb(PORT61) & ~0x03);
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, 0x00);
	outb(PIT_CH2, 0x10);
	ch1_delay(1193);
	outb(PIT_CMD, 0x80);
	lo = inb(PIT_CH2);
	v = lo | inb(PIT_CH2) << 8;
	guest_check("gate2-low-holds", v, 0x1000);
	guest_check("port61-gate-bit", inb(PORT61) & 0x21, 0x00);
	outb(PORT61, inb(PORT61) | 0x01);
	ch1_delay(1193);
	outb(PIT_CMD, 0x80);
	lo = inb(PIT_CH2);
	v = lo | inb(PIT_CH2) << 8;
	/*
	 * At least 1193 clocks counted; on a slow host the count may have
	 * passed 0 and wrapped to 0xffff (mode 0 keeps counting, 8254
	 * datasheet): more counting, not less.
	 */
	guest_check("gate2-high-counts", v <= 0x1000 - 1193 || v > 0x1000, 1);

	/* Ten 0xffff-clock countdowns: OUT2 low after the load, high at the end. */
	for (i = 0; i < 10; i++) {
		ch2_start(0xffff);
		if (!(inb(PORT61) & 0x20))
			low++;
		if (ch2_wait())
			high++;
	}
	guest_check("out2-low-after-load", low, 10);
	guest_check("out2-high-after-countdown", high, 10);

	/*
	 * Counter 0 (IRQ 0 pulses from a host timer): a 1 kHz rate generator
	 * counts within its period; a one-shot; then the fastest periodic
	 * rate, left running when the VM stops (its destroy ends the timer).
	 */
	outb(PIT_CMD, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	ch1_delay(5 * 1193);
	outb(PIT_CMD, 0x00);
	lo = inb(0x40);
	v = lo | inb(0x40) << 8;
	guest_check("pit0-periodic-counts", v >= 1 && v <= 1193, 1);
	outb(PIT_CMD, 0x30);
	outb(0x40, 0x10);
	outb(0x40, 0x00);
	ch1_delay(1193);
	outb(PIT_CMD, 0x00);
	lo = inb(0x40);
	v = lo | inb(0x40) << 8;
	guest_check("pit0-oneshot-wraps", v > 0x10, 1);
	outb(PIT_CMD, 0x34);
	outb(0x40, 2);
	outb(0x40, 0);

	s = inb(PORT61) & 0x10;
	for (i = 0; i < 1000000; i++)
		if ((inb(PORT61) & 0x10) != s)
			break;
	guest_check("port61-refresh-toggles", i < 1000000, 1);
}

static u8 cmos_read(u8 idx)
{
	outb(CMOS_IDX, idx);
	return inb(CMOS_DATA);
}

static void cmos_write(u8 idx, u8 v)
{
	outb(CMOS_IDX, idx);
	outb(CMOS_DATA, v);
}

static void rtc_tests(void)
{
	u8 sec, min, hour, mday, mon, year, cent, c;
	u32 i;

	guest_check("rtc-index-port-floats", inb(CMOS_IDX), 0xff);
	guest_check("rtc-a-nmi-off", cmos_read(NMI_OFF | 0x0a) & 0x7f, 0x26);
	guest_check("rtc-b-nmi-off", cmos_read(NMI_OFF | 0x0b), 0x02);
	guest_check("rtc-d-nmi-off", cmos_read(NMI_OFF | 0x0d), 0x80);
	cmos_write(NMI_OFF | 0x40, 0x5a);
	guest_check("rtc-ram", cmos_read(0x40), 0x5a);
	guest_check("rtc-ram-nmi-off", cmos_read(NMI_OFF | 0x40), 0x5a);

	/* Datasheet: read the time while UIP is clear. */
	for (i = 0; i < 10000000 && (cmos_read(0x0a) & 0x80); i++)
		;
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	mday = cmos_read(0x07);
	mon = cmos_read(0x08);
	year = cmos_read(0x09);
	cent = cmos_read(0x32);
	printf("rtc-time: %02x%02x-%02x-%02x %02x:%02x:%02x\n", cent, year, mon,
	       mday, hour, min, sec);

	/* Set 2001-02-03 04:05:06 (a Saturday) the way Linux does. */
	cmos_write(0x0b, 0x82);
	cmos_write(0x00, 0x06);
	cmos_write(0x02, 0x05);
	cmos_write(0x04, 0x04);
	cmos_write(0x07, 0x03);
	cmos_write(0x08, 0x02);
	cmos_write(0x09, 0x01);
	cmos_write(0x32, 0x20);
	cmos_write(0x0b, 0x02);
	sec = cmos_read(0x00);
	guest_check("rtc-set-sec", sec == 0x06 || sec == 0x07, 1);
	guest_check("rtc-set-date", cmos_read(0x32) << 24 | cmos_read(0x09) << 16 |
	      cmos_read(0x08) << 8 | cmos_read(0x07), 0x20010203);
	guest_check("rtc-set-wday", cmos_read(0x06), 7);
	guest_check("rtc-set-hour-min", cmos_read(0x04) << 8 | cmos_read(0x02), 0x0405);
	cmos_write(0x0b, 0x06);		/* binary */
	guest_check("rtc-binary", cmos_read(0x09) << 16 | cmos_read(0x08) << 8 |
	      cmos_read(0x07), 0x010203);
	cmos_write(0x0b, 0x86);		/* SET, binary: hour 16 */
	cmos_write(0x04, 16);
	cmos_write(0x0b, 0x06);
	cmos_write(0x0b, 0x04);		/* 12-hour */
	guest_check("rtc-12h-pm", cmos_read(0x04), 0x84);
	cmos_write(0x0b, 0x06);
	guest_check("rtc-24h", cmos_read(0x04), 16);

	/* UF with UIE on: C reads IRQF | UF after an update, then 0. */
	cmos_write(0x0a, 0x20);		/* no periodic rate */
	cmos_write(0x0b, 0x12);
	cmos_read(0x0c);
	sec = cmos_read(0x00);
	for (i = 0; i < 100000000 && cmos_read(0x00) == sec; i++)
		;
	guest_check("rtc-c-update", cmos_read(0x0c), 0x90);
	guest_check("rtc-c-cleared", cmos_read(0x0c), 0x00);
	/* PF without PIE: the flag, no IRQF. */
	cmos_write(0x0b, 0x02);
	cmos_write(0x0a, 0x26);		/* 1024 Hz */
	cmos_read(0x0c);
	ch1_delay(2 * 1193);
	c = cmos_read(0x0c);
	guest_check("rtc-c-periodic", c & 0xe0, 0x40);
}

static void pci_tests(void)
{
	outl(0xcf8, 0x80000000);
	guest_check("pci-addr-readback", inl(0xcf8), 0x80000000);
	guest_check("pci-data-none", inl(0xcfc), 0xffffffff);
	outl(0xcf8, 0x80000808);
	guest_check("pci-data-none-dev1", inw(0xcfe), 0xffff);
	outl(0xcf8, 0x7f000003);
	guest_check("pci-addr-reserved", inl(0xcf8), 0);
	guest_check("pci-byte-floats", inb(0xcf8), 0xff);
	guest_check("rst-cnt-initial", inb(0xcf9), 0x00);
	outb(0xcf9, 0x0a);
	guest_check("rst-cnt-keeps", inb(0xcf9), 0x0a);
	outb(0xcf9, 0x00);
	guest_check("i8042-status", inb(0x64), 0x05);
	guest_check("i8042-data", inb(0x60), 0xff);
	outb(0x64, 0xd1);		/* write output port: A20 on, no reset */
	outb(0x60, 0xdf);
	outb(0x64, 0xff);		/* pulse no line */
	guest_check("i8042-no-reset", 1, 1);
}

int main(void)
{
	u64 t0 = rdtsc(), t;

	guest_check("tsc-starts-near-0", t0 < 10000000000ULL, 1);
	wrmsr(MSR_IA32_TSC, 1ULL << 40);
	t = rdtsc();
	guest_check("tsc-write", t >= 1ULL << 40 && t < (1ULL << 40) + 10000000000ULL, 1);
	pit_tests();
	rtc_tests();
	pci_tests();
	printf("%d checks failed\n", guest_checks_failed);
	return guest_checks_failed;
}
