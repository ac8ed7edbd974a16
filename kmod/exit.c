// SPDX-License-Identifier: GPL-2.0
/*
 * The core's exit handlers: one per struct hvm_exit kind, for both vendors.
 * A backend decodes its #VMEXIT / VM exit into the vendor-neutral record
 * (kmod/hvm.h) and calls hvm_handle_exit(); everything the guest can see
 * (results in registers, RIP, exceptions, stop reasons, counters) is
 * decided here, so an AMD and an Intel host run the same guest the same
 * way. Modelled on Jailhouse's vcpu.c (vendor-neutral intercept records)
 * and KVM's x86.c (kvm_emulate_cpuid, kvm_emulate_xsetbv, ...).
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "hvm.h"

/* A nested page fault that keeps recurring at one RIP without progress. */
#define HVM_NPF_REPEAT_MAX	16

static inline u64 hvm_gpr32(struct hvm_vcpu *vcpu, unsigned int reg)
{
	return (u32)vcpu->gprs[reg];
}

/* 64-bit code: EFER.LMA and CS.L (SDM vol. 3A 5.2.1). */
static bool hvm_code64(struct hvm_vcpu *vcpu)
{
	return (hvm_ops->get_ctl(vcpu, HVM_CTL_EFER) & EFER_LMA) &&
	       (hvm_ops->get_ctl(vcpu, HVM_CTL_CS_ATTR) & BIT(9));
}

/*
 * A MOV to/from CR/DR operand: all 64 bits in 64-bit mode, the low 32
 * otherwise (SDM vol. 2 MOV CR: "operand size ... 32 bits outside 64-bit
 * mode"); a 32-bit write zero-extends.
 */
static u64 hvm_gpr_read_ctl(struct hvm_vcpu *vcpu, unsigned int reg)
{
	u64 v = vcpu->gprs[reg];

	return hvm_code64(vcpu) ? v : (u32)v;
}

static void hvm_gpr_write_ctl(struct hvm_vcpu *vcpu, unsigned int reg, u64 v)
{
	vcpu->gprs[reg] = hvm_code64(vcpu) ? v : (u32)v;
}

static void hvm_skip(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	vcpu->rip += e->insn_len;
	if (!hvm_code64(vcpu))
		vcpu->rip = (u32)vcpu->rip;
}

static int hvm_gp0(struct hvm_vcpu *vcpu)
{
	return hvm_queue_exception(vcpu, X86_TRAP_GP, true, 0);
}

static int hvm_ud(struct hvm_vcpu *vcpu)
{
	return hvm_queue_exception(vcpu, X86_TRAP_UD, false, 0);
}

/* ---- port I/O ---- */

static int hvm_exit_io_string(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	static const u8 seg_of[HVM_NR_SEGS] = {
		[HVM_SEG_ES] = 0, [HVM_SEG_CS] = 1, [HVM_SEG_SS] = 2,
		[HVM_SEG_DS] = 3, [HVM_SEG_FS] = 4, [HVM_SEG_GS] = 5,
	};
	unsigned int size = e->io.size, as = e->io.addr_size;
	u64 mask = as == 8 ? ~0ULL : (1ULL << (as * 8)) - 1;
	const struct hvm_segment *segs[HVM_NR_SEGS];
	const struct hvm_segment *seg;
	struct hvm_exception exc;
	struct hvm_regs regs;
	int r;

	hvm_ops->get_regs(vcpu, &regs);
	segs[seg_of[HVM_SEG_ES]] = &regs.es;
	segs[seg_of[HVM_SEG_CS]] = &regs.cs;
	segs[seg_of[HVM_SEG_SS]] = &regs.ss;
	segs[seg_of[HVM_SEG_DS]] = &regs.ds;
	segs[seg_of[HVM_SEG_FS]] = &regs.fs;
	segs[seg_of[HVM_SEG_GS]] = &regs.gs;
	seg = e->io.seg < HVM_NR_SEGS ? segs[e->io.seg] : &regs.ds;

	/*
	 * RIP moves past the instruction once it completed; a REP the core
	 * cut short stays put and executes again.
	 */
	r = hvm_io_string(vcpu, &regs, e->io.port, size, e->io.in, e->io.rep,
			  as, seg, vcpu->rip + e->insn_len, &exc);
	vcpu->gprs[HVM_GPR_RSI] = regs.rsi;
	vcpu->gprs[HVM_GPR_RDI] = regs.rdi;
	vcpu->gprs[HVM_GPR_RCX] = regs.rcx;
	vcpu->rip = regs.rip;
	if (r == HVM_IO_INJECT) {
		if (exc.vector == X86_TRAP_PF)
			hvm_ops->set_ctl(vcpu, HVM_CTL_CR2, exc.cr2);
		return hvm_queue_exception(vcpu, exc.vector, exc.has_error,
					   exc.error_code);
	}
	if (r == -ENOMEM)
		return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, ENOMEM);
	if (r < 0)	/* the guest address that did not translate */
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT,
				     e->io.in ? regs.es.base + (regs.rdi & mask) :
						seg->base + (regs.rsi & mask));
	return r;
}

static int hvm_exit_io(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	unsigned int size = e->io.size;
	u32 val;

	vcpu->stats[HVM_STAT_IO]++;
	if (e->io.string)
		return hvm_exit_io_string(vcpu, e);

	/* Past the IN/OUT even when it stops the VM: a restart resumes after it. */
	hvm_skip(vcpu, e);
	if (e->io.in) {
		int r;

		val = 0;
		r = hvm_io_emulate(vcpu, e->io.port, size, true, &val);
		vcpu->gprs[HVM_GPR_RAX] =
			hvm_in_merge(vcpu->gprs[HVM_GPR_RAX], val, size);
		return r;
	}
	val = vcpu->gprs[HVM_GPR_RAX] & (size == 4 ? ~0U : (1U << (size * 8)) - 1);
	return hvm_io_emulate(vcpu, e->io.port, size, false, &val);
}

/* ---- instructions ---- */

static int hvm_exit_cpuid(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	u32 eax = hvm_gpr32(vcpu, HVM_GPR_RAX), ecx = hvm_gpr32(vcpu, HVM_GPR_RCX);
	u32 ebx = 0, edx = 0;

	vcpu->stats[HVM_STAT_CPUID]++;
	hvm_cpuid(vcpu, hvm_ops->get_ctl(vcpu, HVM_CTL_CR4),
		  &eax, &ebx, &ecx, &edx);
	vcpu->gprs[HVM_GPR_RAX] = eax;
	vcpu->gprs[HVM_GPR_RBX] = ebx;
	vcpu->gprs[HVM_GPR_RCX] = ecx;
	vcpu->gprs[HVM_GPR_RDX] = edx;
	hvm_skip(vcpu, e);
	return 0;
}

/* MSRs that hold linear addresses: a non-canonical value raises #GP. */
static bool hvm_msr_is_address(u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	default:
		return false;
	}
}

static int hvm_msr_arch_write(struct hvm_vcpu *vcpu, u32 msr, u64 val)
{
	if (msr == MSR_EFER)
		return hvm_set_efer(vcpu, val);
	if (msr == MSR_IA32_CR_PAT && !hvm_pat_valid(val))
		return -EINVAL;
	if (hvm_msr_is_address(msr) && !hvm_canonical(vcpu, val))
		return -EINVAL;
	return hvm_ops->msr_set(vcpu, msr, val);
}

static int hvm_msr_arch_read(struct hvm_vcpu *vcpu, u32 msr, u64 *val)
{
	if (msr == MSR_EFER) {
		*val = hvm_ops->get_ctl(vcpu, HVM_CTL_EFER);
		return 0;
	}
	return hvm_ops->msr_get(vcpu, msr, val);
}

static int hvm_exit_msr(struct hvm_vcpu *vcpu, const struct hvm_exit *e,
			bool write)
{
	u32 msr = hvm_gpr32(vcpu, HVM_GPR_RCX);
	u64 val = (hvm_gpr32(vcpu, HVM_GPR_RDX) << 32) |
		  hvm_gpr32(vcpu, HVM_GPR_RAX);
	int r;

	vcpu->stats[HVM_STAT_MSR]++;
	switch (hvm_msr_policy(msr, write)) {
	case HVM_MSR_ARCH:
		r = write ? hvm_msr_arch_write(vcpu, msr, val) :
			    hvm_msr_arch_read(vcpu, msr, &val);
		break;
	case HVM_MSR_CORE:
		r = write ? hvm_msr_core_write(vcpu, msr, val) :
			    hvm_msr_core_read(vcpu, msr, &val);
		break;
	default:
		r = -EPERM;
		break;
	}
	if (r == -EFAULT)
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT,
				     hvm_ops->get_ctl(vcpu, HVM_CTL_CR3));
	if (r)		/* #GP: RIP stays on the RDMSR/WRMSR */
		return hvm_gp0(vcpu);
	if (!write) {
		vcpu->gprs[HVM_GPR_RAX] = (u32)val;
		vcpu->gprs[HVM_GPR_RDX] = val >> 32;
	}
	hvm_skip(vcpu, e);
	return 0;
}

/*
 * XSETBV (SDM vol. 2 XSETBV, APM vol. 3 XSETBV): #UD when CR4.OSXSAVE is
 * clear (which it always is without XSAVE: hvm_cr4_guest_bits()); #GP(0)
 * outside CPL 0, for an ECX other than 0 (no other XCR exists) and for an
 * invalid XCR0 (hvm_xcr0_valid()).
 */
static int hvm_exit_xsetbv(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	u64 xcr0 = (hvm_gpr32(vcpu, HVM_GPR_RDX) << 32) |
		   hvm_gpr32(vcpu, HVM_GPR_RAX);

	vcpu->stats[HVM_STAT_OTHER]++;
	if (!(hvm_ops->get_ctl(vcpu, HVM_CTL_CR4) & X86_CR4_OSXSAVE))
		return hvm_ud(vcpu);
	if (hvm_ops->get_ctl(vcpu, HVM_CTL_CPL) ||
	    hvm_gpr32(vcpu, HVM_GPR_RCX) != 0 || !hvm_xcr0_valid(xcr0))
		return hvm_gp0(vcpu);
	if (hvm_ops->set_ctl(vcpu, HVM_CTL_XCR0, xcr0))
		return hvm_gp0(vcpu);
	hvm_skip(vcpu, e);
	return 0;
}

/*
 * MOV to CR3 (SDM vol. 3A 4.5, APM vol. 2 3.1.2): in long mode the bits
 * above MAXPHYADDR are reserved (#GP); bit 63 (no-flush with PCIDE) too,
 * PCIDE never being the guest's.
 */
static int hvm_set_cr3(struct hvm_vcpu *vcpu, u64 val)
{
	if ((hvm_ops->get_ctl(vcpu, HVM_CTL_EFER) & EFER_LMA) &&
	    (val >> boot_cpu_data.x86_phys_bits))
		return -EINVAL;
	return hvm_ops->set_ctl(vcpu, HVM_CTL_CR3, val);
}

static int hvm_exit_cr(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	u64 cr0, val;
	int r = 0;

	vcpu->stats[HVM_STAT_OTHER]++;
	/* MOV CR, CLTS and LMSW are CPL 0 only (SDM vol. 2). */
	if (hvm_ops->get_ctl(vcpu, HVM_CTL_CPL))
		return hvm_gp0(vcpu);
	switch (e->cr.type) {
	case HVM_CR_MOV_TO:
		val = hvm_gpr_read_ctl(vcpu, e->cr.gpr);
		switch (e->cr.cr) {
		case 0:
			r = hvm_set_cr0(vcpu, val);
			break;
		case 3:
			r = hvm_set_cr3(vcpu, val);
			break;
		case 4:
			r = hvm_set_cr4(vcpu, val);
			break;
		case 8:
			/* TPR: bits 63:4 reserved (SDM vol. 3A 2.5). */
			r = val & ~0xfULL ? -EINVAL :
				hvm_ops->set_ctl(vcpu, HVM_CTL_CR8, val);
			break;
		default:
			return hvm_ud(vcpu);
		}
		break;
	case HVM_CR_MOV_FROM:
		switch (e->cr.cr) {
		case 0:
		case 2:
		case 3:
		case 4:
		case 8:
			val = hvm_ops->get_ctl(vcpu, e->cr.cr == 0 ? HVM_CTL_CR0 :
					       e->cr.cr == 2 ? HVM_CTL_CR2 :
					       e->cr.cr == 3 ? HVM_CTL_CR3 :
					       e->cr.cr == 4 ? HVM_CTL_CR4 :
					       HVM_CTL_CR8);
			hvm_gpr_write_ctl(vcpu, e->cr.gpr, val);
			break;
		default:
			return hvm_ud(vcpu);
		}
		break;
	case HVM_CR_CLTS:
		r = hvm_set_cr0(vcpu, hvm_ops->get_ctl(vcpu, HVM_CTL_CR0) &
				~X86_CR0_TS);
		break;
	case HVM_CR_LMSW:
		/* LMSW loads CR0[3:0] but never clears PE (SDM vol. 2 LMSW). */
		cr0 = hvm_ops->get_ctl(vcpu, HVM_CTL_CR0);
		r = hvm_set_cr0(vcpu, (cr0 & ~0xeULL) | (e->cr.lmsw & 0xf) |
				(cr0 & X86_CR0_PE));
		break;
	}
	if (r == -EFAULT)
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT,
				     hvm_ops->get_ctl(vcpu, HVM_CTL_CR3));
	if (r)
		return hvm_gp0(vcpu);
	hvm_skip(vcpu, e);
	return 0;
}

/*
 * HLT (SDM vol. 2 HLT): RIP moves past it and the vCPU halts until an
 * interrupt, an NMI or a reset. With RFLAGS.IF set the vCPU thread sleeps
 * until one is raised (kmod/vcpu.c). With IF clear and no NMI pending
 * nothing can ever wake it: the VM stops with reason halt, RIP past the
 * HLT so a restart resumes after it.
 */
static int hvm_exit_hlt(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	vcpu->stats[HVM_STAT_HLT]++;
	hvm_skip(vcpu, e);
	if (!(hvm_ops->get_ctl(vcpu, HVM_CTL_RFLAGS) & X86_EFLAGS_IF) &&
	    !READ_ONCE(vcpu->nmi_pending))
		return hvm_vcpu_stop(vcpu, HVM_STOP_HALT, 0);
	WRITE_ONCE(vcpu->halted, true);
	return 0;
}

/* ---- nested paging ---- */

static int hvm_exit_npf(struct hvm_vcpu *vcpu, struct hvm_exit *e)
{
	u64 gpa = e->npf.gpa;
	int r;

	vcpu->stats[HVM_STAT_NPF]++;
	if (e->npf.access & HVM_NPF_RSVD)
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);

	r = hvm_mmio_access(vcpu, e);
	if (r != -ENOENT)
		return r;

	/*
	 * A page hvm mapped that faults again and again at the same RIP
	 * (a mapping the hardware does not accept): stop instead of
	 * spinning. Exceptions and interrupts delivered in between move RIP
	 * and reset the count.
	 */
	if (gpa == vcpu->npf_last_gpa && vcpu->rip == vcpu->npf_last_rip) {
		if (++vcpu->npf_repeat > HVM_NPF_REPEAT_MAX) {
			pr_warn_ratelimited("%s: nested page fault at %#llx does not resolve\n",
					    vcpu->vm->name, gpa);
			return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, EFAULT);
		}
	} else {
		vcpu->npf_last_gpa = gpa;
		vcpu->npf_last_rip = vcpu->rip;
		vcpu->npf_repeat = 0;
	}

	r = hvm_npt_map(vcpu->vm, gpa);
	if (!r)
		return 0;
	if (r == -EFAULT)
		return hvm_vcpu_stop(vcpu, HVM_STOP_FAULT, gpa);
	return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, -r);
}

/* ---- exceptions ---- */

/*
 * Alignment checking is on only at CPL 3 with CR0.AM and RFLAGS.AC set
 * (SDM vol. 3A 6.15 "Interrupt 17", APM vol. 2 8.2.18). Any other #AC is a
 * split-lock #AC of the host's split-lock detection (Intel TEST_CTRL):
 * never reflected into a guest that cannot expect it. KVM hands it to
 * handle_guest_split_lock(), whose "fatal" mode sends SIGBUS to the vCPU
 * thread; hvm stops the VM with reason unhandled instead.
 */
static bool hvm_guest_alignment_check(struct hvm_vcpu *vcpu)
{
	return hvm_ops->get_ctl(vcpu, HVM_CTL_CPL) == 3 &&
	       (hvm_ops->get_ctl(vcpu, HVM_CTL_CR0) & X86_CR0_AM) &&
	       (hvm_ops->get_ctl(vcpu, HVM_CTL_RFLAGS) & X86_EFLAGS_AC);
}

static int hvm_exit_exception(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	switch (e->exc.vector) {
	case X86_TRAP_AC:
		if (!hvm_guest_alignment_check(vcpu)) {
			pr_info_ratelimited("%s: split-lock #AC at RIP %#llx\n",
					    vcpu->vm->name, vcpu->rip);
			vcpu->event.type = HVM_EV_NONE;
			return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
		}
		/* #AC pushes an error code of 0 (SDM vol. 3A 6.15). */
		return hvm_queue_exception(vcpu, X86_TRAP_AC, true, 0);
	case X86_TRAP_DB:
		return hvm_queue_exception(vcpu, X86_TRAP_DB, false, 0);
	default:
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
	}
}

static int hvm_dispatch_exit(struct hvm_vcpu *vcpu, struct hvm_exit *e)
{
	switch (e->kind) {
	case HVM_EXIT_NONE:
		return 0;
	case HVM_EXIT_IO:
		return hvm_exit_io(vcpu, e);
	case HVM_EXIT_CPUID:
		return hvm_exit_cpuid(vcpu, e);
	case HVM_EXIT_RDMSR:
		return hvm_exit_msr(vcpu, e, false);
	case HVM_EXIT_WRMSR:
		return hvm_exit_msr(vcpu, e, true);
	case HVM_EXIT_HLT:
		return hvm_exit_hlt(vcpu, e);
	case HVM_EXIT_HYPERCALL:
		vcpu->stats[HVM_STAT_HYPERCALL]++;
		vcpu->gprs[HVM_GPR_RAX] =
			hvm_hypercall(vcpu, vcpu->gprs[HVM_GPR_RAX]);
		hvm_skip(vcpu, e);
		return 0;
	case HVM_EXIT_XSETBV:
		return hvm_exit_xsetbv(vcpu, e);
	case HVM_EXIT_CR:
		return hvm_exit_cr(vcpu, e);
	case HVM_EXIT_NPF:
		return hvm_exit_npf(vcpu, e);
	case HVM_EXIT_EXCEPTION:
		return hvm_exit_exception(vcpu, e);
	case HVM_EXIT_INVD:
		/*
		 * INVD, WBINVD, WBNOINVD: privileged (#GP(0) outside CPL 0,
		 * SDM vol. 2). Guest RAM is ordinary write-back memory the
		 * host keeps coherent and no device DMAs behind the caches:
		 * nothing to write back, so a guest looping on it costs one
		 * exit per iteration, never a package-wide flush.
		 */
		vcpu->stats[HVM_STAT_OTHER]++;
		if (hvm_ops->get_ctl(vcpu, HVM_CTL_CPL))
			return hvm_gp0(vcpu);
		hvm_skip(vcpu, e);
		return 0;
	case HVM_EXIT_UD:
		return hvm_ud(vcpu);
	case HVM_EXIT_RDPMC:
		/* No performance counters are virtualized: every index #GPs. */
		return hvm_gp0(vcpu);
	case HVM_EXIT_SHUTDOWN:
		vcpu->stats[HVM_STAT_SHUTDOWN]++;
		vcpu->event.type = HVM_EV_NONE;
		return hvm_vcpu_stop(vcpu, HVM_STOP_SHUTDOWN, 0);
	case HVM_EXIT_IRQ_WINDOW:
	case HVM_EXIT_NMI_WINDOW:
		/* hvm_inject_pending() delivers it before the next entry. */
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	default:
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, e->hw_code);
	}
}

/* See kmod/hvm.h. Every case below must stay free of sleeping calls. */
bool hvm_exit_fast(const struct hvm_exit *e)
{
	switch (e->kind) {
	case HVM_EXIT_CPUID:
	case HVM_EXIT_HYPERCALL:
	case HVM_EXIT_RDMSR:
	case HVM_EXIT_WRMSR:
	case HVM_EXIT_IRQ_WINDOW:
		return true;
	case HVM_EXIT_IO:
		/* INS/OUTS read or write guest RAM, which may allocate. */
		return !e->io.string;
	default:
		return false;
	}
}

/*
 * DR6 of the single-step trap hvm raises itself (SDM vol. 3B 18.2.3
 * "Debug Status Register (DR6)", APM vol. 2 13.1.1.3): BS set; B0-B3
 * report the breakpoint conditions this exception met, none, so they are
 * cleared (the SDM's "certain debug exceptions may clear bits 0-3", which
 * both vendors' CPUs do for a single step, and KVM too); BD, BT and the
 * bits that read as 1 stay as the guest left them (never cleared by the
 * processor).
 */
static void hvm_single_step_dr6(struct hvm_vcpu *vcpu)
{
	u64 dr6 = hvm_ops->get_ctl(vcpu, HVM_CTL_DR6);

	hvm_ops->set_ctl(vcpu, HVM_CTL_DR6, (dr6 & ~(u64)DR_TRAP_BITS) | DR_STEP);
}

/**
 * hvm_handle_exit() - the core's handling of one decoded exit
 * @vcpu: the vCPU, back from the guest (interrupts on and preemptible,
 *        or off for an exit hvm_exit_fast() accepts)
 * @e: the exit as the backend decoded it
 *
 * An instruction hvm completed for the guest (CPUID, RDMSR/WRMSR, port
 * I/O, the hypercall, HLT, an emulated MMIO access: RIP moved on, nothing
 * to deliver) while RFLAGS.TF was set owes the guest the single-step trap
 * the CPU would have raised after it (SDM vol. 3B 18.3.1.4 "Single-Step
 * Exception Condition", APM vol. 2 13.1.3.3): the hardware never saw the
 * instruction complete, so without this a debugger in the guest steps over
 * two instructions at once. DR6 says so: BS set, B0-B3 clear
 * (hvm_single_step_dr6()).
 *
 * Return: 0 to re-enter, 1 when the VM stops, or a negative errno.
 */
int hvm_handle_exit(struct hvm_vcpu *vcpu, struct hvm_exit *e)
{
	u64 rip = vcpu->rip;
	int r;

	hvm_exit_log(vcpu, e);	/* hvm:hvm_exit and the exit history */
	r = hvm_dispatch_exit(vcpu, e);

	if (r || vcpu->rip == rip || vcpu->event.type != HVM_EV_NONE)
		return r;
	if (!(hvm_ops->get_ctl(vcpu, HVM_CTL_RFLAGS) & X86_EFLAGS_TF))
		return 0;
	hvm_single_step_dr6(vcpu);
	return hvm_queue_exception(vcpu, X86_TRAP_DB, false, 0);
}
