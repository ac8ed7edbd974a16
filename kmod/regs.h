/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm core: named guest registers, shared by the core, both backends'
 * entry code and the instruction emulator. GPRs use the x86 encoding
 * (ModRM.reg / REX.R numbering), so a decoded register number indexes the
 * register file directly. Usable from assembly (byte offsets: n * 8).
 */
#ifndef _HVM_REGS_H
#define _HVM_REGS_H

#define HVM_GPR_RAX	0
#define HVM_GPR_RCX	1
#define HVM_GPR_RDX	2
#define HVM_GPR_RBX	3
#define HVM_GPR_RSP	4
#define HVM_GPR_RBP	5
#define HVM_GPR_RSI	6
#define HVM_GPR_RDI	7
#define HVM_GPR_R8	8
#define HVM_GPR_R9	9
#define HVM_GPR_R10	10
#define HVM_GPR_R11	11
#define HVM_GPR_R12	12
#define HVM_GPR_R13	13
#define HVM_GPR_R14	14
#define HVM_GPR_R15	15
#define HVM_NR_GPRS	16

/* Segment registers, in the x86 encoding (ModRM.reg of MOV Sreg). */
#define HVM_SEG_ES	0
#define HVM_SEG_CS	1
#define HVM_SEG_SS	2
#define HVM_SEG_DS	3
#define HVM_SEG_FS	4
#define HVM_SEG_GS	5
#define HVM_NR_SEGS	6

#endif /* _HVM_REGS_H */
