/* SPDX-License-Identifier: GPL-2.0 */
/* exit16: a 2-byte write of 0x1234 to the exit port (long mode). */
	.code64
	.text
	.globl _start
_start:
	mov	$0x1234, %ax
	out	%ax, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
