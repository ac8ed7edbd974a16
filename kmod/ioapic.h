/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The I/O APIC (kmod/ioapic.c); it also holds the VM's local APICs: the
 * APIC bus between them.
 */
#ifndef _HVM_IOAPIC_H
#define _HVM_IOAPIC_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "lapic.h"

/*
 * struct hvm_ioapic - an 82093AA-style I/O APIC, 24 pins
 *
 * Locking: [c] constant after creation; [i] @lock (irqsave: lines change
 * from hrtimer callbacks). Taken before, never inside, a local APIC's lock.
 */
struct hvm_ioapic {
	struct hvm_vm *vm;			/* [c] */
	spinlock_t lock;
	u32 id;					/* [i] IOAPICID bits 27:24 */
	u8 ioregsel;				/* [i] */
	u64 redir[HVM_IOAPIC_PINS];		/* [i] redirection table */
	u32 level;				/* [i] input levels, bit per pin */
	u64 delivered[HVM_IOAPIC_PINS];		/* [i] messages sent per pin (debug) */
	struct hvm_lapic *lapics;		/* [c] nr_vcpus local APICs (kmod/lapic.c) */
};

#endif /* _HVM_IOAPIC_H */
