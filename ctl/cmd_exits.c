// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl status NAME --exits: each vCPU's exit counters and its exit history
 * (the last exits the kernel kept: kmod/trace.c), as a table or in JSON.
 * One VM_GET with HVM_A_VCPU_INDEX per vCPU.
 */
#include <stdlib.h>
#include <string.h>

#include "exits.h"

enum { OPT_EXITS = 0x1000 };

static const char *const exit_reason_names[] = {
	[HVM_EXIT_REASON_NONE] = "none",
	[HVM_EXIT_REASON_IO] = "io",
	[HVM_EXIT_REASON_CPUID] = "cpuid",
	[HVM_EXIT_REASON_RDMSR] = "rdmsr",
	[HVM_EXIT_REASON_WRMSR] = "wrmsr",
	[HVM_EXIT_REASON_HLT] = "hlt",
	[HVM_EXIT_REASON_HYPERCALL] = "hypercall",
	[HVM_EXIT_REASON_XSETBV] = "xsetbv",
	[HVM_EXIT_REASON_CR] = "cr",
	[HVM_EXIT_REASON_NPF] = "npf",
	[HVM_EXIT_REASON_EXCEPTION] = "exception",
	[HVM_EXIT_REASON_INVD] = "invd",
	[HVM_EXIT_REASON_UD] = "ud",
	[HVM_EXIT_REASON_RDPMC] = "rdpmc",
	[HVM_EXIT_REASON_SHUTDOWN] = "shutdown",
	[HVM_EXIT_REASON_IRQ_WINDOW] = "irq_window",
	[HVM_EXIT_REASON_NMI_WINDOW] = "nmi_window",
};


#define NR_VCPU_STATS	hvctl_nr_stat_names	/* status --json's "exits" names */

const char *hvm_exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(exit_reason_names) / sizeof(exit_reason_names[0]) &&
	    exit_reason_names[reason])
		return exit_reason_names[reason];
	return "unknown";
}

int status_opts(int argc, char **argv, bool *json, bool *exits)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "exits", no_argument, NULL, OPT_EXITS },
		{ 0 }
	};
	int c;

	*json = false;
	*exits = false;
	while ((c = opt_next("status", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("status") ? -1 : 1;
		if (c == OPT_JSON)
			*json = true;
		else if (c == OPT_EXITS)
			*exits = true;
		else
			return -1;
	}
	return 0;
}

/* Every vCPU of vm, or NULL after printing the error. */
static struct hvm_vcpu_info *get_vcpus(const struct hvm_vm_info *vm)
{
	struct hvm_vcpu_info *v = calloc(vm->vcpus ? vm->vcpus : 1, sizeof(*v));
	int ret;

	if (!v) {
		fail("status %s: out of memory", vm->name);
		return NULL;
	}
	for (uint32_t i = 0; i < vm->vcpus; i++) {
		ret = hvm_nl_vcpu_get(vm->name, i, &v[i]);
		if (ret) {
			fail("status %s: vCPU %u: %s", vm->name, i, why(ret));
			free(v);
			return NULL;
		}
	}
	return v;
}

static void print_ns(uint64_t ns)
{
	printf("%llu.%09llu", (unsigned long long)(ns / 1000000000),
	       (unsigned long long)(ns % 1000000000));
}

int status_exits_print(const struct hvm_vm_info *vm)
{
	struct hvm_vcpu_info *v = get_vcpus(vm);

	if (!v)
		return 1;
	for (uint32_t i = 0; i < vm->vcpus; i++) {
		const struct hvm_vcpu_info *c = &v[i];

		printf("vcpu %u\n", c->index);
		printf("  %-12s", "guest time");
		print_ns(c->guest_ns);
		printf(" s\n  %-12s", "host time");
		print_ns(c->host_ns);
		printf(" s\n");
		for (size_t s = 0; s < NR_VCPU_STATS; s++)
			printf("  %-12s%llu\n", hvctl_stat_names[s].name,
			       (unsigned long long)c->stats[hvctl_stat_names[s].stat]);
		printf("  last %zu of %llu exits since the start (%u kept):\n",
		       c->nr_exits, (unsigned long long)c->exits_seen,
		       c->exits_max);
		printf("  %8s  %16s  %-10s  %18s  %18s\n", "#", "TIME (s)",
		       "REASON", "RIP", "QUALIFICATION");
		for (size_t e = 0; e < c->nr_exits; e++) {
			const struct hvm_exit_entry *x = &c->exits[e];

			printf("  %8llu  %6llu.%09llu  %-10s  %#18llx  %#18llx\n",
			       (unsigned long long)x->seq,
			       (unsigned long long)(x->time_ns / 1000000000),
			       (unsigned long long)(x->time_ns % 1000000000),
			       hvm_exit_reason_name(x->reason),
			       (unsigned long long)x->rip,
			       (unsigned long long)x->info);
		}
	}
	free(v);
	return 0;
}

int status_exits_json(const struct hvm_vm_info *vm)
{
	struct hvm_vcpu_info *v = get_vcpus(vm);
	struct json j;

	if (!v)
		return 1;
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	vm_json(&j, "vm", vm);
	json_array_begin(&j, "vcpus");
	for (uint32_t i = 0; i < vm->vcpus; i++) {
		const struct hvm_vcpu_info *c = &v[i];

		json_object_begin(&j, NULL);
		json_u64(&j, "index", c->index);
		json_u64(&j, "guest_ns", c->guest_ns);
		json_u64(&j, "host_ns", c->host_ns);
		json_object_begin(&j, "exits");
		for (size_t s = 0; s < NR_VCPU_STATS; s++)
			json_u64(&j, hvctl_stat_names[s].name, c->stats[hvctl_stat_names[s].stat]);
		json_object_end(&j);
		json_u64(&j, "exits_seen", c->exits_seen);
		json_u64(&j, "exits_max", c->exits_max);
		json_array_begin(&j, "history");
		for (size_t e = 0; e < c->nr_exits; e++) {
			const struct hvm_exit_entry *x = &c->exits[e];

			json_object_begin(&j, NULL);
			json_u64(&j, "seq", x->seq);
			json_u64(&j, "time_ns", x->time_ns);
			json_string(&j, "reason", hvm_exit_reason_name(x->reason));
			json_u64(&j, "rip", x->rip);
			json_u64(&j, "info", x->info);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	free(v);
	return 0;
}
