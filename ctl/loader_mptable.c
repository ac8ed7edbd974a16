// SPDX-License-Identifier: GPL-2.0
/*
 * Intel MultiProcessor Specification 1.4 tables (MPS 1.4, chapter 4) for
 * Linux guests: the only platform description a guest gets besides the
 * e820 map, enough for Linux's mpparse.c to find every local APIC, the
 * I/O APIC and the ISA interrupt routing without ACPI.
 *
 * Layout at gpa (see ctl/README.md):
 *   +0   MP floating pointer structure (16 bytes, section 4.1)
 *   +16  MP configuration table header (44 bytes, section 4.2), then the
 *        base table entries in the order section 4.3 requires: one
 *        processor entry per vCPU, bus 0 "ISA", the I/O APIC, the I/O
 *        interrupt assignments, the local interrupt assignments.
 *
 * The routing is a PC's (MPS 1.4 section 5.2, default configuration 5):
 * 8259 ExtINT on I/O APIC pin 0, ISA IRQ 0 (PIT) on pin 2, ISA IRQs 1 and
 * 3-15 on the pin of the same number, all conforming to the ISA bus (edge,
 * active high); LINT0 is ExtINT and LINT1 NMI on every local APIC.
 */
#include <string.h>

#include "loader_int.h"

#define MPF_SIZE		16
#define MPC_HDR_SIZE		44
#define MPC_CPU_SIZE		20
#define MPC_ENTRY_SIZE		8
#define MP_SPEC_REV		4	/* MPS 1.4 */

#define MP_PROCESSOR		0
#define MP_BUS			1
#define MP_IOAPIC		2
#define MP_INTSRC		3
#define MP_LINTSRC		4

#define MP_INT			0
#define MP_NMI			1
#define MP_EXTINT		3

#define CPU_ENABLED		(1U << 0)
#define CPU_BOOTPROCESSOR	(1U << 1)
#define LAPIC_VERSION		0x14	/* integrated APIC */
#define IOAPIC_VERSION		0x11
#define CPU_SIGNATURE		0x600	/* family 6 */
#define CPU_FEATURES		0x201	/* CPUID.1:EDX FPU | APIC */
#define ISA_BUS_ID		0
#define NR_ISA_IRQS		16
/* ExtINT on pin 0, then ISA IRQs 0-15 except 2 (the cascade). */
#define NR_INTSRC		(1 + NR_ISA_IRQS - 1)
#define NR_LINTSRC		2

uint8_t ld_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

uint64_t ld_mptable_size(uint32_t ncpus)
{
	return MPF_SIZE + MPC_HDR_SIZE + (uint64_t)ncpus * MPC_CPU_SIZE +
	       (2 + NR_INTSRC + NR_LINTSRC) * MPC_ENTRY_SIZE;
}

static uint8_t *entry8(uint8_t *p, uint8_t type, uint8_t a, uint16_t flags,
		       uint8_t bus, uint8_t irq, uint8_t dst, uint8_t pin)
{
	p[0] = type;
	p[1] = a;
	ld_st16(p + 2, flags);
	p[4] = bus;
	p[5] = irq;
	p[6] = dst;
	p[7] = pin;
	return p + MPC_ENTRY_SIZE;
}

/**
 * ld_mptable_build() - write the MP floating pointer and config table
 * @buf: ld_mptable_size(@ncpus) zeroed bytes, to be loaded at @gpa
 * @gpa: guest-physical address of @buf (16-byte aligned, below 1 MiB)
 * @ncpus: vCPUs, 1..LD_LINUX_MAX_VCPUS: APIC IDs 0..ncpus-1, the I/O APIC
 *         gets ID ncpus
 */
void ld_mptable_build(uint8_t *buf, uint64_t gpa, uint32_t ncpus)
{
	uint8_t *mpc = buf + MPF_SIZE, *p;
	uint8_t ioapic_id = ncpus;
	uint16_t count = 0;

	/* Configuration table header (MPS 1.4 table 4-2). */
	memcpy(mpc, "PCMP", 4);
	mpc[6] = MP_SPEC_REV;
	memcpy(mpc + 8, "HVM     ", 8);		/* OEM ID */
	memcpy(mpc + 16, "hvctl       ", 12);	/* product ID */
	ld_st32(mpc + 36, LD_LAPIC_ADDR);

	p = mpc + MPC_HDR_SIZE;
	for (uint32_t i = 0; i < ncpus; i++, count++) {
		p[0] = MP_PROCESSOR;
		p[1] = i;				/* local APIC ID */
		p[2] = LAPIC_VERSION;
		p[3] = CPU_ENABLED | (i ? 0 : CPU_BOOTPROCESSOR);
		ld_st32(p + 4, CPU_SIGNATURE);
		ld_st32(p + 8, CPU_FEATURES);
		p += MPC_CPU_SIZE;
	}

	p[0] = MP_BUS;
	p[1] = ISA_BUS_ID;
	memcpy(p + 2, "ISA   ", 6);
	p += MPC_ENTRY_SIZE;
	count++;

	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = IOAPIC_VERSION;
	p[3] = 1;					/* enabled */
	ld_st32(p + 4, LD_IOAPIC_ADDR);
	p += MPC_ENTRY_SIZE;
	count++;

	/* Flags 0: polarity and trigger conform to the ISA bus. */
	p = entry8(p, MP_INTSRC, MP_EXTINT, 0, ISA_BUS_ID, 0, ioapic_id, 0);
	count++;
	for (uint8_t irq = 0; irq < NR_ISA_IRQS; irq++) {
		if (irq == 2)
			continue;
		p = entry8(p, MP_INTSRC, MP_INT, 0, ISA_BUS_ID, irq, ioapic_id,
			   irq ? irq : 2);
		count++;
	}
	/* Destination 0xff: every local APIC. */
	p = entry8(p, MP_LINTSRC, MP_EXTINT, 0, ISA_BUS_ID, 0, 0xff, 0);
	p = entry8(p, MP_LINTSRC, MP_NMI, 0, ISA_BUS_ID, 0, 0xff, 1);
	count += 2;

	ld_st16(mpc + 4, p - mpc);			/* base table length */
	ld_st16(mpc + 34, count);
	mpc[7] = -ld_checksum(mpc, p - mpc);

	/* Floating pointer (MPS 1.4 table 4-1): feature bytes 0, table present. */
	memcpy(buf, "_MP_", 4);
	ld_st32(buf + 4, gpa + MPF_SIZE);
	buf[8] = 1;					/* length in 16-byte units */
	buf[9] = MP_SPEC_REV;
	buf[10] = -ld_checksum(buf, MPF_SIZE);
}
