// SPDX-License-Identifier: GPL-2.0
/*
 * hvm-testdev: a small MMIO register block for the selftests, present only
 * in VMs created while the module parameter testdev=1 (default off). It
 * exercises the MMIO path (every decoded instruction form reaches it) and
 * the event-injection path (a write raises an interrupt or an NMI on the
 * writing vCPU). Guest-physical HVM_TESTDEV_BASE, one page:
 *
 *   0x00-0x0f  SCRATCH  read/write, any width 1/2/4/8 at any offset
 *   0x10       COUNT    read only: accesses to the device so far (u64)
 *   0x18       IRQ      write only: the low byte is a vector (32-255) raised
 *                       as an external interrupt on the writing vCPU
 *   0x20       NMI      write only: raises an NMI on the writing vCPU
 *   0x28       TIMER    write only (8 bytes): bits 7:0 a vector, bits 63:8 a
 *                       delay in microseconds: the vector is raised on the
 *                       writing vCPU once the delay has passed (a one-shot
 *                       host hrtimer; a new write re-arms it)
 *   0x30       LINE     write only: bits 7:0 an interrupt line (ISA IRQ /
 *                       GSI, below 24), bit 8 its new level: hvm_irq_line()
 *                       drives the 8259A and the I/O APIC like a device
 *   other      reads return all ones, writes are ignored
 */
#include <linux/hrtimer.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "hvm.h"

static bool hvm_testdev_enable;
module_param_named(testdev, hvm_testdev_enable, bool, 0644);
MODULE_PARM_DESC(testdev, "Give new VMs the selftests' MMIO device at 0xfebf0000 (default: off)");

#define TD_SCRATCH	0x00
#define TD_COUNT	0x10
#define TD_IRQ		0x18
#define TD_NMI		0x20
#define TD_TIMER	0x28
#define TD_LINE		0x30

/*
 * Locking: [d] lock (vCPU threads of one VM access it concurrently);
 * [h] set before the timer is armed, read by its callback.
 */
struct hvm_testdev {
	spinlock_t lock;
	u8 scratch[16];		/* [d] */
	u64 count;		/* [d] */
	struct hrtimer timer;
	struct hvm_vcpu *timer_vcpu;	/* [h] */
	u8 timer_vector;		/* [h] */
};

static enum hrtimer_restart hvm_testdev_fire(struct hrtimer *t)
{
	struct hvm_testdev *td = container_of(t, struct hvm_testdev, timer);

	hvm_vcpu_raise_irq(td->timer_vcpu, td->timer_vector);
	return HRTIMER_NORESTART;
}

static int hvm_testdev_read(struct hvm_vcpu *vcpu, void *priv, u64 off,
			    void *val, unsigned int len)
{
	struct hvm_testdev *td = priv;

	spin_lock(&td->lock);
	td->count++;
	if (off + len <= TD_SCRATCH + sizeof(td->scratch))
		memcpy(val, td->scratch + off, len);
	else if (off >= TD_COUNT && off + len <= TD_COUNT + 8)
		memcpy(val, (u8 *)&td->count + (off - TD_COUNT), len);
	else if (off >= TD_IRQ && off + len <= TD_NMI + 8)
		memset(val, 0, len);
	else
		memset(val, 0xff, len);
	spin_unlock(&td->lock);
	return 0;
}

static int hvm_testdev_write(struct hvm_vcpu *vcpu, void *priv, u64 off,
			     const void *val, unsigned int len)
{
	struct hvm_testdev *td = priv;
	u8 vector = *(const u8 *)val;

	spin_lock(&td->lock);
	td->count++;
	if (off + len <= TD_SCRATCH + sizeof(td->scratch))
		memcpy(td->scratch + off, val, len);
	spin_unlock(&td->lock);

	if (off == TD_IRQ && vector >= 32) {
		hvm_vcpu_raise_irq(vcpu, vector);
	} else if (off == TD_NMI) {
		hvm_vcpu_raise_nmi(vcpu);
	} else if (off == TD_LINE && len >= 2) {
		u16 line = *(const u16 *)val;

		if ((line & 0xff) < HVM_NR_IRQS)
			hvm_irq_line(vcpu->vm, line & 0xff, line & 0x100);
	} else if (off == TD_TIMER && len == 8 && vector >= 32) {
		u64 delay_us = *(const u64 *)val >> 8;

		hrtimer_cancel(&td->timer);
		td->timer_vcpu = vcpu;
		td->timer_vector = vector;
		hrtimer_start(&td->timer, ns_to_ktime(min_t(u64, delay_us, 10000000) * 1000),
			      HRTIMER_MODE_REL);
	}
	return 0;
}

static const struct hvm_mmio_ops hvm_testdev_ops = {
	.read = hvm_testdev_read,
	.write = hvm_testdev_write,
};

/**
 * hvm_testdev_init() - give @vm the test device when testdev=1
 * @vm: the VM being created
 *
 * Return: 0 (also when the parameter is off or RAM reaches the device's
 * address), or -ENOMEM.
 */
int hvm_testdev_init(struct hvm_vm *vm)
{
	struct hvm_testdev *td;
	int r;

	if (!READ_ONCE(hvm_testdev_enable) || vm->mem_size > HVM_TESTDEV_BASE)
		return 0;
	td = kzalloc(sizeof(*td), GFP_KERNEL_ACCOUNT);
	if (!td)
		return -ENOMEM;
	spin_lock_init(&td->lock);
	hrtimer_init(&td->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	td->timer.function = hvm_testdev_fire;
	r = hvm_mmio_register(vm, HVM_TESTDEV_BASE, PAGE_SIZE, &hvm_testdev_ops, td);
	if (r) {
		kfree(td);
		return r;
	}
	vm->testdev = td;
	return 0;
}

/**
 * hvm_testdev_free() - free what hvm_testdev_init() allocated
 * @vm: the VM, its vCPUs still allocated (the timer may name one)
 */
void hvm_testdev_free(struct hvm_vm *vm)
{
	struct hvm_testdev *td = vm->testdev;

	if (!td)
		return;
	hrtimer_cancel(&td->timer);
	kfree(td);
	vm->testdev = NULL;
}
