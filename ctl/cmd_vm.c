// SPDX-License-Identifier: GPL-2.0
/* hvctl create, destroy, start, stop: one netlink request each. */
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
