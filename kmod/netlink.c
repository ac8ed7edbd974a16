// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "hvm" (version 1): host info, VM lifecycle and
 * the "events" multicast group.
 *
 * Every request goes through one strict policy (unknown attributes, wrong
 * lengths and reserved header bytes are rejected by the genetlink core);
 * every command but INFO requires CAP_SYS_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM, which only asks for CAP_NET_ADMIN, and hvm_nl_admin()
 * on top of it) — reading
 * VMs is privileged too: names, RIPs and fault addresses say what another
 * user's guest does — and so does joining the events group; every error
 * we return carries an extack message.
 *
 * The family runs with parallel_ops: requests do not take genl_mutex, so a
 * long stop or the destroy of a many-GiB VM never holds up every other
 * generic netlink user on the host. hvm's own locks (hvm_vms_lock, the
 * VM's lock) serialize what must be.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <net/genetlink.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "hvm.h"

/*
 * The request attributes of uapi/hvm.yaml (its global kernel policy), and
 * no others: anything else, reply attributes included, is EINVAL.
 * selftests/ynl/spec_check.py compares the two.
 */
static const struct nla_policy hvm_policy[HVM_A_MAX + 1] = {
	[HVM_A_VM_NAME]		= { .type = NLA_NUL_STRING, .len = HVM_NAME_MAX },
	[HVM_A_VM_MEM_SIZE]	= { .type = NLA_U64 },
	[HVM_A_VM_VCPUS]	= { .type = NLA_U32 },
	[HVM_A_VCPU_INDEX]	= { .type = NLA_U32 },
};

static struct genl_family hvm_genl_family;

/*
 * Changes whenever a VM is created or destroyed: a multi-part VM_GET dump
 * puts it in cb->seq, so a part that follows a change carries
 * NLM_F_DUMP_INTR (nl_dump_check_consistent()). The CREATED notification
 * is sent under hvm_vms_lock, right after the new VM is linked, and the
 * dump reads the counter under the same lock: a part that can see a VM
 * created after the previous part always sees a new count. Only a create
 * can make a name appear twice in one dump (the walk resumes after the
 * last id it sent, and names are unique at any instant); DESTROYED counts
 * too, later than the unlink, which at worst flags a dump that was
 * consistent.
 */
static atomic_t hvm_nl_vms_gen = ATOMIC_INIT(0);

enum hvm_mcgrp {
	HVM_MCGRP_EVENTS,
};

static const struct genl_multicast_group hvm_mcgrps[] = {
	[HVM_MCGRP_EVENTS] = {
		.name = HVM_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static int hvm_nl_put_stats(struct sk_buff *skb, struct hvm_vm *vm)
{
	u64 sum[__HVM_STAT_MAX] = {};
	struct nlattr *nest;
	unsigned int i, s;

	/* A destroyed VM (the DESTROYED event) has no vCPUs left. */
	for (i = 0; i < vm->nr_vcpus && vm->vcpus[i]; i++)
		for (s = 0; s < __HVM_STAT_MAX; s++)
			sum[s] += READ_ONCE(vm->vcpus[i]->stats[s]);

	nest = nla_nest_start(skb, HVM_A_VM_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (s = HVM_STAT_EXITS; s < __HVM_STAT_MAX; s++)
		if (nla_put_u64_64bit(skb, s, sum[s], HVM_STAT_PAD))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int hvm_nl_put_exit(struct sk_buff *skb, int type,
			   const struct hvm_exit_record *rec)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, HVM_EXIT_A_SEQ, rec->seq, HVM_EXIT_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_EXIT_A_TIME_NS, rec->time_ns, HVM_EXIT_A_PAD) ||
	    nla_put_u32(skb, HVM_EXIT_A_REASON, rec->reason) ||
	    nla_put_u64_64bit(skb, HVM_EXIT_A_RIP, rec->rip, HVM_EXIT_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_EXIT_A_INFO, rec->info, HVM_EXIT_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * HVM_A_VCPU: one vCPU's counters and exit history (VM_GET with
 * HVM_A_VCPU_INDEX). @rec: HVM_EXIT_HISTORY records of scratch space.
 */
static int hvm_nl_put_vcpu(struct sk_buff *skb, struct hvm_vcpu *vcpu,
			   struct hvm_exit_record *rec)
{
	struct nlattr *nest, *stats, *exits;
	unsigned int i, n;
	u64 seen;

	n = hvm_exit_log_read(vcpu, rec, &seen);
	nest = nla_nest_start(skb, HVM_A_VCPU);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HVM_VCPU_A_INDEX, vcpu->index) ||
	    nla_put_u64_64bit(skb, HVM_VCPU_A_GUEST_NS, READ_ONCE(vcpu->guest_ns),
			      HVM_VCPU_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_VCPU_A_HOST_NS, READ_ONCE(vcpu->host_ns),
			      HVM_VCPU_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_VCPU_A_EXITS_SEEN, seen, HVM_VCPU_A_PAD) ||
	    nla_put_u32(skb, HVM_VCPU_A_EXITS_MAX, HVM_EXIT_HISTORY))
		goto err_cancel;
	stats = nla_nest_start(skb, HVM_VCPU_A_STATS);
	if (!stats)
		goto err_cancel;
	for (i = HVM_STAT_EXITS; i < __HVM_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, READ_ONCE(vcpu->stats[i]), HVM_STAT_PAD))
			goto err_cancel;
	nla_nest_end(skb, stats);
	exits = nla_nest_start(skb, HVM_VCPU_A_EXITS);
	if (!exits)
		goto err_cancel;
	for (i = 0; i < n; i++)
		if (hvm_nl_put_exit(skb, i + 1, &rec[i]))
			goto err_cancel;
	nla_nest_end(skb, exits);
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int hvm_nl_fill_vm(struct sk_buff *skb, struct hvm_vm *vm, u32 portid,
			  u32 seq, int flags, u8 cmd, enum hvm_event event)
{
	u64 guest_ns = 0, host_ns = 0, exit_code, stop_rip, fault_gpa, hw_error;
	u32 state, reason;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &hvm_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	spin_lock(&vm->state_lock);
	state = vm->state;
	reason = vm->stop_reason;
	exit_code = vm->exit_code;
	stop_rip = vm->stop_rip;
	fault_gpa = vm->fault_gpa;
	hw_error = vm->hw_error;
	spin_unlock(&vm->state_lock);

	for (i = 0; i < vm->nr_vcpus && vm->vcpus[i]; i++) {
		guest_ns += READ_ONCE(vm->vcpus[i]->guest_ns);
		host_ns += READ_ONCE(vm->vcpus[i]->host_ns);
	}

	if (nla_put_u32(skb, HVM_A_VM_ID, vm->id) ||
	    nla_put_string(skb, HVM_A_VM_NAME, vm->name) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_MEM_SIZE, vm->mem_size, HVM_A_PAD) ||
	    nla_put_u32(skb, HVM_A_VM_VCPUS, vm->nr_vcpus) ||
	    nla_put_u32(skb, HVM_A_VM_STATE, state) ||
	    nla_put_u32(skb, HVM_A_VM_STOP_REASON, reason) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_EXIT_CODE, exit_code, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_STOP_RIP, stop_rip, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_FAULT_GPA, fault_gpa, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_HW_ERROR, hw_error, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_GUEST_NS, guest_ns, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_HOST_NS, host_ns, HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_CONSOLE_BYTES,
			      READ_ONCE(vm->console_head), HVM_A_PAD) ||
	    nla_put_u64_64bit(skb, HVM_A_VM_MEM_USED,
			      atomic64_read(&vm->pages_used) << PAGE_SHIFT, HVM_A_PAD) ||
	    hvm_nl_put_stats(skb, vm))
		goto err_cancel;
	if (event && nla_put_u32(skb, HVM_A_EVENT, event))
		goto err_cancel;

	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * hvm_notify() - announce @event for @vm on the "events" multicast group
 * @vm: the VM
 * @event: HVM_EVENT_*
 */
void hvm_notify(struct hvm_vm *vm, enum hvm_event event)
{
	struct sk_buff *skb;

	if (event == HVM_EVENT_CREATED || event == HVM_EVENT_DESTROYED)
		atomic_inc(&hvm_nl_vms_gen);

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (hvm_nl_fill_vm(skb, vm, 0, 0, 0, HVM_CMD_VM_EVENT, event))
		goto err_free;
	genlmsg_multicast(&hvm_genl_family, skb, 0, HVM_MCGRP_EVENTS, GFP_KERNEL);
	return;

err_free:
	nlmsg_free(skb);
}

/*
 * GENL_ADMIN_PERM checks CAP_NET_ADMIN, but VMs are no network resource:
 * a process with CAP_NET_ADMIN alone (a container's network manager) must
 * not create, start or read them. CAP_SYS_ADMIN of the socket's opener in
 * the initial user namespace, as SPEC.md says.
 */
static int hvm_nl_admin(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "CAP_SYS_ADMIN is required");
	return -EPERM;
}

static const char *hvm_nl_name(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, HVM_A_VM_NAME)) {
		NL_SET_ERR_MSG(info->extack, "missing VM name (HVM_A_VM_NAME)");
		return NULL;
	}
	return nla_data(info->attrs[HVM_A_VM_NAME]);
}

static int hvm_nl_reply_vm(struct genl_info *info, struct hvm_vm *vm)
{
	struct sk_buff *skb;
	int r;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	r = hvm_nl_fill_vm(skb, vm, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd, HVM_EVENT_UNSPEC);
	if (r) {
		nlmsg_free(skb);
		NL_SET_ERR_MSG(info->extack, "reply does not fit");
		return r;
	}
	return genlmsg_reply(skb, info);
}

/*
 * Room for HVM_A_VCPU on top of the VM's attributes: per exit a nest of
 * four u64 and a u32 (60 bytes), plus the counters.
 */
#define HVM_NL_VCPU_SIZE	(HVM_EXIT_HISTORY * 64 + __HVM_STAT_MAX * 16 + 128)

/* VM_GET with HVM_A_VCPU_INDEX: the VM's attributes and HVM_A_VCPU. */
static int hvm_nl_reply_vcpu(struct genl_info *info, struct hvm_vm *vm)
{
	u32 index = nla_get_u32(info->attrs[HVM_A_VCPU_INDEX]);
	struct hvm_exit_record *rec;
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	int r = -ENOMEM;

	if (index >= vm->nr_vcpus) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVM_A_VCPU_INDEX],
				    "no vCPU with this index");
		return -EINVAL;
	}
	rec = kmalloc_array(HVM_EXIT_HISTORY, sizeof(*rec), GFP_KERNEL);
	skb = genlmsg_new(NLMSG_GOODSIZE + HVM_NL_VCPU_SIZE, GFP_KERNEL);
	if (!rec || !skb)
		goto err_free;
	r = hvm_nl_fill_vm(skb, vm, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd, HVM_EVENT_UNSPEC);
	if (r)
		goto err_fit;
	/* The one message in @skb: append the nest and end it again. */
	nlh = nlmsg_hdr(skb);
	r = hvm_nl_put_vcpu(skb, vm->vcpus[index], rec);
	if (r)
		goto err_fit;
	nlmsg_end(skb, nlh);
	kfree(rec);
	return genlmsg_reply(skb, info);

err_fit:
	NL_SET_ERR_MSG(info->extack, "reply does not fit");
err_free:
	nlmsg_free(skb);
	kfree(rec);
	return r;
}

static int hvm_nl_info(struct sk_buff *skb_in, struct genl_info *info)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &hvm_genl_family, 0, HVM_CMD_INFO);
	if (!hdr)
		goto err_free;
	if (nla_put_string(skb, HVM_A_INFO_BACKEND, hvm_ops->name) ||
	    nla_put_u64_64bit(skb, HVM_A_INFO_FEATURES, hvm_features, HVM_A_PAD) ||
	    nla_put_string(skb, HVM_A_INFO_VERSION, HVM_MODULE_VERSION) ||
	    nla_put_u32(skb, HVM_A_INFO_MAX_VMS, READ_ONCE(hvm_max_vms)) ||
	    nla_put_u64_64bit(skb, HVM_A_INFO_MAX_MEM, READ_ONCE(hvm_max_mem), HVM_A_PAD) ||
	    nla_put_u32(skb, HVM_A_INFO_MAX_VCPUS, READ_ONCE(hvm_max_vcpus)) ||
	    nla_put_u32(skb, HVM_A_INFO_NR_VMS, hvm_vm_count()) ||
	    nla_put_u32(skb, HVM_A_INFO_NR_ASIDS, hvm_nr_asids) ||
	    nla_put_u8(skb, HVM_A_INFO_HW_ENABLED, hvm_hw_enabled()))
		goto err_free;
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);

err_free:
	nlmsg_free(skb);
	return -EMSGSIZE;
}

static int hvm_nl_create(struct sk_buff *skb, struct genl_info *info)
{
	u64 mem = 16ULL << 20;
	u32 vcpus = 1;
	const char *name;
	struct hvm_vm *vm;
	int r;

	r = hvm_nl_admin(skb, info->extack);
	if (r)
		return r;
	name = hvm_nl_name(info);
	if (!name)
		return -EINVAL;
	if (info->attrs[HVM_A_VM_MEM_SIZE])
		mem = nla_get_u64(info->attrs[HVM_A_VM_MEM_SIZE]);
	if (info->attrs[HVM_A_VM_VCPUS])
		vcpus = nla_get_u32(info->attrs[HVM_A_VM_VCPUS]);

	vm = hvm_vm_create(name, mem, vcpus, info->extack);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	/* The VM exists even if the reply cannot be sent: report success. */
	hvm_nl_reply_vm(info, vm);
	hvm_vm_put(vm);
	return 0;
}

static int hvm_nl_destroy(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	int r;

	r = hvm_nl_admin(skb, info->extack);
	if (r)
		return r;
	name = hvm_nl_name(info);
	if (!name)
		return -EINVAL;
	return hvm_vm_destroy(name, info->extack);
}

static struct hvm_vm *hvm_nl_lookup(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	struct hvm_vm *vm;
	int r;

	r = hvm_nl_admin(skb, info->extack);
	if (r)
		return ERR_PTR(r);
	name = hvm_nl_name(info);
	if (!name)
		return ERR_PTR(-EINVAL);
	vm = hvm_vm_get(name);
	if (IS_ERR(vm))
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVM_A_VM_NAME],
				    "no VM with this name");
	return vm;
}

static int hvm_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hvm_vm *vm = hvm_nl_lookup(skb, info);
	int r;

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	if (info->attrs[HVM_A_VCPU_INDEX])
		r = hvm_nl_reply_vcpu(info, vm);
	else
		r = hvm_nl_reply_vm(info, vm);
	hvm_vm_put(vm);
	return r;
}

struct hvm_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

/* Called under hvm_vms_lock (hvm_vm_for_each()). */
static int hvm_nl_dump_one(struct hvm_vm *vm, void *data)
{
	struct hvm_dump_ctx *ctx = data;
	struct nlmsghdr *nlh = (struct nlmsghdr *)skb_tail_pointer(ctx->skb);
	int r;

	/* odd, so never 0: 0 in cb->prev_seq means "first part" */
	ctx->cb->seq = ((u32)atomic_read(&hvm_nl_vms_gen) << 1) | 1;
	r = hvm_nl_fill_vm(ctx->skb, vm, NETLINK_CB(ctx->cb->skb).portid,
			   ctx->cb->nlh->nlmsg_seq, NLM_F_MULTI, HVM_CMD_VM_GET,
			   HVM_EVENT_UNSPEC);
	if (r)
		return r;
	nl_dump_check_consistent(ctx->cb, nlh);
	ctx->cb->args[0] = vm->id + 1;	/* resume after this one */
	return 0;
}

static int hvm_nl_dump_start(struct netlink_callback *cb)
{
	return hvm_nl_admin(cb->skb, cb->extack);
}

static int hvm_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hvm_dump_ctx ctx = { .skb = skb, .cb = cb };
	int r;

	r = hvm_vm_for_each(hvm_nl_dump_one, &ctx, cb->args[0]);
	/* A full skb ends this part of the dump; the next call resumes. */
	if (r == -EMSGSIZE && skb->len)
		return skb->len;
	return r ?: skb->len;
}

static int hvm_nl_start(struct sk_buff *skb, struct genl_info *info)
{
	struct hvm_vm *vm = hvm_nl_lookup(skb, info);
	int r;

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	r = hvm_vm_start(vm, info->extack);
	hvm_vm_put(vm);
	return r;
}

static int hvm_nl_stop(struct sk_buff *skb, struct genl_info *info)
{
	struct hvm_vm *vm = hvm_nl_lookup(skb, info);

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	hvm_vm_stop(vm);
	hvm_vm_put(vm);
	return 0;
}

static const struct genl_ops hvm_genl_ops[] = {
	{
		.cmd = HVM_CMD_INFO,
		.doit = hvm_nl_info,
	},
	{
		.cmd = HVM_CMD_VM_CREATE,
		.doit = hvm_nl_create,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVM_CMD_VM_DESTROY,
		.doit = hvm_nl_destroy,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVM_CMD_VM_GET,
		.doit = hvm_nl_get,
		.start = hvm_nl_dump_start,
		.dumpit = hvm_nl_dump,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVM_CMD_VM_START,
		.doit = hvm_nl_start,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HVM_CMD_VM_STOP,
		.doit = hvm_nl_stop,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family hvm_genl_family __ro_after_init = {
	.name = HVM_GENL_NAME,
	.version = HVM_GENL_VERSION,
	.maxattr = HVM_A_MAX,
	.policy = hvm_policy,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = hvm_genl_ops,
	.n_ops = ARRAY_SIZE(hvm_genl_ops),
	.resv_start_op = HVM_CMD_INFO,	/* validate the reserved header of every command */
	.mcgrps = hvm_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hvm_mcgrps),
};

int hvm_netlink_init(void)
{
	return genl_register_family(&hvm_genl_family);
}

void hvm_netlink_exit(void)
{
	genl_unregister_family(&hvm_genl_family);
}
