// SPDX-License-Identifier: GPL-2.0
/* hvctl info: the backend, its features and the module's limits. */
#include "hvctl.h"

static const struct {
	uint64_t bit;
	const char *name;
} features[] = {
	{ HVM_FEAT_NPT, "npt" },
	{ HVM_FEAT_EPT, "ept" },
	{ HVM_FEAT_ASID, "asid" },
	{ HVM_FEAT_VPID, "vpid" },
	{ HVM_FEAT_NRIPS, "nrips" },
	{ HVM_FEAT_UNRESTRICTED, "unrestricted-guest" },
	{ HVM_FEAT_PREEMPT_TIMER, "preemption-timer" },
	{ HVM_FEAT_FLUSH_BY_ASID, "flush-by-asid" },
	{ HVM_FEAT_DECODE_ASSISTS, "decode-assists" },
	{ HVM_FEAT_VGIF, "vgif" },
	{ HVM_FEAT_MSR_BITMAP, "msr-bitmap" },
	{ HVM_FEAT_IO_BITMAP, "io-bitmap" },
	{ HVM_FEAT_XSAVE, "xsave" },
};

#define NR_FEATURES	(sizeof(features) / sizeof(features[0]))

static void info_json(const struct hvm_host_info *info)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "backend", info->backend);
	json_string(&j, "version", info->version);
	json_array_begin(&j, "features");
	for (size_t i = 0; i < NR_FEATURES; i++) {
		if (info->features & features[i].bit)
			json_string(&j, NULL, features[i].name);
	}
	json_array_end(&j);
	json_u64(&j, "nr_asids", info->nr_asids);
	json_u64(&j, "max_vms", info->max_vms);
	json_u64(&j, "max_memory", info->max_mem);
	json_u64(&j, "max_vcpus", info->max_vcpus);
	json_u64(&j, "vms", info->nr_vms);
	json_bool(&j, "hw_enabled", info->hw_enabled);
	json_object_end(&j);
}

static void info_text(const struct hvm_host_info *info)
{
	char buf[32];
	const char *sep = "";

	printf("%-12s%s\n", "backend", info->backend);
	printf("%-12s%s\n", "version", info->version);
	printf("%-12s", "features");
	for (size_t i = 0; i < NR_FEATURES; i++) {
		if (info->features & features[i].bit) {
			printf("%s%s", sep, features[i].name);
			sep = " ";
		}
	}
	printf("\n%-12s%u\n", "asids", info->nr_asids);
	printf("%-12s%u of %u\n", "vms", info->nr_vms, info->max_vms);
	printf("%-12s%s per VM\n", "max memory",
	       format_bytes(info->max_mem, buf, sizeof(buf)));
	printf("%-12s%u per VM\n", "max vcpus", info->max_vcpus);
	printf("%-12s%s\n", "hardware", info->hw_enabled ?
	       "enabled (VMs exist)" : "off (no VMs)");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0 }
	};
	struct hvm_host_info info;
	bool json = false;
	int c, ret;

	while ((c = opt_next("info", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("info");
		if (c != OPT_JSON)
			return 1;
		json = true;
	}
	if (want_args("info", argc, argv, 0, ""))
		return 1;
	ret = hvm_nl_info(&info);
	if (ret)
		return fail("info: %s", why(ret));
	if (json)
		info_json(&info);
	else
		info_text(&info);
	return 0;
}
