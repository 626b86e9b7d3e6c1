/* console_proxy.c — the foreground terminal of `hullrt run -t` without --console-socket: see console.h. */
#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

struct proxy {
	int master, in_fd, out_fd, stop_fd, sigfd;
	char inbuf[4096]; /* read from in_fd, not yet accepted by the master */
	size_t in_len, in_off;
	bool in_open;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			poll(&pfd, 1, -1);
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy what the master has to out_fd. Returns 1 if more may come, 0 when the slave side is gone (EIO
 * once every slave fd is closed), -1 on a write error. */
static int drain_master(struct proxy *p, struct hull_err **err)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(p->master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return 0;
		if (write_all(p->out_fd, buf, (size_t)n) < 0)
			return hull_err_sys(err, "console: write output");
	}
}

static void copy_winsize(struct proxy *p)
{
	struct winsize ws;
	if (ioctl(p->in_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
}

static int pump_input(struct proxy *p, struct hull_err **err)
{
	if (p->in_len == 0) {
		ssize_t n = read(p->in_fd, p->inbuf, sizeof(p->inbuf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 0;
		if (n <= 0) {
			p->in_open = false; /* EOF on input stops that direction only */
			return 0;
		}
		p->in_len = (size_t)n;
		p->in_off = 0;
	}
	ssize_t w = write(p->master, p->inbuf + p->in_off, p->in_len - p->in_off);
	if (w < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (w < 0) {
		if (errno == EIO)
			return 0; /* the slave is gone: the output side will notice */
		return hull_err_sys(err, "console: write input");
	}
	p->in_off += (size_t)w;
	if (p->in_off == p->in_len)
		p->in_len = p->in_off = 0;
	return 0;
}

static int proxy_loop(struct proxy *p, struct hull_err **err)
{
	for (;;) {
		struct pollfd pfd[4];
		int nfds = 0;
		pfd[nfds++] = (struct pollfd){ .fd = p->master, .events = POLLIN | (p->in_len ? POLLOUT : 0) };
		int in_idx = -1, sig_idx = -1, stop_idx = -1;
		if (p->in_open && p->in_len == 0) {
			in_idx = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = p->in_fd, .events = POLLIN };
		}
		if (p->sigfd >= 0) {
			sig_idx = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = p->sigfd, .events = POLLIN };
		}
		if (p->stop_fd >= 0) {
			stop_idx = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = p->stop_fd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_err_sys(err, "console: poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = drain_master(p, err);
			if (r <= 0)
				return r;
		}
		if (p->in_len && (pfd[0].revents & POLLOUT) && pump_input(p, err) < 0)
			return -1;
		if (in_idx >= 0 && (pfd[in_idx].revents & (POLLIN | POLLHUP | POLLERR)) && pump_input(p, err) < 0)
			return -1;
		if (sig_idx >= 0 && (pfd[sig_idx].revents & POLLIN)) {
			struct signalfd_siginfo si;
			while (read(p->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			copy_winsize(p);
		}
		if (stop_idx >= 0 && (pfd[stop_idx].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* The process is gone; a descendant may keep the slave open: take what is there, stop. */
			return drain_master(p, err) < 0 ? -1 : 0;
		}
	}
}

int console_proxy_until(int master, int in_fd, int out_fd, int stop_fd, struct hull_err **err)
{
	struct proxy p = { .master = master, .in_fd = in_fd, .out_fd = out_fd, .stop_fd = stop_fd, .sigfd = -1,
			   .in_open = in_fd >= 0 };
	bool is_tty = in_fd >= 0 && isatty(in_fd);
	struct termios saved;
	bool raw = false;
	if (is_tty && tcgetattr(in_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		if (tcsetattr(in_fd, TCSANOW, &t) < 0)
			return hull_err_sys(err, "console: raw mode");
		raw = true;
	}
	sigset_t winch, old_mask;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, &old_mask);
	if (is_tty) {
		p.sigfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
		copy_winsize(&p);
	}
	int master_fl = fcntl(master, F_GETFL);
	fcntl(master, F_SETFL, master_fl | O_NONBLOCK);
	int in_fl = in_fd >= 0 ? fcntl(in_fd, F_GETFL) : -1;
	if (in_fl >= 0)
		fcntl(in_fd, F_SETFL, in_fl | O_NONBLOCK);

	int r = proxy_loop(&p, err);

	if (in_fl >= 0)
		fcntl(in_fd, F_SETFL, in_fl);
	fcntl(master, F_SETFL, master_fl);
	if (p.sigfd >= 0)
		close(p.sigfd);
	/* Drop a SIGWINCH that arrived while blocked only if it was not blocked before us. */
	if (!sigismember(&old_mask, SIGWINCH)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&winch, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (raw)
		tcsetattr(in_fd, TCSANOW, &saved);
	return r < 0 ? -1 : 0;
}

int console_proxy(int master, int in_fd, int out_fd, struct hull_err **err)
{
	return console_proxy_until(master, in_fd, out_fd, -1, err);
}
