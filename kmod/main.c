// SPDX-License-Identifier: GPL-2.0
/*
 * hvm module entry: pick the vendor backend, bring up the control plane.
 *
 * Unloading the module stops and destroys every VM first (SPEC "host-side
 * rules": we picked "unload destroys"), so rmmod never leaves a guest behind.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <asm/processor.h>

#include "hvm.h"

const struct hvm_arch_ops *hvm_ops;
u64 hvm_features;
u32 hvm_nr_asids;

unsigned int hvm_max_vms = 64;
module_param_named(max_vms, hvm_max_vms, uint, 0644);
MODULE_PARM_DESC(max_vms, "Maximum number of VMs on this host (default 64)");

unsigned int hvm_max_vcpus = 8;
module_param_named(max_vcpus, hvm_max_vcpus, uint, 0644);
MODULE_PARM_DESC(max_vcpus, "Maximum vCPUs per VM (default 8)");

unsigned long long hvm_max_mem = 16ULL << 30;
module_param_named(max_mem, hvm_max_mem, ullong, 0644);
MODULE_PARM_DESC(max_mem, "Maximum guest RAM per VM in bytes (default 16 GiB)");

/*
 * Try the backend that matches the CPU vendor first; the other one only
 * answers -ENODEV quietly, so a single pr_err below names what is missing.
 */
static int __init hvm_pick_backend(void)
{
	const struct hvm_arch_ops *order[2];
	int i, r = -ENODEV;

	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON) {
		order[0] = &hvm_svm_ops;
		order[1] = &hvm_vmx_ops;
	} else {
		order[0] = &hvm_vmx_ops;
		order[1] = &hvm_svm_ops;
	}

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		r = order[i]->probe(&hvm_features, &hvm_nr_asids);
		if (!r) {
			hvm_ops = order[i];
			return 0;
		}
	}
	pr_err("no usable VT-x or AMD-V on this CPU (see the messages above); not loading\n");
	return -ENODEV;
}

static int __init hvm_init(void)
{
	int r;

	r = hvm_pick_backend();
	if (r)
		return r;

	/* The vCPU threads' preempt notifiers need the static key on. */
	preempt_notifier_inc();

	r = hvm_hw_init();
	if (r)
		goto err_notifier;

	r = hvm_chardev_init();
	if (r)
		goto err_hw;

	r = hvm_netlink_init();
	if (r)
		goto err_chardev;

	pr_info("%s backend ready (features %#llx)\n", hvm_ops->name,
		hvm_features);
	return 0;

err_chardev:
	hvm_chardev_exit();
err_hw:
	hvm_hw_exit();
err_notifier:
	preempt_notifier_dec();
	return r;
}

static void __exit hvm_exit(void)
{
	/* No new requests first, then tear down every VM, then the rest. */
	hvm_netlink_exit();
	hvm_vm_destroy_all();
	hvm_chardev_exit();
	hvm_hw_exit();
	preempt_notifier_dec();
}

module_init(hvm_init);
module_exit(hvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvm: a small HVM hypervisor for Intel VT-x and AMD-V");
MODULE_VERSION(HVM_MODULE_VERSION);
