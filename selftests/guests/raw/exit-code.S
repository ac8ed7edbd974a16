/* SPDX-License-Identifier: GPL-2.0 */
/* exit-code: a 1-byte write of 42 to the exit port (long mode). */
	.code64
	.text
	.globl _start
_start:
	mov	$42, %al
	out	%al, $0xf4
	/* still running: the exit port did not stop us */
	mov	$0xee, %al
	out	%al, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
