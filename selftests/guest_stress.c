// SPDX-License-Identifier: GPL-2.0
/*
 * guest_stress: host-safety stress.
 *
 * 1. More spinning VMs than the CPU has ASIDs share the CPUs for many rounds
 *    while their vCPU threads are forced from CPU to CPU; every guest must
 *    keep running (a guest that prints one line and spins with interrupts
 *    off has no reason to stop) until the user stops it. This reproduced
 *    the triple faults of issue 7 (README: "Host-side guarantees").
 * 2. A 4-vCPU VM is created, started and destroyed 100 times while another
 *    thread reads every VM (dump and GET) and listens to the events group:
 *    the stopped event and netlink replies walk the vCPUs of a VM that is
 *    being torn down.
 *
 * HVM_STRESS_ROUNDS sets the rounds of the first test (default 10, or 3
 * on a one-CPU machine, where nothing can migrate; the acceptance runs of
 * issue 7 used 100 on both backends).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "hvm_harness.h"

#define TAG "st"
#define NR_VMS 20	/* QEMU's SVM has 16 ASIDs: more VMs than ASIDs */

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

static unsigned int stress_rounds(void)
{
	const char *s = getenv("HVM_STRESS_ROUNDS");

	if (s && atoi(s) > 0)
		return (unsigned int)atoi(s);
	return hvm_nr_cpus() < 2 ? 3 : 10;
}

FIXTURE(st) {
	struct hvm_exec c;
	char names[NR_VMS][HVM_NAME_MAX + 1];
	pid_t tids[NR_VMS];
};

FIXTURE_SETUP(st)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

/* "st<pid % 1000>-": VM names whose vCPU thread names stay whole */
static const char *short_prefix(void)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), TAG "%d-", (int)getpid() % 1000);
	return buf;
}

FIXTURE_TEARDOWN(st)
{
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
	hvm_destroy_prefix(short_prefix());
}

/* Move every vCPU thread to another CPU (no-op on one CPU). */
static void shuffle(pid_t *tids, int n, int ncpus, unsigned int *seed)
{
	int i;

	if (ncpus < 2)
		return;
	for (i = 0; i < n; i++)
		pin(tids[i], rand_r(seed) % ncpus);
}

TEST_F_TIMEOUT(st, spinning_vms_survive_rounds_of_preemption_and_migration, 1800)
{
	unsigned int rounds = stress_rounds(), round, seed = 1;
	int ncpus = hvm_nr_cpus(), i, ready;

	for (round = 0; round < rounds; round++) {
		uint64_t deadline;

		for (i = 0; i < NR_VMS; i++) {
			char cmdline[64], comm[48];

			/* short: the thread's comm "hvm-NAME/0" has 15 chars */
			snprintf(self->names[i], sizeof(self->names[i]), "%s%02d",
				 short_prefix(), i);
			snprintf(cmdline, sizeof(cmdline), "id=%d spin=1", i + 1);
			HVCTL_OK(&self->c, "create", self->names[i], "--memory", "4M",
				 "--image", hvm_guest("work.elf"), "--cmdline",
				 cmdline);
			snprintf(comm, sizeof(comm), "hvm-%s/0", self->names[i]);
			self->tids[i] = hvm_find_thread(comm);
			ASSERT_NE(0, self->tids[i]);
		}
		for (i = 0; i < NR_VMS; i++)
			ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_START, self->names[i],
						NULL, 0));

		/* all say ready while their threads are pushed around */
		deadline = hvm_now_ns() + 120 * 1000000000ull;
		do {
			ready = 0;
			shuffle(self->tids, NR_VMS, ncpus, &seed);
			for (i = 0; i < NR_VMS; i++) {
				struct hvm_vm_status st;
				char want[32];

				ASSERT_EQ(0, hvm_vm_status(self->names[i], &st,
							   NULL, 0));
				ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state) {
					TH_LOG("round %u: VM %d stopped: %s (rip %#llx, hw %#llx)",
					       round, i + 1,
					       hvm_stop_reason_name(st.stop_reason),
					       (unsigned long long)st.stop_rip,
					       (unsigned long long)st.hw_error);
				}
				snprintf(want, sizeof(want), "id=%d ready\n", i + 1);
				if (st.console_bytes == strlen(want))
					ready++;
			}
			if (ready < NR_VMS)
				usleep(5000);
		} while (ready < NR_VMS && hvm_now_ns() < deadline);
		ASSERT_EQ(NR_VMS, ready) {
			TH_LOG("round %u: only %d of %d VMs got ready", round,
			       ready, NR_VMS);
		}

		/* keep them spinning and moving for a while */
		for (i = 0; i < 20; i++) {
			shuffle(self->tids, NR_VMS, ncpus, &seed);
			usleep(10000);
		}

		for (i = 0; i < NR_VMS; i++) {
			struct hvm_vm_status st;
			char want[32];

			ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_STOP, self->names[i],
						NULL, 0));
			ASSERT_EQ(0, hvm_vm_wait_stopped(self->names[i], 5000, &st));
			if (st.stop_reason != HVM_STOP_USER)
				TH_LOG("round %u: VM %d", round, i + 1);
			ASSERT_STOP_REASON(HVM_STOP_USER, &st);
			/* its own line, once: no other guest's state ran in it */
			snprintf(want, sizeof(want), "id=%d ready\n", i + 1);
			ASSERT_EQ(strlen(want), st.console_bytes) {
				TH_LOG("round %u: VM %d printed %llu bytes", round,
				       i + 1, (unsigned long long)st.console_bytes);
			}
			ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY,
						self->names[i], NULL, 0));
		}
	}
	TH_LOG("%u rounds of %d VMs on %d CPUs", rounds, NR_VMS, ncpus);
}

/* ---- many-vCPU create/start/destroy against concurrent readers ---- */

struct reader {
	atomic_bool stop;
	unsigned long reads, events;
	int error;
};

static void *reader_thread(void *arg)
{
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	struct reader *rd = arg;
	struct hvm_event_msg ev;
	struct hvm_nl nl;
	int r, i, n;

	if (!names || hvm_nl_open(&nl)) {
		rd->error = -ENOMEM;
		free(names);
		return NULL;
	}
	r = hvm_nl_subscribe(&nl, HVM_GENL_MCGRP_EVENTS);
	if (r) {
		rd->error = r;
		goto out;
	}
	while (!atomic_load(&rd->stop)) {
		n = hvm_vm_list(names, HVM_NL_MAX_MSGS);
		for (i = 0; i < n; i++) {
			struct hvm_vm_status st;

			/* may be gone already: only a crash would be wrong */
			hvm_vm_status(names[i], &st, NULL, 0);
		}
		rd->reads++;
		while (hvm_nl_next_event(&nl, 1, &ev) == 0)
			rd->events++;
	}
out:
	hvm_nl_close(&nl);
	free(names);
	return NULL;
}

TEST_F_TIMEOUT(st, four_vcpu_vm_survives_100_create_start_destroy_cycles, 900)
{
	struct reader rd = { .stop = false };
	char prefix[48];
	pthread_t th;
	int cycle;

	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &rd));
	for (cycle = 0; cycle < 100; cycle++) {
		const char *name = hvm_vm_name(TAG);
		char ext[256] = "";
		int r;

		HVCTL_OK(&self->c, "create", name, "--vcpus", "4",
			 "--image", hvm_guest("exit-code.bin"));
		r = hvm_vm_cmd(HVM_CMD_VM_START, name, ext, sizeof(ext));
		ASSERT_EQ(0, r) {
			TH_LOG("cycle %d: start: %s", cycle, ext);
		}
		/* odd cycles: destroy while it may still run; even: once stopped */
		if (!(cycle & 1)) {
			struct hvm_vm_status st;

			ASSERT_EQ(0, hvm_vm_wait_stopped(name, 5000, &st));
			ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
		}
		ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, ext, sizeof(ext))) {
			TH_LOG("cycle %d: destroy: %s", cycle, ext);
		}
	}
	atomic_store(&rd.stop, true);
	pthread_join(th, NULL);
	ASSERT_EQ(0, rd.error);
	TH_LOG("reader: %lu rounds, %lu events", rd.reads, rd.events);
	/* created, started, stopped, destroyed: at least 3 per cycle seen */
	ASSERT_LE(300ul, rd.events);
	snprintf(prefix, sizeof(prefix), "hvm-%s", hvm_vm_prefix(TAG));
	ASSERT_EQ(0, hvm_count_threads(prefix));
}

TEST_HARNESS_MAIN
