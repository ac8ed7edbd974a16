/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal ACPI tables for Linux guests (loader_acpi.c): RSDP, XSDT, FADT,
 * FACS, DSDT and MADT in the reserved BIOS area, describing the local
 * APICs, the I/O APIC, the ISA interrupt overrides and the ACPI PM block
 * that kmod/acpi_pm.c emulates.
 */
#ifndef HVCTL_LOADER_ACPI_H
#define HVCTL_LOADER_ACPI_H

#include <stdint.h>

/*
 * Where the tables go: the RSDP on a 16-byte boundary in the BIOS
 * read-only area 0xE0000-0xFFFFF that Linux scans (ACPI 6.5, 5.2.5.1),
 * the other tables behind it, all below the MP table at 0xF0000.
 */
#define LD_ACPI_BASE		0xe0000ULL

/* Offsets from LD_ACPI_BASE, each table 64-byte aligned (the FACS must be). */
#define LD_ACPI_RSDP		0x000
#define LD_ACPI_XSDT		0x040
#define LD_ACPI_FADT		0x080
#define LD_ACPI_FACS		0x1c0
#define LD_ACPI_DSDT		0x200
#define LD_ACPI_MADT		0x240

#define LD_ACPI_RSDP_LEN	36
#define LD_ACPI_XSDT_LEN	(36 + 2 * 8)	/* FADT, MADT */
#define LD_ACPI_FADT_LEN	276		/* revision 6 */
#define LD_ACPI_FACS_LEN	64
#define LD_ACPI_MADT_FIXED	44		/* header, LAPIC address, flags */

/*
 * The ACPI PM block, at QEMU PIIX4's PMBASE 0x600 (kmod/acpi_pm.c serves
 * the same ports): PM1a_EVT_BLK (PM1_STS, PM1_EN) 0x600-0x603,
 * PM1a_CNT_BLK 0x604-0x605, PM_TMR_BLK 0x608-0x60b (24-bit timer).
 */
#define LD_ACPI_PM1A_EVT	0x600
#define LD_ACPI_PM1A_CNT	0x604
#define LD_ACPI_PM_TMR		0x608
#define LD_ACPI_SCI_IRQ		9
#define LD_ACPI_S5_SLP_TYP	5		/* \_S5 in the DSDT */
#define LD_ACPI_RESET_PORT	0xcf9
#define LD_ACPI_RESET_VALUE	6

uint64_t ld_acpi_size(uint32_t ncpus);
void ld_acpi_build(uint8_t *buf, uint64_t gpa, uint32_t ncpus);

#endif /* HVCTL_LOADER_ACPI_H */
