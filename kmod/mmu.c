// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, shared by AMD NPT and Intel EPT.
 *
 * Both are 4-level radix trees of 512 64-bit entries indexed by guest
 * physical address bits 47:39, 38:30, 29:21 and 20:12; they differ only in
 * which bits mark an entry present and what a leaf carries, which the
 * backend describes in ops->npt. Tables are built on demand, one 4 KiB leaf
 * (or, with huge pages, one 2 MiB leaf) per nested page fault, under
 * vm->mmu_lock. Entries only ever go from
 * not-present to present while the VM lives, so no TLB flush is needed when
 * one is added; everything is freed with the VM.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/processor.h>

#include "hvm.h"

#define HVM_NPT_LEVELS		4
#define HVM_NPT_ADDR_MASK	GENMASK_ULL(51, 12)

static u64 *hvm_npt_alloc_table(struct hvm_vm *vm)
{
	struct mem_cgroup *old_memcg;
	struct page *page;

	lockdep_assert_held(&vm->mmu_lock);
	/* Charged like guest RAM (kmod/mem.c): the creator's cgroup, no OOM. */
	old_memcg = set_active_memcg(vm->memcg);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_RETRY_MAYFAIL |
			  __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!page)
		return NULL;
	list_add(&page->lru, &vm->npt_pages);
	return page_address(page);
}

/**
 * hvm_gpa_bits() - width of a guest-physical address hvm can map
 *
 * Return: min(host MAXPHYADDR, 48): the guest sees the host's MAXPHYADDR
 * in CPUID 8000_0008h, and the nested tables have 4 levels.
 */
unsigned int hvm_gpa_bits(void)
{
	return min_t(unsigned int, boot_cpu_data.x86_phys_bits, 48);
}

int hvm_mmu_init(struct hvm_vm *vm)
{
	mutex_lock(&vm->mmu_lock);
	vm->npt_root = hvm_npt_alloc_table(vm);
	mutex_unlock(&vm->mmu_lock);
	if (!vm->npt_root)
		return -ENOMEM;
	vm->npt_root_pa = __pa(vm->npt_root);
	return 0;
}

void hvm_mmu_destroy(struct hvm_vm *vm)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &vm->npt_pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	vm->npt_root = NULL;
}

/*
 * One 2 MiB leaf for the block of @gpa? Only with huge pages on, and where
 * no device range lies in the block: those addresses must keep faulting
 * (hvm_mmio_access()).
 */
static bool hvm_npt_huge_ok(struct hvm_vm *vm, u64 gpa)
{
	u64 base = gpa & ~(u64)(HVM_HUGE_SIZE - 1);

	return vm->huge_pages && !hvm_mmio_overlaps(vm, base, HVM_HUGE_SIZE);
}

/**
 * hvm_npt_map() - back @gpa with RAM and map it in the nested page table
 * @vm: the VM
 * @gpa: the faulting guest-physical address
 *
 * A 4 KiB leaf, or with huge pages a 2 MiB leaf for the whole block when
 * hvm_mem_huge() could back all of it (a level-2 entry with the format's
 * huge bit; SDM 29.3.2 / APM 15.25.2). A block another vCPU mapped
 * meanwhile, in either size, is left as it is.
 *
 * Return: 0, -EFAULT outside RAM or the table's reach, -ENOMEM.
 */
int hvm_npt_map(struct hvm_vm *vm, u64 gpa)
{
	const struct hvm_npt_format *fmt = hvm_ops->npt;
	struct page *page, *huge = NULL;
	u64 *table;
	int level, r = 0;

	/*
	 * Bits at or above MAXPHYADDR (which the guest sees as the host's)
	 * would be reserved-bit faults on hardware, and bits 63:48 would
	 * alias in a 4-level table: never map them, whatever mem_size says.
	 */
	if (gpa >> hvm_gpa_bits())
		return -EFAULT;
	if (hvm_npt_huge_ok(vm, gpa))
		huge = hvm_mem_huge(vm, gpa >> PAGE_SHIFT);
	if (huge)
		page = nth_page(huge, (gpa >> PAGE_SHIFT) & (HVM_HUGE_FRAMES - 1));
	else
		page = hvm_mem_page(vm, gpa >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);

	mutex_lock(&vm->mmu_lock);
	table = vm->npt_root;
	for (level = HVM_NPT_LEVELS; level > 1; level--) {
		unsigned int idx = (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
		u64 pte = READ_ONCE(table[idx]);
		u64 *next;

		if (level == 2 && fmt->huge && (pte & fmt->huge))
			goto out;	/* a 2 MiB leaf maps the block already */
		if (level == 2 && huge && !(pte & fmt->table)) {
			WRITE_ONCE(table[idx], PFN_PHYS(page_to_pfn(huge)) |
					       fmt->leaf | fmt->huge);
			goto out;
		}
		if (!(pte & fmt->table)) {
			next = hvm_npt_alloc_table(vm);
			if (!next) {
				r = -ENOMEM;
				goto out;
			}
			WRITE_ONCE(table[idx], __pa(next) | fmt->table);
		} else {
			next = __va(pte & HVM_NPT_ADDR_MASK);
		}
		table = next;
	}
	WRITE_ONCE(table[(gpa >> PAGE_SHIFT) & 511], PFN_PHYS(page_to_pfn(page)) | fmt->leaf);
out:
	mutex_unlock(&vm->mmu_lock);
	return r;
}
