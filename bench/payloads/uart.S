/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uart: ITERS console bytes the way Linux's early serial console writes
 * them: poll LSR until THR is empty, then write THR (two exits per byte).
 * A newline every 64 bytes.
 */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	mov	$ITERS, %esi
	xor	%edi, %edi
1:	mov	$COM1_LSR, %dx
2:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	2b
	inc	%edi
	mov	$'.', %al
	test	$63, %edi
	jnz	3f
	mov	$10, %al
3:	mov	$COM1_THR, %dx
	out	%al, %dx
	dec	%esi
	jnz	1b
	bench_exit 0

	.section .note.GNU-stack, "", @progbits
