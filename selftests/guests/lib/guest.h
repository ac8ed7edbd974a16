/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mini runtime for the C guest payloads of the hvm selftests.
 *
 * The same source builds for 64-bit long mode (ELF64, the loader's identity
 * map) and 32-bit protected mode (ELF32 / Multiboot, paging off). Each C
 * guest's entry code (entry64.S / entry32.S / multiboot.S) loads its own
 * GDT and IDT, sets a stack in .bss and calls main(); main's return value
 * leaves through the exit port.
 *
 * Reporting is plain text on COM1 (the test compares it) plus the exit
 * code written to port 0xF4.
 */
#ifndef HVM_GUEST_H
#define HVM_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define COM1			0x3f8
#define UART_LSR_THRE		0x20
#define EXIT_PORT		0xf4

/* Exit code of a guest that took an exception it did not expect. */
#define GUEST_EXIT_UNEXPECTED_TRAP	0x7e

#define MSR_IA32_SYSENTER_CS	0x00000174
#define MSR_IA32_SYSENTER_ESP	0x00000175
#define MSR_IA32_SYSENTER_EIP	0x00000176
#define MSR_IA32_APIC_BASE	0x0000001b
#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_PAT		0x00000277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define EFER_LMA		(1u << 10)
#define EFER_SVME		(1u << 12)
#define CR4_VMXE		(1u << 13)

#define X86_UD			6
#define X86_GP			13

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* REP OUTSB / REP INSB: the string forms of port I/O. */
static inline void outsb(u16 port, const void *buf, size_t n)
{
	__asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void insb(u16 port, void *buf, size_t n)
{
	__asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
			 : "memory");
}

static inline uintptr_t read_cr0(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uintptr_t read_cr4(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

#ifdef __x86_64__
/*
 * For top-level asm that leaves a C call by another path (a landing or
 * return stub): save the SysV callee-saved registers on the stack, and
 * load them back from there.
 */
#define GUEST_ASM_PUSH_CALLEE_SAVED					\
	"	push	%rbx\n	push	%rbp\n	push	%r12\n"		\
	"	push	%r13\n	push	%r14\n	push	%r15\n"
#define GUEST_ASM_POP_CALLEE_SAVED					\
	"	pop	%r15\n	pop	%r14\n	pop	%r13\n"		\
	"	pop	%r12\n	pop	%rbp\n	pop	%rbx\n"
#endif

/* ---- exceptions ---- */

/* What the entry stubs push (see idt64.S / idt32.S). */
#ifdef __x86_64__
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 bp, di, si, dx, cx, bx, ax;
	u64 vector, error;
	u64 ip, cs, flags, sp, ss;
};
#else
struct trap_frame {
	u32 di, si, bp, sp0, bx, dx, cx, ax;	/* pushal */
	u32 vector, error;
	u32 ip, cs, flags;
};
#endif

/*
 * Expected faults: GUEST_TRY_BEGIN stores the address of the label "2:"
 * (just after the instruction under test, labelled "1:") in guest_fixup_ip.
 * When any exception arrives while it is set, the handler records the
 * vector and error code and resumes at that label; guest_trap_vector stays
 * -1 when the instruction did not fault.
 */
extern volatile uintptr_t guest_fixup_ip;
extern volatile int guest_trap_vector;
extern volatile uintptr_t guest_trap_error;

#ifdef __x86_64__
#define GUEST_TRY_BEGIN		"movq $2f, guest_fixup_ip(%%rip)\n\t1: "
#else
#define GUEST_TRY_BEGIN		"movl $2f, guest_fixup_ip\n\t1: "
#endif
#define GUEST_TRY_END		"\n\t2:"

static inline void guest_try_arm(void)
{
	guest_trap_vector = -1;
	guest_trap_error = 0;
}

static inline int guest_try_done(void)
{
	guest_fixup_ip = 0;
	return guest_trap_vector;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/*
 * One line per check: "WHAT ok", or "WHAT: got 0x.., want 0x.." and the
 * failure counted in guest_checks_failed (the guests' exit code).
 */
extern int guest_checks_failed;
void guest_check(const char *what, u32 got, u32 want);

/* Return -1 when the access worked, else the exception vector. */
int try_rdmsr(u32 msr, u64 *val);
int try_wrmsr(u32 msr, u64 val);

/* Called by the stubs; exits the guest on an unexpected exception. */
void guest_trap(struct trap_frame *f);
/* Fill and load the IDT with the stubs for vectors 0-31 (entry code calls it). */
void guest_idt_init(void);

/* ---- output and exit ---- */
void guest_uart_init(void);
void putc_serial(char c);
void puts_serial(const char *s);
void write_serial(const void *buf, size_t n);	/* one REP OUTSB */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void guest_exit(u32 code) __attribute__((noreturn));

/* ---- small libc ---- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *h, const char *n);
/* Parse "key=NUMBER" out of a space-separated command line; def if absent. */
u64 cmdline_u64(const char *cmdline, const char *key, u64 def);

enum guest_vendor { VENDOR_OTHER, VENDOR_AMD, VENDOR_INTEL };
enum guest_vendor guest_cpu_vendor(void);

/* Linker-script symbols: the image's first and one-past-last byte. */
extern char __image_start[], __image_end[];

/* Multiboot entry (multiboot.S) stores what the loader handed over. */
extern u32 multiboot_magic, multiboot_info_addr;

int main(void);

#endif /* HVM_GUEST_H */
