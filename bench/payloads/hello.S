/* SPDX-License-Identifier: GPL-2.0 */
/* hello: one line on COM1, then exit (many VMs at once). */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	call	1f
1:	pop	%esi
	add	$(msg - 1b), %esi
2:	lodsb
	test	%al, %al
	jz	4f
	mov	%al, %cl
	mov	$COM1_LSR, %dx
3:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	3b
	mov	$COM1_THR, %dx
	mov	%cl, %al
	out	%al, %dx
	jmp	2b
4:	bench_exit 0

msg:	.asciz	"hello from a benchmark VM\n"

	.section .note.GNU-stack, "", @progbits
