/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared part of the evt-*.c guests: exceptions whose delivery is
 * interrupted by a VM exit.
 *
 * hvm maps guest RAM into the nested page tables on the guest's first
 * access to each page (a nested page fault), also for pages the loader
 * already filled from the image. An exception whose delivery reads an IDT
 * entry, a TSS or pushes onto a stack on a page the guest never accessed
 * therefore exits in the middle of the delivery, and hvm must deliver the
 * event again (EXITINTINFO, APM vol. 2 15.7.2; IDT-vectoring information,
 * SDM 27.2.4 / 28.2.4). These guests keep their IDTs and their TSS
 * pre-built in the image (each on pages of its own, never read or written
 * by the guest before the exception) and give every handler its own IST
 * stack on a page outside the image that nobody touched.
 *
 * A gate's offset is split into 16/16/32 bits, which no relocation
 * expresses for an arbitrary address. The image is linked at 1 MiB
 * (lib/guest.ld), so a handler's offset is 0x0010_xxxx: evt_gate emits
 * "handler - 0x100000" as a 16-bit relocation, which ld refuses ("relocation
 * truncated to fit") should a handler ever land at or above 0x110000.
 *
 * Each guest's evt_trap() gets the frame of struct trap_frame (guest.h).
 * Vectors without a handler of interest go to evt_stub_other, which exits
 * with GUEST_EXIT_UNEXPECTED_TRAP.
 */
#ifndef HVM_EVT_H
#define HVM_EVT_H

#include "lib/guest.h"

#define PAGE		4096UL
#define EVT_IMAGE_BASE	0x100000UL	/* lib/guest.ld */

/* IST stack n (1-7): one page at 4 MiB + n * 64 KiB, never touched before. */
#define EVT_IST_BASE(n)	(0x400000 + (n) * 0x10000)
#define EVT_IST_TOP(n)	(EVT_IST_BASE(n) + 0x1000)

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_TSS		0x18

#define X86_DE		0
#define X86_DF		8
#define X86_PF		14

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL

#define EVT_STR(x)	#x
#define EVT_XSTR(x)	EVT_STR(x)

/*
 * Assembly every evt guest starts its one top-level asm block with:
 * the gate macros, the handler stubs (on a page of their own, so their
 * first instruction fetch is a nested page fault too) and the TSS.
 */
#define EVT_ASM_COMMON							\
	"	.macro evt_gate handler, ist=0\n"			\
	"	.word \\handler - 0x100000\n"				\
	"	.word " EVT_XSTR(SEL_KCODE) "\n"			\
	"	.byte \\ist\n"						\
	"	.byte 0x8e\n"	/* present, DPL 0, interrupt gate */	\
	"	.word 0x0010\n"						\
	"	.long 0\n"						\
	"	.long 0\n"						\
	"	.endm\n"						\
	"	.macro evt_gates n\n"					\
	"	.rept \\n\n"						\
	"	evt_gate evt_stub_other\n"				\
	"	.endr\n"						\
	"	.endm\n"						\
	"	.macro evt_stub name, vec, err\n"			\
	"evt_stub_\\name:\n"						\
	"	.if \\err == 0\n"					\
	"	pushq $0\n"						\
	"	.endif\n"						\
	"	pushq $\\vec\n"						\
	"	jmp evt_common\n"					\
	"	.endm\n"						\
	"	.section .text.evt, \"ax\"\n"				\
	"	.balign 4096\n"						\
	"	evt_stub de, 0, 0\n"					\
	"	evt_stub ud, 6, 0\n"					\
	"	evt_stub df, 8, 1\n"					\
	"	evt_stub gp, 13, 1\n"					\
	"	evt_stub pf, 14, 1\n"					\
	"evt_common:\n"							\
	"	push %rax\n"						\
	"	push %rbx\n"						\
	"	push %rcx\n"						\
	"	push %rdx\n"						\
	"	push %rsi\n"						\
	"	push %rdi\n"						\
	"	push %rbp\n"						\
	"	push %r8\n"						\
	"	push %r9\n"						\
	"	push %r10\n"						\
	"	push %r11\n"						\
	"	push %r12\n"						\
	"	push %r13\n"						\
	"	push %r14\n"						\
	"	push %r15\n"						\
	"	mov %rsp, %rdi\n"					\
	"	cld\n"							\
	"	call evt_trap\n"					\
	"	pop %r15\n"						\
	"	pop %r14\n"						\
	"	pop %r13\n"						\
	"	pop %r12\n"						\
	"	pop %r11\n"						\
	"	pop %r10\n"						\
	"	pop %r9\n"						\
	"	pop %r8\n"						\
	"	pop %rbp\n"						\
	"	pop %rdi\n"						\
	"	pop %rsi\n"						\
	"	pop %rdx\n"						\
	"	pop %rcx\n"						\
	"	pop %rbx\n"						\
	"	pop %rax\n"						\
	"	add $16, %rsp\n"					\
	"	iretq\n"						\
	"evt_stub_other:\n"						\
	"	mov $0x7e, %eax\n"					\
	"	mov $0xf4, %dx\n"					\
	"	outl %eax, %dx\n"					\
	"1:	cli\n"							\
	"	hlt\n"							\
	"	jmp 1b\n"						\
	"	.balign 4096\n"						\
	/* 64-bit TSS (SDM 8.7 / 9.7 figure "64-Bit TSS Format") */	\
	"	.section .data.evt_tss, \"aw\"\n"			\
	"	.balign 4096\n"						\
	"evt_tss:\n"							\
	"	.long 0\n"						\
	"	.quad 0, 0, 0\n"	/* RSP0-2 */			\
	"	.quad 0\n"						\
	"	.quad " EVT_XSTR(EVT_IST_TOP(1)) "\n"			\
	"	.quad " EVT_XSTR(EVT_IST_TOP(2)) "\n"			\
	"	.quad " EVT_XSTR(EVT_IST_TOP(3)) "\n"			\
	"	.quad " EVT_XSTR(EVT_IST_TOP(4)) "\n"			\
	"	.quad 0, 0, 0\n"	/* IST5-7 */			\
	"	.quad 0\n"						\
	"	.word 0\n"						\
	"	.word 104\n"	/* I/O map base = limit + 1: none */	\
	"	.balign 4096\n"						\
	"	.text\n"

extern char evt_tss[];

struct __attribute__((packed)) evt_dt {
	u16 limit;
	u64 base;
};

static u64 evt_gdt[5] __attribute__((aligned(16)));

/*
 * Our own GDT (code and data as lib/entry64.S has them, plus the TSS) and
 * LTR. Neither LGDT nor LTR reads the TSS itself (SDM LTR: only the
 * descriptor is read and marked busy), so its page stays untouched.
 */
static inline void evt_load_gdt_tss(void)
{
	u64 base = (uintptr_t)evt_tss;
	struct evt_dt d;

	evt_gdt[1] = 0x00af9b000000ffffULL;
	evt_gdt[2] = 0x00cf93000000ffffULL;
	evt_gdt[3] = 103 | (base & 0xffffff) << 16 | 0x89ULL << 40 |
		     (base >> 24 & 0xff) << 56;
	evt_gdt[4] = base >> 32;
	d.limit = sizeof(evt_gdt) - 1;
	d.base = (uintptr_t)evt_gdt;
	__asm__ volatile("lgdt %0" : : "m"(d));
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

/* LIDT reads nothing from the table either. */
static inline void evt_lidt(const void *base, unsigned int entries)
{
	struct evt_dt d = { (u16)(entries * 16 - 1), (uintptr_t)base };

	__asm__ volatile("lidt %0" : : "m"(d));
}

static inline uintptr_t evt_read_cr2(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void evt_invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Where the CPU put its frame (SS, RSP, RFLAGS, CS, RIP and the error
 * code, if any): "ist1-0x28" is 40 bytes below IST1's top, what a
 * delivery without error code leaves on a 16-byte aligned IST stack
 * (SDM 6.14.4 / 7.14.4 "Stack Switching in IA-32e Mode", 6.14.2 figure
 * "IA-32e Mode Stack Usage After Privilege Level Change").
 */
static inline void evt_print_sp(const struct trap_frame *f)
{
	bool err = f->vector == X86_DF || f->vector == X86_GP ||
		   f->vector == X86_PF;
	uintptr_t sp = (uintptr_t)&f->ip - (err ? 8 : 0);
	int n;

	for (n = 1; n <= 4; n++) {
		if (sp > (uintptr_t)EVT_IST_BASE(n) &&
		    sp <= (uintptr_t)EVT_IST_TOP(n)) {
			printf(" sp=ist%d-0x%lx", n,
			       (unsigned long)(EVT_IST_TOP(n) - sp));
			return;
		}
	}
	printf(" sp=0x%lx", (unsigned long)sp);
}

/* "name+0x0" when @ip is at @label, else the raw value. */
static inline void evt_print_ip(const char *what, u64 ip, const char *name,
				const void *label)
{
	int64_t off = (int64_t)(ip - (uintptr_t)label);

	if (off >= -64 && off <= 64)
		printf(" %s=%s%s0x%lx", what, name, off < 0 ? "-" : "+",
		       (unsigned long)(off < 0 ? -off : off));
	else
		printf(" %s=0x%lx", what, (unsigned long)ip);
}

/*
 * Our own page tables, for the guests that mark pages not present:
 * 0-2 MiB in 4 KiB pages (evt_pt, the image and the test pages), 2-16 MiB
 * in 2 MiB pages (the IST stacks). Supervisor, writable.
 */
static u64 evt_pml4[512] __attribute__((aligned(4096)));
static u64 evt_pdpt[512] __attribute__((aligned(4096)));
static u64 evt_pd[512] __attribute__((aligned(4096)));
static u64 evt_pt[512] __attribute__((aligned(4096)));

static inline u64 *evt_pte(uintptr_t va)
{
	return &evt_pt[(va >> 12) & 511];
}

static inline void evt_paging(void)
{
	int i;

	evt_pml4[0] = (uintptr_t)evt_pdpt | PTE_P | PTE_RW;
	evt_pdpt[0] = (uintptr_t)evt_pd | PTE_P | PTE_RW;
	evt_pd[0] = (uintptr_t)evt_pt | PTE_P | PTE_RW;
	for (i = 1; i < 8; i++)
		evt_pd[i] = ((u64)i << 21) | PTE_P | PTE_RW | PTE_PS;
	for (i = 0; i < 512; i++)
		evt_pt[i] = ((u64)i << 12) | PTE_P | PTE_RW;
}

static inline void evt_load_cr3(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)evt_pml4) : "memory");
}

void evt_trap(struct trap_frame *f);

#endif /* HVM_EVT_H */
