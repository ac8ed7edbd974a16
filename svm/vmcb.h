/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V hardware layouts: the VMCB (AMD64 APM vol. 2, appendix B), the
 * intercept bits, the #VMEXIT codes (appendix C), the MSR/IO permission
 * maps and the event injection format (15.20). Names follow the APM.
 *
 * These names deliberately avoid the kernel's <asm/svm.h> (SVM_EXIT_*,
 * struct vmcb): hvm carries its own copy of the hardware contract.
 */
#ifndef _HVM_SVM_VMCB_H
#define _HVM_SVM_VMCB_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* ---- Intercept vectors (control area 000h-017h), as bit numbers ---- */

/* Vector 0 (000h): CR reads 0-15, CR writes 16-31. */
#define INTERCEPT_CR_READ(n)		(n)
#define INTERCEPT_CR_WRITE(n)		(16 + (n))

/* Vector 1 (004h): DR reads 0-15, DR writes 16-31. */
#define INTERCEPT_DR_ALL		0xffffffffu

/* Vector 2 (008h): one bit per exception vector. */
#define INTERCEPT_EXCP(v)		(v)

/* Vector 3 (00Ch). */
#define INTERCEPT_INTR			0
#define INTERCEPT_NMI			1
#define INTERCEPT_SMI			2
#define INTERCEPT_INIT			3
#define INTERCEPT_VINTR			4
#define INTERCEPT_CR0_SEL_WRITE		5
#define INTERCEPT_RDTSC			14
#define INTERCEPT_RDPMC			15
#define INTERCEPT_CPUID			18
#define INTERCEPT_RSM			19
#define INTERCEPT_IRET			20
#define INTERCEPT_INVD			22
#define INTERCEPT_PAUSE			23
#define INTERCEPT_HLT			24
#define INTERCEPT_INVLPG		25
#define INTERCEPT_INVLPGA		26
#define INTERCEPT_IOIO_PROT		27
#define INTERCEPT_MSR_PROT		28
#define INTERCEPT_TASK_SWITCH		29
#define INTERCEPT_FERR_FREEZE		30
#define INTERCEPT_SHUTDOWN		31

/* Vector 4 (010h). */
#define INTERCEPT_VMRUN			0
#define INTERCEPT_VMMCALL		1
#define INTERCEPT_VMLOAD		2
#define INTERCEPT_VMSAVE		3
#define INTERCEPT_STGI			4
#define INTERCEPT_CLGI			5
#define INTERCEPT_SKINIT		6
#define INTERCEPT_RDTSCP		7
#define INTERCEPT_ICEBP			8
#define INTERCEPT_WBINVD		9
#define INTERCEPT_MONITOR		10
#define INTERCEPT_MWAIT			11
#define INTERCEPT_MWAIT_ARMED		12
#define INTERCEPT_XSETBV		13
#define INTERCEPT_RDPRU			14

/* Vector 5 (014h). */
#define INTERCEPT_INVLPGB		0
#define INTERCEPT_INVLPGB_ILLEGAL	1
#define INTERCEPT_INVPCID		2
#define INTERCEPT_MCOMMIT		3
#define INTERCEPT_TLBSYNC		4

/* ---- Control area fields ---- */

/* TLB_CONTROL (058h bits 39:32). QEMU emulates only 0 and 1. */
#define TLB_CONTROL_DO_NOTHING		0
#define TLB_CONTROL_FLUSH_ALL		1
#define TLB_CONTROL_FLUSH_ASID		3
#define TLB_CONTROL_FLUSH_ASID_LOCAL	7

/* VINTR (060h), APM 15.21.4. */
#define V_TPR_MASK			0xfULL
#define V_IRQ				(1ULL << 8)
#define V_INTR_PRIO_SHIFT		16
#define V_INTR_PRIO_MASK		(0xfULL << V_INTR_PRIO_SHIFT)
#define V_IGN_TPR			(1ULL << 20)
#define V_INTR_MASKING			(1ULL << 24)

/* INTERRUPT_SHADOW (068h): the guest is in an STI / MOV SS shadow. */
#define SVM_INTERRUPT_SHADOW		(1ULL << 0)

/* NP_ENABLE (090h). */
#define NP_ENABLE			(1ULL << 0)

/* EVENTINJ / EXITINTINFO (0A8h / 088h), APM 15.20. */
#define EVENTINJ_VECTOR_MASK		0xffULL
#define EVENTINJ_TYPE_SHIFT		8
#define EVENTINJ_TYPE_INTR		(0ULL << EVENTINJ_TYPE_SHIFT)
#define EVENTINJ_TYPE_NMI		(2ULL << EVENTINJ_TYPE_SHIFT)
#define EVENTINJ_TYPE_EXCEPTION		(3ULL << EVENTINJ_TYPE_SHIFT)
#define EVENTINJ_TYPE_SOFT_INT		(4ULL << EVENTINJ_TYPE_SHIFT)
#define EVENTINJ_EV			(1ULL << 11)	/* error code valid */
#define EVENTINJ_V			(1ULL << 31)	/* valid */
#define EVENTINJ_ERRORCODE_SHIFT	32

/* EXITINFO1 of VMEXIT_IOIO (15.10.2). */
#define IOIO_TYPE_IN			(1ULL << 0)
#define IOIO_STR			(1ULL << 2)
#define IOIO_REP			(1ULL << 3)
#define IOIO_SZ8			(1ULL << 4)
#define IOIO_SZ16			(1ULL << 5)
#define IOIO_SZ32			(1ULL << 6)
#define IOIO_A16			(1ULL << 7)
#define IOIO_A32			(1ULL << 8)
#define IOIO_A64			(1ULL << 9)
#define IOIO_PORT_SHIFT			16

/* EXITINFO1 of CR access intercepts with decode assists (15.33.1). */
#define CR_EXITINFO1_MOV		(1ULL << 63)	/* MOV CRn: GPR below */
#define CR_EXITINFO1_GPR_MASK		0xfULL

/* EXITINFO1 of VMEXIT_MSR. */
#define MSR_EXITINFO1_WRITE		1

/* ---- #VMEXIT codes (appendix C) ---- */
#define VMEXIT_CR0_READ			0x000
#define VMEXIT_CR4_READ			0x004
#define VMEXIT_CR4_WRITE		0x014
#define VMEXIT_DR0_READ			0x020
#define VMEXIT_DR15_WRITE		0x03f
#define VMEXIT_EXCP_BASE		0x040
#define VMEXIT_EXCP_UD			(VMEXIT_EXCP_BASE + 6)
#define VMEXIT_EXCP_MC			(VMEXIT_EXCP_BASE + 18)
#define VMEXIT_INTR			0x060
#define VMEXIT_NMI			0x061
#define VMEXIT_SMI			0x062
#define VMEXIT_INIT			0x063
#define VMEXIT_VINTR			0x064
#define VMEXIT_RDTSC			0x06e
#define VMEXIT_RDPMC			0x06f
#define VMEXIT_CPUID			0x072
#define VMEXIT_RSM			0x073
#define VMEXIT_IRET			0x074
#define VMEXIT_INVD			0x076
#define VMEXIT_PAUSE			0x077
#define VMEXIT_HLT			0x078
#define VMEXIT_INVLPG			0x079
#define VMEXIT_INVLPGA			0x07a
#define VMEXIT_IOIO			0x07b
#define VMEXIT_MSR			0x07c
#define VMEXIT_TASK_SWITCH		0x07d
#define VMEXIT_FERR_FREEZE		0x07e
#define VMEXIT_SHUTDOWN			0x07f
#define VMEXIT_VMRUN			0x080
#define VMEXIT_VMMCALL			0x081
#define VMEXIT_VMLOAD			0x082
#define VMEXIT_VMSAVE			0x083
#define VMEXIT_STGI			0x084
#define VMEXIT_CLGI			0x085
#define VMEXIT_SKINIT			0x086
#define VMEXIT_RDTSCP			0x087
#define VMEXIT_ICEBP			0x088
#define VMEXIT_WBINVD			0x089
#define VMEXIT_MONITOR			0x08a
#define VMEXIT_MWAIT			0x08b
#define VMEXIT_MWAIT_CONDITIONAL	0x08c
#define VMEXIT_XSETBV			0x08d
#define VMEXIT_RDPRU			0x08e
#define VMEXIT_INVLPGB			0x0a0
#define VMEXIT_INVLPGB_ILLEGAL		0x0a1
#define VMEXIT_INVPCID			0x0a2
#define VMEXIT_MCOMMIT			0x0a3
#define VMEXIT_TLBSYNC			0x0a4
#define VMEXIT_NPF			0x400
/*
 * VMRUN consistency-check failure: -1. QEMU 7.2 stores it as a 32-bit -1
 * (0x00000000ffffffff), so only the low 32 bits are compared.
 */
#define VMEXIT_INVALID			0xffffffffu

/* ---- CPUID Fn8000_000A EDX (SVM features) ---- */
#define SVM_FEATURE_NP			(1u << 0)
#define SVM_FEATURE_LBRV		(1u << 1)
#define SVM_FEATURE_SVML		(1u << 2)
#define SVM_FEATURE_NRIPS		(1u << 3)
#define SVM_FEATURE_TSC_RATE		(1u << 4)
#define SVM_FEATURE_VMCB_CLEAN		(1u << 5)
#define SVM_FEATURE_FLUSH_BY_ASID	(1u << 6)
#define SVM_FEATURE_DECODE_ASSISTS	(1u << 7)
#define SVM_FEATURE_PAUSE_FILTER	(1u << 10)
#define SVM_FEATURE_VGIF		(1u << 16)

/* ---- MSR VM_CR (C001_0114h) ---- */
#define VM_CR_LOCK			(1ULL << 3)
#define VM_CR_SVMDIS			(1ULL << 4)

/* ---- Permission maps (15.10 / 15.11) ---- */
#define SVM_IOPM_SIZE			(3 * 4096)	/* 64K ports + 3 bits, rounded */
#define SVM_MSRPM_SIZE			(2 * 4096)

/* ---- The VMCB ---- */

/**
 * struct vmcb_seg - a segment register in the state save area
 * @selector: selector
 * @attrib:   attributes (type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11)
 * @limit:    expanded (byte granular) limit
 * @base:     base address
 */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/* struct vmcb_control - VMCB control area, offsets 000h-3FFh (table B-1). */
struct vmcb_control {
	u32 intercept_cr;		/* 000h */
	u32 intercept_dr;		/* 004h */
	u32 intercept_exceptions;	/* 008h */
	u32 intercept_misc1;		/* 00Ch: vector 3 */
	u32 intercept_misc2;		/* 010h: vector 4 */
	u32 intercept_misc3;		/* 014h: vector 5 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 03Ch */
	u16 pause_filter_count;		/* 03Eh */
	u64 iopm_base_pa;		/* 040h */
	u64 msrpm_base_pa;		/* 048h */
	u64 tsc_offset;			/* 050h */
	u32 guest_asid;			/* 058h */
	u8 tlb_control;			/* 05Ch */
	u8 reserved_05d[3];
	u64 vintr;			/* 060h: V_TPR, V_IRQ, V_INTR_MASKING... */
	u64 interrupt_shadow;		/* 068h */
	u64 exitcode;			/* 070h */
	u64 exitinfo1;			/* 078h */
	u64 exitinfo2;			/* 080h */
	u64 exitintinfo;		/* 088h */
	u64 np_enable;			/* 090h */
	u64 avic_apic_bar;		/* 098h */
	u64 ghcb_gpa;			/* 0A0h */
	u64 eventinj;			/* 0A8h */
	u64 n_cr3;			/* 0B0h */
	u64 lbr_virtualization_enable;	/* 0B8h */
	u32 vmcb_clean;			/* 0C0h */
	u32 reserved_0c4;
	u64 nrip;			/* 0C8h */
	u8 nr_bytes_fetched;		/* 0D0h */
	u8 guest_instruction_bytes[15];	/* 0D1h */
	u64 avic_apic_backing_page;	/* 0E0h */
	u64 reserved_0e8;
	u64 avic_logical_table;		/* 0F0h */
	u64 avic_physical_table;	/* 0F8h */
	u64 reserved_100;
	u64 vmsa_pa;			/* 108h */
	u8 reserved_110[0x400 - 0x110];
} __packed;

/* struct vmcb_save - VMCB state save area, at VMCB offset 400h (table B-2). */
struct vmcb_save {
	struct vmcb_seg es;		/* 000h */
	struct vmcb_seg cs;		/* 010h */
	struct vmcb_seg ss;		/* 020h */
	struct vmcb_seg ds;		/* 030h */
	struct vmcb_seg fs;		/* 040h */
	struct vmcb_seg gs;		/* 050h */
	struct vmcb_seg gdtr;		/* 060h */
	struct vmcb_seg ldtr;		/* 070h */
	struct vmcb_seg idtr;		/* 080h */
	struct vmcb_seg tr;		/* 090h */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;				/* 0CBh */
	u32 reserved_0cc;
	u64 efer;			/* 0D0h */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;			/* 148h */
	u64 cr3;			/* 150h */
	u64 cr0;			/* 158h */
	u64 dr7;			/* 160h */
	u64 dr6;			/* 168h */
	u64 rflags;			/* 170h */
	u64 rip;			/* 178h */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;			/* 1D8h */
	u64 s_cet;			/* 1E0h */
	u64 ssp;			/* 1E8h */
	u64 isst_addr;			/* 1F0h */
	u64 rax;			/* 1F8h */
	u64 star;			/* 200h */
	u64 lstar;			/* 208h */
	u64 cstar;			/* 210h */
	u64 sfmask;			/* 218h */
	u64 kernel_gs_base;		/* 220h */
	u64 sysenter_cs;		/* 228h */
	u64 sysenter_esp;		/* 230h */
	u64 sysenter_eip;		/* 238h */
	u64 cr2;			/* 240h */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;			/* 268h */
	u64 dbgctl;			/* 270h */
	u64 br_from;			/* 278h */
	u64 br_to;			/* 280h */
	u64 lastexcpfrom;		/* 288h */
	u64 lastexcpto;			/* 290h */
	u8 reserved_298[0x2e0 - 0x298];
	u64 spec_ctrl;			/* 2E0h */
} __packed;

/* struct vmcb - one 4 KiB page: control area, then the state save area. */
struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
	u8 reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
} __packed;

static_assert(sizeof(struct vmcb_seg) == 16);
static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(sizeof(struct vmcb_save) == 0x2e8);
static_assert(sizeof(struct vmcb) == 4096);
static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040);
static_assert(offsetof(struct vmcb_control, guest_asid) == 0x058);
static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05c);
static_assert(offsetof(struct vmcb_control, exitcode) == 0x070);
static_assert(offsetof(struct vmcb_control, eventinj) == 0x0a8);
static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb_control, vmcb_clean) == 0x0c0);
static_assert(offsetof(struct vmcb_control, nrip) == 0x0c8);
static_assert(offsetof(struct vmcb_control, vmsa_pa) == 0x108);
static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb);
static_assert(offsetof(struct vmcb_save, efer) == 0x0d0);
static_assert(offsetof(struct vmcb_save, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save, rip) == 0x178);
static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8);
static_assert(offsetof(struct vmcb_save, rax) == 0x1f8);
static_assert(offsetof(struct vmcb_save, kernel_gs_base) == 0x220);
static_assert(offsetof(struct vmcb_save, cr2) == 0x240);
static_assert(offsetof(struct vmcb_save, g_pat) == 0x268);
static_assert(offsetof(struct vmcb, save) == 0x400);

#endif /* _HVM_SVM_VMCB_H */
