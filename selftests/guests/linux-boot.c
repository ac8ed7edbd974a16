// SPDX-License-Identifier: GPL-2.0
/*
 * linux-boot: the payload of a fake bzImage (see lib/bzimage.S), started by
 * hvctl through the Linux 64-bit boot protocol. Checks what a kernel would
 * rely on and prints it for the test to compare: RSI = the zero page,
 * __BOOT_CS/__BOOT_DS and IF=0 at entry, the setup header and the loader's
 * fields in it, the command line, the initrd (size, placement, FNV-1a of
 * its bytes), the e820 map, and the Intel MP floating pointer and
 * configuration table (found the way Linux's mpparse.c looks, checksums).
 */
#include "lib/guest.h"

extern u64 boot_rsi, boot_rflags;
extern u32 boot_cs, boot_ds, boot_ss;

#define ZP_E820_ENTRIES		0x1e8
#define ZP_SETUP_SECTS		0x1f1
#define ZP_HEADER		0x202
#define ZP_VERSION		0x206
#define ZP_TYPE_OF_LOADER	0x210
#define ZP_LOADFLAGS		0x211
#define ZP_CODE32_START		0x214
#define ZP_RAMDISK_IMAGE	0x218
#define ZP_RAMDISK_SIZE		0x21c
#define ZP_HEAP_END_PTR		0x224
#define ZP_CMD_LINE_PTR		0x228
#define ZP_E820_TABLE		0x2d0

static int failures;

#define FAIL(...)					\
	do {						\
		printf("FAIL: " __VA_ARGS__);		\
		failures++;				\
	} while (0)

static u8 rd8(uintptr_t a) { return *(volatile u8 *)a; }
static u16 rd16(uintptr_t a) { return *(volatile u16 *)a; }
static u32 rd32(uintptr_t a) { return *(volatile u32 *)a; }
static u64 rd64(uintptr_t a) { return *(volatile u64 *)a; }

static u8 sum(uintptr_t a, u32 len)
{
	u8 s = 0;

	while (len--)
		s += rd8(a++);
	return s;
}

/* Linux's smp_scan_config(): 16-byte steps, signature, length 1, checksum. */
static uintptr_t find_mpf(uintptr_t base, u32 len)
{
	for (uintptr_t a = base; a < base + len; a += 16) {
		if (!memcmp((void *)a, "_MP_", 4) && rd8(a + 8) == 1 &&
		    (rd8(a + 9) == 1 || rd8(a + 9) == 4) && !sum(a, 16))
			return a;
	}
	return 0;
}

static void check_mp(void)
{
	uintptr_t mpf = find_mpf(0x9fc00, 0x400), mpc, p, end;
	u32 cpus = 0, bsp = ~0u, ioapic = ~0u, ioapic_addr = 0, intsrc = 0;
	u32 lint = 0, buses = 0, len;

	if (!mpf)
		mpf = find_mpf(0xf0000, 0x10000);
	if (!mpf) {
		FAIL("no MP floating pointer\n");
		return;
	}
	mpc = rd32(mpf + 4);
	if (memcmp((void *)mpc, "PCMP", 4)) {
		FAIL("no PCMP at 0x%lx\n", (unsigned long)mpc);
		return;
	}
	len = rd16(mpc + 4);
	if (sum(mpc, len))
		FAIL("MP config table checksum\n");
	p = mpc + 44;
	end = mpc + len;
	for (u32 n = rd16(mpc + 34); n && p < end; n--) {
		switch (rd8(p)) {
		case 0:
			cpus++;
			if (rd8(p + 3) & 2)
				bsp = rd8(p + 1);
			p += 20;
			continue;
		case 1:
			if (!memcmp((void *)(p + 2), "ISA   ", 6))
				buses++;
			break;
		case 2:
			ioapic = rd8(p + 1);
			ioapic_addr = rd32(p + 4);
			break;
		case 3:
			/* IRQ 0 goes to pin 2; every destination is the I/O APIC */
			if (rd8(p + 1) == 0 && rd8(p + 5) == 0 && rd8(p + 7) != 2)
				FAIL("ISA IRQ 0 on pin %u\n", rd8(p + 7));
			if (rd8(p + 6) != ioapic)
				FAIL("interrupt entry to APIC %u\n", rd8(p + 6));
			intsrc++;
			break;
		case 4:
			lint++;
			break;
		default:
			FAIL("MP entry type %u\n", rd8(p));
			return;
		}
		p += 8;
	}
	if (p != end)
		FAIL("MP entries end at 0x%lx, table at 0x%lx\n",
		     (unsigned long)p, (unsigned long)end);
	printf("mp: fp=0x%lx table=0x%lx spec=1.%u lapic=0x%x cpus=%u bsp=%u isa=%u ioapic=%u@0x%x intsrc=%u lint=%u\n",
	       (unsigned long)mpf, (unsigned long)mpc, rd8(mpc + 6), rd32(mpc + 36),
	       cpus, bsp, buses, ioapic, ioapic_addr, intsrc, lint);
}

int main(void)
{
	uintptr_t zp = boot_rsi, cl;
	u32 rd, rd_size, n, h = 2166136261u;
	u64 ram_end = 0;

	printf("rsi=0x%lx\n", (unsigned long)zp);
	printf("segments cs=0x%x ds=0x%x ss=0x%x if=%u\n", boot_cs, boot_ds,
	       boot_ss, (u32)(boot_rflags >> 9) & 1);
	if (!zp || (zp & 0xfff) || memcmp((void *)(zp + ZP_HEADER), "HdrS", 4)) {
		FAIL("RSI does not point at a zero page\n");
		return 1;
	}
	printf("header version=0x%x loader=0x%x loadflags=0x%x heap_end=0x%x code32_start=0x%x setup_sects=%u\n",
	       rd16(zp + ZP_VERSION), rd8(zp + ZP_TYPE_OF_LOADER),
	       rd8(zp + ZP_LOADFLAGS), rd16(zp + ZP_HEAP_END_PTR),
	       rd32(zp + ZP_CODE32_START), rd8(zp + ZP_SETUP_SECTS));

	cl = rd32(zp + ZP_CMD_LINE_PTR);
	printf("cmdline=%s\n", cl ? (const char *)cl : "(none)");

	n = rd8(zp + ZP_E820_ENTRIES);
	printf("e820 entries=%u\n", n);
	for (u32 i = 0; i < n && i < 128; i++) {
		uintptr_t e = zp + ZP_E820_TABLE + 20 * i;

		printf("e820 0x%llx-0x%llx type %u\n", (unsigned long long)rd64(e),
		       (unsigned long long)(rd64(e) + rd64(e + 8) - 1), rd32(e + 16));
		if (rd32(e + 16) == 1)
			ram_end = rd64(e) + rd64(e + 8);
	}

	rd = rd32(zp + ZP_RAMDISK_IMAGE);
	rd_size = rd32(zp + ZP_RAMDISK_SIZE);
	if (rd_size) {
		for (u32 i = 0; i < rd_size; i++)
			h = (h ^ rd8(rd + i)) * 16777619u;
		printf("initrd size=%u fnv=0x%08x first=", rd_size, h);
		for (u32 i = 0; i < rd_size && i < 16; i++)
			putc_serial(rd8(rd + i));
		putc_serial('\n');
		if ((rd & 0xfff) || rd < (uintptr_t)__image_end ||
		    rd + rd_size > ram_end)
			FAIL("initrd at 0x%x+0x%x (image ends 0x%lx, RAM 0x%llx)\n",
			     rd, rd_size, (unsigned long)__image_end,
			     (unsigned long long)ram_end);
	} else {
		printf("initrd none\n");
	}

	check_mp();
	if (failures)
		return 1;
	printf("linux-boot ok\n");
	return 0;
}
