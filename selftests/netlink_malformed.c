// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_malformed: hand-made requests that break the family's contract
 * (missing, mistyped, oversized, unknown and truncated attributes, unknown
 * commands) get a clean error with an extack message, and create nothing.
 */
#include <linux/netlink.h>

#include "hvm_harness.h"

#define TAG "nm"

FIXTURE(nm) {
	struct hvm_nl nl;
	struct hvm_nl_reply *rep;
	unsigned int nr_vms;
};

FIXTURE_SETUP(nm)
{
	struct hvm_info info;

	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_EQ(0, hvm_nl_open(&self->nl));
	self->rep = calloc(1, sizeof(*self->rep));
	ASSERT_NE(NULL, self->rep);
	ASSERT_EQ(0, hvm_get_info(&info));
	self->nr_vms = info.nr_vms;
}

FIXTURE_TEARDOWN(nm)
{
	struct hvm_info info;

	/*
	 * No malformed request may have created a VM: the count is what it
	 * was and none of ours exists. EXPECT, not ASSERT: an ASSERT here
	 * jumps back into the harness, which runs the teardown again.
	 */
	memset(&info, 0, sizeof(info));
	EXPECT_EQ(0, hvm_get_info(&info));
	EXPECT_EQ(self->nr_vms, info.nr_vms) {
		TH_LOG("VM count changed from %u to %u", self->nr_vms, info.nr_vms);
	}
	EXPECT_EQ(0, hvm_destroy_prefix(hvm_vm_prefix(TAG)));
	hvm_nl_reply_free(self->rep);
	free(self->rep);
	hvm_nl_close(&self->nl);
}

/* Send @m and expect -@err with a message; the reply is left in self->rep. */
#define EXPECT_REJECT(err, m)						\
	do {								\
		int r_ = hvm_nl_xfer(&self->nl, (m), self->rep);	\
		ASSERT_NL_ERR(err, r_, self->rep->extack);		\
		hvm_nl_reply_free(self->rep);				\
	} while (0)

static struct nl_msg *create_msg(struct hvm_nl *nl)
{
	return hvm_nl_msg(nl, HVM_CMD_VM_CREATE, 0);
}

TEST_F(nm, create_without_name_is_einval)
{
	struct nl_msg *m = create_msg(&self->nl);

	nla_put_u64(m, HVM_A_VM_MEM_SIZE, 16 << 20);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, every_vm_command_without_name_is_einval)
{
	static const uint8_t cmds[] = {
		HVM_CMD_VM_DESTROY, HVM_CMD_VM_GET, HVM_CMD_VM_START,
		HVM_CMD_VM_STOP,
	};
	size_t i;

	for (i = 0; i < sizeof(cmds); i++)
		EXPECT_REJECT(EINVAL, hvm_nl_msg(&self->nl, cmds[i], 0));
}

TEST_F(nm, empty_name_attribute_is_einval)
{
	struct nl_msg *m = create_msg(&self->nl);

	nla_put(m, HVM_A_VM_NAME, 0, NULL);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, name_without_nul_is_einval)
{
	struct nl_msg *m = create_msg(&self->nl);
	const char *name = hvm_vm_name(TAG);

	nla_put(m, HVM_A_VM_NAME, (int)strlen(name), name);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, oversized_name_attributes_are_einval)
{
	char big[4096];
	struct nl_msg *m;

	/* 40 characters and a NUL */
	memset(big, 'a', sizeof(big));
	big[40] = '\0';
	m = create_msg(&self->nl);
	nla_put(m, HVM_A_VM_NAME, 41, big);
	EXPECT_REJECT(EINVAL, m);

	/* 4 KiB without a NUL */
	memset(big, 'a', sizeof(big));
	m = create_msg(&self->nl);
	nla_put(m, HVM_A_VM_NAME, sizeof(big), big);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, name_with_embedded_nul_is_not_truncated_into_a_valid_one)
{
	static const char name[] = "ok\0/../evil";
	struct nl_msg *m = create_msg(&self->nl);
	int r;

	/* Either refused, or the name is "ok": never "ok/../evil". */
	nla_put(m, HVM_A_VM_NAME, sizeof(name), name);
	r = hvm_nl_xfer(&self->nl, m, self->rep);
	if (!r) {
		struct hvm_vm_status st;

		ASSERT_EQ(0, hvm_vm_status("ok", &st, NULL, 0));
		hvm_vm_cmd(HVM_CMD_VM_DESTROY, "ok", NULL, 0);
	} else {
		ASSERT_NL_ERR(EINVAL, r, self->rep->extack);
	}
}

TEST_F(nm, mem_size_with_wrong_width_is_einval)
{
	struct nl_msg *m;

	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put_u32(m, HVM_A_VM_MEM_SIZE, 16 << 20);
	EXPECT_REJECT(EINVAL, m);

	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put_u8(m, HVM_A_VM_MEM_SIZE, 1);
	EXPECT_REJECT(EINVAL, m);

	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put(m, HVM_A_VM_MEM_SIZE, 12, "0123456789ab");
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, vcpus_with_wrong_width_is_einval)
{
	struct nl_msg *m = create_msg(&self->nl);

	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put_u64(m, HVM_A_VM_VCPUS, 1);
	EXPECT_REJECT(EINVAL, m);

	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put_u16(m, HVM_A_VM_VCPUS, 1);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, unknown_attribute_type_is_einval)
{
	static const int types[] = { HVM_A_MAX + 1, 200, 0x3fff };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nl_msg *m = create_msg(&self->nl);

		nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
		nla_put_u32(m, types[i], 1);
		EXPECT_REJECT(EINVAL, m);
	}
}

/* Reply-only attributes have no place in a request (strict policy). */
TEST_F(nm, reply_only_attribute_in_request_is_einval)
{
	static const int types[] = {
		HVM_A_VM_STATE, HVM_A_VM_EXIT_CODE, HVM_A_INFO_BACKEND,
		HVM_A_EVENT, HVM_A_UNSPEC,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nl_msg *m = create_msg(&self->nl);

		nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
		nla_put_u32(m, types[i], 0);
		EXPECT_REJECT(EINVAL, m);
	}
}

TEST_F(nm, truncated_and_overlong_attributes_are_einval)
{
	struct nlattr bad;
	struct nl_msg *m;
	char pad[8] = { 0 };

	/* an attribute header claiming fewer bytes than a header */
	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	bad.nla_len = 2;
	bad.nla_type = HVM_A_VM_VCPUS;
	hvm_nl_put_raw(m, &bad, sizeof(bad));
	EXPECT_REJECT(EINVAL, m);

	/* an attribute claiming more bytes than the message holds */
	m = create_msg(&self->nl);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	bad.nla_len = 64;
	bad.nla_type = HVM_A_VM_VCPUS;
	hvm_nl_put_raw(m, &bad, sizeof(bad));
	hvm_nl_put_raw(m, pad, sizeof(pad));
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, duplicate_attribute_does_not_confuse)
{
	struct nl_msg *m = create_msg(&self->nl);
	const char *name = hvm_vm_name(TAG);
	int r;

	/* Netlink's rule: the last instance wins, or the request is refused. */
	nla_put_string(m, HVM_A_VM_NAME, name);
	nla_put_u64(m, HVM_A_VM_MEM_SIZE, 4096);
	nla_put_u64(m, HVM_A_VM_MEM_SIZE, 1ull << 50);
	r = hvm_nl_xfer(&self->nl, m, self->rep);
	ASSERT_NE(0, r);
	ASSERT_NE(0, self->rep->extack[0]);
}

TEST_F(nm, unknown_commands_are_eopnotsupp)
{
	/* HVM_CMD_VM_EVENT is notification-only; UNSPEC and beyond-MAX exist nowhere. */
	static const uint8_t cmds[] = {
		HVM_CMD_UNSPEC, HVM_CMD_VM_EVENT, HVM_CMD_MAX + 1, 0x7f, 0xff,
	};
	size_t i;

	for (i = 0; i < sizeof(cmds); i++) {
		struct nl_msg *m = hvm_nl_msg(&self->nl, cmds[i], 0);

		nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
		/*
		 * Generic netlink answers unknown commands itself, before the
		 * family sees them, and sets no extack message: only the
		 * errno is ours to check.
		 */
		ASSERT_EQ(-EOPNOTSUPP, hvm_nl_xfer(&self->nl, m, self->rep)) {
			TH_LOG("command %u", cmds[i]);
		}
		hvm_nl_reply_free(self->rep);
	}
}

TEST_F(nm, dump_of_a_doit_only_command_is_eopnotsupp)
{
	struct nl_msg *m = hvm_nl_msg(&self->nl, HVM_CMD_VM_CREATE, NLM_F_DUMP);
	int r;

	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	r = hvm_nl_xfer(&self->nl, m, self->rep);
	ASSERT_EQ(-EOPNOTSUPP, r);
}

TEST_F(nm, info_with_unknown_attribute_is_einval)
{
	struct nl_msg *m = hvm_nl_msg(&self->nl, HVM_CMD_INFO, 0);

	/* An unknown attribute in a read-only request is refused too. */
	nla_put_u32(m, HVM_A_MAX + 1, 1);
	EXPECT_REJECT(EINVAL, m);
}

TEST_F(nm, socket_still_works_after_garbage)
{
	struct nl_msg *m = hvm_nl_msg(&self->nl, HVM_CMD_INFO, 0);

	ASSERT_EQ(0, hvm_nl_xfer(&self->nl, m, self->rep));
	ASSERT_EQ(1, self->rep->nmsgs);
	ASSERT_NE(NULL, self->rep->tb[0][HVM_A_INFO_BACKEND]);
}

TEST_HARNESS_MAIN
