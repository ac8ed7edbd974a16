// SPDX-License-Identifier: GPL-2.0
/*
 * scribble: change every piece of CPU state a guest owns that a host also
 * keeps in the same registers — debug registers, DEBUGCTL, SPEC_CTRL, PAT,
 * EFER.NXE, XCR0, CR4 bits, GDTR/IDTR limits, the syscall and sysenter
 * MSRs, TSC_AUX — and take exits with it loaded. What hvm refuses (#GP) is
 * fine: the host test (host_state) only checks that the host's own values
 * on this CPU are the same afterwards. Prints "scribbled N" with the
 * number of changes that took, and exits 0.
 */
#include "lib/guest.h"

#define MSR_IA32_SPEC_CTRL	0x00000048
#define MSR_IA32_DEBUGCTL	0x000001d9
#define MSR_TSC_AUX		0xc0000103
#define EFER_NXE		(1u << 11)
#define CR4_PGE			(1ul << 7)
#define CR4_OSXSAVE		(1ul << 18)

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static const struct {
	u32 msr;
	u64 val;
} msrs[] = {
	{ MSR_STAR, 0x0023001000c0ffeeull },
	{ MSR_LSTAR, 0xffff8000c0ffee00ull },
	{ MSR_CSTAR, 0xffff8000c0ffee40ull },
	{ MSR_SFMASK, 0x0000000000000700ull },
	{ MSR_KERNEL_GS_BASE, 0xffff8000c0ffe000ull },
	{ MSR_FS_BASE, 0x0000000000c0f000ull },
	{ MSR_GS_BASE, 0x0000000000c0e000ull },
	{ MSR_IA32_SYSENTER_CS, 0x10 },
	{ MSR_IA32_SYSENTER_ESP, 0xc0ffe800 },
	{ MSR_IA32_SYSENTER_EIP, 0xc0ffe900 },
	{ MSR_IA32_PAT, 0x0606060606060606ull },
	{ MSR_IA32_SPEC_CTRL, 1 },		/* IBRS */
	{ MSR_IA32_DEBUGCTL, 3 },		/* LBR | BTF */
	{ MSR_TSC_AUX, 0x5a5a },
};

static int try_write_cr4(unsigned long v)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "mov %0, %%cr4" GUEST_TRY_END
			 : : "r"(v) : "memory");
	return guest_try_done();
}

static int try_xsetbv(u64 v)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "xsetbv" GUEST_TRY_END
			 : : "c"(0), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
	return guest_try_done();
}

int main(void)
{
	/* Far above this guest's RAM: the breakpoints can never hit. */
	unsigned long dr0 = 0x7fff0000, dr7 = 0x0000055f;	/* L0-L3, G0-G1 */
	struct dtr gdt, idt;
	u32 a, b, c, d;
	int changed = 0, i;
	size_t j;
	u64 efer;

	__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr1\n\t"
			 "mov %2, %%dr2\n\tmov %3, %%dr3\n\tmov %4, %%dr7"
			 : : "r"(dr0), "r"(dr0 + 0x100), "r"(dr0 + 0x200),
			     "r"(dr0 + 0x300), "r"(dr7));
	changed++;

	for (j = 0; j < sizeof(msrs) / sizeof(msrs[0]); j++)
		if (try_wrmsr(msrs[j].msr, msrs[j].val) < 0)
			changed++;

	if (try_rdmsr(MSR_EFER, &efer) < 0 &&
	    try_wrmsr(MSR_EFER, efer ^ EFER_NXE) < 0)
		changed++;

	if (try_write_cr4(read_cr4() ^ CR4_PGE) < 0)
		changed++;
	cpuid(1, 0, &a, &b, &c, &d);
	if ((c & (1u << 26)) && try_write_cr4(read_cr4() | CR4_OSXSAVE) < 0 &&
	    try_xsetbv(1) < 0)		/* x87 only: bit 0 must stay set */
		changed++;

	/* Same tables, other limits: the host's GDTR/IDTR limits must return. */
	__asm__ volatile("sgdt %0\n\tsidt %1" : "=m"(gdt), "=m"(idt));
	gdt.limit = 0xffff;
	idt.limit = 0xfff;
	__asm__ volatile("lgdt %0\n\tlidt %1" : : "m"(gdt), "m"(idt));
	changed++;

	/* Leave guest mode many times with all of it loaded. */
	for (i = 0; i < 200; i++) {
		cpuid(0, 0, &a, &b, &c, &d);
		outb(0x80, (u8)i);
	}
	printf("scribbled %d\n", changed);
	return 0;
}
