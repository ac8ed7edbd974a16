// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mem: guest RAM is zeroed before a guest can read it, is backed only
 * where the guest touches it, and the console ring keeps the newest 64 KiB
 * exactly when a guest writes more.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hvm_harness.h"

#define TAG "gm"

FIXTURE(gm) {
	struct hvm_guest_run g;
	struct hvm_exec c;
};

FIXTURE_SETUP(gm)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(gm)
{
	hvm_param_write("huge_pages", "N");
	hvm_guest_run_free(&self->g);
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

/*
 * Fill a lot of memory with a pattern and give it back, so the page
 * allocator holds dirty free pages a careless hypervisor would hand out.
 */
static void dirty_free_memory(size_t mib)
{
	size_t len = mib << 20;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p, 0xa5, len);
	munmap(p, len);
}

static bool cmdline_has(const char *word)
{
	char buf[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return strstr(buf, word) != NULL;
}

TEST_F_TIMEOUT(gm, guest_ram_reads_zero_except_the_image, 300)
{
	unsigned long scanned = 0, skipped = 0, nonzero = 1;
	const char *tail;
	int r;

	if (!cmdline_has("init_on_alloc=0"))
		TH_LOG("note: booted without init_on_alloc=0, the allocator zeroes too");
	dirty_free_memory(128);
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "zero-ram.elf", 240,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	tail = strstr(self->g.console ? self->g.console : "", "scanned=");
	ASSERT_NE(NULL, tail) {
		TH_LOG("console: %s", self->g.console);
	}
	ASSERT_EQ(3, sscanf(tail, "scanned=%lu skipped=%lu nonzero=%lu",
			    &scanned, &skipped, &nonzero));
	ASSERT_EQ(0ul, nonzero) {
		TH_LOG("console: %s", self->g.console);
	}
	/* it looked at all 16 MiB but its image and the loader's GDT page */
	ASSERT_EQ(16ul << 20, scanned + skipped);
	ASSERT_GT(256ul << 10, skipped);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
}

/*
 * Run touch.elf in a kept 1 GiB VM with @cmdline; returns its mem_used.
 * huge_pages is read at creation, so the caller sets it first.
 */
static uint64_t touch_run_args(struct __test_metadata *_metadata,
			       struct hvm_guest_run *g, const char *name,
			       const char *cmdline, unsigned int pages)
{
	const char *opts[] = { "--cmdline", cmdline, NULL };
	char want[32];
	int r;

	snprintf(want, sizeof(want), "touched %u pages\n", pages);
	hvm_guest_run_free(g);
	r = hvm_guest_run(g, name, "1G", "touch.elf", 60, opts, true);
	ASSERT_GUEST_RAN(g, r);
	ASSERT_OUTPUT(want, g->console);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &g->st);
	ASSERT_TRUE(g->st.have[HVM_A_VM_MEM_USED]);
	return g->st.mem_used;
}

/* Run touch.elf with pages=N in a kept 1 GiB VM; returns its mem_used. */
static uint64_t touch_run(struct __test_metadata *_metadata,
			  struct hvm_guest_run *g, const char *name,
			  unsigned int pages)
{
	char cmdline[32];

	snprintf(cmdline, sizeof(cmdline), "pages=%u", pages);
	return touch_run_args(_metadata, g, name, cmdline, pages);
}

TEST_F_TIMEOUT(gm, large_vm_costs_only_the_pages_the_guest_touches, 300)
{
	const char *idle = hvm_vm_name(TAG), *busy = hvm_vm_name(TAG);
	uint64_t used0, used10;
	long free_before, free_after;
	uint8_t byte = 0;
	int fd;

	used0 = touch_run(_metadata, &self->g, idle, 0);

	hvm_drop_caches();
	free_before = hvm_free_kb();
	used10 = touch_run(_metadata, &self->g, busy, 10);
	hvm_drop_caches();
	free_after = hvm_free_kb();

	TH_LOG("mem_used %llu bytes idle, %llu with 10 pages touched; "
	       "MemFree -%ld kB for the 1 GiB VM",
	       (unsigned long long)used0, (unsigned long long)used10,
	       free_before - free_after);
	/* exactly the 10 pages more than the same guest touching none */
	ASSERT_EQ(used0 + 10 * 4096, used10);
	/* the image, its stack and the boot info are small */
	ASSERT_GT(256ull << 10, used10);
	ASSERT_GT(2048, free_before - free_after);

	/* what the guest wrote is what the host reads at that address */
	fd = hvm_dev_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, hvm_dev_attach(fd, busy));
	struct hvm_mem_io io = {
		.gpa = 3 * (64ull << 20), .uaddr = (uintptr_t)&byte, .size = 1,
	};
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_READ_MEM, &io));
	ASSERT_EQ(3, byte);
	close(fd);

	/*
	 * Destroying gives it all back. MemFree also moves with memory the
	 * kernel frees a little later (RCU-deferred task structs, per-CPU
	 * page lists): wait up to 2 s for it to settle; a real leak never does.
	 */
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, busy, NULL, 0));
	for (int i = 0; i < 10; i++) {
		hvm_drop_caches();
		free_after = hvm_free_kb();
		if (free_before - free_after < 1024)
			break;
		usleep(200000);
	}
	ASSERT_GT(1024, free_before - free_after);
}

/* Read one guest byte through /dev/hvm. */
static int guest_byte(const char *name, uint64_t gpa, uint8_t *byte)
{
	struct hvm_mem_io io = { .gpa = gpa, .uaddr = (uintptr_t)byte, .size = 1 };
	int fd = hvm_dev_open(), r;

	if (fd < 0)
		return -1;
	r = hvm_dev_attach(fd, name) ? -1 : ioctl(fd, HVM_IOC_READ_MEM, &io);
	close(fd);
	return r;
}

/*
 * huge_pages=Y: a nested page fault backs the whole 2 MiB block, so ten
 * touches 64 MiB apart cost exactly ten blocks, ten touches 4 KiB apart
 * exactly one; with it off, exactly one 4 KiB page each. Where the
 * nested paging has no 2 MiB leaves the module refuses the parameter.
 */
TEST_F_TIMEOUT(gm, huge_pages_back_whole_2mib_blocks, 300)
{
	const char *spread = "pages=10 start=67108864 stride=67108864";
	const char *dense = "pages=10 start=67108864 stride=4096";
	uint64_t used0, used_spread, used_dense;
	const char *dname = hvm_vm_name(TAG);
	const uint64_t blk = 2ull << 20;
	char val[8];
	uint8_t byte;
	int r;

	r = hvm_param_write("huge_pages", "Y");
	if (r == -EOPNOTSUPP) {
		ASSERT_EQ(0, hvm_param_read("huge_pages", val, sizeof(val)));
		ASSERT_STREQ("N", val);
		TH_LOG("huge_pages refused: no 2 MiB nested pages; 4 KiB only");
		used0 = touch_run(_metadata, &self->g, hvm_vm_name(TAG), 0);
		used_dense = touch_run_args(_metadata, &self->g, hvm_vm_name(TAG), dense, 10);
		ASSERT_EQ(used0 + 10 * 4096, used_dense);
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, hvm_param_read("huge_pages", val, sizeof(val)));
	ASSERT_STREQ("Y", val);

	used0 = touch_run(_metadata, &self->g, hvm_vm_name(TAG), 0);
	used_spread = touch_run_args(_metadata, &self->g, hvm_vm_name(TAG), spread, 10);
	used_dense = touch_run_args(_metadata, &self->g, dname, dense, 10);
	/* what the guest wrote is what the host reads, inside the block */
	for (unsigned int i = 0; i < 10; i++) {
		ASSERT_EQ(0, guest_byte(dname, (64ull << 20) + i * 4096ull, &byte));
		ASSERT_EQ(i + 1, byte);
	}
	ASSERT_EQ(0, hvm_param_write("huge_pages", "N"));
	TH_LOG("mem_used: %llu idle, %llu spread, %llu dense",
	       (unsigned long long)used0, (unsigned long long)used_spread,
	       (unsigned long long)used_dense);
	ASSERT_EQ(used0 + 10 * blk, used_spread);
	ASSERT_EQ(used0 + blk, used_dense);
	/* off again: one 4 KiB page per touch */
	used0 = touch_run(_metadata, &self->g, hvm_vm_name(TAG), 0);
	used_dense = touch_run_args(_metadata, &self->g, hvm_vm_name(TAG), dense, 10);
	ASSERT_EQ(used0 + 10 * 4096, used_dense);
}

/* The bytes console-flood.elf writes: lines "%07u\n", 0 to 12499. */
static char *flood_stream(size_t *len)
{
	char *s = malloc(12500 * 8 + 1);
	unsigned int i;

	for (i = 0; i < 12500; i++)
		snprintf(s + i * 8, 9, "%07u\n", i);
	*len = 12500 * 8;
	return s;
}

TEST_F_TIMEOUT(gm, console_ring_keeps_the_last_64k_exactly, 300)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_console_read cr;
	static char buf[256 << 10];
	size_t total, kept;
	char *stream = flood_stream(&total), lost[32];
	int r, fd;

	ASSERT_NE(NULL, stream);
	r = hvm_guest_run(&self->g, name, "16M", "console-flood.elf", 240, NULL, true);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ((uint64_t)total, self->g.st.console_bytes);

	/* hvctl console: at least 64 KiB, exactly the newest bytes */
	kept = self->g.console_len;
	ASSERT_LE((size_t)(64 << 10), kept);
	ASSERT_GT(total, kept);
	ASSERT_EQ(0, memcmp(stream + total - kept, self->g.console, kept)) {
		TH_LOG("console bytes differ from the newest %zu written", kept);
	}
	/* and it said how many were lost */
	HVCTL_OK(&self->c, "console", name);
	snprintf(lost, sizeof(lost), "%zu", total - kept);
	ASSERT_NE(NULL, strstr(self->c.err, lost)) {
		TH_LOG("stderr does not mention the %s lost bytes: %s", lost,
		       self->c.err);
	}

	/* the ioctl counts what it skipped */
	fd = hvm_dev_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, hvm_dev_attach(fd, name));
	memset(&cr, 0, sizeof(cr));
	cr.uaddr = (uintptr_t)buf;
	cr.size = sizeof(buf);
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_CONSOLE_READ, &cr));
	ASSERT_EQ((uint64_t)(total - kept), cr.lost);
	ASSERT_EQ((uint32_t)kept, cr.len);
	ASSERT_EQ((uint64_t)total, cr.pos);
	ASSERT_EQ(0, memcmp(stream + total - kept, buf, kept));

	/* a read from inside the window loses nothing */
	memset(&cr, 0, sizeof(cr));
	cr.uaddr = (uintptr_t)buf;
	cr.size = sizeof(buf);
	cr.pos = total - 10;
	ASSERT_EQ(0, ioctl(fd, HVM_IOC_CONSOLE_READ, &cr));
	ASSERT_EQ(0ull, cr.lost);
	ASSERT_EQ(10u, cr.len);
	ASSERT_EQ(0, memcmp(stream + total - 10, buf, 10));
	close(fd);
	free(stream);
	HVCTL_OK(&self->c, "destroy", name);
}

TEST_F(gm, vms_do_not_see_each_others_memory)
{
	const char *a = hvm_vm_name(TAG), *b = hvm_vm_name(TAG);
	uint8_t in[4096], out[4096];
	struct hvm_mem_io io;
	int fa, fb;

	memset(in, 0x5a, sizeof(in));
	ASSERT_EQ(0, hvm_vm_create(a, 16 << 20, 1, NULL, 0));
	ASSERT_EQ(0, hvm_vm_create(b, 16 << 20, 1, NULL, 0));
	fa = hvm_dev_open();
	fb = hvm_dev_open();
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, hvm_dev_attach(fa, a));
	ASSERT_EQ(0, hvm_dev_attach(fb, b));
	io = (struct hvm_mem_io){ .gpa = 0x5000, .uaddr = (uintptr_t)in, .size = 4096 };
	ASSERT_EQ(0, ioctl(fa, HVM_IOC_WRITE_MEM, &io));
	memset(out, 0xff, sizeof(out));
	io.uaddr = (uintptr_t)out;
	ASSERT_EQ(0, ioctl(fb, HVM_IOC_READ_MEM, &io));
	for (size_t i = 0; i < sizeof(out); i++)
		ASSERT_EQ(0, out[i]);
	close(fa);
	close(fb);
}

TEST_HARNESS_MAIN
