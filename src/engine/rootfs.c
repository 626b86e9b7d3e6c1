/* rootfs.c — a container's root: an overlay of the image's snapshot dirs (read-only lower layers, never
 * written) and the container's own upper/work dirs, mounted at <id>/rootfs only while the monitor runs.
 * Also the teardown of the runtime's state and cgroup, shared by the monitor, repair and rm. */
#include "engine/internal.h"
#include "cgroup/cgroup.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool engine_rootfs_mounted(const struct ctr *c)
{
	_cleanup_free_ char *r = xasprintf("%s/rootfs", c->dir);
	struct stat a, b;
	return stat(c->dir, &a) == 0 && stat(r, &b) == 0 && a.st_dev != b.st_dev;
}

void engine_rootfs_unmount(struct ctr *c)
{
	_cleanup_free_ char *r = xasprintf("%s/rootfs", c->dir);
	for (int i = 0; i < 8 && engine_rootfs_mounted(c); i++)
		if (umount2(r, MNT_DETACH) < 0)
			break;
}

static int fsconfig_str(int fd, const char *k, const char *v)
{
	return (int)syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, k, v, 0);
}

int engine_rootfs_mount(struct ctr *c, struct hull_err **err)
{
	uint64_t t = trace_begin();
	engine_rootfs_unmount(c); /* the remains of a crash */
	json_t *data = json_object_get(json_object_get(c->rec, "GraphDriver"), "Data");
	const char *lower = rec_str(data, "LowerDir");
	if (!lower || !*lower)
		return hull_err_set(err, EINVAL, "container %.12s: record has no image layers", c->id);
	_cleanup_free_ char *target = xasprintf("%s/rootfs", c->dir);
	_cleanup_free_ char *upper = xasprintf("%s/upper", c->dir);
	_cleanup_free_ char *work = xasprintf("%s/work", c->dir);
	_cleanup_fd_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return hull_err_sys(err, "fsopen overlay");
	_cleanup_free_ char *l = xstrdup(lower);
	for (char *save = NULL, *d = strtok_r(l, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (access(d, F_OK) < 0)
			return hull_err_sys(err, "image layer %s (was the image removed?)", d);
		if (fsconfig_str(fs, "lowerdir+", d) < 0)
			return hull_err_sys(err, "overlay lowerdir+ %s", d);
	}
	if (fsconfig_str(fs, "upperdir", upper) < 0 || fsconfig_str(fs, "workdir", work) < 0)
		return hull_err_sys(err, "overlay upperdir/workdir in %s", c->dir);
	/* --rm: the upper dir is thrown away after the run, so overlay need not sync it on unmount (that
	 * sync is the slowest step of a short container's teardown). The marker "volatile" leaves behind
	 * would refuse the next mount of a container that is kept: only for --rm. */
	if (json_is_true(json_object_get(json_object_get(c->rec, "HostConfig"), "AutoRemove")) &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
		return hull_err_sys(err, "overlay volatile");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return hull_err_sys(err, "overlay for container %.12s", c->id);
	_cleanup_fd_ int m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (m < 0)
		return hull_err_sys(err, "fsmount overlay");
	if (syscall(SYS_move_mount, m, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return hull_err_sys(err, "mount overlay on %s", target);
	trace_end(t, "mount overlay (%s) on %s", lower, target);
	return 0;
}

const char *ctr_runtime(const struct ctr *c)
{
	return rec_str(json_object_get(c->rec, "HostConfig"), "Runtime");
}

int engine_teardown_runtime(struct ctr *c, struct hull_err **err)
{
	return engine_teardown_runtime_with(c, NULL, err);
}

/* Networks that leave nothing to release: none (the netns dies with the container), host, container:X. */
static bool network_unrecorded(const struct ctr *c)
{
	const char *net = rec_str(json_object_get(c->rec, "HostConfig"), "NetworkMode");
	return net && (!strcmp(net, "none") || !strcmp(net, "host") || !strncmp(net, "container:", 10));
}

int engine_teardown_runtime_with(struct ctr *c, const struct spec *known, struct hull_err **err)
{
	const char *rt = ctr_runtime(c);
	_cleanup_free_ char *st = xasprintf("%s/%s", c->e->runtime_root, c->id);
	int ret = 0;
	bool runtime_deleted = false;
	if (access(st, F_OK) == 0) {
		struct hull_err *e = NULL;
		int r;
		if (rt) {
			char *argv[] = { (char *)rt, "--root", c->e->runtime_root, "delete", "--force", c->id, NULL };
			r = extrt_run(rt, c->e->runtime_root, argv, &e);
		} else {
			r = container_delete_with(c->e->runtime_root, c->id, true, known, &e);
			runtime_deleted = r == 0;
		}
		if (r < 0 && e && e->errnum != ENOENT)
			ret = hull_err_pass(err, &e);
		else
			hull_err_free(e);
	}
	/* addresses, veths, published ports of the container (src/net); nothing when it had none */
	if (!network_unrecorded(c) && net_release(c->e->root, c->id, ret < 0 ? NULL : err) < 0)
		ret = -1;
	/* the cgroup, whoever left it (a runtime killed halfway, an external runtime's own layout); the
	 * built-in runtime's delete that succeeded removed it already */
	if (runtime_deleted && ret == 0)
		return 0;
	struct cgroup *cg = engine_ctr_cgroup(c, NULL);
	if (cg) {
		if (cgroup_exists(cg)) {
			cgroup_kill(cg, SIGKILL, NULL);
			for (int i = 0; i < 100; i++) {
				pid_t *p = NULL;
				size_t n = 0;
				if (cgroup_pids(cg, &p, &n, NULL) < 0 || n == 0) {
					free(p);
					break;
				}
				free(p);
				usleep(10000);
			}
			cgroup_destroy(cg, NULL);
		}
		cgroup_free(cg);
	}
	return ret;
}

char *engine_init_path(void)
{
	const char *env = getenv("HULL_INIT");
	if (env && access(env, X_OK) == 0)
		return realpath(env, NULL);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			char *p = xasprintf("%s/hull-init", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	if (access("/usr/libexec/hull/hull-init", X_OK) == 0)
		return xstrdup("/usr/libexec/hull/hull-init");
	return NULL;
}

int engine_start_error_code(const struct hull_err *e)
{
	/* as the runtimes word it: ours and runc `exec: "X": executable file not found in $PATH` or
	 * `stat X: no such file or directory`, crun "executable file `X` not found in $PATH" */
	const char *m = e && e->msg ? e->msg : "";
	if (strcasestr(m, "not found in $PATH") || strcasestr(m, "executable file not found") ||
	    strcasestr(m, "no such file or directory"))
		return ENGINE_EXIT_NOT_FOUND;
	if (strcasestr(m, "permission denied") || strcasestr(m, "exec format error") || strcasestr(m, "is a directory"))
		return ENGINE_EXIT_CANNOT_EXEC;
	return ENGINE_EXIT_ERROR;
}

int engine_exit_for_errno(int errnum)
{
	if (errnum == ENOENT)
		return ENGINE_EXIT_NOT_FOUND;
	if (errnum == EACCES || errnum == ENOEXEC || errnum == EPERM || errnum == EISDIR)
		return ENGINE_EXIT_CANNOT_EXEC;
	return ENGINE_EXIT_ERROR;
}

/* The seam for networking (src/net, docs/networking.md): called by the monitor after create, before start.
 * The host's network needs nothing; container:X joined X's netns through the spec; every other mode gets
 * its network wired now (none: loopback up; bridge/NAME: veth, address, routes, published ports; cni:NAME:
 * the CNI plugins), and the container's hosts/hostname/resolv.conf rewritten in place. */
int engine_network_setup(struct ctr *c, pid_t pid, struct hull_err **err)
{
	json_t *hc = json_object_get(c->rec, "HostConfig");
	const char *net = rec_str(hc, "NetworkMode");
	if (net && (!strcmp(net, "host") || !strncmp(net, "container:", 10)))
		return 0;
	if (net && !strcmp(net, "none"))
		return net_setup_none(pid, err);
	struct net_config cfg;
	if (net_config_from_json(json_object_get(hc, "HullNetwork"), &cfg, err) < 0)
		return -1;
	if (!cfg.network)
		cfg.network = xstrdup(net ? net : "none");
	if (!cfg.hostname)
		cfg.hostname = xstrdup(rec_str(json_object_get(c->rec, "Config"), "Hostname") ?: c->id);
	/* A record left by an earlier run of this container (its monitor killed) goes first. */
	int r = net_release(c->e->root, c->id, err);
	if (r == 0)
		r = net_prepare(c->e->root, c->id, ctr_name(c), &cfg, c->dir, err);
	if (r == 0 && net_attach(c->e->root, c->id, pid, err) < 0) {
		net_release(c->e->root, c->id, NULL);
		r = -1;
	}
	net_config_clear(&cfg);
	return r;
}
