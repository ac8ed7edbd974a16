/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembly shared by the vendors' world switches (svm/entry.S, vmx/entry.S).
 */
#ifndef _HVM_ENTRY_H
#define _HVM_ENTRY_H

#ifdef __ASSEMBLY__
/*
 * The world switch's frame: RBP as frame pointer and the callee-saved
 * GPRs the guest's values overwrite; HVM_POP_FRAME undoes it before RET.
 */
.macro HVM_PUSH_FRAME
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
.endm

.macro HVM_POP_FRAME
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
.endm

/*
 * After a VM exit: zero the caller-saved GPRs (but RAX, which each backend
 * handles itself) so no guest value is left where host C code or a
 * speculative gadget might consume it. Callee-saved ones are restored from
 * the stack by the caller's epilogue.
 */
.macro HVM_CLEAR_GUEST_GPRS
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm
#endif

#endif /* _HVM_ENTRY_H */
