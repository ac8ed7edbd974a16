// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-cpu: a guest that does what a guest should not, on its own CPU.
 * Every line it prints is compared exactly by selftests/hostile_guest.c.
 *
 *  - every virtualization instruction of both vendors (the hypercall of the
 *    host's vendor excepted) must raise #UD;
 *  - illegal CR0/CR4/CR3/CR8/EFER/DR and segment loads must raise #GP (or
 *    #NP/#UD where the SDM says so), never reach the host;
 *  - an #AC storm at CPL 3 and a single-step #DB storm, each N = 100000
 *    exceptions handled by the guest's own IDT (hvm intercepts both:
 *    CVE-2015-5307, CVE-2015-8104), and single-stepping over instructions
 *    hvm emulates (CPUID, OUT, RDMSR) gives one #DB each, like any other,
 *    whose handler reads DR6 with BS set and B0-B3 clear (B0 was set
 *    before the step: SDM vol. 3B 18.2.3), exactly 0xffff4ff0;
 *  - last, the CVE-2015-8104 loop itself: #DB on an IST stack with a data
 *    breakpoint on that stack, so delivering #DB raises #DB again forever
 *    without retiring an instruction. It prints "db loop" first; the host
 *    must still be able to stop the VM.
 *
 * The host may set bit 0 of the u32 at guest-physical 0x9000 before the
 * start: the CPU under hvm is QEMU's TCG, which runs MOV to CR0/CR3/CR8
 * for an SVM guest without the architectural #GP checks (hvm lets them run
 * natively on AMD-V, as the hardware checks them); those are then skipped
 * ("not tried"), since the guest would lose its own long mode. TCG has
 * no alignment checking either (the #AC storm counts 0 there), and its
 * data breakpoints hit during exception delivery abort QEMU 7.2 itself
 * (an assertion on its I/O thread lock): there the endless #DB comes from
 * single-stepping a jump to itself instead. The u32
 * after it, when not 0, replaces the 100000 exceptions of each storm
 * (Bochs, the VT-x test machine, emulates every exit slowly).
 */
#include "lib/desc64.h"

#define STORM_DEFAULT	100000

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x1b
#define SEL_UCODE	0x23
#define SEL_TSS		0x28
#define SEL_NP		0x38	/* a data segment with P=0 */
#define SEL_PAST	0x80	/* past the GDT limit */

#define CR0_NW		(1ull << 29)
#define CR0_CD		(1ull << 30)
#define CR0_AM		(1ull << 18)
#define CR0_PE		1ull
#define CR0_PG		(1ull << 31)
#define CR4_DE		(1ull << 3)
#define CR4_PAE		(1ull << 5)
#define CR4_PCIDE	(1ull << 17)
#define CR4_LA57	(1ull << 12)
#define EFER_LME	(1ull << 8)
#define RFLAGS_AC	(1ull << 18)
/*
 * DR6 is 0xffff0ff1 before each single step (hc_tf_*): the bits that read
 * as 1 (with RTM, bit 16, active low) and B0. The step's #DB leaves BS
 * set and B0-B3 clear.
 */
#define DR6_STEPPED	0xffff4ff0ull

static u64 gdt[9] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffull,	/* 0x08 kernel code */
	0x00cf93000000ffffull,	/* 0x10 kernel data */
	0x00cff3000000ffffull,	/* 0x18 user data */
	0x00affb000000ffffull,	/* 0x20 user code */
	0, 0,			/* 0x28 TSS (filled in) */
	0x00cf13000000ffffull,	/* 0x38 data, not present */
	0,
};
static struct tss64 tss __attribute__((aligned(16)));
static struct gate64 idt[256] __attribute__((aligned(16)));
static u8 ring0_stack[8192] __attribute__((aligned(16)));
static u8 ist_stack[4096] __attribute__((aligned(16)));
static u8 user_stack[8192] __attribute__((aligned(16)));
static u8 region[4096] __attribute__((aligned(4096)));

volatile u64 ac_count, db_count, user_n;
/* hc_db_stub: when db_dr6_arm is set, the next #DB stores DR6 and clears it */
volatile u64 db_dr6, db_dr6_arm;
u64 kernel_rsp;
u8 ac_buf[64] __attribute__((aligned(64)));
static int failed;
static bool tcg;
static u64 storm_n = STORM_DEFAULT;

#define MBOX		0x9000

void hc_ac_stub(void);
void hc_db_stub(void);
void hc_ret_stub(void);
void hc_enter_user(u64 rip, u64 rsp, u64 rflags);
void hc_user_ac(void);
void hc_db_storm(u64 n);
u64 hc_tf_nop(void), hc_tf_cpuid(void), hc_tf_out(void), hc_tf_rdmsr(void);

__asm__(
	".text\n"
	/* #AC (error code): count it and skip the 2-byte MOV that raised it */
	"hc_ac_stub:\n"
	"	incq	ac_count(%rip)\n"
	"	addq	$2, 8(%rsp)\n"
	"	addq	$8, %rsp\n"
	"	iretq\n"
	"hc_db_stub:\n"
	"	incq	db_count(%rip)\n"
	"	cmpq	$0, db_dr6_arm(%rip)\n"
	"	je	1f\n"
	"	movq	$0, db_dr6_arm(%rip)\n"
	"	push	%rax\n"
	"	mov	%dr6, %rax\n"
	"	mov	%rax, db_dr6(%rip)\n"
	"	pop	%rax\n"
	"1:	iretq\n"
	/* INT 0x80 from CPL 3: back to hc_enter_user's caller */
	"hc_ret_stub:\n"
	"	mov	kernel_rsp(%rip), %rsp\n"
	"	mov	$0x10, %eax\n"
	"	mov	%eax, %ds\n"
	"	mov	%eax, %es\n"
	GUEST_ASM_POP_CALLEE_SAVED
	"	ret\n"
	"hc_enter_user:\n"
	GUEST_ASM_PUSH_CALLEE_SAVED
	"	mov	%rsp, kernel_rsp(%rip)\n"
	"	pushq	$0x1b\n"
	"	push	%rsi\n"
	"	push	%rdx\n"
	"	pushq	$0x23\n"
	"	push	%rdi\n"
	"	iretq\n"
	/* CPL 3, RFLAGS.AC set: user_n misaligned loads, then INT 0x80 */
	"hc_user_ac:\n"
	"	mov	user_n(%rip), %rcx\n"
	"	lea	ac_buf+1(%rip), %rdi\n"
	"1:	movl	(%rdi), %eax\n"		/* 8b 07: 2 bytes */
	"	dec	%rcx\n"
	"	jnz	1b\n"
	"	int	$0x80\n"
	/* single-step @rdi loop iterations (two instructions each) */
	"hc_db_storm:\n"
	"	mov	%rdi, %rcx\n"
	"	pushfq\n"
	"	orq	$0x100, (%rsp)\n"
	"	popfq\n"
	"1:	dec	%rcx\n"
	"	jnz	1b\n"
	"	pushfq\n"
	"	andq	$~0x100, (%rsp)\n"
	"	popfq\n"
	"	ret\n"
	/*
	 * single-step over one instruction: the #DBs it took; DR6 starts
	 * with B0 set, the first #DB (after the instruction) stores it
	 */
	".macro	tf_one name, insn:vararg\n"
	"hc_tf_\\name:\n"
	"	push	%rbx\n"
	"	mov	$0xffff0ff1, %eax\n"
	"	mov	%rax, %dr6\n"
	"	movq	$0, db_dr6(%rip)\n"
	"	movq	$1, db_dr6_arm(%rip)\n"
	"	mov	db_count(%rip), %r8\n"
	"	xor	%eax, %eax\n"
	"	mov	$0xc0000080, %ecx\n"
	"	pushfq\n"
	"	orq	$0x100, (%rsp)\n"
	"	popfq\n"
	"	\\insn\n"
	"	pushfq\n"
	"	andq	$~0x100, (%rsp)\n"
	"	popfq\n"
	"	mov	db_count(%rip), %rax\n"
	"	sub	%r8, %rax\n"
	"	pop	%rbx\n"
	"	ret\n"
	".endm\n"
	"tf_one	nop, nop\n"
	"tf_one	cpuid, cpuid\n"
	"tf_one	out, outb %al, $0x80\n"
	"tf_one	rdmsr, rdmsr\n");

/* Our own GDT (user segments, a TSS) and a 256-entry IDT. */
static void setup_tables(void)
{
	tss.rsp[0] = (uintptr_t)(ring0_stack + sizeof(ring0_stack));
	tss.ist[0] = (uintptr_t)(ist_stack + sizeof(ist_stack));
	desc64_tss(gdt, 5, &tss);		/* SEL_TSS */
	/* keep the runtime's exception stubs (0-31), add ours */
	desc64_runtime_gates(idt);
	desc64_gate(&idt[1], hc_db_stub, GATE64_INTR, 0);
	desc64_gate(&idt[17], hc_ac_stub, GATE64_INTR, 0);
	desc64_gate(&idt[0x80], hc_ret_stub, GATE64_INTR_USER, 0);
	desc64_load(gdt, sizeof(gdt), SEL_TSS, idt, sizeof(idt));
}

/* Let CPL 3 use the identity map: U in every present entry down to RAM. */
static void map_user(void)
{
	uintptr_t cr3;
	u64 *pml4, *pdpt, *pd, *pt;
	unsigned int i, j, k;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(cr3 & ~0xfffull);
	pml4[0] |= 4;
	pdpt = (u64 *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
	for (i = 0; i < 4; i++) {
		if (!(pdpt[i] & 1))
			continue;
		pdpt[i] |= 4;
		if (pdpt[i] & 0x80)
			continue;
		pd = (u64 *)(uintptr_t)(pdpt[i] & 0x000ffffffffff000ull);
		for (j = 0; j < 512; j++) {
			if (!(pd[j] & 1))
				continue;
			pd[j] |= 4;
			if (pd[j] & 0x80)
				continue;
			pt = (u64 *)(uintptr_t)(pd[j] & 0x000ffffffffff000ull);
			for (k = 0; k < 512; k++)
				if (pt[k] & 1)
					pt[k] |= 4;
		}
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

static void report(const char *name, int vec, int want, uintptr_t want_err)
{
	if (vec < 0)
		printf("%s: ok\n", name);
	else if (vec == X86_UD)
		printf("%s: #UD\n", name);
	else if (vec == X86_GP || vec == 11)
		printf("%s: #%s(0x%lx)\n", name, vec == 11 ? "NP" : "GP",
		       (unsigned long)guest_trap_error);
	else
		printf("%s: vector %d\n", name, vec);
	if (vec != want || (want >= 0 && guest_trap_error != want_err))
		failed++;
}

#define TRY(name, want, err, insn, ...)					\
	do {								\
		int v_;							\
		guest_try_arm();					\
		__asm__ volatile(GUEST_TRY_BEGIN insn GUEST_TRY_END	\
				 : : __VA_ARGS__ : "memory", "cc");	\
		v_ = guest_try_done();					\
		report(name, v_, want, err);				\
	} while (0)

/* Both vendors' virtualization instructions: #UD, the hypercall aside. */
static void virt_insns(void)
{
	bool amd = guest_cpu_vendor() == VENDOR_AMD;
	u64 pa = (uintptr_t)region;
	static u64 desc[2];
	u64 out;

	desc[0] = pa;
	TRY("vmxon", X86_UD, 0, "vmxon (%0)", "r"(desc));
	TRY("vmptrld", X86_UD, 0, "vmptrld (%0)", "r"(desc));
	TRY("vmptrst", X86_UD, 0, "vmptrst (%0)", "r"(&out));
	TRY("vmclear", X86_UD, 0, "vmclear (%0)", "r"(desc));
	TRY("vmread", X86_UD, 0, "vmread %0, (%1)", "r"(0x681eull), "r"(&out));
	TRY("vmwrite", X86_UD, 0, "vmwrite %0, %1", "r"(0ull), "r"(0x681eull));
	TRY("vmlaunch", X86_UD, 0, "vmlaunch");
	TRY("vmresume", X86_UD, 0, "vmresume");
	TRY("vmxoff", X86_UD, 0, "vmxoff");
	TRY("invept", X86_UD, 0, "invept (%0), %1", "r"(desc), "r"(1ull));
	TRY("invvpid", X86_UD, 0, "invvpid (%0), %1", "r"(desc), "r"(1ull));
	TRY("vmfunc", X86_UD, 0, "vmfunc", "a"(0), "c"(0));
	TRY("vmrun", X86_UD, 0, "vmrun %%rax", "a"(pa));
	TRY("vmload", X86_UD, 0, "vmload %%rax", "a"(pa));
	TRY("vmsave", X86_UD, 0, "vmsave %%rax", "a"(pa));
	TRY("stgi", X86_UD, 0, "stgi");
	TRY("clgi", X86_UD, 0, "clgi");
	TRY("skinit", X86_UD, 0, "skinit %%eax", "a"(pa));
	TRY("invlpga", X86_UD, 0, "invlpga %%rax, %%ecx", "a"(pa), "c"(0));
	/* hvm's hypercall is VMMCALL on AMD, VMCALL on Intel (SPEC.md) */
	TRY("vmcall", amd ? X86_UD : -1, 0, "vmcall", "a"(1ull));
	TRY("vmmcall", amd ? -1 : X86_UD, 0, "vmmcall", "a"(1ull));
}

#define MOV_CR(name, cr, val, want, err)				\
	TRY(name, want, err, "mov %0, %%" cr, "r"((u64)(val)))
/* CR0, CR3, CR8: not checked by QEMU TCG for an SVM guest */
#define MOV_CR_NATIVE(name, cr, val, want, err)				\
	do {								\
		if (tcg)						\
			printf("%s: not tried\n", name);		\
		else							\
			MOV_CR(name, cr, val, want, err);		\
	} while (0)

static void illegal_state(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4(), cr3, efer = rdmsr(MSR_EFER);
	u32 maxphy, a, b, c, d;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	maxphy = a & 0xff;

	MOV_CR_NATIVE("cr0 pg without pe", "cr0", cr0 & ~CR0_PE, X86_GP, 0);
	MOV_CR_NATIVE("cr0 nw without cd", "cr0", (cr0 & ~CR0_CD) | CR0_NW, X86_GP, 0);
	MOV_CR_NATIVE("cr0 bit 32", "cr0", cr0 | (1ull << 32), X86_GP, 0);
	MOV_CR_NATIVE("cr0 pg off in long mode", "cr0", cr0 & ~CR0_PG, X86_GP, 0);
	MOV_CR("cr4 pae off in long mode", "cr4", cr4 & ~CR4_PAE, X86_GP, 0);
	MOV_CR("cr4 vmxe", "cr4", cr4 | CR4_VMXE, X86_GP, 0);
	MOV_CR("cr4 pcide", "cr4", cr4 | CR4_PCIDE, X86_GP, 0);
	MOV_CR("cr4 la57 in long mode", "cr4", cr4 | CR4_LA57, X86_GP, 0);
	MOV_CR("cr4 bit 63", "cr4", cr4 | (1ull << 63), X86_GP, 0);
	MOV_CR_NATIVE("cr3 above maxphyaddr", "cr3", cr3 | (1ull << maxphy), X86_GP, 0);
	MOV_CR_NATIVE("cr8 16", "cr8", 16, X86_GP, 0);
	MOV_CR("dr7 bit 32", "dr7", 0x400ull | (1ull << 32), X86_GP, 0);
	MOV_CR("dr6 bit 32", "dr6", 0xffff0ff0ull | (1ull << 32), X86_GP, 0);
	/* CR4.DE: DR4/DR5 are reserved, not aliases of DR6/DR7 */
	MOV_CR("cr4 de", "cr4", cr4 | CR4_DE, -1, 0);
	TRY("mov dr4 with cr4.de", X86_UD, 0, "mov %0, %%dr4", "r"(0ull));
	MOV_CR("cr4 restore", "cr4", cr4, -1, 0);
	printf("cr0/cr3/cr4 unchanged: %s\n",
	       read_cr0() == cr0 && read_cr4() == cr4 ? "yes" : "no");

	TRY("efer lme off with paging", X86_GP, 0, "wrmsr",
	    "c"(MSR_EFER), "a"((u32)(efer & ~EFER_LME)), "d"((u32)(efer >> 32)));
	TRY("efer svme", X86_GP, 0, "wrmsr",
	    "c"(MSR_EFER), "a"((u32)(efer | EFER_SVME)), "d"((u32)(efer >> 32)));
	TRY("efer bit 63", X86_GP, 0, "wrmsr",
	    "c"(MSR_EFER), "a"((u32)efer), "d"((u32)(efer >> 32) | 0x80000000u));
	printf("efer unchanged: %s\n", rdmsr(MSR_EFER) == efer ? "yes" : "no");

	TRY("ss = code segment", X86_GP, SEL_KCODE, "mov %0, %%ss", "r"(SEL_KCODE));
	TRY("ds past gdt limit", X86_GP, SEL_PAST, "mov %0, %%ds", "r"(SEL_PAST));
	TRY("ds rpl 3 dpl 0", X86_GP, SEL_KDATA, "mov %0, %%ds", "r"(SEL_KDATA | 3));
	TRY("ds not present", 11, SEL_NP, "mov %0, %%ds", "r"(SEL_NP));
	TRY("ltr data segment", X86_GP, SEL_KDATA, "ltr %w0", "r"((u16)SEL_KDATA));
	TRY("lldt code segment", X86_GP, SEL_KCODE, "lldt %w0", "r"((u16)SEL_KCODE));
	__asm__ volatile("mov %0, %%ds; mov %0, %%es" : : "r"(SEL_KDATA));
}

static void storms(void)
{
	u64 cr0 = read_cr0();
	unsigned int i;
	static const char *const tf_names[] = { "nop", "cpuid", "out", "rdmsr" };
	static u64 (*const tf[])(void) = {
		hc_tf_nop, hc_tf_cpuid, hc_tf_out, hc_tf_rdmsr,
	};

	/* #AC: CPL 3, CR0.AM and RFLAGS.AC (SDM vol. 3A 6.15 "Interrupt 17") */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_AM));
	user_n = storm_n;
	hc_enter_user((uintptr_t)hc_user_ac,
		      (uintptr_t)(user_stack + sizeof(user_stack)), 0x2 | RFLAGS_AC);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	printf("ac storm: %lu\n", (unsigned long)ac_count);
	if (ac_count != (tcg ? 0 : storm_n))
		failed++;

	db_count = 0;
	hc_db_storm(storm_n);
	/* two instructions per iteration, then PUSHF, AND, POPF */
	printf("db storm: %lu\n", (unsigned long)db_count);
	if (db_count != 2 * storm_n + 3)
		failed++;

	for (i = 0; i < 4; i++) {
		u64 n = tf[i]();

		/* the instruction, the PUSHF, AND and POPF after it */
		printf("single-step over %s: %lu\n", tf_names[i], (unsigned long)n);
		if (n != 4)
			failed++;
		if (db_dr6 != DR6_STEPPED) {
			printf("single-step over %s: dr6 0x%lx, not 0x%lx\n",
			       tf_names[i], (unsigned long)db_dr6,
			       (unsigned long)DR6_STEPPED);
			failed++;
		}
	}
}

/*
 * CVE-2015-8104: #DB delivery on IST1 hits a data breakpoint on IST1, so
 * delivering #DB raises #DB again without retiring an instruction. Under
 * TCG: RFLAGS.TF on a jump to itself, one #DB per instruction, forever.
 */
static void db_loop(void)
{
	u64 top = (uintptr_t)(ist_stack + sizeof(ist_stack));

	if (tcg) {
		printf("db loop\n");
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; 1: jmp 1b"
				 : : : "memory", "cc");
	}
	idt[1].ist = 1;
	/* DR7: L0, R/W0 = 01 (writes), LEN0 = 11 (8 bytes); SDM vol. 3B 18.2.4 */
	__asm__ volatile("mov %0, %%dr0" : : "r"(top - 8));
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull | 1 | 1 << 16 | 3 << 18));
	printf("db loop\n");
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; "
			 "pushfq; andq $~0x100, (%%rsp); popfq" : : : "memory", "cc");
	/* only if the breakpoint did not fire again and again */
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
	printf("db loop ended after %lu\n", (unsigned long)db_count);
}

int main(void)
{
	/* kernel code runs from pages map_user() makes user pages */
	__asm__ volatile("mov %0, %%cr4" : : "r"(read_cr4() & ~(3ull << 20)));
	tcg = *(volatile u32 *)MBOX & 1;
	if (((volatile u32 *)MBOX)[1])
		storm_n = ((volatile u32 *)MBOX)[1];
	setup_tables();
	map_user();
	virt_insns();
	illegal_state();
	storms();
	printf("%d checks failed\n", failed);
	db_loop();
	return 99;
}
