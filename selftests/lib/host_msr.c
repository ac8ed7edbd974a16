// SPDX-License-Identifier: GPL-2.0
/*
 * The host MSRs the selftests compare around guests (host_msr.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "host_msr.h"
#include "hvm_test.h"

/*
 * The syscall and sysenter MSRs, the GS bases, TSC_AUX, PAT and EFER;
 * DEBUGCTL, SPEC_CTRL and MTRR_DEF_TYPE, which guests may not reach; and
 * VM_HSAVE_PA, set only while hvm has a VM (AMD-V; ~0 on Intel).
 */
const struct hvm_host_msr hvm_host_msrs[HVM_NR_HOST_MSRS] = {
	{ 0xc0000080, "EFER" },
	{ 0xc0000081, "STAR" },
	{ 0xc0000082, "LSTAR" },
	{ 0xc0000083, "CSTAR" },
	{ 0xc0000084, "SFMASK" },
	{ 0xc0000101, "GS_BASE" },	/* the per-CPU base, read in the kernel */
	{ 0xc0000102, "KERNEL_GS_BASE" },
	{ 0xc0000103, "TSC_AUX" },
	{ 0x00000174, "SYSENTER_CS" },
	{ 0x00000175, "SYSENTER_ESP" },
	{ 0x00000176, "SYSENTER_EIP" },
	{ 0x00000277, "PAT" },
	{ 0x000001d9, "DEBUGCTL" },
	{ 0x00000048, "SPEC_CTRL" },
	{ 0xc0010117, "VM_HSAVE_PA" },
	{ 0x000002ff, "MTRR_DEF_TYPE" },
};

int hvm_load_msr_module(void)
{
	int i, r;

	if (!access("/dev/cpu/0/msr", R_OK))
		return 0;
	r = hvm_insmod_deps("msr");
	if (r)
		return r;
	for (i = 0; i < 100 && access("/dev/cpu/0/msr", R_OK); i++)
		usleep(10000);
	return access("/dev/cpu/0/msr", R_OK) ? -ENOENT : 0;
}

void hvm_read_host_msrs(int cpu, uint64_t vals[HVM_NR_HOST_MSRS])
{
	char path[64];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY);
	for (i = 0; i < HVM_NR_HOST_MSRS; i++)
		if (fd < 0 || pread(fd, &vals[i], 8, hvm_host_msrs[i].msr) != 8)
			vals[i] = ~0ull;
	if (fd >= 0)
		close(fd);
}

unsigned int hvm_host_msrs_changed(int cpu, const uint64_t before[HVM_NR_HOST_MSRS])
{
	uint64_t after[HVM_NR_HOST_MSRS];
	unsigned int i, n = 0;

	hvm_read_host_msrs(cpu, after);
	for (i = 0; i < HVM_NR_HOST_MSRS; i++) {
		if (after[i] == before[i])
			continue;
		printf("# CPU %d %s: 0x%llx before, 0x%llx after\n", cpu,
		       hvm_host_msrs[i].name, (unsigned long long)before[i],
		       (unsigned long long)after[i]);
		n++;
	}
	fflush(stdout);
	return n;
}
