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
#include <linux/mm.h>
#include <asm/processor.h>

#include "hvm.h"

const struct hvm_arch_ops *hvm_ops;
u64 hvm_features;
u32 hvm_nr_asids;

/*
 * huge_pages: back guest RAM in 2 MiB blocks where a whole block can be
 * (kmod/mem.c), as transparent huge pages do for KVM's memory. Read when
 * a VM is created. Refused where the nested paging has no 2 MiB leaves.
 */
bool hvm_huge_pages;

static int hvm_set_huge_pages(const char *val, const struct kernel_param *kp)
{
	bool on;
	int r;

	r = kstrtobool(val, &on);
	if (r)
		return r;
	if (on && hvm_ops && !hvm_ops->npt->huge)
		return -EOPNOTSUPP;
	WRITE_ONCE(hvm_huge_pages, on);
	return 0;
}

static const struct kernel_param_ops hvm_huge_pages_ops = {
	.set = hvm_set_huge_pages,
	.get = param_get_bool,
};
module_param_cb(huge_pages, &hvm_huge_pages_ops, &hvm_huge_pages, 0644);
MODULE_PARM_DESC(huge_pages, "Back guest RAM with 2 MiB pages where possible (default N)");

unsigned int hvm_max_vms = 64;
module_param_named(max_vms, hvm_max_vms, uint, 0644);
MODULE_PARM_DESC(max_vms, "Maximum number of VMs on this host (default 64)");

/* max_vcpus: 1..HVM_MAX_VCPUS_LIMIT, so a VM's vcpus[] stays small. */
static int hvm_set_max_vcpus(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int r;

	r = kstrtouint(val, 0, &n);
	if (r)
		return r;
	if (n < 1 || n > HVM_MAX_VCPUS_LIMIT)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops hvm_max_vcpus_ops = {
	.set = hvm_set_max_vcpus,
	.get = param_get_uint,
};

unsigned int hvm_max_vcpus = 8;
module_param_cb(max_vcpus, &hvm_max_vcpus_ops, &hvm_max_vcpus, 0644);
MODULE_PARM_DESC(max_vcpus, "Maximum vCPUs per VM, 1-255 (default 8)");

/*
 * max_mem: a whole number of pages, at least one, and no more than the
 * guest-physical space hvm can map (hvm_gpa_bits()).
 */
static int hvm_set_max_mem(const char *val, const struct kernel_param *kp)
{
	unsigned long long n;
	int r;

	r = kstrtoull(val, 0, &n);
	if (r)
		return r;
	if (n < PAGE_SIZE || !PAGE_ALIGNED(n) || n > BIT_ULL(hvm_gpa_bits()))
		return -ERANGE;
	WRITE_ONCE(*(unsigned long long *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops hvm_max_mem_ops = {
	.set = hvm_set_max_mem,
	.get = param_get_ullong,
};

unsigned long long hvm_max_mem = 16ULL << 30;
module_param_cb(max_mem, &hvm_max_mem_ops, &hvm_max_mem, 0644);
MODULE_PARM_DESC(max_mem, "Maximum guest RAM per VM in bytes, page aligned, at most the guest-physical address space (default 16 GiB)");

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
			if (hvm_huge_pages && !hvm_ops->npt->huge) {
				pr_info("huge_pages: no 2 MiB nested pages on this CPU, using 4 KiB\n");
				hvm_huge_pages = false;
			}
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
	hvm_cpuid_init();

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

	hvm_debugfs_init();
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
	/*
	 * Every VM first, while the family still exists: listeners get each
	 * VM's destroyed event, and hvm_vm_destroy_all() closes creation so
	 * a request still in flight cannot leave a VM behind. Then no new
	 * requests (genl_unregister_family waits for those in flight).
	 */
	hvm_vm_destroy_all();
	hvm_debugfs_exit();
	hvm_netlink_exit();
	hvm_chardev_exit();
	hvm_hw_exit();
	preempt_notifier_dec();
}

module_init(hvm_init);
module_exit(hvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvm: a small HVM hypervisor for Intel VT-x and AMD-V");
MODULE_VERSION(HVM_MODULE_VERSION);
