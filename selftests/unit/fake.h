/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake vCPU for the emulator tests: 16 GPRs, RFLAGS, a byte-granular
 * memory keyed by (segment, effective address), a log of every memory
 * access, and an optional failure injected at the Nth access.
 */
#ifndef _HVM_UNIT_FAKE_H
#define _HVM_UNIT_FAKE_H

#include "emulate.h"

#define FAKE_MEM	2048
#define FAKE_LOG	160

struct fake_byte {
	u8 seg;
	u64 ea;
	u8 val;
};

struct fake_access {
	bool write;
	u8 seg;
	u64 ea;
	unsigned int len;
};

struct fake {
	u64 gpr[HVM_NR_GPRS];
	u64 rflags;
	struct fake_byte mem[FAKE_MEM];
	unsigned int nmem;
	struct fake_access log[FAKE_LOG];
	unsigned int nlog;
	int fail_at;		/* index of the access that fails, or -1 */
	int fail_rc;
	unsigned int unmapped;	/* reads of bytes never written */
	unsigned int gpr_writes;
	unsigned int rflags_writes;
};

extern const struct hvm_emu_ops fake_ops;

void fake_init(struct fake *f);
void fake_poke(struct fake *f, unsigned int seg, u64 ea, u64 val,
	       unsigned int len);
/* Little-endian value of @len bytes; bytes never written read as 0xee. */
u64 fake_peek(const struct fake *f, unsigned int seg, u64 ea,
	      unsigned int len);

#endif
