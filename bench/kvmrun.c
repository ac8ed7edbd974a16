// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrun - the KVM side of `make bench`: a minimal VMM over /dev/kvm that
 * runs the same flat payload bytes `hvctl run FILE --format raw --mode
 * protected` runs under hvm, in the same boot state, and handles what they
 * do the way a small VMM would:
 *
 *   OUT to 0xF4        the end of the run (hvm's exit port): exit status = value
 *   IN  from 0x3FD     COM1 LSR: 0x60 (THR and transmitter empty)
 *   OUT to 0x3F8       COM1 THR: the byte is counted and dropped
 *   other port I/O     writes ignored, reads all ones (hvm: same, in its kernel)
 *   MMIO               writes ignored, reads all ones
 *   HLT                the end of the run, status 0
 *
 * Usage: kvmrun [--memory SIZE] [--no-thp] [--sha256] [--quiet] FILE
 *        kvmrun --create-only [--memory SIZE]
 *        kvmrun --sha256-only FILE
 *
 * Exit status like hvctl run: the exit port value (low 8 bits), 0 after HLT,
 * 2 for any other stop (shutdown, entry failure, internal error), 1 on an
 * error of the VMM itself. --sha256 prints "sha256 HEX" of the loaded bytes
 * (bench/bench.sh compares it with sha256sum of the file hvctl loaded);
 * --sha256-only does only that, without /dev/kvm (the host-side check).
 * --create-only creates the VM, its memory slot and one vCPU, then destroys
 * them (create + destroy cost). Guest RAM is anonymous memory, transparent
 * huge pages as the system configures them, as a plain VMM gets; --no-thp
 * asks for 4 KiB pages (MADV_NOHUGEPAGE), hvm's granule.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/kvm.h>

#define LOAD_ADDR	0x1000ULL
#define EXIT_PORT	0xf4
#define COM1_THR	0x3f8
#define COM1_LSR	0x3fd
#define MAX_CPUID	256

static int quiet, no_thp;

static void die(const char *what)
{
	fprintf(stderr, "kvmrun: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *msg)
{
	fprintf(stderr, "kvmrun: %s\n", msg);
	exit(1);
}

/* ---- SHA-256 (FIPS 180-4), for the byte-identity check ---- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
		     sha_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[128] = { 0 };
	size_t i, rest = len % 64, tlen = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i + 64 <= len; i += 64)
		sha256_block(h, data + i);
	memcpy(tail, data + i, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (i = 0; i < tlen; i += 64)
		sha256_block(h, tail + i);
	for (i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08" PRIx32, h[i]);
}

/* ---- the VM ---- */

struct vm {
	int kvm, fd, vcpu;
	uint8_t *mem;
	uint64_t mem_size;
	struct kvm_run *run;
	size_t run_size;
};

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		fail("bad size");
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (*end || !v || v & 0xfff)
		fail("bad size (want a multiple of 4 KiB, K/M/G suffixes)");
	return v;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die(path);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		die("malloc");
	n = read(fd, buf, st.st_size);
	if (n != st.st_size)
		fail("short read of the payload");
	close(fd);
	*len = st.st_size;
	return buf;
}

/* The host's supported CPUID as the guest's (vendor string included). */
static void vm_set_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + MAX_CPUID * sizeof(c->entries[0]));
	if (!c)
		die("calloc");
	c->nent = MAX_CPUID;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c))
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vm->vcpu, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2");
	free(c);
}

static void vm_create(struct vm *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int r;

	vm->mem_size = mem_size;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die("open /dev/kvm");
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM");
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap guest RAM");
	if (no_thp && madvise(vm->mem, mem_size, MADV_NOHUGEPAGE))
		die("madvise MADV_NOHUGEPAGE");
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		die("KVM_CREATE_VCPU");
	r = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = r;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run");
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->run, vm->run_size);
	close(vm->vcpu);
	close(vm->fd);
	munmap(vm->mem, vm->mem_size);
	close(vm->kvm);
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

/*
 * hvctl's `protected` boot state (ctl/README.md): flat 32-bit code (0x08)
 * and data (0x10) segments, CR0 = PE | ET, paging off, ESP 16 bytes below
 * the page under min(RAM, 4 GiB), EIP at the load address. TR keeps KVM's
 * reset value (a busy TSS), which VM entry accepts (SDM Vol. 3 27.3.1.2).
 */
static void vm_boot_state(struct vm *vm)
{
	uint64_t top = vm->mem_size < (1ULL << 32) ? vm->mem_size : 1ULL << 32;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	flat_seg(&sregs.cs, 0x08, 0xb);
	flat_seg(&sregs.ds, 0x10, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;	/* PE | ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = LOAD_ADDR;
	regs.rsp = top - 0x1000 - 16;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

struct counts {
	uint64_t exits, io, mmio, console;
};

/* Port I/O exit: returns 1 to go on, 0 when the run ended (code in *code). */
static int handle_io(struct vm *vm, struct counts *n, int *code)
{
	struct kvm_run *run = vm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	n->io++;
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		if (run->io.port == EXIT_PORT) {
			*code = data[0];
			return 0;
		}
		if (run->io.port == COM1_THR)
			n->console += run->io.count;
		return 1;
	}
	for (i = 0; i < run->io.count; i++)
		memset(data + i * run->io.size,
		       run->io.port == COM1_LSR ? 0x60 : 0xff, run->io.size);
	return 1;
}

static int vm_run(struct vm *vm, struct counts *n)
{
	struct kvm_run *run = vm->run;
	int code = 0;

	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		n->exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (!handle_io(vm, n, &code))
				return code;
			break;
		case KVM_EXIT_MMIO:
			n->mmio++;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "kvmrun: guest shutdown (triple fault)\n");
			return 2;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "kvmrun: entry failed, hardware reason 0x%llx\n",
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return 2;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "kvmrun: KVM internal error, suberror %u\n",
				run->internal.suberror);
			return 2;
		default:
			fprintf(stderr, "kvmrun: unhandled exit reason %u\n", run->exit_reason);
			return 2;
		}
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: kvmrun [--memory SIZE] [--no-thp] [--sha256] [--quiet] FILE\n"
			"       kvmrun --create-only [--memory SIZE]\n"
			"       kvmrun --sha256-only FILE\n");
	exit(1);
}

int main(int argc, char **argv)
{
	int create_only = 0, sha = 0, sha_only = 0, code, i;
	uint64_t mem_size = 16ULL << 20, t0;
	const char *file = NULL;
	struct counts n = { 0 };
	struct vm vm;
	uint8_t *img = NULL;
	size_t len = 0;
	char hex[65];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--memory") && i + 1 < argc)
			mem_size = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--create-only"))
			create_only = 1;
		else if (!strcmp(argv[i], "--sha256"))
			sha = 1;
		else if (!strcmp(argv[i], "--sha256-only"))
			sha_only = 1;
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else if (!strcmp(argv[i], "--no-thp"))
			no_thp = 1;
		else if (argv[i][0] == '-' || file)
			usage();
		else
			file = argv[i];
	}
	if (create_only != !file)
		usage();
	if (file) {
		img = read_file(file, &len);
		if (sha || sha_only) {
			sha256_hex(img, len, hex);
			printf("sha256 %s\n", hex);
			fflush(stdout);
		}
		if (sha_only)
			return 0;
		if (!len || LOAD_ADDR + len > mem_size)
			fail("payload empty or larger than guest RAM");
	}

	t0 = now_ns();
	vm_create(&vm, mem_size);
	if (create_only) {
		vm_destroy(&vm);
		return 0;
	}
	vm_set_cpuid(&vm);
	memcpy(vm.mem + LOAD_ADDR, img, len);
	vm_boot_state(&vm);
	code = vm_run(&vm, &n);
	vm_destroy(&vm);
	if (!quiet)
		fprintf(stderr, "kvmrun: stopped: exit code %d, %" PRIu64 " exits (io %" PRIu64
			", mmio %" PRIu64 "), console %" PRIu64 " bytes, %" PRIu64 " ns\n",
			code, n.exits, n.io, n.mmio, n.console, now_ns() - t0);
	free(img);
	return code & 0xff;
}
