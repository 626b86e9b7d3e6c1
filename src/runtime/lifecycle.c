/* lifecycle.c — create, start, kill, delete. See lifecycle.h. */
#include "runtime/rterr.h"
#include "runtime/lifecycle.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/launch.h"
#include "runtime/netdev.h"
#include "runtime/plan.h"
#include "runtime/seccomp.h"
#include "runtime/selfseal.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int write_pid_file(const char *path, pid_t pid, struct hull_err **err)
{
	_cleanup_free_ char *dup = xstrdup(path);
	char *slash = strrchr(dup, '/');
	const char *dir = ".", *name = dup;
	if (slash) {
		*slash = 0;
		dir = slash == dup ? "/" : dup;
		name = slash + 1;
	}
	_cleanup_fd_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "--pid-file %s", path);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (fs_write_replace(dfd, name, buf, (size_t)n, 0644, err) < 0)
		return hull_err_wrap(err, "--pid-file %s", path);
	return 0;
}

int console_socket_connect(const char *path, struct hull_err **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return rt_err(err, ENAMETOOLONG, "--console-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_err_sys(err, "--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		hull_err_sys(err, "--console-socket %s: connect", path);
		close(fd);
		return -1;
	}
	return fd;
}

int console_channel_open(const char *console_socket, int *sock, int *peer, struct hull_err **err)
{
	*sock = *peer = -1;
	if (console_socket)
		return (*sock = console_socket_connect(console_socket, err)) < 0 ? -1 : 0;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return hull_err_sys(err, "socketpair");
	*peer = sp[0];
	*sock = sp[1];
	return 0;
}

struct create_ctx {
	struct container *c;
};

static char *hook_state(void *arg, pid_t pid, const char *status)
{
	struct create_ctx *cc = arg;
	cc->c->st.pid = pid;
	enum container_status s = STATUS_CREATING;
	for (int i = 0; i <= STATUS_STOPPED; i++)
		if (!strcmp(container_status_names[i], status))
			s = (enum container_status)i;
	return container_state_json(&cc->c->st, s, false, "");
}

int check_apparmor(const char *profile, const char *what, struct hull_err **err)
{
	if (!profile || !*profile)
		return 0;
	/* runc fails too when a profile is asked for and cannot be applied; applying one is not implemented
	 * here (this host has no AppArmor to test it on). */
	_cleanup_free_ char *on = fs_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", NULL, NULL);
	if (!on || on[0] != 'Y')
		return rt_err(err, EINVAL, "%s: \"%s\": AppArmor is not enabled on this host", what, profile);
	return rt_err(err, ENOTSUP, "%s: \"%s\": applying AppArmor profiles is not implemented", what, profile);
}

int check_selinux(const char *label, const char *what, struct hull_err **err)
{
	if (!label || !*label)
		return 0;
	/* As runc: a label on a host without SELinux is an error, not a confinement silently dropped.
	 * selinuxfs is where libselinux looks too. */
	if (access("/sys/fs/selinux/enforce", F_OK) < 0)
		return rt_err(err, EINVAL, "%s: \"%s\": SELinux is not enabled on this host", what, label);
	return rt_err(err, ENOTSUP, "%s: \"%s\": applying SELinux labels is not implemented", what, label);
}

/* runc's rootless rule: a container run by a non-root user goes without a cgroup when it may not make one
 * (no delegated subtree) and its config asks for no limit; limits asked for and not applied would be a
 * silent lie, so then the error stands. */
static bool rootless_without_cgroup(const struct spec *spec, const struct hull_err *cgerr)
{
	if (geteuid() == 0 || !cgerr || spec->linux_->has_resources)
		return false;
	return cgerr->errnum == EACCES || cgerr->errnum == EPERM || cgerr->errnum == EROFS;
}

/* linux.mountLabel only names the SELinux context of the container's files: on a host without SELinux no
 * policy reads file labels, so nothing is lost by not applying it (crun ignores it too; engines such as
 * podman fill it in whenever they can). A process label is different — it is confinement, refused above. */
static int check_mount_label(const char *label, struct hull_err **err)
{
	if (!label || !*label)
		return 0;
	if (access("/sys/fs/selinux/enforce", F_OK) < 0) {
		log_debug("linux.mountLabel \"%s\" ignored: SELinux is not enabled on this host", label);
		return 0;
	}
	return check_selinux(label, "config.json: linux.mountLabel", err);
}

static char *resolve_rootfs(const char *bundle, const struct spec *s, struct hull_err **err)
{
	if (!s->root_path || !*s->root_path) {
		rt_err(err, EINVAL, "config.json: root.path: required");
		return NULL;
	}
	_cleanup_free_ char *joined = s->root_path[0] == '/' ? xstrdup(s->root_path)
							     : xasprintf("%s/%s", bundle, s->root_path);
	char *real = realpath(joined, NULL);
	if (!real) {
		hull_err_sys(err, "config.json: root.path: %s", joined);
		return NULL;
	}
	struct stat sb;
	if (stat(real, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rt_err(err, ENOTDIR, "config.json: root.path: %s: not a directory", real);
		free(real);
		return NULL;
	}
	return real;
}

/* Everything create made, undone in reverse (the init, the cgroup, the state dir). */
struct rollback {
	int rootfd;
	const char *id;
	bool dir_made;
	struct cgroup *cg;
	bool cg_made;
	pid_t pid;
	bool launched;                /* the init existed: poststop hooks are due */
	const struct spec *spec;
	struct container *c;
};

static void rollback_run(struct rollback *rb)
{
	if (rb->pid > 0) {
		kill(rb->pid, SIGKILL);
		while (waitpid(rb->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (rb->launched) {
		/* The container reached the runtime's namespaces: runtime.md asks for poststop after a failed
		 * create as after a delete. */
		if (rb->spec && rb->c) {
			_cleanup_free_ char *state = container_state_json(&rb->c->st, STATUS_STOPPED, false, "");
			struct hull_err *e = NULL;
			if (hooks_run_kind(rb->spec, HOOK_POSTSTOP, state, &e) < 0)
				log_warn("%s", e->msg);
			hull_err_free(e);
		}
	}
	if (rb->cg && rb->cg_made) {
		struct hull_err *e = NULL;
		if (cgroup_destroy(rb->cg, &e) < 0)
			log_warn("rollback: %s", e->msg);
		hull_err_free(e);
	}
	if (rb->dir_made) {
		struct hull_err *e = NULL;
		if (fs_rmtree_at(rb->rootfd, rb->id, &e) < 0)
			log_warn("rollback: %s", e->msg);
		hull_err_free(e);
	}
}

int container_create(const struct create_opts *o, pid_t *pid_out, int *pidfd_out, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (container_id_validate(o->id, err) < 0)
		return -1;
	_cleanup_free_ char *bundle = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!bundle)
		return hull_err_sys(err, "bundle %s", o->bundle ? o->bundle : ".");
	_cleanup_free_ char *cfg_path = xasprintf("%s/config.json", bundle);
	size_t cfg_len = o->config_len;
	struct hull_err *rerr = NULL;
	_cleanup_free_ char *cfg_read = o->config_text ? NULL : fs_read_file_at(AT_FDCWD, cfg_path, &cfg_len, &rerr);
	const char *cfg_text = o->config_text ? o->config_text : cfg_read;
	if (!cfg_text) {
		bool missing = rerr && rerr->errnum == ENOENT;
		hull_err_free(rerr);
		if (missing)
			return rt_err(err, ENOENT, "JSON specification file config.json not found");
		return hull_err_sys(err, "read %s", cfg_path);
	}
	struct spec *spec = o->config_doc && o->config_text ? spec_parse_doc(o->config_doc, "config.json", err)
							    : spec_parse(cfg_text, cfg_len, "config.json", err);
	if (!spec)
		return -1;
	if (selfseal_needed(spec) && selfseal_ensure(0, NULL, NULL, err) < 0) {
		spec_free(spec);
		return -1;
	}
	trace_end(t, "parse config.json");
	if (o->argv && selfseal_needed(spec)) {
		/* Before anything exists on the host: on success this does not return (CVE-2019-5736). */
		extern char **environ;
		if (selfseal_ensure(o->argc, o->argv, environ, err) < 0) {
			spec_free(spec);
			return -1;
		}
	}
	int ret = -1;
	struct rollback rb = { .rootfd = -1, .id = o->id };
	struct container *c = NULL;
	struct seccomp_prog *sc = NULL;
	int fifo_fd = -1, ack_fd = -1, console_sock = -1, console_peer = -1;
	_cleanup_free_ char *rootfs = NULL;
	_cleanup_free_ char *cg_path = NULL;
	struct launch L = { .spec = spec, .proc = spec->process, .id = o->id, .bundle = bundle,
			    .no_pivot = o->no_pivot, .no_new_keyring = o->no_new_keyring, .loopback_up = o->loopback_up,
			    .preserve_fds = o->preserve_fds + o->listen_fds, .console_sock = -1, .fifo_fd = -1, .ack_fd = -1,
			    .close_in_child = -1, .pidfd = -1 };

	if (!spec->process) {
		rt_err(err, EINVAL, "config.json: process: required to create a container");
		goto out;
	}
	if (!spec->linux_) {
		rt_err(err, EINVAL, "config.json: linux: required to create a container");
		goto out;
	}
	if (o->listen_fds > 0) {
		/* socket activation passes through, as runc does: the container's pid 1 owns the fds. */
		struct spec_process *p = spec->process;
		p->env = xrealloc(p->env, (p->n_env + 3) * sizeof(char *));
		p->env[p->n_env++] = xasprintf("LISTEN_FDS=%d", o->listen_fds);
		p->env[p->n_env++] = xstrdup("LISTEN_PID=1");
		p->env[p->n_env] = NULL;
	}
	if (check_apparmor(spec->process->apparmor_profile, "config.json: process.apparmorProfile", err) < 0)
		goto out;
	if (check_selinux(spec->process->selinux_label, "config.json: process.selinuxLabel", err) < 0 ||
	    check_mount_label(spec->linux_->mount_label, err) < 0)
		goto out;
	if (spec->linux_->n_net_devices && !spec_find_namespace(spec, NS_NETWORK)) {
		rt_err(err, EINVAL, "config.json: linux.netDevices: the container shares the runtime's network "
				    "namespace: there is nowhere to move them");
		goto out;
	}
	if (!(rootfs = resolve_rootfs(bundle, spec, err)))
		goto out;
	L.rootfs = rootfs;
	if (plan_build(spec, &L.plan, err) < 0)
		goto out;
	/* Without a mount namespace the mounts are made in a private one the init leaves again (rootfs.h);
	 * from inside a user namespace it could not go back to the runtime's. */
	if (L.plan.userns && !spec_find_namespace(spec, NS_MOUNT)) {
		rt_err(err, EINVAL, "config.json: linux.namespaces: a user namespace needs a \"mount\" namespace too "
				    "(the container's mounts would otherwise go into the runtime's mount namespace)");
		goto out;
	}
	if (hull_trace_fd >= 0) {
		_cleanup_free_ char *d = plan_describe(&L.plan, spec);
		trace_end(0, "plan: %s", d);
	}
	if (spec->process->terminal && !o->console_socket && !o->console_master) {
		rt_err(err, EINVAL, "cannot allocate tty if hullrt will detach without setting console socket");
		goto out;
	}
	if (!spec->process->terminal && o->console_socket) {
		rt_err(err, EINVAL, "cannot use console socket if hullrt will not detach or allocate tty");
		goto out;
	}

	/* Claim the id: mkdir is the atomic test-and-set. */
	t = trace_begin();
	if (fs_mkdir_p(o->root, 0711, err) < 0)
		goto out;
	rb.rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rb.rootfd < 0) {
		hull_err_sys(err, "open %s", o->root);
		goto out;
	}
	if (mkdirat(rb.rootfd, o->id, 0711) < 0) {
		if (errno == EEXIST)
			rt_err(err, EEXIST, "container with id exists: %s", o->id);
		else
			hull_err_sys(err, "mkdir %s/%s", o->root, o->id);
		goto out;
	}
	rb.dir_made = true;
	c = xcalloc(1, sizeof(*c));
	c->root = xstrdup(o->root);
	c->dirfd = openat(rb.rootfd, o->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dirfd < 0 || flock(c->dirfd, LOCK_EX) < 0) {
		hull_err_sys(err, "lock %s/%s", o->root, o->id);
		goto out;
	}
	c->locked = true;
	rb.c = c;
	L.close_in_child = c->dirfd;
	if (fs_write_replace(c->dirfd, HULL_CONFIG_COPY, cfg_text, cfg_len, 0600, err) < 0)
		goto out;
	/* O_RDWR never blocks on a fifo: the init reads its go from exec.fifo and writes its ack (hooks
	 * done, execve next) into exec.ack, so `start` returns once the process runs, as poststart wants. */
	if (mkfifoat(c->dirfd, HULL_EXEC_FIFO, 0600) < 0 || mkfifoat(c->dirfd, HULL_ACK_FIFO, 0600) < 0) {
		hull_err_sys(err, "mkfifo in the state dir");
		goto out;
	}
	fifo_fd = openat(c->dirfd, HULL_EXEC_FIFO, O_RDWR | O_CLOEXEC);
	ack_fd = openat(c->dirfd, HULL_ACK_FIFO, O_RDWR | O_CLOEXEC);
	if (fifo_fd < 0 || ack_fd < 0) {
		hull_err_sys(err, "open the start fifos");
		goto out;
	}
	L.fifo_fd = fifo_fd;
	L.ack_fd = ack_fd;
	struct container_state *st = &c->st;
	st->id = xstrdup(o->id);
	st->bundle = xstrdup(bundle);
	st->rootfs = xstrdup(rootfs);
	st->created = rfc3339_now();
	st->owner = geteuid();
	st->ns_mask = L.plan.ns_mask;
	if (spec->n_annotations) {
		st->annotations = xcalloc(spec->n_annotations, sizeof(*st->annotations));
		for (size_t i = 0; i < spec->n_annotations; i++) {
			st->annotations[i].key = xstrdup(spec->annotations[i].key);
			st->annotations[i].value = xstrdup(spec->annotations[i].value);
		}
		st->n_annotations = spec->n_annotations;
	}
	trace_end(t, "state dir %s/%s", o->root, o->id);

	t = trace_begin();
	if (!(cg_path = cgroup_resolve_path(spec->linux_->cgroups_path, o->id, err)))
		goto out;
	st->cgroup_path = xstrdup(cg_path);
	/* From here `state` says "creating" (and a crash leaves a record delete understands). */
	st->creating = true;
	if (container_state_save(c, err) < 0)
		goto out;
	struct hull_err *cgerr = NULL;
	if ((rb.cg = cgroup_open(NULL, cg_path, true, &cgerr))) {
		rb.cg_made = true;
		if (cgroup_apply(rb.cg, spec->linux_->has_resources ? &spec->linux_->resources : NULL, false, err) < 0)
			goto out;
		L.cg = rb.cg;
		trace_end(t, "cgroup %s", cg_path);
	} else if (rootless_without_cgroup(spec, cgerr)) {
		log_debug("rootless: no cgroup (%s)", cgerr->msg);
		hull_err_free(cgerr);
		free(st->cgroup_path); /* none: delete, ps, pause… know there is none */
		st->cgroup_path = NULL;
		trace_end(t, "cgroup: none (rootless, none delegated)");
	} else {
		hull_err_pass(err, &cgerr);
		goto out;
	}

	if (spec->linux_->seccomp) {
		t = trace_begin();
		_cleanup_free_ char *cache = xasprintf("%s/seccomp-cache", o->root);
		if (!(sc = seccomp_prepare(spec->linux_->seccomp, cache, err))) {
			hull_err_wrap(err, "config.json: linux.seccomp");
			goto out;
		}
		L.seccomp = sc;
		trace_end(t, "seccomp prepare (%s)", sc->cache_hit ? "cache hit" : "compiled");
	}

	if (spec->process->terminal) {
		if (console_channel_open(o->console_socket, &console_sock, &console_peer, err) < 0)
			goto out;
		L.console_sock = console_sock;
	}

	L.state_json = hook_state;
	struct create_ctx cc = { .c = c };
	L.state_arg = &cc;
	rb.spec = spec;
	int launched = launch_spawn(&L, err);
	rb.launched = L.cloned;
	if (launched < 0)
		goto out;
	rb.pid = L.pid;
	st->pid = L.pid;
	st->pid_start = proc_pid_starttime(L.pid);
	if (spec->linux_->n_net_devices) {
		/* the init waits for start: its network namespace exists, whichever way it was made */
		_cleanup_free_ char *ns = xasprintf("/proc/%d/ns/net", (int)L.pid);
		_cleanup_fd_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			hull_err_sys(err, "open %s", ns);
			goto out;
		}
		if (netdev_move_all(spec->linux_->net_devices, spec->linux_->n_net_devices, nsfd, err) < 0)
			goto out;
	}
	if (console_peer >= 0) {
		int m = console_recv_master(console_peer, NULL, 0, err);
		if (m < 0)
			goto out;
		*o->console_master = m;
	}
	t = trace_begin();
	st->creating = false;
	if (container_state_save(c, err) < 0)
		goto out;
	if (o->pid_file && write_pid_file(o->pid_file, L.pid, err) < 0)
		goto out;
	trace_end(t, "state.json, pid file");
	if (pid_out)
		*pid_out = L.pid;
	if (pidfd_out) {
		*pidfd_out = L.pidfd;
		L.pidfd = -1;
	}
	rb.pid = 0;
	rb.dir_made = false;
	rb.cg_made = false;
	ret = 0;
out:
	if (ret < 0) {
		rollback_run(&rb);
		if (o->console_master && *o->console_master >= 0) {
			close(*o->console_master);
			*o->console_master = -1;
		}
	}
	if (L.pidfd >= 0)
		close(L.pidfd);
	if (rb.cg)
		cgroup_free(rb.cg);
	if (rb.rootfd >= 0)
		close(rb.rootfd);
	if (fifo_fd >= 0)
		close(fifo_fd);
	if (ack_fd >= 0)
		close(ack_fd);
	if (console_sock >= 0)
		close(console_sock);
	if (console_peer >= 0)
		close(console_peer);
	seccomp_prog_free(sc);
	container_close(c);
	if (ret == 0 && o->keep_spec)
		*o->keep_spec = spec;
	else
		spec_free(spec);
	return ret;
}
