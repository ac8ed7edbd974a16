/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit: load the guest GPRs, VMLAUNCH/VMRESUME, and on the
 * VM exit (HOST_RIP = hvm_vmx_exit, HOST_RSP = our frame) save them and
 * restore the callee-saved host registers.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "vmcs.h"

/* Offsets into unsigned long gprs[16], indexed by x86 register number. */
#define G_RAX	(0 * 8)
#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)

	.text

/*
 * int hvm_vmx_enter(unsigned long *gprs, unsigned long launched)
 *
 * Interrupts off, the vCPU's VMCS current. Returns 0 after a VM exit,
 * 1 when VMLAUNCH/VMRESUME failed (VMfail: read VM_INSTRUCTION_ERROR),
 * 2 when it faulted (VMX not on: a host bug, reported, never an oops).
 */
SYM_FUNC_START(hvm_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* @gprs, found again at 0(%rsp) after the exit. */
	push	%rdi

	/* The exit lands on this stack pointer. */
	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax

	mov	%rdi, %rax
	/* ZF tells VMLAUNCH from VMRESUME; the moves below keep the flags. */
	test	%rsi, %rsi
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
	jz	.Llaunch

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
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	/* The guest may have filled the return stack buffer: overwrite it. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, X86_FEATURE_RSB_VMEXIT_LITE

	mov	%ebx, %eax
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lfail:
	mov	$1, %ebx
	jmp	.Lout
.Lfault:
	mov	$2, %ebx
	jmp	.Lout
SYM_FUNC_END(hvm_vmx_enter)
