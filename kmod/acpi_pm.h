/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ACPI fixed-hardware PM block (kmod/acpi_pm.c): PM1a event and
 * control registers and the PM timer, at the ports hvctl's FADT names
 * (ctl/loader_acpi.h, LD_ACPI_PM1A_EVT...).
 */
#ifndef _HVM_ACPI_PM_H
#define _HVM_ACPI_PM_H

struct hvm_vm;

/* QEMU PIIX4's PMBASE: 0x600 PM1a_EVT, 0x604 PM1a_CNT, 0x608 PM_TMR. */
#define HVM_ACPI_PM_BASE	0x600
#define HVM_ACPI_PM_PORTS	12
#define HVM_ACPI_SCI_IRQ	9
#define HVM_ACPI_S5_SLP_TYP	5	/* the DSDT's \_S5 */

int hvm_acpi_pm_create(struct hvm_vm *vm);
void hvm_acpi_pm_destroy(struct hvm_vm *vm);

#endif /* _HVM_ACPI_PM_H */
