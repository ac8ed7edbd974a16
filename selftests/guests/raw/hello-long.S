/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello-long: 64-bit long mode, the raw default. Uses the stack the loader
 * set up (SPEC: RSP at the top of RAM minus the tables) for its calls.
 * Exits 0 when EFER.LMA=1 and CR0.PG=1, else 1.
 */
	.code64
	.text
	.globl _start
_start:
	cli
	lea	msg(%rip), %rsi
	xor	%ebx, %ebx
	mov	%cr0, %rax
	bt	$31, %rax
	jnc	bad
	mov	$0xc0000080, %ecx
	rdmsr
	test	$0x400, %eax
	jnz	print
bad:
	lea	wrong(%rip), %rsi
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

msg:	.asciz	"hello from long mode\n"
wrong:	.asciz	"not in long mode\n"

	.section .note.GNU-stack, "", @progbits
