/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception stubs for vectors 0-31 in 32-bit protected mode; same contract
 * as idt64.S (zero error code where the CPU pushes none, vector, PUSHAL,
 * guest_trap(frame), IRET).
 */
	.code32
	.text

	.macro	stub vec
trap_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushl	$0
	.endif
	pushl	$\vec
	jmp	trap_common
	.endm

	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub	\v
	.endr

trap_common:
	pushal
	mov	%esp, %eax
	cld
	push	%eax
	call	guest_trap
	add	$4, %esp
	popal
	add	$8, %esp
	iret

	.section .rodata
	.balign 4
	.globl	guest_trap_stubs
guest_trap_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long	trap_stub_\v
	.endr

	.section .note.GNU-stack, "", @progbits
