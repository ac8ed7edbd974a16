/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello-prot: 32-bit protected mode, paging off (--mode protected). Prints
 * one line and exits 0 when CR0.PE=1, CR0.PG=0 and EFER.LMA=0, else 1.
 */
	.code32
	.text
	.globl _start
_start:
	cli
	mov	$0x9000, %esp
	mov	$msg, %esi
	xor	%ebx, %ebx
	mov	%cr0, %eax
	test	$1, %eax
	jz	bad
	test	$0x80000000, %eax
	jnz	bad
	mov	$0xc0000080, %ecx		/* EFER */
	rdmsr
	test	$0x400, %eax			/* LMA */
	jz	print
bad:
	mov	$wrong, %esi
	inc	%ebx
print:
	call	puts
	mov	%bl, %al
	out	%al, $0xf4
1:	hlt
	jmp	1b

puts:	lodsb
	test	%al, %al
	jz	2f
	mov	%al, %cl
	mov	$0x3fd, %dx
3:	in	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	$0x3f8, %dx
	mov	%cl, %al
	out	%al, %dx
	jmp	puts
2:	ret

msg:	.asciz	"hello from protected mode\n"
wrong:	.asciz	"not in 32-bit protected mode with paging off\n"

	.section .note.GNU-stack, "", @progbits
