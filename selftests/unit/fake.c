// SPDX-License-Identifier: GPL-2.0
/* The fake vCPU of fake.h. */
#include <stdlib.h>

#include "fake.h"

static struct fake_byte *fake_find(struct fake *f, unsigned int seg, u64 ea)
{
	for (unsigned int i = 0; i < f->nmem; i++)
		if (f->mem[i].seg == seg && f->mem[i].ea == ea)
			return &f->mem[i];
	return NULL;
}

static void fake_set(struct fake *f, unsigned int seg, u64 ea, u8 val)
{
	struct fake_byte *b = fake_find(f, seg, ea);

	if (!b) {
		if (f->nmem == FAKE_MEM)
			abort();
		b = &f->mem[f->nmem++];
		b->seg = seg;
		b->ea = ea;
	}
	b->val = val;
}

void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	/* distinct values, so a wrong register or a bad merge shows */
	for (unsigned int i = 0; i < HVM_NR_GPRS; i++)
		f->gpr[i] = 0xa0a1a2a3a4a5a6a7ULL + i * 0x0101010101010101ULL;
	f->rflags = 0x2;
	f->fail_at = -1;
}

void fake_poke(struct fake *f, unsigned int seg, u64 ea, u64 val,
	       unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		fake_set(f, seg, ea + i, val >> (8 * i));
}

u64 fake_peek(const struct fake *f, unsigned int seg, u64 ea,
	      unsigned int len)
{
	u64 val = 0;

	for (unsigned int i = 0; i < len; i++) {
		const struct fake_byte *b =
			fake_find((struct fake *)f, seg, ea + i);

		val |= (u64)(b ? b->val : 0xee) << (8 * i);
	}
	return val;
}

static int fake_log(struct fake *f, bool write, unsigned int seg, u64 ea,
		    unsigned int len)
{
	unsigned int n = f->nlog++;

	if (n < FAKE_LOG)
		f->log[n] = (struct fake_access){ write, seg, ea, len };
	return (int)n == f->fail_at ? f->fail_rc : 0;
}

static u64 fake_read_gpr(void *opaque, unsigned int reg)
{
	struct fake *f = opaque;

	if (reg >= HVM_NR_GPRS)
		abort();
	return f->gpr[reg];
}

static void fake_write_gpr(void *opaque, unsigned int reg, u64 val)
{
	struct fake *f = opaque;

	if (reg >= HVM_NR_GPRS)
		abort();
	f->gpr[reg] = val;
	f->gpr_writes++;
}

static u64 fake_read_rflags(void *opaque)
{
	return ((struct fake *)opaque)->rflags;
}

static void fake_write_rflags(void *opaque, u64 val)
{
	struct fake *f = opaque;

	f->rflags = val;
	f->rflags_writes++;
}

static int fake_read_mem(void *opaque, unsigned int seg, u64 ea, void *buf,
			 unsigned int len)
{
	struct fake *f = opaque;
	u8 *p = buf;
	int ret;

	ret = fake_log(f, false, seg, ea, len);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < len; i++) {
		struct fake_byte *b = fake_find(f, seg, ea + i);

		if (!b) {
			f->unmapped++;
			return -EFAULT;
		}
		p[i] = b->val;
	}
	return 0;
}

static int fake_write_mem(void *opaque, unsigned int seg, u64 ea,
			  const void *buf, unsigned int len)
{
	struct fake *f = opaque;
	const u8 *p = buf;
	int ret;

	ret = fake_log(f, true, seg, ea, len);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < len; i++)
		fake_set(f, seg, ea + i, p[i]);
	return 0;
}

const struct hvm_emu_ops fake_ops = {
	.read_gpr = fake_read_gpr,
	.write_gpr = fake_write_gpr,
	.read_rflags = fake_read_rflags,
	.write_rflags = fake_write_rflags,
	.read_mem = fake_read_mem,
	.write_mem = fake_write_mem,
};
