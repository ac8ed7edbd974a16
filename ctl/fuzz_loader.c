// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point for the image loaders: `make fuzz`, then
 * `./fuzz_loader -max_total_time=60 fuzz-corpus/`.
 *
 * The first 20 input bytes choose the options (format, mode, RAM size,
 * --addr/--entry, modules, cmdline, initrd, vCPUs); the rest is the image.
 * Bit 7 of byte 0 stamps a bzImage setup header (magic, boot_flag, a
 * protocol version >= 2.06, LOADED_HIGH) over the image so the Linux
 * loader's deeper paths are reached from random bytes; bit 6 passes an
 * initrd. Any success must keep the layout invariants checked below, or
 * the run aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"

#define HDR	20
#define BZ_MIN	0x300

static volatile uint8_t sink;
static uint8_t bzbuf[1 << 20];

/* The Linux loader's promises: zero page in RSI, sane e820, MP checksums. */
static void check_linux(const struct ld_result *res, uint64_t mem)
{
	const uint8_t *zp = NULL, *mp = NULL;
	uint64_t prev_end = 0;

	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct ld_seg *s = &res->segs[i];

		if (s->gpa == LD_LINUX_ZERO_PAGE && s->size == BP_SIZE)
			zp = s->data;
		if (s->gpa == LD_LINUX_MPTABLE)
			mp = s->data;
	}
	if (!zp || !mp || res->regs.rsi != LD_LINUX_ZERO_PAGE)
		abort();
	if (res->regs.cs.selector != LD_LINUX_SEL_CODE ||
	    res->regs.ds.selector != LD_LINUX_SEL_DATA)
		abort();
	if (zp[BP_TYPE_OF_LOADER] != LD_LINUX_LOADER_TYPE ||
	    !zp[BP_E820_ENTRIES] || zp[BP_E820_ENTRIES] > BP_E820_MAX)
		abort();
	for (unsigned int i = 0; i < zp[BP_E820_ENTRIES]; i++) {
		const uint8_t *e = zp + BP_E820_TABLE + i * BP_E820_ENTRY;

		if (ld_ld64(e) != prev_end || !ld_ld64(e + 8))
			abort();
		prev_end = ld_ld64(e) + ld_ld64(e + 8);
	}
	if (prev_end != mem)
		abort();
	if (ld_checksum(mp, 16) || ld_checksum(mp + 16, ld_ld16(mp + 20)))
		abort();
}

static void check(const struct ld_result *res, uint64_t mem)
{
	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct ld_seg *s = &res->segs[i];

		if (!s->size || s->gpa + s->size < s->gpa ||
		    s->gpa + s->size > mem)
			abort();
		if (i && res->segs[i - 1].gpa + res->segs[i - 1].size > s->gpa)
			abort();
		/* Touch every byte the writer would send. */
		if (s->data) {
			for (uint64_t b = 0; b < s->size; b += 512)
				sink += s->data[b];
			sink += s->data[s->size - 1];
		}
	}
	if (res->mode == LD_MODE_REAL && res->regs.cs.base + res->regs.rip >= LD_1M)
		abort();
	if (res->mode != LD_MODE_REAL && res->regs.rip >= mem)
		abort();
	if (res->format == LD_FMT_LINUX)
		check_linux(res, mem);
	if (res->format == LD_FMT_MULTIBOOT &&
	    (res->regs.rax != LD_MB_INFO_MAGIC || res->regs.rbx < LD_PAGE_SIZE))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t mems[8] = {
		0x1000, 0x8000, 0x100000, 0x110000, 16 << 20, 1ULL << 30,
		5ULL << 30, 513ULL << 30,
	};
	struct ld_file mods[2], img, initrd;
	struct ld_opts o = { 0 };
	struct ld_result res = { 0 };
	uint64_t mem;

	if (size < HDR)
		return 0;
	o.format = data[0] % 5;
	o.mode = data[1] % 4;
	mem = mems[data[2] % 8];
	o.has_addr = data[3] & 1;
	o.has_entry = data[3] & 2;
	o.cmdline = (data[3] & 4) ? "console=ttyS0" : NULL;
	memcpy(&o.addr, data + 4, 8);
	memcpy(&o.entry, data + 12, 8);
	if (!(data[3] & 8))
		o.addr &= 0xffffff;
	if (!(data[3] & 16))
		o.entry &= 0xffffff;

	img = (struct ld_file){ "fuzz", data + HDR, size - HDR };
	if ((data[0] & 0x80) && img.size <= sizeof(bzbuf)) {
		size_t n = img.size < BZ_MIN ? BZ_MIN : img.size;

		memset(bzbuf, 0, n);
		memcpy(bzbuf, img.data, img.size);
		memcpy(bzbuf + BP_HEADER, "HdrS", 4);
		ld_st16(bzbuf + BP_BOOT_FLAG, 0xaa55);
		bzbuf[BP_VERSION] = 0x06 + bzbuf[BP_VERSION] % 16;
		bzbuf[BP_VERSION + 1] = 2;
		bzbuf[BP_LOADFLAGS] |= 1;
		img = (struct ld_file){ "fuzz-bz", bzbuf, n };
	}
	o.nr_modules = (data[3] >> 5) % 3;
	for (size_t i = 0; i < o.nr_modules; i++)
		mods[i] = (struct ld_file){ i ? "mod1" : "mod0", data, size / (i + 1) };
	o.modules = mods;
	if (data[0] & 0x40) {
		static const uint8_t rd[8 << 20];
		static const size_t rd_sizes[16] = {
			0, 1, 4095, 4096, 4097, 65536, 1 << 20, (1 << 20) + 1,
			3 << 20, 5 << 20, (7 << 20) - 1, 8 << 20, 12345, 100,
			2 << 20, 6 << 20,
		};

		initrd = (struct ld_file){ "initrd", rd, rd_sizes[data[1] >> 4] };
		o.initrd = &initrd;
	}
	o.nr_vcpus = (data[2] >> 3) == 31 ? 255 : data[2] >> 3;

	if (ld_load(&img, &o, mem, &res) == 0)
		check(&res, mem);
	else if (!res.err[0])
		abort();	/* every failure says why */
	ld_result_free(&res);
	return 0;
}
