// SPDX-License-Identifier: GPL-2.0
/*
 * svm-wbinvd: WBINVD and WBNOINVD (F3 0F 09: WBINVD on CPUs without
 * WBNOINVD) in a loop. hvm intercepts both and emulates them as no-ops, so
 * each is one counted exit and never a package-wide cache flush. Prints
 * the counts; exits with 0.
 */
#include "lib/guest.h"

#define NR_WBINVD	20000
#define NR_WBNOINVD	5000

int main(void)
{
	unsigned int i;

	for (i = 0; i < NR_WBINVD; i++)
		__asm__ volatile("wbinvd" ::: "memory");
	/* With an extra segment prefix too: the skip must count it. */
	for (i = 0; i < NR_WBNOINVD; i++)
		__asm__ volatile(".byte 0x2e, 0xf3, 0x0f, 0x09" ::: "memory");
	printf("wbinvd=%u wbnoinvd=%u\n", NR_WBINVD, NR_WBNOINVD);
	return 0;
}
