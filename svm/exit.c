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
	/* The CPL is the VMCB's, not SS.DPL (stale after SYSRET, APM 15.5.1). */
	regs.ss.attrib = (regs.ss.attrib & ~0x60) | ((vmcb->save.cpl & 3) << 5);

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

static int svm_exit_reflect(struct svm_vcpu *sv, u8 vector)
{
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
	svm_inject_exception(sv, vector, vector == X86_TRAP_AC,
			     sv->vmcb->control.exitinfo1);
	return 0;
}

static int svm_exit_mc(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_EXCEPTION]++;
#ifdef CONFIG_X86_MCE
	{
		/* Report it as the host would for a user-mode machine check. */
		struct pt_regs regs = {
			.cs = 3,
			.flags = X86_EFLAGS_IF,
		};

		do_machine_check(&regs);
	}
#endif
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

static int svm_exit_shutdown(struct svm_vcpu *sv)
{
	int r;

	sv->vcpu->stats[HVM_STAT_SHUTDOWN]++;
	r = svm_stop(sv, HVM_STOP_SHUTDOWN, 0);
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
