// SPDX-License-Identifier: GPL-2.0
/*
 * linuxrun - time a VMM from launch to a Linux guest's shell prompt, then
 * measure the host CPU time it burns while that guest idles at the prompt:
 * the Linux rows of `make bench` (hvm's `hvctl run ... --attach` against
 * QEMU with KVM, the same kernel, initramfs and command line).
 *
 * Usage: linuxrun [-t TIMEOUT_S] [-s SETTLE_S] [-i IDLE_S] [-k KTHREAD]
 *                 [-v VCPU] [-l LOG] PROMPT CMD [ARGS...]
 *
 *   CMD runs with its stdin and stdout/stderr on pipes (its console).
 *   The clock (CLOCK_MONOTONIC) starts just before the fork and stops when
 *   PROMPT has appeared in its output: BOOT_NS. Then, after SETTLE_S (2)
 *   seconds, the run time of CMD's threads (and of the kernel threads
 *   named KTHREAD, where "%d" stands for CMD's pid, e.g. hvm's vCPU
 *   threads "hvm-run-%d/") is read over IDLE_S (10) seconds of wall time.
 *   Run time is each task's sum_exec_runtime from /proc/.../schedstat, in
 *   nanoseconds: tick sampling (utime/stime) misses most of a guest's
 *   short wakeups. VCPU names CMD's own vCPU threads (a comm prefix, such
 *   as QEMU's "CPU " with -name debug-threads=on); KTHREAD's always count
 *   as vCPU time. Then "poweroff -f" is typed into the console and CMD
 *   must end by itself within 60 s.
 *
 *   Prints "BOOT_NS IDLE_WALL_NS IDLE_CPU_NS IDLE_VCPU_NS" on stdout (the
 *   last three 0 with -i 0). The console goes to LOG if given. Exit status
 *   1, with the console's tail on stderr, when the prompt did not come
 *   within TIMEOUT_S (600) seconds, no KTHREAD or VCPU task was found, or
 *   CMD did not end after poweroff.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define BUF_SIZE	(1 << 20)

static char buf[BUF_SIZE];
static size_t len;
static FILE *logf;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Read what the child printed until @deadline (or until @want shows up, if
 * given); the buffer keeps its last half when full. Returns 1 when @want
 * was seen, 0 at the deadline, -1 at EOF.
 */
static int drain(int fd, uint64_t deadline, const char *want)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();
		ssize_t n;
		int ms;

		if (want && strstr(buf, want))
			return 1;
		if (t >= deadline)
			return 0;
		ms = (deadline - t) / 1000000 + 1;
		if (poll(&pfd, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!pfd.revents)
			continue;
		if (len + 4096 >= BUF_SIZE) {
			memmove(buf, buf + BUF_SIZE / 2, len - BUF_SIZE / 2);
			len -= BUF_SIZE / 2;
		}
		n = read(fd, buf + len, BUF_SIZE - 1 - len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		if (logf)
			fwrite(buf + len, 1, n, logf);
		len += n;
		buf[len] = '\0';
	}
}

/* sum_exec_runtime of one task (first field of schedstat), or -1 */
static int64_t task_ns(const char *dir)
{
	char path[300];
	unsigned long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/schedstat", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	return ok ? (int64_t)v : -1;
}

static int read_comm(const char *dir, char *comm, size_t size)
{
	char path[300];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/comm", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fgets(comm, size, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}

struct cpu {
	int64_t all, vcpu;
	int nr_vcpu;
};

/* run time of @pid's threads and of the kernel threads named @kthread */
static int sample(pid_t pid, const char *vcpu, const char *kthread, struct cpu *c)
{
	char dir[300], comm[64];
	struct dirent *e;
	int64_t ns;
	DIR *d;

	memset(c, 0, sizeof(*c));
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/task/%s", (int)pid, e->d_name);
		ns = task_ns(dir);
		if (ns < 0)
			continue;
		c->all += ns;
		if (vcpu && !read_comm(dir, comm, sizeof(comm)) &&
		    !strncmp(comm, vcpu, strlen(vcpu))) {
			c->vcpu += ns;
			c->nr_vcpu++;
		}
	}
	closedir(d);
	if (!kthread)
		return 0;
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(dir, sizeof(dir), "/proc/%s", e->d_name);
		if (read_comm(dir, comm, sizeof(comm)) ||
		    strncmp(comm, kthread, strlen(kthread)))
			continue;
		ns = task_ns(dir);
		if (ns < 0)
			continue;
		c->all += ns;
		c->vcpu += ns;
		c->nr_vcpu++;
	}
	closedir(d);
	return 0;
}

static void tail(const char *why)
{
	const char *p = len > 2000 ? buf + len - 2000 : buf;

	fprintf(stderr, "linuxrun: %s; console's last bytes:\n%s\n", why, p);
}

static void usage(void)
{
	fprintf(stderr, "usage: linuxrun [-t TIMEOUT_S] [-s SETTLE_S] [-i IDLE_S] [-k KTHREAD] "
		"[-v VCPU] [-l LOG] PROMPT CMD [ARGS...]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *kfmt = NULL, *vcpu = NULL, *prompt;
	double timeout = 600, settle = 2, idle = 10;
	static const char quit[] = "poweroff -f\n";
	uint64_t t0, boot, w0, w1 = 0;
	struct cpu c0 = { 0 }, c1 = { 0 };
	char kthread[64], *kt = NULL;
	int in[2], out[2], opt, status, r, ret = 1;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:s:i:k:v:l:")) != -1) {
		switch (opt) {
		case 't': timeout = atof(optarg); break;
		case 's': settle = atof(optarg); break;
		case 'i': idle = atof(optarg); break;
		case 'k': kfmt = optarg; break;
		case 'v': vcpu = optarg; break;
		case 'l':
			logf = fopen(optarg, "w");
			if (!logf) {
				perror(optarg);
				return 1;
			}
			break;
		default: usage();
		}
	}
	if (argc - optind < 2 || timeout <= 0 || settle < 0 || idle < 0)
		usage();
	prompt = argv[optind];
	if (pipe(in) || pipe(out)) {
		perror("pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execvp(argv[optind + 1], argv + optind + 1);
		fprintf(stderr, "linuxrun: %s: %s\n", argv[optind + 1], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (kfmt) {
		snprintf(kthread, sizeof(kthread), kfmt, (int)pid);
		kt = kthread;
	}

	r = drain(out[0], t0 + (uint64_t)(timeout * 1e9), prompt);
	boot = now_ns() - t0;
	if (r != 1) {
		tail(r ? "the console ended before the prompt" : "no prompt before the timeout");
		goto out_kill;
	}
	if (idle > 0) {
		drain(out[0], now_ns() + (uint64_t)(settle * 1e9), NULL);
		w0 = now_ns();
		if (sample(pid, vcpu, kt, &c0)) {
			tail("cannot read the VMM's /proc entries");
			goto out_kill;
		}
		if (drain(out[0], w0 + (uint64_t)(idle * 1e9), NULL) < 0) {
			tail("the console ended while idle");
			goto out_kill;
		}
		w1 = now_ns();
		if (sample(pid, vcpu, kt, &c1)) {
			tail("cannot read the VMM's /proc entries");
			goto out_kill;
		}
		w1 -= w0;
		if ((vcpu || kt) && (!c0.nr_vcpu || c0.nr_vcpu != c1.nr_vcpu)) {
			fprintf(stderr, "linuxrun: vCPU threads %s%s%s: %d, then %d\n",
				vcpu ? vcpu : "", vcpu && kt ? ", " : "", kt ? kt : "",
				c0.nr_vcpu, c1.nr_vcpu);
			goto out_kill;
		}
	}
	if (write(in[1], quit, strlen(quit)) != (ssize_t)strlen(quit)) {
		tail("cannot type poweroff");
		goto out_kill;
	}
	/* EOF on the console: the VMM ended (or at least closed it) */
	if (drain(out[0], now_ns() + 60000000000ULL, NULL) >= 0) {
		tail("still running 60 s after poweroff -f");
		goto out_kill;
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "linuxrun: %s ended with status %#x after poweroff\n",
			argv[optind + 1], status);
		tail("unclean end");
		return 1;
	}
	printf("%llu %llu %lld %lld\n", (unsigned long long)boot, (unsigned long long)w1,
	       (long long)(c1.all - c0.all), (long long)(c1.vcpu - c0.vcpu));
	return 0;

out_kill:
	kill(pid, SIGTERM);
	if (drain(out[0], now_ns() + 10000000000ULL, NULL) >= 0)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return ret;
}
