// SPDX-License-Identifier: GPL-2.0
/*
 * perm: an unprivileged user (uid/gid 1000, no capabilities) may read the
 * host's info and nothing else: listing VMs, their status and the events
 * group reveal other users' guests (EPERM), changes are refused (EPERM),
 * and /dev/hvm cannot be opened (EACCES).
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>

#include "hvm_harness.h"

#define TAG "pm"
#define UID 1000

/* What the unprivileged child saw, sent back through a pipe. */
struct child_result {
	int setup;		/* 0, or -errno of dropping privileges */
	int info, list, status, events;
	int create, destroy, start, stop;
	int open_dev;
	int hvctl_list, hvctl_create, hvctl_info;
	char hvctl_create_err[256], hvctl_list_err[256];
};

static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(UID) || setuid(UID))
		return -errno;
	/* setuid() from root clears every capability set */
	return getuid() == UID && geteuid() == UID ? 0 : -EPERM;
}

static void child(int wfd, const char *victim)
{
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	struct child_result res;
	struct hvm_vm_status st;
	struct hvm_info info;
	struct hvm_exec c = { 0 };
	struct hvm_nl nl;
	int fd;

	memset(&res, 0, sizeof(res));
	res.setup = drop_privileges();
	if (!res.setup) {
		res.info = hvm_get_info(&info);
		res.list = hvm_vm_list(names, HVM_NL_MAX_MSGS);
		res.status = hvm_vm_status(victim, &st, NULL, 0);
		res.events = hvm_nl_open(&nl);
		if (!res.events) {
			res.events = hvm_nl_subscribe(&nl, HVM_GENL_MCGRP_EVENTS);
			hvm_nl_close(&nl);
		}
		res.create = hvm_vm_create(hvm_vm_name(TAG), 0, 0, NULL, 0);
		res.destroy = hvm_vm_cmd(HVM_CMD_VM_DESTROY, victim, NULL, 0);
		res.start = hvm_vm_cmd(HVM_CMD_VM_START, victim, NULL, 0);
		res.stop = hvm_vm_cmd(HVM_CMD_VM_STOP, victim, NULL, 0);
		fd = open("/dev/hvm", O_RDWR);
		res.open_dev = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		res.hvctl_list = hvctl(&c, "list", NULL);
		snprintf(res.hvctl_list_err, sizeof(res.hvctl_list_err), "%s",
			 c.err ? c.err : "");
		res.hvctl_info = hvctl(&c, "info", NULL);
		res.hvctl_create = hvctl(&c, "create", hvm_vm_name(TAG), NULL);
		snprintf(res.hvctl_create_err, sizeof(res.hvctl_create_err), "%s",
			 c.err ? c.err : "");
		hvm_cmd_free(&c);
	}
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	_exit(0);
}

FIXTURE(perm) {
	char victim[HVM_NAME_MAX + 1];
	struct child_result res;
};

FIXTURE_SETUP(perm)
{
	int p[2], status;
	char ext[256];
	pid_t pid;

	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->victim, sizeof(self->victim), "%s", hvm_vm_name(TAG));
	ASSERT_EQ(0, hvm_vm_create(self->victim, 0, 0, ext, sizeof(ext)));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		child(p[1], self->victim);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(self->res), read(p[0], &self->res, sizeof(self->res)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, self->res.setup) {
		TH_LOG("cannot become uid %d: %s", UID, strerror(-self->res.setup));
	}
}

FIXTURE_TEARDOWN(perm)
{
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

TEST_F(perm, unprivileged_user_can_read_info_only)
{
	ASSERT_EQ(0, self->res.info);
	ASSERT_EQ(0, self->res.hvctl_info);
}

TEST_F(perm, unprivileged_user_cannot_list_watch_or_query_vms)
{
	ASSERT_EQ(-EPERM, self->res.list);
	ASSERT_EQ(-EPERM, self->res.status);
	ASSERT_EQ(-EPERM, self->res.events);
	ASSERT_EQ(1, self->res.hvctl_list);
	ASSERT_TRUE(hvm_one_error_line(self->res.hvctl_list_err)) {
		TH_LOG("stderr: '%s'", self->res.hvctl_list_err);
	}
	ASSERT_NE(NULL, strstr(self->res.hvctl_list_err, "not permitted"));
}

TEST_F(perm, unprivileged_user_gets_eperm_for_every_change)
{
	struct hvm_vm_status st;

	ASSERT_EQ(-EPERM, self->res.create);
	ASSERT_EQ(-EPERM, self->res.destroy);
	ASSERT_EQ(-EPERM, self->res.start);
	ASSERT_EQ(-EPERM, self->res.stop);
	/* and nothing happened: the victim is still there, never started */
	ASSERT_EQ(0, hvm_vm_status(self->victim, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, st.state);
}

TEST_F(perm, hvctl_reports_eperm_in_one_line)
{
	ASSERT_EQ(1, self->res.hvctl_create);
	ASSERT_TRUE(hvm_one_error_line(self->res.hvctl_create_err)) {
		TH_LOG("stderr: '%s'", self->res.hvctl_create_err);
	}
	ASSERT_NE(NULL, strstr(self->res.hvctl_create_err, "not permitted"));
}

TEST_F(perm, unprivileged_user_cannot_open_dev_hvm)
{
	ASSERT_EQ(-EACCES, self->res.open_dev);
}

TEST_HARNESS_MAIN
