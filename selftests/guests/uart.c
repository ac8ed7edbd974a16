// SPDX-License-Identifier: GPL-2.0
/*
 * uart: COM1's registers as Linux's 8250 driver probes and drives a
 * 16550A (drivers/tty/serial/8250/8250_port.c), checked through IIR, LSR
 * and MSR since no interrupt controller listens to IRQ 4 yet: autoconfig's
 * IER and loopback tests and its IIR FIFO bits, scratch, the THRE
 * interrupt (set when IER.THRI is enabled with THR empty, cleared by
 * reading IIR), the receive FIFO in loopback (trigger levels, the
 * character-timeout indication below the trigger, overrun), 16450 mode,
 * modem status deltas, and the priorities RLS > RDA > THRE > MSI.
 * Nothing written in loopback may reach the console. Results are printed
 * at the end (printing writes THR, which would latch THRE again): one line
 * per check; the exit code is the number of failures.
 */
#include "lib/guest.h"

#define RBR	(COM1 + 0)
#define IER	(COM1 + 1)
#define IIR	(COM1 + 2)
#define FCR	(COM1 + 2)
#define LCR	(COM1 + 3)
#define MCR	(COM1 + 4)
#define LSR	(COM1 + 5)
#define MSR	(COM1 + 6)
#define SCR	(COM1 + 7)

#define LOOP	0x10

static struct result {
	const char *what;
	u32 got, want;
} results[96];
static unsigned int nr_results;

static void check(const char *what, u32 got, u32 want)
{
	if (nr_results < sizeof(results) / sizeof(results[0]))
		results[nr_results] = (struct result){ what, got, want };
	nr_results++;
}

static void send(const char *s)
{
	while (*s)
		outb(RBR, (u8)*s++);
}

static void probe(void)
{
	u8 v;

	/* autoconfig(): IER bits 3:0 are writable, 7:4 read as zero. */
	outb(IER, 0);
	check("probe-ier-0", inb(IER), 0x00);
	outb(IER, 0xff);
	check("probe-ier-f", inb(IER), 0x0f);
	outb(IER, 0);
	/* Loopback with RTS and OUT2: MSR status bits say CTS and DCD. */
	outb(MCR, LOOP | 0x0a);
	check("probe-loop-msr", inb(MSR) & 0xf0, 0x90);
	outb(MCR, 0x0b);
	/* LCR 0xBF, "EFR" (FCR) 0, LCR 0, FCR enable: IIR bits 7:6 = 3. */
	outb(LCR, 0xbf);
	outb(FCR, 0);
	outb(LCR, 0);
	outb(FCR, 0x01);
	check("probe-iir-16550a", inb(IIR), 0xc1);
	/* autoconfig_16550a(): IIR reads the same under DLAB (no EFR). */
	outb(LCR, 0x80);
	v = inb(IIR);
	outb(LCR, 0x03);
	check("probe-iir-dlab", v, 0xc1);
	/* No 64-byte FIFO (TI16750's FCR bit 5 / IIR bit 5). */
	outb(FCR, 0x21);
	check("probe-no-64byte", inb(IIR) & 0xe0, 0xc0);
	outb(FCR, 0x00);
	check("fifo-off-iir", inb(IIR), 0x01);
	outb(SCR, 0x55);
	check("scratch-55", inb(SCR), 0x55);
	outb(SCR, 0xaa);
	check("scratch-aa", inb(SCR), 0xaa);
}

static void thre(void)
{
	outb(FCR, 0xc7);
	outb(IER, 0);
	check("thre-none", inb(IIR), 0xc1);
	/* serial8250_do_startup()'s THRE test: set, cleared by IIR, set again. */
	outb(IER, 0x02);
	check("thre-set", inb(IIR), 0xc2);
	check("thre-cleared-by-iir", inb(IIR), 0xc1);
	outb(IER, 0);
	outb(IER, 0x02);
	check("thre-reasserted", inb(IIR), 0xc2);
	/* The TXEN test: LSR.TEMT and a THRE interrupt. */
	check("thre-lsr", inb(LSR), 0x60);
	outb(IER, 0);
	check("thre-off", inb(IIR), 0xc1);
}

static void rx_fifo(void)
{
	char got[17];
	int i;

	outb(MCR, LOOP);
	outb(FCR, 0xc7);		/* clear both, trigger 14 */
	outb(IER, 0x05);		/* RDI, RLSI */
	check("rx-empty-lsr", inb(LSR), 0x60);
	check("rx-empty-iir", inb(IIR), 0xc1);
	send("a");
	check("rx-one-lsr", inb(LSR), 0x61);
	check("rx-below-trigger-timeout", inb(IIR), 0xcc);
	send("bcdefghijklm");		/* 13 */
	check("rx-13-timeout", inb(IIR), 0xcc);
	send("n");			/* 14: the trigger level */
	check("rx-trigger-rda", inb(IIR), 0xc4);
	send("opq");			/* 17: one too many */
	check("rx-overrun-rls", inb(IIR), 0xc6);
	check("rx-overrun-lsr", inb(LSR), 0x63);
	check("rx-oe-cleared", inb(LSR), 0x61);
	check("rx-after-rls-rda", inb(IIR), 0xc4);
	for (i = 0; i < 16 && (inb(LSR) & 1); i++)
		got[i] = inb(RBR);
	got[i] = 0;
	check("rx-16-bytes", i, 16);
	check("rx-order", !strncmp(got, "abcdefghijklmnop", 16), 1);
	check("rx-drained-lsr", inb(LSR), 0x60);
	check("rx-drained-iir", inb(IIR), 0xc1);
	check("rx-empty-rbr-repeats", inb(RBR), 'p');

	outb(FCR, 0x41);		/* trigger 4 */
	send("123");
	check("rx-trigger4-below", inb(IIR), 0xcc);
	send("4");
	check("rx-trigger4-at", inb(IIR), 0xc4);
	outb(FCR, 0x43);		/* clear RX */
	check("rx-fcr-clear", inb(LSR), 0x60);

	/* 16450 mode: one holding register, a second byte overwrites it. */
	outb(FCR, 0x00);
	send("xy");
	check("rx-16450-lsr", inb(LSR), 0x63);
	check("rx-16450-iir", inb(IIR), 0x04);
	check("rx-16450-rbr", inb(RBR), 'y');
	check("rx-16450-empty", inb(LSR), 0x60);
	outb(IER, 0);
	outb(FCR, 0xc7);
}

static void modem(void)
{
	outb(MCR, LOOP);
	(void)inb(MSR);
	check("msr-loop-none", inb(MSR), 0x00);
	outb(MCR, LOOP | 0x02);		/* RTS -> CTS */
	check("msr-dcts", inb(MSR), 0x11);
	check("msr-delta-cleared", inb(MSR), 0x10);
	outb(MCR, LOOP | 0x0f);		/* + DTR, OUT1, OUT2: DSR, RI, DCD */
	check("msr-ddsr-ddcd", inb(MSR), 0xfa);
	outb(MCR, LOOP | 0x0b);		/* OUT1 off: RI's trailing edge */
	check("msr-teri", inb(MSR), 0xb4);
	outb(IER, 0x08);
	outb(MCR, LOOP);
	check("msr-interrupt", inb(IIR), 0xc0);
	check("msr-deltas", inb(MSR), 0x0b);
	check("msr-interrupt-cleared", inb(IIR), 0xc1);
	outb(IER, 0);
	outb(MCR, 0x0b);		/* a terminal again: DCD, DSR, CTS */
	check("msr-attached", inb(MSR), 0xbb);
	check("msr-attached-steady", inb(MSR), 0xb0);
}

static void priority(void)
{
	outb(MCR, LOOP);
	outb(FCR, 0xc7);
	(void)inb(MSR);
	outb(MCR, LOOP | 0x02);		/* an MSR delta */
	send("0123456789abcdefg");	/* 17: overrun */
	outb(IER, 0x0f);		/* everything, THRE latched now */
	check("prio-rls", inb(IIR), 0xc6);
	(void)inb(LSR);
	check("prio-rda", inb(IIR), 0xc4);
	while (inb(LSR) & 1)
		(void)inb(RBR);
	check("prio-thre", inb(IIR), 0xc2);
	check("prio-msi", inb(IIR), 0xc0);
	(void)inb(MSR);
	check("prio-none", inb(IIR), 0xc1);
	outb(IER, 0);
	outb(MCR, 0x0b);
	(void)inb(MSR);
}

int main(void)
{
	unsigned int i;
	int bad = 0;

	probe();
	thre();
	rx_fifo();
	modem();
	priority();
	for (i = 0; i < nr_results && i < sizeof(results) / sizeof(results[0]); i++) {
		struct result *r = &results[i];

		if (r->got == r->want) {
			printf("%s ok\n", r->what);
			continue;
		}
		printf("%s: got 0x%x, want 0x%x\n", r->what, r->got, r->want);
		bad++;
	}
	if (nr_results > i) {
		printf("%u results did not fit\n", nr_results - i);
		bad++;
	}
	printf("%d checks failed\n", bad);
	return bad;
}
