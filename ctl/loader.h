/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest image loaders: pure functions from (image bytes, options, RAM size)
 * to a list of guest-physical segments plus the boot vCPU's register state.
 *
 * Nothing here does I/O: cmd_load.c writes the result through /dev/hvm, and
 * the unit tests (tests/loader_test.c) and the fuzzer (fuzz_loader.c) call
 * ld_load() directly. Every failure returns a negative errno and leaves a
 * one-line reason in ld_result.err.
 */
#ifndef HVCTL_LOADER_H
#define HVCTL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hvm.h>

enum ld_format {
	LD_FMT_AUTO,		/* detect: ELF / multiboot / bzImage / raw */
	LD_FMT_RAW,
	LD_FMT_ELF,
	LD_FMT_MULTIBOOT,
	LD_FMT_LINUX,
};

enum ld_mode {
	LD_MODE_DEFAULT,	/* the format's own choice */
	LD_MODE_REAL,
	LD_MODE_PROTECTED,
	LD_MODE_LONG,
};

/* A file's bytes; the loader never frees or modifies them. */
struct ld_file {
	const char *name;
	const uint8_t *data;
	size_t size;
};

struct ld_opts {
	enum ld_format format;
	enum ld_mode mode;
	bool has_addr;
	bool has_entry;
	uint64_t addr;			/* raw: load address */
	uint64_t entry;			/* overrides the image's entry point */
	const char *cmdline;		/* multiboot/linux; NULL: none */
	const struct ld_file *initrd;	/* linux; NULL: none */
	const struct ld_file *modules;	/* multiboot, in order */
	size_t nr_modules;
	uint32_t nr_vcpus;		/* linux: CPUs in the MP table; 0 means 1 */
};

/* One piece of guest RAM to write. data == NULL means "size zero bytes". */
struct ld_seg {
	uint64_t gpa;
	uint64_t size;
	const uint8_t *data;
	const char *what;	/* for messages: "image", "page tables", ... */
	uint8_t *owned;		/* loader-built bytes (== data), freed with the result */
};

struct ld_result {
	enum ld_format format;	/* what was loaded (after detection) */
	enum ld_mode mode;	/* the boot state chosen */
	struct hvm_regs regs;	/* vCPU 0's initial state */
	struct ld_seg *segs;	/* sorted by gpa, non-overlapping, inside RAM */
	size_t nr_segs;
	size_t cap;
	char err[256];
};

/* Boot-state constants, documented in ctl/README.md. */
#define LD_PAGE_SIZE		0x1000ULL
#define LD_RAW_DEFAULT_ADDR	0x1000ULL
#define LD_REAL_STACK_TOP	0x10000ULL	/* SS:SP = 0:0xfff0 (or RAM top - 16) */
#define LD_4G			0x100000000ULL
#define LD_1M			0x100000ULL
#define LD_LOW_MEM_END		0xa0000ULL	/* 640 KiB: multiboot mem_lower */
#define LD_SEL_CODE		0x08
#define LD_SEL_DATA		0x10
#define LD_SEL_TSS		0x18
#define LD_TSS_OFFSET		0x80		/* TSS within the GDT page */
#define LD_MB_INFO_MAGIC	0x2badb002U
#define LD_MB_HEADER_MAGIC	0x1badb002U
#define LD_MB_SEARCH		8192
#define LD_MB_INFO_SIZE		120		/* multiboot_info with framebuffer fields */

/* Linux boot protocol (Documentation/arch/x86/boot.rst); see ctl/README.md. */
#define LD_LINUX_SEL_CODE	0x10		/* __BOOT_CS */
#define LD_LINUX_SEL_DATA	0x18		/* __BOOT_DS */
#define LD_LINUX_SEL_TSS	0x20
#define LD_LINUX_ZERO_PAGE	0x10000ULL	/* struct boot_params */
#define LD_LINUX_CMDLINE	0x20000ULL
#define LD_LINUX_CMDLINE_MAX	0x10000ULL	/* hvctl's own cap, with the NUL */
#define LD_LINUX_EBDA		0x9fc00ULL	/* reserved: last KiB of base memory */
#define LD_LINUX_MPTABLE	0xf0000ULL	/* MP floating pointer + config table */
#define LD_LINUX_MIN_VERSION	0x0206
#define LD_LINUX_MAX_VCPUS	254		/* APIC IDs 0..n-1, I/O APIC ID n */
#define LD_IOAPIC_ADDR		0xfec00000U
#define LD_LAPIC_ADDR		0xfee00000U

/**
 * ld_load() - lay out @img for a VM with @mem_size bytes of RAM
 * @img: the image
 * @opts: --format/--mode/--addr/... as parsed by hvctl
 * @mem_size: the VM's RAM size (a non-zero multiple of 4 KiB)
 * @res: zero-initialised by the caller; filled on success, and its err
 *       holds a one-line reason on failure. Free it with ld_result_free()
 *       either way.
 *
 * Return: 0, or a negative errno (-EINVAL bad image or options, -E2BIG does
 * not fit in RAM, -ENOEXEC unknown content, -EOPNOTSUPP a feature the
 * loader does not provide, -ENOMEM).
 */
int ld_load(const struct ld_file *img, const struct ld_opts *opts,
	    uint64_t mem_size, struct ld_result *res);
void ld_result_free(struct ld_result *res);

/* What --format auto picks for these bytes (never LD_FMT_AUTO). */
enum ld_format ld_detect(const struct ld_file *img);

const char *ld_format_name(enum ld_format fmt);
const char *ld_mode_name(enum ld_mode mode);
int ld_parse_format(const char *s, enum ld_format *fmt);
int ld_parse_mode(const char *s, enum ld_mode *mode);

#endif /* HVCTL_LOADER_H */
