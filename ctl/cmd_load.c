// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl load, and the load options create --image and run share: read the
 * files, let the loader lay them out, write the segments and the boot
 * registers through /dev/hvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvctl.h"

int load_opt(struct load_args *a, const char *cmd, int opt, const char *arg)
{
	struct ld_file *mods;

	switch (opt) {
	case OPT_FORMAT:
		if (ld_parse_format(arg, &a->o.format)) {
			fail("%s: --format: unknown format '%s' (raw, elf, multiboot, linux)",
			     cmd, arg);
			return -1;
		}
		break;
	case OPT_MODE:
		if (ld_parse_mode(arg, &a->o.mode)) {
			fail("%s: --mode: unknown mode '%s' (real, protected, long)",
			     cmd, arg);
			return -1;
		}
		break;
	case OPT_ADDR:
		if (parse_size(arg, &a->o.addr)) {
			fail("%s: --addr: bad address '%s'", cmd, arg);
			return -1;
		}
		a->o.has_addr = true;
		break;
	case OPT_ENTRY:
		if (parse_size(arg, &a->o.entry)) {
			fail("%s: --entry: bad address '%s'", cmd, arg);
			return -1;
		}
		a->o.has_entry = true;
		break;
	case OPT_INITRD:
		a->initrd = arg;
		break;
	case OPT_CMDLINE:
		a->o.cmdline = arg;
		break;
	case OPT_MODULE:
		mods = realloc(a->modules, (a->nr_modules + 1) * sizeof(*mods));
		if (!mods) {
			fail("%s: %s", cmd, strerror(ENOMEM));
			return -1;
		}
		a->modules = mods;
		a->modules[a->nr_modules++] = (struct ld_file){ .name = arg };
		break;
	default:
		return 0;
	}
	a->any = true;
	return 1;
}

/* The whole file in memory (regular files, pipes and devices alike). */
static int read_file(const char *path, struct ld_file *f)
{
	size_t len = 0, cap = 1 << 16;
	uint8_t *buf;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto err_close;
	}
	if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto err_close;
	}
	/* One byte more than the size, so EOF shows without a realloc. */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < SIZE_MAX)
		cap = st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		err = ENOMEM;
		goto err_close;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nbuf = cap <= SIZE_MAX / 2 ?
					realloc(buf, 2 * cap) : NULL;

			if (!nbuf) {
				err = ENOMEM;
				goto err_free;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto err_free;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	f->name = path;
	f->data = buf;
	f->size = len;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return -err;
}

void load_args_free(struct load_args *a)
{
	for (size_t i = 0; i < a->nr_modules; i++)
		free((void *)a->modules[i].data);
	free(a->modules);
	a->modules = NULL;
	a->nr_modules = 0;
}

static int write_result(const char *what, const char *name,
			const struct ld_result *res)
{
	int fd, ret;

	fd = hvm_dev_attach(name);
	if (fd < 0)
		return fail("%s: %s", what, why(fd));
	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct ld_seg *s = &res->segs[i];

		ret = hvm_dev_write(fd, s->gpa, s->data, s->size);
		if (ret) {
			close(fd);
			return fail("%s: writing %s at 0x%llx-0x%llx: %s", what,
				    s->what, (unsigned long long)s->gpa,
				    (unsigned long long)(s->gpa + s->size - 1),
				    why(ret));
		}
	}
	ret = hvm_dev_set_regs(fd, &res->regs);
	close(fd);
	if (ret)
		return fail("%s: setting the boot registers: %s", what, why(ret));
	return 0;
}

int load_image(const char *what, const char *name, uint64_t mem_size,
	       const char *file, struct load_args *a)
{
	struct ld_result res = { 0 };
	struct ld_file img = { 0 }, initrd = { 0 };
	int ret;

	ret = read_file(file, &img);
	if (ret)
		return fail("%s: %s: %s", what, file, strerror(-ret));
	for (size_t i = 0; i < a->nr_modules; i++) {
		if (a->modules[i].data)
			continue;
		ret = read_file(a->modules[i].name, &a->modules[i]);
		if (ret) {
			ret = fail("%s: %s: %s", what, a->modules[i].name,
				   strerror(-ret));
			goto out_free;
		}
	}
	if (a->initrd) {
		ret = read_file(a->initrd, &initrd);
		if (ret) {
			ret = fail("%s: %s: %s", what, a->initrd, strerror(-ret));
			goto out_free;
		}
		a->o.initrd = &initrd;
	}
	a->o.modules = a->modules;
	a->o.nr_modules = a->nr_modules;
	/* The Linux loader's MP table lists every vCPU the VM has. */
	if (a->o.format == LD_FMT_LINUX ||
	    (a->o.format == LD_FMT_AUTO && ld_detect(&img) == LD_FMT_LINUX)) {
		struct hvm_vm_info vm;

		ret = hvm_nl_vm_get(name, &vm);
		if (ret) {
			ret = fail("%s: %s", what, why(ret));
			goto out_free;
		}
		a->o.nr_vcpus = vm.vcpus;
	}

	ret = ld_load(&img, &a->o, mem_size, &res);
	if (ret)
		ret = fail("%s: %s: %s", what, file, res.err);
	else
		ret = write_result(what, name, &res);

out_free:
	ld_result_free(&res);
	a->o.initrd = NULL;
	free((void *)initrd.data);
	free((void *)img.data);
	return ret;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP, OPTIONS_LOAD, { 0 }
	};
	struct load_args a = { 0 };
	struct hvm_vm_info vm;
	char what[64];
	int c, ret;

	while ((c = opt_next("load", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("load");
		if (c == OPT_ERR || load_opt(&a, "load", c, optarg) != 1) {
			load_args_free(&a);
			return 1;
		}
	}
	if (want_args("load", argc, argv, 2, "NAME and FILE")) {
		load_args_free(&a);
		return 1;
	}
	snprintf(what, sizeof(what), "load %s", argv[optind]);

	ret = hvm_nl_vm_get(argv[optind], &vm);
	if (ret) {
		ret = fail("%s: %s", what, why(ret));
	} else if (vm.state == HVM_VM_RUNNING) {
		ret = fail("%s: the VM is running (stop it first)", what);
	} else {
		ret = load_image(what, argv[optind], vm.mem_size,
				 argv[optind + 1], &a);
	}
	load_args_free(&a);
	return ret;
}
