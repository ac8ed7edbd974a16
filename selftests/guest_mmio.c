// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mmio: the MMIO path and event injection, through the selftests'
 * MMIO device (module parameter testdev=1, guest-physical 0xfebf0000).
 * guests/mmio.c runs every instruction form the emulator decodes against
 * it (MOV in all widths and with byte registers, immediates, moffs, SIB,
 * address-size prefix, FS/DS overrides, MOVZX/MOVSX/MOVSXD, the ALU forms
 * with their flags, XCHG, STOS, MOVS with and without REP and with DF
 * set), then raises an interrupt while IF=0 (delivered only after STI and
 * its shadow) and an NMI (delivered at once). The expected values are the
 * architectural results (SDM vol. 1 3.4.3 for the flags). An instruction
 * the emulator does not know stops the VM with reason unhandled on it.
 * Without the parameter the range does not exist: reason fault there.
 */
#include <fcntl.h>
#include <unistd.h>

#include "hvm_harness.h"

#define TAG "mm"

#define TESTDEV_BASE	0xfebf0000ull
#define SVM_EXIT_NPF	0x400ull	/* APM vol. 2 appendix C */
#define VMX_EXIT_EPT	48ull		/* SDM vol. 3C appendix C */

FIXTURE(mm) {
	struct hvm_guest_run g;
	struct hvm_exec c;
};

FIXTURE_SETUP(mm)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(mm)
{
	hvm_set_testdev(false);
	hvm_cmd_free(&self->c);
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static const char want_head[] =
	"mov-store: 5566778877880088 eeddccbbaa998877\n"
	"mov-store-byteregs: 00000000cd00ab00 0000000000000000\n"
	"mov-imm: 89abcdef1234005a fffffffffffffffd\n"
	"moffs-sib: 0000770000000000 0000998866554433\n"
	"mov-load: ffffffffffffff20 ffffffffffff4030 80706050 fffefdfcfbfaf9f8 ffffffffffff80ff\n"
	"movzx-movsx: f8 f9f8 fffffffffffffff8 fffffffffffff9f8 fffffffffffefdfc\n"
	"moffs-addr32: fffefdfcfbfaf9f8 fffefdfcfbfaf9f8\n"
	"add-mem-reg: mem=0000000080000000 reg=1 flags=894\n"
	"add-reg-mem: mem=ffffffffffffffff reg=0 flags=055\n"
	"sub-mem-imm8: mem=00000000000000ff reg=0 flags=095\n"
	"sub-reg-mem16: mem=0000000000008000 reg=ffff flags=885\n"
	"and-mem-imm32: mem=0000000010305070 reg=0 flags=000\n"
	"or-mem-reg8: mem=0000000000008000 reg=80 flags=080\n"
	"xor-mem-imm8sx: mem=aaaaaaaaaaaaaaaa reg=0 flags=084\n"
	"cmp-mem-reg: mem=0000000000000005 reg=7 flags=091\n"
	"cmp-reg-mem: mem=0000000000000007 reg=7 flags=044\n"
	"test-mem-reg: mem=0000000000008001 reg=8000 flags=084\n"
	"test-mem-imm: mem=000000000000007f reg=0 flags=044\n"
	"xchg: mem=0000000000002222 reg=1111 flags=044\n"
	"lock-or: mem=4000000000000000 reg=40000000 flags=004\n"
	"rep-stosb: 3c3c3c3c3c3c3c3c 3c3c3c3c3c3c3c3c\n"
	"rep-stosb-regs: rcx=0 rdi=+10\n"
	"stosq: 0000000000000000 0102030405060708\n"
	"rep-movsb-ram-to-mmio: a7a6a5a4a3a2a1a0 afaeadacabaaa9a8\n"
	"movsq-std-mmio-to-ram: a0af a8a7 rsi=+fffffffffffffff8\n"
	"segments: fs=badf00dcafef00d ds=badf00dcafef00d\n"
	"irq: while-if0=0 after-sti=1 marker-seen=1\n"
	"nmi: delivered=1 irq-count=1\n"
	"count: 144\n";

TEST_F(mm, every_decoded_form_reaches_the_device_and_events_are_delivered)
{
	struct hvm_info info;
	unsigned long long at = 0;
	const char *tail;
	char want_tail[64];
	int r;

	ASSERT_EQ(0, hvm_get_info(&info));
	ASSERT_EQ(0, hvm_set_testdev(true));
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "mmio.elf", 120,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_NE(NULL, self->g.console);

	/* The last line names the unsupported instruction's address. */
	tail = strstr(self->g.console, "unsupported: at=");
	ASSERT_NE(NULL, tail);
	ASSERT_EQ(1, sscanf(tail, "unsupported: at=%llx", &at));
	snprintf(want_tail, sizeof(want_tail), "unsupported: at=%llx\n", at);
	ASSERT_STREQ(want_tail, tail);
	((char *)tail)[0] = '\0';
	ASSERT_OUTPUT(want_head, self->g.console);

	ASSERT_STOP_REASON(HVM_STOP_UNHANDLED, &self->g.st);
	ASSERT_EQ(at, self->g.st.stop_rip);
	ASSERT_EQ(strcmp(info.backend, "svm") ? VMX_EXIT_EPT : SVM_EXIT_NPF,
		  self->g.st.hw_error);
}

TEST_F(mm, without_testdev_the_range_is_outside_ram)
{
	int r;

	ASSERT_EQ(0, hvm_set_testdev(false));
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "mmio.elf", 120,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT("", self->g.console);
	ASSERT_STOP_REASON(HVM_STOP_FAULT, &self->g.st);
	ASSERT_EQ(TESTDEV_BASE, self->g.st.fault_gpa);
}

/* Nanoseconds the thread @pid has run on a CPU (/proc/PID/schedstat). */
static long long thread_cpu_ns(pid_t pid)
{
	char path[64];
	long long ns = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

/*
 * HLT with IF=1 sleeps until an interrupt (SDM vol. 2 HLT): the vCPU
 * thread uses no CPU while the guest waits for the device's 1 s timer,
 * the interrupt then arrives right after the HLT, and HLT with IF=0 and
 * nothing pending still stops the VM with reason halt.
 */
TEST_F(mm, hlt_with_interrupts_on_sleeps_until_the_interrupt)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	char comm[48];
	long long t0, t1;
	pid_t pid;

	ASSERT_EQ(0, hvm_set_testdev(true));
	HVCTL_OK(&self->c, "create", name, "--memory", "16M", "--image",
		 hvm_guest("halt-wake.elf"));
	HVCTL_OK(&self->c, "start", name);
	usleep(300000);
	snprintf(comm, sizeof(comm), "hvm-%s/0", name);
	pid = hvm_find_thread(comm);
	ASSERT_NE(0, pid);
	t0 = thread_cpu_ns(pid);
	usleep(400000);
	t1 = thread_cpu_ns(pid);
	ASSERT_LE(0, t0);
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state);
	/* A busy wait would be ~400 ms; a sleeping thread runs for nothing. */
	ASSERT_GT(50000000LL, t1 - t0) {
		TH_LOG("halted vCPU thread ran %lld ns in 400 ms", t1 - t0);
	}

	ASSERT_EQ(0, hvm_vm_wait_stopped(name, 20000, &st));
	ASSERT_STOP_REASON(HVM_STOP_HALT, &st);
	ASSERT_EQ(2ull, st.stats[HVM_STAT_HLT]);
	HVCTL_OK(&self->c, "console", name);
	ASSERT_OUTPUT("halting with IF=1\n"
		      "woke: irq=1 at-hlt=1\n"
		      "halting with IF=0\n", self->c.out);
}

TEST_HARNESS_MAIN
