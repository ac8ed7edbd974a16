// SPDX-License-Identifier: GPL-2.0
/*
 * host_state: a guest can scribble over any state it owns, and the host
 * must not notice: the host's syscall/sysenter MSRs on every CPU, its
 * syscalls, its FS/GS bases and the FPU/SSE/AVX registers of a task that
 * shares the CPU with the guest stay exactly as they were.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <asm/prctl.h>

#include "host_msr.h"
#include "hvm_harness.h"

#define TAG "hs"
#define MAX_CPUS 64

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

FIXTURE(hs) {
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
	int ncpus;
};

FIXTURE_SETUP(hs)
{
	ASSERT_EQ(0, hvm_load_hvm());
	self->ncpus = hvm_nr_cpus();
	if (self->ncpus > MAX_CPUS)
		self->ncpus = MAX_CPUS;
	snprintf(self->name, sizeof(self->name), "h%d", (int)getpid() % 100000);
}

FIXTURE_TEARDOWN(hs)
{
	hvm_cmd_free(&self->c);
	hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0);
}

/* Create NAME from IMAGE, pin its vCPU thread to @cpu (if it can be), start. */
static void start_on_cpu(struct __test_metadata *_metadata, struct hvm_exec *c,
			 const char *name, const char *image, int cpu)
{
	char comm[32];
	pid_t tid;

	HVCTL_OK(c, "create", name, "--memory", "16M", "--image", hvm_guest(image));
	snprintf(comm, sizeof(comm), "hvm-%s/0", name);
	tid = hvm_find_thread(comm);
	ASSERT_NE(0, tid) {
		TH_LOG("no vCPU thread %s", comm);
	}
	ASSERT_EQ(0, pin(tid, cpu)) {
		TH_LOG("cannot pin %s to CPU %d", comm, cpu);
	}
	HVCTL_OK(c, "start", name);
}

TEST_F_TIMEOUT(hs, guest_syscall_msr_writes_leave_host_msrs_alone, 600)
{
	static uint64_t before[MAX_CPUS][HVM_NR_HOST_MSRS];
	unsigned long fs0 = 0, gs0 = 0, fs1 = 0, gs1 = 0;
	static __thread int tls_canary = 0x5eed;
	int cpu, r;

	r = hvm_load_msr_module();
	ASSERT_EQ(0, r) {
		TH_LOG("loading msr.ko (%s): %s",
		       hvm_extra_module("msr") ?: "not found in the module dirs",
		       strerror(-r));
	}
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &fs0));
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_GS, &gs0));

	for (cpu = 0; cpu < self->ncpus; cpu++)
		hvm_read_host_msrs(cpu, before[cpu]);
	ASSERT_NE(~0ull, before[0][2]);		/* LSTAR is readable */

	for (cpu = 0; cpu < self->ncpus; cpu++) {
		start_on_cpu(_metadata, &self->c, self->name, "syscall-msr.elf", cpu);
		hvctl_t(&self->c, 120000, "wait", self->name, "--timeout", "60", NULL);
		ASSERT_EQ(0, self->c.status) {
			TH_LOG("CPU %d: guest status %d", cpu, self->c.status);
		}
		HVCTL_OK(&self->c, "console", self->name);
		ASSERT_OUTPUT("written\nmsrs kept\n", self->c.out);
		HVCTL_OK(&self->c, "destroy", self->name);
	}

	for (cpu = 0; cpu < self->ncpus; cpu++) {
		EXPECT_EQ(0u, hvm_host_msrs_changed(cpu, before[cpu]));
	}

	/* the syscall path works on every CPU, and our own bases are ours */
	for (cpu = 0; cpu < self->ncpus; cpu++) {
		ASSERT_EQ(0, pin(0, cpu));
		ASSERT_EQ(getpid(), (pid_t)syscall(SYS_getpid));
		ASSERT_EQ(cpu, sched_getcpu());
	}
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &fs1));
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_GS, &gs1));
	ASSERT_EQ(fs0, fs1);
	ASSERT_EQ(gs0, gs1);
	ASSERT_EQ(0x5eed, tls_canary);
}

#define HOST_STATE "/sys/kernel/debug/hvm/host_state"

/*
 * hvm's debugfs dump of the CPU we run on (kmod/debugfs.c): control,
 * debug and descriptor-table registers, XCR0 and the MSRs a world switch
 * must give back. Returns the byte count, or -errno.
 */
static ssize_t read_host_state(int cpu, char *buf, size_t size)
{
	char want[32];
	ssize_t n;
	int fd, r;

	r = pin(0, cpu);
	if (r)
		return r;
	fd = open(HOST_STATE, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	r = errno;
	close(fd);
	if (n < 0)
		return -r;
	buf[n] = '\0';
	/* The dump names the CPU it was taken on: it must be ours. */
	snprintf(want, sizeof(want), "cpu %d\n", cpu);
	return strncmp(buf, want, strlen(want)) ? -EXDEV : n;
}

/*
 * Guests that load their own values into every register a host also uses
 * (scribble.elf: DR0-3/DR7, DEBUGCTL, SPEC_CTRL, PAT, EFER, XCR0, CR4,
 * GDTR/IDTR limits, syscall/sysenter MSRs, TSC_AUX; syscall-msr.elf) run
 * pinned to each CPU in turn; afterwards the dump of that CPU, read by
 * this same task, must be the same as before, line for line.
 */
TEST_F_TIMEOUT(hs, every_cpu_keeps_its_registers_after_scribbling_guests, 600)
{
	static const char *const guests[] = { "scribble.elf", "syscall-msr.elf" };
	static char before[4096], after[4096];
	int cpu;
	size_t g;

	if (access(HOST_STATE, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, access(HOST_STATE, R_OK)) {
		TH_LOG("%s: %s", HOST_STATE, strerror(errno));
	}
	for (cpu = 0; cpu < self->ncpus; cpu++) {
		ASSERT_LT(0, read_host_state(cpu, before, sizeof(before)));
		ASSERT_NE(NULL, strstr(before, "\nDR7 ")) {
			TH_LOG("dump:\n%s", before);
		}
		ASSERT_NE(NULL, strstr(before, "\nLSTAR 0x"));
		for (g = 0; g < sizeof(guests) / sizeof(guests[0]); g++) {
			start_on_cpu(_metadata, &self->c, self->name, guests[g], cpu);
			hvctl_t(&self->c, 120000, "wait", self->name, "--timeout", "60", NULL);
			ASSERT_EQ(0, self->c.status) {
				TH_LOG("CPU %d %s: guest status %d", cpu, guests[g],
				       self->c.status);
			}
			HVCTL_OK(&self->c, "console", self->name);
			if (g == 0) {
				/* DRs, the 11 MSRs every vendor keeps, GDTR/IDTR */
				ASSERT_EQ(0, strncmp(self->c.out, "scribbled ", 10)) {
					TH_LOG("console: %s", self->c.out);
				}
				ASSERT_LE(13, atoi(self->c.out + 10)) {
					TH_LOG("console: %s", self->c.out);
				}
			}
			HVCTL_OK(&self->c, "destroy", self->name);
		}
		ASSERT_LT(0, read_host_state(cpu, after, sizeof(after)));
		EXPECT_STREQ(before, after) {
			TH_LOG("CPU %d before:\n%s\nafter:\n%s", cpu, before, after);
		}
	}
}

/* Load 16 XMM (or YMM) registers, yield through a raw syscall, store them. */
static bool regs_survive_a_yield(uint64_t seed, bool avx)
{
	static uint8_t in[16 * 32] __attribute__((aligned(32)));
	static uint8_t out[16 * 32] __attribute__((aligned(32)));
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(seed * 31 + i * 5 + 3);
	memset(out, 0, sizeof(out));
	if (avx) {
		__asm__ volatile(
			"vmovdqu 0x000(%0), %%ymm0\n\tvmovdqu 0x020(%0), %%ymm1\n\t"
			"vmovdqu 0x040(%0), %%ymm2\n\tvmovdqu 0x060(%0), %%ymm3\n\t"
			"vmovdqu 0x080(%0), %%ymm4\n\tvmovdqu 0x0a0(%0), %%ymm5\n\t"
			"vmovdqu 0x0c0(%0), %%ymm6\n\tvmovdqu 0x0e0(%0), %%ymm7\n\t"
			"vmovdqu 0x100(%0), %%ymm8\n\tvmovdqu 0x120(%0), %%ymm9\n\t"
			"vmovdqu 0x140(%0), %%ymm10\n\tvmovdqu 0x160(%0), %%ymm11\n\t"
			"vmovdqu 0x180(%0), %%ymm12\n\tvmovdqu 0x1a0(%0), %%ymm13\n\t"
			"vmovdqu 0x1c0(%0), %%ymm14\n\tvmovdqu 0x1e0(%0), %%ymm15\n\t"
			"mov $24, %%eax\n\tsyscall\n\t"		/* sched_yield */
			"vmovdqu %%ymm0, 0x000(%1)\n\tvmovdqu %%ymm1, 0x020(%1)\n\t"
			"vmovdqu %%ymm2, 0x040(%1)\n\tvmovdqu %%ymm3, 0x060(%1)\n\t"
			"vmovdqu %%ymm4, 0x080(%1)\n\tvmovdqu %%ymm5, 0x0a0(%1)\n\t"
			"vmovdqu %%ymm6, 0x0c0(%1)\n\tvmovdqu %%ymm7, 0x0e0(%1)\n\t"
			"vmovdqu %%ymm8, 0x100(%1)\n\tvmovdqu %%ymm9, 0x120(%1)\n\t"
			"vmovdqu %%ymm10, 0x140(%1)\n\tvmovdqu %%ymm11, 0x160(%1)\n\t"
			"vmovdqu %%ymm12, 0x180(%1)\n\tvmovdqu %%ymm13, 0x1a0(%1)\n\t"
			"vmovdqu %%ymm14, 0x1c0(%1)\n\tvmovdqu %%ymm15, 0x1e0(%1)\n\t"
			"vzeroupper"
			: : "r"(in), "r"(out)
			: "rax", "rcx", "r11", "memory",
			  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
			  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			  "xmm13", "xmm14", "xmm15");
		return !memcmp(in, out, sizeof(in));
	}
	__asm__ volatile(
		"movdqu 0x00(%0), %%xmm0\n\tmovdqu 0x10(%0), %%xmm1\n\t"
		"movdqu 0x20(%0), %%xmm2\n\tmovdqu 0x30(%0), %%xmm3\n\t"
		"movdqu 0x40(%0), %%xmm4\n\tmovdqu 0x50(%0), %%xmm5\n\t"
		"movdqu 0x60(%0), %%xmm6\n\tmovdqu 0x70(%0), %%xmm7\n\t"
		"movdqu 0x80(%0), %%xmm8\n\tmovdqu 0x90(%0), %%xmm9\n\t"
		"movdqu 0xa0(%0), %%xmm10\n\tmovdqu 0xb0(%0), %%xmm11\n\t"
		"movdqu 0xc0(%0), %%xmm12\n\tmovdqu 0xd0(%0), %%xmm13\n\t"
		"movdqu 0xe0(%0), %%xmm14\n\tmovdqu 0xf0(%0), %%xmm15\n\t"
		"mov $24, %%eax\n\tsyscall\n\t"
		"movdqu %%xmm0, 0x00(%1)\n\tmovdqu %%xmm1, 0x10(%1)\n\t"
		"movdqu %%xmm2, 0x20(%1)\n\tmovdqu %%xmm3, 0x30(%1)\n\t"
		"movdqu %%xmm4, 0x40(%1)\n\tmovdqu %%xmm5, 0x50(%1)\n\t"
		"movdqu %%xmm6, 0x60(%1)\n\tmovdqu %%xmm7, 0x70(%1)\n\t"
		"movdqu %%xmm8, 0x80(%1)\n\tmovdqu %%xmm9, 0x90(%1)\n\t"
		"movdqu %%xmm10, 0xa0(%1)\n\tmovdqu %%xmm11, 0xb0(%1)\n\t"
		"movdqu %%xmm12, 0xc0(%1)\n\tmovdqu %%xmm13, 0xd0(%1)\n\t"
		"movdqu %%xmm14, 0xe0(%1)\n\tmovdqu %%xmm15, 0xf0(%1)"
		: : "r"(in), "r"(out)
		: "rax", "rcx", "r11", "memory",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		  "xmm15");
	return !memcmp(in, out, 16 * 16);
}

TEST_F_TIMEOUT(hs, host_fpu_state_survives_a_guest_on_the_same_cpu, 300)
{
	/*
	 * Bochs 2.7 loses YMM state across host context switches with no guest
	 * at all (and its XRSTOR then trips the kernel's "Bad FPU state"
	 * WARN); its leg sets HVM_TEST_NO_AVX and this test checks XMM only.
	 */
	bool avx = hvm_cpuinfo_flag("avx") && !getenv("HVM_TEST_NO_AVX");
	unsigned long iterations = 0, broken = 0, rounds_while_running = 0;
	struct hvm_vm_status st;

	ASSERT_EQ(0, pin(0, 0));
	start_on_cpu(_metadata, &self->c, self->name, "fpu.elf", 0);
	do {
		int i;

		for (i = 0; i < 10; i++, iterations++)
			if (!regs_survive_a_yield(iterations, avx))
				broken++;
		ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
		if (st.state == HVM_VM_RUNNING)
			rounds_while_running++;
	} while (st.state == HVM_VM_RUNNING);

	HVCTL_OK(&self->c, "console", self->name);
	TH_LOG("%lu %s checks, %lu rounds of 10 done while the guest ran",
	       iterations, avx ? "AVX" : "SSE", rounds_while_running);
	ASSERT_OUTPUT("fpu kept after 20000 exits\n", self->c.out);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	ASSERT_EQ(0ull, st.exit_code);
	/* fpu.elf's loop: one CPUID exit per iteration, 20000 of them */
	ASSERT_LE(20000ull, st.stats[HVM_STAT_CPUID]);
	ASSERT_EQ(0ul, broken);
	/*
	 * A round whose end still saw the guest running interleaved with it
	 * on this CPU: without one, nothing was tested (the guest takes
	 * 20000 exits, hundreds of rounds in the slowest machine).
	 */
	ASSERT_LE(1ul, rounds_while_running);
}

TEST_HARNESS_MAIN
