// SPDX-License-Identifier: GPL-2.0
/*
 * guest_cpu: the virtual CPU a guest sees: filtered CPUID, the MSR
 * allowlist (#GP for the rest), virtualization instructions (#UD), the
 * hypercall, the port I/O platform, and the exit counters that go with it.
 */
#include "hvm_harness.h"

#define TAG "gc"

FIXTURE(gc) {
	struct hvm_guest_run g;
};

FIXTURE_SETUP(gc)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(gc)
{
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static int run(struct hvm_guest_run *g, const char *image)
{
	return hvm_guest_run(g, hvm_vm_name(TAG), "16M", image, 60, NULL, false);
}

/* The guest ran main() to the end: exit port with code 0. */
#define ASSERT_GUEST_EXIT0(g)						\
	do {								\
		if ((g)->st.stop_reason != HVM_STOP_EXIT ||		\
		    (g)->st.exit_code)					\
			TH_LOG("console:\n%s", (g)->console);		\
		ASSERT_STOP_REASON(HVM_STOP_EXIT, &(g)->st);		\
		ASSERT_EQ(0ull, (g)->st.exit_code);			\
	} while (0)

static void host_vendor_string(char *buf, size_t n)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9)) {
			snprintf(buf, n, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
}

TEST_F(gc, cpuid_shows_signature_and_hypervisor_bit_and_hides_vmx_svm)
{
	char vendor[64], want[512];
	int r = run(&self->g, "cpuid.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_GUEST_EXIT0(&self->g);
	host_vendor_string(vendor, sizeof(vendor));
	snprintf(want, sizeof(want),
		 "vendor=%s\n"
		 "hypervisor=1\n"
		 "signature=hvmhvmhvmhvm\n"
		 "vmx=0\n"
		 "svm=0\n", vendor);
	ASSERT_OUTPUT(want, self->g.console);
}

TEST_F(gc, cpuid_exits_are_counted)
{
	int r = run(&self->g, "cpuid.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_GUEST_EXIT0(&self->g);
	/* 5 leaves for the report, then 100 more */
	ASSERT_LE(105ull, self->g.st.stats[HVM_STAT_CPUID]);
	ASSERT_LE(self->g.st.stats[HVM_STAT_CPUID] + self->g.st.stats[HVM_STAT_IO],
		  self->g.st.stats[HVM_STAT_EXITS]);
}

TEST_F(gc, unlisted_msrs_raise_gp_in_the_guest)
{
	int r = run(&self->g, "msr-gp.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT("rdmsr MCG_CAP: #GP(0)\n"
		      "rdmsr MISC_ENABLE: ok\n"
		      "rdmsr FEATURE_CONTROL: #GP(0)\n"
		      "rdmsr SPEC_CTRL: #GP(0)\n"
		      "rdmsr TSC_AUX: #GP(0)\n"
		      "rdmsr VM_CR: #GP(0)\n"
		      "rdmsr VM_HSAVE_PA: #GP(0)\n"
		      "rdmsr VMX_BASIC: #GP(0)\n"
		      "wrmsr MCG_STATUS: #GP(0)\n"
		      "wrmsr APIC_BASE: #GP(0)\n"
		      "rdmsr EFER: ok\n"
		      "rdmsr TSC: ok\n"
		      "rdmsr APIC_BASE: ok\n"
		      "rdmsr PAT: ok\n", self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
	ASSERT_LE(14ull, self->g.st.stats[HVM_STAT_MSR]);
}

TEST_F(gc, virtualization_instructions_raise_ud)
{
	const char *want;
	int r = run(&self->g, "vmrun.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	switch (hvm_host_vendor()) {
	case HVM_VENDOR_AMD:
		want = "vendor=amd\n"
		       "efer.svme=0\n"
		       "set efer.svme: #GP\n"
		       "vmrun: #UD\n"
		       "vmload: #UD\n"
		       "vmsave: #UD\n"
		       "stgi: #UD\n"
		       "clgi: #UD\n"
		       "skinit: #UD\n"
		       "invlpga: #UD\n"
		       "0 checks failed\n";
		break;
	case HVM_VENDOR_INTEL:
		want = "vendor=intel\n"
		       "cr4.vmxe=0\n"
		       "set cr4.vmxe: #GP\n"
		       "vmxon: #UD\n"
		       "vmptrld: #UD\n"
		       "vmptrst: #UD\n"
		       "vmclear: #UD\n"
		       "vmread: #UD\n"
		       "vmwrite: #UD\n"
		       "vmlaunch: #UD\n"
		       "vmresume: #UD\n"
		       "vmxoff: #UD\n"
		       "invept: #UD\n"
		       "invvpid: #UD\n"
		       "0 checks failed\n";
		break;
	default:
		want = "a known CPU vendor\n";
	}
	ASSERT_OUTPUT(want, self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
}

TEST_F(gc, hypercall_returns_version_and_enosys)
{
	char want[256];
	int r = run(&self->g, "hypercall.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	snprintf(want, sizeof(want),
		 "instruction=%s\n"
		 "version=1\n"
		 "unknown=-38\n"
		 "all-ones=-38\n"
		 "registers preserved\n",
		 hvm_host_vendor() == HVM_VENDOR_AMD ? "vmmcall" : "vmcall");
	ASSERT_OUTPUT(want, self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
	ASSERT_EQ(3ull, self->g.st.stats[HVM_STAT_HYPERCALL]);
}

TEST_F(gc, io_platform_and_exit_counters)
{
	const struct hvm_vm_status *st = &self->g.st;
	int r = run(&self->g, "ioport.elf");

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT("scr ok\n"
		      "lcr ok\n"
		      "dll ok\n"
		      "dlm ok\n"
		      "ier ok\n"
		      "mcr ok\n"
		      "lsr ok\n"
		      "iir ok\n"
		      "in8 ok\n"
		      "in16 ok\n"
		      "in32 ok\n"
		      "insb ok\n"
		      "string io ok\n"
		      "0 checks failed\n", self->g.console);
	/* it ends in cli; hlt */
	ASSERT_STOP_REASON(HVM_STOP_HALT, st);
	ASSERT_EQ(0, self->g.wait_status);
	ASSERT_EQ(1ull, st->stats[HVM_STAT_HLT]);
	ASSERT_LE(100ull, st->stats[HVM_STAT_CPUID]);
	/* in8/in16/in32, the write and at least one exit for the REP INSB */
	ASSERT_LE(5ull, st->stats[HVM_STAT_IO_IGNORED]);
	ASSERT_GT(40ull, st->stats[HVM_STAT_IO_IGNORED]);
	/* every character printed through the LSR/THR pair, and more */
	ASSERT_LE(200ull, st->stats[HVM_STAT_IO]);
	ASSERT_LE(st->stats[HVM_STAT_IO] + st->stats[HVM_STAT_CPUID] +
		  st->stats[HVM_STAT_HLT], st->stats[HVM_STAT_EXITS]);
	ASSERT_LE(1ull, st->stats[HVM_STAT_RUNS]);
	ASSERT_EQ((uint64_t)strlen(self->g.console), st->console_bytes);
	ASSERT_LT(0ull, st->guest_ns);
	ASSERT_LT(0ull, st->host_ns);
}

TEST_F(gc, exit_counters_in_hvctl_status_json)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_exec c = { 0 };
	uint64_t v;
	int r;

	r = hvm_guest_run(&self->g, name, "16M", "ioport.elf", 60, NULL, true);
	ASSERT_GUEST_RAN(&self->g, r);
	HVCTL_OK(&c, "status", name, "--json");
	ASSERT_TRUE(hvm_json_obj_u64(c.out, "exits", "cpuid", &v));
	ASSERT_EQ(self->g.st.stats[HVM_STAT_CPUID], v);
	ASSERT_TRUE(hvm_json_obj_u64(c.out, "exits", "io", &v));
	ASSERT_EQ(self->g.st.stats[HVM_STAT_IO], v);
	ASSERT_TRUE(hvm_json_obj_u64(c.out, "exits", "io_ignored", &v));
	ASSERT_EQ(self->g.st.stats[HVM_STAT_IO_IGNORED], v);
	ASSERT_TRUE(hvm_json_obj_u64(c.out, "exits", "hlt", &v));
	ASSERT_EQ(1ull, v);
	ASSERT_TRUE(hvm_json_u64(c.out, "console_bytes", &v));
	ASSERT_EQ(self->g.st.console_bytes, v);
	HVCTL_OK(&c, "destroy", name);
	hvm_cmd_free(&c);
}

TEST_HARNESS_MAIN
