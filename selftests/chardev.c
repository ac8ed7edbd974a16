// SPDX-License-Identifier: GPL-2.0
/*
 * chardev: the /dev/hvm ioctl ABI (uapi/linux/hvm.h): attach, guest memory,
 * registers, console and wait, including what they must refuse.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "hvm_harness.h"

#define MEM	(16ull << 20)

FIXTURE(dev) {
	char name[HVM_NAME_MAX + 1];
	int fd;
};

FIXTURE_SETUP(dev)
{
	char ext[256];
	int r;

	self->fd = -1;
	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->name, sizeof(self->name), "%s", hvm_vm_name("dev"));
	r = hvm_vm_create(self->name, MEM, 1, ext, sizeof(ext));
	ASSERT_EQ(0, r) {
		TH_LOG("create %s: %s (%s)", self->name, strerror(-r), ext);
	}
	self->fd = hvm_dev_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	hvm_destroy_prefix(hvm_vm_prefix("dev"));
}

static int ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int mem_io(int fd, bool write, uint64_t gpa, void *buf, uint64_t size)
{
	struct hvm_mem_io io = {
		.gpa = gpa, .uaddr = (uintptr_t)buf, .size = size,
	};

	return ioc(fd, write ? HVM_IOC_WRITE_MEM : HVM_IOC_READ_MEM, &io);
}

/* Unknown commands are ENOTTY whether or not the file is attached to a VM. */
TEST_F(dev, unknown_ioctl_is_enotty)
{
	char buf[64] = { 0 };
	int attached = hvm_dev_open();

	ASSERT_LE(0, attached);
	ASSERT_EQ(0, hvm_dev_attach(attached, self->name));
	ASSERT_EQ(-ENOTTY, ioc(attached, _IOWR(HVM_IOC_MAGIC, 0x7f, char[64]), buf));
	ASSERT_EQ(-ENOTTY, ioc(attached, _IOR('x', 0x00, struct hvm_version), buf));
	close(attached);
	ASSERT_EQ(-ENOTTY, ioc(self->fd, _IOWR(HVM_IOC_MAGIC, 0x7f, char[64]), buf));
	ASSERT_EQ(-ENOTTY, ioc(self->fd, _IOR('x', 0x00, struct hvm_version), buf));
}

TEST_F(dev, vm_ioctls_need_attach_first)
{
	struct hvm_wait w = { .timeout_ns = 1000 };
	uint8_t buf[16];

	/* kmod/chardev.c: a file not attached to a VM answers ENXIO */
	ASSERT_EQ(-ENXIO, mem_io(self->fd, false, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENXIO, mem_io(self->fd, true, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENXIO, ioc(self->fd, HVM_IOC_WAIT, &w));
	ASSERT_EQ(-ENXIO, ioc(self->fd, HVM_IOC_GET_REGS, &(struct hvm_regs){ 0 }));
}

TEST_F(dev, attach_returns_the_vm_id)
{
	struct hvm_vm_status st;
	struct hvm_attach a = { 0 };

	snprintf(a.name, sizeof(a.name), "%s", self->name);
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_ATTACH, &a));
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ(st.id, a.vm_id);
	ASSERT_NE(0u, a.vm_id);
}

TEST_F(dev, attach_to_unknown_vm_is_enoent)
{
	ASSERT_EQ(-ENOENT, hvm_dev_attach(self->fd, "no-such-vm"));
}

TEST_F(dev, attach_rejects_flags_reserved_and_unterminated_names)
{
	struct hvm_attach a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", self->name);
	a.flags = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_ATTACH, &a));
	a.flags = 0;
	a.reserved[1] = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_ATTACH, &a));
	a.reserved[1] = 0;
	memset(a.name, 'a', sizeof(a.name));
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_ATTACH, &a));
	/* the file stays unattached after all that */
	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
}

TEST_F(dev, attach_is_once_per_file)
{
	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	ASSERT_EQ(-EBUSY, hvm_dev_attach(self->fd, self->name));
}

TEST_F(dev, write_mem_then_read_mem_round_trips)
{
	static uint8_t in[3 * 4096 + 123], out[sizeof(in)];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	/* unaligned start, crossing page boundaries */
	ASSERT_EQ(0, mem_io(self->fd, true, 0x12345, in, sizeof(in)));
	ASSERT_EQ(0, mem_io(self->fd, false, 0x12345, out, sizeof(out)));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	/* the last byte of RAM */
	ASSERT_EQ(0, mem_io(self->fd, true, MEM - 1, in, 1));
	ASSERT_EQ(0, mem_io(self->fd, false, MEM - 1, out, 1));
	ASSERT_EQ(in[0], out[0]);
}

TEST_F(dev, untouched_guest_memory_reads_zero)
{
	static uint8_t buf[8192];
	size_t i;

	memset(buf, 0xcc, sizeof(buf));
	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	ASSERT_EQ(0, mem_io(self->fd, false, 8ull << 20, buf, sizeof(buf)));
	for (i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST_F(dev, mem_io_outside_ram_or_wrapping_is_rejected)
{
	uint8_t buf[16];

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, false, MEM - 8, buf, 16));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, true, MEM, buf, 1));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, false, ~0ull - 7, buf, 16));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, true, 0, buf, ~0ull));
}

TEST_F(dev, mem_io_rejects_flags_reserved_and_bad_buffers)
{
	struct hvm_mem_io io = { .gpa = 0, .size = 16 };
	uint8_t buf[16];

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	io.uaddr = (uintptr_t)buf;
	io.flags = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_READ_MEM, &io));
	io.flags = 0;
	io.reserved = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_WRITE_MEM, &io));
	io.reserved = 0;
	io.uaddr = 16;	/* unmapped user address */
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_WRITE_MEM, &io));
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_READ_MEM, &io));
}

TEST_F(dev, regs_round_trip)
{
	struct hvm_regs r, back;

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_GET_REGS, &r));
	r.rax = 0x1111; r.rbx = 0x2222; r.rcx = 0x3333; r.rdx = 0x4444;
	r.rsi = 0x5555; r.rdi = 0x6666; r.rsp = 0x7000; r.rbp = 0x8888;
	r.r8 = 8; r.r9 = 9; r.r10 = 10; r.r11 = 11; r.r12 = 12; r.r13 = 13;
	r.r14 = 14; r.r15 = 15;
	r.rip = 0x1234;
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_SET_REGS, &r));
	memset(&back, 0, sizeof(back));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_GET_REGS, &back));
	ASSERT_EQ(0x1111ull, back.rax);
	ASSERT_EQ(0x2222ull, back.rbx);
	ASSERT_EQ(0x3333ull, back.rcx);
	ASSERT_EQ(0x4444ull, back.rdx);
	ASSERT_EQ(0x5555ull, back.rsi);
	ASSERT_EQ(0x6666ull, back.rdi);
	ASSERT_EQ(0x7000ull, back.rsp);
	ASSERT_EQ(0x8888ull, back.rbp);
	ASSERT_EQ(8ull, back.r8);
	ASSERT_EQ(15ull, back.r15);
	ASSERT_EQ(0x1234ull, back.rip);
	ASSERT_EQ(r.cr0, back.cr0);
	ASSERT_EQ(r.cs.selector, back.cs.selector);
	ASSERT_EQ(r.cs.base, back.cs.base);
}

TEST_F(dev, regs_reject_bad_vcpu_flags_reserved_and_bad_state)
{
	struct hvm_regs r;

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_GET_REGS, &r));

	r.vcpu = 1;	/* the VM has one vCPU */
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_SET_REGS, &r));
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_GET_REGS, &r));
	r.vcpu = 0;
	r.flags = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_SET_REGS, &r));
	r.flags = 0;
	r.reserved[7] = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_SET_REGS, &r));
	r.reserved[7] = 0;
	/* paging without protection, and a reserved EFER bit (SVME) */
	r.cr0 |= 0x80000000ull;
	r.cr0 &= ~1ull;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_SET_REGS, &r));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_GET_REGS, &r));
	r.efer |= 1ull << 12;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_SET_REGS, &r));
}

TEST_F(dev, console_of_a_new_vm_is_empty)
{
	char buf[64];
	struct hvm_console_read c = {
		.uaddr = (uintptr_t)buf, .size = sizeof(buf),
	};

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_CONSOLE_READ, &c));
	ASSERT_EQ(0u, c.len);
	ASSERT_EQ(0ull, c.pos);
	ASSERT_EQ(0ull, c.lost);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, c.state);
	/* reading past what was written is an error, not a hang */
	c.pos = 100;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_CONSOLE_READ, &c));
	c.pos = 0;
	c.flags = 0x80;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_CONSOLE_READ, &c));
}

TEST_F(dev, wait_on_a_vm_that_is_not_running_returns_at_once)
{
	struct hvm_wait w = { .timeout_ns = 0 };
	uint64_t t0;

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	t0 = hvm_now_ns();
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_WAIT, &w));
	ASSERT_GT(1000000000ull, hvm_now_ns() - t0);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, w.state);
	ASSERT_EQ((uint32_t)HVM_STOP_NONE, w.stop_reason);
	w.flags = 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_WAIT, &w));
}

TEST_F(dev, attached_file_survives_vm_destroy)
{
	struct hvm_wait w = { 0 };
	uint8_t buf[16];
	char ext[256];

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, ext, sizeof(ext)));
	/*
	 * The VM is gone: the file still holds it, marked dead, and its
	 * ioctls answer ENODEV (kmod/chardev.c); close works.
	 */
	ASSERT_EQ(-ENODEV, mem_io(self->fd, false, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENODEV, mem_io(self->fd, true, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENODEV, ioc(self->fd, HVM_IOC_WAIT, &w));
	ASSERT_EQ(-ENOENT, hvm_vm_status(self->name, &(struct hvm_vm_status){ 0 },
					 NULL, 0));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
}

TEST_HARNESS_MAIN
