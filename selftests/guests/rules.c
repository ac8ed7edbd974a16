// SPDX-License-Identifier: GPL-2.0
/*
 * rules: the architectural rules hvm's core applies to what both vendors
 * intercept the same way (kmod/x86.c, kmod/exit.c), each with the outcome
 * the SDM/APM give: PAT memory types, EFER reserved bits, LME while paging
 * is on and the read-only LMA, RDPMC without counters, INVD and WBINVD at
 * CPL 0. (CR4 is not here: which CR4 writes exit differs by vendor and
 * CPU, so its #GPs are the hardware's on one and hvm's on the other; the
 * svm-cr4 and vmx-cr4 guests cover it per vendor.) One line per case; the
 * exit code counts the cases that did not behave.
 */
#include "lib/guest.h"

#define PAT_DEFAULT	0x0007040600070406ULL
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)

static int bad;

static void expect(const char *name, int vec, int want)
{
	if (vec == want)
		printf("%s: %s\n", name, vec < 0 ? "ok" : vec == X86_GP ? "#GP" : "#UD");
	else
		printf("%s: vector %d, want %d\n", name, vec, want);
	bad += vec != want;
}

static int try_rdpmc(void)
{
	u32 lo, hi;

	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "rdpmc" GUEST_TRY_END
			 : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
	return guest_try_done();
}

static int try_insn_invd(void)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "invd" GUEST_TRY_END : : : "memory");
	return guest_try_done();
}

static int try_insn_wbinvd(void)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "wbinvd" GUEST_TRY_END : : : "memory");
	return guest_try_done();
}

int main(void)
{
	u64 efer = rdmsr(MSR_EFER), pat, v;

	/* PAT: types 2 and 3 and anything above 7 are reserved (SDM 13.12.2). */
	expect("pat-valid", try_wrmsr(MSR_IA32_PAT, 0x0001040506070001ULL), -1);
	pat = rdmsr(MSR_IA32_PAT);
	printf("pat-readback: %016llx\n", (unsigned long long)pat);
	expect("pat-type-2", try_wrmsr(MSR_IA32_PAT, 0x0000000000000002ULL), X86_GP);
	expect("pat-type-8", try_wrmsr(MSR_IA32_PAT, 0x0800000000000000ULL), X86_GP);
	try_wrmsr(MSR_IA32_PAT, PAT_DEFAULT);

	/* EFER: SVME is not the guest's; LME may not change under paging; LMA is read-only. */
	expect("efer-svme", try_wrmsr(MSR_EFER, efer | EFER_SVME), X86_GP);
	expect("efer-bit-63", try_wrmsr(MSR_EFER, efer | (1ULL << 63)), X86_GP);
	expect("efer-clear-lme-paging", try_wrmsr(MSR_EFER, efer & ~EFER_LME), X86_GP);
	expect("efer-clear-lma", try_wrmsr(MSR_EFER, efer & ~(u64)EFER_LMA), -1);
	expect("efer-toggle-sce", try_wrmsr(MSR_EFER, efer ^ EFER_SCE), -1);
	v = rdmsr(MSR_EFER);
	printf("efer-readback: lma=%d lme=%d sce-toggled=%d\n", !!(v & EFER_LMA),
	       !!(v & EFER_LME), !!((v ^ efer) & EFER_SCE));
	try_wrmsr(MSR_EFER, efer);

	/* No performance counters are virtualized; INVD/WBINVD are no-ops. */
	expect("rdpmc", try_rdpmc(), X86_GP);
	expect("invd", try_insn_invd(), -1);
	expect("wbinvd", try_insn_wbinvd(), -1);
	return bad;
}
