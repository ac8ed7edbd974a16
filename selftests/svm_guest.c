// SPDX-License-Identifier: GPL-2.0
/*
 * svm_guest: host-safety behaviour of the AMD-V backend that a guest can
 * see: the CR4 allowlist with the host's CR4.MCE kept underneath, and
 * WBINVD/WBNOINVD intercepted and emulated (never a host cache flush).
 * Skipped on Intel hosts (the VT-x backend has its own tests).
 */
#include "hvm_harness.h"

#define TAG "sg"

FIXTURE(sg) {
	struct hvm_guest_run g;
};

FIXTURE_SETUP(sg)
{
	if (hvm_host_vendor() != HVM_VENDOR_AMD)
		SKIP(return, "AMD-V backend only");
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(sg)
{
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static int run(struct hvm_guest_run *g, const char *image)
{
	return hvm_guest_run(g, hvm_vm_name(TAG), "16M", image, 120, NULL,
			     false);
}

#define ASSERT_GUEST_EXIT0(g)						\
	do {								\
		if ((g)->st.stop_reason != HVM_STOP_EXIT ||		\
		    (g)->st.exit_code)					\
			TH_LOG("console:\n%s", (g)->console);		\
		ASSERT_STOP_REASON(HVM_STOP_EXIT, &(g)->st);		\
		ASSERT_EQ(0ull, (g)->st.exit_code);			\
	} while (0)

static const char cr4_want[] =
	"cr4.mce=0\n"
	"set cr4.mce: #GP(0)\n"
	"set cr4.pcide: #GP(0)\n"
	"set cr4.pke: #GP(0)\n"
	"set cr4.tsd+de: ok, reads back\n"
	"restore cr4: ok\n";

TEST_F(sg, guest_cr4_allowlist_and_host_mce_hidden_64bit)
{
	int r;

	if (hvm_host_vendor() != HVM_VENDOR_AMD)
		SKIP(return, "AMD-V backend only");
	r = run(&self->g, "svm-cr4.elf");
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT(cr4_want, self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
	/* 3 #GPs injected by the CR4 write handler, no other exception. */
	ASSERT_EQ(0ull, self->g.st.stats[HVM_STAT_SHUTDOWN]);
}

TEST_F(sg, guest_cr4_allowlist_and_host_mce_hidden_32bit)
{
	int r;

	if (hvm_host_vendor() != HVM_VENDOR_AMD)
		SKIP(return, "AMD-V backend only");
	r = run(&self->g, "svm-cr4-32.elf");
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT(cr4_want, self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
}

TEST_F(sg, wbinvd_and_wbnoinvd_are_intercepted_and_counted)
{
	int r;

	if (hvm_host_vendor() != HVM_VENDOR_AMD)
		SKIP(return, "AMD-V backend only");
	r = run(&self->g, "svm-wbinvd.elf");
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT("wbinvd=20000 wbnoinvd=5000\n", self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
	/* One exit each; "other" also counts the guest's few CR4 reads. */
	ASSERT_LE(25000ull, self->g.st.stats[HVM_STAT_OTHER]);
	ASSERT_GT(25100ull, self->g.st.stats[HVM_STAT_OTHER]);
}

TEST_HARNESS_MAIN
