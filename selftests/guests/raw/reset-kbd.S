/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reset-kbd: the keyboard controller (long mode). Writing the output port
 * with the reset line high (0xD1, then 0xDF: A20 on) must not reset; the
 * pulse command 0xFE (Linux's BOOT_KBD) does: the VM stops with reason
 * reboot.
 */
	.code64
	.text
	.globl _start
_start:
	mov	$0xd1, %al
	out	%al, $0x64
	mov	$0xdf, %al
	out	%al, $0x60
	mov	$0xfe, %al
	out	%al, $0x64
	/* still running: the reset did not happen */
	mov	$0xee, %al
	out	%al, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
