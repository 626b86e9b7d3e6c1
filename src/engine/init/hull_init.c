/* hull_init.c — the minimal init of `hull run --init`, bound read-only at /dev/init in the container and
 * run as its pid 1: `hull-init -- COMMAND [ARG...]`. It starts COMMAND as its child, forwards every
 * signal it can catch to it, reaps every zombie that the pid namespace hands it, and exits with COMMAND's
 * status (128+signal when killed). Static, no dependencies: it must run in any image. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int first = 1;
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		fprintf(stderr, "hull-init: usage: hull-init -- COMMAND [ARG...]\n");
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("hull-init: fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* its own process group, in the foreground of a terminal if there is one (as tini) */
		setpgid(0, 0);
		if (isatty(0))
			tcsetpgrp(0, getpid());
		execvp(argv[first], argv + first);
		int e = errno;
		fprintf(stderr, "hull-init: exec %s: %s\n", argv[first], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* SIGSTOP/SIGKILL never arrive here; the rest go on to the command */
			kill(child, sig);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == child)
				return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
}
