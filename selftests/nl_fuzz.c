// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: the "hvm" generic netlink family under hostile input.
 *
 * A fixed-seed fuzzer sends valid requests for every command (INFO, VM
 * CREATE/DESTROY/GET/START/STOP, the GET dump, the notification-only EVENT
 * and unknown commands), the same requests mutated (attribute bits flipped,
 * payloads truncated, duplicated, oversized, given the wrong width, type or
 * nesting flag, nla_len corrupted, names with stray bytes, interesting
 * integers, random nlmsg flags including NLM_F_DUMP, random nlmsg types,
 * lengths and genl headers) and random messages, 1-8 per datagram. After
 * each datagram a valid INFO request must be answered (the family keeps
 * working), and every message the kernel sends back must be one of:
 *   - an ACK, or an error whose errno is in the documented set below;
 *   - a reply of INFO, VM_CREATE or VM_GET with well-formed attributes;
 *   - NLMSG_DONE of a dump (0 or a documented errno).
 * At the end no VM exists that the fuzzer was not told about (every VM a
 * request created was answered with its reply), every one is destroyed,
 * the vCPU threads are gone, the kernel's taint is unchanged beyond O/E
 * (the runner also fails on any BUG/WARNING/Oops line; oops=panic and
 * panic_on_warn end the machine on the first one) and a valid
 * create/get/start/stop/destroy still works.
 *
 * Messages per run: HVM_NL_FUZZ_MSGS (default 100000; 25000 on an Intel
 * host, the Bochs machine, which is about 5x slower; `make stress` runs
 * 1000000); seed: HVM_NL_FUZZ_SEED.
 *
 * The documented errnos (README "Reliability"), and where they come from:
 *   EINVAL      policy (wrong width, type, nesting flag, unterminated name,
 *               unknown attribute, leftover bytes, bad genl header or
 *               nlmsg flags), missing or invalid name, bad memory size or
 *               vCPU count (kmod/vm.c hvm_vm_check_args)
 *   ERANGE      a terminated name longer than HVM_NAME_MAX (lib/nlattr.c)
 *   ENOENT      no VM of that name; an nlmsg_type that is no family
 *   EEXIST      create: the name exists
 *   EBUSY       start of a running VM; a dump while one is running on the
 *               socket; create while another hypervisor holds the hardware
 *   ENOSPC      create: max_vms reached (or no ASID/VPID left)
 *   E2BIG       create: memory above max_mem
 *   EOPNOTSUPP  unknown command, EVENT, dump of a command without one
 *   ENOMEM      out of memory
 * Not expected here: EPERM (the fuzzer is root with CAP_SYS_ADMIN; perm.c
 * covers it), ENODEV (module unload), EMSGSIZE (a reply that does not fit).
 *
 * The list-dump tests: a dump that spans a create shows each VM at most
 * once or carries NLM_F_DUMP_INTR (kmod/netlink.c, cb->seq).
 */
#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "hvm_harness.h"

#define TAG		"nf"
#define NPOOL		6
#define MAX_MSG		6144
#define BATCH_MAX	8
#define MAX_FAILS	10

static const int documented_errnos[] = {
	EINVAL, ERANGE, ENOENT, EEXIST, EBUSY, ENOSPC, E2BIG, EOPNOTSUPP, ENOMEM,
};

static bool documented(int err)
{
	size_t i;

	for (i = 0; i < sizeof(documented_errnos) / sizeof(documented_errnos[0]); i++)
		if (err == documented_errnos[i])
			return true;
	return false;
}

/* ---- a raw generic netlink socket ---- */

static int raw_open(int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 20 };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int family_id(void)
{
	struct hvm_nl nl;
	int r = hvm_nl_open(&nl);

	if (r)
		return r;
	r = nl.family;
	hvm_nl_close(&nl);
	return r;
}

static size_t put_attr(uint8_t *p, size_t off, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr *a = (struct nlattr *)(p + off);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(p + off + NLA_HDRLEN, data, len);
	memset(p + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return off + NLA_HDRLEN + NLA_ALIGN(len);
}

/* A valid request: @flags added to REQUEST|ACK; returns its length. */
static size_t build_req(uint8_t *p, int family, uint8_t cmd, int flags, uint32_t seq,
			const char *name)
{
	struct nlmsghdr *h = (struct nlmsghdr *)p;
	struct genlmsghdr *g = (struct genlmsghdr *)(p + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	memset(p, 0, off);
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = HVM_GENL_VERSION;
	if (name)
		off = put_attr(p, off, HVM_A_VM_NAME, name, strlen(name) + 1);
	h->nlmsg_len = off;
	return off;
}

/* ---- the fuzzer ---- */

struct fattr {
	uint16_t type;
	uint16_t len;		/* payload bytes */
	int nla_len;		/* -1: the right one */
	uint8_t data[2048];
};

struct fz {
	int fd, family, bad_family;
	uint64_t rng;
	char pool[NPOOL][HVM_NAME_MAX + 1];
	/* every name a CREATE reply announced since the last cleanup */
	char (*created)[HVM_NAME_MAX + 1];
	int ncreated;
	uint8_t batch[BATCH_MAX * MAX_MSG];
	uint8_t rbuf[1 << 16];
	struct fattr attrs[12];
	/* statistics */
	unsigned long msgs, dgrams, acks, replies, dumps_done, intr, extack;
	unsigned long errs[256];
	unsigned long cmd_sent[256];
	unsigned long vms_created;
	bool last;		/* the message's length lies: end the datagram */
	/* failures (the first MAX_FAILS are described) */
	int nfails;
	char fails[MAX_FAILS][200];
};

static uint64_t rnd(struct fz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545F4914F6CDD1Dull;
}

static unsigned int below(struct fz *f, unsigned int n)
{
	return (unsigned int)(rnd(f) % n);
}

static void fail(struct fz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nfails < MAX_FAILS) {
		va_start(ap, fmt);
		vsnprintf(f->fails[f->nfails], sizeof(f->fails[0]), fmt, ap);
		va_end(ap);
	}
	f->nfails++;
}

static const uint64_t interesting[] = {
	0, 1, 2, 4095, 4096, 4097, 1ull << 20, 16ull << 20, 64ull << 20,
	0x7fffffff, 0x80000000, 0xffffffff, 1ull << 32, 16ull << 30,
	(16ull << 30) + 4096, 1ull << 48, 1ull << 63, ~0ull, 8, 255, 256,
};

static void set_int(struct fattr *a, uint64_t v, unsigned int width)
{
	a->len = width;
	memcpy(a->data, &v, width);
}

/* The valid attributes of @cmd; returns how many. */
static int template(struct fz *f, uint8_t cmd, bool *dump)
{
	struct fattr *a = f->attrs;
	const char *name;
	int n = 0;

	*dump = false;
	name = f->pool[below(f, NPOOL)];
	switch (cmd) {
	case HVM_CMD_INFO:
		return 0;
	case HVM_CMD_VM_CREATE:
		a[n].type = HVM_A_VM_NAME;
		a[n].len = strlen(name) + 1;
		memcpy(a[n++].data, name, strlen(name) + 1);
		if (below(f, 2)) {
			a[n].type = HVM_A_VM_MEM_SIZE;
			set_int(&a[n++], (uint64_t)(1 + below(f, 64)) << 20, 8);
		}
		if (below(f, 2)) {
			a[n].type = HVM_A_VM_VCPUS;
			set_int(&a[n++], 1 + below(f, 2), 4);
		}
		return n;
	case HVM_CMD_VM_GET:
		*dump = below(f, 3) == 0;
		if (*dump && below(f, 2))
			return 0;
		/* fall through */
	default:
		a[n].type = HVM_A_VM_NAME;
		a[n].len = strlen(name) + 1;
		memcpy(a[n++].data, name, strlen(name) + 1);
		return n;
	}
}

/* One mutation of the attribute list; returns the new count. */
static int mutate_attrs(struct fz *f, int n)
{
	struct fattr *a;
	unsigned int i, k;

	if (!n || below(f, 8) == 0) {
		if (n >= (int)(sizeof(f->attrs) / sizeof(f->attrs[0])))
			return n;
		/* an extra attribute: known or unknown type, random bytes */
		a = &f->attrs[n++];
		a->type = below(f, 2) ? below(f, HVM_A_MAX + 3) : (uint16_t)rnd(f);
		a->len = below(f, 4) ? below(f, 17) : below(f, sizeof(a->data));
		a->nla_len = -1;
		for (i = 0; i < a->len; i++)
			a->data[i] = (uint8_t)rnd(f);
		return n;
	}
	a = &f->attrs[below(f, n)];
	switch (below(f, 11)) {
	case 0:		/* flip a bit */
		if (a->len)
			a->data[below(f, a->len)] ^= 1 << below(f, 8);
		break;
	case 1:		/* truncate */
		a->len = a->len ? below(f, a->len) : 0;
		break;
	case 2:		/* duplicate, maybe changed */
		if (n < (int)(sizeof(f->attrs) / sizeof(f->attrs[0]))) {
			f->attrs[n] = *a;
			if (below(f, 2) && f->attrs[n].len)
				f->attrs[n].data[0] ^= 0x5a;
			n++;
		}
		break;
	case 3:		/* oversized payload */
		k = 32 + below(f, sizeof(a->data) - 32);
		for (i = a->len; i < k; i++)
			a->data[i] = below(f, 2) ? 'a' : (uint8_t)rnd(f);
		a->len = k;
		break;
	case 4:		/* wrong type, or a flag bit in it */
		if (below(f, 2))
			a->type = below(f, HVM_A_MAX + 3);
		else
			a->type |= below(f, 2) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		break;
	case 5:		/* wrong width */
		k = (unsigned int[]){ 0, 1, 2, 3, 4, 8, 12, 16 }[below(f, 8)];
		for (i = a->len; i < k; i++)
			a->data[i] = 0;
		a->len = k;
		break;
	case 6:		/* nla_len lies */
		a->nla_len = (int[]){ 0, 1, 3, 4, 5, 0xffff }[below(f, 6)];
		if (below(f, 2))
			a->nla_len = NLA_HDRLEN + a->len + 1 + below(f, 64);
		break;
	case 7:		/* a stray byte in a string: '/', ' ', NUL, 0xff, '.' */
		if (a->len)
			a->data[below(f, a->len)] = "/ \0\xff.A_-"[below(f, 8)];
		break;
	case 8:		/* an interesting integer */
		set_int(a, interesting[below(f, sizeof(interesting) / sizeof(interesting[0]))],
			below(f, 4) ? (a->type == HVM_A_VM_MEM_SIZE ? 8 : 4) : 8);
		break;
	case 9:		/* drop it */
		*a = f->attrs[--n];
		break;
	default:	/* a name of a VM that may or may not exist */
		a->type = HVM_A_VM_NAME;
		i = below(f, NPOOL);
		a->len = strlen(f->pool[i]) + 1;
		memcpy(a->data, f->pool[i], a->len);
		break;
	}
	return n;
}

/* One message into @p (room MAX_MSG); returns its length. */
static size_t gen_msg(struct fz *f, uint8_t *p)
{
	static const uint8_t cmds[] = {
		HVM_CMD_INFO, HVM_CMD_VM_CREATE, HVM_CMD_VM_DESTROY, HVM_CMD_VM_GET,
		HVM_CMD_VM_GET, HVM_CMD_VM_START, HVM_CMD_VM_STOP, HVM_CMD_VM_EVENT,
		HVM_CMD_UNSPEC, HVM_CMD_MAX + 1,
	};
	struct nlmsghdr *h = (struct nlmsghdr *)p;
	struct genlmsghdr *g = (struct genlmsghdr *)(p + NLMSG_HDRLEN);
	unsigned int kind = below(f, 100), i, nmut;
	size_t off, len;
	bool dump;
	uint8_t cmd;
	int n;

	if (kind < 12) {
		/* random bytes after a header of the family */
		len = NLMSG_HDRLEN + below(f, 4) * 4 + below(f, 256);
		for (off = NLMSG_HDRLEN; off < len; off++)
			p[off] = (uint8_t)rnd(f);
		h->nlmsg_len = len;
		h->nlmsg_type = f->family;
		h->nlmsg_flags = below(f, 2) ? NLM_F_REQUEST | NLM_F_ACK : (uint16_t)rnd(f);
		h->nlmsg_seq = (uint32_t)rnd(f) & 0x7fffffff;
		h->nlmsg_pid = 0;
		f->cmd_sent[len >= NLMSG_HDRLEN + 1 ? p[NLMSG_HDRLEN] : 0]++;
		return NLMSG_ALIGN(len);
	}

	cmd = cmds[below(f, sizeof(cmds))];
	if (cmd == HVM_CMD_MAX + 1)
		cmd = (uint8_t)rnd(f);
	n = template(f, cmd, &dump);
	for (i = 0; i < (unsigned int)n; i++)
		f->attrs[i].nla_len = -1;
	/* 12%: the valid request (they create, start, stop and destroy VMs) */
	nmut = kind < 24 ? 0 : 1 + below(f, 4);
	for (i = 0; i < nmut; i++)
		n = mutate_attrs(f, n);

	memset(p, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_type = f->family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	h->nlmsg_seq = (uint32_t)rnd(f) & 0x7fffffff;
	g->cmd = cmd;
	g->version = HVM_GENL_VERSION;
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	for (i = 0; i < (unsigned int)n; i++) {
		struct nlattr *na = (struct nlattr *)(p + off);

		if (off + NLA_HDRLEN + NLA_ALIGN(f->attrs[i].len) > MAX_MSG)
			break;
		off = put_attr(p, off, f->attrs[i].type, f->attrs[i].data, f->attrs[i].len);
		if (f->attrs[i].nla_len >= 0)
			na->nla_len = (uint16_t)f->attrs[i].nla_len;
	}
	h->nlmsg_len = off;

	/* header mutations */
	if (nmut && below(f, 4) == 0) {
		switch (below(f, 6)) {
		case 0:		/* random flags, NLM_F_DUMP among them */
			h->nlmsg_flags = (uint16_t)rnd(f) | (below(f, 2) ? NLM_F_REQUEST : 0);
			break;
		case 1:		/* control types, a type that is no family */
			h->nlmsg_type = below(f, 2) ? below(f, NLMSG_MIN_TYPE) :
				       (unsigned int)f->bad_family;
			break;
		case 2:		/* genl header: version and reserved */
			g->version = (uint8_t)rnd(f);
			if (below(f, 2))
				g->reserved = (uint16_t)rnd(f);
			break;
		case 3:
			/*
			 * nlmsg_len below a header, or past the datagram: the
			 * kernel drops the rest of the datagram. (A length in
			 * between would make it parse attribute bytes as the
			 * next header: a request to any family on the host.)
			 */
			h->nlmsg_len = below(f, 2) ? below(f, NLMSG_HDRLEN) :
				       BATCH_MAX * MAX_MSG + below(f, 4096);
			f->last = true;
			break;
		case 4:		/* the message cut short, length consistent */
			off = NLMSG_HDRLEN + below(f, off - NLMSG_HDRLEN + 1);
			h->nlmsg_len = off;
			break;
		default:	/* dump flag on any command */
			h->nlmsg_flags |= NLM_F_DUMP;
			break;
		}
	}
	f->cmd_sent[cmd]++;
	return NLMSG_ALIGN(off);
}

static void note_created(struct fz *f, const struct nlattr *name)
{
	char buf[HVM_NAME_MAX + 1];
	int i;

	if (!name || nla_len(name) < 1 || nla_len(name) > HVM_NAME_MAX + 1) {
		fail(f, "CREATE reply without a valid name attribute");
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s", nla_len(name), (const char *)nla_data(name));
	f->vms_created++;
	for (i = 0; i < f->ncreated; i++)
		if (!strcmp(f->created[i], buf))
			return;
	if (f->ncreated < 1024)
		snprintf(f->created[f->ncreated++], HVM_NAME_MAX + 1, "%s", buf);
	else
		fail(f, "more than 1024 VMs created between cleanups");
}

/*
 * Check one message from the kernel. Returns 1 when it is the answer to
 * the sentinel request @sseq.
 */
static int check_msg(struct fz *f, struct nlmsghdr *h, uint32_t sseq)
{
	struct nlattr *tb[HVM_A_MAX + 1] = { 0 };
	struct genlmsghdr *g;
	struct nlattr *a;
	int rem, err;

	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			fail(f, "short NLMSG_ERROR (%u bytes)", h->nlmsg_len);
			return 0;
		}
		err = -e->error;
		if (e->msg.nlmsg_seq == sseq) {
			fail(f, "the valid INFO request failed: %d (%s)", err, strerror(err));
			return 1;
		}
		if (!err) {
			f->acks++;
			return 0;
		}
		if (err < 0 || !documented(err))
			fail(f, "undocumented error %d (%s) for cmd %u type 0x%x flags 0x%x",
			     err, strerror(err > 0 ? err : -err),
			     ((uint8_t *)&e->msg)[NLMSG_HDRLEN],
			     e->msg.nlmsg_type, e->msg.nlmsg_flags);
		f->errs[err > 0 && err < 256 ? err : 0]++;
		if (h->nlmsg_flags & NLM_F_ACK_TLVS)
			f->extack++;
		return 0;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		f->dumps_done++;
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			f->intr++;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
			err = -*(int *)NLMSG_DATA(h);
			if (err && !documented(err))
				fail(f, "dump ended with undocumented error %d", err);
		}
		return 0;
	}
	if (h->nlmsg_type != f->family) {
		fail(f, "message of type 0x%x from the kernel", h->nlmsg_type);
		return 0;
	}
	if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
		fail(f, "short reply (%u bytes)", h->nlmsg_len);
		return 0;
	}
	g = NLMSG_DATA(h);
	/* attributes within the message, none of a type the family lacks */
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((uint8_t *)g + GENL_HDRLEN); nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		if (nla_type(a) == 0 || nla_type(a) > HVM_A_MAX) {
			fail(f, "reply attribute of type %u", nla_type(a));
			return 0;
		}
		tb[nla_type(a)] = a;
	}
	if (rem) {
		fail(f, "reply with %d bytes after its attributes", rem);
		return 0;
	}
	if (g->cmd == HVM_CMD_INFO && h->nlmsg_seq == sseq) {
		if (!tb[HVM_A_INFO_BACKEND])
			fail(f, "INFO reply without a backend");
		return 1;
	}
	f->replies++;
	switch (g->cmd) {
	case HVM_CMD_INFO:
		break;
	case HVM_CMD_VM_CREATE:
		note_created(f, tb[HVM_A_VM_NAME]);
		break;
	case HVM_CMD_VM_GET:
		if (!tb[HVM_A_VM_NAME] || !tb[HVM_A_VM_ID])
			fail(f, "VM_GET reply without name or id");
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			f->intr++;
		break;
	default:
		fail(f, "reply with command %u", g->cmd);
	}
	return 0;
}

/* Read and check one datagram; -errno on a receive error. */
static int recv_check(struct fz *f, int flags, uint32_t sseq, bool *got_sentinel)
{
	struct nlmsghdr *h;
	ssize_t n;
	int len;

	n = recv(f->fd, f->rbuf, sizeof(f->rbuf), flags);
	if (n < 0)
		return -errno;
	len = (int)n;
	for (h = (struct nlmsghdr *)f->rbuf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
		if (check_msg(f, h, sseq))
			*got_sentinel = true;
	if (len)
		fail(f, "%d bytes of a truncated message from the kernel", len);
	return 0;
}

/* One datagram of 1-4 fuzzed messages, then the sentinel; check all replies. */
static int fuzz_round(struct fz *f, uint32_t round)
{
	uint8_t sentinel[64];
	uint32_t sseq = 0x80000000u | round;
	size_t len = 0, slen;
	unsigned int k = 1 + below(f, BATCH_MAX), i;
	bool got = false;
	int r;

	f->last = false;
	for (i = 0; i < k && !f->last; i++)
		len += gen_msg(f, f->batch + len);
	f->msgs += i;
	f->dgrams++;
	if (send(f->fd, f->batch, len, 0) < 0 && errno != EINVAL && errno != EMSGSIZE) {
		fail(f, "send: %s", strerror(errno));
		return -1;
	}
	slen = build_req(sentinel, f->family, HVM_CMD_INFO, 0, sseq, NULL);
	((struct nlmsghdr *)sentinel)->nlmsg_flags = NLM_F_REQUEST;
	if (send(f->fd, sentinel, slen, 0) < 0) {
		fail(f, "send of the valid INFO request: %s", strerror(errno));
		return -1;
	}
	while (!got) {
		r = recv_check(f, 0, sseq, &got);
		if (r) {
			fail(f, "recv: %s (no answer to the valid INFO request)", strerror(-r));
			return -1;
		}
	}
	/* a dump started in the batch ends once it was read to its DONE */
	while (!(r = recv_check(f, MSG_DONTWAIT, sseq, &got)))
		;
	if (r != -EAGAIN) {
		fail(f, "recv: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* A valid request on the fuzzer's socket; returns 0 or -errno. */
static int sync_req(struct fz *f, uint8_t cmd, const char *name)
{
	uint8_t buf[128];
	ssize_t n;
	size_t len = build_req(buf, f->family, cmd, 0, 0x40000000, name);

	if (send(f->fd, buf, len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;
		int left;

		n = recv(f->fd, f->rbuf, sizeof(f->rbuf), 0);
		if (n < 0)
			return -errno;
		left = (int)n;
		for (h = (struct nlmsghdr *)f->rbuf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

/* Destroy every VM a CREATE reply announced (those already gone: ENOENT). */
static void cleanup_created(struct fz *f)
{
	int i, r;

	for (i = 0; i < f->ncreated; i++) {
		r = sync_req(f, HVM_CMD_VM_DESTROY, f->created[i]);
		if (r && r != -ENOENT)
			fail(f, "destroy of %s: %s", f->created[i], strerror(-r));
	}
	f->ncreated = 0;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

static unsigned long tainted(void)
{
	unsigned long t = 0;
	FILE *fp = fopen("/proc/sys/kernel/tainted", "r");

	if (fp) {
		if (fscanf(fp, "%lu", &t) != 1)
			t = ~0ul;
		fclose(fp);
	}
	return t;
}

#define TAINT_OOT_AND_UNSIGNED	((1ul << 12) | (1ul << 13))	/* O, E */

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(fuzz)
{
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

TEST_F_TIMEOUT(fuzz, fuzzed_messages_get_documented_answers_only, 1800)
{
	char (*before)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*before));
	char (*after)[HVM_NAME_MAX + 1] = calloc(HVM_NL_MAX_MSGS, sizeof(*after));
	unsigned long want, def = 100000, taint0, i;
	uint64_t seed, t0;
	struct hvm_vm_status st;
	int nbefore, nafter, j, k, threads0;
	char anchor[HVM_NAME_MAX + 1], ext[256], line[1024];
	size_t o;
	struct fz *f;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	f->created = calloc(1024, sizeof(*f->created));
	ASSERT_NE(NULL, f->created);

	if (hvm_host_vendor() == HVM_VENDOR_INTEL)
		def = 25000;
	want = env_ul("HVM_NL_FUZZ_MSGS", def);
	seed = env_ul("HVM_NL_FUZZ_SEED", 0x68766d6e6c66757aull);
	ASSERT_LT(0ul, want);
	if (want < 100000)
		TH_LOG("%lu messages, scaled down from 100000 on this (Intel: Bochs, slow) machine",
		       want);
	f->rng = seed ? seed : 1;
	f->family = family_id();
	ASSERT_LT(0, f->family);
	/* a type above every family id this kernel has handed out */
	f->bad_family = 0xfff0;
	for (j = 0; j < NPOOL; j++)
		snprintf(f->pool[j], sizeof(f->pool[j]), "%.20s%d", hvm_vm_prefix(TAG), j % 10);
	f->fd = raw_open(8 << 20);
	ASSERT_LE(0, f->fd);

	nbefore = hvm_vm_list(before, HVM_NL_MAX_MSGS);
	ASSERT_LE(0, nbefore);
	threads0 = hvm_count_threads("hvm-");
	taint0 = tainted();
	/* one VM throughout: hardware virtualization stays on */
	snprintf(anchor, sizeof(anchor), "%.20sanchor", hvm_vm_prefix(TAG));
	ASSERT_EQ(0, hvm_vm_create(anchor, 0, 0, ext, sizeof(ext)));

	t0 = hvm_now_ns();
	for (i = 0; f->msgs < want && !f->nfails; i++) {
		if (fuzz_round(f, (uint32_t)i & 0x7fffffff))
			break;
		if (i % 64 == 63 || f->ncreated > 16)
			cleanup_created(f);
	}
	cleanup_created(f);

	TH_LOG("seed 0x%llx: %lu messages in %lu datagrams, %.1f s", (unsigned long long)seed,
	       f->msgs, f->dgrams, (hvm_now_ns() - t0) / 1e9);
	o = 0;
	for (j = 0; j < 256; j++)
		if (f->errs[j])
			o += snprintf(line + o, sizeof(line) - o, " %s %lu",
				      j ? strerrorname_np(j) : "other", f->errs[j]);
	TH_LOG("answers: %lu ACKs, %lu replies, %lu dumps (%lu parts DUMP_INTR); errors:%s;"
	       " %lu with an extack", f->acks, f->replies, f->dumps_done, f->intr, line,
	       f->extack);
	TH_LOG("VMs created: %lu; commands sent: info %lu create %lu destroy %lu get %lu"
	       " start %lu stop %lu event %lu other %lu", f->vms_created,
	       f->cmd_sent[HVM_CMD_INFO], f->cmd_sent[HVM_CMD_VM_CREATE],
	       f->cmd_sent[HVM_CMD_VM_DESTROY], f->cmd_sent[HVM_CMD_VM_GET],
	       f->cmd_sent[HVM_CMD_VM_START], f->cmd_sent[HVM_CMD_VM_STOP],
	       f->cmd_sent[HVM_CMD_VM_EVENT],
	       f->msgs - f->cmd_sent[HVM_CMD_INFO] - f->cmd_sent[HVM_CMD_VM_CREATE] -
	       f->cmd_sent[HVM_CMD_VM_DESTROY] - f->cmd_sent[HVM_CMD_VM_GET] -
	       f->cmd_sent[HVM_CMD_VM_START] - f->cmd_sent[HVM_CMD_VM_STOP] -
	       f->cmd_sent[HVM_CMD_VM_EVENT]);
	for (j = 0; j < f->nfails && j < MAX_FAILS; j++)
		TH_LOG("failure: %s", f->fails[j]);
	ASSERT_EQ(0, f->nfails);
	ASSERT_LE(want, f->msgs);
	/* the fuzz reached the interesting paths */
	ASSERT_LT(0ul, f->vms_created);
	ASSERT_LT(0ul, f->acks);
	ASSERT_LT(0ul, f->dumps_done);

	/* no VM the fuzzer was not told about: only the baseline and the anchor */
	nafter = hvm_vm_list(after, HVM_NL_MAX_MSGS);
	ASSERT_LE(0, nafter);
	for (j = 0; j < nafter; j++) {
		bool known = !strcmp(after[j], anchor);

		for (k = 0; k < nbefore && !known; k++)
			known = !strcmp(after[j], before[k]);
		EXPECT_TRUE(known) {
			TH_LOG("VM %s exists, but no CREATE reply announced it", after[j]);
		}
	}
	ASSERT_EQ(nbefore + 1, nafter);

	/* a valid request still works: the whole lifecycle */
	ASSERT_EQ(0, hvm_vm_status(anchor, &st, ext, sizeof(ext)));
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_START, anchor, ext, sizeof(ext)));
	ASSERT_EQ(0, hvm_vm_wait_stopped(anchor, 10000, &st));
	ASSERT_STOP_REASON(HVM_STOP_FAULT, &st);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, anchor, ext, sizeof(ext)));
	ASSERT_EQ(nbefore, hvm_vm_list(after, HVM_NL_MAX_MSGS));
	/* every vCPU thread is gone */
	for (j = 0; j < 50 && hvm_count_threads("hvm-") != threads0; j++)
		usleep(100000);
	ASSERT_EQ(threads0, hvm_count_threads("hvm-"));
	/* no oops, no warning: the taint flags are what they were (O and E aside) */
	ASSERT_EQ(0ul, (tainted() & ~taint0) & ~TAINT_OOT_AND_UNSIGNED) {
		TH_LOG("taint went from %lu to %lu", taint0, tainted());
	}
	close(f->fd);
	free(f->created);
	free(f);
	free(before);
	free(after);
}

/* ---- list dumps while VMs come and go ---- */

#define DUMP_VMS	36

struct dump_seen {
	int nmsgs, ndone, intr;
	char names[256][HVM_NAME_MAX + 1];
	uint32_t ids[256];
	int n;
	int err;
};

/* Receive one datagram of a dump into @d; returns 1 once DONE arrived. */
static int dump_recv(int fd, struct dump_seen *d, int family)
{
	uint8_t buf[4096];
	struct nlmsghdr *h;
	ssize_t n;
	int len;

	/* a small buffer: the kernel fills parts of about a page */
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		d->err = -errno;
		return 1;
	}
	len = (int)n;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			d->intr = 1;
		if (h->nlmsg_type == NLMSG_DONE) {
			d->ndone++;
			return 1;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			d->err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			return 1;
		}
		if (h->nlmsg_type == family && d->n < 256) {
			struct genlmsghdr *g = NLMSG_DATA(h);
			struct nlattr *a;
			int rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

			for (a = (struct nlattr *)((uint8_t *)g + GENL_HDRLEN); nla_ok(a, rem);
			     a = nla_next(a, &rem)) {
				if (nla_type(a) == HVM_A_VM_NAME)
					snprintf(d->names[d->n], HVM_NAME_MAX + 1, "%s",
						 (char *)nla_data(a));
				if (nla_type(a) == HVM_A_VM_ID)
					d->ids[d->n] = *(uint32_t *)nla_data(a);
			}
			d->n++;
			d->nmsgs++;
		}
	}
	return 0;
}

static int dump_start(int fd, int family)
{
	uint8_t buf[64];
	size_t len = build_req(buf, family, HVM_CMD_VM_GET, NLM_F_DUMP, 1, NULL);

	return send(fd, buf, len, 0) < 0 ? -errno : 0;
}

static int count_name(const struct dump_seen *d, const char *name)
{
	int i, c = 0;

	for (i = 0; i < d->n; i++)
		c += !strcmp(d->names[i], name);
	return c;
}

static bool dump_has_duplicates(const struct dump_seen *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (count_name(d, d->names[i]) != 1)
			return true;
	return false;
}

FIXTURE(dump) {
	char names[DUMP_VMS][HVM_NAME_MAX + 1];
	int family;
};

FIXTURE_SETUP(dump)
{
	char ext[256];
	int i;

	ASSERT_EQ(0, hvm_load_hvm());
	self->family = family_id();
	ASSERT_LT(0, self->family);
	for (i = 0; i < DUMP_VMS; i++) {
		snprintf(self->names[i], sizeof(self->names[i]), "%.20s%02d",
			 hvm_vm_prefix("nd"), i % 100);
		ASSERT_EQ(0, hvm_vm_create(self->names[i], 4096, 1, ext, sizeof(ext))) {
			TH_LOG("create %s: %s", self->names[i], ext);
		}
	}
}

FIXTURE_TEARDOWN(dump)
{
	hvm_destroy_prefix(hvm_vm_prefix("nd"));
}

/*
 * Deterministic: read the first part of a dump, destroy a VM it showed and
 * create it again (a filler takes its old id first, so the new one sorts
 * after the resume point), read on: the name shows twice, and the dump says
 * it was interrupted.
 */
TEST_F(dump, a_dump_spanning_a_recreate_is_flagged_interrupted)
{
	struct dump_seen *d = calloc(1, sizeof(*d));
	char filler[HVM_NAME_MAX + 1], ext[256], victim[HVM_NAME_MAX + 1];
	int fd, parts = 1;

	ASSERT_NE(NULL, d);
	fd = raw_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dump_start(fd, self->family));
	ASSERT_EQ(0, dump_recv(fd, d, self->family));
	/* the first receive already made the kernel fill part two: change the list now */
	ASSERT_LT(0, d->n);
	ASSERT_GT(DUMP_VMS / 2, d->n) {
		TH_LOG("the first part holds %d of %d VMs: no multi-part dump", d->n, DUMP_VMS);
	}
	snprintf(victim, sizeof(victim), "%s", d->names[0]);
	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, victim, ext, sizeof(ext)));
	snprintf(filler, sizeof(filler), "%.20sfill", hvm_vm_prefix("nd"));
	ASSERT_EQ(0, hvm_vm_create(filler, 4096, 1, ext, sizeof(ext)));
	ASSERT_EQ(0, hvm_vm_create(victim, 4096, 1, ext, sizeof(ext)));
	while (!dump_recv(fd, d, self->family))
		parts++;
	ASSERT_EQ(0, d->err);
	ASSERT_EQ(1, d->ndone);
	ASSERT_LT(2, parts);
	ASSERT_EQ(2, count_name(d, victim));
	ASSERT_EQ(1, d->intr);
	close(fd);
	free(d);
}

struct churn {
	const char *prefix;
	volatile int stop;
	volatile unsigned long rounds;
	unsigned long first;	/* rounds done when the dumps began */
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	char name[HVM_NAME_MAX + 1];

	while (!c->stop) {
		snprintf(name, sizeof(name), "%.20sc%lu", c->prefix, c->rounds % 4);
		hvm_vm_create(name, 4096, 1, NULL, 0);
		snprintf(name, sizeof(name), "%.20s%02lu", c->prefix, 10 + c->rounds % 8);
		hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0);
		hvm_vm_create(name, 4096, 1, NULL, 0);
		snprintf(name, sizeof(name), "%.20sc%lu", c->prefix, (c->rounds + 2) % 4);
		hvm_vm_cmd(HVM_CMD_VM_DESTROY, name, NULL, 0);
		c->rounds++;
	}
	return NULL;
}

/*
 * Random timing: dumps while another thread creates and destroys VMs. The
 * VMs nobody touches (00-09, 18-35) appear exactly once in every dump; a
 * dump without NLM_F_DUMP_INTR shows no name twice.
 */
TEST_F_TIMEOUT(dump, dumps_during_churn_show_each_vm_once_or_are_flagged, 300)
{
	struct dump_seen *d = calloc(1, sizeof(*d));
	struct churn c = { .prefix = hvm_vm_prefix("nd") };
	/* Bochs (the Intel machine) is about 5x slower */
	unsigned long want = hvm_host_vendor() == HVM_VENDOR_INTEL ? 50 : 200;
	unsigned long dumps = 0, flagged = 0;
	bool bad = false;
	pthread_t th;
	int fd, i, r = 0;

	ASSERT_NE(NULL, d);
	fd = raw_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, churn_thread, &c));
	/*
	 * One CPU (Bochs): the dumps could all run before the churn thread
	 * does. Start once it has, and go on until it did 5 rounds more.
	 */
	for (i = 0; i < 10000 && !c.rounds; i++)
		usleep(1000);
	ASSERT_LT(0ul, c.rounds);
	c.first = c.rounds;
	for (dumps = 0; dumps < want || (c.rounds < c.first + 5 && dumps < 50 * want);
	     dumps++) {
		if (dumps % 8 == 7)
			sched_yield();
		memset(d, 0, sizeof(*d));
		r = dump_start(fd, self->family);
		if (r)
			break;
		while (!dump_recv(fd, d, self->family))
			;
		if (d->err)
			break;
		flagged += d->intr;
		for (i = 0; i < DUMP_VMS; i++) {
			if (i >= 10 && i < 18)
				continue;
			if (count_name(d, self->names[i]) != 1)
				break;
		}
		if (i < DUMP_VMS || (!d->intr && dump_has_duplicates(d))) {
			bad = true;
			break;
		}
	}
	c.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%lu dumps during %lu churn rounds, %lu flagged DUMP_INTR", dumps,
	       c.rounds - c.first, flagged);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, d->err);
	ASSERT_FALSE(bad) {
		if (i < DUMP_VMS)
			TH_LOG("dump %lu shows %s %d times", dumps, self->names[i],
			       count_name(d, self->names[i]));
		else
			TH_LOG("dump %lu shows a name twice without DUMP_INTR", dumps);
	}
	ASSERT_LE(want, dumps);
	/* the dumps really overlapped the churn */
	ASSERT_LE(c.first + 5, c.rounds);
	close(fd);
	free(d);
}

TEST_HARNESS_MAIN
