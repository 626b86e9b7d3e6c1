/* foreground.c — `run` and `exec` without -d: hullrt stays the parent, forwards its signals to the
 * container process, proxies the terminal, and returns the process's status as a shell would. */
#include "runtime/rterr.h"
#include "runtime/console.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int container_wait_foreground(pid_t pid, int pidfd, int console_master, struct hull_err **err)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	_cleanup_fd_ int sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return hull_err_sys(err, "signalfd");
	}
	if (console_master >= 0) {
		/* Terminal input reaches the container through the pty (^C included); the proxy returns once
		 * the process is gone and the master is drained. */
		sigset_t winch;
		sigemptyset(&winch);
		sigaddset(&winch, SIGWINCH);
		sigprocmask(SIG_UNBLOCK, &winch, NULL);
		struct hull_err *e = NULL;
		if (console_proxy_until(console_master, 0, 1, pidfd, &e) < 0) {
			log_warn("%s", e->msg);
			hull_err_free(e);
		}
		sigprocmask(SIG_BLOCK, &winch, NULL);
	}
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			return hull_err_sys(err, "wait for container process");
		}
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		if (poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100) < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGCHLD || sig == SIGWINCH || sig == SIGPIPE || sig == SIGURG)
				continue;
			if (pidfd >= 0)
				syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
			else
				kill(pid, sig);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return exit_code(status);
}
