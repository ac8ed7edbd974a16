// SPDX-License-Identifier: GPL-2.0
/*
 * echo: a polling serial driver. Prints "echo ready", then reads COM1's
 * receiver whenever LSR.DR says a byte is there and writes it back in
 * upper case, until the sentinel '#'. After every 16 bytes it stops
 * reading for a while (hundreds of port exits), long enough for the host
 * to fill the 16-byte FIFO: longer input must then wait in hvctl, and a
 * byte lost or reordered anywhere shows in the echo. LSR error bits (OE)
 * are counted. Ends with "received N bytes, M line errors" and exit code
 * 0 (1 with line errors).
 */
#include "lib/guest.h"

#define LSR		(COM1 + 5)
#define LSR_DR		0x01
#define LSR_ERRORS	0x9e	/* OE, PE, FE, BI, RX FIFO error */

static void pause_reading(void)
{
	int i;

	for (i = 0; i < 300; i++)
		(void)inb(COM1 + 7);	/* scratch: one exit each */
}

int main(void)
{
	unsigned int count = 0, errors = 0;
	u8 lsr, c;

	printf("echo ready\n");
	for (;;) {
		lsr = inb(LSR);
		if (lsr & LSR_ERRORS)
			errors++;
		if (!(lsr & LSR_DR)) {
			__asm__ volatile("pause");
			continue;
		}
		if (!(count % 16))
			pause_reading();
		c = inb(COM1);
		if (c == '#')
			break;
		count++;
		putc_serial(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	printf("\nreceived %u bytes, %u line errors\n", count, errors);
	return errors ? 1 : 0;
}
