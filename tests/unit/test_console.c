/* test_console.c — runtime/console: pty pair, size, the console-socket hand-off (socketpair, socket path,
 * long socket path), controlling terminal in a child, and the foreground proxy end to end with two ptys
 * (raw mode restored, SIGWINCH forwarded, output copied until the container side hangs up). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "test_process_child.h"

static void open_pty(int *m, int *s)
{
	struct hull_err *err = NULL;
	if (console_open_pty(m, s, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_open_pty(void **state)
{
	int m, s;
	open_pty(&m, &s);
	assert_true(isatty(s));
	assert_true(fcntl(m, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);
	char name[64];
	struct hull_err *err = NULL;
	assert_int_equal(console_pty_name(m, name, sizeof(name), &err), 0);
	/* The slave fd is the pty the master names. */
	assert_string_equal(ttyname(s), name);
	assert_int_equal(write(s, "x", 1), 1);
	char c = 0;
	assert_int_equal(read(m, &c, 1), 1);
	assert_int_equal(c, 'x');

	assert_int_equal(console_set_size(m, 24, 80, &err), 0);
	struct winsize ws;
	assert_int_equal(ioctl(s, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 24);
	assert_int_equal(ws.ws_col, 80);
	assert_int_equal(console_set_size(m, 70000, 80, &err), -1);
	hull_err_free(err);
	close(m);
	close(s);
}

/* Fork a child in a private mount namespace of its own (mounts it makes die with it). */
static pid_t fork_private_mounts(void)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHECK(unshare(CLONE_NEWNS) == 0);
		CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	}
	return pid;
}

static void wait_success(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* In a private mount namespace: a planted /dev/pts/ptmx is refused; with /proc hidden, the pty is still
 * allocated (the direct-open fallback) and checked. */
static void test_open_pty_hostile_and_without_proc(void **state)
{
	pid_t pid = fork_private_mounts();
	if (pid == 0) {
		CHECK(mount("hull-process-test", "/dev/pts", "tmpfs", 0, NULL) == 0);
		int f = open("/dev/pts/ptmx", O_CREAT | O_WRONLY, 0666);
		CHECK(f >= 0);
		close(f);
		int m = -1, s = -1;
		struct hull_err *err = NULL;
		CHECK(console_open_pty(&m, &s, &err) < 0);
		CHECK(strstr(err->msg, "/dev/pts/ptmx is not on a devpts mount") != NULL);
		hull_err_free(err), err = NULL;
		CHECK(umount2("/dev/pts", MNT_DETACH) == 0);

		CHECK(mount("hull-process-test", "/proc", "tmpfs", 0, NULL) == 0);
		if (console_open_pty(&m, &s, &err) < 0) {
			fprintf(stderr, "without /proc: %s\n", err->msg);
			_exit(1);
		}
		CHECK(isatty(s) && write(s, "y", 1) == 1);
		char c = 0;
		CHECK(read(m, &c, 1) == 1 && c == 'y');
		_exit(0);
	}
	wait_success(pid);
}

/* A devpts instance of our own (as the container's /dev/pts), given by fd: the pty comes from it. */
static void test_open_pty_at_given_devpts(void **state)
{
	char dir[] = "/tmp/hull-process-devpts-XXXXXX";
	assert_non_null(mkdtemp(dir));
	pid_t pid = fork_private_mounts();
	if (pid == 0) {
		CHECK(mount("devpts", dir, "devpts", 0, "newinstance,ptmxmode=0666,mode=0620") == 0);
		int pts = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		CHECK(pts >= 0);
		int m, s;
		struct hull_err *err = NULL;
		if (console_open_pty_at(pts, &m, &s, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			_exit(1);
		}
		unsigned n = 99;
		CHECK(ioctl(m, TIOCGPTN, &n) == 0 && n == 0); /* the first pty of a fresh instance */
		struct stat dst, sst;
		CHECK(fstat(pts, &dst) == 0 && fstat(s, &sst) == 0 && dst.st_dev == sst.st_dev);
		CHECK(write(s, "z", 1) == 1);
		char c = 0;
		CHECK(read(m, &c, 1) == 1 && c == 'z');
		close(pts);

		/* Not devpts: refused, even with a "ptmx" in it. */
		CHECK(umount2(dir, MNT_DETACH) == 0);
		CHECK(mount("hull-process-test", dir, "tmpfs", 0, NULL) == 0);
		char planted[128];
		snprintf(planted, sizeof(planted), "%s/ptmx", dir);
		CHECK(mknod(planted, S_IFCHR | 0666, makedev(5, 2)) == 0);
		pts = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		CHECK(console_open_pty_at(pts, &m, &s, &err) < 0);
		CHECK(strstr(err->msg, "is not on a devpts mount") != NULL);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void check_same_pty(int a, int b)
{
	unsigned na, nb;
	assert_int_equal(ioctl(a, TIOCGPTN, &na), 0);
	assert_int_equal(ioctl(b, TIOCGPTN, &nb), 0);
	assert_int_equal(na, nb);
}

static void test_send_recv_socketpair(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int m, s;
	open_pty(&m, &s);
	struct hull_err *err = NULL;
	assert_int_equal(console_send_master_fd(sv[0], m, &err), 0);
	char name[64];
	int got = console_recv_master(sv[1], name, sizeof(name), &err);
	assert_true(got >= 0);
	assert_string_equal(name, "/dev/ptmx");
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	check_same_pty(m, got);

	/* A message without an fd is an error, not a crash. */
	assert_int_equal(write(sv[0], "x", 1), 1);
	assert_int_equal(console_recv_master(sv[1], NULL, 0, &err), -1);
	assert_non_null(strstr(err->msg, "no fd"));
	hull_err_free(err);
	close(got), close(m), close(s), close(sv[0]), close(sv[1]);
}

static void send_via_path(const char *sock_path)
{
	/* Listen on a path shorter than sun_path by going through the directory's fd (the test's own
	 * socket may have a long path too). */
	_cleanup_free_ char *d = xstrdup(sock_path);
	*strrchr(d, '/') = 0;
	int dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, strrchr(sock_path, '/') + 1);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	close(dfd);

	int m, s;
	open_pty(&m, &s);
	struct hull_err *err = NULL;
	if (console_send_master(sock_path, m, &err) < 0)
		fail_msg("%s", err->msg);
	int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(c >= 0);
	int got = console_recv_master(c, NULL, 0, &err);
	assert_true(got >= 0);
	check_same_pty(m, got);
	close(got), close(c), close(l), close(m), close(s);

	/* Nobody listening any more: a clear error naming the socket. */
	unlink(sock_path);
	open_pty(&m, &s);
	assert_int_equal(console_send_master(sock_path, m, &err), -1);
	assert_non_null(strstr(err->msg, sock_path));
	hull_err_free(err);
	close(m), close(s);
}

static void test_send_via_socket_path(void **state)
{
	char dir[] = "/tmp/hull-process-console-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *p = xasprintf("%s/console.sock", dir);
	send_via_path(p);

	/* Longer than sun_path (108): reached through the directory's fd. */
	char longdir[256];
	snprintf(longdir, sizeof(longdir), "%s/%s", dir,
		 "a-rather-long-directory-name-to-push-the-socket-path-past-the-limit-of-sun-path-0123456789");
	assert_int_equal(mkdir(longdir, 0700), 0);
	_cleanup_free_ char *lp = xasprintf("%s/console.sock", longdir);
	assert_true(strlen(lp) >= sizeof(((struct sockaddr_un *)0)->sun_path));
	send_via_path(lp);
	fs_rmtree_at(AT_FDCWD, dir, NULL);
}

static void test_make_controlling(void **state)
{
	int m, s;
	open_pty(&m, &s);
	char name[64];
	assert_int_equal(console_pty_name(m, name, sizeof(name), NULL), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int saved_err = dup(2);
		struct hull_err *err = NULL;
		if (console_make_controlling(s, &err) < 0) {
			dprintf(saved_err, "%s\n", err->msg);
			_exit(1);
		}
		FILE *diag = fdopen(saved_err, "w");
		if (getsid(0) != getpid() || tcgetsid(0) != getpid()) {
			fprintf(diag, "not session leader with the pty as controlling terminal\n");
			_exit(1);
		}
		for (int fd = 0; fd <= 2; fd++) {
			if (!isatty(fd) || strcmp(ttyname(fd), name) != 0 || (fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
				fprintf(diag, "fd %d is not the pty (or is CLOEXEC)\n", fd);
				_exit(1);
			}
		}
		if (fcntl(s, F_GETFD) >= 0 && s > 2) {
			fprintf(diag, "slave fd %d left open\n", s);
			_exit(1);
		}
		int fd = open("/dev/tty", O_RDWR);
		if (fd < 0) {
			fprintf(diag, "no controlling terminal\n");
			_exit(1);
		}
		_exit(0);
	}
	close(s);
	wait_success(pid);
	close(m);
}

/* Read from fd into buf until needle appears or 3 s pass. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		buf[*len] = 0;
		if (strstr(buf, needle))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms > 3000 || *len + 1 >= cap)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(3000 - ms)) <= 0)
			continue;
		ssize_t n = read(fd, buf + *len, cap - *len - 1);
		if (n > 0)
			*len += (size_t)n;
	}
}

/* The "container": answers "size" with its terminal's size, exits on "quit". */
static void container_side(int slave)
{
	alarm(10);
	FILE *f = fdopen(slave, "r+");
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "size", 4) == 0) {
			struct winsize ws;
			ioctl(slave, TIOCGWINSZ, &ws);
			fprintf(f, "rows=%u cols=%u\n", ws.ws_row, ws.ws_col);
			fflush(f);
		} else if (strncmp(line, "quit", 4) == 0) {
			fprintf(f, "bye\n");
			fflush(f);
			_exit(0);
		}
	}
	_exit(2);
}

static void test_proxy(void **state)
{
	int user_m, user_s, ctr_m, ctr_s;
	open_pty(&user_m, &user_s); /* the user's terminal: its slave is the runtime's stdin/stdout */
	open_pty(&ctr_m, &ctr_s);   /* the container's pty */
	struct hull_err *err = NULL;
	assert_int_equal(console_set_size(user_m, 24, 80, &err), 0);
	fflush(NULL);

	pid_t ctr = fork();
	assert_true(ctr >= 0);
	if (ctr == 0) {
		close(user_m), close(user_s), close(ctr_m);
		container_side(ctr_s);
	}
	close(ctr_s);

	pid_t proxy = fork();
	assert_true(proxy >= 0);
	if (proxy == 0) {
		alarm(10);
		close(user_m);
		struct hull_err *e = NULL;
		if (console_proxy(ctr_m, user_s, user_s, &e) < 0) {
			fprintf(stderr, "proxy: %s\n", e->msg);
			_exit(1);
		}
		/* Raw mode undone on the way out. */
		struct termios t;
		CHECK(tcgetattr(user_s, &t) == 0);
		CHECK((t.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO));
		_exit(0);
	}
	close(ctr_m);

	char buf[4096];
	size_t len = 0;
	/* The user's terminal is in raw mode while proxying (no echo of ours in the output). */
	assert_int_equal(write(user_m, "size\n", 5), 5);
	assert_true(read_until(user_m, buf, sizeof(buf), &len, "rows=24 cols=80"));

	/* Resize the user's terminal and signal the proxy: the container sees the new size. */
	assert_int_equal(console_set_size(user_m, 50, 132, &err), 0);
	assert_int_equal(kill(proxy, SIGWINCH), 0);
	bool resized = false;
	for (int i = 0; i < 20 && !resized; i++) {
		assert_int_equal(write(user_m, "size\n", 5), 5);
		resized = read_until(user_m, buf, sizeof(buf), &len, "rows=50 cols=132");
	}
	assert_true(resized);

	assert_int_equal(write(user_m, "quit\n", 5), 5);
	assert_true(read_until(user_m, buf, sizeof(buf), &len, "bye"));
	wait_success(ctr);
	/* The container's side hung up: the proxy returns on its own. */
	wait_success(proxy);
	close(user_m), close(user_s);
}

static void test_proxy_until_stop_fd(void **state)
{
	int m, s;
	open_pty(&m, &s);
	int stop[2], out[2];
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		close(stop[1]);
		close(out[0]);
		struct hull_err *e = NULL;
		/* The slave stays open in this very process: only stop_fd can end the proxy. */
		_exit(console_proxy_until(m, -1, out[1], stop[0], &e) == 0 ? 0 : 1);
	}
	close(stop[0]);
	close(out[1]);
	assert_int_equal(write(s, "last words\n", 11), 11);
	char buf[256];
	size_t len = 0;
	assert_true(read_until(out[0], buf, sizeof(buf), &len, "last words"));
	close(stop[1]); /* like a pidfd becoming readable */
	wait_success(pid);
	close(out[0]), close(m), close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_pty),
		cmocka_unit_test(test_open_pty_hostile_and_without_proc),
		cmocka_unit_test(test_open_pty_at_given_devpts),
		cmocka_unit_test(test_send_recv_socketpair),
		cmocka_unit_test(test_send_via_socket_path),
		cmocka_unit_test(test_make_controlling),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_proxy_until_stop_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
