// SPDX-License-Identifier: GPL-2.0
/*
 * benchtime - run commands one after the other and print the wall time they
 * took together, from CLOCK_MONOTONIC, in nanoseconds: the clock `make bench`
 * times both hvm (hvctl) and KVM (kvmrun) runs with, from the same side.
 *
 * Usage: benchtime [-o] CMD [ARGS...] [:: CMD [ARGS...]]...
 *
 * Prints "NS" on stdout. Each command's stdout goes to /dev/null unless -o
 * is given (stderr is kept). The first command that fails (non-zero status,
 * or a signal) ends the run: benchtime prints "benchtime: CMD: status N" on
 * stderr and exits 1 without a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Run argv[0..] (NULL-terminated); returns its wait status or -1. */
static int run(char **argv, int keep_stdout)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!keep_stdout) {
			fd = open("/dev/null", O_WRONLY);
			if (fd >= 0)
				dup2(fd, 1);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "benchtime: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

int main(int argc, char **argv)
{
	int keep = 0, first = 1, i, start, status;
	uint64_t t0, t;

	if (argc > 1 && !strcmp(argv[1], "-o")) {
		keep = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: benchtime [-o] CMD [ARGS...] [:: CMD [ARGS...]]...\n");
		return 1;
	}
	t0 = now_ns();
	for (start = first; start < argc; start = i + 1) {
		for (i = start; i < argc && strcmp(argv[i], "::"); i++)
			;
		argv[i < argc ? i : argc] = NULL;
		if (i == start)
			continue;
		status = run(argv + start, keep);
		if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "benchtime: %s: status %d\n", argv[start],
				status < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) :
				128 + WTERMSIG(status));
			return 1;
		}
	}
	t = now_ns() - t0;
	printf("%llu\n", (unsigned long long)t);
	return 0;
}
