// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal ACPI tables for Linux guests (ACPI 6.5 chapter 5), so Linux finds
 * the interrupt controllers through the MADT and the ACPI PM timer through
 * the FADT: with a PM timer reference its TSC calibration works even where
 * port I/O exits are too slow for the PIT-only methods, and `poweroff`
 * goes through the \_S5 sleep state.
 *
 * Layout at LD_ACPI_BASE (offsets in loader_acpi.h, 64-byte aligned):
 *   RSDP  revision 2 (5.2.5.3): XSDT address, RSDT 0 (no RSDT)
 *   XSDT  (5.2.8): FADT, MADT
 *   FADT  revision 6.0, 276 bytes (5.2.9): not hardware-reduced; SCI on
 *         ISA IRQ 9, SMI_CMD 0 (the machine is in ACPI mode from the
 *         start, SCI_EN reads 1), PM1a event/control blocks and the
 *         24-bit PM timer at the ports in loader_acpi.h, no GPE blocks,
 *         no C2/C3, reset register 0xCF9 value 6 (PIIX/ICH RST_CNT),
 *         IAPC_BOOT_ARCH legacy devices present, no 8042, no VGA
 *   FACS  (5.2.10), through X_FIRMWARE_CTRL only: no waking vector,
 *         global lock free
 *   DSDT  (5.2.11.1): only \_S5 = Package { 5, 5, 0, 0 } (SLP_TYP 5)
 *   MADT  (5.2.12): PC-AT compatible (8259s present); one Processor
 *         Local APIC per vCPU (UID = APIC ID = index), the I/O APIC (ID
 *         = number of vCPUs, as in the MP table) at 0xFEC00000 with GSI
 *         base 0, interrupt source overrides ISA IRQ 0 -> GSI 2 (bus
 *         conforming) and ISA IRQ 9 -> GSI 9 level, active high (the
 *         SCI, as QEMU describes it), and LINT1 as NMI on every
 *         processor (UID 0xFF)
 * Every checksummed table's bytes sum to 0.
 */
#include <string.h>

#include "loader_acpi.h"
#include "loader_int.h"

#define HDR_LEN			36

#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2
#define GAS_ACCESS_DWORD	3

/* FADT Fixed Feature Flags (table 5.10). */
#define FADT_WBINVD		(1U << 0)
#define FADT_PROC_C1		(1U << 2)
#define FADT_PWR_BUTTON		(1U << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1U << 5)	/* no fixed sleep button */
#define FADT_RESET_REG_SUP	(1U << 10)
/* IA-PC Boot Architecture Flags (table 5.11). */
#define BOOT_LEGACY_DEVICES	(1U << 0)
#define BOOT_VGA_NOT_PRESENT	(1U << 2)

#define FADT_P_LVL2_NONE	101		/* > 100: C2 not supported */
#define FADT_P_LVL3_NONE	1001		/* > 1000: C3 not supported */

#define MADT_PCAT_COMPAT	(1U << 0)
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC_LEN		12
#define MADT_ISO_LEN		10
#define MADT_LAPIC_NMI_LEN	6
#define MADT_ENABLED		1
#define MPS_INTI_HIGH_LEVEL	0x000d		/* polarity 01 high, trigger 11 level */
#define ALL_PROCESSORS		0xff

/* DefinitionBlock body: Name (_S5, Package (4) { 5, 5, 0, 0 }) (AML 20.2). */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',		/* NameOp, NameSeg */
	0x12, 0x08, 0x04,			/* PackageOp, PkgLength 8, 4 elements */
	0x0a, LD_ACPI_S5_SLP_TYP,		/* BytePrefix: PM1a SLP_TYP */
	0x0a, LD_ACPI_S5_SLP_TYP,		/* BytePrefix: PM1b SLP_TYP */
	0x00, 0x00,				/* ZeroOp: reserved */
};

#define DSDT_LEN		(HDR_LEN + sizeof(dsdt_aml))

_Static_assert(LD_ACPI_XSDT + LD_ACPI_XSDT_LEN <= LD_ACPI_FADT, "XSDT overlaps");
_Static_assert(LD_ACPI_FADT + LD_ACPI_FADT_LEN <= LD_ACPI_FACS, "FADT overlaps");
_Static_assert(LD_ACPI_DSDT + DSDT_LEN <= LD_ACPI_MADT, "DSDT overlaps");

static uint32_t madt_len(uint32_t ncpus)
{
	return LD_ACPI_MADT_FIXED + ncpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
	       2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

/**
 * ld_acpi_size() - bytes ld_acpi_build() writes for @ncpus vCPUs
 * @ncpus: 1..LD_LINUX_MAX_VCPUS
 *
 * Return: the size of the block starting at LD_ACPI_BASE.
 */
uint64_t ld_acpi_size(uint32_t ncpus)
{
	return LD_ACPI_MADT + madt_len(ncpus);
}

/* The common System Description Table header (5.2.6); checksum later. */
static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	ld_st32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "HVM   ", 6);		/* OEMID */
	memcpy(t + 16, "HVCTL   ", 8);		/* OEM Table ID */
	ld_st32(t + 24, 1);			/* OEM Revision */
	memcpy(t + 28, "HVCT", 4);		/* Creator ID */
	ld_st32(t + 32, 1);			/* Creator Revision */
}

static void sdt_checksum(uint8_t *t)
{
	t[9] = 0;
	t[9] = -ld_checksum(t, ld_ld32(t + 4));
}

/* Generic Address Structure (5.2.3.2), System I/O space. */
static void gas_io(uint8_t *g, uint8_t bits, uint8_t access, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = bits;
	g[2] = 0;				/* bit offset */
	g[3] = access;
	ld_st64(g + 4, port);
}

static void build_fadt(uint8_t *f, uint64_t gpa)
{
	uint64_t facs = gpa + LD_ACPI_FACS, dsdt = gpa + LD_ACPI_DSDT;

	sdt_header(f, "FACP", LD_ACPI_FADT_LEN, 6);
	/* FIRMWARE_CTRL stays 0: X_FIRMWARE_CTRL is set (5.2.9, table 5.9). */
	ld_st32(f + 40, dsdt);			/* DSDT */
	f[45] = 0;				/* Preferred_PM_Profile: unspecified */
	ld_st16(f + 46, LD_ACPI_SCI_IRQ);	/* SCI_INT */
	/* SMI_CMD, ACPI_ENABLE, ACPI_DISABLE 0: always in ACPI mode. */
	ld_st32(f + 56, LD_ACPI_PM1A_EVT);	/* PM1a_EVT_BLK */
	ld_st32(f + 64, LD_ACPI_PM1A_CNT);	/* PM1a_CNT_BLK */
	ld_st32(f + 76, LD_ACPI_PM_TMR);	/* PM_TMR_BLK */
	f[88] = 4;				/* PM1_EVT_LEN */
	f[89] = 2;				/* PM1_CNT_LEN */
	f[91] = 4;				/* PM_TMR_LEN */
	ld_st16(f + 96, FADT_P_LVL2_NONE);
	ld_st16(f + 98, FADT_P_LVL3_NONE);
	ld_st16(f + 109, BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT);
	/* TMR_VAL_EXT (bit 8) clear: the PM timer has 24 bits. */
	ld_st32(f + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		FADT_SLP_BUTTON | FADT_RESET_REG_SUP);
	gas_io(f + 116, 8, GAS_ACCESS_BYTE, LD_ACPI_RESET_PORT);	/* RESET_REG */
	f[128] = LD_ACPI_RESET_VALUE;
	f[131] = 0;				/* FADT minor version: 6.0 */
	ld_st64(f + 132, facs);			/* X_FIRMWARE_CTRL */
	ld_st64(f + 140, dsdt);			/* X_DSDT */
	gas_io(f + 148, 32, GAS_ACCESS_WORD, LD_ACPI_PM1A_EVT);	/* X_PM1a_EVT_BLK */
	gas_io(f + 172, 16, GAS_ACCESS_WORD, LD_ACPI_PM1A_CNT);	/* X_PM1a_CNT_BLK */
	gas_io(f + 208, 32, GAS_ACCESS_DWORD, LD_ACPI_PM_TMR);	/* X_PM_TMR_BLK */
	memcpy(f + 268, "HVM     ", 8);	/* Hypervisor Vendor Identity */
	sdt_checksum(f);
}

static uint8_t *madt_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = MADT_ISO;
	p[1] = MADT_ISO_LEN;
	p[2] = 0;				/* bus: ISA */
	p[3] = irq;
	ld_st32(p + 4, gsi);
	ld_st16(p + 8, flags);
	return p + MADT_ISO_LEN;
}

static void build_madt(uint8_t *m, uint32_t ncpus)
{
	uint8_t *p = m + LD_ACPI_MADT_FIXED;

	sdt_header(m, "APIC", madt_len(ncpus), 5);
	ld_st32(m + 36, LD_LAPIC_ADDR);
	ld_st32(m + 40, MADT_PCAT_COMPAT);
	for (uint32_t i = 0; i < ncpus; i++, p += MADT_LAPIC_LEN) {
		p[0] = MADT_LAPIC;
		p[1] = MADT_LAPIC_LEN;
		p[2] = i;			/* ACPI Processor UID */
		p[3] = i;			/* APIC ID */
		ld_st32(p + 4, MADT_ENABLED);
	}
	p[0] = MADT_IOAPIC;
	p[1] = MADT_IOAPIC_LEN;
	p[2] = ncpus;				/* I/O APIC ID */
	ld_st32(p + 4, LD_IOAPIC_ADDR);
	ld_st32(p + 8, 0);			/* GSI base */
	p += MADT_IOAPIC_LEN;
	p = madt_iso(p, 0, 2, 0);
	p = madt_iso(p, LD_ACPI_SCI_IRQ, LD_ACPI_SCI_IRQ, MPS_INTI_HIGH_LEVEL);
	p[0] = MADT_LAPIC_NMI;
	p[1] = MADT_LAPIC_NMI_LEN;
	p[2] = ALL_PROCESSORS;
	ld_st16(p + 3, 0);			/* flags: conforms to the bus */
	p[5] = 1;				/* LINT1 */
	sdt_checksum(m);
}

/**
 * ld_acpi_build() - write the ACPI tables
 * @buf: ld_acpi_size(@ncpus) zeroed bytes, to be loaded at @gpa
 * @gpa: guest-physical address of @buf (LD_ACPI_BASE for Linux guests;
 *       the RSDP must lie in 0xE0000-0xFFFFF for a BIOS-area scan)
 * @ncpus: vCPUs, 1..LD_LINUX_MAX_VCPUS
 */
void ld_acpi_build(uint8_t *buf, uint64_t gpa, uint32_t ncpus)
{
	uint8_t *rsdp = buf + LD_ACPI_RSDP, *xsdt = buf + LD_ACPI_XSDT;
	uint8_t *facs = buf + LD_ACPI_FACS, *dsdt = buf + LD_ACPI_DSDT;

	build_fadt(buf + LD_ACPI_FADT, gpa);
	build_madt(buf + LD_ACPI_MADT, ncpus);

	memcpy(facs, "FACS", 4);
	ld_st32(facs + 4, LD_ACPI_FACS_LEN);
	facs[32] = 2;				/* version */

	sdt_header(dsdt, "DSDT", DSDT_LEN, 2);	/* 2: 64-bit integers */
	memcpy(dsdt + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	sdt_checksum(dsdt);

	sdt_header(xsdt, "XSDT", LD_ACPI_XSDT_LEN, 1);
	ld_st64(xsdt + HDR_LEN, gpa + LD_ACPI_FADT);
	ld_st64(xsdt + HDR_LEN + 8, gpa + LD_ACPI_MADT);
	sdt_checksum(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "HVM   ", 6);		/* OEMID */
	rsdp[15] = 2;				/* revision: ACPI 2.0+ */
	ld_st32(rsdp + 20, LD_ACPI_RSDP_LEN);
	ld_st64(rsdp + 24, gpa + LD_ACPI_XSDT);
	rsdp[8] = -ld_checksum(rsdp, 20);	/* ACPI 1.0 part */
	rsdp[32] = -ld_checksum(rsdp, LD_ACPI_RSDP_LEN);
}
