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
#include <stdbool.h>
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

static int forward_pidfd = -1;
static pid_t forward_pid;

/* Signals a foreground container process should get from us; the rest are ours or cannot be caught. */
static bool forwardable(int sig)
{
	return sig != SIGCHLD && sig != SIGWINCH && sig != SIGPIPE && sig != SIGURG && sig != SIGKILL &&
	       sig != SIGSTOP && !(sig >= 32 && sig < SIGRTMIN); /* glibc's internal signals */
}

static void forward_signal(int sig)
{
	int e = errno;
	if (forward_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, forward_pidfd, sig, NULL, 0);
	else if (forward_pid > 0)
		kill(forward_pid, sig);
	errno = e;
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
		/* Terminal input reaches the container through the pty (^C included). Signals sent to us while
		 * the proxy runs are forwarded from a handler (the proxy owns the poll loop); the proxy returns
		 * once the process is gone and the master is drained. */
		struct sigaction fwd = { .sa_handler = forward_signal }, saved[NSIG];
		sigset_t unblock;
		sigemptyset(&unblock);
		forward_pidfd = pidfd;
		forward_pid = pid;
		for (int sig = 1; sig < NSIG; sig++) {
			if (!forwardable(sig) || sigaction(sig, &fwd, &saved[sig]) < 0)
				continue;
			sigaddset(&unblock, sig);
		}
		sigaddset(&unblock, SIGWINCH);
		sigprocmask(SIG_UNBLOCK, &unblock, NULL);
		struct hull_err *e = NULL;
		if (console_proxy_until(console_master, 0, 1, pidfd, &e) < 0) {
			log_warn("%s", e->msg);
			hull_err_free(e);
		}
		sigprocmask(SIG_BLOCK, &unblock, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGWINCH && sigismember(&unblock, sig))
				sigaction(sig, &saved[sig], NULL);
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
			if (!forwardable(sig))
				continue;
			if (pidfd >= 0)
				syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
			else
				if (pid > 0)
					kill(pid, sig);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return exit_code(status);
}
