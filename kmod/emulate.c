// SPDX-License-Identifier: GPL-2.0
/*
 * hvm core: decode and emulate the x86 instructions that touch MMIO.
 *
 * Only the forms a device register access needs: MOV (88-8B, A0-A3, C6/C7 /0),
 * MOVZX/MOVSX (0F B6/B7/BE/BF, REX.W 63), ADD/OR/ADC/SBB/AND/SUB/XOR/CMP with
 * a memory operand (00-3B, 80/81/83), TEST (84/85, F6/F7 /0), XCHG (86/87),
 * STOS (AA/AB) and MOVS (A4/A5), REP or not. Everything else, and every
 * register-only form, is -EINVAL: the caller stops the VM as "unhandled".
 *
 * Pure code (see emulate.h): the same file builds in hvm.ko and in the
 * host-side unit test and fuzzer (selftests/unit/).
 *
 * References: Intel SDM vol.2 chapter 2 (instruction format: prefixes 2.1.1,
 * REX 2.2.1, ModRM/SIB tables 2-1..2-3, RIP-relative 2.2.1.6, 15-byte limit
 * 2.3.11), vol.1 3.4.3.1 (status flags), 3.4.1.1 (64-bit register writes),
 * 3.7.5 (default segments), and each instruction's page in vol.2.
 */
#include "emulate.h"

struct hvm_dec {
	const u8 *bytes;
	unsigned int len;	/* bytes the caller has, at most 15 */
	unsigned int pos;
};

/* The decoder's view of the legacy and REX prefixes. */
struct hvm_prefixes {
	u8 rex;			/* 0x40..0x4f, or 0 */
	u8 rep;			/* 0xf2, 0xf3, or 0 */
	u8 seg;			/* HVM_SEG_* override, or HVM_EMU_NO_REG */
	bool opsize;		/* 66 */
	bool addrsize;		/* 67 */
	bool lock;		/* f0 */
};

#define REX_W	0x08
#define REX_R	0x04
#define REX_X	0x02
#define REX_B	0x01

static u64 emu_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 emu_sext(u64 val, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(val << shift) >> shift);
}

/*
 * The next instruction byte: -ENODATA when the caller has not fetched it
 * yet, -EINVAL past the architectural 15-byte limit (SDM vol.2 2.3.11).
 */
static int dec_byte(struct hvm_dec *d, u8 *val)
{
	if (d->pos >= HVM_EMU_MAX_INSN)
		return -EINVAL;
	if (d->pos >= d->len)
		return -ENODATA;
	*val = d->bytes[d->pos++];
	return 0;
}

/* A little-endian immediate or displacement of @size bytes, sign-extended. */
static int dec_imm(struct hvm_dec *d, unsigned int size, u64 *val)
{
	unsigned int i;
	u64 v = 0;
	u8 b;
	int ret;

	for (i = 0; i < size; i++) {
		ret = dec_byte(d, &b);
		if (ret)
			return ret;
		v |= (u64)b << (8 * i);
	}
	*val = emu_sext(v, size);
	return 0;
}

/* Legacy prefixes and REX (SDM vol.2 2.1.1, 2.2.1); returns the opcode. */
static int dec_prefixes(struct hvm_dec *d, unsigned int mode,
			struct hvm_prefixes *p, u8 *opcode)
{
	static const u8 seg_of[4] = {
		[0] = HVM_SEG_ES, [1] = HVM_SEG_CS,
		[2] = HVM_SEG_SS, [3] = HVM_SEG_DS,
	};
	int ret;
	u8 b;

	p->seg = HVM_EMU_NO_REG;
	for (;;) {
		ret = dec_byte(d, &b);
		if (ret)
			return ret;
		/* In 64-bit mode 40-4F are REX; elsewhere INC/DEC (not ours). */
		if (mode == 8 && (b & 0xf0) == 0x40) {
			p->rex = b;
			continue;
		}
		switch (b) {
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->addrsize = true;
			break;
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			p->rep = b;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			p->seg = seg_of[(b >> 3) & 3];
			break;
		case 0x64:
			p->seg = HVM_SEG_FS;
			break;
		case 0x65:
			p->seg = HVM_SEG_GS;
			break;
		default:
			*opcode = b;
			return 0;
		}
		/* A REX prefix followed by a legacy prefix is ignored (2.2.1). */
		p->rex = 0;
	}
}

/*
 * ModRM, SIB and displacement (SDM vol.2 tables 2-1, 2-2, 2-3): fills the
 * memory operand and @insn->reg. A register-only ModRM (mod = 3) has no
 * memory access for us to emulate: -EINVAL.
 */
static int dec_modrm(struct hvm_dec *d, unsigned int mode,
		     const struct hvm_prefixes *p, struct hvm_insn *insn)
{
	/* 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX] */
	static const u8 base16[8] = {
		HVM_GPR_RBX, HVM_GPR_RBX, HVM_GPR_RBP, HVM_GPR_RBP,
		HVM_GPR_RSI, HVM_GPR_RDI, HVM_GPR_RBP, HVM_GPR_RBX,
	};
	static const u8 index16[8] = {
		HVM_GPR_RSI, HVM_GPR_RDI, HVM_GPR_RSI, HVM_GPR_RDI,
		HVM_EMU_NO_REG, HVM_EMU_NO_REG, HVM_EMU_NO_REG, HVM_EMU_NO_REG,
	};
	unsigned int mod, rm, disp_size = 0;
	u8 modrm, sib;
	int ret;

	ret = dec_byte(d, &modrm);
	if (ret)
		return ret;
	mod = modrm >> 6;
	rm = modrm & 7;
	insn->reg = ((modrm >> 3) & 7) | (p->rex & REX_R ? 8 : 0);
	if (mod == 3)
		return -EINVAL;

	insn->base = HVM_EMU_NO_REG;
	insn->index = HVM_EMU_NO_REG;
	insn->scale = 1;
	insn->seg = HVM_SEG_DS;

	if (insn->addrsize == 2) {
		if (mod == 0 && rm == 6) {
			disp_size = 2;
		} else {
			insn->base = base16[rm];
			insn->index = index16[rm];
			disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		}
	} else {
		if (rm == 4) {
			unsigned int base, index;

			ret = dec_byte(d, &sib);
			if (ret)
				return ret;
			index = ((sib >> 3) & 7) | (p->rex & REX_X ? 8 : 0);
			base = (sib & 7) | (p->rex & REX_B ? 8 : 0);
			/* index 100b without REX.X: no index (table 2-3) */
			if (index != HVM_GPR_RSP) {
				insn->index = index;
				insn->scale = 1 << (sib >> 6);
			}
			/* base 101b with mod 0: disp32, no base (R13 too) */
			if ((sib & 7) == 5 && mod == 0)
				disp_size = 4;
			else
				insn->base = base;
		} else if (rm == 5 && mod == 0) {
			/* 64-bit mode: RIP-relative (2.2.1.6); else disp32 */
			insn->rip_rel = mode == 8;
			disp_size = 4;
		} else {
			insn->base = rm | (p->rex & REX_B ? 8 : 0);
		}
		if (mod == 1)
			disp_size = 1;
		else if (mod == 2)
			disp_size = 4;
	}
	if (disp_size) {
		ret = dec_imm(d, disp_size, &insn->disp);
		if (ret)
			return ret;
	}

	/* SDM vol.1 3.7.5: rBP or rSP as the base means SS. */
	if (insn->base == HVM_GPR_RBP || insn->base == HVM_GPR_RSP)
		insn->seg = HVM_SEG_SS;
	if (p->seg != HVM_EMU_NO_REG)
		insn->seg = p->seg;
	return 0;
}

/* Immediate of an "iz" operand: 2 bytes for 16-bit, else 4 sign-extended. */
static int dec_imm_z(struct hvm_dec *d, struct hvm_insn *insn)
{
	insn->has_imm = true;
	return dec_imm(d, insn->opsize == 2 ? 2 : 4, &insn->imm);
}

/* Two-byte opcodes 0F xx: MOVZX and MOVSX only. */
static int dec_0f(struct hvm_dec *d, unsigned int mode,
		  const struct hvm_prefixes *p, struct hvm_insn *insn)
{
	int ret;
	u8 b;

	ret = dec_byte(d, &b);
	if (ret)
		return ret;
	switch (b) {
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		insn->op = b & 8 ? HVM_EMU_MOVSX : HVM_EMU_MOVZX;
		insn->srcsize = b & 1 ? 2 : 1;
		return dec_modrm(d, mode, p, insn);
	default:
		return -EINVAL;
	}
}

/* MOV moffs (A0-A3) and the string instructions (A4 A5 AA AB). */
static int dec_no_modrm(struct hvm_dec *d, u8 b, const struct hvm_prefixes *p,
			struct hvm_insn *insn)
{
	int ret;

	insn->reg = HVM_GPR_RAX;
	insn->base = HVM_EMU_NO_REG;
	insn->index = HVM_EMU_NO_REG;
	insn->scale = 1;
	insn->seg = p->seg != HVM_EMU_NO_REG ? p->seg : HVM_SEG_DS;
	if (b < 0xa4) {
		/* moffs: an address-size offset, no ModRM (vol.2 MOV) */
		insn->op = b & 2 ? HVM_EMU_MOV_STORE : HVM_EMU_MOV_LOAD;
		ret = dec_imm(d, insn->addrsize, &insn->disp);
		insn->disp &= emu_mask(insn->addrsize);
		return ret;
	}
	/* MOVS reads seg:rSI (overridable); both write ES:rDI */
	insn->rep = p->rep;
	if (b & 8) {
		insn->op = HVM_EMU_STOS;
		insn->base = HVM_GPR_RDI;
		insn->seg = HVM_SEG_ES;
	} else {
		insn->op = HVM_EMU_MOVS;
		insn->base = HVM_GPR_RSI;
	}
	return 0;
}

/* One-byte opcodes; @b is the opcode. */
static int dec_one(struct hvm_dec *d, unsigned int mode, u8 b,
		   const struct hvm_prefixes *p, struct hvm_insn *insn)
{
	int ret;

	if (b < 0x40 && (b & 7) < 4) {
		/* ALU r/m,r (bit 1 clear) or r,r/m (bit 1 set) */
		insn->op = HVM_EMU_ALU;
		insn->alu = b >> 3;
		insn->mem_dst = !(b & 2);
		return dec_modrm(d, mode, p, insn);
	}
	switch (b) {
	case 0x63:
		/* MOVSXD r64, r/m32; ARPL outside 64-bit mode */
		if (mode != 8 || !(p->rex & REX_W))
			return -EINVAL;
		insn->op = HVM_EMU_MOVSX;
		insn->srcsize = 4;
		return dec_modrm(d, mode, p, insn);
	case 0x80:
	case 0x81:
	case 0x83:
		ret = dec_modrm(d, mode, p, insn);
		if (ret)
			return ret;
		insn->op = HVM_EMU_ALU;
		insn->alu = insn->reg & 7;
		insn->reg = 0;
		insn->mem_dst = true;
		if (b == 0x81)
			return dec_imm_z(d, insn);
		insn->has_imm = true;
		return dec_imm(d, 1, &insn->imm);
	case 0x84:
	case 0x85:
		insn->op = HVM_EMU_TEST;
		return dec_modrm(d, mode, p, insn);
	case 0x86:
	case 0x87:
		insn->op = HVM_EMU_XCHG;
		return dec_modrm(d, mode, p, insn);
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		insn->op = b & 2 ? HVM_EMU_MOV_LOAD : HVM_EMU_MOV_STORE;
		return dec_modrm(d, mode, p, insn);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab:
		return dec_no_modrm(d, b, p, insn);
	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
		/* MOV r/m, imm and TEST r/m, imm: only /0 */
		ret = dec_modrm(d, mode, p, insn);
		if (ret)
			return ret;
		if (insn->reg & 7)
			return -EINVAL;
		insn->reg = 0;
		insn->op = b < 0xf0 ? HVM_EMU_MOV_STORE_IMM : HVM_EMU_TEST;
		if (b & 1)
			return dec_imm_z(d, insn);
		insn->has_imm = true;
		return dec_imm(d, 1, &insn->imm);
	default:
		return -EINVAL;
	}
}

/*
 * SDM vol.2 LOCK: only read-modify-write forms with a memory destination;
 * LOCK anywhere else raises #UD.
 */
static bool dec_lock_ok(const struct hvm_insn *insn)
{
	if (insn->op == HVM_EMU_XCHG)
		return true;
	return insn->op == HVM_EMU_ALU && insn->mem_dst &&
	       insn->alu != HVM_ALU_CMP;
}

/**
 * hvm_decode() - decode one instruction that accesses memory
 * @bytes:	instruction bytes, starting at RIP
 * @len:	how many bytes @bytes holds (only the first 15 are looked at)
 * @mode:	2, 4 or 8: the code segment's default operand size (16-bit,
 *		32-bit code, or 64-bit mode: CS.L with EFER.LMA)
 * @insn:	the result; zeroed first
 *
 * Return: 0; -EINVAL if it is not an instruction hvm_emulate() handles (or
 * is invalid: LOCK where #UD, register-only ModRM, longer than 15 bytes);
 * -ENODATA if @len is too short to tell: fetch more bytes (up to 15) and
 * call again.
 */
int hvm_decode(const u8 *bytes, unsigned int len, unsigned int mode,
	       struct hvm_insn *insn)
{
	struct hvm_dec d = {
		.bytes = bytes,
		.len = len < HVM_EMU_MAX_INSN ? len : HVM_EMU_MAX_INSN,
	};
	struct hvm_prefixes p = { 0 };
	int ret;
	u8 b;

	memset(insn, 0, sizeof(*insn));
	if (mode != 2 && mode != 4 && mode != 8)
		return -EINVAL;

	ret = dec_prefixes(&d, mode, &p, &b);
	if (ret)
		return ret;

	/* SDM vol.1 3.6.1 table 3-4, vol.2 2.2.1.2 */
	if (mode == 8) {
		insn->opsize = p.rex & REX_W ? 8 : p.opsize ? 2 : 4;
		insn->addrsize = p.addrsize ? 4 : 8;
	} else {
		insn->opsize = (mode == 4) != p.opsize ? 4 : 2;
		insn->addrsize = (mode == 4) != p.addrsize ? 4 : 2;
	}
	/* opcode bit 0 clear: byte operands (all our one-byte opcodes) */
	if (b != 0x0f && b != 0x63 && !(b & 1))
		insn->opsize = 1;

	if (b == 0x0f) {
		/* F2/F3 select other instructions in the 0F map (POPCNT...) */
		if (p.rep)
			return -EINVAL;
		ret = dec_0f(&d, mode, &p, insn);
	} else {
		ret = dec_one(&d, mode, b, &p, insn);
	}
	if (ret)
		return ret;

	if (!insn->srcsize)
		insn->srcsize = insn->opsize;
	/* byte register 4..7 without any REX: AH CH DH BH (vol.2 3.1.1.1) */
	if (insn->opsize == 1 && !p.rex && insn->reg >= 4 && insn->reg < 8) {
		insn->reg -= 4;
		insn->reg_high = true;
	}
	if (p.lock && !dec_lock_ok(insn))
		return -EINVAL;
	insn->lock = p.lock;
	insn->len = d.pos;
	return 0;
}

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
