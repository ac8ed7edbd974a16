// SPDX-License-Identifier: GPL-2.0
/*
 * info: what the module reports about the host (HVM_CMD_INFO, hvctl info,
 * the /dev/hvm version ioctl) must match the CPU and the module parameters.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "hvm_harness.h"

#define KNOWN_CAPS (HVM_CAP_MEM_IO | HVM_CAP_REGS | HVM_CAP_CONSOLE | HVM_CAP_WAIT | \
		    HVM_CAP_CONSOLE_INPUT)

static bool read_ull(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok;
}

FIXTURE(info) {
	struct hvm_info info;
};

FIXTURE_SETUP(info)
{
	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_EQ(0, hvm_get_info(&self->info));
}

FIXTURE_TEARDOWN(info)
{
	hvm_destroy_prefix(hvm_vm_prefix("inf"));
}

TEST_F(info, backend_matches_cpu_vendor_and_cpuinfo)
{
	switch (hvm_host_vendor()) {
	case HVM_VENDOR_AMD:
		ASSERT_STREQ("svm", self->info.backend);
		ASSERT_TRUE(hvm_cpuinfo_flag("svm"));
		ASSERT_TRUE(hvm_cpuinfo_flag("npt"));
		ASSERT_NE(0ull, self->info.features & HVM_FEAT_NPT);
		ASSERT_EQ(0ull, self->info.features & HVM_FEAT_EPT);
		break;
	case HVM_VENDOR_INTEL:
		ASSERT_STREQ("vmx", self->info.backend);
		ASSERT_TRUE(hvm_cpuinfo_flag("vmx"));
		ASSERT_TRUE(hvm_cpuinfo_flag("ept"));
		ASSERT_NE(0ull, self->info.features & HVM_FEAT_EPT);
		ASSERT_EQ(0ull, self->info.features & HVM_FEAT_NPT);
		break;
	default:
		ASSERT_TRUE(false) {
			TH_LOG("unknown CPU vendor in /proc/cpuinfo");
		}
	}
}

/* Each feature bit hvm reports agrees with the flag Linux derived from CPUID. */
TEST_F(info, feature_bits_agree_with_cpuinfo)
{
	static const struct {
		uint64_t bit;
		const char *flag;
		bool amd;
	} map[] = {
		{ HVM_FEAT_NPT, "npt", true },
		{ HVM_FEAT_NRIPS, "nrip_save", true },
		{ HVM_FEAT_FLUSH_BY_ASID, "flushbyasid", true },
		{ HVM_FEAT_DECODE_ASSISTS, "decodeassists", true },
		{ HVM_FEAT_VGIF, "vgif", true },
		{ HVM_FEAT_EPT, "ept", false },
		{ HVM_FEAT_VPID, "vpid", false },
		{ HVM_FEAT_UNRESTRICTED, "unrestricted_guest", false },
		{ HVM_FEAT_PREEMPT_TIMER, "preemption_timer", false },
		{ HVM_FEAT_XSAVE, "xsave", true },
		{ HVM_FEAT_XSAVE, "xsave", false },
	};
	bool amd = hvm_host_vendor() == HVM_VENDOR_AMD;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		bool hvm = self->info.features & map[i].bit;

		if (map[i].amd != amd)
			continue;
		EXPECT_EQ(hvm_cpuinfo_flag(map[i].flag), hvm) {
			TH_LOG("feature %s: hvm says %d, /proc/cpuinfo says %d",
			       map[i].flag, hvm, !hvm);
		}
	}
	/*
	 * The ASID/VPID count: SVM reports CPUID 8000_000Ah:EBX, the number
	 * of ASIDs (APM vol. 3, "CPUID Fn8000_000A_EBX"); VMX 0xffff VPIDs
	 * when it uses them, else 0 (vmx/vmx.c vmx_probe()).
	 */
	if (amd) {
		unsigned int a, b, c, d;

		ASSERT_NE(0ull, self->info.features & HVM_FEAT_ASID);
		ASSERT_EQ(0ull, self->info.features & HVM_FEAT_VPID);
		ASSERT_TRUE(__get_cpuid(0x8000000a, &a, &b, &c, &d));
		ASSERT_EQ(b, self->info.nr_asids);
	} else {
		ASSERT_EQ(0ull, self->info.features & HVM_FEAT_ASID);
		ASSERT_EQ(self->info.features & HVM_FEAT_VPID ? 0xffffu : 0u,
			  self->info.nr_asids);
	}
}

TEST_F(info, limits_and_version_are_reported)
{
	struct hvm_info *in = &self->info;
	unsigned long long v;
	char ver[64] = "";
	FILE *f;

	ASSERT_TRUE(in->have[HVM_A_INFO_MAX_VMS]);
	ASSERT_TRUE(in->have[HVM_A_INFO_MAX_MEM]);
	ASSERT_TRUE(in->have[HVM_A_INFO_MAX_VCPUS]);
	ASSERT_TRUE(in->have[HVM_A_INFO_NR_VMS]);
	ASSERT_TRUE(in->have[HVM_A_INFO_NR_ASIDS]);
	ASSERT_TRUE(in->have[HVM_A_INFO_HW_ENABLED]);
	ASSERT_TRUE(in->have[HVM_A_INFO_FEATURES]);
	ASSERT_LT(0u, in->max_vms);
	ASSERT_LE(1u, in->max_vcpus);
	ASSERT_LE(16ull << 20, in->max_mem);
	ASSERT_EQ(0ull, in->max_mem & 0xfff);
	ASSERT_NE(0, in->version[0]);

	/*
	 * MODULE_VERSION shows up in sysfs, and the three limits are 0644
	 * module parameters (kmod/main.c): each file exists and agrees.
	 */
	f = fopen("/sys/module/hvm/version", "r");
	ASSERT_NE(NULL, f) {
		TH_LOG("/sys/module/hvm/version: %s", strerror(errno));
	}
	ASSERT_NE(NULL, fgets(ver, sizeof(ver), f));
	fclose(f);
	ver[strcspn(ver, "\n")] = '\0';
	ASSERT_STREQ(ver, in->version);
	ASSERT_TRUE(read_ull("/sys/module/hvm/parameters/max_vms", &v));
	ASSERT_EQ(v, in->max_vms);
	ASSERT_TRUE(read_ull("/sys/module/hvm/parameters/max_vcpus", &v));
	ASSERT_EQ(v, in->max_vcpus);
	ASSERT_TRUE(read_ull("/sys/module/hvm/parameters/max_mem", &v));
	ASSERT_EQ(v, in->max_mem);
}

TEST_F(info, nr_vms_and_hw_enabled_follow_vm_lifetime)
{
	const char *name = hvm_vm_name("inf");
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	struct hvm_info a, b, c;
	char ext[256];
	int n;

	ASSERT_NE(NULL, names);
	ASSERT_EQ(0, hvm_get_info(&a));
	n = hvm_vm_list(names, HVM_NL_MAX_MSGS);
	free(names);
	ASSERT_EQ((int)a.nr_vms, n);
	ASSERT_EQ(a.nr_vms > 0, a.hw_enabled);

	ASSERT_EQ(0, hvm_vm_create(name, 0, 0, ext, sizeof(ext))) {
		TH_LOG("create: %s", ext);
	}
	ASSERT_EQ(0, hvm_get_info(&b));
	ASSERT_EQ(a.nr_vms + 1, b.nr_vms);
	ASSERT_EQ(1, b.hw_enabled);

	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, ext, sizeof(ext)));
	ASSERT_EQ(0, hvm_get_info(&c));
	ASSERT_EQ(a.nr_vms, c.nr_vms);
	ASSERT_EQ(c.nr_vms > 0, c.hw_enabled);
}

TEST_F(info, hvctl_info_agrees_with_netlink)
{
	struct hvm_exec c = { 0 };
	char backend[16];
	uint64_t v;

	HVCTL_OK(&c, "info");
	ASSERT_NE(NULL, strstr(c.out, self->info.backend));

	HVCTL_OK(&c, "info", "--json");
	ASSERT_TRUE(hvm_json_str(c.out, "backend", backend, sizeof(backend)));
	ASSERT_STREQ(self->info.backend, backend);
	ASSERT_TRUE(hvm_json_u64(c.out, "max_vms", &v));
	ASSERT_EQ(self->info.max_vms, v);
	ASSERT_TRUE(hvm_json_u64(c.out, "max_vcpus", &v));
	ASSERT_EQ(self->info.max_vcpus, v);
	ASSERT_TRUE(hvm_json_u64(c.out, "max_memory", &v));
	ASSERT_EQ(self->info.max_mem, v);
	ASSERT_TRUE(hvm_json_u64(c.out, "nr_asids", &v));
	ASSERT_EQ(self->info.nr_asids, v);
	/* The feature list names the nested paging flavour. */
	ASSERT_NE(NULL, strstr(c.out, strcmp(backend, "svm") ? "\"ept\"" : "\"npt\""));
	hvm_cmd_free(&c);
}

TEST_F(info, version_ioctl_reports_api_1_and_caps)
{
	struct hvm_version v;
	int fd = hvm_dev_open();
	unsigned int i;

	ASSERT_LE(0, fd);
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_VERSION, &v));
	close(fd);
	ASSERT_EQ((uint32_t)HVM_API_VERSION, v.api_version);
	ASSERT_EQ(0u, v.flags);
	for (i = 0; i < sizeof(v.reserved) / sizeof(v.reserved[0]); i++)
		ASSERT_EQ(0ull, v.reserved[i]);
	ASSERT_EQ(0ull, v.caps & ~(uint64_t)KNOWN_CAPS) {
		TH_LOG("unknown capability bits 0x%llx", (unsigned long long)v.caps);
	}
	/* hvctl load/console/wait are built on these. */
	ASSERT_EQ((uint64_t)KNOWN_CAPS, v.caps);
}

TEST_HARNESS_MAIN
