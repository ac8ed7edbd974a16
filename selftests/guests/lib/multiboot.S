/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot 1 header and entry for the 32-bit C guests that boot as
 * Multiboot kernels. The header asks for page-aligned modules (bit 0) and
 * memory information (bit 1); EAX and EBX are saved for main().
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	mov	%eax, multiboot_magic
	mov	%ebx, multiboot_info_addr
	sgdt	boot_gdtr
	jmp	guest_entry32

	.data
	.balign 4
	.globl multiboot_magic, multiboot_info_addr
multiboot_magic:
	.long	0
multiboot_info_addr:
	.long	0

	.section .note.GNU-stack, "", @progbits
