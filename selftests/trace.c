// SPDX-License-Identifier: GPL-2.0
/*
 * trace: hvm's observability. The guest exits.bin makes a known sequence
 * of exits (100 CPUIDs at 0x1020 with EAX = 0..99, an OUT to port 0x80 at
 * 0x1040, the exit port OUT at 0x1050); the tests check that
 *  - the tracepoints hvm:hvm_exit, hvm:hvm_entry and hvm:hvm_vm_state
 *    (tracefs) show exactly those exits, the entries after them and the
 *    VM's states new -> created -> running -> stopped (exit) -> destroyed;
 *  - hvctl status --exits shows the last 64 of them in order, ending with
 *    the stopping exit, and the netlink vCPU record is complete;
 *  - debugfs hvm/vms/ID/stats matches the netlink (hvctl status) counters.
 * Only nested page faults may come before the first CPUID (the guest's
 * first touch of its page and page tables); host interrupts are not
 * recorded (uapi enum hvm_exit_reason).
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "hvm_harness.h"

#define TAG		"tr"
#define NR_CPUIDS	100
#define RIP_CPUID	0x1020ull
#define RIP_OUT80	0x1040ull
#define RIP_EXIT	0x1050ull
/* port | size << 16 (uapi enum hvm_exit_reason), OUT of one byte */
#define INFO_OUT80	0x10080ull
#define INFO_EXIT	0x100f4ull
#define HISTORY		64
#define TRACEFS		"/sys/kernel/tracing"

FIXTURE(tr) {
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
	struct hvm_vm_status st;
};

FIXTURE_SETUP(tr)
{
	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->name, sizeof(self->name), "%s%d", TAG, (int)getpid() % 100000);
}

FIXTURE_TEARDOWN(tr)
{
	hvm_cmd_free(&self->c);
	hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0);
}

/* Run exits.bin to its stop; self->st is the status after it. */
static int run_guest(struct __test_metadata *_metadata, struct hvm_exec *c,
		     const char *name, struct hvm_vm_status *st)
{
	HVCTL_OK(c, "create", name, "--memory", "16M", "--image",
		 hvm_guest("exits.bin"));
	HVCTL_OK(c, "start", name);
	if (hvm_vm_wait_stopped(name, 60000, st)) {
		TH_LOG("%s did not stop", name);
		return -1;
	}
	if (st->stop_reason != HVM_STOP_EXIT || st->exit_code != 3 ||
	    st->stop_rip != RIP_EXIT + 2) {
		TH_LOG("stopped with %s, code %llu, RIP 0x%llx",
		       hvm_stop_reason_name(st->stop_reason),
		       (unsigned long long)st->exit_code,
		       (unsigned long long)st->stop_rip);
		return -1;
	}
	return 0;
}

#define RUN_GUEST() \
	ASSERT_EQ(0, run_guest(_metadata, &self->c, self->name, &self->st))

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int r = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		r = -EIO;
	if (fclose(f))
		r = -errno;
	return r;
}

/* The whole file, NUL-terminated (NULL on error). */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "r");
	size_t n;

	if (!buf || !f) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = 0;
	fclose(f);
	return buf;
}

/* tracefs at TRACEFS, mounting it when the machine has not. */
static int tracefs_ready(void)
{
	struct stat sb;

	if (!stat(TRACEFS "/trace", &sb))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return stat(TRACEFS "/trace", &sb) ? -errno : 0;
}

static int trace_events(const char *on)
{
	return write_file(TRACEFS "/events/hvm/hvm_exit/enable", on) ?:
	       write_file(TRACEFS "/events/hvm/hvm_entry/enable", on) ?:
	       write_file(TRACEFS "/events/hvm/hvm_vm_state/enable", on);
}

struct ev {
	char kind;		/* 'x' exit, 'e' entry, 's' state */
	char reason[64];	/* exit reason; state: "old->new:reason" */
	unsigned long long rip, info;
};

/* This VM's events from the "trace" text, in order; returns the count. */
static int parse_trace(char *text, unsigned int id, struct ev *evs, int max)
{
	int n = 0;

	for (char *line = strtok(text, "\n"); line && n < max;
	     line = strtok(NULL, "\n")) {
		struct ev *e = &evs[n];
		char old[16], new[16], why[16], *p;
		unsigned int vm, vcpu;

		if ((p = strstr(line, "hvm_exit: ")) &&
		    sscanf(p, "hvm_exit: vm %u vcpu %u reason %63s rip %llx info %llx",
			   &vm, &vcpu, e->reason, &e->rip, &e->info) == 5) {
			e->kind = 'x';
		} else if ((p = strstr(line, "hvm_entry: ")) &&
			   sscanf(p, "hvm_entry: vm %u vcpu %u rip %llx",
				  &vm, &vcpu, &e->rip) == 3) {
			e->kind = 'e';
		} else if ((p = strstr(line, "hvm_vm_state: ")) &&
			   sscanf(p, "hvm_vm_state: vm %u name %*s %15s -> %15s reason %15s",
				  &vm, old, new, why) == 4) {
			e->kind = 's';
			snprintf(e->reason, sizeof(e->reason), "%s->%s:%s", old, new, why);
		} else {
			continue;
		}
		if (vm == id)
			n++;
	}
	return n;
}

#define MAX_EVENTS	4096

TEST_F_TIMEOUT(tr, tracepoints_show_the_exact_exits_entries_and_states, 120)
{
	int nr, i, cpuids = 0, ios = 0, npfs = 0, exits = 0, entries = 0, states = 0;
	static const char *const want_states[] = {
		"new->created:none", "created->running:none",
		"running->stopped:exit", "stopped->destroyed:none",
	};
	struct ev *evs = calloc(MAX_EVENTS, sizeof(*evs));
	char *text;
	int r;

	ASSERT_NE(NULL, evs);
	r = tracefs_ready();
	ASSERT_EQ(0, r) {
		TH_LOG("no tracefs at %s: %s", TRACEFS, strerror(-r));
	}
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	r = trace_events("1");
	ASSERT_EQ(0, r) {
		TH_LOG("enabling hvm's events: %s", strerror(-r));
	}
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "1"));

	RUN_GUEST();
	HVCTL_OK(&self->c, "destroy", self->name);

	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, trace_events("0"));
	text = read_file(TRACEFS "/trace");
	ASSERT_NE(NULL, text);
	nr = parse_trace(text, self->st.id, evs, MAX_EVENTS);
	free(text);

	for (i = 0; i < nr; i++) {
		struct ev *e = &evs[i];

		if (e->kind == 'e') {
			entries++;
			continue;
		}
		if (e->kind == 's') {
			ASSERT_LT(states, 4);
			ASSERT_STREQ(want_states[states], e->reason);
			states++;
			continue;
		}
		exits++;
		if (!strcmp(e->reason, "npf")) {
			/* only the first touches, before the first CPUID */
			ASSERT_EQ(0, cpuids) {
				TH_LOG("npf at 0x%llx (gpa 0x%llx) after %d CPUIDs",
				       e->rip, e->info, cpuids);
			}
			npfs++;
			continue;
		}
		if (cpuids < NR_CPUIDS) {
			ASSERT_STREQ("cpuid", e->reason);
			ASSERT_EQ(RIP_CPUID, e->rip);
			ASSERT_EQ((unsigned long long)cpuids, e->info);
			cpuids++;
			/* the next entry resumes right after the CPUID */
			for (int k = i + 1; k < nr; k++) {
				if (evs[k].kind != 'e')
					continue;
				ASSERT_EQ(RIP_CPUID + 2, evs[k].rip);
				break;
			}
			continue;
		}
		ASSERT_STREQ("io", e->reason);
		ASSERT_EQ(ios ? RIP_EXIT : RIP_OUT80, e->rip);
		ASSERT_EQ(ios ? INFO_EXIT : INFO_OUT80, e->info);
		ios++;
		ASSERT_LE(ios, 2);
	}
	TH_LOG("%d events: %d entries, %d exits (%d npf), %d state changes",
	       nr, entries, exits, npfs, states);
	ASSERT_EQ(NR_CPUIDS, cpuids);
	ASSERT_EQ(2, ios);
	ASSERT_EQ(4, states);
	/* every exit follows an entry; host interrupts add entries */
	ASSERT_GE(entries, exits);
	for (i = 0; i < nr && evs[i].kind != 'e'; i++)
		;
	ASSERT_LT(i, nr);
	ASSERT_EQ(0x1000ull, evs[i].rip);	/* the first entry: the raw entry point */
	free(evs);
}

struct row {
	unsigned long long seq, sec, nsec, rip, info;
	char reason[16];
};

TEST_F(tr, status_exits_keeps_the_last_64_in_order_ending_with_the_stop)
{
	unsigned long long seen = 0;
	struct row rows[HISTORY + 1];
	unsigned int kept = 0;
	char *p, *q, *o;
	int n = 0, i;
	uint64_t v;

	RUN_GUEST();
	HVCTL_OK(&self->c, "status", self->name, "--exits");
	p = strstr(self->c.out, "last ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(3, sscanf(p, "last %d of %llu exits since the start (%u kept)",
			    &n, &seen, &kept));
	ASSERT_EQ(HISTORY, n);
	ASSERT_EQ(HISTORY, (int)kept);
	/* 100 CPUIDs, 2 OUTs and the first touches */
	ASSERT_GE(seen, NR_CPUIDS + 2ull);
	n = 0;
	for (p = strchr(p, '\n'); p && *p; p = strchr(p + 1, '\n')) {
		struct row *r = &rows[n];

		if (sscanf(p + 1, " %llu %llu.%llu %15s %llx %llx", &r->seq,
			   &r->sec, &r->nsec, r->reason, &r->rip, &r->info) != 6)
			continue;
		ASSERT_LT(n, HISTORY);
		n++;
	}
	ASSERT_EQ(HISTORY, n) {
		TH_LOG("output:\n%s", self->c.out);
	}
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		ASSERT_EQ(seen - HISTORY + 1 + i, r->seq);
		if (i)	/* time since the start never goes back */
			ASSERT_GE(r->sec * 1000000000 + r->nsec,
				  rows[i - 1].sec * 1000000000 + rows[i - 1].nsec);
		if (i == n - 1) {
			ASSERT_STREQ("io", r->reason);
			ASSERT_EQ(RIP_EXIT, r->rip);
			ASSERT_EQ(INFO_EXIT, r->info);
		} else if (i == n - 2) {
			ASSERT_STREQ("io", r->reason);
			ASSERT_EQ(RIP_OUT80, r->rip);
			ASSERT_EQ(INFO_OUT80, r->info);
		} else {
			/* the CPUIDs of EAX 38..99 */
			ASSERT_STREQ("cpuid", r->reason);
			ASSERT_EQ(RIP_CPUID, r->rip);
			ASSERT_EQ((unsigned long long)(NR_CPUIDS - (n - 2) + i), r->info);
		}
	}

	/* the same through --json */
	HVCTL_OK(&self->c, "status", self->name, "--exits", "--json");
	for (q = o = self->c.out; *q; q++)	/* without white space */
		if (*q != ' ' && *q != '\n' && *q != '\t')
			*o++ = *q;
	*o = 0;
	ASSERT_TRUE(hvm_json_u64(self->c.out, "exits_seen", &v));
	ASSERT_EQ(seen, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "exits_max", &v));
	ASSERT_EQ((uint64_t)HISTORY, v);
	/* the last record of the last vCPU: the exit port OUT at 0x1050 */
	ASSERT_NE(NULL, strstr(self->c.out,
			       "\"reason\":\"io\",\"rip\":4176,\"info\":65780}]}]}")) {
		TH_LOG("json:\n%s", self->c.out);
	}
}

TEST_F(tr, vcpu_index_out_of_range_is_einval)
{
	struct nlattr *tb[HVM_VCPU_A_MAX + 1];
	struct hvm_nl_reply rep = { 0 };
	struct nl_msg *msg;
	struct hvm_nl nl;

	HVCTL_OK(&self->c, "create", self->name, "--memory", "16M");
	ASSERT_EQ(0, hvm_nl_open(&nl));
	msg = hvm_nl_msg(&nl, HVM_CMD_VM_GET, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, HVM_A_VM_NAME, self->name));
	ASSERT_EQ(0, nla_put_u32(msg, HVM_A_VCPU_INDEX, 1));
	ASSERT_EQ(-EINVAL, hvm_nl_xfer(&nl, msg, &rep));
	ASSERT_TRUE(rep.has_extack);
	ASSERT_STREQ("no vCPU with this index", rep.extack);
	hvm_nl_reply_free(&rep);

	/* vCPU 0 of a VM that never ran: an empty history */
	msg = hvm_nl_msg(&nl, HVM_CMD_VM_GET, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, HVM_A_VM_NAME, self->name));
	ASSERT_EQ(0, nla_put_u32(msg, HVM_A_VCPU_INDEX, 0));
	ASSERT_EQ(0, hvm_nl_xfer(&nl, msg, &rep));
	ASSERT_EQ(1, rep.nmsgs);
	ASSERT_NE(NULL, rep.tb[0][HVM_A_VCPU]);
	ASSERT_EQ(0, nla_parse_nested(tb, HVM_VCPU_A_MAX, rep.tb[0][HVM_A_VCPU], NULL));
	ASSERT_NE(NULL, tb[HVM_VCPU_A_EXITS_SEEN]);
	ASSERT_EQ(0ull, (unsigned long long)nla_get_u64(tb[HVM_VCPU_A_EXITS_SEEN]));
	ASSERT_NE(NULL, tb[HVM_VCPU_A_EXITS_MAX]);
	ASSERT_EQ(HISTORY, (int)nla_get_u32(tb[HVM_VCPU_A_EXITS_MAX]));
	ASSERT_NE(NULL, tb[HVM_VCPU_A_EXITS]);
	ASSERT_EQ(0, nla_len(tb[HVM_VCPU_A_EXITS]));
	hvm_nl_reply_free(&rep);
	hvm_nl_close(&nl);
}

/* "key value" of debugfs stats; -1 when absent. */
static long long stat_of(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

TEST_F(tr, debugfs_counters_match_status)
{
	static const struct {
		int stat;
		const char *name;
	} stats[] = {
		{ HVM_STAT_EXITS, "total" }, { HVM_STAT_IO, "io" },
		{ HVM_STAT_IO_IGNORED, "io_ignored" }, { HVM_STAT_HLT, "hlt" },
		{ HVM_STAT_CPUID, "cpuid" }, { HVM_STAT_MSR, "msr" },
		{ HVM_STAT_HYPERCALL, "hypercall" }, { HVM_STAT_NPF, "npf" },
		{ HVM_STAT_INTR, "intr" }, { HVM_STAT_NMI, "nmi" },
		{ HVM_STAT_SHUTDOWN, "shutdown" }, { HVM_STAT_EXCEPTION, "exception" },
		{ HVM_STAT_OTHER, "other" }, { HVM_STAT_RUNS, "runs" },
		{ HVM_STAT_TIMER, "timer" },
	};
	char path[96], key[48], *text, *last;
	struct stat sb;

	RUN_GUEST();
	if (stat("/sys/kernel/debug/hvm", &sb))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	snprintf(path, sizeof(path), "/sys/kernel/debug/hvm/vms/%u/stats", self->st.id);
	text = read_file(path);
	ASSERT_NE(NULL, text) {
		TH_LOG("%s: %s", path, strerror(errno));
	}
	ASSERT_NE(NULL, strstr(text, "state stopped\nstop_reason exit\n"));
	ASSERT_EQ(NR_CPUIDS, stat_of(text, "cpuid"));
	ASSERT_EQ(NR_CPUIDS, stat_of(text, "vcpu0.cpuid"));
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		long long want = (long long)self->st.stats[stats[i].stat];

		ASSERT_EQ(want, stat_of(text, stats[i].name)) {
			TH_LOG("%s", stats[i].name);
		}
		snprintf(key, sizeof(key), "vcpu0.%s", stats[i].name);
		ASSERT_EQ(want, stat_of(text, key)) {
			TH_LOG("%s", key);
		}
	}
	free(text);

	snprintf(path, sizeof(path), "/sys/kernel/debug/hvm/vms/%u/exits", self->st.id);
	text = read_file(path);
	ASSERT_NE(NULL, text);
	ASSERT_NE(NULL, strstr(text, "the last 64:\n"));
	/* the last line: the exit port OUT */
	ASSERT_NE(NULL, strstr(text, " io ")) {
		TH_LOG("%s", text);
	}
	last = text + strlen(text) - 1;
	*last = 0;	/* the final newline */
	last = strrchr(text, '\n');
	ASSERT_NE(NULL, last);
	ASSERT_NE(NULL, strstr(last, " io ")) {
		TH_LOG("last line: %s", last);
	}
	ASSERT_NE(NULL, strstr(last, "0x1050")) {
		TH_LOG("last line: %s", last);
	}
	ASSERT_NE(NULL, strstr(last, "0x100f4")) {
		TH_LOG("last line: %s", last);
	}
	free(text);

	/* destroy removes the directory */
	HVCTL_OK(&self->c, "destroy", self->name);
	snprintf(path, sizeof(path), "/sys/kernel/debug/hvm/vms/%u", self->st.id);
	ASSERT_NE(0, stat(path, &sb));
}

TEST_HARNESS_MAIN
