/* timeit.c — bench helper: run one command, report its wall time and peak RSS.
 *
 * Usage: timeit FD COMMAND [ARG...]; writes "<wall us> <peak RSS KiB> <wait status>\n" to fd FD.
 * Why not time it from the Python driver: a child's ru_maxrss starts from the RSS of the image it was
 * forked from, so a command forked by Python reports Python's 14 MB. Forked from this small static
 * program it reports its own peak (the maximum over it and the descendants it reaped).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: timeit FD COMMAND [ARG...]\n");
		return 2;
	}
	int out = atoi(argv[1]);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		close(out);
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	dprintf(out, "%.1f %ld %d\n", us, ru.ru_maxrss, status);
	return 0;
}
