// SPDX-License-Identifier: GPL-2.0
/*
 * wrong_state: every VM command in every VM state, with the exact errno
 * and the state the VM is left in (README "Reliability", the state table).
 *
 * States: absent (no VM of the name), created (never loaded nor started),
 * loaded (hvctl create --image: memory and registers set), running (the
 * spin guest: cli; jmp .), stopped (that guest stopped by the user), and
 * dead (destroyed while a /dev/hvm file was still attached to it).
 *
 * Commands: the netlink ones (create of the same name, start, stop,
 * destroy, get) and the /dev/hvm ones (attach, write/read memory,
 * set/get registers, wait with a 1 ms timeout). "load" is WRITE_MEM plus
 * SET_REGS (what hvctl load does).
 *
 * Each cell starts from a fresh VM in its state.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "hvm_harness.h"

#define TAG "ws"

enum ws_state { ABSENT, CREATED, LOADED, RUNNING, STOPPED, DEAD, NR_STATES };
enum ws_op {
	OP_CREATE, OP_START, OP_STOP, OP_DESTROY, OP_GET, OP_ATTACH,
	OP_WRITE_MEM, OP_READ_MEM, OP_SET_REGS, OP_GET_REGS, OP_WAIT, NR_OPS
};
/* What the VM is after the command. */
enum ws_after {
	A_ABSENT,
	A_CREATED,	/* state created, stop reason none */
	A_RUNNING,
	A_RAN_FAULT,	/* started from the reset state: stopped, reason fault */
	A_STOPPED,	/* stopped, reason user, stop RIP unchanged */
	A_DEAD,		/* gone from netlink, the file still attached */
};

static const char *const state_names[] = {
	"absent", "created", "loaded", "running", "stopped", "destroyed, file attached",
};
static const char *const op_names[] = {
	"create (same name)", "start", "stop", "destroy", "get", "attach", "write_mem",
	"read_mem", "set_regs", "get_regs", "wait (1 ms)",
};

struct cell {
	int err;		/* 0 or the positive errno */
	enum ws_after after;
};

/*
 * The table. Rows: states; columns: commands. Stop of a VM that is not
 * running is a no-op that succeeds (the state and the stop reason stay):
 * "stop" guarantees "not running" without a race against a guest that
 * stops itself, as destroy of a running VM stops it first.
 */
static const struct cell table[NR_STATES][NR_OPS] = {
	[ABSENT] = {
		[OP_CREATE] = { 0, A_CREATED },
		[OP_START] = { ENOENT, A_ABSENT }, [OP_STOP] = { ENOENT, A_ABSENT },
		[OP_DESTROY] = { ENOENT, A_ABSENT }, [OP_GET] = { ENOENT, A_ABSENT },
		[OP_ATTACH] = { ENOENT, A_ABSENT },
		/* memory, registers and wait need an attached file: not attached */
		[OP_WRITE_MEM] = { ENXIO, A_ABSENT }, [OP_READ_MEM] = { ENXIO, A_ABSENT },
		[OP_SET_REGS] = { ENXIO, A_ABSENT }, [OP_GET_REGS] = { ENXIO, A_ABSENT },
		[OP_WAIT] = { ENXIO, A_ABSENT },
	},
	[CREATED] = {
		[OP_CREATE] = { EEXIST, A_CREATED },
		[OP_START] = { 0, A_RAN_FAULT }, [OP_STOP] = { 0, A_CREATED },
		[OP_DESTROY] = { 0, A_ABSENT }, [OP_GET] = { 0, A_CREATED },
		[OP_ATTACH] = { 0, A_CREATED },
		[OP_WRITE_MEM] = { 0, A_CREATED }, [OP_READ_MEM] = { 0, A_CREATED },
		[OP_SET_REGS] = { 0, A_CREATED }, [OP_GET_REGS] = { 0, A_CREATED },
		[OP_WAIT] = { 0, A_CREATED },
	},
	[LOADED] = {
		[OP_CREATE] = { EEXIST, A_CREATED },
		[OP_START] = { 0, A_RUNNING }, [OP_STOP] = { 0, A_CREATED },
		[OP_DESTROY] = { 0, A_ABSENT }, [OP_GET] = { 0, A_CREATED },
		[OP_ATTACH] = { 0, A_CREATED },
		[OP_WRITE_MEM] = { 0, A_CREATED }, [OP_READ_MEM] = { 0, A_CREATED },
		[OP_SET_REGS] = { 0, A_CREATED }, [OP_GET_REGS] = { 0, A_CREATED },
		[OP_WAIT] = { 0, A_CREATED },
	},
	[RUNNING] = {
		[OP_CREATE] = { EEXIST, A_RUNNING },
		[OP_START] = { EBUSY, A_RUNNING }, [OP_STOP] = { 0, A_STOPPED },
		[OP_DESTROY] = { 0, A_ABSENT }, [OP_GET] = { 0, A_RUNNING },
		[OP_ATTACH] = { 0, A_RUNNING },
		/* guest memory may be read and written while the guest runs */
		[OP_WRITE_MEM] = { 0, A_RUNNING }, [OP_READ_MEM] = { 0, A_RUNNING },
		/* registers only while no vCPU runs */
		[OP_SET_REGS] = { EBUSY, A_RUNNING }, [OP_GET_REGS] = { EBUSY, A_RUNNING },
		[OP_WAIT] = { ETIMEDOUT, A_RUNNING },
	},
	[STOPPED] = {
		[OP_CREATE] = { EEXIST, A_STOPPED },
		[OP_START] = { 0, A_RUNNING }, [OP_STOP] = { 0, A_STOPPED },
		[OP_DESTROY] = { 0, A_ABSENT }, [OP_GET] = { 0, A_STOPPED },
		[OP_ATTACH] = { 0, A_STOPPED },
		[OP_WRITE_MEM] = { 0, A_STOPPED }, [OP_READ_MEM] = { 0, A_STOPPED },
		[OP_SET_REGS] = { 0, A_STOPPED }, [OP_GET_REGS] = { 0, A_STOPPED },
		[OP_WAIT] = { 0, A_STOPPED },
	},
	[DEAD] = {
		/* the name is free again: a new VM */
		[OP_CREATE] = { 0, A_DEAD },
		[OP_START] = { ENOENT, A_DEAD }, [OP_STOP] = { ENOENT, A_DEAD },
		[OP_DESTROY] = { ENOENT, A_DEAD }, [OP_GET] = { ENOENT, A_DEAD },
		/* a file attaches once (EBUSY); a new file finds no VM (ENOENT) */
		[OP_ATTACH] = { EBUSY, A_DEAD },
		[OP_WRITE_MEM] = { ENODEV, A_DEAD }, [OP_READ_MEM] = { ENODEV, A_DEAD },
		[OP_SET_REGS] = { ENODEV, A_DEAD }, [OP_GET_REGS] = { ENODEV, A_DEAD },
		[OP_WAIT] = { ENODEV, A_DEAD },
	},
};

FIXTURE(ws) {
	char name[HVM_NAME_MAX + 1];
	struct hvm_exec c;
	int fd;			/* attached to the VM (DEAD: before the destroy) */
	uint64_t stop_rip;	/* STOPPED: where it stopped */
};

FIXTURE_SETUP(ws)
{
	ASSERT_EQ(0, hvm_load_hvm());
	self->fd = -1;
}

FIXTURE_TEARDOWN(ws)
{
	if (self->fd >= 0)
		close(self->fd);
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static int ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* A fresh VM called self->name in @state; 0 or a description of the failure. */
static const char *enter_state(struct __test_metadata *_metadata, FIXTURE_DATA(ws) *self,
			       enum ws_state state)
{
	struct hvm_vm_status st;
	char ext[256];
	int i;

	snprintf(self->name, sizeof(self->name), "%s", hvm_vm_name(TAG));
	if (self->fd >= 0)
		close(self->fd);
	self->fd = hvm_dev_open();
	if (self->fd < 0)
		return "open /dev/hvm";
	if (state == ABSENT)
		return NULL;
	if (state == CREATED || state == DEAD) {
		if (hvm_vm_create(self->name, 0, 0, ext, sizeof(ext)))
			return "create";
	} else if (hvctl(&self->c, "create", self->name, "--image", hvm_guest("spin.bin"),
			 NULL)) {
		TH_LOG("hvctl create: %s", self->c.err);
		return "hvctl create --image spin.bin";
	}
	if (state == RUNNING || state == STOPPED) {
		if (hvm_vm_cmd(HVM_CMD_VM_START, self->name, ext, sizeof(ext)))
			return "start";
		/* running: the guest has executed (guest time passes) */
		for (i = 0; i < 200; i++) {
			if (hvm_vm_status(self->name, &st, NULL, 0))
				return "get";
			if (st.state != HVM_VM_RUNNING)
				return "the spin guest stopped by itself";
			if (st.stats[HVM_STAT_RUNS])
				break;
			usleep(10000);
		}
	}
	if (state == STOPPED) {
		if (hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, ext, sizeof(ext)) ||
		    hvm_vm_status(self->name, &st, NULL, 0))
			return "stop";
		if (st.state != HVM_VM_STOPPED || st.stop_reason != HVM_STOP_USER)
			return "not stopped by the user";
		self->stop_rip = st.stop_rip;
	}
	if (hvm_dev_attach(self->fd, self->name))
		return "attach";
	if (state == DEAD && hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, ext, sizeof(ext)))
		return "destroy";
	/* ABSENT keeps an unattached file; the others an attached one */
	return NULL;
}

static int do_op(FIXTURE_DATA(ws) *self, enum ws_op op, enum ws_state state)
{
	static uint8_t buf[4096];
	struct hvm_mem_io io = { .gpa = 0x100000, .uaddr = (uintptr_t)buf, .size = 64 };
	struct hvm_wait w = { .timeout_ns = 1000000 };
	struct hvm_regs regs;
	int fd, r;

	switch (op) {
	case OP_CREATE:
		return hvm_vm_create(self->name, 0, 0, NULL, 0);
	case OP_START:
		return hvm_vm_cmd(HVM_CMD_VM_START, self->name, NULL, 0);
	case OP_STOP:
		return hvm_vm_cmd(HVM_CMD_VM_STOP, self->name, NULL, 0);
	case OP_DESTROY:
		return hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, NULL, 0);
	case OP_GET: {
		struct hvm_vm_status st;

		return hvm_vm_status(self->name, &st, NULL, 0);
	}
	case OP_ATTACH:
		if (state == ABSENT || state == DEAD)
			return hvm_dev_attach(self->fd, self->name);
		/* a second file: the one of the fixture is attached already */
		fd = hvm_dev_open();
		if (fd < 0)
			return fd;
		r = hvm_dev_attach(fd, self->name);
		close(fd);
		return r;
	case OP_WRITE_MEM:
		return ioc(self->fd, HVM_IOC_WRITE_MEM, &io);
	case OP_READ_MEM:
		return ioc(self->fd, HVM_IOC_READ_MEM, &io);
	case OP_SET_REGS:
		/* the registers as they are (a running VM: any valid set) */
		memset(&regs, 0, sizeof(regs));
		if (state != RUNNING && state != DEAD && state != ABSENT) {
			r = ioc(self->fd, HVM_IOC_GET_REGS, &regs);
			if (r)
				return r;
		} else {
			regs.cr0 = 0x10;
			regs.rflags = 2;
			regs.cs.attrib = 0x9b;
			regs.cs.limit = 0xffff;
		}
		return ioc(self->fd, HVM_IOC_SET_REGS, &regs);
	case OP_GET_REGS:
		memset(&regs, 0, sizeof(regs));
		return ioc(self->fd, HVM_IOC_GET_REGS, &regs);
	case OP_WAIT:
		return ioc(self->fd, HVM_IOC_WAIT, &w);
	default:
		return -EINVAL;
	}
}

/* Is the VM in @after? NULL, or what differs. */
static const char *check_after(FIXTURE_DATA(ws) *self, enum ws_after after,
			       struct hvm_vm_status *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	r = hvm_vm_status(self->name, st, NULL, 0);
	switch (after) {
	case A_ABSENT:
		return r == -ENOENT ? NULL : "the VM exists";
	case A_DEAD:
		/* the old VM is gone; a create of this row may have made a new one */
		return r == -ENOENT || (!r && st->state == HVM_VM_CREATED) ? NULL :
		       "an old VM is visible";
	case A_CREATED:
		if (r)
			return "the VM is gone";
		return st->state == HVM_VM_CREATED && st->stop_reason == HVM_STOP_NONE ?
		       NULL : "not in state created";
	case A_RUNNING:
		if (r)
			return "the VM is gone";
		return st->state == HVM_VM_RUNNING ? NULL : "not running";
	case A_RAN_FAULT:
		if (hvm_vm_wait_stopped(self->name, 10000, st))
			return "the VM is gone";
		return st->state == HVM_VM_STOPPED && st->stop_reason == HVM_STOP_FAULT &&
		       st->fault_gpa == 0xfffffff0ull ? NULL : "did not fault at the reset vector";
	case A_STOPPED:
		if (r)
			return "the VM is gone";
		if (st->state != HVM_VM_STOPPED || st->stop_reason != HVM_STOP_USER)
			return "not stopped (reason user)";
		return self->stop_rip && st->stop_rip != self->stop_rip ?
		       "the stop RIP changed" : NULL;
	}
	return "bad row";
}

static void run_row(struct __test_metadata *_metadata, FIXTURE_DATA(ws) *self,
		    enum ws_state state)
{
	int op, bad = 0;

	for (op = 0; op < NR_OPS; op++) {
		const struct cell *c = &table[state][op];
		struct hvm_vm_status st;
		const char *why;
		int r;

		self->stop_rip = 0;
		why = enter_state(_metadata, self, state);
		ASSERT_EQ(NULL, why) {
			TH_LOG("%s: cannot enter the state: %s", state_names[state], why);
		}
		r = do_op(self, op, state);
		why = check_after(self, c->after, &st);
		if (r != -c->err || why) {
			TH_LOG("%s in state %s: got %d (%s), want %d (%s); after: %s",
			       op_names[op], state_names[state], r, strerror(r < 0 ? -r : 0),
			       -c->err, strerror(c->err), why ? why : "as documented");
			bad++;
		}
		hvm_destroy_prefix(hvm_vm_prefix(TAG));
	}
	ASSERT_EQ(0, bad);
}

/* The table as README shows it: errno -> state after, per command and state. */
static void print_table(struct __test_metadata *_metadata)
{
	static const char *const after_names[] = {
		"absent", "created", "running", "ran: fault", "stopped", "gone",
	};
	int s, op;

	for (op = 0; op < NR_OPS; op++) {
		char line[512];
		size_t o = 0;

		o += snprintf(line + o, sizeof(line) - o, "| %-18s |", op_names[op]);
		for (s = 0; s < NR_STATES; s++)
			o += snprintf(line + o, sizeof(line) - o, " %s -> %s |",
				      table[s][op].err ? strerrorname_np(table[s][op].err) : "0",
				      after_names[table[s][op].after]);
		TH_LOG("%s", line);
	}
}

TEST_F(ws, absent)
{
	print_table(_metadata);
	run_row(_metadata, self, ABSENT);
}

TEST_F(ws, created) { run_row(_metadata, self, CREATED); }
TEST_F_TIMEOUT(ws, loaded, 120) { run_row(_metadata, self, LOADED); }
TEST_F_TIMEOUT(ws, running, 120) { run_row(_metadata, self, RUNNING); }
TEST_F_TIMEOUT(ws, stopped, 120) { run_row(_metadata, self, STOPPED); }
TEST_F(ws, destroyed_with_a_file_attached) { run_row(_metadata, self, DEAD); }

TEST_HARNESS_MAIN
