// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC, one per vCPU (SDM vol. 3A chapter 10 "Advanced
 * Programmable Interrupt Controller (APIC)"; APM vol. 2 chapter 16).
 *
 * - xAPIC registers through MMIO at 0xFEE00000 (10.4.1). The MMIO range is
 *   registered once at VM creation, so the base cannot move: a write of
 *   IA32_APIC_BASE with another base raises #GP (documented limitation).
 * - x2APIC registers through MSRs 0x800-0x8FF once IA32_APIC_BASE.EXTD is
 *   set (10.12): 32-bit ID, read-only LDR, 64-bit ICR, SELF IPI, #GP for
 *   reserved registers, write-only/read-only misuse and non-zero EOI.
 * - IRR/ISR/TMR with the priority rules of 10.8.3.1: the highest IRR
 *   vector is delivered when its class is above PPR[7:4]; PPR is TPR or the
 *   highest in-service class, whichever is higher. TPR[7:4] is CR8 (10.8.6).
 * - EOI clears the highest ISR bit; for a level-triggered vector (TMR) the
 *   EOI is broadcast to the I/O APIC (10.8.5).
 * - ICR (10.6.1): fixed and NMI IPIs with the self, all-including-self and
 *   all-excluding-self shorthands and physical/logical destinations over
 *   the VM's local APICs; INIT/SIPI/SMI are ignored (no SMP bring-up yet).
 * - LVT timer/thermal/perf/LINT0/LINT1/error (10.5.1); only the timer,
 *   LINT0 (ExtINT: the 8259A's output, kmod/pic.c) and error ever fire.
 * - The timer (10.5.4): one-shot, periodic and TSC-deadline (10.5.4.1) on
 *   a host hrtimer; the APIC bus clock is 1 GHz (a count is divide * 1 ns).
 *
 * Interrupts from any source (devices, other vCPUs, the timer) end in
 * hvm_lapic_accept(); kmod/event.c asks hvm_lapic_pending() and
 * hvm_lapic_intack() before each entry.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/smp.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "hvm.h"
#include "lapic.h"
#include "ioapic.h"

#define LAPIC_VERSION		(0x14 | ((HVM_NR_LVT - 1) << 16))
#define LVT_MASKED		BIT(16)
#define LVT_LEVEL		BIT(15)
#define LVT_TIMER_MODE		(3U << 17)
#define LVT_TIMER_ONESHOT	(0U << 17)
#define LVT_TIMER_PERIODIC	(1U << 17)
#define LVT_TIMER_DEADLINE	(2U << 17)
#define ICR_SHORTHAND		(3U << 18)	/* APIC_DEST_SELF ... ALLBUT */
#define SVR_ENABLE		BIT(8)
#define SVR_MASK		0x3ffU	/* vector, enable, focus; no EOI suppression */

/* ESR bits (SDM vol. 3A 10.5.3) */
#define ESR_SEND_ILLEGAL	BIT(5)
#define ESR_RECV_ILLEGAL	BIT(6)
#define ESR_ILLEGAL_REG		BIT(7)

/*
 * Shortest periodic timer period: a guest cannot make the host spin. Each
 * period costs the host a timer interrupt, a kick and a VM exit and entry;
 * at 50 us a guest with initial count 1 kept the single CPU of the Bochs
 * test machine busy with nothing else (selftests/hostile_guest.c). 200 us
 * is the PIT's floor (kmod/pit.c) and KVM's default min_timer_period_us.
 */
#define LAPIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

/* Writable bits of each LVT (vector, delivery mode, polarity, trigger, mask). */
static const u32 lvt_mask[HVM_NR_LVT] = {
	[HVM_LVT_TIMER]		= 0x000700ff,	/* mask, mode 18:17, vector */
	[HVM_LVT_THERMAL]	= 0x000107ff,
	[HVM_LVT_PERF]		= 0x000107ff,
	[HVM_LVT_LINT0]		= 0x0001a7ff,	/* + polarity, trigger */
	[HVM_LVT_LINT1]		= 0x0001a7ff,
	[HVM_LVT_ERROR]		= 0x000100ff,
};

/* The VM's local APICs hang off the I/O APIC: together the APIC bus. */
struct hvm_lapic *hvm_vm_lapic(struct hvm_vm *vm, unsigned int index)
{
	if (!vm->ioapic || index >= vm->nr_vcpus)
		return NULL;
	return &vm->ioapic->lapics[index];
}

/**
 * hvm_vcpu_lapic() - @vcpu's local APIC
 * @vcpu: the vCPU
 *
 * Return: the APIC (vcpu->lapic once the vCPU entered the guest).
 */
struct hvm_lapic *hvm_vcpu_lapic(struct hvm_vcpu *vcpu)
{
	struct hvm_lapic *apic = READ_ONCE(vcpu->lapic);

	return apic ? apic : hvm_vm_lapic(vcpu->vm, vcpu->index);
}

static struct hvm_vcpu *lapic_vcpu(struct hvm_lapic *apic)
{
	return READ_ONCE(apic->vm->vcpus[apic->index]);
}

/**
 * hvm_lapic_kick() - make @vcpu look at its pending interrupts
 * @vcpu: the vCPU (may be NULL during creation)
 *
 * Any context, hard interrupts included (the hrtimer callbacks): a
 * reschedule IPI forces a guest exit on the vCPU's CPU (the entry path
 * re-checks with interrupts off), and a halted vCPU is woken.
 */
void hvm_lapic_kick(struct hvm_vcpu *vcpu)
{
	if (vcpu)
		hvm_vcpu_kick(vcpu);
}

static inline bool reg_test(const u32 *reg, u8 v)
{
	return reg[v / 32] & BIT(v % 32);
}

static inline void reg_set(u32 *reg, u8 v)
{
	reg[v / 32] |= BIT(v % 32);
}

static inline void reg_clear(u32 *reg, u8 v)
{
	reg[v / 32] &= ~BIT(v % 32);
}

/* The highest vector set in a 256-bit register, or -1. */
static int reg_highest(const u32 *reg)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (reg[i])
			return i * 32 + __fls(reg[i]);
	return -1;
}

static bool lapic_hw_enabled(const struct hvm_lapic *apic)
{
	return apic->apic_base & MSR_IA32_APICBASE_ENABLE;
}

static bool lapic_x2apic(const struct hvm_lapic *apic)
{
	return (apic->apic_base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE);
}

/* PPR (SDM vol. 3A 10.8.3.1). */
static u32 lapic_ppr(const struct hvm_lapic *apic)
{
	int isrv = reg_highest(apic->isr);
	u32 tpr = apic->tpr & 0xff;

	if (isrv < 0 || (tpr & 0xf0) >= (isrv & 0xf0))
		return tpr;
	return isrv & 0xf0;
}

/* The timer's divisor from the DCR (SDM vol. 3A figure 10-10). */
static u32 lapic_divisor(const struct hvm_lapic *apic)
{
	u32 v = (apic->timer_dcr & 3) | ((apic->timer_dcr & 8) >> 1);

	return v == 7 ? 1 : 2U << v;
}

static u32 lapic_timer_mode(const struct hvm_lapic *apic)
{
	return apic->lvt[HVM_LVT_TIMER] & LVT_TIMER_MODE;
}

/* Power-up / INIT state (SDM vol. 3A 10.4.7.1); IA32_APIC_BASE is kept. */
static void lapic_reset_regs(struct hvm_lapic *apic)
{
	int i;

	apic->id = apic->index << 24;
	apic->tpr = 0;
	apic->ldr = 0;
	apic->dfr = 0xffffffff;
	apic->svr = 0xff;
	apic->esr = 0;
	apic->esr_pending = 0;
	apic->icr_lo = 0;
	apic->icr_hi = 0;
	for (i = 0; i < HVM_NR_LVT; i++)
		apic->lvt[i] = LVT_MASKED;
	memset(apic->irr, 0, sizeof(apic->irr));
	memset(apic->isr, 0, sizeof(apic->isr));
	memset(apic->tmr, 0, sizeof(apic->tmr));
	apic->timer_icr = 0;
	apic->timer_dcr = 0;
	apic->timer_period = 0;
	apic->tsc_deadline = 0;
	apic->timer_next = 0;
}

/* Set IRR (and TMR); [l] held. Return: the vector was accepted. */
static bool lapic_set_irr(struct hvm_lapic *apic, u8 vector, bool level)
{
	if (vector < 16) {
		/* "Received illegal vector" (SDM vol. 3A 10.5.3). */
		apic->esr_pending |= ESR_RECV_ILLEGAL;
		return false;
	}
	reg_set(apic->irr, vector);
	if (level)
		reg_set(apic->tmr, vector);
	else
		reg_clear(apic->tmr, vector);
	return true;
}

/* An error was recorded: the LVT error entry fires (SDM vol. 3A 10.5.3). */
static void lapic_error(struct hvm_lapic *apic, u32 bit)
{
	u32 lvt;

	apic->esr_pending |= bit;
	lvt = apic->lvt[HVM_LVT_ERROR];
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		reg_set(apic->irr, lvt & 0xff);
}

/**
 * hvm_lapic_accept() - a fixed interrupt message arrives at @apic
 * @apic: the local APIC
 * @vector: the vector
 * @level: level-triggered (sets TMR: its EOI goes to the I/O APIC)
 * @force: accept even while the APIC is software-disabled (a device
 *         wired straight at the vCPU: the selftests' hvm_vcpu_raise_irq())
 *
 * A hardware-disabled APIC (IA32_APIC_BASE.EN clear) accepts nothing; a
 * software-disabled one (SVR bit 8 clear) drops fixed interrupts, as
 * bhyve and KVM do (SDM vol. 3A 10.4.7.2 leaves them to the model). A
 * vector below 16 is not accepted and sets ESR bit 6. Any context.
 */
void hvm_lapic_accept(struct hvm_lapic *apic, u8 vector, bool level, bool force)
{
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&apic->lock, flags);
	if (lapic_hw_enabled(apic) && (force || (apic->svr & SVR_ENABLE))) {
		if (lapic_set_irr(apic, vector, level)) {
			kick = true;
		} else if (apic->svr & SVR_ENABLE) {
			lapic_error(apic, 0);
			kick = true;
		}
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	if (kick)
		hvm_lapic_kick(lapic_vcpu(apic));
}

static void lapic_nmi(struct hvm_lapic *apic)
{
	struct hvm_vcpu *vcpu = lapic_vcpu(apic);

	if (vcpu && lapic_hw_enabled(apic))
		hvm_vcpu_raise_nmi(vcpu);
}

/*
 * Does @apic match destination @dest (SDM vol. 3A 10.6.2)? Physical: the
 * APIC ID, or the broadcast ID (0xFF xAPIC, 0xFFFFFFFF x2APIC). Logical:
 * the flat or cluster model of the DFR (xAPIC), cluster in x2APIC mode.
 * [l] held.
 */
static bool lapic_match(struct hvm_lapic *apic, u32 dest, bool logical)
{
	u32 ldr;

	if (lapic_x2apic(apic)) {
		if (dest == 0xffffffff)
			return true;
		if (!logical)
			return dest == apic->index;
		ldr = ((apic->index >> 4) << 16) | BIT(apic->index & 0xf);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == apic->id >> 24;
	ldr = apic->ldr >> 24;
	if ((apic->dfr >> 28) == 0xf)	/* flat */
		return ldr & dest;
	/* cluster: 4-bit cluster ID, 4-bit member mask */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/**
 * hvm_lapic_deliver() - an interrupt message on the APIC bus
 * @vm: the VM
 * @dest: the destination field (8 bits from the I/O APIC or an xAPIC ICR)
 * @logical: logical destination mode
 * @mode: HVM_DM_FIXED, HVM_DM_LOWEST, HVM_DM_NMI (others are ignored)
 * @vector: the vector (fixed, lowest priority)
 * @level: level-triggered
 *
 * Every matching local APIC accepts it; lowest priority goes to the first
 * match (no arbitration among vCPUs yet). Any context; no lock held.
 */
void hvm_lapic_deliver(struct hvm_vm *vm, u32 dest, bool logical, u8 mode,
		       u8 vector, bool level)
{
	struct hvm_lapic *apic;
	unsigned long flags;
	unsigned int i;
	bool match;

	for (i = 0; i < vm->nr_vcpus; i++) {
		apic = hvm_vm_lapic(vm, i);
		spin_lock_irqsave(&apic->lock, flags);
		match = lapic_hw_enabled(apic) && lapic_match(apic, dest, logical);
		spin_unlock_irqrestore(&apic->lock, flags);
		if (!match)
			continue;
		if (mode == HVM_DM_NMI)
			lapic_nmi(apic);
		else if (mode == HVM_DM_FIXED || mode == HVM_DM_LOWEST)
			hvm_lapic_accept(apic, vector, level, false);
		if (mode == HVM_DM_LOWEST)
			break;
	}
}

/* ---- the timer ---- */

/*
 * The hrtimer is armed at an absolute CLOCK_MONOTONIC time kept in
 * @timer_next under the lock, and re-armed or disarmed there without
 * waiting for a running callback: a callback that finds @timer_next moved
 * (later, or 0), or the timer queued again, is stale and does nothing.
 */
static void lapic_arm(struct hvm_lapic *apic, u64 at)
{
	apic->timer_next = at;
	hrtimer_start(&apic->timer, ns_to_ktime(at), HRTIMER_MODE_ABS);
}

static void lapic_disarm(struct hvm_lapic *apic)
{
	apic->timer_next = 0;
	hrtimer_try_to_cancel(&apic->timer);
}

/* Fire the LVT timer: [l] held. Return: kick the vCPU. */
static bool lapic_timer_irq(struct hvm_lapic *apic)
{
	u32 lvt = apic->lvt[HVM_LVT_TIMER];

	apic->timer_fired++;
	if ((lvt & LVT_MASKED) || !(apic->svr & SVR_ENABLE))
		return false;
	if (!lapic_set_irr(apic, lvt & 0xff, false))
		lapic_error(apic, 0);
	return true;
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct hvm_lapic *apic = container_of(t, struct hvm_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool kick = false;
	u64 now, n;

	spin_lock_irqsave(&apic->lock, flags);
	now = ktime_get_ns();
	if (hrtimer_is_queued(t) || !apic->timer_next || now < apic->timer_next)
		goto out;	/* stale: re-armed or disarmed meanwhile */
	kick = lapic_timer_irq(apic);
	n = 1;
	if (lapic_timer_mode(apic) == LVT_TIMER_PERIODIC && apic->timer_period) {
		/*
		 * Keep the phase: the next period starts where this one ended.
		 * Periods that passed while the host ran late merge into this
		 * one interrupt (IRR holds one per vector, 10.8.4) but are
		 * counted, so the statistic shows the timer's own time base.
		 */
		n = div64_u64(now - apic->timer_next, apic->timer_period) + 1;
		apic->timer_next += n * apic->timer_period;
		apic->timer_start = apic->timer_next - apic->timer_period;
		hrtimer_set_expires(t, ns_to_ktime(apic->timer_next));
		ret = HRTIMER_RESTART;
	} else {
		apic->timer_next = 0;
		/* The MSR reads 0 once the deadline passed (SDM vol. 3A 10.5.4.1). */
		apic->tsc_deadline = 0;
	}
	/* Only this handler writes the counter; readers sum it racily. */
	WRITE_ONCE(lapic_vcpu(apic)->stats[HVM_STAT_TIMER],
		   lapic_vcpu(apic)->stats[HVM_STAT_TIMER] + n);
out:
	spin_unlock_irqrestore(&apic->lock, flags);
	if (kick)
		hvm_lapic_kick(lapic_vcpu(apic));
	return ret;
}

/* Start counting the initial count down (a TMICT write); [l] held. */
static void lapic_timer_start(struct hvm_lapic *apic)
{
	u64 period;

	apic->timer_period = 0;
	if (!apic->timer_icr) {
		lapic_disarm(apic);
		return;
	}
	period = (u64)apic->timer_icr * lapic_divisor(apic);
	if (lapic_timer_mode(apic) == LVT_TIMER_PERIODIC)
		period = max(period, LAPIC_MIN_PERIOD_NS);
	apic->timer_period = period;
	apic->timer_start = ktime_get_ns();
	lapic_arm(apic, apic->timer_start + period);
}

/* The current count (SDM vol. 3A 10.5.4); [l] held. */
static u32 lapic_timer_ccr(struct hvm_lapic *apic)
{
	u64 elapsed, left;

	if (!apic->timer_period || lapic_timer_mode(apic) == LVT_TIMER_DEADLINE)
		return 0;
	elapsed = ktime_get_ns() - apic->timer_start;
	if (lapic_timer_mode(apic) == LVT_TIMER_PERIODIC) {
		div64_u64_rem(elapsed, apic->timer_period, &elapsed);
		left = apic->timer_period - elapsed;
	} else if (elapsed >= apic->timer_period) {
		return 0;
	} else {
		left = apic->timer_period - elapsed;
	}
	return min_t(u64, div_u64(left, lapic_divisor(apic)), apic->timer_icr);
}

/* The guest's TSC now; the vCPU thread. */
static u64 lapic_guest_tsc(struct hvm_vcpu *vcpu)
{
	u64 tsc = 0;

	if (hvm_ops->msr_get(vcpu, MSR_IA32_TSC, &tsc))
		tsc = rdtsc();
	return tsc;
}

/*
 * A write of IA32_TSC_DEADLINE in TSC-deadline mode (SDM vol. 3A
 * 10.5.4.1): 0 disarms, a deadline already passed fires at once. [l]
 * held, the vCPU thread. Return: kick the vCPU.
 */
static bool lapic_deadline_write(struct hvm_lapic *apic, struct hvm_vcpu *vcpu,
				 u64 deadline)
{
	u64 now;

	apic->tsc_deadline = deadline;
	if (!deadline) {
		lapic_disarm(apic);
		return false;
	}
	now = lapic_guest_tsc(vcpu);
	if (deadline <= now || !tsc_khz) {
		lapic_disarm(apic);
		apic->tsc_deadline = 0;
		return lapic_timer_irq(apic);
	}
	lapic_arm(apic, ktime_get_ns() +
		  mul_u64_u32_div(deadline - now, 1000000, tsc_khz));
	return false;
}

/* ---- registers ---- */

/* TPR[7:4] is CR8 (SDM vol. 3A 10.8.6.1): pick up MOV CR8; vCPU thread. */
static void lapic_sync_tpr(struct hvm_lapic *apic, struct hvm_vcpu *vcpu)
{
	u32 cr8 = hvm_ops->get_ctl(vcpu, HVM_CTL_CR8) & 0xf;

	if (cr8 != (apic->tpr >> 4))
		apic->tpr = cr8 << 4;
}

/* The EOI: [l] held. Return: the vector, when level-triggered (TMR). */
static int lapic_eoi(struct hvm_lapic *apic)
{
	int v = reg_highest(apic->isr);

	if (v < 0)
		return -1;
	reg_clear(apic->isr, v);
	return reg_test(apic->tmr, v) ? v : -1;
}

/*
 * Read register @reg (offset >> 4), xAPIC layout. Return 0, or -EINVAL for
 * a register that does not exist (x2APIC: #GP). [l] held.
 */
static int lapic_reg_read(struct hvm_lapic *apic, unsigned int reg, u64 *val)
{
	bool x2 = lapic_x2apic(apic);

	switch (reg) {
	case APIC_ID >> 4:
		*val = x2 ? apic->index : apic->id;
		break;
	case APIC_LVR >> 4:
		*val = LAPIC_VERSION;
		break;
	case APIC_TASKPRI >> 4:
		*val = apic->tpr;
		break;
	case APIC_ARBPRI >> 4:
		if (x2)
			return -EINVAL;
		*val = 0;
		break;
	case APIC_PROCPRI >> 4:
		*val = lapic_ppr(apic);
		break;
	case APIC_EOI >> 4:
		if (x2)
			return -EINVAL;	/* write-only in x2APIC mode */
		*val = 0;
		break;
	case APIC_LDR >> 4:
		*val = x2 ? ((apic->index >> 4) << 16) | BIT(apic->index & 0xf) :
			    apic->ldr;
		break;
	case APIC_DFR >> 4:
		if (x2)
			return -EINVAL;
		*val = apic->dfr;
		break;
	case APIC_SPIV >> 4:
		*val = apic->svr;
		break;
	case APIC_ISR >> 4 ... (APIC_ISR >> 4) + 7:
		*val = apic->isr[reg - (APIC_ISR >> 4)];
		break;
	case APIC_TMR >> 4 ... (APIC_TMR >> 4) + 7:
		*val = apic->tmr[reg - (APIC_TMR >> 4)];
		break;
	case APIC_IRR >> 4 ... (APIC_IRR >> 4) + 7:
		*val = apic->irr[reg - (APIC_IRR >> 4)];
		break;
	case APIC_ESR >> 4:
		*val = apic->esr;
		break;
	case APIC_ICR >> 4:
		*val = apic->icr_lo | (x2 ? (u64)apic->icr_hi << 32 : 0);
		break;
	case APIC_ICR2 >> 4:
		if (x2)
			return -EINVAL;
		*val = apic->icr_hi;
		break;
	case APIC_LVTT >> 4 ... APIC_LVTERR >> 4:
		*val = apic->lvt[reg - (APIC_LVTT >> 4)];
		break;
	case APIC_TMICT >> 4:
		*val = apic->timer_icr;
		break;
	case APIC_TMCCT >> 4:
		*val = lapic_timer_ccr(apic);
		break;
	case APIC_TDCR >> 4:
		*val = apic->timer_dcr;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* What a register write asks the caller to do once [l] is dropped. */
struct lapic_after {
	int eoi_vector;		/* broadcast this EOI to the I/O APIC */
	bool send;		/* send the IPI in icr_lo/icr_hi */
	u32 icr_lo, icr_hi;
	bool kick;
};

/* Write register @reg; [l] held, the timer cancelled. Return 0 or -EINVAL. */
static int lapic_reg_write(struct hvm_lapic *apic, struct hvm_vcpu *vcpu,
			   unsigned int reg, u64 val, struct lapic_after *after)
{
	bool x2 = lapic_x2apic(apic);
	u32 v = val, old;
	int i;

	switch (reg) {
	case APIC_ID >> 4:
		/* Writable in xAPIC mode, read-only in x2APIC mode (10.12.5.1). */
		if (x2)
			return -EINVAL;
		apic->id = v & 0xff000000;
		break;
	case APIC_TASKPRI >> 4:
		apic->tpr = v & 0xff;
		hvm_ops->set_ctl(vcpu, HVM_CTL_CR8, apic->tpr >> 4);
		after->kick = true;
		break;
	case APIC_EOI >> 4:
		/* x2APIC: a non-zero write raises #GP (SDM vol. 3A 10.12.1.2). */
		if (x2 && v)
			return -EINVAL;
		after->eoi_vector = lapic_eoi(apic);
		break;
	case APIC_LDR >> 4:
		if (x2)
			return -EINVAL;
		apic->ldr = v & 0xff000000;
		break;
	case APIC_DFR >> 4:
		if (x2)
			return -EINVAL;
		apic->dfr = v | 0x0fffffff;
		break;
	case APIC_SPIV >> 4:
		apic->svr = v & SVR_MASK;
		if (!(apic->svr & SVR_ENABLE)) {
			/* Software disable masks every LVT (SDM vol. 3A 10.4.7.2). */
			for (i = 0; i < HVM_NR_LVT; i++)
				apic->lvt[i] |= LVT_MASKED;
		}
		break;
	case APIC_ESR >> 4:
		/* x2APIC: only 0 may be written. */
		if (x2 && v)
			return -EINVAL;
		apic->esr = apic->esr_pending;
		apic->esr_pending = 0;
		break;
	case APIC_ICR >> 4:
		if (x2) {
			apic->icr_hi = val >> 32;
		} else if (val >> 32) {
			return -EINVAL;
		}
		apic->icr_lo = v & ~(u32)APIC_ICR_BUSY;
		after->send = true;
		after->icr_lo = apic->icr_lo;
		after->icr_hi = apic->icr_hi;
		break;
	case APIC_ICR2 >> 4:
		if (x2)
			return -EINVAL;
		apic->icr_hi = v & 0xff000000;
		break;
	case APIC_LVTT >> 4 ... APIC_LVTERR >> 4:
		i = reg - (APIC_LVTT >> 4);
		old = apic->lvt[i];
		apic->lvt[i] = v & lvt_mask[i];
		if (!(apic->svr & SVR_ENABLE))
			apic->lvt[i] |= LVT_MASKED;
		if (i == HVM_LVT_TIMER) {
			/* Mode 11b is reserved: treat it as one-shot. */
			if (lapic_timer_mode(apic) == LVT_TIMER_MODE)
				apic->lvt[i] &= ~LVT_TIMER_MODE;
			if ((old ^ apic->lvt[i]) & LVT_TIMER_MODE) {
				/* A mode change disarms the timer (10.5.4.1). */
				apic->timer_icr = 0;
				apic->timer_period = 0;
				apic->tsc_deadline = 0;
				lapic_disarm(apic);
			}
		}
		break;
	case APIC_TMICT >> 4:
		if (lapic_timer_mode(apic) == LVT_TIMER_DEADLINE)
			break;	/* ignored in TSC-deadline mode */
		apic->timer_icr = v;
		lapic_timer_start(apic);
		return 0;
	case APIC_TDCR >> 4:
		apic->timer_dcr = v & 0xb;
		break;
	case APIC_SELF_IPI >> 4:
		if (!x2)
			return -EINVAL;
		after->send = true;
		after->icr_lo = (v & 0xff) | APIC_DEST_SELF;
		after->icr_hi = 0;
		break;
	case APIC_LVR >> 4:
	case APIC_PROCPRI >> 4:
	case APIC_ISR >> 4 ... (APIC_ISR >> 4) + 7:
	case APIC_TMR >> 4 ... (APIC_TMR >> 4) + 7:
	case APIC_IRR >> 4 ... (APIC_IRR >> 4) + 7:
	case APIC_TMCCT >> 4:
	case APIC_ARBPRI >> 4:
		/* Read-only: ignored in xAPIC mode, #GP in x2APIC mode. */
		if (x2)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Send the IPI in @lo/@hi (SDM vol. 3A 10.6.1); no lock held. */
static void lapic_send_ipi(struct hvm_lapic *self, u32 lo, u32 hi)
{
	struct hvm_vm *vm = self->vm;
	u8 mode = (lo >> 8) & 7, vector = lo & 0xff;
	bool logical = lo & APIC_DEST_LOGICAL;
	struct hvm_lapic *apic;
	unsigned long flags;
	unsigned int i;
	u32 dest;

	if (mode != HVM_DM_FIXED && mode != HVM_DM_LOWEST && mode != HVM_DM_NMI)
		return;		/* INIT, SIPI, SMI: no SMP bring-up yet */
	if (mode != HVM_DM_NMI && vector < 16) {
		spin_lock_irqsave(&self->lock, flags);
		lapic_error(self, ESR_SEND_ILLEGAL);
		spin_unlock_irqrestore(&self->lock, flags);
		hvm_lapic_kick(lapic_vcpu(self));
		return;
	}
	spin_lock_irqsave(&self->lock, flags);
	dest = lapic_x2apic(self) ? hi : hi >> 24;
	spin_unlock_irqrestore(&self->lock, flags);

	switch (lo & ICR_SHORTHAND) {
	case APIC_DEST_SELF:
		if (mode == HVM_DM_NMI)
			lapic_nmi(self);
		else
			hvm_lapic_accept(self, vector, false, false);
		return;
	case APIC_DEST_ALLINC:
	case APIC_DEST_ALLBUT:
		for (i = 0; i < vm->nr_vcpus; i++) {
			apic = hvm_vm_lapic(vm, i);
			if (apic == self && (lo & ICR_SHORTHAND) == APIC_DEST_ALLBUT)
				continue;
			if (mode == HVM_DM_NMI)
				lapic_nmi(apic);
			else
				hvm_lapic_accept(apic, vector, false, false);
		}
		return;
	default:
		hvm_lapic_deliver(vm, dest, logical, mode, vector, false);
	}
}

/* A register access from the vCPU thread; @write or read into *@val. */
static int lapic_access(struct hvm_vcpu *vcpu, unsigned int reg, u64 *val,
			bool write)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	struct lapic_after after = { .eoi_vector = -1 };
	unsigned long flags;
	int r;

	spin_lock_irqsave(&apic->lock, flags);
	lapic_sync_tpr(apic, vcpu);
	if (write)
		r = lapic_reg_write(apic, vcpu, reg, *val, &after);
	else
		r = lapic_reg_read(apic, reg, val);
	spin_unlock_irqrestore(&apic->lock, flags);

	if (after.eoi_vector >= 0)
		hvm_ioapic_eoi(vcpu->vm, after.eoi_vector);
	if (after.send)
		lapic_send_ipi(apic, after.icr_lo, after.icr_hi);
	return r;
}

/* ---- xAPIC MMIO ---- */

/*
 * Registers are 32 bits wide on 16-byte boundaries (SDM vol. 3A 10.4.1);
 * other widths are undefined there. hvm serves any access inside one
 * 16-byte slot: the register is bytes 0-3, bytes 4-15 read as zero, a
 * write merges its bytes 0-3 into the register. Accesses while the APIC
 * is disabled or in x2APIC mode read all ones and write nothing.
 */
static int lapic_mmio_read(struct hvm_vcpu *vcpu, void *priv, u64 off,
			   void *val, unsigned int len)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	u8 slot[16] = {};
	u64 reg = 0;

	if (!lapic_hw_enabled(apic) || lapic_x2apic(apic) ||
	    (off & 15) + len > 16) {
		memset(val, 0xff, len);
		return 0;
	}
	if (off < 0x1000 && !lapic_access(vcpu, off >> 4, &reg, false))
		memcpy(slot, &reg, 4);
	memcpy(val, slot + (off & 15), len);
	return 0;
}

static int lapic_mmio_write(struct hvm_vcpu *vcpu, void *priv, u64 off,
			    const void *val, unsigned int len)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	unsigned int b = off & 15;
	u64 reg = 0;
	u32 v;

	if (!lapic_hw_enabled(apic) || lapic_x2apic(apic) || b >= 4 ||
	    b + len > 16 || off >= 0x1000)
		return 0;
	if (b || len < 4) {
		/* A partial write merges into the current value. */
		if (lapic_access(vcpu, off >> 4, &reg, false))
			return 0;
	}
	v = reg;
	memcpy((u8 *)&v + b, val, min(len, 4 - b));
	reg = v;
	lapic_access(vcpu, off >> 4, &reg, true);
	return 0;
}

static const struct hvm_mmio_ops lapic_mmio_ops = {
	.read = lapic_mmio_read,
	.write = lapic_mmio_write,
};

/* ---- MSRs ---- */

/* IA32_APIC_BASE (SDM vol. 3A 10.4.4, 10.12.5 figure 10-27 transitions). */
static int lapic_set_base(struct hvm_vcpu *vcpu, struct hvm_lapic *apic, u64 val)
{
	u64 rsvd = ~(GENMASK_ULL(hvm_gpa_bits() - 1, 12) |
		     MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE | MSR_IA32_APICBASE_BSP);
	u64 old = apic->apic_base, en = MSR_IA32_APICBASE_ENABLE;
	unsigned long flags;

	if (val & rsvd)
		return -EINVAL;
	/* BSP is read-only (we keep the vCPU's). */
	if ((val ^ old) & MSR_IA32_APICBASE_BSP)
		return -EINVAL;
	/* The xAPIC range is registered at 0xFEE00000 and cannot move. */
	if ((val & MSR_IA32_APICBASE_BASE) != HVM_LAPIC_BASE)
		return -EINVAL;
	/* EXTD without EN is invalid; x2APIC -> xAPIC and disabled -> x2APIC too. */
	if ((val & X2APIC_ENABLE) && !(val & en))
		return -EINVAL;
	if ((old & X2APIC_ENABLE) && (val & en) && !(val & X2APIC_ENABLE))
		return -EINVAL;
	if (!(old & en) && (val & X2APIC_ENABLE))
		return -EINVAL;

	spin_lock_irqsave(&apic->lock, flags);
	apic->apic_base = val;
	if (!(val & en)) {
		lapic_disarm(apic);
		/* Disabled: as at power-up when enabled again (10.4.3). */
		lapic_reset_regs(apic);
		hvm_ops->set_ctl(vcpu, HVM_CTL_CR8, 0);
	} else if ((val & X2APIC_ENABLE) && !(old & X2APIC_ENABLE)) {
		/* Entering x2APIC mode: the ID is the x2APIC ID (10.12.5.1). */
		apic->id = apic->index;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return 0;
}

/**
 * hvm_lapic_msr_read() - RDMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an
 * x2APIC register (0x800-0x8FF)
 * @vcpu: the vCPU (its thread)
 * @msr: the MSR
 * @val: the value read
 *
 * Return: 0, or -EINVAL: #GP (x2APIC registers outside x2APIC mode, ones
 * that do not exist or are write-only).
 */
int hvm_lapic_msr_read(struct hvm_vcpu *vcpu, u32 msr, u64 *val)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	unsigned long flags;

	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = apic->apic_base;
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		spin_lock_irqsave(&apic->lock, flags);
		*val = lapic_timer_mode(apic) == LVT_TIMER_DEADLINE ?
		       apic->tsc_deadline : 0;
		spin_unlock_irqrestore(&apic->lock, flags);
		return 0;
	}
	if (msr < APIC_BASE_MSR || msr > APIC_BASE_MSR + 0xff || !lapic_x2apic(apic))
		return -EINVAL;
	if (msr == APIC_BASE_MSR + (APIC_SELF_IPI >> 4))
		return -EINVAL;	/* write-only */
	return lapic_access(vcpu, msr - APIC_BASE_MSR, val, false);
}

/**
 * hvm_lapic_msr_write() - WRMSR of the MSRs hvm_lapic_msr_read() serves
 * @vcpu: the vCPU (its thread)
 * @msr: the MSR
 * @val: EDX:EAX
 *
 * Return: 0, or -EINVAL: #GP.
 */
int hvm_lapic_msr_write(struct hvm_vcpu *vcpu, u32 msr, u64 val)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	unsigned long flags;
	bool kick;

	switch (msr) {
	case MSR_IA32_APICBASE:
		return lapic_set_base(vcpu, apic, val);
	case MSR_IA32_TSC_DEADLINE:
		spin_lock_irqsave(&apic->lock, flags);
		kick = false;
		/* Ignored outside TSC-deadline mode (SDM vol. 3A 10.5.4.1). */
		if (lapic_hw_enabled(apic) &&
		    lapic_timer_mode(apic) == LVT_TIMER_DEADLINE)
			kick = lapic_deadline_write(apic, vcpu, val);
		spin_unlock_irqrestore(&apic->lock, flags);
		if (kick)
			hvm_lapic_kick(vcpu);
		return 0;
	}
	if (msr < APIC_BASE_MSR || msr > APIC_BASE_MSR + 0xff || !lapic_x2apic(apic))
		return -EINVAL;
	/* 32-bit registers: EDX must be 0 except for the ICR (10.12.1.2). */
	if (msr != APIC_BASE_MSR + (APIC_ICR >> 4) && (val >> 32))
		return -EINVAL;
	return lapic_access(vcpu, msr - APIC_BASE_MSR, &val, true);
}

/**
 * hvm_lapic_hw_enabled() - IA32_APIC_BASE.EN (CPUID.1:EDX.APIC mirrors it)
 * @vcpu: the vCPU
 *
 * Return: the local APIC is enabled.
 */
bool hvm_lapic_hw_enabled(struct hvm_vcpu *vcpu)
{
	return lapic_hw_enabled(hvm_vcpu_lapic(vcpu));
}

/* ---- delivery into the vCPU (kmod/event.c) ---- */

/**
 * hvm_lapic_extint_accepted() - does @apic pass the 8259A's INTR through?
 * @apic: the local APIC
 *
 * The BSP's LINT0 in ExtINT mode and unmasked (virtual wire, MPS 1.4
 * 3.6.2.2), or the whole APIC disabled (the PIC drives INTR directly).
 */
bool hvm_lapic_extint_accepted(struct hvm_lapic *apic)
{
	u32 lint0 = READ_ONCE(apic->lvt[HVM_LVT_LINT0]);

	if (apic->index != 0)
		return false;
	if (!lapic_hw_enabled(apic))
		return true;
	return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == HVM_DM_EXTINT;
}

/**
 * hvm_lapic_pending() - the interrupt @vcpu would take now
 * @vcpu: the vCPU
 * @extint: set when the 8259A's ExtINT is what is pending
 *
 * The ExtINT first (it bypasses the priority logic), then the highest IRR
 * vector whose class is above PPR[7:4] (SDM vol. 3A 10.8.3.1). The vCPU's
 * own thread also picks up a MOV CR8 the guest did without an exit.
 *
 * Return: the vector, or -1 (none; @extint false).
 */
int hvm_lapic_pending(struct hvm_vcpu *vcpu, bool *extint)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	unsigned long flags;
	int v;

	*extint = false;
	if (!apic)
		return -1;
	if (hvm_lapic_extint_accepted(apic) && hvm_pic_output(vcpu->vm)) {
		*extint = true;
		return 0;
	}
	spin_lock_irqsave(&apic->lock, flags);
	if (current == vcpu->thread)
		lapic_sync_tpr(apic, vcpu);
	v = reg_highest(apic->irr);
	if (v >= 0 && (!lapic_hw_enabled(apic) ||
		       (v & 0xf0) <= (lapic_ppr(apic) & 0xf0)))
		v = -1;
	spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/**
 * hvm_lapic_intack() - the vCPU takes its highest deliverable vector
 * @vcpu: the vCPU (its thread, interrupts off, right before the entry)
 *
 * IRR -> ISR (SDM vol. 3A 10.8.4 "interrupt acceptance").
 *
 * Return: the vector, or -1 when none is deliverable.
 */
int hvm_lapic_intack(struct hvm_vcpu *vcpu)
{
	struct hvm_lapic *apic = hvm_vcpu_lapic(vcpu);
	unsigned long flags;
	int v;

	spin_lock_irqsave(&apic->lock, flags);
	v = reg_highest(apic->irr);
	if (v >= 0 && lapic_hw_enabled(apic) &&
	    (v & 0xf0) > (lapic_ppr(apic) & 0xf0)) {
		reg_clear(apic->irr, v);
		reg_set(apic->isr, v);
	} else {
		v = -1;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/* ---- creation ---- */

/**
 * hvm_lapic_create() - the local APICs of @vm and their MMIO range
 * @vm: the VM being created; its I/O APIC exists (it holds the APICs)
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int hvm_lapic_create(struct hvm_vm *vm)
{
	struct hvm_lapic *apics, *apic;
	unsigned int i;
	int r;

	apics = kcalloc(vm->nr_vcpus, sizeof(*apics), GFP_KERNEL_ACCOUNT);
	if (!apics)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		apic = &apics[i];
		apic->vm = vm;
		apic->index = i;
		spin_lock_init(&apic->lock);
		hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		apic->timer.function = lapic_timer_fn;
		apic->apic_base = HVM_LAPIC_BASE | MSR_IA32_APICBASE_ENABLE |
				  (i == 0 ? MSR_IA32_APICBASE_BSP : 0);
		lapic_reset_regs(apic);
	}
	r = hvm_mmio_register(vm, HVM_LAPIC_BASE, PAGE_SIZE, &lapic_mmio_ops, NULL);
	if (r) {
		kfree(apics);
		return r;
	}
	vm->ioapic->lapics = apics;
	return 0;
}

/**
 * hvm_lapic_destroy() - cancel the timers and free the local APICs
 * @vm: the VM (vCPUs stopped)
 */
void hvm_lapic_destroy(struct hvm_vm *vm)
{
	unsigned int i;

	if (!vm->ioapic || !vm->ioapic->lapics)
		return;
	for (i = 0; i < vm->nr_vcpus; i++)
		hrtimer_cancel(&vm->ioapic->lapics[i].timer);
	kfree(vm->ioapic->lapics);
	vm->ioapic->lapics = NULL;
}
