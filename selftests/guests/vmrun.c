// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun: a guest must not reach the virtualization instructions. On AMD
 * (by CPUID vendor) VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT and INVLPGA,
 * on Intel VMXON, VMPTRLD, VMPTRST, VMCLEAR, VMREAD, VMWRITE, VMLAUNCH,
 * VMRESUME, VMXOFF, INVEPT and INVVPID must all raise #UD. Before that,
 * the guest must not see or set EFER.SVME / CR4.VMXE. One line per check;
 * the exit code counts the checks that failed.
 */
#include "lib/guest.h"

static u8 region[4096] __attribute__((aligned(4096)));
static u64 desc[2];
static int failed;

#define TRY(name, insn, ...)						\
	do {								\
		int v_;							\
		guest_try_arm();					\
		__asm__ volatile(GUEST_TRY_BEGIN insn GUEST_TRY_END	\
				 : : __VA_ARGS__ : "memory", "cc");	\
		v_ = guest_try_done();					\
		report(name, v_);					\
	} while (0)

static void report(const char *name, int vec)
{
	if (vec == X86_UD) {
		printf("%s: #UD\n", name);
		return;
	}
	failed++;
	if (vec < 0)
		printf("%s: executed\n", name);
	else
		printf("%s: vector %d\n", name, vec);
}

static void amd(void)
{
	u64 efer = rdmsr(MSR_EFER);
	u64 pa = (u64)(uintptr_t)region;
	int vec;

	printf("efer.svme=%u\n", (unsigned int)((efer >> 12) & 1));
	if (efer & EFER_SVME)
		failed++;
	vec = try_wrmsr(MSR_EFER, efer | EFER_SVME);
	printf("set efer.svme: %s\n", vec == X86_GP ? "#GP" :
	       vec < 0 ? "accepted" : "other exception");
	if (vec != X86_GP)
		failed++;
	if (rdmsr(MSR_EFER) & EFER_SVME) {
		printf("efer.svme stuck\n");
		failed++;
		/* keep going: every instruction must still #UD */
	}

	TRY("vmrun", "vmrun %%rax", "a"(pa));
	TRY("vmload", "vmload %%rax", "a"(pa));
	TRY("vmsave", "vmsave %%rax", "a"(pa));
	TRY("stgi", "stgi");
	TRY("clgi", "clgi");
	TRY("skinit", "skinit %%eax", "a"(pa));
	TRY("invlpga", "invlpga %%rax, %%ecx", "a"(pa), "c"(0));
}

static void intel(void)
{
	uintptr_t cr4 = read_cr4();
	u64 pa = (u64)(uintptr_t)region;
	u64 out;
	int vec;

	printf("cr4.vmxe=%u\n", (unsigned int)((cr4 >> 13) & 1));
	if (cr4 & CR4_VMXE)
		failed++;
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "mov %0, %%cr4" GUEST_TRY_END
			 : : "r"(cr4 | CR4_VMXE) : "memory");
	vec = guest_try_done();
	printf("set cr4.vmxe: %s\n", vec == X86_GP ? "#GP" :
	       vec < 0 ? "accepted" : "other exception");
	if (vec != X86_GP)
		failed++;
	if (read_cr4() & CR4_VMXE) {
		printf("cr4.vmxe stuck\n");
		failed++;
	}

	/* VMX instructions take the region's physical address from memory. */
	desc[0] = pa;
	TRY("vmxon", "vmxon (%0)", "r"(desc));
	TRY("vmptrld", "vmptrld (%0)", "r"(desc));
	TRY("vmptrst", "vmptrst (%0)", "r"(&out));
	TRY("vmclear", "vmclear (%0)", "r"(desc));
	TRY("vmread", "vmread %0, (%1)", "r"(0x681eull), "r"(&out));
	TRY("vmwrite", "vmwrite %0, %1", "r"(0ull), "r"(0x681eull));
	TRY("vmlaunch", "vmlaunch");
	TRY("vmresume", "vmresume");
	TRY("vmxoff", "vmxoff");
	TRY("invept", "invept (%0), %1", "r"(desc), "r"(1ull));
	TRY("invvpid", "invvpid (%0), %1", "r"(desc), "r"(1ull));
}

int main(void)
{
	switch (guest_cpu_vendor()) {
	case VENDOR_AMD:
		printf("vendor=amd\n");
		amd();
		break;
	case VENDOR_INTEL:
		printf("vendor=intel\n");
		intel();
		break;
	default:
		printf("unknown CPU vendor\n");
		return 99;
	}
	printf("%d checks failed\n", failed);
	return failed;
}
