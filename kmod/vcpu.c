// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads and the run loop.
 *
 * Each vCPU has a kernel thread "hvm-NAME/N". It sleeps until the VM is
 * started, then loops: enter the guest once (ops->vcpu_run), handle the
 * exit, repeat, until a stop is requested. The thread stays preemptible
 * between entries; preempt notifiers tell the backend when the thread moves
 * on or off a CPU (vcpu_load / vcpu_put), so per-CPU hardware state (the
 * current VMCS, per-CPU host state) follows the thread.
 *
 * Stopping: hvm_vcpu_stop() (a guest reason) or hvm_vm_stop() (the user)
 * set vm->stop_requested and kick every vCPU with an IPI; a vCPU in guest
 * mode exits on the interrupt, sees the flag and leaves its loop. The last
 * vCPU out marks the VM stopped and wakes the waiters.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/preempt.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#include "hvm.h"
#include "trace.h"

static inline struct hvm_vcpu *pn_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct hvm_vcpu, pn);
}

static void hvm_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct hvm_vcpu *vcpu = pn_to_vcpu(pn);

	WRITE_ONCE(vcpu->cpu, cpu);
	/* vcpu->cpu before the next stop_requested read: see hvm_vcpu_kick() */
	smp_mb();
	hvm_ops->vcpu_load(vcpu, cpu);
}

/* Called with the runqueue lock held and interrupts off: nothing heavy. */
static void hvm_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct hvm_vcpu *vcpu = pn_to_vcpu(pn);

	hvm_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
}

static struct preempt_ops hvm_preempt_ops = {
	.sched_in = hvm_sched_in,
	.sched_out = hvm_sched_out,
};

/**
 * hvm_vcpu_kick() - force the vCPU out of guest mode if it is in it
 * @vcpu: the vCPU
 *
 * Any context, hard interrupts and interrupts-off exit handlers included
 * (hvm_exit_fast()): the IPI is the reschedule IPI, as KVM's
 * kvm_vcpu_kick() sends, whose only point here is the guest exit it forces
 * (smp_call_function_single() must not be called with interrupts off). A
 * vCPU not in guest mode checks vm->stop_requested (with interrupts off)
 * before its next entry.
 *
 * The caller has set the flag the vCPU must see (stop_requested,
 * hvm_entry_blocked). Dekker-style: we store the flag and load vcpu->cpu,
 * the vCPU thread stores vcpu->cpu and loads the flag; a full barrier on
 * each side (here, and after every store to vcpu->cpu) guarantees that at
 * least one of us sees the other's store, so either the vCPU does not
 * enter or we send the IPI that makes it leave.
 */
void hvm_vcpu_kick(struct hvm_vcpu *vcpu)
{
	int cpu, me;

	smp_mb();	/* the caller's flag store before the vcpu->cpu load */
	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu >= 0 && cpu != me)
		(smp_ops.smp_send_reschedule)(cpu);
	put_cpu();
	/* A vCPU halted with IF=1 sleeps instead: wake it to look again. */
	wake_up(&vcpu->halt_wq);
}

/**
 * hvm_vcpu_account() - add one ops->vcpu_run's time to the vCPU's counters
 * @vcpu: the vCPU (its own thread)
 * @guest_tsc: TSC cycles spent in guest mode
 * @total_tsc: TSC cycles the whole call took
 *
 * Backends count in TSC cycles (RDTSC costs less than a clock read on
 * every entry); the counters are nanoseconds (tsc_khz, calibrated at
 * boot).
 */
void hvm_vcpu_account(struct hvm_vcpu *vcpu, u64 guest_tsc, u64 total_tsc)
{
	u32 khz = tsc_khz ?: 1000000;	/* no calibration: count 1 GHz */

	if (guest_tsc > total_tsc)
		guest_tsc = total_tsc;
	vcpu->guest_ns += mul_u64_u32_div(guest_tsc, 1000000, khz);
	vcpu->host_ns += mul_u64_u32_div(total_tsc - guest_tsc, 1000000, khz);
}

void hvm_vcpu_wake(struct hvm_vcpu *vcpu)
{
	wake_up_all(&vcpu->vm->state_wq);
}

int hvm_vcpu_stop(struct hvm_vcpu *vcpu, enum hvm_stop_reason reason, u64 code)
{
	struct hvm_vm *vm = vcpu->vm;
	unsigned int i;

	spin_lock(&vm->state_lock);
	if (!vm->stop_set) {
		vm->stop_set = true;
		vm->stop_reason = reason;
		vm->stop_vcpu = vcpu->index;
		switch (reason) {
		case HVM_STOP_EXIT:
			vm->exit_code = code;
			break;
		case HVM_STOP_FAULT:
			vm->fault_gpa = code;
			break;
		case HVM_STOP_UNHANDLED:
		case HVM_STOP_ENTRY_FAILED:
		case HVM_STOP_INTERNAL:
			vm->hw_error = code;
			break;
		default:
			break;
		}
	}
	WRITE_ONCE(vm->stop_requested, true);
	spin_unlock(&vm->state_lock);

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] != vcpu)
			hvm_vcpu_kick(vm->vcpus[i]);
	return 1;
}

/* Something a halted vCPU must wake for (see hvm_vcpu_halt_wait()). */
static bool hvm_vcpu_wake_pending(struct hvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->vm->stop_requested) ||
	       READ_ONCE(hvm_entry_blocked) || hvm_vcpu_has_interrupt(vcpu);
}

/*
 * HLT with RFLAGS.IF set (kmod/exit.c): the processor stays halted until an
 * interrupt, NMI or reset (SDM vol. 2 HLT, vol. 3A 9.1.x "activity states").
 * The thread sleeps, using no host CPU, until hvm_vcpu_raise_irq() /
 * _raise_nmi() or a stop kicks it; a pending event ends the halt and the
 * next entry delivers it (RIP is already past the HLT). Freezable, like
 * the rest of the loop.
 */
static void hvm_vcpu_halt_wait(struct hvm_vcpu *vcpu)
{
	wait_event_freezable(vcpu->halt_wq, hvm_vcpu_wake_pending(vcpu));
	if (hvm_vcpu_has_interrupt(vcpu))
		WRITE_ONCE(vcpu->halted, false);
}

/*
 * Long by design: the whole life of a run (load, loop, record, put) reads
 * top to bottom.
 */
static void hvm_vcpu_run_loop(struct hvm_vcpu *vcpu)
{
	struct hvm_vm *vm = vcpu->vm;
	struct hvm_regs *regs;
	bool last;
	int r = 0;
	int cpu;

	preempt_disable();
	cpu = smp_processor_id();
	preempt_notifier_register(&vcpu->pn);
	WRITE_ONCE(vcpu->cpu, cpu);
	smp_mb();	/* see hvm_vcpu_kick() */
	hvm_ops->vcpu_load(vcpu, cpu);
	preempt_enable();
	hvm_exit_log_reset(vcpu);

	while (!READ_ONCE(vm->stop_requested)) {
		cond_resched();
		/* Suspend: the freezer parks us here; the guest just pauses. */
		try_to_freeze();
		if (unlikely(READ_ONCE(hvm_entry_blocked))) {
			if (READ_ONCE(hvm_hw_lost)) {
				/* Reboot/kexec, or resume failed: no hardware. */
				hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, ESHUTDOWN);
				break;
			}
			/* A suspend is going on around us (we are not frozen). */
			schedule_timeout_uninterruptible(1);
			continue;
		}
		if (READ_ONCE(vcpu->halted)) {
			hvm_vcpu_halt_wait(vcpu);
			continue;
		}
		r = hvm_ops->vcpu_run(vcpu);
		if (r == -EAGAIN) {
			/*
			 * This CPU's virtualization is off (going offline) or
			 * entry is blocked for a moment (suspend): sleep a tick,
			 * the wakeup places us on a CPU that can run guests.
			 */
			schedule_timeout_uninterruptible(1);
			r = 0;
			continue;
		}
		if (r)
			break;
	}
	if (r < 0)
		hvm_vcpu_stop(vcpu, HVM_STOP_INTERNAL, (u64)-r);

	/* Record where the guest stopped while our state is still loaded. */
	regs = kzalloc(sizeof(*regs), GFP_KERNEL);
	if (regs) {
		hvm_ops->get_regs(vcpu, regs);
		spin_lock(&vm->state_lock);
		if (vm->stop_vcpu == vcpu->index)
			vm->stop_rip = regs->rip;
		spin_unlock(&vm->state_lock);
		kfree(regs);
	}

	preempt_disable();
	hvm_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
	preempt_notifier_unregister(&vcpu->pn);
	preempt_enable();

	spin_lock(&vm->state_lock);
	vcpu->run = false;
	last = !--vm->nr_running;
	if (last) {
		if (!vm->stop_set) {
			vm->stop_set = true;
			vm->stop_reason = HVM_STOP_USER;
		}
		WRITE_ONCE(vm->state, HVM_VM_STOPPED);
		/* under the lock: before a restart's created/stopped -> running */
		trace_hvm_vm_state(vm, HVM_VM_RUNNING, HVM_VM_STOPPED,
				   vm->stop_reason);
	}
	spin_unlock(&vm->state_lock);

	if (last) {
		wake_up_all(&vm->state_wq);
		wake_up_all(&vm->console_wq);
		hvm_notify(vm, HVM_EVENT_STOPPED);
	}
}

static int hvm_vcpu_thread(void *data)
{
	struct hvm_vcpu *vcpu = data;

	set_freezable();
	for (;;) {
		wait_event_freezable(vcpu->vm->state_wq,
				     READ_ONCE(vcpu->run) || kthread_should_stop());
		if (kthread_should_stop())
			break;
		if (READ_ONCE(vcpu->run))
			hvm_vcpu_run_loop(vcpu);
	}
	return 0;
}

/**
 * hvm_vcpu_create() - allocate vCPU @index of @vm, its vendor state and thread
 * @vm: the VM being created
 * @index: the vCPU's number
 *
 * Return: 0 or a negative errno.
 */
int hvm_vcpu_create(struct hvm_vm *vm, unsigned int index)
{
	struct hvm_vcpu *vcpu;
	int r;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->index = index;
	init_waitqueue_head(&vcpu->halt_wq);
	vcpu->cpu = -1;
	preempt_notifier_init(&vcpu->pn, &hvm_preempt_ops);

	r = hvm_ops->vcpu_create(vcpu);
	if (r)
		goto err_free_vcpu;

	vcpu->thread = kthread_create(hvm_vcpu_thread, vcpu, "hvm-%s/%u",
				      vm->name, index);
	if (IS_ERR(vcpu->thread)) {
		r = PTR_ERR(vcpu->thread);
		goto err_arch;
	}
	get_task_struct(vcpu->thread);

	/*
	 * Into the creator's cgroups (cpu, cpuset, memory, ...): cpu.max and
	 * friends then limit the VM like any process of its creator.
	 */
	r = cgroup_attach_task_all(current, vcpu->thread);
	if (r)
		goto err_thread;

	vm->vcpus[index] = vcpu;
	wake_up_process(vcpu->thread);
	return 0;

err_thread:
	kthread_stop(vcpu->thread);
	put_task_struct(vcpu->thread);
	vcpu->thread = NULL;
err_arch:
	hvm_ops->vcpu_destroy(vcpu);
err_free_vcpu:
	kfree(vcpu);
	return r;
}

/**
 * hvm_vcpu_destroy() - stop the thread and free the vendor state (VM stopped)
 * @vcpu: the vCPU
 *
 * The struct itself, with its statistics, stays until the VM's last
 * reference goes (hvm_vcpu_free()): netlink replies and events sum the
 * vCPUs' counters of a VM that is being destroyed.
 */
void hvm_vcpu_destroy(struct hvm_vcpu *vcpu)
{
	if (!vcpu->thread)
		return;
	kthread_stop(vcpu->thread);
	put_task_struct(vcpu->thread);
	vcpu->thread = NULL;
	hvm_ops->vcpu_destroy(vcpu);
}

/**
 * hvm_vcpu_free() - free a vCPU that hvm_vcpu_destroy() tore down
 * @vcpu: the vCPU, or NULL
 */
void hvm_vcpu_free(struct hvm_vcpu *vcpu)
{
	if (vcpu)
		WARN_ON_ONCE(vcpu->thread);
	kfree(vcpu);
}
