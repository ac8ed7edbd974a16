/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exits: a known sequence of exits for the tracing tests (selftests/trace.c),
 * long mode, loaded at 0x1000 (the raw default). Each exiting instruction
 * starts at a fixed offset (.balign pads with NOPs, which run through):
 *   0x1020  CPUID with EAX = 0, 1, ..., 99 and ECX = 0 (100 exits)
 *   0x1040  OUT of 0x5a to port 0x80
 *   0x1050  OUT of 3 to the exit port (stops the VM: exit code 3)
 * No stack, no data: the guest touches only this page and the loader's
 * page tables.
 */
	.code64
	.text
	.globl _start
_start:
	xor	%r8d, %r8d
	.balign	16
loop:					/* 0x1010 */
	mov	%r8d, %eax
	xor	%ecx, %ecx
	.balign	16
	cpuid				/* 0x1020 */
	inc	%r8d
	cmp	$100, %r8d
	jb	loop
	.balign	16
	mov	$0x5a, %al		/* 0x1030 */
	.balign	16
	out	%al, $0x80		/* 0x1040 */
	mov	$3, %al
	.balign	16
	out	%al, $0xf4		/* 0x1050 */
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
