// SPDX-License-Identifier: GPL-2.0
/*
 * guest_same: the same guest behaves the same on every backend. Each
 * variant runs one deterministic guest payload on whichever backend this
 * machine has and compares everything the user sees with one expected
 * file shared by AMD-V and VT-x (guest_same.expected, /hvm in the test
 * machine; HVM_SAME_EXPECTED overrides): the console text, the stop reason,
 * the exit code, the guest RIP at the stop and the exit counters whose
 * value the guest alone determines.
 *
 * Compared counters: io, io_ignored, hlt, cpuid, msr, hypercall,
 * exception, shutdown. Not compared: exits, intr, nmi and runs (host
 * interrupts, NMIs and preemption come when they come), other (hardware
 * intercepts that differ by vendor: CR and DR accesses, INVD/WBINVD,
 * XSETBV, task switches ...) and npf (how many nested page faults a
 * guest takes depends on the vendor's nested paging: large pages,
 * prefetch, the A/D bits of the nested tables). "exception" counts every
 * exception hvm delivers into the guest on its own account (injected #GP,
 * #UD, #PF from its emulation, reflected #DB/#AC it intercepted), once per
 * delivery, also when the delivery was interrupted by an exit and had to
 * be repeated; exceptions the CPU raises and delivers in the guest by
 * itself are not hvm's and do not count.
 *
 * The two vendors' hypercall instruction and CPUID vendor string are the
 * only console text allowed to differ: they are replaced by neutral words
 * before the comparison.
 *
 * Each mismatch prints one line "NAME FIELD: got 'X', want 'Y'";
 * HVM_SAME_DUMP=1 prints every measured value in the expected file's
 * format (lines starting "same-actual ") for regenerating it.
 */
#include <ctype.h>

#include "hvm_harness.h"

#define TAG "same"
#define RUN_TIMEOUT_S 60
#define MAX_OPTS 8

FIXTURE(same) {
	struct hvm_guest_run g;
};

FIXTURE_VARIANT(same) {
	const char *image;
	const char *mem;
	const char *opts[MAX_OPTS];
};

/* Raw payloads (guests/raw/) */
FIXTURE_VARIANT_ADD(same, hello_real) {
	.image = "hello-real.bin", .mem = "16M", .opts = { "--mode", "real" },
};
FIXTURE_VARIANT_ADD(same, hello_prot) {
	.image = "hello-prot.bin", .mem = "16M", .opts = { "--mode", "protected" },
};
FIXTURE_VARIANT_ADD(same, hello_long) {
	.image = "hello-long.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, exit_code) {
	.image = "exit-code.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, exit16) {
	.image = "exit16.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, exit32) {
	.image = "exit32.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, halt) {
	.image = "halt.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, triple_fault) {
	.image = "triple-fault.bin", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, unmapped) {
	.image = "unmapped.bin", .mem = "16M", .opts = { "--mode", "protected" },
};
/* C payloads (guests/) */
FIXTURE_VARIANT_ADD(same, elf64) {
	.image = "elf64.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, elf32) {
	.image = "elf32.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, multiboot) {
	.image = "multiboot.elf", .mem = "16M", .opts = { "--cmdline", "same" },
};
FIXTURE_VARIANT_ADD(same, work) {
	.image = "work.elf", .mem = "16M", .opts = { "--cmdline", "id=7 loops=1000" },
};
FIXTURE_VARIANT_ADD(same, cpuid) {
	.image = "cpuid.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, msr_gp) {
	.image = "msr-gp.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, syscall_msr) {
	.image = "syscall-msr.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, hypercall) {
	.image = "hypercall.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, ioport) {
	.image = "ioport.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, fpu) {
	.image = "fpu.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, strio) {
	.image = "strio.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, rules) {
	.image = "rules.elf", .mem = "16M",
};
/* Event delivery interrupted by exits (guests/evt-*.c) */
FIXTURE_VARIANT_ADD(same, evt_de) {
	.image = "evt-de.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, evt_inject) {
	.image = "evt-inject.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, evt_pf_idt) {
	.image = "evt-pf-idt.elf", .mem = "16M",
};
FIXTURE_VARIANT_ADD(same, evt_pf_in_de) {
	.image = "evt-pf-in-de.elf", .mem = "16M",
};

FIXTURE_SETUP(same)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(same)
{
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

/* ---- the expected file ---- */

static char *expected_text;

static const char *expected_path(void)
{
	const char *p = getenv("HVM_SAME_EXPECTED");

	if (p && *p)
		return p;
	if (!access("/hvm/guest_same.expected", R_OK))
		return "/hvm/guest_same.expected";
	return "guest_same.expected";
}

static const char *load_expected(void)
{
	const char *path = expected_path();
	size_t len = 0, cap = 0;
	FILE *f;
	char *buf = NULL;

	if (expected_text)
		return expected_text;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf)
				break;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	expected_text = buf;
	return buf;
}

/*
 * The value of "NAME FIELD VALUE" (VALUE: the rest of the line) in @text,
 * copied to @out; false when there is no such line. '#' lines are comments.
 */
static bool expected_value(const char *text, const char *name,
			   const char *field, char *out, size_t size)
{
	size_t nl = strlen(name), fl = strlen(field);
	const char *p = text;

	while (p && *p) {
		const char *end = strchrnul(p, '\n');

		if (*p != '#' && !strncmp(p, name, nl) && p[nl] == ' ' &&
		    !strncmp(p + nl + 1, field, fl) && p[nl + 1 + fl] == ' ') {
			const char *v = p + nl + fl + 2;

			snprintf(out, size, "%.*s", (int)(end - v), v);
			return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

/* ---- what the user sees ---- */

/*
 * Console text as one line in double quotes: \n, \\, \" and \xNN for
 * anything else unprintable.
 */
static void escape(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0, i;

	out[o++] = '"';
	for (i = 0; i < len && o + 6 < size; i++) {
		unsigned char c = s[i];

		if (c == '"') {
			out[o++] = '\\';
			out[o++] = '"';
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (!isprint(c)) {
			o += snprintf(out + o, size - o, "\\x%02x", c);
		} else {
			out[o++] = c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Replace every @from in @s (in place; @to is not longer than @from). */
static void replace_all(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p;

	while ((p = strstr(s, from))) {
		memcpy(p, to, tl);
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
	}
}

/* The vendor-specific words a guest may print, and what they become. */
static void neutralize(char *s)
{
	replace_all(s, "AuthenticAMD", "<vendor>");
	replace_all(s, "GenuineIntel", "<vendor>");
	replace_all(s, "instruction=vmmcall", "instruction=<vm>");
	replace_all(s, "instruction=vmcall", "instruction=<vm>");
}

static const struct {
	const char *name;
	int stat;
} compared_stats[] = {
	{ "io", HVM_STAT_IO },
	{ "io_ignored", HVM_STAT_IO_IGNORED },
	{ "hlt", HVM_STAT_HLT },
	{ "cpuid", HVM_STAT_CPUID },
	{ "msr", HVM_STAT_MSR },
	{ "hypercall", HVM_STAT_HYPERCALL },
	{ "exception", HVM_STAT_EXCEPTION },
	{ "shutdown", HVM_STAT_SHUTDOWN },
};

#define NFIELDS (4 + ARRAY_SIZE(compared_stats))

struct field {
	const char *name;
	char value[8192];
};

/*
 * Fill @f with what the user sees. Where neutralize() shortened the
 * console, "io" drops the two port I/O exits each removed byte cost (the
 * guests print with putc_serial(): one LSR read, one THR write per byte),
 * so it too is the count for the neutral text.
 */
static void measure(const struct hvm_guest_run *g, struct field *f)
{
	const struct hvm_vm_status *st = &g->st;
	char *con = strndup(g->console ? g->console : "", g->console_len);
	size_t i, n = 0, removed;

	removed = strlen(con);
	neutralize(con);
	removed -= strlen(con);
	f[n].name = "console";
	escape(con, strlen(con), f[n++].value, sizeof(f->value));
	free(con);
	f[n].name = "stop";
	if (st->stop_reason == HVM_STOP_FAULT)
		snprintf(f[n++].value, sizeof(f->value), "fault gpa=0x%llx",
			 (unsigned long long)st->fault_gpa);
	else
		snprintf(f[n++].value, sizeof(f->value), "%s",
			 hvm_stop_reason_name(st->stop_reason));
	f[n].name = "exit_code";
	snprintf(f[n++].value, sizeof(f->value), "0x%llx",
		 (unsigned long long)st->exit_code);
	f[n].name = "rip";
	snprintf(f[n++].value, sizeof(f->value), "0x%llx",
		 (unsigned long long)st->stop_rip);
	for (i = 0; i < ARRAY_SIZE(compared_stats); i++) {
		int s = compared_stats[i].stat;

		unsigned long long v = st->stats[s];

		if (s == HVM_STAT_IO)
			v -= 2 * removed;
		f[n].name = compared_stats[i].name;
		if (st->have_stat[s])
			snprintf(f[n++].value, sizeof(f->value), "%llu", v);
		else
			snprintf(f[n++].value, sizeof(f->value), "(absent)");
	}
}

/* The key of a payload in the expected file: its name without extension. */
static void guest_key(const char *image, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(image, "."), image);
}

TEST_F_TIMEOUT(same, behaves_as_the_expected_file_says, 180)
{
	static struct field fields[NFIELDS];
	const char *dump = getenv("HVM_SAME_DUMP");
	char key[64], want[8192];
	const char *text;
	int bad = 0, r;
	size_t i;

	text = load_expected();
	ASSERT_NE(NULL, text) {
		TH_LOG("cannot read %s: %s", expected_path(), strerror(errno));
	}
	guest_key(variant->image, key, sizeof(key));
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), variant->mem,
			  variant->image, RUN_TIMEOUT_S, variant->opts[0] ?
			  variant->opts : NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	measure(&self->g, fields);
	if (dump && *dump)
		printf("same-info %s exits=%llu npf=%llu other=%llu runs=%llu\n",
		       key, (unsigned long long)self->g.st.stats[HVM_STAT_EXITS],
		       (unsigned long long)self->g.st.stats[HVM_STAT_NPF],
		       (unsigned long long)self->g.st.stats[HVM_STAT_OTHER],
		       (unsigned long long)self->g.st.stats[HVM_STAT_RUNS]);
	for (i = 0; i < NFIELDS; i++) {
		if (dump && *dump)
			printf("same-actual %s %s %s\n", key, fields[i].name,
			       fields[i].value);
		if (!expected_value(text, key, fields[i].name, want,
				    sizeof(want))) {
			TH_LOG("%s %s: got '%s', no expected value", key,
			       fields[i].name, fields[i].value);
			bad++;
		} else if (strcmp(want, fields[i].value)) {
			TH_LOG("%s %s: got '%s', want '%s'", key,
			       fields[i].name, fields[i].value, want);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
