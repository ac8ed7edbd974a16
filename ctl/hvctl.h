/* SPDX-License-Identifier: GPL-2.0 */
/* hvctl: what the command files share. */
#ifndef HVCTL_H
#define HVCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/hvm.h>

#include "loader.h"

#define HVCTL_DEFAULT_MEMORY	(16ULL << 20)
#define HVCTL_DEFAULT_VCPUS	1

/* ---- hvctl.c: errors and options ---------------------------------------- */

/* Print "hvctl: <fmt>" as the one error line; returns 1 (the exit status). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Remember why the next operation failed (e.g. the kernel's extack). */
void set_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The remembered reason, once, or strerror(-err). */
const char *why(int err);

int print_usage(const char *cmd);

/* Long-option ids shared by the command files. */
enum {
	OPT_ERR = '?',
	OPT_HELP = 'h',
	OPT_JSON = 256,
	OPT_FOLLOW,
	OPT_TIMEOUT,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_IMAGE,
	OPT_FORMAT,
	OPT_ADDR,
	OPT_ENTRY,
	OPT_MODE,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MODULE,
	OPT_ATTACH,
};

#define OPTION_HELP	{ "help", no_argument, NULL, OPT_HELP }
#define OPTIONS_LOAD							\
	{ "format", required_argument, NULL, OPT_FORMAT },		\
	{ "addr", required_argument, NULL, OPT_ADDR },			\
	{ "entry", required_argument, NULL, OPT_ENTRY },		\
	{ "mode", required_argument, NULL, OPT_MODE },			\
	{ "initrd", required_argument, NULL, OPT_INITRD },		\
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },		\
	{ "module", required_argument, NULL, OPT_MODULE }
#define OPTIONS_CREATE							\
	{ "memory", required_argument, NULL, OPT_MEMORY },		\
	{ "vcpus", required_argument, NULL, OPT_VCPUS }

/*
 * getopt_long() for command cmd: returns the option id, -1 after the last
 * option (positional arguments are then argv[optind..]), or OPT_ERR after
 * printing the error line.
 */
int opt_next(const char *cmd, int argc, char **argv,
	     const struct option *opts);
/* Exactly n positional arguments, named in names for the error message. */
int want_args(const char *cmd, int argc, char **argv, int n,
	      const char *names);

/* ---- size.c: numbers on the command line --------------------------------- */

int parse_size(const char *s, uint64_t *out);	/* 4096, 0x1000, 16M, 2G */
int parse_u32(const char *s, uint32_t *out);
int parse_seconds(const char *s, uint64_t *ns);	/* 5, 0.25 */
/* "16M", "1G", "12K", or plain bytes when not a whole number of KiB. */
const char *format_size(uint64_t v, char *buf, size_t len);
/* Human-readable: "512 B", "16 MiB", "1.5 GiB" (see size.c). */
const char *format_bytes(uint64_t v, char *buf, size_t len);
/* Human-readable: "850 ns", "1.23 s", "2 min 3 s" (see size.c). */
const char *format_duration(uint64_t ns, char *buf, size_t len);

/* ---- json.c: a small streaming JSON writer -------------------------------- */

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
/* s as a JSON string literal; bytes that are not UTF-8 become U+FFFD. */
void json_write_string(FILE *f, const char *s);

/* ---- nl.c: the generic netlink family "hvm" -------------------------------- */

struct hvm_host_info {
	char backend[16];
	char version[64];
	uint64_t features;
	uint64_t max_mem;
	uint32_t max_vms;
	uint32_t max_vcpus;
	uint32_t nr_vms;
	uint32_t nr_asids;
	bool hw_enabled;
};

struct hvm_vm_info {
	char name[HVM_NAME_MAX + 1];
	uint32_t id;
	uint64_t mem_size;
	uint32_t vcpus;
	uint32_t state;
	uint32_t stop_reason;
	uint64_t exit_code;
	uint64_t stop_rip;
	uint64_t fault_gpa;
	uint64_t hw_error;
	uint64_t guest_ns;
	uint64_t host_ns;
	uint64_t console_bytes;
	uint64_t mem_used;
	uint64_t stats[HVM_STAT_MAX + 1];
};

/* All return 0 or a negative errno; why() then says what the kernel said. */
int hvm_nl_info(struct hvm_host_info *info);
/* vm: the new VM as the kernel reports it (may be NULL). */
int hvm_nl_vm_create(const char *name, uint64_t mem_size, uint32_t vcpus,
		     struct hvm_vm_info *vm);
int hvm_nl_vm_get(const char *name, struct hvm_vm_info *vm);
int hvm_nl_vm_list(struct hvm_vm_info **vms, size_t *nr);
int hvm_nl_vm_cmd(uint8_t cmd, const char *name);	/* destroy, start, stop */

const char *hvm_state_name(uint32_t state);
const char *hvm_reason_name(uint32_t reason);
const char *hvm_event_name(uint32_t event);

/*
 * Join the "events" multicast group (CAP_SYS_ADMIN): the fd to poll, or a
 * negative errno. hvm_nl_monitor_read() then calls fn for every queued
 * event, in the kernel's order, and returns 0 once the queue is empty, fn's
 * non-zero return, -ENOBUFS when events were lost (reading may go on), or
 * -ENODEV when the module was unloaded.
 */
int hvm_nl_monitor_open(void);
int hvm_nl_monitor_read(int (*fn)(uint32_t event, const struct hvm_vm_info *vm,
				  void *arg), void *arg);

/* ---- dev.c: /dev/hvm --------------------------------------------------------- */

int hvm_dev_attach(const char *name);		/* fd, or a negative errno */
int hvm_dev_write(int fd, uint64_t gpa, const void *data, uint64_t size);
int hvm_dev_set_regs(int fd, const struct hvm_regs *regs);
int hvm_dev_console_read(int fd, struct hvm_console_read *cr);
int hvm_dev_wait(int fd, uint64_t timeout_ns, struct hvm_wait *w);
/* Offer size bytes to COM1's receiver; *len: how many it took. */
int hvm_dev_console_write(int fd, const void *buf, uint32_t size, uint32_t flags,
			  uint32_t *len);

/* ---- cmd_load.c: load options, shared by load, create and run ------------- */

struct load_args {
	struct ld_opts o;
	struct ld_file *modules;
	size_t nr_modules;
	const char *initrd;
	bool any;			/* some load option was given */
};

/* 1: opt was a load option (parsed), 0: not one, -1: bad value (printed). */
int load_opt(struct load_args *a, const char *cmd, int opt, const char *arg);
/* Lay out file for VM name (mem_size bytes) and write it; error printed. */
int load_image(const char *what, const char *name, uint64_t mem_size,
	       const char *file, struct load_args *a);
void load_args_free(struct load_args *a);

/* ---- commands ----------------------------------------------------------------- */

int cmd_info(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* cmd_list.c: one VM as a JSON object (key NULL inside an array). */
void vm_json(struct json *j, const char *key, const struct hvm_vm_info *vm);
/* cmd_list.c: "exit (code 3)", "fault (address 0x...)", or the reason. */
const char *reason_text(const struct hvm_vm_info *vm, char *buf, size_t len);
/* cmd_console.c: the SPEC's exit status for a stopped VM. */
int stop_exit_status(uint32_t reason, uint64_t exit_code);

#endif /* HVCTL_H */
