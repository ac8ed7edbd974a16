// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid: what the filtered CPUID shows a guest: the vendor, the
 * hypervisor-present bit, the signature of leaf 0x40000000 and whether the
 * VMX (1:ECX[5]) and SVM (8000_0001:ECX[2]) bits leak through. Then 100
 * more CPUIDs so the test can watch the exit counter move.
 */
#include "lib/guest.h"

int main(void)
{
	u32 a, b, c, d, ecx1, ext_ecx = 0, max_ext;
	char vendor[13], sig[13];
	int i;

	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';

	cpuid(1, 0, &a, &b, &ecx1, &d);
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001)
		cpuid(0x80000001, 0, &a, &b, &ext_ecx, &d);

	cpuid(0x40000000, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	for (i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] >= 0x7f)
			sig[i] = '.';

	printf("vendor=%s\n", vendor);
	printf("hypervisor=%u\n", ecx1 >> 31);
	printf("signature=%s\n", sig);
	printf("vmx=%u\n", (ecx1 >> 5) & 1);
	printf("svm=%u\n", (ext_ecx >> 2) & 1);

	for (i = 0; i < 100; i++)
		cpuid(0, 0, &a, &b, &c, &d);
	return 0;
}
