// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-uart: COM1 written at full speed (REP OUTSB, 512 bytes at a
 * time, no waiting for THRE) while the host types 16384 bytes into it as
 * fast as the receiver takes them (HVM_IOC_CONSOLE_WRITE). Between bursts
 * the guest drains the receive FIFO; when every byte is in it prints
 * "rx 16384 sum XXXXXXXX" (sum = sum * 31 + byte) and exits 0.
 */
#include "lib/guest.h"

#define RX_BYTES	16384

int main(void)
{
	static char burst[512];
	u32 rx = 0, sum = 0, bursts = 0;
	unsigned int i;

	for (i = 0; i < sizeof(burst); i++)
		burst[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	printf("ready\n");
	while (rx < RX_BYTES) {
		write_serial(burst, sizeof(burst));
		bursts++;
		while (rx < RX_BYTES && (inb(COM1 + 5) & 1)) {
			sum = sum * 31 + inb(COM1);
			rx++;
		}
	}
	printf("\nrx %u sum %08x\n", rx, sum);
	return bursts ? 0 : 1;
}
