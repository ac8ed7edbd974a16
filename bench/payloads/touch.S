/* SPDX-License-Identifier: GPL-2.0 */
/*
 * touch: first touch of ITERS pages of guest RAM from 16 MiB up, one 4-byte
 * write per 4 KiB page (each a nested page fault the hypervisor backs with
 * host memory). The VM needs 16 MiB + ITERS * 4 KiB + 1 MiB of RAM.
 */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	mov	$ITERS, %esi
	mov	$0x1000000, %edi
1:	movl	$1, (%edi)
	add	$0x1000, %edi
	dec	%esi
	jnz	1b
	bench_exit 0

	.section .note.GNU-stack, "", @progbits
