/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioport: ITERS one-byte writes to a port with no device (hvm ignores them
 * in the kernel; KVM exits to its VMM, which ignores them).
 */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	mov	$ITERS, %esi
	xor	%eax, %eax
1:	out	%al, $FREE_PORT
	dec	%esi
	jnz	1b
	bench_exit 0

	.section .note.GNU-stack, "", @progbits
