// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coexist: hvm holds VT-x/AMD-V only while one of its VMs exists. With
 * none, KVM (from the same kernel image) loads and runs a guest; while KVM
 * holds the hardware, creating an hvm VM fails with EBUSY and says who has
 * it; once KVM is gone, hvm works again. And the other way round: while an
 * hvm VM exists, KVM cannot run a guest.
 *
 * On 6.1 KVM takes the hardware when its first VM is created; on 6.12 when
 * kvm_amd/kvm_intel is loaded (enable_virt_at_load). The tests hold a KVM
 * VM open and unload KVM completely, which covers both.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "hvm_harness.h"

#define TAG "kv"

static const char *kvm_vendor_module(void)
{
	return hvm_host_vendor() == HVM_VENDOR_INTEL ? "kvm_intel" : "kvm_amd";
}

/* Unload the KVM modules we may have loaded, dependents first. */
static void unload_kvm(void)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel", "kvm", "irqbypass" };
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (hvm_module_loaded(mods[i]))
			hvm_rmmod(mods[i]);
}

struct kvm_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

static void kvm_vm_close(struct kvm_vm *k)
{
	if (k->run && k->run != MAP_FAILED)
		munmap(k->run, k->run_size);
	if (k->mem && k->mem != MAP_FAILED)
		munmap(k->mem, 0x10000);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->vm >= 0)
		close(k->vm);
	if (k->kvm >= 0)
		close(k->kvm);
	memset(k, 0, sizeof(*k));
	k->kvm = k->vm = k->vcpu = -1;
}

/*
 * A real-mode guest at 0x1000: "mov $0x42, %al; out %al, $0x10; hlt".
 * Returns 0 when KVM_RUN came back with that port write, else -errno or 1
 * (with @why filled).
 */
static int kvm_vm_run_tiny(struct kvm_vm *k, char *why, size_t n)
{
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	k->kvm = k->vm = k->vcpu = -1;
	k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm < 0) {
		snprintf(why, n, "open /dev/kvm: %s", strerror(errno));
		return -errno;
	}
	k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0) {
		r = -errno;
		snprintf(why, n, "KVM_CREATE_VM: %s", strerror(errno));
		return r;
	}
	k->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k->mem == MAP_FAILED) {
		snprintf(why, n, "mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	memcpy((uint8_t *)k->mem + 0x1000, code, sizeof(code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
		.userspace_addr = (uintptr_t)k->mem,
	};
	if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		snprintf(why, n, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -errno;
	}
	k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
	if (k->vcpu < 0) {
		r = -errno;
		snprintf(why, n, "KVM_CREATE_VCPU: %s", strerror(errno));
		return r;
	}
	k->run_size = (size_t)ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu, 0);
	if (k->run == MAP_FAILED) {
		snprintf(why, n, "mmap kvm_run: %s", strerror(errno));
		return -ENOMEM;
	}
	if (ioctl(k->vcpu, KVM_GET_SREGS, &sregs)) {
		snprintf(why, n, "KVM_GET_SREGS: %s", strerror(errno));
		return -errno;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(k->vcpu, KVM_SET_SREGS, &sregs)) {
		snprintf(why, n, "KVM_SET_SREGS: %s", strerror(errno));
		return -errno;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(k->vcpu, KVM_SET_REGS, &regs)) {
		snprintf(why, n, "KVM_SET_REGS: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(k->vcpu, KVM_RUN, 0)) {
		snprintf(why, n, "KVM_RUN: %s", strerror(errno));
		return -errno;
	}
	if (k->run->exit_reason != KVM_EXIT_IO || k->run->io.port != 0x10 ||
	    k->run->io.direction != KVM_EXIT_IO_OUT ||
	    *((uint8_t *)k->run + k->run->io.data_offset) != 0x42) {
		snprintf(why, n, "KVM exit reason %u (port 0x%x), want an OUT to 0x10",
			 k->run->exit_reason, k->run->io.port);
		return 1;
	}
	return 0;
}

FIXTURE(kv) {
	struct kvm_vm k;
	char why[256];
};

FIXTURE_SETUP(kv)
{
	self->k.kvm = self->k.vm = self->k.vcpu = -1;
	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_NE((int)HVM_VENDOR_UNKNOWN, (int)hvm_host_vendor());
	ASSERT_NE(NULL, hvm_extra_module(kvm_vendor_module())) {
		TH_LOG("%s.ko not found in $HVM_MODULES_DIR, /hvm/modules or /hvm/kvm",
		       kvm_vendor_module());
	}
	/* Every hvm VM gone: the hardware must be free. */
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

FIXTURE_TEARDOWN(kv)
{
	kvm_vm_close(&self->k);
	unload_kvm();
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

TEST_F_TIMEOUT(kv, kvm_runs_when_hvm_has_no_vms_and_blocks_hvm_while_it_runs, 180)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_info info;
	char ext[256];
	int r;

	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms) {
		TH_LOG("another test left VMs behind");
	}
	ASSERT_EQ(0, info.hw_enabled);

	r = hvm_insmod_deps(kvm_vendor_module());
	ASSERT_EQ(0, r) {
		TH_LOG("loading %s: %s", kvm_vendor_module(), strerror(-r));
	}
	r = kvm_vm_run_tiny(&self->k, self->why, sizeof(self->why));
	ASSERT_EQ(0, r) {
		TH_LOG("KVM could not run a guest after hvm let go: %s", self->why);
	}

	/* KVM holds the hardware now: hvm must refuse, and say who. */
	r = hvm_vm_create(name, 0, 0, ext, sizeof(ext));
	ASSERT_NL_ERR(EBUSY, r, ext);
	ASSERT_NE(NULL, strstr(ext, "kvm")) {
		TH_LOG("extack does not name kvm: '%s'", ext);
	}
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms);
	ASSERT_EQ(0, info.hw_enabled);

	/* KVM gone (6.12 holds the hardware while kvm_* is loaded) */
	kvm_vm_close(&self->k);
	unload_kvm();
	ASSERT_FALSE(hvm_module_loaded(kvm_vendor_module()));

	r = hvm_vm_create(name, 0, 0, ext, sizeof(ext));
	ASSERT_EQ(0, r) {
		TH_LOG("hvm create after KVM left: %s (%s)", strerror(-r), ext);
	}
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(1, info.hw_enabled);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0));
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0, info.hw_enabled);
}

TEST_F_TIMEOUT(kv, hvm_vm_runs_again_after_kvm_left, 180)
{
	struct hvm_exec c = { 0 };
	int r;

	/* take turns: KVM, then hvm, then KVM again, then hvm */
	r = hvm_insmod_deps(kvm_vendor_module());
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, kvm_vm_run_tiny(&self->k, self->why, sizeof(self->why))) {
		TH_LOG("%s", self->why);
	}
	kvm_vm_close(&self->k);
	unload_kvm();

	hvctl(&c, "run", hvm_guest("hello-long.bin"), "--timeout", "60", NULL);
	ASSERT_EQ(0, c.status) {
		TH_LOG("hvctl run: %s", c.err);
	}
	ASSERT_OUTPUT("hello from long mode\n", c.out);
	hvm_cmd_free(&c);

	ASSERT_EQ(0, hvm_insmod_deps(kvm_vendor_module()));
	ASSERT_EQ(0, kvm_vm_run_tiny(&self->k, self->why, sizeof(self->why))) {
		TH_LOG("KVM after an hvm guest ran: %s", self->why);
	}
}

TEST_F_TIMEOUT(kv, kvm_cannot_take_the_hardware_while_an_hvm_vm_exists, 180)
{
	const char *name = hvm_vm_name(TAG);
	char ext[256];
	int r;

	ASSERT_EQ(0, hvm_vm_create(name, 0, 0, ext, sizeof(ext)));
	/*
	 * 6.12 enables virtualization when kvm_amd/kvm_intel loads, so the
	 * load fails (kvm_init() reports EIO); 6.1
	 * loads and fails KVM_CREATE_VM with EBUSY. Either way, no KVM guest
	 * runs while hvm holds the hardware.
	 */
	r = hvm_insmod_deps(kvm_vendor_module());
	if (!r) {
		r = kvm_vm_run_tiny(&self->k, self->why, sizeof(self->why));
		ASSERT_NE(0, r) {
			TH_LOG("KVM ran a guest while hvm held the hardware");
		}
		ASSERT_EQ(-EBUSY, r) {
			TH_LOG("%s", self->why);
		}
	} else {
		/* 6.12's kvm_init() turns the failed enable into -EIO */
		ASSERT_TRUE(r == -EBUSY || r == -EIO) {
			TH_LOG("loading %s: %s", kvm_vendor_module(), strerror(-r));
		}
	}
	/* and hvm's VM did not notice */
	kvm_vm_close(&self->k);
	unload_kvm();
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0));
}

TEST_HARNESS_MAIN
