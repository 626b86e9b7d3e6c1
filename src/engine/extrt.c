/* extrt.c — `--runtime PATH`: the container run by another OCI runtime binary through runc's command
 * line (create/start/kill/delete/exec with --root <root>/runtime), instead of the built-in library.
 * The monitor is a child subreaper, so the init that the runtime's `create` leaves behind is reaped by it. */
#include "engine/internal.h"
#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The last line of the runtime's --log file: its error message. */
static char *last_log_line(const char *path)
{
	_cleanup_free_ char *s = fs_read_file_at(AT_FDCWD, path, NULL, NULL);
	if (!s || !*s)
		return NULL;
	char *end = s + strlen(s);
	while (end > s && end[-1] == '\n')
		*--end = 0;
	char *nl = strrchr(s, '\n');
	const char *line = nl ? nl + 1 : s;
	json_t *j = json_loads(line, 0, NULL);
	char *msg = xstrdup(j && rec_str(j, "msg") ? rec_str(j, "msg") : line);
	json_decref(j);
	return msg;
}

/* crun 1.8 refuses a hybrid cgroup layout (v1 controllers + an empty cgroup2 at /sys/fs/cgroup/unified):
 * it is run in a private mount namespace where the cgroup2 mount is detached, so that it sees plain v1. */
static bool needs_v1_view(const char *runtime)
{
	const char *base = strrchr(runtime, '/');
	base = base ? base + 1 : runtime;
	return !strncmp(base, "crun", 4) && access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0 &&
	       access("/sys/fs/cgroup/memory", F_OK) == 0;
}

static void hide_unified(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0) {
		fprintf(stderr, "hull: private mount namespace for crun: %s\n", strerror(errno));
		_exit(125);
	}
}

/* Run argv with our stdio; returns its exit status (128+sig when killed), -1 if it could not run. */
static int spawn(char *const argv[], struct hull_err **err)
{
	pid_t p = fork();
	if (p < 0)
		return hull_err_sys(err, "fork %s", argv[0]);
	if (p == 0) {
		if (needs_v1_view(argv[0]))
			hide_unified();
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			return hull_err_sys(err, "wait %s", argv[0]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int extrt_run(const char *runtime, const char *root, char *const argv[], struct hull_err **err)
{
	_cleanup_free_ char *log = xasprintf("%s/.extrt-%d.log", root, (int)getpid());
	/* argv[0..2] are runtime --root ROOT: put --log in front of the command */
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = xcalloc(n + 5, sizeof(char *));
	size_t k = 0;
	v[k++] = argv[0];
	v[k++] = "--log";
	v[k++] = log;
	v[k++] = "--log-format";
	v[k++] = "json";
	for (size_t i = 1; i < n; i++)
		v[k++] = argv[i];
	unlink(log);
	int r = spawn(v, err);
	free(v);
	if (r != 0 && r != -1) {
		_cleanup_free_ char *m = last_log_line(log);
		hull_err_set(err, 0, "%s %s: %s", runtime, argv[3] ? argv[3] : "", m ? m : "failed");
		r = -1;
	}
	unlink(log);
	return r < 0 ? -1 : 0;
}

int extrt_exec(const char *runtime, char *const argv[], struct hull_err **err)
{
	(void)runtime;
	return spawn(argv, err);
}

int engine_console_listen(struct ctr *c, const char *name, struct console_listener *l, struct hull_err **err)
{
	*l = (struct console_listener){ .lfd = -1, .dirfd = -1, .name = name };
	/* not close-on-exec: a runtime binary we run reaches it at the same number */
	l->dirfd = open(c->dir, O_PATH | O_DIRECTORY);
	if (l->dirfd < 0)
		return hull_err_sys(err, "open %s", c->dir);
	snprintf(l->path, sizeof(l->path), "/proc/self/fd/%d/%s", l->dirfd, name);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(l->path) >= sizeof(sa.sun_path)) {
		engine_console_close(l);
		return engine_err(err, ENAMETOOLONG, "console socket %s: name too long", name);
	}
	strcpy(sa.sun_path, l->path);
	unlinkat(l->dirfd, name, 0);
	l->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->lfd < 0 || bind(l->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l->lfd, 1) < 0) {
		hull_err_sys(err, "console socket %s/%s", c->dir, name);
		engine_console_close(l);
		return -1;
	}
	return 0;
}

void engine_console_close(struct console_listener *l)
{
	if (l->lfd >= 0) {
		close(l->lfd);
		unlinkat(l->dirfd, l->name, 0);
	}
	if (l->dirfd >= 0)
		close(l->dirfd);
	l->lfd = l->dirfd = -1;
}

int engine_console_accept(int lfd, const char *from, struct hull_err **err)
{
	_cleanup_fd_ int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0)
		return hull_err_sys(err, "%s sent no terminal", from);
	int fl = fcntl(conn, F_GETFL);
	fcntl(conn, F_SETFL, fl & ~O_NONBLOCK);
	return console_recv_master(conn, NULL, 0, err);
}

int extrt_create(struct ctr *c, int *master, pid_t *pid, struct hull_err **err)
{
	const char *rt = ctr_runtime(c);
	_cleanup_free_ char *pidfile = xasprintf("%s/runtime.pid", c->dir);
	struct console_listener l = { .lfd = -1, .dirfd = -1 };
	unlink(pidfile);
	if (master && engine_console_listen(c, "console.sock", &l, err) < 0)
		return -1;
	char *argv[] = { (char *)rt, "--root", c->e->runtime_root, "create", "--bundle", c->dir, "--pid-file",
			 pidfile, master ? "--console-socket" : c->id, master ? l.path : NULL, master ? c->id : NULL, NULL };
	int r = extrt_run(rt, c->e->runtime_root, argv, err);
	if (r == 0 && master && (*master = engine_console_accept(l.lfd, rt, err)) < 0)
		r = -1;
	engine_console_close(&l);
	if (r < 0)
		return -1;
	_cleanup_free_ char *p = fs_read_file_at(AT_FDCWD, pidfile, NULL, err);
	if (!p)
		return -1;
	*pid = (pid_t)atoi(p);
	return *pid > 0 ? 0 : hull_err_set(err, EINVAL, "%s: bad pid file", pidfile);
}
