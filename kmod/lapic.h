/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC (kmod/lapic.c), the I/O APIC (kmod/ioapic.c) and the
 * 8259A pair (kmod/pic.c): the interrupt controllers of the platform.
 */
#ifndef _HVM_LAPIC_H
#define _HVM_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct hvm_vm;
struct hvm_vcpu;

#define HVM_LAPIC_BASE		0xfee00000ULL
#define HVM_IOAPIC_BASE		0xfec00000ULL
#define HVM_IOAPIC_PINS		24

/* Delivery modes (SDM vol. 3A 10.6.1 ICR, 10.5.1 LVT, 82093AA 3.2.4). */
#define HVM_DM_FIXED		0
#define HVM_DM_LOWEST		1
#define HVM_DM_SMI		2
#define HVM_DM_NMI		4
#define HVM_DM_INIT		5
#define HVM_DM_STARTUP		6
#define HVM_DM_EXTINT		7

/* LVT indexes: registers 0x320 + 0x10 * i (SDM vol. 3A 10.5.1). */
enum hvm_lvt {
	HVM_LVT_TIMER,
	HVM_LVT_THERMAL,
	HVM_LVT_PERF,
	HVM_LVT_LINT0,
	HVM_LVT_LINT1,
	HVM_LVT_ERROR,
	HVM_NR_LVT,
};

/*
 * struct hvm_lapic - one vCPU's local APIC
 *
 * Locking: [c] constant; [l] @lock (irqsave: the timer callback and other
 * vCPUs' or devices' deliveries take it from any context). The I/O APIC
 * and PIC locks nest outside @lock; nothing is called with @lock held.
 */
struct hvm_lapic {
	struct hvm_vm *vm;		/* [c] */
	unsigned int index;		/* [c] the vCPU index = APIC ID */
	spinlock_t lock;
	u64 apic_base;			/* [l] IA32_APIC_BASE */
	u32 id;				/* [l] xAPIC ID register (ID in 31:24) */
	u32 tpr;			/* [l] mirrors CR8 in bits 7:4 */
	u32 ldr, dfr, svr;		/* [l] */
	u32 esr, esr_pending;		/* [l] ESR as read / errors since the last write */
	u32 icr_lo, icr_hi;		/* [l] */
	u32 lvt[HVM_NR_LVT];		/* [l] */
	u32 irr[8], isr[8], tmr[8];	/* [l] 256-bit registers, vector v in [v / 32] bit v % 32 */
	/* The timer (SDM vol. 3A 10.5.4): one bus clock = 1 ns. */
	u32 timer_icr;			/* [l] initial count */
	u32 timer_dcr;			/* [l] divide configuration */
	u64 timer_start;		/* [l] ktime_get_ns() when the count (re)started */
	u64 timer_period;		/* [l] ns per period, 0 when not counting */
	u64 tsc_deadline;		/* [l] IA32_TSC_DEADLINE as written, 0 disarmed */
	u64 timer_next;			/* [l] when the hrtimer fires (ns), 0 disarmed */
	u64 timer_fired;		/* [l] timer expiries (debug) */
	struct hrtimer timer;
};

/* kmod/lapic.c */
int hvm_lapic_create(struct hvm_vm *vm);
void hvm_lapic_destroy(struct hvm_vm *vm);
struct hvm_lapic *hvm_vcpu_lapic(struct hvm_vcpu *vcpu);
struct hvm_lapic *hvm_vm_lapic(struct hvm_vm *vm, unsigned int index);
void hvm_lapic_kick(struct hvm_vcpu *vcpu);
void hvm_lapic_accept(struct hvm_lapic *apic, u8 vector, bool level, bool force);
void hvm_lapic_deliver(struct hvm_vm *vm, u32 dest, bool logical, u8 mode,
		       u8 vector, bool level);
int hvm_lapic_pending(struct hvm_vcpu *vcpu, bool *extint);
int hvm_lapic_intack(struct hvm_vcpu *vcpu);
bool hvm_lapic_extint_accepted(struct hvm_lapic *apic);
int hvm_lapic_msr_read(struct hvm_vcpu *vcpu, u32 msr, u64 *val);
int hvm_lapic_msr_write(struct hvm_vcpu *vcpu, u32 msr, u64 val);
bool hvm_lapic_hw_enabled(struct hvm_vcpu *vcpu);

/* kmod/ioapic.c */
int hvm_ioapic_create(struct hvm_vm *vm);
void hvm_ioapic_destroy(struct hvm_vm *vm);
void hvm_ioapic_eoi(struct hvm_vm *vm, u8 vector);

/* kmod/pic.c */
int hvm_pic_create(struct hvm_vm *vm);
void hvm_pic_destroy(struct hvm_vm *vm);
bool hvm_pic_output(struct hvm_vm *vm);
int hvm_pic_intack(struct hvm_vm *vm);

#endif /* _HVM_LAPIC_H */
