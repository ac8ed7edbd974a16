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
	const char *help;
	bool load_opts;		/* takes the load options */
};

static const struct cmd cmds[] = {
	{ "info", cmd_info, "[--json]",
	  "show the backend, its features and the limits", false },
	{ "create", cmd_create,
	  "NAME [--memory SIZE] [--vcpus N] [--image FILE [load options]]",
	  "create a VM (default 16M, 1 vCPU), optionally loading an image", true },
	{ "load", cmd_load, "NAME FILE [load options]",
	  "write an image and its boot state into a VM that is not running", true },
	{ "start", cmd_start, "NAME", "start a VM", false },
	{ "stop", cmd_stop, "NAME", "stop a running VM", false },
	{ "destroy", cmd_destroy, "NAME", "stop a VM if it runs and free it", false },
	{ "list", cmd_list, "[--json]", "list the VMs", false },
	{ "status", cmd_status, "NAME [--json] [--exits]",
	  "state, stop reason, exit counters and times of a VM;\n"
	  "  --exits adds each vCPU's counters and its last exits", false },
	{ "console", cmd_console, "NAME [--follow | --attach]",
	  "print the guest's serial output; --follow streams until the VM stops;\n"
	  "  --attach also types standard input into the guest (Ctrl-] detaches a terminal)", false },
	{ "wait", cmd_wait, "NAME [--timeout SECONDS]",
	  "wait until the VM stops; exit with the guest's exit code", false },
	{ "run", cmd_run,
	  "FILE [--memory SIZE] [--vcpus N] [load options] [--timeout SECONDS] [--attach]",
	  "create a temporary VM, load FILE, run it with its console on stdout, destroy it", true },
};

static const char load_help[] =
	"  load options: --format raw|elf|multiboot|linux  --addr GPA  --entry GPA\n"
	"                --mode real|protected|long  --initrd FILE  --cmdline STR\n"
	"                --module FILE (repeatable, multiboot modules in order)\n";

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	}
	return NULL;
}

static void usage_all(FILE *f)
{
	fprintf(f, "usage: hvctl COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  hvctl %s %s\n", cmds[i].name, cmds[i].args);
	fprintf(f, "\n%s\nSIZE takes K, M and G suffixes; GPA is decimal or 0x hex.\n"
		"'hvctl help COMMAND' describes one command.\n", load_help);
}

int print_usage(const char *name)
{
	const struct cmd *cmd = name ? find_cmd(name) : NULL;

	if (!name) {
		usage_all(stdout);
		return 0;
	}
	if (!cmd)
		return fail("unknown command '%s' (try 'hvctl help')", name);
	printf("usage: hvctl %s %s\n  %s\n", cmd->name, cmd->args, cmd->help);
	if (cmd->load_opts)
		printf("%s", load_help);
	return 0;
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
		return fail("missing command (try 'hvctl help')");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return print_usage(argc > 2 ? argv[2] : NULL);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("hvctl %s (hvm API %d, netlink family %s v%d)\n",
		       HVCTL_VERSION, HVM_API_VERSION, HVM_GENL_NAME,
		       HVM_GENL_VERSION);
		return 0;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return fail("unknown command '%s' (try 'hvctl help')", argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
