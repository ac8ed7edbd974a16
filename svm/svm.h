/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm AMD-V backend: private declarations shared by the svm/ C files.
 */
#ifndef _HVM_SVM_H
#define _HVM_SVM_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "hvm.h"
#include "vmcb.h"

/*
 * struct svm_cpu - per physical CPU state
 * @hsave:       VM_HSAVE_PA page (VMRUN's host save area, format private
 *               to the CPU)
 * @host_vmsave: VMSAVE/VMLOAD page for the host's FS/GS/TR/LDTR/syscall
 *               MSRs, which VMRUN does not restore
 * @enabled:     EFER.SVME was set by us (so hardware_disable clears it)
 * @asid_gen:    ASID generation; bumped when @next_asid wraps (flush all)
 * @next_asid:   next ASID to hand out on this CPU
 * @host_tsc_aux: the host's TSC_AUX (CPU and node number for RDTSCP/RDPID)
 * @guest_tsc_aux: TSC_AUX holds the guest's value, not @host_tsc_aux
 * @last_vmcb:   the VMCB this CPU ran last; entering another one needs an
 *               IBPB (the previous guest may have trained the predictors)
 *
 * Locking: @hsave/@host_vmsave are [c] between hardware_setup and
 * hardware_unsetup; the rest is touched only on this CPU with preemption
 * (ASIDs: interrupts) disabled.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_vmsave;
	bool enabled;
	u64 asid_gen;
	u32 next_asid;
	u64 host_tsc_aux;
	bool guest_tsc_aux;
	struct vmcb *last_vmcb;
};

DECLARE_PER_CPU(struct svm_cpu, svm_cpu);

/*
 * struct svm_vcpu - vendor state of one vCPU (hvm_vcpu::arch)
 *
 * Everything is [t]: owned by the vCPU thread while the VM runs, touched
 * by others only while it is stopped.
 */
struct svm_vcpu {
	struct hvm_vcpu *vcpu;
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;

	/*
	 * CR4 as the guest wrote it. The VMCB holds it plus svm_cr4_forced
	 * (the host's CR4.MCE); CR4 reads and writes are intercepted.
	 */
	u64 cr4;

	/* Guest FPU/SSE/AVX state (XSAVE standard format, or FXSAVE). */
	void *fpu;
	u64 xcr0;			/* guest XCR0 */

	/* Per-CPU ASID (see asid.c). */
	u32 asid;
	int asid_cpu;
	u64 asid_gen;

	/*
	 * NMI blocking, which VMRUN does not track for an injected NMI
	 * without vNMI (event.c): set when an NMI is injected, IRET
	 * intercepted; @nmi_iret_rip the RIP of that IRET, cleared once the
	 * guest was seen past it.
	 */
	bool nmi_masked;
	bool nmi_iret_seen;
	u64 nmi_iret_rip;

	/*
	 * Debug registers: intercepted until the guest first touches one;
	 * from then on DR0-3 are switched on every run.
	 */
	bool dr_passthrough;
	unsigned long guest_dr[4];

	/* The last exit was a SHUTDOWN during a machine check (MCIP). */
	bool shutdown_mc;
};

/* svm.c */
extern u32 svm_nr_asids;
extern u32 svm_features;		/* CPUID Fn8000_000A EDX */
extern u64 svm_host_xcr0;		/* 0 without XSAVE */
extern unsigned int svm_fpu_size;
extern u64 svm_host_xss;		/* 0, or IA32_XSS to put back */
extern u64 svm_cr4_forced;		/* host CR4 bits kept in guest mode */
extern phys_addr_t svm_iopm_pa, svm_msrpm_pa;

/* CPUID 8000_0001h:ECX.SVM */
#define CPUID_8000_0001_ECX_SVM	BIT(2)

static inline bool svm_has(u32 feature)
{
	return svm_features & feature;
}

/* entry.S (through ctx.c) */
#include "ctx.h"

/* caps.c */
int svm_probe(u64 *features, u32 *nr_asids);

/* bitmaps.c */
int svm_bitmaps_get(void);
void svm_bitmaps_put(void);

/* vmcb.c */
int svm_vcpu_create(struct hvm_vcpu *vcpu);
void svm_vcpu_destroy(struct hvm_vcpu *vcpu);
void svm_vmcb_init_control(struct svm_vcpu *sv);
void svm_vmcb_init(struct svm_vcpu *sv);
void svm_get_regs(struct hvm_vcpu *vcpu, struct hvm_regs *regs);
int svm_set_regs(struct hvm_vcpu *vcpu, const struct hvm_regs *regs);
void svm_set_cr4(struct svm_vcpu *sv, u64 cr4);
u64 svm_get_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl);
int svm_set_ctl(struct hvm_vcpu *vcpu, enum hvm_ctl ctl, u64 val);
int svm_msr_get(struct hvm_vcpu *vcpu, u32 msr, u64 *val);
int svm_msr_set(struct hvm_vcpu *vcpu, u32 msr, u64 val);

/* event.c */
void svm_event_exit(struct svm_vcpu *sv);
void svm_inject_event(struct hvm_vcpu *vcpu, const struct hvm_guest_event *ev);
void svm_set_windows(struct hvm_vcpu *vcpu, bool irq, bool nmi);
u32 svm_get_interruptibility(struct hvm_vcpu *vcpu);

/* exit.c */
int svm_handle_exit(struct svm_vcpu *sv);
bool svm_exit_fast(struct svm_vcpu *sv);

/*
 * struct svm_host_state - host state one guest context switches (host.c),
 * on svm_vcpu_run()'s stack from svm_guest_context_enter() to _leave()
 * @has_pkru: the host uses PKRU; @pkru its value, @guest_pkru the guest's
 *            (in the register only from VMRUN to #VMEXIT)
 * @xcr0: the XCR0 loaded for the guest
 * @dr6, @dr7, @dr: the host's debug registers (@dr: with dr_passthrough)
 * @dr_each_entry: the debug registers switch around every VMRUN (the
 *                 guest owns DR0-3, or the host has breakpoints armed)
 */
struct svm_host_state {
	bool has_pkru;
	bool dr_each_entry;
	u32 pkru, guest_pkru;
	u64 xcr0;
	unsigned long dr6, dr7, dr[4];
};

/* host.c */
void svm_guest_context_enter(struct svm_vcpu *sv, struct svm_host_state *h);
void svm_guest_context_leave(struct svm_vcpu *sv, struct svm_host_state *h);
void svm_guest_entry_enter(struct svm_vcpu *sv, struct svm_host_state *h);
void svm_guest_entry_leave(struct svm_vcpu *sv, struct svm_host_state *h);

/* npt.c */
extern const struct hvm_npt_format svm_npt_format;

/* asid.c */
void svm_asid_cpu_reset(struct svm_cpu *sc);
void svm_asid_assign(struct svm_vcpu *sv, struct svm_cpu *sc, int cpu);

#endif /* _HVM_SVM_H */
