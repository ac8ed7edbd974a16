// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware virtualization on/off.
 *
 * VMXON / EFER.SVME is on only while at least one VM exists: the first
 * hvm_hw_get() switches it on for every online CPU, the last hvm_hw_put()
 * switches it off, so hvm and KVM can take turns on one host. CPUs that come
 * online while it is on are enabled by the cpuhp callback; CPUs going offline
 * are disabled.
 *
 * Whatever switches virtualization off under existing VMs first closes the
 * door: hvm_entry_blocked (global) or the per-CPU flag is cleared/set before
 * the hardware goes off, and both are read by the backend with interrupts
 * disabled right before VMRUN/VMLAUNCH (hvm_vcpu_should_exit(),
 * hvm_cpu_virt_on()). Switching off happens in IPI or irqs-off context on
 * the CPU itself, so it can never fall between that check and the entry:
 *
 *  - reboot and kexec (reboot notifier): entry is blocked for good, every
 *    running VM stops with reason internal (ESHUTDOWN), then every CPU is
 *    switched off;
 *  - suspend (syscore_ops; other CPUs are already offline, interrupts are
 *    off): this CPU is switched off and entry blocked until resume, which
 *    switches it back on; vCPU threads are freezable, so guests simply
 *    pause across suspend and continue after resume;
 *  - CPU offline (cpuhp): that CPU is switched off; a vCPU thread that is
 *    still scheduled there finds hvm_cpu_virt_on() false, sleeps a tick and
 *    continues on another CPU.
 *
 * A VMX/SVM instruction that faults anyway (virtualization switched off by
 * something hvm does not hear about) is caught by the backends' exception
 * table entries and stops the VM with reason entry-failed. We do not
 * register the x86 emergency (crash kexec) virt callback: the kernel has one
 * slot and kvm_intel/kvm_amd WARN when it is taken, which would break taking
 * turns with KVM; a crash kernel starts from a reset CPU state anyway
 * (VMXON blocks INIT, which is why the kernel's own crash path does VMXOFF
 * through that callback for KVM: an hvm guest running at a host crash can
 * make a kdump kernel's APs unbootable, documented in README).
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "hvm.h"

/*
 * Locking: hvm_hw_lock protects hvm_hw_users and the per-CPU flags outside
 * of IPI context. Lock order: cpus_read_lock() -> hvm_hw_lock (the cpuhp
 * callbacks run with the hotplug lock held for write).
 */
static DEFINE_MUTEX(hvm_hw_lock);
static unsigned int hvm_hw_users;
static DEFINE_PER_CPU(bool, hvm_cpu_on);
static enum cpuhp_state hvm_cpuhp_state;
static atomic_t hvm_enable_failed;

/* [a] no VM may enter guest mode: set for good at reboot, during suspend. */
bool hvm_entry_blocked;
/*
 * [a] virtualization is gone for good (reboot, kexec, or resume could not
 * switch it back on): blocked VMs stop instead of waiting.
 */
bool hvm_hw_lost;

/* On this CPU, preemption off. */
static void hvm_hw_enable_this_cpu(void *unused)
{
	if (this_cpu_read(hvm_cpu_on))
		return;
	if (hvm_ops->hardware_enable()) {
		atomic_inc(&hvm_enable_failed);
		return;
	}
	this_cpu_write(hvm_cpu_on, true);
}

static void hvm_hw_disable_this_cpu(void *unused)
{
	if (!this_cpu_read(hvm_cpu_on))
		return;
	hvm_ops->hardware_disable();
	this_cpu_write(hvm_cpu_on, false);
}

/*
 * The per-CPU areas the hardware points at (AMD-V's VM_HSAVE_PA page and
 * VMSAVE area, VT-x's VMXON region) are allocated for every possible CPU
 * at module load and freed only at unload, as KVM does: never handed back
 * to the page allocator while a CPU might still name one, so such a page
 * can never come back as a VMCB/VMCS or guest memory (a VMRUN writes the
 * host's state into VM_HSAVE_PA's page: were that page a VMCB, its guest
 * would resume with the host's RIP and CR3).
 */
static void hvm_hw_unsetup_all(void)
{
	unsigned int cpu;

	if (!hvm_ops->hardware_unsetup)
		return;
	for_each_possible_cpu(cpu)
		hvm_ops->hardware_unsetup(cpu);
}

static int hvm_hw_setup_all(void)
{
	unsigned int cpu;
	int r;

	if (!hvm_ops->hardware_setup)
		return 0;
	for_each_possible_cpu(cpu) {
		r = hvm_ops->hardware_setup(cpu);
		if (r)
			goto err_unsetup;
	}
	return 0;

err_unsetup:
	/* unsetup must cope with CPUs that were never set up. */
	hvm_hw_unsetup_all();
	return r;
}

/**
 * hvm_hw_get() - take a reference on hardware virtualization
 *
 * Return: 0, -EBUSY when another hypervisor holds VT-x/AMD-V on some CPU, or
 * -ENOMEM.
 */
int hvm_hw_get(void)
{
	int r = 0;

	cpus_read_lock();
	mutex_lock(&hvm_hw_lock);
	if (hvm_hw_users++)
		goto out;

	atomic_set(&hvm_enable_failed, 0);
	on_each_cpu(hvm_hw_enable_this_cpu, NULL, 1);
	if (atomic_read(&hvm_enable_failed)) {
		r = -EBUSY;
		goto err_disable;
	}
out:
	mutex_unlock(&hvm_hw_lock);
	cpus_read_unlock();
	return r;

err_disable:
	on_each_cpu(hvm_hw_disable_this_cpu, NULL, 1);
	hvm_hw_users--;
	goto out;
}

/** hvm_hw_put() - drop the reference; the last one switches it off. */
void hvm_hw_put(void)
{
	cpus_read_lock();
	mutex_lock(&hvm_hw_lock);
	if (!WARN_ON_ONCE(!hvm_hw_users) && !--hvm_hw_users)
		on_each_cpu(hvm_hw_disable_this_cpu, NULL, 1);
	mutex_unlock(&hvm_hw_lock);
	cpus_read_unlock();
}

/**
 * hvm_cpu_virt_on() - may a guest be entered on this CPU?
 *
 * Called by the backends with interrupts disabled, right before VM entry.
 * False while this CPU is going offline (or never came online for hvm):
 * the caller returns -EAGAIN and the core retries on another CPU.
 *
 * Return: true when virtualization is on here and entry is not blocked.
 */
bool hvm_cpu_virt_on(void)
{
	lockdep_assert_irqs_disabled();
	return this_cpu_read(hvm_cpu_on) && !READ_ONCE(hvm_entry_blocked);
}

/** hvm_hw_enabled() - whether virtualization is on (for hvctl info). */
bool hvm_hw_enabled(void)
{
	bool on;

	mutex_lock(&hvm_hw_lock);
	on = hvm_hw_users > 0;
	mutex_unlock(&hvm_hw_lock);
	return on;
}

/* cpuhp callbacks run on @cpu itself, preemptible, hotplug lock held. */
static int hvm_cpu_online(unsigned int cpu)
{
	int r = 0;

	mutex_lock(&hvm_hw_lock);
	if (!hvm_hw_users)
		goto out;
	atomic_set(&hvm_enable_failed, 0);
	preempt_disable();
	hvm_hw_enable_this_cpu(NULL);
	preempt_enable();
	if (atomic_read(&hvm_enable_failed)) {
		pr_err("CPU %u: could not enable virtualization (held by another hypervisor?)\n",
		       cpu);
		r = -EBUSY;
	}
out:
	mutex_unlock(&hvm_hw_lock);
	return r;
}

static int hvm_cpu_offline(unsigned int cpu)
{
	mutex_lock(&hvm_hw_lock);
	if (hvm_hw_users) {
		preempt_disable();
		hvm_hw_disable_this_cpu(NULL);
		preempt_enable();
	}
	mutex_unlock(&hvm_hw_lock);
	return 0;
}

static int hvm_reboot_stop_vm(struct hvm_vm *vm, void *unused)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		hvm_vcpu_kick(vm->vcpus[i]);
	return 0;
}

/*
 * Reboot, halt, power-off and kexec (kernel_kexec() runs the reboot
 * notifiers too): close the door for good, push every vCPU out of guest
 * mode, then switch virtualization off everywhere. A vCPU thread that
 * sees hvm_entry_blocked stops its VM (reason internal, ESHUTDOWN).
 */
static int hvm_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	/* the notifiers run before system_state changes: say it ourselves */
	WRITE_ONCE(hvm_hw_lost, true);
	WRITE_ONCE(hvm_entry_blocked, true);
	smp_mb();	/* the flag before any kick: pairs with the irqs-off check */
	hvm_vm_for_each(hvm_reboot_stop_vm, NULL, 0);
	on_each_cpu(hvm_hw_disable_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hvm_reboot_nb = {
	.notifier_call = hvm_reboot,
};

/*
 * Suspend: the last CPU, interrupts off, every other CPU already offline
 * (their cpuhp callbacks switched them off), so no vCPU is in guest mode.
 * hvm_hw_users cannot change: nothing else runs. Entry stays blocked until
 * resume has switched this CPU back on.
 */
static int hvm_suspend(void)
{
	WRITE_ONCE(hvm_entry_blocked, true);
	if (hvm_hw_users)
		hvm_hw_disable_this_cpu(NULL);
	return 0;
}

static void hvm_resume(void)
{
	if (hvm_hw_users) {
		atomic_set(&hvm_enable_failed, 0);
		hvm_hw_enable_this_cpu(NULL);
		if (atomic_read(&hvm_enable_failed)) {
			/* Entry stays blocked: VMs stop with reason internal. */
			WRITE_ONCE(hvm_hw_lost, true);
			pr_err("CPU %d: cannot switch virtualization back on after resume\n",
			       smp_processor_id());
			return;
		}
	}
	WRITE_ONCE(hvm_entry_blocked, false);
}

#ifdef HVM_HAVE_STRUCT_SYSCORE	/* 6.12.y and later: struct syscore */
static int hvm_syscore_suspend(void *data)
{
	return hvm_suspend();
}

static void hvm_syscore_resume(void *data)
{
	hvm_resume();
}

static const struct syscore_ops hvm_syscore_ops = {
	.suspend = hvm_syscore_suspend,
	.resume = hvm_syscore_resume,
};

static struct syscore hvm_syscore = {
	.ops = &hvm_syscore_ops,
};

static void hvm_syscore_register(void)
{
	register_syscore(&hvm_syscore);
}

static void hvm_syscore_unregister(void)
{
	unregister_syscore(&hvm_syscore);
}
#else
static struct syscore_ops hvm_syscore_ops = {
	.suspend = hvm_suspend,
	.resume = hvm_resume,
};

static void hvm_syscore_register(void)
{
	register_syscore_ops(&hvm_syscore_ops);
}

static void hvm_syscore_unregister(void)
{
	unregister_syscore_ops(&hvm_syscore_ops);
}
#endif

int hvm_hw_init(void)
{
	int r;

	r = hvm_hw_setup_all();
	if (r)
		return r;
	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hvm:online",
				      hvm_cpu_online, hvm_cpu_offline);
	if (r < 0) {
		hvm_hw_unsetup_all();
		return r;
	}
	hvm_cpuhp_state = r;
	register_reboot_notifier(&hvm_reboot_nb);
	hvm_syscore_register();
	return 0;
}

void hvm_hw_exit(void)
{
	hvm_syscore_unregister();
	unregister_reboot_notifier(&hvm_reboot_nb);
	cpuhp_remove_state_nocalls(hvm_cpuhp_state);
	hvm_hw_unsetup_all();
}
