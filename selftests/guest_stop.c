// SPDX-License-Identifier: GPL-2.0
/*
 * guest_stop: stopping what does not want to stop. A guest spinning with
 * interrupts off stops promptly on request, can be destroyed while it runs,
 * and is stopped and destroyed by rmmod (the module's documented choice);
 * wait/run timeouts, console --follow and the state events behave.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "hvm_harness.h"

#define TAG "gs"
#define STOP_DEADLINE_NS	(100 * 1000000ull)

FIXTURE(gs) {
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
};

FIXTURE_SETUP(gs)
{
	ASSERT_EQ(0, hvm_load_hvm());
	/* short: the vCPU thread's comm "hvm-NAME/0" must fit in 15 characters */
	snprintf(self->name, sizeof(self->name), "s%d", (int)getpid() % 100000);
}

FIXTURE_TEARDOWN(gs)
{
	hvm_cmd_free(&self->c);
	if (hvm_module_loaded("hvm")) {
		hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0);
		hvm_destroy_prefix(hvm_vm_prefix(TAG));
	} else {
		hvm_load_hvm();
	}
}

/* Create NAME with the spin guest and start it; wait until it really runs. */
static int start_spinner(struct __test_metadata *_metadata, struct hvm_exec *c,
			 const char *name)
{
	struct hvm_vm_status st;

	HVCTL_OK(c, "create", name, "--memory", "16M", "--image",
		 hvm_guest("spin.bin"));
	HVCTL_OK(c, "start", name);
	/* give it time to enter guest mode and spin there */
	usleep(200000);
	if (hvm_vm_status(name, &st, NULL, 0) || st.state != HVM_VM_RUNNING) {
		TH_LOG("spin guest is %s, reason %s", hvm_state_name(st.state),
		       hvm_stop_reason_name(st.stop_reason));
		return -1;
	}
	return 0;
}

#define START_SPINNER(name) ASSERT_EQ(0, start_spinner(_metadata, &self->c, (name)))

static char thread_comm[48];

static const char *vcpu_thread(const char *name)
{
	snprintf(thread_comm, sizeof(thread_comm), "hvm-%s/0", name);
	return thread_comm;
}

TEST_F(gs, vcpu_thread_is_named_after_the_vm)
{
	START_SPINNER(self->name);
	ASSERT_NE(0, hvm_find_thread(vcpu_thread(self->name))) {
		TH_LOG("no thread named %s", vcpu_thread(self->name));
	}
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0));
}

TEST_F(gs, stop_interrupts_spinning_guest_within_100ms)
{
	uint64_t worst = 0;
	int i;

	START_SPINNER(self->name);
	for (i = 0; i < 5; i++) {
		struct hvm_vm_status st;
		uint64_t t0, dt;
		char ext[256];
		int r;

		if (i) {
			ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_START, self->name, ext,
						sizeof(ext))) {
				TH_LOG("restart %d: %s", i, ext);
			}
			usleep(100000);
		}
		t0 = hvm_now_ns();
		r = hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, ext, sizeof(ext));
		ASSERT_EQ(0, r);
		ASSERT_EQ(0, hvm_vm_wait_stopped(self->name, 5000, &st));
		dt = hvm_now_ns() - t0;
		if (dt > worst)
			worst = dt;
		ASSERT_EQ((uint32_t)HVM_VM_STOPPED, st.state);
		ASSERT_STOP_REASON(HVM_STOP_USER, &st);
	}
	TH_LOG("worst stop latency %llu us", (unsigned long long)worst / 1000);
	ASSERT_GT(STOP_DEADLINE_NS, worst);
}

TEST_F(gs, hvctl_stop_then_wait_returns_promptly)
{
	struct hvm_vm_status st;
	uint64_t t0, dt;

	START_SPINNER(self->name);
	t0 = hvm_now_ns();
	HVCTL_OK(&self->c, "stop", self->name);
	/* a stopped-by-user VM: wait returns 2 ("any other stop reason") */
	hvctl_t(&self->c, 10000, "wait", self->name, "--timeout", "5", NULL);
	dt = hvm_now_ns() - t0;
	ASSERT_EQ(2, self->c.status);
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, st.state);
	ASSERT_STOP_REASON(HVM_STOP_USER, &st);
	/* two process spawns and the stop: well under a second */
	TH_LOG("hvctl stop + wait took %llu ms", (unsigned long long)dt / 1000000);
	ASSERT_GT(1000000000ull, dt);
	HVCTL_OK(&self->c, "destroy", self->name);
}

TEST_F(gs, wait_timeout_on_a_running_vm_is_status_2)
{
	struct hvm_vm_status st;

	START_SPINNER(self->name);
	hvctl_t(&self->c, 20000, "wait", self->name, "--timeout", "1", NULL);
	ASSERT_EQ(2, self->c.status);
	ASSERT_GE(self->c.secs, 0.9);
	/* waiting does not stop it */
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state);
	HVCTL_OK(&self->c, "destroy", self->name);
}

TEST_F(gs, run_timeout_stops_and_destroys_its_vm)
{
	struct hvm_info before, after;

	ASSERT_EQ(0, hvm_get_info(&before));
	hvctl_t(&self->c, 30000, "run", hvm_guest("spin.bin"), "--timeout", "1", NULL);
	ASSERT_EQ(2, self->c.status);
	ASSERT_NE(NULL, strstr(self->c.err, "timeout")) {
		TH_LOG("stderr: %s", self->c.err);
	}
	ASSERT_EQ(0, hvm_get_info(&after));
	ASSERT_EQ(before.nr_vms, after.nr_vms);
}

TEST_F(gs, destroy_while_running_removes_vm_and_thread)
{
	struct hvm_vm_status st;
	uint64_t t0, dt;
	char ext[256];
	int r;

	START_SPINNER(self->name);
	t0 = hvm_now_ns();
	r = hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, ext, sizeof(ext));
	dt = hvm_now_ns() - t0;
	ASSERT_EQ(0, r) {
		TH_LOG("destroy: %s (%s)", strerror(-r), ext);
	}
	TH_LOG("destroy of a running VM took %llu us", (unsigned long long)dt / 1000);
	ASSERT_GT(1000000000ull, dt);
	ASSERT_EQ(-ENOENT, hvm_vm_status(self->name, &st, NULL, 0));
	/* destroy waited for the thread; it may only be waiting to be reaped */
	ASSERT_TRUE(hvm_thread_gone(vcpu_thread(self->name), 5000));
}

TEST_F(gs, hvctl_destroy_while_running)
{
	START_SPINNER(self->name);
	HVCTL_OK(&self->c, "destroy", self->name);
	ASSERT_TRUE(hvm_thread_gone(vcpu_thread(self->name), 5000));
	HVCTL_FAILS(&self->c, "status", self->name);
}

TEST_F(gs, console_follow_streams_until_the_vm_stops)
{
	char cmdline[64];

	snprintf(cmdline, sizeof(cmdline), "id=7 loops=%u", 3000000u);
	HVCTL_OK(&self->c, "create", self->name, "--memory", "16M", "--image",
		 hvm_guest("work.elf"), "--cmdline", cmdline);
	HVCTL_OK(&self->c, "start", self->name);
	/* follows a running VM: returns when it stopped, with everything */
	hvctl_t(&self->c, 120000, "console", self->name, "--follow", NULL);
	ASSERT_EQ(0, self->c.status);
	ASSERT_NE(NULL, strstr(self->c.out, "id=7 sum=0x")) {
		TH_LOG("console: '%s'", self->c.out);
	}
	HVCTL_OK(&self->c, "destroy", self->name);
}

TEST_F(gs, console_wait_read_wakes_when_the_vm_is_stopped)
{
	struct hvm_console_read cr;
	uint8_t buf[64];
	uint64_t t0;
	pid_t pid;
	int fd;

	START_SPINNER(self->name);
	fd = hvm_dev_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, hvm_dev_attach(fd, self->name));
	/* stop from a child while we block in the read */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(300000);
		hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, NULL, 0);
		_exit(0);
	}
	memset(&cr, 0, sizeof(cr));
	cr.uaddr = (uintptr_t)buf;
	cr.size = sizeof(buf);
	cr.flags = HVM_CONSOLE_WAIT;
	t0 = hvm_now_ns();
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_CONSOLE_READ, &cr));
	ASSERT_GT(10000000000ull, hvm_now_ns() - t0);
	ASSERT_EQ(0u, cr.len);
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, cr.state);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	close(fd);
}

TEST_F(gs, events_announce_start_and_stop)
{
	struct hvm_event_msg ev;
	struct hvm_nl nl;

	ASSERT_EQ(0, hvm_nl_open(&nl));
	ASSERT_EQ(0, hvm_nl_subscribe(&nl, HVM_GENL_MCGRP_EVENTS));
	START_SPINNER(self->name);
	ASSERT_EQ(0, hvm_nl_wait_event(&nl, 5000, HVM_EVENT_CREATED, self->name, &ev));
	ASSERT_EQ(0, hvm_nl_wait_event(&nl, 5000, HVM_EVENT_STARTED, self->name, &ev));
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, NULL, 0));
	ASSERT_EQ(0, hvm_nl_wait_event(&nl, 5000, HVM_EVENT_STOPPED, self->name, &ev));
	ASSERT_EQ((uint32_t)HVM_STOP_USER, ev.stop_reason);
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, ev.state);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0));
	ASSERT_EQ(0, hvm_nl_wait_event(&nl, 5000, HVM_EVENT_DESTROYED, self->name, &ev));
	hvm_nl_close(&nl);
}

TEST_F(gs, a_guest_stopping_itself_sends_stopped_with_its_reason)
{
	struct hvm_event_msg ev;
	struct hvm_nl nl;

	ASSERT_EQ(0, hvm_nl_open(&nl));
	ASSERT_EQ(0, hvm_nl_subscribe(&nl, HVM_GENL_MCGRP_EVENTS));
	HVCTL_OK(&self->c, "create", self->name, "--image", hvm_guest("exit-code.bin"));
	HVCTL_OK(&self->c, "start", self->name);
	ASSERT_EQ(0, hvm_nl_wait_event(&nl, 30000, HVM_EVENT_STOPPED, self->name, &ev));
	ASSERT_EQ((uint32_t)HVM_STOP_EXIT, ev.stop_reason);
	hvm_nl_close(&nl);
	HVCTL_OK(&self->c, "destroy", self->name);
}

TEST_F(gs, start_of_a_running_vm_is_ebusy)
{
	char ext[256];

	START_SPINNER(self->name);
	ASSERT_NL_ERR(EBUSY, hvm_vm_cmd(HVM_CMD_VM_START, self->name, ext,
					sizeof(ext)), ext);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0));
}

/* Runs last in this file: it unloads and reloads the module. */
TEST_F_TIMEOUT(gs, rmmod_stops_and_destroys_running_vms, 120)
{
	char second[HVM_NAME_MAX + 4];
	struct hvm_info info;
	uint64_t t0;
	int r;

	snprintf(second, sizeof(second), "%.16s-b", self->name);
	START_SPINNER(self->name);
	START_SPINNER(second);
	ASSERT_NE(0, hvm_find_thread(vcpu_thread(self->name)));

	t0 = hvm_now_ns();
	r = hvm_rmmod("hvm");
	ASSERT_EQ(0, r) {
		TH_LOG("rmmod with running VMs: %s", strerror(-r));
	}
	TH_LOG("rmmod took %llu ms", (unsigned long long)(hvm_now_ns() - t0) / 1000000);
	ASSERT_FALSE(hvm_module_loaded("hvm"));
	ASSERT_EQ(0, hvm_count_threads("hvm-"));	/* module code is gone: no thread may run it */

	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms);
	ASSERT_EQ(0, info.hw_enabled);
	ASSERT_EQ(-ENOENT, hvm_vm_status(self->name, &(struct hvm_vm_status){ 0 },
					 NULL, 0));
}

TEST_HARNESS_MAIN
