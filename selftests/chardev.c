// SPDX-License-Identifier: GPL-2.0
/*
 * chardev: the /dev/hvm ioctl ABI (uapi/linux/hvm.h): attach, guest memory,
 * registers, console and wait, including what they must refuse: bad
 * pointers (EFAULT, on every ioctl), wrong sizes (a size the command does
 * not encode: ENOTTY like any unknown command; a size field out of range:
 * EINVAL), and arguments another thread changes during the call (the
 * kernel copies each argument struct once and validates its copy).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

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

/* ---- bad pointers and sizes on every ioctl ---- */

static const struct {
	unsigned long cmd;
	const char *name;
	size_t size;
	bool needs_attach;
} all_ioctls[] = {
	{ HVM_IOC_VERSION, "VERSION", sizeof(struct hvm_version), false },
	{ HVM_IOC_ATTACH, "ATTACH", sizeof(struct hvm_attach), false },
	{ HVM_IOC_WRITE_MEM, "WRITE_MEM", sizeof(struct hvm_mem_io), true },
	{ HVM_IOC_READ_MEM, "READ_MEM", sizeof(struct hvm_mem_io), true },
	{ HVM_IOC_SET_REGS, "SET_REGS", sizeof(struct hvm_regs), true },
	{ HVM_IOC_GET_REGS, "GET_REGS", sizeof(struct hvm_regs), true },
	{ HVM_IOC_CONSOLE_READ, "CONSOLE_READ", sizeof(struct hvm_console_read), true },
	{ HVM_IOC_WAIT, "WAIT", sizeof(struct hvm_wait), true },
	{ HVM_IOC_CONSOLE_WRITE, "CONSOLE_WRITE", sizeof(struct hvm_console_write), true },
};
#define NR_IOCTLS (sizeof(all_ioctls) / sizeof(all_ioctls[0]))

/* Two pages, the second inaccessible; returns the first. */
static uint8_t *guarded_page(void)
{
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + 4096, 4096, PROT_NONE)) {
		munmap(p, 8192);
		return NULL;
	}
	memset(p, 0, 4096);
	return p;
}

TEST_F(dev, every_ioctl_with_a_bad_pointer_is_efault)
{
	uint8_t *page = guarded_page();
	int attached = hvm_dev_open();
	size_t i, k;

	ASSERT_NE(NULL, page);
	ASSERT_LE(0, attached);
	ASSERT_EQ(0, hvm_dev_attach(attached, self->name));
	for (i = 0; i < NR_IOCTLS; i++) {
		/* ATTACH on a file attached already is EBUSY after the copy: use a new one */
		int fd = all_ioctls[i].cmd == HVM_IOC_ATTACH ? self->fd : attached;
		void *bad[] = {
			NULL, (void *)1, page + 4096,
			/* the struct's last byte on the inaccessible page */
			page + 4096 - all_ioctls[i].size + 1,
			(void *)0xffff800000000000ull,	/* kernel half */
		};

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			void *arg = bad[k];

			ASSERT_EQ(-EFAULT, ioc(fd, all_ioctls[i].cmd, arg)) {
				TH_LOG("%s with argument %p", all_ioctls[i].name, arg);
			}
		}
	}
	close(attached);
	munmap(page, 8192);
}

TEST_F(dev, buffers_inside_the_argument_are_checked_too)
{
	uint8_t *page = guarded_page();
	struct hvm_console_write w = { .size = 16 };
	struct hvm_mem_io io = { .size = 64 };

	ASSERT_NE(NULL, page);
	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	/* a buffer that runs into the inaccessible page */
	io.uaddr = (uintptr_t)(page + 4096 - 32);
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_WRITE_MEM, &io));
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_READ_MEM, &io));
	io.uaddr = 0xffff800000000000ull;
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_WRITE_MEM, &io));
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_READ_MEM, &io));
	w.uaddr = (uintptr_t)(page + 4096);
	ASSERT_EQ(-EFAULT, ioc(self->fd, HVM_IOC_CONSOLE_WRITE, &w));
	munmap(page, 8192);
}

TEST_F(dev, an_ioctl_number_with_another_size_or_direction_is_enotty)
{
	uint8_t buf[4096] = { 0 };
	size_t i;

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	for (i = 0; i < NR_IOCTLS; i++) {
		unsigned long c = all_ioctls[i].cmd;
		unsigned long variants[] = {
			_IOC(_IOC_DIR(c), _IOC_TYPE(c), _IOC_NR(c), _IOC_SIZE(c) + 8),
			_IOC(_IOC_DIR(c), _IOC_TYPE(c), _IOC_NR(c), _IOC_SIZE(c) - 8),
			_IOC(_IOC_DIR(c), _IOC_TYPE(c), _IOC_NR(c), 0),
			_IOC(_IOC_DIR(c) ^ _IOC_WRITE, _IOC_TYPE(c), _IOC_NR(c), _IOC_SIZE(c)),
			_IOC(_IOC_NONE, _IOC_TYPE(c), _IOC_NR(c), 0),
		};
		size_t k;

		for (k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
			unsigned long v = variants[k];

			ASSERT_EQ(-ENOTTY, ioc(self->fd, v, buf)) {
				TH_LOG("%s as 0x%lx", all_ioctls[i].name, v);
			}
		}
	}
}

TEST_F(dev, size_fields_out_of_range_are_einval)
{
	struct hvm_console_write w;
	uint8_t buf[16] = { 0 };

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	memset(&w, 0, sizeof(w));
	w.uaddr = (uintptr_t)buf;
	w.size = 0;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_CONSOLE_WRITE, &w));
	w.size = HVM_CONSOLE_WRITE_MAX + 1;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_CONSOLE_WRITE, &w));
	w.size = ~0u;
	ASSERT_EQ(-EINVAL, ioc(self->fd, HVM_IOC_CONSOLE_WRITE, &w));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, false, 0, buf, MEM + 1));
	ASSERT_EQ(-EINVAL, mem_io(self->fd, true, 0, buf, 1ull << 63));
}

/* ---- arguments changed by another thread during the call ---- */

#define RACE_ROUNDS	4000ul

struct flipper {
	volatile __u64 *a, *b;		/* two fields flipped together */
	__u64 a0, a1, b0, b1;
	volatile __u32 *c;		/* or one 32-bit field */
	uint32_t c0, c1;
	volatile int stop;
	volatile unsigned long flips;
};

static void *flip_thread(void *arg)
{
	struct flipper *f = arg;

	while (!f->stop) {
		bool odd = f->flips & 1;

		if (f->a)
			*f->a = odd ? f->a1 : f->a0;
		if (f->b)
			*f->b = odd ? f->b1 : f->b0;
		if (f->c)
			*f->c = odd ? f->c1 : f->c0;
		/*
		 * On a CPU shared with the caller, let it run now and then, with
		 * either value (1021 is odd: the parity alternates).
		 */
		if (++f->flips % 1021 == 0)
			sched_yield();
	}
	return NULL;
}

/* Start the flipper and return once it flipped (both values were seen). */
static int start_flipper(pthread_t *th, struct flipper *f)
{
	int r = pthread_create(th, NULL, flip_thread, f);

	if (r)
		return -r;
	while (f->flips < 2)
		sched_yield();
	return 0;
}

/*
 * After each call of a race: whether what the call left (its result @r:
 * 0 or -EINVAL) is right, having made the argument ready for the next call.
 */
typedef bool (*race_check_fn)(void *ctx, int r);

/*
 * @rounds calls of ioctl @req on @arg while @f flips fields of @arg: each
 * returns 0 or EINVAL and passes @check (when not NULL). Fails the test
 * otherwise. Return: how many calls returned 0.
 */
static unsigned long flip_race(struct __test_metadata *_metadata, int fd,
			       unsigned long req, void *arg, struct flipper *f,
			       unsigned long rounds, race_check_fn check,
			       void *ctx, const char *what)
{
	unsigned long ok = 0, einval = 0, i;
	pthread_t th;
	int r = 0;

	ASSERT_EQ(0, start_flipper(&th, f));
	for (i = 0; i < rounds; i++) {
		r = ioc(fd, req, arg);
		if ((r && r != -EINVAL) || (check && !check(ctx, r)))
			break;
		if (r)
			einval++;
		else
			ok++;
	}
	f->stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%s: %lu calls, %lu done, %lu EINVAL; %lu flips", what, i, ok,
	       einval, f->flips);
	ASSERT_EQ(rounds, i) {
		TH_LOG("%s: call %lu: %d (%s), or it left the wrong result", what,
		       i, r, strerror(-r));
	}
	return ok;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

/* READ_MEM's buffer: pattern A, then bytes the call must not write */
static uint8_t rm_a[64], rm_out[4096];

static bool read_mem_check(void *ctx, int r)
{
	size_t k;

	if (!r && memcmp(rm_out, rm_a, sizeof(rm_a)))
		return false;
	for (k = sizeof(rm_a); k < sizeof(rm_out) && rm_out[k] == 0xee; k++)
		;
	memset(rm_out, 0xee, sizeof(rm_out));
	return k == sizeof(rm_out);
}

/*
 * READ_MEM while gpa flips between 0 (64 bytes of pattern A) and the end
 * of RAM minus 32 (pattern B; 64 bytes from there pass the end: EINVAL),
 * and size between 64 and 2^40: every call either fails with EINVAL or
 * copies exactly 64 bytes of pattern A, and the bytes after them in the
 * user buffer are never written.
 */
TEST_F_TIMEOUT(dev, read_mem_with_flipping_arguments_copies_once, 120)
{
	static uint8_t b[32];
	struct hvm_mem_io io = { .gpa = 0, .uaddr = (uintptr_t)rm_out, .size = 64 };
	struct flipper f = {
		.a = &io.gpa, .a0 = 0, .a1 = MEM - 32,
		.b = &io.size, .b0 = 64, .b1 = 1ull << 40,
	};

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	fill(rm_a, sizeof(rm_a), 1);
	fill(b, sizeof(b), 101);
	ASSERT_EQ(0, mem_io(self->fd, true, 0, rm_a, sizeof(rm_a)));
	ASSERT_EQ(0, mem_io(self->fd, true, MEM - 32, b, sizeof(b)));
	memset(rm_out, 0xee, sizeof(rm_out));
	flip_race(_metadata, self->fd, HVM_IOC_READ_MEM, &io, &f, RACE_ROUNDS,
		  read_mem_check, NULL, "READ_MEM");
}

/*
 * WRITE_MEM while gpa flips between 0x2000 and the end of RAM minus 32: a
 * call writes 64 bytes at 0x2000 or fails with EINVAL; the last 32 bytes of
 * RAM never change (a write validated at 0x2000 and done at the end would
 * run past RAM).
 */
TEST_F_TIMEOUT(dev, write_mem_with_flipping_arguments_copies_once, 120)
{
	static uint8_t in[64], tail[32], back[64];
	struct hvm_mem_io io = { .gpa = 0x2000, .uaddr = (uintptr_t)in, .size = 64 };
	struct flipper f = { .a = &io.gpa, .a0 = 0x2000, .a1 = MEM - 32 };
	unsigned long ok;

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	fill(in, sizeof(in), 7);
	fill(tail, sizeof(tail), 77);
	ASSERT_EQ(0, mem_io(self->fd, true, MEM - 32, tail, sizeof(tail)));
	ok = flip_race(_metadata, self->fd, HVM_IOC_WRITE_MEM, &io, &f,
		       RACE_ROUNDS, NULL, NULL, "WRITE_MEM");
	ASSERT_EQ(0, mem_io(self->fd, false, MEM - 32, back, 32));
	ASSERT_EQ(0, memcmp(back, tail, 32));
	if (ok) {
		ASSERT_EQ(0, mem_io(self->fd, false, 0x2000, back, 64));
		ASSERT_EQ(0, memcmp(back, in, 64));
	}
}

static bool get_regs_check(void *ctx, int r)
{
	struct hvm_regs *get = ctx;
	bool good = r || get->rax == 0x1234567;

	get->rax = 0;
	return good;
}

/*
 * SET_REGS, then GET_REGS, while the vCPU index flips between 0 and a huge
 * one: 0 or EINVAL, never another vCPU's (or no vCPU's) state.
 */
TEST_F_TIMEOUT(dev, regs_with_a_flipping_vcpu_index_copy_once, 120)
{
	struct hvm_regs set, get;
	struct flipper f = { .c = &set.vcpu, .c0 = 0, .c1 = 0x7fffffff };
	struct flipper g = { .c = &get.vcpu, .c0 = 0, .c1 = 0x7fffffff };

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	memset(&set, 0, sizeof(set));
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_GET_REGS, &set));
	set.rax = 0x1234567;
	ASSERT_EQ(0, ioc(self->fd, HVM_IOC_SET_REGS, &set));
	flip_race(_metadata, self->fd, HVM_IOC_SET_REGS, &set, &f,
		  RACE_ROUNDS / 2, NULL, NULL, "SET_REGS");
	memset(&get, 0, sizeof(get));
	flip_race(_metadata, self->fd, HVM_IOC_GET_REGS, &get, &g,
		  RACE_ROUNDS / 2, get_regs_check, &get, "GET_REGS");
}

static bool console_write_check(void *ctx, int r)
{
	struct hvm_console_write *w = ctx;
	bool good = r || w->len <= 4;

	w->len = 0;
	w->state = 0;
	return good;
}

static bool console_read_check(void *ctx, int r)
{
	struct hvm_console_read *c = ctx;
	bool good = r || (c->len == 0 && c->lost == 0);

	c->len = 0;
	c->state = 0;
	c->lost = 0;
	return good;
}

/*
 * CONSOLE_WRITE while size flips between 4 and 100000 (above the maximum):
 * the receiver takes at most 4 bytes, or the call is EINVAL. CONSOLE_READ
 * while pos flips between 0 and 1000 (past the stream): 0 bytes, or EINVAL.
 */
TEST_F_TIMEOUT(dev, console_calls_with_flipping_sizes_copy_once, 120)
{
	static uint8_t buf[4096];
	struct hvm_console_write w = { .uaddr = (uintptr_t)buf, .size = 4 };
	struct hvm_console_read c = { .uaddr = (uintptr_t)buf, .size = sizeof(buf) };
	struct flipper f = { .c = &w.size, .c0 = 4, .c1 = 100000 };
	struct flipper g = { .a = &c.pos, .a0 = 0, .a1 = 1000 };

	ASSERT_EQ(0, hvm_dev_attach(self->fd, self->name));
	memset(buf, 'x', sizeof(buf));
	flip_race(_metadata, self->fd, HVM_IOC_CONSOLE_WRITE, &w, &f, RACE_ROUNDS,
		  console_write_check, &w, "CONSOLE_WRITE");
	flip_race(_metadata, self->fd, HVM_IOC_CONSOLE_READ, &c, &g, RACE_ROUNDS,
		  console_read_check, &c, "CONSOLE_READ");
}

TEST_HARNESS_MAIN
