// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "hvm" through libnl-genl-3: one socket per
 * process, one request at a time. Replies are parsed with nla_parse()
 * against the policies below; errors keep the kernel's extack message,
 * which why() hands to the caller's error line.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "hvctl.h"
#include "exits.h"

static struct nl_sock *sock;
static int family;

static const struct nla_policy hvm_policy[HVM_A_MAX + 1] = {
	[HVM_A_VM_ID]		= { .type = NLA_U32 },
	[HVM_A_VM_NAME]		= { .type = NLA_STRING, .maxlen = HVM_NAME_MAX + 1 },
	[HVM_A_VM_MEM_SIZE]	= { .type = NLA_U64 },
	[HVM_A_VM_VCPUS]	= { .type = NLA_U32 },
	[HVM_A_VM_STATE]	= { .type = NLA_U32 },
	[HVM_A_VM_STOP_REASON]	= { .type = NLA_U32 },
	[HVM_A_VM_EXIT_CODE]	= { .type = NLA_U64 },
	[HVM_A_VM_STOP_RIP]	= { .type = NLA_U64 },
	[HVM_A_VM_FAULT_GPA]	= { .type = NLA_U64 },
	[HVM_A_VM_HW_ERROR]	= { .type = NLA_U64 },
	[HVM_A_VM_STATS]	= { .type = NLA_NESTED },
	[HVM_A_VM_GUEST_NS]	= { .type = NLA_U64 },
	[HVM_A_VM_HOST_NS]	= { .type = NLA_U64 },
	[HVM_A_VM_CONSOLE_BYTES] = { .type = NLA_U64 },
	[HVM_A_VM_MEM_USED]	= { .type = NLA_U64 },
	[HVM_A_EVENT]		= { .type = NLA_U32 },
	[HVM_A_INFO_BACKEND]	= { .type = NLA_STRING },
	[HVM_A_INFO_FEATURES]	= { .type = NLA_U64 },
	[HVM_A_INFO_VERSION]	= { .type = NLA_STRING },
	[HVM_A_INFO_MAX_VMS]	= { .type = NLA_U32 },
	[HVM_A_INFO_MAX_MEM]	= { .type = NLA_U64 },
	[HVM_A_INFO_MAX_VCPUS]	= { .type = NLA_U32 },
	[HVM_A_INFO_NR_VMS]	= { .type = NLA_U32 },
	[HVM_A_INFO_NR_ASIDS]	= { .type = NLA_U32 },
	[HVM_A_INFO_HW_ENABLED]	= { .type = NLA_U8 },
	[HVM_A_VCPU_INDEX]	= { .type = NLA_U32 },
	[HVM_A_VCPU]		= { .type = NLA_NESTED },
};

static const struct nla_policy stat_policy[HVM_STAT_MAX + 1] = {
	[HVM_STAT_EXITS]	= { .type = NLA_U64 },
	[HVM_STAT_IO]		= { .type = NLA_U64 },
	[HVM_STAT_IO_IGNORED]	= { .type = NLA_U64 },
	[HVM_STAT_HLT]		= { .type = NLA_U64 },
	[HVM_STAT_CPUID]	= { .type = NLA_U64 },
	[HVM_STAT_MSR]		= { .type = NLA_U64 },
	[HVM_STAT_HYPERCALL]	= { .type = NLA_U64 },
	[HVM_STAT_NPF]		= { .type = NLA_U64 },
	[HVM_STAT_INTR]		= { .type = NLA_U64 },
	[HVM_STAT_NMI]		= { .type = NLA_U64 },
	[HVM_STAT_SHUTDOWN]	= { .type = NLA_U64 },
	[HVM_STAT_EXCEPTION]	= { .type = NLA_U64 },
	[HVM_STAT_OTHER]	= { .type = NLA_U64 },
	[HVM_STAT_RUNS]		= { .type = NLA_U64 },
	[HVM_STAT_TIMER]	= { .type = NLA_U64 },
};

static const struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG]	= { .type = NLA_STRING },
	[NLMSGERR_ATTR_OFFS]	= { .type = NLA_U32 },
};

static const char *const state_names[] = {
	[HVM_VM_CREATED] = "created",
	[HVM_VM_RUNNING] = "running",
	[HVM_VM_STOPPED] = "stopped",
};

static const char *const reason_names[] = {
	[HVM_STOP_NONE] = "none",
	[HVM_STOP_USER] = "user",
	[HVM_STOP_EXIT] = "exit",
	[HVM_STOP_HALT] = "halt",
	[HVM_STOP_SHUTDOWN] = "shutdown",
	[HVM_STOP_FAULT] = "fault",
	[HVM_STOP_UNHANDLED] = "unhandled",
	[HVM_STOP_ENTRY_FAILED] = "entry-failed",
	[HVM_STOP_INTERNAL] = "internal",
	[HVM_STOP_REBOOT] = "reboot",
};

const char *hvm_state_name(uint32_t state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[state];
	return "unknown";
}

const char *hvm_reason_name(uint32_t reason)
{
	if (reason < sizeof(reason_names) / sizeof(reason_names[0]))
		return reason_names[reason];
	return "unknown";
}

/* libnl's NLE_* codes for the few failures that are not the kernel's. */
static int nle_to_errno(int nle)
{
	switch (-nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INTR:
		return -EINTR;
	default:
		set_why("netlink: %s", nl_geterror(nle));
		return -EIO;
	}
}

static int nl_open(void)
{
	int one = 1, ret;

	if (sock)
		return 0;
	sock = nl_socket_alloc();
	if (!sock)
		return -ENOMEM;
	ret = genl_connect(sock);
	if (ret < 0) {
		ret = nle_to_errno(ret);
		goto err_free;
	}
	/* Ask for the kernel's error messages, without the request echoed. */
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl_socket_enable_msg_peek(sock);

	family = genl_ctrl_resolve(sock, HVM_GENL_NAME);
	if (family < 0) {
		if (family == -NLE_OBJ_NOTFOUND) {
			set_why("the hvm module is not loaded (no generic netlink family \"%s\")",
				HVM_GENL_NAME);
			ret = -ENOENT;
		} else {
			ret = nle_to_errno(family);
		}
		goto err_free;
	}
	return 0;

err_free:
	nl_socket_free(sock);
	sock = NULL;
	return ret;
}

struct req {
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int err;
	bool done;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HVM_A_MAX + 1];
	struct req *req = arg;
	int ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, HVM_A_MAX, hvm_policy);
	if (ret < 0) {
		set_why("malformed reply from the kernel: %s", nl_geterror(ret));
		req->err = -EPROTO;
		return NL_STOP;
	}
	if (req->parse) {
		ret = req->parse(tb, req->arg);
		if (ret) {
			req->err = ret;
			return NL_STOP;
		}
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/* End of a dump: its payload is the dump's status. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *req = arg;
	int status;

	req->done = true;
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
		if (status < 0 && !req->err)
			req->err = status;
	}
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct req *req = arg;
	size_t off = sizeof(*e);

	(void)nla;
	req->done = true;
	req->err = e->error ? e->error : -EPROTO;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		goto no_msg;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			goto no_msg;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (NLMSG_HDRLEN + off >= nlh->nlmsg_len)
		goto no_msg;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      nlh->nlmsg_len - NLMSG_HDRLEN - off, extack_policy) < 0)
		goto no_msg;
	if (tb[NLMSGERR_ATTR_MSG] && nla_get_string(tb[NLMSGERR_ATTR_MSG])[0]) {
		set_why("%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
		return NL_STOP;
	}
no_msg:
	/* genetlink refuses GENL_ADMIN_PERM operations without a message. */
	if (req->err == -EPERM)
		set_why("%s (run hvctl as root)", strerror(EPERM));
	return NL_STOP;
}

/*
 * Send msg (consumed) and receive until its ACK, error or end of dump.
 * parse runs on every reply message.
 */
static int call(struct nl_msg *msg, int (*parse)(struct nlattr **, void *),
		void *arg)
{
	struct req req = { .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &req);

	ret = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		ret = nle_to_errno(ret);
		goto out;
	}
	while (!req.done && !req.err) {
		ret = nl_recvmsgs(sock, cb);
		if (ret < 0 && !req.err && !req.done) {
			ret = nle_to_errno(ret);
			goto out;
		}
	}
	ret = req.err;
out:
	nl_cb_put(cb);
	return ret;
}

/* A request for cmd; flags NLM_F_DUMP for a dump. NULL: out of memory. */
static struct nl_msg *request(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 HVM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int parse_info(struct nlattr **tb, void *arg)
{
	struct hvm_host_info *info = arg;

	if (tb[HVM_A_INFO_BACKEND])
		nla_strlcpy(info->backend, tb[HVM_A_INFO_BACKEND],
			    sizeof(info->backend));
	if (tb[HVM_A_INFO_VERSION])
		nla_strlcpy(info->version, tb[HVM_A_INFO_VERSION],
			    sizeof(info->version));
	if (tb[HVM_A_INFO_FEATURES])
		info->features = nla_get_u64(tb[HVM_A_INFO_FEATURES]);
	if (tb[HVM_A_INFO_MAX_MEM])
		info->max_mem = nla_get_u64(tb[HVM_A_INFO_MAX_MEM]);
	if (tb[HVM_A_INFO_MAX_VMS])
		info->max_vms = nla_get_u32(tb[HVM_A_INFO_MAX_VMS]);
	if (tb[HVM_A_INFO_MAX_VCPUS])
		info->max_vcpus = nla_get_u32(tb[HVM_A_INFO_MAX_VCPUS]);
	if (tb[HVM_A_INFO_NR_VMS])
		info->nr_vms = nla_get_u32(tb[HVM_A_INFO_NR_VMS]);
	if (tb[HVM_A_INFO_NR_ASIDS])
		info->nr_asids = nla_get_u32(tb[HVM_A_INFO_NR_ASIDS]);
	if (tb[HVM_A_INFO_HW_ENABLED])
		info->hw_enabled = nla_get_u8(tb[HVM_A_INFO_HW_ENABLED]);
	return 0;
}

int hvm_nl_info(struct hvm_host_info *info)
{
	struct nl_msg *msg;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = nl_open();
	if (ret)
		return ret;
	msg = request(HVM_CMD_INFO, 0);
	if (!msg)
		return -ENOMEM;
	return call(msg, parse_info, info);
}

static void get_u64(struct nlattr **tb, int type, uint64_t *v)
{
	if (tb[type])
		*v = nla_get_u64(tb[type]);
}

static void get_u32(struct nlattr **tb, int type, uint32_t *v)
{
	if (tb[type])
		*v = nla_get_u32(tb[type]);
}

static int parse_vm_into(struct nlattr **tb, struct hvm_vm_info *vm)
{
	memset(vm, 0, sizeof(*vm));
	if (!tb[HVM_A_VM_NAME]) {
		set_why("malformed reply from the kernel: no VM name");
		return -EPROTO;
	}
	nla_strlcpy(vm->name, tb[HVM_A_VM_NAME], sizeof(vm->name));
	get_u32(tb, HVM_A_VM_ID, &vm->id);
	get_u64(tb, HVM_A_VM_MEM_SIZE, &vm->mem_size);
	get_u32(tb, HVM_A_VM_VCPUS, &vm->vcpus);
	get_u32(tb, HVM_A_VM_STATE, &vm->state);
	get_u32(tb, HVM_A_VM_STOP_REASON, &vm->stop_reason);
	get_u64(tb, HVM_A_VM_EXIT_CODE, &vm->exit_code);
	get_u64(tb, HVM_A_VM_STOP_RIP, &vm->stop_rip);
	get_u64(tb, HVM_A_VM_FAULT_GPA, &vm->fault_gpa);
	get_u64(tb, HVM_A_VM_HW_ERROR, &vm->hw_error);
	get_u64(tb, HVM_A_VM_GUEST_NS, &vm->guest_ns);
	get_u64(tb, HVM_A_VM_HOST_NS, &vm->host_ns);
	get_u64(tb, HVM_A_VM_CONSOLE_BYTES, &vm->console_bytes);
	get_u64(tb, HVM_A_VM_MEM_USED, &vm->mem_used);
	if (tb[HVM_A_VM_STATS]) {
		struct nlattr *st[HVM_STAT_MAX + 1];

		if (nla_parse_nested(st, HVM_STAT_MAX, tb[HVM_A_VM_STATS],
				     stat_policy) < 0) {
			set_why("malformed reply from the kernel: bad exit counters");
			return -EPROTO;
		}
		for (int i = HVM_STAT_EXITS; i <= HVM_STAT_MAX; i++)
			get_u64(st, i, &vm->stats[i]);
	}
	return 0;
}

static int parse_vm(struct nlattr **tb, void *arg)
{
	return parse_vm_into(tb, arg);
}

struct vm_list {
	struct hvm_vm_info *vms;
	size_t nr, cap;
};

static int parse_vm_list(struct nlattr **tb, void *arg)
{
	struct vm_list *l = arg;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct hvm_vm_info *vms = realloc(l->vms, cap * sizeof(*vms));

		if (!vms)
			return -ENOMEM;
		l->vms = vms;
		l->cap = cap;
	}
	return parse_vm_into(tb, &l->vms[l->nr++]);
}

int hvm_nl_vm_create(const char *name, uint64_t mem_size, uint32_t vcpus,
		     struct hvm_vm_info *vm)
{
	struct hvm_vm_info dummy;
	struct nl_msg *msg;
	int ret;

	ret = nl_open();
	if (ret)
		return ret;
	msg = request(HVM_CMD_VM_CREATE, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, HVM_A_VM_NAME, name) ||
	    nla_put_u64(msg, HVM_A_VM_MEM_SIZE, mem_size) ||
	    nla_put_u32(msg, HVM_A_VM_VCPUS, vcpus)) {
		nlmsg_free(msg);
		set_why("request too large");
		return -EMSGSIZE;
	}
	if (!vm)
		vm = &dummy;
	memset(vm, 0, sizeof(*vm));
	return call(msg, parse_vm, vm);
}

static struct nl_msg *vm_request(uint8_t cmd, const char *name)
{
	struct nl_msg *msg = request(cmd, 0);

	if (msg && nla_put_string(msg, HVM_A_VM_NAME, name)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int hvm_nl_vm_get(const char *name, struct hvm_vm_info *vm)
{
	struct nl_msg *msg;
	int ret;

	memset(vm, 0, sizeof(*vm));
	ret = nl_open();
	if (ret)
		return ret;
	msg = vm_request(HVM_CMD_VM_GET, name);
	if (!msg)
		return -ENOMEM;
	return call(msg, parse_vm, vm);
}

int hvm_nl_vm_list(struct hvm_vm_info **vms, size_t *nr)
{
	struct vm_list l = { 0 };
	struct nl_msg *msg;
	int ret;

	*vms = NULL;
	*nr = 0;
	ret = nl_open();
	if (ret)
		return ret;
	msg = request(HVM_CMD_VM_GET, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	ret = call(msg, parse_vm_list, &l);
	if (ret) {
		free(l.vms);
		return ret;
	}
	*vms = l.vms;
	*nr = l.nr;
	return 0;
}

int hvm_nl_vm_cmd(uint8_t cmd, const char *name)
{
	struct nl_msg *msg;
	int ret;

	ret = nl_open();
	if (ret)
		return ret;
	msg = vm_request(cmd, name);
	if (!msg)
		return -ENOMEM;
	return call(msg, NULL, NULL);
}

/* ---- the "events" multicast group (hvctl monitor) ---------------------- */

static struct nl_sock *mon_sock;
static int ctrl_family;		/* nlctrl's id: its notify group says "unloaded" */

int hvm_nl_monitor_open(void)
{
	int grp, ctrl_grp, ret;

	ret = nl_open();
	if (ret)
		return ret;
	grp = genl_ctrl_resolve_grp(sock, HVM_GENL_NAME, HVM_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		set_why("the family has no \"%s\" group: %s", HVM_GENL_MCGRP_EVENTS,
			nl_geterror(grp));
		return -ENOENT;
	}
	ctrl_grp = genl_ctrl_resolve_grp(sock, "nlctrl", "notify");
	ctrl_family = genl_ctrl_resolve(sock, "nlctrl");
	mon_sock = nl_socket_alloc();
	if (!mon_sock)
		return -ENOMEM;
	nl_socket_disable_seq_check(mon_sock);
	ret = genl_connect(mon_sock);
	if (ret < 0) {
		ret = nle_to_errno(ret);
		goto err_free;
	}
	ret = nl_socket_add_membership(mon_sock, grp);
	if (ret < 0) {
		/* The group is GENL_MCAST_CAP_SYS_ADMIN (kmod/netlink.c). */
		ret = nle_to_errno(ret);
		if (ret == -EPERM)
			set_why("%s (run hvctl as root)", strerror(EPERM));
		goto err_free;
	}
	/* Best effort: without it an unloaded module only means silence. */
	if (ctrl_grp >= 0 && ctrl_family >= 0)
		nl_socket_add_membership(mon_sock, ctrl_grp);
	/* Room for a burst (a script creating many VMs) before ENOBUFS. */
	nl_socket_set_buffer_size(mon_sock, 1 << 20, 0);
	ret = nl_socket_set_nonblocking(mon_sock);
	if (ret < 0) {
		ret = nle_to_errno(ret);
		goto err_free;
	}
	return nl_socket_get_fd(mon_sock);

err_free:
	nl_socket_free(mon_sock);
	mon_sock = NULL;
	return ret;
}

/* nlctrl's notification: is it "family @family was unregistered"? */
static bool family_gone(struct nlmsghdr *nlh)
{
	static const struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16 },
	};
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (!genlmsg_valid_hdr(nlh, 0) || g->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) < 0)
		return false;
	return tb[CTRL_ATTR_FAMILY_ID] &&
	       nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == family;
}

int hvm_nl_monitor_read(int (*fn)(uint32_t event, const struct hvm_vm_info *vm,
				  void *arg), void *arg)
{
	static char buf[1 << 16];
	struct hvm_vm_info vm;

	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = recv(nl_socket_get_fd(mon_sock), buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			set_why("events were lost: the receive buffer overflowed");
			return -ENOBUFS;
		}
		if (n < 0)
			return -errno;
		if ((size_t)n > sizeof(buf)) {
			set_why("an event larger than %zu bytes was cut off", sizeof(buf));
			return -EMSGSIZE;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			struct nlattr *tb[HVM_A_MAX + 1];
			struct genlmsghdr *g = nlmsg_data(nlh);
			int ret;

			if (nlh->nlmsg_type == ctrl_family && family_gone(nlh)) {
				set_why("the hvm module was unloaded");
				return -ENODEV;
			}
			if (nlh->nlmsg_type != family || !genlmsg_valid_hdr(nlh, 0) ||
			    g->cmd != HVM_CMD_VM_EVENT)
				continue;
			if (genlmsg_parse(nlh, 0, tb, HVM_A_MAX, hvm_policy) < 0 ||
			    !tb[HVM_A_EVENT]) {
				set_why("malformed event from the kernel");
				return -EPROTO;
			}
			ret = parse_vm_into(tb, &vm);
			if (ret)
				return ret;
			ret = fn(nla_get_u32(tb[HVM_A_EVENT]), &vm, arg);
			if (ret)
				return ret;
		}
	}
}

const char *hvm_event_name(uint32_t event)
{
	static const char *const names[] = {
		[HVM_EVENT_UNSPEC] = "unspec",
		[HVM_EVENT_CREATED] = "created",
		[HVM_EVENT_DESTROYED] = "destroyed",
		[HVM_EVENT_STARTED] = "started",
		[HVM_EVENT_STOPPED] = "stopped",
	};

	if (event < sizeof(names) / sizeof(names[0]))
		return names[event];
	return "unknown";
}

/* ---- one vCPU's counters and exit history (hvctl status --exits) ---- */

static const struct nla_policy vcpu_policy[HVM_VCPU_A_MAX + 1] = {
	[HVM_VCPU_A_INDEX]	= { .type = NLA_U32 },
	[HVM_VCPU_A_STATS]	= { .type = NLA_NESTED },
	[HVM_VCPU_A_GUEST_NS]	= { .type = NLA_U64 },
	[HVM_VCPU_A_HOST_NS]	= { .type = NLA_U64 },
	[HVM_VCPU_A_EXITS_SEEN]	= { .type = NLA_U64 },
	[HVM_VCPU_A_EXITS_MAX]	= { .type = NLA_U32 },
	[HVM_VCPU_A_EXITS]	= { .type = NLA_NESTED },
};

static const struct nla_policy exit_policy[HVM_EXIT_A_MAX + 1] = {
	[HVM_EXIT_A_SEQ]	= { .type = NLA_U64 },
	[HVM_EXIT_A_TIME_NS]	= { .type = NLA_U64 },
	[HVM_EXIT_A_REASON]	= { .type = NLA_U32 },
	[HVM_EXIT_A_RIP]	= { .type = NLA_U64 },
	[HVM_EXIT_A_INFO]	= { .type = NLA_U64 },
};

static int parse_vcpu_exits(struct nlattr *nest, struct hvm_vcpu_info *v)
{
	struct nlattr *pos;
	int rem;

	nla_for_each_nested(pos, nest, rem) {
		struct nlattr *tb[HVM_EXIT_A_MAX + 1];
		struct hvm_exit_entry *x;

		if (v->nr_exits == HVCTL_EXITS_CAP)
			break;
		if (nla_parse_nested(tb, HVM_EXIT_A_MAX, pos, exit_policy) < 0)
			return -EPROTO;
		x = &v->exits[v->nr_exits++];
		get_u64(tb, HVM_EXIT_A_SEQ, &x->seq);
		get_u64(tb, HVM_EXIT_A_TIME_NS, &x->time_ns);
		get_u32(tb, HVM_EXIT_A_REASON, &x->reason);
		get_u64(tb, HVM_EXIT_A_RIP, &x->rip);
		get_u64(tb, HVM_EXIT_A_INFO, &x->info);
	}
	return 0;
}

static int parse_vcpu(struct nlattr **top, void *arg)
{
	struct nlattr *tb[HVM_VCPU_A_MAX + 1];
	struct hvm_vcpu_info *v = arg;

	if (!top[HVM_A_VCPU] ||
	    nla_parse_nested(tb, HVM_VCPU_A_MAX, top[HVM_A_VCPU], vcpu_policy) < 0)
		goto malformed;
	get_u32(tb, HVM_VCPU_A_INDEX, &v->index);
	get_u64(tb, HVM_VCPU_A_GUEST_NS, &v->guest_ns);
	get_u64(tb, HVM_VCPU_A_HOST_NS, &v->host_ns);
	get_u64(tb, HVM_VCPU_A_EXITS_SEEN, &v->exits_seen);
	get_u32(tb, HVM_VCPU_A_EXITS_MAX, &v->exits_max);
	if (tb[HVM_VCPU_A_STATS]) {
		struct nlattr *st[HVM_STAT_MAX + 1];

		if (nla_parse_nested(st, HVM_STAT_MAX, tb[HVM_VCPU_A_STATS],
				     stat_policy) < 0)
			goto malformed;
		for (int i = HVM_STAT_EXITS; i <= HVM_STAT_MAX; i++)
			get_u64(st, i, &v->stats[i]);
	}
	if (tb[HVM_VCPU_A_EXITS] && parse_vcpu_exits(tb[HVM_VCPU_A_EXITS], v))
		goto malformed;
	return 0;

malformed:
	set_why("malformed reply from the kernel: bad vCPU record");
	return -EPROTO;
}

int hvm_nl_vcpu_get(const char *name, uint32_t index, struct hvm_vcpu_info *v)
{
	struct nl_msg *msg;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = nl_open();
	if (ret)
		return ret;
	msg = vm_request(HVM_CMD_VM_GET, name);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, HVM_A_VCPU_INDEX, index)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return call(msg, parse_vcpu, v);
}
