/* SPDX-License-Identifier: GPL-2.0 */
/* _start of the plain ELF32 guests: save the loader's GDTR, go to guest_entry32. */
	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	sgdt	boot_gdtr
	jmp	guest_entry32

	.section .note.GNU-stack, "", @progbits
