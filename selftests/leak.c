// SPDX-License-Identifier: GPL-2.0
/*
 * leak: creating and destroying VMs (and running guests in them) many times
 * must give every byte back: MemFree and Slab return to their baseline, and
 * no vCPU thread is left behind.
 */
#include "hvm_harness.h"

#define TAG "lk"

/*
 * What a test may find missing after N runs: half a page per run, for
 * MemFree (per-CPU free lists included) and for Slab alike. No fixed slack:
 * one page left behind per run (a nested page table, a page of guest RAM, a
 * VMCB) is N pages, twice the allowance, and fails every test below; the
 * run counts are chosen so that the allowance stays above the machines'
 * measured noise (at most 160 kB after 50 guest runs, 340 kB after 1,000
 * create/destroy cycles).
 */
#define ALLOWANCE_KB(runs)	((long)(runs) * 2)

/*
 * Cycles of the create/destroy test: 1,000 unless $HVM_LEAK_CYCLES says
 * otherwise (a slow emulator may ask for fewer; fewer than 100 proves little).
 */
static int leak_cycles(void)
{
	const char *v = getenv("HVM_LEAK_CYCLES");
	int n = v ? atoi(v) : 0;

	return n >= 100 ? n : 1000;
}

struct mem_sample {
	long memfree_kb, slab_kb;
};

static void sample(struct mem_sample *s)
{
	hvm_drop_caches();
	s->memfree_kb = hvm_free_kb();
	s->slab_kb = hvm_meminfo_kb("Slab");
}

/*
 * Freed task structs and slab objects go back through RCU and per-CPU
 * caches, and vCPU threads exit after their VM: give them a few seconds
 * before calling anything a leak.
 */
static bool settled(const struct mem_sample *base, struct mem_sample *now, int runs,
		    int threads)
{
	int i;

	for (i = 0; i < 10; i++) {
		sample(now);
		/* an exiting vCPU thread may outlive its VM a moment (Bochs) */
		if (now->slab_kb - base->slab_kb <= ALLOWANCE_KB(runs) &&
		    base->memfree_kb - now->memfree_kb <= ALLOWANCE_KB(runs) &&
		    hvm_count_threads("hvm-") == threads)
			return true;
		sleep(1);
	}
	return false;
}

FIXTURE(leak) {
	struct mem_sample base, after;
	int threads;
	uint64_t t0;
};

FIXTURE_SETUP(leak)
{
	int i;

	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_LT(0, hvm_meminfo_kb("MemFree"));
	ASSERT_LT(0, hvm_meminfo_kb("Slab"));
	/* Warm up: the first VMs fill caches that stay (per-CPU areas, slabs). */
	for (i = 0; i < 20; i++) {
		const char *name = hvm_vm_name(TAG);

		ASSERT_EQ(0, hvm_vm_create(name, 16 << 20, 1, NULL, 0));
		ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0));
	}
	sleep(1);
	sample(&self->base);
	self->threads = hvm_count_threads("hvm-");
	self->t0 = hvm_now_ns();
}

FIXTURE_TEARDOWN(leak)
{
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

#define ASSERT_NO_LEAK(runs)						\
	do {								\
		uint64_t ms_ = (hvm_now_ns() - self->t0) / 1000000;	\
		bool ok_ = settled(&self->base, &self->after, (runs),	\
				   self->threads);			\
		TH_LOG("%llu ms, %d runs; MemFree %ld -> %ld kB, Slab %ld -> %ld kB" \
		       " (allowance %ld kB)",				\
		       (unsigned long long)ms_, (runs),			\
		       self->base.memfree_kb, self->after.memfree_kb,	\
		       self->base.slab_kb, self->after.slab_kb,		\
		       ALLOWANCE_KB(runs));				\
		ASSERT_TRUE(ok_);					\
		ASSERT_EQ(self->threads, hvm_count_threads("hvm-"));	\
	} while (0)

TEST_F_TIMEOUT(leak, thousand_create_destroy_cycles_return_memory, 600)
{
	int i, r, n = leak_cycles();

	for (i = 0; i < n; i++) {
		const char *name = hvm_vm_name(TAG);

		r = hvm_vm_create(name, 16 << 20, 1 + i % 2, NULL, 0);
		ASSERT_EQ(0, r) {
			TH_LOG("cycle %d: create: %s", i, strerror(-r));
		}
		r = hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0);
		ASSERT_EQ(0, r) {
			TH_LOG("cycle %d: destroy: %s", i, strerror(-r));
		}
	}
	ASSERT_NO_LEAK(n);
}

TEST_F_TIMEOUT(leak, hvctl_cycles_with_attached_files_return_memory, 600)
{
	struct hvm_exec c = { 0 };
	int i;

	/* hvctl attaches /dev/hvm files too (console, wait) */
	for (i = 0; i < 100; i++) {
		const char *name = hvm_vm_name(TAG);

		HVCTL_OK(&c, "create", name, "--memory", "8M");
		HVCTL_OK(&c, "console", name);
		HVCTL_OK(&c, "destroy", name);
	}
	hvm_cmd_free(&c);
	ASSERT_NO_LEAK(100);
}

TEST_F_TIMEOUT(leak, running_guests_return_their_memory, 600)
{
	struct hvm_exec c = { 0 };
	int i;

	/* guest pages, nested page tables, console bytes, page tables of the loader */
	for (i = 0; i < 200; i++) {
		hvctl(&c, "run", hvm_guest(i % 2 ? "elf64.elf" : "hello-long.bin"),
		      "--memory", "32M", "--timeout", "60", NULL);
		ASSERT_EQ(0, c.status) {
			TH_LOG("run %d: status %d: %s", i, c.status, c.err);
		}
	}
	hvm_cmd_free(&c);
	ASSERT_NO_LEAK(200);
}

TEST_HARNESS_MAIN
