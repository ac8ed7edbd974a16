// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl create, destroy, start, stop: one netlink request each; and
 * hvctl monitor, which prints the lifecycle events those (and guests that
 * stop themselves) cause.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "hvctl.h"

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP, OPTIONS_CREATE,
		{ "image", required_argument, NULL, OPT_IMAGE },
		OPTIONS_LOAD, { 0 }
	};
	uint64_t mem = HVCTL_DEFAULT_MEMORY;
	uint32_t vcpus = HVCTL_DEFAULT_VCPUS;
	struct load_args a = { 0 };
	struct hvm_vm_info vm;
	const char *image = NULL, *name;
	char what[64];
	int c, ret = 1;

	while ((c = opt_next("create", argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_HELP:
			load_args_free(&a);
			return print_usage("create");
		case OPT_MEMORY:
			if (parse_size(optarg, &mem)) {
				fail("create: --memory: bad size '%s'", optarg);
				goto out;
			}
			break;
		case OPT_VCPUS:
			if (parse_u32(optarg, &vcpus)) {
				fail("create: --vcpus: bad count '%s'", optarg);
				goto out;
			}
			break;
		case OPT_IMAGE:
			image = optarg;
			break;
		default:
			if (c == OPT_ERR || load_opt(&a, "create", c, optarg) != 1)
				goto out;
		}
	}
	if (want_args("create", argc, argv, 1, "NAME"))
		goto out;
	if (a.any && !image) {
		fail("create: load options need --image FILE");
		goto out;
	}
	name = argv[optind];
	snprintf(what, sizeof(what), "create %s", name);

	ret = hvm_nl_vm_create(name, mem, vcpus, &vm);
	if (ret) {
		ret = fail("%s: %s", what, why(ret));
		goto out;
	}
	if (image) {
		ret = load_image(what, name, vm.mem_size ? vm.mem_size : mem,
				 image, &a);
		if (ret) {
			/* Leave nothing half-made behind. */
			int err = hvm_nl_vm_cmd(HVM_CMD_VM_DESTROY, name);

			if (err)
				fail("%s: destroying the new VM after the failed load: %s",
				     what, why(err));
		}
	}
out:
	load_args_free(&a);
	return ret;
}

/* NAME and nothing else; cmd is the netlink command to send. */
static int simple_cmd(const char *verb, uint8_t cmd, int argc, char **argv)
{
	static const struct option opts[] = { OPTION_HELP, { 0 } };
	int c, ret;

	while ((c = opt_next(verb, argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage(verb);
		return 1;
	}
	if (want_args(verb, argc, argv, 1, "NAME"))
		return 1;
	ret = hvm_nl_vm_cmd(cmd, argv[optind]);
	if (ret)
		return fail("%s %s: %s", verb, argv[optind], why(ret));
	return 0;
}

int cmd_destroy(int argc, char **argv)
{
	return simple_cmd("destroy", HVM_CMD_VM_DESTROY, argc, argv);
}

int cmd_start(int argc, char **argv)
{
	return simple_cmd("start", HVM_CMD_VM_START, argc, argv);
}

int cmd_stop(int argc, char **argv)
{
	return simple_cmd("stop", HVM_CMD_VM_STOP, argc, argv);
}

/* ---- monitor ---------------------------------------------------------------- */

/*
 * One line per event, flushed at once (a pipe reader sees it as it
 * happens):
 *   created NAME: 16 MiB, 1 vCPU
 *   started NAME
 *   stopped NAME: exit (code 42), rip 0x100c
 *   destroyed NAME
 * --json: {"event":"stopped","vm":{...}} per line, "vm" with the keys of
 * hvctl status --json (exact bytes and nanoseconds).
 */
static int print_event(uint32_t event, const struct hvm_vm_info *vm, void *arg)
{
	bool json = *(bool *)arg;
	char buf[64], why_[96];

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "event", hvm_event_name(event));
		vm_json(&j, "vm", vm);
		json_object_end(&j);
	} else {
		switch (event) {
		case HVM_EVENT_CREATED:
			printf("created %s: %s, %u vCPU%s\n", vm->name,
			       format_bytes(vm->mem_size, buf, sizeof(buf)),
			       vm->vcpus, vm->vcpus == 1 ? "" : "s");
			break;
		case HVM_EVENT_STOPPED:
			printf("stopped %s: %s, rip 0x%llx\n", vm->name,
			       reason_text(vm, why_, sizeof(why_)),
			       (unsigned long long)vm->stop_rip);
			break;
		default:
			printf("%s %s\n", hvm_event_name(event), vm->name);
			break;
		}
	}
	if (fflush(stdout))
		return -errno;
	return 0;
}

static volatile sig_atomic_t monitor_signal;

static void on_monitor_signal(int sig)
{
	monitor_signal = sig;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "json", no_argument, NULL, OPT_JSON },
		{ 0 }
	};
	struct sigaction sa = { .sa_handler = on_monitor_signal };
	sigset_t block, orig;
	struct pollfd pfd;
	bool json = false;
	int c, ret;

	while ((c = opt_next("monitor", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("monitor");
		if (c != OPT_JSON)
			return 1;
		json = true;
	}
	if (want_args("monitor", argc, argv, 0, ""))
		return 1;

	/* Signals only land inside ppoll(): no wakeup is lost between checks. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = hvm_nl_monitor_open();
	if (pfd.fd < 0)
		return fail("monitor: %s", why(pfd.fd));
	pfd.events = POLLIN;
	for (;;) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0 && errno != EINTR)
			return fail("monitor: %s", strerror(errno));
		if (monitor_signal)
			return 0;
		ret = hvm_nl_monitor_read(print_event, &json);
		if (ret == -ENOBUFS) {
			/* The socket stays subscribed: say so and go on. */
			fflush(stdout);
			fprintf(stderr, "hvctl: monitor: %s\n", why(ret));
			continue;
		}
		if (ret)
			return fail("monitor: %s", why(ret));
	}
}
