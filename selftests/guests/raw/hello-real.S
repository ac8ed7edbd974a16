/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello-real: 16-bit real mode (--mode real). Prints one line and exits
 * with code 0 if CR0.PE is clear, code 1 otherwise. Position independent:
 * works whether the loader splits the entry as CS=0/IP=addr or CS=addr>>4.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0xfff0, %sp
	call	1f
1:	pop	%si
	add	$(msg - 1b), %si
	xor	%bx, %bx			/* exit code */
	smsw	%ax
	test	$1, %al
	jz	print
	add	$(wrong - msg), %si
	inc	%bx
print:
	lodsb
	test	%al, %al
	jz	done
	mov	%al, %cl
	mov	$0x3fd, %dx
2:	in	%dx, %al			/* LSR: wait for THR empty */
	test	$0x20, %al
	jz	2b
	mov	$0x3f8, %dx
	mov	%cl, %al
	out	%al, %dx
	jmp	print
done:
	mov	%bl, %al
	out	%al, $0xf4
3:	hlt
	jmp	3b

msg:	.asciz	"hello from real mode\n"
wrong:	.asciz	"CR0.PE is set: not real mode\n"

	.section .note.GNU-stack, "", @progbits
