/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the hvm selftests: run commands (hvctl) with a timeout
 * and capture their output, talk generic netlink to the "hvm" family
 * directly (including malformed messages), /dev/hvm, /proc/meminfo, and
 * module insertion/removal through the syscalls.
 *
 * Everything returns 0 or a negative errno unless it says otherwise, and
 * never calls the harness: tests decide what a failure means.
 */
#ifndef HVM_TEST_H
#define HVM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/hvm.h>

/* ---- environment (see selftests/README.md) ---- */

/* $HVM_MODULE (or $HVM_KO), default /hvm/hvm.ko. */
const char *hvm_module_path(void);
/* $HVM_GUESTS/@file, default /hvm/guests/@file; valid until 16 more calls. */
const char *hvm_guest(const char *file);
/*
 * The .ko of a module of the running kernel (kvm, kvm_amd, msr, ...):
 * searched in $HVM_MODULES_DIR, $HVM_KVM_DIR, /hvm/modules and /hvm/kvm,
 * with '-' and '_' both tried. NULL when absent.
 */
const char *hvm_extra_module(const char *name);

enum hvm_vendor {
	HVM_VENDOR_UNKNOWN,
	HVM_VENDOR_AMD,
	HVM_VENDOR_INTEL,
};

/* The host CPU's vendor from /proc/cpuinfo (vendor_id). */
enum hvm_vendor hvm_host_vendor(void);
/* Is @flag a word of /proc/cpuinfo's "flags" or "vmx flags" line? */
bool hvm_cpuinfo_flag(const char *flag);
/* Number of online CPUs. */
int hvm_nr_cpus(void);
uint64_t hvm_now_ns(void);	/* CLOCK_MONOTONIC */

/* ---- commands ---- */

struct hvm_exec {
	int status;		/* exit status; 128 + signal when killed; -1 spawn failed */
	bool timed_out;		/* killed after the timeout */
	char *out;		/* NUL-terminated stdout (may contain NULs) */
	size_t out_len;
	char *err;		/* NUL-terminated stderr */
	size_t err_len;
	double secs;		/* wall time */
};

#define HVM_CMD_TIMEOUT_MS	120000

/* Run argv[0] (PATH search) with argv; stdin is /dev/null. Returns c->status. */
int hvm_cmd_runv(struct hvm_exec *c, int timeout_ms, char *const argv[]);
/* Free a previous result; safe on a zeroed struct. Run calls it first. */
void hvm_cmd_free(struct hvm_exec *c);

/* hvctl ARGS... NULL: $HVCTL or "hvctl" from PATH. Returns c->status. */
int hvctl(struct hvm_exec *c, const char *arg, ...) __attribute__((sentinel));
int hvctl_t(struct hvm_exec *c, int timeout_ms, const char *arg, ...)
	__attribute__((sentinel));
int hvctlv(struct hvm_exec *c, int timeout_ms, const char *const args[]);

/* ---- a tiny JSON field extractor (first "key": at any depth) ---- */
bool hvm_json_str(const char *json, const char *key, char *out, size_t size);
bool hvm_json_u64(const char *json, const char *key, uint64_t *v);
/* Same, but only inside the object that is the value of @obj (e.g. "stats"). */
bool hvm_json_obj_u64(const char *json, const char *obj, const char *key,
		      uint64_t *v);

/* ---- generic netlink ---- */

struct hvm_nl {
	struct nl_sock *sk;
	int family;
};

/* Connect, enable extended ACKs, resolve "hvm". -ENOENT: no such family. */
int hvm_nl_open(struct hvm_nl *nl);
void hvm_nl_close(struct hvm_nl *nl);

#define HVM_NL_MAX_MSGS	64

struct hvm_nl_reply {
	int error;			/* 0, or -errno of the NLMSG_ERROR */
	bool has_extack;		/* NLMSGERR_ATTR_MSG present */
	char extack[256];
	int miss_type;			/* NLMSGERR_ATTR_MISS_TYPE or -1 */
	int offset;			/* NLMSGERR_ATTR_OFFS or -1 */
	int nmsgs;			/* hvm messages (replies / dump entries) */
	struct nlattr *tb[HVM_NL_MAX_MSGS][HVM_A_MAX + 1];
	uint8_t cmd[HVM_NL_MAX_MSGS];	/* genl command of each */
	void *bufs[HVM_NL_MAX_MSGS * 2];	/* what nl_recv returned; freed by _free */
	int nbufs;
};

/* A request for @cmd with the family's header; @flags are added to REQUEST|ACK. */
struct nl_msg *hvm_nl_msg(struct hvm_nl *nl, uint8_t cmd, int flags);
/*
 * Send @msg (consumed), collect replies until the ACK/error (or DONE for a
 * dump), with a 10 s receive timeout. Returns rep->error, or another
 * negative errno when the exchange itself failed (-ETIMEDOUT...).
 */
int hvm_nl_xfer(struct hvm_nl *nl, struct nl_msg *msg, struct hvm_nl_reply *rep);
void hvm_nl_reply_free(struct hvm_nl_reply *rep);
/* Append raw bytes (a hand-made attribute) to a message. */
int hvm_nl_put_raw(struct nl_msg *msg, const void *data, size_t len);

/* Join a multicast group of the family ("events"). */
int hvm_nl_subscribe(struct hvm_nl *nl, const char *group);

struct hvm_event_msg {
	uint8_t cmd;			/* HVM_CMD_VM_EVENT */
	uint32_t event;			/* enum hvm_event, 0 if absent */
	char name[HVM_NAME_MAX + 1];
	uint32_t state, stop_reason;
};

/* Next message on a subscribed socket; -ETIMEDOUT after @timeout_ms. */
int hvm_nl_next_event(struct hvm_nl *nl, int timeout_ms, struct hvm_event_msg *ev);
/* Skip events until one with @event for @name arrives (or the timeout). */
int hvm_nl_wait_event(struct hvm_nl *nl, int timeout_ms, uint32_t event,
		      const char *name, struct hvm_event_msg *ev);

/* ---- the family's operations, decoded ---- */

struct hvm_info {
	char backend[16];
	char version[64];
	uint64_t features;
	uint64_t max_mem;
	uint32_t max_vms, max_vcpus, nr_vms, nr_asids;
	int hw_enabled;			/* -1 when the attribute is missing */
	bool have[HVM_A_MAX + 1];	/* which attributes the reply held */
};

struct hvm_vm_status {
	char name[HVM_NAME_MAX + 1];
	uint32_t id, vcpus, state, stop_reason;
	uint64_t mem_size, exit_code, stop_rip, fault_gpa, hw_error;
	uint64_t guest_ns, host_ns, console_bytes, mem_used;
	uint64_t stats[HVM_STAT_MAX + 1];
	bool have[HVM_A_MAX + 1];
	bool have_stat[HVM_STAT_MAX + 1];
};

int hvm_get_info(struct hvm_info *info);
void hvm_decode_vm(struct nlattr **tb, struct hvm_vm_status *st);
/* VM_GET NAME; @extack (may be NULL) receives the message on error. */
int hvm_vm_status(const char *name, struct hvm_vm_status *st, char *extack,
		  size_t size);
/* VM_CREATE; mem 0 / vcpus 0 leave the attribute out. */
int hvm_vm_create(const char *name, uint64_t mem, uint32_t vcpus, char *extack,
		  size_t size);
/* VM_DESTROY / VM_START / VM_STOP by name. */
int hvm_vm_cmd(uint8_t cmd, const char *name, char *extack, size_t size);
/* Names of every VM (dump), up to @max; returns the count or -errno. */
int hvm_vm_list(char (*names)[HVM_NAME_MAX + 1], int max);
/* Destroy every VM whose name starts with @prefix; returns how many. */
int hvm_destroy_prefix(const char *prefix);
/* Poll VM_GET until the VM is not running, up to @timeout_ms. */
int hvm_vm_wait_stopped(const char *name, int timeout_ms,
			struct hvm_vm_status *st);

const char *hvm_stop_reason_name(uint32_t reason);
const char *hvm_state_name(uint32_t state);

/* ---- /dev/hvm ---- */
int hvm_dev_open(void);				/* fd or -errno */
int hvm_dev_attach(int fd, const char *name);	/* 0 or -errno */

/* ---- host memory ---- */
long hvm_meminfo_kb(const char *field);		/* -1 if absent */
/* MemFree plus the pages on per-CPU free lists (/proc/zoneinfo "count:"). */
long hvm_free_kb(void);
void hvm_drop_caches(void);

/* ---- kernel log ---- */
/*
 * Declare an hvm kernel message (level warning and above) this test is
 * about to provoke: @ere (POSIX extended) is matched against the message
 * text, "hvm: ..." included. Writes "hvmtest: expect-warn ERE" to /dev/kmsg,
 * which make check's kernel-log gate (selftests/vm/summarize.sh) reads; it
 * holds until the next test binary starts. Call it before dropping root.
 * Returns 0 or -errno.
 */
int hvm_expect_kmsg(const char *ere);

/* ---- modules ---- */
int hvm_insmod(const char *path, const char *params);
/* delete_module(O_NONBLOCK), retrying a few times while it answers EAGAIN. */
int hvm_rmmod(const char *name);
bool hvm_module_loaded(const char *name);
/* A .ko's .modinfo field (e.g. "depends"); -ENOENT when missing. */
int hvm_modinfo(const char *path, const char *key, char *out, size_t size);
/* Load @name from hvm_extra_module() after its dependencies; loaded ones are skipped. */
int hvm_insmod_deps(const char *name);
/* Make sure hvm.ko is loaded. */
int hvm_load_hvm(void);
/* The testdev module parameter: VMs created while on get kmod/testdev.c. 0 or -1. */
int hvm_set_testdev(bool on);

/* ---- running guests through hvctl ---- */

struct hvm_guest_run {
	const char *failed_step;	/* NULL when every hvctl step worked */
	struct hvm_exec cmd;		/* the failed step, or the last one */
	int wait_status;		/* exit status of "hvctl wait" */
	char *console;			/* "hvctl console" stdout */
	size_t console_len;
	struct hvm_vm_status st;	/* VM_GET after it stopped */
	bool have_st;
};

/*
 * hvctl create NAME --memory MEM --image $HVM_GUESTS/IMAGE [opts...];
 * hvctl start; hvctl wait --timeout; hvctl console; VM_GET; hvctl destroy
 * unless @keep. @opts is NULL-terminated (may be NULL). Returns 0 when every
 * step ran, -1 with failed_step set otherwise (the VM is destroyed).
 */
int hvm_guest_run(struct hvm_guest_run *g, const char *name, const char *mem,
		  const char *image, int timeout_s, const char *const *opts,
		  bool keep);
void hvm_guest_run_free(struct hvm_guest_run *g);

/* Find the pid of a live (not exited) thread by its comm (exact); 0 when none. */
pid_t hvm_find_thread(const char *comm);
/* Poll until no live thread has that comm: false after @timeout_ms. */
bool hvm_thread_gone(const char *comm, int timeout_ms);
/* Count live threads whose comm starts with @prefix. */
int hvm_count_threads(const char *prefix);

/* A name unique to this process: "<tag>-<pid>-<n>" (within HVM_NAME_MAX). */
const char *hvm_vm_name(const char *tag);

/*
 * /sys/module/hvm/parameters/@name: write @val (a newline is added), or
 * read it into @buf (the newline stripped). 0 or -errno.
 */
int hvm_param_write(const char *name, const char *val);
int hvm_param_read(const char *name, char *buf, size_t size);

#endif /* HVM_TEST_H */
