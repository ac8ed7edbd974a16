// SPDX-License-Identifier: GPL-2.0
/*
 * mmio: every instruction form hvm's MMIO emulator decodes, against the
 * selftests' MMIO device (hvm testdev=1, guest-physical 0xfebf0000: 16
 * scratch bytes, an access counter, an IRQ and an NMI register), then
 * event injection through it: an external interrupt raised while IF=0 is
 * delivered only after STI and the instruction in its shadow; an NMI is
 * delivered at once. Each line prints what the guest observed; the host
 * compares the whole output. The last case is an instruction the emulator
 * does not know (BTS on the device): the VM stops with reason unhandled
 * on it, after "unsupported:" was printed.
 *
 * Without testdev=1 nothing answers at 0xfebf0000: the first access stops
 * the VM with reason fault at that address.
 */
#include "lib/mmio64.h"

#define TD		0xfebf0000ULL
#define TD_COUNT	0x10
#define TD_IRQ		0x18
#define TD_NMI		0x20
#define IRQ_VECTOR	0x40

/* CF PF AF ZF SF OF: what the ALU forms must leave as the CPU would. */
#define ARITH		0x8d5ULL

static u8 ram[32] __attribute__((aligned(16)));

volatile u32 irq_count, nmi_count, marker, irq_marker_seen;
extern char irq_stub[], nmi_stub[], bts_insn[];
void bts_fn(u64 addr);

__asm__(
	"	.text\n"
	"irq_stub:\n"
	"	push %rax\n"
	"	incl irq_count(%rip)\n"
	"	movl marker(%rip), %eax\n"
	"	movl %eax, irq_marker_seen(%rip)\n"
	"	pop %rax\n"
	"	iretq\n"
	"nmi_stub:\n"
	"	incl nmi_count(%rip)\n"
	"	iretq\n"
	"bts_fn:\n"
	"bts_insn:\n"
	"	btsq $1, (%rdi)\n"
	"	ret\n");

static volatile u8 *td8(unsigned int off)
{
	return (volatile u8 *)(uintptr_t)(TD + off);
}

static u64 td_rd64(unsigned int off)
{
	return *(volatile u64 *)(uintptr_t)(TD + off);
}

static void idt_setup(void)
{
	mmio64_idt_load();
	mmio64_gate(2, nmi_stub);
	mmio64_gate(IRQ_VECTOR, irq_stub);
}

static void clear_scratch(void)
{
	*(volatile u64 *)(uintptr_t)TD = 0;
	*(volatile u64 *)(uintptr_t)(TD + 8) = 0;
}

static void show(const char *name)
{
	printf("%s: %016llx %016llx\n", name, (unsigned long long)td_rd64(0),
	       (unsigned long long)td_rd64(8));
}

static void stores(void)
{
	u64 a = 0x1122334455667788ULL;

	clear_scratch();
	/* 88 (with REX for SIL), 66 89, 89, REX.W 89 */
	__asm__ volatile("movb %b0, (%1)" : : "q"(a), "r"(TD) : "memory");
	__asm__ volatile("movw %w0, 2(%1)" : : "r"(a), "r"(TD) : "memory");
	__asm__ volatile("movl %k0, 4(%1)" : : "r"(a), "r"(TD) : "memory");
	__asm__ volatile("movq %0, 8(%1)" : : "r"(~a), "r"(TD) : "memory");
	show("mov-store");

	/* AH without REX (88 /r with reg 4), SIL with REX */
	clear_scratch();
	__asm__ volatile("mov $0xab, %%ah\n\tmovb %%ah, 1(%0)" : : "r"(TD) : "rax", "memory");
	__asm__ volatile("mov $0xcd, %%esi\n\tmovb %%sil, 3(%0)" : : "r"(TD) : "rsi", "memory");
	show("mov-store-byteregs");

	/* C6 /0, 66 C7 /0, C7 /0, REX.W C7 /0 (imm32 sign-extended) */
	clear_scratch();
	__asm__ volatile("movb $0x5a, (%0)\n\tmovw $0x1234, 2(%0)\n\t"
			 "movl $0x89abcdef, 4(%0)\n\tmovq $-3, 8(%0)"
			 : : "r"(TD) : "memory");
	show("mov-imm");

	/* A2 / A3 moffs with a 64-bit offset, and SIB base+index*scale+disp8 */
	clear_scratch();
	__asm__ volatile("mov $0x77, %%al\n\tmovabs %%al, 0xfebf0005\n\t"
			 "mov $0x66554433, %%eax\n\tmovabs %%eax, 0xfebf0008"
			 : : : "rax", "memory");
	__asm__ volatile("movw $0x9988, 0x4(%0,%1,2)" : : "r"(TD), "r"(4ULL) : "memory");
	show("moffs-sib");
}

static void loads(void)
{
	u64 v8, v16, v32, v64, ah, zx8, zx16, sx8, sx16, sx32, moffs, rip;

	clear_scratch();
	*(volatile u64 *)(uintptr_t)TD = 0x8070605040302010ULL;
	*(volatile u64 *)(uintptr_t)(TD + 8) = 0xfffefdfcfbfaf9f8ULL;
	v8 = v16 = v32 = ah = ~0ULL;
	__asm__ volatile("movb 1(%1), %b0" : "+q"(v8) : "r"(TD));
	__asm__ volatile("movw 2(%1), %w0" : "+r"(v16) : "r"(TD));
	__asm__ volatile("movl 4(%1), %k0" : "+r"(v32) : "r"(TD));
	__asm__ volatile("movq 8(%1), %0" : "=r"(v64) : "r"(TD));
	__asm__ volatile("mov $-1, %%rax\n\tmovb 7(%1), %%ah\n\tmov %%rax, %0"
			 : "=r"(ah) : "r"(TD) : "rax");
	printf("mov-load: %llx %llx %llx %llx %llx\n", (unsigned long long)v8,
	       (unsigned long long)v16, (unsigned long long)v32,
	       (unsigned long long)v64, (unsigned long long)ah);

	__asm__ volatile("movzbq 8(%1), %0" : "=r"(zx8) : "r"(TD));
	__asm__ volatile("movzwl 8(%1), %k0" : "=r"(zx16) : "r"(TD));
	__asm__ volatile("movsbq 8(%1), %0" : "=r"(sx8) : "r"(TD));
	__asm__ volatile("movswq 8(%1), %0" : "=r"(sx16) : "r"(TD));
	__asm__ volatile("movslq 12(%1), %0" : "=r"(sx32) : "r"(TD));
	printf("movzx-movsx: %llx %llx %llx %llx %llx\n", (unsigned long long)zx8,
	       (unsigned long long)zx16, (unsigned long long)sx8,
	       (unsigned long long)sx16, (unsigned long long)sx32);

	__asm__ volatile("movabs 0xfebf0008, %%rax\n\tmov %%rax, %0" : "=r"(moffs) : : "rax");
	/* RIP-relative cannot reach 0xfebf0000 from the image; use addr32 instead. */
	__asm__ volatile("mov $0xfebf0000, %%eax\n\taddr32 movq 8(%%eax), %0"
			 : "=r"(rip) : : "rax");
	printf("moffs-addr32: %llx %llx\n", (unsigned long long)moffs,
	       (unsigned long long)rip);
}

#define ALU(name, insn, init, operand)						\
	do {									\
		u64 f, r = (operand);						\
		*(volatile u64 *)(uintptr_t)TD = (init);			\
		__asm__ volatile(insn "\n\tpushfq\n\tpopq %0"			\
				 : "=r"(f), "+r"(r) : "r"(TD) : "memory", "cc"); \
		printf("%s: mem=%016llx reg=%llx flags=%03llx\n", name,	\
		       (unsigned long long)td_rd64(0), (unsigned long long)r,	\
		       (unsigned long long)(f & ARITH));			\
	} while (0)

static void alu(void)
{
	ALU("add-mem-reg", "addl %k1, (%2)", 0x7fffffffULL, 1);
	ALU("add-reg-mem", "addq (%2), %1", 0xffffffffffffffffULL, 1);
	ALU("sub-mem-imm8", "subb $1, (%2)", 0, 0);
	ALU("sub-reg-mem16", "subw (%2), %w1", 0x8000, 0x7fff);
	ALU("and-mem-imm32", "andl $0xf0f0f0f0, (%2)", 0x12345678ULL, 0);
	ALU("or-mem-reg8", "orb %b1, 1(%2)", 0, 0x80);
	ALU("xor-mem-imm8sx", "xorq $-1, (%2)", 0x5555555555555555ULL, 0);
	ALU("cmp-mem-reg", "cmpl %k1, (%2)", 5, 7);
	ALU("cmp-reg-mem", "cmpq (%2), %1", 7, 7);
	ALU("test-mem-reg", "testw %w1, (%2)", 0x8001, 0x8000);
	ALU("test-mem-imm", "testb $0x80, (%2)", 0x7f, 0);
	/* XCHG leaves the flags alone: CMP sets them to a known value first. */
	ALU("xchg", "cmpq %1, %1\n\txchgq %1, (%2)", 0x1111, 0x2222);
	ALU("lock-or", "lock orl %k1, 4(%2)", 0, 0x40000000);
}

static void strings(void)
{
	u64 rcx, rdi, rsi;
	int i;

	for (i = 0; i < 32; i++)
		ram[i] = 0xa0 + i;

	clear_scratch();
	__asm__ volatile("cld\n\tmov $0x3c, %%al\n\trep stosb"
			 : "=c"(rcx), "=D"(rdi) : "c"(16ULL), "D"(TD) : "rax", "memory");
	show("rep-stosb");
	printf("rep-stosb-regs: rcx=%llx rdi=+%llx\n", (unsigned long long)rcx,
	       (unsigned long long)(rdi - TD));

	clear_scratch();
	__asm__ volatile("mov $0x0102030405060708, %%rax\n\tstosq"
			 : "=D"(rdi) : "D"(TD + 8) : "rax", "memory");
	show("stosq");

	clear_scratch();
	__asm__ volatile("cld\n\trep movsb"
			 : "=c"(rcx), "=S"(rsi), "=D"(rdi)
			 : "c"(16ULL), "S"(ram), "D"(TD) : "memory");
	show("rep-movsb-ram-to-mmio");

	for (i = 0; i < 32; i++)
		ram[i] = 0;
	__asm__ volatile("std\n\tmovsq\n\tmovsq\n\tcld"
			 : "=S"(rsi), "=D"(rdi)
			 : "S"(TD + 8), "D"(ram + 8) : "memory");
	printf("movsq-std-mmio-to-ram: %02x%02x %02x%02x rsi=+%llx\n", ram[0], ram[15],
	       ram[8], ram[7], (unsigned long long)(rsi - TD));
}

static void segments(void)
{
	u64 fs, ds;

	/* FS override: FS.base = the device (64-bit mode honours FS/GS only). */
	wrmsr(MSR_FS_BASE, TD);
	*(volatile u64 *)(uintptr_t)(TD + 8) = 0x0badf00dcafef00dULL;
	__asm__ volatile("movq %%fs:8, %0" : "=r"(fs));
	/* DS override in 64-bit mode: base 0 whatever DS says. */
	__asm__ volatile("movq %%ds:0(%1), %0" : "=r"(ds) : "r"(TD + 8));
	printf("segments: fs=%llx ds=%llx\n", (unsigned long long)fs,
	       (unsigned long long)ds);
	wrmsr(MSR_FS_BASE, 0);
}

static void events(void)
{
	u32 c0, c1;

	/* An interrupt raised while IF=0 waits for STI and its shadow. */
	marker = 0;
	__asm__ volatile("cli");
	*td8(TD_IRQ) = IRQ_VECTOR;
	c0 = irq_count;
	__asm__ volatile("sti\n\tmovl $1, marker(%%rip)\n\tnop" : : : "memory");
	c1 = irq_count;
	printf("irq: while-if0=%u after-sti=%u marker-seen=%u\n", c0, c1,
	       irq_marker_seen);

	/* An NMI goes in at once, even with IF=0. */
	__asm__ volatile("cli");
	*td8(TD_NMI) = 1;
	c0 = nmi_count;
	__asm__ volatile("sti");
	printf("nmi: delivered=%u irq-count=%u\n", c0, irq_count);
}

int main(void)
{
	u64 count;

	mmio64_map(&(const u64){ TD }, 1);
	idt_setup();
	stores();
	loads();
	alu();
	strings();
	segments();
	events();
	count = td_rd64(TD_COUNT);
	printf("count: %llu\n", (unsigned long long)count);

	printf("unsupported: at=%llx\n", (unsigned long long)(uintptr_t)bts_insn);
	bts_fn(TD);
	puts_serial("not stopped\n");
	return 1;
}
