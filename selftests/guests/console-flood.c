// SPDX-License-Identifier: GPL-2.0
/*
 * console-flood: 12,500 lines "%07u\n" (100,000 bytes, more than the 64 KiB
 * console ring), each sent with one REP OUTSB, so the ring wraps and the
 * host can check the newest bytes are kept exactly.
 */
#include "lib/guest.h"

#define LINES	12500

int main(void)
{
	char line[9];
	u32 i;

	for (i = 0; i < LINES; i++) {
		snprintf(line, sizeof(line), "%07u\n", i);
		write_serial(line, 8);
	}
	return 0;
}
