// SPDX-License-Identifier: GPL-2.0
/*
 * guest_strio: string I/O honours the guest's own protections. The CPU
 * exits on INS/OUTS before it checks the memory operand, so hvm does the
 * checks: a guest user process with I/O privilege must get a #PF (error
 * code, CR2) instead of reading or writing its kernel's pages; read-only
 * pages, CR0.WP, SMAP, segment limits and types, null selectors and
 * non-canonical addresses fault as on the real CPU; a REP that faults
 * leaves RSI/RDI/RCX counting the elements already done and RIP on the
 * instruction. The guest (guests/strio.c) prints each case's outcome.
 */
#include "hvm_harness.h"

#define TAG "gs"

FIXTURE(gs) {
	struct hvm_guest_run g;
};

FIXTURE_SETUP(gs)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(gs)
{
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

/* Paging: user/supervisor, read/write, Accessed/Dirty, CR0.WP. */
static const char want_paging[] =
	"user-insb-user: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=16\n"
	"user-outsb-user: #UD err=0x0 si=+0x10 cx=0 at=ud2 wrote=0\n"
	"user-insb-supervisor: #PF err=0x7 cr2=+0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"user-outsb-supervisor: #PF err=0x5 cr2=+0x0 si=+0x0 cx=16 at=insn wrote=0\n"
	"user-insb-readonly: #PF err=0x7 cr2=+0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"user-outsb-readonly: #UD err=0x0 si=+0x10 cx=0 at=ud2 wrote=0\n"
	"user-insb-into-supervisor: #PF err=0x7 cr2=+0x0 di=+0x0 cx=2 at=insn wrote=2\n"
	"user-outsb-noncanonical: #GP err=0x0 si=+0x0 cx=16 at=insn wrote=0\n"
	"user-outsb-ad: #UD err=0x0 si=+0x10 cx=0 at=ud2 wrote=0\n"
	"user-insb-ad: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=0\n"
	"ad: read page A=1 D=0, written page A=1 D=1\n"
	"kernel-insb-readonly-wp1: #PF err=0x3 cr2=+0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"kernel-insb-readonly-wp0: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=16\n"
	"kernel-insb-supervisor: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=16\n";

static const char want_smap[] =
	"smap-insb-user-ac0: #PF err=0x3 cr2=+0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"smap-insb-user-ac1: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=16\n"
	"smap-outsb-user-ac0: #PF err=0x1 cr2=+0x0 si=+0x0 cx=16 at=insn wrote=0\n";

/* Segments in compatibility mode: limits, expand-down, type, null. */
static const char want_segments[] =
	"compat-insb-past-limit: #GP err=0x0 di=+0x10 cx=16 at=insn wrote=16\n"
	"compat-insb-expdown-below: #GP err=0x0 di=+0x0 cx=8 at=insn wrote=0\n"
	"compat-insb-expdown-top: #GP err=0x0 di=+0x4 cx=4 at=insn wrote=4\n"
	"compat-insb-readonly-es: #GP err=0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"compat-insb-null-es: #GP err=0x0 di=+0x0 cx=16 at=insn wrote=0\n"
	"compat-insb-flat: #UD err=0x0 di=+0x10 cx=0 at=ud2 wrote=16\n"
	"compat-outsb-past-limit: #GP err=0x0 si=+0x10 cx=4 at=insn wrote=0\n"
	"done\n";

TEST_F(gs, string_io_faults_as_the_cpu_would_and_restarts)
{
	char want[4096];
	int r;

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "strio.elf", 120,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	snprintf(want, sizeof(want), "%s%s%s", want_paging,
		 hvm_cpuinfo_flag("smap") ? want_smap : "smap: not supported\n",
		 want_segments);
	ASSERT_OUTPUT(want, self->g.console);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
}

TEST_HARNESS_MAIN
