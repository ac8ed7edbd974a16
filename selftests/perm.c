// SPDX-License-Identifier: GPL-2.0
/*
 * perm: an unprivileged user (uid/gid 1000, no capabilities) may read the
 * host's info and nothing else: listing VMs, their status and the events
 * group reveal other users' guests (EPERM), changes are refused (EPERM),
 * and /dev/hvm cannot be opened (EACCES).
 *
 * The same holds for root of a user namespace (made by that user: its
 * capabilities count in its own namespace only, and /dev/hvm belongs to a
 * uid it does not map), for root of a user namespace made by root (netlink:
 * EPERM), for uid 0 without CAP_SYS_ADMIN (CAP_NET_ADMIN alone is what
 * GENL_ADMIN_PERM asks; hvm asks CAP_SYS_ADMIN); in a network namespace
 * other than the initial one the family does not exist (ENOENT, both by
 * name and by the initial namespace's id).
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/genetlink.h>

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

/* ---- namespaces and capabilities ---- */

struct ns_result {
	int setup;		/* 0, or -errno of entering the namespace */
	uid_t uid;		/* getuid() there */
	int info, list, status, events;
	int create, destroy, start, stop;
	int open_dev;
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		r = -errno;
	close(fd);
	return r;
}

/* Become root of a new user namespace, mapping the current ids to 0. */
static int enter_userns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int r;

	if (unshare(CLONE_NEWUSER))
		return -errno;
	r = write_file("/proc/self/setgroups", "deny");
	if (r)
		return r;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	r = write_file("/proc/self/uid_map", map);
	if (r)
		return r;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	return write_file("/proc/self/gid_map", map);
}

/* uid 0 keeps every capability but CAP_SYS_ADMIN. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		return -errno;
	/* CAP_NET_ADMIN is still there: GENL_ADMIN_PERM alone would let it in */
	return d[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32)) ? 0 : -EINVAL;
}

enum ns_kind { NS_USER_FROM_USER, NS_USER_FROM_ROOT, NS_NO_SYS_ADMIN };

static void ns_child(int wfd, const char *victim, enum ns_kind kind)
{
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	struct ns_result res;
	struct hvm_vm_status st;
	struct hvm_info info;
	struct hvm_nl nl;
	int fd;

	memset(&res, 0, sizeof(res));
	switch (kind) {
	case NS_USER_FROM_USER:
		res.setup = drop_privileges();
		/* setuid() made the process undumpable: /proc/self/uid_map root's */
		if (!res.setup && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			res.setup = -errno;
		if (!res.setup)
			res.setup = enter_userns();
		break;
	case NS_USER_FROM_ROOT:
		res.setup = enter_userns();
		break;
	case NS_NO_SYS_ADMIN:
		res.setup = drop_sys_admin();
		break;
	}
	res.uid = getuid();
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
	}
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	_exit(0);
}

FIXTURE(ns) {
	char victim[HVM_NAME_MAX + 1];
	char userns_clone[16];	/* Debian's sysctl as it was, "" if absent */
};

FIXTURE_SETUP(ns)
{
	char ext[256];
	int fd;
	ssize_t n;

	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->victim, sizeof(self->victim), "%s", hvm_vm_name(TAG));
	ASSERT_EQ(0, hvm_vm_create(self->victim, 0, 0, ext, sizeof(ext)));
	/* Debian kernels can forbid user namespaces to unprivileged users */
	self->userns_clone[0] = '\0';
	fd = open("/proc/sys/kernel/unprivileged_userns_clone", O_RDWR);
	if (fd >= 0) {
		n = read(fd, self->userns_clone, sizeof(self->userns_clone) - 1);
		self->userns_clone[n > 0 ? n : 0] = '\0';
		ASSERT_EQ(2, pwrite(fd, "1\n", 2, 0));
		close(fd);
	}
}

FIXTURE_TEARDOWN(ns)
{
	if (self->userns_clone[0])
		write_file("/proc/sys/kernel/unprivileged_userns_clone", self->userns_clone);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static void run_ns_child(struct __test_metadata *_metadata, const char *victim,
			 enum ns_kind kind, struct ns_result *res)
{
	int p[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		ns_child(p[1], victim, kind);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(*res), read(p[0], res, sizeof(*res)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, res->setup) {
		TH_LOG("cannot set the child up: %s", strerror(-res->setup));
	}
}

/* Every command but INFO, and the events group: EPERM; the victim untouched. */
static void assert_no_access(struct __test_metadata *_metadata, const char *victim,
			     const struct ns_result *res)
{
	struct hvm_vm_status st;

	ASSERT_EQ(0, res->info);
	ASSERT_EQ(-EPERM, res->list);
	ASSERT_EQ(-EPERM, res->status);
	ASSERT_EQ(-EPERM, res->events);
	ASSERT_EQ(-EPERM, res->create);
	ASSERT_EQ(-EPERM, res->destroy);
	ASSERT_EQ(-EPERM, res->start);
	ASSERT_EQ(-EPERM, res->stop);
	ASSERT_EQ(0, hvm_vm_status(victim, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, st.state);
}

TEST_F(ns, root_of_a_user_namespace_made_by_a_user_has_no_access)
{
	struct ns_result res;

	run_ns_child(_metadata, self->victim, NS_USER_FROM_USER, &res);
	ASSERT_EQ(0u, res.uid);
	assert_no_access(_metadata, self->victim, &res);
	ASSERT_EQ(-EACCES, res.open_dev);
}

TEST_F(ns, root_of_a_user_namespace_made_by_root_gets_eperm)
{
	struct ns_result res;

	run_ns_child(_metadata, self->victim, NS_USER_FROM_ROOT, &res);
	ASSERT_EQ(0u, res.uid);
	assert_no_access(_metadata, self->victim, &res);
}

TEST_F(ns, cap_net_admin_without_cap_sys_admin_gets_eperm)
{
	struct ns_result res;

	run_ns_child(_metadata, self->victim, NS_NO_SYS_ADMIN, &res);
	ASSERT_EQ(0u, res.uid);
	assert_no_access(_metadata, self->victim, &res);
}

TEST(the_family_is_invisible_in_another_network_namespace)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
	} req = { 0 };
	char buf[512];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct hvm_nl nl;
	int family, fd, status;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_EQ(0, hvm_nl_open(&nl));
	family = nl.family;
	hvm_nl_close(&nl);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* exit status: 0 as expected, 10+ what failed */
		if (unshare(CLONE_NEWNET))
			_exit(10);
		/* CTRL_CMD_GETFAMILY "hvm" */
		if (hvm_nl_open(&nl) != -ENOENT)
			_exit(11);
		/* the initial namespace's id, INFO: no such family here */
		fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			_exit(12);
		req.h.nlmsg_len = sizeof(req);
		req.h.nlmsg_type = family;
		req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.g.cmd = HVM_CMD_INFO;
		req.g.version = HVM_GENL_VERSION;
		if (send(fd, &req, sizeof(req), 0) != sizeof(req))
			_exit(13);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
		    h->nlmsg_type != NLMSG_ERROR)
			_exit(14);
		if (((struct nlmsgerr *)NLMSG_DATA(h))->error != -ENOENT)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("step %d failed (10 unshare, 11 getfamily not ENOENT, 12 socket,"
		       " 13 send, 14 no error reply, 15 not ENOENT)", WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
