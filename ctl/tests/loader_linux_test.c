// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of hvctl's Linux boot protocol loader and the MP
 * table it builds (run by loader_test.c's TAP runner).
 */
#include "loader_test.h"

/* ---- Linux boot protocol ---------------------------------------------------- */

uint8_t bzbuf[0x4000];

/* A 64-bit relocatable bzImage like Debian's (protocol 2.15). */
struct bz bz_default(void)
{
	return (struct bz){
		.version = 0x020f, .setup_sects = 1, .loadflags = 0x01,
		.relocatable = 1, .xlf = 0x3, .align = 0x200000,
		.init_size = 0x400000, .cmdline_size = 2047,
		.initrd_max = 0x7fffffff, .pref = 0x1000000, .pm_size = 0x1000,
	};
}

/* Returns the file size; the payload bytes are i ^ 0x5a. */
size_t build_bz(const struct bz *b)
{
	uint32_t sects = b->setup_sects ? b->setup_sects : 4;
	size_t setup = (sects + 1) * 512, size = setup + b->pm_size;

	memset(bzbuf, 0, sizeof(bzbuf));
	if (size > sizeof(bzbuf))
		abort();
	bzbuf[BP_SETUP_SECTS] = b->setup_sects;
	ld_st32(bzbuf + BP_SYSSIZE, (b->pm_size + 15) / 16 + b->syssize_delta);
	ld_st16(bzbuf + BP_BOOT_FLAG, 0xaa55);
	bzbuf[BP_JUMP] = 0xeb;
	bzbuf[BP_JUMP + 1] = 0x6a;	/* header ends at 0x26c */
	memcpy(bzbuf + BP_HEADER, "HdrS", 4);
	ld_st16(bzbuf + BP_VERSION, b->version);
	bzbuf[BP_LOADFLAGS] = b->loadflags;
	ld_st32(bzbuf + BP_CODE32_START, 0x100000);
	ld_st32(bzbuf + BP_INITRD_ADDR_MAX, b->initrd_max);
	ld_st32(bzbuf + BP_KERNEL_ALIGNMENT, b->align);
	bzbuf[BP_RELOCATABLE] = b->relocatable;
	ld_st16(bzbuf + BP_XLOADFLAGS, b->xlf);
	ld_st32(bzbuf + BP_CMDLINE_SIZE, b->cmdline_size);
	ld_st64(bzbuf + BP_PREF_ADDRESS, b->pref);
	ld_st32(bzbuf + BP_INIT_SIZE, b->init_size);
	memcpy(bzbuf + 0x26c, "beyond the header", 17);	/* must not be copied */
	for (size_t i = setup; i < size; i++)
		bzbuf[i] = (uint8_t)(i - setup) ^ 0x5a;
	return size;
}

uint8_t rd8(const struct ld_result *res, uint64_t gpa)
{
	const uint8_t *p = gpa_ptr(res, gpa, 1);

	return p ? *p : 0xee;
}

uint16_t rd16(const struct ld_result *res, uint64_t gpa)
{
	const uint8_t *p = gpa_ptr(res, gpa, 2);

	return p ? ld_ld16(p) : 0xdead;
}

void check_e820(const struct ld_result *res, unsigned int n,
		       const uint64_t (*want)[3])
{
	CHECK_EQ(rd8(res, ZP + BP_E820_ENTRIES), n);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = ZP + BP_E820_TABLE + i * BP_E820_ENTRY;

		CHECK_EQ(rd64(res, e), want[i][0]);
		CHECK_EQ(rd64(res, e + 8), want[i][1]);
		CHECK_EQ(rd32(res, e + 16), want[i][2]);
	}
	/* The slot after the last entry stays empty. */
	CHECK_EQ(rd64(res, ZP + BP_E820_TABLE + n * BP_E820_ENTRY + 8), 0);
}

/* The MP floating pointer and config table, checked field by field. */
static void check_mptable(const struct ld_result *res, uint32_t ncpus)
{
	const uint8_t *mpf = gpa_ptr(res, LD_LINUX_MPTABLE, 16);
	const uint8_t *mpc, *p;
	uint32_t len, ioapic = ncpus;

	CHECK(mpf != NULL);
	if (!mpf)
		return;
	CHECK(!memcmp(mpf, "_MP_", 4));
	CHECK_EQ(ld_ld32(mpf + 4), LD_LINUX_MPTABLE + 16);
	CHECK_EQ(mpf[8], 1);
	CHECK_EQ(mpf[9], 4);
	CHECK_EQ(ld_checksum(mpf, 16), 0);
	CHECK_EQ(mpf[11] | mpf[12] | mpf[13] | mpf[14] | mpf[15], 0);

	mpc = gpa_ptr(res, LD_LINUX_MPTABLE + 16, 44);
	CHECK(mpc != NULL);
	if (!mpc)
		return;
	len = ld_ld16(mpc + 4);
	CHECK_EQ(len, 44 + 20 * ncpus + 8 + 8 + 16 * 8 + 2 * 8);
	CHECK(gpa_ptr(res, LD_LINUX_MPTABLE + 16, len) != NULL);
	CHECK_EQ(ld_checksum(mpc, len), 0);
	CHECK(!memcmp(mpc, "PCMP", 4));
	CHECK_EQ(mpc[6], 4);
	CHECK_EQ(ld_ld16(mpc + 34), ncpus + 2 + 16 + 2);
	CHECK_EQ(ld_ld32(mpc + 36), 0xfee00000);
	CHECK_EQ(ld_ld16(mpc + 40), 0);		/* no extended table */

	p = mpc + 44;
	for (uint32_t i = 0; i < ncpus; i++, p += 20) {
		CHECK_EQ(p[0], 0);
		CHECK_EQ(p[1], i);
		CHECK_EQ(p[2], 0x14);
		CHECK_EQ(p[3], i ? 1 : 3);	/* enabled, BSP on CPU 0 */
	}
	CHECK(p[0] == 1 && p[1] == 0 && !memcmp(p + 2, "ISA   ", 6));
	p += 8;
	CHECK_EQ(p[0], 2);
	CHECK_EQ(p[1], ioapic);
	CHECK_EQ(p[2], 0x11);
	CHECK_EQ(p[3], 1);
	CHECK_EQ(ld_ld32(p + 4), 0xfec00000);
	p += 8;
	/* ExtINT on pin 0, IRQ0 on pin 2, IRQ n on pin n (no IRQ 2). */
	CHECK_EQ(ld_ld64(p), 0x0000000000000303ULL | (uint64_t)ioapic << 48);
	p += 8;
	for (unsigned int irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		CHECK_EQ(p[0], 3);
		CHECK_EQ(p[1], 0);
		CHECK_EQ(ld_ld16(p + 2), 0);
		CHECK_EQ(p[4], 0);
		CHECK_EQ(p[5], irq);
		CHECK_EQ(p[6], ioapic);
		CHECK_EQ(p[7], irq ? irq : 2);
		p += 8;
	}
	CHECK_EQ(ld_ld64(p), 0x00ff000000000304ULL);		/* LINT0 ExtINT */
	CHECK_EQ(ld_ld64(p + 8), 0x01ff000000000104ULL);	/* LINT1 NMI */
	CHECK_EQ(p + 16 - mpc, len);
}

void test_linux_64bit_boot_state_and_zero_page(void)
{
	static uint8_t rdbuf[5000];
	const struct ld_file rd = { "initrd.img", rdbuf, sizeof(rdbuf) };
	struct bz b = bz_default();
	struct ld_opts o = { .cmdline = "console=ttyS0 quiet", .initrd = &rd,
			     .nr_vcpus = 2 };
	uint64_t mem = 64 * MiB, boot = mem - 4 * 4096;	/* ld_boot_long's area */
	struct ld_result res;
	const struct ld_seg *k;
	size_t size = build_bz(&b);
	int ret;

	memset(rdbuf, 'r', sizeof(rdbuf));
	ret = load(bzbuf, size, &o, mem, &res);
	CHECK_EQ(ret, 0);
	if (ret)
		printf("#   %s\n", res.err);
	check_layout(&res, mem);
	CHECK_EQ(res.format, LD_FMT_LINUX);
	CHECK_EQ(res.mode, LD_MODE_LONG);

	/* Kernel at pref_address, entry startup_64, RSI the zero page. */
	k = seg_at(&res, 0x1000000);
	CHECK(k && k->size == 0x1000 && k->data == bzbuf + 1024);
	CHECK_EQ(res.regs.rip, 0x1000200);
	CHECK_EQ(res.regs.rsi, ZP);
	CHECK_EQ(res.regs.rflags, 0x2);
	CHECK_EQ(res.regs.cs.selector, 0x10);
	CHECK_EQ(res.regs.cs.attrib, 0x0a9b);
	CHECK_EQ(res.regs.ds.selector, 0x18);
	CHECK_EQ(res.regs.es.selector, 0x18);
	CHECK_EQ(res.regs.ss.selector, 0x18);
	CHECK_EQ(res.regs.tr.selector, 0x20);
	CHECK_EQ(res.regs.gdt.base, boot);
	CHECK_EQ(res.regs.gdt.limit, 0x2f);
	CHECK_EQ(rd64(&res, boot + 0x10), 0x00af9b000000ffffULL);
	CHECK_EQ(rd64(&res, boot + 0x18), 0x00cf93000000ffffULL);
	CHECK_EQ(res.regs.cr3, boot + 0x1000);
	CHECK_EQ(res.regs.efer, 0x500);
	/* The identity map covers the kernel, zero page and initrd. */
	CHECK_EQ(rd64(&res, boot + 0x3000 + 8 * 8), 0x1000000 | 0x83);

	/* Zero page: the header copied, the loader's fields. */
	CHECK(seg_at(&res, ZP) && seg_at(&res, ZP)->size == 4096);
	CHECK(!memcmp(gpa_ptr(&res, ZP + 0x202, 4), "HdrS", 4));
	CHECK_EQ(rd16(&res, ZP + BP_VERSION), 0x020f);
	CHECK_EQ(rd8(&res, ZP + BP_SETUP_SECTS), 1);
	CHECK_EQ(rd16(&res, ZP + BP_BOOT_FLAG), 0xaa55);
	CHECK_EQ(rd32(&res, ZP + BP_INIT_SIZE), 0x400000);
	CHECK_EQ(rd8(&res, ZP + 0x26c), 0);		/* past the header */
	CHECK_EQ(rd8(&res, ZP + BP_TYPE_OF_LOADER), 0xff);
	CHECK_EQ(rd8(&res, ZP + BP_LOADFLAGS), 0x81);
	CHECK_EQ(rd16(&res, ZP + BP_HEAP_END_PTR), 0xde00);
	CHECK_EQ(rd32(&res, ZP + BP_CODE32_START), 0x1000000);
	CHECK_EQ(rd32(&res, ZP + BP_CMD_LINE_PTR), 0x20000);
	CHECK(!strcmp(rdstr(&res, 0x20000), "console=ttyS0 quiet"));
	CHECK_EQ(seg_at(&res, 0x20000)->size, 20);

	/* initrd: page-aligned, as high as the boot area allows. */
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), (boot - 5000) & ~0xfffULL);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_SIZE), 5000);
	CHECK_EQ(rd32(&res, ZP + BP_EXT_RAMDISK_IMAGE), 0);
	k = seg_at(&res, (boot - 5000) & ~0xfffULL);
	CHECK(k && k->data == rdbuf && k->size == 5000);

	const uint64_t e820[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xa0000, 0x60000, 2 },
		{ 0x100000, boot - 0x100000, 1 }, { boot, mem - boot, 2 },
	};
	check_e820(&res, 5, e820);
	check_mptable(&res, 2);
	ld_result_free(&res);
}

void test_linux_32bit_entry_and_old_protocol(void)
{
	struct bz b = bz_default();
	uint64_t mem = 32 * MiB;
	struct ld_result res;
	size_t size;
	int ret;

	/* 2.06: no pref_address/init_size/xloadflags: 32-bit entry at 1 MiB. */
	b.version = 0x0206;
	b.relocatable = 0;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, mem, &res);
	CHECK_EQ(ret, 0);
	check_layout(&res, mem);
	CHECK_EQ(res.mode, LD_MODE_PROTECTED);
	CHECK(seg_at(&res, 0x100000) != NULL);
	CHECK_EQ(res.regs.rip, 0x100000);
	CHECK_EQ(res.regs.rsi, ZP);
	CHECK_EQ(res.regs.cs.selector, 0x10);
	CHECK_EQ(res.regs.ds.selector, 0x18);
	CHECK_EQ(res.regs.cr0, 0x11);
	CHECK_EQ(rd64(&res, mem - 4096 + 0x10), 0x00cf9b000000ffffULL);
	CHECK_EQ(rd32(&res, ZP + BP_CODE32_START), 0x100000);
	CHECK(!strcmp(rdstr(&res, 0x20000), ""));
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0);
	check_mptable(&res, 1);
	const uint64_t e820[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xa0000, 0x60000, 2 },
		{ 0x100000, mem - 4096 - 0x100000, 1 }, { mem - 4096, 4096, 2 },
	};
	check_e820(&res, 5, e820);
	ld_result_free(&res);

	/* A 64-bit kernel can be asked for its 32-bit entry. */
	b = bz_default();
	size = build_bz(&b);
	ret = load(bzbuf, size, &(struct ld_opts){ .mode = LD_MODE_PROTECTED },
		   mem, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.mode, LD_MODE_PROTECTED);
	CHECK_EQ(res.regs.rip, 0x1000000);
	ld_result_free(&res);
}

void test_linux_placement_rules(void)
{
	static uint8_t rdbuf[3 * 4096 + 1];
	const struct ld_file rd = { "rd", rdbuf, sizeof(rdbuf) };
	struct bz b = bz_default();
	struct ld_opts o = { .initrd = &rd };
	struct ld_result res;
	size_t size;
	int ret;

	/* pref_address + init_size past RAM: refused, it would move up there. */
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG,
		  "linux kernel needs 0x400000 bytes (init_size) from 0x1000000, but usable RAM ends at 0xffc000");
	ld_result_free(&res);

	/* pref_address not aligned: 1 MiB rounded up to 2 MiB, runs at pref. */
	b.pref = 0x1100000;
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x200000) != NULL);
	CHECK_EQ(res.regs.rip, 0x200200);
	/* initrd above the run area [0x1100000, 0x1500000) */
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 64 * MiB - 0x4000 - 0x4000);
	ld_result_free(&res);
	b.pref = 0x100000;	/* below 2 MiB: runs where it is loaded */
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 7 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x200000) != NULL);
	ld_result_free(&res);

	/* Not relocatable: loaded at 1 MiB, runs at pref_address. */
	b = bz_default();
	b.relocatable = 0;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x100000) != NULL);
	CHECK_EQ(res.regs.rip, 0x100200);
	ld_result_free(&res);
	ret = load(bzbuf, size, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG,
		  "linux kernel needs 0x400000 bytes (init_size) from 0x1000000, but usable RAM ends at 0xffc000");
	ld_result_free(&res);

	/* init_size larger than RAM, relocatable. */
	b = bz_default();
	b.init_size = 0x4000000;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 32 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "linux kernel needs 0x4000000 bytes (init_size) from 0x1000000");
	ld_result_free(&res);

	/* initrd_addr_max caps the initrd; it stays above init_size's end. */
	b = bz_default();
	b.initrd_max = 0x17fffff;
	b.xlf = 1;
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0x1800000 - 0x4000);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_SIZE), sizeof(rdbuf));
	ld_result_free(&res);
	b.initrd_max = 0x1400fff;	/* kernel + init_size end at 0x1400000 */
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 64 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG,
		  "initrd rd (12289 bytes) does not fit between the kernel's end 0x1400000 and 0x1401000");
	ld_result_free(&res);

	/* 5 GiB: below 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G, else at the top. */
	b = bz_default();
	b.xlf = 1;
	b.initrd_max = 0xffffffff;
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 5 * GiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0x100000000ULL - 0x4000);
	CHECK_EQ(rd32(&res, ZP + BP_EXT_RAMDISK_IMAGE), 0);
	ld_result_free(&res);
	b.xlf = 3;
	size = build_bz(&b);
	ret = load(bzbuf, size, &o, 5 * GiB, &res);
	CHECK_EQ(ret, 0);
	/* boot area: 3 + 5 pages at the top of 5 GiB */
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), (uint32_t)(5 * GiB - 8 * 4096 - 0x4000));
	CHECK_EQ(rd32(&res, ZP + BP_EXT_RAMDISK_IMAGE), 1);
	ld_result_free(&res);

	/*
	 * Protected mode on 5 GiB: the GDT page below 4 GiB, RAM above it,
	 * the I/O APIC and LAPIC pages reserved.
	 */
	b.xlf = 0;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 5 * GiB, &res);
	CHECK_EQ(ret, 0);
	const uint64_t e820[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xa0000, 0x60000, 2 },
		{ 0x100000, 0xfec00000 - 0x100000, 1 }, { 0xfec00000, 4096, 2 },
		{ 0xfec01000, 0xfee00000 - 0xfec01000, 1 }, { 0xfee00000, 4096, 2 },
		{ 0xfee01000, 4 * GiB - 4096 - 0xfee01000, 1 },
		{ 4 * GiB - 4096, 4096, 2 }, { 4 * GiB, GiB, 1 },
	};
	check_e820(&res, 10, e820);
	ld_result_free(&res);

	/* An empty initrd file: no ramdisk. */
	o.initrd = &(struct ld_file){ "empty", rdbuf, 0 };
	ret = load(bzbuf, size, &o, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_IMAGE), 0);
	CHECK_EQ(rd32(&res, ZP + BP_RAMDISK_SIZE), 0);
	ld_result_free(&res);
}

void test_linux_bad_images_and_options(void)
{
	static uint8_t big[64 * 1024];
	const struct ld_file rd = { "big.img", big, sizeof(big) };
	struct bz b;
	struct ld_result res;
	size_t size;
	int ret;

#define BAD(mutate, sz, opts, mem, want_ret, msg)			\
	do {								\
		b = bz_default();					\
		mutate;							\
		size = build_bz(&b);					\
		ret = load(bzbuf, (sz), (opts), (mem), &res);		\
		CHECK_ERR(&res, ret, want_ret, msg);			\
		ld_result_free(&res);					\
	} while (0)

	BAD(b.version = 0x0205, size, NULL, 64 * MiB, -EOPNOTSUPP,
	    "linux boot protocol 2.05 is too old (hvctl needs 2.06 or later)");
	BAD((void)0, 0x220, NULL, 64 * MiB, -EINVAL,
	    "truncated bzImage: 544 bytes, the setup header ends at 0x26c");
	BAD((void)0, 0x208, &(struct ld_opts){ .format = LD_FMT_LINUX }, 64 * MiB,
	    -EINVAL, "truncated bzImage");
	b = bz_default();
	size = build_bz(&b);
	bzbuf[BP_JUMP + 1] = 0x30;
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL,
		  "linux setup header ends at 0x232, before the fields of protocol 2.15 (0x264)");
	ld_result_free(&res);
	size = build_bz(&b);
	bzbuf[BP_BOOT_FLAG] = 0;
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "linux setup header has boot_flag 0xaa00, not 0xaa55");
	ld_result_free(&res);
	BAD(b.loadflags = 0, size, NULL, 64 * MiB, -EOPNOTSUPP, "zImage kernels");
	BAD(b.syssize_delta = 1, size, NULL, 64 * MiB, -EINVAL,
	    "linux syssize says 4112 bytes of protected-mode kernel, the file has 4096");
	/* syssize rounded up past an unpadded file end: accepted. */
	b = bz_default();
	b.pm_size = 0x1001;
	size = build_bz(&b);
	ret = load(bzbuf, size, NULL, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x1000000) && seg_at(&res, 0x1000000)->size == 0x1001);
	ld_result_free(&res);
	BAD(b.syssize_delta = -256, size, NULL, 64 * MiB, -EINVAL,
	    "linux syssize says 0 bytes");
	BAD(b.align = 0x300000, size, NULL, 64 * MiB, -EINVAL,
	    "kernel_alignment 0x300000 is not a power of two");
	BAD(b.pm_size = 0x1000, 1024, NULL, 64 * MiB, -EINVAL,
	    "truncated bzImage: 1024 bytes, but the setup code alone is 1024 bytes");
	/* setup_sects 0 means 4: 2560 bytes of setup. */
	BAD(b.setup_sects = 0, 2560, NULL, 64 * MiB, -EINVAL,
	    "the setup code alone is 2560 bytes");
	BAD(b.cmdline_size = 8, size, &(struct ld_opts){ .cmdline = "123456789" },
	    64 * MiB, -E2BIG, "command line is 9 bytes, the kernel takes at most 8");
	BAD((void)0, size, (&(struct ld_opts){ .initrd = &rd }), 20 * MiB + 0x10000, -E2BIG,
	    "initrd big.img (65536 bytes) does not fit between the kernel's end 0x1400000 and 0x140c000 (initrd_addr_max 0x7fffffff, RAM 20544 KiB)");
	BAD((void)0, size, NULL, 2 * MiB, -E2BIG, "linux needs more than 2 MiB of RAM");
	BAD((void)0, size, &(struct ld_opts){ .mode = LD_MODE_REAL }, 64 * MiB,
	    -EINVAL, "linux images start in protected or long mode");
	BAD(b.xlf = 0, size, &(struct ld_opts){ .mode = LD_MODE_LONG }, 64 * MiB,
	    -EINVAL, "this kernel has no 64-bit entry point (protocol 2.15, xloadflags 0x0)");
	BAD((void)0, size, &(struct ld_opts){ .nr_vcpus = 255 }, 64 * MiB,
	    -EINVAL, "the MP table describes at most 254 vCPUs, not 255");
	BAD((void)0, size, &(struct ld_opts){ .has_addr = true }, 64 * MiB,
	    -EINVAL, "--addr applies to format raw only (this is linux)");
	BAD((void)0, size, (&(struct ld_opts){ .modules = &rd, .nr_modules = 1 }),
	    64 * MiB, -EINVAL, "--module applies to format multiboot only");
	/* --format linux on something else */
	ret = load(code, sizeof(code), &(struct ld_opts){ .format = LD_FMT_LINUX },
		   64 * MiB, &res);
	CHECK_ERR(&res, ret, -ENOEXEC, "not a bzImage: no \"HdrS\" setup header at 0x202");
	ld_result_free(&res);

	/* The boundaries themselves load: cmdline of exactly cmdline_size, 254 CPUs. */
	b = bz_default();
	b.cmdline_size = 9;
	b.setup_sects = 0;
	size = build_bz(&b);
	ret = load(bzbuf, size, &(struct ld_opts){ .cmdline = "123456789",
						   .nr_vcpus = 254 }, 64 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x1000000) && seg_at(&res, 0x1000000)->data == bzbuf + 2560);
	CHECK_EQ(rd8(&res, ZP + BP_SETUP_SECTS), 0);
	check_mptable(&res, 254);
	ld_result_free(&res);
#undef BAD
}

void test_mptable_alone(void)
{
	uint8_t buf[1024];
	uint64_t n = ld_mptable_size(4);

	CHECK_EQ(n, 16 + 44 + 80 + 16 + 128 + 16);
	memset(buf, 0, sizeof(buf));
	ld_mptable_build(buf, 0xf0000, 4);
	CHECK_EQ(ld_checksum(buf, 16), 0);
	CHECK_EQ(ld_checksum(buf + 16, n - 16), 0);
	CHECK_EQ(buf[16 + 44 + 3 * 20 + 1], 3);		/* APIC ID 3 */
	CHECK_EQ(buf[16 + 44 + 3 * 20 + 3], 1);		/* enabled, not BSP */
	CHECK_EQ(buf[16 + 44 + 4 * 20 + 8 + 1], 4);	/* I/O APIC ID */
	CHECK_EQ(buf[n], 0);				/* nothing past the end */
}

/* ---- options and detection ----------------------------------------------------- */
