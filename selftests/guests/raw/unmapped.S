/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unmapped: for a 16 MiB VM (--mode protected, paging off). Reads the last
 * dword of RAM (must work), then the dword at 16 MiB + 4 KiB, outside RAM:
 * the VM must stop with reason fault and address 0x1001000. Exit code 0xee
 * if the second read returns.
 */
	.code32
	.text
	.globl _start
_start:
	cli
	mov	0x00fffffc, %eax
	mov	0x01001000, %eax
	mov	$0xee, %al
	out	%al, $0xf4
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
