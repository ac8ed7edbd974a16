// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/emulate.c on the host: every supported form decoded
 * with exact fields in the modes where it differs, executed on a fake vCPU
 * (fake.c) with exact register, memory, access-log and RFLAGS results, and
 * the ALU/TEST flags cross-checked against the host CPU running the same
 * operation (inline asm) over a table of edge values.
 *
 * Output is TAP; the exit status is 1 when any check failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fake.h"

#define NOREG	HVM_EMU_NO_REG
#define RAX	HVM_GPR_RAX
#define RCX	HVM_GPR_RCX
#define RDX	HVM_GPR_RDX
#define RBX	HVM_GPR_RBX
#define RSP	HVM_GPR_RSP
#define RBP	HVM_GPR_RBP
#define RSI	HVM_GPR_RSI
#define RDI	HVM_GPR_RDI
#define ES	HVM_SEG_ES
#define CS	HVM_SEG_CS
#define SS	HVM_SEG_SS
#define DS	HVM_SEG_DS
#define FS	HVM_SEG_FS
#define GS	HVM_SEG_GS

#define CF	HVM_EMU_FLAG_CF
#define PF	HVM_EMU_FLAG_PF
#define AF	HVM_EMU_FLAG_AF
#define ZF	HVM_EMU_FLAG_ZF
#define SF	HVM_EMU_FLAG_SF
#define DF	HVM_EMU_FLAG_DF
#define OF	HVM_EMU_FLAG_OF
#define ARITH	HVM_EMU_ARITH_FLAGS

#define RIP0	0x1000ULL

static unsigned int checks, failures, failed_tests;
static char ctx[160];

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		if (failures < 60) {					\
			fprintf(stderr, "FAIL %s:%d [%s] ", __FILE__,	\
				__LINE__, ctx);				\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long _a = (a), _b = (b);				\
	CHECK(_a == _b, "%s = %#llx, want %#llx", #a, _a, _b);		\
} while (0)

#define BYTES(...)	(const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ })

/* ---- decoder ---------------------------------------------------------- */

static const char *hex(const u8 *b, unsigned int n)
{
	static char buf[64];
	unsigned int i, o = 0;

	for (i = 0; i < n && o + 4 < sizeof(buf); i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%02x", i ? " " : "",
			      b[i]);
	buf[o] = 0;
	return buf;
}

static void check_insn(const struct hvm_insn *got, const struct hvm_insn *want)
{
	CHECK_EQ(got->len, want->len);
	CHECK_EQ(got->op, want->op);
	CHECK_EQ(got->opsize, want->opsize);
	CHECK_EQ(got->srcsize, want->srcsize);
	CHECK_EQ(got->addrsize, want->addrsize);
	CHECK_EQ(got->seg, want->seg);
	CHECK_EQ(got->reg, want->reg);
	CHECK_EQ(got->rep, want->rep);
	CHECK_EQ(got->imm, want->imm);
	CHECK_EQ(got->alu, want->alu);
	CHECK_EQ(got->reg_high, want->reg_high);
	CHECK_EQ(got->mem_dst, want->mem_dst);
	CHECK_EQ(got->has_imm, want->has_imm);
	CHECK_EQ(got->lock, want->lock);
	CHECK_EQ(got->rip_rel, want->rip_rel);
	CHECK_EQ(got->base, want->base);
	CHECK_EQ(got->index, want->index);
	CHECK_EQ(got->scale, want->scale);
	CHECK_EQ(got->disp, want->disp);
}

/*
 * Decode @b in @mode and compare every field; then every shorter prefix of
 * the bytes must be -ENODATA and trailing bytes must change nothing.
 */
static void dcheck(unsigned int mode, const u8 *b, unsigned int n,
		   struct hvm_insn want)
{
	struct hvm_insn got;
	u8 pad[HVM_EMU_MAX_INSN + 4];
	int ret;

	snprintf(ctx, sizeof(ctx), "mode %u: %s", mode, hex(b, n));
	ret = hvm_decode(b, n, mode, &got);
	CHECK(ret == 0, "decode = %d", ret);
	if (ret)
		return;
	check_insn(&got, &want);
	for (unsigned int k = 0; k < n; k++)
		CHECK(hvm_decode(b, k, mode, &got) == -ENODATA, "%u bytes", k);
	memset(pad, 0xcc, sizeof(pad));
	memcpy(pad, b, n);
	ret = hvm_decode(pad, sizeof(pad), mode, &got);
	CHECK(ret == 0, "padded decode = %d", ret);
	if (!ret)
		check_insn(&got, &want);
}

static void echeck(unsigned int mode, const u8 *b, unsigned int n, int want)
{
	struct hvm_insn got;
	int ret;

	snprintf(ctx, sizeof(ctx), "mode %u: %s", mode, hex(b, n));
	ret = hvm_decode(b, n, mode, &got);
	CHECK(ret == want, "decode = %d, want %d", ret, want);
}

/* memory operand shorthands */
#define M(b, i, s, d)	.base = (b), .index = (i), .scale = (s), .disp = (u64)(d)
#define MB(b)		M(b, NOREG, 1, 0)
#define MD(d)		M(NOREG, NOREG, 1, d)

#define LOAD(sz)	.op = HVM_EMU_MOV_LOAD, .opsize = (sz), .srcsize = (sz)
#define STORE(sz)	.op = HVM_EMU_MOV_STORE, .opsize = (sz), .srcsize = (sz)
#define ALU(a, sz)	.op = HVM_EMU_ALU, .alu = (a), .opsize = (sz), .srcsize = (sz)

static void test_decode_64(void)
{
	const unsigned int m = 8;

	dcheck(m, BYTES(0x8b, 0x03), (struct hvm_insn){ .len = 2, LOAD(4),
		.addrsize = 8, .seg = DS, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x48, 0x8b, 0x4c, 0x24, 0x08), (struct hvm_insn){
		.len = 5, LOAD(8), .addrsize = 8, .seg = SS, .reg = RCX,
		M(RSP, NOREG, 1, 8) });
	dcheck(m, BYTES(0x44, 0x8a, 0x45, 0xf0), (struct hvm_insn){ .len = 4,
		LOAD(1), .addrsize = 8, .seg = SS, .reg = 8,
		M(RBP, NOREG, 1, -16) });
	/* AH without REX, SPL with any REX */
	dcheck(m, BYTES(0x88, 0x25, 0x78, 0x56, 0x34, 0x12), (struct hvm_insn){
		.len = 6, STORE(1), .addrsize = 8, .seg = DS, .reg = RAX,
		.reg_high = true, .rip_rel = true, MD(0x12345678) });
	dcheck(m, BYTES(0x40, 0x88, 0x25, 0x78, 0x56, 0x34, 0x92),
	       (struct hvm_insn){ .len = 7, STORE(1), .addrsize = 8, .seg = DS,
		.reg = RSP, .rip_rel = true, MD(0xffffffff92345678ULL) });
	dcheck(m, BYTES(0x67, 0x8b, 0x05, 0x10, 0, 0, 0), (struct hvm_insn){
		.len = 7, LOAD(4), .addrsize = 4, .seg = DS, .reg = RAX,
		.rip_rel = true, MD(0x10) });
	/* SIB: no base (disp32), REX.X/REX.B, R12 index, R13 base, rSP */
	dcheck(m, BYTES(0x67, 0x8b, 0x04, 0x8d, 0x00, 0x10, 0, 0),
	       (struct hvm_insn){ .len = 8, LOAD(4), .addrsize = 4, .seg = DS,
		.reg = RAX, M(NOREG, RCX, 4, 0x1000) });
	dcheck(m, BYTES(0x43, 0x8b, 0x44, 0xa5, 0x00), (struct hvm_insn){
		.len = 5, LOAD(4), .addrsize = 8, .seg = DS, .reg = RAX,
		M(13, 12, 4, 0) });
	dcheck(m, BYTES(0x42, 0x8b, 0x04, 0x20), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 8, .seg = DS, .reg = RAX, M(RAX, 12, 1, 0) });
	dcheck(m, BYTES(0x8b, 0x04, 0x24), (struct hvm_insn){ .len = 3,
		LOAD(4), .addrsize = 8, .seg = SS, .reg = RAX, MB(RSP) });
	dcheck(m, BYTES(0x41, 0x8b, 0x04, 0x24), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 8, .seg = DS, .reg = RAX, MB(12) });
	dcheck(m, BYTES(0x41, 0x8b, 0x45, 0x00), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 8, .seg = DS, .reg = RAX, MB(13) });
	dcheck(m, BYTES(0x41, 0x8b, 0x04, 0x25, 0, 0, 0x10, 0),
	       (struct hvm_insn){ .len = 8, LOAD(4), .addrsize = 8, .seg = DS,
		.reg = RAX, MD(0x100000) });
	dcheck(m, BYTES(0x8b, 0x84, 0xf3, 0x00, 0x00, 0x00, 0x80),
	       (struct hvm_insn){ .len = 7, LOAD(4), .addrsize = 8, .seg = DS,
		.reg = RAX, M(RBX, RSI, 8, 0xffffffff80000000ULL) });
	dcheck(m, BYTES(0x4c, 0x8b, 0x7c, 0x6d, 0x7f), (struct hvm_insn){
		.len = 5, LOAD(8), .addrsize = 8, .seg = SS, .reg = 15,
		M(RBP, RBP, 2, 0x7f) });
	/* segment overrides: reported as encoded in 64-bit mode */
	dcheck(m, BYTES(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0),
	       (struct hvm_insn){ .len = 9, LOAD(8), .addrsize = 8, .seg = FS,
		.reg = RAX, MD(0x28) });
	dcheck(m, BYTES(0x65, 0x26, 0x8b, 0x03), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 8, .seg = ES, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x36, 0x8b, 0x03), (struct hvm_insn){ .len = 3,
		LOAD(4), .addrsize = 8, .seg = SS, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x3e, 0x8b, 0x04, 0x24), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 8, .seg = DS, .reg = RAX, MB(RSP) });
	/* 66 and REX.W; REX before a legacy prefix is ignored */
	dcheck(m, BYTES(0x66, 0x89, 0x08), (struct hvm_insn){ .len = 3,
		STORE(2), .addrsize = 8, .seg = DS, .reg = RCX, MB(RAX) });
	dcheck(m, BYTES(0x66, 0x48, 0x89, 0x08), (struct hvm_insn){ .len = 4,
		STORE(8), .addrsize = 8, .seg = DS, .reg = RCX, MB(RAX) });
	dcheck(m, BYTES(0x48, 0x66, 0x89, 0x08), (struct hvm_insn){ .len = 4,
		STORE(2), .addrsize = 8, .seg = DS, .reg = RCX, MB(RAX) });
	dcheck(m, BYTES(0x4c, 0x40, 0x88, 0x20), (struct hvm_insn){ .len = 4,
		STORE(1), .addrsize = 8, .seg = DS, .reg = RSP, MB(RAX) });
	dcheck(m, BYTES(0xf3, 0x89, 0x03), (struct hvm_insn){ .len = 3,
		STORE(4), .addrsize = 8, .seg = DS, .reg = RAX, MB(RBX) });
	/* moffs: 8-byte offset, 4 with 67 */
	dcheck(m, BYTES(0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
			0x91), (struct hvm_insn){ .len = 10, LOAD(8),
		.addrsize = 8, .seg = DS, .reg = RAX,
		MD(0x9122334455667788ULL) });
	dcheck(m, BYTES(0x67, 0x65, 0xa3, 0x44, 0x33, 0x22, 0x91),
	       (struct hvm_insn){ .len = 7, STORE(4), .addrsize = 4, .seg = GS,
		.reg = RAX, MD(0x91223344) });
	dcheck(m, BYTES(0xa2, 1, 2, 3, 4, 5, 6, 7, 8), (struct hvm_insn){
		.len = 9, STORE(1), .addrsize = 8, .seg = DS, .reg = RAX,
		MD(0x0807060504030201ULL) });
	/* MOV imm */
	dcheck(m, BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	       (struct hvm_insn){ .len = 7, .op = HVM_EMU_MOV_STORE_IMM,
		.opsize = 8, .srcsize = 8, .addrsize = 8, .seg = DS,
		.has_imm = true, .imm = ~0ULL, MB(RAX) });
	dcheck(m, BYTES(0xc6, 0x40, 0x10, 0xab), (struct hvm_insn){ .len = 4,
		.op = HVM_EMU_MOV_STORE_IMM, .opsize = 1, .srcsize = 1,
		.addrsize = 8, .seg = DS, .has_imm = true,
		.imm = 0xffffffffffffffabULL, M(RAX, NOREG, 1, 0x10) });
	dcheck(m, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), (struct hvm_insn){
		.len = 5, .op = HVM_EMU_MOV_STORE_IMM, .opsize = 2,
		.srcsize = 2, .addrsize = 8, .seg = DS, .has_imm = true,
		.imm = 0x1234, MB(RAX) });
	dcheck(m, BYTES(0xc7, 0x05, 0x00, 0x01, 0, 0, 0x78, 0x56, 0x34, 0x12),
	       (struct hvm_insn){ .len = 10, .op = HVM_EMU_MOV_STORE_IMM,
		.opsize = 4, .srcsize = 4, .addrsize = 8, .seg = DS,
		.has_imm = true, .imm = 0x12345678, .rip_rel = true,
		MD(0x100) });
	/* MOVZX, MOVSX, MOVSXD */
	dcheck(m, BYTES(0x48, 0x0f, 0xb6, 0x0b), (struct hvm_insn){ .len = 4,
		.op = HVM_EMU_MOVZX, .opsize = 8, .srcsize = 1, .addrsize = 8,
		.seg = DS, .reg = RCX, MB(RBX) });
	dcheck(m, BYTES(0x0f, 0xbf, 0x63, 0x02), (struct hvm_insn){ .len = 4,
		.op = HVM_EMU_MOVSX, .opsize = 4, .srcsize = 2, .addrsize = 8,
		.seg = DS, .reg = RSP, M(RBX, NOREG, 1, 2) });
	dcheck(m, BYTES(0x66, 0x0f, 0xbe, 0x23), (struct hvm_insn){ .len = 4,
		.op = HVM_EMU_MOVSX, .opsize = 2, .srcsize = 1, .addrsize = 8,
		.seg = DS, .reg = RSP, MB(RBX) });
	dcheck(m, BYTES(0x4c, 0x63, 0x0b), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_MOVSX, .opsize = 8, .srcsize = 4, .addrsize = 8,
		.seg = DS, .reg = 9, MB(RBX) });
	/* ALU, all three shapes, LOCK */
	dcheck(m, BYTES(0xf0, 0x48, 0x01, 0x0b), (struct hvm_insn){ .len = 4,
		ALU(HVM_ALU_ADD, 8), .addrsize = 8, .seg = DS, .reg = RCX,
		.mem_dst = true, .lock = true, MB(RBX) });
	dcheck(m, BYTES(0x2b, 0x0b), (struct hvm_insn){ .len = 2,
		ALU(HVM_ALU_SUB, 4), .addrsize = 8, .seg = DS, .reg = RCX,
		MB(RBX) });
	dcheck(m, BYTES(0x32, 0x2b), (struct hvm_insn){ .len = 2,
		ALU(HVM_ALU_XOR, 1), .addrsize = 8, .seg = DS, .reg = RCX,
		.reg_high = true, MB(RBX) });
	dcheck(m, BYTES(0x10, 0x0b), (struct hvm_insn){ .len = 2,
		ALU(HVM_ALU_ADC, 1), .addrsize = 8, .seg = DS, .reg = RCX,
		.mem_dst = true, MB(RBX) });
	dcheck(m, BYTES(0x66, 0x1b, 0x0b), (struct hvm_insn){ .len = 3,
		ALU(HVM_ALU_SBB, 2), .addrsize = 8, .seg = DS, .reg = RCX,
		MB(RBX) });
	dcheck(m, BYTES(0x48, 0x83, 0x7b, 0x08, 0xff), (struct hvm_insn){
		.len = 5, ALU(HVM_ALU_CMP, 8), .addrsize = 8, .seg = DS,
		.mem_dst = true, .has_imm = true, .imm = ~0ULL,
		M(RBX, NOREG, 1, 8) });
	dcheck(m, BYTES(0xf0, 0x81, 0x23, 0x00, 0xff, 0x00, 0x00),
	       (struct hvm_insn){ .len = 7, ALU(HVM_ALU_AND, 4), .addrsize = 8,
		.seg = DS, .mem_dst = true, .has_imm = true, .imm = 0xff00,
		.lock = true, MB(RBX) });
	dcheck(m, BYTES(0x66, 0x81, 0x0b, 0x34, 0x92), (struct hvm_insn){
		.len = 5, ALU(HVM_ALU_OR, 2), .addrsize = 8, .seg = DS,
		.mem_dst = true, .has_imm = true,
		.imm = 0xffffffffffff9234ULL, MB(RBX) });
	dcheck(m, BYTES(0x4c, 0x80, 0x33, 0x80), (struct hvm_insn){ .len = 4,
		ALU(HVM_ALU_XOR, 1), .addrsize = 8, .seg = DS, .mem_dst = true,
		.has_imm = true, .imm = 0xffffffffffffff80ULL, MB(RBX) });
	/* TEST, XCHG */
	dcheck(m, BYTES(0x85, 0x0b), (struct hvm_insn){ .len = 2,
		.op = HVM_EMU_TEST, .opsize = 4, .srcsize = 4, .addrsize = 8,
		.seg = DS, .reg = RCX, MB(RBX) });
	dcheck(m, BYTES(0x84, 0x3b), (struct hvm_insn){ .len = 2,
		.op = HVM_EMU_TEST, .opsize = 1, .srcsize = 1, .addrsize = 8,
		.seg = DS, .reg = RBX, .reg_high = true, MB(RBX) });
	dcheck(m, BYTES(0xf6, 0x03, 0x01), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_TEST, .opsize = 1, .srcsize = 1, .addrsize = 8,
		.seg = DS, .has_imm = true, .imm = 1, MB(RBX) });
	dcheck(m, BYTES(0x48, 0xf7, 0x03, 0x00, 0x00, 0x00, 0x80),
	       (struct hvm_insn){ .len = 7, .op = HVM_EMU_TEST, .opsize = 8,
		.srcsize = 8, .addrsize = 8, .seg = DS, .has_imm = true,
		.imm = 0xffffffff80000000ULL, MB(RBX) });
	dcheck(m, BYTES(0x48, 0x87, 0x0b), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_XCHG, .opsize = 8, .srcsize = 8, .addrsize = 8,
		.seg = DS, .reg = RCX, MB(RBX) });
	dcheck(m, BYTES(0xf0, 0x86, 0x2b), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_XCHG, .opsize = 1, .srcsize = 1, .addrsize = 8,
		.seg = DS, .reg = RCX, .reg_high = true, .lock = true,
		MB(RBX) });
	/* STOS, MOVS */
	dcheck(m, BYTES(0xf3, 0x48, 0xab), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_STOS, .opsize = 8, .srcsize = 8, .addrsize = 8,
		.seg = ES, .reg = RAX, .rep = true, MB(RDI) });
	dcheck(m, BYTES(0x64, 0xaa), (struct hvm_insn){ .len = 2,
		.op = HVM_EMU_STOS, .opsize = 1, .srcsize = 1, .addrsize = 8,
		.seg = ES, .reg = RAX, MB(RDI) });
	dcheck(m, BYTES(0xf2, 0xa4), (struct hvm_insn){ .len = 2,
		.op = HVM_EMU_MOVS, .opsize = 1, .srcsize = 1, .addrsize = 8,
		.seg = DS, .reg = RAX, .rep = true, MB(RSI) });
	dcheck(m, BYTES(0x64, 0x66, 0xa5), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_MOVS, .opsize = 2, .srcsize = 2, .addrsize = 8,
		.seg = FS, .reg = RAX, MB(RSI) });
	dcheck(m, BYTES(0x67, 0xf3, 0xaa), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_STOS, .opsize = 1, .srcsize = 1, .addrsize = 4,
		.seg = ES, .reg = RAX, .rep = true, MB(RDI) });
	/* 13 prefixes + 2 bytes = 15: the longest legal instruction */
	dcheck(m, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			0x66, 0x66, 0x66, 0x66, 0x8b, 0x03), (struct hvm_insn){
		.len = 15, LOAD(2), .addrsize = 8, .seg = DS, .reg = RAX,
		MB(RBX) });
}

static void test_decode_32(void)
{
	const unsigned int m = 4;

	dcheck(m, BYTES(0x8b, 0x05, 0x00, 0x10, 0, 0), (struct hvm_insn){
		.len = 6, LOAD(4), .addrsize = 4, .seg = DS, .reg = RAX,
		MD(0x1000) });
	dcheck(m, BYTES(0x66, 0x8b, 0x03), (struct hvm_insn){ .len = 3,
		LOAD(2), .addrsize = 4, .seg = DS, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x8b, 0x45, 0x08), (struct hvm_insn){ .len = 3,
		LOAD(4), .addrsize = 4, .seg = SS, .reg = RAX,
		M(RBP, NOREG, 1, 8) });
	dcheck(m, BYTES(0x2e, 0x8b, 0x45, 0x08), (struct hvm_insn){ .len = 4,
		LOAD(4), .addrsize = 4, .seg = CS, .reg = RAX,
		M(RBP, NOREG, 1, 8) });
	dcheck(m, BYTES(0x8b, 0x8c, 0x24, 0x00, 0x01, 0, 0), (struct hvm_insn){
		.len = 7, LOAD(4), .addrsize = 4, .seg = SS, .reg = RCX,
		M(RSP, NOREG, 1, 0x100) });
	dcheck(m, BYTES(0xa1, 0x00, 0x00, 0x0f, 0x00), (struct hvm_insn){
		.len = 5, LOAD(4), .addrsize = 4, .seg = DS, .reg = RAX,
		MD(0xf0000) });
	dcheck(m, BYTES(0x67, 0xa0, 0x34, 0x12), (struct hvm_insn){ .len = 4,
		LOAD(1), .addrsize = 2, .seg = DS, .reg = RAX, MD(0x1234) });
	dcheck(m, BYTES(0x67, 0x8b, 0x07), (struct hvm_insn){ .len = 3,
		LOAD(4), .addrsize = 2, .seg = DS, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x88, 0x63, 0x01), (struct hvm_insn){ .len = 3,
		STORE(1), .addrsize = 4, .seg = DS, .reg = RAX,
		.reg_high = true, M(RBX, NOREG, 1, 1) });
	dcheck(m, BYTES(0xf3, 0x66, 0xab), (struct hvm_insn){ .len = 3,
		.op = HVM_EMU_STOS, .opsize = 2, .srcsize = 2, .addrsize = 4,
		.seg = ES, .reg = RAX, .rep = true, MB(RDI) });
	dcheck(m, BYTES(0x83, 0x2d, 0x00, 0x20, 0, 0, 0x01), (struct hvm_insn){
		.len = 7, ALU(HVM_ALU_SUB, 4), .addrsize = 4, .seg = DS,
		.mem_dst = true, .has_imm = true, .imm = 1, MD(0x2000) });
	dcheck(m, BYTES(0x0f, 0xb7, 0x04, 0x4a), (struct hvm_insn){ .len = 4,
		.op = HVM_EMU_MOVZX, .opsize = 4, .srcsize = 2, .addrsize = 4,
		.seg = DS, .reg = RAX, M(RDX, RCX, 2, 0) });
}

static void test_decode_16(void)
{
	static const struct { u8 modrm; u8 base, index, seg; } rm16[8] = {
		{ 0x00, RBX, RSI, DS }, { 0x01, RBX, RDI, DS },
		{ 0x02, RBP, RSI, SS }, { 0x03, RBP, RDI, SS },
		{ 0x04, RSI, NOREG, DS }, { 0x05, RDI, NOREG, DS },
		{ 0x46, RBP, NOREG, SS }, { 0x07, RBX, NOREG, DS },
	};
	const unsigned int m = 2;

	for (unsigned int i = 0; i < 8; i++) {
		const u8 mod0[] = { 0x8b, rm16[i].modrm };
		const u8 mod1[] = { 0x8b, (u8)(0x40 | (rm16[i].modrm & 7)),
				    0xfe };
		const u8 mod2[] = { 0x8b, (u8)(0x80 | (rm16[i].modrm & 7)),
				    0x00, 0x80 };

		if (i != 6)
			dcheck(m, mod0, sizeof(mod0), (struct hvm_insn){
				.len = 2, LOAD(2), .addrsize = 2,
				.seg = rm16[i].seg, .reg = RAX,
				M(rm16[i].base, rm16[i].index, 1, 0) });
		dcheck(m, mod1, sizeof(mod1), (struct hvm_insn){ .len = 3,
			LOAD(2), .addrsize = 2, .seg = rm16[i].seg, .reg = RAX,
			M(rm16[i].base, rm16[i].index, 1, -2) });
		dcheck(m, mod2, sizeof(mod2), (struct hvm_insn){ .len = 4,
			LOAD(2), .addrsize = 2, .seg = rm16[i].seg, .reg = RAX,
			M(rm16[i].base, rm16[i].index, 1, -0x8000) });
	}
	dcheck(m, BYTES(0x8b, 0x06, 0x34, 0x12), (struct hvm_insn){ .len = 4,
		LOAD(2), .addrsize = 2, .seg = DS, .reg = RAX, MD(0x1234) });
	dcheck(m, BYTES(0x66, 0x8b, 0x07), (struct hvm_insn){ .len = 3,
		LOAD(4), .addrsize = 2, .seg = DS, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x67, 0x8b, 0x04, 0x8d, 0x00, 0x10, 0, 0),
	       (struct hvm_insn){ .len = 8, LOAD(2), .addrsize = 4, .seg = DS,
		.reg = RAX, M(NOREG, RCX, 4, 0x1000) });
	dcheck(m, BYTES(0xa1, 0x34, 0x12), (struct hvm_insn){ .len = 3,
		LOAD(2), .addrsize = 2, .seg = DS, .reg = RAX, MD(0x1234) });
	dcheck(m, BYTES(0x26, 0x89, 0x07), (struct hvm_insn){ .len = 3,
		STORE(2), .addrsize = 2, .seg = ES, .reg = RAX, MB(RBX) });
	dcheck(m, BYTES(0x36, 0x88, 0x27), (struct hvm_insn){ .len = 3,
		STORE(1), .addrsize = 2, .seg = SS, .reg = RAX,
		.reg_high = true, MB(RBX) });
	dcheck(m, BYTES(0xf3, 0xa5), (struct hvm_insn){ .len = 2,
		.op = HVM_EMU_MOVS, .opsize = 2, .srcsize = 2, .addrsize = 2,
		.seg = DS, .reg = RAX, .rep = true, MB(RSI) });
	dcheck(m, BYTES(0xc7, 0x46, 0x02, 0x34, 0x12), (struct hvm_insn){
		.len = 5, .op = HVM_EMU_MOV_STORE_IMM, .opsize = 2,
		.srcsize = 2, .addrsize = 2, .seg = SS, .has_imm = true,
		.imm = 0x1234, M(RBP, NOREG, 1, 2) });
	dcheck(m, BYTES(0x66, 0x81, 0x3f, 0x78, 0x56, 0x34, 0x12),
	       (struct hvm_insn){ .len = 7, ALU(HVM_ALU_CMP, 4), .addrsize = 2,
		.seg = DS, .mem_dst = true, .has_imm = true,
		.imm = 0x12345678, MB(RBX) });
}

static void test_decode_invalid(void)
{
	echeck(8, BYTES(0x8b, 0xc3), -EINVAL);			/* mod 3 */
	echeck(4, BYTES(0x01, 0xd8), -EINVAL);
	echeck(8, BYTES(0x0f, 0xb6, 0xc0), -EINVAL);
	echeck(8, BYTES(0x80, 0xc0, 0x01), -EINVAL);
	echeck(8, BYTES(0xf0, 0x8b, 0x03), -EINVAL);		/* LOCK MOV */
	echeck(8, BYTES(0xf0, 0x89, 0x03), -EINVAL);
	echeck(8, BYTES(0xf0, 0x39, 0x0b), -EINVAL);		/* LOCK CMP */
	echeck(8, BYTES(0xf0, 0x80, 0x3b, 0x01), -EINVAL);
	echeck(8, BYTES(0xf0, 0x03, 0x0b), -EINVAL);		/* reg dst */
	echeck(8, BYTES(0xf0, 0x85, 0x0b), -EINVAL);		/* LOCK TEST */
	echeck(8, BYTES(0xf0, 0xaa), -EINVAL);			/* LOCK STOS */
	echeck(8, BYTES(0xf0, 0x0f, 0xb6, 0x03), -EINVAL);
	echeck(8, BYTES(0xf0, 0xc6, 0x03, 0x01), -EINVAL);
	echeck(4, BYTES(0x40, 0x8b, 0x03), -EINVAL);		/* INC eax */
	echeck(2, BYTES(0x48, 0x8b, 0x03), -EINVAL);
	echeck(8, BYTES(0x82, 0x03, 0x01), -EINVAL);
	echeck(4, BYTES(0x82, 0x03, 0x01), -EINVAL);
	echeck(8, BYTES(0xf6, 0x13), -EINVAL);			/* NOT */
	echeck(8, BYTES(0xf6, 0x0b, 0x01), -EINVAL);		/* F6 /1 */
	echeck(8, BYTES(0xf7, 0x33), -EINVAL);			/* DIV */
	echeck(8, BYTES(0xc6, 0x0b, 0x01), -EINVAL);		/* C6 /1 */
	echeck(8, BYTES(0xc7, 0xf8, 0, 0, 0, 0), -EINVAL);	/* XBEGIN */
	echeck(8, BYTES(0x63, 0x0b), -EINVAL);			/* no REX.W */
	echeck(4, BYTES(0x63, 0x0b), -EINVAL);			/* ARPL */
	echeck(8, BYTES(0xf3, 0x0f, 0xb6, 0x03), -EINVAL);
	echeck(8, BYTES(0xf2, 0x0f, 0xbf, 0x03), -EINVAL);
	echeck(8, BYTES(0x0f, 0x0b), -EINVAL);			/* UD2 */
	echeck(8, BYTES(0x0f, 0xb8, 0x03), -EINVAL);
	echeck(8, BYTES(0x04, 0x01), -EINVAL);			/* ADD AL,ib */
	echeck(8, BYTES(0x3d, 1, 0, 0, 0), -EINVAL);
	echeck(8, BYTES(0x90), -EINVAL);
	echeck(8, BYTES(0xa6), -EINVAL);			/* CMPS */
	echeck(8, BYTES(0xac), -EINVAL);			/* LODS */
	echeck(8, BYTES(0x8c, 0x03), -EINVAL);			/* MOV Sreg */
	echeck(8, BYTES(0x8d, 0x03), -EINVAL);			/* LEA */
	echeck(8, BYTES(0xff, 0x03), -EINVAL);			/* INC m */
	/* 14 prefixes + 2 bytes = 16: past the limit whatever @len says */
	echeck(8, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x03), -EINVAL);
	echeck(8, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66), -EINVAL);
	echeck(8, BYTES(0x48, 0xc7, 0x00, 0x01, 0x02, 0x03), -ENODATA);
	echeck(8, BYTES(0x0f), -ENODATA);
	echeck(8, (const u8[]){ 0 }, 0, -ENODATA);
	echeck(3, BYTES(0x8b, 0x03), -EINVAL);			/* mode */
	echeck(0, BYTES(0x8b, 0x03), -EINVAL);
}

/* ---- execution -------------------------------------------------------- */

/* Decode @b (must succeed with len == @n) and run it at RIP0. */
static int run(struct fake *f, unsigned int mode, const u8 *b, unsigned int n)
{
	struct hvm_insn insn;
	int ret;

	snprintf(ctx, sizeof(ctx), "mode %u: %s", mode, hex(b, n));
	ret = hvm_decode(b, n, mode, &insn);
	CHECK(ret == 0 && insn.len == n, "decode = %d len %u", ret, insn.len);
	if (ret)
		return -1000;
	return hvm_emulate(&fake_ops, f, &insn, RIP0 + insn.len);
}

static void check_access(const struct fake *f, unsigned int i, bool write,
			 unsigned int seg, u64 ea, unsigned int len)
{
	CHECK(i < f->nlog, "access %u missing (%u)", i, f->nlog);
	if (i >= f->nlog)
		return;
	CHECK_EQ(f->log[i].write, write);
	CHECK_EQ(f->log[i].seg, seg);
	CHECK_EQ(f->log[i].ea, ea);
	CHECK_EQ(f->log[i].len, len);
}

static void test_mov(void)
{
	static const u64 mem = 0x8796a5b4c3d2e1f0ULL;
	struct fake f;
	u64 rax;

	static const struct {
		u8 b[4];
		u8 n, reg, size;
		u64 want;
	} loads[] = {
		{ { 0x8a, 0x03 }, 2, RAX, 1, 0x00f0 },		/* AL */
		{ { 0x8a, 0x23 }, 2, RAX, 1, 0xf000 },		/* AH */
		{ { 0x40, 0x8a, 0x23 }, 3, RSP, 1, 0x00f0 },	/* SPL */
		{ { 0x8a, 0x2b }, 2, RCX, 1, 0xf000 },		/* CH */
		{ { 0x66, 0x8b, 0x03 }, 3, RAX, 2, 0xe1f0 },
		{ { 0x8b, 0x03 }, 2, RAX, 4, 0xc3d2e1f0 },
		{ { 0x48, 0x8b, 0x03 }, 3, RAX, 8, mem },
		{ { 0x44, 0x8b, 0x03 }, 3, 8, 4, 0xc3d2e1f0 },
		{ { 0x4d, 0x8b, 0x3f }, 3, 15, 8, mem },	/* [r15] */
	};

	for (unsigned int i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		u64 old, keep;
		unsigned int addr_reg = loads[i].b[loads[i].n - 1] == 0x3f ? 15 : RBX;

		fake_init(&f);
		f.gpr[addr_reg] = 0x2000;
		fake_poke(&f, DS, 0x2000, mem, 8);
		old = f.gpr[loads[i].reg];
		CHECK_EQ(run(&f, 8, loads[i].b, loads[i].n), 0);
		switch (loads[i].size) {
		case 1:
			keep = loads[i].want > 0xff ? ~0xff00ULL : ~0xffULL;
			CHECK_EQ(f.gpr[loads[i].reg], (old & keep) | loads[i].want);
			break;
		case 2:
			CHECK_EQ(f.gpr[loads[i].reg], (old & ~0xffffULL) | loads[i].want);
			break;
		default:
			CHECK_EQ(f.gpr[loads[i].reg], loads[i].want);
		}
		CHECK_EQ(f.nlog, 1);
		check_access(&f, 0, false, DS, 0x2000, loads[i].size);
		CHECK_EQ(f.gpr_writes, 1);
		CHECK_EQ(f.rflags_writes, 0);
	}

	/* stores of every width, AH and R9B */
	fake_init(&f);
	rax = f.gpr[RAX];
	f.gpr[RBX] = 0x3000;
	CHECK_EQ(run(&f, 8, BYTES(0x88, 0x03)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x3000, 2), 0xeea7);
	CHECK_EQ(run(&f, 8, BYTES(0x88, 0x63, 0x01)), 0);	/* [rbx+1], ah */
	CHECK_EQ(fake_peek(&f, DS, 0x3000, 3), 0xeea6a7);
	CHECK_EQ(run(&f, 8, BYTES(0x66, 0x89, 0x43, 0x10)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x3010, 3), 0xeea6a7);
	CHECK_EQ(run(&f, 8, BYTES(0x89, 0x43, 0x20)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x3020, 5), 0xeea4a5a6a7ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0x89, 0x43, 0x30)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x3030, 8), rax);
	CHECK_EQ(run(&f, 8, BYTES(0x44, 0x88, 0x4b, 0x40)), 0);	/* r9b */
	CHECK_EQ(fake_peek(&f, DS, 0x3040, 1), f.gpr[9] & 0xff);
	CHECK_EQ(f.gpr_writes, 0);
	CHECK_EQ(f.gpr[RAX], rax);
	CHECK_EQ(f.nlog, 6);
	check_access(&f, 4, true, DS, 0x3030, 8);

	/* moffs in all three modes, with overrides */
	fake_init(&f);
	fake_poke(&f, DS, 0x9122334455667788ULL, 0x0123456789abcdefULL, 8);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44,
				  0x33, 0x22, 0x91)), 0);
	CHECK_EQ(f.gpr[RAX], 0x0123456789abcdefULL);
	fake_init(&f);
	CHECK_EQ(run(&f, 4, BYTES(0x64, 0xa3, 0x00, 0x00, 0x0f, 0xfe)), 0);
	CHECK_EQ(fake_peek(&f, FS, 0xfe0f0000, 4), 0xa4a5a6a7);
	fake_init(&f);
	fake_poke(&f, DS, 0x1234, 0x55, 1);
	CHECK_EQ(run(&f, 2, BYTES(0xa0, 0x34, 0x12)), 0);
	CHECK_EQ(f.gpr[RAX], 0xa0a1a2a3a4a5a655ULL);
	CHECK_EQ(run(&f, 2, BYTES(0x66, 0xa3, 0x00, 0x20)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x2000, 4), 0xa4a5a655);

	/* MOV imm: imm32 sign-extended to 64, truncated to 8/16 */
	fake_init(&f);
	f.gpr[RAX] = 0x5000;
	CHECK_EQ(run(&f, 8, BYTES(0xc6, 0x00, 0xab)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x5000, 2), 0xeeab);
	CHECK_EQ(run(&f, 8, BYTES(0x66, 0xc7, 0x40, 0x10, 0x34, 0x92)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x5010, 3), 0xee9234);
	CHECK_EQ(run(&f, 8, BYTES(0xc7, 0x40, 0x20, 0x78, 0x56, 0x34, 0x92)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x5020, 5), 0xee92345678ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0xc7, 0x40, 0x30, 0x00, 0x00, 0x00,
				  0x80)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x5030, 8), 0xffffffff80000000ULL);
	/* RIP-relative: EA = RIP0 + len + disp */
	CHECK_EQ(run(&f, 8, BYTES(0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 1, 0, 0,
				  0)), 0);
	check_access(&f, 4, true, DS, RIP0 + 10 - 0x10, 4);
	CHECK_EQ(f.gpr_writes, 0);
}

static void test_movx(void)
{
	struct fake f;

	fake_init(&f);
	f.gpr[RBX] = 0x2000;
	fake_poke(&f, DS, 0x2000, 0x80ff80, 3);
	CHECK_EQ(run(&f, 8, BYTES(0x0f, 0xb6, 0x03)), 0);
	CHECK_EQ(f.gpr[RAX], 0x80);
	CHECK_EQ(run(&f, 8, BYTES(0x0f, 0xbe, 0x0b)), 0);
	CHECK_EQ(f.gpr[RCX], 0xffffff80);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0x0f, 0xbe, 0x13)), 0);
	CHECK_EQ(f.gpr[RDX], 0xffffffffffffff80ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x66, 0x0f, 0xbe, 0x33)), 0);	/* si */
	CHECK_EQ(f.gpr[RSI], 0xa6a7a8a9aaabff80ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x0f, 0xb7, 0x3b)), 0);
	CHECK_EQ(f.gpr[RDI], 0xff80);
	CHECK_EQ(run(&f, 8, BYTES(0x4c, 0x0f, 0xbf, 0x03)), 0);
	CHECK_EQ(f.gpr[8], 0xffffffffffffff80ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x66, 0x0f, 0xb6, 0x63, 0x01)), 0);	/* sp */
	CHECK_EQ(f.gpr[RSP], 0xa4a5a6a7a8a900ffULL);
	check_access(&f, 6, false, DS, 0x2001, 1);
	fake_poke(&f, DS, 0x3000, 0x80000000, 4);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0x63, 0x2c, 0x25, 0x00, 0x30, 0, 0)), 0);
	CHECK_EQ(f.gpr[RBP], 0xffffffff80000000ULL);
	check_access(&f, 7, false, DS, 0x3000, 4);
	fake_poke(&f, DS, 0x3000, 0x7fffffff, 4);
	CHECK_EQ(run(&f, 8, BYTES(0x48, 0x63, 0x2c, 0x25, 0x00, 0x30, 0, 0)), 0);
	CHECK_EQ(f.gpr[RBP], 0x7fffffff);
	/* 16-bit code: movzx ax, byte [bx] merges, movsx eax zero-extends */
	fake_init(&f);
	f.gpr[RBX] = 0xffff0010;
	fake_poke(&f, DS, 0x10, 0x90, 1);
	CHECK_EQ(run(&f, 2, BYTES(0x0f, 0xb6, 0x07)), 0);
	CHECK_EQ(f.gpr[RAX], 0xa0a1a2a3a4a50090ULL);
	CHECK_EQ(run(&f, 2, BYTES(0x66, 0x0f, 0xbe, 0x0f)), 0);
	CHECK_EQ(f.gpr[RCX], 0xffffff90);
}

/* ---- flags cross-checked against the host CPU ---------------------------- */

typedef u64 (*native_fn)(u64 a, u64 b, u64 flags, u64 *res);

/*
 * Run "op b, a" natively with RFLAGS = @fin; return RFLAGS after and the
 * destination in @res. The push/popf pair stays below the red zone; CLD
 * restores the DF = 0 the C ABI requires.
 */
#define NATIVE(name, insn, T)						\
static u64 native_##name(u64 a, u64 b, u64 fin, u64 *res)		\
{									\
	T x = (T)a, y = (T)b;						\
	u64 fout;							\
									\
	__asm__ __volatile__("lea -128(%%rsp), %%rsp\n\t"		\
			     "push %[fin]\n\t"				\
			     "popf\n\t"					\
			     insn " %[y], %[x]\n\t"			\
			     "pushf\n\t"				\
			     "pop %[fout]\n\t"				\
			     "cld\n\t"					\
			     "lea 128(%%rsp), %%rsp"			\
			     : [x] "+r" (x), [fout] "=&r" (fout)	\
			     : [y] "r" (y), [fin] "r" (fin)		\
			     : "cc", "memory");				\
	*res = x;							\
	return fout;							\
}

#define NATIVE4(op)							\
	NATIVE(op##b, #op "b", u8) NATIVE(op##w, #op "w", u16)		\
	NATIVE(op##l, #op "l", u32) NATIVE(op##q, #op "q", u64)

NATIVE4(add) NATIVE4(or) NATIVE4(adc) NATIVE4(sbb)
NATIVE4(and) NATIVE4(sub) NATIVE4(xor) NATIVE4(cmp) NATIVE4(test)

#define ROW(op)	{ native_##op##b, native_##op##w, native_##op##l, native_##op##q }

/* [alu or 8 = TEST][log2 size] */
static const native_fn natives[9][4] = {
	ROW(add), ROW(or), ROW(adc), ROW(sbb), ROW(and), ROW(sub), ROW(xor),
	ROW(cmp), ROW(test),
};

static const u64 edges[] = {
	0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x100, 0x7fff,
	0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xfffffffffffffffeULL, ~0ULL, 0x5555555555555555ULL,
	0xaaaaaaaaaaaaaaaaULL, 0x0123456789abcdefULL, 0xfedcba9876543210ULL,
};

#define NEDGES (sizeof(edges) / sizeof(edges[0]))

enum form { FORM_MR, FORM_RM, FORM_MI, FORM_MI8 };

/*
 * Encode ALU/TEST @op (8 = TEST) of @size in @form with [rbx] as the memory
 * operand and ecx/cl as the register; false if @b cannot be encoded.
 */
static bool encode(unsigned int op, unsigned int size, enum form form, u64 b,
		   u8 *out, unsigned int *n)
{
	bool test = op == 8, byte = size == 1;
	unsigned int i = 0, isize;

	if (size == 2)
		out[i++] = 0x66;
	if (size == 8)
		out[i++] = 0x48;
	switch (form) {
	case FORM_MR:
		out[i++] = test ? (byte ? 0x84 : 0x85) : (op << 3) | !byte;
		out[i++] = 0x0b;
		break;
	case FORM_RM:
		if (test)
			return false;
		out[i++] = (op << 3) | 2 | !byte;
		out[i++] = 0x0b;
		break;
	case FORM_MI:
		isize = size == 8 ? 4 : size;
		if (size == 8 && (u64)(s64)(s32)b != b)
			return false;
		out[i++] = test ? (byte ? 0xf6 : 0xf7) : (byte ? 0x80 : 0x81);
		out[i++] = test ? 0x03 : (op << 3) | 3;
		for (unsigned int k = 0; k < isize; k++)
			out[i++] = b >> (8 * k);
		break;
	case FORM_MI8:
		if (test || byte || (b & (size == 8 ? ~0ULL :
				   (1ULL << (8 * size)) - 1)) !=
		    ((u64)(s64)(s8)b & (size == 8 ? ~0ULL :
				   (1ULL << (8 * size)) - 1)))
			return false;
		out[i++] = 0x83;
		out[i++] = (op << 3) | 3;
		out[i++] = b;
		break;
	}
	*n = i;
	return true;
}

static const char *const op_names[9] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test",
};

static void test_alu_native(void)
{
	static const u64 fin_base[2] = { 0x202, 0x202 | ARITH | DF };
	unsigned int runs = 0;

	for (unsigned int op = 0; op < 9; op++) {
		bool logic = op == HVM_ALU_AND || op == HVM_ALU_OR ||
			     op == HVM_ALU_XOR || op == 8;
		bool writes = op != HVM_ALU_CMP && op != 8;

		for (unsigned int si = 0; si < 4; si++) {
			unsigned int size = 1u << si;
			u64 mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;

			for (unsigned int ia = 0; ia < NEDGES; ia++)
			for (unsigned int ib = 0; ib < NEDGES; ib++)
			for (unsigned int fi = 0; fi < 4; fi++)
			for (unsigned int form = 0; form < 4; form++) {
				u64 a = edges[ia], b = edges[ib], fin, want_f;
				u64 nres, want_r, rcx0, fl_mask = ARITH;
				struct fake f;
				unsigned int n;
				u8 code[16];
				int ret;

				fin = (fin_base[fi & 1] & ~CF) | (fi >> 1 ? CF : 0);
				if (!encode(op, size, form, b, code, &n))
					continue;
				if (form == FORM_MI8)
					b = (u64)(s64)(s8)b;
				want_f = natives[op][si](a, b, fin, &nres);
				if (logic)
					fl_mask &= ~AF;

				fake_init(&f);
				f.rflags = fin;
				f.gpr[RBX] = 0x4000;
				if (form == FORM_RM) {
					f.gpr[RCX] = (0xdeadbeefcafef00dULL & ~mask) | (a & mask);
					fake_poke(&f, DS, 0x4000, b, size);
				} else {
					f.gpr[RCX] = (0xdeadbeefcafef00dULL & ~mask) | (b & mask);
					fake_poke(&f, DS, 0x4000, a, size);
				}
				rcx0 = f.gpr[RCX];
				ret = run(&f, 8, code, n);
				snprintf(ctx, sizeof(ctx),
					 "%s%u form %u a %#llx b %#llx fl %#llx",
					 op_names[op], size * 8, form,
					 (unsigned long long)a,
					 (unsigned long long)b,
					 (unsigned long long)fin);
				runs++;
				CHECK_EQ(ret, 0);
				CHECK_EQ(f.rflags & fl_mask, want_f & fl_mask);
				if (logic)
					CHECK_EQ(f.rflags & AF, 0);
				CHECK_EQ(f.rflags & ~ARITH, fin & ~ARITH);
				CHECK_EQ(f.rflags_writes, 1);
				want_r = writes ? nres & mask : a & mask;
				if (form == FORM_RM) {
					CHECK_EQ(f.gpr[RCX], !writes ? rcx0 :
						 size == 4 ? want_r :
						 (rcx0 & ~mask) | want_r);
					CHECK_EQ(f.nlog, 1);
					CHECK_EQ(f.gpr_writes, writes);
				} else {
					CHECK_EQ(fake_peek(&f, DS, 0x4000, size),
						 want_r);
					CHECK_EQ(f.gpr[RCX], rcx0);
					CHECK_EQ(f.nlog, writes ? 2u : 1u);
					CHECK_EQ(f.gpr_writes, 0);
				}
			}
		}
	}
	CHECK(runs > 60000, "only %u runs", runs);
	printf("# %u ALU/TEST executions matched the host CPU\n", runs);
}

static void test_alu_misc(void)
{
	struct fake f;

	/* ADD cl, ch, spl: 8-bit register operands in both directions */
	fake_init(&f);
	f.gpr[RBX] = 0x10;
	fake_poke(&f, DS, 0x10, 0x01, 1);
	CHECK_EQ(run(&f, 8, BYTES(0x02, 0x2b)), 0);		/* add ch,[rbx] */
	CHECK_EQ(f.gpr[RCX], 0xa1a2a3a4a5a6a8a8ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x40, 0x00, 0x23)), 0);	/* add [rbx],spl */
	CHECK_EQ(fake_peek(&f, DS, 0x10, 1), 0xac);
	CHECK_EQ(f.rflags, 0x2 | SF | PF);
	/* CMP writes nothing but RFLAGS */
	fake_init(&f);
	f.gpr[RBX] = 0x10;
	fake_poke(&f, DS, 0x10, 5, 4);
	f.gpr[RCX] = 5;
	CHECK_EQ(run(&f, 8, BYTES(0x39, 0x0b)), 0);
	CHECK_EQ(f.rflags, 0x2 | ZF | PF);
	CHECK_EQ(f.nlog, 1);
	CHECK_EQ(f.gpr_writes, 0);
	/* 32-bit ALU with a register destination zero-extends */
	f.gpr[RCX] = 0xffffffff00000001ULL;
	CHECK_EQ(run(&f, 8, BYTES(0x03, 0x0b)), 0);
	CHECK_EQ(f.gpr[RCX], 6);
	/* LOCK is executed like the plain form */
	CHECK_EQ(run(&f, 8, BYTES(0xf0, 0x83, 0x2b, 0x06)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 4), 0xffffffff);
	CHECK_EQ(f.rflags, 0x2 | CF | SF | PF | AF);
	/* 16-bit addressing wraps; default SS for BP */
	fake_init(&f);
	f.gpr[RBP] = 0x1fff0;
	f.gpr[RSI] = 0x20;
	fake_poke(&f, SS, 0x000e, 0x1234, 2);
	CHECK_EQ(run(&f, 2, BYTES(0x81, 0x42, 0xfe, 0x01, 0x01)), 0);
	CHECK_EQ(fake_peek(&f, SS, 0x000e, 2), 0x1335);
	check_access(&f, 0, false, SS, 0x0e, 2);
	check_access(&f, 1, true, SS, 0x0e, 2);
	/* 32-bit addressing wraps at 4 GiB, SIB scale */
	fake_init(&f);
	f.gpr[RAX] = 0x1fffffff0ULL;
	f.gpr[RCX] = 0x3;
	fake_poke(&f, DS, 0x28, 0x0f, 1);
	CHECK_EQ(run(&f, 4, BYTES(0x80, 0x74, 0xc8, 0x20, 0xf0)), 0);
	CHECK_EQ(fake_peek(&f, DS, 0x28, 1), 0xff);
	CHECK_EQ(f.rflags, 0x2 | SF | PF);
	/* 67 in 64-bit: EIP-relative, masked */
	fake_init(&f);
	fake_poke(&f, DS, 0xfff, 0x80, 1);
	{
		struct hvm_insn insn;

		CHECK_EQ(hvm_decode(BYTES(0x67, 0xf6, 0x05, 0xf8, 0xff, 0xff,
					  0xff, 0x80), 8, &insn), 0);
		CHECK_EQ(hvm_insn_ea(&fake_ops, &f, &insn, 0x100001007ULL),
			 0xfff);
		CHECK_EQ(hvm_emulate(&fake_ops, &f, &insn, 0x100001007ULL), 0);
		CHECK_EQ(f.rflags, 0x2 | SF);
	}
}

static void test_xchg(void)
{
	struct fake f;

	fake_init(&f);
	f.gpr[RBX] = 0x10;
	fake_poke(&f, DS, 0x10, 0x11223344, 4);
	CHECK_EQ(run(&f, 8, BYTES(0x87, 0x0b)), 0);
	CHECK_EQ(f.gpr[RCX], 0x11223344);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 4), 0xa5a6a7a8);
	check_access(&f, 0, false, DS, 0x10, 4);
	check_access(&f, 1, true, DS, 0x10, 4);
	CHECK_EQ(run(&f, 8, BYTES(0xf0, 0x86, 0x3b)), 0);	/* bh */
	CHECK_EQ(f.gpr[RBX], 0xa810);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 1), 0x00);
	fake_init(&f);
	f.gpr[RBX] = 0x10;
	fake_poke(&f, DS, 0x10, 0x8877665544332211ULL, 8);
	CHECK_EQ(run(&f, 8, BYTES(0x4c, 0x87, 0x13)), 0);	/* r10 */
	CHECK_EQ(f.gpr[10], 0x8877665544332211ULL);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 8), 0xaaabacadaeafb0b1ULL);
	CHECK_EQ(run(&f, 8, BYTES(0x66, 0x87, 0x03)), 0);
	CHECK_EQ(f.gpr[RAX], 0xa0a1a2a3a4a5b0b1ULL);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 2), 0xa6a7);
	CHECK_EQ(f.rflags_writes, 0);
}

static void test_test(void)
{
	struct fake f;

	fake_init(&f);
	f.gpr[RBX] = 0x10;
	f.rflags = 0x2 | CF | OF | AF;
	fake_poke(&f, DS, 0x10, 0x02, 1);
	CHECK_EQ(run(&f, 8, BYTES(0xf6, 0x03, 0x01)), 0);
	CHECK_EQ(f.rflags, 0x2 | ZF | PF);
	CHECK_EQ(run(&f, 8, BYTES(0xf6, 0x03, 0x02)), 0);
	CHECK_EQ(f.rflags, 0x2);
	f.gpr[RAX] = 0xff00;
	CHECK_EQ(run(&f, 8, BYTES(0x84, 0x23)), 0);		/* ah */
	CHECK_EQ(f.rflags, 0x2);
	CHECK_EQ(f.nlog, 3);
	CHECK_EQ(f.gpr_writes, 0);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 1), 0x02);
}

static void test_string(void)
{
	struct fake f;

	/* STOSB, STOSD with DF */
	fake_init(&f);
	f.gpr[RDI] = 0x3000;
	CHECK_EQ(run(&f, 8, BYTES(0xaa)), 0);
	CHECK_EQ(fake_peek(&f, ES, 0x3000, 2), 0xeea7);
	CHECK_EQ(f.gpr[RDI], 0x3001);
	CHECK_EQ(f.gpr[RCX], 0xa1a2a3a4a5a6a7a8ULL);
	f.rflags |= DF;
	CHECK_EQ(run(&f, 8, BYTES(0x64, 0xab)), 0);		/* FS ignored */
	CHECK_EQ(fake_peek(&f, ES, 0x3001, 4), 0xa4a5a6a7);
	CHECK_EQ(f.gpr[RDI], 0x2ffd);
	CHECK_EQ(f.nlog, 2);
	check_access(&f, 1, true, ES, 0x3001, 4);

	/* REP STOSB: count, count 0 */
	fake_init(&f);
	f.gpr[RDI] = 0x3000;
	f.gpr[RCX] = 3;
	f.gpr[RAX] = 0x5a;
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0xaa)), 0);
	CHECK_EQ(fake_peek(&f, ES, 0x3000, 4), 0xee5a5a5a);
	CHECK_EQ(f.gpr[RCX], 0);
	CHECK_EQ(f.gpr[RDI], 0x3003);
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0xaa)), 0);
	CHECK_EQ(f.nlog, 3);
	CHECK_EQ(f.gpr[RDI], 0x3003);

	/* REP MOVSQ of 100: a chunk of 64, HVM_EMU_AGAIN, then the rest */
	fake_init(&f);
	f.gpr[RSI] = 0x10000;
	f.gpr[RDI] = 0x20000;
	f.gpr[RCX] = 100;
	for (unsigned int i = 0; i < 100; i++)
		fake_poke(&f, DS, 0x10000 + 8 * i, 0x1111111111111111ULL * i, 8);
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0x48, 0xa5)), HVM_EMU_AGAIN);
	CHECK_EQ(f.gpr[RCX], 36);
	CHECK_EQ(f.gpr[RSI], 0x10000 + 64 * 8);
	CHECK_EQ(f.gpr[RDI], 0x20000 + 64 * 8);
	CHECK_EQ(f.nlog, 128);
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0x48, 0xa5)), 0);
	CHECK_EQ(f.gpr[RCX], 0);
	CHECK_EQ(f.gpr[RSI], 0x10000 + 100 * 8);
	CHECK_EQ(f.gpr[RDI], 0x20000 + 100 * 8);
	for (unsigned int i = 0; i < 100; i++)
		CHECK_EQ(fake_peek(&f, ES, 0x20000 + 8 * i, 8),
			 0x1111111111111111ULL * i);
	CHECK_EQ(f.unmapped, 0);

	/* MOVSB backwards with a segment override */
	fake_init(&f);
	f.rflags |= DF;
	f.gpr[RSI] = 0x101;
	f.gpr[RDI] = 0x201;
	f.gpr[RCX] = 2;
	fake_poke(&f, GS, 0x100, 0xbbaa, 2);
	CHECK_EQ(run(&f, 8, BYTES(0x65, 0xf3, 0xa4)), 0);
	CHECK_EQ(fake_peek(&f, ES, 0x200, 2), 0xbbaa);
	check_access(&f, 0, false, GS, 0x101, 1);
	check_access(&f, 1, true, ES, 0x201, 1);
	check_access(&f, 2, false, GS, 0x100, 1);
	CHECK_EQ(f.gpr[RSI], 0xff);
	CHECK_EQ(f.gpr[RDI], 0x1ff);

	/* 16-bit: SI/DI/CX wrap at 64 KiB and only their low 16 bits change */
	fake_init(&f);
	f.gpr[RSI] = 0xdead0000fffeULL;
	f.gpr[RDI] = 0xdead00000010ULL;
	f.gpr[RCX] = 0xdead00010002ULL;
	fake_poke(&f, DS, 0xfffe, 0x2211, 2);
	fake_poke(&f, DS, 0x0000, 0x4433, 2);
	CHECK_EQ(run(&f, 2, BYTES(0xf3, 0xa5)), 0);
	CHECK_EQ(fake_peek(&f, ES, 0x10, 4), 0x44332211);
	CHECK_EQ(f.gpr[RSI], 0xdead00000002ULL);
	CHECK_EQ(f.gpr[RDI], 0xdead00000014ULL);
	CHECK_EQ(f.gpr[RCX], 0xdead00010000ULL);

	/* 67 in 64-bit mode: ECX/EDI, 32-bit wrap, zero-extended writes */
	fake_init(&f);
	f.gpr[RCX] = 0x100000002ULL;
	f.gpr[RDI] = 0x1ffffffffULL;
	CHECK_EQ(run(&f, 8, BYTES(0x67, 0xf3, 0xaa)), 0);
	check_access(&f, 0, true, ES, 0xffffffff, 1);
	check_access(&f, 1, true, ES, 0, 1);
	CHECK_EQ(f.gpr[RCX], 0);
	CHECK_EQ(f.gpr[RDI], 1);

	/* 32-bit code, REP STOSW */
	fake_init(&f);
	f.gpr[RCX] = 0xffff00000001ULL;
	f.gpr[RDI] = 0x500;
	CHECK_EQ(run(&f, 4, BYTES(0xf3, 0x66, 0xab)), 0);
	CHECK_EQ(fake_peek(&f, ES, 0x500, 2), 0xa6a7);
	CHECK_EQ(f.gpr[RCX], 0);
	CHECK_EQ(f.gpr[RDI], 0x502);
}

static void test_callback_failures(void)
{
	struct fake f;
	struct hvm_insn insn;
	u64 rax;

	/* a failing read: its code comes back, nothing written */
	fake_init(&f);
	rax = f.gpr[RAX];
	f.gpr[RBX] = 0x10;
	f.fail_at = 0;
	f.fail_rc = -EFAULT;
	CHECK_EQ(run(&f, 8, BYTES(0x8b, 0x03)), (u64)-EFAULT);
	CHECK_EQ(f.gpr[RAX], rax);
	CHECK_EQ(f.gpr_writes, 0);
	/* positive "stop" codes pass through; no RFLAGS after a failed write */
	fake_init(&f);
	f.gpr[RBX] = 0x10;
	fake_poke(&f, DS, 0x10, 1, 4);
	f.fail_at = 1;
	f.fail_rc = 3;
	CHECK_EQ(run(&f, 8, BYTES(0x01, 0x0b)), 3);
	CHECK_EQ(f.rflags_writes, 0);
	CHECK_EQ(fake_peek(&f, DS, 0x10, 4), 1);
	f.nlog = 0;
	CHECK_EQ(run(&f, 8, BYTES(0x87, 0x0b)), 3);		/* XCHG */
	CHECK_EQ(f.gpr_writes, 0);
	f.nlog = 0;
	f.fail_at = 0;
	CHECK_EQ(run(&f, 8, BYTES(0x2b, 0x0b)), 3);		/* reg dst */
	CHECK_EQ(f.gpr_writes, 0);
	CHECK_EQ(f.rflags_writes, 0);
	/* REP: the completed elements stay done and are accounted */
	fake_init(&f);
	f.gpr[RCX] = 5;
	f.gpr[RDI] = 0x100;
	f.fail_at = 2;
	f.fail_rc = 7;
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0xaa)), 7);
	CHECK_EQ(f.gpr[RCX], 3);
	CHECK_EQ(f.gpr[RDI], 0x102);
	CHECK_EQ(fake_peek(&f, ES, 0x100, 3), 0xeea7a7);
	/* MOVS failing on its first read changes nothing */
	fake_init(&f);
	f.gpr[RCX] = 5;
	f.fail_at = 0;
	f.fail_rc = -EIO;
	CHECK_EQ(run(&f, 8, BYTES(0xf3, 0xa4)), (u64)-EIO);
	CHECK_EQ(f.gpr_writes, 0);
	/* an insn hvm_decode() did not produce */
	fake_init(&f);
	memset(&insn, 0, sizeof(insn));
	CHECK_EQ(hvm_emulate(&fake_ops, &f, &insn, 0), (u64)-EOPNOTSUPP);
	CHECK_EQ(hvm_decode(BYTES(0x8b, 0x03), 8, &insn), 0);
	insn.op = 99;
	CHECK_EQ(hvm_emulate(&fake_ops, &f, &insn, 0), (u64)-EOPNOTSUPP);
	insn.op = HVM_EMU_MOV_LOAD;
	insn.reg = 16;
	CHECK_EQ(hvm_emulate(&fake_ops, &f, &insn, 0), (u64)-EOPNOTSUPP);
	insn.reg = 4;
	insn.reg_high = true;
	CHECK_EQ(hvm_emulate(&fake_ops, &f, &insn, 0), (u64)-EOPNOTSUPP);
	CHECK_EQ(f.nlog, 0);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "decode_64bit_forms", test_decode_64 },
	{ "decode_32bit_forms", test_decode_32 },
	{ "decode_16bit_forms", test_decode_16 },
	{ "decode_rejects_invalid", test_decode_invalid },
	{ "mov_load_store_moffs_imm", test_mov },
	{ "movzx_movsx_movsxd", test_movx },
	{ "alu_test_flags_match_host_cpu", test_alu_native },
	{ "alu_operands_addressing", test_alu_misc },
	{ "xchg", test_xchg },
	{ "test", test_test },
	{ "stos_movs_rep", test_string },
	{ "callback_failures", test_callback_failures },
};

int main(void)
{
	unsigned int n = sizeof(tests) / sizeof(tests[0]);

	printf("TAP version 13\n1..%u\n", n);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int before = failures;

		tests[i].fn();
		if (failures != before)
			failed_tests++;
		printf("%s %u - %s\n", failures == before ? "ok" : "not ok",
		       i + 1, tests[i].name);
	}
	printf("# %u checks, %u failed, %u of %u tests failed\n", checks,
	       failures, failed_tests, n);
	return failures ? 1 : 0;
}
