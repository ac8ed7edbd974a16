// SPDX-License-Identifier: GPL-2.0
/*
 * msr-gp: MSRs outside the SPEC's list must raise #GP in the guest, those
 * on it must not. Prints one line per access; the exit code is the number
 * of accesses that did not behave.
 */
#include "lib/guest.h"

struct msr_case {
	u32 msr;
	const char *name;
	bool write;
	bool allowed;
};

static const struct msr_case cases[] = {
	{ 0x00000179, "MCG_CAP", false, false },
	{ 0x000001a0, "MISC_ENABLE", false, true },
	{ 0x0000003a, "FEATURE_CONTROL", false, false },
	{ 0x00000048, "SPEC_CTRL", false, false },
	{ 0xc0000103, "TSC_AUX", false, false },
	{ 0xc0010114, "VM_CR", false, false },
	{ 0xc0010117, "VM_HSAVE_PA", false, false },
	{ 0x00000480, "VMX_BASIC", false, false },
	{ 0x0000017a, "MCG_STATUS", true, false },
	{ MSR_IA32_APIC_BASE, "APIC_BASE", true, false },
	{ MSR_EFER, "EFER", false, true },
	{ MSR_IA32_TSC, "TSC", false, true },
	{ MSR_IA32_APIC_BASE, "APIC_BASE", false, true },
	{ MSR_IA32_PAT, "PAT", false, true },
};

int main(void)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct msr_case *m = &cases[i];
		u64 v = 0;
		int vec;

		if (m->write) {
			/* Write back what a read gave where possible; 0 otherwise. */
			vec = try_wrmsr(m->msr, 0);
		} else {
			vec = try_rdmsr(m->msr, &v);
		}
		if (vec == X86_GP)
			printf("%s %s: #GP(%lu)\n", m->write ? "wrmsr" : "rdmsr",
			       m->name, (unsigned long)guest_trap_error);
		else if (vec < 0)
			printf("%s %s: ok\n", m->write ? "wrmsr" : "rdmsr", m->name);
		else
			printf("%s %s: vector %d\n", m->write ? "wrmsr" : "rdmsr",
			       m->name, vec);
		if (m->allowed ? vec >= 0 : vec != X86_GP || guest_trap_error)
			bad++;
	}
	return bad;
}
