// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of the ACPI tables hvctl's Linux loader builds
 * (loader_acpi.c) and of the e820 map around the APIC pages (run by
 * loader_test.c's TAP runner). Every table is reached the way Linux
 * reaches it: boot_params.acpi_rsdp_addr or the BIOS-area scan, then the
 * RSDP -> XSDT -> FADT -> DSDT/FACS and XSDT -> MADT pointers.
 */
#include "loader_acpi.h"
#include "loader_test.h"

#define RSDP_GPA	(LD_ACPI_BASE + LD_ACPI_RSDP)

/* The table at gpa: present in one segment, its length, checksum 0. */
static const uint8_t *sdt(const struct ld_result *res, uint64_t gpa,
			  const char *sig, uint32_t want_len)
{
	const uint8_t *t = gpa_ptr(res, gpa, 36);

	CHECK(t != NULL);
	if (!t)
		return NULL;
	if (memcmp(t, sig, 4)) {
		printf("#   table at 0x%llx is '%.4s', expected '%s'\n",
		       (unsigned long long)gpa, (const char *)t, sig);
		cur_failed = true;
		return NULL;
	}
	CHECK_EQ(ld_ld32(t + 4), want_len);
	CHECK(gpa_ptr(res, gpa, want_len) != NULL);
	if (!gpa_ptr(res, gpa, want_len))
		return NULL;
	CHECK_EQ(ld_checksum(t, want_len), 0);
	CHECK(!memcmp(t + 10, "HVM   ", 6));
	return t;
}

/* [gpa, gpa + len) lies inside one e820 entry of type reserved. */
static void check_reserved(const struct ld_result *res, uint64_t gpa, uint64_t len)
{
	unsigned int n = rd8(res, ZP + BP_E820_ENTRIES);
	bool found = false;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = ZP + BP_E820_TABLE + i * BP_E820_ENTRY;
		uint64_t a = rd64(res, e), s = rd64(res, e + 8);

		if (gpa >= a && gpa + len <= a + s) {
			CHECK_EQ(rd32(res, e + 16), E820_RESERVED);
			found = true;
		}
	}
	if (!found) {
		printf("#   [0x%llx, +0x%llx) is in no e820 entry\n",
		       (unsigned long long)gpa, (unsigned long long)len);
		cur_failed = true;
	}
}

/* A Generic Address Structure in System I/O space. */
static void check_gas(const uint8_t *g, uint8_t bits, uint8_t access, uint16_t port)
{
	CHECK_EQ(g[0], 1);
	CHECK_EQ(g[1], bits);
	CHECK_EQ(g[2], 0);
	CHECK_EQ(g[3], access);
	CHECK_EQ(ld_ld64(g + 4), port);
}

static void check_fadt(const struct ld_result *res, const uint8_t *f)
{
	uint64_t dsdt = ld_ld64(f + 140), facs = ld_ld64(f + 132);
	const uint8_t *d, *fc;

	CHECK_EQ(f[8], 6);				/* revision */
	CHECK_EQ(f[131], 0);				/* minor version */
	CHECK_EQ(dsdt, LD_ACPI_BASE + LD_ACPI_DSDT);
	CHECK_EQ(ld_ld32(f + 40), dsdt);		/* 32-bit DSDT agrees */
	CHECK_EQ(facs, LD_ACPI_BASE + LD_ACPI_FACS);
	CHECK_EQ(ld_ld32(f + 36), 0);			/* FIRMWARE_CTRL: X_ only */
	CHECK_EQ(facs & 63, 0);				/* FACS 64-byte aligned */
	CHECK_EQ(ld_ld16(f + 46), 9);			/* SCI_INT */
	CHECK_EQ(ld_ld32(f + 48), 0);			/* SMI_CMD: ACPI mode on */
	CHECK_EQ(f[52] | f[53], 0);
	CHECK_EQ(ld_ld32(f + 56), 0x600);		/* PM1a_EVT_BLK */
	CHECK_EQ(ld_ld32(f + 60), 0);			/* no PM1b */
	CHECK_EQ(ld_ld32(f + 64), 0x604);		/* PM1a_CNT_BLK */
	CHECK_EQ(ld_ld32(f + 68), 0);
	CHECK_EQ(ld_ld32(f + 72), 0);			/* no PM2 */
	CHECK_EQ(ld_ld32(f + 76), 0x608);		/* PM_TMR_BLK */
	CHECK_EQ(ld_ld32(f + 80) | ld_ld32(f + 84), 0);	/* no GPE blocks */
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(f[90], 0);
	CHECK_EQ(f[91], 4);
	CHECK_EQ(f[92] | f[93], 0);
	CHECK_EQ(ld_ld16(f + 96), 101);			/* no C2 */
	CHECK_EQ(ld_ld16(f + 98), 1001);		/* no C3 */
	CHECK_EQ(ld_ld16(f + 109), 0x5);		/* legacy devices, no VGA, no 8042 */
	CHECK_EQ(ld_ld32(f + 112), 0x435);		/* TMR_VAL_EXT clear: 24 bits */
	check_gas(f + 116, 8, 1, 0xcf9);		/* RESET_REG */
	CHECK_EQ(f[128], 6);
	check_gas(f + 148, 32, 2, 0x600);		/* X_PM1a_EVT_BLK */
	CHECK_EQ(ld_ld64(f + 164) | f[160], 0);		/* X_PM1b_EVT_BLK */
	check_gas(f + 172, 16, 2, 0x604);		/* X_PM1a_CNT_BLK */
	CHECK_EQ(ld_ld64(f + 188) | f[184], 0);
	check_gas(f + 208, 32, 3, 0x608);		/* X_PM_TMR_BLK */
	CHECK_EQ(ld_ld64(f + 224) | ld_ld64(f + 236), 0);	/* X_GPE0/1 */
	CHECK_EQ(ld_ld64(f + 248) | ld_ld64(f + 260), 0);	/* no sleep regs */

	fc = gpa_ptr(res, facs, 64);
	CHECK(fc != NULL);
	if (fc) {
		CHECK(!memcmp(fc, "FACS", 4));
		CHECK_EQ(ld_ld32(fc + 4), 64);
		CHECK_EQ(ld_ld32(fc + 16), 0);		/* global lock free */
		CHECK_EQ(fc[32], 2);
	}

	d = sdt(res, dsdt, "DSDT", 50);
	if (d) {
		static const uint8_t s5[] = {
			0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
		};

		CHECK_EQ(d[8], 2);
		CHECK(!memcmp(d + 36, s5, sizeof(s5)));
	}
}

static void check_madt(const uint8_t *m, uint32_t ncpus)
{
	const uint8_t *p = m + 44;

	CHECK_EQ(ld_ld32(m + 36), 0xfee00000);
	CHECK_EQ(ld_ld32(m + 40), 1);			/* PCAT_COMPAT */
	for (uint32_t i = 0; i < ncpus; i++, p += 8) {
		CHECK_EQ(p[0], 0);
		CHECK_EQ(p[1], 8);
		CHECK_EQ(p[2], i);
		CHECK_EQ(p[3], i);
		CHECK_EQ(ld_ld32(p + 4), 1);
	}
	CHECK_EQ(p[0], 1);				/* I/O APIC */
	CHECK_EQ(p[1], 12);
	CHECK_EQ(p[2], ncpus);
	CHECK_EQ(p[3], 0);
	CHECK_EQ(ld_ld32(p + 4), 0xfec00000);
	CHECK_EQ(ld_ld32(p + 8), 0);
	p += 12;
	/* IRQ 0 -> GSI 2 conforming; IRQ 9 -> GSI 9 level, active high */
	CHECK(!memcmp(p, (const uint8_t[]){ 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 }, 10));
	CHECK(!memcmp(p + 10, (const uint8_t[]){ 2, 10, 0, 9, 9, 0, 0, 0, 0xd, 0 }, 10));
	/* LINT1 NMI on all processors */
	CHECK(!memcmp(p + 20, (const uint8_t[]){ 4, 6, 0xff, 0, 0, 1 }, 6));
	CHECK_EQ(p + 26 - m, ld_ld32(m + 4));
}

/* Everything from the RSDP down, as Linux walks it. */
static void check_acpi(const struct ld_result *res, uint32_t ncpus)
{
	const uint8_t *rsdp = gpa_ptr(res, RSDP_GPA, 36), *x, *f, *m;
	uint32_t madt_len = 44 + 8 * ncpus + 12 + 10 + 10 + 6;

	CHECK(rsdp != NULL);
	if (!rsdp)
		return;
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK_EQ(RSDP_GPA & 15, 0);
	CHECK(RSDP_GPA >= 0xe0000 && RSDP_GPA + 36 <= 0x100000);
	CHECK_EQ(ld_checksum(rsdp, 20), 0);
	CHECK_EQ(ld_checksum(rsdp, 36), 0);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(ld_ld32(rsdp + 16), 0);		/* no RSDT */
	CHECK_EQ(ld_ld32(rsdp + 20), 36);
	CHECK_EQ(ld_ld64(rsdp + 24), LD_ACPI_BASE + LD_ACPI_XSDT);

	x = sdt(res, ld_ld64(rsdp + 24), "XSDT", 52);
	if (!x)
		return;
	CHECK_EQ(x[8], 1);
	f = sdt(res, ld_ld64(x + 36), "FACP", 276);
	if (f)
		check_fadt(res, f);
	m = sdt(res, ld_ld64(x + 44), "APIC", madt_len);
	if (m)
		check_madt(m, ncpus);

	/* All of it in reserved memory, clear of the MP table. */
	check_reserved(res, LD_ACPI_BASE, LD_ACPI_MADT + madt_len);
	CHECK(LD_ACPI_BASE + LD_ACPI_MADT + madt_len <= LD_LINUX_MPTABLE);
	CHECK(seg_at(res, LD_ACPI_BASE) != NULL);
	CHECK_EQ(seg_at(res, LD_ACPI_BASE)->size, LD_ACPI_MADT + madt_len);
}

void test_acpi_tables_for_linux(void)
{
	static const uint32_t cpus[] = { 1, 2, 254 };
	struct bz b = bz_default();
	size_t size = build_bz(&b);
	struct ld_result res;
	int ret;

	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		struct ld_opts o = { .nr_vcpus = cpus[i] };

		ret = load(bzbuf, size, &o, 64 * MiB, &res);
		CHECK_EQ(ret, 0);
		check_layout(&res, 64 * MiB);
		CHECK_EQ(rd64(&res, ZP + 0x070), RSDP_GPA);	/* acpi_rsdp_addr */
		check_acpi(&res, cpus[i]);
		ld_result_free(&res);
	}
	/* nr_vcpus 0 means one vCPU. */
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	check_acpi(&res, 1);
	ld_result_free(&res);
}

void test_acpi_rsdp_pointer_by_protocol(void)
{
	struct bz b = bz_default();
	struct ld_result res;
	size_t size;
	int ret;

	/* 2.13: acpi_rsdp_addr is not the kernel's; the BIOS scan finds it. */
	b.version = 0x020d;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd64(&res, ZP + 0x070), 0);
	check_acpi(&res, 1);
	ld_result_free(&res);

	b.version = 0x020e;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd64(&res, ZP + 0x070), RSDP_GPA);
	ld_result_free(&res);

	/* The 32-bit protocol of a 2.06 kernel gets the tables too. */
	b = bz_default();
	b.version = 0x0206;
	b.relocatable = 0;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 32 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.mode, LD_MODE_PROTECTED);
	CHECK_EQ(rd64(&res, ZP + 0x070), 0);
	check_acpi(&res, 1);
	ld_result_free(&res);
}

void test_acpi_build_alone(void)
{
	uint8_t buf[4096];
	uint64_t n = ld_acpi_size(3);

	CHECK_EQ(n, 0x240 + 44 + 3 * 8 + 12 + 20 + 6);
	memset(buf, 0, sizeof(buf));
	ld_acpi_build(buf, 0xe0000, 3);
	CHECK_EQ(ld_checksum(buf, 20), 0);
	CHECK_EQ(ld_checksum(buf, 36), 0);
	CHECK_EQ(ld_checksum(buf + LD_ACPI_XSDT, 52), 0);
	CHECK_EQ(ld_checksum(buf + LD_ACPI_FADT, 276), 0);
	CHECK_EQ(ld_checksum(buf + LD_ACPI_DSDT, 50), 0);
	CHECK_EQ(ld_checksum(buf + LD_ACPI_MADT, n - LD_ACPI_MADT), 0);
	CHECK_EQ(buf[LD_ACPI_MADT + 44 + 2 * 8 + 3], 2);	/* APIC ID 2 */
	CHECK_EQ(buf[LD_ACPI_MADT + 44 + 3 * 8 + 2], 3);	/* I/O APIC ID */
	CHECK_EQ(buf[n], 0);					/* nothing past the end */
	/* The gaps between the tables stay zero. */
	for (unsigned int i = 36; i < LD_ACPI_XSDT; i++)
		CHECK_EQ(buf[i], 0);
	for (unsigned int i = LD_ACPI_FADT + 276; i < LD_ACPI_FACS; i++)
		CHECK_EQ(buf[i], 0);

	/* Pointers follow gpa. */
	memset(buf, 0, sizeof(buf));
	ld_acpi_build(buf, 0xf8000, 1);
	CHECK_EQ(ld_ld64(buf + 24), 0xf8000 + LD_ACPI_XSDT);
	CHECK_EQ(ld_ld64(buf + LD_ACPI_XSDT + 36), 0xf8000 + LD_ACPI_FADT);
	CHECK_EQ(ld_ld64(buf + LD_ACPI_XSDT + 44), 0xf8000 + LD_ACPI_MADT);
	CHECK_EQ(ld_ld64(buf + LD_ACPI_FADT + 140), 0xf8000 + LD_ACPI_DSDT);
	CHECK_EQ(ld_checksum(buf + LD_ACPI_FADT, 276), 0);
}

/*
 * Load bzbuf (@size bytes) into @mem bytes of RAM: the map has RAM above
 * 1 MiB with the I/O APIC and LAPIC pages cut out, and the boot area from
 * @boot to the end of RAM reserved.
 */
static void check_e820_apic_pages(size_t size, uint64_t mem, uint64_t boot)
{
	const uint64_t e820[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xa0000, 0x60000, 2 },
		{ 0x100000, 0xfec00000 - 0x100000, 1 },
		{ 0xfec00000, 0x1000, 2 },
		{ 0xfec01000, 0xfee00000 - 0xfec01000, 1 },
		{ 0xfee00000, 0x1000, 2 },
		{ 0xfee01000, boot - 0xfee01000, 1 },
		{ boot, mem - boot, 2 },
	};
	struct ld_result res;

	CHECK_EQ(load(bzbuf, size, NULL, mem, &res), 0);
	check_e820(&res, 9, e820);
	ld_result_free(&res);
}

void test_linux_e820_apic_pages(void)
{
	static uint8_t rdbuf[18 << 20];
	const struct ld_file rd = { "rd", rdbuf, sizeof(rdbuf) };
	struct bz b = bz_default();
	struct ld_opts o = { .initrd = &rd };
	struct ld_result res;
	uint64_t mem, boot;
	size_t size;
	int ret;

	/* Long mode, 5 GiB: boot area at the top; both APIC pages reserved. */
	size = build_bz(&b);
	check_e820_apic_pages(size, 5 * GiB, 5 * GiB - 8 * 4096);
	/*
	 * RAM ending inside the LAPIC page's MiB: the page is still cut out
	 * (boot area: GDT, PML4, PDPT, 4 PDs).
	 */
	check_e820_apic_pages(size, 0xfef00000, 0xfef00000 - 7 * 4096);

	/* RAM ending below the I/O APIC: no change from the plain map. */
	mem = 0xfec00000;
	boot = mem - 7 * 4096;
	ret = load(bzbuf, size, NULL, mem, &res);
	CHECK_EQ(ret, 0);
	const uint64_t e820c[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xa0000, 0x60000, 2 },
		{ 0x100000, boot - 0x100000, 1 }, { boot, mem - boot, 2 },
	};
	check_e820(&res, 5, e820c);
	ld_result_free(&res);

	/*
	 * An 18 MiB initrd kept below 4 GiB would end at 4 GiB and so start
	 * on the LAPIC page: it goes below it, and then below the I/O APIC
	 * page too.
	 */
	b.xlf = 1;
	b.initrd_max = 0xffffffff;
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 5 * GiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0xfec00000 - sizeof(rdbuf));
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_SIZE), sizeof(rdbuf));
	ld_result_free(&res);

	/* A small one fits above the LAPIC page, below 4 GiB. */
	o.initrd = &(struct ld_file){ "rd", rdbuf, 0x3000 };
	ret = load(bzbuf, size, &o, 5 * GiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0x100000000ULL - 0x3000);
	ld_result_free(&res);

}
