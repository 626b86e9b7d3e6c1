/* hooks.c — see hooks.h. One hook: a memfd with the state on stdin, a pipe for stderr (teed to ours, its
 * tail kept), a CLOEXEC pipe that reports a failed execve, and a pidfd polled for exit and timeout. */
#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define STDERR_TAIL 512

struct tail {
	char buf[STDERR_TAIL];
	size_t len;
};

static void tail_add(struct tail *t, const char *p, size_t n)
{
	if (n >= sizeof(t->buf)) {
		memcpy(t->buf, p + n - sizeof(t->buf), sizeof(t->buf));
		t->len = sizeof(t->buf);
		return;
	}
	if (t->len + n > sizeof(t->buf)) {
		size_t drop = t->len + n - sizeof(t->buf);
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* The tail as one line: trailing newlines dropped, inner ones shown as "; ". */
static char *tail_text(const struct tail *t)
{
	size_t n = t->len;
	while (n > 0 && (t->buf[n - 1] == '\n' || t->buf[n - 1] == '\r'))
		n--;
	char *s = xmalloc(2 * n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (t->buf[i] == '\n') {
			s[o++] = ';';
			s[o++] = ' ';
		} else {
			s[o++] = t->buf[i];
		}
	}
	s[o] = 0;
	return s;
}

/* Read what the pipe has now; returns 0 at EOF, 1 if more may come. Teed to our stderr, as if the hook
 * had inherited it. */
static int pump_stderr(int fd, struct tail *t)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		if (n == 0)
			return 0;
		tail_add(t, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break; /* our stderr is gone: keep the tail anyway */
			off += w;
		}
	}
}

/* In the child, between fork and execve: async-signal-safe calls only. */
static void __attribute__((noreturn))
child_exec(const char *path, char **argv, char **envp, int stdin_fd, int stderr_fd, int errpipe)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Dispositions set to "ignore" survive execve: give the hook default ones (SIGPIPE above all). */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	/* Lift the three fds above stdio first: with a closed stdin or stderr in the runtime, one of them
	 * may sit on 0..3 and be clobbered by the dup2s below. */
	stdin_fd = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 10);
	stderr_fd = fcntl(stderr_fd, F_DUPFD_CLOEXEC, 10);
	errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, 10);
	if (stdin_fd < 0 || stderr_fd < 0 || errpipe < 0)
		goto fail;
	if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(stderr_fd, STDERR_FILENO) < 0)
		goto fail;
	/* errpipe (CLOEXEC) must outlive a failed execve: park it on 3, close everything from 4 up. */
	if (dup3(errpipe, 3, O_CLOEXEC) < 0)
		goto fail;
	errpipe = 3;
	if (syscall(SYS_close_range, 4U, ~0U, 0) < 0) {
		struct rlimit rl;
		long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 65536;
		for (long fd = 4; fd < max; fd++)
			close((int)fd);
	}
	execve(path, argv, envp);
fail:;
	int e = errno;
	ssize_t w = write(errpipe, &e, sizeof(e));
	(void)w;
	_exit(127);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	static __thread char buf[16];
	if (abbrev) {
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

static int run_one(const struct spec_hook *h, const char *kind, size_t idx, const char *state_json,
		   char *const *default_env, size_t n_default_env, struct hull_err **err)
{
	/* The state goes in a memfd (one per hook) rather than a pipe: no writer to block on a hook that never reads
	 * stdin, and no SIGPIPE for us when it exits early. */
	_cleanup_fd_ int memfd = (int)syscall(SYS_memfd_create, "hull-hook-state", MFD_CLOEXEC);
	if (memfd < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: memfd_create", kind, idx, h->path);
	size_t len = state_json ? strlen(state_json) : 0;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(memfd, state_json + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hull_err_sys(err, "hook %s[%zu] %s: write state", kind, idx, h->path);
		off += (size_t)w;
	}
	if (lseek(memfd, 0, SEEK_SET) < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: lseek", kind, idx, h->path);

	int errp[2], errpipe_fds[2];
	if (pipe2(errp, O_CLOEXEC) < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: pipe", kind, idx, h->path);
	_cleanup_fd_ int stderr_r = errp[0];
	_cleanup_fd_ int stderr_w = errp[1];
	if (pipe2(errpipe_fds, O_CLOEXEC) < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: pipe", kind, idx, h->path);
	_cleanup_fd_ int exec_r = errpipe_fds[0];
	_cleanup_fd_ int exec_w = errpipe_fds[1];

	/* NULL-terminated copies made before fork: the child of a threaded caller must not allocate. */
	_cleanup_free_ char **argv = xcalloc(h->n_args + 2, sizeof(*argv));
	if (h->n_args > 0)
		memcpy(argv, h->args, h->n_args * sizeof(*argv));
	else
		argv[0] = h->path;
	_cleanup_free_ char **envp = NULL;
	char *const *env = h->env;
	size_t n_env = h->n_env;
	if (!env || n_env == 0) {
		env = default_env;
		n_env = n_default_env;
	}
	if (env) {
		envp = xcalloc(n_env + 1, sizeof(*envp));
		memcpy(envp, env, n_env * sizeof(*envp));
	}

	uint64_t t = trace_begin();
	_cleanup_killpid_ pid_t pid = fork();
	if (pid < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: fork", kind, idx, h->path);
	if (pid == 0)
		child_exec(h->path, argv, envp ? envp : environ, memfd, stderr_w, exec_w);

	close(steal_fd(&stderr_w));
	close(steal_fd(&exec_w));
	int child_errno = 0;
	ssize_t r;
	do
		r = read(exec_r, &child_errno, sizeof(child_errno));
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof(child_errno)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pid = 0;
		return hull_err_set(err, child_errno, "hook %s[%zu] %s: execve", kind, idx, h->path);
	}

	_cleanup_fd_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return hull_err_sys(err, "hook %s[%zu] %s: pidfd_open", kind, idx, h->path);
	fcntl(stderr_r, F_SETFL, fcntl(stderr_r, F_GETFL) | O_NONBLOCK);

	struct tail tail = { .len = 0 };
	bool stderr_open = true, timed_out = false;
	uint64_t deadline = h->has_timeout && h->timeout > 0 ? now_ms() + (uint64_t)h->timeout * 1000 : 0;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = stderr_r, .events = POLLIN } };
		int timeout = -1;
		if (deadline) {
			uint64_t now = now_ms();
			timeout = now >= deadline ? 0 : (int)(deadline - now);
		}
		int n = poll(pfd, stderr_open ? 2 : 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "hook %s[%zu] %s: poll", kind, idx, h->path);
		if (n == 0) {
			timed_out = true;
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			break;
		}
		if (stderr_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			stderr_open = pump_stderr(stderr_r, &tail) == 1;
		if (pfd[0].revents & POLLIN)
			break;
	}
	int status = 0;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	pid = 0;
	/* Reaped by someone else (SIGCHLD ignored, or a waitpid(-1) reaper): the outcome is unknown. */
	if (w < 0 && !timed_out)
		return hull_err_sys(err, "hook %s[%zu] %s: wait", kind, idx, h->path);
	/* What the hook wrote before exiting; a descendant still holding the pipe is not waited for. */
	if (stderr_open)
		pump_stderr(stderr_r, &tail);
	trace_end(t, "hook %s[%zu] %s", kind, idx, h->path);

	if (timed_out) {
		hull_err_set(err, 0, "hook %s[%zu] %s: timed out after %ds", kind, idx, h->path, h->timeout);
		if (err && *err)
			(*err)->errnum = ETIMEDOUT; /* kept for callers, not appended to the message */
		return -1;
	}
	_cleanup_free_ char *text = tail_text(&tail);
	if (WIFSIGNALED(status))
		return hull_err_set(err, 0, "hook %s[%zu] %s: killed by signal %s%s%s", kind, idx, h->path,
				    signal_name(WTERMSIG(status)), *text ? ": " : "", text);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return hull_err_set(err, 0, "hook %s[%zu] %s: exit status %d%s%s", kind, idx, h->path,
				    WEXITSTATUS(status), *text ? ": " : "", text);
	return 0;
}

int hooks_run_with_env(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
		       char *const *default_env, size_t n_default_env, struct hull_err **err)
{
	for (size_t i = 0; i < n; i++)
		if (run_one(&hooks[i], kind, i, state_json, default_env, n_default_env, err) < 0)
			return -1;
	return 0;
}

int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct hull_err **err)
{
	return hooks_run_with_env(hooks, n, kind, state_json, NULL, 0, err);
}
