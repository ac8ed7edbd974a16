// SPDX-License-Identifier: GPL-2.0
/*
 * vmx-cr4: the CR4 a guest may own (64-bit, Intel hosts).
 *
 * The CPU keeps the host's CR4.MCE underneath (host-owned), but the guest
 * sees MCE clear and, like every bit hvm neither virtualizes nor advertises
 * (MCE: CPUID says no machine-check architecture; PCIDE, PKE, LA57, CET,
 * PKS, LAM_SUP, reserved bits), cannot set it: #GP, CR4 unchanged,
 * whatever the host CPU supports. Same rule as on AMD-V (kmod/x86.c).
 */
#include "lib/guest.h"

#define CR4_MCE		(1ul << 6)
#define CR4_LA57	(1ul << 12)
#define CR4_PCIDE	(1ul << 17)
#define CR4_PKE		(1ul << 22)
#define CR4_CET		(1ul << 23)
#define CR4_PKS		(1ul << 24)
#define CR4_LAM_SUP	(1ul << 28)
#define CR4_RSVD31	(1ul << 31)
#define CR4_RSVD63	(1ul << 63)

static int failed;

static void write_cr4(uintptr_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void try_set(const char *name, uintptr_t bit)
{
	uintptr_t before = read_cr4();
	int vec;

	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "mov %0, %%cr4" GUEST_TRY_END
			 : : "r"(before | bit) : "memory");
	vec = guest_try_done();
	printf("set %s: %s\n", name, vec == X86_GP ? "#GP" :
	       vec < 0 ? "accepted" : "other exception");
	if (vec != X86_GP)
		failed++;
	if (read_cr4() != before) {
		printf("cr4 changed to %p\n", (void *)read_cr4());
		failed++;
		write_cr4(before);
	}
}

int main(void)
{
	uintptr_t cr4 = read_cr4();

	printf("cr4.mce=%u\n", (unsigned int)!!(cr4 & CR4_MCE));
	try_set("mce", CR4_MCE);
	try_set("pcide", CR4_PCIDE);
	try_set("pke", CR4_PKE);
	try_set("la57", CR4_LA57);
	try_set("cet", CR4_CET);
	try_set("pks", CR4_PKS);
	try_set("lam_sup", CR4_LAM_SUP);
	try_set("bit31", CR4_RSVD31);
	try_set("bit63", CR4_RSVD63);
	printf("%d checks failed\n", failed);
	return failed;
}
