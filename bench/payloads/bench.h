/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the benchmark payloads: flat 32-bit protected mode, paging off,
 * loaded and entered at 0x1000 (hvctl --format raw --mode protected; kvmrun
 * builds the same state). The loop payloads take ITERS from the build
 * (-DITERS=N, bench/Makefile).
 */
#define EXIT_PORT	0xf4	/* hvm's exit port; kvmrun ends the run there */
#define COM1_THR	0x3f8
#define COM1_LSR	0x3fd
#define LSR_THRE	0x20
#define FREE_PORT	0xe0	/* no device behind it in hvm or kvmrun */

/* stop with exit code \code (0: success) */
.macro	bench_exit code
	mov	$\code, %al
	out	%al, $EXIT_PORT
9:	cli
	hlt
	jmp	9b
.endm
