// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI fixed hardware (ACPI 6.5 chapter 4.8) as hvctl's FADT describes it
 * (ctl/loader_acpi.c): one PM1a register block and a 24-bit PM timer at
 * QEMU PIIX4's PMBASE, no PM1b, PM2 or GPE blocks.
 *
 *   0x600  PM1_STS (16 bits, 4.8.4.1.1): write 1 to clear. Only TMR_STS
 *          (bit 0) ever sets: when bit 23 of the PM timer changes. The
 *          other events (power/sleep button, RTC, wake, bus master,
 *          global lock) have no source here and read 0.
 *   0x602  PM1_EN (16 bits, 4.8.4.1.2): TMR_EN, GBL_EN, PWRBTN_EN,
 *          SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS read back as written,
 *          reserved bits read 0.
 *   0x604  PM1_CNT (16 bits, 4.8.4.2.1): SCI_EN reads 1 and ignores
 *          writes (the FADT has SMI_CMD 0: ACPI mode is always on);
 *          BM_RLD and SLP_TYP read back; GBL_RLS and SLP_EN are write
 *          only and read 0. Writing SLP_EN with SLP_TYP 5, the DSDT's
 *          \_S5 (soft off), stops the VM with reason halt, as `poweroff`
 *          on a machine without ACPI did before; SLP_EN with any other
 *          SLP_TYP names a sleep state the DSDT does not offer and does
 *          nothing.
 *   0x606  not decoded by the FADT: reads 0xff, writes are dropped.
 *   0x608  PM_TMR (32-bit port, 4.8.3.3): a 24-bit up-counter at
 *          3.579545 MHz (FADT TMR_VAL_EXT clear), bits 31-24 read 0,
 *          writes ignored. It counts from 0 at VM creation and is
 *          computed from the host's monotonic clock when read.
 *
 * The SCI is ISA IRQ 9 (the MADT overrides it to level, active high): it
 * is asserted while TMR_STS and TMR_EN are both set, and an hrtimer fires
 * at the next bit-23 change while TMR_EN is set and TMR_STS clear. Any
 * access width works at any offset; bytes past 0x60B float.
 */
#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "acpi_pm.h"
#include "hvm.h"

#define PM_TMR_HZ		3579545
#define PM_TMR_MASK		0xffffffU
#define PM_TMR_MSB_SHIFT	23	/* TMR_STS sets when bit 23 changes */

/* Offsets from HVM_ACPI_PM_BASE. */
#define PM1_STS			0
#define PM1_EN			2
#define PM1_CNT			4
#define PM_TMR			8

#define PM1_TMR			BIT(0)	/* TMR_STS in PM1_STS, TMR_EN in PM1_EN */
#define PM1_EN_MASK		0x4721U
#define PM1_CNT_SCI_EN		BIT(0)
#define PM1_CNT_BM_RLD		BIT(1)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP		(7U << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		BIT(13)

/* Locking: @lock protects everything below it; taken from the hrtimer too. */
struct hvm_acpi_pm {
	struct hvm_vm *vm;
	ktime_t start;			/* the PM timer's 0 */
	struct hrtimer timer;		/* next bit-23 change, for the SCI */
	spinlock_t lock;
	u64 sts_toggles;		/* bit-23 changes up to TMR_STS's last clear */
	u16 en;
	u16 cnt;			/* BM_RLD and SLP_TYP */
	bool sci;			/* level driven on IRQ 9 */
};

static u64 pm_ticks(const struct hvm_acpi_pm *pm, ktime_t now)
{
	return mul_u64_u32_div(ktime_to_ns(ktime_sub(now, pm->start)), PM_TMR_HZ,
			       NSEC_PER_SEC);
}

static bool pm_tmr_sts(const struct hvm_acpi_pm *pm, u64 ticks)
{
	return ticks >> PM_TMR_MSB_SHIFT != pm->sts_toggles;
}

/* Drive the SCI from TMR_STS & TMR_EN; arm the timer for the next change. */
static void pm_update_sci(struct hvm_acpi_pm *pm, ktime_t now)
{
	u64 toggles = pm_ticks(pm, now) >> PM_TMR_MSB_SHIFT;
	bool enabled = pm->en & PM1_TMR, level = enabled && toggles != pm->sts_toggles;

	lockdep_assert_held(&pm->lock);
	if (enabled && !level) {
		/* First nanosecond at which the count reaches the next change. */
		u64 ns = mul_u64_u32_div((toggles + 1) << PM_TMR_MSB_SHIFT,
					 NSEC_PER_SEC, PM_TMR_HZ) + 1;

		hrtimer_start(&pm->timer, ktime_add_ns(pm->start, ns),
			      HRTIMER_MODE_ABS);
	} else {
		hrtimer_try_to_cancel(&pm->timer);
	}
	if (level != pm->sci) {
		pm->sci = level;
		hvm_irq_line(pm->vm, HVM_ACPI_SCI_IRQ, level);
	}
}

static enum hrtimer_restart pm_timer_fn(struct hrtimer *t)
{
	struct hvm_acpi_pm *pm = container_of(t, struct hvm_acpi_pm, timer);
	unsigned long flags;

	spin_lock_irqsave(&pm->lock, flags);
	/* Not re-armed while we waited for the lock. */
	if (!hrtimer_is_queued(t))
		pm_update_sci(pm, ktime_get());
	spin_unlock_irqrestore(&pm->lock, flags);
	return HRTIMER_NORESTART;
}

static void pm_put(u8 *p, u32 v, unsigned int bytes)
{
	while (bytes--) {
		*p++ = v;
		v >>= 8;
	}
}

static int pm_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		   unsigned int size, u32 *val)
{
	struct hvm_acpi_pm *pm = priv;
	unsigned int off = port - HVM_ACPI_PM_BASE, i;
	u8 regs[HVM_ACPI_PM_PORTS];
	unsigned long flags;
	u64 ticks;

	spin_lock_irqsave(&pm->lock, flags);
	ticks = pm_ticks(pm, ktime_get());
	pm_put(regs + PM1_STS, pm_tmr_sts(pm, ticks) ? PM1_TMR : 0, 2);
	pm_put(regs + PM1_EN, pm->en, 2);
	pm_put(regs + PM1_CNT, pm->cnt | PM1_CNT_SCI_EN, 2);
	spin_unlock_irqrestore(&pm->lock, flags);
	pm_put(regs + PM1_CNT + 2, 0xffff, 2);
	pm_put(regs + PM_TMR, ticks & PM_TMR_MASK, 4);

	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u32)(off + i < HVM_ACPI_PM_PORTS ? regs[off + i] : 0xff) << (8 * i);
	return 0;
}

/* @old with the bytes of @reg (2 bytes at @at) that the access wrote. */
static u16 pm_merge(u16 old, const u8 *data, const bool *wrote, unsigned int at)
{
	if (wrote[at])
		old = (old & 0xff00) | data[at];
	if (wrote[at + 1])
		old = (old & 0x00ff) | data[at + 1] << 8;
	return old;
}

static int pm_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 val)
{
	struct hvm_acpi_pm *pm = priv;
	unsigned int off = port - HVM_ACPI_PM_BASE, i;
	u8 data[HVM_ACPI_PM_PORTS] = {};
	bool wrote[HVM_ACPI_PM_PORTS] = {};
	bool soft_off = false;
	unsigned long flags;
	ktime_t now;
	u16 cnt;

	for (i = 0; i < size && off + i < HVM_ACPI_PM_PORTS; i++) {
		data[off + i] = val >> (8 * i);
		wrote[off + i] = true;
	}

	spin_lock_irqsave(&pm->lock, flags);
	now = ktime_get();
	/* PM1_STS: write 1 to clear; only TMR_STS can be set. */
	if (pm_merge(0, data, wrote, PM1_STS) & PM1_TMR)
		pm->sts_toggles = pm_ticks(pm, now) >> PM_TMR_MSB_SHIFT;
	if (wrote[PM1_EN] || wrote[PM1_EN + 1])
		pm->en = pm_merge(pm->en, data, wrote, PM1_EN) & PM1_EN_MASK;
	if (wrote[PM1_CNT] || wrote[PM1_CNT + 1]) {
		cnt = pm_merge(pm->cnt, data, wrote, PM1_CNT);
		pm->cnt = cnt & (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP);
		soft_off = (cnt & PM1_CNT_SLP_EN) &&
			   (cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT ==
			   HVM_ACPI_S5_SLP_TYP;
	}
	pm_update_sci(pm, now);
	spin_unlock_irqrestore(&pm->lock, flags);

	/* S5, soft off: the VM ends as a halt does (code 0). */
	return soft_off ? hvm_vcpu_stop(vcpu, HVM_STOP_HALT, 0) : 0;
}

static const struct hvm_pio_ops hvm_acpi_pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

/**
 * hvm_acpi_pm_create() - give @vm the ACPI PM1a block and PM timer
 * @vm: the VM being created (not yet visible)
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int hvm_acpi_pm_create(struct hvm_vm *vm)
{
	struct hvm_acpi_pm *pm;
	int r;

	pm = kzalloc(sizeof(*pm), GFP_KERNEL_ACCOUNT);
	if (!pm)
		return -ENOMEM;
	spin_lock_init(&pm->lock);
	pm->vm = vm;
	pm->start = ktime_get();
	hrtimer_init(&pm->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pm->timer.function = pm_timer_fn;
	r = hvm_pio_register(vm, HVM_ACPI_PM_BASE, HVM_ACPI_PM_PORTS,
			     &hvm_acpi_pm_ops, pm);
	if (r) {
		kfree(pm);
		return r;
	}
	vm->acpi_pm = pm;
	return 0;
}

/**
 * hvm_acpi_pm_destroy() - stop the SCI timer and free the PM block
 * @vm: the VM; no vCPU runs
 */
void hvm_acpi_pm_destroy(struct hvm_vm *vm)
{
	struct hvm_acpi_pm *pm = vm->acpi_pm;
	unsigned long flags;

	if (!pm)
		return;
	vm->acpi_pm = NULL;
	spin_lock_irqsave(&pm->lock, flags);
	pm->en = 0;
	spin_unlock_irqrestore(&pm->lock, flags);
	hrtimer_cancel(&pm->timer);
	kfree(pm);
}
