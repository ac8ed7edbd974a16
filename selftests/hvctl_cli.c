// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl_cli: what hvctl shows a person or a script. help for every command
 * (hvctl help, help COMMAND, COMMAND --help/-h), --json output that parses
 * strictly (RFC 8259) with the documented keys and exact values, sizes and
 * times in human-readable text, and hvctl monitor: the exact event
 * sequence of a VM's life, stop reasons included, its exit on signals, on
 * a module unload, and its refusal without CAP_SYS_ADMIN.
 */
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "hvm_harness.h"

#define TAG "cli"
#define UID 1000
#define LINE_TIMEOUT_MS	60000

/* Every command hvctl has, in the order hvctl help lists them. */
static const char *const commands[] = {
	"info", "create", "load", "start", "stop", "destroy", "list", "status",
	"console", "wait", "run", "monitor", "help",
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* The documented --json keys (hvctl help info / status). */
static const char info_keys[] =
	"backend,version,features,nr_asids,max_vms,max_memory,max_vcpus,vms,hw_enabled";
static const char vm_keys[] =
	"name,id,state,memory,vcpus,stop_reason,exit_code,stop_rip,fault_gpa,"
	"hw_error,console_bytes,mem_used,guest_ns,host_ns,exits";
static const char *const exit_keys[] = {
	"total", "io", "io_ignored", "hlt", "cpuid", "msr", "hypercall", "npf",
	"intr", "nmi", "shutdown", "exception", "other", "runs", "timer",
};

/* ---- a strict JSON checker --------------------------------------------- */

struct jv {
	const char *p;
	char *keys;		/* the top-level object's keys, ',' separated */
	size_t size, len;
};

static void jws(struct jv *v)
{
	while (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r')
		v->p++;
}

static bool jhex4(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/* A string literal; its raw text (escapes kept) into out when given. */
static bool jstring(struct jv *v, char *out, size_t size)
{
	const char *start;
	size_t n;

	if (*v->p != '"')
		return false;
	start = ++v->p;
	for (;;) {
		unsigned char c = *v->p;
		int more = 0;

		if (c == '"')
			break;
		if (c < 0x20)		/* control characters and the end */
			return false;
		if (c == '\\') {
			v->p++;
			if (*v->p == 'u') {
				if (!jhex4(v->p + 1))
					return false;
				v->p += 5;
			} else if (*v->p && strchr("\"\\/bfnrt", *v->p)) {
				v->p++;
			} else {
				return false;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else if (c >= 0x80)
			return false;
		v->p++;
		for (; more; more--, v->p++)
			if ((*(unsigned char *)v->p & 0xc0) != 0x80)
				return false;
	}
	n = v->p - start;
	v->p++;
	if (out) {
		if (n >= size)
			n = size - 1;
		memcpy(out, start, n);
		out[n] = '\0';
	}
	return true;
}

static bool jnumber(struct jv *v)
{
	const char *p = v->p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	v->p = p;
	return true;
}

static bool jvalue(struct jv *v, int depth);

static bool jcontainer(struct jv *v, int depth, bool object)
{
	char key[64];

	v->p++;
	jws(v);
	if (*v->p == (object ? '}' : ']')) {
		v->p++;
		return true;
	}
	for (;;) {
		if (object) {
			if (!jstring(v, key, sizeof(key)))
				return false;
			if (!depth && v->keys &&
			    v->len + strlen(key) + 2 < v->size)
				v->len += sprintf(v->keys + v->len, "%s%s",
						  v->len ? "," : "", key);
			jws(v);
			if (*v->p++ != ':')
				return false;
			jws(v);
		}
		if (!jvalue(v, depth + 1))
			return false;
		jws(v);
		if (*v->p == ',') {
			v->p++;
			jws(v);
			continue;
		}
		return *v->p++ == (object ? '}' : ']');
	}
}

static bool jvalue(struct jv *v, int depth)
{
	if (depth > 32)
		return false;
	switch (*v->p) {
	case '{':
		return jcontainer(v, depth, true);
	case '[':
		return jcontainer(v, depth, false);
	case '"':
		return jstring(v, NULL, 0);
	case 't':
		return !strncmp(v->p, "true", 4) && (v->p += 4);
	case 'f':
		return !strncmp(v->p, "false", 5) && (v->p += 5);
	case 'n':
		return !strncmp(v->p, "null", 4) && (v->p += 4);
	default:
		return jnumber(v);
	}
}

/*
 * Is s exactly one JSON document (whitespace around it allowed)? keys, when
 * given, receives the keys of a top-level object.
 */
static bool json_valid(const char *s, char *keys, size_t size)
{
	struct jv v = { .p = s, .keys = keys, .size = size };

	if (keys)
		keys[0] = '\0';
	jws(&v);
	if (!jvalue(&v, 0))
		return false;
	jws(&v);
	return !*v.p;
}

/* Is every key of the comma-separated want among the comma-separated have? */
static bool has_keys(const char *have, const char *want, char *missing,
		     size_t size)
{
	char h[1024], w[1024], *save, *k;

	snprintf(h, sizeof(h), ",%s,", have);
	snprintf(w, sizeof(w), "%s", want);
	for (k = strtok_r(w, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		char pat[80];

		snprintf(pat, sizeof(pat), ",%s,", k);
		if (!strstr(h, pat)) {
			snprintf(missing, size, "%s", k);
			return false;
		}
	}
	return true;
}

#define ASSERT_JSON(out, keys, want)					\
	do {								\
		char miss_[64] = "";					\
		ASSERT_TRUE(json_valid((out), (keys), sizeof(keys))) {	\
			TH_LOG("not valid JSON: '%s'", (out));		\
		}							\
		ASSERT_TRUE(has_keys((keys), (want), miss_, sizeof(miss_))) { \
			TH_LOG("key '%s' missing from '%s'", miss_, (out)); \
		}							\
	} while (0)

/* ---- hvctl monitor in the background ------------------------------------ */

struct mon {
	pid_t pid;
	int out, err;
	char buf[16384];
	size_t len;
};

static int mon_start(struct mon *m, bool json)
{
	const char *hvctl_path = getenv("HVCTL") && *getenv("HVCTL") ?
				 getenv("HVCTL") : "hvctl";
	int o[2], e[2];

	memset(m, 0, sizeof(*m));
	m->out = m->err = -1;
	if (pipe2(o, O_CLOEXEC))
		return -errno;
	if (pipe2(e, O_CLOEXEC)) {
		close(o[0]);
		close(o[1]);
		return -errno;
	}
	m->pid = fork();
	if (m->pid < 0)
		return -errno;
	if (!m->pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		execlp(hvctl_path, hvctl_path, "monitor", json ? "--json" : NULL,
		       (char *)NULL);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	m->out = o[0];
	m->err = e[0];
	return 0;
}

/* The next line of the monitor's stdout (without '\n'); -ETIMEDOUT, -EPIPE. */
static int mon_line(struct mon *m, char *line, size_t size, int timeout_ms)
{
	uint64_t deadline = hvm_now_ns() + (uint64_t)timeout_ms * 1000000;

	for (;;) {
		char *nl = memchr(m->buf, '\n', m->len);
		struct pollfd pfd = { .fd = m->out, .events = POLLIN };
		uint64_t now = hvm_now_ns();
		ssize_t n;

		if (nl) {
			size_t l = nl - m->buf;

			snprintf(line, size, "%.*s", (int)l, m->buf);
			memmove(m->buf, nl + 1, m->len - l - 1);
			m->len -= l + 1;
			return 0;
		}
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (deadline - now) / 1000000 + 1) <= 0)
			continue;
		if (m->len == sizeof(m->buf))
			return -ENOBUFS;
		n = read(m->out, m->buf + m->len, sizeof(m->buf) - m->len);
		if (n <= 0)
			return -EPIPE;
		m->len += n;
	}
}

/* Anything on stdout within timeout_ms? */
static bool mon_readable(struct mon *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = m->out, .events = POLLIN };

	return m->len || poll(&pfd, 1, timeout_ms) > 0;
}

/*
 * hvctl monitor joins the group some time after it starts: create and
 * destroy probe VMs until it reports one, then read up to the last probe's
 * DESTROYED line. Every event after that reaches it, in order.
 */
static int mon_sync(struct mon *m, bool json)
{
	char probe[HVM_NAME_MAX + 1], line[4096], want[128];
	int i, r;

	for (i = 0; i < 300; i++) {
		snprintf(probe, sizeof(probe), "%s", hvm_vm_name(TAG));
		r = hvm_vm_create(probe, 0, 0, NULL, 0);
		if (!r)
			r = hvm_vm_cmd(HVM_CMD_VM_DESTROY, probe, NULL, 0);
		if (r)
			return r;
		if (mon_readable(m, 200))
			break;
	}
	if (i == 300)
		return -ETIMEDOUT;
	if (json)
		snprintf(want, sizeof(want), "\"event\":\"destroyed\",\"vm\":{\"name\":\"%s\"",
			 probe);
	else
		snprintf(want, sizeof(want), "destroyed %s", probe);
	do {
		r = mon_line(m, line, sizeof(line), LINE_TIMEOUT_MS);
		if (r)
			return r;
	} while (json ? !strstr(line, want) : strcmp(line, want));
	return 0;
}

/* Signal it (0: none), reap it: its wait status, or -1 when it hung. */
static int mon_stop(struct mon *m, int sig, char *err, size_t size)
{
	int status = -1, i;
	ssize_t n;

	if (m->pid <= 0)
		return -1;
	if (sig)
		kill(m->pid, sig);
	for (i = 0; i < 1000; i++) {
		if (waitpid(m->pid, &status, WNOHANG) == m->pid)
			break;
		usleep(20000);
	}
	if (i == 1000) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		status = -1;
	}
	m->pid = 0;
	if (err) {
		n = read(m->err, err, size - 1);
		err[n > 0 ? n : 0] = '\0';
	}
	return status;
}

static void mon_free(struct mon *m)
{
	if (m->pid > 0)
		mon_stop(m, SIGKILL, NULL, 0);
	if (m->out >= 0)
		close(m->out);
	if (m->err >= 0)
		close(m->err);
	m->out = m->err = -1;
}

/* ---- text parsing -------------------------------------------------------- */

/* The value of "LABEL   value" in hvctl status/info text, or NULL. */
static const char *text_field(const char *out, const char *label, char *val,
			      size_t size)
{
	size_t l = strlen(label);
	const char *p = out;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *e;

		if (strncmp(p, label, l) || p[l] != ' ')
			continue;
		p += l;
		p += strspn(p, " ");
		e = strchrnul(p, '\n');
		snprintf(val, size, "%.*s", (int)(e - p), p);
		return val;
	}
	return NULL;
}

/*
 * "850 ns", "1.23 s", "2 min 3 s", "1 h 0 min 5 s" back to nanoseconds,
 * with *tol the half unit of its last digit. false: not that form.
 */
static bool parse_duration(const char *s, double *ns, double *tol)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	unsigned long long d = 0, h = 0, m = 0, sec;
	char unit[8], frac[8] = "";
	unsigned long long whole;
	int n = 0;

	if (sscanf(s, "%llu d %llu h %llu min %llu s%n", &d, &h, &m, &sec, &n) == 4 && !s[n]) {
		*ns = ((d * 24 + h) * 60 + m) * 60e9 + sec * 1e9;
		*tol = 0.5e9;
		return d > 0;
	}
	if (sscanf(s, "%llu h %llu min %llu s%n", &h, &m, &sec, &n) == 3 && !s[n]) {
		*ns = (h * 60 + m) * 60e9 + sec * 1e9;
		*tol = 0.5e9;
		return h > 0 && m < 60 && sec < 60;
	}
	if (sscanf(s, "%llu min %llu s%n", &m, &sec, &n) == 2 && !s[n]) {
		*ns = m * 60e9 + sec * 1e9;
		*tol = 0.5e9;
		return m > 0 && m < 60 && sec < 60;
	}
	n = 0;
	if (sscanf(s, "%llu.%7[0-9] %7s%n", &whole, frac, unit, &n) != 3 || s[n]) {
		frac[0] = '\0';
		n = 0;
		if (sscanf(s, "%llu %7s%n", &whole, unit, &n) != 2 || s[n])
			return false;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].name))
			continue;
		/* ns: exact; the others: three significant digits, 1 <= x < 1000 */
		if (i && (!whole || whole >= 1000 ||
			  strlen(frac) + (whole >= 100 ? 3 : whole >= 10 ? 2 : 1) != 3))
			return false;
		*ns = whole * units[i].ns;
		*tol = 0.5 * units[i].ns;
		for (const char *f = frac; *f; f++) {
			*tol /= 10;
			*ns += (*f - '0') * *tol * 2;
		}
		return true;
	}
	return false;
}

/* What hvctl's text should say for v bytes (README: "hvctl output"). */
static void ref_size(uint64_t v, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned __int128 tenths;
	unsigned int u = 0;

	while (u < 4 && v >> (10 * (u + 1)))
		u++;
	if (!(v % (1ull << (10 * u)))) {
		snprintf(buf, size, "%llu %s", (unsigned long long)(v >> (10 * u)),
			 units[u]);
		return;
	}
	tenths = ((unsigned __int128)v * 10 + (1ull << (10 * u)) / 2) >> (10 * u);
	if (tenths >= 10240 && u < 4) {
		u++;
		tenths = ((unsigned __int128)v * 10 + (1ull << (10 * u)) / 2) >> (10 * u);
	}
	snprintf(buf, size, "%llu.%llu %s", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10), units[u]);
}

/* ---- the tests ----------------------------------------------------------- */

FIXTURE(cli) {
	struct hvm_exec c;
	struct mon m;
	char keys[1024];
};

FIXTURE_SETUP(cli)
{
	self->m.pid = 0;
	self->m.out = self->m.err = -1;
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(cli)
{
	mon_free(&self->m);
	hvm_cmd_free(&self->c);
	if (hvm_load_hvm() == 0)
		hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

TEST_F(cli, help_lists_every_command_and_exits_0)
{
	char want[64], *all;
	size_t lines = 0;
	const char *p;

	HVCTL_OK(&self->c, "help");
	ASSERT_STREQ("", self->c.err);
	ASSERT_EQ(0, strncmp(self->c.out, "usage: hvctl COMMAND", 20));
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		snprintf(want, sizeof(want), "\n  hvctl %s ", commands[i]);
		ASSERT_NE(NULL, strstr(self->c.out, want)) {
			TH_LOG("'hvctl help' does not list %s:\n%s", commands[i],
			       self->c.out);
		}
	}
	/* and nothing else: one "  hvctl CMD ARGS" line per command */
	for (p = self->c.out; (p = strstr(p, "\n  hvctl ")); p++)
		lines++;
	ASSERT_EQ(NR_COMMANDS, lines);

	all = strdup(self->c.out);
	ASSERT_NE(NULL, all);
	HVCTL_OK(&self->c, "--help");
	ASSERT_STREQ(all, self->c.out);
	HVCTL_OK(&self->c, "-h");
	ASSERT_STREQ(all, self->c.out);
	free(all);
}

TEST_F(cli, every_command_has_help_three_ways)
{
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		const char *cmd = commands[i];
		char want[64], *first;

		snprintf(want, sizeof(want), "usage: hvctl %s ", cmd);
		HVCTL_OK(&self->c, "help", cmd);
		ASSERT_STREQ("", self->c.err);
		ASSERT_EQ(0, strncmp(self->c.out, want, strlen(want))) {
			TH_LOG("hvctl help %s: '%s'", cmd, self->c.out);
		}
		first = strdup(self->c.out);
		ASSERT_NE(NULL, first);
		HVCTL_OK(&self->c, cmd, "--help");
		ASSERT_STREQ("", self->c.err);
		ASSERT_STREQ(first, self->c.out);
		HVCTL_OK(&self->c, cmd, "-h");
		ASSERT_STREQ(first, self->c.out);
		free(first);
	}
	/* --help wins over missing or extra arguments */
	HVCTL_OK(&self->c, "status", "--help");
	HVCTL_OK(&self->c, "start", "a", "b", "--help");
	ASSERT_EQ(0, strncmp(self->c.out, "usage: hvctl start NAME", 23));
}

TEST_F(cli, usage_errors_are_one_line_and_status_1)
{
	HVCTL_FAILS(&self->c, "help", "no-such-command");
	ASSERT_STREQ("", self->c.out);
	ASSERT_STREQ("hvctl: help: unknown command 'no-such-command' (try 'hvctl help')\n",
		     self->c.err);
	HVCTL_FAILS(&self->c, "help", "info", "extra");
	HVCTL_FAILS(&self->c, "no-such-command");
	ASSERT_STREQ("hvctl: no-such-command: unknown command (try 'hvctl help')\n",
		     self->c.err);
	HVCTL_FAILS(&self->c, NULL);
	ASSERT_STREQ("", self->c.out);
	HVCTL_FAILS(&self->c, "status");
	HVCTL_FAILS(&self->c, "info", "--bogus");
	HVCTL_FAILS(&self->c, "monitor", "extra");
	HVCTL_FAILS(&self->c, "monitor", "--bogus");
}

TEST_F(cli, json_output_is_valid_with_documented_keys_and_exact_values)
{
	const char *name = hvm_vm_name(TAG);
	struct hvm_vm_status st;
	struct hvm_info info;
	char s[64];
	uint64_t v;

	ASSERT_EQ(0, hvm_get_info(&info));
	HVCTL_OK(&self->c, "info", "--json");
	ASSERT_JSON(self->c.out, self->keys, info_keys);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "max_memory", &v));
	ASSERT_EQ(info.max_mem, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "max_vcpus", &v));
	ASSERT_EQ(info.max_vcpus, v);

	HVCTL_OK(&self->c, "create", name, "--memory", "32M", "--vcpus", "2",
		 "--image", hvm_guest("exit-code.bin"));
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));

	HVCTL_OK(&self->c, "list", "--json");
	ASSERT_TRUE(json_valid(self->c.out, NULL, 0)) {
		TH_LOG("not valid JSON: '%s'", self->c.out);
	}
	ASSERT_EQ('[', self->c.out[0]);
	snprintf(s, sizeof(s), "{\"name\":\"%s\",", name);
	ASSERT_NE(NULL, strstr(self->c.out, s));

	HVCTL_OK(&self->c, "status", name, "--json");
	ASSERT_JSON(self->c.out, self->keys, vm_keys);
	ASSERT_TRUE(hvm_json_str(self->c.out, "name", s, sizeof(s)));
	ASSERT_STREQ(name, s);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "id", &v));
	ASSERT_EQ(st.id, v);
	ASSERT_TRUE(hvm_json_str(self->c.out, "state", s, sizeof(s)));
	ASSERT_STREQ("created", s);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "memory", &v));
	ASSERT_EQ(33554432ull, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "vcpus", &v));
	ASSERT_EQ(2ull, v);
	ASSERT_TRUE(hvm_json_str(self->c.out, "stop_reason", s, sizeof(s)));
	ASSERT_STREQ("none", s);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "guest_ns", &v));
	ASSERT_EQ(0ull, v);
	for (size_t i = 0; i < sizeof(exit_keys) / sizeof(exit_keys[0]); i++) {
		ASSERT_TRUE(hvm_json_obj_u64(self->c.out, "exits", exit_keys[i], &v)) {
			TH_LOG("exits.%s missing: %s", exit_keys[i], self->c.out);
		}
		ASSERT_EQ(0ull, v);
	}

	/* exit-code.bin writes 42 to the exit port */
	HVCTL_OK(&self->c, "start", name);
	hvctl(&self->c, "wait", name, "--timeout", "60", NULL);
	ASSERT_EQ(42, self->c.status);
	HVCTL_OK(&self->c, "status", name, "--json");
	ASSERT_JSON(self->c.out, self->keys, vm_keys);
	ASSERT_TRUE(hvm_json_str(self->c.out, "state", s, sizeof(s)));
	ASSERT_STREQ("stopped", s);
	ASSERT_TRUE(hvm_json_str(self->c.out, "stop_reason", s, sizeof(s)));
	ASSERT_STREQ("exit", s);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "exit_code", &v));
	ASSERT_EQ(42ull, v);
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_TRUE(hvm_json_u64(self->c.out, "stop_rip", &v));
	ASSERT_EQ(st.stop_rip, v);
	ASSERT_TRUE(hvm_json_u64(self->c.out, "guest_ns", &v));
	ASSERT_EQ(st.guest_ns, v);
}

TEST_F(cli, text_sizes_and_times_are_human_readable)
{
	static const struct {
		const char *arg, *text;
	} sizes[] = {
		{ "32M", "32 MiB" },
		{ "1536M", "1.5 GiB" },
		{ "16388K", "16.0 MiB" },	/* not exact: one decimal */
		{ "4G", "4 GiB" },
	};
	const char *fields[] = { "guest time", "host time" };
	const char *ns_keys[] = { "guest_ns", "host_ns" };
	struct hvm_info info;
	char val[128], want[64];
	const char *name;
	uint64_t ns;

	ASSERT_EQ(0, hvm_get_info(&info));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t bytes;

		name = hvm_vm_name(TAG);
		bytes = strtoull(sizes[i].arg, NULL, 10) <<
			(strchr(sizes[i].arg, 'G') ? 30 : strchr(sizes[i].arg, 'M') ? 20 : 10);
		if (bytes > info.max_mem)
			continue;	/* max_mem was lowered: not this one */
		HVCTL_OK(&self->c, "create", name, "--memory", sizes[i].arg);
		HVCTL_OK(&self->c, "status", name);
		ASSERT_NE(NULL, text_field(self->c.out, "memory", val, sizeof(val)));
		ASSERT_STREQ(sizes[i].text, val);
		HVCTL_OK(&self->c, "list");
		snprintf(want, sizeof(want), "  %s  ", sizes[i].text);
		ASSERT_NE(NULL, strstr(self->c.out, want)) {
			TH_LOG("no '%s' in:\n%s", want, self->c.out);
		}
		HVCTL_OK(&self->c, "destroy", name);
	}
	/* the default limit is 16 GiB; whatever it is, info says it in units */
	HVCTL_OK(&self->c, "info");
	ASSERT_NE(NULL, text_field(self->c.out, "max memory", val, sizeof(val)));
	ref_size(info.max_mem, want, sizeof(want));
	strcat(want, " per VM");
	ASSERT_STREQ(want, val);

	/* times: the text says what --json says, to its last digit */
	name = hvm_vm_name(TAG);
	HVCTL_OK(&self->c, "create", name, "--image", hvm_guest("exit-code.bin"));
	HVCTL_OK(&self->c, "start", name);
	hvctl(&self->c, "wait", name, "--timeout", "60", NULL);
	ASSERT_EQ(42, self->c.status);
	for (int i = 0; i < 2; i++) {
		double got = -1, tol = 0;

		HVCTL_OK(&self->c, "status", name, "--json");
		ASSERT_TRUE(hvm_json_u64(self->c.out, ns_keys[i], &ns));
		ASSERT_NE(0ull, ns);
		HVCTL_OK(&self->c, "status", name);
		ASSERT_NE(NULL, text_field(self->c.out, fields[i], val, sizeof(val)));
		ASSERT_TRUE(parse_duration(val, &got, &tol)) {
			TH_LOG("%s: '%s' is not a human-readable time", fields[i], val);
		}
		ASSERT_TRUE(got - (double)ns <= tol && (double)ns - got <= tol) {
			TH_LOG("%s: '%s' but %s is %llu", fields[i], val, ns_keys[i],
			       (unsigned long long)ns);
		}
	}
	ASSERT_NE(NULL, text_field(self->c.out, "stop reason", val, sizeof(val)));
	ASSERT_STREQ("exit (code 42)", val);
}

TEST_F(cli, monitor_json_reports_the_lifecycle_in_order)
{
	static const char *const events[] = { "created", "started", "stopped", "destroyed" };
	static const char *const states[] = { "created", "running", "stopped", "stopped" };
	static const char *const reasons[] = { "none", "none", "user", "user" };
	const char *name = hvm_vm_name(TAG);
	char line[4096], s[64], err[512];
	uint64_t v;
	int status;

	ASSERT_EQ(0, mon_start(&self->m, true));
	ASSERT_EQ(0, mon_sync(&self->m, true));

	HVCTL_OK(&self->c, "create", name, "--memory", "32M", "--image",
		 hvm_guest("spin.bin"));
	HVCTL_OK(&self->c, "start", name);
	HVCTL_OK(&self->c, "stop", name);
	HVCTL_OK(&self->c, "destroy", name);

	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, mon_line(&self->m, line, sizeof(line), LINE_TIMEOUT_MS)) {
			TH_LOG("no '%s' event", events[i]);
		}
		ASSERT_TRUE(json_valid(line, self->keys, sizeof(self->keys))) {
			TH_LOG("not valid JSON: '%s'", line);
		}
		ASSERT_STREQ("event,vm", self->keys);
		ASSERT_TRUE(hvm_json_str(line, "event", s, sizeof(s)));
		ASSERT_STREQ(events[i], s) {
			TH_LOG("event %d: %s", i, line);
		}
		ASSERT_TRUE(hvm_json_str(line, "name", s, sizeof(s)));
		ASSERT_STREQ(name, s);
		ASSERT_TRUE(hvm_json_str(line, "state", s, sizeof(s)));
		ASSERT_STREQ(states[i], s) {
			TH_LOG("event %d: %s", i, line);
		}
		ASSERT_TRUE(hvm_json_str(line, "stop_reason", s, sizeof(s)));
		ASSERT_STREQ(reasons[i], s) {
			TH_LOG("event %d: %s", i, line);
		}
		ASSERT_TRUE(hvm_json_u64(line, "memory", &v));
		ASSERT_EQ(32ull << 20, v);
		ASSERT_TRUE(hvm_json_u64(line, "vcpus", &v));
		ASSERT_EQ(1ull, v);
	}
	ASSERT_FALSE(mon_readable(&self->m, 500)) {
		mon_line(&self->m, line, sizeof(line), 100);
		TH_LOG("unexpected event: %s", line);
	}
	status = mon_stop(&self->m, SIGTERM, err, sizeof(err));
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("monitor: wait status %#x", status);
	}
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_STREQ("", err);
}

TEST_F(cli, monitor_text_reports_the_exit_code_and_ends_on_sigint)
{
	const char *name = hvm_vm_name(TAG);
	char line[4096], want[256], err[512];
	struct hvm_vm_status st;
	int status;

	ASSERT_EQ(0, mon_start(&self->m, false));
	ASSERT_EQ(0, mon_sync(&self->m, false));

	HVCTL_OK(&self->c, "create", name, "--vcpus", "2", "--image",
		 hvm_guest("exit-code.bin"));
	HVCTL_OK(&self->c, "start", name);
	hvctl(&self->c, "wait", name, "--timeout", "60", NULL);
	ASSERT_EQ(42, self->c.status);
	ASSERT_EQ(0, hvm_vm_status(name, &st, NULL, 0));
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	HVCTL_OK(&self->c, "destroy", name);

	snprintf(want, sizeof(want), "created %s: 16 MiB, 2 vCPUs", name);
	ASSERT_EQ(0, mon_line(&self->m, line, sizeof(line), LINE_TIMEOUT_MS));
	ASSERT_STREQ(want, line);
	snprintf(want, sizeof(want), "started %s", name);
	ASSERT_EQ(0, mon_line(&self->m, line, sizeof(line), LINE_TIMEOUT_MS));
	ASSERT_STREQ(want, line);
	snprintf(want, sizeof(want), "stopped %s: exit (code 42), rip 0x%llx", name,
		 (unsigned long long)st.stop_rip);
	ASSERT_EQ(0, mon_line(&self->m, line, sizeof(line), LINE_TIMEOUT_MS));
	ASSERT_STREQ(want, line);
	snprintf(want, sizeof(want), "destroyed %s", name);
	ASSERT_EQ(0, mon_line(&self->m, line, sizeof(line), LINE_TIMEOUT_MS));
	ASSERT_STREQ(want, line);

	status = mon_stop(&self->m, SIGINT, err, sizeof(err));
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("monitor: wait status %#x", status);
	}
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_STREQ("", err);
}

TEST_F(cli, monitor_fails_in_one_line_when_the_module_is_unloaded)
{
	char err[512];
	int status;

	ASSERT_EQ(0, mon_start(&self->m, false));
	ASSERT_EQ(0, mon_sync(&self->m, false));
	ASSERT_EQ(0, hvm_rmmod("hvm"));
	status = mon_stop(&self->m, 0, err, sizeof(err));
	ASSERT_EQ(0, hvm_load_hvm());
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("monitor: wait status %#x", status);
	}
	ASSERT_EQ(1, WEXITSTATUS(status));
	ASSERT_STREQ("hvctl: monitor: the hvm module was unloaded\n", err);
}

TEST_F(cli, monitor_needs_cap_sys_admin)
{
	struct {
		int status;
		char err[256];
	} res = { .status = -1 };
	int p[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct hvm_exec c = { 0 };

		close(p[0]);
		if (!setgroups(0, NULL) && !setgid(UID) && !setuid(UID)) {
			res.status = hvctl_t(&c, 30000, "monitor", NULL);
			snprintf(res.err, sizeof(res.err), "%s", c.err ? c.err : "");
		}
		_exit(write(p[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(res), read(p[0], &res, sizeof(res)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(1, res.status) {
		TH_LOG("hvctl monitor as uid %d: status %d, stderr '%s'", UID,
		       res.status, res.err);
	}
	ASSERT_STREQ("hvctl: monitor: Operation not permitted (run hvctl as root)\n",
		     res.err);
}

TEST_HARNESS_MAIN
