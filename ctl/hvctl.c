// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl - control the hvm hypervisor: create, load, start, stop, inspect VMs.
 *
 * main() picks a command from the table below; each command lives in its
 * own file (cmd_*.c) and parses its own options. Every failure prints one
 * line "hvctl: <what failed>: <why>" and exits 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvctl.h"

#define HVCTL_VERSION	"0.1"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;	/* one line */
	const char *details;	/* more lines for 'hvctl help NAME', or NULL */
	bool load_opts;		/* takes the load options */
};

#define VM_KEYS								\
	"  name, id, state (created|running|stopped), memory (bytes), vcpus,\n" \
	"  stop_reason (none|user|exit|halt|shutdown|fault|unhandled|\n"	\
	"  entry-failed|internal|reboot), exit_code, stop_rip, fault_gpa,\n" \
	"  hw_error, console_bytes, mem_used (bytes), guest_ns, host_ns,\n" \
	"  exits {total, io, io_ignored, hlt, cpuid, msr, hypercall, npf,\n" \
	"  intr, nmi, shutdown, exception, other, runs, timer}.\n"

static const struct cmd cmds[] = {
	{ "info", cmd_info, "[--json]",
	  "show the backend, its features and the limits",
	  "--json keys: backend, version, features [names], nr_asids, max_vms,\n"
	  "  max_memory (bytes), max_vcpus, vms, hw_enabled (true|false).\n",
	  false },
	{ "create", cmd_create,
	  "NAME [--memory SIZE] [--vcpus N] [--image FILE [load options]]",
	  "create a VM (default 16 MiB, 1 vCPU), optionally loading an image",
	  NULL, true },
	{ "load", cmd_load, "NAME FILE [load options]",
	  "write an image and its boot state into a VM that is not running",
	  NULL, true },
	{ "start", cmd_start, "NAME", "start a VM", NULL, false },
	{ "stop", cmd_stop, "NAME", "stop a running VM (stop reason user)",
	  NULL, false },
	{ "destroy", cmd_destroy, "NAME", "stop a VM if it runs and free it",
	  NULL, false },
	{ "list", cmd_list, "[--json]", "list the VMs",
	  "--json: an array of objects with the keys of 'hvctl status --json'.\n",
	  false },
	{ "status", cmd_status, "NAME [--json] [--exits]",
	  "state, stop reason, exit counters and times of a VM",
	  "Sizes and times are human-readable (\"16 MiB\", \"1.23 s\"); --json\n"
	  "prints exact bytes and nanoseconds. --exits adds each vCPU's counters\n"
	  "and its last exits (with --json: {\"vm\": {...}, \"vcpus\": [...]}).\n"
	  "--json keys:\n" VM_KEYS, false },
	{ "console", cmd_console, "NAME [--follow | --attach]",
	  "print the guest's serial output",
	  "--follow streams until the VM stops; --attach also types standard\n"
	  "input into the guest (Ctrl-] detaches a terminal).\n", false },
	{ "wait", cmd_wait, "NAME [--timeout SECONDS]",
	  "wait until the VM stops; exit with the guest's exit code",
	  "Exit status: the guest's exit code & 0xff (stop reason exit), 0 (halt),\n"
	  "2 (any other stop reason, or still running at the timeout), 1 (error).\n",
	  false },
	{ "run", cmd_run,
	  "FILE [--memory SIZE] [--vcpus N] [load options] [--timeout SECONDS] [--attach]",
	  "create a temporary VM, load FILE, run it with its console on stdout, destroy it",
	  "The stop reason goes to stderr; the exit status is that of 'hvctl wait'.\n",
	  true },
	{ "monitor", cmd_monitor, "[--json]",
	  "print VM events (created, started, stopped, destroyed) as they happen",
	  "One line per event until SIGINT or SIGTERM (then exit status 0):\n"
	  "  created NAME: 16 MiB, 1 vCPU\n"
	  "  started NAME\n"
	  "  stopped NAME: exit (code 42), rip 0x100c\n"
	  "  destroyed NAME\n"
	  "--json: one object per line, {\"event\": \"created|started|stopped|\n"
	  "destroyed\", \"vm\": {...}}, \"vm\" with the keys of 'hvctl status --json'\n"
	  "as the VM was at the event. Needs CAP_SYS_ADMIN, like reading VMs.\n",
	  false },
	{ "help", cmd_help, "[COMMAND]",
	  "describe every command, or one ('hvctl COMMAND --help' too)", NULL,
	  false },
};

#define NR_CMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const char load_help[] =
	"load options: --format raw|elf|multiboot|linux  --addr GPA  --entry GPA\n"
	"              --mode real|protected|long  --initrd FILE  --cmdline STR\n"
	"              --module FILE (repeatable, multiboot modules in order)\n"
	"SIZE takes K, M and G suffixes; GPA is decimal or 0x hex.\n";

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_CMDS; i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	}
	return NULL;
}

static void usage_all(void)
{
	printf("usage: hvctl COMMAND [ARGS]\n       hvctl --version\n\n");
	for (size_t i = 0; i < NR_CMDS; i++)
		printf("  hvctl %s %s\n      %s\n", cmds[i].name, cmds[i].args,
		       cmds[i].help);
	printf("\n%s\n'hvctl help COMMAND' or 'hvctl COMMAND --help' says more about one.\n"
	       "Errors print one line 'hvctl: <what failed>: <why>' and exit 1.\n",
	       load_help);
}

int print_usage(const char *name)
{
	const struct cmd *cmd = name ? find_cmd(name) : NULL;

	if (!name) {
		usage_all();
		return 0;
	}
	if (!cmd)
		return fail("help: unknown command '%s' (try 'hvctl help')", name);
	printf("usage: hvctl %s %s\n\n%s\n", cmd->name, cmd->args, cmd->help);
	if (cmd->details)
		printf("\n%s", cmd->details);
	if (cmd->load_opts)
		printf("\n%s", load_help);
	return 0;
}

int cmd_help(int argc, char **argv)
{
	static const struct option opts[] = { OPTION_HELP, { 0 } };
	int c;

	while ((c = opt_next("help", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("help");
		return 1;
	}
	if (argc - optind > 1) {
		fail("help: unexpected argument '%s' (try 'hvctl help')",
		     argv[optind + 1]);
		return 1;
	}
	return print_usage(argc > optind ? argv[optind] : NULL);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static char why_buf[512];

void set_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
}

const char *why(int err)
{
	static char out[sizeof(why_buf)];

	if (why_buf[0]) {
		memcpy(out, why_buf, sizeof(out));
		why_buf[0] = '\0';
		return out;
	}
	return strerror(err < 0 ? -err : err);
}

int opt_next(const char *cmd, int argc, char **argv,
	     const struct option *opts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, ":h", opts, NULL);
	if (c == '?') {
		if (optopt)
			fail("%s: unknown option '-%c' (try 'hvctl help %s')",
			     cmd, optopt, cmd);
		else
			fail("%s: unknown option '%s' (try 'hvctl help %s')",
			     cmd, argv[optind - 1], cmd);
		return OPT_ERR;
	}
	if (c == ':') {
		fail("%s: option '%s' needs a value", cmd, argv[optind - 1]);
		return OPT_ERR;
	}
	return c;
}

int want_args(const char *cmd, int argc, char **argv, int n,
	      const char *names)
{
	int have = argc - optind;

	if (have < n) {
		fail("%s: missing %s (try 'hvctl help %s')", cmd, names, cmd);
		return -1;
	}
	if (have > n) {
		fail("%s: unexpected argument '%s' (try 'hvctl help %s')", cmd,
		     argv[optind + n], cmd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2)
		return fail("usage: missing command (try 'hvctl help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("hvctl %s (hvm API %d, netlink family %s v%d)\n",
		       HVCTL_VERSION, HVM_API_VERSION, HVM_GENL_NAME,
		       HVM_GENL_VERSION);
		return 0;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return fail("%s: unknown command (try 'hvctl help')", argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
