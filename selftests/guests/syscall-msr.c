// SPDX-License-Identifier: GPL-2.0
/*
 * syscall-msr: scribble over the MSRs a host kernel's syscall and entry
 * paths depend on, make exits happen, and read them back: the guest's own
 * values must stick (the host test then checks its MSRs did not change).
 * Values are canonical and within what both vendors store (SYSENTER_ESP/EIP
 * are 32 bits wide on AMD).
 */
#include "lib/guest.h"

struct msr_val {
	u32 msr;
	const char *name;
	u64 val;
};

static const struct msr_val msrs[] = {
	{ MSR_STAR, "STAR", 0x0043003300dead01ull },
	{ MSR_LSTAR, "LSTAR", 0x00007fffdead0000ull },
	{ MSR_CSTAR, "CSTAR", 0x00007fffdead1000ull },
	{ MSR_SFMASK, "SFMASK", 0x0000000000047fd5ull },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0x00007fffdead2000ull },
	{ MSR_IA32_SYSENTER_CS, "SYSENTER_CS", 0x000000000000beefull },
	{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", 0x00000000dead3000ull },
	{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", 0x00000000dead4000ull },
	{ MSR_FS_BASE, "FS_BASE", 0x00007fffdead5000ull },
	{ MSR_GS_BASE, "GS_BASE", 0x00007fffdead6000ull },
};

#define NR_MSRS (sizeof(msrs) / sizeof(msrs[0]))

int main(void)
{
	u32 a, b, c, d;
	int bad = 0, i;
	size_t j;

	for (j = 0; j < NR_MSRS; j++) {
		if (try_wrmsr(msrs[j].msr, msrs[j].val) >= 0) {
			printf("wrmsr %s: vector %d\n", msrs[j].name, guest_trap_vector);
			bad++;
		}
	}
	/* Leave guest mode many times with our values loaded. */
	for (i = 0; i < 200; i++)
		cpuid(0, 0, &a, &b, &c, &d);
	printf("written\n");

	for (j = 0; j < NR_MSRS; j++) {
		u64 v;

		if (try_rdmsr(msrs[j].msr, &v) >= 0) {
			printf("rdmsr %s: vector %d\n", msrs[j].name, guest_trap_vector);
			bad++;
		} else if (v != msrs[j].val) {
			printf("%s=0x%llx, wrote 0x%llx\n", msrs[j].name,
			       (unsigned long long)v,
			       (unsigned long long)msrs[j].val);
			bad++;
		}
	}
	printf("%s\n", bad ? "msrs lost" : "msrs kept");
	return bad;
}
