// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O APIC at 0xFEC00000 (Intel 82093AA I/O APIC datasheet, 1996;
 * SDM vol. 3A 10.1 for the APIC bus): IOREGSEL at +0x00, IOWIN at +0x10;
 * registers IOAPICID (0x00), IOAPICVER (0x01: version 0x11, 24 entries),
 * IOAPICARB (0x02) and the 24 64-bit redirection entries (0x10-0x3F).
 *
 * Each pin is fed by hvm_irq_line() (ISA IRQ n drives pin n, except that
 * IRQ 0, the PIT, drives pin 2: the usual interrupt source override;
 * IRQ 2, the 8259A cascade, drives nothing). Lines are active-high
 * "asserted" levels; the polarity bit is stored but not applied.
 *
 * Edge-triggered pins send a message on each rising edge while unmasked.
 * Level-triggered pins send one while asserted, unmasked and Remote IRR
 * is clear, and set Remote IRR; the local APIC's EOI of that vector
 * (broadcast, kmod/lapic.c) clears it and, if the line is still asserted,
 * sends again (82093AA 3.2.4). Messages go to the local APICs that match
 * the destination (physical APIC ID or logical LDR).
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/slab.h>

#include "hvm.h"
#include "ioapic.h"

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_VERSION		(0x11 | ((HVM_IOAPIC_PINS - 1) << 16))

#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10

#define RTE_VECTOR		0xffULL
#define RTE_DM_SHIFT		8
#define RTE_LOGICAL		BIT_ULL(11)
#define RTE_DELIVS		BIT_ULL(12)
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* Writable: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
#define RTE_WRITABLE		(0x1afffULL | (0xffULL << RTE_DEST_SHIFT))

struct ioapic_msg {
	bool send;
	u8 dest, mode, vector;
	bool logical, level;
};

/* Send @pin's message if it should go now; [i] held. */
static void ioapic_service(struct hvm_ioapic *io, unsigned int pin,
			   struct ioapic_msg *m)
{
	u64 e = io->redir[pin];

	m->send = false;
	if (e & RTE_MASKED)
		return;
	if (e & RTE_LEVEL) {
		if (!(io->level & BIT(pin)) || (e & RTE_REMOTE_IRR))
			return;
		io->redir[pin] |= RTE_REMOTE_IRR;
	}
	io->delivered[pin]++;
	m->send = true;
	m->vector = e & RTE_VECTOR;
	m->mode = (e >> RTE_DM_SHIFT) & 7;
	m->logical = e & RTE_LOGICAL;
	m->level = e & RTE_LEVEL;
	m->dest = e >> RTE_DEST_SHIFT;
}

static void ioapic_send(struct hvm_ioapic *io, const struct ioapic_msg *m)
{
	if (m->send)
		hvm_lapic_deliver(io->vm, m->dest, m->logical, m->mode,
				  m->vector, m->level);
}

/* The hvm_irq_line() sink. */
static void ioapic_set_irq(struct hvm_vm *vm, void *priv, unsigned int irq,
			   bool level)
{
	struct hvm_ioapic *io = priv;
	struct ioapic_msg m = {};
	unsigned long flags;
	unsigned int pin;
	bool old;

	if (irq == 2)
		return;		/* the 8259A cascade is not a line */
	pin = irq == 0 ? 2 : irq;
	if (pin >= HVM_IOAPIC_PINS)
		return;
	spin_lock_irqsave(&io->lock, flags);
	old = io->level & BIT(pin);
	if (level)
		io->level |= BIT(pin);
	else
		io->level &= ~BIT(pin);
	if (level && (!old || (io->redir[pin] & RTE_LEVEL)))
		ioapic_service(io, pin, &m);
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &m);
}

/**
 * hvm_ioapic_eoi() - a local APIC's EOI of a level-triggered @vector
 * @vm: the VM
 * @vector: the vector
 *
 * Clears Remote IRR of every level-triggered pin with that vector and
 * sends again for those still asserted. Any context, no lock held.
 */
void hvm_ioapic_eoi(struct hvm_vm *vm, u8 vector)
{
	struct hvm_ioapic *io = vm->ioapic;
	struct ioapic_msg m[HVM_IOAPIC_PINS] = {};
	unsigned long flags;
	unsigned int pin;

	if (!io)
		return;
	spin_lock_irqsave(&io->lock, flags);
	for (pin = 0; pin < HVM_IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_LEVEL) ||
		    !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		ioapic_service(io, pin, &m[pin]);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	for (pin = 0; pin < HVM_IOAPIC_PINS; pin++)
		ioapic_send(io, &m[pin]);
}

static u32 ioapic_read_reg(struct hvm_ioapic *io)
{
	unsigned int r = io->ioregsel;

	switch (r) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION;
	}
	if (r >= IOAPIC_REG_REDIR && r < IOAPIC_REG_REDIR + 2 * HVM_IOAPIC_PINS) {
		u64 e = io->redir[(r - IOAPIC_REG_REDIR) / 2];

		return r & 1 ? e >> 32 : (u32)e;
	}
	return 0xffffffff;
}

static void ioapic_write_reg(struct hvm_ioapic *io, u32 val,
			     struct ioapic_msg *m)
{
	unsigned int r = io->ioregsel, pin;
	u64 e;

	if (r == IOAPIC_REG_ID) {
		io->id = val & (0xfU << 24);
		return;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * HVM_IOAPIC_PINS)
		return;		/* version, arbitration: read only */
	pin = (r - IOAPIC_REG_REDIR) / 2;
	e = io->redir[pin];
	if (r & 1)
		e = (e & 0xffffffffULL) | ((u64)val << 32);
	else
		e = (e & ~0xffffffffULL) | val;
	e = (e & RTE_WRITABLE) | (io->redir[pin] & RTE_REMOTE_IRR);
	if (!(e & RTE_LEVEL))
		e &= ~RTE_REMOTE_IRR;	/* edge: no Remote IRR */
	io->redir[pin] = e;
	/* An asserted level-triggered pin just unmasked (or retargeted) sends. */
	if (e & RTE_LEVEL)
		ioapic_service(io, pin, m);
}

static int ioapic_mmio_read(struct hvm_vcpu *vcpu, void *priv, u64 off,
			    void *val, unsigned int len)
{
	struct hvm_ioapic *io = priv;
	unsigned long flags;
	u32 v = 0xffffffff;

	spin_lock_irqsave(&io->lock, flags);
	if (off == IOAPIC_IOREGSEL)
		v = io->ioregsel;
	else if (off >= IOAPIC_IOWIN && off < IOAPIC_IOWIN + 4)
		v = ioapic_read_reg(io) >> (8 * (off - IOAPIC_IOWIN));
	spin_unlock_irqrestore(&io->lock, flags);
	memset(val, 0, len);
	memcpy(val, &v, min(len, 4U));
	return 0;
}

static int ioapic_mmio_write(struct hvm_vcpu *vcpu, void *priv, u64 off,
			     const void *val, unsigned int len)
{
	struct hvm_ioapic *io = priv;
	struct ioapic_msg m = {};
	unsigned long flags;
	u32 v = 0;

	memcpy(&v, val, min(len, 4U));
	spin_lock_irqsave(&io->lock, flags);
	if (off == IOAPIC_IOREGSEL) {
		io->ioregsel = v;
	} else if (off == IOAPIC_IOWIN) {
		if (len < 4)	/* a narrow write merges into the register */
			v = (ioapic_read_reg(io) & ~(u32)GENMASK(8 * len - 1, 0)) | v;
		ioapic_write_reg(io, v, &m);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &m);
	return 0;
}

static const struct hvm_mmio_ops ioapic_mmio_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};

/**
 * hvm_ioapic_create() - give @vm its I/O APIC (every pin masked)
 * @vm: the VM being created
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int hvm_ioapic_create(struct hvm_vm *vm)
{
	struct hvm_ioapic *io;
	unsigned int pin;
	int r;

	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io)
		return -ENOMEM;
	io->vm = vm;
	spin_lock_init(&io->lock);
	/* ID 0 would clash with the BSP's APIC ID in the MP table: use nr_vcpus. */
	io->id = (min(vm->nr_vcpus, 15U) & 0xf) << 24;
	for (pin = 0; pin < HVM_IOAPIC_PINS; pin++)
		io->redir[pin] = RTE_MASKED;
	r = hvm_mmio_register(vm, HVM_IOAPIC_BASE, PAGE_SIZE, &ioapic_mmio_ops, io);
	if (!r)
		r = hvm_irq_add_sink(vm, ioapic_set_irq, io);
	if (r) {
		kfree(io);
		return r;
	}
	vm->ioapic = io;
	return 0;
}

/**
 * hvm_ioapic_destroy() - free the I/O APIC
 * @vm: the VM (vCPUs stopped; the local APICs are already gone)
 */
void hvm_ioapic_destroy(struct hvm_vm *vm)
{
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}
