// SPDX-License-Identifier: GPL-2.0
/*
 * module_load: inserting and removing hvm.ko. Runs first in the suite; the
 * tests run in order and share the module's state, and the last one leaves
 * the module loaded for the rest of the suite.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>

#include "hvm_harness.h"

/* Ask the genl controller about "hvm": its version, or -ENOENT. */
static int family_version(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct genl_family *fam;
	int r = -ENOENT;

	if (!sk)
		return -ENOMEM;
	if (genl_connect(sk) || genl_ctrl_alloc_cache(sk, &cache)) {
		nl_socket_free(sk);
		return -EIO;
	}
	fam = genl_ctrl_search_by_name(cache, HVM_GENL_NAME);
	if (fam) {
		r = genl_family_get_version(fam);
		genl_family_put(fam);
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return r;
}

/* Wait for devtmpfs to catch up with a device appearing or going away. */
static bool dev_hvm_exists(bool want)
{
	struct stat sb;
	int i;

	for (i = 0; i < 100; i++) {
		if (!stat("/dev/hvm", &sb) == want)
			return want;
		usleep(10000);
	}
	return !want;
}

/* No VM may exist when we unload: the suite starts from a fresh module. */
TEST(remove_module_if_the_runner_loaded_it)
{
	struct hvm_info info;

	if (!hvm_module_loaded("hvm"))
		SKIP(return, "hvm.ko is not loaded: nothing to remove");
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms);
	ASSERT_EQ(0, hvm_rmmod("hvm"));
	ASSERT_FALSE(hvm_module_loaded("hvm"));
}

TEST(nothing_of_hvm_exists_without_the_module)
{
	ASSERT_FALSE(hvm_module_loaded("hvm"));
	ASSERT_FALSE(dev_hvm_exists(true));
	ASSERT_EQ(-ENOENT, family_version());
}

TEST(insmod_succeeds)
{
	int r = hvm_insmod(hvm_module_path(), "");

	if (r)
		TH_LOG("insmod %s: %s", hvm_module_path(), strerror(-r));
	ASSERT_EQ(0, r);
	ASSERT_TRUE(hvm_module_loaded("hvm"));
}

TEST(dev_hvm_is_a_root_only_char_device)
{
	struct stat sb;

	ASSERT_TRUE(dev_hvm_exists(true));
	ASSERT_EQ(0, stat("/dev/hvm", &sb));
	ASSERT_TRUE(S_ISCHR(sb.st_mode));
	ASSERT_EQ(0600u, sb.st_mode & 07777) {
		TH_LOG("/dev/hvm mode %o, want 0600", sb.st_mode & 07777);
	}
	ASSERT_EQ(0u, sb.st_uid);
}

TEST(genl_family_hvm_resolves_with_version_1)
{
	struct hvm_nl nl;
	int grp;

	ASSERT_EQ(HVM_GENL_VERSION, family_version());
	ASSERT_EQ(0, hvm_nl_open(&nl));
	grp = genl_ctrl_resolve_grp(nl.sk, HVM_GENL_NAME, HVM_GENL_MCGRP_EVENTS);
	hvm_nl_close(&nl);
	ASSERT_LE(0, grp) {
		TH_LOG("multicast group \"%s\" not found", HVM_GENL_MCGRP_EVENTS);
	}
}

TEST(insmod_twice_is_eexist)
{
	ASSERT_EQ(-EEXIST, hvm_insmod(hvm_module_path(), ""));
	ASSERT_TRUE(hvm_module_loaded("hvm"));
}

TEST(a_fresh_module_has_no_vms_and_hardware_off)
{
	struct hvm_info info;

	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms);
	ASSERT_TRUE(info.have[HVM_A_INFO_HW_ENABLED]);
	ASSERT_EQ(0, info.hw_enabled);
}

TEST(rmmod_removes_device_and_family)
{
	ASSERT_EQ(0, hvm_rmmod("hvm"));
	ASSERT_FALSE(hvm_module_loaded("hvm"));
	ASSERT_FALSE(dev_hvm_exists(false));
	ASSERT_EQ(-ENOENT, family_version());
}

TEST(rmmod_of_absent_module_is_enoent)
{
	ASSERT_EQ(-ENOENT, hvm_rmmod("hvm"));
}

TEST(insmod_again_and_leave_it_loaded)
{
	struct hvm_info info;

	ASSERT_EQ(0, hvm_insmod(hvm_module_path(), ""));
	ASSERT_TRUE(dev_hvm_exists(true));
	ASSERT_EQ(HVM_GENL_VERSION, family_version());
	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0u, info.nr_vms);
}

TEST_HARNESS_MAIN
