/* ops.c — start (the client side: fork the monitor, attach), kill, stop, remove, wait, exec. */
#include "engine/internal.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/lifecycle.h"
#include "runtime/selfseal.h"
#include "runtime/signals.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int engine_signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < 65 ? (int)n : -1;
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (int i = 1; i < 65; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && !strcasecmp(abbrev, name))
			return i;
	}
	if (!strncasecmp(name, "RTMIN+", 6))
		return SIGRTMIN + atoi(name + 6);
	return -1;
}

void engine_signals_default(struct signal_state *s)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, &s->mask);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int i = 1; i < 65; i++)
		if (i != SIGKILL && i != SIGSTOP && sigaction(i, NULL, &s->act[i]) == 0 &&
		    s->act[i].sa_handler == SIG_IGN)
			sigaction(i, &dfl, NULL);
}

void engine_signals_restore(const struct signal_state *s)
{
	for (int i = 1; i < 65; i++)
		if (i != SIGKILL && i != SIGSTOP && s->act[i].sa_handler == SIG_IGN)
			sigaction(i, &s->act[i], NULL);
	sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

/* Read one line from the monitor (blocking, or until a signal arrives on sigfd: then 0). */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
	return (int)n;
}

static bool monitor_alive(struct ctr *c);

bool engine_paused(const struct ctr *c)
{
	if (strcmp(ctr_status(c), "running"))
		return false;
	struct cgroup *cg = engine_ctr_cgroup(c, NULL);
	bool frozen = cg && cgroup_exists(cg) && cgroup_is_frozen(cg) > 0;
	cgroup_free(cg);
	return frozen;
}

int engine_pause(struct ctr *c, bool pause, struct hull_err **err)
{
	if (!monitor_alive(c) || strcmp(ctr_status(c), "running"))
		return engine_err(err, EINVAL, "container %s is not running", ctr_name(c));
	if (engine_paused(c) == pause)
		return engine_err(err, EINVAL, "container %s is %s", ctr_name(c), pause ? "already paused" : "not paused");
	const char *rt = ctr_runtime(c);
	if (rt) {
		char *argv[] = { (char *)rt, "--root", c->e->runtime_root, pause ? "pause" : "resume", c->id, NULL };
		return extrt_run(rt, c->e->runtime_root, argv, err);
	}
	return container_set_frozen(c->e->runtime_root, c->id, pause, err);
}

int engine_runtime_kill(struct ctr *c, int sig, bool all, struct hull_err **err)
{
	const char *rt = ctr_runtime(c);
	bool paused = sig == SIGKILL && engine_paused(c);
	int r;
	if (rt) {
		char sigs[16];
		snprintf(sigs, sizeof(sigs), "%d", sig);
		char *argv[] = { (char *)rt, "--root", c->e->runtime_root, "kill", all ? "--all" : c->id,
				 all ? c->id : sigs, all ? sigs : NULL, NULL };
		r = extrt_run(rt, c->e->runtime_root, argv, err);
	} else {
		r = container_kill(c->e->runtime_root, c->id, sig, all, err);
	}
	/* a frozen process dies of SIGKILL only once thawed (docker thaws it too): else stop and rm -f of a
	 * paused container would wait for it forever */
	if (paused) {
		struct cgroup *cg = engine_ctr_cgroup(c, NULL);
		if (cg)
			cgroup_freeze(cg, false, NULL);
		cgroup_free(cg);
	}
	return r;
}

static bool monitor_alive(struct ctr *c)
{
	if (ctr_lock(c, false, NULL) == 0) {
		ctr_unlock(c);
		return false;
	}
	return true;
}

static struct termios saved_tio;
static bool raw_set;

static void tty_raw(void)
{
	struct termios t;
	if (!isatty(0) || tcgetattr(0, &saved_tio) < 0)
		return;
	t = saved_tio;
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* keep \n → \r\n for our own messages */
	if (tcsetattr(0, TCSANOW, &t) == 0)
		raw_set = true;
}

static void tty_restore(void)
{
	if (raw_set)
		tcsetattr(0, TCSANOW, &saved_tio);
	raw_set = false;
}

int engine_start(struct engine *e, struct ctr *c, const struct attach *a, int *exit_code, struct hull_err **err)
{
	*exit_code = ENGINE_EXIT_ERROR;
	if (ctr_lock(c, false, NULL) < 0)
		return engine_err(err, EBUSY, "container %s is already running", ctr_name(c));
	if (ctr_reload(c, err) < 0)
		return -1;
	if (!strcmp(ctr_status(c), "running")) /* repaired by the lookup already; a record never lies here */
		return engine_err(err, EBUSY, "container %s is already running", ctr_name(c));
	bool tty = json_is_true(json_object_get(json_object_get(c->rec, "Config"), "Tty"));
	int sp[2];
	if (pipe2(sp, O_CLOEXEC) < 0)
		return hull_err_sys(err, "pipe");
	int ain = -1, aout = -1, aerr = -1;
	if (a->attach) {
		aout = fcntl(1, F_DUPFD_CLOEXEC, 3);
		aerr = fcntl(2, F_DUPFD_CLOEXEC, 3);
		if (a->stdin_)
			ain = fcntl(0, F_DUPFD_CLOEXEC, 3);
		else if (tty && isatty(0))
			ain = fcntl(0, F_DUPFD_CLOEXEC, 3); /* only for the window size */
	}
	/* signals to forward, taken before the fork so that none is lost in between */
	sigset_t mask, old;
	sigemptyset(&mask);
	if (a->attach) {
		int fw[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
		for (size_t i = 0; i < sizeof(fw) / sizeof(*fw); i++)
			sigaddset(&mask, fw[i]);
	}
	sigprocmask(SIG_BLOCK, &mask, &old);
	pid_t client = getpid();
	uint64_t t0 = trace_begin();
	pid_t mon = fork();
	if (mon < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return hull_err_sys(err, "fork monitor");
	}
	if (mon == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sp[0]);
		engine_monitor_main(e, c, sp[1], ain, a->stdin_, aout, aerr, a->attach ? client : 0);
	}
	trace_end(t0, "fork the monitor");
	close(sp[1]);
	/* the lock now belongs to the monitor: close our descriptor of it without unlocking */
	close(c->lockfd);
	c->lockfd = -1;
	c->locked = false;
	if (aout >= 0) close(aout);
	if (aerr >= 0) close(aerr);
	if (ain >= 0) close(ain);
	_cleanup_fd_ int syncfd = sp[0];
	char line[4200];
	if (read_line(syncfd, line, sizeof(line)) <= 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		waitpid(mon, NULL, 0);
		return engine_err(err, EIO, "container %.12s: the monitor died while starting it", c->id);
	}
	if (line[0] == 'E') {
		char *msg = NULL;
		int code = (int)strtol(line + 2, &msg, 10);
		*exit_code = code ? code : ENGINE_EXIT_ERROR;
		sigprocmask(SIG_SETMASK, &old, NULL);
		waitpid(mon, NULL, 0);
		return hull_err_set(err, 0, "%s", msg && *msg ? msg + 1 : "start failed");
	}
	if (!a->attach) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		*exit_code = 0;
		return 0;
	}
	if (tty && a->stdin_)
		tty_raw();
	if (tty)
		kill(mon, SIGWINCH);
	_cleanup_fd_ int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	int code = -1;
	for (;;) {
		struct pollfd p[2] = { { .fd = syncfd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					kill(mon, SIGWINCH);
				else if (a->sig_proxy)
					engine_runtime_kill(c, (int)si.ssi_signo, false, NULL);
			}
		}
		if (p[0].revents) {
			if (read_line(syncfd, line, sizeof(line)) <= 0)
				break;
			if (line[0] == 'X') {
				code = atoi(line + 2);
				break;
			}
		}
	}
	tty_restore();
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* the monitor finishes the teardown (and --rm) before we return, as docker's client waits: it
	 * closes the pipe once the container is removed, or exits */
	t0 = trace_begin();
	while (read_line(syncfd, line, sizeof(line)) > 0)
		continue;
	/* still deleting files (--rm) or not: whoever inherits it reaps it */
	waitpid(mon, NULL, WNOHANG);
	trace_end(t0, "wait for the monitor's teardown");
	if (code < 0)
		return engine_err(err, EIO, "container %.12s: lost its monitor", c->id);
	*exit_code = code;
	return 0;
}

int engine_kill(struct ctr *c, int sig, struct hull_err **err)
{
	if (!monitor_alive(c) || strcmp(ctr_status(c), "running"))
		return hull_err_set(err, EINVAL, "container %s is not running", ctr_name(c));
	if (sig == 0)
		sig = engine_signal_parse(rec_str(json_object_get(c->rec, "Config"), "StopSignal"));
	if (sig <= 0)
		sig = SIGTERM;
	return engine_runtime_kill(c, sig, false, err);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int engine_stop(struct ctr *c, int timeout, struct hull_err **err)
{
	if (!monitor_alive(c))
		return 0;
	if (timeout < 0)
		timeout = (int)json_integer_value(json_object_get(json_object_get(c->rec, "Config"), "StopTimeout"));
	int sig = engine_signal_parse(rec_str(json_object_get(c->rec, "Config"), "StopSignal"));
	struct hull_err *ke = NULL;
	engine_runtime_kill(c, sig > 0 ? sig : SIGTERM, false, &ke);
	hull_err_free(ke);
	double deadline = now_s() + timeout;
	while (now_s() < deadline) {
		if (ctr_lock(c, false, NULL) == 0)
			goto done;
		poll(NULL, 0, 10);
	}
	ke = NULL;
	engine_runtime_kill(c, SIGKILL, true, &ke);
	hull_err_free(ke);
	if (ctr_lock(c, true, err) < 0)
		return -1;
done:
	ctr_unlock(c);
	struct hull_err *re = NULL;
	if (ctr_reload(c, &re) < 0)
		hull_err_free(re); /* removed by its --rm: stopped all the same */
	return 0;
}

int engine_wait(struct ctr *c, struct hull_err **err)
{
	/* Once the lock file is open, a --rm removal cannot take the exit code from us: the monitor writes it
	 * into that file before removing the container, and its inode outlives the removal. A container
	 * removed before we opened it is gone, as under docker. */
	struct hull_err *le = NULL;
	if (ctr_lock(c, true, &le) < 0) {
		if (le->errnum != ENOENT)
			return hull_err_pass(err, &le);
		hull_err_free(le);
		return engine_err(err, ENOENT, "no such container: %.12s", c->id);
	}
	int code = -1;
	if (ctr_reload(c, NULL) == 0)
		code = (int)json_integer_value(json_object_get(json_object_get(c->rec, "State"), "ExitCode"));
	else
		code = ctr_lock_read_exit(c);
	ctr_unlock(c);
	if (code < 0)
		return engine_err(err, ENOENT, "no such container: %.12s", c->id);
	return code;
}

static int remove_locked(struct ctr *c, bool volumes, const struct spec *known, struct hull_err **err);

int engine_remove(struct ctr *c, bool force, bool volumes, struct hull_err **err)
{
	if (!c->locked && ctr_lock(c, false, NULL) < 0) {
		if (!force)
			return engine_err(err, EBUSY, "cannot remove container %s: it is running: stop it first or use -f",
					    ctr_name(c));
		struct hull_err *ke = NULL;
		engine_runtime_kill(c, SIGKILL, true, &ke);
		hull_err_free(ke);
		if (ctr_lock(c, true, err) < 0)
			return -1;
	}
	struct hull_err *re = NULL;
	if (ctr_reload(c, &re) < 0) {
		/* its own --rm took it while we waited: gone, as asked */
		if (re->errnum == ENOENT) {
			hull_err_free(re);
			return 0;
		}
		return hull_err_pass(err, &re);
	}
	/* "removing" first: a crash from here on is finished by the next command */
	json_object_set_new(rec_obj(c->rec, "State"), "Status", json_string("removing"));
	if (ctr_save(c, err) < 0)
		return -1;
	return remove_locked(c, volumes, NULL, err);
}

int engine_remove_exited(struct ctr *c, const struct spec *known, struct hull_err **err)
{
	return remove_locked(c, true, known, err);
}

static int remove_locked(struct ctr *c, bool volumes, const struct spec *known, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (engine_teardown_runtime_with(c, known, err) < 0)
		return -1;
	engine_rootfs_unmount(c);
	trace_end(t, "rm: runtime state, cgroup and mounts gone");
	if (engine_rootfs_mounted(c))
		return engine_err(err, EBUSY, "container %.12s: rootfs still mounted", c->id);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(c->rec, "Mounts"), i, m)
		if (volumes && json_is_true(json_object_get(m, "Anonymous"))) {
			struct hull_err *ve = NULL;
			if (volume_remove(c->e, rec_str(m, "Name"), true, &ve) < 0)
				hull_err_free(ve);
		}
	trace_end(t, "rm: volumes");
	t = trace_begin();
	_cleanup_fd_ int d = open(c->e->containers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_err_sys(err, "open %s", c->e->containers);
	/* one rename makes the container gone; its files are deleted after (by us, or by the next `ps`
	 * if we die first) */
	_cleanup_free_ char *trash = xasprintf(".trash-%s", c->id);
	if (renameat(d, c->id, d, trash) < 0)
		return hull_err_sys(err, "remove %s", c->dir);
	trace_end(t, "rm: %s", c->dir);
	if (c->on_removed)
		c->on_removed();
	t = trace_begin();
	if (fs_rmtree_at(d, trash, err) < 0)
		return -1;
	trace_end(t, "rm: delete the files of %s", c->dir);
	return 0;
}

/* ---- exec ---- */

json_t *engine_exec_process(struct ctr *c, const struct exec_flags *f, struct hull_err **err)
{
	json_t *cfg = json_object_get(c->rec, "Config"), *hc = json_object_get(c->rec, "HostConfig");
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);
	_cleanup_fd_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_err_sys(err, "open %s", rootfs);
		return NULL;
	}
	json_t *args = json_array();
	for (size_t k = 0; k < f->cmd.n; k++)
		json_array_append_new(args, json_string(f->cmd.v[k]));
	return engine_process(c, rootfd, f->user ? f->user : rec_str(cfg, "User"),
			      f->workdir ? f->workdir : rec_str(cfg, "WorkingDir"), f->tty,
			      f->privileged || json_is_true(json_object_get(hc, "Privileged")), args, &f->env, err);
}

/* A detached process's stdio is /dev/null, as docker drops the output nobody is attached to: ours are
 * swapped for the duration of the runtime call (the runtime gives the process the caller's), then back. */
static int stdio_to_null(int saved[3], struct hull_err **err)
{
	_cleanup_fd_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return hull_err_sys(err, "open /dev/null");
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++)
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	return 0;
}

static void stdio_restore(const int saved[3])
{
	for (int i = 0; i < 3; i++)
		if (saved[i] >= 0) {
			dup2(saved[i], i);
			close(saved[i]);
		} else {
			close(i);
		}
}

/* The terminal of a detached `exec -t` needs a holder, as docker's shim is: its master closed, the process
 * would get a hangup. A process of its own (double-forked, its own session, nothing else open) reads and
 * drops the output until the last slave closes (the process and its children are gone). */
static int pty_holder(int master, struct hull_err **err)
{
	pid_t p = fork();
	if (p < 0)
		return hull_err_sys(err, "fork the terminal holder");
	if (p == 0) {
		if (fork() != 0)
			_exit(0);
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		int null = open("/dev/null", O_RDWR);
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		dup2(master, 3);
		syscall(SYS_close_range, 4U, ~0U, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char buf[4096];
		for (;;) {
			ssize_t n = read(3, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR))
				_exit(0);
		}
	}
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		continue;
	return 0;
}

static int paused_refusal(struct ctr *c, struct hull_err **err)
{
	return engine_err(err, EINVAL, "container %s is paused, unpause the container before exec", ctr_name(c));
}

static int exec_runtime(struct ctr *c, const struct exec_flags *f, const char *process, const char *console,
			struct hull_err **err)
{
	const char *rt = ctr_runtime(c);
	if (rt) {
		if (engine_paused(c))
			return paused_refusal(c, err);
		_cleanup_free_ char *pf = xasprintf("%s/exec-%d.json", c->dir, (int)getpid());
		_cleanup_fd_ int d = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_free_ char *name = xasprintf("exec-%d.json", (int)getpid());
		if (d < 0 || fs_write_atomic(d, name, process, strlen(process), 0600, err) < 0)
			return -1;
		char *argv[12] = { (char *)rt, "--root", c->e->runtime_root, "exec", "--process", pf };
		size_t k = 6;
		if (f->detach)
			argv[k++] = "-d";
		if (console) {
			argv[k++] = "--console-socket";
			argv[k++] = (char *)console;
		}
		argv[k] = c->id;
		/* detached, the process's code is not ours to return: --log keeps the runtime's message */
		int r = f->detach ? extrt_run(rt, c->e->runtime_root, argv, err) : extrt_exec(rt, argv, err);
		unlinkat(d, name, 0);
		return r;
	}
	struct spec_process *proc = spec_parse_process(process, strlen(process), "exec process", err);
	if (!proc)
		return -1;
	struct exec_opts eo = { .root = c->e->runtime_root, .id = c->id, .proc = proc, .detach = f->detach,
				.console_socket = console };
	/* the runtime's init gives the process default dispositions and an empty mask itself */
	int r = container_exec(&eo, err);
	spec_process_free(proc);
	/* the runtime refuses a frozen container itself: only then is the freezer read, to say it as docker
	 * does (no cost on exec's hot path) */
	if (r < 0 && err && *err && (*err)->errnum == EBUSY && engine_paused(c)) {
		hull_err_free(*err);
		*err = NULL;
		return paused_refusal(c, err);
	}
	return r;
}

int engine_exec(struct ctr *c, const struct exec_flags *f, struct hull_err **err)
{
	if (!monitor_alive(c) || strcmp(ctr_status(c), "running"))
		return hull_err_set(err, EINVAL, "container %s is not running", ctr_name(c));
	json_t *p = engine_exec_process(c, f, err);
	if (!p)
		return -1;
	/* nobody's window to copy: the runtime sizes the terminal before the process starts */
	if (f->detach && f->tty)
		json_object_set_new(p, "consoleSize", json_pack("{s:i,s:i}", "height", 24, "width", 80));
	_cleanup_free_ char *s = json_dumps(p, 0);
	json_decref(p);
	if (!f->detach)
		return exec_runtime(c, f, s, NULL, err);
	/* the runtime library re-executes us once to seal its binary: before our stdio is swapped, which
	 * the new image would keep */
	if (!ctr_runtime(c) && selfseal_ensure(0, NULL, NULL, err) < 0)
		return -1;
	_cleanup_free_ char *sockname = xasprintf("exec-%d.sock", (int)getpid());
	struct console_listener l = { .lfd = -1, .dirfd = -1 };
	if (f->tty && engine_console_listen(c, sockname, &l, err) < 0)
		return -1;
	int saved[3];
	int r = stdio_to_null(saved, err);
	if (r == 0) {
		r = exec_runtime(c, f, s, f->tty ? l.path : NULL, err);
		stdio_restore(saved);
	}
	_cleanup_fd_ int master = r == 0 && f->tty ? engine_console_accept(l.lfd, "exec", err) : -1;
	engine_console_close(&l);
	if (r < 0 || !f->tty)
		return r;
	if (master < 0)
		return -1;
	return pty_holder(master, err);
}
