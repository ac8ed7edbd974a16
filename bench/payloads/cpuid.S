/* SPDX-License-Identifier: GPL-2.0 */
/* cpuid: ITERS times CPUID leaf 0 (always intercepted, handled in the kernel). */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	mov	$ITERS, %esi
1:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%esi
	jnz	1b
	bench_exit 0

	.section .note.GNU-stack, "", @progbits
