/* SPDX-License-Identifier: GPL-2.0 */
/* hvctl status --exits: per-vCPU counters and exit history (cmd_exits.c). */
#ifndef HVCTL_EXITS_H
#define HVCTL_EXITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hvm.h>

#include "hvctl.h"

/* More than the kernel keeps (64): the reply is never cut short here. */
#define HVCTL_EXITS_CAP		256

struct hvm_exit_entry {
	uint64_t seq;
	uint64_t time_ns;
	uint64_t rip;
	uint64_t info;
	uint32_t reason;	/* enum hvm_exit_reason */
};

struct hvm_vcpu_info {
	uint32_t index;
	uint64_t guest_ns;
	uint64_t host_ns;
	uint64_t exits_seen;	/* exits recorded since the start */
	uint32_t exits_max;	/* how many the kernel keeps */
	uint64_t stats[HVM_STAT_MAX + 1];
	size_t nr_exits;
	struct hvm_exit_entry exits[HVCTL_EXITS_CAP];
};

/* nl.c: VM_GET NAME with HVM_A_VCPU_INDEX index; 0 or a negative errno. */
int hvm_nl_vcpu_get(const char *name, uint32_t index, struct hvm_vcpu_info *v);

/*
 * cmd_status's options: --json, --exits, --help. 0: go on; 1: help
 * printed; -1: error printed.
 */
int status_opts(int argc, char **argv, bool *json, bool *exits);
/* After the status text: each vCPU's counters and exit table. 0 or 1. */
int status_exits_print(const struct hvm_vm_info *vm);
/*
 * --json --exits: {"vm": <status object>, "vcpus": [...]} on stdout.
 * Returns 0, or 1 after printing the error.
 */
int status_exits_json(const struct hvm_vm_info *vm);
const char *hvm_exit_reason_name(uint32_t reason);

/* cmd_list.c: the exit counters in output order, with their JSON names. */
struct hvctl_stat_name {
	int stat;		/* HVM_STAT_* */
	const char *name;
};
extern const struct hvctl_stat_name hvctl_stat_names[];
extern const size_t hvctl_nr_stat_names;

#endif /* HVCTL_EXITS_H */
