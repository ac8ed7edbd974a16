/* SPDX-License-Identifier: GPL-2.0 */
/* spin: cli; jmp . — never exits by itself (long mode). */
	.code64
	.text
	.globl _start
_start:
	cli
1:	jmp	1b

	.section .note.GNU-stack, "", @progbits
