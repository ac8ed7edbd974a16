// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware virtualization on/off.
 *
 * VMXON / EFER.SVME is on only while at least one VM exists: the first
 * hvm_hw_get() switches it on on every online CPU, the last hvm_hw_put()
 * switches it off, so hvm and KVM can take turns on one host. CPUs that come
 * online while it is on are enabled by the cpuhp callback; CPUs going offline
 * are disabled. A reboot notifier switches it off too. We do not register
 * the x86 emergency (crash/kexec) virt callback: the kernel has one slot and
 * kvm_intel/kvm_amd WARN when it is taken, which would break taking turns
 * with KVM.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>

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

static void hvm_hw_unsetup_all(void)
{
	unsigned int cpu;

	if (!hvm_ops->hardware_unsetup)
		return;
	for_each_online_cpu(cpu)
		hvm_ops->hardware_unsetup(cpu);
}

static int hvm_hw_setup_all(void)
{
	unsigned int cpu;
	int r;

	if (!hvm_ops->hardware_setup)
		return 0;
	for_each_online_cpu(cpu) {
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

	r = hvm_hw_setup_all();
	if (r)
		goto err_users;

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
	hvm_hw_unsetup_all();
err_users:
	hvm_hw_users--;
	goto out;
}

/** hvm_hw_put() - drop the reference; the last one switches it off. */
void hvm_hw_put(void)
{
	cpus_read_lock();
	mutex_lock(&hvm_hw_lock);
	if (!WARN_ON_ONCE(!hvm_hw_users) && !--hvm_hw_users) {
		on_each_cpu(hvm_hw_disable_this_cpu, NULL, 1);
		hvm_hw_unsetup_all();
	}
	mutex_unlock(&hvm_hw_lock);
	cpus_read_unlock();
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
	if (hvm_ops->hardware_setup) {
		r = hvm_ops->hardware_setup(cpu);
		if (r)
			goto out;
	}
	atomic_set(&hvm_enable_failed, 0);
	preempt_disable();
	hvm_hw_enable_this_cpu(NULL);
	preempt_enable();
	if (atomic_read(&hvm_enable_failed)) {
		pr_err("CPU %u: could not enable virtualization (held by another hypervisor?)\n",
		       cpu);
		if (hvm_ops->hardware_unsetup)
			hvm_ops->hardware_unsetup(cpu);
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
		if (hvm_ops->hardware_unsetup)
			hvm_ops->hardware_unsetup(cpu);
	}
	mutex_unlock(&hvm_hw_lock);
	return 0;
}

static int hvm_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	on_each_cpu(hvm_hw_disable_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hvm_reboot_nb = {
	.notifier_call = hvm_reboot,
};

int hvm_hw_init(void)
{
	int r;

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hvm:online",
				      hvm_cpu_online, hvm_cpu_offline);
	if (r < 0)
		return r;
	hvm_cpuhp_state = r;
	register_reboot_notifier(&hvm_reboot_nb);
	return 0;
}

void hvm_hw_exit(void)
{
	unregister_reboot_notifier(&hvm_reboot_nb);
	cpuhp_remove_state_nocalls(hvm_cpuhp_state);
}
