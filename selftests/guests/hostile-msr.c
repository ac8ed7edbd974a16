// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-msr: RDMSR and WRMSR over 0-0x1fff, 0xc0000000-0xc0001fff and
 * 0xc0010000-0xc0011fff. Each MSR that reads must take back the value it
 * read; each that does not must refuse a write of 0 with #GP(0) too.
 * Prints the readable set as ranges and every exception to those rules,
 * then the address MSRs with a non-canonical value, PAT with a reserved
 * type and EFER with reserved bits (each must #GP and leave the MSR as it
 * was). selftests/hostile_guest.c compares the output exactly.
 *
 * Bit 0 of the u32 at guest-physical 0x9000 (set by the host before the
 * start): the CPU is QEMU's TCG, whose WRMSR takes non-canonical FS/GS/
 * KERNEL_GS base, LSTAR, CSTAR and SYSENTER_ESP/EIP values without #GP;
 * AMD-V lets a guest write those MSRs natively (svm/bitmaps.c), so there
 * the result is the emulator's: printed, not counted.
 */
#include "lib/guest.h"

static const u32 ranges[][2] = {
	{ 0x00000000, 0x00002000 },
	{ 0xc0000000, 0xc0002000 },
	{ 0xc0010000, 0xc0012000 },
};

static int failed;

static void flush_range(u32 first, u32 last)
{
	if (first == last)
		printf(" 0x%x", first);
	else
		printf(" 0x%x-0x%x", first, last);
}

static void sweep(void)
{
	unsigned int r;
	u32 msr, run = 0, nread = 0, ngp = 0;
	bool in_run = false;

	printf("readable:");
	for (r = 0; r < 3; r++) {
		for (msr = ranges[r][0]; msr < ranges[r][1]; msr++) {
			u64 v = 0;
			int vec = try_rdmsr(msr, &v);

			if (vec < 0) {
				nread++;
				if (!in_run)
					run = msr;
				in_run = true;
				/* TSC moves on: write back is still legal */
				vec = try_wrmsr(msr, v);
				if (vec >= 0) {
					printf(" [0x%x: write-back vector %d]", msr, vec);
					failed++;
				}
				continue;
			}
			if (in_run)
				flush_range(run, msr - 1);
			in_run = false;
			if (vec != X86_GP || guest_trap_error) {
				printf(" [0x%x: read vector %d]", msr, vec);
				failed++;
				continue;
			}
			ngp++;
			vec = try_wrmsr(msr, 0);
			if (vec != X86_GP || guest_trap_error) {
				printf(" [0x%x: write 0 gave %d]", msr, vec);
				failed++;
			}
		}
		if (in_run)
			flush_range(run, msr - 1);
		in_run = false;
	}
	printf("\nread ok %u, #GP %u\n", nread, ngp);
}

static void must_gp(const char *name, u32 msr, u64 val, bool native)
{
	u64 before = rdmsr(msr);
	int vec = try_wrmsr(msr, val);
	bool tcg = *(volatile u32 *)0x9000 & 1;

	printf("%s: %s\n", name, vec == X86_GP ? "#GP" : vec < 0 ? "accepted" :
	       "other exception");
	if (tcg && native) {
		wrmsr(msr, before);
		return;
	}
	if (vec != X86_GP || rdmsr(msr) != before)
		failed++;
}

int main(void)
{
	static const struct { u32 msr; const char *name; } addr[] = {
		{ MSR_FS_BASE, "FS_BASE" },
		{ MSR_GS_BASE, "GS_BASE" },
		{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
		{ MSR_LSTAR, "LSTAR" },
		{ MSR_CSTAR, "CSTAR" },
		{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP" },
		{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP" },
	};
	char buf[64];
	unsigned int i;

	sweep();
	for (i = 0; i < sizeof(addr) / sizeof(addr[0]); i++) {
		snprintf(buf, sizeof(buf), "%s non-canonical", addr[i].name);
		must_gp(buf, addr[i].msr, 0x0000800000000000ull, true);
	}
	must_gp("PAT type 2", MSR_IA32_PAT, 0x0007040600070402ull, false);
	must_gp("EFER.SVME", MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME, false);
	must_gp("EFER bit 63", MSR_EFER, rdmsr(MSR_EFER) | (1ull << 63), false);
	printf("%d checks failed\n", failed);
	return failed;
}
