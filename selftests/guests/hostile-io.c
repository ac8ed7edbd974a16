// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-io: IN, OUT, INS and OUTS (REP, count 1) at sizes 1, 2 and 4 on
 * every one of the 65,536 ports. Writes store 0, which no device takes as
 * a reset (0xcf9 resets on bit 2, the i8042 on commands 0xf0-0xfe with
 * bit 0 clear); COM1 is left alone (it carries this report) and so is the
 * exit port 0xf4. A read of a port no device claims must return all ones
 * (SPEC.md); one that does not is printed. Ends with the totals.
 *
 * When the u32 at guest-physical 0x9000 is not 0, ports from 0x400 on are
 * visited only at that stride (Bochs, the VT-x test machine, emulates
 * every exit slowly): all ISA ports and every device stay in the sweep.
 */
#include "lib/guest.h"

/* Base ports with a device (kmod/pic.c, pit.c, platform.c, rtc.c, uart.c, acpi_pm.c). */
static bool claimed(u16 p)
{
	return p == 0x20 || p == 0x21 || p == 0xa0 || p == 0xa1 ||
	       p == 0x4d0 || p == 0x4d1 || (p >= 0x40 && p <= 0x43) ||
	       p == 0x61 || p == 0x60 || p == 0x64 || p == 0x70 || p == 0x71 ||
	       (p >= 0xcf8 && p <= 0xcff) || (p >= 0x3f8 && p <= 0x3ff) ||
	       (p >= 0x600 && p <= 0x60b);
}

static bool no_write(u16 p)
{
	return p == 0xf4 || (p >= 0x3f8 && p <= 0x3ff);
}

static u32 bad, accesses;
static u32 buf[4];

static void check(u16 port, unsigned int size, const char *how, u32 v)
{
	u32 ones = size == 4 ? ~0u : (1u << (8 * size)) - 1;

	accesses++;
	if (claimed(port) || v == ones)
		return;
	if (bad++ < 16)
		printf("%s%u 0x%x: 0x%x\n", how, size * 8, port, v);
}

/* One REP INS/OUTS of a single element. */
#define STR_IO(insn, reg, port)						\
	do {								\
		void *p_ = buf;						\
		unsigned long n_ = 1;					\
		__asm__ volatile("rep " insn : "+" reg(p_), "+c"(n_)	\
				 : "d"(port) : "memory");		\
	} while (0)

int main(void)
{
	u32 p;
	u32 stride = *(volatile u32 *)0x9000;

	for (p = 0; p < 0x10000; p += p >= 0x400 && stride ? stride : 1) {
		u16 port = (u16)p;

		check(port, 1, "in", inb(port));
		check(port, 2, "in", inw(port));
		check(port, 4, "in", inl(port));
		buf[0] = 0;
		STR_IO("insb", "D", port);
		check(port, 1, "ins", buf[0]);
		STR_IO("insw", "D", port);
		check(port, 2, "ins", buf[0] & 0xffff);
		STR_IO("insl", "D", port);
		check(port, 4, "ins", buf[0]);
		if (no_write(port))
			continue;
		buf[0] = 0;
		outb(port, 0);
		outw(port, 0);
		outl(port, 0);
		STR_IO("outsb", "S", port);
		STR_IO("outsw", "S", port);
		STR_IO("outsl", "S", port);
		accesses += 6;
	}
	printf("accesses %u, unclaimed ports not all ones: %u\n", accesses, bad);
	return bad != 0;
}
