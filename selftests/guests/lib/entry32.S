/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common entry of the 32-bit C guests (protected mode, paging off): load
 * our own GDT and IDT, then run main() on a stack in .bss. _start itself is
 * in start32.S (plain ELF32) or multiboot.S; both save the loader's GDTR
 * first (zero-ram excludes the loader's GDT page from its scan).
 */
	.section .text.entry, "ax"
	.code32
	/* Jumped to by _start (start32.S or multiboot.S) with the loader's GDTR saved. */
	.globl guest_entry32
guest_entry32:
	lgdt	gdt32_desc
	ljmp	$0x08, $1f
1:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	$stack_top, %esp
	call	guest_idt_init
	call	guest_uart_init
	call	main
	push	%eax
	call	guest_exit

	.data
	.balign 16
gdt32:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: flat 32-bit code, accessed */
	.quad	0x00cf93000000ffff	/* 0x10: flat data, accessed */
gdt32_end:
	.balign 16
gdt32_desc:
	.word	gdt32_end - gdt32 - 1
	.long	gdt32
	.globl boot_gdtr
	.balign 16
boot_gdtr:
	.word	0
	.long	0

	.bss
	.balign 16
	.globl stack_top
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
