/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x backend internals: shared by the files in vmx/, never included by
 * the core.
 */
#ifndef _HVM_VMX_H
#define _HVM_VMX_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/ratelimit.h>
#include <asm/asm.h>
#include <asm/desc_defs.h>

#include "hvm.h"
#include "vmcs.h"
#include "guest.h"

/*
 * struct vmx_caps - what probe() found, fixed after module load
 * @revision:	VMCS revision identifier (IA32_VMX_BASIC[30:0])
 * @vmcs_size:	bytes of the VMXON region and of each VMCS
 * @pin, @cpu, @cpu2, @exit, @entry: the controls we run with, computed
 *		from the (TRUE_) capability MSRs; @entry without IA-32e mode
 * @ept_vpid:	IA32_VMX_EPT_VPID_CAP
 * @cr0_fixed0 ... @cr4_fixed1: the fixed-bit MSRs
 * @vpid, @unrestricted, @ins_outs_info: optional features in use
 * @irq_window, @nmi_window: interrupt- / NMI-window exiting may be set
 *		(the NMI window needs virtual NMIs)
 * @xsave:	guests get XSAVE (host has it and module param xsave=Y)
 * @host_xsave: the host has CR4.OSXSAVE (XCR0 exists, whatever @xsave)
 * @xcr0:	the host's XCR0 (0 without @host_xsave)
 * @fpu_size:	the buffer size for a guest's x87/SSE/AVX state
 * @fpu_mask:	the XSAVE components switched for the guest (host XCR0 &
 *		x87/SSE/AVX/AVX-512), also with xsave=N (their init state)
 * @cr4_allowed: CR4 bits a guest state may hold: the core's
 *		hvm_cr4_guest_bits() plus the host-owned MCE
 * @l1d_flush:	flush L1D before every VM entry (L1TF mitigation)
 * @preempt_timer: the VMX-preemption timer value loaded on every entry
 *		(0: not used), worth about VMX_SLICE_US of guest time
 */
struct vmx_caps {
	u32 revision;
	u32 vmcs_size;
	u32 pin, cpu, cpu2, exit, entry;
	u64 ept_vpid;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid;
	bool unrestricted;
	bool ins_outs_info;
	bool irq_window, nmi_window;
	bool xsave;
	bool host_xsave;
	bool l1d_flush;
	u64 xcr0;
	unsigned long cr4_allowed;
	u64 fpu_mask;
	unsigned int fpu_size;
	u32 preempt_timer;
};

/*
 * The longest a guest runs without an exit. Host interrupts end guest mode
 * anyway; the timer is a backstop for CPUs (Bochs 2.7 among them) that do
 * not take "external-interrupt exiting" while the guest has IF=0.
 */
#define VMX_SLICE_US	1000

extern struct vmx_caps vmx_caps;

/* MSRs switched through the VM-entry/exit MSR areas (guest values stored on exit). */
enum {
	VMX_MSR_KERNEL_GS_BASE,
	VMX_MSR_STAR,
	VMX_MSR_LSTAR,
	VMX_MSR_CSTAR,
	VMX_MSR_SYSCALL_MASK,
	VMX_NR_MSRS,
};

/* One entry of a VM-entry/exit MSR area (SDM 25.7.2). */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
} __aligned(16);

/*
 * struct vmx_vm - per-VM VT-x state (vm->arch)
 * @vpid: 0 when VPIDs are not used (every entry/exit flushes)
 * @eptp: the EPT pointer for vm->npt_root_pa
 * @gen: unique among all VMs ever created: a CPU that enters a VM other
 *	 than the last one it ran does an IBPB first
 */
struct vmx_vm {
	u16 vpid;
	u64 eptp;
	u64 gen;
};

/*
 * struct vmx_vcpu - per-vCPU VT-x state (vcpu->arch)
 *
 * Locking: [t] the vCPU thread while in its run loop, or the ioctl caller
 * (vm->lock) while the VM is stopped; [p] only on @cpu with interrupts off
 * (the per-CPU loaded list, changed by vcpu_load, the VMCLEAR IPI and
 * hardware_disable).
 */
struct vmx_vcpu {
	struct hvm_vcpu *vcpu;			/* [c] */
	struct vmx_vm *vm;			/* [c] */
	void *vmcs;				/* [c] VMCS region */
	phys_addr_t vmcs_pa;			/* [c] */
	int cpu;				/* [p] where the VMCS is active, -1 when clear */
	bool launched;				/* [t] VMRESUME next */
	bool need_flush;			/* [t] INVEPT/INVVPID before the next entry */
	struct list_head loaded_node;		/* [p] on vmx_cpu.loaded of @cpu */

	u32 entry_ctls;				/* [t] cached VM_ENTRY_CONTROLS */
	unsigned long cr0_mask, cr4_mask;	/* [c] guest/host masks */
	u64 cr2;				/* [t] not in the VMCS */
	u64 cr8;				/* [t] TPR as the guest sees it */
	u64 xcr0;				/* [t] */
	u32 pkru;				/* [t] */
	unsigned long dr[4];			/* [t] guest DR0-3 */
	unsigned long dr6;			/* [t] guest DR6 (virtual: #DB is intercepted) */
	bool dr_active;				/* [t] guest DR0-3 must be in hardware */
	void *fpu;				/* [t] guest XSAVE/FXSAVE image */
	u32 cpu_ctls;				/* [t] cached CPU_BASED_VM_EXEC_CONTROL */
	/*
	 * RIP and RSP as the VMCS holds them (written back from the core's
	 * register file before an entry only when they differ). [t]
	 */
	u64 vmcs_rip, vmcs_rsp;

	struct vmx_msr_entry *guest_msrs;	/* [t] VM-entry load + VM-exit store */
	struct vmx_msr_entry *host_msrs;	/* [t] VM-exit load */
	unsigned long *msr_bitmap;		/* [c] */

	/* Host state the VM exit does not restore (saved at vcpu_load). [t] */
	struct {
		unsigned long cr3, cr4;		/* last values written to the VMCS */
		u16 ds, es, fs, gs, ldt;
		u64 fs_base, kernel_gs_base;
		u64 debugctl;
		struct desc_ptr idt;
	} host;
};

/* ---- VMX instructions (vmx/vmx.c); a fault is caught, never an oops ---- */

/* VMfail (CF or ZF) gives -EIO; a #UD/#GP (VMX off) gives -EFAULT. */
static __always_inline int vmx_insn_vmclear(phys_addr_t pa)
{
	asm goto("1: vmclear %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline int vmx_insn_vmptrld(phys_addr_t pa)
{
	asm goto("1: vmptrld %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline int vmx_insn_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm goto("1: invept %0, %1\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(desc), "r"(type) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline int vmx_insn_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };

	asm goto("1: invvpid %0, %1\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(desc), "r"(type) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/* Returns false on VMfail or fault; *val is 0 then. */
static __always_inline bool vmx_insn_vmread(unsigned long field, unsigned long *val)
{
	unsigned long v = 0;
	bool fail = true;

	asm volatile("1: vmread %[field], %[v]\n\t"
		     "setna %[fail]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+r"(v), [fail] "+qm"(fail)
		     : [field] "r"(field) : "cc");
	*val = fail ? 0 : v;
	return !fail;
}

static __always_inline bool vmx_insn_vmwrite(unsigned long field, unsigned long val)
{
	bool fail = true;

	asm volatile("1: vmwrite %[val], %[field]\n\t"
		     "setna %[fail]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm"(fail)
		     : [field] "r"(field), [val] "rm"(val) : "cc");
	return !fail;
}

void vmx_vmwrite_error(unsigned long field, unsigned long val);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long v;

	vmx_insn_vmread(field, &v);
	return v;
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	return (u32)vmcs_read(field);
}

static __always_inline void vmcs_write(unsigned long field, unsigned long val)
{
	if (unlikely(!vmx_insn_vmwrite(field, val)))
		vmx_vmwrite_error(field, val);
}

/* What one exit left in the VMCS, read while interrupts are still off. */
struct vmx_exit {
	bool machine_check;	/* a machine check caused it (handled by the host) */
	u32 reason;
	u32 len;
	u32 intr_info;
	u32 insn_error;
	u64 qual;
	u64 rip;
};

/* ---- vmx/caps.c ---- */
int vmx_probe(u64 *features, u32 *nr_asids);

/* ---- vmx/vmx.c ---- */
/* The software L1D flush reads this much (KVM: 1 << L1D_CACHE_ORDER pages). */
#define VMX_L1D_FLUSH_SIZE	(16 * PAGE_SIZE)
extern u8 vmx_l1d_flush_buf[VMX_L1D_FLUSH_SIZE];
void vmx_ibpb_if_other_vm(struct vmx_vm *v);
extern const struct hvm_arch_ops hvm_vmx_ops;
void vmx_vcpu_load(struct hvm_vcpu *vcpu, int cpu);
void vmx_reset_launch(struct vmx_vcpu *vmx);
void vmx_vcpu_unload(struct vmx_vcpu *vmx);

/* ---- vmx/vmcs.c ---- */
int vmx_vcpu_create(struct hvm_vcpu *vcpu);
void vmx_vcpu_destroy(struct hvm_vcpu *vcpu);
void vmx_write_host_percpu(struct vmx_vcpu *vmx, int cpu);
void vmx_save_host_task(struct vmx_vcpu *vmx);
unsigned long vmx_guest_cr0(void);
unsigned long vmx_guest_cr4(void);
unsigned long vmx_actual_cr0(unsigned long cr0);
unsigned long vmx_actual_cr4(unsigned long cr4);

/* ---- vmx/regs.c ---- */
void vmx_get_regs(struct hvm_vcpu *vcpu, struct hvm_regs *regs);
int vmx_set_regs(struct hvm_vcpu *vcpu, const struct hvm_regs *regs);
void vmx_read_regs(struct vmx_vcpu *vmx, struct hvm_regs *regs);
void vmx_write_regs(struct vmx_vcpu *vmx, const struct hvm_regs *regs);
void vmx_update_efer(struct vmx_vcpu *vmx, u64 efer);
int vmx_load_pdptrs(struct vmx_vcpu *vmx);
unsigned int vmx_cpl(void);
u64 vmx_get_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl);
int vmx_set_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl, u64 val);
int vmx_msr_get(struct hvm_vcpu *vcpu, u32 msr, u64 *val);
int vmx_msr_set(struct hvm_vcpu *vcpu, u32 msr, u64 val);
void vmx_inject_event(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev);
void vmx_set_windows(struct hvm_vcpu *vcpu, bool irq, bool nmi);
u32 vmx_get_interruptibility(struct hvm_vcpu *vcpu);

/* ---- vmx/exit.c ---- */
void vmx_read_exit(struct vmx_vcpu *vmx, struct vmx_exit *e);
int vmx_handle_exit(struct vmx_vcpu *vmx, const struct vmx_exit *e);
bool vmx_exit_fast(struct vmx_vcpu *vmx, const struct vmx_exit *e);

/*
 * struct vmx_host_state - what the host had in the registers one guest
 * context borrows (vmx/host.c), on vmx_vcpu_run()'s stack
 * @dr, @dr7: the host's debug registers (@dr: read per entry, where the
 *            guest owns DR0-3)
 * @pkru: the host's PKRU, where @has_pkru
 * @dr_each_entry: the debug registers (and DEBUGCTL) switch around every
 *                 entry: the guest owns DR0-3 or the host has armed them
 */
struct vmx_host_state {
	unsigned long dr[4];
	unsigned long dr7;
	u32 pkru;
	bool has_pkru;
	bool dr_each_entry;
};

/* ---- vmx/host.c ---- */
void vmx_guest_context_enter(struct vmx_vcpu *vmx, struct vmx_host_state *h);
void vmx_guest_context_leave(struct vmx_vcpu *vmx, struct vmx_host_state *h);
void vmx_guest_entry_enter(struct vmx_vcpu *vmx, struct vmx_host_state *h);
void vmx_guest_entry_leave(struct vmx_vcpu *vmx, struct vmx_host_state *h);
int vmx_entry_failed(struct vmx_vcpu *vmx, const struct vmx_exit *e, int ret);

/* ---- vmx/ept.c, vmx/vpid.c ---- */
extern struct hvm_npt_format vmx_ept_format;	/* .huge set by vmx_probe() */
int vmx_vm_init(struct hvm_vm *vm);
void vmx_vm_destroy(struct hvm_vm *vm);
void vmx_flush_guest(struct vmx_vcpu *vmx);
void vmx_flush_all_ept(void);
u16 vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);

/* ---- vmx/entry.S ---- */
/*
 * Returns 0 after a VM exit, 1 on VMfail, 2 when VMWRITE/VMLAUNCH/
 * VMRESUME faulted (VMX turned off under us).
 */
/* @gprs: the core's register file (struct hvm_vcpu.gprs, HVM_GPR_* order). */
int hvm_vmx_enter(unsigned long *gprs, unsigned long launched);
extern const char hvm_vmx_exit[];
/* Calls the kernel's NMI entry on a synthetic interrupt frame (IRQs off). */
void hvm_vmx_do_nmi_irqoff(void);
/* Called by entry.S after the exit, before its RET. */
void hvm_vmx_spec_ctrl_restore(void);

#endif /* _HVM_VMX_H */
