// SPDX-License-Identifier: GPL-2.0
/*
 * ELF32 / ELF64 executables: PT_LOAD segments at p_paddr, entry e_entry.
 * ELF64 boots in long mode, ELF32 in protected mode, unless --mode says
 * otherwise. Every header field is checked against the file size and RAM
 * before it is used.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loader_int.h"

#define LD_MAX_LOADS	1024

struct elf_hdr {
	bool is64;
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

bool ld_is_elf(const struct ld_file *img)
{
	return img->size >= SELFMAG && !memcmp(img->data, ELFMAG, SELFMAG);
}

static int read_ehdr(struct ld_ctx *c, struct elf_hdr *h)
{
	const struct ld_file *img = c->img;

	if (img->size < EI_NIDENT)
		return ld_fail(c, -EINVAL, "truncated ELF header");
	if (img->data[EI_DATA] != ELFDATA2LSB)
		return ld_fail(c, -EINVAL, "ELF image is not little-endian");
	if (img->data[EI_VERSION] != EV_CURRENT)
		return ld_fail(c, -EINVAL, "unknown ELF version %u",
			       img->data[EI_VERSION]);

	switch (img->data[EI_CLASS]) {
	case ELFCLASS32: {
		Elf32_Ehdr e;

		if (img->size < sizeof(e))
			return ld_fail(c, -EINVAL, "truncated ELF header");
		memcpy(&e, img->data, sizeof(e));
		*h = (struct elf_hdr){
			.is64 = false, .type = e.e_type, .machine = e.e_machine,
			.phentsize = e.e_phentsize, .phnum = e.e_phnum,
			.entry = e.e_entry, .phoff = e.e_phoff,
		};
		if (h->machine != EM_386)
			return ld_fail(c, -EINVAL, "ELF32 image is not for i386 (machine %u)",
				       h->machine);
		if (h->phentsize < sizeof(Elf32_Phdr))
			return ld_fail(c, -EINVAL, "bad ELF program header size %u",
				       h->phentsize);
		break;
	}
	case ELFCLASS64: {
		Elf64_Ehdr e;

		if (img->size < sizeof(e))
			return ld_fail(c, -EINVAL, "truncated ELF header");
		memcpy(&e, img->data, sizeof(e));
		*h = (struct elf_hdr){
			.is64 = true, .type = e.e_type, .machine = e.e_machine,
			.phentsize = e.e_phentsize, .phnum = e.e_phnum,
			.entry = e.e_entry, .phoff = e.e_phoff,
		};
		if (h->machine != EM_X86_64)
			return ld_fail(c, -EINVAL, "ELF64 image is not for x86-64 (machine %u)",
				       h->machine);
		if (h->phentsize < sizeof(Elf64_Phdr))
			return ld_fail(c, -EINVAL, "bad ELF program header size %u",
				       h->phentsize);
		break;
	}
	default:
		return ld_fail(c, -EINVAL, "unknown ELF class %u",
			       img->data[EI_CLASS]);
	}

	if (h->type != ET_EXEC)
		return ld_fail(c, -EINVAL, "ELF image is not an executable (type %u)",
			       h->type);
	if (!h->phnum || h->phnum == PN_XNUM)
		return ld_fail(c, -EINVAL, "ELF image has %s program headers",
			       h->phnum ? "too many" : "no");
	return 0;
}

static void read_phdr(const struct ld_file *img, const struct elf_hdr *h,
		      uint64_t off, struct elf_phdr *p)
{
	if (h->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, img->data + off, sizeof(ph));
		*p = (struct elf_phdr){
			.type = ph.p_type, .offset = ph.p_offset,
			.paddr = ph.p_paddr, .filesz = ph.p_filesz,
			.memsz = ph.p_memsz,
		};
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, img->data + off, sizeof(ph));
		*p = (struct elf_phdr){
			.type = ph.p_type, .offset = ph.p_offset,
			.paddr = ph.p_paddr, .filesz = ph.p_filesz,
			.memsz = ph.p_memsz,
		};
	}
}

int ld_elf_segments(struct ld_ctx *c, uint64_t limit, bool *is_elf64)
{
	const struct ld_file *img = c->img;
	unsigned int loads = 0;
	struct elf_hdr h = { 0 };
	uint64_t tbl, end;
	int ret;

	ret = read_ehdr(c, &h);
	if (ret)
		return ret;
	if (__builtin_mul_overflow((uint64_t)h.phnum, h.phentsize, &tbl) ||
	    __builtin_add_overflow(tbl, h.phoff, &end) || end > img->size)
		return ld_fail(c, -EINVAL, "ELF program headers lie outside the file");

	for (unsigned int i = 0; i < h.phnum; i++) {
		struct elf_phdr p;
		uint64_t fend, mend;

		read_phdr(img, &h, h.phoff + (uint64_t)i * h.phentsize, &p);
		if (p.type != PT_LOAD || !p.memsz)
			continue;
		if (++loads > LD_MAX_LOADS)
			return ld_fail(c, -EINVAL, "ELF image has more than %d PT_LOAD segments",
				       LD_MAX_LOADS);
		if (p.filesz > p.memsz)
			return ld_fail(c, -EINVAL, "ELF segment %u: file size 0x%llx exceeds memory size 0x%llx",
				       i, (unsigned long long)p.filesz,
				       (unsigned long long)p.memsz);
		if (__builtin_add_overflow(p.offset, p.filesz, &fend) ||
		    fend > img->size)
			return ld_fail(c, -EINVAL, "ELF segment %u: file bytes lie outside the file",
				       i);
		if (__builtin_add_overflow(p.paddr, p.memsz, &mend))
			return ld_fail(c, -EINVAL, "ELF segment %u: address 0x%llx + size 0x%llx wraps around",
				       i, (unsigned long long)p.paddr,
				       (unsigned long long)p.memsz);
		if (mend > limit)
			return ld_fail(c, -E2BIG, "ELF segment %u at 0x%llx-0x%llx ends past %s (0x%llx)",
				       i, (unsigned long long)p.paddr,
				       (unsigned long long)(mend - 1),
				       limit == c->mem ? "RAM" : "4 GiB",
				       (unsigned long long)limit);
		ret = ld_add(c, p.paddr, img->data + p.offset, p.filesz,
			     "ELF segment");
		if (!ret)
			ret = ld_add(c, p.paddr + p.filesz, NULL,
				     p.memsz - p.filesz, "ELF bss");
		if (ret)
			return ret;
		if (mend > c->image_end)
			c->image_end = mend;
	}
	if (!loads)
		return ld_fail(c, -EINVAL, "ELF image has no loadable segments");
	c->entry = h.entry;
	*is_elf64 = h.is64;
	return 0;
}

int ld_load_elf(struct ld_ctx *c)
{
	bool is64 = false;
	int ret;

	ret = ld_elf_segments(c, c->mem, &is64);
	if (ret)
		return ret;
	c->mode = is64 ? LD_MODE_LONG : LD_MODE_PROTECTED;
	return 0;
}
