// SPDX-License-Identifier: GPL-2.0
/*
 * linux_loader: hvctl's Linux boot protocol loader (--format linux) with a
 * fake bzImage (guests/linux-boot.bz: a 2.15 setup header and a 64-bit
 * payload). The guest, entered at startup_64, reports RSI = zero page, the
 * boot selectors, the setup header fields the loader fills, the command
 * line, the initrd's size and FNV-1a, the e820 map and the MP table it
 * finds the way Linux does; the test compares every value with what
 * ctl/README.md documents. Also: the MP table lists every vCPU of the VM
 * (read back through /dev/hvm), and refused images and options fail with
 * one clear line.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "hvm_harness.h"

#define TAG "ll"
#define RUN_TIMEOUT "60"

FIXTURE(ll) {
	struct hvm_exec c;
	char initrd[64], bad[64];
};

FIXTURE_SETUP(ll)
{
	snprintf(self->initrd, sizeof(self->initrd), "/tmp/ll-initrd-%d", (int)getpid());
	snprintf(self->bad, sizeof(self->bad), "/tmp/ll-bad-%d", (int)getpid());
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(ll)
{
	hvm_cmd_free(&self->c);
	unlink(self->initrd);
	unlink(self->bad);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

#define ASSERT_RUN_STATUS(want, c)					\
	do {								\
		if ((c)->status != (want))				\
			TH_LOG("hvctl run: status %d, want %d; stderr: %s; " \
			       "stdout: %s", (c)->status, (want), (c)->err, \
			       (c)->out);				\
		ASSERT_EQ((want), (c)->status);				\
	} while (0)

/* A file of n bytes: a 16-byte tag, then a pattern; returns its FNV-1a. */
static uint32_t write_initrd(const char *path, size_t n)
{
	uint32_t h = 2166136261u;
	uint8_t *buf = malloc(n);
	int fd;

	if (!buf)
		return 0;
	for (size_t i = 0; i < n; i++)
		buf[i] = i < 16 ? "hvm-initrd-test!"[i] : (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < n; i++)
		h = (h ^ buf[i]) * 16777619u;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		h = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	return h;
}

TEST_F(ll, fake_bzimage_sees_zero_page_cmdline_initrd_e820_and_mp_table)
{
	uint32_t fnv = write_initrd(self->initrd, 10000);
	char want[4096];

	ASSERT_NE(0u, fnv);
	hvctl(&self->c, "run", hvm_guest("linux-boot.bz"), "--timeout", RUN_TIMEOUT,
	      "--memory", "64M", "--cmdline", "console=ttyS0 hvm.test=1",
	      "--initrd", self->initrd, NULL);
	ASSERT_RUN_STATUS(0, &self->c);
	/* 64 MiB: the long-mode boot area is the top 4 pages (ctl/README.md). */
	snprintf(want, sizeof(want),
		 "rsi=0x10000\n"
		 "segments cs=0x10 ds=0x18 ss=0x18 if=0\n"
		 "header version=0x20f loader=0xff loadflags=0x81 heap_end=0xde00 code32_start=0x100000 setup_sects=1\n"
		 "cmdline=console=ttyS0 hvm.test=1\n"
		 "e820 entries=5\n"
		 "e820 0x0-0x9fbff type 1\n"
		 "e820 0x9fc00-0x9ffff type 2\n"
		 "e820 0xa0000-0xfffff type 2\n"
		 "e820 0x100000-0x3ffbfff type 1\n"
		 "e820 0x3ffc000-0x3ffffff type 2\n"
		 "initrd size=10000 fnv=0x%08x first=hvm-initrd-test!\n"
		 "mp: fp=0xf0000 table=0xf0010 spec=1.4 lapic=0xfee00000 cpus=1 bsp=0 isa=1 ioapic=1@0xfec00000 intsrc=16 lint=2\n"
		 "linux-boot ok\n", fnv);
	ASSERT_OUTPUT(want, self->c.out);
}

TEST_F(ll, format_linux_is_detected_and_runs_without_initrd)
{
	hvctl(&self->c, "run", hvm_guest("linux-boot.bz"), "--timeout", RUN_TIMEOUT,
	      "--format", "linux", NULL);
	ASSERT_RUN_STATUS(0, &self->c);
	ASSERT_NE(NULL, strstr(self->c.out, "cmdline=\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "initrd none\n"));
	/* 16 MiB default memory */
	ASSERT_NE(NULL, strstr(self->c.out, "e820 0x100000-0xffbfff type 1\n"));
	ASSERT_NE(NULL, strstr(self->c.out, "linux-boot ok\n")) {
		TH_LOG("console: %s", self->c.out);
	}
}

static int read_guest(const char *vm, uint64_t gpa, void *buf, size_t n,
		      struct hvm_regs *regs)
{
	struct hvm_mem_io io = { .gpa = gpa, .uaddr = (uintptr_t)buf, .size = n };
	int fd = hvm_dev_open(), r;

	if (fd < 0)
		return fd;
	r = hvm_dev_attach(fd, vm);
	if (!r && ioctl(fd, HVM_IOC_READ_MEM, &io))
		r = -errno;
	if (!r && ioctl(fd, HVM_IOC_GET_REGS, regs))
		r = -errno;
	close(fd);
	return r;
}

/* create --image: the MP table has one processor entry per vCPU. */
TEST_F(ll, mp_table_lists_every_vcpu_and_boot_registers_are_set)
{
	const char *vm = hvm_vm_name(TAG);
	struct hvm_regs regs = { .vcpu = 0 };
	uint8_t mp[512], s = 0;
	unsigned int len;

	HVCTL_OK(&self->c, "create", vm, "--memory", "32M", "--vcpus", "3",
		 "--image", hvm_guest("linux-boot.bz"), "--cmdline", "x");
	ASSERT_EQ(0, read_guest(vm, 0xf0000, mp, sizeof(mp), &regs));
	ASSERT_EQ(0, memcmp(mp, "_MP_", 4));
	ASSERT_EQ(0xf0010u, mp[4] | mp[5] << 8 | mp[6] << 16 | (uint32_t)mp[7] << 24);
	for (int i = 0; i < 16; i++)
		s += mp[i];
	ASSERT_EQ(0, s);
	ASSERT_EQ(0, memcmp(mp + 16, "PCMP", 4));
	len = mp[20] | mp[21] << 8;
	ASSERT_EQ(44u + 3 * 20 + 8 + 8 + 16 * 8 + 2 * 8, len);
	for (unsigned int i = 0; i < len; i++)
		s += mp[16 + i];
	ASSERT_EQ(0, s);
	for (int cpu = 0; cpu < 3; cpu++) {
		const uint8_t *e = mp + 16 + 44 + 20 * cpu;

		ASSERT_EQ(0, e[0]);
		ASSERT_EQ(cpu, e[1]);
		ASSERT_EQ(cpu ? 1 : 3, e[3]);
	}
	ASSERT_EQ(2, mp[16 + 44 + 60 + 8]);	/* I/O APIC entry */
	ASSERT_EQ(3, mp[16 + 44 + 60 + 8 + 1]);	/* its ID: n */
	ASSERT_EQ(0x10000ull, regs.rsi);
	ASSERT_EQ(0x100200ull, regs.rip);
	ASSERT_EQ(0x10, regs.cs.selector);
	ASSERT_EQ(0x18, regs.ds.selector);
	ASSERT_EQ(0x2ull, regs.rflags);
}

static void write_bad_image(const char *path, uint16_t version)
{
	int in = open(hvm_guest("linux-boot.bz"), O_RDONLY), out;
	static uint8_t buf[1 << 16];
	ssize_t n = read(in, buf, sizeof(buf));

	close(in);
	buf[0x206] = version;
	buf[0x207] = version >> 8;
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out >= 0 && n > 0 && write(out, buf, n) != n)
		n = -1;
	close(out);
}

TEST_F(ll, refused_images_and_options_fail_in_one_line)
{
	char cl[300];

	write_bad_image(self->bad, 0x0205);
	HVCTL_FAILS(&self->c, "run", self->bad, "--timeout", RUN_TIMEOUT);
	ASSERT_NE(NULL, strstr(self->c.err,
			       "linux boot protocol 2.05 is too old (hvctl needs 2.06 or later)"));

	memset(cl, 'a', 256);
	cl[256] = 0;
	HVCTL_FAILS(&self->c, "run", hvm_guest("linux-boot.bz"), "--timeout",
		    RUN_TIMEOUT, "--cmdline", cl);
	ASSERT_NE(NULL, strstr(self->c.err,
			       "command line is 256 bytes, the kernel takes at most 255"));

	ASSERT_NE(0u, write_initrd(self->initrd, 15 << 20));
	HVCTL_FAILS(&self->c, "run", hvm_guest("linux-boot.bz"), "--timeout",
		    RUN_TIMEOUT, "--initrd", self->initrd);
	ASSERT_NE(NULL, strstr(self->c.err, "does not fit between the kernel's end")) {
		TH_LOG("stderr: %s", self->c.err);
	}

	HVCTL_FAILS(&self->c, "run", hvm_guest("hello-long.bin"), "--timeout",
		    RUN_TIMEOUT, "--format", "linux");
	ASSERT_NE(NULL, strstr(self->c.err, "not a bzImage"));
	HVCTL_FAILS(&self->c, "run", hvm_guest("linux-boot.bz"), "--timeout",
		    RUN_TIMEOUT, "--mode", "real");
	ASSERT_NE(NULL, strstr(self->c.err, "linux images start in protected or long mode"));
	HVCTL_FAILS(&self->c, "run", hvm_guest("hello-long.bin"), "--timeout",
		    RUN_TIMEOUT, "--initrd", hvm_guest("hello-long.bin"));
	ASSERT_NE(NULL, strstr(self->c.err, "--initrd applies to format linux only"));
}

TEST_HARNESS_MAIN
