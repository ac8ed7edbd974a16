// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS real-time clock: an MC146818A (Motorola MC146818A datasheet;
 * Intel PCH datasheets "Real Time Clock") with its 128 bytes of CMOS RAM.
 *
 *   0x70  write: bit 7 masks NMIs (kept, there are no platform NMIs),
 *               bits 6-0 select the register; reads float (0xff)
 *   0x71  the selected register
 *
 * Registers: 0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week
 * (1 = Sunday), 0x07 day of month, 0x08 month, 0x09 year, 0x32 century;
 * 0x01/0x03/0x05 the alarm; 0x0a-0x0d status A-D; the rest is RAM.
 *
 * The time of day is the host's CLOCK_REALTIME plus a whole-second offset
 * the guest changes by writing the time registers (usually with B.SET on,
 * as Linux's mc146818_set_time() does), so updates fall on the host's
 * second boundaries. Values follow B.DM (BCD unless set) and B.24/12.
 * A.UIP reads 1 during the last 244 us before each update. A's divider
 * bits are kept but do not stop the clock. C's flags: UF (an update since
 * C was last read, unless B.SET), PF (a periodic-rate boundary since then,
 * per A.RS) and AF (an alarm match, checked while B.AIE is on); IRQF and
 * IRQ 8 follow the flags B enables, and reading C clears them (the line
 * stays asserted until then, as the chip's IRQ# does). D reads VRT.
 */
#include <linux/bcd.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/time64.h>

#include "hvm.h"
#include "rtc.h"

#define RTC_SEC			0x00
#define RTC_SEC_ALARM		0x01
#define RTC_MIN			0x02
#define RTC_MIN_ALARM		0x03
#define RTC_HOUR		0x04
#define RTC_HOUR_ALARM		0x05
#define RTC_WDAY		0x06
#define RTC_MDAY		0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* the IBM PC/AT's (ACPI FADT CENTURY) */
#define RTC_NMI_MASK		0x80

#define RTC_A_UIP		0x80
#define RTC_A_RS		0x0f
#define RTC_B_SET		0x80
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_DM_BINARY		0x04
#define RTC_B_24H		0x02
#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10
#define RTC_D_VRT		0x80
#define RTC_PM			0x80	/* hours, 12-hour mode */
#define RTC_ALARM_ANY		0xc0	/* alarm "don't care" codes 0xc0-0xff */

#define RTC_UIP_NS		(244 * NSEC_PER_USEC)

/*
 * Locking: @lock (irqsave: the timer runs in hard interrupt context) for
 * everything but [c]. The timer never raises IRQ 8 with it held.
 */
struct hvm_rtc {
	spinlock_t lock;
	struct hvm_vm *vm;		/* [c] */
	u8 index;
	bool nmi_masked;
	u8 ram[128];			/* time registers: the last snapshot */
	s64 offset;			/* guest seconds - host seconds */
	u8 flags;			/* C: PF, AF, UF the timer latched */
	s64 last_c_ns;			/* host time of the last C read */
	bool irq;			/* IRQ 8 asserted (IRQF) */
	struct hrtimer timer;
	bool timer_armed;		/* the timer serves the current B */
	s64 tick_sec;			/* timer: the second it last saw */
	u64 tick_period;		/* timer: the periodic slot it last saw */
};

static s64 rtc_host_sec(s64 ns, u32 *rem)
{
	return div_s64_rem(ns, NSEC_PER_SEC, rem);
}

/* The periodic interrupt rate of A.RS in Hz (datasheet table 4), or 0. */
static u32 rtc_rate(const struct hvm_rtc *rtc)
{
	u8 rs = rtc->ram[RTC_REG_A] & RTC_A_RS;

	if (!rs)
		return 0;
	if (rs < 3)
		return 256 >> (rs - 1);	/* 1: 256 Hz, 2: 128 Hz */
	return 32768 >> (rs - 1);
}

/* Which periodic slot (counted from the epoch) @ns falls in. */
static u64 rtc_period_slot(s64 ns, u32 rate)
{
	u32 rem;
	s64 sec = rtc_host_sec(ns, &rem);

	return (u64)sec * rate + div_u64((u64)rem * rate, NSEC_PER_SEC);
}

static u8 rtc_enc(const struct hvm_rtc *rtc, unsigned int v)
{
	return (rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY) ? v : bin2bcd(v);
}

static unsigned int rtc_dec(const struct hvm_rtc *rtc, u8 v)
{
	return (rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY) ? v : bcd2bin(v);
}

static u8 rtc_enc_hour(const struct hvm_rtc *rtc, unsigned int h)
{
	if (rtc->ram[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(rtc, h);
	return rtc_enc(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_PM : 0);
}

static unsigned int rtc_dec_hour(const struct hvm_rtc *rtc, u8 v)
{
	unsigned int h;

	if (rtc->ram[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(rtc, v);
	h = rtc_dec(rtc, v & ~RTC_PM) % 12;
	return (v & RTC_PM) ? h + 12 : h;
}

/* Put the guest's time of day for host second @host_sec in the registers. */
static void rtc_fill(struct hvm_rtc *rtc, s64 host_sec)
{
	struct tm tm;
	long year;

	time64_to_tm(host_sec + rtc->offset, 0, &tm);
	year = tm.tm_year + 1900;
	rtc->ram[RTC_SEC] = rtc_enc(rtc, tm.tm_sec);
	rtc->ram[RTC_MIN] = rtc_enc(rtc, tm.tm_min);
	rtc->ram[RTC_HOUR] = rtc_enc_hour(rtc, tm.tm_hour);
	rtc->ram[RTC_WDAY] = rtc_enc(rtc, tm.tm_wday + 1);
	rtc->ram[RTC_MDAY] = rtc_enc(rtc, tm.tm_mday);
	rtc->ram[RTC_MONTH] = rtc_enc(rtc, tm.tm_mon + 1);
	rtc->ram[RTC_YEAR] = rtc_enc(rtc, year % 100);
	rtc->ram[RTC_CENTURY] = rtc_enc(rtc, (year / 100) % 100);
}

/* The registers as a time: the new offset. Out-of-range values are ignored. */
static void rtc_parse(struct hvm_rtc *rtc, s64 host_sec)
{
	unsigned int sec = rtc_dec(rtc, rtc->ram[RTC_SEC]);
	unsigned int min = rtc_dec(rtc, rtc->ram[RTC_MIN]);
	unsigned int hour = rtc_dec_hour(rtc, rtc->ram[RTC_HOUR]);
	unsigned int mday = rtc_dec(rtc, rtc->ram[RTC_MDAY]);
	unsigned int mon = rtc_dec(rtc, rtc->ram[RTC_MONTH]);
	unsigned int year = rtc_dec(rtc, rtc->ram[RTC_YEAR]) +
			    100 * rtc_dec(rtc, rtc->ram[RTC_CENTURY]);

	if (sec > 59 || min > 59 || hour > 23 || !mday || mday > 31 ||
	    !mon || mon > 12 || year < 1970)
		return;
	rtc->offset = mktime64(year, mon, mday, hour, min, sec) - host_sec;
}

static bool rtc_is_time_reg(u8 idx)
{
	return idx <= RTC_YEAR || idx == RTC_CENTURY;
}

/*
 * Arm the timer for the next event B enables: a periodic slot (PIE) or a
 * second boundary (UIE, AIE). Lock held; never waits for the callback.
 */
static void rtc_arm(struct hvm_rtc *rtc, s64 now)
{
	u8 b = rtc->ram[RTC_REG_B];
	u32 rate = rtc_rate(rtc), rem;
	s64 sec = rtc_host_sec(now, &rem);
	s64 next = S64_MAX;

	lockdep_assert_held(&rtc->lock);
	rtc->timer_armed = false;
	if ((b & RTC_B_PIE) && rate) {
		u64 slot = rtc_period_slot(now, rate) + 1 - (u64)sec * rate;

		next = sec * NSEC_PER_SEC +
		       DIV_ROUND_UP_ULL(slot * NSEC_PER_SEC, rate);
	}
	if ((b & (RTC_B_UIE | RTC_B_AIE)) && !(b & RTC_B_SET))
		next = min_t(s64, next, (sec + 1) * NSEC_PER_SEC);
	if (next == S64_MAX) {
		hrtimer_try_to_cancel(&rtc->timer);
		return;
	}
	rtc->tick_sec = sec;
	rtc->tick_period = rate ? rtc_period_slot(now, rate) : 0;
	rtc->timer_armed = true;
	hrtimer_start(&rtc->timer, ns_to_ktime(next), HRTIMER_MODE_ABS);
}

static bool rtc_alarm_match(struct hvm_rtc *rtc)
{
	static const u8 pairs[][2] = {
		{ RTC_SEC_ALARM, RTC_SEC }, { RTC_MIN_ALARM, RTC_MIN },
		{ RTC_HOUR_ALARM, RTC_HOUR },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		u8 a = rtc->ram[pairs[i][0]];

		if ((a & RTC_ALARM_ANY) != RTC_ALARM_ANY && a != rtc->ram[pairs[i][1]])
			return false;
	}
	return true;
}

/* IRQF and the line follow the enabled flags; true: raise IRQ 8 now. */
static bool rtc_update_irq(struct hvm_rtc *rtc)
{
	u8 enabled = rtc->ram[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);

	/* B's enable bits sit where C's flags do (datasheet "Register C"). */
	if (rtc->irq || !(rtc->flags & enabled))
		return false;
	rtc->irq = true;
	return true;
}

/*
 * Latch the update (UF, and AF on an alarm match) and the periodic slot
 * (PF) that turned since the timer or a C read last looked, once each:
 * whichever of the two sees a new second first reports it.
 */
static void rtc_latch(struct hvm_rtc *rtc, s64 now)
{
	u32 rate = rtc_rate(rtc), rem;
	s64 sec = rtc_host_sec(now, &rem);
	u64 slot = rate ? rtc_period_slot(now, rate) : 0;

	lockdep_assert_held(&rtc->lock);
	if (!(rtc->ram[RTC_REG_B] & RTC_B_SET) && sec != rtc->tick_sec) {
		rtc->flags |= RTC_C_UF;
		if (rtc->ram[RTC_REG_B] & RTC_B_AIE) {
			rtc_fill(rtc, sec);
			if (rtc_alarm_match(rtc))
				rtc->flags |= RTC_C_AF;
		}
	}
	if (rate && slot != rtc->tick_period)
		rtc->flags |= RTC_C_PF;
	rtc->tick_sec = sec;
	rtc->tick_period = slot;
}

static enum hrtimer_restart rtc_timer_fn(struct hrtimer *t)
{
	struct hvm_rtc *rtc = container_of(t, struct hvm_rtc, timer);
	bool raise = false;
	unsigned long flags;
	s64 now;

	spin_lock_irqsave(&rtc->lock, flags);
	if (hrtimer_is_queued(t) || !rtc->timer_armed) {
		spin_unlock_irqrestore(&rtc->lock, flags);
		return HRTIMER_NORESTART;
	}
	now = ktime_get_real_ns();
	rtc_latch(rtc, now);
	raise = rtc_update_irq(rtc);
	rtc_arm(rtc, now);
	spin_unlock_irqrestore(&rtc->lock, flags);

	if (raise)
		hvm_irq_line(rtc->vm, HVM_RTC_IRQ, true);
	/* rtc_arm() queued the timer again (or left it off). */
	return HRTIMER_NORESTART;
}

/* Register C: the flags since the last read, cleared by this read. */
static u8 rtc_read_c(struct hvm_rtc *rtc, s64 now, bool *lower)
{
	u32 rate = rtc_rate(rtc), rem, last_rem;
	u8 v;

	if (!(rtc->ram[RTC_REG_B] & RTC_B_SET) &&
	    rtc_host_sec(now, &rem) != rtc_host_sec(rtc->last_c_ns, &last_rem))
		rtc->flags |= RTC_C_UF;
	if (rate && rtc_period_slot(now, rate) != rtc_period_slot(rtc->last_c_ns, rate))
		rtc->flags |= RTC_C_PF;
	rtc_latch(rtc, now);
	v = rtc->flags;
	if (v & rtc->ram[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE))
		v |= RTC_C_IRQF;
	rtc->flags = 0;
	rtc->last_c_ns = now;
	*lower = rtc->irq;
	rtc->irq = false;
	return v;
}

static u8 rtc_read_reg(struct hvm_rtc *rtc, bool *lower)
{
	s64 now = ktime_get_real_ns();
	u8 idx = rtc->index;
	u32 rem;
	s64 sec = rtc_host_sec(now, &rem);
	u8 v;

	switch (idx) {
	case RTC_REG_A:
		v = rtc->ram[RTC_REG_A] & ~RTC_A_UIP;
		if (!(rtc->ram[RTC_REG_B] & RTC_B_SET) &&
		    rem >= NSEC_PER_SEC - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		return rtc_read_c(rtc, now, lower);
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		/* B.SET freezes the registers for the guest to set them. */
		if (rtc_is_time_reg(idx) && !(rtc->ram[RTC_REG_B] & RTC_B_SET))
			rtc_fill(rtc, sec);
		return rtc->ram[idx];
	}
}

static void rtc_write_reg(struct hvm_rtc *rtc, u8 v)
{
	s64 now = ktime_get_real_ns();
	u8 idx = rtc->index, old;
	u32 rem;
	s64 sec = rtc_host_sec(now, &rem);

	switch (idx) {
	case RTC_REG_A:
		rtc->ram[RTC_REG_A] = v & ~RTC_A_UIP;
		rtc_arm(rtc, now);
		break;
	case RTC_REG_B:
		old = rtc->ram[RTC_REG_B];
		/* SET also clears UIE (datasheet "Register B"). */
		if (v & RTC_B_SET)
			v &= ~RTC_B_UIE;
		/* SET off: the clock runs on from what the guest wrote (in its format). */
		if ((old & RTC_B_SET) && !(v & RTC_B_SET))
			rtc_parse(rtc, sec);
		rtc->ram[RTC_REG_B] = v;
		/* SET on: the registers hold still, in the new format. */
		if (!(old & RTC_B_SET) && (v & RTC_B_SET))
			rtc_fill(rtc, sec);
		rtc_arm(rtc, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;		/* read only */
	default:
		if (!rtc_is_time_reg(idx) || (rtc->ram[RTC_REG_B] & RTC_B_SET)) {
			rtc->ram[idx] = v;
			break;
		}
		/* A running clock takes the new field at once. */
		rtc_fill(rtc, sec);
		rtc->ram[idx] = v;
		rtc_parse(rtc, sec);
		break;
	}
}

static int rtc_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 *val)
{
	struct hvm_rtc *rtc = priv;
	bool lower = false;
	unsigned long flags;
	unsigned int i;
	u8 b;

	spin_lock_irqsave(&rtc->lock, flags);
	for (i = 0; i < size; i++) {
		if (port + i == HVM_RTC_BASE + 1)
			b = rtc_read_reg(rtc, &lower);
		else
			b = 0xff;	/* the index register is write only */
		*val |= (u32)b << (8 * i);
	}
	spin_unlock_irqrestore(&rtc->lock, flags);

	if (lower)
		hvm_irq_line(rtc->vm, HVM_RTC_IRQ, false);
	return 0;
}

static int rtc_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 val)
{
	struct hvm_rtc *rtc = priv;
	unsigned long flags;
	bool raise = false;
	unsigned int i;

	spin_lock_irqsave(&rtc->lock, flags);
	for (i = 0; i < size; i++) {
		u8 b = val >> (8 * i);

		if (port + i == HVM_RTC_BASE) {
			rtc->index = b & ~RTC_NMI_MASK;
			rtc->nmi_masked = b & RTC_NMI_MASK;
		} else if (port + i == HVM_RTC_BASE + 1) {
			rtc_write_reg(rtc, b);
			/* Enabling a flag that is already set interrupts at once. */
			raise |= rtc_update_irq(rtc);
		}
	}
	spin_unlock_irqrestore(&rtc->lock, flags);

	if (raise)
		hvm_irq_line(rtc->vm, HVM_RTC_IRQ, true);
	return 0;
}

static const struct hvm_pio_ops hvm_rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

/**
 * hvm_rtc_create() - give @vm its CMOS clock
 * @vm: the VM being created (not yet visible)
 *
 * Comes up as a PC BIOS leaves it: 32.768 kHz divider and 1024 Hz rate
 * (A = 0x26), 24-hour BCD with interrupts off (B = 0x02), valid RAM and
 * time (D = 0x80), the host's time of day, the rest of the RAM zero.
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int hvm_rtc_create(struct hvm_vm *vm)
{
	struct hvm_rtc *rtc;
	int r;

	rtc = kzalloc(sizeof(*rtc), GFP_KERNEL_ACCOUNT);
	if (!rtc)
		return -ENOMEM;
	spin_lock_init(&rtc->lock);
	rtc->vm = vm;
	rtc->ram[RTC_REG_A] = 0x26;
	rtc->ram[RTC_REG_B] = RTC_B_24H;
	rtc->last_c_ns = ktime_get_real_ns();
	hrtimer_init(&rtc->timer, CLOCK_REALTIME, HRTIMER_MODE_ABS);
	rtc->timer.function = rtc_timer_fn;

	r = hvm_pio_register(vm, HVM_RTC_BASE, 2, &hvm_rtc_ops, rtc);
	if (r) {
		kfree(rtc);
		return r;
	}
	vm->rtc = rtc;
	return 0;
}

/**
 * hvm_rtc_destroy() - stop the RTC's timer and free it
 * @vm: the VM; no vCPU runs
 */
void hvm_rtc_destroy(struct hvm_vm *vm)
{
	struct hvm_rtc *rtc = vm->rtc;
	unsigned long flags;

	if (!rtc)
		return;
	spin_lock_irqsave(&rtc->lock, flags);
	rtc->timer_armed = false;
	spin_unlock_irqrestore(&rtc->lock, flags);
	hrtimer_cancel(&rtc->timer);
	kfree(rtc);
	vm->rtc = NULL;
}
