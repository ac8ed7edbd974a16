// SPDX-License-Identifier: GPL-2.0
/*
 * echo-irq: an interrupt-driven serial driver, as Linux's 8250 runs COM1.
 * The receiver's data interrupt (IER.ERBFI) leaves the UART on ISA IRQ 4
 * (MCR.OUT2 gates it, as on a PC), reaches I/O APIC pin 4 (edge, high,
 * vector 0x44, physical destination APIC 0) and the local APIC; the 8259As
 * are masked. The handler drains the FIFO while LSR.DR says a byte is
 * there and sends EOI; the main loop waits in HLT with interrupts on and
 * echoes what arrived in upper case, until the sentinel '#'. The main
 * loop never reads the receiver itself: every byte came through the
 * interrupt. Ends with "received N bytes" and "interrupts M", exit 0.
 */
#include "lib/mmio64.h"

#define APIC		0xfee00000ULL
#define IOAPIC		0xfec00000ULL
#define A_EOI		0xb0
#define A_SVR		0xf0
#define LSR		(COM1 + 5)
#define IER		(COM1 + 1)
#define LSR_DR		0x01
#define IER_ERBFI	0x01
#define V_COM1		0x44

/* Room for all the test types: one interrupt may drain it all (the host refills meanwhile). */
static volatile u8 ring[4096];
static volatile u32 head, interrupts;

static inline void apic_wr(u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(APIC + off) = v;
}

static void ioapic_wr(u32 reg, u32 v)
{
	*(volatile u32 *)(uintptr_t)IOAPIC = reg;
	*(volatile u32 *)(uintptr_t)(IOAPIC + 0x10) = v;
}

void com1_c(void);
void com1_c(void)
{
	interrupts++;
	while (inb(LSR) & LSR_DR)
		ring[head++ & 4095] = inb(COM1);
	apic_wr(A_EOI, 0);
}

__asm__("	.text\n"
	"com1_stub:\n"
	"	push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"
	"	push %r8; push %r9; push %r10; push %r11\n"
	"	call com1_c\n"
	"	pop %r11; pop %r10; pop %r9; pop %r8\n"
	"	pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
	"	iretq\n");
extern char com1_stub[];

int main(void)
{
	static const u64 devices[] = { APIC, IOAPIC };
	u32 tail = 0, count = 0;
	bool done = false;

	mmio64_map(devices, 2);
	mmio64_idt_load();
	mmio64_gate(V_COM1, com1_stub);
	outb(0x21, 0xff);			/* both 8259As masked */
	outb(0xa1, 0xff);
	apic_wr(A_SVR, 0x1ff);
	ioapic_wr(0x10 + 2 * 4, V_COM1);	/* pin 4: fixed, edge, high */
	ioapic_wr(0x11 + 2 * 4, 0);		/* destination APIC 0 */
	outb(IER, IER_ERBFI);
	printf("echo-irq ready\n");

	while (!done) {
		__asm__ volatile("cli" : : : "memory");
		if (tail == head) {
			/* STI's shadow covers HLT: no wakeup is lost. */
			__asm__ volatile("sti\n\thlt" : : : "memory");
			continue;
		}
		__asm__ volatile("sti" : : : "memory");
		while (tail != head) {
			u8 c = ring[tail++ & 4095];

			if (c == '#') {
				done = true;
				break;
			}
			count++;
			putc_serial(c >= 'a' && c <= 'z' ? c - 32 : c);
		}
	}
	outb(IER, 0);
	printf("\nreceived %u bytes\ninterrupts %u\n", count, interrupts);
	return 0;
}
