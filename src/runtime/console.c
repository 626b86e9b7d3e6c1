/* console.c — see console.h: pty allocation, controlling terminal, the console-socket hand-off. The
 * foreground proxy is in console_proxy.c. */
#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define PTMX_MAJOR 5            /* TTYAUX_MAJOR */
#define PTMX_MINOR 2
#define DEVPTS_PTMX_INO 2       /* devpts creates its ptmx node with inode 2 */
#define PTY_SLAVE_MAJOR_BASE 136 /* UNIX98_PTY_SLAVE_MAJOR (136..143) */

/* fd is a char device on a real devpts mount whose rdev satisfies want(major, minor). */
static int check_devpts_node(int fd, const char *what, bool want_ptmx, unsigned pty_num, struct hull_err **err)
{
	struct statfs sfs;
	struct stat st;
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return hull_err_sys(err, "stat %s", what);
	if (sfs.f_type != DEVPTS_SUPER_MAGIC)
		return hull_err_set(err, EXDEV, "%s is not on a devpts mount (f_type 0x%lx)", what,
				    (unsigned long)sfs.f_type);
	if (!S_ISCHR(st.st_mode))
		return hull_err_set(err, ENOTTY, "%s is not a character device", what);
	unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
	if (want_ptmx) {
		if (maj != PTMX_MAJOR || min != PTMX_MINOR || st.st_ino != DEVPTS_PTMX_INO)
			return hull_err_set(err, ENOTTY, "%s is not devpts's ptmx (%u:%u inode %llu)", what, maj, min,
					    (unsigned long long)st.st_ino);
	} else if (maj != PTY_SLAVE_MAJOR_BASE + pty_num / 256 || min != pty_num % 256) {
		return hull_err_set(err, ENOTTY, "%s is not pty %u (%u:%u)", what, pty_num, maj, min);
	}
	return 0;
}

/* The ptmx node: char 5:2 and, for devpts's own node (/dev/pts/ptmx), inode 2 of a devpts mount. */
static int check_ptmx(int fd, const char *path, bool devpts_node, struct hull_err **err)
{
	if (devpts_node)
		return check_devpts_node(fd, path, true, 0, err);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_err_sys(err, "stat %s", path);
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != PTMX_MAJOR || minor(st.st_rdev) != PTMX_MINOR)
		return hull_err_set(err, ENOTTY, "%s is not the ptmx character device", path);
	return 0;
}

/* Open a ptmx node checked before it is opened for real, so a planted file or symlink is refused: an
 * O_PATH fd is checked, then re-opened through /proc/self/fd. Without /proc (a spec that mounts none),
 * the path is opened non-blocking without following symlinks and the opened fd is checked instead. */
static int open_ptmx_at(int dirfd, const char *path, bool devpts_node, struct hull_err **err)
{
	_cleanup_fd_ int pfd = openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return hull_err_sys(err, "open %s", path);
	if (check_ptmx(pfd, path, devpts_node, err) < 0)
		return -1;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
	int fd = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return hull_err_sys(err, "reopen %s", path);
	_cleanup_fd_ int dfd = openat(dirfd, path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", path);
	if (check_ptmx(dfd, path, devpts_node, err) < 0)
		return -1;
	fcntl(dfd, F_SETFL, fcntl(dfd, F_GETFL) & ~O_NONBLOCK);
	return steal_fd(&dfd);
}

/* A new pty master from the devpts instance at /dev/pts (the caller's: the container's own once its
 * /dev/pts is mounted and the root switched). /dev/ptmx (the node the kernel resolves to the devpts of
 * the sibling "pts") is the fallback, e.g. when pts/ptmx has mode 000 for an unprivileged caller. */
static int open_ptmx(struct hull_err **err)
{
	_cleanup_err_ struct hull_err *first = NULL;
	int fd = open_ptmx_at(AT_FDCWD, "/dev/pts/ptmx", true, &first);
	if (fd >= 0)
		return fd;
	fd = open_ptmx_at(AT_FDCWD, "/dev/ptmx", false, NULL);
	if (fd >= 0)
		return fd;
	/* Report the first candidate's failure: it is the one that should have worked. */
	return hull_err_pass(err, &first);
}

int console_pty_name(int master, char *name, size_t len, struct hull_err **err)
{
	unsigned n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return hull_err_sys(err, "ioctl TIOCGPTN");
	snprintf(name, len, "/dev/pts/%u", n);
	return 0;
}

/* pts_dirfd: the devpts directory for the by-name fallback (AT_FDCWD: /dev/pts). */
static int open_peer(int master, int pts_dirfd, struct hull_err **err)
{
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != ENOTTY)
		return hull_err_sys(err, "ioctl TIOCGPTPEER");
	/* Kernels before 4.13: by name; the caller checks the fd is the master's peer on devpts. */
	char name[32];
	unsigned n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return hull_err_sys(err, "ioctl TIOCGPTN");
	snprintf(name, sizeof(name), pts_dirfd == AT_FDCWD ? "/dev/pts/%u" : "%u", n);
	fd = openat(pts_dirfd, name, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open %s", name);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Unlock the master, open its peer, check the pair: whatever node gave the master, the slave must be
 * the master's pty on a devpts mount (and on the expected instance when pts_dirfd names one). */
static int finish_pty(int m_in, int pts_dirfd, int *master, int *slave, struct hull_err **err)
{
	_cleanup_fd_ int m = m_in;
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return hull_err_sys(err, "allocate pty: unlockpt");
	_cleanup_fd_ int s = open_peer(m, pts_dirfd, err);
	if (s < 0)
		return hull_err_wrap(err, "allocate pty: open slave");
	unsigned n;
	if (ioctl(m, TIOCGPTN, &n) < 0)
		return hull_err_sys(err, "allocate pty: ioctl TIOCGPTN");
	if (check_devpts_node(s, "pty slave", false, n, err) < 0)
		return hull_err_wrap(err, "allocate pty");
	if (pts_dirfd != AT_FDCWD) {
		struct stat dir_st, slave_st;
		if (fstat(pts_dirfd, &dir_st) < 0 || fstat(s, &slave_st) < 0)
			return hull_err_sys(err, "allocate pty: stat");
		if (dir_st.st_dev != slave_st.st_dev)
			return hull_err_set(err, EXDEV, "allocate pty: the slave is not on the given devpts instance");
	}
	*master = steal_fd(&m);
	*slave = steal_fd(&s);
	return 0;
}

int console_open_pty(int *master, int *slave, struct hull_err **err)
{
	uint64_t t = trace_begin();
	int m = open_ptmx(err);
	if (m < 0)
		return hull_err_wrap(err, "allocate pty");
	if (finish_pty(m, AT_FDCWD, master, slave, err) < 0)
		return -1;
	trace_end(t, "open pty");
	return 0;
}

int console_open_pty_at(int pts_dirfd, int *master, int *slave, struct hull_err **err)
{
	uint64_t t = trace_begin();
	int m = open_ptmx_at(pts_dirfd, "ptmx", true, err);
	if (m < 0)
		return hull_err_wrap(err, "allocate pty");
	if (finish_pty(m, pts_dirfd, master, slave, err) < 0)
		return -1;
	trace_end(t, "open pty (given devpts)");
	return 0;
}

int console_set_size(int fd, unsigned rows, unsigned cols, struct hull_err **err)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	if (rows > 0xffff || cols > 0xffff)
		return hull_err_set(err, EINVAL, "console size %ux%u out of range", rows, cols);
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return hull_err_sys(err, "set console size %ux%u", rows, cols);
	return 0;
}

int console_make_controlling(int slave, struct hull_err **err)
{
	uint64_t t = trace_begin();
	/* Already a session leader (EPERM) is fine as long as it is our own session. */
	if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
		return hull_err_sys(err, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return hull_err_sys(err, "ioctl TIOCSCTTY");
	for (int fd = 0; fd <= 2; fd++)
		if (fd != slave && dup2(slave, fd) < 0)
			return hull_err_sys(err, "dup2 console onto %d", fd);
	if (slave > 2)
		close(slave);
	else
		fcntl(slave, F_SETFD, 0); /* stays as stdio: must survive execve */
	trace_end(t, "console: setsid, TIOCSCTTY, dup2 onto stdio");
	return 0;
}

int console_send_master_fd(int sock, int master, struct hull_err **err)
{
	/* runc's body is the master's file name; receivers (recvtty, conmon, containerd) read it and the
	 * single SCM_RIGHTS fd. */
	static const char body[] = "/dev/ptmx";
	struct iovec iov = { .iov_base = (void *)body, .iov_len = sizeof(body) - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_err_sys(err, "send console master");
	return 0;
}

/* connect(2) to a unix socket path of any length: a path too long for sun_path is reached through an
 * O_PATH fd of its directory (/proc/self/fd/N/name). */
static int connect_unix(const char *path, struct hull_err **err)
{
	_cleanup_fd_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return hull_err_sys(err, "socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_fd_ int dirfd = -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, path, strlen(path) + 1);
	} else {
		_cleanup_free_ char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return hull_err_set(err, ENAMETOOLONG, "connect %s", path);
		*slash = 0;
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return hull_err_sys(err, "open %s", dir);
		int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
		if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
			return hull_err_set(err, ENAMETOOLONG, "connect %s", path);
	}
	int r;
	do
		r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hull_err_sys(err, "connect %s", path);
	return steal_fd(&s);
}

int console_send_master(const char *socket_path, int master, struct hull_err **err)
{
	uint64_t t = trace_begin();
	_cleanup_fd_ int s = connect_unix(socket_path, err);
	if (s < 0)
		return hull_err_wrap(err, "console socket");
	if (console_send_master_fd(s, master, err) < 0)
		return hull_err_wrap(err, "console socket %s", socket_path);
	trace_end(t, "send pty master to %s", socket_path);
	return 0;
}

int console_recv_master(int sock, char *name, size_t name_len, struct hull_err **err)
{
	char body[4096];
	struct iovec iov = { .iov_base = body, .iov_len = sizeof(body) - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_err_sys(err, "receive console master");
	int fd = -1, extra = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0) {
				fd = f;
			} else {
				close(f);
				extra++;
			}
		}
	}
	if (fd < 0)
		return hull_err_set(err, EBADMSG, "receive console master: no fd in the message");
	if (extra || (msg.msg_flags & MSG_CTRUNC)) {
		close(fd);
		return hull_err_set(err, EBADMSG, "receive console master: expected exactly one fd");
	}
	if (name && name_len) {
		size_t l = (size_t)n < name_len - 1 ? (size_t)n : name_len - 1;
		memcpy(name, body, l);
		name[l] = 0;
	}
	return fd;
}
