// SPDX-License-Identifier: GPL-2.0
/* hvctl list and status: the kernel's view of the VMs, as text or JSON. */
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"
#include "exits.h"

/* Exit counters in output order, with their stable JSON names. */
const struct hvctl_stat_name hvctl_stat_names[] = {
	{ HVM_STAT_EXITS, "total" },
	{ HVM_STAT_IO, "io" },
	{ HVM_STAT_IO_IGNORED, "io_ignored" },
	{ HVM_STAT_HLT, "hlt" },
	{ HVM_STAT_CPUID, "cpuid" },
	{ HVM_STAT_MSR, "msr" },
	{ HVM_STAT_HYPERCALL, "hypercall" },
	{ HVM_STAT_NPF, "npf" },
	{ HVM_STAT_INTR, "intr" },
	{ HVM_STAT_NMI, "nmi" },
	{ HVM_STAT_SHUTDOWN, "shutdown" },
	{ HVM_STAT_EXCEPTION, "exception" },
	{ HVM_STAT_OTHER, "other" },
	{ HVM_STAT_RUNS, "runs" },
	{ HVM_STAT_TIMER, "timer" },
};

const size_t hvctl_nr_stat_names =
	sizeof(hvctl_stat_names) / sizeof(hvctl_stat_names[0]);
#define NR_STATS	hvctl_nr_stat_names

void vm_json(struct json *j, const char *key, const struct hvm_vm_info *vm)
{
	json_object_begin(j, key);
	json_string(j, "name", vm->name);
	json_u64(j, "id", vm->id);
	json_string(j, "state", hvm_state_name(vm->state));
	json_u64(j, "memory", vm->mem_size);
	json_u64(j, "vcpus", vm->vcpus);
	json_string(j, "stop_reason", hvm_reason_name(vm->stop_reason));
	json_u64(j, "exit_code", vm->exit_code);
	json_u64(j, "stop_rip", vm->stop_rip);
	json_u64(j, "fault_gpa", vm->fault_gpa);
	json_u64(j, "hw_error", vm->hw_error);
	json_u64(j, "console_bytes", vm->console_bytes);
	json_u64(j, "mem_used", vm->mem_used);
	json_u64(j, "guest_ns", vm->guest_ns);
	json_u64(j, "host_ns", vm->host_ns);
	json_object_begin(j, "exits");
	for (size_t i = 0; i < NR_STATS; i++)
		json_u64(j, hvctl_stat_names[i].name,
			 vm->stats[hvctl_stat_names[i].stat]);
	json_object_end(j);
	json_object_end(j);
}

const char *reason_text(const struct hvm_vm_info *vm, char *buf,
			       size_t len)
{
	const char *name = hvm_reason_name(vm->stop_reason);

	switch (vm->stop_reason) {
	case HVM_STOP_EXIT:
		snprintf(buf, len, "%s (code %llu)", name,
			 (unsigned long long)vm->exit_code);
		break;
	case HVM_STOP_FAULT:
		snprintf(buf, len, "%s (address 0x%llx)", name,
			 (unsigned long long)vm->fault_gpa);
		break;
	case HVM_STOP_UNHANDLED:
		snprintf(buf, len, "%s (exit code 0x%llx)", name,
			 (unsigned long long)vm->hw_error);
		break;
	case HVM_STOP_ENTRY_FAILED:
		snprintf(buf, len, "%s (hardware error 0x%llx)", name,
			 (unsigned long long)vm->hw_error);
		break;
	default:
		snprintf(buf, len, "%s", name);
		break;
	}
	return buf;
}

static void print_status(const struct hvm_vm_info *vm)
{
	char buf[64];

	printf("%-14s%s\n", "name", vm->name);
	printf("%-14s%u\n", "id", vm->id);
	printf("%-14s%s\n", "state", hvm_state_name(vm->state));
	printf("%-14s%s\n", "memory", format_bytes(vm->mem_size, buf, sizeof(buf)));
	printf("%-14s%u\n", "vcpus", vm->vcpus);
	printf("%-14s%s\n", "stop reason", reason_text(vm, buf, sizeof(buf)));
	if (vm->stop_reason != HVM_STOP_NONE)
		printf("%-14s0x%llx\n", "stop rip",
		       (unsigned long long)vm->stop_rip);
	printf("%-14s%llu bytes\n", "console",
	       (unsigned long long)vm->console_bytes);
	printf("%-14s%s\n", "memory used",
	       format_bytes(vm->mem_used, buf, sizeof(buf)));
	printf("%-14s%s\n", "guest time",
	       format_duration(vm->guest_ns, buf, sizeof(buf)));
	printf("%-14s%s\n", "host time",
	       format_duration(vm->host_ns, buf, sizeof(buf)));
	printf("exits\n");
	for (size_t i = 0; i < NR_STATS; i++)
		printf("  %-12s%llu\n", hvctl_stat_names[i].name,
		       (unsigned long long)vm->stats[hvctl_stat_names[i].stat]);
}

/* --json and --help only. 0: go on; 1: help printed; -1: error printed. */
static int parse_json_only(const char *cmd, int argc, char **argv,
			   bool *json)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0 }
	};
	int c;

	*json = false;
	while ((c = opt_next(cmd, argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage(cmd) ? -1 : 1;
		if (c != OPT_JSON)
			return -1;
		*json = true;
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct hvm_vm_info vm;
	bool json, exits;
	int ret;

	ret = status_opts(argc, argv, &json, &exits);
	if (ret)
		return ret < 0;
	if (want_args("status", argc, argv, 1, "NAME"))
		return 1;
	ret = hvm_nl_vm_get(argv[optind], &vm);
	if (ret)
		return fail("status %s: %s", argv[optind], why(ret));
	if (exits && json)	/* cmd_exits.c */
		return status_exits_json(&vm);
	if (exits) {
		print_status(&vm);
		return status_exits_print(&vm);
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		vm_json(&j, NULL, &vm);
	} else {
		print_status(&vm);
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct hvm_vm_info *vms;
	size_t nr;
	int width = 4, ret;
	bool json;

	ret = parse_json_only("list", argc, argv, &json);
	if (ret)
		return ret < 0;
	if (want_args("list", argc, argv, 0, ""))
		return 1;
	ret = hvm_nl_vm_list(&vms, &nr);
	if (ret)
		return fail("list: %s", why(ret));

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_array_begin(&j, NULL);
		for (size_t i = 0; i < nr; i++)
			vm_json(&j, NULL, &vms[i]);
		json_array_end(&j);
	} else {
		char mem[32];

		for (size_t i = 0; i < nr; i++) {
			int len = strlen(vms[i].name);

			if (len > width)
				width = len;
		}
		printf("%-*s  %-8s  %10s  %5s  %s\n", width, "NAME", "STATE",
		       "MEMORY", "VCPUS", "REASON");
		for (size_t i = 0; i < nr; i++)
			printf("%-*s  %-8s  %10s  %5u  %s\n", width, vms[i].name,
			       hvm_state_name(vms[i].state),
			       format_bytes(vms[i].mem_size, mem, sizeof(mem)),
			       vms[i].vcpus, hvm_reason_name(vms[i].stop_reason));
	}
	free(vms);
	return 0;
}
