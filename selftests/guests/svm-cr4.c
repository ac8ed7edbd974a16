// SPDX-License-Identifier: GPL-2.0
/*
 * svm-cr4: the CR4 a guest owns. hvm advertises no machine-check
 * architecture, PCID or PKU, so setting CR4.MCE, PCIDE or PKE must raise
 * #GP(0), while the host's CR4.MCE stays in force underneath: the guest
 * reads CR4 back exactly as it wrote it. Also built as a 32-bit
 * protected-mode guest (svm-cr4-32), where MOV CR4 takes a 32-bit operand.
 * One line per check; the exit code is the number of checks that failed.
 */
#include "lib/guest.h"

#define CR4_TSD		(1u << 2)
#define CR4_DE		(1u << 3)
#define CR4_MCE		(1u << 6)
#define CR4_PCIDE	(1u << 17)
#define CR4_PKE		(1u << 22)

static int bad;

static int try_write_cr4(uintptr_t v)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "mov %0, %%cr4" GUEST_TRY_END
			 : : "r"(v) : "memory");
	return guest_try_done();
}

static void expect_gp(const char *name, uintptr_t bit)
{
	uintptr_t before = read_cr4();
	int vec = try_write_cr4(before | bit);

	if (vec == X86_GP)
		printf("set cr4.%s: #GP(%lu)\n", name,
		       (unsigned long)guest_trap_error);
	else if (vec < 0)
		printf("set cr4.%s: ok\n", name);
	else
		printf("set cr4.%s: vector %d\n", name, vec);
	if (vec != X86_GP || guest_trap_error)
		bad++;
	if (read_cr4() != before) {
		printf("cr4 changed to 0x%lx\n", (unsigned long)read_cr4());
		bad++;
		try_write_cr4(before);
	}
}

int main(void)
{
	uintptr_t cr4 = read_cr4(), v;
	int vec;

	printf("cr4.mce=%u\n", (unsigned int)!!(cr4 & CR4_MCE));
	if (cr4 & CR4_MCE)
		bad++;

	expect_gp("mce", CR4_MCE);
	expect_gp("pcide", CR4_PCIDE);
	expect_gp("pke", CR4_PKE);

	/* Bits the guest owns: set, read back exactly, clear again. */
	vec = try_write_cr4(cr4 | CR4_TSD | CR4_DE);
	v = read_cr4();
	printf("set cr4.tsd+de: %s, reads %s\n", vec < 0 ? "ok" : "fault",
	       v == (cr4 | CR4_TSD | CR4_DE) ? "back" : "different");
	if (vec >= 0 || v != (cr4 | CR4_TSD | CR4_DE))
		bad++;
#ifdef __x86_64__
	{
		/* An extended register (REX.B/REX.R) on both sides. */
		register uintptr_t r9 __asm__("r9") = cr4;
		register uintptr_t r14 __asm__("r14");

		__asm__ volatile("mov %1, %%cr4\n\tmov %%cr4, %0"
				 : "=r"(r14) : "r"(r9) : "memory");
		v = r14;
	}
#else
	try_write_cr4(cr4);
	v = read_cr4();
#endif
	printf("restore cr4: %s\n", v == cr4 ? "ok" : "different");
	if (v != cr4)
		bad++;
	return bad;
}
