// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_cr4: on VT-x hosts, the guest owns only the CR4 bits hvm
 * virtualizes and advertises. CR4.MCE stays the host's in hardware, reads
 * as 0 and cannot be set (#GP, as on AMD-V: CPUID advertises no MCE);
 * PCIDE, PKE, LA57, CET, PKS, LAM_SUP and reserved bits get #GP whatever
 * the host CPU has. (The SVM backend has its own CR4
 * intercepts; this test is for vmx/'s guest/host mask.)
 */
#include "hvm_harness.h"

#define TAG "vcr4"

FIXTURE(vcr4) {
	struct hvm_guest_run g;
};

FIXTURE_SETUP(vcr4)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(vcr4)
{
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

TEST_F(vcr4, mce_is_hidden_and_unadvertised_bits_gp)
{
	int r;

	/* in the body: the 6.1 harness runs the body after a setup SKIP */
	if (hvm_host_vendor() != HVM_VENDOR_INTEL)
		SKIP(return, "VT-x backend only");
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "vmx-cr4.elf", 60, NULL,
			  false);

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT("cr4.mce=0\n"
		      "set mce: #GP\n"
		      "set pcide: #GP\n"
		      "set pke: #GP\n"
		      "set la57: #GP\n"
		      "set cet: #GP\n"
		      "set pks: #GP\n"
		      "set lam_sup: #GP\n"
		      "set bit31: #GP\n"
		      "set bit63: #GP\n"
		      "0 checks failed\n", self->g.console);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
}

TEST_HARNESS_MAIN
