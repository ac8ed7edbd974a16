// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst), 32-bit
 * and 64-bit entry, for bzImages with a setup header of version 2.06 or
 * later. The real-mode setup code is never run: hvctl builds the zero page
 * (struct boot_params) itself, as boot.rst's "32-bit/64-bit boot protocol"
 * sections describe, and starts the protected-mode kernel directly.
 *
 * Placement (see ctl/README.md for the map):
 *   zero page        LD_LINUX_ZERO_PAGE (0x10000), 4 KiB
 *   command line     LD_LINUX_CMDLINE (0x20000), at most cmdline_size bytes
 *   ACPI tables      LD_ACPI_BASE (0xe0000), in the reserved BIOS area; the
 *                    RSDP also in boot_params.acpi_rsdp_addr (protocol
 *                    2.14 and later)
 *   MP tables        LD_LINUX_MPTABLE (0xf0000), in the reserved BIOS area
 *   kernel           pref_address when relocatable and it fits (aligned to
 *                    kernel_alignment), else 1 MiB (rounded up to the
 *                    alignment); init_size bytes from where it runs (the
 *                    higher of the load address and pref_address) must fit
 *                    below the loader's boot area
 *   initrd           as high as it goes: below the boot area, initrd_addr_max
 *                    and 4 GiB (only the boot area with
 *                    XLF_CAN_BE_LOADED_ABOVE_4G), page-aligned, above the
 *                    kernel's init_size area
 */
#include <errno.h>
#include <string.h>

#include "loader_acpi.h"
#include "loader_int.h"

#define LOADFLAG_QUIET		(1U << 5)
#define LOADFLAG_KEEP_SEGMENTS	(1U << 6)
#define LINUX_BOOT_FLAG		0xaa55
#define LINUX_ENTRY64		0x200	/* startup_64 from the kernel's start */
#define LEGACY_HOLE		0xa0000ULL
#define BP_ACPI_RSDP_ADDR	0x070	/* zero-page.rst: acpi_rsdp_addr */
#define LINUX_RSDP_VERSION	0x020e	/* boot.rst: 2.14 */

/*
 * Pages of the RAM range that the I/O APIC and local APIC registers cover
 * (VMs larger than about 4 GiB): the devices answer there, not RAM, so the
 * e820 reports them reserved and nothing is placed on them.
 */
static const uint64_t apic_pages[][2] = {
	{ LD_IOAPIC_ADDR, LD_IOAPIC_ADDR + LD_PAGE_SIZE },
	{ LD_LAPIC_ADDR, LD_LAPIC_ADDR + LD_PAGE_SIZE },
};

struct e820 {
	uint8_t *p;
	unsigned int n;
};

static void e820_add(struct e820 *e, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	uint8_t *p = e->p + e->n * BP_E820_ENTRY;

	if (!size)
		return;
	ld_st64(p, addr);
	ld_st64(p + 8, size);
	ld_st32(p + 16, type);
	e->n++;
}

/* RAM [lo, hi), with the APIC pages inside it reserved. */
static void e820_add_ram(struct e820 *e, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < sizeof(apic_pages) / sizeof(apic_pages[0]); i++) {
		uint64_t plo = apic_pages[i][0], phi = apic_pages[i][1];

		if (phi <= lo || plo >= hi)
			continue;
		if (plo < lo)
			plo = lo;
		phi = ld_min(phi, hi);
		e820_add(e, lo, plo - lo, E820_RAM);
		e820_add(e, plo, phi - plo, E820_RESERVED);
		lo = phi;
	}
	if (hi > lo)
		e820_add(e, lo, hi - lo, E820_RAM);
}

/*
 * RAM below the EBDA-style reserved KiB, the legacy VGA/BIOS hole (with the
 * ACPI and MP tables), RAM from 1 MiB up to the loader's boot area (GDT and
 * page tables, reserved so the kernel does not reuse them while they are
 * live), RAM above it (only when the protected-mode boot page sits below a
 * RAM end beyond 4 GiB). The APIC pages are cut out of RAM ranges.
 */
static unsigned int build_e820(uint8_t *zp, uint64_t mem, uint64_t boot_lo,
			       uint64_t boot_hi)
{
	struct e820 e = { .p = zp + BP_E820_TABLE };

	e820_add(&e, 0, LD_LINUX_EBDA, E820_RAM);
	e820_add(&e, LD_LINUX_EBDA, LEGACY_HOLE - LD_LINUX_EBDA, E820_RESERVED);
	e820_add(&e, LEGACY_HOLE, LD_1M - LEGACY_HOLE, E820_RESERVED);
	e820_add_ram(&e, LD_1M, boot_lo);
	e820_add(&e, boot_lo, boot_hi - boot_lo, E820_RESERVED);
	e820_add_ram(&e, boot_hi, mem);
	zp[BP_E820_ENTRIES] = e.n;
	return e.n;
}

static bool fits(uint64_t at, uint64_t size, uint64_t limit)
{
	return at <= limit && size <= limit - at;
}

/* Where the protected-mode kernel goes and how much room it needs. */
static int place_kernel(struct ld_ctx *c, uint16_t version, uint64_t pm_size,
			uint64_t limit, uint64_t *load, uint64_t *end)
{
	const uint8_t *d = c->img->data;
	bool reloc = d[BP_RELOCATABLE];
	uint64_t align = ld_ld32(d + BP_KERNEL_ALIGNMENT);
	uint64_t pref = LD_1M, need = pm_size, run;

	if (version >= 0x020a) {
		pref = ld_ld64(d + BP_PREF_ADDRESS);
		if (ld_ld32(d + BP_INIT_SIZE) > need)
			need = ld_ld32(d + BP_INIT_SIZE);
	}
	if (reloc) {
		if (align < LD_PAGE_SIZE || align > LD_4G / 2 || (align & (align - 1)))
			return ld_fail(c, -EINVAL,
				       "linux kernel_alignment 0x%llx is not a power of two from 4 KiB to 2 GiB",
				       (unsigned long long)align);
		if (pref >= LD_1M && !(pref & (align - 1)) &&
		    fits(pref, need, limit))
			*load = pref;
		else
			*load = ld_align_up(LD_1M, align);
		/*
		 * Linux's startup_32/64 (compressed/head_64.S) moves a kernel
		 * loaded below LOAD_PHYSICAL_ADDR, its pref_address, up there:
		 * init_size counts from the higher of the two.
		 */
		run = *load > pref ? *load : pref;
	} else {
		/* It runs at pref_address whatever we do (boot.rst, 2.10). */
		*load = LD_1M;
		run = pref;
	}
	if (!fits(*load, pm_size, limit))
		return ld_fail(c, -E2BIG,
			       "linux kernel (%llu bytes) at 0x%llx does not fit below 0x%llx (RAM %llu KiB)",
			       (unsigned long long)pm_size, (unsigned long long)*load,
			       (unsigned long long)limit,
			       (unsigned long long)(c->mem >> 10));
	if (!fits(run, need, limit))
		return ld_fail(c, -E2BIG,
			       "linux kernel needs 0x%llx bytes (init_size) from 0x%llx, but usable RAM ends at 0x%llx: give the VM more memory",
			       (unsigned long long)need, (unsigned long long)run,
			       (unsigned long long)limit);
	*end = run + need > *load + pm_size ? run + need : *load + pm_size;
	return 0;
}

static int place_initrd(struct ld_ctx *c, uint8_t *zp, uint16_t xlf,
			uint64_t lo, uint64_t limit)
{
	const struct ld_file *rd = c->o->initrd;
	const uint8_t *d = c->img->data;
	uint64_t max = (uint64_t)ld_ld32(d + BP_INITRD_ADDR_MAX) + 1, hi = limit;
	uint64_t at;
	int ret;

	if (!rd || !rd->size)
		return 0;
	if (!(xlf & XLF_CAN_BE_LOADED_ABOVE_4G))
		hi = ld_min(ld_min(hi, max), LD_4G);
	lo = ld_align_up(lo, LD_PAGE_SIZE);
	at = rd->size > hi ? 0 : (hi - rd->size) & ~(LD_PAGE_SIZE - 1);
	/* Below an APIC page it would cover (the higher one first). */
	for (int i = sizeof(apic_pages) / sizeof(apic_pages[0]) - 1; i >= 0; i--) {
		if (rd->size <= hi && at < apic_pages[i][1] &&
		    at + rd->size > apic_pages[i][0]) {
			hi = apic_pages[i][0];
			at = rd->size > hi ? 0 : (hi - rd->size) & ~(LD_PAGE_SIZE - 1);
		}
	}
	if (rd->size > hi || at < lo)
		return ld_fail(c, -E2BIG,
			       "initrd %s (%zu bytes) does not fit between the kernel's end 0x%llx and 0x%llx (initrd_addr_max 0x%llx, RAM %llu KiB)",
			       rd->name, rd->size, (unsigned long long)lo,
			       (unsigned long long)hi, (unsigned long long)(max - 1),
			       (unsigned long long)(c->mem >> 10));
	ret = ld_add(c, at, rd->data, rd->size, "initrd");
	if (ret)
		return ret;
	ld_st32(zp + BP_RAMDISK_IMAGE, at);
	ld_st32(zp + BP_RAMDISK_SIZE, rd->size);
	ld_st32(zp + BP_EXT_RAMDISK_IMAGE, at >> 32);
	ld_st32(zp + BP_EXT_RAMDISK_SIZE, (uint64_t)rd->size >> 32);
	return 0;
}

/* The setup header's checks; fills the values the placement needs. */
static int parse_header(struct ld_ctx *c, uint16_t *version, size_t *hdr_end,
			uint64_t *setup_size)
{
	const struct ld_file *img = c->img;
	const uint8_t *d = img->data;
	uint64_t syssize;
	size_t need;

	if (img->size < BP_VERSION + 2 || memcmp(d + BP_HEADER, "HdrS", 4))
		return ld_fail(c, -ENOEXEC, "not a bzImage: no \"HdrS\" setup header at 0x202");
	*version = ld_ld16(d + BP_VERSION);
	if (*version < LD_LINUX_MIN_VERSION)
		return ld_fail(c, -EOPNOTSUPP,
			       "linux boot protocol %u.%02u is too old (hvctl needs 2.06 or later)",
			       *version >> 8, *version & 0xff);
	/* boot.rst: the header ends at 0x202 + the byte at 0x201. */
	*hdr_end = BP_HEADER + d[BP_JUMP + 1];
	need = *version >= 0x020a ? BP_INIT_SIZE + 4 : BP_CMDLINE_SIZE + 4;
	if (*hdr_end < need)
		return ld_fail(c, -EINVAL,
			       "linux setup header ends at 0x%zx, before the fields of protocol %u.%02u (0x%zx)",
			       *hdr_end, *version >> 8, *version & 0xff, need);
	if (img->size < *hdr_end)
		return ld_fail(c, -EINVAL,
			       "truncated bzImage: %zu bytes, the setup header ends at 0x%zx",
			       img->size, *hdr_end);
	if (ld_ld16(d + BP_BOOT_FLAG) != LINUX_BOOT_FLAG)
		return ld_fail(c, -EINVAL, "linux setup header has boot_flag 0x%x, not 0xaa55",
			       ld_ld16(d + BP_BOOT_FLAG));
	if (!(d[BP_LOADFLAGS] & LOADFLAG_LOADED_HIGH))
		return ld_fail(c, -EOPNOTSUPP,
			       "zImage kernels (loaded at 0x10000, LOADED_HIGH clear) are not supported");
	/* setup_sects 0 means 4 (boot.rst). */
	*setup_size = ((uint64_t)(d[BP_SETUP_SECTS] ? d[BP_SETUP_SECTS] : 4) + 1) * 512;
	if (img->size <= *setup_size)
		return ld_fail(c, -EINVAL,
			       "truncated bzImage: %zu bytes, but the setup code alone is %llu bytes",
			       img->size, (unsigned long long)*setup_size);
	/* syssize rounds up to 16 bytes; some builds leave the tail unpadded. */
	syssize = (uint64_t)ld_ld32(d + BP_SYSSIZE) * 16;
	if (!syssize || syssize > img->size - *setup_size + 15)
		return ld_fail(c, -EINVAL,
			       "linux syssize says %llu bytes of protected-mode kernel, the file has %llu",
			       (unsigned long long)syssize,
			       (unsigned long long)(img->size - *setup_size));
	return 0;
}

static int pick_mode(struct ld_ctx *c, uint16_t version, uint16_t xlf)
{
	bool has64 = version >= 0x020c && (xlf & XLF_KERNEL_64);

	switch (c->o->mode) {
	case LD_MODE_PROTECTED:
		c->mode = LD_MODE_PROTECTED;
		break;
	case LD_MODE_LONG:
		if (!has64)
			return ld_fail(c, -EINVAL,
				       "this kernel has no 64-bit entry point (protocol %u.%02u, xloadflags 0x%x)",
				       version >> 8, version & 0xff, xlf);
		c->mode = LD_MODE_LONG;
		break;
	default:
		c->mode = has64 ? LD_MODE_LONG : LD_MODE_PROTECTED;
		break;
	}
	return 0;
}

int ld_load_linux(struct ld_ctx *c)
{
	const struct ld_opts *o = c->o;
	const uint8_t *d = c->img->data;
	const char *cmdline = o->cmdline ? o->cmdline : "";
	uint32_t ncpus = o->nr_vcpus ? o->nr_vcpus : 1;
	uint64_t setup_size = 0, pm_size, limit, load = 0, end = 0;
	uint64_t boot_lo, boot_hi, cmax;
	size_t hdr_end = 0, len = strlen(cmdline);
	uint16_t version = 0, xlf;
	uint8_t *zp, *mp, *acpi;
	int ret;

	ret = parse_header(c, &version, &hdr_end, &setup_size);
	if (ret)
		return ret;
	xlf = version >= 0x020c ? ld_ld16(d + BP_XLOADFLAGS) : 0;
	ret = pick_mode(c, version, xlf);
	if (ret)
		return ret;
	c->linux_gdt = true;

	if (ncpus > LD_LINUX_MAX_VCPUS)
		return ld_fail(c, -EINVAL, "the MP table describes at most %d vCPUs, not %u",
			       LD_LINUX_MAX_VCPUS, ncpus);
	cmax = ld_ld32(d + BP_CMDLINE_SIZE);
	if (len > cmax || len + 1 > LD_LINUX_CMDLINE_MAX)
		return ld_fail(c, -E2BIG,
			       "command line is %zu bytes, the kernel takes at most %llu",
			       len, (unsigned long long)ld_min(cmax, LD_LINUX_CMDLINE_MAX - 1));

	/* Everything the kernel uses must stay clear of the boot area. */
	if (c->mem <= 2 * LD_1M)
		return ld_fail(c, -E2BIG, "linux needs more than 2 MiB of RAM (RAM %llu KiB)",
			       (unsigned long long)(c->mem >> 10));
	boot_lo = ld_boot_area_lo(c->mem, c->mode);
	boot_hi = c->mode == LD_MODE_PROTECTED ? ld_min(c->mem, LD_4G) : c->mem;
	limit = ld_min(boot_lo, LD_4G);
	pm_size = c->img->size - setup_size;
	ret = place_kernel(c, version, pm_size, limit, &load, &end);
	if (ret)
		return ret;
	ret = ld_add(c, load, d + setup_size, pm_size, "linux kernel");
	if (ret)
		return ret;
	c->entry = load + (c->mode == LD_MODE_LONG ? LINUX_ENTRY64 : 0);
	c->image_end = end;

	zp = ld_add_owned(c, LD_LINUX_ZERO_PAGE, BP_SIZE, "linux zero page");
	if (!zp)
		return -EINVAL;
	memcpy(zp + BP_SETUP_SECTS, d + BP_SETUP_SECTS, hdr_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADER] = LD_LINUX_LOADER_TYPE;
	zp[BP_LOADFLAGS] = (d[BP_LOADFLAGS] & ~(LOADFLAG_QUIET | LOADFLAG_KEEP_SEGMENTS)) |
			   LOADFLAG_LOADED_HIGH | LOADFLAG_CAN_USE_HEAP;
	ld_st16(zp + BP_HEAP_END_PTR, LD_LINUX_HEAP_END);
	ld_st32(zp + BP_CODE32_START, load);
	ld_st32(zp + BP_CMD_LINE_PTR, LD_LINUX_CMDLINE);
	build_e820(zp, c->mem, boot_lo, boot_hi);
	c->zero_page = LD_LINUX_ZERO_PAGE;

	ret = ld_add(c, LD_LINUX_CMDLINE, (const uint8_t *)cmdline, len + 1,
		     "linux command line");
	if (ret)
		return ret;

	mp = ld_add_owned(c, LD_LINUX_MPTABLE, ld_mptable_size(ncpus), "MP table");
	if (!mp)
		return -EINVAL;
	ld_mptable_build(mp, LD_LINUX_MPTABLE, ncpus);

	acpi = ld_add_owned(c, LD_ACPI_BASE, ld_acpi_size(ncpus), "ACPI tables");
	if (!acpi)
		return -EINVAL;
	ld_acpi_build(acpi, LD_ACPI_BASE, ncpus);
	if (version >= LINUX_RSDP_VERSION)
		ld_st64(zp + BP_ACPI_RSDP_ADDR, LD_ACPI_BASE + LD_ACPI_RSDP);

	return place_initrd(c, zp, xlf, end,
			    xlf & XLF_CAN_BE_LOADED_ABOVE_4G ? boot_lo : limit);
}
