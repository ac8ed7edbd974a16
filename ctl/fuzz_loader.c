// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point for the image loaders: `make fuzz`, then
 * `./fuzz_loader -max_total_time=60 fuzz-corpus/`.
 *
 * The first 20 input bytes choose the options (format, mode, RAM size,
 * --addr/--entry, modules, cmdline); the rest is the image. Any success
 * must keep the layout invariants checked below, or the run aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"

#define HDR	20

static volatile uint8_t sink;

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
	struct ld_file mods[2], img;
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
	o.nr_modules = (data[3] >> 5) % 3;
	for (size_t i = 0; i < o.nr_modules; i++)
		mods[i] = (struct ld_file){ i ? "mod1" : "mod0", data, size / (i + 1) };
	o.modules = mods;

	if (ld_load(&img, &o, mem, &res) == 0)
		check(&res, mem);
	else if (!res.err[0])
		abort();	/* every failure says why */
	ld_result_free(&res);
	return 0;
}
