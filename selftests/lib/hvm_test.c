// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the hvm selftests (see hvm_test.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "hvm_test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- env */

static const char *env_or(const char *a, const char *b, const char *def)
{
	const char *v = a ? getenv(a) : NULL;

	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : def;
}

const char *hvm_module_path(void)
{
	return env_or("HVM_MODULE", "HVM_KO", "/hvm/hvm.ko");
}

const char *hvm_guest(const char *file)
{
	static char bufs[16][512];
	static unsigned int next;
	char *b = bufs[next++ % ARRAY_SIZE(bufs)];

	snprintf(b, sizeof(bufs[0]), "%s/%s",
		 env_or("HVM_GUESTS", NULL, "/hvm/guests"), file);
	return b;
}

const char *hvm_extra_module(const char *name)
{
	static char path[8][512];
	static unsigned int next;
	const char *dirs[] = { getenv("HVM_MODULES_DIR"), getenv("HVM_KVM_DIR"),
			       "/hvm/modules", "/hvm/kvm" };
	char alt[128], *b = path[next++ % ARRAY_SIZE(path)];
	size_t i, j;

	snprintf(alt, sizeof(alt), "%s", name);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		for (j = 0; j < 2; j++) {
			char *p;

			for (p = alt; *p; p++)
				if (*p == (j ? '_' : '-'))
					*p = j ? '-' : '_';
			snprintf(b, sizeof(path[0]), "%s/%s.ko", dirs[i], alt);
			if (!access(b, R_OK))
				return b;
		}
	}
	return NULL;
}

enum hvm_vendor hvm_host_vendor(void)
{
	enum hvm_vendor v = HVM_VENDOR_UNKNOWN;
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "vendor_id", 9))
			continue;
		if (strstr(line, "AuthenticAMD") || strstr(line, "HygonGenuine"))
			v = HVM_VENDOR_AMD;
		else if (strstr(line, "GenuineIntel"))
			v = HVM_VENDOR_INTEL;
		break;
	}
	fclose(f);
	return v;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[n] || isspace((unsigned char)p[n])))
			return true;
		p += n;
	}
	return false;
}

bool hvm_cpuinfo_flag(const char *flag)
{
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (strncmp(line, "flags", 5) && strncmp(line, "vmx flags", 9))
			continue;
		found = has_word(colon + 1, flag);
	}
	free(line);
	fclose(f);
	return found;
}

int hvm_nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

uint64_t hvm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *hvm_vm_name(const char *tag)
{
	static char bufs[8][HVM_NAME_MAX + 1];
	static unsigned int next, serial;
	char *b = bufs[next++ % ARRAY_SIZE(bufs)];

	snprintf(b, sizeof(bufs[0]), "%.8s-%d-%u", tag, (int)getpid(), serial++);
	return b;
}

/* ----------------------------------------------------------- commands */

void hvm_cmd_free(struct hvm_exec *c)
{
	free(c->out);
	free(c->err);
	memset(c, 0, sizeof(*c));
}

static int append(char **buf, size_t *len, size_t *cap, const char *data,
		  size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*len + n + 1) * 2;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int hvm_cmd_runv(struct hvm_exec *c, int timeout_ms, char *const argv[])
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	size_t ocap = 0, ecap = 0;
	uint64_t start = hvm_now_ns(), deadline;
	bool out_open = true, err_open = true;
	int wstatus = 0;
	pid_t pid;

	hvm_cmd_free(c);
	c->status = -1;
	if (append(&c->out, &c->out_len, &ocap, "", 0) ||
	    append(&c->err, &c->err_len, &ecap, "", 0))
		return -1;
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC))
		goto out_close;

	pid = fork();
	if (pid < 0)
		goto out_close;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;

	deadline = start + (uint64_t)timeout_ms * 1000000ull;
	while (out_open || err_open) {
		struct pollfd pfd[2] = {
			{ .fd = out_open ? outp[0] : -1, .events = POLLIN },
			{ .fd = err_open ? errp[0] : -1, .events = POLLIN },
		};
		uint64_t now = hvm_now_ns();
		char buf[65536];
		int i, r;

		if (now >= deadline) {
			c->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		r = poll(pfd, 2, (int)((deadline - now) / 1000000ull) + 1);
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (i)
					err_open = false;
				else
					out_open = false;
				continue;
			}
			if (i)
				append(&c->err, &c->err_len, &ecap, buf, (size_t)n);
			else
				append(&c->out, &c->out_len, &ocap, buf, (size_t)n);
		}
	}
	/* A child that closed its pipes may still be running: same deadline. */
	for (;;) {
		pid_t w = waitpid(pid, &wstatus, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (!c->timed_out && hvm_now_ns() >= deadline) {
			c->timed_out = true;
			kill(pid, SIGKILL);
		}
		usleep(1000);
	}
	if (WIFEXITED(wstatus))
		c->status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		c->status = 128 + WTERMSIG(wstatus);
out_close:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	c->secs = (double)(hvm_now_ns() - start) / 1e9;
	return c->status;
}

int hvctlv(struct hvm_exec *c, int timeout_ms, const char *const args[])
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = env_or("HVCTL", NULL, "hvctl");
	while (*args && n < ARRAY_SIZE(argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	return hvm_cmd_runv(c, timeout_ms, (char *const *)argv);
}

static int hvctl_va(struct hvm_exec *c, int timeout_ms, const char *arg,
		    va_list ap)
{
	const char *args[64];
	size_t n = 0;

	for (; arg && n < ARRAY_SIZE(args) - 1; arg = va_arg(ap, const char *))
		args[n++] = arg;
	args[n] = NULL;
	return hvctlv(c, timeout_ms, args);
}

int hvctl(struct hvm_exec *c, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = hvctl_va(c, HVM_CMD_TIMEOUT_MS, arg, ap);
	va_end(ap);
	return r;
}

int hvctl_t(struct hvm_exec *c, int timeout_ms, const char *arg, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg);
	r = hvctl_va(c, timeout_ms, arg, ap);
	va_end(ap);
	return r;
}

/* --------------------------------------------------------------- json */

/* Find "key" followed by ':' in [json, end); return the value's start. */
static const char *json_find(const char *json, const char *end,
			     const char *key)
{
	size_t n = strlen(key);
	const char *p = json;

	while (p && p < end && (p = strchr(p, '"')) && p < end) {
		if (!strncmp(p + 1, key, n) && p[n + 1] == '"') {
			const char *q = p + n + 2;

			while (isspace((unsigned char)*q))
				q++;
			if (*q == ':') {
				q++;
				while (isspace((unsigned char)*q))
					q++;
				return q;
			}
		}
		/* skip this string token */
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p)
			p++;
	}
	return NULL;
}

bool hvm_json_str(const char *json, const char *key, char *out, size_t size)
{
	const char *v = json ? json_find(json, json + strlen(json), key) : NULL;
	size_t n = 0;

	if (!v || *v != '"')
		return false;
	for (v++; *v && *v != '"'; v++) {
		char ch = *v;

		if (ch == '\\' && v[1])
			ch = *++v;
		if (n + 1 < size)
			out[n++] = ch;
	}
	if (size)
		out[n] = '\0';
	return *v == '"';
}

static bool json_num(const char *v, uint64_t *out)
{
	char *end;

	if (!v)
		return false;
	if (*v == '"')
		v++;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return !errno && end != v;
}

bool hvm_json_u64(const char *json, const char *key, uint64_t *v)
{
	return json && json_num(json_find(json, json + strlen(json), key), v);
}

bool hvm_json_obj_u64(const char *json, const char *obj, const char *key,
		      uint64_t *v)
{
	const char *o, *p;
	int depth = 0;

	if (!json)
		return false;
	o = json_find(json, json + strlen(json), obj);
	if (!o || *o != '{')
		return false;
	for (p = o; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			break;
		}
	}
	return json_num(json_find(o, p, key), v);
}

/* ------------------------------------------------------------ netlink */

int hvm_nl_open(struct hvm_nl *nl)
{
	int one = 1, r;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	r = genl_connect(nl->sk);
	if (r) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -EIO;
	}
	nl_socket_enable_msg_peek(nl->sk);
	nl_socket_disable_seq_check(nl->sk);
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, HVM_GENL_NAME);
	if (nl->family < 0) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -ENOENT;
	}
	return 0;
}

void hvm_nl_close(struct hvm_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *hvm_nl_msg(struct hvm_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags | NLM_F_REQUEST | NLM_F_ACK, cmd,
			 HVM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int hvm_nl_put_raw(struct nl_msg *msg, const void *data, size_t len)
{
	return nlmsg_append(msg, (void *)data, len, 1) ? -ENOMEM : 0;
}

void hvm_nl_reply_free(struct hvm_nl_reply *rep)
{
	int i;

	for (i = 0; i < rep->nbufs; i++)
		free(rep->bufs[i]);
	memset(rep, 0, sizeof(*rep));
}

static void parse_ack(struct nlmsghdr *h, struct hvm_nl_reply *rep)
{
	struct nlmsgerr *e = nlmsg_data(h);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	rep->error = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	len = (int)(h->nlmsg_len - NLMSG_HDRLEN - off);
	if (len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		rep->has_extack = true;
		snprintf(rep->extack, sizeof(rep->extack), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		rep->miss_type = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS])
		rep->offset = (int)nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

/* The end of a dump: an int error, then extack TLVs when flagged. */
static void parse_done(struct nlmsghdr *h, struct hvm_nl_reply *rep)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = (int)(h->nlmsg_len - NLMSG_HDRLEN - sizeof(int));

	if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return;
	rep->error = *(int *)nlmsg_data(h);
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(h) + sizeof(int)), len,
		      NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		rep->has_extack = true;
		snprintf(rep->extack, sizeof(rep->extack), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
}

int hvm_nl_xfer(struct hvm_nl *nl, struct nl_msg *msg, struct hvm_nl_reply *rep)
{
	uint32_t seq;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->miss_type = -1;
	rep->offset = -1;
	if (!msg)
		return rep->error = -ENOMEM;
	r = nl_send_auto(nl->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (r < 0)
		return rep->error = -EIO;

	for (;;) {
		struct pollfd pfd = { nl_socket_get_fd(nl->sk), POLLIN, 0 };
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int n;

		r = poll(&pfd, 1, 10000);
		if (r <= 0)
			return rep->error = -ETIMEDOUT;
		n = nl_recv(nl->sk, &peer, &buf, NULL);
		if (n <= 0)
			return rep->error = -EIO;
		if (rep->nbufs == (int)ARRAY_SIZE(rep->bufs)) {
			free(buf);
			return rep->error = -E2BIG;
		}
		rep->bufs[rep->nbufs++] = buf;
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n);
		     h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_ack(h, rep);
				return rep->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				parse_done(h, rep);
				return rep->error;
			}
			if (h->nlmsg_type != nl->family ||
			    rep->nmsgs == HVM_NL_MAX_MSGS)
				continue;
			rep->cmd[rep->nmsgs] = ((struct genlmsghdr *)nlmsg_data(h))->cmd;
			if (genlmsg_parse(h, 0, rep->tb[rep->nmsgs], HVM_A_MAX, NULL))
				continue;
			rep->nmsgs++;
			/* A doit reply comes before the ACK; keep reading. */
		}
	}
}

int hvm_nl_subscribe(struct hvm_nl *nl, const char *group)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, HVM_GENL_NAME, group);
	int r;

	if (grp < 0)
		return -ENOENT;
	r = nl_socket_add_membership(nl->sk, grp);
	if (r == -NLE_PERM)
		return -EPERM;
	return r ? -EIO : 0;
}

int hvm_nl_next_event(struct hvm_nl *nl, int timeout_ms, struct hvm_event_msg *ev)
{
	uint64_t deadline = hvm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		struct pollfd pfd = { nl_socket_get_fd(nl->sk), POLLIN, 0 };
		struct nlattr *tb[HVM_A_MAX + 1];
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		uint64_t now = hvm_now_ns();
		int n, found = 0;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000ull) + 1) <= 0)
			continue;
		n = nl_recv(nl->sk, &peer, &buf, NULL);
		if (n <= 0)
			return -EIO;
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n) && !found;
		     h = nlmsg_next(h, &n)) {
			if (h->nlmsg_type != nl->family)
				continue;
			if (genlmsg_parse(h, 0, tb, HVM_A_MAX, NULL))
				continue;
			memset(ev, 0, sizeof(*ev));
			ev->cmd = ((struct genlmsghdr *)nlmsg_data(h))->cmd;
			if (tb[HVM_A_EVENT])
				ev->event = nla_get_u32(tb[HVM_A_EVENT]);
			if (tb[HVM_A_VM_NAME])
				snprintf(ev->name, sizeof(ev->name), "%s",
					 nla_get_string(tb[HVM_A_VM_NAME]));
			if (tb[HVM_A_VM_STATE])
				ev->state = nla_get_u32(tb[HVM_A_VM_STATE]);
			if (tb[HVM_A_VM_STOP_REASON])
				ev->stop_reason = nla_get_u32(tb[HVM_A_VM_STOP_REASON]);
			found = 1;
		}
		free(buf);
		if (found)
			return 0;
	}
}

int hvm_nl_wait_event(struct hvm_nl *nl, int timeout_ms, uint32_t event,
		      const char *name, struct hvm_event_msg *ev)
{
	uint64_t deadline = hvm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		uint64_t now = hvm_now_ns();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = hvm_nl_next_event(nl, (int)((deadline - now) / 1000000ull) + 1, ev);
		if (r)
			return r;
		if (ev->event == event && !strcmp(ev->name, name))
			return 0;
	}
}

/* ----------------------------------------------------- family helpers */

static void copy_err(const struct hvm_nl_reply *rep, char *extack, size_t size)
{
	if (extack && size)
		snprintf(extack, size, "%s", rep->has_extack ? rep->extack : "");
}

int hvm_get_info(struct hvm_info *info)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	struct nlattr **tb;
	int r, i;

	memset(info, 0, sizeof(*info));
	info->hw_enabled = -1;
	if (!rep)
		return -ENOMEM;
	r = hvm_nl_open(&nl);
	if (r)
		goto out;
	r = hvm_nl_xfer(&nl, hvm_nl_msg(&nl, HVM_CMD_INFO, 0), rep);
	hvm_nl_close(&nl);
	if (r)
		goto out;
	if (!rep->nmsgs) {
		r = -ENODATA;
		goto out;
	}
	tb = rep->tb[0];
	for (i = 0; i <= HVM_A_MAX; i++)
		info->have[i] = tb[i] != NULL;
	if (tb[HVM_A_INFO_BACKEND])
		snprintf(info->backend, sizeof(info->backend), "%s",
			 nla_get_string(tb[HVM_A_INFO_BACKEND]));
	if (tb[HVM_A_INFO_VERSION])
		snprintf(info->version, sizeof(info->version), "%s",
			 nla_get_string(tb[HVM_A_INFO_VERSION]));
	if (tb[HVM_A_INFO_FEATURES])
		info->features = nla_get_u64(tb[HVM_A_INFO_FEATURES]);
	if (tb[HVM_A_INFO_MAX_MEM])
		info->max_mem = nla_get_u64(tb[HVM_A_INFO_MAX_MEM]);
	if (tb[HVM_A_INFO_MAX_VMS])
		info->max_vms = nla_get_u32(tb[HVM_A_INFO_MAX_VMS]);
	if (tb[HVM_A_INFO_MAX_VCPUS])
		info->max_vcpus = nla_get_u32(tb[HVM_A_INFO_MAX_VCPUS]);
	if (tb[HVM_A_INFO_NR_VMS])
		info->nr_vms = nla_get_u32(tb[HVM_A_INFO_NR_VMS]);
	if (tb[HVM_A_INFO_NR_ASIDS])
		info->nr_asids = nla_get_u32(tb[HVM_A_INFO_NR_ASIDS]);
	if (tb[HVM_A_INFO_HW_ENABLED])
		info->hw_enabled = nla_get_u8(tb[HVM_A_INFO_HW_ENABLED]);
out:
	hvm_nl_reply_free(rep);
	free(rep);
	return r;
}

void hvm_decode_vm(struct nlattr **tb, struct hvm_vm_status *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i <= HVM_A_MAX; i++)
		st->have[i] = tb[i] != NULL;
	if (tb[HVM_A_VM_NAME])
		snprintf(st->name, sizeof(st->name), "%s",
			 nla_get_string(tb[HVM_A_VM_NAME]));
#define U32(a, f) if (tb[a]) st->f = nla_get_u32(tb[a])
#define U64(a, f) if (tb[a]) st->f = nla_get_u64(tb[a])
	U32(HVM_A_VM_ID, id);
	U32(HVM_A_VM_VCPUS, vcpus);
	U32(HVM_A_VM_STATE, state);
	U32(HVM_A_VM_STOP_REASON, stop_reason);
	U64(HVM_A_VM_MEM_SIZE, mem_size);
	U64(HVM_A_VM_EXIT_CODE, exit_code);
	U64(HVM_A_VM_STOP_RIP, stop_rip);
	U64(HVM_A_VM_FAULT_GPA, fault_gpa);
	U64(HVM_A_VM_HW_ERROR, hw_error);
	U64(HVM_A_VM_GUEST_NS, guest_ns);
	U64(HVM_A_VM_HOST_NS, host_ns);
	U64(HVM_A_VM_CONSOLE_BYTES, console_bytes);
	U64(HVM_A_VM_MEM_USED, mem_used);
#undef U32
#undef U64
	if (tb[HVM_A_VM_STATS]) {
		struct nlattr *s;
		int rem;

		nla_for_each_nested(s, tb[HVM_A_VM_STATS], rem) {
			int t = nla_type(s);

			if (t > 0 && t <= HVM_STAT_MAX && nla_len(s) == 8) {
				st->stats[t] = nla_get_u64(s);
				st->have_stat[t] = true;
			}
		}
	}
}

int hvm_vm_status(const char *name, struct hvm_vm_status *st, char *extack,
		  size_t size)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	struct nl_msg *msg;
	int r;

	memset(st, 0, sizeof(*st));
	if (!rep)
		return -ENOMEM;
	r = hvm_nl_open(&nl);
	if (r)
		goto out;
	msg = hvm_nl_msg(&nl, HVM_CMD_VM_GET, 0);
	nla_put_string(msg, HVM_A_VM_NAME, name);
	r = hvm_nl_xfer(&nl, msg, rep);
	hvm_nl_close(&nl);
	copy_err(rep, extack, size);
	if (!r && !rep->nmsgs)
		r = -ENODATA;
	if (!r)
		hvm_decode_vm(rep->tb[0], st);
out:
	hvm_nl_reply_free(rep);
	free(rep);
	return r;
}

int hvm_vm_create(const char *name, uint64_t mem, uint32_t vcpus, char *extack,
		  size_t size)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	struct nl_msg *msg;
	int r;

	if (!rep)
		return -ENOMEM;
	r = hvm_nl_open(&nl);
	if (r)
		goto out;
	msg = hvm_nl_msg(&nl, HVM_CMD_VM_CREATE, 0);
	nla_put_string(msg, HVM_A_VM_NAME, name);
	if (mem)
		nla_put_u64(msg, HVM_A_VM_MEM_SIZE, mem);
	if (vcpus)
		nla_put_u32(msg, HVM_A_VM_VCPUS, vcpus);
	r = hvm_nl_xfer(&nl, msg, rep);
	hvm_nl_close(&nl);
	copy_err(rep, extack, size);
out:
	hvm_nl_reply_free(rep);
	free(rep);
	return r;
}

int hvm_vm_cmd(uint8_t cmd, const char *name, char *extack, size_t size)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	struct nl_msg *msg;
	int r;

	if (!rep)
		return -ENOMEM;
	r = hvm_nl_open(&nl);
	if (r)
		goto out;
	msg = hvm_nl_msg(&nl, cmd, 0);
	nla_put_string(msg, HVM_A_VM_NAME, name);
	r = hvm_nl_xfer(&nl, msg, rep);
	hvm_nl_close(&nl);
	copy_err(rep, extack, size);
out:
	hvm_nl_reply_free(rep);
	free(rep);
	return r;
}

int hvm_vm_list(char (*names)[HVM_NAME_MAX + 1], int max)
{
	struct hvm_nl_reply *rep = calloc(1, sizeof(*rep));
	struct hvm_nl nl;
	int r, i, n = 0;

	if (!rep)
		return -ENOMEM;
	r = hvm_nl_open(&nl);
	if (r)
		goto out;
	r = hvm_nl_xfer(&nl, hvm_nl_msg(&nl, HVM_CMD_VM_GET, NLM_F_DUMP), rep);
	hvm_nl_close(&nl);
	if (r)
		goto out;
	for (i = 0; i < rep->nmsgs && n < max; i++) {
		struct nlattr *a = rep->tb[i][HVM_A_VM_NAME];

		if (a)
			snprintf(names[n++], HVM_NAME_MAX + 1, "%s",
				 nla_get_string(a));
	}
	r = rep->nmsgs == HVM_NL_MAX_MSGS ? -E2BIG : n;
out:
	hvm_nl_reply_free(rep);
	free(rep);
	return r;
}

int hvm_destroy_prefix(const char *prefix)
{
	char (*names)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*names));
	int n, i, done = 0, round;

	if (!names)
		return -ENOMEM;
	/* A dump holds at most HVM_NL_MAX_MSGS names: go round until none is left. */
	for (round = 0; round < 16; round++) {
		int matched = 0;

		n = hvm_vm_list(names, HVM_NL_MAX_MSGS);
		if (n == -E2BIG)
			n = HVM_NL_MAX_MSGS;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (strncmp(names[i], prefix, strlen(prefix)))
				continue;
			matched++;
			if (!hvm_vm_cmd(HVM_CMD_VM_DESTROY, names[i], NULL, 0))
				done++;
		}
		if (!matched)
			break;
	}
	free(names);
	return done;
}

int hvm_vm_wait_stopped(const char *name, int timeout_ms,
			struct hvm_vm_status *st)
{
	uint64_t deadline = hvm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		int r = hvm_vm_status(name, st, NULL, 0);

		if (r)
			return r;
		if (st->state != HVM_VM_RUNNING)
			return 0;
		if (hvm_now_ns() >= deadline)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

const char *hvm_stop_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		"none", "user", "exit", "halt", "shutdown", "fault",
		"unhandled", "entry-failed", "internal", "reboot",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "?";
}

const char *hvm_state_name(uint32_t state)
{
	static const char *const names[] = { "created", "running", "stopped" };

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* ----------------------------------------------------------- /dev/hvm */

int hvm_dev_open(void)
{
	int fd = open("/dev/hvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int hvm_dev_attach(int fd, const char *name)
{
	struct hvm_attach a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	return ioctl(fd, HVM_IOC_ATTACH, &a) ? -errno : 0;
}

/* -------------------------------------------------------- host memory */

long hvm_meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

long hvm_free_kb(void)
{
	long free_kb = hvm_meminfo_kb("MemFree"), pcp = 0;
	char line[256];
	FILE *f;

	/* Pages parked on per-CPU free lists are free too, but not in MemFree. */
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return free_kb;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " \t");

		if (!strncmp(p, "count:", 6))
			pcp += strtol(p + 6, NULL, 10);
	}
	fclose(f);
	return free_kb < 0 ? free_kb : free_kb + pcp * (sysconf(_SC_PAGESIZE) / 1024);
}

void hvm_drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3\n", 2) < 0)
			perror("drop_caches");
		close(fd);
	}
}

int hvm_expect_kmsg(const char *ere)
{
	char rec[512];
	int fd, n, r = 0;

	/* <5>: notice, below the console's level; one write is one record */
	n = snprintf(rec, sizeof(rec), "<5>hvmtest: expect-warn %s\n", ere);
	if (n < 0 || n >= (int)sizeof(rec))
		return -E2BIG;
	/*
	 * write(), not dprintf(): glibc's dprintf() first seeks with
	 * SEEK_CUR, which /dev/kmsg refuses with EINVAL.
	 */
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, rec, n) != n)
		r = -errno;
	close(fd);
	return r;
}

/* ------------------------------------------------------------ modules */

int hvm_insmod(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = (int)syscall(SYS_finit_module, fd, params ? params : "", 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

int hvm_rmmod(const char *name)
{
	int tries, r = 0;

	for (tries = 0; tries < 50; tries++) {
		r = (int)syscall(SYS_delete_module, name, O_NONBLOCK);
		if (!r)
			return 0;
		r = -errno;
		if (r != -EAGAIN && r != -EBUSY)
			return r;
		usleep(100000);
	}
	return r;
}

bool hvm_module_loaded(const char *name)
{
	char path[256], *p;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	for (p = path + 12; *p; p++)
		if (*p == '-')
			*p = '_';
	/* built-in modules have a /sys/module dir too, but no initstate */
	strncat(path, "/initstate", sizeof(path) - strlen(path) - 1);
	return !access(path, F_OK);
}

int hvm_modinfo(const char *path, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	struct stat sb;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	const char *strtab;
	unsigned char *map;
	int fd, r = -ENOENT, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) || (size_t)sb.st_size < sizeof(*eh)) {
		close(fd);
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	eh = (Elf64_Ehdr *)map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > (uint64_t)sb.st_size ||
	    eh->e_shstrndx >= eh->e_shnum) {
		r = -EINVAL;
		goto out;
	}
	sh = (Elf64_Shdr *)(map + eh->e_shoff);
	strtab = (const char *)map + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *p, *end;

		if (strcmp(strtab + sh[i].sh_name, ".modinfo"))
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > (uint64_t)sb.st_size)
			break;
		p = (const char *)map + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		for (; p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
			if (!strncmp(p, key, klen) && p[klen] == '=') {
				snprintf(out, size, "%.*s",
					 (int)strnlen(p + klen + 1,
						      (size_t)(end - p - (long)klen - 1)),
					 p + klen + 1);
				r = 0;
				break;
			}
		}
		break;
	}
out:
	munmap(map, (size_t)sb.st_size);
	return r;
}

static int insmod_deps(const char *name, int depth)
{
	char deps[512], *save = NULL, *d;
	const char *path;
	int r;

	if (depth > 8)
		return -ELOOP;
	if (hvm_module_loaded(name))
		return 0;
	path = hvm_extra_module(name);
	if (!path)
		return -ENOENT;
	if (!hvm_modinfo(path, "depends", deps, sizeof(deps))) {
		for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
			r = insmod_deps(d, depth + 1);
			if (r)
				return r;
		}
		path = hvm_extra_module(name);	/* its buffer may have rotated */
	}
	r = hvm_insmod(path, "");
	return r == -EEXIST ? 0 : r;
}

int hvm_insmod_deps(const char *name)
{
	return insmod_deps(name, 0);
}

int hvm_load_hvm(void)
{
	int r;

	if (hvm_module_loaded("hvm"))
		return 0;
	r = hvm_insmod(hvm_module_path(), "");
	return r == -EEXIST ? 0 : r;
}

/* ------------------------------------------------------- guest runner */

void hvm_guest_run_free(struct hvm_guest_run *g)
{
	hvm_cmd_free(&g->cmd);
	free(g->console);
	memset(g, 0, sizeof(*g));
}

int hvm_guest_run(struct hvm_guest_run *g, const char *name, const char *mem,
		  const char *image, int timeout_s, const char *const *opts,
		  bool keep)
{
	const char *args[48];
	char tmo[16];
	size_t n = 0;
	int r = -1;

	memset(g, 0, sizeof(*g));
	g->wait_status = -1;
	args[n++] = "create";
	args[n++] = name;
	args[n++] = "--memory";
	args[n++] = mem;
	args[n++] = "--image";
	args[n++] = hvm_guest(image);
	for (; opts && *opts && n < ARRAY_SIZE(args) - 1; opts++)
		args[n++] = *opts;
	args[n] = NULL;
	if (hvctlv(&g->cmd, HVM_CMD_TIMEOUT_MS, args)) {
		g->failed_step = "create";
		return -1;
	}
	if (hvctl(&g->cmd, "start", name, NULL)) {
		g->failed_step = "start";
		goto out;
	}
	snprintf(tmo, sizeof(tmo), "%d", timeout_s);
	g->wait_status = hvctl_t(&g->cmd, (timeout_s + 30) * 1000, "wait", name,
				 "--timeout", tmo, NULL);
	if (g->cmd.timed_out || g->wait_status < 0) {
		g->failed_step = "wait";
		goto out;
	}
	g->have_st = !hvm_vm_status(name, &g->st, NULL, 0);
	if (hvctl(&g->cmd, "console", name, NULL)) {
		g->failed_step = "console";
		goto out;
	}
	g->console = g->cmd.out;
	g->console_len = g->cmd.out_len;
	g->cmd.out = NULL;
	g->cmd.out_len = 0;
	r = 0;
out:
	if (!keep || r) {
		struct hvm_exec d = { 0 };

		if (hvctl(&d, "destroy", name, NULL) && !g->failed_step) {
			g->failed_step = "destroy";
			hvm_cmd_free(&g->cmd);
			g->cmd = d;
			return -1;
		}
		hvm_cmd_free(&d);
	}
	return r;
}

/* ------------------------------------------------------------ threads */

/*
 * A thread that has exited stays in /proc as a zombie until its parent
 * (kthreadd for kernel threads) reaps it: that is not a thread left behind.
 */
static bool task_exited(const char *pid)
{
	char path[300], buf[512], *p;
	bool exited = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		/* "pid (comm) S ...": the state follows the last ')' */
		p = strrchr(buf, ')');
		exited = p && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return exited;
}

static int scan_threads(const char *match, bool prefix, pid_t *pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], comm[64];
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = '\0';
			if ((prefix ? !strncmp(comm, match, strlen(match)) :
				      !strcmp(comm, match)) &&
			    !task_exited(e->d_name)) {
				count++;
				if (pid)
					*pid = (pid_t)atoi(e->d_name);
			}
		}
		fclose(f);
	}
	closedir(d);
	return count;
}

bool hvm_thread_gone(const char *comm, int timeout_ms)
{
	uint64_t deadline = hvm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (hvm_find_thread(comm)) {
		if (hvm_now_ns() >= deadline)
			return false;
		usleep(5000);
	}
	return true;
}

pid_t hvm_find_thread(const char *comm)
{
	pid_t pid = 0;
	char c[16];

	/* comm is truncated to 15 characters */
	snprintf(c, sizeof(c), "%s", comm);
	scan_threads(c, false, &pid);
	return pid;
}

int hvm_count_threads(const char *prefix)
{
	return scan_threads(prefix, true, NULL);
}

int hvm_set_testdev(bool on)
{
	int fd = open("/sys/module/hvm/parameters/testdev", O_WRONLY);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, on ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

static int hvm_param_path(const char *name, char *path, size_t size)
{
	int n = snprintf(path, size, "/sys/module/hvm/parameters/%s", name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int hvm_param_write(const char *name, const char *val)
{
	char path[128];
	int fd, r;

	r = hvm_param_path(name, path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = dprintf(fd, "%s\n", val) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int hvm_param_read(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd, r;

	r = hvm_param_path(name, path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
