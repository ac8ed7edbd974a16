/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bzImage wrapper of linux-boot.bz: a Linux setup header (boot
 * protocol 2.15, Documentation/arch/x86/boot.rst) in two setup sectors,
 * then the protected-mode part, linked at 1 MiB: a 32-bit entry that just
 * stops (we ask for the 64-bit one) and startup_64 at offset 0x200, which
 * records the boot state for linux-boot.c and enters the C runtime.
 *
 * No real-mode code: hvctl never runs it (the 32/64-bit boot protocol).
 */
	.section .setup, "a"
	.org	0x1f1
	.byte	1			/* setup_sects: 1 + the boot sector */
	.word	0			/* root_flags */
	.long	__syssize		/* syssize, 16-byte units */
	.word	0			/* ram_size */
	.word	0xffff			/* vid_mode: normal */
	.word	0			/* root_dev */
	.word	0xaa55			/* boot_flag */
	.byte	0xeb, hdr_end - 0x202	/* jump: the header's end */
	.ascii	"HdrS"			/* 0x202 */
	.word	0x020f			/* version 2.15 */
	.long	0			/* realmode_swtch */
	.word	0			/* start_sys_seg */
	.word	0			/* kernel_version */
	.byte	0			/* type_of_loader: the loader's */
	.byte	0x01			/* loadflags: LOADED_HIGH */
	.word	0			/* setup_move_size */
	.long	0x100000		/* code32_start */
	.long	0			/* ramdisk_image */
	.long	0			/* ramdisk_size */
	.long	0			/* bootsect_kludge */
	.word	0			/* heap_end_ptr */
	.byte	0			/* ext_loader_ver */
	.byte	0			/* ext_loader_type */
	.long	0			/* cmd_line_ptr */
	.long	0x7fffffff		/* initrd_addr_max */
	.long	0x200000		/* kernel_alignment */
	.byte	0			/* relocatable_kernel: no */
	.byte	21			/* min_alignment: 2 MiB */
	.word	0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long	255			/* cmdline_size */
	.long	0			/* hardware_subarch */
	.quad	0			/* hardware_subarch_data */
	.long	0			/* payload_offset */
	.long	0			/* payload_length */
	.quad	0			/* setup_data */
	.quad	0x100000		/* pref_address */
	.long	__init_size		/* init_size: image + bss */
	.long	0			/* handover_offset */
	.long	0			/* kernel_info_offset */
hdr_end:
	.org	0x400			/* end of setup sector 1 */

	.section .head32, "ax"
	.code32
startup_32:				/* not ours to take: stop loudly */
	ud2

	.section .head64, "ax"
	.code64
	.globl	startup_64
startup_64:				/* protected-mode start + 0x200 */
	mov	%rsi, boot_rsi(%rip)
	mov	%cs, %eax
	mov	%eax, boot_cs(%rip)
	mov	%ds, %eax
	mov	%eax, boot_ds(%rip)
	mov	%ss, %eax
	mov	%eax, boot_ss(%rip)
	pushfq
	popq	%rax
	mov	%rax, boot_rflags(%rip)
	jmp	_start

	.data
	.balign	8
	.globl	boot_rsi, boot_rflags, boot_cs, boot_ds, boot_ss
boot_rsi:	.quad	0
boot_rflags:	.quad	0
boot_cs:	.long	0
boot_ds:	.long	0
boot_ss:	.long	0

	.section .note.GNU-stack, "", @progbits
