// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_hotplug: virtualization follows CPUs that go offline and come back.
 *
 * hvm switches VT-x/AMD-V on for every online CPU while a VM exists; a CPU
 * that comes online meanwhile must be switched on by the cpuhp callback, or
 * a vCPU thread that lands there cannot enter its guest. The first two
 * tests run a guest whose vCPU thread is pinned to the CPU that went
 * through an offline/online cycle; the third takes that CPU away while the
 * guest runs on it (hvm switches it off under the vCPU, whose thread must
 * move on and keep entering the guest elsewhere). All need two CPUs.
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

/*
 * Wait until the running VM @name made PROGRESS_EXITS more port I/O exits
 * than @from (echo.elf polls COM1's LSR without end), within 60 s of wall
 * time: it is the guest's progress that is checked, not its speed.
 * Return: the new count, or 0 when the VM stopped or made no progress.
 */
#define PROGRESS_EXITS	1000

static uint64_t io_progress(const char *name, uint64_t from)
{
	uint64_t deadline = hvm_now_ns() + 60000ull * 1000000;
	struct hvm_vm_status st;

	do {
		if (hvm_vm_status(name, &st, NULL, 0) ||
		    st.state != HVM_VM_RUNNING)
			return 0;
		if (st.stats[HVM_STAT_IO] >= from + PROGRESS_EXITS)
			return st.stats[HVM_STAT_IO];
		usleep(10000);
	} while (hvm_now_ns() < deadline);
	return 0;
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

/*
 * echo.elf polls COM1 on a vCPU thread pinned to HP_CPU; HP_CPU goes
 * offline under it (hvm's cpuhp callback switches virtualization off there
 * while the vCPU's state is loaded on it) and comes back, three times. The
 * guest makes progress on the other CPU and again on HP_CPU, then stops on
 * request with its output intact.
 */
#define HP_ROUNDS	3

TEST_F_TIMEOUT(hp, cpu_offline_under_a_running_vcpu_and_back, 600)
{
	struct hvm_exec *c = &self->c;
	struct hvm_vm_status st;
	char comm[HVM_NAME_MAX + 8];
	uint64_t io = 0;
	cpu_set_t set;
	pid_t tid;
	int round;

	NEED_SECOND_CPU();
	HVCTL_OK(c, "create", self->run, "--image", hvm_guest("echo.elf"));
	snprintf(comm, sizeof(comm), "hvm-%s/0", self->run);
	tid = hvm_find_thread(comm);
	ASSERT_NE(0, tid);
	HVCTL_OK(c, "start", self->run);

	for (round = 0; round < HP_ROUNDS; round++) {
		ASSERT_EQ(0, pin(tid, HP_CPU));
		io = io_progress(self->run, io);
		/* pinned: sched_setaffinity() moved the thread before returning */
		ASSERT_NE(0ull, io) TH_LOG("round %d: no progress on CPU %d", round, HP_CPU);

		ASSERT_EQ(0, set_online(HP_CPU, 0));
		io = io_progress(self->run, io);
		ASSERT_NE(0ull, io) TH_LOG("round %d: no progress with CPU %d offline",
					   round, HP_CPU);
		/* the kernel widened the pinned thread's mask to move it */
		ASSERT_EQ(0, sched_getaffinity(tid, sizeof(set), &set));
		ASSERT_TRUE(CPU_ISSET(0, &set));
		ASSERT_EQ(0, set_online(HP_CPU, 1));
	}
	ASSERT_EQ(0, pin(tid, HP_CPU));
	io = io_progress(self->run, io);
	ASSERT_NE(0ull, io);

	HVCTL_OK(c, "stop", self->run);
	ASSERT_EQ(0, hvm_vm_wait_stopped(self->run, 30000, &st));
	ASSERT_STOP_REASON(HVM_STOP_USER, &st);
	HVCTL_OK(c, "console", self->run);
	ASSERT_OUTPUT("echo ready\n", c->out);
	HVCTL_OK(c, "destroy", self->run);
	ASSERT_TRUE(hvm_thread_gone(comm, 10000));
}

TEST_HARNESS_MAIN
