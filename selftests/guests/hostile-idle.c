// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-idle: "sti; hlt" forever with nothing that could interrupt it.
 * The vCPU thread must sleep (SDM vol. 2 HLT: the processor stays halted
 * until an interrupt), not spin; the host stops it with hvctl stop.
 */
#include "lib/guest.h"

int main(void)
{
	printf("idle\n");
	for (;;)
		__asm__ volatile("sti; hlt" : : : "memory");
	return 1;
}
