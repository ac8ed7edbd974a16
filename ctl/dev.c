// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hvm: the bulk-data channel. One open file is attached to one VM by
 * name; guest memory, the boot registers and the console go through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hvctl.h"

#define HVM_DEVICE	"/dev/hvm"
/* Large writes go in pieces so one ioctl never pins much host memory. */
#define WRITE_CHUNK	(1U << 20)

int hvm_dev_attach(const char *name)
{
	struct hvm_attach at = { 0 };
	int fd, err;

	if (strlen(name) > HVM_NAME_MAX) {
		set_why("VM name longer than %d characters", HVM_NAME_MAX);
		return -EINVAL;
	}
	fd = open(HVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			set_why("%s does not exist (is the hvm module loaded?)",
				HVM_DEVICE);
		else if (err == EACCES || err == EPERM)
			set_why("%s: %s (run hvctl as root)", HVM_DEVICE,
				strerror(err));
		else
			set_why("%s: %s", HVM_DEVICE, strerror(err));
		return -err;
	}
	strcpy(at.name, name);
	if (ioctl(fd, HVM_IOC_ATTACH, &at) < 0) {
		err = errno;
		if (err == ENOENT)
			set_why("no VM called '%s'", name);
		close(fd);
		return -err;
	}
	return fd;
}

/* -errno for a failed ioctl, with the reasons hvm gives a name to. */
static int ioctl_err(void)
{
	int err = errno;

	if (err == ENODEV)
		set_why("the VM was destroyed");
	else if (err == EBUSY)
		set_why("the VM is running");
	return -err;
}

int hvm_dev_write(int fd, uint64_t gpa, const void *data, uint64_t size)
{
	static const uint8_t zeroes[64 * 1024];

	while (size) {
		uint64_t n = size < WRITE_CHUNK ? size : WRITE_CHUNK;
		struct hvm_mem_io io = { .gpa = gpa, .size = n };

		if (data) {
			io.uaddr = (uintptr_t)data;
		} else {
			if (n > sizeof(zeroes))
				n = io.size = sizeof(zeroes);
			io.uaddr = (uintptr_t)zeroes;
		}
		if (ioctl(fd, HVM_IOC_WRITE_MEM, &io) < 0)
			return ioctl_err();
		gpa += n;
		size -= n;
		if (data)
			data = (const uint8_t *)data + n;
	}
	return 0;
}

int hvm_dev_set_regs(int fd, const struct hvm_regs *regs)
{
	return ioctl(fd, HVM_IOC_SET_REGS, regs) < 0 ? ioctl_err() : 0;
}

int hvm_dev_console_read(int fd, struct hvm_console_read *cr)
{
	return ioctl(fd, HVM_IOC_CONSOLE_READ, cr) < 0 ? ioctl_err() : 0;
}

int hvm_dev_console_write(int fd, const void *buf, uint32_t size, uint32_t flags,
			  uint32_t *len)
{
	struct hvm_console_write w = {
		.uaddr = (uintptr_t)buf,
		.size = size,
		.flags = flags,
	};

	if (ioctl(fd, HVM_IOC_CONSOLE_WRITE, &w) < 0)
		return ioctl_err();
	*len = w.len;
	return 0;
}

int hvm_dev_wait(int fd, uint64_t timeout_ns, struct hvm_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->timeout_ns = timeout_ns;
	return ioctl(fd, HVM_IOC_WAIT, w) < 0 ? ioctl_err() : 0;
}
