// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: an xarray from guest frame number to a host page, filled on
 * first touch (by the guest through a nested page fault, or by a
 * /dev/hvm write). Pages are zeroed before anyone can read them and are
 * charged to the creating task's memory cgroup; an allocation failure is
 * reported to the caller (the VM stops with reason internal), never turned
 * into an OOM kill (__GFP_NORETRY). Reads of never-touched pages return
 * zeros without allocating, so a large VM costs only what is used.
 *
 * With huge pages (vm->huge_pages, module parameter huge_pages) a nested
 * page fault may back a whole 2 MiB block with one compound page, stored
 * as one multi-index entry over its 512 frames and tagged HVM_XA_HUGE;
 * lookups hand out the 4 KiB subpage. A block where any frame is backed
 * already (the loader's image, an earlier 4 KiB fault) stays 4 KiB.
 */
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/uaccess.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "hvm.h"

#define HVM_GFP_GUEST	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* A huge block only when it comes cheap (no reclaim storm); else 4 KiB. */
#define HVM_GFP_HUGE	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NORETRY | __GFP_NOWARN | \
			 __GFP_COMP)

/* xarray entry tag of a 2 MiB block (tag 1: the xarray stores no values). */
#define HVM_XA_HUGE	1

/* The page behind @gfn, given the xarray entry that covers it. */
static struct page *hvm_mem_entry_page(void *entry, u64 gfn)
{
	if (xa_pointer_tag(entry) == HVM_XA_HUGE)
		return nth_page((struct page *)xa_untag_pointer(entry),
				gfn & (HVM_HUGE_FRAMES - 1));
	return entry;
}

static struct page *hvm_mem_lookup(struct hvm_vm *vm, u64 gfn)
{
	void *entry = xa_load(&vm->pages, gfn);

	return entry ? hvm_mem_entry_page(entry, gfn) : NULL;
}

/**
 * hvm_mem_page() - the host page behind guest frame @gfn, allocated if needed
 * @vm: the VM
 * @gfn: guest frame number
 *
 * Return: the page, ERR_PTR(-EFAULT) outside RAM, ERR_PTR(-ENOMEM).
 */
struct page *hvm_mem_page(struct hvm_vm *vm, u64 gfn)
{
	struct mem_cgroup *old_memcg;
	struct page *page, *old;

	if (gfn >= vm->mem_size >> PAGE_SHIFT)
		return ERR_PTR(-EFAULT);

	page = hvm_mem_lookup(vm, gfn);
	if (page)
		return page;

	old_memcg = set_active_memcg(vm->memcg);
	page = alloc_page(HVM_GFP_GUEST);
	if (page)
		old = xa_cmpxchg(&vm->pages, gfn, NULL, page,
				 GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!page)
		return ERR_PTR(-ENOMEM);
	if (old) {
		__free_page(page);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) :
					hvm_mem_entry_page(old, gfn);
	}
	atomic64_inc(&vm->pages_used);
	return page;
}

/**
 * hvm_mem_huge() - back the 2 MiB block of @gfn with one compound page
 * @vm: the VM
 * @gfn: any guest frame of the block
 *
 * Return: the block's first page, or NULL when the block lies (partly)
 * outside RAM, any of its frames is backed already, or no free 2 MiB
 * block is at hand: the caller maps 4 KiB instead.
 */
struct page *hvm_mem_huge(struct hvm_vm *vm, u64 gfn)
{
	unsigned long base = gfn & ~(u64)(HVM_HUGE_FRAMES - 1), first = base;
	XA_STATE_ORDER(xas, &vm->pages, base, HVM_HUGE_ORDER);
	struct mem_cgroup *old_memcg;
	struct page *page;

	/* Cheap early outs; xas_find_conflict() below decides under the lock. */
	if (base + HVM_HUGE_FRAMES > vm->mem_size >> PAGE_SHIFT ||
	    xa_find(&vm->pages, &first, base + HVM_HUGE_FRAMES - 1, XA_PRESENT))
		return NULL;

	old_memcg = set_active_memcg(vm->memcg);
	page = alloc_pages(HVM_GFP_HUGE, HVM_HUGE_ORDER);
	if (page) {
		do {
			xas_lock(&xas);
			if (xas_find_conflict(&xas))
				xas_set_err(&xas, -EEXIST);
			else
				xas_store(&xas, xa_tag_pointer(page, HVM_XA_HUGE));
			xas_unlock(&xas);
		} while (xas_nomem(&xas, GFP_KERNEL_ACCOUNT));
	}
	set_active_memcg(old_memcg);
	if (!page)
		return NULL;
	if (xas_error(&xas)) {
		__free_pages(page, HVM_HUGE_ORDER);
		return NULL;
	}
	atomic64_add(HVM_HUGE_FRAMES, &vm->pages_used);
	return page;
}

static int hvm_mem_check(struct hvm_vm *vm, u64 gpa, u64 len)
{
	u64 end;

	if (check_add_overflow(gpa, len, &end) || end > vm->mem_size)
		return -EFAULT;
	return 0;
}

/*
 * Walk [gpa, gpa + len) page by page; @fn gets a kernel mapping of the part
 * inside each page (NULL for a never-touched page when @alloc is false).
 */
static int hvm_mem_walk(struct hvm_vm *vm, u64 gpa, u64 len, bool alloc,
			int (*fn)(void *kaddr, u64 off, size_t n, void *data),
			void *data)
{
	u64 done = 0;
	int r;

	r = hvm_mem_check(vm, gpa, len);
	if (r)
		return r;

	while (done < len) {
		u64 addr = gpa + done;
		size_t in_page = offset_in_page(addr);
		size_t n = min_t(u64, PAGE_SIZE - in_page, len - done);
		struct page *page;
		void *kaddr;

		if (alloc) {
			page = hvm_mem_page(vm, addr >> PAGE_SHIFT);
			if (IS_ERR(page))
				return PTR_ERR(page);
		} else {
			page = hvm_mem_lookup(vm, addr >> PAGE_SHIFT);
		}

		if (page) {
			kaddr = kmap_local_page(page);
			r = fn(kaddr + in_page, done, n, data);
			kunmap_local(kaddr);
		} else {
			r = fn(NULL, done, n, data);
		}
		if (r)
			return r;
		/* every 1 MiB done, wherever the range started */
		if ((done ^ (done + n)) & ~(u64)(SZ_1M - 1)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		done += n;
	}
	return 0;
}

static int hvm_rd_kernel(void *kaddr, u64 off, size_t n, void *data)
{
	if (kaddr)
		memcpy(data + off, kaddr, n);
	else
		memset(data + off, 0, n);
	return 0;
}

static int hvm_wr_kernel(void *kaddr, u64 off, size_t n, void *data)
{
	memcpy(kaddr, data + off, n);
	return 0;
}

static int hvm_rd_user(void *kaddr, u64 off, size_t n, void *data)
{
	void __user *dst = (void __user *)data + off;

	if (kaddr)
		return copy_to_user(dst, kaddr, n) ? -EFAULT : 0;
	return clear_user(dst, n) ? -EFAULT : 0;
}

static int hvm_wr_user(void *kaddr, u64 off, size_t n, void *data)
{
	const void __user *src = (const void __user *)data + off;

	return copy_from_user(kaddr, src, n) ? -EFAULT : 0;
}

/** hvm_mem_read() - copy guest RAM out; untouched pages read as zero */
int hvm_mem_read(struct hvm_vm *vm, u64 gpa, void *buf, size_t len)
{
	return hvm_mem_walk(vm, gpa, len, false, hvm_rd_kernel, buf);
}

/** hvm_mem_write() - copy into guest RAM, backing pages as needed */
int hvm_mem_write(struct hvm_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return hvm_mem_walk(vm, gpa, len, true, hvm_wr_kernel, (void *)buf);
}

int hvm_mem_copy_from_user(struct hvm_vm *vm, u64 gpa,
			   const void __user *src, u64 len)
{
	return hvm_mem_walk(vm, gpa, len, true, hvm_wr_user,
			    (void __force *)src);
}

int hvm_mem_copy_to_user(struct hvm_vm *vm, u64 gpa, void __user *dst, u64 len)
{
	return hvm_mem_walk(vm, gpa, len, false, hvm_rd_user,
			    (void __force *)dst);
}

/** hvm_mem_free() - free every guest page (last reference to the VM) */
void hvm_mem_free(struct hvm_vm *vm)
{
	unsigned long gfn;
	void *entry;

	/* A multi-index entry is visited at its first frame. */
	xa_for_each(&vm->pages, gfn, entry) {
		if (xa_pointer_tag(entry) != HVM_XA_HUGE)
			__free_page(entry);
		else if (!(gfn & (HVM_HUGE_FRAMES - 1)))
			__free_pages(xa_untag_pointer(entry), HVM_HUGE_ORDER);
		cond_resched();
	}
	xa_destroy(&vm->pages);
	atomic64_set(&vm->pages_used, 0);
}
