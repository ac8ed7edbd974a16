// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl console, wait and run: everything that follows a VM while it runs.
 *
 * run installs SIGINT/SIGTERM/SIGHUP handlers (without SA_RESTART, so a
 * blocked console read returns EINTR) that make it stop and destroy its VM
 * before it dies of the same signal; --timeout uses an interval timer for
 * the same reason.
 *
 * --attach (console and run) also forwards standard input to the guest's
 * serial receiver, in one poll() loop over stdin and the /dev/hvm file:
 * stdin is read only once the receiver took everything read before, so
 * input waits while the guest's FIFO is full and nothing is dropped. On a
 * terminal, stdin is in raw mode (restored on every way out, signals
 * included) and Ctrl-] detaches; from a pipe, input ends at EOF and the
 * output keeps streaming until the VM stops.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hvctl.h"

int stop_exit_status(uint32_t reason, uint64_t exit_code)
{
	switch (reason) {
	case HVM_STOP_EXIT:
		return exit_code & 0xff;	/* what a shell can see */
	case HVM_STOP_HALT:
		return 0;
	case HVM_STOP_REBOOT:	/* the guest asked for a reset: hvctl does not restart it */
	default:
		return 2;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct stream {
	int fd;
	bool follow;
	uint64_t pos;
	bool warned;
	/* run: called before every read; true ends the stream early. */
	bool (*poll)(void *arg);
	void *arg;
	uint32_t state;		/* the VM's state at the last read */
};

/* Console bytes to stdout. 0: done; 1: error printed; -1: poll said stop. */
static int stream_console(const char *what, struct stream *s)
{
	static uint8_t buf[64 * 1024];

	for (;;) {
		struct hvm_console_read cr = {
			.uaddr = (uintptr_t)buf,
			.pos = s->pos,
			.size = sizeof(buf),
			.flags = s->follow ? HVM_CONSOLE_WAIT : 0,
		};
		int ret;

		if (s->poll && s->poll(s->arg))
			return -1;
		ret = hvm_dev_console_read(s->fd, &cr);
		if (ret == -EINTR)
			continue;
		if (ret)
			return fail("%s: reading the console: %s", what, why(ret));
		if (cr.lost && !s->warned) {
			fflush(stdout);
			fprintf(stderr, "hvctl: %s: %llu console bytes were overwritten before they were read\n",
				what, (unsigned long long)cr.lost);
			s->warned = true;
		}
		if (cr.len > sizeof(buf))
			return fail("%s: reading the console: the kernel returned %u bytes for a %zu-byte buffer",
				    what, cr.len, sizeof(buf));
		if (cr.len && (fwrite(buf, 1, cr.len, stdout) != cr.len ||
			       fflush(stdout)))
			return fail("%s: writing the console to stdout: %s", what,
				    strerror(errno));
		s->pos = cr.pos;
		s->state = cr.state;
		if (!cr.len && (!s->follow || cr.state != HVM_VM_RUNNING))
			return 0;
	}
}

static volatile sig_atomic_t got_signal;
static void catch_signals(void);

/* ---- --attach ------------------------------------------------------------- */

#define DETACH_CHAR	0x1d	/* Ctrl-] */

static struct termios saved_tio;
static bool tio_saved;

static void tty_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		tio_saved = false;
	}
}

/*
 * Raw input (no line editing, echo, signals or CR translation: the guest
 * sees every key); output processing stays on, so a guest's bare "\n"
 * still starts a new line. 0, or -errno.
 */
static int tty_raw(void)
{
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &saved_tio))
		return -errno;
	tio = saved_tio;
	tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	tio.c_cflag &= ~(CSIZE | PARENB);
	tio.c_cflag |= CS8;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	tio_saved = true;
	atexit(tty_restore);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio)) {
		tio_saved = false;
		return -errno;
	}
	return 0;
}

struct attach {
	bool tty;		/* stdin is a terminal (raw mode) */
	bool eof;		/* no more input: EOF, or detached */
	bool detached;		/* Ctrl-] on the terminal */
	size_t off, len;	/* buf[off..len) read, not yet taken by the guest */
	uint8_t buf[4096];
};

/* Read what stdin has; on a terminal, Ctrl-] ends the input there. */
static int attach_read(const char *what, struct attach *a)
{
	ssize_t n = read(STDIN_FILENO, a->buf, sizeof(a->buf));
	uint8_t *stop;

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return fail("%s: reading standard input: %s", what, strerror(errno));
	}
	a->off = 0;
	a->len = n;
	if (!n)
		a->eof = true;
	if (a->tty && (stop = memchr(a->buf, DETACH_CHAR, n))) {
		a->len = stop - a->buf;
		a->eof = a->detached = true;
	}
	return 0;
}

/*
 * Console to stdout and stdin to the guest until the VM is not running.
 * 0: the VM stopped, or Ctrl-] (a->detached); 1: error printed; -1:
 * s->poll said stop.
 */
static int attach_console(const char *what, struct stream *s, struct attach *a)
{
	for (;;) {
		bool pending = a->off < a->len;
		struct pollfd pfd[2] = {
			{ .fd = s->fd, .events = POLLIN | (pending ? POLLOUT : 0) },
			{ .fd = a->eof || pending ? -1 : STDIN_FILENO, .events = POLLIN },
		};
		int ret;

		if (s->poll && s->poll(s->arg))
			return -1;
		if (got_signal)
			return -1;
		if (a->detached && !pending)
			return 0;
		/* The timeout only bounds how late a missed signal is noticed. */
		if (poll(pfd, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			return fail("%s: poll: %s", what, strerror(errno));
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* What is there now, without waiting for more. */
			bool follow = s->follow;

			s->follow = false;
			ret = stream_console(what, s);
			s->follow = follow;
			if (ret)
				return ret;
			if (s->state != HVM_VM_RUNNING)
				return 0;
		}
		if (pending && (pfd[0].revents & POLLOUT)) {
			uint32_t took;

			ret = hvm_dev_console_write(s->fd, a->buf + a->off,
						    a->len - a->off, 0, &took);
			if (ret == -EINTR)
				continue;
			if (ret)
				return fail("%s: typing into the console: %s", what, why(ret));
			a->off += took;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ret = attach_read(what, a);
			if (ret)
				return ret;
		}
	}
}

/* Set up stdin for attach_console(): raw mode on a terminal. */
static int attach_begin(const char *what, const char *name, struct attach *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	if (!isatty(STDIN_FILENO))
		return 0;
	err = tty_raw();
	if (err)
		return fail("%s: raw mode for the terminal: %s", what, strerror(-err));
	a->tty = true;
	fprintf(stderr, "hvctl: attached to %s; Ctrl-] detaches\r\n", name);
	return 0;
}

static void attach_end(struct attach *a)
{
	if (a->tty) {
		tty_restore();
		if (a->detached)
			fprintf(stderr, "\nhvctl: detached\n");
	}
}

int cmd_console(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ 0 }
	};
	struct stream s = { 0 };
	struct attach a;
	bool attach = false;
	char what[64];
	int c, ret;

	while ((c = opt_next("console", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("console");
		if (c == OPT_ATTACH)
			attach = true;
		else if (c == OPT_FOLLOW)
			s.follow = true;
		else
			return 1;
	}
	if (want_args("console", argc, argv, 1, "NAME"))
		return 1;
	snprintf(what, sizeof(what), "console %s", argv[optind]);
	s.fd = hvm_dev_attach(argv[optind]);
	if (s.fd < 0)
		return fail("%s: %s", what, why(s.fd));
	if (!attach) {
		ret = stream_console(what, &s);
		close(s.fd);
		return ret != 0;
	}

	/* Output follows the VM; a signal ends it with the terminal restored. */
	s.follow = true;
	catch_signals();
	ret = attach_begin(what, argv[optind], &a);
	if (!ret)
		ret = attach_console(what, &s, &a);
	attach_end(&a);
	close(s.fd);
	if (got_signal) {
		signal(got_signal, SIG_DFL);
		raise(got_signal);
		return 128 + got_signal;
	}
	return ret != 0;
}

static int parse_timeout(const char *cmd, const char *arg, uint64_t *ns)
{
	if (parse_seconds(arg, ns)) {
		fail("%s: --timeout: bad number of seconds '%s'", cmd, arg);
		return -1;
	}
	return 0;
}

int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP,
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ 0 }
	};
	const char *timeout_arg = NULL;
	uint64_t timeout = 0, deadline = 0;
	struct hvm_wait w;
	char what[64];
	int c, fd, ret;

	while ((c = opt_next("wait", argc, argv, opts)) != -1) {
		if (c == OPT_HELP)
			return print_usage("wait");
		if (c != OPT_TIMEOUT || parse_timeout("wait", optarg, &timeout))
			return 1;
		timeout_arg = optarg;
	}
	if (want_args("wait", argc, argv, 1, "NAME"))
		return 1;
	snprintf(what, sizeof(what), "wait %s", argv[optind]);
	fd = hvm_dev_attach(argv[optind]);
	if (fd < 0)
		return fail("%s: %s", what, why(fd));
	if (timeout)
		deadline = now_ns() + timeout;

	for (;;) {
		uint64_t left = 0;

		if (deadline) {
			uint64_t now = now_ns();

			left = now < deadline ? deadline - now : 1;
		}
		ret = hvm_dev_wait(fd, left, &w);
		if (ret == -EINTR)
			continue;
		if (ret == -ETIMEDOUT || (!ret && w.state == HVM_VM_RUNNING &&
					  deadline && now_ns() >= deadline)) {
			close(fd);
			fail("%s: still running after %s s", what, timeout_arg);
			return 2;
		}
		if (ret) {
			close(fd);
			return fail("%s: %s", what, why(ret));
		}
		if (w.state != HVM_VM_RUNNING)
			break;
	}
	close(fd);
	return stop_exit_status(w.stop_reason, w.exit_code);
}

/* ---- run ------------------------------------------------------------------ */

static void on_signal(int sig)
{
	got_signal = sig;
	/* If the signal slipped in just before a blocking read, kick it again. */
	alarm(1);
}

static void on_alarm(int sig)
{
	(void)sig;	/* only here to interrupt a blocked read */
}

struct run {
	const char *name;
	uint64_t deadline;
	bool stop_sent;
	bool timed_out;
};

static void set_timer(uint64_t first_ns, uint64_t every_ns)
{
	struct itimerval it = {
		.it_value = { .tv_sec = first_ns / 1000000000,
			      .tv_usec = (first_ns % 1000000000) / 1000 },
		.it_interval = { .tv_sec = every_ns / 1000000000,
				 .tv_usec = (every_ns % 1000000000) / 1000 },
	};

	if (first_ns && !it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

static bool run_poll(void *arg)
{
	struct run *r = arg;

	if (got_signal)
		return true;
	if (r->deadline && !r->stop_sent && now_ns() >= r->deadline) {
		r->timed_out = true;
		r->stop_sent = true;
		/* The console read then drains and ends once the VM stopped. */
		hvm_nl_vm_cmd(HVM_CMD_VM_STOP, r->name);
		set_timer(0, 0);
	}
	return false;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* "hvctl: run-42: stopped: exit code 3" and friends, on stderr. */
static void print_stop(const char *name, const struct hvm_vm_info *vm)
{
	const char *reason = hvm_reason_name(vm->stop_reason);
	unsigned long long rip = vm->stop_rip;

	fflush(stdout);
	switch (vm->stop_reason) {
	case HVM_STOP_EXIT:
		fprintf(stderr, "hvctl: %s: stopped: exit code %llu\n", name,
			(unsigned long long)vm->exit_code);
		break;
	case HVM_STOP_HALT:
	case HVM_STOP_USER:
	case HVM_STOP_REBOOT:
		fprintf(stderr, "hvctl: %s: stopped: %s\n", name, reason);
		break;
	case HVM_STOP_FAULT:
		fprintf(stderr, "hvctl: %s: stopped: fault address 0x%llx (rip 0x%llx)\n",
			name, (unsigned long long)vm->fault_gpa, rip);
		break;
	case HVM_STOP_UNHANDLED:
		fprintf(stderr, "hvctl: %s: stopped: unhandled code 0x%llx (rip 0x%llx)\n",
			name, (unsigned long long)vm->hw_error, rip);
		break;
	case HVM_STOP_ENTRY_FAILED:
		fprintf(stderr, "hvctl: %s: stopped: entry-failed error 0x%llx (rip 0x%llx)\n",
			name, (unsigned long long)vm->hw_error, rip);
		break;
	default:
		fprintf(stderr, "hvctl: %s: stopped: %s (rip 0x%llx)\n", name,
			reason, rip);
		break;
	}
}

/* After the VM stopped: say why, and pick the exit status. */
static int report_stop(struct run *r, const char *timeout_arg)
{
	struct hvm_vm_info vm;
	int ret;

	if (r->timed_out) {
		fflush(stdout);
		fprintf(stderr, "hvctl: %s: stopped: timeout after %s s\n",
			r->name, timeout_arg);
		return 2;
	}
	ret = hvm_nl_vm_get(r->name, &vm);
	if (ret)
		return fail("run: %s: %s", r->name, why(ret));
	print_stop(r->name, &vm);
	return stop_exit_status(vm.stop_reason, vm.exit_code);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		OPTION_HELP, OPTIONS_CREATE, OPTIONS_LOAD,
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ 0 }
	};
	uint64_t mem = HVCTL_DEFAULT_MEMORY, timeout = 0;
	struct attach at = { 0 };
	bool attach = false;
	uint32_t vcpus = HVCTL_DEFAULT_VCPUS;
	const char *timeout_arg = NULL;
	struct load_args a = { 0 };
	struct stream s = { .fd = -1, .follow = true };
	struct hvm_vm_info vm;
	struct run r = { 0 };
	char name[HVM_NAME_MAX + 1];
	int c, ret = 1, err;

	while ((c = opt_next("run", argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_HELP:
			load_args_free(&a);
			return print_usage("run");
		case OPT_MEMORY:
			if (parse_size(optarg, &mem)) {
				fail("run: --memory: bad size '%s'", optarg);
				goto out;
			}
			break;
		case OPT_VCPUS:
			if (parse_u32(optarg, &vcpus)) {
				fail("run: --vcpus: bad count '%s'", optarg);
				goto out;
			}
			break;
		case OPT_TIMEOUT:
			if (parse_timeout("run", optarg, &timeout))
				goto out;
			timeout_arg = optarg;
			break;
		case OPT_ATTACH:
			attach = true;
			break;
		default:
			if (c == OPT_ERR || load_opt(&a, "run", c, optarg) != 1)
				goto out;
		}
	}
	if (want_args("run", argc, argv, 1, "FILE"))
		goto out;

	snprintf(name, sizeof(name), "run-%ld", (long)getpid());
	r.name = name;
	catch_signals();

	err = hvm_nl_vm_create(name, mem, vcpus, &vm);
	if (err) {
		fail("run: creating VM %s: %s", name, why(err));
		goto out;
	}
	if (load_image("run", name, vm.mem_size ? vm.mem_size : mem,
		       argv[optind], &a))
		goto out_destroy;
	if (got_signal)
		goto out_destroy;
	s.fd = hvm_dev_attach(name);
	if (s.fd < 0) {
		fail("run: %s: %s", name, why(s.fd));
		goto out_destroy;
	}
	err = hvm_nl_vm_cmd(HVM_CMD_VM_START, name);
	if (err) {
		fail("run: starting %s: %s", name, why(err));
		goto out_destroy;
	}

	if (timeout) {
		r.deadline = now_ns() + timeout;
		set_timer(timeout, 100 * 1000000ULL);
	}
	s.poll = run_poll;
	s.arg = &r;
	if (attach) {
		err = attach_begin("run", name, &at);
		if (!err)
			err = attach_console("run", &s, &at);
		attach_end(&at);
		if (!err && at.detached) {
			/* Ctrl-] leaves a temporary VM: stop it, then report as usual. */
			hvm_nl_vm_cmd(HVM_CMD_VM_STOP, name);
			err = stream_console("run", &s);
		}
	} else {
		err = stream_console("run", &s);
	}
	set_timer(0, 0);
	if (err == 0)
		ret = report_stop(&r, timeout_arg);

out_destroy:
	if (s.fd >= 0)
		close(s.fd);
	err = hvm_nl_vm_cmd(HVM_CMD_VM_DESTROY, name);
	if (err) {
		fail("run: destroying %s: %s", name, why(err));
		if (!ret)
			ret = 1;
	}
	if (got_signal) {
		/* Die of the signal we caught, as the caller expects. */
		int sig = got_signal;

		load_args_free(&a);
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
out:
	load_args_free(&a);
	return ret;
}
