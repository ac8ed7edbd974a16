// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point for kmod/emulate.c: `make fuzz`, then
 * `./fuzz_emulate -runs=1000000 corpus/` (or -max_total_time=60). `make test`
 * replays corpus/ through this same function (fuzz_replay.c, no libFuzzer).
 *
 * Input: [0] bits 0-1 mode (16/32/64/64-bit code), bits 2-7 which memory
 * access fails (63: none); [1] the failing callback's code; [2] how many
 * instruction bytes the caller "fetched" (0..15); [3..17] instruction bytes;
 * [18..] 16 GPRs and RFLAGS (8 bytes each), then the bytes memory reads
 * return (zeros once the input ends).
 *
 * Checked on every input: the decoder's result codes, len <= 15 and <= the
 * bytes given, field ranges, the same result from exactly len bytes and
 * from all 15, -ENODATA from len - 1; the emulator touches only the operand
 * size and segment it decoded, at addresses masked to the address size,
 * writes only its register operand (merged/zero-extended per SDM vol.1
 * 3.4.1.1) or rCX/rSI/rDI, changes only arithmetic RFLAGS bits, does
 * nothing after a failed access except a REP's completed elements, and
 * returns 0, HVM_EMU_AGAIN (REP only) or the callback's code.
 *
 * Runs for the record (clang 14.0.6, one job, the Debian 12 dev host):
 *   mkdir fuzz-out && ./fuzz_emulate -runs=1000000 -seed=1 fuzz-out/ corpus/
 *   -> "Done 1000000 runs in 8 second(s)", no crash; INITED cov: 400 ft: 649
 *      (the 95 corpus files), DONE cov: 400 ft: 1051 corp: 246, 125000 exec/s
 *   ./fuzz_emulate -runs=10000000 -seed=2 fuzz-out/
 *   -> "Done 10000000 runs in 80 second(s)", no crash, cov: 400 ft: 1061
 *   make stress-fuzz (top level; the first part of make stress):
 *   -> "Done 10000000 runs in 115 second(s)" (87k exec/s), no crash,
 *      DONE cov: 400 ft: 1061 corp: 255, peak RSS 478 MB
 * cov counts edges of this file and emulate.c; gcov over the replayed
 * corpus: 99% of emulate.c's lines (not: a bad @mode, -EOPNOTSUPP, which
 * emulate_test covers). corpus/ is `make corpus` (a merge by edges only).
 */
#include <stdlib.h>

#include "emulate.h"

#define HDR		3
#define STATE		(HDR + HVM_EMU_MAX_INSN)
#define NO_FAIL		63
#define ROUNDS		4	/* hvm_emulate() calls per input */

struct fz {
	const u8 *data;
	size_t size;
	size_t pos;		/* next byte of the memory-read stream */
	struct hvm_insn insn;
	u64 gpr[HVM_NR_GPRS];
	u64 rflags;
	int fail_at;
	int fail_rc;
	int naccess;
	bool failed;
};

static u64 mask_of(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u8 next_byte(struct fz *z)
{
	return z->pos < z->size ? z->data[z->pos++] : 0;
}

static bool is_string(const struct hvm_insn *insn)
{
	return insn->op == HVM_EMU_STOS || insn->op == HVM_EMU_MOVS;
}

static u64 fz_read_gpr(void *opaque, unsigned int reg)
{
	struct fz *z = opaque;

	if (reg >= HVM_NR_GPRS)
		abort();
	return z->gpr[reg];
}

static void fz_write_gpr(void *opaque, unsigned int reg, u64 val)
{
	struct fz *z = opaque;
	const struct hvm_insn *insn = &z->insn;
	unsigned int size;
	u64 old, keep;

	if (reg >= HVM_NR_GPRS)
		abort();
	old = z->gpr[reg];
	if (is_string(insn)) {
		if (reg != HVM_GPR_RCX && reg != HVM_GPR_RSI &&
		    reg != HVM_GPR_RDI)
			abort();
		if (reg == HVM_GPR_RCX && !insn->rep)
			abort();
		if (reg == HVM_GPR_RSI && insn->op != HVM_EMU_MOVS)
			abort();
		size = insn->addrsize;
	} else {
		if (z->failed || reg != insn->reg)
			abort();
		if (insn->op == HVM_EMU_MOV_STORE ||
		    insn->op == HVM_EMU_MOV_STORE_IMM ||
		    insn->op == HVM_EMU_TEST ||
		    (insn->op == HVM_EMU_ALU &&
		     (insn->mem_dst || insn->alu == HVM_ALU_CMP)))
			abort();
		size = insn->opsize;
	}
	/* SDM vol.1 3.4.1.1: 8/16-bit writes merge, 32-bit zero-extend */
	switch (size) {
	case 1:
		keep = insn->reg_high ? ~0xff00ULL : ~0xffULL;
		if ((val ^ old) & keep)
			abort();
		break;
	case 2:
		if ((val ^ old) & ~0xffffULL)
			abort();
		break;
	case 4:
		if (val >> 32)
			abort();
		break;
	}
	z->gpr[reg] = val;
}

static u64 fz_read_rflags(void *opaque)
{
	return ((struct fz *)opaque)->rflags;
}

static void fz_write_rflags(void *opaque, u64 val)
{
	struct fz *z = opaque;

	if (z->failed || (val ^ z->rflags) & ~HVM_EMU_ARITH_FLAGS)
		abort();
	if (z->insn.op != HVM_EMU_ALU && z->insn.op != HVM_EMU_TEST)
		abort();
	z->rflags = val;
}

/* Every access: the decoded size and segment, a masked EA, nothing after a failure. */
static int fz_access(struct fz *z, bool write, unsigned int seg, u64 ea,
		     unsigned int len)
{
	const struct hvm_insn *insn = &z->insn;
	unsigned int want_len = insn->opsize;
	unsigned int want_seg = insn->seg;

	if (insn->op == HVM_EMU_MOVZX || insn->op == HVM_EMU_MOVSX)
		want_len = insn->srcsize;
	if (is_string(insn) && write)
		want_seg = HVM_SEG_ES;
	if (z->failed || len != want_len || seg != want_seg ||
	    ea & ~mask_of(insn->addrsize) ||
	    z->naccess >= ROUNDS * 2 * HVM_EMU_REP_CHUNK)
		abort();
	if (!write && (insn->op == HVM_EMU_MOV_STORE ||
		       insn->op == HVM_EMU_MOV_STORE_IMM ||
		       insn->op == HVM_EMU_STOS))
		abort();
	if (write && (insn->op == HVM_EMU_MOV_LOAD ||
		      insn->op == HVM_EMU_MOVZX || insn->op == HVM_EMU_MOVSX ||
		      insn->op == HVM_EMU_TEST ||
		      (insn->op == HVM_EMU_ALU &&
		       (!insn->mem_dst || insn->alu == HVM_ALU_CMP))))
		abort();
	if (z->naccess++ == z->fail_at) {
		z->failed = true;
		return z->fail_rc;
	}
	return 0;
}

static int fz_read_mem(void *opaque, unsigned int seg, u64 ea, void *buf,
		       unsigned int len)
{
	struct fz *z = opaque;
	u8 *p = buf;
	int ret;

	ret = fz_access(z, false, seg, ea, len);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < len; i++)
		p[i] = next_byte(z);
	return 0;
}

static int fz_write_mem(void *opaque, unsigned int seg, u64 ea,
			const void *buf, unsigned int len)
{
	struct fz *z = opaque;
	const volatile u8 *p = buf;

	(void)p[len - 1];
	return fz_access(z, true, seg, ea, len);
}

static const struct hvm_emu_ops fz_ops = {
	.read_gpr = fz_read_gpr,
	.write_gpr = fz_write_gpr,
	.read_rflags = fz_read_rflags,
	.write_rflags = fz_write_rflags,
	.read_mem = fz_read_mem,
	.write_mem = fz_write_mem,
};

static bool size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool same(const struct hvm_insn *a, const struct hvm_insn *b)
{
	return a->len == b->len && a->op == b->op && a->opsize == b->opsize &&
	       a->srcsize == b->srcsize && a->addrsize == b->addrsize &&
	       a->seg == b->seg && a->reg == b->reg && a->rep == b->rep &&
	       a->imm == b->imm && a->alu == b->alu &&
	       a->reg_high == b->reg_high && a->mem_dst == b->mem_dst &&
	       a->has_imm == b->has_imm && a->lock == b->lock &&
	       a->rip_rel == b->rip_rel && a->base == b->base &&
	       a->index == b->index && a->scale == b->scale &&
	       a->disp == b->disp;
}

static void check_decoded(const u8 *code, unsigned int n, unsigned int mode,
			  const struct hvm_insn *insn)
{
	struct hvm_insn again;

	if (!insn->len || insn->len > n || insn->len > HVM_EMU_MAX_INSN)
		abort();
	if (insn->op < HVM_EMU_MOV_LOAD || insn->op > HVM_EMU_MOVS ||
	    !size_ok(insn->opsize) || !size_ok(insn->srcsize) ||
	    insn->srcsize > insn->opsize || insn->addrsize < 2 ||
	    !size_ok(insn->addrsize) || !size_ok(insn->scale) ||
	    insn->seg >= HVM_NR_SEGS || insn->reg >= HVM_NR_GPRS ||
	    (insn->reg_high && (insn->reg > 3 || insn->opsize != 1)) ||
	    (insn->base >= HVM_NR_GPRS && insn->base != HVM_EMU_NO_REG) ||
	    (insn->index >= HVM_NR_GPRS && insn->index != HVM_EMU_NO_REG) ||
	    (insn->rip_rel && mode != 8) ||
	    (insn->addrsize == 2 && mode == 8) ||
	    (insn->addrsize == 8 && mode != 8) ||
	    (insn->opsize == 8 && mode != 8) ||
	    (insn->rep && !is_string(insn)) ||
	    (insn->lock && insn->op != HVM_EMU_ALU && insn->op != HVM_EMU_XCHG) ||
	    (!insn->has_imm && insn->imm))
		abort();
	if (hvm_decode(code, insn->len, mode, &again) || !same(insn, &again))
		abort();
	if (hvm_decode(code, HVM_EMU_MAX_INSN, mode, &again) ||
	    !same(insn, &again))
		abort();
	if (hvm_decode(code, insn->len - 1, mode, &again) != -ENODATA)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[4] = { 2, 4, 8, 8 };
	u8 code[HVM_EMU_MAX_INSN] = { 0 };
	struct fz z = { .data = data, .size = size, .pos = STATE };
	unsigned int mode, n, fail;
	int ret, round;

	if (size < HDR)
		return 0;
	mode = modes[data[0] & 3];
	fail = data[0] >> 2;
	/* positive codes other than HVM_EMU_AGAIN, or negative errnos */
	z.fail_rc = data[1] & 0x80 ? 2 + (data[1] & 0x3f) : -1 - (data[1] & 0x7f);
	z.fail_at = fail == NO_FAIL ? -1 : (int)fail;
	n = data[2] % (HVM_EMU_MAX_INSN + 1);
	memcpy(code, data + HDR,
	       size - HDR < HVM_EMU_MAX_INSN ? size - HDR : HVM_EMU_MAX_INSN);

	ret = hvm_decode(code, n, mode, &z.insn);
	if (ret == -ENODATA && n < HVM_EMU_MAX_INSN)
		return 0;
	if (ret == -EINVAL)
		return 0;
	if (ret)
		abort();
	check_decoded(code, n, mode, &z.insn);

	for (unsigned int i = 0; i < HVM_NR_GPRS; i++)
		for (unsigned int b = 0; b < 8; b++)
			z.gpr[i] |= (u64)next_byte(&z) << (8 * b);
	for (unsigned int b = 0; b < 8; b++)
		z.rflags |= (u64)next_byte(&z) << (8 * b);

	for (round = 0; round < ROUNDS; round++) {
		int before = z.naccess;

		ret = hvm_emulate(&fz_ops, &z, &z.insn, 0x1000 + z.insn.len);
		if (ret == HVM_EMU_AGAIN) {
			if (!z.insn.rep || z.failed ||
			    z.naccess - before > 2 * HVM_EMU_REP_CHUNK)
				abort();
			continue;
		}
		if (ret == 0 ? z.failed : !z.failed || ret != z.fail_rc)
			abort();
		break;
	}
	return 0;
}
