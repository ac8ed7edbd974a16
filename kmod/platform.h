/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chipset's odds and ends: PCI configuration mechanism #1 with no
 * devices behind it, the reset control register 0xCF9 and the keyboard
 * controller's status and reset line.
 */
#ifndef _HVM_PLATFORM_H
#define _HVM_PLATFORM_H

struct hvm_vm;

#define HVM_PCI_CONF_ADDR	0xcf8
#define HVM_PCI_RST_CNT		0xcf9
#define HVM_PCI_CONF_DATA	0xcfc
#define HVM_I8042_DATA		0x60
#define HVM_I8042_CMD		0x64

int hvm_platform_create(struct hvm_vm *vm);
void hvm_platform_destroy(struct hvm_vm *vm);

#endif /* _HVM_PLATFORM_H */
