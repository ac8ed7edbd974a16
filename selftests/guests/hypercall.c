// SPDX-License-Identifier: GPL-2.0
/*
 * hypercall: VMMCALL (AMD) or VMCALL (Intel), chosen by the CPUID vendor.
 * RAX=0 must return the interface version (1), an unknown number -ENOSYS
 * (-38); the other registers must come back unchanged.
 */
#include "lib/guest.h"

struct regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11;
};

static bool use_vmmcall;

static void hypercall(struct regs *r)
{
	register u64 r8 __asm__("r8") = r->r8;
	register u64 r9 __asm__("r9") = r->r9;
	register u64 r10 __asm__("r10") = r->r10;
	register u64 r11 __asm__("r11") = r->r11;

	if (use_vmmcall)
		__asm__ volatile("vmmcall"
				 : "+a"(r->rax), "+b"(r->rbx), "+c"(r->rcx),
				   "+d"(r->rdx), "+S"(r->rsi), "+D"(r->rdi),
				   "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11)
				 : : "memory");
	else
		__asm__ volatile("vmcall"
				 : "+a"(r->rax), "+b"(r->rbx), "+c"(r->rcx),
				   "+d"(r->rdx), "+S"(r->rsi), "+D"(r->rdi),
				   "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11)
				 : : "memory");
	r->r8 = r8;
	r->r9 = r9;
	r->r10 = r10;
	r->r11 = r11;
}

/* Call nr with canaries in every other register; 1 if one changed. */
static int call(u64 nr, u64 *ret)
{
	struct regs r = {
		nr, 0x1111111111111111ull, 0x2222222222222222ull,
		0x3333333333333333ull, 0x4444444444444444ull,
		0x5555555555555555ull, 0x6666666666666666ull,
		0x7777777777777777ull, 0x8888888888888888ull,
		0x9999999999999999ull,
	};
	struct regs want = r;

	hypercall(&r);
	*ret = r.rax;
	want.rax = r.rax;
	return memcmp(&r, &want, sizeof(r)) != 0;
}

int main(void)
{
	enum guest_vendor v = guest_cpu_vendor();
	u64 ret;
	int clobbered = 0;

	if (v == VENDOR_OTHER) {
		printf("unknown CPU vendor\n");
		return 2;
	}
	use_vmmcall = v == VENDOR_AMD;
	printf("instruction=%s\n", use_vmmcall ? "vmmcall" : "vmcall");
	clobbered |= call(0, &ret);
	printf("version=%lld\n", (long long)ret);
	clobbered |= call(12345, &ret);
	printf("unknown=%lld\n", (long long)ret);
	clobbered |= call(0xffffffffffffffffull, &ret);
	printf("all-ones=%lld\n", (long long)ret);
	printf("registers %s\n", clobbered ? "clobbered" : "preserved");
	return 0;
}
