/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm core: the objects and the one ops table the vendor backends implement.
 *
 * The core (kmod/) never includes vmx/ or svm/ headers. Each backend
 * provides a struct hvm_arch_ops; the core picks the first whose probe()
 * succeeds. Per-VM and per-vCPU vendor state hangs off ->arch.
 */
#ifndef _HVM_CORE_H
#define _HVM_CORE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/kref.h>
#include <linux/xarray.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/hvm.h>

#include "regs.h"

#define HVM_MODULE_VERSION	"0.1"

struct hvm_vm;
struct hvm_vcpu;
struct hvm_lapic;
struct hvm_pic;
struct hvm_ioapic;
struct hvm_pit;
struct hvm_rtc;
struct hvm_platform;
struct hvm_acpi_pm;
struct netlink_ext_ack;
struct dentry;
struct mem_cgroup;

/**
 * struct hvm_npt_format - how a backend's nested page table entries look
 * @table: bits of a non-leaf entry pointing at the next-level table
 * @leaf:  bits of a 4 KiB leaf mapping guest RAM (read/write/execute, WB)
 * @huge:  the bit that makes a level-2 entry a 2 MiB leaf (with @leaf's),
 *         0 where the hardware has no 2 MiB nested pages
 *
 * AMD NPT uses ordinary x86 PTEs (P|RW|US), Intel EPT its own R|W|X and
 * memory-type bits. The walker in kmod/mmu.c is shared; only these bits
 * differ. Entries with no bit of @table set are treated as not present.
 */
struct hvm_npt_format {
	u64 table;
	u64 leaf;
	u64 huge;
};

/* Guest state read and written through ops->get_ctl / ops->set_ctl. */
enum hvm_ctl {
	HVM_CTL_CR0,
	HVM_CTL_CR2,
	HVM_CTL_CR3,
	HVM_CTL_CR4,
	HVM_CTL_CR8,		/* the TPR as MOV CR8 sees it */
	HVM_CTL_EFER,
	HVM_CTL_RFLAGS,
	HVM_CTL_CPL,		/* read only */
	HVM_CTL_CS_ATTR,	/* read only: struct hvm_segment attrib layout */
	HVM_CTL_XCR0,
	HVM_CTL_DR6,		/* the DR6 the guest's MOV from DR6 reads */
};

/* ops->get_interruptibility() */
#define HVM_INTR_IF		BIT(0)	/* RFLAGS.IF */
#define HVM_INTR_SHADOW		BIT(1)	/* STI or MOV SS blocking */
#define HVM_INTR_NMI_BLOCKED	BIT(2)	/* an NMI handler runs (until IRET) */

/**
 * struct hvm_guest_event - an event for the guest: to inject at the next entry,
 * or one an exit interrupted during its delivery (EXITINTINFO on AMD-V,
 * IDT-vectoring information on VT-x)
 * @type: HVM_EV_*
 * @vector: the vector (2 for an NMI)
 * @has_error: push @error (exceptions with an error code)
 * @error: the error code
 * @insn_len: software interrupts and exceptions (INTn, INT3, INTO): the
 *            instruction length, for VT-x's entry
 */
struct hvm_guest_event {
	u8 type;
	u8 vector;
	bool has_error;
	u8 insn_len;
	u32 error;
};

enum hvm_guest_event_type {
	HVM_EV_NONE,
	HVM_EV_EXCEPTION,	/* hardware exception */
	HVM_EV_INTR,		/* external interrupt */
	HVM_EV_NMI,
	HVM_EV_SOFT_INT,	/* INTn */
	HVM_EV_SOFT_EXC,	/* INT3, INTO */
	HVM_EV_PRIV_SOFT,	/* INT1 (ICEBP) */
};

/**
 * struct hvm_arch_ops - what a vendor backend (vmx/, svm/) implements
 *
 * All methods may sleep unless noted. "This CPU" methods run with
 * preemption disabled.
 */
struct hvm_arch_ops {
	/** @name: "vmx" or "svm", reported by hvctl info. */
	const char *name;

	/**
	 * @probe: detect the hardware; fill *@features (HVM_FEAT_*) and
	 * *@nr_asids. Return 0 when usable, or -ENODEV after a pr_err()
	 * saying which bit is missing or BIOS-locked. Runs once at load.
	 */
	int (*probe)(u64 *features, u32 *nr_asids);

	/**
	 * @hardware_enable: on this CPU (preemption off), switch
	 * virtualization on (VMXON / EFER.SVME + host save area). Return
	 * -EBUSY when another hypervisor already holds it.
	 */
	int (*hardware_enable)(void);

	/** @hardware_disable: on this CPU (preemption off), switch it off. */
	void (*hardware_disable)(void);

	/**
	 * @hardware_setup: allocate per-CPU resources (VMXON region, host
	 * save area) for @cpu; process context, at module load, for every
	 * possible CPU: they live until unload (kmod/hw.c says why). May be
	 * NULL.
	 */
	int (*hardware_setup)(unsigned int cpu);
	/**
	 * @hardware_unsetup: free them at module unload (virtualization off
	 * everywhere); must cope with a CPU that was never set up. May be
	 * NULL.
	 */
	void (*hardware_unsetup)(unsigned int cpu);

	/** @npt: the nested page table entry format (see kmod/mmu.c). */
	const struct hvm_npt_format *npt;

	/** @vm_init: allocate per-VM state (ASID/VPID) in vm->arch. */
	int (*vm_init)(struct hvm_vm *vm);
	/** @vm_destroy: free what @vm_init allocated. No vCPU runs. */
	void (*vm_destroy)(struct hvm_vm *vm);

	/**
	 * @vcpu_create: allocate the VMCB/VMCS and put the vCPU in the
	 * architectural reset state (real mode, CS:IP = f000:fff0 style or
	 * whatever the loader sets later). Set vcpu->arch.
	 */
	int (*vcpu_create)(struct hvm_vcpu *vcpu);
	/** @vcpu_destroy: free everything @vcpu_create allocated. */
	void (*vcpu_destroy)(struct hvm_vcpu *vcpu);

	/**
	 * @vcpu_load: the vCPU's thread is now on this CPU (preemption
	 * off, interrupts on): make its VMCS current, remember the CPU.
	 * Called from the preempt notifier and at the start of a run loop.
	 */
	void (*vcpu_load)(struct hvm_vcpu *vcpu, int cpu);
	/**
	 * @vcpu_put: the thread leaves this CPU. Called from the scheduler
	 * with the runqueue lock held and interrupts off: no IPIs, no sleep.
	 */
	void (*vcpu_put)(struct hvm_vcpu *vcpu);

	/**
	 * @vcpu_run: enter the guest once and handle the exit, calling the
	 * core's device models (hvm_io_*, hvm_cpuid, hvm_msr_*, hvm_npt_map,
	 * hvm_hypercall). Called from the vCPU thread, preemptible, between
	 * vcpu_load and vcpu_put. Return 0 to continue, 1 when the vCPU must
	 * stop (hvm_vcpu_stop() was called), or a negative errno (the core
	 * stops the VM with reason internal).
	 */
	int (*vcpu_run)(struct hvm_vcpu *vcpu);

	/**
	 * @get_regs: copy the vCPU's state out. Called while the vCPU does
	 * not run: from its own thread (still loaded) or from an ioctl on
	 * any CPU, in which case the backend makes its VMCS current itself.
	 */
	void (*get_regs)(struct hvm_vcpu *vcpu, struct hvm_regs *regs);
	/**
	 * @set_regs: load a state the core already checked for reserved
	 * bits. Return -EINVAL (with a pr_debug) for what the backend cannot
	 * run, e.g. real mode without unrestricted guest. Same calling
	 * context as @get_regs; also used by the backend's own exit handlers.
	 */
	int (*set_regs)(struct hvm_vcpu *vcpu, const struct hvm_regs *regs);

	/*
	 * The rest serve the core's exit handlers (kmod/exit.c, event.c,
	 * mmio.c). They run on the vCPU thread between vcpu_load and vcpu_put
	 * (the VMCS is current) and never sleep; @inject_event, @set_windows
	 * and @get_interruptibility also run with interrupts off.
	 */

	/**
	 * @get_ctl: read guest state the register file does not hold
	 * (enum hvm_ctl): CR0/CR4 as the guest sees them (shadows, not the
	 * values hvm forces), CR2, CR3, EFER without SVME, RFLAGS, CPL, CS
	 * attributes (struct hvm_segment layout), XCR0, DR6.
	 */
	u64 (*get_ctl)(struct hvm_vcpu *vcpu, enum hvm_ctl ctl);
	/**
	 * @set_ctl: write one the core validated with the rules of
	 * kmod/x86.c. The backend adds what it forces (CR4.MCE, CR0.NE,
	 * EFER.SVME, fixed bits) and the side effects (EFER.LMA and the
	 * entry controls on CR0.PG, PDPTEs, TLB flush on CR3). Return 0,
	 * -EINVAL when the backend cannot run the value (the core injects
	 * #GP) or -EFAULT (PDPTEs outside RAM: stop with reason fault).
	 */
	int (*set_ctl)(struct hvm_vcpu *vcpu, enum hvm_ctl ctl, u64 val);
	/**
	 * @msr_get: read an HVM_MSR_ARCH MSR from the VMCB/VMCS or the
	 * backend's switched MSRs. Return 0 or -EINVAL (#GP).
	 */
	int (*msr_get)(struct hvm_vcpu *vcpu, u32 msr, u64 *val);
	/**
	 * @msr_set: store an HVM_MSR_ARCH MSR the core already checked
	 * (PAT types, canonical addresses, EFER rules). EFER goes through
	 * @set_ctl. Return 0 or -EINVAL (#GP).
	 */
	int (*msr_set)(struct hvm_vcpu *vcpu, u32 msr, u64 val);
	/**
	 * @inject_event: make the next entry deliver @ev (EVENTINJ / VM-entry
	 * interruption information), or deliver nothing when @ev is NULL.
	 * Interrupts off. Real mode gets no error code.
	 */
	void (*inject_event)(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev);
	/**
	 * @set_windows: request (or cancel) an exit as soon as the guest can
	 * take an external interrupt (@irq: interrupt-window exiting / VINTR)
	 * or an NMI (@nmi). The exit is reported as HVM_EXIT_IRQ_WINDOW or
	 * HVM_EXIT_NMI_WINDOW. Interrupts off.
	 */
	void (*set_windows)(struct hvm_vcpu *vcpu, bool irq, bool nmi);
	/**
	 * @get_interruptibility: HVM_INTR_* bits of the guest's current
	 * state: RFLAGS.IF, the STI / MOV SS shadow, NMI blocking.
	 */
	u32 (*get_interruptibility)(struct hvm_vcpu *vcpu);
};

/* MMIO device models (kmod/mmio.c) */

/**
 * struct hvm_mmio_ops - a device model's MMIO callbacks
 * @read: fill @val (@len bytes: 1, 2, 4 or 8) from the register at @off
 * @write: write @len bytes from @val to the register at @off
 *
 * Called on the accessing vCPU's thread (preemptible); @off is relative to
 * the range's base and @off + @len stays inside the range. Return 0, or a
 * negative errno: the VM stops with reason internal.
 */
struct hvm_mmio_ops {
	int (*read)(struct hvm_vcpu *vcpu, void *priv, u64 off, void *val,
		    unsigned int len);
	int (*write)(struct hvm_vcpu *vcpu, void *priv, u64 off,
		     const void *val, unsigned int len);
};

/* struct hvm_mmio_range - one registered range [c] once the VM is visible */
struct hvm_mmio_range {
	u64 base;
	u64 size;
	const struct hvm_mmio_ops *ops;
	void *priv;
};

#define HVM_MMIO_MAX		8

/* Port I/O device models (kmod/io.c) */

/**
 * struct hvm_pio_ops - a device model's port callbacks
 * @read: fill *@val (low @size bytes: 1, 2 or 4) from @port
 * @write: write the low @size bytes of @val to @port
 *
 * Called on the accessing vCPU's thread (preemptible). Return 0, 1 when
 * the access stopped the VM (hvm_vcpu_stop()), or a negative errno (the
 * VM stops with reason internal).
 */
struct hvm_pio_ops {
	int (*read)(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 *val);
	int (*write)(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 val);
};

/* struct hvm_pio_range - ports [base, base + count) [c] */
struct hvm_pio_range {
	u16 base;
	u16 count;
	const struct hvm_pio_ops *ops;
	void *priv;
};

#define HVM_PIO_MAX		16

/* An interrupt controller's input (kmod/irq.c): called with the line's new level. */
typedef void (*hvm_irq_sink_fn)(struct hvm_vm *vm, void *priv, unsigned int irq,
				bool level);
#define HVM_IRQ_SINKS		4

/* Per-VM console ring: a power of two, at least 64 KiB (SPEC). */
#define HVM_CONSOLE_SIZE	(64 * 1024)

/* The 16550A's receive FIFO: 16 bytes (PC16550D datasheet, "FIFO operation"). */
#define HVM_UART_FIFO		16

/*
 * struct hvm_uart - 16550A at COM1 (kmod/uart.c).
 * Locking: [u] vm->uart_lock.
 */
struct hvm_uart {
	u8 ier, lcr, mcr, scr, fcr;
	u8 dll, dlm;
	u8 lsr_err;		/* sticky LSR error bits (OE), cleared by reading LSR */
	u8 msr;			/* modem inputs (bits 4-7) and delta bits (0-3) */
	u8 rbr;			/* last byte read: what an empty RBR returns */
	bool thr_ipending;	/* THRE interrupt latched (cleared by IIR read or THR write) */
	bool irq_level;		/* the level last given to hvm_irq_line() */
	u8 rx[HVM_UART_FIFO];	/* receive FIFO (holding register in 16450 mode) */
	u8 rx_head, rx_count;
};

/*
 * The exit history: the last HVM_EXIT_HISTORY exits of each vCPU (kmod/trace.c).
 * 64 records of 40 bytes: enough to see how a guest reached its stop, small
 * enough to sit in struct hvm_vcpu and to fit one netlink reply.
 */
#define HVM_EXIT_HISTORY	64

/**
 * struct hvm_exit_record - one exit of the history
 * @seq: its number since the VM was started (1, 2, ...); 0 while written
 * @time_ns: ns since the VM was started
 * @rip: guest RIP of the exiting instruction
 * @info: the qualification (uapi enum hvm_exit_reason says what it holds)
 * @reason: enum hvm_exit_reason
 */
struct hvm_exit_record {
	u64 seq;
	u64 time_ns;
	u64 rip;
	u64 info;
	u32 reason;
};

/*
 * struct hvm_vcpu - one virtual CPU and its kernel thread "hvm-NAME/N"
 *
 * Locking legend:
 *   [c] constant after creation
 *   [t] owned by the vCPU thread while the VM runs; others only when stopped
 *   [s] vm->state_lock
 *   [a] atomic / READ_ONCE
 *   [r] the exit history: one writer, the vCPU thread, which takes no lock
 *       on the exit path. It clears each record's @seq, fills the record,
 *       stores @seq again (smp_wmb() in between) and then publishes
 *       @exits_seen with a release store. Readers (netlink, debugfs) take
 *       no lock either: they load @exits_seen (acquire), copy each record
 *       between two reads of its @seq and drop a record whose @seq is not
 *       the one they expect both times (a per-record sequence count, as in
 *       a seqcount): a record the vCPU overwrote meanwhile is left out,
 *       never shown torn. A stopped VM's history is always complete.
 */
struct hvm_vcpu {
	struct hvm_vm *vm;			/* [c] */
	unsigned int index;			/* [c] */
	struct task_struct *thread;		/* [l] set at creation, NULL once torn down */
	struct preempt_notifier pn;		/* [t] */
	int cpu;				/* [a] CPU while in the run loop, -1 otherwise */
	bool run;				/* [s] asked to run */
	void *arch;				/* [t] vendor state (VMCB/VMCS) */

	/*
	 * The register file [t]: the guest's GPRs (HVM_GPR_* index) and RIP.
	 * Authoritative whenever the vCPU is out of guest mode: the backend
	 * loads RAX/RSP/RIP into the VMCB/VMCS right before every entry and
	 * reads them back right after every exit; the others go through the
	 * entry code directly.
	 */
	unsigned long gprs[HVM_NR_GPRS];
	u64 rip;

	/*
	 * Events [t] (kmod/event.c). @event is what the next entry delivers:
	 * an event an exit interrupted (re-injected), or an exception the
	 * core queued. @exc_next: an exception to deliver right after @event
	 * (SDM 6.15 table 6-5 "handled serially"). External interrupts wait
	 * in the local APIC's IRR (kmod/lapic.c); @nmi_pending [a].
	 */
	struct hvm_guest_event event;
	struct hvm_guest_event exc_next;
	bool nmi_pending;

	/*
	 * HLT with RFLAGS.IF set: the vCPU thread sleeps on @halt_wq until an
	 * interrupt or NMI is pending or the VM stops (kmod/vcpu.c).
	 */
	bool halted;				/* [t] */
	wait_queue_head_t halt_wq;

	struct hvm_lapic *lapic;		/* kmod/lapic.c */

	/* A nested page fault that keeps recurring without progress. [t] */
	u64 npf_last_gpa;
	u64 npf_last_rip;
	unsigned int npf_repeat;

	/* Exit statistics, written only by the vCPU thread. [t] */
	u64 stats[__HVM_STAT_MAX];
	u64 guest_ns;				/* [t] */
	u64 host_ns;				/* [t] */

	/* The exit history (kmod/trace.c): reset when the VM starts. */
	u64 exits_seen;				/* [r] exits recorded */
	struct hvm_exit_record exit_log[HVM_EXIT_HISTORY];	/* [r] */
};

/*
 * struct hvm_vm - a virtual machine; a kernel object that outlives hvctl
 *
 * Locking legend:
 *   [c] constant after creation
 *   [g] hvm_vms_lock (the global VM list)
 *   [l] lock (mutex): start, stop, destroy, register access
 *   [s] state_lock (spinlock): state, stop fields, run flags
 *   [m] mmu_lock (mutex): nested page tables
 *   [u] uart_lock (spinlock): UART registers and the console ring
 *   [x] the xarray's own lock
 */
struct hvm_vm {
	struct kref ref;
	struct list_head node;			/* [g] */
	u32 id;					/* [c] */
	char name[HVM_NAME_MAX + 1];		/* [c] */
	u64 mem_size;				/* [c] bytes */
	u32 nr_vcpus;				/* [c] */
	bool huge_pages;			/* [c] 2 MiB blocks (kmod/mem.c) */
	bool dead;				/* [g] destroy started */

	/* Run control: start/stop/destroy/regs ioctls serialize on it. */
	struct mutex lock;

	/* Run state. */
	spinlock_t state_lock;
	unsigned int nr_running;		/* [s] vCPUs in their run loop */
	bool stop_set;				/* [s] a stop reason was recorded this run */
	unsigned int stop_vcpu;			/* [s] the vCPU that recorded it */
	enum hvm_vm_state state;		/* [s] */
	enum hvm_stop_reason stop_reason;	/* [s] */
	u64 exit_code;				/* [s] */
	u64 stop_rip;				/* [s] */
	u64 fault_gpa;				/* [s] */
	u64 hw_error;				/* [s] */
	bool stop_requested;			/* [a] all vCPUs leave guest mode */
	/*
	 * [s] ktime_get_ns() at the last start; the vCPU threads read it
	 * without the lock (they only run after hvm_vm_start() set it).
	 */
	u64 start_ns;
	wait_queue_head_t state_wq;		/* woken on every state change */

	/*
	 * Guest RAM: gfn -> struct page, filled on first touch. Pages, the
	 * xarray's nodes and the nested page tables are charged to @memcg,
	 * the creator's memory cgroup, whichever thread allocates them.
	 */
	struct mem_cgroup *memcg;		/* [c] referenced */
	struct xarray pages;			/* [x] */
	atomic64_t pages_used;			/* [a] */

	/* Nested page tables (format from ops->npt). */
	struct mutex mmu_lock;
	u64 *npt_root;				/* [m] virtual address of the PML4 */
	phys_addr_t npt_root_pa;		/* [c] after init */
	struct list_head npt_pages;		/* [m] every table page, for teardown */

	/* COM1 and the console ring. */
	spinlock_t uart_lock;
	struct hvm_uart uart;			/* [u] */
	u8 *console;				/* [c] HVM_CONSOLE_SIZE bytes */
	u64 console_head;			/* [u] bytes ever written */
	/* Woken on console output, on receive FIFO space and on every stop. */
	wait_queue_head_t console_wq;

	u64 io_ignored;				/* [a] accesses to ports without a device */

	/* MMIO device models (kmod/mmio.c), registered at creation. [c] */
	struct hvm_mmio_range mmio[HVM_MMIO_MAX];
	unsigned int nr_mmio;
	struct hvm_pio_range pio[HVM_PIO_MAX];
	unsigned int nr_pio;
	/* Interrupt lines (kmod/irq.c): controllers that listen to them. [c] */
	struct {
		hvm_irq_sink_fn fn;
		void *priv;
	} irq_sinks[HVM_IRQ_SINKS];
	unsigned int nr_irq_sinks;
	void *testdev;				/* kmod/testdev.c, or NULL */

	/* Platform device models (kmod/devices.c creates them). [c] */
	struct hvm_pic *pic;			/* kmod/pic.c */
	struct hvm_ioapic *ioapic;		/* kmod/ioapic.c */
	struct hvm_pit *pit;			/* kmod/pit.c */
	struct hvm_rtc *rtc;			/* kmod/rtc.c */
	struct hvm_platform *platform;		/* kmod/platform.c */
	struct hvm_acpi_pm *acpi_pm;		/* kmod/acpi_pm.c */

	/*
	 * [c] Added to the host TSC on every vCPU (VMCB TSC_OFFSET / VMCS
	 * TSC offset) until the guest writes IA32_TSC: the guest TSC counts
	 * from about 0 at creation, the same on every vCPU.
	 */
	u64 tsc_offset;

	void *arch;				/* vendor state */
	struct dentry *debugfs;			/* [l] kmod/debugfs.c (NULL: none) */
	/*
	 * [c] nr_vcpus entries, all set before the VM is visible; each lives
	 * until the last reference to the VM (hvm_vm_release), so readers
	 * holding a reference (netlink, events) may always walk them.
	 */
	struct hvm_vcpu *vcpus[];
};

/* The backend in use (set once at module load). */
extern const struct hvm_arch_ops *hvm_ops;
extern u64 hvm_features;
extern u32 hvm_nr_asids;

extern const struct hvm_arch_ops hvm_svm_ops;
extern const struct hvm_arch_ops hvm_vmx_ops;

/* ---- kmod/hw.c: virtualization on while at least one VM exists ---- */
int hvm_hw_get(void);
void hvm_hw_put(void);
bool hvm_hw_enabled(void);
bool hvm_cpu_virt_on(void);
int hvm_hw_init(void);
void hvm_hw_exit(void);

/* ---- kmod/vm.c ---- */
struct hvm_vm *hvm_vm_create(const char *name, u64 mem_size, u32 nr_vcpus,
			     struct netlink_ext_ack *extack);
int hvm_vm_destroy(const char *name, struct netlink_ext_ack *extack);
struct hvm_vm *hvm_vm_get(const char *name);	/* referenced or ERR_PTR */
void hvm_vm_put(struct hvm_vm *vm);
int hvm_vm_start(struct hvm_vm *vm, struct netlink_ext_ack *extack);
void hvm_vm_stop(struct hvm_vm *vm);
void hvm_vm_destroy_all(void);
unsigned int hvm_vm_count(void);
int hvm_vm_for_each(int (*fn)(struct hvm_vm *vm, void *data), void *data,
		    u32 start_id);
bool hvm_name_valid(const char *name);
extern unsigned int hvm_max_vms, hvm_max_vcpus;
extern bool hvm_huge_pages;
extern unsigned long long hvm_max_mem;
/* Upper bounds of the max_vcpus module parameter (xAPIC IDs are 8 bits). */
#define HVM_MAX_VCPUS_LIMIT	255

/* ---- kmod/vcpu.c: threads and the run loop ---- */
int hvm_vcpu_create(struct hvm_vm *vm, unsigned int index);
void hvm_vcpu_destroy(struct hvm_vcpu *vcpu);
void hvm_vcpu_free(struct hvm_vcpu *vcpu);
void hvm_vcpu_kick(struct hvm_vcpu *vcpu);
void hvm_vcpu_wake(struct hvm_vcpu *vcpu);
void hvm_vcpu_account(struct hvm_vcpu *vcpu, u64 guest_tsc, u64 total_tsc);

/**
 * hvm_vcpu_stop() - stop the whole VM with a reason
 * @vcpu: the vCPU that saw the reason
 * @reason: HVM_STOP_*
 * @code: exit code (exit), faulting GPA (fault), hardware code
 *        (unhandled, entry-failed); ignored otherwise
 *
 * The first reason wins; other vCPUs are kicked out of guest mode. The core
 * records the guest RIP at the stop itself (ops->get_regs from the vCPU
 * thread once it left the run loop), so leave RIP where a restart should
 * resume: past HLT, OUT and VMMCALL; on the faulting instruction for fault.
 * Returns 1 so a backend can "return hvm_vcpu_stop(...)" from vcpu_run.
 */
int hvm_vcpu_stop(struct hvm_vcpu *vcpu, enum hvm_stop_reason reason,
		  u64 code);

extern bool hvm_entry_blocked, hvm_hw_lost;

/**
 * hvm_vcpu_should_exit() - must the vCPU stay out of guest mode?
 * @vcpu: the vCPU about to enter
 *
 * Backends call it with interrupts disabled right before VM entry (after
 * publishing vcpu->cpu; see hvm_vcpu_kick()), and return 0 without
 * entering when it is true: the VM is stopping, or the host is rebooting
 * or suspending (hvm_entry_blocked, kmod/hw.c).
 */
static inline bool hvm_vcpu_should_exit(struct hvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->stop_requested) ||
	       READ_ONCE(hvm_entry_blocked);
}

/*
 * Most exits one guest context takes (see hvm_exit_fast()). A host
 * interrupt ends it anyway (the guest exits and the backend turns
 * interrupts on); the bound keeps the core's run loop (freezer, stop
 * requests that the kick makes visible) in reach of a guest that exits
 * in a tight loop on a CPU without a tick.
 */
#define HVM_FAST_EXITS		256

/**
 * hvm_fast_reenter() - may a backend enter the guest again in the same
 *                      guest context (see hvm_exit_fast())?
 * @vcpu: the vCPU; its last exit was handled by the core, interrupts off
 * @n: exits handled in this guest context so far
 *
 * Not once the thread should leave the CPU or the guest, nor after
 * HVM_FAST_EXITS exits. Interrupts are off, so a stop request or kick
 * that comes later makes the next entry exit at once (a host interrupt),
 * which ends the guest context.
 */
static inline bool hvm_fast_reenter(struct hvm_vcpu *vcpu, unsigned int n)
{
	return n < HVM_FAST_EXITS && !need_resched() &&
	       !hvm_vcpu_should_exit(vcpu) && !READ_ONCE(vcpu->halted);
}

/* ---- kmod/mem.c: guest RAM ---- */
struct page *hvm_mem_page(struct hvm_vm *vm, u64 gfn);	/* ERR_PTR(-EFAULT/-ENOMEM) */
struct page *hvm_mem_huge(struct hvm_vm *vm, u64 gfn);	/* NULL: map 4 KiB */
/* A 2 MiB guest block (vm->huge_pages): frames and allocation order. */
#define HVM_HUGE_ORDER		9
#define HVM_HUGE_FRAMES		(1UL << HVM_HUGE_ORDER)
#define HVM_HUGE_SIZE		(HVM_HUGE_FRAMES << PAGE_SHIFT)
int hvm_mem_read(struct hvm_vm *vm, u64 gpa, void *buf, size_t len);
int hvm_mem_write(struct hvm_vm *vm, u64 gpa, const void *buf, size_t len);
int hvm_mem_copy_from_user(struct hvm_vm *vm, u64 gpa, const void __user *src, u64 len);
int hvm_mem_copy_to_user(struct hvm_vm *vm, u64 gpa, void __user *dst, u64 len);
void hvm_mem_free(struct hvm_vm *vm);

/* ---- kmod/exit.c: vendor-neutral exit records, one handler each ---- */

/**
 * enum hvm_exit_kind - what a backend decoded its exit into
 * @HVM_EXIT_NONE: nothing for the core (host interrupt, NMI, MTF...)
 * @HVM_EXIT_IO: IN, OUT, INS, OUTS (@io)
 * @HVM_EXIT_CPUID: CPUID
 * @HVM_EXIT_RDMSR: RDMSR (ECX)
 * @HVM_EXIT_WRMSR: WRMSR (ECX, EDX:EAX)
 * @HVM_EXIT_HLT: HLT
 * @HVM_EXIT_HYPERCALL: VMMCALL / VMCALL
 * @HVM_EXIT_XSETBV: XSETBV
 * @HVM_EXIT_CR: a control register access (@cr)
 * @HVM_EXIT_NPF: nested page fault / EPT violation (@npf)
 * @HVM_EXIT_EXCEPTION: an intercepted exception to reflect (@exc)
 * @HVM_EXIT_INVD: INVD, WBINVD, WBNOINVD (a no-op for guest RAM)
 * @HVM_EXIT_UD: an instruction hvm hides from guests (VMX, SVM, SMX,
 *	MONITOR/MWAIT...): #UD
 * @HVM_EXIT_RDPMC: RDPMC (no counters are virtualized)
 * @HVM_EXIT_SHUTDOWN: the guest's triple fault
 * @HVM_EXIT_IRQ_WINDOW: the guest can take an interrupt now
 * @HVM_EXIT_NMI_WINDOW: the guest can take an NMI now
 */
enum hvm_exit_kind {
	HVM_EXIT_NONE,
	HVM_EXIT_IO,
	HVM_EXIT_CPUID,
	HVM_EXIT_RDMSR,
	HVM_EXIT_WRMSR,
	HVM_EXIT_HLT,
	HVM_EXIT_HYPERCALL,
	HVM_EXIT_XSETBV,
	HVM_EXIT_CR,
	HVM_EXIT_NPF,
	HVM_EXIT_EXCEPTION,
	HVM_EXIT_INVD,
	HVM_EXIT_UD,
	HVM_EXIT_RDPMC,
	HVM_EXIT_SHUTDOWN,
	HVM_EXIT_IRQ_WINDOW,
	HVM_EXIT_NMI_WINDOW,
};

/* hvm_exit.cr.type */
#define HVM_CR_MOV_TO		0
#define HVM_CR_MOV_FROM		1
#define HVM_CR_CLTS		2
#define HVM_CR_LMSW		3

/* hvm_exit.npf.access */
#define HVM_NPF_READ		BIT(0)
#define HVM_NPF_WRITE		BIT(1)
#define HVM_NPF_FETCH		BIT(2)
#define HVM_NPF_RSVD		BIT(3)	/* a reserved bit in a nested entry */

/* Longest x86 instruction (SDM vol. 2 2.3.11, APM vol. 3 1.1). */
#define HVM_MAX_INSN		15

/**
 * struct hvm_exit - one VM exit, decoded by the backend
 * @kind: enum hvm_exit_kind
 * @insn_len: length of the exiting instruction (instruction exits), from
 *            the VM-exit instruction length, NRIP or the backend's decode
 * @hw_code: the vendor's exit code, reported with reason unhandled
 * @io: port I/O. @seg: HVM_SEG_* of the OUTS source as decoded (DS when
 *      the CPU does not say); @addr_size: 2/4/8 for string I/O
 * @cr: @cr the register number, @type HVM_CR_*, @gpr the HVM_GPR_* operand
 *      of MOV, @lmsw the LMSW source operand
 * @npf: @gpa the faulting guest-physical address, @access HVM_NPF_*,
 *       @insn/@insn_bytes the bytes the CPU fetched (AMD decode assists;
 *       0 when it did not)
 * @exc: the intercepted exception (@vector, @has_error, @error)
 */
struct hvm_exit {
	u8 kind;
	u8 insn_len;
	u64 hw_code;
	union {
		struct {
			u16 port;
			u8 size;
			bool in;
			bool string;
			bool rep;
			u8 addr_size;
			u8 seg;
		} io;
		struct {
			u8 cr;
			u8 type;
			u8 gpr;
			u16 lmsw;
		} cr;
		struct {
			u64 gpa;
			u32 access;
			u8 insn_bytes;
			u8 insn[HVM_MAX_INSN];
		} npf;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
		} exc;
	};
};

/**
 * hvm_handle_exit() - the core's handling of one decoded exit
 * @vcpu: the vCPU, back from the guest (interrupts on, preemptible)
 * @e: the exit as the backend decoded it
 *
 * Does the work, moves RIP past a completed instruction, queues the
 * exceptions the guest must see and counts the exit (HVM_STAT_*; the
 * backend counts HVM_STAT_EXITS, INTR and NMI itself).
 *
 * Return: 0 to re-enter, 1 when the VM stops, or a negative errno.
 */
int hvm_handle_exit(struct hvm_vcpu *vcpu, struct hvm_exit *e);

/**
 * hvm_exit_fast() - may the backend hand @e to hvm_handle_exit() with
 *                   interrupts off, without leaving its guest context?
 * @e: the exit as the backend decoded it (decoding it had no side effect)
 *
 * True for the exits whose handling neither sleeps, nor touches guest
 * memory, nor the guest's FPU image, nor turns interrupts on: CPUID, the
 * hypercall, RDMSR/WRMSR, IN/OUT (not INS/OUTS) and the interrupt window.
 * Backends keep the guest's FPU, XCR0 and the host state their VM entry
 * does not switch loaded across such exits, up to HVM_FAST_EXITS of them,
 * as KVM's fastpath loop in vcpu_enter_guest() does for its own few.
 */
bool hvm_exit_fast(const struct hvm_exit *e);

/* ---- kmod/mmio.c: guest-physical ranges served by device models ---- */
int hvm_mmio_register(struct hvm_vm *vm, u64 base, u64 size,
		      const struct hvm_mmio_ops *ops, void *priv);
int hvm_mmio_access(struct hvm_vcpu *vcpu, const struct hvm_exit *e);
bool hvm_mmio_overlaps(struct hvm_vm *vm, u64 base, u64 size);

int hvm_pio_register(struct hvm_vm *vm, u16 base, u16 count,
		     const struct hvm_pio_ops *ops, void *priv);

/* ---- kmod/irq.c: interrupt lines from devices to the controllers ---- */
/* ISA IRQs 0-15 and I/O APIC GSIs 16-23 share one number space. */
#define HVM_NR_IRQS		24
int hvm_irq_add_sink(struct hvm_vm *vm, hvm_irq_sink_fn fn, void *priv);
void hvm_irq_line(struct hvm_vm *vm, unsigned int irq, bool level);
void hvm_irq_pulse(struct hvm_vm *vm, unsigned int irq);

/* ---- kmod/devices.c: the virtual platform's device models ---- */
int hvm_devices_create(struct hvm_vm *vm);
void hvm_devices_destroy(struct hvm_vm *vm);

/* kmod/testdev.c: the selftests' MMIO device (module parameter testdev) */
#define HVM_TESTDEV_BASE	0xfebf0000ULL
int hvm_testdev_init(struct hvm_vm *vm);
void hvm_testdev_free(struct hvm_vm *vm);

/* ---- kmod/event.c: exceptions and interrupts for the guest ---- */
int hvm_queue_exception(struct hvm_vcpu *vcpu, u8 vector, bool has_error,
			u32 error);
void hvm_event_interrupted(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev);
void hvm_inject_pending(struct hvm_vcpu *vcpu);
void hvm_vcpu_raise_irq(struct hvm_vcpu *vcpu, u8 vector);
bool hvm_vcpu_has_interrupt(struct hvm_vcpu *vcpu);
void hvm_vcpu_raise_nmi(struct hvm_vcpu *vcpu);

/* ---- kmod/x86.c: architectural rules, once for both vendors ---- */
bool hvm_pat_valid(u64 pat);
bool hvm_canonical(struct hvm_vcpu *vcpu, u64 la);
u64 hvm_efer_valid_bits(void);
int hvm_set_efer(struct hvm_vcpu *vcpu, u64 val);
int hvm_set_cr0(struct hvm_vcpu *vcpu, u64 val);
int hvm_set_cr4(struct hvm_vcpu *vcpu, u64 val);
bool hvm_xcr0_valid(u64 xcr0);
u64 hvm_cr4_guest_bits(void);
extern u64 hvm_cr4_hw_bits;
extern u64 hvm_guest_xcr0_mask;
unsigned long hvm_in_merge(unsigned long rax, u32 val, unsigned int size);
void hvm_fpu_reset_image(void *buf, unsigned int size);

/* ---- kmod/mmu.c: nested page tables, shared by NPT and EPT ---- */
int hvm_mmu_init(struct hvm_vm *vm);
unsigned int hvm_gpa_bits(void);
void hvm_mmu_destroy(struct hvm_vm *vm);
/**
 * hvm_npt_map() - back the guest page at @gpa and map it in the nested tables
 * @vm: the VM
 * @gpa: the guest-physical address that faulted
 *
 * Returns 0, -EFAULT when @gpa is outside RAM (stop with reason fault), or
 * -ENOMEM (stop with reason internal).
 */
int hvm_npt_map(struct hvm_vm *vm, u64 gpa);

/**
 * struct hvm_exception - a fault the core found in a guest access, for the
 * backend to inject with its own helper
 * @vector: X86_TRAP_*
 * @has_error: deliver @error_code
 * @error_code: the error code
 * @cr2: for #PF, the faulting linear address the guest's CR2 gets
 */
struct hvm_exception {
	u8 vector;
	bool has_error;
	u32 error_code;
	u64 cr2;
};

/* hvm_io_string(), hvm_gva_to_gpa(): inject the struct hvm_exception. */
#define HVM_IO_INJECT		2

/* ---- kmod/io.c: port I/O dispatch, exit port (COM1: kmod/uart.c) ---- */
#define HVM_EXIT_PORT		0xf4

/**
 * hvm_io_emulate() - one port access (size 1, 2 or 4)
 * @vcpu: the vCPU that exited
 * @port: the I/O port
 * @size: access width in bytes
 * @in: IN rather than OUT
 * @val: the value written (OUT) or read (IN, low @size bytes)
 *
 * Returns 0 to continue, or 1 when the access stopped the VM (exit port).
 */
int hvm_io_emulate(struct hvm_vcpu *vcpu, u16 port, unsigned int size,
		   bool in, u32 *val);
/**
 * hvm_io_string() - INS/OUTS, with or without REP, through guest memory
 * @vcpu: the vCPU that exited
 * @port: the I/O port
 * @size: element width in bytes
 * @in: INS rather than OUTS
 * @rep: with a REP prefix (RCX counts)
 * @regs: the vCPU state (RSI/RDI/RCX/RFLAGS/segments/CRs); updated in place
 * @seg: segment for the OUTS source, pointing into @regs (&regs->ds unless
 *       the backend decoded an override); INS always uses ES
 * @addr_size: 2, 4 or 8
 * @next_rip: RIP after the instruction
 *
 * @exc: the exception to inject when the memory operand faults
 *
 * The memory operand is checked as the CPU would (segment type and limit,
 * canonical form, paging access rights at the guest's CPL).
 * regs->rip is set to @next_rip when the instruction completed, and left
 * alone when a REP was cut short (at most a bounded number of elements per
 * exit, so a huge RCX never pins the host) or faulted: the guest then
 * re-executes it, or takes the exception with RSI/RDI/RCX counting the
 * elements already done (REP string I/O is restartable).
 * The caller writes @regs back (ops->set_regs or the fields it tracks).
 *
 * Returns 0, 1 when the VM stopped, HVM_IO_INJECT when the caller must
 * inject *@exc (loading the guest's CR2 from @exc->cr2 for a #PF), or a
 * negative errno when guest memory could not be reached (-EFAULT: the
 * caller stops with reason fault; -ENOMEM: reason internal).
 */
int hvm_io_string(struct hvm_vcpu *vcpu, struct hvm_regs *regs, u16 port,
		  unsigned int size, bool in, bool rep,
		  unsigned int addr_size, const struct hvm_segment *seg,
		  u64 next_rip, struct hvm_exception *exc);

/* ---- kmod/cpuid.c and kmod/msr.c: shared policy ---- */
/**
 * hvm_cpuid() - the filtered CPUID the guest sees
 * @vcpu: the vCPU (its index is the initial APIC ID)
 * @guest_cr4: the guest's CR4 (OSXSAVE/OSPKE mirror it)
 * @eax: in: the leaf; out: EAX
 * @ebx: out: EBX
 * @ecx: in: the subleaf; out: ECX
 * @edx: out: EDX
 */
void hvm_cpuid_init(void);
void hvm_cpuid(struct hvm_vcpu *vcpu, u64 guest_cr4,
	       u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);

enum hvm_msr_kind {
	HVM_MSR_DENY,		/* inject #GP */
	HVM_MSR_ARCH,		/* state lives in the VMCB/VMCS: backend handles */
	HVM_MSR_CORE,		/* the core emulates it: hvm_msr_core_{read,write} */
};
enum hvm_msr_kind hvm_msr_policy(u32 msr, bool write);
int hvm_msr_core_read(struct hvm_vcpu *vcpu, u32 msr, u64 *val);
int hvm_msr_core_write(struct hvm_vcpu *vcpu, u32 msr, u64 val);

/* ---- kmod/mce.c: host machine checks consumed by an exit ---- */
void hvm_machine_check(void);
bool hvm_mc_in_progress(void);

/* ---- kmod/hypercall.c ---- */
#define HVM_HYPERCALL_VERSION	1
/** hvm_hypercall() - RAX in, RAX out (version for 0, -ENOSYS otherwise). */
u64 hvm_hypercall(struct hvm_vcpu *vcpu, u64 nr);

/* ---- kmod/guest.c: guest virtual -> physical (string I/O) ---- */
int hvm_gva_to_gpa(struct hvm_vcpu *vcpu, const struct hvm_regs *regs,
		   u64 gva, bool write, u64 *gpa, struct hvm_exception *exc);

/* ---- kmod/netlink.c ---- */
int hvm_netlink_init(void);
void hvm_netlink_exit(void);
void hvm_notify(struct hvm_vm *vm, enum hvm_event event);

/* ---- kmod/chardev.c ---- */
int hvm_chardev_init(void);
void hvm_chardev_exit(void);

/* ---- kmod/debugfs.c ---- */
void hvm_debugfs_init(void);
void hvm_debugfs_exit(void);
void hvm_debugfs_vm_add(struct hvm_vm *vm);
void hvm_debugfs_vm_remove(struct hvm_vm *vm);

/* ---- kmod/trace.c: tracepoints (kmod/trace.h) and the exit history ---- */
void hvm_exit_log_reset(struct hvm_vcpu *vcpu);
void hvm_exit_log(struct hvm_vcpu *vcpu, const struct hvm_exit *e);
unsigned int hvm_exit_log_read(struct hvm_vcpu *vcpu,
			       struct hvm_exit_record *out, u64 *seen);
extern const char *const hvm_exit_reason_names[__HVM_EXIT_REASON_MAX];

#endif /* _HVM_CORE_H */
