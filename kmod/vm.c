// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: create, look up, start, stop, destroy.
 *
 * VMs are kernel objects named by the user; they outlive the hvctl process
 * that created them. The global list is protected by hvm_vms_lock; each VM is
 * reference counted: the list holds one reference, every /dev/hvm file
 * attached to it holds one. Destroy unlinks the VM, stops it, frees the
 * vendor state and drops the list's reference; guest memory goes with the
 * last reference, so an attached file never touches freed memory.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/overflow.h>
#include <linux/ktime.h>
#include <linux/netlink.h>
#include <asm/msr.h>

#include "hvm.h"
#include "trace.h"

static DEFINE_MUTEX(hvm_vms_lock);
static LIST_HEAD(hvm_vms);		/* [g] */
static unsigned int hvm_nr_vms;		/* [g] */
static bool hvm_vms_closed;		/* [g] module unload: no new VMs */
static DEFINE_IDA(hvm_vm_ida);

bool hvm_name_valid(const char *name)
{
	size_t i, len = strnlen(name, HVM_NAME_MAX + 1);

	if (len == 0 || len > HVM_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

static struct hvm_vm *hvm_vm_find_locked(const char *name)
{
	struct hvm_vm *vm;

	lockdep_assert_held(&hvm_vms_lock);
	list_for_each_entry(vm, &hvm_vms, node)
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

static void hvm_vm_free_vcpus(struct hvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		hvm_vcpu_free(vm->vcpus[i]);
}

static void hvm_vm_release(struct kref *ref)
{
	struct hvm_vm *vm = container_of(ref, struct hvm_vm, ref);

	hvm_devices_destroy(vm);	/* device timers may name a vCPU */
	hvm_vm_free_vcpus(vm);
	hvm_mmu_destroy(vm);
	hvm_mem_free(vm);
	kvfree(vm->console);
	mem_cgroup_put(vm->memcg);
	ida_free(&hvm_vm_ida, vm->id);
	kfree(vm);
}

/** hvm_vm_put() - drop a reference taken by hvm_vm_get() */
void hvm_vm_put(struct hvm_vm *vm)
{
	kref_put(&vm->ref, hvm_vm_release);
}

/**
 * hvm_vm_get() - look a VM up by name
 * @name: the VM's name
 *
 * Return: a referenced VM, or ERR_PTR(-ENOENT).
 */
struct hvm_vm *hvm_vm_get(const char *name)
{
	struct hvm_vm *vm;

	mutex_lock(&hvm_vms_lock);
	vm = hvm_vm_find_locked(name);
	if (vm)
		kref_get(&vm->ref);
	mutex_unlock(&hvm_vms_lock);
	return vm ?: ERR_PTR(-ENOENT);
}

unsigned int hvm_vm_count(void)
{
	unsigned int n;

	mutex_lock(&hvm_vms_lock);
	n = hvm_nr_vms;
	mutex_unlock(&hvm_vms_lock);
	return n;
}

/**
 * hvm_vm_for_each() - call @fn for every VM with id >= @start_id, in id order
 * @fn: called under hvm_vms_lock (may not destroy VMs)
 * @data: passed to @fn
 * @start_id: the first id to visit
 *
 * The list is kept in id order (ids only grow until they wrap, and a wrapped
 * id is inserted in place), so a dump can resume from the last id it sent.
 * Stops at the first non-zero return of @fn and returns it.
 */
int hvm_vm_for_each(int (*fn)(struct hvm_vm *vm, void *data), void *data,
		    u32 start_id)
{
	struct hvm_vm *vm;
	int r = 0;

	mutex_lock(&hvm_vms_lock);
	list_for_each_entry(vm, &hvm_vms, node) {
		if (vm->id < start_id)
			continue;
		r = fn(vm, data);
		if (r)
			break;
	}
	mutex_unlock(&hvm_vms_lock);
	return r;
}

static void hvm_vm_link_locked(struct hvm_vm *vm)
{
	struct hvm_vm *pos;

	lockdep_assert_held(&hvm_vms_lock);
	list_for_each_entry(pos, &hvm_vms, node) {
		if (pos->id > vm->id) {
			list_add_tail(&vm->node, &pos->node);
			goto out;
		}
	}
	list_add_tail(&vm->node, &hvm_vms);
out:
	hvm_nr_vms++;
}

static int hvm_vm_check_args(const char *name, u64 mem_size, u32 nr_vcpus,
			     struct netlink_ext_ack *extack)
{
	if (!hvm_name_valid(name)) {
		NL_SET_ERR_MSG(extack, "VM name must be 1-31 characters of [A-Za-z0-9._-]");
		return -EINVAL;
	}
	if (!mem_size) {
		NL_SET_ERR_MSG(extack, "memory size must not be zero");
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(mem_size)) {
		NL_SET_ERR_MSG(extack, "memory size must be a multiple of 4 KiB");
		return -EINVAL;
	}
	if (mem_size > hvm_max_mem) {
		NL_SET_ERR_MSG(extack, "memory size exceeds the max_mem module parameter");
		return -E2BIG;
	}
	if (!nr_vcpus || nr_vcpus > hvm_max_vcpus) {
		NL_SET_ERR_MSG(extack, "vCPU count must be between 1 and the max_vcpus module parameter");
		return -EINVAL;
	}
	return 0;
}

static void hvm_vm_destroy_vcpus(struct hvm_vm *vm, unsigned int n)
{
	while (n--)
		hvm_vcpu_destroy(vm->vcpus[n]);
}

/**
 * hvm_vm_create() - create a VM and its vCPU threads (not started)
 * @name: unique name (validated here)
 * @mem_size: bytes of guest RAM, page aligned, at most max_mem
 * @nr_vcpus: 1..max_vcpus
 * @extack: where the reason for a failure goes
 *
 * Return: the new VM with a reference for the caller (put it when done; the
 * global list holds its own), or ERR_PTR: -EINVAL/-E2BIG for bad arguments, -EEXIST, -ENOSPC
 * (max_vms reached), -EBUSY (another hypervisor holds the hardware), -ENOMEM.
 *
 * Long by design: each step of creation with its goto unwinding in one
 * function.
 */
struct hvm_vm *hvm_vm_create(const char *name, u64 mem_size, u32 nr_vcpus,
			     struct netlink_ext_ack *extack)
{
	struct hvm_vm *vm;
	unsigned int i;
	int r, id;

	r = hvm_vm_check_args(name, mem_size, nr_vcpus, extack);
	if (r)
		return ERR_PTR(r);

	mutex_lock(&hvm_vms_lock);
	if (hvm_vms_closed) {
		NL_SET_ERR_MSG(extack, "hvm is being unloaded");
		r = -ENODEV;
		goto err_unlock;
	}
	if (hvm_vm_find_locked(name)) {
		NL_SET_ERR_MSG(extack, "a VM with this name already exists");
		r = -EEXIST;
		goto err_unlock;
	}
	if (hvm_nr_vms >= hvm_max_vms) {
		NL_SET_ERR_MSG(extack, "too many VMs (max_vms module parameter)");
		r = -ENOSPC;
		goto err_unlock;
	}

	vm = kzalloc(struct_size(vm, vcpus, nr_vcpus), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		r = -ENOMEM;
		goto err_unlock;
	}
	kref_init(&vm->ref);
	strscpy(vm->name, name, sizeof(vm->name));
	vm->mem_size = mem_size;
	vm->nr_vcpus = nr_vcpus;
	vm->huge_pages = READ_ONCE(hvm_huge_pages) && hvm_ops->npt->huge;
	mutex_init(&vm->lock);
	spin_lock_init(&vm->state_lock);
	init_waitqueue_head(&vm->state_wq);
	xa_init(&vm->pages);
	mutex_init(&vm->mmu_lock);
	INIT_LIST_HEAD(&vm->npt_pages);
	spin_lock_init(&vm->uart_lock);
	init_waitqueue_head(&vm->console_wq);
	vm->state = HVM_VM_CREATED;
	vm->stop_reason = HVM_STOP_NONE;
	vm->memcg = get_mem_cgroup_from_mm(current->mm);

	id = ida_alloc_min(&hvm_vm_ida, 1, GFP_KERNEL);
	if (id < 0) {
		r = id;
		goto err_free_vm;
	}
	vm->id = id;

	vm->console = kvzalloc(HVM_CONSOLE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!vm->console) {
		r = -ENOMEM;
		goto err_free_id;
	}

	r = hvm_devices_create(vm);
	if (r)
		goto err_free_console;

	r = hvm_mmu_init(vm);
	if (r)
		goto err_devices;

	r = hvm_hw_get();
	if (r) {
		if (r == -EBUSY && hvm_ops == &hvm_svm_ops)
			NL_SET_ERR_MSG(extack, "AMD-V is in use by another hypervisor (likely kvm_amd)");
		else if (r == -EBUSY)
			NL_SET_ERR_MSG(extack, "VT-x is in use by another hypervisor (likely kvm_intel)");
		else
			NL_SET_ERR_MSG(extack, "cannot enable hardware virtualization");
		goto err_mmu;
	}

	r = hvm_ops->vm_init(vm);
	if (r) {
		if (r == -ENOSPC)
			NL_SET_ERR_MSG(extack, "no free ASID/VPID left");
		else
			NL_SET_ERR_MSG(extack, "cannot set up the VM's hardware state");
		goto err_hw;
	}

	/*
	 * Guest TSC = host TSC + offset (APM Vol. 2 15.30.5, SDM Vol. 3
	 * 26.3 "TSC offsetting"): from about 0 now, one offset for all vCPUs.
	 */
	vm->tsc_offset = -rdtsc();
	for (i = 0; i < nr_vcpus; i++) {
		r = hvm_vcpu_create(vm, i);
		if (r) {
			NL_SET_ERR_MSG(extack, "cannot create a vCPU");
			goto err_vcpus;
		}
	}

	/* Before anyone can find the VM: a destroy always sees the files. */
	hvm_debugfs_vm_add(vm);
	hvm_vm_link_locked(vm);
	kref_get(&vm->ref);
	trace_hvm_vm_state(vm, HVM_TRACE_VM_NEW, HVM_VM_CREATED, HVM_STOP_NONE);
	/*
	 * Under the lock: the notification also tells a running list dump
	 * that the list changed (kmod/netlink.c, NLM_F_DUMP_INTR).
	 */
	hvm_notify(vm, HVM_EVENT_CREATED);
	mutex_unlock(&hvm_vms_lock);
	return vm;

err_vcpus:
	hvm_vm_destroy_vcpus(vm, i);
	hvm_vm_free_vcpus(vm);
	hvm_ops->vm_destroy(vm);
err_hw:
	hvm_hw_put();
err_mmu:
	hvm_mmu_destroy(vm);
err_devices:
	hvm_devices_destroy(vm);
err_free_console:
	kvfree(vm->console);
err_free_id:
	ida_free(&hvm_vm_ida, vm->id);
err_free_vm:
	mem_cgroup_put(vm->memcg);
	kfree(vm);
err_unlock:
	mutex_unlock(&hvm_vms_lock);
	return ERR_PTR(r);
}

/**
 * hvm_vm_start() - run the VM from its current register state
 * @vm: a referenced VM
 * @extack: where the reason for a failure goes
 *
 * Only the boot vCPU (0) runs; the others wait for INIT/SIPI, which a later
 * version emulates (ROADMAP: SMP guests).
 */
int hvm_vm_start(struct hvm_vm *vm, struct netlink_ext_ack *extack)
{
	struct hvm_vcpu *bsp = vm->vcpus[0];
	u32 old;
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->dead) {
		NL_SET_ERR_MSG(extack, "VM is being destroyed");
		r = -ENOENT;
		goto out;
	}
	if (vm->state == HVM_VM_RUNNING) {
		NL_SET_ERR_MSG(extack, "VM is already running");
		r = -EBUSY;
		goto out;
	}

	spin_lock(&vm->state_lock);
	old = vm->state;
	vm->start_ns = ktime_get_ns();
	vm->state = HVM_VM_RUNNING;
	vm->stop_set = false;
	vm->stop_reason = HVM_STOP_NONE;
	vm->exit_code = 0;
	vm->fault_gpa = 0;
	vm->hw_error = 0;
	vm->stop_rip = 0;
	vm->stop_vcpu = 0;
	WRITE_ONCE(vm->stop_requested, false);
	vm->nr_running = 1;
	bsp->run = true;
	/* under the lock: the vCPU may run (and stop) as soon as it is dropped */
	trace_hvm_vm_state(vm, old, HVM_VM_RUNNING, HVM_STOP_NONE);
	spin_unlock(&vm->state_lock);

	hvm_notify(vm, HVM_EVENT_STARTED);
	hvm_vcpu_wake(bsp);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static void hvm_vm_stop_locked(struct hvm_vm *vm)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);

	spin_lock(&vm->state_lock);
	if (vm->state != HVM_VM_RUNNING) {
		spin_unlock(&vm->state_lock);
		return;
	}
	if (!vm->stop_set) {
		vm->stop_set = true;
		vm->stop_reason = HVM_STOP_USER;
	}
	WRITE_ONCE(vm->stop_requested, true);
	spin_unlock(&vm->state_lock);

	for (i = 0; i < vm->nr_vcpus; i++)
		hvm_vcpu_kick(vm->vcpus[i]);

	/* Every exit path of the run loop ends here; host interrupts force exits. */
	wait_event(vm->state_wq, READ_ONCE(vm->state) != HVM_VM_RUNNING);
}

/** hvm_vm_stop() - stop a running VM (reason user) and wait until it stopped */
void hvm_vm_stop(struct hvm_vm *vm)
{
	mutex_lock(&vm->lock);
	hvm_vm_stop_locked(vm);
	mutex_unlock(&vm->lock);
}

/* Nobody can look the VM up any more; attached files see vm->dead. */
static void hvm_vm_unlink_locked(struct hvm_vm *vm)
{
	lockdep_assert_held(&hvm_vms_lock);
	list_del(&vm->node);
	hvm_nr_vms--;
	mutex_lock(&vm->lock);
	vm->dead = true;
	mutex_unlock(&vm->lock);
}

/* Called with the VM unlinked (vm->dead set): nobody new can find it. */
static void hvm_vm_teardown(struct hvm_vm *vm)
{
	u32 old;

	mutex_lock(&vm->lock);
	hvm_debugfs_vm_remove(vm);
	hvm_vm_stop_locked(vm);
	old = READ_ONCE(vm->state);
	hvm_vm_destroy_vcpus(vm, vm->nr_vcpus);
	hvm_ops->vm_destroy(vm);
	mutex_unlock(&vm->lock);
	trace_hvm_vm_state(vm, old, HVM_TRACE_VM_DESTROYED, HVM_STOP_NONE);

	hvm_hw_put();
	hvm_notify(vm, HVM_EVENT_DESTROYED);
	/* Wake console/wait sleepers: they see vm->dead and return. */
	wake_up_all(&vm->state_wq);
	wake_up_all(&vm->console_wq);
	hvm_vm_put(vm);
}

/** hvm_vm_destroy() - stop (if running) and destroy the VM called @name */
int hvm_vm_destroy(const char *name, struct netlink_ext_ack *extack)
{
	struct hvm_vm *vm;

	mutex_lock(&hvm_vms_lock);
	vm = hvm_vm_find_locked(name);
	if (!vm) {
		mutex_unlock(&hvm_vms_lock);
		NL_SET_ERR_MSG(extack, "no VM with this name");
		return -ENOENT;
	}
	hvm_vm_unlink_locked(vm);
	mutex_unlock(&hvm_vms_lock);

	hvm_vm_teardown(vm);
	return 0;
}

/**
 * hvm_vm_destroy_all() - module unload: destroy every VM, allow no new one
 */
void hvm_vm_destroy_all(void)
{
	struct hvm_vm *vm;

	for (;;) {
		mutex_lock(&hvm_vms_lock);
		hvm_vms_closed = true;
		vm = list_first_entry_or_null(&hvm_vms, struct hvm_vm, node);
		if (vm)
			hvm_vm_unlink_locked(vm);
		mutex_unlock(&hvm_vms_lock);
		if (!vm)
			break;
		hvm_vm_teardown(vm);
	}
}
