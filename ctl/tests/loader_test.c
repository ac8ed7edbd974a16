// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests for hvctl's pure parts: the image loaders (layouts
 * and boot states of raw, ELF32, ELF64 and Multiboot images, and the
 * malformed inputs they must refuse), SIZE parsing and JSON escaping; the
 * Linux loader's tests are in loader_linux_test.c.
 * Output is TAP; the exit status is non-zero when a test fails.
 */
#include "loader_test.h"

int nr_run, nr_failed;
bool cur_failed;


struct phdr {
	uint32_t type;
	uint64_t paddr, filesz, memsz;
	const void *data;	/* filesz bytes, appended to the file */
	uint64_t offset;	/* 0: where the data lands; else forced */
};

/* An ELF64 (or ELF32) executable with the given program headers. */
static size_t build_elf(uint8_t *buf, size_t cap, bool is64, uint64_t entry,
			const struct phdr *ph, int n)
{
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t off = ehsz + n * phsz;

	memset(buf, 0, cap);
	for (int i = 0; i < n; i++) {
		uint64_t data_off = ph[i].offset ? ph[i].offset : off;

		if (is64) {
			Elf64_Phdr p = {
				.p_type = ph[i].type, .p_offset = data_off,
				.p_vaddr = ph[i].paddr, .p_paddr = ph[i].paddr,
				.p_filesz = ph[i].filesz, .p_memsz = ph[i].memsz,
				.p_flags = PF_R | PF_X, .p_align = 0x1000,
			};
			memcpy(buf + ehsz + i * phsz, &p, sizeof(p));
		} else {
			Elf32_Phdr p = {
				.p_type = ph[i].type, .p_offset = data_off,
				.p_vaddr = ph[i].paddr, .p_paddr = ph[i].paddr,
				.p_filesz = ph[i].filesz, .p_memsz = ph[i].memsz,
				.p_flags = PF_R | PF_X, .p_align = 0x1000,
			};
			memcpy(buf + ehsz + i * phsz, &p, sizeof(p));
		}
		if (ph[i].data && !ph[i].offset) {
			memcpy(buf + off, ph[i].data, ph[i].filesz);
			off += ph[i].filesz;
		}
	}
	if (is64) {
		Elf64_Ehdr e = {
			.e_type = ET_EXEC, .e_machine = EM_X86_64,
			.e_version = EV_CURRENT, .e_entry = entry,
			.e_phoff = ehsz, .e_ehsize = ehsz,
			.e_phentsize = phsz, .e_phnum = n,
		};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = {
			.e_type = ET_EXEC, .e_machine = EM_386,
			.e_version = EV_CURRENT, .e_entry = entry,
			.e_phoff = ehsz, .e_ehsize = ehsz,
			.e_phentsize = phsz, .e_phnum = n,
		};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &e, sizeof(e));
	}
	return off;
}

/* A Multiboot header at p: magic, flags, checksum (+ a.out fields). */
static void put_mb_header(uint8_t *p, uint32_t flags, const uint32_t *aout)
{
	ld_st32(p, LD_MB_HEADER_MAGIC);
	ld_st32(p + 4, flags);
	ld_st32(p + 8, -(LD_MB_HEADER_MAGIC + flags));
	for (int i = 0; aout && i < 5; i++)
		ld_st32(p + 12 + 4 * i, aout[i]);
}

/* ---- raw --------------------------------------------------------------------- */

static void test_raw_defaults_to_long_mode_at_0x1000(void)
{
	const uint64_t mem = 16 * MiB, base = mem - 4 * 0x1000;
	struct ld_result res;
	int ret = load(code, sizeof(code), NULL, 16 * MiB, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, mem);
	CHECK_EQ(res.format, LD_FMT_RAW);
	CHECK_EQ(res.mode, LD_MODE_LONG);
	CHECK_EQ(res.nr_segs, 2);
	CHECK(seg_at(&res, 0x1000) && seg_at(&res, 0x1000)->size == sizeof(code));
	CHECK(!memcmp(gpa_ptr(&res, 0x1000, 16), code, 16));
	/* Boot area: GDT page, PML4, PDPT, one PD at the top of RAM. */
	CHECK(seg_at(&res, base) && seg_at(&res, base)->size == 4 * 0x1000);
	CHECK_EQ(res.regs.rip, 0x1000);
	CHECK_EQ(res.regs.rsp, base - 16);
	CHECK_EQ(res.regs.cr0, 0x80000011);
	CHECK_EQ(res.regs.cr3, base + 0x1000);
	CHECK_EQ(res.regs.cr4, 0x20);
	CHECK_EQ(res.regs.efer, 0x500);
	CHECK_EQ(res.regs.cs.selector, 0x08);
	CHECK_EQ(res.regs.cs.attrib, 0xa9b);
	CHECK_EQ(res.regs.ds.selector, 0x10);
	CHECK_EQ(res.regs.ss.attrib, 0xc93);
	CHECK_EQ(res.regs.tr.selector, 0x18);
	CHECK_EQ(res.regs.tr.attrib, 0x8b);
	CHECK_EQ(res.regs.tr.limit, 0x67);
	CHECK_EQ(res.regs.tr.base, base + 0x80);
	CHECK_EQ(res.regs.ldtr.attrib, 0x82);
	CHECK_EQ(res.regs.gdt.base, base);
	CHECK_EQ(res.regs.gdt.limit, 0x27);
	/* GDT contents match the descriptor caches. */
	CHECK_EQ(rd64(&res, base + 0x08), 0x00af9b000000ffffULL);
	CHECK_EQ(rd64(&res, base + 0x10), 0x00cf93000000ffffULL);
	CHECK_EQ(rd64(&res, base + 0x18) & 0xffff00000000ffffULL, 0x0000000000000067ULL);
	CHECK_EQ((rd64(&res, base + 0x18) >> 40) & 0xff, 0x8b);
	/* Identity map: PML4[0] -> PDPT, PDPT[0] -> PD, 8 x 2 MiB. */
	CHECK_EQ(rd64(&res, base + 0x1000), (base + 0x2000) | 3);
	CHECK_EQ(rd64(&res, base + 0x1008), 0);
	CHECK_EQ(rd64(&res, base + 0x2000), (base + 0x3000) | 3);
	CHECK_EQ(rd64(&res, base + 0x2008), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(rd64(&res, base + 0x3000 + 8 * i), (i * 2 * MiB) | 0x83);
	CHECK_EQ(rd64(&res, base + 0x3000 + 8 * 8), 0);
	ld_result_free(&res);
}

static void test_raw_long_mode_maps_all_of_5g(void)
{
	const uint64_t mem = 5 * GiB + 2 * MiB + 0x1000;
	const uint64_t pages = 3 + 6, base = mem - pages * 0x1000;
	struct ld_result res;
	int ret = load(code, sizeof(code), NULL, mem, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, mem);
	CHECK_EQ(res.regs.cr3, base + 0x1000);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(rd64(&res, base + 0x2000 + 8 * i),
			 (base + 0x3000 + i * 0x1000) | 3);
	CHECK_EQ(rd64(&res, base + 0x2000 + 8 * 6), 0);
	/* The last 2 MiB page covers the partial tail of RAM. */
	uint64_t last = (mem + 2 * MiB - 1) / (2 * MiB) - 1;

	CHECK_EQ(rd64(&res, base + 0x3000 + 8 * last), (last * 2 * MiB) | 0x83);
	CHECK_EQ(rd64(&res, base + 0x3000 + 8 * (last + 1)), 0);
	ld_result_free(&res);
}

static void test_raw_real_mode_cs_ip(void)
{
	struct ld_opts o = { .mode = LD_MODE_REAL, .has_addr = true, .addr = 0x7c00 };
	struct ld_result res;
	int ret = load(code, sizeof(code), &o, 16 * MiB, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, 16 * MiB);
	CHECK_EQ(res.nr_segs, 1);	/* no boot structures in real mode */
	CHECK_EQ(res.regs.cs.selector, 0);
	CHECK_EQ(res.regs.cs.base, 0);
	CHECK_EQ(res.regs.cs.limit, 0xffff);
	CHECK_EQ(res.regs.cs.attrib, 0x9b);
	CHECK_EQ(res.regs.ds.attrib, 0x93);
	CHECK_EQ(res.regs.rip, 0x7c00);
	CHECK_EQ(res.regs.rsp, 0xfff0);
	CHECK_EQ(res.regs.cr0, 0x10);
	CHECK_EQ(res.regs.efer, 0);
	CHECK_EQ(res.regs.idt.limit, 0x3ff);
	ld_result_free(&res);

	/* Above 64 KiB: CS = 0x1000, IP = the low 16 bits. */
	o.addr = 0x12340;
	o.has_entry = true;
	o.entry = 0x12345;
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.regs.cs.selector, 0x1000);
	CHECK_EQ(res.regs.cs.base, 0x10000);
	CHECK_EQ(res.regs.rip, 0x2345);
	ld_result_free(&res);

	/* Small RAM: the stack sits at its top. */
	o.addr = 0x1000;
	o.has_entry = false;
	ret = load(code, sizeof(code), &o, 0x8000, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.regs.rsp, 0x8000 - 16);
	ld_result_free(&res);
}

static void test_raw_real_mode_entry_above_1m_fails(void)
{
	struct ld_opts o = { .mode = LD_MODE_REAL, .has_addr = true, .addr = 0x100000 };
	struct ld_result res;
	int ret = load(code, sizeof(code), &o, 16 * MiB, &res);

	CHECK_ERR(&res, ret, -EINVAL, "above 1 MiB");
	ld_result_free(&res);
}

static void test_raw_protected_mode(void)
{
	const uint64_t mem = 16 * MiB, gdt = mem - 0x1000;
	struct ld_opts o = { .mode = LD_MODE_PROTECTED, .has_addr = true, .addr = 0x100000 };
	struct ld_result res;
	int ret = load(code, sizeof(code), &o, mem, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, mem);
	CHECK_EQ(res.nr_segs, 2);
	CHECK_EQ(res.regs.rip, 0x100000);
	CHECK_EQ(res.regs.rsp, gdt - 16);
	CHECK_EQ(res.regs.cr0, 0x11);
	CHECK_EQ(res.regs.cr4, 0);
	CHECK_EQ(res.regs.efer, 0);
	CHECK_EQ(res.regs.cs.selector, 0x08);
	CHECK_EQ(res.regs.cs.attrib, 0xc9b);
	CHECK_EQ(res.regs.cs.limit, 0xffffffff);
	CHECK_EQ(res.regs.es.attrib, 0xc93);
	CHECK_EQ(res.regs.gdt.base, gdt);
	CHECK_EQ(res.regs.gdt.limit, 0x1f);
	CHECK_EQ(res.regs.tr.base, gdt + 0x80);
	CHECK_EQ(rd64(&res, gdt + 0x08), 0x00cf9b000000ffffULL);
	CHECK_EQ(rd64(&res, gdt + 0x10), 0x00cf93000000ffffULL);
	ld_result_free(&res);
}

static void test_raw_protected_mode_gdt_below_4g(void)
{
	const uint64_t mem = 6 * GiB;
	struct ld_opts o = { .mode = LD_MODE_PROTECTED };
	struct ld_result res;
	int ret = load(code, sizeof(code), &o, mem, &res);

	CHECK_EQ(ret, 0);
	CHECK_EQ(res.regs.gdt.base, (4 * GiB) - 0x1000);
	CHECK_EQ(res.regs.rsp, (4 * GiB) - 0x1000 - 16);
	ld_result_free(&res);
}

static void test_raw_bad_layouts_fail(void)
{
	struct ld_opts o = { .has_addr = true };
	struct ld_result res;
	int ret;

	o.addr = 16 * MiB - 8;		/* past the end of RAM */
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "does not fit in RAM");
	ld_result_free(&res);

	o.addr = 0xfffffffffffffff8ULL;	/* gpa + size wraps */
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "does not fit in RAM");
	ld_result_free(&res);

	o.addr = 16 * MiB - 0x2000;	/* on top of the long-mode page tables */
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "overlaps image");
	ld_result_free(&res);

	o.addr = 0x1000;		/* entry outside the image */
	o.has_entry = true;
	o.entry = 0x5000;
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "entry point 0x5000");
	ld_result_free(&res);

	o.entry = 32 * MiB;		/* entry outside RAM */
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "not inside the loaded image");
	ld_result_free(&res);

	ret = load(code, 0, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -ENOEXEC, "empty");
	ld_result_free(&res);

	ret = load(code, sizeof(code), NULL, 16 * MiB + 1, &res);
	CHECK_ERR(&res, ret, -EINVAL, "multiple of 4 KiB");
	ld_result_free(&res);

	ret = load(code, sizeof(code), NULL, 0, &res);
	CHECK_ERR(&res, ret, -EINVAL, "multiple of 4 KiB");
	ld_result_free(&res);

	ret = load(code, sizeof(code), NULL, 0x4000, &res);	/* no room for tables */
	CHECK_ERR(&res, ret, -E2BIG, "too small");
	ld_result_free(&res);

	o = (struct ld_opts){ .mode = LD_MODE_LONG };
	ret = load(code, sizeof(code), &o, 1024 * GiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "512 GiB");
	ld_result_free(&res);
}

/* ---- ELF --------------------------------------------------------------------- */

static uint8_t elfbuf[8192];
static const uint8_t data_bytes[16] = "data segment...";

static void test_elf64_boots_long_mode_with_bss(void)
{
	const struct phdr ph[] = {
		{ PT_LOAD, 0x100000, sizeof(code), sizeof(code), code, 0 },
		{ PT_NOTE, 0x900000, 4, 4, "note", 0 },
		{ PT_LOAD, 0x200000, sizeof(data_bytes), 0x1000, data_bytes, 0 },
	};
	size_t n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100004, ph, 3);
	struct ld_result res;
	int ret = load(elfbuf, n, NULL, 16 * MiB, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, 16 * MiB);
	CHECK_EQ(res.format, LD_FMT_ELF);
	CHECK_EQ(res.mode, LD_MODE_LONG);
	CHECK_EQ(res.regs.rip, 0x100004);
	CHECK_EQ(res.regs.efer, 0x500);
	CHECK_EQ(res.nr_segs, 4);	/* text, data, bss, boot tables */
	CHECK(!memcmp(gpa_ptr(&res, 0x100000, 16), code, 16));
	CHECK(!memcmp(gpa_ptr(&res, 0x200000, 16), data_bytes, 16));
	CHECK(seg_at(&res, 0x200010) && !seg_at(&res, 0x200010)->data &&
	      seg_at(&res, 0x200010)->size == 0x1000 - 16);
	CHECK(!seg_at(&res, 0x900000));
	ld_result_free(&res);
}

static void test_elf32_boots_protected_mode(void)
{
	const struct phdr ph[] = {
		{ PT_LOAD, 0x100000, sizeof(code), 0x2000, code, 0 },
	};
	size_t n = build_elf(elfbuf, sizeof(elfbuf), false, 0x100000, ph, 1);
	struct ld_result res;
	struct ld_opts o = { .mode = LD_MODE_LONG };
	int ret = load(elfbuf, n, NULL, 16 * MiB, &res);

	CHECK_EQ(ret, 0);
	check_layout(&res, 16 * MiB);
	CHECK_EQ(res.format, LD_FMT_ELF);
	CHECK_EQ(res.mode, LD_MODE_PROTECTED);
	CHECK_EQ(res.regs.cr0, 0x11);
	CHECK_EQ(res.regs.cs.attrib, 0xc9b);
	CHECK_EQ(res.regs.rip, 0x100000);
	CHECK_EQ(res.regs.rax, 0);
	ld_result_free(&res);

	/* --mode overrides the class's choice. */
	ret = load(elfbuf, n, &o, 16 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.mode, LD_MODE_LONG);
	CHECK_EQ(res.regs.efer, 0x500);
	ld_result_free(&res);
}

static void test_elf_malformed_fails(void)
{
	struct phdr ph = { PT_LOAD, 0x100000, sizeof(code), sizeof(code), code, 0 };
	struct ld_opts elf = { .format = LD_FMT_ELF };
	struct ld_result res;
	size_t n;
	int ret;

	/* Truncated header. */
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	ret = load(elfbuf, 40, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "truncated ELF header");
	ld_result_free(&res);
	ret = load(elfbuf, 3, &elf, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "truncated ELF header");
	ld_result_free(&res);

	/* Program headers cut off. */
	ret = load(elfbuf, sizeof(Elf64_Ehdr) + 10, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "program headers lie outside");
	ld_result_free(&res);

	/* Segment bytes cut off. */
	ret = load(elfbuf, n - 1, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "file bytes lie outside the file");
	ld_result_free(&res);

	/* Offset + filesz wraps. */
	ph.offset = 0xfffffffffffffff8ULL;
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "file bytes lie outside the file");
	ld_result_free(&res);
	ph.offset = 0;

	/* Segment past RAM. */
	ph.paddr = 16 * MiB - 8;
	n = build_elf(elfbuf, sizeof(elfbuf), true, ph.paddr, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "ends past RAM");
	ld_result_free(&res);

	/* p_paddr + p_memsz wraps around. */
	ph.paddr = 0xfffffffffffff000ULL;
	ph.memsz = 0x2000;
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "wraps around");
	ld_result_free(&res);

	/* filesz > memsz. */
	ph.paddr = 0x100000;
	ph.memsz = 8;
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "exceeds memory size");
	ld_result_free(&res);
	ph.memsz = sizeof(code);

	/* Entry outside every segment, and outside RAM. */
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x300000, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "entry point 0x300000");
	ld_result_free(&res);
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0xffffffff80000000ULL, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "not inside the loaded image");
	ld_result_free(&res);

	/* Overlapping segments. */
	struct phdr two[2] = { ph, ph };

	two[1].paddr += 8;
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, two, 2);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "overlaps");
	ld_result_free(&res);

	/* No PT_LOAD at all. */
	ph.type = PT_NOTE;
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "no loadable segments");
	ld_result_free(&res);
	ph.type = PT_LOAD;

	/* Not an executable; wrong machine; big-endian; bad phentsize. */
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elfbuf[offsetof(Elf64_Ehdr, e_type)] = ET_DYN;
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "not an executable");
	ld_result_free(&res);

	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elfbuf[offsetof(Elf64_Ehdr, e_machine)] = EM_386;
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "not for x86-64");
	ld_result_free(&res);

	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elfbuf[EI_DATA] = ELFDATA2MSB;
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "little-endian");
	ld_result_free(&res);

	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elfbuf[offsetof(Elf64_Ehdr, e_phentsize)] = 8;
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "program header size");
	ld_result_free(&res);

	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elfbuf[EI_CLASS] = 7;
	ret = load(elfbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "unknown ELF class");
	ld_result_free(&res);

	/* --addr means nothing to an ELF image. */
	n = build_elf(elfbuf, sizeof(elfbuf), true, 0x100000, &ph, 1);
	elf.has_addr = true;
	ret = load(elfbuf, n, &elf, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "--addr applies to format raw only");
	ld_result_free(&res);
}

/* ---- Multiboot --------------------------------------------------------------- */

static uint8_t mbbuf[16384];

/* [0, 640K) and [1M, mem) available, the hole between reserved. */
static void check_mmap(const struct ld_result *res, uint64_t info, uint64_t mem)
{
	uint32_t len = rd32(res, info + 44), addr = rd32(res, info + 48);
	uint64_t covered = 0;

	CHECK_EQ(len, 3 * 24);
	for (uint32_t off = 0; off < len; off += 24) {
		uint64_t base = rd64(res, addr + off + 4);
		uint64_t size = rd64(res, addr + off + 12);
		uint32_t type = rd32(res, addr + off + 20);

		CHECK_EQ(rd32(res, addr + off), 20);
		CHECK_EQ(base, covered);	/* contiguous, in order */
		covered += size;
		CHECK_EQ(type, base == 0xa0000 ? 2 : 1);
	}
	CHECK_EQ(covered, mem);
}

static void test_multiboot_elf_info_and_modules(void)
{
	const uint64_t mem = 32 * MiB, gdt = mem - 0x1000;
	uint8_t text[64] = { 0 };
	static const uint8_t mod0[5000] = { 'M', '0' }, mod1[10] = { 'M', '1' };
	const struct ld_file mods[] = {
		{ "initrd.img", mod0, sizeof(mod0) },
		{ "/boot/second.mod", mod1, sizeof(mod1) },
	};
	struct ld_opts o = { .cmdline = "console=ttyS0 \"quoted\"",
			     .modules = mods, .nr_modules = 2 };
	struct phdr ph = { PT_LOAD, 0x100000, sizeof(text), 0x3000, text, 0 };
	struct ld_result res;
	uint64_t info, mods_addr;
	size_t n;
	int ret;

	put_mb_header(text + 16, 0x3, NULL);
	n = build_elf(mbbuf, sizeof(mbbuf), false, 0x100000, &ph, 1);
	CHECK_EQ(ld_detect(&(struct ld_file){ "t", mbbuf, n }), LD_FMT_MULTIBOOT);

	ret = load(mbbuf, n, &o, mem, &res);
	CHECK_EQ(ret, 0);
	check_layout(&res, mem);
	CHECK_EQ(res.format, LD_FMT_MULTIBOOT);
	CHECK_EQ(res.mode, LD_MODE_PROTECTED);
	CHECK_EQ(res.regs.rax, 0x2badb002);
	CHECK_EQ(res.regs.cr0, 0x11);
	CHECK_EQ(res.regs.cs.attrib, 0xc9b);
	CHECK_EQ(res.regs.rip, 0x100000);
	info = res.regs.rbx;
	CHECK(info >= 0x1000 && info < 0xa0000);	/* low memory, not page 0 */
	CHECK(seg_at(&res, info) && seg_at(&res, info)->owned);

	CHECK_EQ(rd32(&res, info + 0), (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
	CHECK_EQ(rd32(&res, info + 4), 640);
	CHECK_EQ(rd32(&res, info + 8), (mem - MiB) / 1024);
	CHECK(!strcmp(rdstr(&res, rd32(&res, info + 16)), o.cmdline));
	CHECK(!strcmp(rdstr(&res, rd32(&res, info + 64)), "hvctl"));
	check_mmap(&res, info, mem);
	CHECK(seg_at(&res, gdt));	/* the boot GDT page, at the top of RAM */

	/* Modules: page-aligned, in order, after the image (and its bss). */
	CHECK_EQ(rd32(&res, info + 20), 2);
	mods_addr = rd32(&res, info + 24);
	CHECK_EQ(rd32(&res, mods_addr + 0), 0x103000);
	CHECK_EQ(rd32(&res, mods_addr + 4), 0x103000 + sizeof(mod0));
	CHECK(!strcmp(rdstr(&res, rd32(&res, mods_addr + 8)), "initrd.img"));
	CHECK_EQ(rd32(&res, mods_addr + 16), 0x105000);
	CHECK_EQ(rd32(&res, mods_addr + 20), 0x105000 + sizeof(mod1));
	CHECK(!strcmp(rdstr(&res, rd32(&res, mods_addr + 24)), "/boot/second.mod"));
	CHECK(!memcmp(gpa_ptr(&res, 0x103000, 2), "M0", 2));
	CHECK(!memcmp(gpa_ptr(&res, 0x105000, 2), "M1", 2));
	ld_result_free(&res);
}

static void test_multiboot_info_avoids_low_image(void)
{
	uint8_t text[0x3000] = { 0 };
	struct phdr ph = { PT_LOAD, 0x1000, sizeof(text), sizeof(text), text, 0 };
	static uint8_t big[0x8000];
	struct ld_result res;
	uint64_t info;
	size_t n;
	int ret;

	put_mb_header(text, 0x2, NULL);
	n = build_elf(big, sizeof(big), false, 0x1000, &ph, 1);
	ret = load(big, n, NULL, 16 * MiB, &res);
	CHECK_EQ(ret, 0);
	check_layout(&res, 16 * MiB);
	info = res.regs.rbx;
	CHECK_EQ(info, 0x4000);
	ld_result_free(&res);
}

static void test_multiboot_aout_kludge(void)
{
	/* header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */
	const uint32_t aout[5] = { 0x100010, 0x100000, 0, 0x104000, 0x100040 };
	struct ld_result res;
	const size_t n = 0x100;
	uint64_t info;
	int ret;

	memset(mbbuf, 0x90, n);
	put_mb_header(mbbuf + 0x10, (1U << 16) | 0x3, aout);
	CHECK_EQ(ld_detect(&(struct ld_file){ "t", mbbuf, n }), LD_FMT_MULTIBOOT);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_EQ(ret, 0);
	check_layout(&res, 8 * MiB);
	CHECK(seg_at(&res, 0x100000) && seg_at(&res, 0x100000)->size == n);
	CHECK(seg_at(&res, 0x100000)->data == mbbuf);
	CHECK(seg_at(&res, 0x100000 + n) && !seg_at(&res, 0x100000 + n)->data);
	CHECK_EQ(seg_at(&res, 0x100000 + n)->size, 0x4000 - n);
	CHECK_EQ(res.regs.rip, 0x100040);
	info = res.regs.rbx;
	CHECK_EQ(rd32(&res, info + 20), 0);	/* no modules */
	ld_result_free(&res);

	/* load_end_addr inside the file; header offset mismatch. */
	uint32_t bad[5] = { 0x100010, 0x100000, 0x100080, 0, 0x100040 };

	put_mb_header(mbbuf + 0x10, (1U << 16), bad);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_EQ(ret, 0);
	CHECK(seg_at(&res, 0x100000) && seg_at(&res, 0x100000)->size == 0x80);
	ld_result_free(&res);

	bad[2] = 0x100000 + 0x1000;	/* past the end of the file */
	put_mb_header(mbbuf + 0x10, (1U << 16), bad);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "past the end of the file");
	ld_result_free(&res);

	bad[0] = 0x200000;		/* load_addr far before the file start */
	bad[2] = 0;
	put_mb_header(mbbuf + 0x10, (1U << 16), bad);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "before the start of the file");
	ld_result_free(&res);

	bad[0] = 0x100010;		/* bss ending before the image */
	bad[3] = 0x100008;
	put_mb_header(mbbuf + 0x10, (1U << 16), bad);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "bss_end_addr");
	ld_result_free(&res);

	bad[3] = 0xfffff000;		/* bss past RAM */
	put_mb_header(mbbuf + 0x10, (1U << 16), bad);
	ret = load(mbbuf, n, NULL, 8 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "ends past RAM");
	ld_result_free(&res);
}

static void test_multiboot_bad_headers_fail(void)
{
	struct ld_opts mb = { .format = LD_FMT_MULTIBOOT };
	const size_t n = 0x100;
	struct ld_result res;
	int ret;

	/* Bad checksum: not detected as multiboot, refused when asked for. */
	memset(mbbuf, 0, n);
	put_mb_header(mbbuf + 8, 0x3, NULL);
	ld_st32(mbbuf + 16, 0x12345678);
	CHECK_EQ(ld_detect(&(struct ld_file){ "t", mbbuf, n }), LD_FMT_RAW);
	ret = load(mbbuf, n, &mb, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "bad checksum");
	ld_result_free(&res);

	/* Header not 4-byte aligned: not found. */
	memset(mbbuf, 0, n);
	put_mb_header(mbbuf + 6, 0x3, NULL);
	ret = load(mbbuf, n, &mb, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -ENOEXEC, "no multiboot header");
	ld_result_free(&res);

	/* Header beyond the first 8 KiB: not found. */
	memset(mbbuf, 0, sizeof(mbbuf));
	put_mb_header(mbbuf + 8192, 0x3, NULL);
	ret = load(mbbuf, 8192 + 64, &mb, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -ENOEXEC, "no multiboot header");
	ld_result_free(&res);

	/* Video mode requested: cannot honour it. */
	memset(mbbuf, 0, n);
	put_mb_header(mbbuf, 0x7, NULL);
	ret = load(mbbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EOPNOTSUPP, "video mode");
	ld_result_free(&res);

	/* Unknown required flag. */
	put_mb_header(mbbuf, 0x10, NULL);
	ret = load(mbbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EOPNOTSUPP, "unknown required flags 0x10");
	ld_result_free(&res);

	/* Neither ELF nor a.out kludge. */
	put_mb_header(mbbuf, 0x3, NULL);
	ret = load(mbbuf, n, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "not ELF and has no load addresses");
	ld_result_free(&res);

	/* Kludge header cut off by the end of the file. */
	put_mb_header(mbbuf, 1U << 16, NULL);
	ret = load(mbbuf, 16, NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "truncated multiboot header");
	ld_result_free(&res);

	/* Multiboot never boots in long mode. */
	const uint32_t aout[5] = { 0x100000, 0x100000, 0, 0, 0x100000 };

	put_mb_header(mbbuf, 1U << 16, aout);
	mb.mode = LD_MODE_LONG;
	ret = load(mbbuf, n, &mb, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "protected mode");
	ld_result_free(&res);

	/* A module that does not fit below the boot GDT. */
	static const uint8_t one[1];
	const struct ld_file huge = { "huge", one, 15 * MiB };

	mb = (struct ld_opts){ .modules = &huge, .nr_modules = 1 };
	ret = load(mbbuf, n, &mb, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -E2BIG, "no room");
	ld_result_free(&res);
}

static void test_format_detection_and_options(void)
{
	static uint8_t bz[0x400];
	static const struct ld_file mod = { "m", code, sizeof(code) };
	struct ld_opts o = { 0 };
	struct ld_result res;
	int ret;

	memcpy(bz + 0x202, "HdrS", 4);
	CHECK_EQ(ld_detect(&(struct ld_file){ "bz", bz, sizeof(bz) }), LD_FMT_LINUX);
	ret = load(bz, sizeof(bz), NULL, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EOPNOTSUPP,
		  "linux boot protocol 0.00 is too old (hvctl needs 2.06 or later)");
	ld_result_free(&res);

	CHECK_EQ(ld_detect(&(struct ld_file){ "c", code, sizeof(code) }), LD_FMT_RAW);

	o.initrd = &mod;
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "--initrd applies to format linux only");
	ld_result_free(&res);

	o = (struct ld_opts){ .modules = &mod, .nr_modules = 1 };
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "--module applies to format multiboot only");
	ld_result_free(&res);

	o = (struct ld_opts){ .cmdline = "x" };
	ret = load(code, sizeof(code), &o, 16 * MiB, &res);
	CHECK_ERR(&res, ret, -EINVAL, "--cmdline applies to formats multiboot and linux only");
	ld_result_free(&res);

	enum ld_format f;
	enum ld_mode m;

	CHECK(!ld_parse_format("multiboot", &f) && f == LD_FMT_MULTIBOOT);
	CHECK(ld_parse_format("auto", &f) == -EINVAL);
	CHECK(ld_parse_format("ELF", &f) == -EINVAL);
	CHECK(!ld_parse_mode("real", &m) && m == LD_MODE_REAL);
	CHECK(ld_parse_mode("default", &m) == -EINVAL);
}

/* ---- size.c and json.c --------------------------------------------------------- */

static void test_parse_size(void)
{
	uint64_t v;
	uint32_t u;

	CHECK(!parse_size("16M", &v) && v == 16 * MiB);
	CHECK(!parse_size("4k", &v) && v == 4096);
	CHECK(!parse_size("2G", &v) && v == 2 * GiB);
	CHECK(!parse_size("0x1000", &v) && v == 0x1000);
	CHECK(!parse_size("0X1fK", &v) && v == 0x1f * 1024);
	CHECK(!parse_size("0", &v) && v == 0);
	CHECK(!parse_size("010", &v) && v == 10);	/* never octal */
	CHECK(!parse_size("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(parse_size("18446744073709551616", &v) == -ERANGE);
	CHECK(parse_size("17179869184G", &v) == -ERANGE);
	CHECK(parse_size("", &v) == -EINVAL);
	CHECK(parse_size("0x", &v) == -EINVAL);
	CHECK(parse_size("M", &v) == -EINVAL);
	CHECK(parse_size("-1", &v) == -EINVAL);
	CHECK(parse_size(" 1", &v) == -EINVAL);
	CHECK(parse_size("1MB", &v) == -EINVAL);
	CHECK(parse_size("1T", &v) == -EINVAL);
	CHECK(parse_size("12x", &v) == -EINVAL);
	CHECK(!parse_u32("4294967295", &u) && u == UINT32_MAX);
	CHECK(parse_u32("4294967296", &u) == -ERANGE);
	CHECK(parse_u32("1K", &u) == -EINVAL);
	CHECK(parse_u32("", &u) == -EINVAL);
	CHECK(!parse_seconds("5", &v) && v == 5000000000ULL);
	CHECK(!parse_seconds("0.25", &v) && v == 250000000ULL);
	CHECK(parse_seconds("0", &v) == -EINVAL);
	CHECK(parse_seconds("-1", &v) == -EINVAL);
	CHECK(parse_seconds("inf", &v) == -EINVAL);
	CHECK(parse_seconds("1s", &v) == -EINVAL);
	CHECK(parse_seconds("1e300", &v) == -ERANGE);

	char buf[32];

	CHECK(!strcmp(format_size(16 * MiB, buf, sizeof(buf)), "16M"));
	CHECK(!strcmp(format_size(GiB, buf, sizeof(buf)), "1G"));
	CHECK(!strcmp(format_size(12 * 1024, buf, sizeof(buf)), "12K"));
	CHECK(!strcmp(format_size(1000, buf, sizeof(buf)), "1000"));
	CHECK(!strcmp(format_size(0, buf, sizeof(buf)), "0"));
}

static void test_json_escaping(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "s", "a\"b\\c\n\t\x01\x7f" "\xc3\xa9" "\xff" "\xe2\x82" "z");
	json_array_begin(&j, "list");
	json_u64(&j, NULL, 18446744073709551615ULL);
	json_bool(&j, NULL, true);
	json_string(&j, NULL, "");
	json_array_end(&j);
	json_object_begin(&j, "empty");
	json_object_end(&j);
	json_object_end(&j);
	fclose(f);
	CHECK(!strcmp(out, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\\ufffd\\ufffd\\ufffdz\","
			   "\"list\":[18446744073709551615,true,\"\"],\"empty\":{}}\n"));
	if (cur_failed)
		printf("#   got: %s", out);
	free(out);
}

/* ---- runner ------------------------------------------------------------------ */

#define TEST(fn)	{ #fn, fn }

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	TEST(test_raw_defaults_to_long_mode_at_0x1000),
	TEST(test_raw_long_mode_maps_all_of_5g),
	TEST(test_raw_real_mode_cs_ip),
	TEST(test_raw_real_mode_entry_above_1m_fails),
	TEST(test_raw_protected_mode),
	TEST(test_raw_protected_mode_gdt_below_4g),
	TEST(test_raw_bad_layouts_fail),
	TEST(test_elf64_boots_long_mode_with_bss),
	TEST(test_elf32_boots_protected_mode),
	TEST(test_elf_malformed_fails),
	TEST(test_multiboot_elf_info_and_modules),
	TEST(test_multiboot_info_avoids_low_image),
	TEST(test_multiboot_aout_kludge),
	TEST(test_multiboot_bad_headers_fail),
	TEST(test_linux_64bit_boot_state_and_zero_page),
	TEST(test_linux_32bit_entry_and_old_protocol),
	TEST(test_linux_placement_rules),
	TEST(test_linux_bad_images_and_options),
	TEST(test_mptable_alone),
	TEST(test_acpi_tables_for_linux),
	TEST(test_acpi_rsdp_pointer_by_protocol),
	TEST(test_acpi_build_alone),
	TEST(test_linux_e820_apic_pages),
	TEST(test_format_detection_and_options),
	TEST(test_parse_size),
	TEST(test_json_escaping),
};

int main(void)
{
	size_t n = sizeof(tests) / sizeof(tests[0]);

	printf("TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		cur_failed = false;
		tests[i].fn();
		nr_run++;
		if (cur_failed)
			nr_failed++;
		printf("%s %zu - %s\n", cur_failed ? "not ok" : "ok", i + 1,
		       tests[i].name + 5);
	}
	printf("# %d passed, %d failed\n", nr_run - nr_failed, nr_failed);
	return nr_failed ? 1 : 0;
}
