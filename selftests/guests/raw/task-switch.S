/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-switch: 32-bit protected mode (--mode protected). A far jump to a TSS
 * descriptor asks for a hardware task switch, which hvm does not emulate:
 * the VM must stop with reason unhandled (AMD: #VMEXIT 7Dh TASK_SWITCH,
 * Intel: exit reason 9) with RIP on the jump, at 0x1010.
 *
 * Layout (the raw loader puts the file at 0x1000): code at 0x1000, the far
 * jump at 0x1010, the GDT at 0x1040, the TSS at 0x1100.
 */
	.code32
	.text
	.globl _start
_start:
	cli
	lgdt	0x1080			/* gdt_desc below */
	jmp	1f
	.org	0x10
1:	ljmp	$0x18, $0		/* selector 0x18: the TSS */
	/* never here */
	mov	$0xee, %al
	out	%al, $0xf4
2:	hlt
	jmp	2b

	.org	0x40
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: flat data */
	/* 0x18: 32-bit TSS, available (type 9), base 0x1100, limit 0x67 */
	.word	0x0067, 0x1100
	.byte	0x00, 0x89, 0x00, 0x00
gdt_end:
	.org	0x80
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	0x1040

	.org	0x100
tss:
	.fill	0x68, 1, 0
	.section .note.GNU-stack, "", @progbits
