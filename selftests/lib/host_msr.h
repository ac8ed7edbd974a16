/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host MSRs a world switch must give back, read on one CPU through
 * /dev/cpu/N/msr (msr.ko): host_state and hostile_guest compare them
 * before and after guests that write their own values.
 */
#ifndef HVM_HOST_MSR_H
#define HVM_HOST_MSR_H

#include <stdint.h>

struct hvm_host_msr {
	uint32_t msr;
	const char *name;
};

#define HVM_NR_HOST_MSRS	16

extern const struct hvm_host_msr hvm_host_msrs[HVM_NR_HOST_MSRS];

/* Insert msr.ko if /dev/cpu/0/msr is missing; 0 once it is readable, or -errno. */
int hvm_load_msr_module(void);

/*
 * Read every MSR of hvm_host_msrs[] on @cpu into @vals[]; ~0 marks one
 * this CPU does not have (the read failed).
 */
void hvm_read_host_msrs(int cpu, uint64_t vals[HVM_NR_HOST_MSRS]);

/*
 * Read @cpu's MSRs again and print a TAP comment for each one that is not
 * what @before holds; returns how many differ.
 */
unsigned int hvm_host_msrs_changed(int cpu, const uint64_t before[HVM_NR_HOST_MSRS]);

#endif /* HVM_HOST_MSR_H */
