/* SPDX-License-Identifier: GPL-2.0 */
/* exit32: a 4-byte write of 0x89abcdef to the exit port (long mode). */
	.code64
	.text
	.globl _start
_start:
	mov	$0x89abcdef, %eax
	out	%eax, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
