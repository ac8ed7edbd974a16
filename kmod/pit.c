// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 programmable interval timer (Intel 8254 datasheet, order number
 * 231164) as the PC wires it:
 *
 *   0x40-0x42  counters 0-2 (data)      0x43  control word (write only)
 *   counter 0: gate tied high, OUT -> IRQ 0 (the system timer)
 *   counter 1: gate tied high, OUT unconnected (DRAM refresh once)
 *   counter 2: gate = port 0x61 bit 0, OUT readable in port 0x61 bit 5
 *              (the speaker; Linux calibrates the TSC against it)
 *
 * Port 0x61 (NMI status and control, Intel PCH datasheets): bit 0 timer 2
 * gate, bit 1 speaker data enable, bits 2-3 SERR#/IOCHK# NMI enables
 * (stored), bit 4 refresh cycle toggle (flips every 15.085 us), bit 5 timer
 * 2 output, bits 6-7 IOCHK#/SERR# NMI sources (never set here).
 *
 * Nothing counts in the background: a counter's state is the time it was
 * loaded and the number of input clocks since, computed from the host's
 * monotonic clock when the guest looks (as bhyve's vatpit and QEMU's i8254
 * do). Only counter 0's output edges need a host timer, to raise IRQ 0.
 *
 * Supported: modes 0-5 (1 and 5 start on a gate rising edge, so only
 * counter 2 can use them), binary and BCD counting, LSB/MSB/LSB-then-MSB
 * access, the counter latch command and the read-back command (count and
 * status). The IRQ 0 timer of the periodic modes never fires more often
 * than every HVM_PIT_MIN_PERIOD_NS (the counters themselves stay exact).
 */
#include <linux/bcd.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hvm.h"
#include "pit.h"

/* Control word (datasheet "Control Word Format"). */
#define PIT_CW_SC(v)		(((v) >> 6) & 3)	/* 3: read-back command */
#define PIT_CW_RW(v)		(((v) >> 4) & 3)	/* 0: counter latch command */
#define PIT_CW_MODE(v)		(((v) >> 1) & 7)
#define PIT_CW_BCD		0x01
#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_LSB_MSB		3

/* Read-back command: bits 5/4 are active low, bits 3-1 pick counters 2-0. */
#define PIT_RB_NO_COUNT		0x20
#define PIT_RB_NO_STATUS	0x10

/* Status byte: OUT, NULL COUNT, then the counter's control word bits 5-0. */
#define PIT_ST_OUT		0x80
#define PIT_ST_NULL		0x40

#define PORT61_GATE2		0x01
#define PORT61_SPKR		0x02
#define PORT61_NMI_EN		0x0c
#define PORT61_REFRESH		0x10
#define PORT61_OUT2		0x20
#define PORT61_REFRESH_NS	15085

/* KVM's i8254 refuses periods below 200 us the same way. */
#define HVM_PIT_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

/*
 * One counter. @count is the initial count the guest loaded (1-0x10000,
 * or 1-10000 in BCD; 0 written means the maximum). The counting element's
 * position is @ticks_base plus the input clocks since @load_time while
 * @running: gate low in modes 0, 2, 3 and 4 pauses it, and modes 1 and 5
 * wait for a gate rising edge.
 */
struct hvm_pit_counter {
	u32 count;
	u8 cw;			/* control word bits 5-0 as written */
	u8 mode;		/* 0-5 (6 and 7 are aliases of 2 and 3) */
	u8 rw;			/* PIT_RW_* */
	bool bcd;
	bool armed;		/* a count was loaded after the control word */
	bool running;
	bool gate;
	bool null_count;	/* control word or count written, not yet used */
	ktime_t load_time;
	u64 ticks_base;

	bool write_msb;		/* LSB-then-MSB: the LSB is written */
	u8 write_lsb;
	bool read_msb;		/* LSB-then-MSB live reads: the LSB was read */

	u8 latch_bytes;		/* latched count bytes left: PIT_RW_* pattern */
	u16 latched;
	bool status_latched;
	u8 status;
};

/*
 * Locking: @lock (irqsave: the IRQ 0 timer runs in hard interrupt context)
 * protects everything but the constant fields; the timer callback takes it
 * too and never raises IRQ 0 with it held.
 */
struct hvm_pit {
	spinlock_t lock;
	struct hvm_vm *vm;			/* [c] */
	struct hvm_pit_counter c[3];
	u8 port61;				/* bits 1-3 as written */
	struct hrtimer timer;			/* counter 0 -> IRQ 0 */
	bool irq_armed;				/* the timer serves the current state */
	u64 period_ns;				/* 0: one-shot */
};

static u64 pit_ticks_to_ns(u64 ticks)
{
	return mul_u64_u32_div(ticks, NSEC_PER_SEC, HVM_PIT_HZ);
}

/* Input clocks the counting element has seen since the count was loaded. */
static u64 pit_ticks(const struct hvm_pit_counter *c, ktime_t now)
{
	u64 ns;

	if (!c->running)
		return c->ticks_base;
	ns = ktime_to_ns(ktime_sub(now, c->load_time));
	return c->ticks_base + mul_u64_u32_div(ns, HVM_PIT_HZ, NSEC_PER_SEC);
}

static void pit_pause(struct hvm_pit_counter *c, ktime_t now)
{
	c->ticks_base = pit_ticks(c, now);
	c->running = false;
}

static void pit_restart(struct hvm_pit_counter *c, ktime_t now, u64 ticks)
{
	c->ticks_base = ticks;
	c->load_time = now;
	c->running = true;
}

/* The counting element as the read logic sees it (datasheet "Mode Definitions"). */
static u16 pit_value(const struct hvm_pit_counter *c, ktime_t now)
{
	u64 d = pit_ticks(c, now);
	u32 v;

	if (!c->armed)
		return c->count;	/* 0x10000 reads as 0 */
	switch (c->mode) {
	case 2:
		v = c->count - do_div(d, c->count);
		break;
	case 3:
		/* Decrements by two; an odd count loses its low bit. */
		d *= 2;
		v = (c->count - do_div(d, c->count)) & ~1U;
		break;
	default:
		/* Modes 0, 1, 4, 5 wrap around after the terminal count. */
		v = c->count - (u32)d;
		break;
	}
	if (c->bcd) {
		v %= 10000;
		return bin2bcd(v / 100) << 8 | bin2bcd(v % 100);
	}
	return v;
}

/* OUT (datasheet figures "Mode 0" to "Mode 5"). */
static bool pit_out(const struct hvm_pit_counter *c, ktime_t now)
{
	u64 d;

	if (!c->armed)
		return c->mode != 0;	/* a mode 0 control word sets OUT low */
	d = pit_ticks(c, now);
	switch (c->mode) {
	case 0:
		return d >= c->count;
	case 1:
		/* Low from the trigger until the terminal count. */
		return !c->running || d >= c->count;
	case 2:
		/* Low for the one clock in which the count is 1. */
		return !c->running || do_div(d, c->count) != c->count - 1;
	case 3:
		/* High for the first half of each period (rounded up). */
		return !c->running || do_div(d, c->count) < (c->count + 1) / 2;
	default:
		/* Modes 4 and 5: low for one clock at the terminal count. */
		return d != c->count;
	}
}

/*
 * (Re)arm the IRQ 0 timer for counter 0's next rising OUT edge, or disarm
 * it. Called with the lock held; never waits for the callback (it takes
 * the lock): a callback that runs late sees a queued timer or irq_armed
 * clear and does nothing.
 */
static void pit_arm_irq(struct hvm_pit *pit, ktime_t now)
{
	struct hvm_pit_counter *c = &pit->c[0];
	u64 d, first = 0;

	lockdep_assert_held(&pit->lock);
	pit->irq_armed = false;
	if (c->armed && c->running) {
		d = pit_ticks(c, now);
		switch (c->mode) {
		case 0:
		case 4:
			/* One edge: OUT rises at the terminal count. */
			if (d < c->count) {
				first = c->count - d;
				pit->period_ns = 0;
				pit->irq_armed = true;
			}
			break;
		case 2:
		case 3:
			/* A rising edge every period, the first one count clocks in. */
			first = c->count - do_div(d, c->count);
			pit->period_ns = max_t(u64, pit_ticks_to_ns(c->count),
					       HVM_PIT_MIN_PERIOD_NS);
			pit->irq_armed = true;
			break;
		}
	}
	if (pit->irq_armed)
		hrtimer_start(&pit->timer, ktime_add_ns(now, pit_ticks_to_ns(first)),
			      HRTIMER_MODE_ABS);
	else
		hrtimer_try_to_cancel(&pit->timer);
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *t)
{
	struct hvm_pit *pit = container_of(t, struct hvm_pit, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool fire = false;

	spin_lock_irqsave(&pit->lock, flags);
	/* Re-armed (queued again) or disarmed while we waited for the lock. */
	if (!hrtimer_is_queued(t) && pit->irq_armed) {
		fire = true;
		if (pit->period_ns) {
			hrtimer_forward_now(t, ns_to_ktime(pit->period_ns));
			ret = HRTIMER_RESTART;
		} else {
			pit->irq_armed = false;
		}
	}
	spin_unlock_irqrestore(&pit->lock, flags);

	if (fire)
		hvm_irq_pulse(pit->vm, HVM_PIT_IRQ);
	return ret;
}

static void pit_latch_count(struct hvm_pit_counter *c, ktime_t now)
{
	if (c->latch_bytes)
		return;		/* a second latch before the read is ignored */
	c->latched = pit_value(c, now);
	c->latch_bytes = c->rw;
}

static void pit_latch_status(struct hvm_pit_counter *c, ktime_t now)
{
	if (c->status_latched)
		return;
	c->status = c->cw | (pit_out(c, now) ? PIT_ST_OUT : 0) |
		    (c->null_count ? PIT_ST_NULL : 0);
	c->status_latched = true;
}

static void pit_control(struct hvm_pit *pit, u8 v, ktime_t now)
{
	struct hvm_pit_counter *c;
	unsigned int i;

	if (PIT_CW_SC(v) == 3) {
		/* Read-back: latch count and/or status of the selected counters. */
		for (i = 0; i < 3; i++) {
			if (!(v & (2 << i)))
				continue;
			c = &pit->c[i];
			if (!(v & PIT_RB_NO_COUNT))
				pit_latch_count(c, now);
			if (!(v & PIT_RB_NO_STATUS))
				pit_latch_status(c, now);
		}
		return;
	}
	c = &pit->c[PIT_CW_SC(v)];
	if (!PIT_CW_RW(v)) {
		pit_latch_count(c, now);
		return;
	}
	/* A new control word resets the counter's logic; OUT per mode. */
	c->cw = v & 0x3f;
	c->rw = PIT_CW_RW(v);
	c->mode = PIT_CW_MODE(v);
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = v & PIT_CW_BCD;
	c->armed = false;
	c->running = false;
	c->ticks_base = 0;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->latch_bytes = 0;
	c->status_latched = false;
}

static void pit_load(struct hvm_pit_counter *c, u16 v, ktime_t now)
{
	u32 n = v;

	if (c->bcd)
		n = bcd2bin(v >> 8) * 100 + bcd2bin(v & 0xff);
	if (!n)
		n = c->bcd ? 10000 : 0x10000;
	c->count = n;
	c->armed = true;
	c->null_count = false;
	/*
	 * Modes 1 and 5 wait for a trigger (a gate rising edge); the others
	 * start counting now, paused while a low gate holds them.
	 */
	c->ticks_base = 0;
	c->load_time = now;
	c->running = c->mode != 1 && c->mode != 5 && c->gate;
}

static void pit_write_data(struct hvm_pit_counter *c, u8 v, ktime_t now)
{

	switch (c->rw) {
	case PIT_RW_LSB:
		pit_load(c, v, now);
		break;
	case PIT_RW_MSB:
		pit_load(c, v << 8, now);
		break;
	case PIT_RW_LSB_MSB:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			/* Mode 0: writing the first byte stops the count. */
			if (c->mode == 0 && c->armed) {
				pit_pause(c, now);
				c->armed = false;
			}
			return;
		}
		c->write_msb = false;
		pit_load(c, v << 8 | c->write_lsb, now);
		break;
	default:
		break;		/* no control word yet: ignored */
	}
}

static u8 pit_read_data(struct hvm_pit_counter *c, ktime_t now)
{
	u16 v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		v = c->latched;
		switch (c->latch_bytes) {
		case PIT_RW_LSB:
			c->latch_bytes = 0;
			return v;
		case PIT_RW_MSB:
			c->latch_bytes = 0;
			return v >> 8;
		default:
			c->latch_bytes = PIT_RW_MSB;
			return v;
		}
	}
	v = pit_value(c, now);
	switch (c->rw) {
	case PIT_RW_MSB:
		return v >> 8;
	case PIT_RW_LSB_MSB:
		c->read_msb = !c->read_msb;
		return c->read_msb ? v & 0xff : v >> 8;
	default:
		return v;
	}
}

/* Counter 2's gate from port 0x61 (datasheet "Gate" table per mode). */
static void pit_set_gate2(struct hvm_pit *pit, bool gate, ktime_t now)
{
	struct hvm_pit_counter *c = &pit->c[2];

	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->armed)
		return;
	switch (c->mode) {
	case 0:
	case 4:
		/* Gate low suspends counting; high resumes it. */
		if (gate)
			pit_restart(c, now, c->ticks_base);
		else
			pit_pause(c, now);
		break;
	case 2:
	case 3:
		/* Low stops counting (OUT high); the rising edge reloads. */
		if (gate)
			pit_restart(c, now, 0);
		else
			pit_pause(c, now);
		break;
	default:
		/* Modes 1 and 5: a rising edge (re)triggers. */
		if (gate)
			pit_restart(c, now, 0);
		break;
	}
}

static u8 pit_port61_read(struct hvm_pit *pit, ktime_t now)
{
	u8 v = pit->port61 & (PORT61_SPKR | PORT61_NMI_EN);

	if (pit->c[2].gate)
		v |= PORT61_GATE2;
	if (pit_out(&pit->c[2], now))
		v |= PORT61_OUT2;
	/* The refresh request toggles at every DRAM refresh cycle. */
	if (div_u64(ktime_to_ns(now), PORT61_REFRESH_NS) & 1)
		v |= PORT61_REFRESH;
	return v;
}

static int pit_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 *val)
{
	struct hvm_pit *pit = priv;
	ktime_t now = ktime_get();
	unsigned long flags;
	unsigned int i;
	u8 b;

	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < size; i++) {
		u16 p = port + i;

		if (p == HVM_PORT_NMI_SC)
			b = pit_port61_read(pit, now);
		else if (p >= HVM_PIT_BASE && p < HVM_PIT_BASE + 3)
			b = pit_read_data(&pit->c[p - HVM_PIT_BASE], now);
		else
			b = 0xff;	/* the control word is write only */
		*val |= (u32)b << (8 * i);
	}
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static int pit_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 val)
{
	struct hvm_pit *pit = priv;
	ktime_t now = ktime_get();
	bool counter0 = false;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < size; i++) {
		u16 p = port + i;
		u8 b = val >> (8 * i);

		if (p == HVM_PORT_NMI_SC) {
			pit->port61 = b & (PORT61_SPKR | PORT61_NMI_EN);
			pit_set_gate2(pit, b & PORT61_GATE2, now);
		} else if (p == HVM_PIT_BASE + 3) {
			pit_control(pit, b, now);
			counter0 |= PIT_CW_SC(b) == 0 && PIT_CW_RW(b);
		} else if (p >= HVM_PIT_BASE && p < HVM_PIT_BASE + 3) {
			pit_write_data(&pit->c[p - HVM_PIT_BASE], b, now);
			counter0 |= p == HVM_PIT_BASE;
		}
	}
	/* Counter 0's OUT drives IRQ 0: follow every change of its state. */
	if (counter0)
		pit_arm_irq(pit, now);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static const struct hvm_pio_ops hvm_pit_ops = {
	.read = pit_read,
	.write = pit_write,
};

/**
 * hvm_pit_create() - give @vm its 8254 and port 0x61
 * @vm: the VM being created (not yet visible)
 *
 * The counters come up as after a BIOS-less reset: no control word, OUT
 * high, counters 0 and 1 gated on, counter 2 gated off (port 0x61 = 0).
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int hvm_pit_create(struct hvm_vm *vm)
{
	struct hvm_pit *pit;
	unsigned int i;
	int r;

	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	spin_lock_init(&pit->lock);
	pit->vm = vm;
	for (i = 0; i < 3; i++) {
		pit->c[i].count = 0x10000;
		pit->c[i].mode = 3;	/* OUT high until programmed */
		pit->c[i].cw = 3 << 1;
		pit->c[i].gate = i != 2;
	}
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;

	r = hvm_pio_register(vm, HVM_PIT_BASE, 4, &hvm_pit_ops, pit);
	if (!r)
		r = hvm_pio_register(vm, HVM_PORT_NMI_SC, 1, &hvm_pit_ops, pit);
	if (r) {
		/* Creation fails as a whole: the VM's port table goes with it. */
		kfree(pit);
		return r;
	}
	vm->pit = pit;
	return 0;
}

/**
 * hvm_pit_destroy() - stop the IRQ 0 timer and free the PIT
 * @vm: the VM; no vCPU runs
 */
void hvm_pit_destroy(struct hvm_vm *vm)
{
	struct hvm_pit *pit = vm->pit;
	unsigned long flags;

	if (!pit)
		return;
	spin_lock_irqsave(&pit->lock, flags);
	pit->irq_armed = false;
	spin_unlock_irqrestore(&pit->lock, flags);
	hrtimer_cancel(&pit->timer);
	kfree(pit);
	vm->pit = NULL;
}
