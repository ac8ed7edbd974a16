/* SPDX-License-Identifier: GPL-2.0 */
/*
 * triple-fault: load an IDT with limit 0 and raise #BP. The #BP cannot be
 * delivered (#GP), nor can the #GP (#DF), nor the #DF: shutdown.
 */
	.code64
	.text
	.globl _start
_start:
	cli
	lidt	empty_idt(%rip)
	int3
	mov	$0xee, %al
	out	%al, $0xf4
1:	hlt
	jmp	1b

	.balign 8
empty_idt:
	.word	0
	.quad	0

	.section .note.GNU-stack, "", @progbits
