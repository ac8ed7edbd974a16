/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8254 programmable interval timer (ports 0x40-0x43) and the PC's
 * "NMI status and control" port 0x61 (counter 2's gate and output).
 */
#ifndef _HVM_PIT_H
#define _HVM_PIT_H

#include <linux/types.h>

struct hvm_vm;

/* The 8254's input clock: 14.31818 MHz / 12 (Intel 8254 datasheet). */
#define HVM_PIT_HZ		1193182
#define HVM_PIT_BASE		0x40
#define HVM_PORT_NMI_SC		0x61
#define HVM_PIT_IRQ		0

int hvm_pit_create(struct hvm_vm *vm);
void hvm_pit_destroy(struct hvm_vm *vm);

#endif /* _HVM_PIT_H */
