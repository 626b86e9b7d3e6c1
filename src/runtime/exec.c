/* exec.c — a new process in a running container: the init's namespaces joined at once through its
 * pidfd, its cgroup, the container's seccomp profile, then the same process setup as the init. */
#include "runtime/selfseal.h"
#include "runtime/rterr.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/console.h"
#include "runtime/launch.h"
#include "runtime/lifecycle.h"
#include "runtime/plan.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* CLONE_NEW* of every namespace where the init differs from us. */
static int namespaces_to_join(pid_t pid)
{
	static const char *const names[NS_TYPE_COUNT] = {
		[NS_PID] = "pid", [NS_NETWORK] = "net", [NS_MOUNT] = "mnt", [NS_IPC] = "ipc",
		[NS_UTS] = "uts", [NS_USER] = "user", [NS_CGROUP] = "cgroup", [NS_TIME] = "time",
	};
	int flags = 0;
	for (int t = 0; t < NS_TYPE_COUNT; t++) {
		char theirs[64], ours[64];
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, names[t]);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", names[t]);
		struct stat a, b;
		if (stat(theirs, &a) < 0 || stat(ours, &b) < 0)
			continue;
		if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			flags |= plan_ns_flag((enum spec_ns_type)t);
	}
	return flags;
}

static char *exec_state(void *arg, pid_t pid, const char *status)
{
	struct container *c = arg;
	(void)pid;
	(void)status;
	return container_state_json(&c->st, STATUS_RUNNING, false, "");
}

int container_exec(const struct exec_opts *o, struct hull_err **err)
{
	if (selfseal_ensure(0, NULL, NULL, err) < 0)
		return -1;
	_cleanup_container_ struct container *c = container_open(o->root, o->id, true, err);
	if (!c)
		return -1;
	enum container_status s = container_status(c);
	if (s == STATUS_STOPPED)
		return rt_err(err, ESRCH, "cannot exec in a stopped container");
	if (s == STATUS_PAUSED && !o->ignore_paused)
		return rt_err(err, EBUSY, "cannot exec in a paused container");
	_cleanup_fd_ int pidfd = (int)syscall(SYS_pidfd_open, c->st.pid, 0);
	if (pidfd < 0 || !container_pid_alive(c->st.pid, c->st.pid_start))
		return rt_err(err, ESRCH, "cannot exec in a stopped container");
	struct spec *spec = container_load_spec(c, err);
	if (!spec)
		return -1;
	int ret = -1, console_sock = -1, console_peer = -1, master = -1;
	struct cgroup *cg = NULL;
	struct seccomp_prog *sc = NULL;
	struct launch L = { .spec = spec, .proc = o->proc, .id = o->id, .bundle = c->st.bundle,
			    .rootfs = c->st.rootfs, .is_exec = true, .exec_pidfd = pidfd,
			    .exec_ns_flags = namespaces_to_join(c->st.pid), .exec_root_fd = -1, .fifo_fd = -1,
			    .console_sock = -1,
			    .close_in_child = c->dirfd, .no_new_keyring = true, .preserve_fds = o->preserve_fds,
			    .state_json = exec_state, .state_arg = c, .pidfd = -1 };
	_cleanup_fd_ int root_fd = -1;
	if (!(L.exec_ns_flags & CLONE_NEWNS)) {
		/* Same mount namespace (no "mount" in linux.namespaces): the process joins the init's root. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/root", (int)c->st.pid);
		root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0 || !container_pid_alive(c->st.pid, c->st.pid_start)) {
			rt_err(err, ESRCH, "cannot exec in a stopped container");
			goto out;
		}
		L.exec_root_fd = root_fd;
	}
	if (check_apparmor(o->proc->apparmor_profile, "process.apparmorProfile", err) < 0 ||
	    check_selinux(o->proc->selinux_label, "process.selinuxLabel", err) < 0)
		goto out;
	if (o->proc->terminal && !o->console_socket && o->detach) {
		rt_err(err, EINVAL, "cannot allocate tty if hullrt will detach without setting console socket");
		goto out;
	}
	if (c->st.cgroup_path && !(cg = cgroup_open(NULL, c->st.cgroup_path, false, err)))
		goto out;
	L.cg = cg;
	if (spec->linux_ && spec->linux_->seccomp) {
		_cleanup_free_ char *cache = xasprintf("%s/seccomp-cache", o->root);
		if (!(sc = seccomp_prepare(spec->linux_->seccomp, cache, err)))
			goto out;
		L.seccomp = sc;
	}
	if (o->proc->terminal) {
		if (console_channel_open(o->console_socket, &console_sock, &console_peer, err) < 0)
			goto out;
		L.console_sock = console_sock;
	}
	if (launch_spawn(&L, err) < 0)
		goto out;
	if (console_sock >= 0) {
		close(console_sock);
		console_sock = -1;
	}
	if (console_peer >= 0 && (master = console_recv_master(console_peer, NULL, 0, err)) < 0)
		goto out;
	if (o->pid_file && write_pid_file(o->pid_file, L.pid, err) < 0)
		goto out;
	/* The container's lock is not held while the process runs. */
	container_close(steal_ptr(&c));
	if (o->detach) {
		ret = 0;
		goto out;
	}
	ret = container_wait_foreground(L.pid, L.pidfd, master, err);
out:
	if (ret < 0 && L.pid > 0) {
		kill(L.pid, 9);
		waitpid(L.pid, NULL, 0);
	}
	if (L.pidfd >= 0)
		close(L.pidfd);
	if (master >= 0)
		close(master);
	if (console_sock >= 0)
		close(console_sock);
	if (console_peer >= 0)
		close(console_peer);
	if (cg)
		cgroup_free(cg);
	seccomp_prog_free(sc);
	spec_free(spec);
	return ret;
}
