/* launch.c — the parent side of a container process's birth. See launch.h. */
#include "runtime/rterr.h"
#include "runtime/launch.h"
#include "cgroup/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_MAX 65536

int launch_send(int sock, enum launch_msg type, const char *payload, int fd)
{
	size_t len = payload ? strlen(payload) : 0;
	if (len > MSG_MAX - 8)
		len = MSG_MAX - 8;
	char *buf = xmalloc(len + 4);
	uint32_t t = (uint32_t)type;
	memcpy(buf, &t, 4);
	if (len)
		memcpy(buf + 4, payload, len);
	struct iovec iov = { .iov_base = buf, .iov_len = len + 4 };
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(buf);
	return n < 0 ? -1 : 0;
}

int launch_recv(int sock, char **payload, int *fd)
{
	*payload = NULL;
	if (fd)
		*fd = -1;
	char *buf = xmalloc(MSG_MAX + 1);
	struct iovec iov = { .iov_base = buf, .iov_len = MSG_MAX };
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || n < 4) {
		free(buf);
		return n == 0 ? 0 : -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	uint32_t t;
	memcpy(&t, buf, 4);
	buf[n] = 0;
	memmove(buf, buf + 4, (size_t)n - 4 + 1);
	*payload = buf;
	return (int)t;
}

static int write_map(pid_t pid, const char *file, const struct spec_idmapping *m, size_t n, struct hull_err **err)
{
	char path[64], buf[4096];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf) - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
					 m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	uint64_t t = trace_begin();
	if (fs_write_file_at(AT_FDCWD, path, buf, err) < 0)
		return hull_err_wrap(err, "write %s", file);
	trace_end(t, "write %s", file);
	return 0;
}

static int write_maps(const struct launch *L, struct hull_err **err)
{
	const struct spec_linux *l = L->spec->linux_;
	if (geteuid() != 0) {
		/* An unprivileged writer of gid_map must give up setgroups first (user_namespaces(7)). */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)L->pid);
		if (fs_write_file_at(AT_FDCWD, path, "deny", err) < 0)
			return -1;
	}
	if (write_map(L->pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0 ||
	    write_map(L->pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0)
		return hull_err_wrap(err, "user namespace");
	return 0;
}

/* Open every namespace path before anything moves (a path may live in a namespace we leave). */
static int open_joins(struct launch *L, struct hull_err **err)
{
	for (size_t i = 0; i < L->plan.n_joins; i++) {
		struct plan_join *j = &L->plan.joins[i];
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0)
			return hull_err_sys(err, "config.json: linux.namespaces: %s: open %s", spec_ns_type_names[j->type],
					    j->path);
	}
	return 0;
}

static void close_joins(struct launch *L)
{
	for (size_t i = 0; i < L->plan.n_joins; i++)
		if (L->plan.joins[i].fd >= 0) {
			close(L->plan.joins[i].fd);
			L->plan.joins[i].fd = -1;
		}
}

static pid_t do_clone3(struct launch *L, int *pidfd, bool *into_cgroup, struct hull_err **err)
{
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = L->is_exec ? 0 : L->plan.clone_flags;
	ca.flags |= CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	/* CLONE_INTO_CGROUP reaches the unified hierarchy only: on a hybrid host the v1 controllers (where the
	 * limits live) are joined by the child itself (launch_self_attach) or else by cgroup_add_pid, which
	 * covers the unified one too. */
	int cgfd = L->cg && (launch_self_attach(L) || cgroup_detect(NULL) == CGROUP_LAYOUT_V2) ? cgroup_v2_fd(L->cg)
											     : -1;
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	uint64_t t = trace_begin();
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r < 0 && cgfd >= 0 && (errno == EINVAL || errno == EOPNOTSUPP || errno == EBUSY)) {
		/* A v2 cgroup with controllers in a threaded or domain-invalid state refuses direct entry:
		 * fall back to joining after the clone. */
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		cgfd = -1;
		r = syscall(SYS_clone3, &ca, sizeof(ca));
	}
	bool legacy = r < 0 && errno == ENOSYS && cgfd < 0;
	if (legacy) {
		/* clone3 filtered away (docker's default seccomp profile answers ENOSYS, so does valgrind):
		 * clone(2) does the same with these flags, the pidfd coming back through parent_tid. */
		r = syscall(SYS_clone, (unsigned long)ca.flags | SIGCHLD, NULL, pidfd, NULL, NULL);
	}
	if (r < 0) {
		hull_err_sys(err, "clone3");
		return -1;
	}
	if (r == 0)
		return 0;
	*into_cgroup = cgfd >= 0;
	trace_end(t, "%s flags 0x%llx%s -> pid %ld", legacy ? "clone (clone3: ENOSYS)" : "clone3",
		  (unsigned long long)ca.flags, cgfd >= 0 ? " into cgroup" : "", r);
	return (pid_t)r;
}

/* The parent's answer to each child request until the child is ready (create) or has execve'd (exec). */
static int handshake(struct launch *L, int sock, struct hull_err **err)
{
	for (;;) {
		_cleanup_free_ char *payload = NULL;
		_cleanup_fd_ int fd = -1;
		int type = launch_recv(sock, &payload, &fd);
		if (type == 0) {
			if (L->is_exec)
				return 0; /* the socket closed on execve */
			int status = 0;
			waitpid(L->pid, &status, 0);
			L->pid = 0;
			return rt_err(err, ECHILD, "container init exited during setup (%s %d)",
					    WIFSIGNALED(status) ? "signal" : "status",
					    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		}
		if (type < 0)
			return hull_err_sys(err, "read from container init");
		switch (type) {
		case MSG_ERROR:
			return rt_err(err, 0, "%s", payload);
		case MSG_PID: {
			/* The init forked into its pid namespace (CLONE_PARENT: still our child); the first
			 * process exits. */
			pid_t init = (pid_t)atoi(payload);
			int init_fd = (int)syscall(SYS_pidfd_open, init, 0);
			if (init <= 0 || init_fd < 0)
				return hull_err_sys(err, "container init %d", (int)init);
			while (waitpid(L->pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(L->pidfd);
			L->pid = init;
			L->pidfd = init_fd;
			break;
		}
		case MSG_HOOKS: {
			_cleanup_free_ char *state = L->state_json(L->state_arg, L->pid, "creating");
			/* prestart is the deprecated hook runtime-spec 1.0 ran from `start`, with the container
			 * "created"; its users (and the OCI validation suite, and crun) read that status on stdin.
			 * createRuntime is 1.2's and sees the lifecycle as it is: "creating". */
			_cleanup_free_ char *prestart_state = L->state_json(L->state_arg, L->pid, "created");
			uint64_t t = trace_begin();
			if (hooks_run_kind(L->spec, HOOK_PRESTART, prestart_state, err) < 0 ||
			    hooks_run_kind(L->spec, HOOK_CREATE_RUNTIME, state, err) < 0)
				return -1;
			trace_end(t, "hooks prestart, createRuntime");
			if (launch_send(sock, MSG_HOOKS_DONE, state, -1) < 0)
				return hull_err_sys(err, "write to container init");
			break;
		}
		case MSG_READY:
			if (fd >= 0 && L->spec->linux_ && L->spec->linux_->seccomp &&
			    L->spec->linux_->seccomp->listener_path) {
				const struct spec_seccomp *sc = L->spec->linux_->seccomp;
				_cleanup_free_ char *state = L->state_json(L->state_arg, L->pid, "creating");
				if (seccomp_send_listener(sc->listener_path, sc->listener_metadata, state, fd, L->pid,
							  err) < 0)
					return hull_err_wrap(err, "linux.seccomp.listenerPath");
			}
			if (!L->is_exec)
				return 0;
			break;
		default:
			return rt_err(err, EPROTO, "container init: unexpected message %d", type);
		}
	}
}

int launch_spawn(struct launch *L, struct hull_err **err)
{
	int sp[2];
	L->pid = 0;
	L->pidfd = -1;
	if (!L->is_exec && open_joins(L, err) < 0) {
		close_joins(L);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		close_joins(L);
		return hull_err_sys(err, "socketpair");
	}
	_cleanup_fd_ int sock = sp[0];
	_cleanup_fd_ int own_pidns = -1;
	/* Rootless exec: joining the container's pid namespace (below) and the others (in the child) needs
	 * a capability in the user namespace that owns them, which its owner, we, have once inside it; the
	 * child is born there. This process never goes back (it only waits for the child). */
	if (L->is_exec && geteuid() != 0 && (L->exec_ns_flags & CLONE_NEWUSER)) {
		if (setns(L->exec_pidfd, CLONE_NEWUSER) < 0) {
			close(sp[1]);
			return hull_err_sys(err, "join the container's user namespace");
		}
		L->exec_user_joined = true;
	}
	int pid_target = L->is_exec ? ((L->exec_ns_flags & CLONE_NEWPID) ? L->exec_pidfd : -1)
				    : (L->plan.join_pid ? L->plan.joins[L->plan.pid_join_index].fd : -1);
	if (pid_target >= 0) {
		/* pid_for_children only: the parent itself stays where it is. */
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0 || setns(pid_target, CLONE_NEWPID) < 0) {
			hull_err_sys(err, "join pid namespace");
			close(sp[1]);
			close_joins(L);
			return -1;
		}
	}
	int pidfd = -1;
	bool into_cgroup = false;
	pid_t parent = getpid();
	(void)parent;
	/* Rootless: the maps of the child's new user namespace are written by us, an unprivileged user, into
	 * its /proc/<pid>/{setgroups,uid_map,gid_map}, which belong to root while it is non-dumpable. So it
	 * is born dumpable (our own flag for the instant of the clone; the child drops its own once its maps
	 * are in, as it does for any user namespace), as runc does. */
	bool unprivileged_maps = geteuid() != 0 && L->plan.new_userns && !L->is_exec;
	if (unprivileged_maps)
		prctl(PR_SET_DUMPABLE, 1);
	pid_t pid = do_clone3(L, &pidfd, &into_cgroup, err);
	if (pid == 0) {
		close(sp[0]);
		launch_child(L, sp[1]);
	}
	if (unprivileged_maps)
		prctl(PR_SET_DUMPABLE, 0);
	close(sp[1]);
	/* (not possible once in a user namespace of our own, nor needed: that process only waits now) */
	if (own_pidns >= 0 && !L->exec_user_joined && setns(own_pidns, CLONE_NEWPID) < 0)
		log_warn("restore pid namespace for children: %m");
	close_joins(L);
	if (pid < 0)
		return -1;
	L->pid = pid;
	L->pidfd = pidfd;
	L->cloned = true;

	/* process.execCPUAffinity: "initial" while the process joins the cgroup (whose cpuset may be
	 * narrower), "final" once it is in. */
	const struct spec_process *pr = L->proc;
	if (pr->has_exec_cpu_affinity && pr->exec_cpu_affinity.initial &&
	    process_set_exec_cpu_affinity(pid, pr->exec_cpu_affinity.initial, err) < 0)
		goto fail;
	if (L->cg && launch_self_attach(L)) {
		/* The child joins the v1 hierarchies itself before it reads MSG_GO. */
		if (!into_cgroup && cgroup_v2_fd(L->cg) >= 0) {
			uint64_t t = trace_begin();
			if (cgroup_add_pid_v2(L->cg, pid, err) < 0)
				goto fail;
			trace_end(t, "cgroup add pid %d (v2; the child joins v1 itself)", (int)pid);
		}
	} else if (L->cg && !into_cgroup) {
		uint64_t t = trace_begin();
		if (cgroup_add_pid(L->cg, pid, err) < 0)
			goto fail;
		trace_end(t, "cgroup add pid %d", (int)pid);
	}
	if (!L->is_exec && L->plan.new_userns && write_maps(L, err) < 0)
		goto fail;
	if (pr->has_exec_cpu_affinity && pr->exec_cpu_affinity.final &&
	    process_set_exec_cpu_affinity(pid, pr->exec_cpu_affinity.final, err) < 0)
		goto fail;
	if (launch_send(sock, MSG_GO, NULL, -1) < 0) {
		hull_err_sys(err, "write to container init");
		goto fail;
	}
	if (handshake(L, sock, err) < 0)
		goto fail;
	return 0;
fail:
	if (L->pid > 0) {
		kill(L->pid, SIGKILL);
		while (waitpid(L->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (L->pidfd >= 0)
		close(L->pidfd);
	L->pid = 0;
	L->pidfd = -1;
	return -1;
}
