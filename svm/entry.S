/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm AMD-V backend: the world switch.
 *
 * Called with GIF clear and RFLAGS.IF set by the caller (see svm_vcpu_run()):
 * with V_INTR_MASKING the host's RFLAGS.IF at VMRUN decides whether
 * physical interrupts exit the guest (APM 15.21.1), while GIF=0 keeps them
 * pending in host mode (APM 15.17). No STI here: AMD CPUs carry the STI
 * shadow into the guest's interrupt shadow when an event delivered during
 * VMRUN causes a #VMEXIT. VMRUN switches RAX, RSP,
 * RIP, RFLAGS, the control registers and CS/DS/ES/SS; the other GPRs are
 * loaded and saved here, and the state VMRUN leaves alone (FS, GS, TR,
 * LDTR, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) is switched
 * with VMLOAD/VMSAVE: guest state from/to the VMCB, host state from a
 * per-CPU page the C side filled with VMSAVE.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "../kmod/regs.h"
#include "../kmod/entry.h"

/* Byte offset of a guest GPR in hvm_vcpu::gprs[] (the core's register file). */
#define GPR(n)		(HVM_GPR_##n * 8)

/* Stack layout after the prologue (offsets from %rsp). */
#define STK_HOST_PA	0
#define STK_VMCB_PA	8
#define STK_GPRS	16
#define STK_STATUS	24

	.text

/*
 * int svm_vmrun(unsigned long *gprs, unsigned long vmcb_pa,
 *		 unsigned long host_vmsave_pa)
 *
 * @gprs is the vCPU's register file (hvm_vcpu::gprs, HVM_GPR_* order);
 * its RAX and RSP slots are not touched here: VMRUN switches those two
 * through the VMCB, and svm_vcpu_run() copies them.
 *
 * Returns 0, or 1 when VMLOAD, VMRUN or VMSAVE faulted (EFER.SVME was
 * cleared under us, e.g. by an emergency reboot); the exception table
 * then resumes after the faulting instruction.
 */
SYM_FUNC_START(svm_vmrun)
	HVM_PUSH_FRAME
	push	$0			/* STK_STATUS */
	push	%rdi			/* STK_GPRS */
	push	%rsi			/* STK_VMCB_PA */
	push	%rdx			/* STK_HOST_PA */

	/* Guest FS/GS/TR/LDTR and syscall MSRs. */
	mov	%rsi, %rax
1:	vmload	%rax
2:
	mov	GPR(RCX)(%rdi), %rcx
	mov	GPR(RDX)(%rdi), %rdx
	mov	GPR(RBX)(%rdi), %rbx
	mov	GPR(RBP)(%rdi), %rbp
	mov	GPR(RSI)(%rdi), %rsi
	mov	GPR(R8)(%rdi), %r8
	mov	GPR(R9)(%rdi), %r9
	mov	GPR(R10)(%rdi), %r10
	mov	GPR(R11)(%rdi), %r11
	mov	GPR(R12)(%rdi), %r12
	mov	GPR(R13)(%rdi), %r13
	mov	GPR(R14)(%rdi), %r14
	mov	GPR(R15)(%rdi), %r15
	mov	GPR(RDI)(%rdi), %rdi

	/*
	 * MDS/TAA/MMIO/TSA: clear CPU buffers with VERW where the host asked
	 * for it before entering a guest (X86_FEATURE_CLEAR_CPU_BUF_VM, set
	 * by the kernel's mitigation selection on both 6.1 and 6.12). Only
	 * EFLAGS.ZF is clobbered; the guest's RFLAGS come from the VMCB.
	 */
	VM_CLEAR_CPU_BUFFERS
3:	vmrun	%rax
4:

	/* RAX is the host's again (the VMCB address); the stack is ours. */
	mov	STK_GPRS(%rsp), %rax
	mov	%rcx, GPR(RCX)(%rax)
	mov	%rdx, GPR(RDX)(%rax)
	mov	%rbx, GPR(RBX)(%rax)
	mov	%rbp, GPR(RBP)(%rax)
	mov	%rsi, GPR(RSI)(%rax)
	mov	%rdi, GPR(RDI)(%rax)
	mov	%r8, GPR(R8)(%rax)
	mov	%r9, GPR(R9)(%rax)
	mov	%r10, GPR(R10)(%rax)
	mov	%r11, GPR(R11)(%rax)
	mov	%r12, GPR(R12)(%rax)
	mov	%r13, GPR(R13)(%rax)
	mov	%r14, GPR(R14)(%rax)
	mov	%r15, GPR(R15)(%rax)

	mov	STK_VMCB_PA(%rsp), %rax
5:	vmsave	%rax
6:
	/* Host FS/GS (per-CPU data), TR, LDTR and syscall MSRs. */
	mov	STK_HOST_PA(%rsp), %rax
7:	vmload	%rax
8:
	/*
	 * SpectreRSB: the guest may have poisoned the RSB; stuff it before
	 * the first unbalanced RET. The kernel sets X86_FEATURE_RSB_VMEXIT
	 * where that is needed (retpoline, LFENCE and IBRS modes) and clears
	 * it where an IBPB on VM exit already flushes the RSB; keying on
	 * X86_FEATURE_RETPOLINE missed IBRS mode and filled needlessly
	 * otherwise. RSB_VMEXIT_LITE (eIBRS with PBRSB) needs a single CALL.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	/*
	 * Retbleed/SRSO: untrain RET before the first one, and the IBPB the
	 * host wants on every VM exit (SRSO "IBPB on VMEXIT", retbleed=ibpb,
	 * VMSCAPE where it chose that); clobbers AX/CX/DX. 6.12 has the VM
	 * flavour as one macro, 6.1 (with the same features backported)
	 * spells it out as its KVM does.
	 */
#ifdef UNTRAIN_RET_VM
	UNTRAIN_RET_VM
#else
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#endif
	/*
	 * BHI: clear the branch history the guest left where the host uses
	 * the software sequence on VM exit (X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT;
	 * never set on AMD, which is not affected, but the feature decides).
	 * clear_bhb_loop clobbers AX and CX only, and its CALLs and RETs are
	 * balanced after the RSB work above.
	 */
	CLEAR_BRANCH_HISTORY_VMEXIT

	/* Leave no guest value in a register the host might consume. */
	HVM_CLEAR_GUEST_GPRS

	add	$STK_STATUS, %rsp
	pop	%rax			/* status */
	HVM_POP_FRAME
	RET

10:	movq	$1, STK_STATUS(%rsp)
	jmp	2b
11:	movq	$1, STK_STATUS(%rsp)
	jmp	4b
12:	movq	$1, STK_STATUS(%rsp)
	jmp	6b
13:	movq	$1, STK_STATUS(%rsp)
	jmp	8b

	_ASM_EXTABLE(1b, 10b)
	_ASM_EXTABLE(3b, 11b)
	_ASM_EXTABLE(5b, 12b)
	_ASM_EXTABLE(7b, 13b)
SYM_FUNC_END(svm_vmrun)
