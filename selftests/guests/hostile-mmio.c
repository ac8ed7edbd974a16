// SPDX-License-Identifier: GPL-2.0
/*
 * hostile-mmio: random instructions against MMIO (hvm testdev=1).
 *
 * Sequence i (a fixed LCG seeded with i) is 0-3 random prefixes, a random
 * opcode (one byte, or 0x0f and a second), a random ModRM with mod = 01
 * and a random disp8, then NOPs for any immediate and an absolute jump to
 * the landing code; 128 bytes of INT3 lie on either side. Every general
 * register but RSP holds an address in the middle of an MMIO page (the
 * test device's registers, or the local APIC's unused upper half), so the
 * memory operand lands there (disp8 keeps it inside the page). Left out
 * are only the bytes that would leave the sandbox: HLT (it would stop the
 * VM, correctly), far and near
 * CALL/JMP rel32 and indirect, Jcc rel32, SYSCALL/SYSRET/SYSENTER/
 * SYSEXIT, MOV to/from CR/DR, LGDT/LIDT, ENTER, and REP on string
 * instructions (RCX holds an address: billions of iterations).
 *
 * Every exception goes through IST1 on a TSS of our own, so a sequence
 * that breaks RSP or the segments still gets caught; the handler sends it
 * to the landing code, which restores everything. RET, RETF and IRET find
 * an IRET frame to the landing code on the stack.
 *
 * The mailbox at guest-physical MBOX holds the number of sequences (the
 * host's choice, NSEQ when 0) and tells the host which sequence runs, its
 * bytes, the landing code, the good RSP and whether a sequence is running
 * (in_seq). When the VM stops with reason unhandled (an instruction the
 * emulator does not decode), the host notes the sequence, points RIP at
 * the landing code and RSP at the good stack, and starts the VM again.
 * The same when a sequence never ends, where with IF=0 no interrupt can
 * end it (a Jcc rel8 back to itself: sequences 1211 and 2432; a REP string
 * instruction whose prefix came before a prefix-like "opcode" and whose
 * count, RCX, is an address): the host's watchdog sees "current" stand
 * still while in_seq is set, stops the VM and resumes it at the landing
 * code. At the end the
 * guest prints how many sequences reached the landing code (those the
 * host resumed among them) and how many ended in each exception
 * (together all of them), the device's access count and a hash of every
 * outcome.
 */
#include "lib/desc64.h"
#include "lib/mmio64.h"

#define MBOX		0x9000ULL
#define NSEQ		1000	/* when the host sets none */
#define APIC		0xfee00000ULL

struct mbox {
	u32 nseq;	/* set by the host before the start: sequences to run */
	u32 current;	/* the sequence running */
	u8 bytes[16];	/* its bytes */
	u64 landing;	/* where the host resumes a VM stopped in it */
	u64 rsp;	/* with this RSP (run_seq stores it: MBOX + 32) */
	u32 in_seq;	/* MBOX + 40: 1 from run_seq until the landing code */
	u32 rsvd;
};

static u64 gdt[7] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffull,	/* 0x08 code */
	0x00cf93000000ffffull,	/* 0x10 data */
	0, 0,			/* 0x18 TSS */
	0, 0,
};
static struct tss64 tss __attribute__((aligned(16)));
static u8 ist_stack[8192] __attribute__((aligned(16)));

/* code buffer: INT3 sled, the sequence, NOPs, jmp *landing_ptr, INT3 sled */
static u8 code[512] __attribute__((aligned(4096)));
/* the sequences' stack (run_seq): RSP starts in its middle */
u8 seq_stack[4096] __attribute__((aligned(4096)));

u64 saved_rsp, base_reg, landing_ptr, code_entry;
volatile u64 exc[32], nirq;
volatile u64 last_vector;

void exc_stubs(void);
void irq_stub(void);
void run_seq(void);
void landing(void);

__asm__(
	"	.text\n"
	/* exceptions: 16-byte stubs, error code or not, then a common tail */
	"	.balign	16\n"
	"exc_stubs:\n"
	"	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	.balign	16\n"
	"	.if (\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || (\\v == 21) || (\\v == 29) || (\\v == 30)\n"
	"	.else\n"
	"	pushq	$0\n"
	"	.endif\n"
	"	pushq	$\\v\n"
	"	jmp	exc_common\n"
	"	.endr\n"
	"exc_common:\n"
	"	push	%rax\n"
	"	mov	8(%rsp), %rax\n"
	"	mov	%rax, last_vector(%rip)\n"
	"	lea	exc(%rip), %rax\n"
	"	push	%rcx\n"
	"	mov	16(%rsp), %rcx\n"
	"	incq	(%rax,%rcx,8)\n"
	"	cmp	$2, %rcx\n"		/* NMI: carry on where it was */
	"	pop	%rcx\n"
	"	pop	%rax\n"
	"	je	1f\n"
	/* the rest: IRET to the landing code on the good stack, IF=0 */
	"	movq	$landing, 16(%rsp)\n"
	"	movq	$0x08, 24(%rsp)\n"
	"	movq	$0x2, 32(%rsp)\n"
	"	push	%rax\n"
	"	mov	saved_rsp(%rip), %rax\n"
	"	mov	%rax, 48(%rsp)\n"
	"	pop	%rax\n"
	"	movq	$0x10, 48(%rsp)\n"
	"1:	add	$16, %rsp\n"
	"	iretq\n"
	/* interrupts (the device's random IRQ and TIMER writes): EOI */
	"irq_stub:\n"
	"	push	%rax\n"
	"	incq	nirq(%rip)\n"
	"	movabs	$0xfee000b0, %rax\n"
	"	movl	$0, (%rax)\n"
	"	pop	%rax\n"
	"	iretq\n"
	/* run one sequence: callee-saved registers stay on the good stack */
	"run_seq:\n"
	GUEST_ASM_PUSH_CALLEE_SAVED
	"	mov	%rsp, saved_rsp(%rip)\n"
	"	mov	%rsp, 0x9020\n"
	/*
	 * The sequence runs on a stack of its own: a [RSP + disp8] or a
	 * PUSH/POP in it can reach only that page, never main's frame.
	 */
	"	lea	seq_stack+2048(%rip), %rsp\n"
	/* an IRET frame to the landing code (RET and RETF use its top) */
	"	pushq	$0x10\n"
	"	pushq	saved_rsp(%rip)\n"
	"	pushq	$0x2\n"
	"	pushq	$0x08\n"
	"	pushq	landing_ptr(%rip)\n"
	"	pushq	code_entry(%rip)\n"
	"	mov	base_reg(%rip), %rax\n"
	"	mov	%rax, %rbx\n"
	"	mov	%rax, %rcx\n"
	"	mov	%rax, %rdx\n"
	"	mov	%rax, %rsi\n"
	"	mov	%rax, %rdi\n"
	"	mov	%rax, %rbp\n"
	"	mov	%rax, %r8\n"
	"	mov	%rax, %r9\n"
	"	mov	%rax, %r10\n"
	"	mov	%rax, %r11\n"
	"	mov	%rax, %r12\n"
	"	mov	%rax, %r13\n"
	"	mov	%rax, %r14\n"
	"	mov	%rax, %r15\n"
	"	movl	$1, 0x9028\n"		/* in_seq: the host may resume at landing */
	"	ret\n"
	/* 512 bytes of INT3 below the landing code: POP RSP lands in them */
	"	.balign	16\n"
	"	.skip	512, 0xcc\n"
	"landing:\n"
	"	mov	saved_rsp(%rip), %rsp\n"
	"	mov	$0x10, %eax\n"
	"	mov	%eax, %ds\n"
	"	mov	%eax, %es\n"
	"	mov	%eax, %ss\n"
	"	mov	%eax, %fs\n"
	"	mov	%eax, %gs\n"
	"	pushq	$2\n"
	"	popfq\n"
	GUEST_ASM_POP_CALLEE_SAVED
	"	movl	$0, 0x9028\n"		/* in_seq */
	"	ret\n");

static u64 seed;

static u32 rnd(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (u32)(seed >> 33);
}

/* As a first byte (or as a byte some other opcode leaves to run). */
static bool bad_byte(u8 b)
{
	return b == 0xf4 || b == 0xe8 || b == 0xe9 || b == 0xc8 || b == 0x9a ||
	       b == 0xea;
}

static bool bad_0f(u8 b, u8 modrm)
{
	unsigned int reg = (modrm >> 3) & 7;

	return b == 0x05 || b == 0x07 || b == 0x34 || b == 0x35 ||
	       (b >= 0x20 && b <= 0x23) || (b >= 0x80 && b <= 0x8f) ||
	       (b == 0x01 && (reg == 2 || reg == 3));
}

static const u8 prefixes[] = {
	0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65,
	0x40, 0x41, 0x44, 0x48, 0x49, 0x4c, 0x4f,
};

/* Build sequence @i into code[]; returns its length. */
static unsigned int build(u32 i, u8 *out)
{
	unsigned int n = 0, np, k;
	u8 op, op2 = 0, modrm, disp;

	seed = 0x9e3779b97f4a7c15ull ^ i;
	np = rnd() % 4;
	for (k = 0; k < np; k++)
		out[n++] = prefixes[rnd() % sizeof(prefixes)];
	do {
		op = rnd();
	} while (bad_byte(op));
	modrm = 0x40 | (rnd() & 0x3f);
	if (op == 0x0f) {
		do {
			op2 = rnd();
		} while (bad_0f(op2, modrm));
	}
	/* FF /2-/5: CALL and JMP through memory */
	if (op == 0xff && ((modrm >> 3) & 7) >= 2 && ((modrm >> 3) & 7) <= 5)
		modrm &= ~0x30;		/* INC or DEC instead */
	do {
		disp = rnd();
	} while (bad_byte(disp) || disp == 0x0f);
	/* RCX is an address too: no REP on string instructions */
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
	    (op >= 0x6c && op <= 0x6f))
		for (k = 0; k < n; k++)
			if (out[k] == 0xf2 || out[k] == 0xf3)
				out[k] = 0x3e;
	out[n++] = op;
	if (op == 0x0f)
		out[n++] = op2;
	out[n++] = modrm;
	out[n++] = disp;
	return n;
}

static void fill_int3(u64 from, u64 to)
{
	u64 n = to - from;

	__asm__ volatile("rep stosb" : "+D"(from), "+c"(n) : "a"(0xcc) : "memory");
}

static void setup(void)
{
	static struct gate64 idt[256] __attribute__((aligned(16)));
	static const u64 devices[] = { TD_BASE, APIC };
	unsigned int v;

	mmio64_map(devices, 2);
	tss.ist[0] = (uintptr_t)(ist_stack + sizeof(ist_stack));
	desc64_tss(gdt, 3, &tss);
	for (v = 0; v < 256; v++)
		desc64_gate(&idt[v], v < 32 ? (void *)((uintptr_t)exc_stubs + 16 * v) :
					      (void *)irq_stub, GATE64_INTR, 1);
	desc64_load(gdt, sizeof(gdt), 0x18, idt, sizeof(idt));
	/* software-enable the APIC so the device's interrupts can come in */
	*(volatile u32 *)(uintptr_t)(APIC + 0xf0) = 0x1ff;
	landing_ptr = (uintptr_t)landing;
}

int main(void)
{
	volatile struct mbox *mb = (volatile struct mbox *)(uintptr_t)MBOX;
	u64 cr0 = read_cr0(), cr4 = read_cr4(), lastexc[32], h = 1469598103934665603ull;
	u32 i, landed = 0, nseq = mb->nseq ? mb->nseq : NSEQ;
	unsigned int v, n;

	setup();
	/*
	 * A sequence that pushes a small immediate and returns to it runs
	 * low memory: make that INT3 (0-1 MiB but the mailbox page; the
	 * loader's own structures lie at the top of RAM).
	 */
	fill_int3(0, MBOX);
	fill_int3(MBOX + 0x1000, 0x100000);
	mb->landing = landing_ptr;
	for (i = 0; i < nseq; i++) {
		u8 seq[16];
		int outcome = 32;	/* reached the landing code */

		for (v = 0; v < 32; v++)
			lastexc[v] = exc[v];
		n = build(i, seq);
		memset(code, 0xcc, sizeof(code));
		memcpy(code + 128, seq, n);
		memset(code + 128 + n, 0x90, 8);
		/* jmp *0(%rip); .quad landing_ptr */
		memcpy(code + 136 + n, "\xff\x25\x00\x00\x00\x00", 6);
		memcpy(code + 142 + n, &landing_ptr, 8);
		mb->current = i;
		memcpy((void *)mb->bytes, seq, n);
		code_entry = (uintptr_t)code + 128;
		base_reg = i & 1 ? APIC + 0x800 : TD_BASE + 0x80;
		run_seq();
		if (read_cr0() != cr0)
			__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
		if (read_cr4() != cr4)
			__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
		/* interrupts the device raised come in here */
		__asm__ volatile("sti; nop; nop; cli" : : : "memory");
		for (v = 0; v < 32; v++)
			if (v != 2 && exc[v] != lastexc[v])
				outcome = v;
		h = (h ^ (u64)(outcome + 1)) * 1099511628211ull;
		if (outcome == 32)
			landed++;
	}
	for (v = 0, n = 0; v < 32; v++)
		if (v != 2)
			n += exc[v];
	printf("sequences %u: landed %u, in exceptions %u:", nseq, landed, n);
	for (v = 0; v < 32; v++)
		if (exc[v] && v != 2)
			printf(" v%u=%lu", v, (unsigned long)exc[v]);
	printf("\ndevice accesses %lu, hash %016lx\n",
	       (unsigned long)*(volatile u64 *)(uintptr_t)(TD_BASE + 0x10),
	       (unsigned long)h);
	return 0;
}
