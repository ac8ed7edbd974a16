// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 at 0x3F8, IRQ 4: a National Semiconductor PC16550D ("16550A") as
 * Linux's 8250 driver probes and drives it (drivers/tty/serial/8250/
 * 8250_port.c: autoconfig(), autoconfig_16550a(), serial8250_do_startup()).
 * References below are to the PC16550D datasheet (National, June 1995),
 * section 8 "Registers" and table IV "Interrupt Control Functions".
 *
 * - Transmit: a byte written to THR goes to the console ring at once, so
 *   the transmitter is always empty again (LSR.THRE and TEMT stay set) and
 *   the TX FIFO only matters for the THRE interrupt: it is latched when
 *   IER.ETBEI goes 0 -> 1, when a byte has been sent and when FCR clears
 *   the TX FIFO; reading IIR while it is the source, or writing THR,
 *   clears it (8.6.2).
 * - Receive: a 16-byte FIFO (or the one holding register while FCR0 is
 *   clear) that the host fills with hvm_uart_input(); the host never
 *   overruns it, it waits for space. It also waits while the guest holds
 *   DTR or RTS off, as a terminal that honours the modem handshake does
 *   (RTS is the DTE's "ready to receive"): Linux raises DTR alone for its
 *   boot console (uart_set_options()) and both only when the tty is
 *   opened, after startup and set_termios, whose FIFO resets would
 *   otherwise discard what was typed early; with CRTSCTS it drops RTS to
 *   throttle. In loopback
 *   the serial input is disconnected, the transmitter feeds the receiver
 *   and an overrun sets LSR.OE as on the chip.
 * - Interrupts by priority (IIR, table IV): receiver line status (OE),
 *   received data (FIFO at its trigger level; below it, the character
 *   timeout indication, reported at once since characters take no time
 *   here), THRE, modem status (MSR delta bits). The INTR output reaches
 *   ISA IRQ 4 only while MCR.OUT2 is set, as on a PC, where OUT2 gates the
 *   line driver; in loopback the OUT2 pin is forced inactive (8.7), which
 *   disconnects it too.
 * - Modem status: with no loopback a terminal is attached (DCD, DSR, CTS
 *   set, RI clear); in loopback DTR, RTS, OUT1, OUT2 drive DSR, CTS, RI,
 *   DCD, with DCTS/DDSR/TERI/DDCD recording changes until MSR is read.
 */
#include <linux/wait.h>

#include "hvm.h"
#include "uart.h"

/* Register offsets. */
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

#define UART_IER_RDI	0x01	/* received data available */
#define UART_IER_THRI	0x02	/* transmitter holding register empty */
#define UART_IER_RLSI	0x04	/* receiver line status */
#define UART_IER_MSI	0x08	/* modem status */

#define UART_IIR_NO_INT	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO	0xc0	/* both bits set while FCR0 is */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02
#define UART_FCR_CLR_TX	0x04
#define UART_FCR_KEEP	0xc9	/* enable, DMA mode, RX trigger; 1-2 self-clear */

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_MSR_DCTS	0x01
#define UART_MSR_DDSR	0x02
#define UART_MSR_TERI	0x04
#define UART_MSR_DDCD	0x08
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80
#define UART_MSR_DELTA	0x0f

/* No loopback: a terminal that is always there. */
#define UART_MSR_ATTACHED (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static unsigned int uart_rx_capacity(const struct hvm_uart *u)
{
	return (u->fcr & UART_FCR_ENABLE) ? HVM_UART_FIFO : 1;
}

/* FCR bits 7:6 -> 1, 4, 8 or 14 bytes (8.5). */
static unsigned int uart_rx_trigger(const struct hvm_uart *u)
{
	static const u8 level[4] = { 1, 4, 8, 14 };

	return level[u->fcr >> 6];
}

/* The pending interrupt of highest priority, as IIR bits 3:0 (table IV). */
static u8 uart_iir_source(const struct hvm_uart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->lsr_err)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		if ((u->fcr & UART_FCR_ENABLE) && u->rx_count < uart_rx_trigger(u))
			return UART_IIR_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/* Drive IRQ 4 from INTR, gated by OUT2 (and cut in loopback). */
static void uart_update_irq(struct hvm_vm *vm)
{
	struct hvm_uart *u = &vm->uart;
	bool level = uart_iir_source(u) != UART_IIR_NO_INT &&
		     (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	lockdep_assert_held(&vm->uart_lock);
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	hvm_irq_line(vm, HVM_COM1_IRQ, level);
}

/* The modem inputs MCR implies, and the delta bits their change sets (8.8). */
static void uart_set_modem_inputs(struct hvm_uart *u)
{
	u8 old = u->msr, in = UART_MSR_ATTACHED;

	if (u->mcr & UART_MCR_LOOP)
		/* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
		in = ((u->mcr & UART_MCR_DTR) << 5) | ((u->mcr & UART_MCR_RTS) << 3) |
		     ((u->mcr & UART_MCR_OUT1) << 4) | ((u->mcr & UART_MCR_OUT2) << 4);
	if ((old ^ in) & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if ((old ^ in) & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;	/* trailing edge only */
	if ((old ^ in) & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
	u->msr = (u->msr & UART_MSR_DELTA) | in;
}

/*
 * A byte reaches the receiver. A full FIFO keeps its contents and the new
 * byte is lost; a full holding register (16450 mode) is overwritten; both
 * set OE (8.4, LSR bit 1).
 */
static void uart_rx_push(struct hvm_uart *u, u8 c)
{
	unsigned int cap = uart_rx_capacity(u);

	if (u->rx_count == cap) {
		u->lsr_err |= UART_LSR_OE;
		if (cap == 1)
			u->rx[u->rx_head] = c;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % HVM_UART_FIFO] = c;
	u->rx_count++;
}

static void uart_rx_clear(struct hvm_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Transmit: to the console, or back to our own receiver in loopback. */
static void uart_tx(struct hvm_vm *vm, u8 v)
{
	struct hvm_uart *u = &vm->uart;

	u->thr_ipending = false;	/* writing THR clears the THRE interrupt */
	uart_update_irq(vm);
	if (u->mcr & UART_MCR_LOOP)
		uart_rx_push(u, v);
	else
		hvm_console_putc(vm, v);
	/* Sent at once: THR (and the TX FIFO) are empty again. */
	u->thr_ipending = true;
}

static u8 uart_read(struct hvm_vm *vm, unsigned int reg, bool *rx_freed)
{
	struct hvm_uart *u = &vm->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 v;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return u->dll;
		if (u->rx_count) {
			u->rbr = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % HVM_UART_FIFO;
			u->rx_count--;
			*rx_freed = true;
		}
		return u->rbr;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = uart_iir_source(u);
		/* Reading IIR while THRE is the source clears it (table IV). */
		if (v == UART_IIR_THRI)
			u->thr_ipending = false;
		return v | ((u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err |
		    (u->rx_count ? UART_LSR_DR : 0);
		u->lsr_err = 0;		/* error bits clear on read */
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= ~UART_MSR_DELTA;
		return v;
	default:
		return u->scr;
	}
}

static void uart_write(struct hvm_vm *vm, unsigned int reg, u8 v)
{
	struct hvm_uart *u = &vm->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab)
			u->dll = v;
		else
			uart_tx(vm, v);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling ETBEI with THR empty raises THRE (8.6.2). */
		if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;	/* bits 7:4 are always 0 */
		break;
	case UART_FCR:
		/* Toggling FCR0 clears both FIFOs (8.5, bit 0). */
		if ((v ^ u->fcr) & UART_FCR_ENABLE)
			uart_rx_clear(u);
		if (!(v & UART_FCR_ENABLE)) {
			/* The other bits are only written together with FCR0. */
			u->fcr &= ~UART_FCR_ENABLE;
			break;
		}
		if (v & UART_FCR_CLR_RX)
			uart_rx_clear(u);
		if (v & UART_FCR_CLR_TX)
			u->thr_ipending = true;	/* an empty TX FIFO */
		u->fcr = v & UART_FCR_KEEP;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;	/* bits 7:5 are always 0 */
		uart_set_modem_inputs(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* factory test / read-only */
	default:
		u->scr = v;
		break;
	}
}

/*
 * One access of @size bytes at @port: each byte is its own register
 * access, in address order (an OUTW to 0x3FB writes LCR, then MCR); bytes
 * past 0x3FF have no device behind them and read all ones.
 */
static int uart_access(struct hvm_vm *vm, u16 port, unsigned int size,
		       bool in, u32 *val)
{
	bool wake = false, rx_freed = false;
	unsigned int i;

	spin_lock(&vm->uart_lock);
	for (i = 0; i < size; i++) {
		unsigned int reg = port + i - HVM_COM1_BASE;

		if (reg > UART_SCR) {
			if (in)
				*val |= 0xffU << (8 * i);
			continue;
		}
		if (in) {
			*val |= (u32)uart_read(vm, reg, &rx_freed) << (8 * i);
		} else {
			u64 head = vm->console_head;

			uart_write(vm, reg, *val >> (8 * i));
			wake |= head != vm->console_head || reg == UART_MCR ||
				reg == UART_FCR;
		}
		uart_update_irq(vm);
	}
	spin_unlock(&vm->uart_lock);

	/* New output for readers, or receiver space for the host's writer. */
	if ((wake || rx_freed) && wq_has_sleeper(&vm->console_wq))
		wake_up_interruptible(&vm->console_wq);
	return 0;
}

static int uart_pio_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
			 unsigned int size, u32 *val)
{
	*val = 0;
	return uart_access(vcpu->vm, port, size, true, val);
}

static int uart_pio_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
			  unsigned int size, u32 val)
{
	return uart_access(vcpu->vm, port, size, false, &val);
}

static const struct hvm_pio_ops uart_pio_ops = {
	.read = uart_pio_read,
	.write = uart_pio_write,
};

/* Streaming console: the ring keeps the last HVM_CONSOLE_SIZE bytes. */
void hvm_console_putc(struct hvm_vm *vm, u8 c)
{
	lockdep_assert_held(&vm->uart_lock);
	vm->console[vm->console_head & (HVM_CONSOLE_SIZE - 1)] = c;
	WRITE_ONCE(vm->console_head, vm->console_head + 1);
}

/* The host's serial line is connected and may send: DTR and RTS, no loopback. */
static bool uart_input_ready(const struct hvm_uart *u)
{
	return (u->mcr & (UART_MCR_DTR | UART_MCR_RTS | UART_MCR_LOOP)) ==
	       (UART_MCR_DTR | UART_MCR_RTS);
}

unsigned int hvm_uart_rx_space(struct hvm_vm *vm)
{
	struct hvm_uart *u = &vm->uart;
	unsigned int n = 0;

	spin_lock(&vm->uart_lock);
	if (uart_input_ready(u))
		n = uart_rx_capacity(u) - u->rx_count;
	spin_unlock(&vm->uart_lock);
	return n;
}

unsigned int hvm_uart_input(struct hvm_vm *vm, const u8 *buf, unsigned int len)
{
	struct hvm_uart *u = &vm->uart;
	unsigned int i, n = 0;

	spin_lock(&vm->uart_lock);
	if (uart_input_ready(u)) {
		n = min(len, uart_rx_capacity(u) - u->rx_count);
		for (i = 0; i < n; i++)
			uart_rx_push(u, buf[i]);
		uart_update_irq(vm);
	}
	spin_unlock(&vm->uart_lock);
	return n;
}

/**
 * hvm_uart_create() - COM1 at 0x3F8-0x3FF in its reset state
 * @vm: the VM being created
 *
 * Reset values (table III "UART Reset Configuration"): IER, FCR, LCR, MCR
 * zero, LSR THRE|TEMT, IIR "none pending"; the modem inputs are those of
 * an attached terminal.
 *
 * Return: 0, or the error of hvm_pio_register().
 */
int hvm_uart_create(struct hvm_vm *vm)
{
	struct hvm_uart *u = &vm->uart;

	memset(u, 0, sizeof(*u));
	u->msr = UART_MSR_ATTACHED;
	return hvm_pio_register(vm, HVM_COM1_BASE, 8, &uart_pio_ops, NULL);
}

/**
 * hvm_uart_destroy() - undo hvm_uart_create()
 * @vm: the VM
 *
 * Nothing to free: the state lives in struct hvm_vm and the port range
 * goes with it.
 */
void hvm_uart_destroy(struct hvm_vm *vm)
{
}
