// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_migrate: a vCPU thread that the scheduler moves between CPUs while
 * its guest runs keeps running correctly.
 *
 * The vCPU thread is preemptible and may move; the backend must follow it
 * (VT-x: VMCLEAR on the old CPU, VMPTRLD and new host fields on the new
 * one; AMD-V: a fresh ASID and the new CPU's host save area). The test
 * forces the moves with sched_setaffinity while fpu.elf keeps all XMM
 * registers live across 20,000 exits, and checks the thread really ran on
 * both CPUs. Needs two CPUs (skipped in the one-CPU Bochs machine).
 */
#include <sched.h>

#include "hvm_harness.h"

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

/* The CPU a task last ran on: field 39 of /proc/PID/task/TID/stat. */
static int last_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	int field, cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');	/* the name may hold spaces */
		for (field = 2; p && field < 39; field++)
			p = strchr(p + 1, ' ');
		if (p)
			cpu = atoi(p + 1);
	}
	fclose(f);
	return cpu;
}

FIXTURE(mg) {
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
};

FIXTURE_SETUP(mg)
{
	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->name, sizeof(self->name), "mg%d", (int)getpid() % 100000);
}

FIXTURE_TEARDOWN(mg)
{
	hvm_cmd_free(&self->c);
	hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0);
}

TEST_F_TIMEOUT(mg, guest_survives_its_vcpu_thread_moving_between_cpus, 300)
{
	unsigned int moves = 0, seen = 0;
	struct hvm_vm_status st;
	char comm[48];
	pid_t tid;
	int cpu;

	if (hvm_nr_cpus() < 2)
		SKIP(return, "needs two CPUs");

	HVCTL_OK(&self->c, "create", self->name, "--image", hvm_guest("fpu.elf"));
	snprintf(comm, sizeof(comm), "hvm-%s/0", self->name);
	tid = hvm_find_thread(comm);
	ASSERT_NE(0, tid);
	HVCTL_OK(&self->c, "start", self->name);

	do {
		ASSERT_EQ(0, pin(tid, moves & 1));
		moves++;
		usleep(2000);
		cpu = last_cpu(tid);
		if (cpu == 0 || cpu == 1)
			seen |= 1u << cpu;
		ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	} while (st.state == HVM_VM_RUNNING);

	TH_LOG("%u forced moves, thread seen on CPUs mask %#x", moves, seen);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	HVCTL_OK(&self->c, "console", self->name);
	ASSERT_OUTPUT("fpu kept after 20000 exits\n", self->c.out);
	ASSERT_LE(4u, moves) {
		TH_LOG("the guest finished before the thread could be moved");
	}
	ASSERT_EQ(3u, seen);
}

TEST_HARNESS_MAIN
