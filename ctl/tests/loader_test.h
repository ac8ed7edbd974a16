/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by hvctl's loader unit tests (loader_test.c: raw, ELF, Multiboot,
 * SIZE, JSON; loader_linux_test.c: the Linux boot protocol and MP table;
 * loader_acpi_test.c: the ACPI tables and the e820 around the APICs):
 * TAP counters, CHECK macros and guest-memory readers over a struct
 * ld_result.
 */
#ifndef HVCTL_LOADER_TEST_H
#define HVCTL_LOADER_TEST_H

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"
#include "loader_int.h"

extern int nr_run, nr_failed;
extern bool cur_failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: CHECK(%s) failed\n",	\
			       __FILE__, __LINE__, #cond);		\
			cur_failed = true;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (a), _b = (b);			\
		if (_a != _b) {						\
			printf("#   %s:%d: %s == 0x%llx, expected 0x%llx\n", \
			       __FILE__, __LINE__, #a, _a, _b);		\
			cur_failed = true;				\
		}							\
	} while (0)

#define CHECK_ERR(res, ret, want_ret, substr)				\
	do {								\
		CHECK_EQ((ret), (unsigned long long)(want_ret));	\
		if (!strstr((res)->err, (substr))) {			\
			printf("#   %s:%d: message '%s' lacks '%s'\n",	\
			       __FILE__, __LINE__, (res)->err, (substr)); \
			cur_failed = true;				\
		}							\
	} while (0)

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

/* ---- helpers --------------------------------------------------------------- */

static const struct ld_opts no_opts;

static inline int load(const uint8_t *data, size_t size, const struct ld_opts *o,
		uint64_t mem, struct ld_result *res)
{
	struct ld_file img = { .name = "test", .data = data, .size = size };

	memset(res, 0, sizeof(*res));
	return ld_load(&img, o ? o : &no_opts, mem, res);
}

static inline const struct ld_seg *seg_at(const struct ld_result *res, uint64_t gpa)
{
	for (size_t i = 0; i < res->nr_segs; i++) {
		if (res->segs[i].gpa == gpa)
			return &res->segs[i];
	}
	return NULL;
}

/* The bytes at gpa inside whichever segment holds them; NULL if none. */
static inline const uint8_t *gpa_ptr(const struct ld_result *res, uint64_t gpa,
			      uint64_t len)
{
	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct ld_seg *s = &res->segs[i];

		if (gpa >= s->gpa && gpa + len <= s->gpa + s->size)
			return s->data ? s->data + (gpa - s->gpa) : NULL;
	}
	return NULL;
}

static inline uint64_t rd64(const struct ld_result *res, uint64_t gpa)
{
	const uint8_t *p = gpa_ptr(res, gpa, 8);

	return p ? ld_ld64(p) : 0xdeadbeefdeadbeefULL;
}

static inline uint32_t rd32(const struct ld_result *res, uint64_t gpa)
{
	const uint8_t *p = gpa_ptr(res, gpa, 4);

	return p ? ld_ld32(p) : 0xdeadbeef;
}

static inline const char *rdstr(const struct ld_result *res, uint64_t gpa)
{
	const uint8_t *p = gpa_ptr(res, gpa, 1);

	return p ? (const char *)p : "(unmapped)";
}

/* Invariants every successful result keeps. */
static inline void check_layout(const struct ld_result *res, uint64_t mem)
{
	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct ld_seg *s = &res->segs[i];

		CHECK(s->size > 0);
		CHECK(s->gpa + s->size <= mem);
		CHECK(s->gpa + s->size > s->gpa);
		if (i)
			CHECK(res->segs[i - 1].gpa + res->segs[i - 1].size <= s->gpa);
	}
	CHECK_EQ(res->regs.vcpu, 0);
	CHECK_EQ(res->regs.flags, 0);
	CHECK_EQ(res->regs.rflags, 2);
}

/* A raw image: mov al,42; out 0xf4,al; hlt; jmp $; then a marker. */
static const uint8_t code[16] = {
	0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0xeb, 0xfe, 0x90,	/* mov al,42; out 0xf4,al; hlt; jmp $ */
	1, 2, 3, 4, 5, 6, 7, 8,
};

/* loader_linux_test.c: a synthetic bzImage and zero-page readers */
struct bz {
	uint16_t version;
	uint8_t setup_sects;
	uint8_t loadflags;
	uint8_t relocatable;
	uint16_t xlf;
	uint32_t align, init_size, cmdline_size, initrd_max;
	uint64_t pref;
	uint32_t pm_size;		/* bytes after the setup sectors */
	int32_t syssize_delta;		/* added to pm_size / 16 */
};

#define ZP	LD_LINUX_ZERO_PAGE

extern uint8_t bzbuf[0x4000];
struct bz bz_default(void);
size_t build_bz(const struct bz *b);
uint8_t rd8(const struct ld_result *res, uint64_t gpa);
uint16_t rd16(const struct ld_result *res, uint64_t gpa);
/* The zero page's e820 holds exactly these n entries {addr, size, type}. */
void check_e820(const struct ld_result *res, unsigned int n,
		const uint64_t (*want)[3]);

/* loader_linux_test.c */
void test_linux_64bit_boot_state_and_zero_page(void);
void test_linux_32bit_entry_and_old_protocol(void);
void test_linux_placement_rules(void);
void test_linux_bad_images_and_options(void);
void test_mptable_alone(void);

/* loader_acpi_test.c */
void test_acpi_tables_for_linux(void);
void test_acpi_rsdp_pointer_by_protocol(void);
void test_acpi_build_alone(void);
void test_linux_e820_apic_pages(void);

#endif /* HVCTL_LOADER_TEST_H */
