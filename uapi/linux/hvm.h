/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvm — user/kernel ABI of the hvm hypervisor module.
 *
 * Two channels:
 *  - the generic netlink family "hvm" (version 1) for control: host info,
 *    VM create/destroy/start/stop/get/list, and the "events" multicast group;
 *  - the misc device /dev/hvm for bulk data: after HVM_IOC_ATTACH binds an open
 *    file to a VM, guest memory, vCPU registers and console bytes move through
 *    ioctls.
 *
 * Only fixed-width types; every struct has explicit padding, and reserved
 * fields and unknown flag bits must be zero (the kernel rejects them with
 * EINVAL / EOPNOTSUPP).
 */
#ifndef _UAPI_LINUX_HVM_H
#define _UAPI_LINUX_HVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HVM_GENL_NAME		"hvm"
#define HVM_GENL_VERSION	1
#define HVM_GENL_MCGRP_EVENTS	"events"

#define HVM_API_VERSION		1
#define HVM_NAME_MAX		31	/* characters, without the NUL */

/* Generic netlink commands. */
enum hvm_cmd {
	HVM_CMD_UNSPEC,
	HVM_CMD_INFO,		/* host info; reply carries HVM_A_INFO_* */
	HVM_CMD_VM_CREATE,	/* NAME, [MEM_SIZE], [VCPUS]; reply: VM attrs */
	HVM_CMD_VM_DESTROY,	/* NAME */
	HVM_CMD_VM_GET,		/* doit: NAME -> VM attrs; dumpit: every VM */
	HVM_CMD_VM_START,	/* NAME */
	HVM_CMD_VM_STOP,	/* NAME */
	HVM_CMD_VM_EVENT,	/* notification only: EVENT + VM attrs */

	__HVM_CMD_MAX,
	HVM_CMD_MAX = __HVM_CMD_MAX - 1
};

/* Generic netlink attributes (one space for the top level). */
enum hvm_attr {
	HVM_A_UNSPEC,
	HVM_A_PAD,

	HVM_A_VM_ID,		/* u32 */
	HVM_A_VM_NAME,		/* NUL-terminated string, 1..HVM_NAME_MAX of [A-Za-z0-9._-] */
	HVM_A_VM_MEM_SIZE,	/* u64, bytes, multiple of 4 KiB */
	HVM_A_VM_VCPUS,		/* u32 */
	HVM_A_VM_STATE,		/* u32, enum hvm_vm_state */
	HVM_A_VM_STOP_REASON,	/* u32, enum hvm_stop_reason */
	HVM_A_VM_EXIT_CODE,	/* u64, value written to the exit port */
	HVM_A_VM_STOP_RIP,	/* u64, guest RIP when the VM stopped */
	HVM_A_VM_FAULT_GPA,	/* u64, guest-physical address (reason fault) */
	HVM_A_VM_HW_ERROR,	/* u64, exit code (unhandled) or hw error (entry-failed) */
	HVM_A_VM_STATS,		/* nested, HVM_STAT_* u64 counters */
	HVM_A_VM_GUEST_NS,	/* u64, time spent in guest mode */
	HVM_A_VM_HOST_NS,	/* u64, time spent handling exits in the host */
	HVM_A_VM_CONSOLE_BYTES,	/* u64, bytes the guest wrote to its console */
	HVM_A_VM_MEM_USED,	/* u64, bytes of guest RAM backed by host memory */

	HVM_A_EVENT,		/* u32, enum hvm_event */

	HVM_A_INFO_BACKEND,	/* string: "svm" or "vmx" */
	HVM_A_INFO_FEATURES,	/* u64, HVM_FEAT_* bits */
	HVM_A_INFO_VERSION,	/* string, module version */
	HVM_A_INFO_MAX_VMS,	/* u32 */
	HVM_A_INFO_MAX_MEM,	/* u64, bytes per VM */
	HVM_A_INFO_MAX_VCPUS,	/* u32 per VM */
	HVM_A_INFO_NR_VMS,	/* u32, VMs that exist now */
	HVM_A_INFO_NR_ASIDS,	/* u32, ASIDs (svm) or VPIDs (vmx) available */
	HVM_A_INFO_HW_ENABLED,	/* u8, 1 while VMXON/EFER.SVME is on */

	/*
	 * u32, in a VM_GET request (not a dump): the reply adds HVM_A_VCPU for
	 * the vCPU of that index (EINVAL when the VM has none).
	 */
	HVM_A_VCPU_INDEX,
	HVM_A_VCPU,		/* nested, HVM_VCPU_A_*: one vCPU's counters and exit history */

	__HVM_A_MAX,
	HVM_A_MAX = __HVM_A_MAX - 1
};

/* Attributes nested in HVM_A_VM_STATS: exit counters, all u64. */
enum hvm_stat {
	HVM_STAT_UNSPEC,
	HVM_STAT_PAD,
	HVM_STAT_EXITS,		/* every exit */
	HVM_STAT_IO,		/* port I/O exits */
	HVM_STAT_IO_IGNORED,	/* accesses to ports with no device */
	HVM_STAT_HLT,
	HVM_STAT_CPUID,
	HVM_STAT_MSR,
	HVM_STAT_HYPERCALL,
	HVM_STAT_NPF,		/* nested page faults (EPT violations) */
	HVM_STAT_INTR,		/* host interrupts */
	HVM_STAT_NMI,
	HVM_STAT_SHUTDOWN,
	HVM_STAT_EXCEPTION,	/* exceptions hvm delivers to the guest (injected or reflected) */
	HVM_STAT_OTHER,
	HVM_STAT_RUNS,		/* guest entries */
	HVM_STAT_TIMER,		/* local APIC timer expirations: periods elapsed, delivered or coalesced */

	__HVM_STAT_MAX,
	HVM_STAT_MAX = __HVM_STAT_MAX - 1
};

enum hvm_vm_state {
	HVM_VM_CREATED,		/* never started */
	HVM_VM_RUNNING,
	HVM_VM_STOPPED,
};

enum hvm_stop_reason {
	HVM_STOP_NONE,		/* never ran */
	HVM_STOP_USER,		/* hvctl stop / destroy */
	HVM_STOP_EXIT,		/* exit port, code in HVM_A_VM_EXIT_CODE */
	HVM_STOP_HALT,		/* HLT with interrupts disabled */
	HVM_STOP_SHUTDOWN,	/* triple fault */
	HVM_STOP_FAULT,		/* access outside RAM, address in HVM_A_VM_FAULT_GPA */
	HVM_STOP_UNHANDLED,	/* exit not handled, code in HVM_A_VM_HW_ERROR */
	HVM_STOP_ENTRY_FAILED,	/* CPU refused guest state, error in HVM_A_VM_HW_ERROR */
	HVM_STOP_INTERNAL,	/* host-side failure (e.g. out of memory) */
	HVM_STOP_REBOOT,	/* reset: 0xCF9 RST_CPU or i8042 pulse (0x64 <- 0xFE) */
};

enum hvm_event {
	HVM_EVENT_UNSPEC,
	HVM_EVENT_CREATED,
	HVM_EVENT_DESTROYED,
	HVM_EVENT_STARTED,
	HVM_EVENT_STOPPED,
};

/* Attributes nested in HVM_A_VCPU. */
enum hvm_vcpu_attr {
	HVM_VCPU_A_UNSPEC,
	HVM_VCPU_A_PAD,
	HVM_VCPU_A_INDEX,	/* u32 */
	HVM_VCPU_A_STATS,	/* nested, HVM_STAT_* u64 counters of this vCPU */
	HVM_VCPU_A_GUEST_NS,	/* u64 */
	HVM_VCPU_A_HOST_NS,	/* u64 */
	HVM_VCPU_A_EXITS_SEEN,	/* u64, exits recorded since the VM was last started */
	HVM_VCPU_A_EXITS_MAX,	/* u32, how many of them the history keeps */
	/*
	 * nested: the last exits, oldest first, each an HVM_EXIT_A_* nest
	 * (attribute type 1, 2, ...: its position). Exits the vCPU recorded
	 * while the reply was built may be missing; a stopped VM's history is
	 * complete.
	 */
	HVM_VCPU_A_EXITS,

	__HVM_VCPU_A_MAX,
	HVM_VCPU_A_MAX = __HVM_VCPU_A_MAX - 1
};

/* One exit of the history (nested in HVM_VCPU_A_EXITS). */
enum hvm_exit_attr {
	HVM_EXIT_A_UNSPEC,
	HVM_EXIT_A_PAD,
	HVM_EXIT_A_SEQ,		/* u64, 1 for the first exit after the start */
	HVM_EXIT_A_TIME_NS,	/* u64, ns since the VM was started */
	HVM_EXIT_A_REASON,	/* u32, enum hvm_exit_reason */
	HVM_EXIT_A_RIP,		/* u64, guest RIP of the exiting instruction */
	HVM_EXIT_A_INFO,	/* u64, the qualification (see enum hvm_exit_reason) */

	__HVM_EXIT_A_MAX,
	HVM_EXIT_A_MAX = __HVM_EXIT_A_MAX - 1
};

/*
 * Exit reasons, the same on AMD-V and VT-x, as the exit history and the
 * hvm:hvm_exit tracepoint report them, with what HVM_EXIT_A_INFO holds.
 * Host events (interrupts, NMIs, SMIs) are not recorded: they are the
 * host's, counted in HVM_STAT_INTR / HVM_STAT_NMI.
 */
enum hvm_exit_reason {
	HVM_EXIT_REASON_NONE,
	/* port | size << 16 | IN << 24 | string << 25 | REP << 26 */
	HVM_EXIT_REASON_IO,
	HVM_EXIT_REASON_CPUID,		/* EAX (leaf) | ECX (subleaf) << 32 */
	HVM_EXIT_REASON_RDMSR,		/* ECX (MSR index) */
	HVM_EXIT_REASON_WRMSR,		/* ECX (MSR index) */
	HVM_EXIT_REASON_HLT,		/* 0 */
	HVM_EXIT_REASON_HYPERCALL,	/* RAX (hypercall number) */
	HVM_EXIT_REASON_XSETBV,		/* ECX (XCR index) */
	/* CR number | type << 8 (0 MOV to, 1 MOV from, 2 CLTS, 3 LMSW) */
	HVM_EXIT_REASON_CR,
	HVM_EXIT_REASON_NPF,		/* guest-physical address */
	HVM_EXIT_REASON_EXCEPTION,	/* vector | error code << 32 */
	HVM_EXIT_REASON_INVD,		/* the vendor's exit code (INVD or WBINVD) */
	HVM_EXIT_REASON_UD,		/* the vendor's exit code of the hidden instruction */
	HVM_EXIT_REASON_RDPMC,		/* ECX (counter index) */
	HVM_EXIT_REASON_SHUTDOWN,	/* 0 */
	HVM_EXIT_REASON_IRQ_WINDOW,	/* 0 */
	HVM_EXIT_REASON_NMI_WINDOW,	/* 0 */

	__HVM_EXIT_REASON_MAX,
	HVM_EXIT_REASON_MAX = __HVM_EXIT_REASON_MAX - 1
};

/* HVM_A_INFO_FEATURES bits. */
#define HVM_FEAT_NPT		(1ULL << 0)	/* svm nested paging */
#define HVM_FEAT_EPT		(1ULL << 1)	/* vmx extended page tables */
#define HVM_FEAT_ASID		(1ULL << 2)
#define HVM_FEAT_VPID		(1ULL << 3)
#define HVM_FEAT_NRIPS		(1ULL << 4)	/* svm next-RIP save */
#define HVM_FEAT_UNRESTRICTED	(1ULL << 5)	/* vmx unrestricted guest */
#define HVM_FEAT_PREEMPT_TIMER	(1ULL << 6)	/* vmx preemption timer */
#define HVM_FEAT_FLUSH_BY_ASID	(1ULL << 7)
#define HVM_FEAT_DECODE_ASSISTS	(1ULL << 8)
#define HVM_FEAT_VGIF		(1ULL << 9)
#define HVM_FEAT_MSR_BITMAP	(1ULL << 10)
#define HVM_FEAT_IO_BITMAP	(1ULL << 11)
#define HVM_FEAT_XSAVE		(1ULL << 12)	/* host has XSAVE; guest XCR0 switched */

/* ---------------------------------------------------------------------- */
/* /dev/hvm */

#define HVM_IOC_MAGIC		0xE5

/* HVM_IOC_VERSION: no VM needed. */
#define HVM_CAP_MEM_IO		(1ULL << 0)	/* READ_MEM / WRITE_MEM */
#define HVM_CAP_REGS		(1ULL << 1)	/* GET_REGS / SET_REGS */
#define HVM_CAP_CONSOLE		(1ULL << 2)	/* CONSOLE_READ */
#define HVM_CAP_WAIT		(1ULL << 3)	/* WAIT */
#define HVM_CAP_CONSOLE_INPUT	(1ULL << 4)	/* CONSOLE_WRITE, poll() */

struct hvm_version {
	__u32 api_version;	/* HVM_API_VERSION */
	__u32 flags;		/* out: 0 */
	__u64 caps;		/* out: HVM_CAP_* */
	__u64 reserved[6];
};

/* HVM_IOC_ATTACH: bind this open file to the VM called name (once per file). */
struct hvm_attach {
	char name[HVM_NAME_MAX + 1];	/* NUL-terminated */
	__u32 flags;			/* must be 0 */
	__u32 vm_id;			/* out */
	__u64 reserved[2];
};

/* HVM_IOC_WRITE_MEM / HVM_IOC_READ_MEM: copy between user memory and guest RAM. */
struct hvm_mem_io {
	__u64 gpa;		/* guest-physical address */
	__u64 uaddr;		/* user buffer */
	__u64 size;		/* bytes; gpa + size must not pass the end of RAM */
	__u32 flags;		/* must be 0 */
	__u32 reserved;
};

/*
 * Segment attributes use the AMD VMCB layout: bits 0-3 type, 4 S, 5-6 DPL,
 * 7 P, 8 AVL, 9 L, 10 D/B, 11 G. The VT-x backend converts.
 */
struct hvm_segment {
	__u64 base;
	__u32 limit;		/* byte granular: 0xffffffff for a flat 4 GiB segment */
	__u16 selector;
	__u16 attrib;
};

struct hvm_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

/* HVM_IOC_SET_REGS / HVM_IOC_GET_REGS: a vCPU's architectural state. */
struct hvm_regs {
	__u32 vcpu;		/* in: vCPU index */
	__u32 flags;		/* must be 0 */
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u64 cr0, cr2, cr3, cr4, efer;
	struct hvm_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hvm_dtable gdt, idt;
	__u64 reserved[8];
};

/* HVM_IOC_CONSOLE_READ: read the console stream from absolute offset pos. */
#define HVM_CONSOLE_WAIT	(1U << 0)	/* block until data or the VM stops */

struct hvm_console_read {
	__u64 uaddr;		/* user buffer */
	__u64 pos;		/* in: stream offset; out: offset after the bytes read */
	__u32 size;		/* buffer size */
	__u32 flags;		/* HVM_CONSOLE_* */
	__u32 len;		/* out: bytes copied (0: nothing new) */
	__u32 state;		/* out: enum hvm_vm_state at the time of the read */
	__u64 lost;		/* out: bytes skipped because the ring overwrote them */
	__u64 reserved[2];
};

/*
 * HVM_IOC_CONSOLE_WRITE: type bytes into the receiver of the VM's serial
 * port (COM1). The receiver takes what fits into its FIFO (16 bytes, 1
 * while the guest has the FIFOs off; none while the guest's DTR is off or
 * the port is in loopback) and never drops a byte: offer the rest again
 * once it has room. With
 * HVM_CONSOLE_WAIT the call blocks until at least one byte was taken or the
 * VM is not running (then len may be 0). poll() on the attached file says
 * POLLOUT when the receiver has room, and POLLIN when console output past
 * this file's last HVM_IOC_CONSOLE_READ position exists or the VM is not
 * running (POLLHUP once it is destroyed).
 */
#define HVM_CONSOLE_WRITE_MAX	4096	/* largest size accepted */

struct hvm_console_write {
	__u64 uaddr;		/* user buffer */
	__u32 size;		/* bytes offered: 1..HVM_CONSOLE_WRITE_MAX */
	__u32 flags;		/* HVM_CONSOLE_WAIT */
	__u32 len;		/* out: bytes the receiver took (in: 0) */
	__u32 state;		/* out: enum hvm_vm_state (in: 0) */
	__u64 reserved[2];
};

/* HVM_IOC_WAIT: block until the VM is not running (or the timeout passes). */
struct hvm_wait {
	__u64 timeout_ns;	/* 0: no timeout */
	__u32 flags;		/* must be 0 */
	__u32 state;		/* out: enum hvm_vm_state */
	__u32 stop_reason;	/* out: enum hvm_stop_reason */
	__u32 reserved;
	__u64 exit_code;	/* out */
};

#define HVM_IOC_VERSION		_IOR(HVM_IOC_MAGIC, 0x00, struct hvm_version)
#define HVM_IOC_ATTACH		_IOWR(HVM_IOC_MAGIC, 0x01, struct hvm_attach)
#define HVM_IOC_WRITE_MEM	_IOW(HVM_IOC_MAGIC, 0x02, struct hvm_mem_io)
#define HVM_IOC_READ_MEM	_IOW(HVM_IOC_MAGIC, 0x03, struct hvm_mem_io)
#define HVM_IOC_SET_REGS	_IOW(HVM_IOC_MAGIC, 0x04, struct hvm_regs)
#define HVM_IOC_GET_REGS	_IOWR(HVM_IOC_MAGIC, 0x05, struct hvm_regs)
#define HVM_IOC_CONSOLE_READ	_IOWR(HVM_IOC_MAGIC, 0x06, struct hvm_console_read)
#define HVM_IOC_WAIT		_IOWR(HVM_IOC_MAGIC, 0x07, struct hvm_wait)
#define HVM_IOC_CONSOLE_WRITE	_IOWR(HVM_IOC_MAGIC, 0x08, struct hvm_console_write)

#endif /* _UAPI_LINUX_HVM_H */
