/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm core: x86 instruction decoder and emulator for the memory accesses an
 * MMIO device sees (MOV, MOVZX/MOVSX, ALU and TEST with a memory operand,
 * XCHG, STOS/MOVS).
 *
 * Pure code: no kernel API besides types, errno and string. The same
 * emulate.c builds into hvm.ko and, unchanged, into the host-side unit test
 * and libFuzzer target in selftests/unit/. No global state: everything the
 * emulator touches goes through struct hvm_emu_ops.
 */
#ifndef _HVM_EMULATE_H
#define _HVM_EMULATE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

#include "regs.h"

/* SDM vol.2 2.3.11: an instruction longer than 15 bytes raises #GP. */
#define HVM_EMU_MAX_INSN	15

/*
 * hvm_emulate(): a REP string instruction did one chunk, run it again.
 * Memory callbacks must not use this value for their own positive codes.
 */
#define HVM_EMU_AGAIN		1
/* Elements one hvm_emulate() call moves at most for a REP string op. */
#define HVM_EMU_REP_CHUNK	64

/* struct hvm_insn.base/index when the address has no such register. */
#define HVM_EMU_NO_REG		0xff

enum hvm_emu_op {
	HVM_EMU_INVALID = 0,
	HVM_EMU_MOV_LOAD,	/* reg <- mem		8A 8B A0 A1 */
	HVM_EMU_MOV_STORE,	/* mem <- reg		88 89 A2 A3 */
	HVM_EMU_MOV_STORE_IMM,	/* mem <- imm		C6 /0, C7 /0 */
	HVM_EMU_MOVZX,		/* reg <- zext(mem)	0F B6, 0F B7 */
	HVM_EMU_MOVSX,		/* reg <- sext(mem)	0F BE, 0F BF, REX.W 63 */
	HVM_EMU_ALU,		/* insn->alu, see mem_dst and has_imm */
	HVM_EMU_TEST,		/* mem & reg/imm	84 85, F6 /0, F7 /0 */
	HVM_EMU_XCHG,		/* mem <-> reg		86 87 */
	HVM_EMU_STOS,		/* ES:rDI <- rAX	AA AB */
	HVM_EMU_MOVS,		/* ES:rDI <- seg:rSI	A4 A5 */
};

/* struct hvm_insn.alu: the x86 encoding (opcode bits 5:3, /digit of 80-83). */
enum hvm_emu_alu {
	HVM_ALU_ADD = 0,
	HVM_ALU_OR,
	HVM_ALU_ADC,
	HVM_ALU_SBB,
	HVM_ALU_AND,
	HVM_ALU_SUB,
	HVM_ALU_XOR,
	HVM_ALU_CMP,
};

/* The RFLAGS bits the ALU and TEST forms write (SDM vol.1 3.4.3.1). */
#define HVM_EMU_FLAG_CF		(1ULL << 0)
#define HVM_EMU_FLAG_PF		(1ULL << 2)
#define HVM_EMU_FLAG_AF		(1ULL << 4)
#define HVM_EMU_FLAG_ZF		(1ULL << 6)
#define HVM_EMU_FLAG_SF		(1ULL << 7)
#define HVM_EMU_FLAG_DF		(1ULL << 10)
#define HVM_EMU_FLAG_OF		(1ULL << 11)
#define HVM_EMU_ARITH_FLAGS	(HVM_EMU_FLAG_CF | HVM_EMU_FLAG_PF | \
				 HVM_EMU_FLAG_AF | HVM_EMU_FLAG_ZF | \
				 HVM_EMU_FLAG_SF | HVM_EMU_FLAG_OF)

/**
 * struct hvm_insn - one decoded instruction, filled by hvm_decode()
 * @len:	total length in bytes, prefixes included (1..15)
 * @op:		an enum hvm_emu_op
 * @opsize:	operand size, 1/2/4/8 (the element size of STOS/MOVS)
 * @srcsize:	MOVZX/MOVSX: size of the memory source, 1/2/4; else @opsize
 * @addrsize:	address size, 2/4/8; also masks rCX/rSI/rDI of STOS/MOVS
 * @seg:	HVM_SEG_* of the memory operand after overrides (default DS, SS
 *		for an rBP/rSP base). STOS: always ES. MOVS: the source segment
 *		(the destination is always ES). In 64-bit mode the override is
 *		reported as encoded; the caller applies the base-0 rule.
 * @reg:	register operand (HVM_GPR_*, REX.R included); rAX for moffs/STOS
 * @rep:	F3 or F2 on STOS/MOVS
 * @imm:	immediate, sign-extended to 64 bits (the emulator truncates it
 *		to @opsize); 0 when @has_imm is false
 * @alu:	HVM_EMU_ALU: an enum hvm_emu_alu
 * @reg_high:	@reg is AH/CH/DH/BH: bits 15:8 of @reg (0..3), byte operand
 *		encoded 4..7 without a REX prefix
 * @mem_dst:	HVM_EMU_ALU: memory is the destination (00 01 80 81 83 forms);
 *		false for the register-destination forms (02 03 ...)
 * @has_imm:	the source operand is @imm
 * @lock:	LOCK prefix (only decoded where the SDM allows it)
 * @rip_rel:	64-bit RIP-relative address: EA = rip_next + @disp
 * @base:	base register or HVM_EMU_NO_REG
 * @index:	index register or HVM_EMU_NO_REG
 * @scale:	1, 2, 4 or 8 (multiplies @index)
 * @disp:	displacement sign-extended to 64 bits, or the moffs offset
 *		(zero-extended); the EA is masked to @addrsize
 */
struct hvm_insn {
	u8 len;
	u8 op;
	u8 opsize;
	u8 srcsize;
	u8 addrsize;
	u8 seg;
	u8 reg;
	bool rep;
	u64 imm;
	u8 alu;
	bool reg_high;
	bool mem_dst;
	bool has_imm;
	bool lock;
	bool rip_rel;
	u8 base;
	u8 index;
	u8 scale;
	u64 disp;
};

/**
 * struct hvm_emu_ops - what the emulator needs from the vCPU and the guest
 * @read_gpr:	 read a full 64-bit register (HVM_GPR_*)
 * @write_gpr:	 write a full 64-bit register; the emulator has merged 8/16-bit
 *		 results and zero-extended 32-bit ones (SDM vol.1 3.4.1.1)
 * @read_rflags: read RFLAGS
 * @write_rflags: write RFLAGS (only the arithmetic flags differ)
 * @read_mem:	 read @len bytes at @seg:@ea (@ea already masked to the
 *		 address size); segmentation, paging and MMIO-vs-RAM are the
 *		 caller's. Returns 0, a negative errno, or a positive code
 *		 (stop, inject) that hvm_emulate() passes through unchanged;
 *		 a positive code must not be HVM_EMU_AGAIN.
 * @write_mem:	 write @len bytes at @seg:@ea; returns as @read_mem
 *
 * @buf holds the value little-endian, as x86 memory does.
 */
struct hvm_emu_ops {
	u64 (*read_gpr)(void *opaque, unsigned int reg);
	void (*write_gpr)(void *opaque, unsigned int reg, u64 val);
	u64 (*read_rflags)(void *opaque);
	void (*write_rflags)(void *opaque, u64 val);
	int (*read_mem)(void *opaque, unsigned int seg, u64 ea, void *buf,
			unsigned int len);
	int (*write_mem)(void *opaque, unsigned int seg, u64 ea,
			 const void *buf, unsigned int len);
};

/* Operand-size helpers shared by decode.c and emulate.c. */
static inline u64 emu_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static inline u64 emu_sext(u64 val, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(val << shift) >> shift);
}

int hvm_decode(const u8 *bytes, unsigned int len, unsigned int mode,
	       struct hvm_insn *insn);
u64 hvm_insn_ea(const struct hvm_emu_ops *ops, void *opaque,
		const struct hvm_insn *insn, u64 rip_next);
int hvm_emulate(const struct hvm_emu_ops *ops, void *opaque,
		const struct hvm_insn *insn, u64 rip_next);

#endif /* _HVM_EMULATE_H */
