// SPDX-License-Identifier: GPL-2.0
/*
 * The dual 8259A programmable interrupt controller (Intel 8259A datasheet,
 * 1988; PC/AT wiring): the master at 0x20/0x21 takes ISA IRQs 0-7, the
 * slave at 0xA0/0xA1 IRQs 8-15 and cascades into the master's IRQ 2.
 * The edge/level control registers (ELCR, PIIX "Edge/Level Control" at
 * 0x4D0/0x4D1) choose the trigger per IRQ; IRQs 0, 1, 2, 8 and 13 are
 * always edge-triggered.
 *
 * Implemented: ICW1-ICW4 (single/cascade, ICW4 present, auto-EOI, special
 * fully nested), OCW1 (IMR), OCW2 (non-specific, specific and rotating
 * EOIs, set priority, rotate in auto-EOI), OCW3 (read IRR/ISR, poll,
 * special mask mode). ICW1's LTIM (level mode for all inputs) and the
 * 8080 call-address bits are ignored.
 *
 * The master's INT output is the BSP's ExtINT input (kmod/lapic.c,
 * hvm_lapic_extint_accepted()); the CPU's INTA cycle is hvm_pic_intack().
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/slab.h>

#include "hvm.h"
#include "lapic.h"

/* struct pic_chip - one 8259A; [p] the pair's lock */
struct pic_chip {
	u8 irr, isr, imr;
	u8 last;		/* input levels (edge detection) */
	u8 elcr, elcr_mask;
	u8 base;		/* ICW2: vector of IR0 */
	u8 priority_add;	/* the IR with the highest priority */
	u8 init_state;		/* 0: ready; 1-3: expecting ICW2, ICW3, ICW4 */
	bool init4, single;
	bool auto_eoi, rotate_on_aeoi, special_nested;
	bool special_mask, poll, read_isr;
};

/* struct hvm_pic - the pair; locking: [p] @lock (irqsave) */
struct hvm_pic {
	struct hvm_vm *vm;
	spinlock_t lock;
	struct pic_chip chip[2];	/* [p] master, slave */
	bool output;			/* [p], read with READ_ONCE */
};

/* Priority (0 highest) of the best bit of @mask, 8 when none. */
static int pic_priority(const struct pic_chip *c, u8 mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & BIT((p + c->priority_add) & 7)))
		p++;
	return p;
}

/* The IR the chip would signal now, or -1 (8259A "priority resolver"). */
static int pic_get_irq(const struct pic_chip *c, bool master)
{
	u8 in_service = c->isr;
	int p, cur;

	p = pic_priority(c, c->irr & ~c->imr);
	if (p == 8)
		return -1;
	/* Special mask mode: masked IRs in service do not inhibit others. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: the slave's IR in service does not block it. */
	if (c->special_nested && master)
		in_service &= ~BIT(2);
	cur = pic_priority(c, in_service);
	return p < cur ? (p + c->priority_add) & 7 : -1;
}

static void pic_set_input(struct pic_chip *c, unsigned int ir, bool level)
{
	u8 m = BIT(ir);

	if (c->elcr & m) {
		/* Level-triggered: IRR follows the line. */
		if (level)
			c->irr |= m;
		else
			c->irr &= ~m;
	} else if (level && !(c->last & m)) {
		c->irr |= m;	/* rising edge */
	}
	if (level)
		c->last |= m;
	else
		c->last &= ~m;
}

/* Recompute the cascade and the master's output; [p] held. */
static bool pic_update(struct hvm_pic *pic)
{
	bool was = pic->output;

	/* The slave's INT pulses the master's IR2 (edge-triggered). */
	if (pic_get_irq(&pic->chip[1], false) >= 0) {
		pic_set_input(&pic->chip[0], 2, true);
		pic_set_input(&pic->chip[0], 2, false);
	}
	WRITE_ONCE(pic->output, pic_get_irq(&pic->chip[0], true) >= 0);
	return pic->output && !was;
}

static void pic_kick(struct hvm_pic *pic)
{
	if (pic->vm->nr_vcpus)
		hvm_lapic_kick(READ_ONCE(pic->vm->vcpus[0]));
}

/* Acknowledge @ir on @c (INTA or poll); [p] held. */
static void pic_ack(struct pic_chip *c, unsigned int ir)
{
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (ir + 1) & 7;
	} else {
		c->isr |= BIT(ir);
	}
	/* An edge-triggered request is consumed (level ones follow the line). */
	if (!(c->elcr & BIT(ir)))
		c->irr &= ~BIT(ir);
}

/* The hvm_irq_line() sink: ISA IRQs 0-15. */
static void pic_set_irq(struct hvm_vm *vm, void *priv, unsigned int irq,
			bool level)
{
	struct hvm_pic *pic = priv;
	unsigned long flags;
	bool rise;

	if (irq >= 16 || irq == 2)
		return;
	spin_lock_irqsave(&pic->lock, flags);
	pic_set_input(&pic->chip[irq >> 3], irq & 7, level);
	rise = pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	if (rise)
		pic_kick(pic);
}

/**
 * hvm_pic_output() - is the master's INT output asserted?
 * @vm: the VM
 *
 * Return: an unmasked request above the in-service priority. Any context.
 */
bool hvm_pic_output(struct hvm_vm *vm)
{
	return vm->pic && READ_ONCE(vm->pic->output);
}

/**
 * hvm_pic_intack() - the CPU's interrupt acknowledge cycle
 * @vm: the VM
 *
 * Returns the vector of the highest request, the slave's through the
 * cascade, and moves it to in-service (unless auto-EOI). With nothing to
 * deliver any more, IR7's vector: the 8259A's spurious interrupt.
 *
 * Return: the vector, or -1 when the VM has no PIC.
 */
int hvm_pic_intack(struct hvm_vm *vm)
{
	struct hvm_pic *pic = vm->pic;
	struct pic_chip *m, *s;
	unsigned long flags;
	int ir, ir2, vector;

	if (!pic)
		return -1;
	m = &pic->chip[0];
	s = &pic->chip[1];
	spin_lock_irqsave(&pic->lock, flags);
	ir = pic_get_irq(m, true);
	if (ir < 0) {
		vector = m->base | 7;
	} else {
		pic_ack(m, ir);
		if (ir == 2) {
			ir2 = pic_get_irq(s, false);
			if (ir2 >= 0)
				pic_ack(s, ir2);
			else
				ir2 = 7;
			vector = s->base | ir2;
		} else {
			vector = m->base | ir;
		}
	}
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	return vector;
}

/* ICW1 (8259A "Initialization Command Words"); ELCR survives. */
static void pic_icw1(struct pic_chip *c, u8 val)
{
	c->irr &= c->elcr;
	c->last = 0;
	c->isr = 0;
	c->imr = 0;
	c->priority_add = 0;
	c->base = 0;
	c->auto_eoi = false;
	c->rotate_on_aeoi = false;
	c->special_nested = false;
	c->special_mask = false;
	c->poll = false;
	c->read_isr = false;
	c->init4 = val & 1;
	c->single = val & 2;
	c->init_state = 1;
}

/* OCW2: the EOI and rotation commands. */
static void pic_ocw2(struct pic_chip *c, u8 val)
{
	unsigned int cmd = val >> 5, ir;
	int p;

	switch (cmd) {
	case 0:		/* rotate in auto-EOI mode: clear */
	case 4:		/* ... set */
		c->rotate_on_aeoi = cmd == 4;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		p = pic_priority(c, c->isr);
		if (p == 8)
			break;
		ir = (p + c->priority_add) & 7;
		c->isr &= ~BIT(ir);
		if (cmd == 5)
			c->priority_add = (ir + 1) & 7;
		break;
	case 3:		/* specific EOI */
		c->isr &= ~BIT(val & 7);
		break;
	case 6:		/* set priority: IR(val) becomes the lowest */
		c->priority_add = (val + 1) & 7;
		break;
	case 7:		/* rotate on specific EOI */
		c->isr &= ~BIT(val & 7);
		c->priority_add = ((val & 7) + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static int pic_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 v)
{
	struct hvm_pic *pic = priv;
	struct pic_chip *c = &pic->chip[port >= 0xa0];
	unsigned long flags;
	u8 val = v;
	bool rise;

	spin_lock_irqsave(&pic->lock, flags);
	if (!(port & 1)) {
		if (val & 0x10) {
			pic_icw1(c, val);
		} else if (val & 0x08) {
			/* OCW3 */
			if (val & 0x04)
				c->poll = true;
			if (val & 0x02)
				c->read_isr = val & 1;
			if (val & 0x40)
				c->special_mask = (val >> 5) & 1;
		} else {
			pic_ocw2(c, val);
		}
	} else {
		switch (c->init_state) {
		case 0:		/* OCW1 */
			c->imr = val;
			break;
		case 1:		/* ICW2: the vector base (T7-T3) */
			c->base = val & 0xf8;
			c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
			break;
		case 2:		/* ICW3: the cascade wiring (fixed here) */
			c->init_state = c->init4 ? 3 : 0;
			break;
		case 3:		/* ICW4 */
			c->special_nested = val & 0x10;
			c->auto_eoi = val & 0x02;
			c->init_state = 0;
			break;
		}
	}
	rise = pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	if (rise)
		pic_kick(pic);
	return 0;
}

/* Poll mode read (OCW3 P=1): acknowledge and return 0x80 | IR, or 0. */
static u8 pic_poll(struct hvm_pic *pic, struct pic_chip *c)
{
	int ir = pic_get_irq(c, c == &pic->chip[0]);

	c->poll = false;
	if (ir < 0)
		return 0;
	pic_ack(c, ir);
	return 0x80 | ir;
}

static int pic_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 *val)
{
	struct hvm_pic *pic = priv;
	struct pic_chip *c = &pic->chip[port >= 0xa0];
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	if (c->poll)
		*val = pic_poll(pic, c);
	else if (port & 1)
		*val = c->imr;
	else
		*val = c->read_isr ? c->isr : c->irr;
	pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

static const struct hvm_pio_ops pic_ops = {
	.read = pic_read,
	.write = pic_write,
};

static int elcr_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 *val)
{
	struct hvm_pic *pic = priv;
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	*val = pic->chip[port & 1].elcr;
	if (size > 1 && !(port & 1))
		*val |= pic->chip[1].elcr << 8;
	spin_unlock_irqrestore(&pic->lock, flags);
	return 0;
}

static int elcr_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		      unsigned int size, u32 val)
{
	struct hvm_pic *pic = priv;
	unsigned long flags;
	unsigned int i;
	bool rise;

	spin_lock_irqsave(&pic->lock, flags);
	for (i = port & 1; i < 2 && (i == (port & 1) || size > 1); i++, val >>= 8) {
		struct pic_chip *c = &pic->chip[i];

		c->elcr = val & c->elcr_mask;
		/* A level IR's IRR follows the line from now on. */
		c->irr = (c->irr & ~c->elcr) | (c->last & c->elcr);
	}
	rise = pic_update(pic);
	spin_unlock_irqrestore(&pic->lock, flags);
	if (rise)
		pic_kick(pic);
	return 0;
}

static const struct hvm_pio_ops elcr_ops = {
	.read = elcr_read,
	.write = elcr_write,
};

/**
 * hvm_pic_create() - give @vm its 8259A pair and ELCR
 * @vm: the VM being created
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int hvm_pic_create(struct hvm_vm *vm)
{
	struct hvm_pic *pic;
	int r;

	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	pic->vm = vm;
	spin_lock_init(&pic->lock);
	pic->chip[0].elcr_mask = 0xf8;	/* IRQ 0, 1, 2 edge only */
	pic->chip[1].elcr_mask = 0xde;	/* IRQ 8, 13 edge only */
	r = hvm_pio_register(vm, 0x20, 2, &pic_ops, pic);
	if (!r)
		r = hvm_pio_register(vm, 0xa0, 2, &pic_ops, pic);
	if (!r)
		r = hvm_pio_register(vm, 0x4d0, 2, &elcr_ops, pic);
	if (!r)
		r = hvm_irq_add_sink(vm, pic_set_irq, pic);
	if (r) {
		kfree(pic);
		return r;
	}
	vm->pic = pic;
	return 0;
}

/**
 * hvm_pic_destroy() - free the 8259A pair
 * @vm: the VM (vCPUs stopped)
 */
void hvm_pic_destroy(struct hvm_vm *vm)
{
	kfree(vm->pic);
	vm->pic = NULL;
}
