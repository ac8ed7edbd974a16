// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: the tracepoints of kmod/trace.h (instantiated here) and
 * the per-vCPU exit history.
 *
 * Every exit the core handles (hvm_handle_exit(), kmod/exit.c) is reported
 * to hvm:hvm_exit and written to the vCPU's history, a ring of the last
 * HVM_EXIT_HISTORY records in struct hvm_vcpu: no allocation and no lock on
 * the exit path. The ring has one writer, the vCPU thread; readers
 * (netlink, debugfs) copy records without a lock and check each record's
 * sequence number before and after the copy (the [r] rule of the locking
 * legend in kmod/hvm.h).
 */
#include <linux/kernel.h>
#include <linux/ktime.h>

#include "hvm.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

const char *const hvm_exit_reason_names[__HVM_EXIT_REASON_MAX] = {
	[HVM_EXIT_REASON_NONE] = "none",
	[HVM_EXIT_REASON_IO] = "io",
	[HVM_EXIT_REASON_CPUID] = "cpuid",
	[HVM_EXIT_REASON_RDMSR] = "rdmsr",
	[HVM_EXIT_REASON_WRMSR] = "wrmsr",
	[HVM_EXIT_REASON_HLT] = "hlt",
	[HVM_EXIT_REASON_HYPERCALL] = "hypercall",
	[HVM_EXIT_REASON_XSETBV] = "xsetbv",
	[HVM_EXIT_REASON_CR] = "cr",
	[HVM_EXIT_REASON_NPF] = "npf",
	[HVM_EXIT_REASON_EXCEPTION] = "exception",
	[HVM_EXIT_REASON_INVD] = "invd",
	[HVM_EXIT_REASON_UD] = "ud",
	[HVM_EXIT_REASON_RDPMC] = "rdpmc",
	[HVM_EXIT_REASON_SHUTDOWN] = "shutdown",
	[HVM_EXIT_REASON_IRQ_WINDOW] = "irq_window",
	[HVM_EXIT_REASON_NMI_WINDOW] = "nmi_window",
};

/* The uapi reasons are the core's exit kinds, one for one. */
static void __maybe_unused hvm_exit_reason_check(void)
{
	BUILD_BUG_ON((int)HVM_EXIT_REASON_NONE != (int)HVM_EXIT_NONE);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_IO != (int)HVM_EXIT_IO);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_CPUID != (int)HVM_EXIT_CPUID);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_RDMSR != (int)HVM_EXIT_RDMSR);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_WRMSR != (int)HVM_EXIT_WRMSR);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_HLT != (int)HVM_EXIT_HLT);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_HYPERCALL != (int)HVM_EXIT_HYPERCALL);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_XSETBV != (int)HVM_EXIT_XSETBV);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_CR != (int)HVM_EXIT_CR);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_NPF != (int)HVM_EXIT_NPF);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_EXCEPTION != (int)HVM_EXIT_EXCEPTION);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_INVD != (int)HVM_EXIT_INVD);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_UD != (int)HVM_EXIT_UD);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_RDPMC != (int)HVM_EXIT_RDPMC);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_SHUTDOWN != (int)HVM_EXIT_SHUTDOWN);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_IRQ_WINDOW != (int)HVM_EXIT_IRQ_WINDOW);
	BUILD_BUG_ON((int)HVM_EXIT_REASON_NMI_WINDOW != (int)HVM_EXIT_NMI_WINDOW);
}

/* The qualification of an exit, as uapi enum hvm_exit_reason documents it. */
static u64 hvm_exit_info(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	u32 ecx = vcpu->gprs[HVM_GPR_RCX];

	switch (e->kind) {
	case HVM_EXIT_IO:
		return e->io.port | (u64)e->io.size << 16 | (u64)e->io.in << 24 |
		       (u64)e->io.string << 25 | (u64)e->io.rep << 26;
	case HVM_EXIT_CPUID:
		return (u32)vcpu->gprs[HVM_GPR_RAX] | (u64)ecx << 32;
	case HVM_EXIT_RDMSR:
	case HVM_EXIT_WRMSR:
	case HVM_EXIT_XSETBV:
	case HVM_EXIT_RDPMC:
		return ecx;
	case HVM_EXIT_HYPERCALL:
		return vcpu->gprs[HVM_GPR_RAX];
	case HVM_EXIT_CR:
		return e->cr.cr | (u64)e->cr.type << 8;
	case HVM_EXIT_NPF:
		return e->npf.gpa;
	case HVM_EXIT_EXCEPTION:
		return e->exc.vector | (u64)e->exc.error << 32;
	case HVM_EXIT_INVD:
	case HVM_EXIT_UD:
		return e->hw_code;
	default:
		return 0;
	}
}

/**
 * hvm_exit_log_reset() - empty the vCPU's exit history (the VM starts)
 * @vcpu: the vCPU, from its own thread before the first entry of a run
 *
 * Only @exits_seen goes back to 0: records of the previous run keep
 * sequence numbers readers no longer ask for (the ring is written slot
 * by slot before @exits_seen moves past them).
 */
void hvm_exit_log_reset(struct hvm_vcpu *vcpu)
{
	/* pairs with the acquire in hvm_exit_log_read() */
	smp_store_release(&vcpu->exits_seen, 0);
}

/**
 * hvm_exit_log() - report an exit to hvm:hvm_exit and the exit history
 * @vcpu: the vCPU, on its own thread, before the core handles the exit
 *        (the register file holds the exiting instruction's RIP)
 * @e: the exit as the backend decoded it
 *
 * Host events (HVM_EXIT_NONE) are not recorded: the AMD-V backend never
 * hands them to the core, and both backends count them.
 */
void hvm_exit_log(struct hvm_vcpu *vcpu, const struct hvm_exit *e)
{
	struct hvm_exit_record *r;
	u64 info, seq;

	if (e->kind == HVM_EXIT_NONE || e->kind >= __HVM_EXIT_REASON_MAX)
		return;
	info = hvm_exit_info(vcpu, e);
	trace_hvm_exit(vcpu, e->kind, info);

	seq = vcpu->exits_seen + 1;
	r = &vcpu->exit_log[(seq - 1) % HVM_EXIT_HISTORY];
	WRITE_ONCE(r->seq, 0);
	smp_wmb();	/* seq 0 before the new contents: see hvm_exit_log_read() */
	WRITE_ONCE(r->time_ns, ktime_get_ns() - READ_ONCE(vcpu->vm->start_ns));
	WRITE_ONCE(r->rip, vcpu->rip);
	WRITE_ONCE(r->info, info);
	WRITE_ONCE(r->reason, e->kind);
	smp_wmb();	/* the contents before their seq */
	WRITE_ONCE(r->seq, seq);
	/* the record before the count: pairs with hvm_exit_log_read() */
	smp_store_release(&vcpu->exits_seen, seq);
}

/**
 * hvm_exit_log_read() - copy a vCPU's exit history, oldest first
 * @vcpu: any vCPU of a referenced VM; takes no lock, never sleeps
 * @out: HVM_EXIT_HISTORY records
 * @seen: out: exits recorded since the VM was started
 *
 * A record the vCPU overwrites while it is copied is left out (its
 * sequence number changed); the others are exact.
 *
 * Return: the number of records in @out.
 */
unsigned int hvm_exit_log_read(struct hvm_vcpu *vcpu,
			       struct hvm_exit_record *out, u64 *seen)
{
	unsigned int n = 0;
	u64 last, seq;

	/* the count before the records: pairs with hvm_exit_log() */
	last = smp_load_acquire(&vcpu->exits_seen);
	seq = last > HVM_EXIT_HISTORY ? last - HVM_EXIT_HISTORY + 1 : 1;
	*seen = last;
	for (; seq <= last; seq++) {
		const struct hvm_exit_record *r =
			&vcpu->exit_log[(seq - 1) % HVM_EXIT_HISTORY];
		struct hvm_exit_record *o = &out[n];

		if (READ_ONCE(r->seq) != seq)
			continue;
		smp_rmb();	/* seq before the contents */
		o->time_ns = READ_ONCE(r->time_ns);
		o->rip = READ_ONCE(r->rip);
		o->info = READ_ONCE(r->info);
		o->reason = READ_ONCE(r->reason);
		smp_rmb();	/* the contents before seq again */
		if (READ_ONCE(r->seq) != seq)
			continue;
		o->seq = seq;
		n++;
	}
	return n;
}
