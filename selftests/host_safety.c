// SPDX-License-Identifier: GPL-2.0
/*
 * host_safety: what hvm promises the host (README "Host-side guarantees").
 *
 * - Guest RAM is charged to the memory cgroup of the VM's creator, and the
 *   vCPU thread joins the creator's cgroups: a guest in a 16 MiB cgroup
 *   touching 32 MiB stops with reason internal (ENOMEM) and nothing is
 *   OOM-killed.
 * - An exit hvm does not handle (a hardware task switch) stops the VM with
 *   reason unhandled and the vendor's exit code; a register state the CPU
 *   refuses at VM entry stops it with reason entry-failed and the hardware's
 *   error.
 * - Suspend and resume (the whole path down to syscore_ops, through
 *   /sys/power/pm_test "core") leave running VMs running: virtualization is
 *   switched off and back on underneath them.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hvm_harness.h"

#define TAG "hs"
#define CGROOT "/sys/fs/cgroup"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* "key value" lines (memory.events): the value of @key, or -1. */
static long long keyed_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return atoll(p + len + 1);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Mount cgroup2 if the machine has not; enable memory and cpu below root. */
static int cgroup2_ready(void)
{
	struct stat sb;

	if (stat(CGROOT "/cgroup.controllers", &sb)) {
		mkdir(CGROOT, 0755);
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			return -errno;
	}
	return write_file(CGROOT "/cgroup.subtree_control", "+memory +cpu");
}

/* /sys/class/dmi/id/sys_vendor says QEMU (the emulated test machine). */
static bool hvm_dmi_is_qemu(void)
{
	char buf[64];

	return !read_file("/sys/class/dmi/id/sys_vendor", buf, sizeof(buf)) &&
	       !strncmp(buf, "QEMU", 4);
}

FIXTURE(hs) {
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
	char cg[128];
};

FIXTURE_SETUP(hs)
{
	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->name, sizeof(self->name), "%s", hvm_vm_name(TAG));
	self->cg[0] = 0;
}

FIXTURE_TEARDOWN(hs)
{
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
	if (self->cg[0])
		rmdir(self->cg);
	write_file("/sys/power/pm_test", "none");
}

TEST_F_TIMEOUT(hs, guest_over_its_memcg_limit_stops_internal_and_nothing_is_oom_killed, 300)
{
	char path[192], buf[4096], comm[48], want[160];
	struct hvm_vm_status st;
	int status;
	pid_t pid, tid;

	ASSERT_EQ(0, cgroup2_ready());
	snprintf(self->cg, sizeof(self->cg), CGROOT "/hvmtest-%d", (int)getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", self->cg);
	ASSERT_EQ(0, write_file(path, "16M"));

	/* the creator: a child that joins the cgroup, then runs hvctl create */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char me[16];

		snprintf(path, sizeof(path), "%s/cgroup.procs", self->cg);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		if (write_file(path, me))
			_exit(100);
		execlp(getenv("HVCTL") ?: "hvctl", "hvctl", "create", self->name,
		       "--memory", "64M", "--image", hvm_guest("touch.elf"),
		       "--cmdline", "pages=8192 stride=4096 start=16777216",
		       (char *)NULL);
		_exit(101);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* the vCPU thread runs in the creator's cgroup (cpu.max applies) */
	snprintf(comm, sizeof(comm), "hvm-%s/0", self->name);
	tid = hvm_find_thread(comm);
	ASSERT_NE(0, tid);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)tid);
	ASSERT_EQ(0, read_file(path, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "0::%s\n", self->cg + strlen(CGROOT));
	ASSERT_NE(NULL, strstr(buf, want)) {
		TH_LOG("vCPU thread cgroup: %s (want %s)", buf, want);
	}

	HVCTL_OK(&self->c, "start", self->name);
	ASSERT_EQ(0, hvm_vm_wait_stopped(self->name, 120000, &st));
	ASSERT_STOP_REASON(HVM_STOP_INTERNAL, &st);
	ASSERT_EQ((uint64_t)ENOMEM, st.hw_error);
	/* it got as far as the limit allows, and not further */
	ASSERT_GT(st.mem_used, 8ull << 20);
	ASSERT_LT(st.mem_used, 16ull << 20);

	snprintf(path, sizeof(path), "%s/memory.events", self->cg);
	ASSERT_EQ(0, read_file(path, buf, sizeof(buf)));
	ASSERT_EQ(0, keyed_value(buf, "oom_kill")) {
		TH_LOG("memory.events:\n%s", buf);
	}
	ASSERT_EQ(0, keyed_value(buf, "oom"));
	ASSERT_LT(0, keyed_value(buf, "max"));

	/* the charge goes with the VM */
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0));
	snprintf(path, sizeof(path), "%s/memory.current", self->cg);
	ASSERT_EQ(0, read_file(path, buf, sizeof(buf)));
	ASSERT_LT(atoll(buf), 1ll << 20) {
		TH_LOG("memory.current after destroy: %s", buf);
	}
}

TEST_F_TIMEOUT(hs, hardware_task_switch_stops_unhandled_with_the_exit_code, 120)
{
	struct hvm_vm_status st;
	uint64_t code;

	switch (hvm_host_vendor()) {
	case HVM_VENDOR_AMD:
		/*
		 * QEMU 7.2's TCG SVM never checks the task-switch intercept: it
		 * performs the switch itself (here: into an empty TSS, so the
		 * guest shuts down). Real AMD CPUs and Bochs' VT-x exit.
		 */
		if (hvm_dmi_is_qemu())
			SKIP(return, "QEMU TCG does not implement the SVM task-switch intercept");
		code = 0x7d;	/* APM vol. 2 appendix C: VMEXIT_TASK_SWITCH */
		break;
	case HVM_VENDOR_INTEL:
		code = 9;	/* SDM vol. 3 appendix C: task switch */
		break;
	default:
		SKIP(return, "unknown vendor");
	}
	HVCTL_OK(&self->c, "create", self->name, "--image",
		 hvm_guest("task-switch.bin"), "--mode", "protected");
	HVCTL_OK(&self->c, "start", self->name);
	ASSERT_EQ(0, hvm_vm_wait_stopped(self->name, 30000, &st));
	ASSERT_STOP_REASON(HVM_STOP_UNHANDLED, &st);
	ASSERT_EQ(code, st.hw_error);
	ASSERT_EQ(0x1010ull, st.stop_rip);
}

/*
 * A TR selector with the TI flag set (a TSS "in the LDT"): SDM vol. 3
 * 26.3.1.2 ("TR: the TI flag (bit 2) must be 0") makes VM entry fail with
 * "invalid guest state" (exit reason 33 with bit 31 set, qualification 0).
 * hvm passes selectors through as the user set them, so the CPU is the one
 * refusing. AMD's VMRUN checks no selectors (APM vol. 2 15.5.1), and
 * set_regs already rejects everything VMRUN does check, so on AMD-V the
 * only way to a refused entry is virtualization switched off under hvm.
 */
TEST_F_TIMEOUT(hs, vm_entry_with_tr_selector_in_the_ldt_stops_entry_failed, 120)
{
	struct hvm_attach at = { 0 };
	struct hvm_vm_status st;
	struct hvm_regs regs;
	int fd;

	if (hvm_host_vendor() != HVM_VENDOR_INTEL)
		SKIP(return, "AMD-V: VMRUN checks no selectors; set_regs rejects what it checks");
	HVCTL_OK(&self->c, "create", self->name, "--image",
		 hvm_guest("hello-prot.bin"), "--mode", "protected");
	fd = hvm_dev_open();
	ASSERT_LE(0, fd);
	snprintf(at.name, sizeof(at.name), "%s", self->name);
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_ATTACH, &at));
	memset(&regs, 0, sizeof(regs));
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_GET_REGS, &regs));
	ASSERT_EQ(0, regs.tr.selector & 4);
	regs.tr.selector |= 4;				/* TI: the LDT */
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_SET_REGS, &regs));
	close(fd);

	ASSERT_EQ(0, hvm_expect_kmsg("VM entry failed: invalid guest state"));
	HVCTL_OK(&self->c, "start", self->name);
	ASSERT_EQ(0, hvm_vm_wait_stopped(self->name, 30000, &st));
	ASSERT_STOP_REASON(HVM_STOP_ENTRY_FAILED, &st);
	ASSERT_EQ(0x80000021ull, st.hw_error);
	ASSERT_EQ(0ull, st.console_bytes);
}

TEST_F_TIMEOUT(hs, running_vm_survives_suspend_and_resume, 300)
{
	struct hvm_vm_status st;
	char buf[256];
	uint64_t ns0;

	ASSERT_EQ(0, read_file("/sys/power/state", buf, sizeof(buf)));
	if (!strstr(buf, "mem"))
		SKIP(return, "no suspend-to-RAM in this machine: %s", buf);

	HVCTL_OK(&self->c, "create", self->name, "--image", hvm_guest("work.elf"),
		 "--cmdline", "id=7 spin=1");
	HVCTL_OK(&self->c, "start", self->name);
	do {
		ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
		ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state);
		usleep(10000);
	} while (st.console_bytes < strlen("id=7 ready\n"));

	/* freeze, devices, CPUs offline, syscore suspend; 5 s; and back */
	ASSERT_EQ(0, write_file("/sys/power/pm_test", "core"));
	ASSERT_EQ(0, write_file("/sys/power/state", "mem"));
	ASSERT_EQ(0, write_file("/sys/power/pm_test", "none"));

	/* still running, and really running: guest time goes on */
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state) {
		TH_LOG("stopped: %s", hvm_stop_reason_name(st.stop_reason));
	}
	ns0 = st.guest_ns;
	usleep(200000);
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state);
	ASSERT_LT(ns0, st.guest_ns);

	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, NULL, 0));
	ASSERT_EQ(0, hvm_vm_wait_stopped(self->name, 5000, &st));
	ASSERT_STOP_REASON(HVM_STOP_USER, &st);
	HVCTL_OK(&self->c, "console", self->name);
	ASSERT_OUTPUT("id=7 ready\n", self->c.out);
}

/* Module parameters refuse values the core cannot honour, and keep theirs. */
TEST_F(hs, max_vcpus_and_max_mem_are_bounded)
{
	const char *v = "/sys/module/hvm/parameters/max_vcpus";
	const char *m = "/sys/module/hvm/parameters/max_mem";
	char old_v[32], old_m[32], buf[32];

	ASSERT_EQ(0, read_file(v, old_v, sizeof(old_v)));
	ASSERT_EQ(0, read_file(m, old_m, sizeof(old_m)));
	ASSERT_EQ(-ERANGE, write_file(v, "0"));
	ASSERT_EQ(-ERANGE, write_file(v, "256"));
	ASSERT_EQ(-EINVAL, write_file(v, "many"));
	ASSERT_EQ(-ERANGE, write_file(m, "0"));
	ASSERT_EQ(-ERANGE, write_file(m, "4097"));
	ASSERT_EQ(-ERANGE, write_file(m, "562949953421312"));	/* 2^49 */
	ASSERT_EQ(0, read_file(v, buf, sizeof(buf)));
	ASSERT_STREQ(old_v, buf);
	ASSERT_EQ(0, read_file(m, buf, sizeof(buf)));
	ASSERT_STREQ(old_m, buf);
	ASSERT_EQ(0, write_file(v, "255"));
	ASSERT_EQ(0, read_file(v, buf, sizeof(buf)));
	ASSERT_STREQ("255\n", buf);
	ASSERT_EQ(0, write_file(v, old_v));
	ASSERT_EQ(0, write_file(m, "1048576"));
	ASSERT_EQ(0, write_file(m, old_m));
}

TEST_HARNESS_MAIN
