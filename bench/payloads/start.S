/* SPDX-License-Identifier: GPL-2.0 */
/* start: the first guest instruction stops the VM (start latency). */
#include "bench.h"
	.code32
	.text
	.globl _start
_start:
	bench_exit 0

	.section .note.GNU-stack, "", @progbits
