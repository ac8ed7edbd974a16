// SPDX-License-Identifier: GPL-2.0
/*
 * strio: REP INSB/OUTSB must honour the guest's own protections, since the
 * hypervisor performs their memory accesses. The guest builds its own page
 * tables (supervisor-only by default; a few user pages), a GDT with user
 * and compatibility-mode segments, a TSS and an IDT whose stubs record the
 * exception and return to the C code. Each case runs one string
 * instruction ("rep insb; ud2" or "rep outsb; ud2" on a user page) in a
 * given mode and prints what happened, relative to the buffer it used:
 *
 *   NAME: #PF err=0x7 cr2=+0x0 di=+0x0 cx=16 wrote=0
 *
 * "#UD ... at=ud2" means the instruction completed. The host compares the
 * whole output; the exit code is 0 unless an exception came from outside
 * a case.
 */
#include "lib/desc64.h"

#define NODEV		0x2f8	/* no device: IN reads 0xff, OUT is ignored */
#define FILL		0x5a
#define BUF		16

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_PS		0x080ULL

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x18
#define SEL_UCODE	0x20
#define SEL_TSS		0x28
#define SEL_KCODE32	0x38
#define SEL_SMALL	0x40	/* 16-byte writable data segment */
#define SEL_EXPDOWN	0x48	/* expand-down, valid offsets 0xfff1-0xffff */
#define SEL_RODATA	0x50	/* flat, read-only */

#define RFLAGS_IOPL3	0x3000ULL
#define RFLAGS_AC	0x40000ULL
#define CR0_WP		(1ULL << 16)
#define CR4_SMAP	(1ULL << 21)

#define X86_PF		14

/* Offsets used by the assembly below. */
struct uctx {
	u64 rip, rsp, rflags, cs, ss, es, ds;	/* 0-48: how to enter */
	u64 rcx, rsi, rdi, rdx;			/* 56-80: in, then at the trap */
	u64 vector, error, fault_rip, cr2;	/* 88-112: the trap */
};

extern char user_code_start[], user_code_end[], snip_insb[], snip_outsb[];
extern const u64 strio_stubs[32];
u64 run_ctx(struct uctx *c);

/*
 * run_ctx(): enter the context with IRETQ; any exception comes back here
 * through utrap_common with the context's RCX/RSI/RDI, vector, error code,
 * RIP and CR2 stored. The snippets end in UD2, so completion is a #UD.
 */
__asm__(
	"	.section .text.user, \"ax\"\n"
	"	.balign 4096\n"
	"user_code_start:\n"
	"snip_insb:\n"
	"	rep insb\n"
	"	ud2\n"
	"snip_outsb:\n"
	"	rep outsb\n"
	"	ud2\n"
	"	.balign 4096\n"
	"user_code_end:\n"
	"	.text\n"
	"run_ctx:\n"
	GUEST_ASM_PUSH_CALLEE_SAVED
	"	mov %rsp, ctx_ksp(%rip)\n"
	"	mov %rdi, ctx_cur(%rip)\n"
	"	mov %rdi, %r8\n"
	"	mov 40(%r8), %rax\n"
	"	mov %eax, %es\n"
	"	mov 48(%r8), %rax\n"
	"	mov %eax, %ds\n"
	"	pushq 32(%r8)\n"
	"	pushq 8(%r8)\n"
	"	pushq 16(%r8)\n"
	"	pushq 24(%r8)\n"
	"	pushq 0(%r8)\n"
	"	mov 56(%r8), %rcx\n"
	"	mov 64(%r8), %rsi\n"
	"	mov 80(%r8), %rdx\n"
	"	mov 72(%r8), %rdi\n"
	"	iretq\n"
	"	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"utrap_\\v:\n"
	"	.if (\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || (\\v == 21) || (\\v == 29) || (\\v == 30)\n"
	"	.else\n"
	"	pushq $0\n"
	"	.endif\n"
	"	pushq $\\v\n"
	"	jmp utrap_common\n"
	"	.endr\n"
	"utrap_common:\n"
	"	mov ctx_cur(%rip), %r8\n"
	"	test %r8, %r8\n"
	"	jz utrap_unexpected\n"
	"	mov %rcx, 56(%r8)\n"
	"	mov %rsi, 64(%r8)\n"
	"	mov %rdi, 72(%r8)\n"
	"	popq 88(%r8)\n"
	"	popq 96(%r8)\n"
	"	popq 104(%r8)\n"
	"	mov %cr2, %rax\n"
	"	mov %rax, 112(%r8)\n"
	"	movq $0, ctx_cur(%rip)\n"
	"	mov $0x10, %eax\n"
	"	mov %eax, %ds\n"
	"	mov %eax, %es\n"
	"	mov ctx_ksp(%rip), %rsp\n"
	"	pushq $2\n"
	"	popfq\n"
	GUEST_ASM_POP_CALLEE_SAVED
	"	ret\n"
	"utrap_unexpected:\n"
	"	mov $0x7e, %eax\n"
	"	mov $0xf4, %dx\n"
	"	outl %eax, %dx\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	"	.section .rodata\n"
	"	.balign 8\n"
	"strio_stubs:\n"
	"	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	.quad utrap_\\v\n"
	"	.endr\n"
	"	.text\n");

u64 ctx_ksp;
struct uctx *ctx_cur;

#define PAGE	4096
static u64 pml4[512] __attribute__((aligned(PAGE)));
static u64 pdpt[512] __attribute__((aligned(PAGE)));
static u64 pd[512] __attribute__((aligned(PAGE)));
static u64 pt[512] __attribute__((aligned(PAGE)));

static u8 sup_buf[PAGE] __attribute__((aligned(PAGE)));	/* supervisor */
static u8 user_buf[PAGE] __attribute__((aligned(PAGE)));	/* user, RW */
static u8 ro_buf[PAGE] __attribute__((aligned(PAGE)));	/* user, RO */
static u8 pair[2 * PAGE] __attribute__((aligned(PAGE)));	/* user, then supervisor */
static u8 ad_rd[PAGE] __attribute__((aligned(PAGE)));	/* user, only OUTS reads it */
static u8 ad_wr[PAGE] __attribute__((aligned(PAGE)));	/* user, only INS writes it */
static u8 user_stack[PAGE] __attribute__((aligned(PAGE)));	/* user */
static u8 kstack[PAGE] __attribute__((aligned(PAGE)));	/* for the CPL 0 cases */
static u8 trap_stack[PAGE] __attribute__((aligned(PAGE)));	/* TSS.RSP0 */

static u64 gdt[11] __attribute__((aligned(16)));

static struct tss64 tss __attribute__((aligned(16)));
static struct gate64 idt[32] __attribute__((aligned(16)));

static u64 *pte_of(const void *p)
{
	return &pt[((uintptr_t)p >> 12) & 511];
}

static void set_user(const void *start, const void *end, u64 flags)
{
	uintptr_t a;

	for (a = (uintptr_t)start; a < (uintptr_t)end; a += PAGE)
		*pte_of((void *)a) = (a & ~0xfffULL) | PTE_P | flags;
}

static void load_cr3(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)pml4) : "memory");
}

static void write_cr0(uintptr_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void write_cr4(uintptr_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void setup(void)
{
	int i;

	/* 0-2 MiB in 4 KiB pages, 2-16 MiB in 2 MiB pages; supervisor. */
	pml4[0] = (uintptr_t)pdpt | PTE_P | PTE_RW | PTE_US;
	pdpt[0] = (uintptr_t)pd | PTE_P | PTE_RW | PTE_US;
	pd[0] = (uintptr_t)pt | PTE_P | PTE_RW | PTE_US;
	for (i = 1; i < 8; i++)
		pd[i] = ((u64)i << 21) | PTE_P | PTE_RW | PTE_PS;
	for (i = 0; i < 512; i++)
		pt[i] = ((u64)i << 12) | PTE_P | PTE_RW;
	set_user(user_code_start, user_code_end, PTE_US);
	set_user(user_buf, user_buf + PAGE, PTE_RW | PTE_US);
	set_user(ro_buf, ro_buf + PAGE, PTE_US);
	set_user(pair, pair + PAGE, PTE_RW | PTE_US);
	set_user(ad_rd, ad_rd + PAGE, PTE_RW | PTE_US);
	set_user(ad_wr, ad_wr + PAGE, PTE_RW | PTE_US);
	set_user(user_stack, user_stack + PAGE, PTE_RW | PTE_US);
	load_cr3();

	gdt[1] = 0x00af9b000000ffffULL;		/* 0x08 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10 data */
	gdt[3] = 0x00cff3000000ffffULL;		/* 0x18 user data */
	gdt[4] = 0x00affb000000ffffULL;		/* 0x20 user 64-bit code */
	desc64_tss(gdt, 5, &tss);		/* 0x28 */
	gdt[7] = 0x00cf9b000000ffffULL;		/* 0x38 32-bit code */
	gdt[8] = desc64_seg((uintptr_t)user_buf, BUF - 1, 0x93, 0x4);
	gdt[9] = desc64_seg((uintptr_t)user_buf - 0xfff0, 0xfff0, 0x97, 0x0);
	gdt[10] = desc64_seg(0, 0xfffff, 0x91, 0xc);
	tss.rsp[0] = (uintptr_t)trap_stack + PAGE;
	for (i = 0; i < 32; i++)
		desc64_gate(&idt[i], (void *)(uintptr_t)strio_stubs[i], GATE64_INTR, 0);
	desc64_load(gdt, sizeof(gdt), SEL_TSS, idt, sizeof(idt));
}

enum mode { USER64, KERNEL64, COMPAT32 };

static void ctx_init(struct uctx *c, enum mode m, bool in, u64 addr, u64 count)
{
	memset(c, 0, sizeof(*c));
	c->rip = (uintptr_t)(in ? snip_insb : snip_outsb);
	c->rflags = 0x2;
	c->es = SEL_KDATA;
	c->ds = SEL_KDATA;
	if (m == USER64) {
		c->cs = SEL_UCODE | 3;
		c->ss = SEL_UDATA | 3;
		c->rsp = (uintptr_t)user_stack + PAGE;
		c->rflags |= RFLAGS_IOPL3;
	} else {
		c->cs = m == COMPAT32 ? SEL_KCODE32 : SEL_KCODE;
		c->ss = SEL_KDATA;
		c->rsp = (uintptr_t)kstack + PAGE;
	}
	if (in)
		c->rdi = addr;
	else
		c->rsi = addr;
	c->rcx = count;
	c->rdx = NODEV;
	c->vector = ~0ULL;
}

static const char *vec_name(u64 v)
{
	switch (v) {
	case 6: return "#UD";
	case 12: return "#SS";
	case 13: return "#GP";
	case 14: return "#PF";
	case 17: return "#AC";
	default: return "#??";
	}
}

static unsigned int count_not(const u8 *p, unsigned int n, u8 v)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] != v;
	return k;
}

static void print_off(const char *what, u64 v, const void *base)
{
	int64_t off = (int64_t)(v - (uintptr_t)base);

	printf(" %s=%s0x%lx", what, off < 0 ? "-" : "+",
	       (unsigned long)(off < 0 ? -(u64)off : (u64)off));
}

/*
 * Print the outcome: vector, error code, CR2 (for #PF) and the index
 * register relative to @base, RCX, where it stopped, and how many of the
 * @n bytes at @watch no longer hold FILL.
 */
static void report(const char *name, const struct uctx *c, bool in,
		   const void *base, const u8 *watch, unsigned int n)
{
	uintptr_t snip = in ? (uintptr_t)snip_insb : (uintptr_t)snip_outsb;
	const char *at;

	if (c->fault_rip == snip)
		at = "insn";
	else if (c->fault_rip == snip + 2)
		at = "ud2";
	else
		at = "elsewhere";
	printf("%s: %s err=0x%lx", name, vec_name(c->vector),
	       (unsigned long)c->error);
	if (c->vector == X86_PF)
		print_off("cr2", c->cr2, base);
	print_off(in ? "di" : "si", in ? c->rdi : c->rsi, base);
	printf(" cx=%lu at=%s wrote=%u\n", (unsigned long)c->rcx, at,
	       watch ? count_not(watch, n, FILL) : 0);
}

/* Run one case in mode @m with ES/DS @es/@ds, filling @watch first. */
static void run_seg(const char *name, enum mode m, bool in, u16 es, u16 ds,
		    u64 addr, u64 count, const void *base, u8 *watch,
		    unsigned int n)
{
	struct uctx c;

	if (watch)
		memset(watch, FILL, n);
	ctx_init(&c, m, in, addr, count);
	c.es = es;
	c.ds = ds;
	run_ctx(&c);
	report(name, &c, in, base, watch, n);
}

static void run_case(const char *name, enum mode m, bool in, u64 addr,
		     u64 count, const void *base, u8 *watch, unsigned int n)
{
	run_seg(name, m, in, SEL_KDATA, SEL_KDATA, addr, count, base, watch, n);
}

static bool has_smap(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return b & (1u << 20);
}

/*
 * SMAP: with CR4.SMAP set, the guest kernel itself must not touch user
 * pages with AC clear, so fill before and count after it is on.
 */
static void smap_cases(void)
{
	struct uctx c[3];
	unsigned int i;

	if (!has_smap()) {
		printf("smap: not supported\n");
		return;
	}
	memset(user_buf, FILL, BUF);
	memset(pair, FILL, BUF);
	ctx_init(&c[0], KERNEL64, true, (uintptr_t)user_buf, BUF);
	ctx_init(&c[1], KERNEL64, true, (uintptr_t)pair, BUF);
	c[1].rflags |= RFLAGS_AC;
	ctx_init(&c[2], KERNEL64, false, (uintptr_t)user_buf, BUF);
	write_cr4(read_cr4() | CR4_SMAP);
	for (i = 0; i < 3; i++)
		run_ctx(&c[i]);
	write_cr4(read_cr4() & ~CR4_SMAP);
	report("smap-insb-user-ac0", &c[0], true, user_buf, user_buf, BUF);
	report("smap-insb-user-ac1", &c[1], true, pair, pair, BUF);
	report("smap-outsb-user-ac0", &c[2], false, user_buf, NULL, 0);
}

int main(void)
{
	setup();

	/* CPL 3 with IOPL 3: user pages only. */
	run_case("user-insb-user", USER64, true, (uintptr_t)user_buf, BUF,
		 user_buf, user_buf, BUF);
	run_case("user-outsb-user", USER64, false, (uintptr_t)user_buf, BUF,
		 user_buf, NULL, 0);
	run_case("user-insb-supervisor", USER64, true, (uintptr_t)sup_buf, BUF,
		 sup_buf, sup_buf, BUF);
	run_case("user-outsb-supervisor", USER64, false, (uintptr_t)sup_buf, BUF,
		 sup_buf, NULL, 0);
	run_case("user-insb-readonly", USER64, true, (uintptr_t)ro_buf, BUF,
		 ro_buf, NULL, 0);
	run_case("user-outsb-readonly", USER64, false, (uintptr_t)ro_buf, BUF,
		 ro_buf, NULL, 0);
	/* Two bytes fit on the user page, the third is the supervisor's. */
	run_case("user-insb-into-supervisor", USER64, true,
		 (uintptr_t)pair + PAGE - 2, 4, pair + PAGE,
		 pair + PAGE - 2, 4);
	run_case("user-outsb-noncanonical", USER64, false, 0x0000800000000000ULL,
		 BUF, (void *)0x0000800000000000ULL, NULL, 0);

	/* Accessed and Dirty: set by the walk, as the CPU would. */
	run_case("user-outsb-ad", USER64, false, (uintptr_t)ad_rd, BUF, ad_rd,
		 NULL, 0);
	run_case("user-insb-ad", USER64, true, (uintptr_t)ad_wr, BUF, ad_wr,
		 NULL, 0);
	printf("ad: read page A=%d D=%d, written page A=%d D=%d\n",
	       !!(*pte_of(ad_rd) & PTE_A), !!(*pte_of(ad_rd) & PTE_D),
	       !!(*pte_of(ad_wr) & PTE_A), !!(*pte_of(ad_wr) & PTE_D));

	/* CPL 0: CR0.WP decides whether read-only pages can be written. */
	write_cr0(read_cr0() | CR0_WP);
	run_case("kernel-insb-readonly-wp1", KERNEL64, true, (uintptr_t)ro_buf,
		 BUF, ro_buf, NULL, 0);
	write_cr0(read_cr0() & ~CR0_WP);
	run_case("kernel-insb-readonly-wp0", KERNEL64, true, (uintptr_t)ro_buf,
		 BUF, ro_buf, ro_buf, BUF);
	run_case("kernel-insb-supervisor", KERNEL64, true, (uintptr_t)sup_buf,
		 BUF, sup_buf, sup_buf, BUF);

	smap_cases();

	/* Compatibility mode, CPL 0: segment type and limit checks. */
	run_seg("compat-insb-past-limit", COMPAT32, true, SEL_SMALL, SEL_KDATA,
		0, 2 * BUF, NULL, user_buf, 2 * BUF);
	run_seg("compat-insb-expdown-below", COMPAT32, true, SEL_EXPDOWN,
		SEL_KDATA, 0xfff0, 8, (void *)0xfff0, user_buf, 2 * BUF);
	run_seg("compat-insb-expdown-top", COMPAT32, true, SEL_EXPDOWN,
		SEL_KDATA, 0xfffc, 8, (void *)0xfffc, user_buf, 2 * BUF);
	run_seg("compat-insb-readonly-es", COMPAT32, true, SEL_RODATA, SEL_KDATA,
		(uintptr_t)user_buf, BUF, user_buf, user_buf, BUF);
	run_seg("compat-insb-null-es", COMPAT32, true, 0, SEL_KDATA,
		(uintptr_t)user_buf, BUF, user_buf, user_buf, BUF);
	run_seg("compat-insb-flat", COMPAT32, true, SEL_KDATA, SEL_KDATA,
		(uintptr_t)user_buf, BUF, user_buf, user_buf, BUF);
	run_seg("compat-outsb-past-limit", COMPAT32, false, SEL_KDATA, SEL_SMALL,
		BUF - 4, 8, NULL, NULL, 0);

	printf("done\n");
	return 0;
}
