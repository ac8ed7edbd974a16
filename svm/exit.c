// SPDX-License-Identifier: GPL-2.0
/*
 * hvm AMD-V backend: #VMEXIT decode and dispatch. Each exit code becomes a
 * vendor-neutral struct hvm_exit for the core (kmod/exit.c), which does
 * the work, moves RIP, raises the exceptions and counts the exit. What
 * stays here is what only AMD-V knows: how long the instruction was, which
 * register a MOV CR4 named, what EXITINFO1/2 say, and the exits no guest
 * can cause (machine checks, host interrupts, a VMCB VMRUN refused).
 *
 * QEMU's TCG SVM has neither NRIP save nor decode assists, so the next RIP
 * comes from fixed instruction lengths (or EXITINFO2 for IOIO) or a small
 * decode of the instruction bytes, and an OUTS with a segment override is
 * emulated with DS: the override is not reported on CPUs without decode
 * assists.
 */
#define pr_fmt(fmt) "hvm: svm: " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/page.h>
#include <asm/trapnr.h>

#include "svm.h"

/* Instruction lengths for CPUs without NRIP save. */
#define LEN_CPUID	2	/* 0f a2 */
#define LEN_RDWRMSR	2	/* 0f 32 / 0f 30 */
#define LEN_VMMCALL	3	/* 0f 01 d9 */
#define LEN_HLT		1	/* f4 */
#define LEN_XSETBV	3	/* 0f 01 d1 */
#define LEN_INVD	2	/* 0f 08 */

/* NPF EXITINFO1: the #PF error code bits of the nested walk (APM 15.25.6). */
#define NPF_WRITE	BIT_ULL(1)
#define NPF_RSVD	BIT_ULL(3)
#define NPF_FETCH	BIT_ULL(4)

/* CS is a 64-bit code segment (EFER.LMA and CS.L). */
static bool svm_code64(struct svm_vcpu *sv)
{
	const struct vmcb_save *s = &sv->vmcb->save;

	return (s->efer & EFER_LMA) && (s->cs.attrib & BIT(9));
}

/*
 * Length of the intercepted instruction: NRIP - RIP where the CPU saved
 * the next RIP (APM 15.7.1), else @fixed, the length of the one encoding
 * hvm expects (QEMU TCG).
 */
static u8 svm_insn_len(struct svm_vcpu *sv, unsigned int fixed)
{
	const struct vmcb *vmcb = sv->vmcb;

	if (svm_has(SVM_FEATURE_NRIPS) && vmcb->control.nrip)
		return vmcb->control.nrip - vmcb->save.rip;
	return fixed;
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
	u8 b[HVM_MAX_INSN];
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

/*
 * MOV to/from CR4 (intercepted both ways, vmcb.c: the hardware CR4 keeps
 * the host's MCE bit). With decode assists EXITINFO1 names the GPR (APM
 * 15.33.1); otherwise the instruction is decoded: 0F 22 /r (write) or
 * 0F 20 /r (read), ModRM.reg (+ REX.R, or LOCK) the control register,
 * ModRM.rm (+ REX.B) the GPR; the mod field is ignored (always a register
 * operand, APM vol. 3 "MOV CRn"). Bytes that are not that instruction
 * (the guest rewrote it) stop the VM as unhandled rather than guess.
 */
static int svm_decode_cr4(struct svm_vcpu *sv, bool write, struct hvm_exit *e)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	struct svm_insn insn;
	unsigned int cr;

	e->kind = HVM_EXIT_CR;
	e->cr.cr = 4;
	e->cr.type = write ? HVM_CR_MOV_TO : HVM_CR_MOV_FROM;
	if (svm_has(SVM_FEATURE_DECODE_ASSISTS) &&
	    svm_has(SVM_FEATURE_NRIPS) && (c->exitinfo1 & CR_EXITINFO1_MOV)) {
		e->cr.gpr = c->exitinfo1 & CR_EXITINFO1_GPR_MASK;
		e->insn_len = svm_insn_len(sv, 0);
		return 0;
	}
	if (svm_decode_0f(sv, write ? 0x22 : 0x20, true, &insn))
		return -EINVAL;
	cr = ((insn.modrm >> 3) & 7) | ((insn.rex & 4) ? 8 : 0) |
	     (insn.lock ? 8 : 0);
	if (cr != 4)
		return -EINVAL;
	e->cr.gpr = (insn.modrm & 7) | ((insn.rex & 1) ? 8 : 0);
	e->insn_len = insn.len;
	return 0;
}

/*
 * IOIO (APM 15.10.2): EXITINFO1 has port, size, direction, string/REP and
 * the address size; EXITINFO2 the next RIP, even without NRIP save. With
 * decode assists EXITINFO1[12:10] is the effective segment of OUTS, in
 * the x86 encoding (HVM_SEG_*).
 */
static void svm_decode_io(struct svm_vcpu *sv, struct hvm_exit *e)
{
	const struct vmcb *vmcb = sv->vmcb;
	u64 info = vmcb->control.exitinfo1;

	e->kind = HVM_EXIT_IO;
	e->insn_len = vmcb->control.exitinfo2 - vmcb->save.rip;
	e->io.port = info >> IOIO_PORT_SHIFT;
	e->io.size = info & IOIO_SZ8 ? 1 : info & IOIO_SZ16 ? 2 : 4;
	e->io.in = info & IOIO_TYPE_IN;
	e->io.string = info & IOIO_STR;
	e->io.rep = info & IOIO_REP;
	e->io.addr_size = info & IOIO_A16 ? 2 : info & IOIO_A32 ? 4 : 8;
	e->io.seg = HVM_SEG_DS;
	if (e->io.string && !e->io.in &&
	    svm_has(SVM_FEATURE_DECODE_ASSISTS) &&
	    ((info >> 10) & 7) < HVM_NR_SEGS)
		e->io.seg = (info >> 10) & 7;
}

/*
 * Nested page fault (APM 15.25.6): EXITINFO2 the guest-physical address,
 * EXITINFO1 the error code of the nested walk; with decode assists the
 * CPU also hands over the bytes it fetched at RIP (APM 15.33.4).
 */
static void svm_decode_npf(struct svm_vcpu *sv, struct hvm_exit *e)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	unsigned int n;

	e->kind = HVM_EXIT_NPF;
	e->npf.gpa = c->exitinfo2;
	if (c->exitinfo1 & NPF_WRITE)
		e->npf.access |= HVM_NPF_WRITE;
	else if (c->exitinfo1 & NPF_FETCH)
		e->npf.access |= HVM_NPF_FETCH;
	else
		e->npf.access |= HVM_NPF_READ;
	if (c->exitinfo1 & NPF_RSVD)
		e->npf.access |= HVM_NPF_RSVD;
	if (svm_has(SVM_FEATURE_DECODE_ASSISTS)) {
		n = min_t(unsigned int, c->nr_bytes_fetched, HVM_MAX_INSN);
		memcpy(e->npf.insn, c->guest_instruction_bytes, n);
		e->npf.insn_bytes = n;
	}
}

/*
 * WBINVD / WBNOINVD share one intercept (vmcb.c); without NRIP the length
 * comes from decoding 0F 09 with its prefixes (WBNOINVD is F3 0F 09). At
 * CPL > 0 the core raises #GP without moving RIP: nothing to decode.
 */
static int svm_decode_wbinvd(struct svm_vcpu *sv, struct hvm_exit *e)
{
	struct svm_insn insn;

	e->kind = HVM_EXIT_INVD;
	if (sv->vmcb->save.cpl)
		return 0;
	if (svm_has(SVM_FEATURE_NRIPS) && sv->vmcb->control.nrip) {
		e->insn_len = svm_insn_len(sv, 0);
		return 0;
	}
	/*
	 * QEMU (7.2 TCG) reports INVD (0F 08) with this exit code too, so
	 * accept both opcodes: either is a no-op for the core at CPL 0.
	 */
	if (svm_decode_0f(sv, 0x09, false, &insn) &&
	    svm_decode_0f(sv, 0x08, false, &insn))
		return -EINVAL;
	e->insn_len = insn.len;
	return 0;
}

/*
 * First access to a debug register: stop intercepting them and switch
 * DR0-3 around every later VMRUN (svm_guest_dr_enter/leave; DR6/DR7 are in
 * the VMCB). The instruction is not skipped; it executes natively on
 * re-entry.
 */
static void svm_exit_dr(struct svm_vcpu *sv)
{
	sv->vcpu->stats[HVM_STAT_OTHER]++;
	sv->dr_passthrough = true;
	sv->vmcb->control.intercept_dr = 0;
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
 *
 * The VMCB is undefined after a shutdown intercept: the control area is
 * rebuilt. The save area is kept for get_regs; a restart needs a new
 * register state anyway.
 */
static int svm_exit_shutdown(struct svm_vcpu *sv, struct hvm_exit *e)
{
	int r;

	svm_vmcb_init_control(sv);
	if (!sv->shutdown_mc) {
		e->kind = HVM_EXIT_SHUTDOWN;
		return hvm_handle_exit(sv->vcpu, e);
	}
	pr_err_ratelimited("%s: machine check shut the guest down\n",
			   sv->vcpu->vm->name);
	sv->vcpu->event.type = HVM_EV_NONE;
	r = hvm_vcpu_stop(sv->vcpu, HVM_STOP_INTERNAL, EIO);
	return r;
}

static int svm_exit_invalid(struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;

	pr_debug("%s: VMRUN refused the guest state: CR0 %#llx CR4 %#llx EFER %#llx\n",
		 sv->vcpu->vm->name, vmcb->save.cr0, vmcb->save.cr4,
		 vmcb->save.efer);
	return hvm_vcpu_stop(sv->vcpu, HVM_STOP_ENTRY_FAILED,
			     vmcb->control.exitcode);
}

/*
 * Exit codes of instructions hvm hides from guests (virtualization, SMM,
 * MONITOR/MWAIT, RDPRU, broadcast TLB invalidation): the core raises #UD.
 */
static bool svm_exit_hidden(u64 code)
{
	switch (code) {
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
		return true;
	default:
		return false;
	}
}

/*
 * Decode an instruction exit with a fixed encoding (or none to decode)
 * into @e. Return: false when @code is not one of them.
 */
static bool svm_decode_simple(struct svm_vcpu *sv, u64 code, struct hvm_exit *e)
{
	switch (code) {
	case VMEXIT_HLT:
		e->kind = HVM_EXIT_HLT;
		e->insn_len = svm_insn_len(sv, LEN_HLT);
		return true;
	case VMEXIT_CPUID:
		e->kind = HVM_EXIT_CPUID;
		e->insn_len = svm_insn_len(sv, LEN_CPUID);
		return true;
	case VMEXIT_MSR:
		e->kind = sv->vmcb->control.exitinfo1 & MSR_EXITINFO1_WRITE ?
			  HVM_EXIT_WRMSR : HVM_EXIT_RDMSR;
		e->insn_len = svm_insn_len(sv, LEN_RDWRMSR);
		return true;
	case VMEXIT_VMMCALL:
		e->kind = HVM_EXIT_HYPERCALL;
		e->insn_len = svm_insn_len(sv, LEN_VMMCALL);
		return true;
	case VMEXIT_XSETBV:
		e->kind = HVM_EXIT_XSETBV;
		e->insn_len = svm_insn_len(sv, LEN_XSETBV);
		return true;
	case VMEXIT_INVD:
		e->kind = HVM_EXIT_INVD;
		e->insn_len = svm_insn_len(sv, LEN_INVD);
		return true;
	case VMEXIT_RDPMC:
		e->kind = HVM_EXIT_RDPMC;
		return true;
	case VMEXIT_EXCP_BASE + X86_TRAP_DB:
	case VMEXIT_EXCP_BASE + X86_TRAP_AC:
		/* #AC pushes an error code of 0; #DB none (APM 8.2). */
		e->kind = HVM_EXIT_EXCEPTION;
		e->exc.vector = code - VMEXIT_EXCP_BASE;
		e->exc.has_error = e->exc.vector == X86_TRAP_AC;
		return true;
	case VMEXIT_VINTR:
		e->kind = HVM_EXIT_IRQ_WINDOW;
		return true;
	case VMEXIT_IRET:
		/*
		 * The guest's NMI handler returns: the mask ends once the
		 * IRET has executed (event.c). Intercepted before it runs.
		 */
		e->kind = HVM_EXIT_NMI_WINDOW;
		sv->nmi_iret_seen = true;
		sv->nmi_iret_rip = sv->vcpu->rip;
		return true;
	default:
		if (!svm_exit_hidden(code))
			return false;
		e->kind = HVM_EXIT_UD;
		return true;
	}
}

/**
 * svm_exit_fast() - may svm_vcpu_run() handle this #VMEXIT in its loop?
 * @sv: the vCPU, just back from VMRUN, interrupts off
 *
 * Decodes the exit into a scratch record, without side effects, for the
 * core's hvm_exit_fast() to judge. Host interrupts (VMEXIT_INTR) are not:
 * they must be taken first.
 *
 * Return: true when svm_handle_exit() may run with interrupts off.
 */
bool svm_exit_fast(struct svm_vcpu *sv)
{
	u64 code = sv->vmcb->control.exitcode;
	struct hvm_exit e = { .hw_code = code };

	switch (code) {
	case VMEXIT_IOIO:
		svm_decode_io(sv, &e);
		break;
	case VMEXIT_CPUID:
	case VMEXIT_MSR:
	case VMEXIT_VMMCALL:
	case VMEXIT_VINTR:
		svm_decode_simple(sv, code, &e);
		break;
	default:
		return false;
	}
	return hvm_exit_fast(&e);
}

/**
 * svm_handle_exit() - decode one #VMEXIT and hand it to the core
 * @sv: the vCPU, just back from VMRUN, interrupts enabled (or off where
 *      svm_exit_fast() said so); the register file already holds the
 *      guest's RAX, RSP and RIP
 *
 * Return: 0 to re-enter, 1 when the VM stops, negative errno on an
 * internal error.
 */
int svm_handle_exit(struct svm_vcpu *sv)
{
	struct hvm_vcpu *vcpu = sv->vcpu;
	u64 code = sv->vmcb->control.exitcode;
	struct hvm_exit e = { .hw_code = code };

	vcpu->stats[HVM_STAT_EXITS]++;
	svm_event_exit(sv);

	if ((u32)code == VMEXIT_INVALID)
		return svm_exit_invalid(sv);

	switch (code) {
	case VMEXIT_INTR:
		/* The host took the interrupt once IRQs were back on. */
		vcpu->stats[HVM_STAT_INTR]++;
		return 0;
	case VMEXIT_NMI:
		vcpu->stats[HVM_STAT_NMI]++;
		return 0;
	case VMEXIT_SMI:
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	case VMEXIT_EXCP_MC:
		/*
		 * svm_vcpu_run() already handed it to the host's handler with
		 * interrupts off, right after the #VMEXIT (APM 15.12: an
		 * intercepted #MC is not delivered anywhere else). The guest
		 * goes on; it never sees the host's machine check.
		 */
		vcpu->stats[HVM_STAT_OTHER]++;
		return 0;
	case VMEXIT_DR0_READ ... VMEXIT_DR15_WRITE:
		svm_exit_dr(sv);
		return 0;
	case VMEXIT_SHUTDOWN:
		return svm_exit_shutdown(sv, &e);
	case VMEXIT_IOIO:
		svm_decode_io(sv, &e);
		break;
	case VMEXIT_NPF:
		svm_decode_npf(sv, &e);
		break;
	case VMEXIT_CR4_READ:
	case VMEXIT_CR4_WRITE:
		if (svm_decode_cr4(sv, code == VMEXIT_CR4_WRITE, &e))
			return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, code);
		break;
	case VMEXIT_WBINVD:
		if (svm_decode_wbinvd(sv, &e))
			return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, code);
		break;
	default:
		if (!svm_decode_simple(sv, code, &e))
			return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, code);
		break;
	}
	return hvm_handle_exit(vcpu, &e);
}
