/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypercall: ITERS round trips of an unknown hypercall number (hvm returns
 * -ENOSYS, KVM -KVM_ENOSYS; both negative). VMMCALL when CPUID leaf 0 says
 * AuthenticAMD, VMCALL otherwise (APM Vol. 3 VMMCALL, SDM Vol. 2B VMCALL).
 * Exit code 1 when a call came back non-negative (not handled).
 */
#include "bench.h"
#define HC_NR	0x7ffe

	.code32
	.text
	.globl _start
_start:
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	mov	$ITERS, %esi
	cmp	$0x68747541, %ebx		/* "Auth" */
	jne	intel
amd:	mov	$HC_NR, %eax
	vmmcall
	test	%eax, %eax
	jns	bad
	dec	%esi
	jnz	amd
	bench_exit 0
intel:	mov	$HC_NR, %eax
	vmcall
	test	%eax, %eax
	jns	bad
	dec	%esi
	jnz	intel
	bench_exit 0
bad:	bench_exit 1

	.section .note.GNU-stack, "", @progbits
