/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reset-cf9: Linux's BOOT_CF9 sequence (long mode): 0x02 to the Reset
 * Control register (SYS_RST, no reset yet), then 0x06 (RST_CPU): the VM
 * stops with reason reboot.
 */
	.code64
	.text
	.globl _start
_start:
	mov	$0xcf9, %dx
	mov	$0x02, %al
	out	%al, %dx
	mov	$0x06, %al
	out	%al, %dx
	/* still running: the reset did not happen */
	mov	$0xee, %al
	out	%al, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
