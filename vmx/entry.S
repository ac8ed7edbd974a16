/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit: load the guest GPRs, VMLAUNCH/VMRESUME, and on the
 * VM exit (HOST_RIP = hvm_vmx_exit, HOST_RSP = our frame) save them and
 * restore the callee-saved host registers.
 *
 * Speculation mitigations, in the order KVM's __vmx_vcpu_run() has them on
 * both supported kernels (the ALTERNATIVEs are patched at module load by
 * the kernel's own feature bits, so they follow the host's mitigation
 * choices and command line):
 *  - VERW (VM_CLEAR_CPU_BUFFERS, X86_FEATURE_CLEAR_CPU_BUF_VM: MDS, TAA,
 *    RFDS, MMIO stale data) as the last memory access before VMLAUNCH/
 *    VMRESUME; it clobbers ZF, so the launch choice travels in CF;
 *  - after the exit, before the first unbalanced RET: the RSB is stuffed
 *    (X86_FEATURE_RSB_VMEXIT, or the single-entry PBRSB variant
 *    X86_FEATURE_RSB_VMEXIT_LITE with eIBRS), SPEC_CTRL is rewritten for
 *    legacy IBRS (hvm_vmx_spec_ctrl_restore()), and the branch history is
 *    cleared (CLEAR_BRANCH_HISTORY_VMEXIT, BHI).
 */
#include <linux/linkage.h>
#include <linux/version.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#include "vmcs.h"
#include "../kmod/entry.h"
#include "../kmod/regs.h"

/*
 * Byte offsets into the core's register file, struct hvm_vcpu.gprs
 * (kmod/regs.h numbering). RSP is not here: the VMCS holds it.
 */
#define G_RAX	(HVM_GPR_RAX * 8)
#define G_RCX	(HVM_GPR_RCX * 8)
#define G_RDX	(HVM_GPR_RDX * 8)
#define G_RBX	(HVM_GPR_RBX * 8)
#define G_RBP	(HVM_GPR_RBP * 8)
#define G_RSI	(HVM_GPR_RSI * 8)
#define G_RDI	(HVM_GPR_RDI * 8)
#define G_R8	(HVM_GPR_R8 * 8)
#define G_R9	(HVM_GPR_R9 * 8)
#define G_R10	(HVM_GPR_R10 * 8)
#define G_R11	(HVM_GPR_R11 * 8)
#define G_R12	(HVM_GPR_R12 * 8)
#define G_R13	(HVM_GPR_R13 * 8)
#define G_R14	(HVM_GPR_R14 * 8)
#define G_R15	(HVM_GPR_R15 * 8)

	.section .noinstr.text, "ax"

/*
 * int hvm_vmx_enter(unsigned long *gprs, unsigned long launched)
 *
 * Interrupts off, the vCPU's VMCS current. Returns 0 after a VM exit,
 * 1 when VMLAUNCH/VMRESUME failed (VMfail: read VM_INSTRUCTION_ERROR),
 * 2 when it faulted (VMX not on: a host bug, reported, never an oops).
 */
SYM_FUNC_START(hvm_vmx_enter)
	HVM_PUSH_FRAME
	/* @gprs, found again at 0(%rsp) after the exit. */
	push	%rdi

	/*
	 * The exit lands on this stack pointer. Like every VMX instruction
	 * it faults (#UD) when VMX was turned off under us (an emergency
	 * reboot or kexec does VMXOFF from an NMI): that is a failed entry.
	 */
	mov	$HOST_RSP, %eax
.Lvmwrite:
	vmwrite	%rsp, %rax
	jbe	.Lfail
	_ASM_EXTABLE(.Lvmwrite, .Lfault)

	mov	%rdi, %rax
	/* CF tells VMLAUNCH (0) from VMRESUME (1); MOV and VERW keep it. */
	bt	$0, %esi
	mov	G_RCX(%rax), %rcx
	mov	G_RDX(%rax), %rdx
	mov	G_RBX(%rax), %rbx
	mov	G_RBP(%rax), %rbp
	mov	G_RSI(%rax), %rsi
	mov	G_RDI(%rax), %rdi
	mov	G_R8(%rax),  %r8
	mov	G_R9(%rax),  %r9
	mov	G_R10(%rax), %r10
	mov	G_R11(%rax), %r11
	mov	G_R12(%rax), %r12
	mov	G_R13(%rax), %r13
	mov	G_R14(%rax), %r14
	mov	G_R15(%rax), %r15
	mov	G_RAX(%rax), %rax

	/* Clears the CPU buffers the guest could sample; clobbers ZF. */
	VM_CLEAR_CPU_BUFFERS

	jnc	.Llaunch

	/*
	 * A successful entry comes back at hvm_vmx_exit below, not here:
	 * objtool keeps this unwind state for it.
	 */
	UNWIND_HINT_SAVE
.Lresume:
	vmresume
	jmp	.Lfail
.Llaunch:
	vmlaunch
	jmp	.Lfail

	_ASM_EXTABLE(.Lresume, .Lfault)
	_ASM_EXTABLE(.Llaunch, .Lfault)

SYM_INNER_LABEL(hvm_vmx_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push	%rax
	mov	8(%rsp), %rax
	pop	G_RAX(%rax)
	mov	%rcx, G_RCX(%rax)
	mov	%rdx, G_RDX(%rax)
	mov	%rbx, G_RBX(%rax)
	mov	%rbp, G_RBP(%rax)
	mov	%rsi, G_RSI(%rax)
	mov	%rdi, G_RDI(%rax)
	mov	%r8,  G_R8(%rax)
	mov	%r9,  G_R9(%rax)
	mov	%r10, G_R10(%rax)
	mov	%r11, G_R11(%rax)
	mov	%r12, G_R12(%rax)
	mov	%r13, G_R13(%rax)
	mov	%r14, G_R14(%rax)
	mov	%r15, G_R15(%rax)
	xor	%ebx, %ebx

.Lout:
	/* Drop @gprs; rbx holds the return value. */
	pop	%rax
	/* No guest value survives in a register the compiler may read. */
	xor	%eax, %eax
	HVM_CLEAR_GUEST_GPRS

	/*
	 * The guest may have filled the return stack buffer: overwrite it
	 * before the first RET (the full stuffing with RSB_VMEXIT, the one
	 * entry PBRSB needs with RSB_VMEXIT_LITE).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, X86_FEATURE_RSB_VMEXIT_LITE

	/* Legacy IBRS must be rewritten after a less privileged mode ran. */
	call	hvm_vmx_spec_ctrl_restore

	/* Branch history the guest left must not steer host indirect branches. */
	CLEAR_BRANCH_HISTORY_VMEXIT

	mov	%ebx, %eax
	HVM_POP_FRAME
	RET

.Lfail:
	mov	$1, %ebx
	jmp	.Lout
.Lfault:
	mov	$2, %ebx
	jmp	.Lout
SYM_FUNC_END(hvm_vmx_enter)

	.text

/*
 * void hvm_vmx_do_nmi_irqoff(void)
 *
 * Hand an NMI that caused a VM exit to the kernel's NMI handler, as KVM's
 * vmx_do_nmi_irqoff() does: the exit consumed the NMI and left NMIs
 * blocked (SDM 27.5.5 / 28.5.5 "Updating Non-Register State": blocking by NMI is in force
 * after the exit until the next IRET, SDM 6.7.1). Calling the handler on
 * a synthetic interrupt frame runs it now and its IRET ends the blocking;
 * a self-IPI instead would stay blocked until some unrelated IRET.
 * 6.1 exports the entry as asm_exc_nmi_noist, 6.3 and later as
 * asm_exc_nmi_kvm_vmx. Interrupts off, on the CPU that took the exit.
 */
SYM_FUNC_START(hvm_vmx_do_nmi_irqoff)
	push	%rbp
	mov	%rsp, %rbp
	/* Align RSP to 16 bytes, as the CPU does, and build the IRET frame. */
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	call	asm_exc_nmi_kvm_vmx
#else
	call	asm_exc_nmi_noist
#endif
	/* IRET already restored RSP; objtool wants to see it from RBP. */
	leave
	RET
SYM_FUNC_END(hvm_vmx_do_nmi_irqoff)
