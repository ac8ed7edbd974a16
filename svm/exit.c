// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: #VMEXIT handling. One handler per exit code, one
 * switch in svm_handle_exit(). Device models, CPUID and MSR policy live in
 * the core; these handlers only decode the exit and move state.
 *
 * QEMU's TCG SVM has neither NRIP save nor decode assists, so the next RIP
 * comes from fixed instruction lengths (or EXITINFO2 for IOIO), and an
 * OUTS with a segment override is emulated with DS: the override is not
 * honoured on CPUs without decode assists.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/fpu/types.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/ptrace.h>
#include <asm/trapnr.h>

#include "svm.h"

/* Instruction lengths for CPUs without NRIP save. */
#define LEN_CPUID	2	/* 0f a2 */
#define LEN_RDWRMSR	2	/* 0f 32 / 0f 30 */
#define LEN_VMMCALL	3	/* 0f 01 d9 */
#define LEN_HLT		1	/* f4 */
#define LEN_XSETBV	3	/* 0f 01 d1 */
#define LEN_INVD	2	/* 0f 08 */

/* Longest x86 instruction (APM vol. 3, 1.1). */
#define X86_MAX_INSN	15

/* A nested page fault that keeps recurring without progress. */
#define NPF_REPEAT_MAX	16

/* #PF error code bit: reserved bit set in a (nested) page table entry. */
#define PFERR_RSVD	BIT_ULL(3)

static inline u64 svm_rip(struct svm_vcpu *sv)
{
	return sv->vmcb->save.rip;
}

/*
 * The core reads the stop RIP through get_regs once the vCPU left its
 * loop: RIP must already be where a restart resumes (past HLT, OUT and
 * VMMCALL; on the faulting instruction otherwise).
 */
static int svm_stop(struct svm_vcpu *sv, enum hvm_stop_reason reason,
		    u64 code)
{
	return hvm_vcpu_stop(sv->vcpu, reason, code);
}

static int svm_inject_ud(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
	svm_inject_exception(sv, X86_TRAP_UD, false, 0);
	return 0;
}

static void svm_inject_gp(struct svm_vcpu *sv)
{
	svm_inject_exception(sv, X86_TRAP_GP, true, 0);
}

static bool svm_is_canonical(u64 va)
{
	return __is_canonical_address(va, boot_cpu_has(X86_FEATURE_LA57) ?
				      57 : 48);
}

/* CS is a 64-bit code segment (EFER.LMA and CS.L). */
static bool svm_code64(struct svm_vcpu *sv)
{
	const struct vmcb_save *s = &sv->vmcb->save;

	return (s->efer & EFER_LMA) && (s->cs.attrib & BIT(9));
}

/* GPR @n (x86 numbering): RAX and RSP live in the VMCB. */
static u64 svm_gpr_read(struct svm_vcpu *sv, unsigned int n)
{
	if (n == SVM_GPR_RAX)
		return sv->vmcb->save.rax;
	if (n == SVM_GPR_RSP)
		return sv->vmcb->save.rsp;
	return sv->gprs[n];
}

static void svm_gpr_write(struct svm_vcpu *sv, unsigned int n, u64 val)
{
	if (n == SVM_GPR_RAX)
		sv->vmcb->save.rax = val;
	else if (n == SVM_GPR_RSP)
		sv->vmcb->save.rsp = val;
	else
		sv->gprs[n] = val;
}

/*
 * Fetch up to @len bytes of the instruction at CS:RIP through the guest's
 * page tables, for exits that carry neither the next RIP (no NRIP save)
 * nor the operands (no decode assists), as on QEMU TCG. Returns the bytes
 * read (fewer where the next page is not mapped), or -EFAULT.
 */
static int svm_fetch_insn(struct svm_vcpu *sv, u8 *buf, unsigned int len)
{
	bool code64 = svm_code64(sv);
	struct hvm_exception exc;
	struct hvm_regs regs;
	unsigned int done = 0, n;
	u64 la, gpa;
	int r;

	svm_get_regs(sv->vcpu, &regs);
	while (done < len) {
		la = code64 ? regs.rip + done :
			      (u32)(regs.cs.base + regs.rip + done);
		n = min_t(unsigned int, len - done,
			  PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		/* a fault of the fetch itself: the guest executes it again */
		r = hvm_gva_to_gpa(sv->vcpu, &regs, la, false, &gpa, &exc);
		if (!r)
			r = hvm_mem_read(sv->vcpu->vm, gpa, buf + done, n);
		if (r)
			return done ? done : -EFAULT;
		done += n;
	}
	return done;
}

/*
 * struct svm_insn - the little of an intercepted 0F xx instruction that
 * hvm decodes itself
 * @len:   length in bytes
 * @rex:   REX prefix (64-bit code only), 0 if none
 * @lock:  F0 prefix (on AMD, LOCK MOV CR0 is MOV CR8)
 * @rep:   F3 prefix (WBNOINVD is F3 0F 09)
 * @modrm: the ModRM byte, where @modrm_valid
 */
struct svm_insn {
	unsigned int len;
	u8 rex;
	bool lock, rep;
	bool modrm_valid;
	u8 modrm;
};

/*
 * Decode the instruction at RIP as legacy prefixes, an optional REX, 0F
 * @op and, with @has_modrm, a ModRM byte. Returns 0, or -EINVAL when the
 * bytes are not that instruction (e.g. the guest rewrote it) or cannot be
 * read: the caller stops the VM as unhandled rather than guess.
 */
static int svm_decode_0f(struct svm_vcpu *sv, u8 op, bool has_modrm,
			 struct svm_insn *insn)
{
	bool code64 = svm_code64(sv);
	u8 b[X86_MAX_INSN];
	int n, i;

	memset(insn, 0, sizeof(*insn));
	n = svm_fetch_insn(sv, b, sizeof(b));
	if (n < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		switch (b[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x64: case 0x65: case 0x66: case 0x67: case 0xf2:
			insn->rex = 0;	/* REX counts only right before the opcode */
			continue;
		case 0xf0:
			insn->lock = true;
			insn->rex = 0;
			continue;
		case 0xf3:
			insn->rep = true;
			insn->rex = 0;
			continue;
		}
		if (code64 && (b[i] & 0xf0) == 0x40) {
			insn->rex = b[i];
			continue;
		}
		break;
	}
	if (i + 2 + has_modrm > n || b[i] != 0x0f || b[i + 1] != op)
		return -EINVAL;
	insn->len = i + 2;
	if (has_modrm) {
		insn->modrm = b[i + 2];
		insn->modrm_valid = true;
		insn->len++;
	}
	return 0;
}

/* ---- CR4: the guest's own value, the host's MCE bit ---- */

/*
 * MOV to/from CR4 (intercepted both ways, vmcb.c). With decode assists
 * EXITINFO1 names the GPR (APM 15.33.1); otherwise the instruction is
 * decoded: 0F 22 /r (write) or 0F 20 /r (read), ModRM.reg (+ REX.R) the
 * control register, ModRM.rm (+ REX.B) the GPR; the mod field is ignored
 * (always a register operand, APM vol. 3 "MOV CRn").
 */
static int svm_decode_mov_cr4(struct svm_vcpu *sv, bool write,
			      unsigned int *gpr, unsigned int *len)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	struct svm_insn insn;
	unsigned int cr;

	if (svm_has(SVM_FEATURE_DECODE_ASSISTS) &&
	    svm_has(SVM_FEATURE_NRIPS) && (c->exitinfo1 & CR_EXITINFO1_MOV)) {
		*gpr = c->exitinfo1 & CR_EXITINFO1_GPR_MASK;
		*len = 0;	/* svm_skip_insn() uses NRIP */
		return 0;
	}
	if (svm_decode_0f(sv, write ? 0x22 : 0x20, true, &insn))
		return -EINVAL;
	cr = ((insn.modrm >> 3) & 7) | ((insn.rex & 4) ? 8 : 0) |
	     (insn.lock ? 8 : 0);
	if (cr != 4)
		return -EINVAL;
	*gpr = (insn.modrm & 7) | ((insn.rex & 1) ? 8 : 0);
	*len = insn.len;
	return 0;
}

static int svm_exit_cr4(struct svm_vcpu *sv, bool write)
{
	struct vmcb_save *s = &sv->vmcb->save;
	unsigned int gpr, len;
	u64 val;

	sv->vcpu->stats[HVM_STAT_OTHER]++;
	if (svm_decode_mov_cr4(sv, write, &gpr, &len))
		return svm_stop(sv, HVM_STOP_UNHANDLED,
				sv->vmcb->control.exitcode);
	/* MOV CRn is privileged (APM vol. 3): #GP(0) outside CPL 0. */
	if (s->cpl) {
		svm_inject_gp(sv);
		return 0;
	}
	if (!write) {
		val = sv->cr4;
		/* Outside 64-bit mode the operand is 32 bits, zero-extended. */
		svm_gpr_write(sv, gpr, val);
		svm_skip_insn(sv, len);
		return 0;
	}

	val = svm_gpr_read(sv, gpr);
	if (!svm_code64(sv))
		val = (u32)val;
	/*
	 * #GP(0): a bit hvm does not virtualize and advertise (reserved for
	 * this guest), or clearing PAE in long mode (APM 3.1.3, 14.6.1).
	 */
	if ((val & ~svm_cr4_guest_bits()) ||
	    ((s->efer & EFER_LMA) && !(val & X86_CR4_PAE))) {
		svm_inject_gp(sv);
		return 0;
	}
	svm_set_cr4(sv, val);
	svm_skip_insn(sv, len);
	return 0;
}

/*
 * An exit that interrupted the delivery of an event (EXITINTINFO valid,
 * e.g. a nested page fault on the IDT or the exception stack) must
 * deliver it again at the next VMRUN. Software interrupts and INT3/INTO
 * are not re-injected: RIP still points at the instruction, which simply
 * executes again.
 */
static void svm_reinject(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->control;
	u64 info = c->exitintinfo;
	u64 type = info & (7ULL << EVENTINJ_TYPE_SHIFT);
	u8 vector = info & EVENTINJ_VECTOR_MASK;

	c->eventinj = 0;
	if (!(info & EVENTINJ_V))
		return;
	if (type == EVENTINJ_TYPE_SOFT_INT)
		return;
	if (type == EVENTINJ_TYPE_EXCEPTION &&
	    (vector == X86_TRAP_BP || vector == X86_TRAP_OF))
		return;
	c->eventinj = info;
}

/* ---- port I/O ---- */

static int svm_exit_io_string(struct svm_vcpu *sv, u64 info, u16 port,
			      unsigned int size, bool in)
{
	struct vmcb *vmcb = sv->vmcb;
	const struct hvm_segment *seg;
	struct hvm_exception exc;
	unsigned int addr_size;
	struct hvm_regs regs;
	bool rep = info & IOIO_REP;
	u64 addr_mask;
	int r;

	addr_size = info & IOIO_A16 ? 2 : info & IOIO_A32 ? 4 : 8;
	addr_mask = addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
	svm_get_regs(sv->vcpu, &regs);

	seg = &regs.ds;
	if (svm_has(SVM_FEATURE_DECODE_ASSISTS) && !in) {
		/* EXITINFO1[12:10]: the effective segment of OUTS. */
		const struct hvm_segment *segs[] = {
			&regs.es, &regs.cs, &regs.ss, &regs.ds, &regs.fs, &regs.gs,
		};
		unsigned int n = (info >> 10) & 7;

		if (n < ARRAY_SIZE(segs))
			seg = segs[n];
	}

	/*
	 * The core moves RIP to EXITINFO2 (the next RIP, even without NRIP
	 * save) once the instruction completed; a REP it cut short stays put
	 * and executes again.
	 */
	r = hvm_io_string(sv->vcpu, &regs, port, size, in, rep, addr_size,
			  seg, vmcb->control.exitinfo2, &exc);
	sv->gprs[SVM_GPR_RSI] = regs.rsi;
	sv->gprs[SVM_GPR_RDI] = regs.rdi;
	sv->gprs[SVM_GPR_RCX] = regs.rcx;
	vmcb->save.rip = regs.rip;
	if (r == HVM_IO_INJECT) {
		if (exc.vector == X86_TRAP_PF)
			vmcb->save.cr2 = exc.cr2;
		svm_inject_exception(sv, exc.vector, exc.has_error, exc.error_code);
		return 0;
	}
	if (r == -ENOMEM)
		return svm_stop(sv, HVM_STOP_INTERNAL, ENOMEM);
	if (r < 0)
		return svm_stop(sv, HVM_STOP_FAULT,
				in ? regs.es.base + (regs.rdi & addr_mask) :
				     seg->base + (regs.rsi & addr_mask));
	return r;
}

static int svm_exit_io(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	u64 info = vmcb->control.exitinfo1;
	u16 port = info >> IOIO_PORT_SHIFT;
	unsigned int size = info & IOIO_SZ8 ? 1 : info & IOIO_SZ16 ? 2 : 4;
	bool in = info & IOIO_TYPE_IN;
	u64 mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;
	u32 val;
	int r;

	sv->vcpu->stats[HVM_STAT_IO]++;
	if (info & IOIO_STR)
		return svm_exit_io_string(sv, info, port, size, in);

	/* EXITINFO2 holds the next RIP even without NRIP save. */
	vmcb->save.rip = vmcb->control.exitinfo2;
	if (in) {
		val = 0;
		r = hvm_io_emulate(sv->vcpu, port, size, true, &val);
		if (size == 4)	/* a 32-bit result zero-extends into RAX */
			vmcb->save.rax = val;
		else
			vmcb->save.rax = (vmcb->save.rax & ~mask) | (val & mask);
	} else {
		val = vmcb->save.rax & mask;
		r = hvm_io_emulate(sv->vcpu, port, size, false, &val);
	}
	return r;
}

/* ---- instructions ---- */

static int svm_exit_hlt(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_HLT]++;
	/* Past the HLT, so the state reads (and restarts) like after it. */
	svm_skip_insn(sv, LEN_HLT);
	return svm_stop(sv, HVM_STOP_HALT, 0);
}

static int svm_exit_cpuid(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	u32 eax = vmcb->save.rax, ebx, ecx = sv->gprs[SVM_GPR_RCX], edx;

	sv->vcpu->stats[HVM_STAT_CPUID]++;
	ebx = edx = 0;
	hvm_cpuid(sv->vcpu, vmcb->save.cr4, &eax, &ebx, &ecx, &edx);
	vmcb->save.rax = eax;
	sv->gprs[SVM_GPR_RBX] = ebx;
	sv->gprs[SVM_GPR_RCX] = ecx;
	sv->gprs[SVM_GPR_RDX] = edx;
	svm_skip_insn(sv, LEN_CPUID);
	return 0;
}

/* MSRs whose state lives in the VMCB (HVM_MSR_ARCH). */
static int svm_msr_arch_read(struct svm_vcpu *sv, u32 msr, u64 *val)
{
	const struct vmcb_save *s = &sv->vmcb->save;

	switch (msr) {
	case MSR_EFER:
		*val = s->efer & ~EFER_SVME;
		break;
	case MSR_IA32_CR_PAT:
		*val = s->g_pat;
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + sv->vmcb->control.tsc_offset;
		break;
	case MSR_FS_BASE:
		*val = s->fs.base;
		break;
	case MSR_GS_BASE:
		*val = s->gs.base;
		break;
	case MSR_KERNEL_GS_BASE:
		*val = s->kernel_gs_base;
		break;
	case MSR_STAR:
		*val = s->star;
		break;
	case MSR_LSTAR:
		*val = s->lstar;
		break;
	case MSR_CSTAR:
		*val = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*val = s->sfmask;
		break;
	case MSR_IA32_SYSENTER_CS:
		*val = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*val = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*val = s->sysenter_eip;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int svm_msr_write_efer(struct svm_vcpu *sv, u64 val)
{
	struct vmcb_save *s = &sv->vmcb->save;

	if (!svm_efer_valid(val))
		return -EINVAL;
	/* LME may not change while paging is on. */
	if ((s->cr0 & X86_CR0_PG) && ((val ^ s->efer) & EFER_LME))
		return -EINVAL;
	/* LMA is the CPU's to set; SVME is ours and stays set. */
	s->efer = (val & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
	return 0;
}

static int svm_msr_arch_write(struct svm_vcpu *sv, u32 msr, u64 val)
{
	struct vmcb_save *s = &sv->vmcb->save;

	switch (msr) {
	case MSR_EFER:
		return svm_msr_write_efer(sv, val);
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(val))
			return -EINVAL;
		s->g_pat = val;
		return 0;
	case MSR_IA32_TSC:
		sv->vmcb->control.tsc_offset = val - rdtsc();
		return 0;
	case MSR_STAR:
		s->star = val;
		return 0;
	case MSR_SYSCALL_MASK:
		s->sfmask = val;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = val;
		return 0;
	}

	/* The rest hold addresses: a non-canonical one raises #GP. */
	if (!svm_is_canonical(val))
		return -EINVAL;
	switch (msr) {
	case MSR_FS_BASE:
		s->fs.base = val;
		break;
	case MSR_GS_BASE:
		s->gs.base = val;
		break;
	case MSR_KERNEL_GS_BASE:
		s->kernel_gs_base = val;
		break;
	case MSR_LSTAR:
		s->lstar = val;
		break;
	case MSR_CSTAR:
		s->cstar = val;
		break;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = val;
		break;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = val;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int svm_exit_msr(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	bool write = vmcb->control.exitinfo1 & MSR_EXITINFO1_WRITE;
	u32 msr = sv->gprs[SVM_GPR_RCX];
	u64 val = 0;
	int r;

	sv->vcpu->stats[HVM_STAT_MSR]++;
	if (write)
		val = (sv->gprs[SVM_GPR_RDX] << 32) | (u32)vmcb->save.rax;

	switch (hvm_msr_policy(msr, write)) {
	case HVM_MSR_ARCH:
		r = write ? svm_msr_arch_write(sv, msr, val) :
			    svm_msr_arch_read(sv, msr, &val);
		break;
	case HVM_MSR_CORE:
		r = write ? hvm_msr_core_write(sv->vcpu, msr, val) :
			    hvm_msr_core_read(sv->vcpu, msr, &val);
		break;
	default:
		r = -EPERM;
		break;
	}
	if (r) {
		/* #GP: RIP stays on the faulting RDMSR/WRMSR. */
		svm_inject_gp(sv);
		return 0;
	}
	if (!write) {
		vmcb->save.rax = (u32)val;
		sv->gprs[SVM_GPR_RDX] = val >> 32;
	}
	svm_skip_insn(sv, LEN_RDWRMSR);
	return 0;
}

static int svm_exit_vmmcall(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;

	sv->vcpu->stats[HVM_STAT_HYPERCALL]++;
	vmcb->save.rax = hvm_hypercall(sv->vcpu, vmcb->save.rax);
	svm_skip_insn(sv, LEN_VMMCALL);
	return 0;
}

static bool svm_xcr0_valid(u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~svm_guest_xcr0_mask))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	/* AVX-512 state: all three components or none, and only with AVX. */
	if (xcr0 & XFEATURE_MASK_AVX512)
		return (xcr0 & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512 &&
		       (xcr0 & XFEATURE_MASK_YMM);
	return true;
}

static int svm_exit_xsetbv(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	u64 xcr0 = (sv->gprs[SVM_GPR_RDX] << 32) | (u32)vmcb->save.rax;

	sv->vcpu->stats[HVM_STAT_OTHER]++;
	if (!svm_host_xcr0 || !(vmcb->save.cr4 & X86_CR4_OSXSAVE)) {
		svm_inject_exception(sv, X86_TRAP_UD, false, 0);
		return 0;
	}
	if (vmcb->save.cpl || (u32)sv->gprs[SVM_GPR_RCX] != 0 ||
	    !svm_xcr0_valid(xcr0)) {
		svm_inject_gp(sv);
		return 0;
	}
	sv->xcr0 = xcr0;
	svm_skip_insn(sv, LEN_XSETBV);
	return 0;
}

static int svm_exit_invd(struct svm_vcpu *sv)
{
	/* Nothing to write back: guest RAM is ordinary cached memory. */
	sv->vcpu->stats[HVM_STAT_OTHER]++;
	svm_skip_insn(sv, LEN_INVD);
	return 0;
}

/*
 * WBINVD / WBNOINVD (same intercept): guest RAM is ordinary write-back
 * memory that the host keeps coherent, and no device does DMA behind the
 * caches, so there is nothing to write back for the guest. A no-op, so a
 * guest looping on it costs the host one exit per iteration instead of a
 * package-wide cache flush (and it stops at once when asked to).
 */
static int svm_exit_wbinvd(struct svm_vcpu *sv)
{
	struct svm_insn insn;
	unsigned int len = 0;

	sv->vcpu->stats[HVM_STAT_OTHER]++;
	/* Privileged: #GP(0) outside CPL 0 (APM vol. 3, WBINVD). */
	if (sv->vmcb->save.cpl) {
		svm_inject_gp(sv);
		return 0;
	}
	if (!svm_has(SVM_FEATURE_NRIPS) || !sv->vmcb->control.nrip) {
		/* 0F 09, WBNOINVD F3 0F 09, maybe with other prefixes. */
		if (svm_decode_0f(sv, 0x09, false, &insn))
			return svm_stop(sv, HVM_STOP_UNHANDLED,
					sv->vmcb->control.exitcode);
		len = insn.len;
	}
	svm_skip_insn(sv, len);
	return 0;
}

static int svm_exit_rdpmc(struct svm_vcpu *sv)
{
	/* No performance counters are virtualized; never read the host's. */
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
	svm_inject_gp(sv);
	return 0;
}

/*
 * First access to a debug register: stop intercepting them and switch
 * DR0-3 around every later VMRUN (DR6/DR7 are in the VMCB). The
 * instruction is not skipped; it executes natively on re-entry.
 */
static int svm_exit_dr(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_OTHER]++;
	sv->dr_passthrough = true;
	sv->vmcb->control.intercept_dr = 0;
	return 0;
}

/* ---- exceptions, events ---- */

/* APM 8.2.9 table 8-7 / SDM table 6-4: #DE, #TS, #NP, #SS, #GP. */
static bool svm_contributory(u8 vector)
{
	return vector == X86_TRAP_DE ||
	       (vector >= X86_TRAP_TS && vector <= X86_TRAP_GP);
}

/*
 * Deliver exception @vector at the next VMRUN without dropping the event
 * svm_reinject() put back in EVENTINJ (the exit interrupted its delivery,
 * so the new exception arose while delivering it). Combined as the CPU
 * would (APM 8.2.9 "Double-Fault Exception", table 8-7; SDM table 6-5):
 *
 *  - anything during delivery of #DF: shutdown (a triple fault);
 *  - contributory after contributory or #PF, or #PF after #PF: #DF(0);
 *  - otherwise the two are handled serially: the new exception is
 *    delivered now, and the interrupted one recurs when its instruction
 *    executes again after the handler returns. hvm only ever injects
 *    exceptions on the faulting instruction, and in-guest delivery of an
 *    external interrupt or NMI cannot be interrupted (physical ones exit,
 *    virtual ones are not used), so an interrupted event is always an
 *    exception that recurs. Should an INTR/NMI ever be pending here, it
 *    is kept and the new exception is left to recur instead.
 *
 * Return: 0, or 1 when the VM stopped (triple fault).
 */
static int svm_queue_exception(struct svm_vcpu *sv, u8 vector, bool has_error,
			       u32 error)
{
	u64 prev = sv->vmcb->control.eventinj;
	u64 type = prev & (7ULL << EVENTINJ_TYPE_SHIFT);
	u8 pvec = prev & EVENTINJ_VECTOR_MASK;

	if (prev & EVENTINJ_V) {
		if (type != EVENTINJ_TYPE_EXCEPTION)
			return 0;
		if (pvec == X86_TRAP_DF) {
			sv->vcpu->stats[HVM_STAT_SHUTDOWN]++;
			sv->vmcb->control.eventinj = 0;
			return svm_stop(sv, HVM_STOP_SHUTDOWN, 0);
		}
		if ((svm_contributory(vector) &&
		     (svm_contributory(pvec) || pvec == X86_TRAP_PF)) ||
		    (vector == X86_TRAP_PF && pvec == X86_TRAP_PF)) {
			svm_inject_exception(sv, X86_TRAP_DF, true, 0);
			return 0;
		}
	}
	svm_inject_exception(sv, vector, has_error, error);
	return 0;
}

/*
 * Alignment checking is on only at CPL 3 with CR0.AM and RFLAGS.AC both
 * set (APM 8.2.18). Any other #AC is not a legacy alignment check but a
 * split-lock #AC (Intel's TEST_CTRL; AMD has no such #AC, it reports bus
 * locks as #DB traps): never reflect it into a guest that cannot expect
 * it. KVM's VMX hands it to handle_guest_split_lock(), whose "fatal" mode
 * sends SIGBUS to current, here the vCPU kthread: hvm stops the VM with
 * reason unhandled instead (the host's "warn" mode would only let the
 * guest repeat it).
 */
static bool svm_guest_alignment_check(struct svm_vcpu *sv)
{
	const struct vmcb_save *s = &sv->vmcb->save;

	return s->cpl == 3 && (s->cr0 & X86_CR0_AM) &&
	       (s->rflags & X86_EFLAGS_AC);
}

static int svm_exit_reflect(struct svm_vcpu *sv, u8 vector)
{
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
	if (vector == X86_TRAP_AC && !svm_guest_alignment_check(sv)) {
		pr_debug("%s: #AC the guest did not enable (split lock?) at %#llx\n",
			 sv->vcpu->vm->name, svm_rip(sv));
		sv->vmcb->control.eventinj = 0;
		return svm_stop(sv, HVM_STOP_UNHANDLED,
				sv->vmcb->control.exitcode);
	}
	/* #AC pushes an error code of 0; #DB none (APM 8.2). */
	return svm_queue_exception(sv, vector, vector == X86_TRAP_AC, 0);
}

/*
 * #MC: svm_vcpu_run() already handed it to the host's handler with
 * interrupts off, right after the #VMEXIT (APM 15.12: an intercepted #MC
 * is not delivered anywhere else). The guest goes on; whatever the
 * handler decided for the host (panic, page poisoning) has been done.
 */
static int svm_exit_mc(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
	return 0;
}

static int svm_exit_npf(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->control;
	u64 gpa = c->exitinfo2;
	int r;

	sv->vcpu->stats[HVM_STAT_NPF]++;
	if (c->exitinfo1 & PFERR_RSVD)
		return svm_stop(sv, HVM_STOP_UNHANDLED, c->exitcode);

	if (gpa == sv->npf_last_gpa && svm_rip(sv) == sv->npf_last_rip) {
		if (++sv->npf_repeat > NPF_REPEAT_MAX) {
			pr_warn_ratelimited("%s: nested page fault at %#llx does not resolve\n",
					    sv->vcpu->vm->name, gpa);
			return svm_stop(sv, HVM_STOP_INTERNAL, EFAULT);
		}
	} else {
		sv->npf_last_gpa = gpa;
		sv->npf_last_rip = svm_rip(sv);
		sv->npf_repeat = 0;
	}

	r = hvm_npt_map(sv->vcpu->vm, gpa);
	if (!r)
		return 0;
	if (r == -EFAULT)
		return svm_stop(sv, HVM_STOP_FAULT, gpa);
	return svm_stop(sv, HVM_STOP_INTERNAL, -r);
}

/*
 * SHUTDOWN (APM 15.12, 8.2.9): the guest's triple fault, or a machine
 * check the CPU could not deliver. What AMD lets us tell apart: CR4.MCE
 * is kept set in guest mode (vmcb.c) and #MC is intercepted, so a machine
 * check that hits the guest is an #MC #VMEXIT, never a shutdown. The one
 * machine-check shutdown left is a second machine check while
 * MCG_STATUS.MCIP is still set (APM 9.3.2); svm_vcpu_run() checks MCIP
 * right after the exit, hands the event to the host's handler and sets
 * @sv->shutdown_mc. That is reported as internal (EIO), not as the
 * guest's triple fault.
 */
static int svm_exit_shutdown(struct svm_vcpu *sv)
{
	int r;

	if (sv->shutdown_mc) {
		pr_err_ratelimited("%s: machine check shut the guest down\n",
				   sv->vcpu->vm->name);
		r = svm_stop(sv, HVM_STOP_INTERNAL, EIO);
	} else {
		sv->vcpu->stats[HVM_STAT_SHUTDOWN]++;
		r = svm_stop(sv, HVM_STOP_SHUTDOWN, 0);
	}
	/*
	 * The VMCB is undefined after a shutdown intercept: rebuild the
	 * control area. The save area is kept for get_regs; a restart needs
	 * a new register state anyway.
	 */
	svm_vmcb_init_control(sv);
	return r;
}

static int svm_exit_invalid(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;

	pr_debug("%s: VMRUN refused the guest state: CR0 %#llx CR4 %#llx EFER %#llx\n",
		 sv->vcpu->vm->name, vmcb->save.cr0, vmcb->save.cr4,
		 vmcb->save.efer);
	return svm_stop(sv, HVM_STOP_ENTRY_FAILED, vmcb->control.exitcode);
}

/**
 * svm_handle_exit() - dispatch one #VMEXIT
 * @sv: the vCPU, just back from VMRUN, interrupts enabled
 *
 * Return: 0 to re-enter, 1 when the VM stops, negative errno on an
 * internal error.
 */
int svm_handle_exit(struct svm_vcpu *sv)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	u64 code = sv->vmcb->control.exitcode;

	vcpu->stats[HVM_STAT_EXITS]++;
	svm_reinject(sv);

	if ((u32)code == VMEXIT_INVALID)
		return svm_exit_invalid(sv);

	switch (code) {
	case VMEXIT_INTR:
		/* The host takes the interrupt once IRQs are back on. */
		vcpu->stats[HVM_STAT_INTR]++;
		return 0;
	case VMEXIT_NMI:
		vcpu->stats[HVM_STAT_NMI]++;
		return 0;
	case VMEXIT_SMI:
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	case VMEXIT_IOIO:
		return svm_exit_io(sv);
	case VMEXIT_HLT:
		return svm_exit_hlt(sv);
	case VMEXIT_CPUID:
		return svm_exit_cpuid(sv);
	case VMEXIT_MSR:
		return svm_exit_msr(sv);
	case VMEXIT_VMMCALL:
		return svm_exit_vmmcall(sv);
	case VMEXIT_NPF:
		return svm_exit_npf(sv);
	case VMEXIT_SHUTDOWN:
		return svm_exit_shutdown(sv);
	case VMEXIT_XSETBV:
		return svm_exit_xsetbv(sv);
	case VMEXIT_INVD:
		return svm_exit_invd(sv);
	case VMEXIT_WBINVD:
		return svm_exit_wbinvd(sv);
	case VMEXIT_CR4_READ:
		return svm_exit_cr4(sv, false);
	case VMEXIT_CR4_WRITE:
		return svm_exit_cr4(sv, true);
	case VMEXIT_RDPMC:
		return svm_exit_rdpmc(sv);
	case VMEXIT_DR0_READ ... VMEXIT_DR15_WRITE:
		return svm_exit_dr(sv);
	case VMEXIT_EXCP_BASE + X86_TRAP_DB:
		return svm_exit_reflect(sv, X86_TRAP_DB);
	case VMEXIT_EXCP_BASE + X86_TRAP_AC:
		return svm_exit_reflect(sv, X86_TRAP_AC);
	case VMEXIT_EXCP_MC:
		return svm_exit_mc(sv);
	/* Virtualization, SMM and broadcast-TLB instructions: not here. */
	case VMEXIT_VMRUN:
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
	case VMEXIT_RSM:
	case VMEXIT_MONITOR:
	case VMEXIT_MWAIT:
	case VMEXIT_MWAIT_CONDITIONAL:
	case VMEXIT_RDPRU:
	case VMEXIT_INVLPGB:
	case VMEXIT_INVLPGB_ILLEGAL:
	case VMEXIT_TLBSYNC:
		return svm_inject_ud(sv);
	default:
		return svm_stop(sv, HVM_STOP_UNHANDLED, code);
	}
}
