// SPDX-License-Identifier: GPL-2.0
/*
 * guest_many: 16 VMs at once. Each gets its own command line and must
 * print its own result; 16 spinning VMs are all running at the same time
 * and all stop on request.
 */
#include "hvm_harness.h"

#define TAG "gy"
#define NR_VMS 16
#define LOOPS 200000u

FIXTURE(gy) {
	struct hvm_exec c;
	char names[NR_VMS][HVM_NAME_MAX + 1];
};

FIXTURE_SETUP(gy)
{
	int i;

	ASSERT_EQ(0, hvm_load_hvm());
	for (i = 0; i < NR_VMS; i++)
		snprintf(self->names[i], sizeof(self->names[i]), "%s", hvm_vm_name(TAG));
}

FIXTURE_TEARDOWN(gy)
{
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

/* What work.elf computes: LOOPS rounds of the LCG seeded with id. */
static uint32_t work_sum(uint32_t id, uint32_t loops)
{
	uint32_t x = id;

	while (loops--)
		x = x * 1103515245u + 12345u;
	return x;
}

static void create_all(struct __test_metadata *_metadata, struct hvm_exec *c,
		       char (*names)[HVM_NAME_MAX + 1], bool spin)
{
	char cmdline[64];
	int i;

	for (i = 0; i < NR_VMS; i++) {
		snprintf(cmdline, sizeof(cmdline), "id=%d loops=%u%s", i + 1, LOOPS,
			 spin ? " spin=1" : "");
		HVCTL_OK(c, "create", names[i], "--memory", "16M", "--image",
			 hvm_guest("work.elf"), "--cmdline", cmdline);
	}
}

TEST_F_TIMEOUT(gy, sixteen_vms_complete_with_their_own_output, 300)
{
	int i;

	create_all(_metadata, &self->c, self->names, false);
	for (i = 0; i < NR_VMS; i++)
		HVCTL_OK(&self->c, "start", self->names[i]);
	for (i = 0; i < NR_VMS; i++) {
		struct hvm_vm_status st;
		char want[64];

		hvctl_t(&self->c, 200000, "wait", self->names[i], "--timeout", "180",
			NULL);
		ASSERT_EQ(i + 1, self->c.status) {
			TH_LOG("VM %d: wait status %d: %s", i + 1, self->c.status,
			       self->c.err);
		}
		ASSERT_EQ(0, hvm_vm_status(self->names[i], &st, NULL, 0));
		ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
		ASSERT_EQ((uint64_t)(i + 1), st.exit_code);
		snprintf(want, sizeof(want), "id=%d sum=0x%08x\n", i + 1,
			 work_sum((uint32_t)i + 1, LOOPS));
		HVCTL_OK(&self->c, "console", self->names[i]);
		ASSERT_OUTPUT(want, self->c.out);
	}
}

TEST_F_TIMEOUT(gy, sixteen_spinning_vms_run_at_once_and_all_stop, 300)
{
	uint64_t deadline;
	int i, ready;

	create_all(_metadata, &self->c, self->names, true);
	for (i = 0; i < NR_VMS; i++)
		HVCTL_OK(&self->c, "start", self->names[i]);

	/* every guest says it is ready, then spins with interrupts off */
	deadline = hvm_now_ns() + 120 * 1000000000ull;
	do {
		struct hvm_vm_status st;

		ready = 0;
		for (i = 0; i < NR_VMS; i++) {
			char want[32];

			ASSERT_EQ(0, hvm_vm_status(self->names[i], &st, NULL, 0));
			ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state) {
				TH_LOG("VM %d stopped: %s", i + 1,
				       hvm_stop_reason_name(st.stop_reason));
			}
			snprintf(want, sizeof(want), "id=%d ready\n", i + 1);
			if (st.console_bytes == strlen(want))
				ready++;
		}
		if (ready < NR_VMS)
			usleep(100000);
	} while (ready < NR_VMS && hvm_now_ns() < deadline);
	ASSERT_EQ(NR_VMS, ready);

	/* all 16 are in the running state together; now stop every one */
	for (i = 0; i < NR_VMS; i++) {
		struct hvm_vm_status st;
		char want[32];

		ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_STOP, self->names[i], NULL, 0));
		ASSERT_EQ(0, hvm_vm_wait_stopped(self->names[i], 5000, &st));
		ASSERT_STOP_REASON(HVM_STOP_USER, &st);
		snprintf(want, sizeof(want), "id=%d ready\n", i + 1);
		HVCTL_OK(&self->c, "console", self->names[i]);
		ASSERT_OUTPUT(want, self->c.out);
	}
}

TEST_HARNESS_MAIN
