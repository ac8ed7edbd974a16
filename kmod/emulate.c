// SPDX-License-Identifier: GPL-2.0
/*
 * hvm core: execute an instruction decode.c decoded, for MMIO accesses.
 *
 * Register writes follow SDM vol.1 3.4.1.1 (8/16-bit merge, 32-bit zero
 * extension), status flags vol.1 3.4.3.1 and each instruction's page in
 * vol.2; string instructions honour RFLAGS.DF and the address size, and a
 * REP runs in chunks of HVM_EMU_REP_CHUNK elements.
 *
 * Pure code (see emulate.h): the same file builds in hvm.ko and in the
 * host-side unit test and fuzzer (selftests/unit/).
 */
#include "emulate.h"

/* Read a register operand of @size bytes. */
static u64 emu_get_reg(const struct hvm_emu_ops *ops, void *opaque,
		       unsigned int reg, bool high, unsigned int size)
{
	u64 val = ops->read_gpr(opaque, reg);

	if (high)
		val >>= 8;
	return val & emu_mask(size);
}

/* Write a register operand: merge 8/16-bit, zero-extend 32-bit (3.4.1.1). */
static void emu_set_reg(const struct hvm_emu_ops *ops, void *opaque,
			unsigned int reg, bool high, unsigned int size, u64 val)
{
	u64 old;

	switch (size) {
	case 1:
		old = ops->read_gpr(opaque, reg);
		if (high)
			val = (old & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			val = (old & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		old = ops->read_gpr(opaque, reg);
		val = (old & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		val &= 0xffffffffULL;
		break;
	}
	ops->write_gpr(opaque, reg, val);
}

static int emu_read(const struct hvm_emu_ops *ops, void *opaque,
		    unsigned int seg, u64 ea, unsigned int size, u64 *val)
{
	u8 buf[8] = { 0 };
	unsigned int i;
	int ret;

	ret = ops->read_mem(opaque, seg, ea, buf, size);
	if (ret)
		return ret;
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u64)buf[i] << (8 * i);
	return 0;
}

static int emu_write(const struct hvm_emu_ops *ops, void *opaque,
		     unsigned int seg, u64 ea, unsigned int size, u64 val)
{
	u8 buf[8];
	unsigned int i;

	for (i = 0; i < size; i++)
		buf[i] = val >> (8 * i);
	return ops->write_mem(opaque, seg, ea, buf, size);
}

static bool emu_parity_even(u64 val)
{
	u8 b = val;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/*
 * The ALU result and RFLAGS (SDM vol.1 3.4.3.1 and each instruction's
 * "Flags Affected"): CF/OF/AF from the carries, SF/ZF/PF from the result
 * (PF: even parity of the low byte). AND/OR/XOR/TEST clear CF and OF; their
 * AF is undefined in the SDM and is cleared here.
 */
static u64 emu_alu(unsigned int alu, unsigned int size, u64 a, u64 b,
		   u64 *rflags)
{
	u64 mask = emu_mask(size), sign = 1ULL << (8 * size - 1);
	u64 carry = *rflags & HVM_EMU_FLAG_CF ? 1 : 0;
	u64 r, flags = *rflags & ~HVM_EMU_ARITH_FLAGS;
	bool cf = false, of = false, af = false;

	a &= mask;
	b &= mask;
	switch (alu) {
	case HVM_ALU_ADD:
	case HVM_ALU_ADC:
		if (alu == HVM_ALU_ADD)
			carry = 0;
		r = (a + b + carry) & mask;
		cf = carry ? r <= a : r < a;
		of = (a ^ r) & (b ^ r) & sign;
		af = (a ^ b ^ r) & 0x10;
		break;
	case HVM_ALU_SUB:
	case HVM_ALU_SBB:
	case HVM_ALU_CMP:
		if (alu != HVM_ALU_SBB)
			carry = 0;
		r = (a - b - carry) & mask;
		cf = carry ? a <= b : a < b;
		of = (a ^ b) & (a ^ r) & sign;
		af = (a ^ b ^ r) & 0x10;
		break;
	case HVM_ALU_OR:
		r = a | b;
		break;
	case HVM_ALU_XOR:
		r = a ^ b;
		break;
	default:	/* HVM_ALU_AND, TEST */
		r = a & b;
		break;
	}
	if (cf)
		flags |= HVM_EMU_FLAG_CF;
	if (emu_parity_even(r))
		flags |= HVM_EMU_FLAG_PF;
	if (af)
		flags |= HVM_EMU_FLAG_AF;
	if (!r)
		flags |= HVM_EMU_FLAG_ZF;
	if (r & sign)
		flags |= HVM_EMU_FLAG_SF;
	if (of)
		flags |= HVM_EMU_FLAG_OF;
	*rflags = flags;
	return r;
}

/**
 * hvm_insn_ea() - effective address of the memory operand
 * @ops:	register access
 * @opaque:	passed to @ops
 * @insn:	from hvm_decode()
 * @rip_next:	RIP of the next instruction (RIP-relative base)
 *
 * base + index * scale + disp (or rip_next + disp), masked to the address
 * size (SDM vol.1 3.7.5). STOS: rDI; MOVS: rSI, the source.
 *
 * Return: the effective address, before segmentation.
 */
u64 hvm_insn_ea(const struct hvm_emu_ops *ops, void *opaque,
		const struct hvm_insn *insn, u64 rip_next)
{
	u64 ea = insn->disp;

	if (insn->rip_rel)
		ea += rip_next;
	if (insn->base < HVM_NR_GPRS)
		ea += ops->read_gpr(opaque, insn->base);
	if (insn->index < HVM_NR_GPRS)
		ea += ops->read_gpr(opaque, insn->index) * insn->scale;
	return ea & emu_mask(insn->addrsize);
}

/*
 * STOS and MOVS, with or without REP (vol.2 STOS, MOVS, REP): at most
 * HVM_EMU_REP_CHUNK elements per call so a long REP yields to the host.
 * rCX, rSI and rDI are address-size registers; their writes merge (16-bit)
 * or zero-extend (32-bit) like any register write.
 */
static int emu_string(const struct hvm_emu_ops *ops, void *opaque,
		      const struct hvm_insn *insn)
{
	unsigned int size = insn->opsize, as = insn->addrsize;
	bool movs = insn->op == HVM_EMU_MOVS;
	u64 amask = emu_mask(as), count = 1, done, step, rsi = 0, rdi, val = 0;
	int ret = 0;

	if (insn->rep) {
		count = ops->read_gpr(opaque, HVM_GPR_RCX) & amask;
		if (!count)
			return 0;
	}
	step = ops->read_rflags(opaque) & HVM_EMU_FLAG_DF ? -(u64)size : size;
	rdi = ops->read_gpr(opaque, HVM_GPR_RDI);
	if (movs)
		rsi = ops->read_gpr(opaque, HVM_GPR_RSI);
	else
		val = emu_get_reg(ops, opaque, HVM_GPR_RAX, false, size);

	for (done = 0; done < count && done < HVM_EMU_REP_CHUNK; done++) {
		if (movs) {
			ret = emu_read(ops, opaque, insn->seg,
				       (rsi + done * step) & amask, size, &val);
			if (ret)
				break;
		}
		ret = emu_write(ops, opaque, HVM_SEG_ES,
				(rdi + done * step) & amask, size, val);
		if (ret)
			break;
	}

	/* the elements that completed stay done, even after a failure */
	if (done) {
		emu_set_reg(ops, opaque, HVM_GPR_RDI, false, as,
			    rdi + done * step);
		if (movs)
			emu_set_reg(ops, opaque, HVM_GPR_RSI, false, as,
				    rsi + done * step);
		if (insn->rep)
			emu_set_reg(ops, opaque, HVM_GPR_RCX, false, as,
				    count - done);
	}
	if (ret)
		return ret;
	return done < count ? HVM_EMU_AGAIN : 0;
}

static int emu_alu_insn(const struct hvm_emu_ops *ops, void *opaque,
			const struct hvm_insn *insn, u64 ea)
{
	unsigned int size = insn->opsize;
	u64 a, b, r, rflags;
	int ret;

	if (insn->mem_dst) {
		ret = emu_read(ops, opaque, insn->seg, ea, size, &a);
		if (ret)
			return ret;
		b = insn->has_imm ? insn->imm :
		    emu_get_reg(ops, opaque, insn->reg, insn->reg_high, size);
	} else {
		a = emu_get_reg(ops, opaque, insn->reg, insn->reg_high, size);
		ret = emu_read(ops, opaque, insn->seg, ea, size, &b);
		if (ret)
			return ret;
	}
	rflags = ops->read_rflags(opaque);
	r = emu_alu(insn->alu, size, a, b, &rflags);
	if (insn->alu != HVM_ALU_CMP) {
		if (insn->mem_dst) {
			ret = emu_write(ops, opaque, insn->seg, ea, size, r);
			if (ret)
				return ret;
		} else {
			emu_set_reg(ops, opaque, insn->reg, insn->reg_high,
				    size, r);
		}
	}
	ops->write_rflags(opaque, rflags);
	return 0;
}

static bool emu_size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Reject what hvm_decode() never produces, so no field indexes out of range. */
static bool emu_insn_ok(const struct hvm_insn *insn)
{
	return emu_size_ok(insn->opsize) && emu_size_ok(insn->srcsize) &&
	       emu_size_ok(insn->scale) && insn->addrsize != 1 &&
	       emu_size_ok(insn->addrsize) && insn->seg < HVM_NR_SEGS &&
	       insn->reg < (insn->reg_high ? 4 : HVM_NR_GPRS) &&
	       (insn->base < HVM_NR_GPRS || insn->base == HVM_EMU_NO_REG) &&
	       (insn->index < HVM_NR_GPRS || insn->index == HVM_EMU_NO_REG) &&
	       insn->alu <= HVM_ALU_CMP;
}

/**
 * hvm_emulate() - execute a decoded instruction
 * @ops:	registers, RFLAGS and memory of the vCPU
 * @opaque:	passed to @ops
 * @insn:	from hvm_decode() at the current RIP
 * @rip_next:	RIP + @insn->len (the base of a RIP-relative operand)
 *
 * Memory accesses happen in instruction order; registers and RFLAGS are
 * written only after every access succeeded. LOCK and XCHG's implicit lock
 * are not atomic here: MMIO has no other observer the caller does not
 * serialise.
 *
 * Return: 0 when done (the caller sets RIP = @rip_next); HVM_EMU_AGAIN when a
 * REP string instruction did a chunk and must run again (RIP unchanged, rCX
 * rSI rDI updated); the nonzero value a memory callback returned (nothing
 * after that access is written, except REP elements already completed);
 * -EOPNOTSUPP for an @insn hvm_decode() did not produce.
 */
int hvm_emulate(const struct hvm_emu_ops *ops, void *opaque,
		const struct hvm_insn *insn, u64 rip_next)
{
	unsigned int size = insn->opsize;
	u64 ea, val, rflags;
	int ret;

	if (!emu_insn_ok(insn))
		return -EOPNOTSUPP;

	switch (insn->op) {
	case HVM_EMU_STOS:
	case HVM_EMU_MOVS:
		return emu_string(ops, opaque, insn);
	case HVM_EMU_ALU:
		ea = hvm_insn_ea(ops, opaque, insn, rip_next);
		return emu_alu_insn(ops, opaque, insn, ea);
	}

	ea = hvm_insn_ea(ops, opaque, insn, rip_next);
	switch (insn->op) {
	case HVM_EMU_MOV_LOAD:
		ret = emu_read(ops, opaque, insn->seg, ea, size, &val);
		if (ret)
			return ret;
		emu_set_reg(ops, opaque, insn->reg, insn->reg_high, size, val);
		return 0;
	case HVM_EMU_MOV_STORE:
		val = emu_get_reg(ops, opaque, insn->reg, insn->reg_high, size);
		return emu_write(ops, opaque, insn->seg, ea, size, val);
	case HVM_EMU_MOV_STORE_IMM:
		return emu_write(ops, opaque, insn->seg, ea, size, insn->imm);
	case HVM_EMU_MOVZX:
	case HVM_EMU_MOVSX:
		ret = emu_read(ops, opaque, insn->seg, ea, insn->srcsize, &val);
		if (ret)
			return ret;
		if (insn->op == HVM_EMU_MOVSX)
			val = emu_sext(val, insn->srcsize);
		emu_set_reg(ops, opaque, insn->reg, false, size, val);
		return 0;
	case HVM_EMU_TEST:
		ret = emu_read(ops, opaque, insn->seg, ea, size, &val);
		if (ret)
			return ret;
		rflags = ops->read_rflags(opaque);
		emu_alu(HVM_ALU_AND, size, val, insn->has_imm ? insn->imm :
			emu_get_reg(ops, opaque, insn->reg, insn->reg_high,
				    size), &rflags);
		ops->write_rflags(opaque, rflags);
		return 0;
	case HVM_EMU_XCHG:
		ret = emu_read(ops, opaque, insn->seg, ea, size, &val);
		if (ret)
			return ret;
		ret = emu_write(ops, opaque, insn->seg, ea, size,
				emu_get_reg(ops, opaque, insn->reg,
					    insn->reg_high, size));
		if (ret)
			return ret;
		emu_set_reg(ops, opaque, insn->reg, insn->reg_high, size, val);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
