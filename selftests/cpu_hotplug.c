// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_hotplug: virtualization follows CPUs that go offline and come back.
 *
 * hvm switches VT-x/AMD-V on for every online CPU while a VM exists; a CPU
 * that comes online meanwhile must be switched on by the cpuhp callback, or
 * a vCPU thread that lands there cannot enter its guest. Both tests run a
 * guest whose vCPU thread is pinned to the CPU that went through a
 * offline/online cycle, and need at least two CPUs.
 */
#include <sched.h>

#include "hvm_harness.h"

#define HP_CPU 1

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

static int set_online(int cpu, int on)
{
	char path[64];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	r = fprintf(f, "%d\n", on) < 0 ? -EIO : 0;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

FIXTURE(hp) {
	bool no_second_cpu;
	struct hvm_exec c;
	char keep[HVM_NAME_MAX + 1];
	char run[HVM_NAME_MAX + 1];
};

FIXTURE_SETUP(hp)
{
	char path[64];

	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", HP_CPU);
	/* The 6.1 harness runs the body after a SKIP in the setup: flag it. */
	self->no_second_cpu = hvm_nr_cpus() < 2 || access(path, W_OK);
	snprintf(self->keep, sizeof(self->keep), "hpk%d", (int)getpid() % 100000);
	snprintf(self->run, sizeof(self->run), "hpr%d", (int)getpid() % 100000);
}

FIXTURE_TEARDOWN(hp)
{
	set_online(HP_CPU, 1);
	hvm_cmd_free(&self->c);
	hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->run, NULL, 0);
	hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->keep, NULL, 0);
}

/* Run hello-long with its vCPU thread pinned to @cpu; expect its output. */
static void run_on_cpu(struct __test_metadata *_metadata, struct hvm_exec *c,
		       const char *name, int cpu)
{
	struct hvm_vm_status st;
	char comm[32];
	pid_t tid;

	HVCTL_OK(c, "create", name, "--image", hvm_guest("hello-long.bin"));
	snprintf(comm, sizeof(comm), "hvm-%s/0", name);
	tid = hvm_find_thread(comm);
	ASSERT_NE(0, tid);
	ASSERT_EQ(0, pin(tid, cpu));
	HVCTL_OK(c, "start", name);
	ASSERT_EQ(0, hvm_vm_wait_stopped(name, 30000, &st));
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	HVCTL_OK(c, "console", name);
	ASSERT_OUTPUT("hello from long mode\n", c->out);
	HVCTL_OK(c, "destroy", name);
}

#define NEED_SECOND_CPU()						\
	do {								\
		if (self->no_second_cpu)				\
			SKIP(return, "needs a second CPU that can go offline"); \
	} while (0)

TEST_F(hp, cpu_cycled_while_a_vm_exists_runs_guests)
{
	NEED_SECOND_CPU();
	ASSERT_EQ(0, hvm_vm_create(self->keep, 16 << 20, 1, NULL, 0));
	ASSERT_EQ(0, set_online(HP_CPU, 0));
	ASSERT_EQ(0, set_online(HP_CPU, 1));
	run_on_cpu(_metadata, &self->c, self->run, HP_CPU);
}

TEST_F(hp, cpu_onlined_after_the_first_vm_runs_guests)
{
	struct hvm_info info;

	NEED_SECOND_CPU();
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0U, info.nr_vms) {
		TH_LOG("a VM of another test is still around");
	}
	ASSERT_EQ(0, set_online(HP_CPU, 0));
	/* The first VM switches virtualization on for the CPUs online now. */
	ASSERT_EQ(0, hvm_vm_create(self->keep, 16 << 20, 1, NULL, 0));
	ASSERT_EQ(0, set_online(HP_CPU, 1));
	run_on_cpu(_metadata, &self->c, self->run, HP_CPU);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->keep, NULL, 0));
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0, info.hw_enabled);
}

TEST_HARNESS_MAIN
