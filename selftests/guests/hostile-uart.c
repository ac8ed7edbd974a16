// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-uart: COM1 written at full speed (REP OUTSB, 512 bytes at a
 * time, no waiting for THRE) while the host types 16384 bytes into it as
 * fast as the receiver takes them (HVM_IOC_CONSOLE_WRITE). Between bursts
 * the guest drains the receive FIFO; when every byte is in it prints
 * "rx 16384 sum XXXXXXXX" (sum = sum * 31 + byte) and exits 0.
 *
 * The host may set other counts before the start (u32s at guest-physical
 * 0x9000, 0: the default): the bytes to receive and the burst length
 * (at most 512); Bochs, the VT-x test machine, takes one slow exit a byte.
 */
#include "lib/guest.h"

#define RX_BYTES	16384
#define MBOX		0x9000

int main(void)
{
	static char burst[512];
	volatile u32 *mbox = (volatile u32 *)MBOX;
	u32 rx = 0, sum = 0, bursts = 0, rx_bytes = RX_BYTES, len = sizeof(burst);
	unsigned int i;

	if (mbox[0])
		rx_bytes = mbox[0];
	if (mbox[1] && mbox[1] < len)
		len = mbox[1];

	for (i = 0; i < sizeof(burst); i++)
		burst[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	printf("ready\n");
	while (rx < rx_bytes) {
		write_serial(burst, len);
		bursts++;
		while (rx < rx_bytes && (inb(COM1 + 5) & 1)) {
			sum = sum * 31 + inb(COM1);
			rx++;
		}
	}
	printf("\nrx %u sum %08x\n", rx, sum);
	return bursts ? 0 : 1;
}
