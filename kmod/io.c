// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O: one dispatch for both backends.
 *
 *   0x3F8-0x3FF  COM1, a 16550A as far as a polling driver can tell
 *   0xF4         exit port (like QEMU's isa-debug-exit): a write stops the VM
 *   anything else: reads return all ones, writes are ignored; both counted
 */
#include <linux/wait.h>
#include <linux/sched.h>

#include "hvm.h"

/* UART register offsets and bits (8250/16550A). */
#define UART_RX		0	/* in:  receive buffer (DLAB=0) */
#define UART_TX		0	/* out: transmit holding (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1	/* DLAB=0 */
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* in */
#define UART_FCR	2	/* out */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_IIR_NO_INT	0x01
#define UART_IIR_FIFO	0xc0
#define UART_FCR_ENABLE	0x01

/* Streaming console: the ring keeps the last HVM_CONSOLE_SIZE bytes. */
void hvm_console_putc(struct hvm_vm *vm, u8 c)
{
	lockdep_assert_held(&vm->uart_lock);
	vm->console[vm->console_head & (HVM_CONSOLE_SIZE - 1)] = c;
	WRITE_ONCE(vm->console_head, vm->console_head + 1);
}

/*
 * In loopback mode (MCR bit 4) a driver's self-test expects THR to come back
 * through RBR and the modem outputs to show up on the modem inputs; nothing
 * reaches the console then.
 */
static u8 hvm_uart_read(struct hvm_vm *vm, unsigned int reg)
{
	struct hvm_uart *u = &vm->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 v;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return u->dll;
		v = u->rbr;
		u->lsr_dr = false;
		return v;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return UART_IIR_NO_INT | ((u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->lsr_dr ? UART_LSR_DR : 0);
	case UART_MSR:
		if (u->mcr & UART_MCR_LOOP)
			/* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return ((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
			       ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4);
		return 0xb0;	/* DCD, DSR, CTS: a terminal is attached */
	default:
		return u->scr;
	}
}

static void hvm_uart_write(struct hvm_vm *vm, unsigned int reg, u8 v)
{
	struct hvm_uart *u = &vm->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = v;
		} else if (u->mcr & UART_MCR_LOOP) {
			u->rbr = v;
			u->lsr_dr = true;
		} else {
			hvm_console_putc(vm, v);
		}
		break;
	case UART_IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_FCR:
		u->fcr = v & 0xc9;	/* the reset bits 1-2 self-clear */
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* read-only on a real 16550A */
	default:
		u->scr = v;
		break;
	}
}

static void hvm_uart_access(struct hvm_vm *vm, u16 port, unsigned int size,
			    bool in, u32 *val)
{
	bool wrote = false;
	unsigned int i;

	spin_lock(&vm->uart_lock);
	for (i = 0; i < size; i++) {
		unsigned int reg = (port + i - HVM_COM1_BASE) & 7;

		if (port + i > HVM_COM1_BASE + 7) {
			if (in)
				*val |= 0xffU << (8 * i);
			continue;
		}
		if (in) {
			*val &= ~(0xffU << (8 * i));
			*val |= (u32)hvm_uart_read(vm, reg) << (8 * i);
		} else {
			hvm_uart_write(vm, reg, *val >> (8 * i));
			wrote = true;
		}
	}
	spin_unlock(&vm->uart_lock);

	if (wrote && wq_has_sleeper(&vm->console_wq))
		wake_up_interruptible(&vm->console_wq);
}

int hvm_io_emulate(struct hvm_vcpu *vcpu, u16 port, unsigned int size,
		   bool in, u32 *val)
{
	struct hvm_vm *vm = vcpu->vm;
	u32 mask = size == 4 ? ~0U : (1U << (8 * size)) - 1;

	if (port >= HVM_COM1_BASE && port <= HVM_COM1_BASE + 7) {
		if (in)
			*val = 0;
		hvm_uart_access(vm, port, size, in, val);
		return 0;
	}

	if (port == HVM_EXIT_PORT && !in)
		return hvm_vcpu_stop(vcpu, HVM_STOP_EXIT, *val & mask);

	/* No device: floating bus. */
	if (in)
		*val |= mask;
	vcpu->stats[HVM_STAT_IO_IGNORED]++;
	return 0;
}

/* At most this many REP elements per exit; the guest re-executes for more. */
#define HVM_IO_STRING_BATCH	4096

static u64 hvm_mask_addr(u64 v, unsigned int addr_size)
{
	return addr_size == 8 ? v : v & ((1ULL << (8 * addr_size)) - 1);
}

/* Replace the low @addr_size bytes of *reg (16/32-bit address forms). */
static void hvm_set_addr_reg(u64 *reg, u64 v, unsigned int addr_size)
{
	if (addr_size == 8)
		*reg = v;
	else if (addr_size == 4)
		*reg = (u32)v;	/* 32-bit writes zero-extend in 64-bit mode */
	else
		*reg = (*reg & ~0xffffULL) | (v & 0xffff);
}

static int hvm_guest_rw(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
			u64 gva, void *buf, unsigned int len, bool write)
{
	unsigned int i;
	u64 gpa;
	int r;

	/* Byte by byte: an element may straddle a guest page boundary. */
	for (i = 0; i < len; i++) {
		r = hvm_gva_to_gpa(vcpu, regs, gva + i, write, &gpa);
		if (r)
			return r;
		if (write)
			r = hvm_mem_write(vcpu->vm, gpa, buf + i, 1);
		else
			r = hvm_mem_read(vcpu->vm, gpa, buf + i, 1);
		if (r)
			return r;
	}
	return 0;
}

int hvm_io_string(struct hvm_vcpu *vcpu, struct hvm_regs *regs, u16 port,
		  unsigned int size, bool in, bool rep,
		  unsigned int addr_size, const struct hvm_segment *seg,
		  u64 next_rip)
{
	bool long_mode = (regs->efer & EFER_LMA) && (regs->cs.attrib & (1 << 9));
	s64 step = (regs->rflags & X86_EFLAGS_DF) ? -(s64)size : size;
	u64 count = rep ? hvm_mask_addr(regs->rcx, addr_size) : 1;
	unsigned int n;
	int r = 0;

	u64 seg_base = in ? regs->es.base : seg->base;

	/* 64-bit mode ignores segment bases except FS and GS (OUTS override). */
	if (long_mode && (in || (seg != &regs->fs && seg != &regs->gs)))
		seg_base = 0;

	for (n = 0; count && n < HVM_IO_STRING_BATCH; n++) {
		u64 *idx = in ? &regs->rdi : &regs->rsi;
		u64 off = hvm_mask_addr(*idx, addr_size);
		u64 gva = long_mode ? seg_base + off : (u32)(seg_base + off);
		u32 val = 0;

		if (!in) {
			r = hvm_guest_rw(vcpu, regs, gva, &val, size, false);
			if (r)
				return r;
		}
		r = hvm_io_emulate(vcpu, port, size, in, &val);
		if (in) {
			int w = hvm_guest_rw(vcpu, regs, gva, &val, size, true);

			if (w)
				return w;
		}
		hvm_set_addr_reg(idx, off + step, addr_size);
		count--;
		if (rep)
			hvm_set_addr_reg(&regs->rcx, count, addr_size);
		if (r || hvm_vcpu_should_exit(vcpu))
			break;
	}

	if (!count)
		regs->rip = next_rip;
	return r;
}
