// SPDX-License-Identifier: GPL-2.0
/*
 * hvm core: decode the x86 instructions that touch MMIO (emulate.c runs
 * them).
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
 *
 * Long by design: SDM vol. 2 tables 2-1 to 2-3 (16-bit and 32/64-bit
 * ModRM/SIB) in one place.
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
