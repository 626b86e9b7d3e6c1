/* init.c — the child side of launch: from clone3 to execve of process.args.
 *
 * Runs in the new process, single-threaded, in the order of runc's init (see process.h for the order of
 * process attributes). Every failure before the start signal goes back to the parent as MSG_ERROR, so
 * `create` prints it and rolls back; after the start signal only stderr is left.
 */
#include "runtime/rterr.h"
#include "cgroup/cgroup.h"
#include "runtime/caps.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/launch.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static _Noreturn void child_fail(int sock, struct hull_err *e)
{
	const char *msg = e && e->msg ? e->msg : "container init failed";
	if (sock < 0 || launch_send(sock, MSG_ERROR, msg, -1) < 0)
		fprintf(stderr, "hullrt: %s\n", msg);
	_exit(1);
}

static void wait_go(int sock)
{
	char *payload;
	int type = launch_recv(sock, &payload, NULL);
	free(payload);
	if (type != MSG_GO)
		_exit(1); /* the parent is gone: nothing to report to */
}

static int become_ns_root(struct hull_err **err)
{
	/* Container root: needed for files created during setup to be owned by the mapped root. When 0 is not
	 * mapped, stay as is (the creator keeps its capabilities in the namespace). */
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return hull_err_sys(err, "setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return hull_err_sys(err, "setresuid 0 in the user namespace");
	return 0;
}

/* After unshare(CLONE_NEWPID) inside a joined user namespace: fork the real init into the new pid
 * namespace as a sibling (CLONE_PARENT: the runtime stays its parent and can wait for it), tell the
 * runtime its pid, and let the first process exit. */
static int fork_into_pid_ns(int sock, struct hull_err **err)
{
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		return hull_err_sys(err, "pipe");
	struct clone_args ca = { .flags = CLONE_PARENT };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r < 0)
		return hull_err_sys(err, "fork into the new pid namespace");
	if (r == 0) {
		char c;
		close(gate[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* not inherited across fork */
		/* getppid() is 0 from inside the new pid namespace: the gate tells the runtime is alive. */
		if (read(gate[0], &c, 1) != 1)
			_exit(1);
		close(gate[0]);
		return 0;
	}
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld", r);
	if (launch_send(sock, MSG_PID, pid, -1) < 0 || write(gate[1], "1", 1) != 1)
		_exit(1);
	_exit(0);
}

static int enter_namespaces(struct launch *L, int sock, struct hull_err **err)
{
	struct launch_plan *p = &L->plan;
	for (size_t i = 0; i < p->n_joins; i++) {
		struct plan_join *j = &p->joins[i];
		if (j->type == NS_PID)
			continue; /* the parent pointed pid_for_children at it before clone3 */
		uint64_t t = trace_begin();
		if (setns(j->fd, plan_ns_flag(j->type)) < 0)
			return hull_err_sys(err, "config.json: linux.namespaces: join %s %s", spec_ns_type_names[j->type],
					    j->path);
		trace_end(t, "setns %s %s", spec_ns_type_names[j->type], j->path);
		if (j->type == NS_USER && become_ns_root(err) < 0)
			return -1;
	}
	if (p->new_userns && become_ns_root(err) < 0)
		return -1;
	int later = p->unshare_flags & ~CLONE_NEWTIME;
	if (later) {
		uint64_t t = trace_begin();
		if (unshare(later) < 0)
			return hull_err_sys(err, "unshare 0x%x", later);
		trace_end(t, "unshare 0x%x", later);
	}
	if (p->fork_for_pid && fork_into_pid_ns(sock, err) < 0)
		return -1;
	if (p->unshare_flags & CLONE_NEWTIME) {
		/* The init enters the new time namespace at its execve: offsets must be in place before. */
		if (unshare(CLONE_NEWTIME) < 0)
			return hull_err_sys(err, "unshare time namespace");
		if (p->time_offsets) {
			const struct spec_linux *l = L->spec->linux_;
			char buf[128];
			int n = 0;
			if (l->time_offsets.has_monotonic)
				n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
					      (long long)l->time_offsets.monotonic.secs, l->time_offsets.monotonic.nanosecs);
			if (l->time_offsets.has_boottime)
				n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
					      (long long)l->time_offsets.boottime.secs, l->time_offsets.boottime.nanosecs);
			_cleanup_fd_ int fd = proc_open_verified("self/timens_offsets", O_WRONLY, err);
			if (fd < 0)
				return hull_err_wrap(err, "linux.timeOffsets");
			if (write(fd, buf, (size_t)n) != n)
				return hull_err_sys(err, "linux.timeOffsets: write /proc/self/timens_offsets");
		}
	}
	return 0;
}

/* The process attributes shared by the init and exec, up to (not including) the user switch. */
static int apply_process_attrs(const struct spec_process *proc, struct hull_err **err)
{
	if (proc->has_oom_score_adj && process_set_oom_score_adj(proc->oom_score_adj, err) < 0)
		return -1;
	if (process_set_rlimits(proc, err) < 0)
		return -1;
	if (proc->has_scheduler && process_set_scheduler(&proc->scheduler, err) < 0)
		return -1;
	if (proc->has_io_priority && process_set_io_priority(&proc->io_priority, err) < 0)
		return -1;
	return 0;
}

/* Caps, user, no_new_privs and (early) seccomp. *listener gets the notify fd when installed here. */
static int drop_privileges(struct launch *L, int *listener, bool *seccomp_done, struct hull_err **err)
{
	const struct spec_process *proc = L->proc;
	*listener = -1;
	*seccomp_done = false;
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_err_sys(err, "prctl no_new_privs");
	/* Without no_new_privs installing a filter needs CAP_SYS_ADMIN, about to be dropped: install now, as
	 * runc does. A notify listener must also reach the parent before `create` returns. */
	if (L->seccomp && (!proc->no_new_privileges || L->seccomp->notify)) {
		uint64_t t = trace_begin();
		if (seccomp_install(L->seccomp, listener, err) < 0)
			return hull_err_wrap(err, "linux.seccomp");
		trace_end(t, "seccomp install (%zu instructions)", L->seccomp->len);
		*seccomp_done = true;
	}
	uint64_t t = trace_begin();
	/* No capabilities section means no capabilities at all, the bounding set included (as runc). */
	static const struct spec_caps none;
	const struct spec_caps *caps = proc->has_caps ? &proc->caps : &none;
	if (caps_drop_bounding(caps, err) < 0)
		return hull_err_wrap(err, "process.capabilities");
	if (caps_keep_across_setuid(err) < 0 || process_switch_user(&proc->user, err) < 0)
		return hull_err_wrap(err, "process.user");
	if (caps_apply(caps, err) < 0)
		return hull_err_wrap(err, "process.capabilities");
	trace_end(t, "caps, user %u:%u", (unsigned)proc->user.uid, (unsigned)proc->user.gid);
	return 0;
}

/* Default dispositions and an empty mask for the container's process, as runc gives it: "ignore"
 * survives execve, so a runtime started by nohup or as a shell's background job (SIGHUP, SIGINT,
 * SIGQUIT ignored) must not pass that on. Raw syscalls: glibc refuses its internal signals 32 and 33. */
static void reset_signals(void)
{
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = { SIG_DFL, 0, NULL, 0 };
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	uint64_t none = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

/* chdir(process.cwd) and check the result is inside the root: a cwd reached through a leaked fd or a
 * path outside the root shows up as "(unreachable)" or fails (CVE-2024-21626). The first try runs as the
 * container's root, before the user switch and before an early seccomp filter (whose profile may deny
 * getcwd); as runc, a chdir refused there (EACCES/EPERM) returns 1 to be retried as the user. */
static int enter_cwd(const char *cwd, bool as_user, struct hull_err **err)
{
	const char *dir = cwd && *cwd ? cwd : "/";
	if (chdir(dir) < 0) {
		if (!as_user && (errno == EACCES || errno == EPERM))
			return 1;
		return hull_err_sys(err, "process.cwd: chdir %s", dir);
	}
	char buf[4096];
	char *got = getcwd(buf, sizeof(buf));
	if (got && buf[0] == '/')
		return 0;
	if (got || errno == ENOENT)
		return rt_err(err, EPERM, "process.cwd: %s: current working directory is outside of the "
				    "container root", dir);
	/* Only on the retry, after an early filter: a check that cannot run is not a pass. */
	return hull_err_sys(err, "process.cwd: %s: cannot check that the working directory is inside the "
				 "container root: getcwd", dir);
}

static size_t strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* The state JSON the parent sent, with another status (startContainer sees "created"). */
static char *state_with_status(const char *state, const char *status)
{
	json_t *o = json_loads(state ? state : "{}", 0, NULL);
	if (!o)
		return xstrdup(state ? state : "{}");
	json_object_set_new(o, "status", json_string(status));
	char *r = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return r;
}

/* A new pty from the devpts the process sees; the master goes to the console socket (the engine, or the
 * foreground `run`/`exec` through a socketpair), the slave stays for the process's stdio. */
static int open_console(struct launch *L, int *slave, struct hull_err **err)
{
	const struct spec_process *proc = L->proc;
	int master;
	if (console_open_pty(&master, slave, err) < 0)
		return -1;
	if (proc->has_console_size &&
	    console_set_size(*slave, proc->console_size.height, proc->console_size.width, err) < 0) {
		close(master);
		return -1;
	}
	int r = L->console_sock < 0 ? rt_err(err, EINVAL, "process.terminal: no console socket")
				    : console_send_master_fd(L->console_sock, master, err);
	close(master);
	if (L->console_sock >= 0)
		close(L->console_sock);
	return r < 0 ? hull_err_wrap(err, "console") : 0;
}

_Noreturn void launch_child(struct launch *L, int sock)
{
	struct hull_err *err = NULL;
	const struct spec *s = L->spec;
	const struct spec_process *proc = L->proc;
	pid_t parent = getppid();

	if (L->close_in_child >= 0)
		close(L->close_in_child); /* the container's lock stays with the command */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* First of all, so that nothing the child does escapes the cgroup. An error goes back once the
	 * parent listens for one (after MSG_GO). */
	struct hull_err *join_err = NULL;
	if (launch_self_attach(L)) {
		uint64_t t = trace_begin();
		if (cgroup_enter_self_v1(L->cg, &join_err) == 0)
			trace_end(t, "cgroup join (the child itself, v1 tasks)");
	}
	wait_go(sock);
	if (join_err)
		child_fail(sock, join_err);
	/* A session of its own, as runc's init: ^C in the caller's terminal reaches the container once,
	 * through the runtime's forwarding, not also directly through the shared process group. */
	setsid();
	if (!L->plan.userns || L->is_exec)
		prctl(PR_SET_DUMPABLE, 0);

	if (L->is_exec) {
		int join = L->exec_ns_flags & ~CLONE_NEWPID & (L->exec_user_joined ? ~CLONE_NEWUSER : ~0);
		if (join && setns(L->exec_pidfd, join) < 0) {
			hull_err_sys(&err, "join the container's namespaces");
			child_fail(sock, err);
		}
		if ((L->exec_ns_flags & CLONE_NEWUSER) && become_ns_root(&err) < 0)
			child_fail(sock, err);
		close(L->exec_pidfd);
		/* A container without a mount namespace of its own: its root is a detached tree (see rootfs.h). */
		if (L->exec_root_fd >= 0 && (fchdir(L->exec_root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
			hull_err_sys(&err, "chroot into the container's root");
			child_fail(sock, err);
		}
		if (L->exec_root_fd >= 0)
			close(L->exec_root_fd);
	} else if (enter_namespaces(L, sock, &err) < 0) {
		child_fail(sock, err);
	}

	if (!L->no_new_keyring && !L->is_exec &&
	    process_join_session_keyring(L->id, true, L->plan.userns, &err) < 0)
		child_fail(sock, err);

	int slave = -1;
	/* The init's pty comes from the container's own devpts (after pivot_root), so its name is
	 * /dev/pts/N inside as with runc; exec's namespaces are complete already. */
	if (proc->terminal && L->is_exec && open_console(L, &slave, &err) < 0)
		child_fail(sock, err);

	struct rootfs_opts ro = { .bundle = L->bundle, .rootfs = L->rootfs, .no_pivot = L->no_pivot,
				  .in_userns = L->plan.userns, .console_fd = -1 };
	int host_mnt = -1;
	if (!L->is_exec && !spec_find_namespace(s, NS_MOUNT)) {
		if (rootfs_private_mount_ns(&host_mnt, &err) < 0)
			child_fail(sock, err);
		ro.private_mnt = true;
	}
	_cleanup_free_ char *state = NULL;
	if (!L->is_exec) {
		uint64_t t = trace_begin();
		if (rootfs_prepare(s, &ro, &err) < 0)
			child_fail(sock, err);
		trace_end(t, "rootfs prepare (%zu mounts)", s->n_mounts);
		/* The round trip to the parent only when a hook wants it (runtime hooks) or wants the state it
		 * brings back (container hooks): on a busy machine each one costs a wake-up of both sides. */
		if (s->n_hooks[HOOK_PRESTART] || s->n_hooks[HOOK_CREATE_RUNTIME] ||
		    s->n_hooks[HOOK_CREATE_CONTAINER] || s->n_hooks[HOOK_START_CONTAINER]) {
			if (launch_send(sock, MSG_HOOKS, NULL, -1) < 0)
				_exit(1);
			int type = launch_recv(sock, &state, NULL);
			if (type != MSG_HOOKS_DONE)
				_exit(1);
			if (hooks_run_kind(s, HOOK_CREATE_CONTAINER, state, &err) < 0)
				child_fail(sock, err);
		}
		if (s->linux_ && s->linux_->n_sysctl &&
		    process_apply_sysctl(s->linux_->sysctl, s->linux_->n_sysctl, &err) < 0)
			child_fail(sock, err);
		if (L->loopback_up && ((L->plan.clone_flags | (uint64_t)L->plan.unshare_flags) & CLONE_NEWNET) &&
		    process_loopback_up(&err) < 0)
			child_fail(sock, err);
		if ((L->plan.ns_mask & (1u << NS_UTS)) && (s->hostname || s->domainname) &&
		    process_set_hostname(s->hostname, s->domainname, &err) < 0)
			child_fail(sock, err);
		if (apply_process_attrs(proc, &err) < 0)
			child_fail(sock, err);
		t = trace_begin();
		if (rootfs_finalize(s, &ro, &err) < 0)
			child_fail(sock, err);
		trace_end(t, "rootfs finalize");
		if (proc->terminal && (open_console(L, &slave, &err) < 0 || rootfs_bind_console(slave, &err) < 0))
			child_fail(sock, err);
		if (host_mnt >= 0 && rootfs_leave_private_mount_ns(host_mnt, &err) < 0)
			child_fail(sock, err);
	} else if (apply_process_attrs(proc, &err) < 0) {
		child_fail(sock, err);
	}
	if (s->linux_ && s->linux_->has_personality && process_set_personality(&s->linux_->personality, &err) < 0)
		child_fail(sock, err);
	if (s->linux_ && s->linux_->has_memory_policy &&
	    process_set_memory_policy(&s->linux_->memory_policy, &err) < 0)
		child_fail(sock, err);
	if (slave >= 0 && console_make_controlling(slave, &err) < 0)
		child_fail(sock, err);

	/* Everything that needs more than the few syscalls of a user switch and execve happens before
	 * drop_privileges: without no_new_privs it installs the seccomp filter early (as runc), and an
	 * allowlist profile need not allow what the runtime itself uses (close_range, openat2, getcwd). */
	char **env = process_build_env(proc->env, proc->n_env, proc->user.uid, &err);
	if (!env)
		child_fail(sock, err);
	if (proc->n_args == 0) {
		rt_err(&err, EINVAL, "process.args: empty");
		child_fail(sock, err);
	}
	int cwd_later = enter_cwd(proc->cwd, false, &err);
	if (cwd_later < 0)
		child_fail(sock, err);
	if (process_cloexec_fds(2 + L->preserve_fds, &err) < 0)
		child_fail(sock, err);
	reset_signals();
	int listener;
	bool seccomp_done;
	if (drop_privileges(L, &listener, &seccomp_done, &err) < 0)
		child_fail(sock, err);
	if (cwd_later && enter_cwd(proc->cwd, true, &err) < 0)
		child_fail(sock, err);
	char *path = process_find_executable(proc->args[0], env, strv_len(env), &err);
	if (!path)
		child_fail(sock, err);

	if (!L->is_exec) {
		if (L->plan.userns)
			prctl(PR_SET_DUMPABLE, 0);
		/* From here the init outlives `create`. */
		prctl(PR_SET_PDEATHSIG, 0);
		if (launch_send(sock, MSG_READY, NULL, listener) < 0)
			_exit(1);
		if (listener >= 0)
			close(listener);
		close(sock);
		sock = -1;
		char byte;
		ssize_t n;
		do
			n = read(L->fifo_fd, &byte, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(1);
		close(L->fifo_fd);
		if (s->n_hooks[HOOK_START_CONTAINER]) {
			_cleanup_free_ char *created = state_with_status(state, "created");
			if (hooks_run_kind(s, HOOK_START_CONTAINER, created, &err) < 0)
				child_fail(-1, err);
		}
		ssize_t w;
		do
			w = write(L->ack_fd, "1", 1);
		while (w < 0 && errno == EINTR);
		close(L->ack_fd);
	} else {
		if (listener >= 0 && launch_send(sock, MSG_READY, NULL, listener) < 0)
			_exit(1);
		if (listener >= 0)
			close(listener);
		/* exec'd processes outlive `exec -d` and a killed `exec`, as with runc. */
		prctl(PR_SET_PDEATHSIG, 0);
	}
	if (L->seccomp && !seccomp_done) {
		int unused;
		uint64_t ts = trace_begin();
		if (seccomp_install(L->seccomp, &unused, &err) < 0) {
			hull_err_wrap(&err, "linux.seccomp");
			child_fail(sock, err);
		}
		trace_end(ts, "seccomp install (%zu instructions)", L->seccomp->len);
	}
	uint64_t t = trace_begin();
	trace_end(t, "execve %s", path);
	char **argv = xcalloc(proc->n_args + 1, sizeof(char *));
	memcpy(argv, proc->args, proc->n_args * sizeof(char *));
	execve(path, argv, env);
	hull_err_sys(&err, "exec %s", path);
	child_fail(sock, err);
}
