// SPDX-License-Identifier: GPL-2.0
/*
 * vm_lifecycle: VMs as kernel objects: create, list, status and destroy
 * through hvctl and through netlink; names, sizes and limits that must be
 * refused, and the events multicast group.
 */
#include "hvm_harness.h"

#define TAG "lc"

FIXTURE(lc) {
	struct hvm_info info;
	struct hvm_exec c;
	char ext[256];
};

FIXTURE_SETUP(lc)
{
	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_EQ(0, hvm_get_info(&self->info));
}

FIXTURE_TEARDOWN(lc)
{
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static bool listed(const char *name)
{
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	int i, n = hvm_vm_list(names, HVM_NL_MAX_MSGS);
	bool found = false;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			found = true;
	free(names);
	return found;
}

TEST_F(lc, create_list_status_destroy_with_hvctl)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	char s[64];
	uint64_t v;

	HVCTL_OK(&self->c, "create", name, "--memory", "32M", "--vcpus", "2");
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_EQ(32ull << 20, st.mem_size);
	ASSERT_EQ(2u, st.vcpus);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, st.state);

	HVCTL_OK(&self->c, "list");
	ASSERT_NE(NULL, strstr(self->c.out, name));
	HVCTL_OK(&self->c, "list", "--json");
	ASSERT_NE(NULL, strstr(self->c.out, name));
	ASSERT_EQ('[', self->c.out[strspn(self->c.out, " \n")]);

	HVCTL_OK(&self->c, "status", name);
	ASSERT_NE(NULL, strstr(self->c.out, name));
	HVCTL_OK(&self->c, "status", name, "--json");
	ASSERT_TRUE(hvm_json_str(self->c.out, "name", s, sizeof(s)));
	ASSERT_STREQ(name, s);
	ASSERT_TRUE(hvm_json_str(self->c.out, "state", s, sizeof(s)));
	ASSERT_STREQ("created", s);
	ASSERT_TRUE(hvm_json_str(self->c.out, "stop_reason", s, sizeof(s)));
	ASSERT_STREQ("none", s);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "memory", &v));
	ASSERT_EQ(32ull << 20, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "vcpus", &v));
	ASSERT_EQ(2ull, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "id", &v));
	ASSERT_EQ(st.id, v);
	ASSERT_TRUE(hvm_json_obj_u64(self->c.out, "exits", "total", &v));
	ASSERT_EQ(0ull, v);

	HVCTL_OK(&self->c, "destroy", name);
	ASSERT_FALSE(listed(name));
	ASSERT_EQ(-ENOENT, hvm_vm_status(name, &st, NULL, 0));
}

TEST_F(lc, create_get_destroy_with_netlink)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;

	ASSERT_EQ(0, hvm_vm_create(name, 8ull << 20, 1, self->ext, sizeof(self->ext)));
	ASSERT_TRUE(listed(name));
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_STREQ(name, st.name);
	ASSERT_NE(0u, st.id);
	ASSERT_EQ(8ull << 20, st.mem_size);
	ASSERT_EQ(1u, st.vcpus);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, st.state);
	ASSERT_EQ((uint32_t)HVM_STOP_NONE, st.stop_reason);
	ASSERT_TRUE(st.have[HVM_A_VM_STATS]);
	ASSERT_TRUE(st.have[HVM_A_VM_MEM_USED]);
	ASSERT_TRUE(st.have[HVM_A_VM_CONSOLE_BYTES]);
	ASSERT_EQ(0ull, st.console_bytes);
	ASSERT_EQ(0ull, st.stats[HVM_STAT_EXITS]);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, self->ext, sizeof(self->ext)));
	ASSERT_FALSE(listed(name));
	/* the name is free again */
	ASSERT_EQ(0, hvm_vm_create(name, 8ull << 20, 1, self->ext, sizeof(self->ext)));
}

TEST_F(lc, hvctl_defaults_are_16m_and_one_vcpu)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;

	HVCTL_OK(&self->c, "create", name);
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_EQ(16ull << 20, st.mem_size);
	ASSERT_EQ(1u, st.vcpus);
}

TEST_F(lc, hvctl_memory_suffixes)
{
	static const struct {
		const char *arg;
		uint64_t bytes;
	} sizes[] = {
		{ "4096K", 4ull << 20 }, { "3M", 3ull << 20 }, { "1G", 1ull << 30 },
		{ "1048576", 1ull << 20 },
	};
	struct hvm_vm_status st;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *name = hvm_vm_name(TAG);

		HVCTL_OK(&self->c, "create", name, "--memory", sizes[i].arg);
		ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
		ASSERT_EQ(sizes[i].bytes, st.mem_size) {
			TH_LOG("--memory %s", sizes[i].arg);
		}
		HVCTL_OK(&self->c, "destroy", name);
	}
	HVCTL_FAILS(&self->c, "create", hvm_vm_name(TAG), "--memory", "12Q");
	HVCTL_FAILS(&self->c, "create", hvm_vm_name(TAG), "--memory", "-1M");
}

TEST_F(lc, bad_names_are_einval)
{
	static const char *const bad[] = {
		"",					/* empty */
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 characters */
		"a/b", "a b", "tab\there", "new\nline", "caf\xc3\xa9", "a:b",
		"semi;colon", "*",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = hvm_vm_create(bad[i], 0, 0, self->ext, sizeof(self->ext));

		if (r != -EINVAL)
			TH_LOG("name '%s': %d", bad[i], r);
		ASSERT_NL_ERR(EINVAL, r, self->ext);
	}
}

TEST_F(lc, good_names_are_accepted)
{
	char longest[HVM_NAME_MAX + 1];
	const char *good[] = { longest, "A.b_c-9", "x", "...", "-" };
	size_t i;

	/* 31 characters, unique to this process */
	memset(longest, 'z', HVM_NAME_MAX);
	longest[HVM_NAME_MAX] = '\0';
	memcpy(longest, hvm_vm_prefix(TAG), strlen(hvm_vm_prefix(TAG)));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r;

		/* skip fixed names someone else owns right now */
		if (i && listed(good[i]))
			continue;
		r = hvm_vm_create(good[i], 0, 0, self->ext, sizeof(self->ext));
		ASSERT_EQ(0, r) {
			TH_LOG("name '%s': %s (%s)", good[i], strerror(-r), self->ext);
		}
		ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, good[i], NULL, 0));
	}
	ASSERT_EQ((size_t)HVM_NAME_MAX, strlen(longest));
}

TEST_F(lc, hvctl_bad_name_is_one_error_line)
{
	HVCTL_FAILS(&self->c, "create", "a/b");
	HVCTL_FAILS(&self->c, "create", "");
}

TEST_F(lc, duplicate_name_is_eexist)
{
	const char *name = hvm_vm_name(TAG);

	ASSERT_EQ(0, hvm_vm_create(name, 0, 0, self->ext, sizeof(self->ext)));
	ASSERT_NL_ERR(EEXIST, hvm_vm_create(name, 0, 0, self->ext, sizeof(self->ext)),
		      self->ext);
	HVCTL_FAILS(&self->c, "create", name);
	ASSERT_NE(NULL, strstr(self->c.err, "exists"));
}

TEST_F(lc, unknown_vm_is_enoent)
{
	static const uint8_t cmds[] = {
		HVM_CMD_VM_DESTROY, HVM_CMD_VM_START, HVM_CMD_VM_STOP,
	};
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	size_t i;

	for (i = 0; i < sizeof(cmds); i++)
		ASSERT_NL_ERR(ENOENT, hvm_vm_cmd(cmds[i], name, self->ext,
						 sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(ENOENT, hvm_vm_status(name, &st, self->ext, sizeof(self->ext)),
		      self->ext);
	HVCTL_FAILS(&self->c, "destroy", name);
	HVCTL_FAILS(&self->c, "status", name);
	HVCTL_FAILS(&self->c, "start", name);
	HVCTL_FAILS(&self->c, "stop", name);
}

TEST_F(lc, bad_memory_sizes_are_refused)
{
	const char *name = hvm_vm_name(TAG);

	ASSERT_NL_ERR(EINVAL, hvm_vm_create(name, 4097, 0, self->ext,
					    sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(EINVAL, hvm_vm_create(name, 4095, 0, self->ext,
					    sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(E2BIG, hvm_vm_create(name, 1ull << 40, 0, self->ext,
					   sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(E2BIG, hvm_vm_create(name, self->info.max_mem + 4096, 0,
					   self->ext, sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(E2BIG, hvm_vm_create(name, 0xfffffffffffff000ull, 0,
					   self->ext, sizeof(self->ext)), self->ext);
	ASSERT_FALSE(listed(name));
	/* hvctl refuses the same, with one line */
	HVCTL_FAILS(&self->c, "create", name, "--memory", "0");
	HVCTL_FAILS(&self->c, "create", name, "--memory", "4097");
	HVCTL_FAILS(&self->c, "create", name, "--memory", "1T");
	ASSERT_FALSE(listed(name));
}

/* A zero MEM_SIZE attribute is a zero-sized VM, not "use the default". */
TEST_F(lc, zero_memory_attribute_is_einval)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	const char *name = hvm_vm_name(TAG);
	struct hvm_nl nl;
	struct nl_msg *m;

	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, hvm_nl_open(&nl));
	m = hvm_nl_msg(&nl, HVM_CMD_VM_CREATE, 0);
	nla_put_string(m, HVM_A_VM_NAME, name);
	nla_put_u64(m, HVM_A_VM_MEM_SIZE, 0);
	hvm_nl_xfer(&nl, m, rep);
	hvm_nl_close(&nl);
	ASSERT_NL_ERR(EINVAL, rep->error, rep->extack);
	hvm_nl_reply_free(rep);
	free(rep);
}

TEST_F(lc, max_mem_itself_is_accepted_and_costs_nothing_up_front)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	int r;

	r = hvm_vm_create(name, self->info.max_mem, 0, self->ext, sizeof(self->ext));
	ASSERT_EQ(0, r) {
		TH_LOG("create with max_mem %llu: %s (%s)",
		       (unsigned long long)self->info.max_mem, strerror(-r), self->ext);
	}
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_EQ(self->info.max_mem, st.mem_size);
	ASSERT_GT(1ull << 20, st.mem_used);
}

TEST_F(lc, vcpu_count_limits)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	int r;

	ASSERT_NL_ERR(EINVAL, hvm_vm_create(name, 0, self->info.max_vcpus + 1,
					    self->ext, sizeof(self->ext)), self->ext);
	ASSERT_NL_ERR(EINVAL, hvm_vm_create(name, 0, 0xffffffffu, self->ext,
					    sizeof(self->ext)), self->ext);
	r = hvm_vm_create(name, 0, self->info.max_vcpus, self->ext, sizeof(self->ext));
	ASSERT_EQ(0, r) {
		TH_LOG("create with max_vcpus %u: %s", self->info.max_vcpus, self->ext);
	}
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_EQ(self->info.max_vcpus, st.vcpus);
	HVCTL_FAILS(&self->c, "create", hvm_vm_name(TAG), "--vcpus", "0");
}

/* Zero vCPUs through netlink: an explicit attribute of 0. */
TEST_F(lc, zero_vcpus_attribute_is_einval)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	struct nl_msg *m;

	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, hvm_nl_open(&nl));
	m = hvm_nl_msg(&nl, HVM_CMD_VM_CREATE, 0);
	nla_put_string(m, HVM_A_VM_NAME, hvm_vm_name(TAG));
	nla_put_u32(m, HVM_A_VM_VCPUS, 0);
	hvm_nl_xfer(&nl, m, rep);
	hvm_nl_close(&nl);
	ASSERT_NL_ERR(EINVAL, rep->error, rep->extack);
	hvm_nl_reply_free(rep);
	free(rep);
}

static int write_param(const char *param, unsigned long long v)
{
	char path[128];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "/sys/module/hvm/parameters/%s", param);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	r = fprintf(f, "%llu\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		r = -errno;
	return r;
}

TEST_F_TIMEOUT(lc, vm_count_limit_is_enforced, 300)
{
	struct hvm_info now;
	unsigned int i, limit;
	bool lowered;
	int r;

	/* A small limit keeps this quick; else fill up to the real one. */
	lowered = !write_param("max_vms", self->info.nr_vms + 3);
	ASSERT_EQ(0, hvm_get_info(&now));
	limit = now.max_vms;
	if (lowered) {
		ASSERT_EQ(self->info.nr_vms + 3, limit);
	}
	for (i = now.nr_vms; i < limit; i++) {
		r = hvm_vm_create(hvm_vm_name(TAG), 1 << 20, 1, self->ext,
				  sizeof(self->ext));
		if (r)
			break;
	}
	if (!r)
		r = hvm_vm_create(hvm_vm_name(TAG), 1 << 20, 1, self->ext,
				  sizeof(self->ext));
	if (lowered)
		write_param("max_vms", self->info.max_vms);
	ASSERT_EQ(limit, i) {
		TH_LOG("creating VM %u of %u failed: %s", i + 1, limit, self->ext);
	}
	ASSERT_NL_ERR(ENOSPC, r, self->ext);
	ASSERT_EQ(0, hvm_get_info(&now));
	ASSERT_EQ(limit, now.nr_vms);
	ASSERT_EQ(self->info.max_vms, now.max_vms);
}

TEST_F(lc, events_announce_create_and_destroy)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_event_msg ev;
	struct hvm_nl ev_nl;

	ASSERT_EQ(0, hvm_nl_open(&ev_nl));
	ASSERT_EQ(0, hvm_nl_subscribe(&ev_nl, HVM_GENL_MCGRP_EVENTS));

	ASSERT_EQ(0, hvm_vm_create(name, 0, 0, self->ext, sizeof(self->ext)));
	ASSERT_EQ(0, hvm_nl_wait_event(&ev_nl, 5000, HVM_EVENT_CREATED, name, &ev));
	ASSERT_EQ(HVM_CMD_VM_EVENT, ev.cmd);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, ev.state);

	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0));
	ASSERT_EQ(0, hvm_nl_wait_event(&ev_nl, 5000, HVM_EVENT_DESTROYED, name, &ev));
	ASSERT_EQ(HVM_CMD_VM_EVENT, ev.cmd);
	hvm_nl_close(&ev_nl);
}

TEST_F(lc, starting_a_vm_without_an_image_faults_at_the_reset_vector)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;

	ASSERT_EQ(0, hvm_vm_create(name, 0, 0, self->ext, sizeof(self->ext)));
	/*
	 * Nothing loaded: the vCPU starts from the architectural reset state,
	 * real mode at CS base ffff0000h, IP fff0h (SDM vol. 3A 9.1.4 "First
	 * Instruction Executed"; APM vol. 2 14.1.5), so its first fetch is
	 * at GPA ffff_fff0h, far above the default RAM: the VM starts, and
	 * stops at once with reason fault at exactly that address, RIP fff0h.
	 */
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_START, name, self->ext, sizeof(self->ext))) {
		TH_LOG("start: %s", self->ext);
	}
	ASSERT_EQ(0, hvm_vm_wait_stopped(name, 10000, &st));
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, st.state);
	ASSERT_STOP_REASON(HVM_STOP_FAULT, &st);
	ASSERT_EQ(0xfffffff0ull, st.fault_gpa);
	ASSERT_EQ(0xfff0ull, st.stop_rip);
	ASSERT_EQ(0ull, st.exit_code);
	ASSERT_EQ(0ull, st.hw_error);
}

TEST_HARNESS_MAIN
