// SPDX-License-Identifier: GPL-2.0
/*
 * console_input: COM1 as a 16550A for real drivers, and typing into it.
 *
 * - guests/uart.c checks the registers Linux's 8250 driver probes and
 *   drives (IER, IIR priorities and FIFO bits, the THRE interrupt, the
 *   receive FIFO in loopback, LSR, MSR deltas, scratch).
 * - guests/echo.c, a polling driver, echoes what "hvctl console NAME
 *   --attach" and "hvctl run FILE --attach" forward from a pipe, far more
 *   than the 16-byte FIFO at once: every byte must come back in order
 *   (hvctl waits while the FIFO is full; nothing is dropped), and output
 *   keeps streaming after the pipe's EOF until the VM stops.
 * - On a terminal (a pty), --attach puts it in raw mode, Ctrl-] detaches
 *   with the VM still running, and the terminal is restored.
 * - HVM_IOC_CONSOLE_WRITE's errors: not attached, bad sizes, flags and
 *   fields, a bad buffer, a destroyed VM; none of them takes a byte.
 */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "hvm_harness.h"

#define TAG "ci"

static int ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static const char *hvctl_path(void)
{
	const char *p = getenv("HVCTL");

	return p && *p ? p : "hvctl";
}

/* 260 bytes of text to type: more than 16 FIFOs' worth. */
static void make_input(char *in, size_t size, char *want_echo)
{
	static const char words[] = "the quick brown fox jumps over the lazy dog 0123456789 ";
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		in[i] = words[i % (sizeof(words) - 1)];
		want_echo[i] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 'a' + 'A' : in[i];
	}
	in[i] = want_echo[i] = 0;
}

FIXTURE(ci) {
	struct hvm_guest_run g;
	struct hvm_exec c;
	char name[HVM_NAME_MAX + 1];
};

FIXTURE_SETUP(ci)
{
	ASSERT_EQ(0, hvm_load_hvm());
	snprintf(self->name, sizeof(self->name), "%s", hvm_vm_name(TAG));
}

FIXTURE_TEARDOWN(ci)
{
	hvm_guest_run_free(&self->g);
	hvm_cmd_free(&self->c);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static const char want_uart[] =
	"probe-ier-0 ok\n" "probe-ier-f ok\n" "probe-loop-msr ok\n"
	"probe-iir-16550a ok\n" "probe-iir-dlab ok\n" "probe-no-64byte ok\n"
	"fifo-off-iir ok\n" "scratch-55 ok\n" "scratch-aa ok\n"
	"thre-none ok\n" "thre-set ok\n" "thre-cleared-by-iir ok\n"
	"thre-reasserted ok\n" "thre-lsr ok\n" "thre-off ok\n"
	"rx-empty-lsr ok\n" "rx-empty-iir ok\n" "rx-one-lsr ok\n"
	"rx-below-trigger-timeout ok\n" "rx-13-timeout ok\n" "rx-trigger-rda ok\n"
	"rx-overrun-rls ok\n" "rx-overrun-lsr ok\n" "rx-oe-cleared ok\n"
	"rx-after-rls-rda ok\n" "rx-16-bytes ok\n" "rx-order ok\n"
	"rx-drained-lsr ok\n" "rx-drained-iir ok\n" "rx-empty-rbr-repeats ok\n"
	"rx-trigger4-below ok\n" "rx-trigger4-at ok\n" "rx-fcr-clear ok\n"
	"rx-16450-lsr ok\n" "rx-16450-iir ok\n" "rx-16450-rbr ok\n"
	"rx-16450-empty ok\n"
	"msr-loop-none ok\n" "msr-dcts ok\n" "msr-delta-cleared ok\n"
	"msr-ddsr-ddcd ok\n" "msr-teri ok\n" "msr-interrupt ok\n"
	"msr-deltas ok\n" "msr-interrupt-cleared ok\n" "msr-attached ok\n"
	"msr-attached-steady ok\n"
	"prio-rls ok\n" "prio-rda ok\n" "prio-thre ok\n" "prio-msi ok\n"
	"prio-none ok\n"
	"0 checks failed\n";

TEST_F(ci, uart_registers_behave_as_the_8250_driver_probes_them)
{
	int r = hvm_guest_run(&self->g, self->name, "16M", "uart.elf", 60, NULL, false);

	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_OUTPUT(want_uart, self->g.console);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
}

/* sh -c "printf '%s#' INPUT | hvctl ARGS": the pipe case. */
static int type_through_pipe(struct hvm_exec *c, const char *input,
			     const char *hvctl_args)
{
	char cmd[1024];
	char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "printf '%%s#' '%s' | %s %s", input,
		 hvctl_path(), hvctl_args);
	return hvm_cmd_runv(c, 120000, argv);
}

TEST_F(ci, console_attach_from_a_pipe_echoes_every_byte_in_order)
{
	char in[261], echo[261], want[1024], args[256];
	struct hvm_exec *c = &self->c;
	struct hvm_vm_status st;

	make_input(in, sizeof(in), echo);
	HVCTL_OK(c, "create", self->name, "--image", hvm_guest("echo.elf"));
	HVCTL_OK(c, "start", self->name);
	snprintf(args, sizeof(args), "console %s --attach", self->name);
	type_through_pipe(c, in, args);
	EXPECT_EQ(0, c->status) {
		TH_LOG("status %d%s, stderr: %s", c->status,
		       c->timed_out ? " (timed out)" : "", c->err);
	}
	snprintf(want, sizeof(want), "echo ready\n%s\nreceived %zu bytes, 0 line errors\n",
		 echo, strlen(in));
	ASSERT_OUTPUT(want, c->out);
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &st);
	ASSERT_EQ(0ull, st.exit_code);
}

TEST_F(ci, run_attach_types_into_a_temporary_vm)
{
	char in[261], echo[261], want[1024], args[512];
	struct hvm_exec *c = &self->c;

	make_input(in, sizeof(in), echo);
	snprintf(args, sizeof(args), "run %s --attach --timeout 100", hvm_guest("echo.elf"));
	type_through_pipe(c, in, args);
	EXPECT_EQ(0, c->status) {
		TH_LOG("status %d%s, stderr: %s", c->status,
		       c->timed_out ? " (timed out)" : "", c->err);
	}
	snprintf(want, sizeof(want), "echo ready\n%s\nreceived %zu bytes, 0 line errors\n",
		 echo, strlen(in));
	ASSERT_OUTPUT(want, c->out);
	ASSERT_NE(NULL, strstr(c->err, "stopped: exit code 0")) {
		TH_LOG("stderr: %s", c->err);
	}
}

/*
 * The receive path as Linux drives it: IER's data interrupt on IRQ 4,
 * through I/O APIC pin 4 to the local APIC; echo-irq.elf reads the
 * receiver only in its interrupt handler, so each echoed byte proves one
 * delivery (several bytes may share one: the FIFO drains per interrupt).
 */
TEST_F(ci, interrupt_driven_receiver_echoes_every_byte)
{
	char in[261], echo[261], want[1024], args[512];
	struct hvm_exec *c = &self->c;
	unsigned int irqs = 0;
	const char *p;

	make_input(in, sizeof(in), echo);
	snprintf(args, sizeof(args), "run %s --attach --timeout 100", hvm_guest("echo-irq.elf"));
	type_through_pipe(c, in, args);
	EXPECT_EQ(0, c->status) {
		TH_LOG("status %d%s, stderr: %s", c->status,
		       c->timed_out ? " (timed out)" : "", c->err);
	}
	snprintf(want, sizeof(want), "echo-irq ready\n%s\nreceived %zu bytes\ninterrupts ",
		 echo, strlen(in));
	ASSERT_EQ(0, strncmp(c->out, want, strlen(want))) {
		TH_LOG("got:\n%s\nwant (start):\n%s", c->out, want);
	}
	p = c->out + strlen(want);
	ASSERT_EQ(1, sscanf(p, "%u", &irqs));
	/*
	 * At most one per byte ('#' included); a handler draining the FIFO
	 * while hvctl refills it takes more than 16 bytes per interrupt.
	 */
	ASSERT_LE(1u, irqs);
	ASSERT_GE((unsigned int)strlen(in) + 1, irqs);
	TH_LOG("%zu bytes in %u interrupts", strlen(in) + 1, irqs);
}

TEST_F(ci, console_attach_to_a_missing_vm_fails_cleanly)
{
	HVCTL_FAILS(&self->c, "console", "ci-no-such-vm", "--attach");
}

/* Read the pty master until @needle shows up (or the timeout). */
static bool pty_wait_for(int master, char *buf, size_t size, size_t *len,
			 const char *needle, int timeout_ms)
{
	uint64_t end = hvm_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (hvm_now_ns() < end) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (*len && strstr(buf, needle))
			return true;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(master, buf + *len, size - 1 - *len);
		if (n <= 0)
			return strstr(buf, needle);
		*len += n;
		buf[*len] = 0;
	}
	return strstr(buf, needle);
}

TEST_F(ci, terminal_attach_is_raw_ctrl_bracket_detaches_and_restores)
{
	struct hvm_exec *c = &self->c;
	struct hvm_vm_status st;
	struct termios before, after;
	static char buf[65536];
	char args[128];
	size_t len = 0;
	int master, status = -1;
	pid_t pid;

	HVCTL_OK(c, "create", self->name, "--image", hvm_guest("echo.elf"));
	HVCTL_OK(c, "start", self->name);

	pid = forkpty(&master, NULL, NULL, NULL);
	ASSERT_LE(0, pid);
	if (!pid) {
		execlp(hvctl_path(), hvctl_path(), "console", self->name, "--attach",
		       (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(0, tcgetattr(master, &before));
	ASSERT_TRUE(pty_wait_for(master, buf, sizeof(buf), &len, "Ctrl-] detaches", 30000)) {
		TH_LOG("no attach banner: '%s'", buf);
		kill(pid, SIGKILL);
	}
	/* Raw now: no line buffering, so "ab" arrives before any newline. */
	ASSERT_EQ(3, write(master, "ab\x1d", 3));
	ASSERT_TRUE(pty_wait_for(master, buf, sizeof(buf), &len, "detached", 60000)) {
		TH_LOG("not detached: '%s'", buf);
		kill(pid, SIGKILL);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, tcgetattr(master, &after));
	close(master);
	/* forkpty's terminal starts canonical with echo; hvctl restored that. */
	ASSERT_TRUE(!!(before.c_lflag & ICANON));
	ASSERT_EQ(before.c_lflag, after.c_lflag);
	ASSERT_EQ(before.c_iflag, after.c_iflag);

	/* The VM still runs; it got "ab" and gets the sentinel from a pipe. */
	ASSERT_EQ(0, hvm_vm_status(self->name, &st, NULL, 0));
	ASSERT_EQ((uint32_t)HVM_VM_RUNNING, st.state);
	snprintf(args, sizeof(args), "console %s --attach", self->name);
	type_through_pipe(c, "", args);
	EXPECT_EQ(0, c->status);
	ASSERT_OUTPUT("echo ready\nAB\nreceived 2 bytes, 0 line errors\n", c->out);
}

static struct hvm_console_write cw(const void *buf)
{
	return (struct hvm_console_write){ .uaddr = (uintptr_t)buf, .size = 20 };
}

/*
 * HVM_IOC_CONSOLE_WRITE's refusals take nothing. A fresh VM's receiver
 * takes nothing either (DTR is off until a driver sets the port up); after
 * uart.elf ran (DTR on, FIFOs on) it takes exactly 16 bytes of 20.
 */
TEST_F(ci, console_write_ioctl_errors_change_nothing)
{
	char bytes[32] = "abcdefghijklmnopqrstuvwxyz", ext[256];
	struct hvm_exec *c = &self->c;
	struct hvm_console_write w;
	struct hvm_version v = { 0 };
	struct pollfd p;
	int fd;

	HVCTL_OK(c, "create", self->name, "--image", hvm_guest("uart.elf"));
	fd = hvm_dev_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioc(fd, HVM_IOC_VERSION, &v));
	ASSERT_TRUE(!!(v.caps & HVM_CAP_CONSOLE_INPUT));

	w = cw(bytes);
	ASSERT_EQ(-ENXIO, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLERR, p.revents);
	ASSERT_EQ(0, hvm_dev_attach(fd, self->name));

	/* Created, never run: DTR is off, the receiver takes nothing. */
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLIN, p.revents);	/* not running: readable */
	w = cw(bytes);
	ASSERT_EQ(0, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	ASSERT_EQ(0u, w.len);
	ASSERT_EQ((uint32_t)HVM_VM_CREATED, w.state);

	HVCTL_OK(c, "start", self->name);
	HVCTL_OK(c, "wait", self->name, "--timeout", "60");

	w = cw(bytes);
	w.size = 0;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.size = HVM_CONSOLE_WRITE_MAX + 1;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.size = 0xffffffffu;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.flags = 2;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.len = 1;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.state = 1;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.reserved[1] = 1;
	ASSERT_EQ(-EINVAL, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	w = cw(bytes);
	w.uaddr = 8;
	ASSERT_EQ(-EFAULT, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));

	/* uart.elf left DTR and the FIFOs on: 16 bytes of room, all of it free. */
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLOUT, p.revents);
	w = cw(bytes);
	ASSERT_EQ(0, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	ASSERT_EQ(16u, w.len);
	ASSERT_EQ((uint32_t)HVM_VM_STOPPED, w.state);
	w = cw(bytes + 16);
	ASSERT_EQ(0, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	ASSERT_EQ(0u, w.len);
	/* Waiting for room returns at once on a VM that is not running. */
	w = cw(bytes + 16);
	w.flags = HVM_CONSOLE_WAIT;
	ASSERT_EQ(0, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	ASSERT_EQ(0u, w.len);
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	ASSERT_EQ(0, poll(&p, 1, 0));

	ASSERT_EQ(0, hvm_vm_cmd(HVM_CMD_VM_DESTROY, self->name, ext, sizeof(ext)));
	w = cw(bytes);
	ASSERT_EQ(-ENODEV, ioc(fd, HVM_IOC_CONSOLE_WRITE, &w));
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_TRUE(!!(p.revents & POLLHUP));
	close(fd);
}

TEST_HARNESS_MAIN
