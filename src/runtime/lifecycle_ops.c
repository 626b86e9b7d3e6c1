/* lifecycle_ops.c — start, kill, delete of an existing container. See lifecycle.h. */
#include "runtime/rterr.h"
#include "runtime/lifecycle.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/hooks.h"
#include "runtime/state.h"
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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int sys_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
static int sys_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

/* A pidfd of the container's init, or -1 when that process is gone (the start time is checked after
 * opening, so the fd cannot refer to a recycled pid). */
static int init_pidfd(const struct container_state *st)
{
	if (st->pid <= 0)
		return -1;
	int fd = sys_pidfd_open(st->pid);
	if (fd < 0)
		return -1;
	if (!container_pid_alive(st->pid, st->pid_start)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

int container_start(const char *root, const char *id, struct hull_err **err)
{
	return container_start_with(root, id, NULL, err);
}

int container_start_with(const char *root, const char *id, const struct spec *known, struct hull_err **err)
{
	_cleanup_container_ struct container *c = container_open(root, id, true, err);
	if (!c)
		return -1;
	enum container_status s = container_status(c);
	if (s == STATUS_STOPPED)
		return rt_err(err, EINVAL, "cannot start a container that has stopped");
	if (s != STATUS_CREATED)
		return rt_err(err, EINVAL, "cannot start an already running container");
	uint64_t t = trace_begin();
	_cleanup_fd_ int pidfd = init_pidfd(&c->st);
	if (pidfd < 0)
		return rt_err(err, ESRCH, "cannot start a container that has stopped");
	_cleanup_fd_ int ack = openat(c->dirfd, HULL_ACK_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ack < 0)
		return hull_err_sys(err, "open %s", HULL_ACK_FIFO);
	/* Non-blocking: with no reader (the init died) this fails with ENXIO instead of hanging. */
	_cleanup_fd_ int fd = openat(c->dirfd, HULL_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			return rt_err(err, ESRCH, "cannot start a container that has stopped");
		return hull_err_sys(err, "open %s", HULL_EXEC_FIFO);
	}
	if (write(fd, "0", 1) != 1)
		return hull_err_sys(err, "signal the container's init to start");
	unlinkat(c->dirfd, HULL_EXEC_FIFO, 0);
	/* The init acks once the startContainer hooks ran, just before execve; if it dies instead (a failed
	 * hook: its error is on the container's stderr), the pidfd says so. */
	struct pollfd p[2] = { { .fd = ack, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	int r;
	do
		r = poll(p, 2, -1);
	while (r < 0 && errno == EINTR);
	unlinkat(c->dirfd, HULL_ACK_FIFO, 0);
	if (r < 0)
		return hull_err_sys(err, "wait for the container's process to start");
	if (!(p[0].revents & POLLIN))
		return rt_err(err, ECHILD, "container init exited before starting the container's process");
	trace_end(t, "start signal");

	struct hull_err *e = NULL;
	struct spec *loaded = known ? NULL : container_load_spec(c, &e);
	const struct spec *spec = known ? known : loaded;
	if (spec && spec->n_hooks[HOOK_POSTSTART]) {
		_cleanup_free_ char *state = container_state_json(&c->st, STATUS_RUNNING, false, "");
		if (hooks_run_kind(spec, HOOK_POSTSTART, state, &e) < 0)
			log_warn("%s", e->msg); /* runtime.md: a poststart failure is logged, the container runs on */
	}
	hull_err_free(e);
	spec_free(loaded);
	return 0;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct hull_err **err)
{
	_cleanup_container_ struct container *c = container_open(root, id, true, err);
	if (!c)
		return -1;
	enum container_status s = container_status(c);
	if (s == STATUS_STOPPED && !all)
		return rt_err(err, ESRCH, "container not running");
	if (all) {
		if (!c->st.cgroup_path)
			return rt_err(err, EINVAL, "container %s has no cgroup", id);
		struct cgroup *cg = cgroup_open(NULL, c->st.cgroup_path, false, err);
		if (!cg)
			return -1;
		int r = cgroup_kill(cg, sig, err);
		cgroup_free(cg);
		return r;
	}
	_cleanup_fd_ int pidfd = init_pidfd(&c->st);
	if (pidfd < 0)
		return rt_err(err, ESRCH, "container not running");
	if (sys_pidfd_send_signal(pidfd, sig) < 0)
		return hull_err_sys(err, "unable to signal init");
	return 0;
}

/* Kill every process of the cgroup and wait until it is empty (rmdir needs that). */
static int empty_cgroup(struct cgroup *cg, struct hull_err **err)
{
	for (int round = 0; round < 200; round++) {
		pid_t *pids = NULL;
		size_t n = 0;
		if (cgroup_pids(cg, &pids, &n, err) < 0)
			return -1;
		free(pids);
		if (n == 0)
			return 0;
		if (round % 20 == 0 && cgroup_kill(cg, SIGKILL, err) < 0)
			return -1;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return rt_err(err, EBUSY, "processes of the container's cgroup did not exit");
}

/* Thaw, empty and remove the container's cgroup; frees cg. */
static int remove_cgroup(struct cgroup *cg, const char *id, struct hull_err **err)
{
	if (cgroup_is_frozen(cg) > 0)
		cgroup_freeze(cg, false, NULL);
	int r = empty_cgroup(cg, err);
	if (r == 0)
		r = cgroup_destroy(cg, err);
	cgroup_free(cg);
	return r < 0 ? hull_err_wrap(err, "delete %s", id) : 0;
}

/* The remains of a create that died before writing state.json: only removable with --force. The config
 * copy (written early) names the cgroup create may have made; its processes are killed, then it goes. */
static int delete_remains(const char *root, const char *id, struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, id);
	_cleanup_fd_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rt_err(err, ENOENT, "container does not exist");
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return rt_err(err, EBUSY, "container %s is being created", id);
	size_t len;
	struct hull_err *e = NULL;
	_cleanup_free_ char *text = fs_read_file_at(fd, HULL_CONFIG_COPY, &len, &e);
	struct spec *spec = text ? spec_parse(text, len, "config.json", &e) : NULL;
	_cleanup_free_ char *cg_path = spec && spec->linux_ ? cgroup_resolve_path(spec->linux_->cgroups_path, id, &e)
							   : NULL;
	spec_free(spec);
	struct cgroup *cg = cg_path ? cgroup_open(NULL, cg_path, false, &e) : NULL;
	hull_err_free(e);
	if (cg && remove_cgroup(cg, id, err) < 0)
		return -1;
	_cleanup_fd_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? hull_err_sys(err, "open %s", root) : fs_rmtree_at(rootfd, id, err);
}

int container_delete(const char *root, const char *id, bool force, struct hull_err **err)
{
	return container_delete_with(root, id, force, NULL, err);
}

int container_delete_with(const char *root, const char *id, bool force, const struct spec *known,
			  struct hull_err **err)
{
	struct hull_err *oerr = NULL;
	_cleanup_container_ struct container *c = container_open(root, id, true, &oerr);
	if (!c) {
		if (force && oerr && oerr->errnum == ENOENT && container_id_validate(id, NULL) == 0) {
			hull_err_free(oerr);
			return delete_remains(root, id, err);
		}
		return hull_err_pass(err, &oerr);
	}
	enum container_status s = container_status(c);
	if ((s == STATUS_RUNNING || s == STATUS_PAUSED) && !force)
		return rt_err(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
				    container_status_names[s]);
	uint64_t t = trace_begin();
	struct cgroup *cg = NULL;
	if (c->st.cgroup_path) {
		struct hull_err *e = NULL;
		cg = cgroup_open(NULL, c->st.cgroup_path, false, &e);
		if (!cg)
			log_debug("delete %s: cgroup: %s", id, e->msg);
		hull_err_free(e);
	}
	if (s != STATUS_STOPPED) {
		_cleanup_fd_ int pidfd = init_pidfd(&c->st);
		if (pidfd >= 0) {
			sys_pidfd_send_signal(pidfd, SIGKILL);
			if (s == STATUS_PAUSED && cg)
				cgroup_freeze(cg, false, NULL);
			if (!wait_exit(pidfd, 5000)) {
				cgroup_free(cg);
				return rt_err(err, EBUSY, "container %s: init did not exit after SIGKILL", id);
			}
		}
	}
	if (cg && remove_cgroup(cg, id, err) < 0)
		return -1;
	trace_end(t, "stop and remove cgroup");

	struct hull_err *e = NULL;
	struct spec *loaded = known ? NULL : container_load_spec(c, &e);
	const struct spec *spec = known ? known : loaded;
	if (spec && spec->n_hooks[HOOK_POSTSTOP]) {
		_cleanup_free_ char *state = container_state_json(&c->st, STATUS_STOPPED, false, "");
		if (hooks_run_kind(spec, HOOK_POSTSTOP, state, &e) < 0)
			log_warn("%s", e->msg); /* runtime.md: poststop failures are warnings */
	}
	hull_err_free(e);
	spec_free(loaded);

	_cleanup_fd_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_err_sys(err, "open %s", root);
	return fs_rmtree_at(rootfd, id, err) < 0 ? hull_err_wrap(err, "delete %s", id) : 0;
}

int container_set_frozen(const char *root, const char *id, bool freeze, struct hull_err **err)
{
	_cleanup_container_ struct container *ct = container_open(root, id, true, err);
	if (!ct)
		return -1;
	enum container_status s = container_status(ct);
	/* runc: a created container can be paused too; resume only from paused. */
	if (freeze && s != STATUS_RUNNING && s != STATUS_CREATED)
		return rt_err(err, EINVAL, "container not running");
	if (!freeze && s != STATUS_PAUSED)
		return rt_err(err, EINVAL, "container not paused");
	if (!ct->st.cgroup_path)
		return rt_err(err, ENOENT, "container %s has no cgroup", ct->st.id);
	struct cgroup *cg = cgroup_open(NULL, ct->st.cgroup_path, false, err);
	if (!cg)
		return -1;
	uint64_t t = trace_begin();
	int r = cgroup_freeze(cg, freeze, err);
	trace_end(t, "%s cgroup %s", freeze ? "freeze" : "thaw", ct->st.cgroup_path);
	cgroup_free(cg);
	return r;
}
