// SPDX-License-Identifier: GPL-2.0
/*
 * guest_boot: guests start in the mode and at the place the loader
 * promises (raw real/protected/long, ELF32, ELF64, Multiboot), and every
 * way a guest can stop by itself shows up with the right reason, exit code,
 * address and hvctl exit status.
 */
#include <fcntl.h>

#include "hvm_harness.h"

#define TAG "gb"
#define RUN_TIMEOUT "60"

FIXTURE(gb) {
	struct hvm_exec c;
	struct hvm_guest_run g;
};

FIXTURE_SETUP(gb)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(gb)
{
	hvm_cmd_free(&self->c);
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

/* hvctl run GUEST ARGS...: the console is stdout, the reason on stderr. */
#define RUN(c, guest, ...)						\
	hvctl((c), "run", hvm_guest(guest), "--timeout", RUN_TIMEOUT,	\
	      ##__VA_ARGS__, NULL)

#define ASSERT_RUN_STATUS(want, c)					\
	do {								\
		if ((c)->status != (want))				\
			TH_LOG("hvctl run: status %d, want %d; stderr: %s; " \
			       "stdout: %s", (c)->status, (want), (c)->err, \
			       (c)->out);				\
		ASSERT_EQ((want), (c)->status);				\
	} while (0)

TEST_F(gb, hello_real_mode)
{
	RUN(&self->c, "hello-real.bin", "--mode", "real");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from real mode\n", self->c.out);
	ASSERT_NE(NULL, strstr(self->c.err, "exit code 0"));
}

TEST_F(gb, hello_protected_mode)
{
	RUN(&self->c, "hello-prot.bin", "--mode", "protected");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from protected mode\n", self->c.out);
}

TEST_F(gb, hello_long_mode_is_the_raw_default)
{
	RUN(&self->c, "hello-long.bin");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from long mode\n", self->c.out);
}

/* hello-long is position independent: --addr moves it, entry follows. */
TEST_F(gb, raw_addr_and_entry_options)
{
	RUN(&self->c, "hello-long.bin", "--addr", "0x200000");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from long mode\n", self->c.out);
	RUN(&self->c, "hello-long.bin", "--addr", "0x300000", "--entry", "0x300000");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from long mode\n", self->c.out);
	/* an entry outside the image is refused before anything runs */
	RUN(&self->c, "hello-long.bin", "--entry", "0x900000");
	ASSERT_RUN_STATUS(1, &self->c);
	ASSERT_TRUE(hvm_one_error_line(self->c.err)) {
		TH_LOG("stderr: %s", self->c.err);
	}
}

TEST_F(gb, elf64_c_guest_runs_in_long_mode)
{
	RUN(&self->c, "elf64.elf");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from a 64-bit C guest\n"
		      "data=0x1234abcd bss=zero\n"
		      "mode=long\n", self->c.out);
}

TEST_F(gb, elf32_c_guest_runs_in_protected_mode)
{
	RUN(&self->c, "elf32.elf");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_OUTPUT("hello from a 32-bit C guest\n"
		      "data=0x1234abcd bss=zero\n"
		      "mode=protected\n", self->c.out);
}

static void write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, data, strlen(data)) < 0)
			perror(path);
		close(fd);
	}
}

/* Parse "mmap 0xA-0xB type T" lines: RAM must be [0, 16M) and nothing more. */
static bool mmap_covers_ram(const char *out, uint64_t ram, char *why, size_t n)
{
	const char *p = out;
	uint64_t covered = 0;

	while ((p = strstr(p, "mmap 0x"))) {
		unsigned long long a, b;
		unsigned int type;

		if (sscanf(p, "mmap 0x%llx-0x%llx type %u", &a, &b, &type) != 3) {
			snprintf(why, n, "bad mmap line");
			return false;
		}
		p++;
		if (type != 1)
			continue;
		if (b > ram) {
			snprintf(why, n, "available range 0x%llx-0x%llx beyond RAM", a, b);
			return false;
		}
		if (a <= 0x100000 && b >= ram)
			covered = b;
	}
	if (covered != ram)
		snprintf(why, n, "no available range covers 1 MiB up to the end of RAM");
	return covered == ram;
}

TEST_F(gb, multiboot_guest_gets_magic_cmdline_modules_and_memory)
{
	char m1[64], m2[64], why[128] = "";

	snprintf(m1, sizeof(m1), "/tmp/gb-mod1-%d", (int)getpid());
	snprintf(m2, sizeof(m2), "/tmp/gb-mod2-%d", (int)getpid());
	write_file(m1, "module-one-payload");
	write_file(m2, "the second module, a bit longer than the first one");
	RUN(&self->c, "multiboot.elf", "--memory", "16M", "--cmdline",
	    "hello multiboot world", "--module", m1, "--module", m2);
	unlink(m1);
	unlink(m2);
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_NE(NULL, strstr(self->c.out, "magic ok\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "mem_lower=640 mem_upper=15360\n")) {
		TH_LOG("console: %s", self->c.out);
	}
	ASSERT_NE(NULL, strstr(self->c.out, "cmdline=hello multiboot world\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "mods=2\n"));
	ASSERT_NE(NULL, strstr(self->c.out,
			       "mod0: size=18 page-aligned data=module-one-payload\n"));
	ASSERT_NE(NULL, strstr(self->c.out,
			       "mod1: size=50 page-aligned data=the second module, a bit longer \n"));
	ASSERT_TRUE(mmap_covers_ram(self->c.out, 16ull << 20, why, sizeof(why))) {
		TH_LOG("%s; console: %s", why, self->c.out);
	}
	ASSERT_NE(NULL, strstr(self->c.out, "placement ok\n")) {
		TH_LOG("console: %s", self->c.out);
	}
}

TEST_F(gb, multiboot_guest_without_modules)
{
	RUN(&self->c, "multiboot.elf", "--memory", "64M");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_NE(NULL, strstr(self->c.out, "magic ok\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "mem_upper=64512\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "mods=0\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "placement ok\n"));
}

TEST_F(gb, exit_port_code_is_the_run_status)
{
	RUN(&self->c, "exit-code.bin");
	ASSERT_RUN_STATUS(42, &self->c);
	ASSERT_NE(NULL, strstr(self->c.err, "exit code 42")) {
		TH_LOG("stderr: %s", self->c.err);
	}
}

TEST_F(gb, exit_port_reason_code_and_rip_in_status)
{
	int r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "exit-code.bin",
			      60, NULL, false);

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_EQ(42, self->g.wait_status);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(42ull, self->g.st.exit_code);
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, self->g.st.state);
	/* mov $42,%al (2 bytes) at 0x1000, then the OUT at 0x1002 */
	ASSERT_TRUE(self->g.st.stop_rip == 0x1002 || self->g.st.stop_rip == 0x1004) {
		TH_LOG("stop rip 0x%llx", (unsigned long long)self->g.st.stop_rip);
	}
}

TEST_F(gb, exit_port_takes_2_and_4_byte_writes)
{
	int r;

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "exit16.bin", 60,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0x1234ull, self->g.st.exit_code);
	ASSERT_EQ(0x34, self->g.wait_status);
	hvm_guest_run_free(&self->g);

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "exit32.bin", 60,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0x89abcdefull, self->g.st.exit_code);
	ASSERT_EQ(0xef, self->g.wait_status);
}

TEST_F(gb, hlt_with_interrupts_off_stops_with_reason_halt)
{
	int r;

	RUN(&self->c, "halt.bin");
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_NE(NULL, strstr(self->c.err, "halt")) {
		TH_LOG("stderr: %s", self->c.err);
	}

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "halt.bin", 60,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_EQ(0, self->g.wait_status);
	ASSERT_STOP_REASON(HVM_STOP_HALT, &self->g.st);
	/* cli at 0x1000, hlt at 0x1001 */
	ASSERT_TRUE(self->g.st.stop_rip == 0x1001 || self->g.st.stop_rip == 0x1002) {
		TH_LOG("stop rip 0x%llx", (unsigned long long)self->g.st.stop_rip);
	}
	ASSERT_LE(1ull, self->g.st.stats[HVM_STAT_HLT]);
}

TEST_F(gb, triple_fault_stops_with_reason_shutdown)
{
	int r;

	RUN(&self->c, "triple-fault.bin");
	ASSERT_RUN_STATUS(2, &self->c);
	ASSERT_NE(NULL, strstr(self->c.err, "shutdown")) {
		TH_LOG("stderr: %s", self->c.err);
	}

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "triple-fault.bin",
			  60, NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_EQ(2, self->g.wait_status);
	ASSERT_STOP_REASON(HVM_STOP_SHUTDOWN, &self->g.st);
}

TEST_F(gb, unmapped_access_stops_with_fault_at_the_exact_address)
{
	static const char *const opts[] = { "--mode", "protected", NULL };
	const char *name = hvm_vm_name(TAG);
	uint64_t gpa = 0;
	char reason[32];
	int r;

	RUN(&self->c, "unmapped.bin", "--memory", "16M", "--mode", "protected");
	ASSERT_RUN_STATUS(2, &self->c);
	ASSERT_NE(NULL, strstr(self->c.err, "0x1001000")) {
		TH_LOG("stderr: %s", self->c.err);
	}

	r = hvm_guest_run(&self->g, name, "16M", "unmapped.bin", 60, opts, true);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_EQ(2, self->g.wait_status);
	ASSERT_STOP_REASON(HVM_STOP_FAULT, &self->g.st);
	ASSERT_EQ(0x1001000ull, self->g.st.fault_gpa);
	/*
	 * unmapped.bin at 0x1000: cli (1 byte), the read of RAM's last dword
	 * (a1 moffs32, 5 bytes) worked, so the VM stopped on the second read,
	 * at 0x1006, which never completed.
	 */
	ASSERT_EQ(0x1006ull, self->g.st.stop_rip);

	HVCTL_OK(&self->c, "status", name, "--json");
	ASSERT_TRUE(hvm_json_str(self->c.out, "stop_reason", reason, sizeof(reason)));
	ASSERT_STREQ("fault", reason);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "fault_gpa", &gpa));
	ASSERT_EQ(0x1001000ull, gpa);
	HVCTL_OK(&self->c, "destroy", name);
}

TEST_F(gb, load_into_an_existing_vm_then_start)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;

	HVCTL_OK(&self->c, "create", name, "--memory", "16M");
	HVCTL_OK(&self->c, "load", name, hvm_guest("hello-real.bin"), "--mode", "real");
	HVCTL_OK(&self->c, "start", name);
	HVCTL_OK(&self->c, "wait", name, "--timeout", RUN_TIMEOUT);
	HVCTL_OK(&self->c, "console", name);
	ASSERT_OUTPUT("hello from real mode\n", self->c.out);
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	ASSERT_EQ((uint64_t)strlen("hello from real mode\n"), st.console_bytes);
	HVCTL_OK(&self->c, "destroy", name);
}

TEST_F(gb, garbage_image_options_are_refused_cleanly)
{
	HVCTL_FAILS(&self->c, "run", "/nonexistent/image.bin");
	HVCTL_FAILS(&self->c, "run", hvm_guest("hello-long.bin"), "--mode", "sideways");
	HVCTL_FAILS(&self->c, "run", hvm_guest("hello-long.bin"), "--format", "pdf");
	/* a raw image that does not fit in RAM */
	HVCTL_FAILS(&self->c, "run", hvm_guest("hello-long.bin"), "--memory", "16M",
		    "--addr", "0xfffff0");
}

TEST_HARNESS_MAIN
