/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the 64-bit C guests (ELF64, started in long mode on the loader's
 * identity map). Loads our own GDT and IDT so nothing depends on where the
 * loader put its boot structures, then runs main() on a stack in .bss.
 */
	.section .text.entry, "ax"
	.code64
	.globl _start
_start:
	cli
	lea	stack_top(%rip), %rsp
	lgdt	gdt64_desc(%rip)
	pushq	$0x08
	lea	1f(%rip), %rax
	pushq	%rax
	lretq
1:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	call	guest_idt_init
	call	guest_uart_init
	call	main
	mov	%eax, %edi
	call	guest_exit

	.data
	.balign 16
gdt64:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code, accessed */
	.quad	0x00cf93000000ffff	/* 0x10: flat data, accessed */
gdt64_end:
	.balign 16
gdt64_desc:
	.word	gdt64_end - gdt64 - 1
	.quad	gdt64

	.bss
	.balign 16
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
