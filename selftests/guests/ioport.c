// SPDX-License-Identifier: GPL-2.0
/*
 * ioport: the port I/O platform. COM1's registers read back as a 16550A's
 * do; a port with no device (COM2, 0x2f8) reads all ones in every width and
 * ignores writes (the host counts them in io_ignored); REP INSB/OUTSB work.
 * Then 100 CPUIDs and HLT with interrupts off, so the host can check the
 * io, cpuid and hlt exit counters and the halt stop reason.
 */
#include "lib/guest.h"

#define NODEV	0x2f8


int main(void)
{
	static const char msg[] = "string io ok\n";
	u8 buf[16], dll, dlm;
	u32 a, b, c, d;
	int i;

	outb(COM1 + 7, 0x5a);
	guest_check("scr", inb(COM1 + 7), 0x5a);
	outb(COM1 + 3, 0x1b);
	guest_check("lcr", inb(COM1 + 3), 0x1b);
	/* Under DLAB, offsets 0/1 are the divisor latch: no printing there. */
	outb(COM1 + 3, 0x83);
	outb(COM1 + 0, 0x0c);
	outb(COM1 + 1, 0x00);
	dll = inb(COM1 + 0);
	dlm = inb(COM1 + 1);
	outb(COM1 + 3, 0x03);
	guest_check("dll", dll, 0x0c);
	guest_check("dlm", dlm, 0x00);
	outb(COM1 + 1, 0x00);
	guest_check("ier", inb(COM1 + 1), 0x00);
	outb(COM1 + 4, 0x0b);
	guest_check("mcr", inb(COM1 + 4), 0x0b);
	guest_check("lsr", inb(COM1 + 5) & 0x60, 0x60);
	guest_check("iir", inb(COM1 + 2), 0xc1);

	guest_check("in8", inb(NODEV), 0xff);
	guest_check("in16", inw(NODEV), 0xffff);
	guest_check("in32", inl(NODEV), 0xffffffff);
	outb(NODEV, 0x55);
	memset(buf, 0, sizeof(buf));
	insb(NODEV, buf, sizeof(buf));
	for (i = 0; i < (int)sizeof(buf); i++)
		if (buf[i] != 0xff)
			break;
	guest_check("insb", (u32)i, sizeof(buf));
	write_serial(msg, sizeof(msg) - 1);

	for (i = 0; i < 100; i++)
		cpuid(0, 0, &a, &b, &c, &d);
	printf("%d checks failed\n", guest_checks_failed);
	if (guest_checks_failed)
		return guest_checks_failed;
	__asm__ volatile("cli; hlt");
	printf("still running after hlt\n");
	return 0xee;
}
