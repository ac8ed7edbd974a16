// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x exits: read what the exit left in the VMCS, decode it into the
 * core's vendor-neutral record (struct hvm_exit) and hand it to
 * hvm_handle_exit() (kmod/exit.c), which emulates, moves RIP, raises
 * exceptions and counts. What stays here is what only VT-x has: the NMI
 * and machine-check hand-off to the host, the decoding of exit
 * qualifications, MOV DR (SVM passes the debug registers through) and the
 * reporting of failed entries.
 */
#define pr_fmt(fmt) "hvm: vmx: " fmt

#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx.h"

/* ---------------------------------------------------------------------- */
/* Right after the exit, interrupts still off */

/* IDT-vectoring / interruption-information type -> enum hvm_guest_event_type */
static const u8 vmx_ev_type[8] = {
	[0] = HVM_EV_INTR,
	[2] = HVM_EV_NMI,
	[3] = HVM_EV_EXCEPTION,
	[4] = HVM_EV_SOFT_INT,
	[5] = HVM_EV_PRIV_SOFT,
	[6] = HVM_EV_SOFT_EXC,
};

/*
 * An exit in the middle of an event's delivery (an EPT violation on the
 * guest's IDT or stack, say; SDM 28.2.4 / 27.2.4 "Information for VM Exits
 * During Event Delivery"): the core delivers it again at the next entry.
 * Every type goes back in, software interrupts and exceptions too: VM
 * entry injects them with the VM-exit instruction length, which the CPU
 * saved for exactly this (SDM 28.2.5 / 27.2.5), so the guest sees one
 * delivery of its INTn, never none and never two.
 */
static void vmx_event_interrupted(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	struct hvm_guest_event ev = {};

	if (!(idt & INTR_INFO_VALID))
		return;
	ev.type = vmx_ev_type[(idt & INTR_INFO_TYPE_MASK) >> 8];
	if (ev.type == HVM_EV_NONE)
		return;
	ev.vector = idt & INTR_INFO_VECTOR_MASK;
	if (idt & INTR_INFO_DELIVER_CODE) {
		ev.has_error = true;
		ev.error = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	}
	if (ev.type >= HVM_EV_SOFT_INT)
		ev.insn_len = e->len;
	hvm_event_interrupted(vmx->vcpu, &ev);
}

/**
 * vmx_read_exit() - what the exit left in the VMCS (interrupts off)
 * @vmx: the vCPU, its VMCS current
 * @e: out: the exit
 *
 * Hands NMIs and machine checks to the host at once, and gives an event
 * whose delivery the exit cut short back to the core. RSP and RIP go to
 * the core's register file.
 */
void vmx_read_exit(struct vmx_vcpu *vmx, struct vmx_exit *e)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	u32 basic;

	e->reason = vmcs_read32(VM_EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	e->rip = vmcs_read(GUEST_RIP);
	e->intr_info = 0;
	vmx->vmcs_rip = e->rip;
	vmx->vmcs_rsp = vmcs_read(GUEST_RSP);
	vcpu->rip = e->rip;
	vcpu->gprs[HVM_GPR_RSP] = vmx->vmcs_rsp;
	basic = e->reason & EXIT_REASON_BASIC_MASK;
	if (e->reason & EXIT_REASON_ENTRY_FAILED) {
		/*
		 * Exit reason 41: a machine check during VM entry (SDM 26.8 /
		 * 27.8 "Machine-Check Events During VM Entry"). The event is
		 * the host's; then the entry failed like any other.
		 */
		if (basic == EXIT_REASON_MCE_DURING_VMENTRY) {
			e->machine_check = true;
			hvm_machine_check();
		}
		vmx_reset_launch(vmx);
		return;
	}
	if (e->reason == EXIT_REASON_EXCEPTION_NMI) {
		e->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
		if ((e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) ==
		    (INTR_INFO_VALID | INTR_TYPE_NMI)) {
			/* The exit consumed the NMI and blocks NMIs: see entry.S. */
			hvm_vmx_do_nmi_irqoff();
		} else if ((e->intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK |
					    INTR_INFO_VECTOR_MASK)) ==
			   (INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC)) {
			e->machine_check = true;
			hvm_machine_check();
		}
	}
	/*
	 * A triple-fault exit is not always the guest's doing: a machine check
	 * the CPU could not deliver (a second one while MCG_STATUS.MCIP is still
	 * set, SDM Vol. 3B "Machine-Check Exception" / 6.15 "Interrupt 18": the
	 * processor enters shutdown) is a shutdown, and shutdown in VMX non-root
	 * operation is a triple-fault VM exit (SDM 26.2 / 25.2 "Other Causes of VM
	 * Exits": triple fault). CR4.MCE is always set while a guest runs
	 * (vmx_actual_cr4()), so the "CR4.MCE = 0" route to shutdown is closed.
	 * MCIP still set at the exit tells the two apart.
	 */
	if (e->reason == EXIT_REASON_TRIPLE_FAULT && hvm_mc_in_progress()) {
		e->machine_check = true;
		hvm_machine_check();
	}
	vmx_event_interrupted(vmx, e);
}

/* ---------------------------------------------------------------------- */
/* MOV DR: VT-x only */

static bool vmx_long_mode(void)
{
	return (vmcs_read(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & (1U << 13));
}

/*
 * MOV DR always exits: DR0-3 are kept here and loaded around entries
 * once the guest used them (vmx_guest_dr_enter()), DR6 is virtual (#DB
 * is intercepted, so the CPU never writes it for the guest), DR7 lives in
 * the VMCS. SDM vol. 2 "MOV—Move to/from Debug Registers": #GP(0) outside
 * CPL 0 and for set bits 63:32 of DR6/DR7; DR4/DR5 alias DR6/DR7 unless
 * CR4.DE, which makes them #UD. The operand is 64 bits in 64-bit mode,
 * 32 otherwise.
 */
static int vmx_exit_dr(struct vmx_vcpu *vmx, const struct vmx_exit *e)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	unsigned int dr = e->qual & DRQ_NUM_MASK;
	unsigned int reg = (e->qual >> DRQ_GPR_SHIFT) & 0xf;
	bool wide = vmx_long_mode();
	u64 val;

	vcpu->stats[HVM_STAT_OTHER]++;
	if (vmx_cpl())
		return hvm_queue_exception(vcpu, X86_TRAP_GP, true, 0);
	if (dr == 4 || dr == 5) {
		if (vmx_guest_cr4() & X86_CR4_DE)
			return hvm_queue_exception(vcpu, X86_TRAP_UD, false, 0);
		dr += 2;
	}
	if (e->qual & DRQ_FROM_DR) {
		if (dr < 4)
			val = vmx->dr[dr];
		else if (dr == 6)
			val = vmx->dr6;
		else
			val = vmcs_read(GUEST_DR7);
		vcpu->gprs[reg] = wide ? val : (u32)val;
	} else {
		val = wide ? vcpu->gprs[reg] : (u32)vcpu->gprs[reg];
		if (dr < 4) {
			vmx->dr[dr] = val;
			vmx->dr_active = true;
		} else if (dr == 6) {
			if (val >> 32)
				return hvm_queue_exception(vcpu, X86_TRAP_GP, true, 0);
			vmx->dr6 = (val & 0xe00f) | DR6_RESERVED;
		} else {
			if (val >> 32)
				return hvm_queue_exception(vcpu, X86_TRAP_GP, true, 0);
			vmcs_write(GUEST_DR7, (val & ~0x2800ULL) | VMX_DR7_FIXED1);
			if (val & 0xff)
				vmx->dr_active = true;
		}
	}
	vcpu->rip = e->rip + e->len;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Decode */

/*
 * An intercepted exception or NMI (exit reason 0). NMIs and #MC went to
 * the host in vmx_read_exit(); #DB and #AC are the guest's (the exception
 * bitmap has them because they can loop in microcode) and the core
 * reflects them.
 */
static void vmx_decode_exception(struct vmx_vcpu *vmx, const struct vmx_exit *ve,
				 struct hvm_exit *e)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	u32 type = ve->intr_info & INTR_INFO_TYPE_MASK;
	unsigned int vector = ve->intr_info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI) {
		vcpu->stats[HVM_STAT_NMI]++;
		return;
	}
	if (vector == X86_TRAP_MC)
		return;		/* the host's handler already ran: resume */
	e->kind = HVM_EXIT_EXCEPTION;
	e->exc.vector = vector;
	if (ve->intr_info & INTR_INFO_DELIVER_CODE) {
		e->exc.has_error = true;
		e->exc.error = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	}
	if (vector != X86_TRAP_DB)
		return;
	/* A #DB exit leaves DR6 alone and reports its bits in the qualification. */
	if (type == INTR_TYPE_HARD_EXCEPTION)
		vmx->dr6 = (vmx->dr6 & ~0xe00fUL) | (ve->qual & 0xe00f);
	/*
	 * INT1 (ICEBP) exits before its delivery with RIP on the instruction
	 * (SDM 28.2.2 / 27.2.2): delivering it is a trap-like #DB past the
	 * instruction, which is what the core's hardware #DB at the next RIP
	 * gives.
	 */
	if (type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vcpu->rip = ve->rip + ve->len;
}

/*
 * IN, OUT, INS, OUTS (SDM table 28-5 "Exit Qualification for I/O
 * Instructions"). String I/O: the address size and the OUTS segment come
 * from the VM-exit instruction information where the CPU reports it
 * (IA32_VMX_BASIC[54], SDM table 28-8); otherwise from the code segment,
 * with DS (no override decoded).
 */
static void vmx_decode_io(const struct vmx_exit *ve, struct hvm_exit *e)
{
	u32 info;

	e->kind = HVM_EXIT_IO;
	e->io.size = (ve->qual & IOQ_SIZE_MASK) + 1;
	e->io.in = ve->qual & IOQ_IN;
	e->io.port = ve->qual >> IOQ_PORT_SHIFT;
	e->io.string = ve->qual & IOQ_STRING;
	e->io.rep = ve->qual & IOQ_REP;
	e->io.seg = HVM_SEG_DS;
	if (!e->io.string)
		return;
	if (vmx_caps.ins_outs_info) {
		info = vmcs_read32(VMX_INSTRUCTION_INFO);
		e->io.addr_size = min(2U << ((info >> 7) & 3), 8U);
		e->io.seg = (info >> 15) & 7;
	} else if (vmx_long_mode()) {
		e->io.addr_size = 8;
	} else {
		e->io.addr_size = (vmcs_read32(GUEST_CS_AR_BYTES) & (1U << 14)) ? 4 : 2;
	}
}

/* MOV CR, CLTS, LMSW (SDM table 28-3 "Exit Qualification for Control-Register Accesses"). */
static void vmx_decode_cr(const struct vmx_exit *ve, struct hvm_exit *e)
{
	e->kind = HVM_EXIT_CR;
	e->cr.cr = ve->qual & CRQ_NUM_MASK;
	e->cr.gpr = (ve->qual >> CRQ_GPR_SHIFT) & 0xf;
	e->cr.lmsw = ve->qual >> CRQ_LMSW_SHIFT;
	switch ((ve->qual >> CRQ_TYPE_SHIFT) & CRQ_TYPE_MASK) {
	case CRQ_TYPE_MOV_TO:
		e->cr.type = HVM_CR_MOV_TO;
		break;
	case CRQ_TYPE_MOV_FROM:
		e->cr.type = HVM_CR_MOV_FROM;
		break;
	case CRQ_TYPE_CLTS:
		e->cr.type = HVM_CR_CLTS;
		break;
	default:
		e->cr.type = HVM_CR_LMSW;
		break;
	}
}

/*
 * EPT violation (SDM table 28-7) or misconfiguration: an EPT entry hvm
 * wrote with bits the CPU rejects is a reserved-bit fault to the core,
 * which stops the VM with reason unhandled.
 */
static void vmx_decode_ept(struct vmx_vcpu *vmx, const struct vmx_exit *ve,
			   struct hvm_exit *e)
{
	e->kind = HVM_EXIT_NPF;
	e->npf.gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	if (ve->reason == EXIT_REASON_EPT_MISCONFIG) {
		pr_err_ratelimited("vm %s: EPT misconfiguration at GPA %#llx\n",
				   vmx->vcpu->vm->name, e->npf.gpa);
		e->npf.access = HVM_NPF_RSVD;
		return;
	}
	if (ve->qual & EPTQ_READ)
		e->npf.access |= HVM_NPF_READ;
	if (ve->qual & EPTQ_WRITE)
		e->npf.access |= HVM_NPF_WRITE;
	if (ve->qual & EPTQ_FETCH)
		e->npf.access |= HVM_NPF_FETCH;
}

/*
 * Exit reason -> record: a flat table, one case per reason (hence its
 * length). Returns false for a reason the backend does not expect (the VM
 * stops with reason unhandled).
 *
 * Long by design: one case per basic exit reason, a table from SDM vol. 3C
 * appendix C.
 */
static bool vmx_decode_exit(struct vmx_vcpu *vmx, const struct vmx_exit *ve,
			    struct hvm_exit *e)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;

	e->hw_code = ve->reason;
	e->insn_len = ve->len;
	switch (ve->reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		vmx_decode_exception(vmx, ve, e);
		return true;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		/* The host takes its interrupt once ours are back on. */
		vcpu->stats[HVM_STAT_INTR]++;
		return true;
	case EXIT_REASON_INIT_SIGNAL:
	case EXIT_REASON_SIPI_SIGNAL:
		vcpu->stats[HVM_STAT_OTHER]++;
		return true;
	case EXIT_REASON_TRIPLE_FAULT:
		e->kind = HVM_EXIT_SHUTDOWN;
		return true;
	case EXIT_REASON_INTERRUPT_WINDOW:
		e->kind = HVM_EXIT_IRQ_WINDOW;
		return true;
	case EXIT_REASON_NMI_WINDOW:
		e->kind = HVM_EXIT_NMI_WINDOW;
		return true;
	case EXIT_REASON_CPUID:
		e->kind = HVM_EXIT_CPUID;
		return true;
	case EXIT_REASON_HLT:
		e->kind = HVM_EXIT_HLT;
		return true;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		e->kind = HVM_EXIT_INVD;
		return true;
	case EXIT_REASON_VMCALL:
		e->kind = HVM_EXIT_HYPERCALL;
		return true;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_RSM:
	case EXIT_REASON_ENCLS:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
		/* VMX, SMX, SGX and MONITOR/MWAIT are hidden from the guest. */
		e->kind = HVM_EXIT_UD;
		return true;
	case EXIT_REASON_RDPMC:
		e->kind = HVM_EXIT_RDPMC;
		return true;
	case EXIT_REASON_CR_ACCESS:
		vmx_decode_cr(ve, e);
		return true;
	case EXIT_REASON_IO_INSTRUCTION:
		vmx_decode_io(ve, e);
		return true;
	case EXIT_REASON_MSR_READ:
		e->kind = HVM_EXIT_RDMSR;
		return true;
	case EXIT_REASON_MSR_WRITE:
		e->kind = HVM_EXIT_WRMSR;
		return true;
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		vmx_decode_ept(vmx, ve, e);
		return true;
	case EXIT_REASON_XSETBV:
		e->kind = HVM_EXIT_XSETBV;
		return true;
	default:
		return false;
	}
}

/**
 * vmx_exit_fast() - may vmx_vcpu_run() handle this exit in its loop?
 * @vmx: the vCPU, just back from the guest, interrupts off
 * @ve: the exit as vmx_read_exit() found it
 *
 * Decodes the exits it may accept into a scratch record (decoding those
 * has no side effect) for the core's hvm_exit_fast() to judge. Host
 * interrupts are not: they must be taken first.
 *
 * Return: true when vmx_handle_exit() may run with interrupts off.
 */
bool vmx_exit_fast(struct vmx_vcpu *vmx, const struct vmx_exit *ve)
{
	struct hvm_exit e = {};

	switch (ve->reason) {
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_CPUID:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_INTERRUPT_WINDOW:
		return vmx_decode_exit(vmx, ve, &e) && hvm_exit_fast(&e);
	default:
		return false;
	}
}

/**
 * vmx_handle_exit() - decode one exit and dispatch it (preemptible, or
 *                     interrupts off where vmx_exit_fast() said so)
 * @vmx: the vCPU
 * @ve: the exit as vmx_read_exit() found it
 *
 * Return: 0 to re-enter, 1 when the VM stops, or a negative errno.
 */
int vmx_handle_exit(struct vmx_vcpu *vmx, const struct vmx_exit *ve)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	struct hvm_exit e = {};

	vcpu->stats[HVM_STAT_EXITS]++;
	if (ve->reason == EXIT_REASON_DR_ACCESS)
		return vmx_exit_dr(vmx, ve);
	/* A host machine check the guest could not take: not the guest's triple fault. */
	if (ve->reason == EXIT_REASON_TRIPLE_FAULT && ve->machine_check) {
		pr_err_ratelimited("vm %s: machine check shut the guest down (handled by the host)\n",
				   vcpu->vm->name);
		return hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, EIO);
	}
	if (!vmx_decode_exit(vmx, ve, &e)) {
		vcpu->stats[HVM_STAT_OTHER]++;
		pr_info_ratelimited("vm %s: unhandled exit reason %u at RIP %#llx\n",
				    vcpu->vm->name, ve->reason, ve->rip);
		return hvm_vcpu_stop(vcpu, HVM_STOP_UNHANDLED, ve->reason);
	}
	return hvm_handle_exit(vcpu, &e);
}

/* ---------------------------------------------------------------------- */
/* Failed entries */

static const char *vmx_insn_error_str(u32 err)
{
	switch (err) {
	case 4:  return "VMLAUNCH with non-clear VMCS";
	case 5:  return "VMRESUME with non-launched VMCS";
	case 7:  return "invalid control field(s)";
	case 8:  return "invalid host-state field(s)";
	case 26: return "events blocked by MOV SS";
	default: return "see SDM 31.4";
	}
}

/* HVM_A_VM_HW_ERROR when a VMX instruction of the entry faulted (as KVM's 0xdead). */
#define VMX_ENTRY_FAULTED	0xdead

/**
 * vmx_entry_failed() - the CPU refused the guest: stop with reason entry-failed
 * @vmx: the vCPU
 * @e: the exit (reason with bit 31 set), when @ret is 0
 * @ret: hvm_vmx_enter()'s result
 *
 * hw_error is the VM-instruction error for a VMfail, or the full exit
 * reason (bit 31 set) with the exit qualification in bits 63:32 for a
 * failed guest-state check.
 *
 * Return: 1 (the VM stops).
 */
int vmx_entry_failed(struct vmx_vcpu *vmx, const struct vmx_exit *e, int ret)
{
	struct hvm_vcpu *vcpu = vmx->vcpu;
	u64 code;

	if (ret == 2) {
		/* VMX was turned off under us (emergency reboot, kexec): no oops. */
		pr_err_ratelimited("vm %s: VM entry faulted (VMX off on this CPU?)\n",
				   vcpu->vm->name);
		return hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, VMX_ENTRY_FAULTED);
	}
	if (ret == 1) {
		code = e->insn_error;
		pr_warn_ratelimited("vm %s: VM entry failed: VM-instruction error %u (%s)\n",
				    vcpu->vm->name, e->insn_error,
				    vmx_insn_error_str(e->insn_error));
	} else {
		code = ((u64)(u32)e->qual << 32) | e->reason;
		pr_warn_ratelimited("vm %s: VM entry failed: %s (exit reason %#x, qualification %#llx)\n",
				    vcpu->vm->name,
				    (e->reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_INVALID_STATE ?
				    "invalid guest state" :
				    (e->reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_MSR_LOAD_FAIL ?
				    "MSR loading" : "machine check",
				    e->reason, e->qual);
	}
	return hvm_vcpu_stop(vcpu, HVM_STOP_ENTRY_FAILED, code);
}
