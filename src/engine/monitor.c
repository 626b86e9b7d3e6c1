/* monitor.c — one monitor process per running container (conmon's role), forked from the `hull` command
 * that starts it and outliving it. It mounts the rootfs, generates the spec, creates and starts the
 * container through the runtime library in-process (or a --runtime binary), then holds the container's
 * stdio (pipes, or the pty master), writes the json-file log, forwards an attached client's stdin and
 * output, reaps the init, records the exit and tears everything down (removing the container with --rm).
 *
 * Talks to the client over the sync pipe, one line per event: "S <pid>" started, "E <code> <message>"
 * failed to start, "X <exit code>" exited (after the output was drained). It holds the container's lock
 * (inherited from the client) for its whole life. */
#include "engine/internal.h"
#include "engine/health.h"
#include "runtime/lifecycle.h"
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int sync_fd = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	if (sync_fd < 0)
		return;
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\n';
	if (write(sync_fd, buf, (size_t)n) < 0) {
		close(sync_fd); /* the client is gone: nobody to tell */
		sync_fd = -1;
	}
}

/* Partial lines wait here until their newline (or the buffer fills). */
struct stream {
	const char *name;
	int fd;          /* read end, -1 at EOF */
	int attach;      /* where an attached client gets it, -1: none */
	char buf[16384];
	size_t len;
};

static void stream_flush(struct stream *s, struct log_writer *w, bool all)
{
	size_t start = 0;
	for (size_t i = 0; i < s->len; i++)
		if (s->buf[i] == '\n') {
			log_writer_write(w, s->name, s->buf + start, i + 1 - start);
			start = i + 1;
		}
	if (all || (start == 0 && s->len == sizeof(s->buf))) {
		log_writer_write(w, s->name, s->buf + start, s->len - start);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
}

static void write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		b += r;
		n -= (size_t)r;
	}
}

/* One read: into the log, and to the client. Returns false at EOF. */
static bool stream_pump(struct stream *s, struct log_writer *w)
{
	ssize_t r = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0) {
		stream_flush(s, w, true);
		return false;
	}
	if (s->attach >= 0)
		write_all(s->attach, s->buf + s->len, (size_t)r);
	s->len += (size_t)r;
	stream_flush(s, w, false);
	return true;
}

static void record_state(struct ctr *c, const char *status, pid_t pid, int exit_code, const char *error,
			 bool started)
{
	json_t *s = rec_obj(c->rec, "State");
	_cleanup_free_ char *now = engine_now();
	json_object_set_new(s, "Status", json_string(status));
	json_object_set_new(s, "Running", json_boolean(!strcmp(status, "running")));
	json_object_set_new(s, "Pid", json_integer(pid));
	json_object_set_new(s, "MonitorPid", json_integer(!strcmp(status, "running") ? getpid() : 0));
	if (!strcmp(status, "running")) {
		json_object_set_new(s, "StartedAt", json_string(now));
		json_object_set_new(s, "ExitCode", json_integer(0));
		json_object_set_new(s, "Error", json_string(""));
	} else {
		json_object_set_new(s, "ExitCode", json_integer(exit_code));
		json_object_set_new(s, "Error", json_string(error ? error : ""));
		if (started)
			json_object_set_new(s, "FinishedAt", json_string(now));
	}
	struct hull_err *e = NULL;
	if (ctr_save(c, &e) < 0)
		log_error("%s", e->msg);
	hull_err_free(e);
	/* for a `wait` that outlives the record: --rm, or an `rm` between the exit and the waiter's turn */
	if (strcmp(status, "running") != 0)
		ctr_lock_note_exit(c, exit_code);
}

/* The container is gone: the client may return while its files are deleted. */
static void release_client(void)
{
	if (sync_fd >= 0)
		close(sync_fd);
	sync_fd = -1;
}

/* Remove the container after its exit (--rm): the record dir and its anonymous volumes. */
static void auto_remove(struct ctr *c)
{
	c->on_removed = release_client;
	struct hull_err *e = NULL;
	if (engine_remove(c, true, true, &e) < 0)
		log_error("--rm: %s", e->msg);
	hull_err_free(e);
}

static void set_winsize(int from, int master)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	if (master < 0)
		return;
	/* no client terminal to copy: docker's default size, so that programs asking get an answer */
	if (from < 0 || ioctl(from, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	ioctl(master, TIOCSWINSZ, &ws);
}

void engine_monitor_main(struct engine *e, struct ctr *c, int sfd, int attach_in, bool forward_stdin,
			 int attach_out, int attach_err, pid_t client)
{
	sync_fd = sfd;
	setsid();
	prctl(PR_SET_NAME, "hull-monitor");
	/* an external runtime's init is orphaned by its `create`: it must come to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	_cleanup_fd_ int client_fd = client > 0 ? (int)syscall(SYS_pidfd_open, client, 0) : -1;

	json_t *cfg = json_object_get(c->rec, "Config"), *hc = json_object_get(c->rec, "HostConfig");
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	bool open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
	bool auto_rm = json_is_true(json_object_get(hc, "AutoRemove"));
	struct hull_err *err = NULL;
	int code = ENGINE_EXIT_ERROR;
	pid_t pid = 0;
	int pidfd = -1, master = -1;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	struct log_writer lw = { .fd = -1 };
	bool created = false, in_runtime = false;
	struct spec *known = NULL; /* the runtime's parse of the spec, for its start and delete */
	const char *rt = ctr_runtime(c);
	bool none_net = !strcmp(ctr_network_mode(c), "none");

	_cleanup_fd_ int dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *lc = json_object_get(json_object_get(hc, "LogConfig"), "Config");
	_cleanup_free_ char *logname = xasprintf("%s-json.log", c->id);
	if (dirfd < 0 || log_writer_open(&lw, dirfd, logname, json_integer_value(json_object_get(lc, "max-size")),
					 (int)json_integer_value(json_object_get(lc, "max-file")), &err) < 0)
		goto fail;
	if (engine_rootfs_mount(c, &err) < 0)
		goto fail;
	uint64_t t = trace_begin();
	json_t *spec = engine_spec_generate(c, &err);
	if (!spec)
		goto fail;
	/* The built-in runtime takes the text in memory (and keeps its copy in its state dir); a --runtime
	 * binary reads the bundle's config.json. */
	_cleanup_free_ char *spec_s = json_dumps(spec, rt ? JSON_INDENT(1) : JSON_COMPACT);
	if (rt && engine_write_replace(dirfd, "config.json", spec_s, strlen(spec_s), &err) < 0) {
		json_decref(spec);
		goto fail;
	}
	trace_end(t, "generate the OCI spec");
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
	    (open_stdin && pipe2(in_pipe, O_CLOEXEC) < 0)) {
		hull_err_sys(&err, "pipe");
		goto fail;
	}
	int saved[3];
	for (int i = 0; i < 3; i++)
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
	dup2(open_stdin && !tty ? in_pipe[0] : devnull, 0);
	dup2(tty ? devnull : out_pipe[1], 1);
	dup2(tty ? devnull : err_pipe[1], 2);
	int r;
	/* A --runtime binary's init inherits dispositions and mask across fork and exec: it must not start
	 * with our ignored SIGTERM/SIGPIPE (a shell cannot even trap a signal ignored at entry). The built-in
	 * runtime's init resets them itself, and we keep ours: a SIGPIPE from a closed --trace pipe must not
	 * kill the monitor halfway through a create. */
	struct signal_state sst;
	if (rt)
		engine_signals_default(&sst);
	in_runtime = true;
	if (rt) {
		r = extrt_create(c, tty ? &master : NULL, &pid, &err);
	} else {
		struct create_opts co = { .root = e->runtime_root, .id = c->id, .bundle = c->dir,
					  .console_master = tty ? &master : NULL, .keep_spec = &known,
					  .config_text = spec_s, .config_len = strlen(spec_s), .config_doc = spec,
					  .loopback_up = none_net };
		r = container_create(&co, &pid, &pidfd, &err);
	}
	if (rt)
		engine_signals_restore(&sst);
	json_decref(spec);
	for (int i = 0; i < 3; i++) {
		dup2(saved[i] >= 0 ? saved[i] : devnull, i);
		if (saved[i] >= 0)
			close(saved[i]);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (in_pipe[0] >= 0)
		close(in_pipe[0]);
	in_pipe[0] = -1;
	if (r < 0)
		goto fail;
	created = true;
	in_runtime = false;
	if (pidfd < 0)
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* --network none with the built-in runtime: its init brought lo up already */
	if (!(none_net && !rt) && engine_network_setup(c, pid, &err) < 0)
		goto fail;
	if (tty)
		set_winsize(attach_in, master);
	in_runtime = true;
	if (rt) {
		char *argv[] = { (char *)rt, "--root", e->runtime_root, "start", c->id, NULL };
		r = extrt_run(rt, e->runtime_root, argv, &err);
	} else {
		r = container_start_with(e->runtime_root, c->id, known, &err);
	}
	if (r < 0)
		goto fail;
	t = trace_begin();
	record_state(c, "running", pid, 0, NULL, true);
	say("S %d", (int)pid);
	trace_end(t, "record running, tell the client");
	struct health health;
	if (health_start(&health, c, &err) < 0) {
		log_error("%s", err->msg); /* the container runs all the same, as docker's would */
		hull_err_free(err);
		err = NULL;
	}
	/* from here on errors go to the log file's neighbour, not to a terminal */
	dup2(devnull, 1);
	dup2(devnull, 2);

	struct stream so = { .name = "stdout", .fd = tty ? master : out_pipe[0], .attach = attach_out };
	struct stream se = { .name = "stderr", .fd = tty ? -1 : err_pipe[0], .attach = attach_err };
	int in_w = tty ? master : in_pipe[1];
	bool exited = false;
	int status = 0;
	struct timespec drain_deadline = { 0 };
	while (!exited || so.fd >= 0 || se.fd >= 0) {
		struct pollfd p[9] = {
			{ .fd = so.fd, .events = POLLIN }, { .fd = se.fd, .events = POLLIN },
			{ .fd = exited ? -1 : pidfd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN },
			{ .fd = forward_stdin && attach_in >= 0 && in_w >= 0 ? attach_in : -1, .events = POLLIN },
			{ .fd = client_fd, .events = POLLIN },
		};
		health_poll_fds(&health, &p[6]);
		int timeout = exited ? 100 : -1;
		int n = poll(p, 9, timeout);
		if (n < 0 && errno != EINTR)
			break;
		health_handle(&health, c, &p[6]);
		if (p[0].revents && !stream_pump(&so, &lw))
			so.fd = -1;
		if (p[1].revents && !stream_pump(&se, &lw))
			se.fd = -1;
		if (p[3].revents) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo == SIGWINCH && tty)
					set_winsize(attach_in, master);
		}
		if (p[4].revents) {
			char buf[4096];
			ssize_t k = read(attach_in, buf, sizeof(buf));
			if (k > 0) {
				write_all(in_w, buf, (size_t)k);
			} else {
				/* the client's stdin ended: so does the container's (a pty gets EOF as ^D) */
				if (tty)
					write_all(master, "\x04", 1);
				else {
					close(in_pipe[1]);
					in_pipe[1] = -1;
					in_w = -1;
				}
				attach_in = -1;
			}
		}
		if (p[5].revents) {
			/* the attached client died: stop writing to its terminal */
			so.attach = se.attach = -1;
			attach_in = -1;
			close(client_fd);
			client_fd = -1;
		}
		if (!exited && (p[2].revents || (pidfd < 0 && waitpid(pid, &status, WNOHANG) == pid))) {
			siginfo_t si = { 0 };
			if (pidfd >= 0 && waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0)
				status = si.si_code == CLD_EXITED ? si.si_status << 8 : si.si_status;
			exited = true;
			health_stop(&health);
			trace_end(trace_begin(), "container exited (status 0x%x)", status);
			clock_gettime(CLOCK_MONOTONIC, &drain_deadline);
			drain_deadline.tv_sec += 2;
		}
		if (exited) {
			/* the pid namespace died with its init; output still in the pipes is read, but a writer that
			 * escaped the namespace cannot hold us forever */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > drain_deadline.tv_sec || (tty && so.fd >= 0 && !(p[0].revents & POLLIN)))
				break;
		}
	}
	trace_end(trace_begin(), "output drained");
	stream_flush(&so, &lw, true);
	stream_flush(&se, &lw, true);
	/* reap whatever else came to us as subreaper */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	log_writer_close(&lw);
	if (auto_rm) {
		/* No record write: the exit code goes where `wait` finds it (the lock file), and a crash from
		 * here on leaves a "running" --rm container with a free lock, which the next command removes
		 * (record.c). The client has its exit code now and returns once the container is gone. */
		ctr_lock_note_exit(c, code);
		say("X %d", code);
		t = trace_begin();
		c->on_removed = release_client;
		if (engine_remove_exited(c, known, &err) < 0)
			log_error("--rm: %s", err->msg);
		trace_end(t, "--rm: remove the container");
		_exit(0);
	}
	t = trace_begin();
	engine_teardown_runtime_with(c, known, NULL);
	trace_end(t, "delete runtime state and cgroup");
	t = trace_begin();
	engine_rootfs_unmount(c);
	trace_end(t, "unmount rootfs");
	record_state(c, "exited", 0, code, NULL, true);
	say("X %d", code);
	_exit(0);

fail:
	/* 126/127 only for what the runtime says of the command; our own failures are 125 */
	code = in_runtime ? engine_start_error_code(err) : ENGINE_EXIT_ERROR;
	say("E %d %s", code, err && err->msg ? err->msg : "start failed");
	if (created && pid > 0) {
		kill(pid, SIGKILL);
	}
	engine_teardown_runtime_with(c, known, NULL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	engine_rootfs_unmount(c);
	log_writer_close(&lw);
	record_state(c, auto_rm ? "exited" : "created", 0, code, err && err->msg ? err->msg : "", false);
	hull_err_free(err);
	if (auto_rm)
		auto_remove(c);
	_exit(0);
}
