/* cgroup.c — layout detection, paths, create/open/destroy, and the dispatch of resources to the v1 or v2
 * writer of the hierarchy that holds each controller. See cgroup.h and internal.h. */
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

const char *const cg_ctrl_v1_names[CG_CTRL_COUNT] = {
	[CG_CPU] = "cpu", [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset", [CG_MEMORY] = "memory",
	[CG_DEVICES] = "devices", [CG_FREEZER] = "freezer", [CG_IO] = "blkio", [CG_PIDS] = "pids",
	[CG_HUGETLB] = "hugetlb", [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_RDMA] = "rdma",
	[CG_PERF_EVENT] = "perf_event", [CG_MISC] = "misc",
};
const char *const cg_ctrl_v2_names[CG_CTRL_COUNT] = {
	[CG_CPU] = "cpu", [CG_CPUSET] = "cpuset", [CG_MEMORY] = "memory", [CG_IO] = "io", [CG_PIDS] = "pids",
	[CG_HUGETLB] = "hugetlb", [CG_RDMA] = "rdma", [CG_PERF_EVENT] = "perf_event", [CG_MISC] = "misc",
};

#define DEFAULT_ROOT "/sys/fs/cgroup"
#define DEFAULT_PARENT "/hull"

static bool is_fs(const char *path, long magic, const char *marker)
{
	struct statfs sf;
	if (statfs(path, &sf) == 0 && (long)sf.f_type == magic)
		return true;
	/* A test tree is a plain directory: recognise it by the file a real hierarchy root has. */
	_cleanup_free_ char *p = xasprintf("%s/%s", path, marker);
	return access(p, F_OK) == 0;
}

static bool is_v2_dir(const char *path) { return is_fs(path, CGROUP2_SUPER_MAGIC, "cgroup.controllers"); }
static bool is_v1_dir(const char *path) { return is_fs(path, CGROUP_SUPER_MAGIC, "cgroup.procs"); }

enum cgroup_layout cgroup_detect(const char *root)
{
	if (!root)
		root = DEFAULT_ROOT;
	if (is_v2_dir(root))
		return CGROUP_LAYOUT_V2;
	_cleanup_free_ char *unified = xasprintf("%s/unified", root);
	if (is_v2_dir(unified))
		return CGROUP_LAYOUT_HYBRID;
	return CGROUP_LAYOUT_V1;
}

char *cgroup_resolve_path(const char *oci_path, const char *id, struct hull_err **err)
{
	if (!oci_path || !*oci_path) {
		if (!id || !*id || strchr(id, '/') || strcmp(id, "..") == 0 || strcmp(id, ".") == 0) {
			hull_err_set(err, 0, "linux.cgroupsPath: no path and no usable container id for the default");
			return NULL;
		}
		return xasprintf("%s/%s", DEFAULT_PARENT, id);
	}
	/* Refuse any ".." component: the path must never climb out of where it is put. */
	_cleanup_free_ char *copy = xstrdup(oci_path);
	char *save = NULL;
	size_t n_components = 0;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, "..") == 0) {
			hull_err_set(err, 0, "linux.cgroupsPath: \"%s\": \"..\" components are not allowed", oci_path);
			return NULL;
		}
		n_components++;
	}
	if (n_components == 0) {
		hull_err_set(err, 0, "linux.cgroupsPath: \"%s\": refusing the root cgroup", oci_path);
		return NULL;
	}
	/* Normalise: one leading slash, no empty or "." components, no trailing slash. */
	size_t len = strlen(oci_path) + strlen(DEFAULT_PARENT) + 2;
	char *out = xcalloc(1, len);
	if (oci_path[0] != '/')
		strcat(out, DEFAULT_PARENT);
	free(copy);
	copy = xstrdup(oci_path);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		strcat(out, "/");
		strcat(out, c);
	}
	return out;
}

/* ---- hierarchies ---- */

static int ctrl_from_name(const char *name, bool v2)
{
	for (int i = 0; i < CG_CTRL_COUNT; i++) {
		const char *n = v2 ? cg_ctrl_v2_names[i] : cg_ctrl_v1_names[i];
		if (n && strcmp(n, name) == 0)
			return i;
	}
	return -1;
}

static uint32_t v2_controllers(const char *mnt)
{
	_cleanup_fd_ int dfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *s = dfd >= 0 ? cg_read(dfd, "cgroup.controllers") : NULL;
	uint32_t mask = 0;
	char *save = NULL;
	for (char *w = s ? strtok_r(s, " \n", &save) : NULL; w; w = strtok_r(NULL, " \n", &save)) {
		int c = ctrl_from_name(w, true);
		if (c >= 0)
			mask |= 1u << c;
	}
	return mask;
}

static void add_hier(struct cgroup *cg, const char *mnt, bool v2, uint32_t ctrls)
{
	if (cg->n_hier == CG_MAX_HIER)
		return;
	struct cg_hier *h = &cg->hier[cg->n_hier++];
	h->mnt = xstrdup(mnt);
	h->v2 = v2;
	h->ctrls = ctrls;
	h->dfd = -1;
	h->created = 0;
}

static int load_hierarchies(struct cgroup *cg, struct hull_err **err)
{
	if (cg->layout == CGROUP_LAYOUT_V2) {
		add_hier(cg, cg->root, true, v2_controllers(cg->root));
	} else {
		_cleanup_dir_ DIR *d = opendir(cg->root);
		if (!d)
			return hull_err_sys(err, "cgroup: open %s", cg->root);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			_cleanup_free_ char *p = xasprintf("%s/%s", cg->root, de->d_name);
			struct stat st;
			/* Skip the "cpu -> cpu,cpuacct" symlinks: each hierarchy once, by its real mount. */
			if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			if (is_v2_dir(p)) {
				add_hier(cg, p, true, v2_controllers(p));
			} else if (is_v1_dir(p)) {
				uint32_t mask = 0;
				_cleanup_free_ char *names = xstrdup(de->d_name);
				char *save = NULL;
				for (char *w = strtok_r(names, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
					int c = ctrl_from_name(w, false);
					if (c >= 0)
						mask |= 1u << c;
				}
				add_hier(cg, p, false, mask);
			}
		}
	}
	for (int c = 0; c < CG_CTRL_COUNT; c++)
		cg->ctrl_hier[c] = -1;
	cg->unified = -1;
	/* v1 first: a controller bound to a v1 hierarchy is not usable on the v2 one. */
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].v2) {
			cg->unified = (int)i;
			continue;
		}
		for (int c = 0; c < CG_CTRL_COUNT; c++)
			if (cg->hier[i].ctrls & (1u << c))
				cg->ctrl_hier[c] = (int)i;
	}
	if (cg->unified >= 0) {
		struct cg_hier *u = &cg->hier[cg->unified];
		/* Device filtering (eBPF) and freezing (cgroup.freeze) are core features of cgroup2. */
		u->ctrls |= (1u << CG_DEVICES) | (1u << CG_FREEZER);
		if (cg->layout == CGROUP_LAYOUT_V2)
			u->ctrls |= 1u << CG_CPUACCT; /* cpu.stat is always there */
		for (int c = 0; c < CG_CTRL_COUNT; c++)
			if (cg->ctrl_hier[c] < 0 && (u->ctrls & (1u << c)))
				cg->ctrl_hier[c] = cg->unified;
	}
	return 0;
}

/* ---- open / create ---- */

static int open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* rmdir the last `count` components of path below mnt, deepest first. */
static void undo_created(const char *mnt, const char *path, int count)
{
	_cleanup_free_ char *p = xasprintf("%s%s", mnt, path);
	for (int i = 0; i < count; i++) {
		if (rmdir(p) < 0 && errno != ENOENT)
			break;
		char *slash = strrchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

/* Whether word is one of the space-separated words of list ("cpu" is not in "cpuset io"). */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void v2_enable_all_in(int dfd)
{
	_cleanup_free_ char *avail = cg_read(dfd, "cgroup.controllers");
	_cleanup_free_ char *on = cg_read(dfd, "cgroup.subtree_control");
	char *save = NULL;
	for (char *w = avail ? strtok_r(avail, " \n", &save) : NULL; w; w = strtok_r(NULL, " \n", &save)) {
		if (has_word(on, w))
			continue;
		_cleanup_free_ char *v = xasprintf("+%s", w);
		/* A controller that cannot be enabled (e.g. a parent with processes) shows up later as a
		 * missing file, with the OCI field named; so this is not fatal. */
		if (cg_try_write(dfd, "cgroup.subtree_control", v) < 0)
			log_debug("cgroup: enable %s: %s", w, strerror(errno));
	}
}

static int open_in_hier(struct cgroup *cg, struct cg_hier *h, bool create, struct hull_err **err)
{
	int dfd = open(h->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "cgroup: open %s", h->mnt);
	_cleanup_free_ char *copy = xstrdup(cg->path);
	char *save = NULL;
	bool cpuset = !h->v2 && (h->ctrls & (1u << CG_CPUSET));
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = open_dir_at(dfd, c);
		if (next < 0 && errno == ENOENT && create) {
			if (h->v2 && cg->layout == CGROUP_LAYOUT_V2)
				v2_enable_all_in(dfd);
			uint64_t t = trace_begin();
			if (mkdirat(dfd, c, 0755) < 0 && errno != EEXIST) {
				hull_err_sys(err, "cgroup: mkdir %s%s (at \"%s\")", h->mnt, cg->path, c);
				close(dfd);
				return -1;
			}
			trace_end(t, "cgroup mkdir %s/…/%s", h->mnt, c);
			h->created++;
			next = open_dir_at(dfd, c);
			if (next >= 0 && cpuset && cg_v1_cpuset_inherit(dfd, next, err) < 0) {
				close(next);
				close(dfd);
				return -1;
			}
		} else if (next >= 0 && h->created > 0) {
			/* Only a trailing run of created components counts as ours. */
			h->created = 0;
		}
		close(dfd);
		if (next < 0) {
			if (errno == ENOENT && !create)
				return 0; /* not in this hierarchy: dfd stays -1 */
			return hull_err_sys(err, "cgroup: open %s%s", h->mnt, cg->path);
		}
		dfd = next;
	}
	h->dfd = dfd;
	return 0;
}

struct cgroup *cgroup_open(const char *root, const char *path, bool create, struct hull_err **err)
{
	if (!path || path[0] != '/' || strstr(path, "/../") || strcmp(path, "/") == 0 ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)) {
		hull_err_set(err, EINVAL, "cgroup: invalid path \"%s\" (want an absolute path from cgroup_resolve_path)",
			     path ? path : "");
		return NULL;
	}
	struct cgroup *cg = xcalloc(1, sizeof(*cg));
	cg->root = xstrdup(root ? root : DEFAULT_ROOT);
	cg->path = xstrdup(path);
	cg->layout = cgroup_detect(cg->root);
	if (load_hierarchies(cg, err) < 0 || cg->n_hier == 0) {
		if (cg->n_hier == 0 && err && !*err)
			hull_err_set(err, ENOENT, "cgroup: no cgroup hierarchy under %s", cg->root);
		cgroup_free(cg);
		return NULL;
	}
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (open_in_hier(cg, &cg->hier[i], create, err) < 0) {
			for (size_t j = 0; j <= i; j++)
				undo_created(cg->hier[j].mnt, cg->path, cg->hier[j].created);
			cgroup_free(cg);
			return NULL;
		}
	}
	return cg;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].dfd >= 0)
			close(cg->hier[i].dfd);
		free(cg->hier[i].mnt);
	}
	free(cg->root);
	free(cg->path);
	free(cg);
}

enum cgroup_layout cgroup_layout(const struct cgroup *cg) { return cg->layout; }
const char *cgroup_path(const struct cgroup *cg) { return cg->path; }
void cgroup_set_skip_devices(struct cgroup *cg, bool skip) { cg->skip_devices = skip; }

bool cgroup_exists(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].dfd < 0)
			continue;
		struct stat st;
		/* The fd outlives an rmdir: check the dir still has its files. */
		if (fstatat(cg->hier[i].dfd, "cgroup.procs", &st, 0) == 0)
			return true;
	}
	return false;
}

int cg_v2_enable(struct cgroup *cg, uint32_t mask, struct hull_err **err)
{
	if (cg->unified < 0)
		return 0;
	struct cg_hier *u = &cg->hier[cg->unified];
	_cleanup_fd_ int dfd = open(u->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "cgroup: open %s", u->mnt);
	_cleanup_free_ char *copy = xstrdup(cg->path);
	char *save = NULL;
	char *c = strtok_r(copy, "/", &save);
	while (c) {
		for (int i = 0; i < CG_CTRL_COUNT; i++) {
			if (!(mask & (1u << i)) || !cg_ctrl_v2_names[i] || !(u->ctrls & (1u << i)))
				continue;
			_cleanup_free_ char *on = cg_read(dfd, "cgroup.subtree_control");
			if (on) {
				bool found = false;
				char *s2 = NULL;
				for (char *w = strtok_r(on, " \n", &s2); w; w = strtok_r(NULL, " \n", &s2))
					found |= strcmp(w, cg_ctrl_v2_names[i]) == 0;
				if (found)
					continue;
			}
			_cleanup_free_ char *v = xasprintf("+%s", cg_ctrl_v2_names[i]);
			if (cg_write(dfd, "cgroup", "cgroup.subtree_control", v, err) < 0)
				return hull_err_wrap(err, "enable the %s controller above %s", cg_ctrl_v2_names[i], cg->path);
		}
		char *next_name = strtok_r(NULL, "/", &save);
		if (!next_name)
			break; /* the leaf's own subtree_control stays untouched */
		int next = open_dir_at(dfd, c);
		if (next < 0)
			return hull_err_sys(err, "cgroup: open %s/…/%s", u->mnt, c);
		close(dfd);
		dfd = next;
		c = next_name;
	}
	return 0;
}

/* ---- resources ---- */

static bool cpu_set(const struct spec_resources *r)
{
	return r->has_cpu && (r->cpu.has_shares || r->cpu.has_quota || r->cpu.has_period || r->cpu.has_burst ||
			      r->cpu.has_realtime_runtime || r->cpu.has_realtime_period || r->cpu.has_idle);
}

static bool io_set(const struct spec_resources *r)
{
	const typeof(r->block_io) *b = &r->block_io;
	return r->has_block_io && (b->has_weight || b->has_leaf_weight || b->n_weight_device || b->n_throttle_read_bps ||
				   b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops);
}

static int missing(const char *field, enum cg_ctrl c, struct hull_err **err)
{
	return hull_err_set(err, ENOTSUP, "%s: the %s controller is not available on this host", field,
			    cg_ctrl_v1_names[c]);
}

int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, bool update, struct hull_err **err)
{
	static const struct spec_resources empty;
	if (!res)
		res = &empty;
	const struct cg_hier *h;
	const typeof(res->memory) *m = &res->memory;
	bool cpuset = res->has_cpu && (res->cpu.cpus || res->cpu.mems);
	bool memory = res->has_memory && (m->has_limit || m->has_reservation || m->has_swap || m->has_swappiness ||
					  m->has_disable_oom_killer || m->has_use_hierarchy || m->has_kernel ||
					  m->has_kernel_tcp);

	if (cpuset) {
		if (!(h = cg_hier_of(cg, CG_CPUSET)))
			return missing(res->cpu.cpus ? "linux.resources.cpu.cpus" : "linux.resources.cpu.mems", CG_CPUSET, err);
		if ((h->v2 ? cg_v2_enable(cg, 1u << CG_CPUSET, err) < 0 || cg_cpuset(h->dfd, res, err) < 0
			   : cg_cpuset(h->dfd, res, err) < 0))
			return -1;
	}
	if (!cg->skip_devices && (!update || res->n_devices > 0)) {
		if (!(h = cg_hier_of(cg, CG_DEVICES)))
			return missing("linux.resources.devices", CG_DEVICES, err);
		size_t n;
		_cleanup_free_ struct spec_device_cgroup *rules = cg_device_rules(res, &n);
		if ((h->v2 ? cg_v2_devices(h->dfd, rules, n, err) : cg_v1_devices(h->dfd, rules, n, err)) < 0)
			return -1;
	}
	if (memory) {
		if (!(h = cg_hier_of(cg, CG_MEMORY)))
			return missing("linux.resources.memory", CG_MEMORY, err);
		if ((h->v2 ? cg_v2_enable(cg, 1u << CG_MEMORY, err) < 0 || cg_v2_memory(h->dfd, res, update, err) < 0
			   : cg_v1_memory(h->dfd, res, update, err) < 0))
			return -1;
	}
	if (cpu_set(res)) {
		if (!(h = cg_hier_of(cg, CG_CPU)))
			return missing("linux.resources.cpu", CG_CPU, err);
		if ((h->v2 ? cg_v2_enable(cg, 1u << CG_CPU, err) < 0 || cg_v2_cpu(h->dfd, res, err) < 0
			   : cg_v1_cpu(h->dfd, res, err) < 0))
			return -1;
	}
	if (res->has_pids && res->pids.has_limit && res->pids.limit != 0) {
		if (!(h = cg_hier_of(cg, CG_PIDS)))
			return missing("linux.resources.pids.limit", CG_PIDS, err);
		if ((h->v2 && cg_v2_enable(cg, 1u << CG_PIDS, err) < 0) || cg_pids(h->dfd, res, err) < 0)
			return -1;
	}
	if (io_set(res)) {
		if (!(h = cg_hier_of(cg, CG_IO)))
			return missing("linux.resources.blockIO", CG_IO, err);
		if ((h->v2 ? cg_v2_enable(cg, 1u << CG_IO, err) < 0 || cg_v2_io(h->dfd, res, err) < 0
			   : cg_v1_blkio(h->dfd, res, err) < 0))
			return -1;
	}
	if (res->n_hugepage_limits) {
		if (!(h = cg_hier_of(cg, CG_HUGETLB)))
			return missing("linux.resources.hugepageLimits", CG_HUGETLB, err);
		if ((h->v2 ? cg_v2_enable(cg, 1u << CG_HUGETLB, err) < 0 || cg_v2_hugetlb(h->dfd, res, err) < 0
			   : cg_v1_hugetlb(h->dfd, res, err) < 0))
			return -1;
	}
	if (res->has_network && res->network.has_class_id) {
		if (!(h = cg_hier_of(cg, CG_NET_CLS)) || h->v2)
			return missing("linux.resources.network.classID", CG_NET_CLS, err);
		if (cg_v1_net_cls(h->dfd, res, err) < 0)
			return -1;
	}
	if (res->has_network && res->network.n_priorities) {
		if (!(h = cg_hier_of(cg, CG_NET_PRIO)) || h->v2)
			return missing("linux.resources.network.priorities", CG_NET_PRIO, err);
		if (cg_v1_net_prio(h->dfd, res, err) < 0)
			return -1;
	}
	if (res->n_rdma) {
		if (!(h = cg_hier_of(cg, CG_RDMA)))
			return missing("linux.resources.rdma", CG_RDMA, err);
		if ((h->v2 && cg_v2_enable(cg, 1u << CG_RDMA, err) < 0) || cg_rdma(h->dfd, res, err) < 0)
			return -1;
	}
	if (res->n_unified) {
		if (cg->unified < 0 || cg->hier[cg->unified].dfd < 0)
			return hull_err_set(err, ENOTSUP, "linux.resources.unified: this host has no cgroup v2 hierarchy (cgroup v1 only)");
		if (cg_v2_unified(cg, res, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- processes ---- */

int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct hull_err **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].dfd < 0)
			continue;
		int r = cg_try_write(cg->hier[i].dfd, "cgroup.procs", buf);
		if (r < 0)
			return hull_err_set(err, -r, "cgroup: add pid %d to %s%s/cgroup.procs", (int)pid, cg->hier[i].mnt,
					    cg->path);
	}
	return 0;
}

int cgroup_enter_self_v1(struct cgroup *cg, struct hull_err **err)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].dfd < 0 || cg->hier[i].v2)
			continue;
		/* "0" is the writing thread itself: the kernel then needs no global threadgroup lock. */
		int r = cg_try_write(cg->hier[i].dfd, "tasks", "0");
		if (r < 0)
			return hull_err_set(err, -r, "cgroup: join %s%s (tasks)", cg->hier[i].mnt, cg->path);
	}
	return 0;
}

int cgroup_add_pid_v2(struct cgroup *cg, pid_t pid, struct hull_err **err)
{
	if (cg->unified < 0 || cg->hier[cg->unified].dfd < 0)
		return 0;
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = cg_try_write(cg->hier[cg->unified].dfd, "cgroup.procs", buf);
	if (r < 0)
		return hull_err_set(err, -r, "cgroup: add pid %d to %s%s/cgroup.procs", (int)pid,
				    cg->hier[cg->unified].mnt, cg->path);
	return 0;
}

int cgroup_v2_fd(struct cgroup *cg)
{
	if (cg->unified < 0)
		return -1;
	return cg->hier[cg->unified].dfd;
}

/* The hierarchy whose cgroup.procs lists every process: the v2 one on a pure v2 host; else the v1
 * freezer (or pids) one, where the limits live: a process that joined only the v1 hierarchies (an older
 * runtime, a hand-made join) is still listed. */
static const struct cg_hier *procs_hier(const struct cgroup *cg)
{
	if (cg->layout == CGROUP_LAYOUT_V2)
		return cg->unified >= 0 && cg->hier[cg->unified].dfd >= 0 ? &cg->hier[cg->unified] : NULL;
	const struct cg_hier *h = cg_hier_of(cg, CG_FREEZER);
	if (!h || h->v2)
		h = cg_hier_of(cg, CG_PIDS);
	for (size_t i = 0; (!h || h->v2) && i < cg->n_hier; i++)
		if (cg->hier[i].dfd >= 0 && !cg->hier[i].v2)
			h = &cg->hier[i];
	return h;
}


static int collect_pids(int dfd, pid_t **pids, size_t *n, size_t *cap, int depth)
{
	_cleanup_free_ char *s = cg_read(dfd, "cgroup.procs");
	if (!s)
		return errno == ENOENT ? 0 : -1;
	for (char *line = s; *line;) {
		char *end;
		long v = strtol(line, &end, 10);
		if (end == line)
			break;
		if (*n == *cap)
			*pids = xrealloc(*pids, (*cap = *cap ? *cap * 2 : 16) * sizeof(pid_t));
		(*pids)[(*n)++] = (pid_t)v;
		line = end;
		while (*line == '\n')
			line++;
	}
	if (depth > 64)
		return 0;
	_cleanup_dir_ DIR *d = fs_opendir_at(dfd, ".", NULL);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_fd_ int sub = open_dir_at(dfd, de->d_name);
		if (sub >= 0 && collect_pids(sub, pids, n, cap, depth + 1) < 0)
			return -1;
	}
	return 0;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct hull_err **err)
{
	*pids = NULL;
	*n = 0;
	const struct cg_hier *h = procs_hier(cg);
	if (!h)
		return 0;
	size_t cap = 0;
	if (collect_pids(h->dfd, pids, n, &cap, 0) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return hull_err_sys(err, "cgroup: read %s%s/cgroup.procs", h->mnt, cg->path);
	}
	return 0;
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct hull_err **err)
{
	const struct cg_hier *h = cg_hier_of(cg, CG_FREEZER);
	if (!h && !cgroup_exists(cg))
		return hull_err_set(err, ENOENT, "cgroup %s", cg->path);
	if (!h)
		return hull_err_set(err, ENOTSUP, "cgroup %s: no freezer (v1 freezer hierarchy or cgroup2 cgroup.freeze)", cg->path);
	return h->v2 ? cg_v2_freeze(h->dfd, frozen, err) : cg_v1_freeze(h->dfd, frozen, err);
}

int cgroup_is_frozen(struct cgroup *cg)
{
	const struct cg_hier *h = cg_hier_of(cg, CG_FREEZER);
	if (!h)
		return 0;
	_cleanup_free_ char *s = cg_read(h->dfd, h->v2 ? "cgroup.freeze" : "freezer.state");
	if (!s)
		return 0;
	return h->v2 ? s[0] == '1' : strncmp(s, "FROZEN", 6) == 0;
}

int cgroup_kill(struct cgroup *cg, int sig, struct hull_err **err)
{
	/* cgroup.kill kills every process atomically, forks in flight included. On a hybrid host the
	 * pass below still runs for any process that is in the v1 hierarchies alone. */
	if (sig == SIGKILL && cg->unified >= 0 && cg_exists(cg->hier[cg->unified].dfd, "cgroup.kill")) {
		if (cg_write(cg->hier[cg->unified].dfd, "cgroup", "cgroup.kill", "1", err) < 0)
			return -1;
		if (cg->layout == CGROUP_LAYOUT_V2)
			return 0;
	}
	/* Otherwise freeze first so no process forks between the listing and the signals. */
	bool was_frozen = cgroup_is_frozen(cg) > 0;
	bool froze = false;
	if (!was_frozen && cg_hier_of(cg, CG_FREEZER)) {
		if (cgroup_freeze(cg, true, err) < 0)
			return hull_err_wrap(err, "kill");
		froze = true;
	}
	pid_t *pids = NULL;
	size_t n = 0;
	int ret = cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; ret == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			ret = hull_err_sys(err, "cgroup: kill %d", (int)pids[i]);
	free(pids);
	/* A killed process cannot die while frozen: thaw a paused cgroup too when killing it. */
	if (froze || (was_frozen && sig == SIGKILL)) {
		struct hull_err *e2 = NULL;
		if (cgroup_freeze(cg, false, &e2) < 0 && ret == 0)
			return hull_err_pass(err, &e2);
		hull_err_free(e2);
	}
	return ret;
}

/* ---- destroy ---- */

/* One rmdir, traced: 0 when done or already gone, else -1 with errno. */
static int rmdir_traced(int parent, const char *name)
{
	uint64_t t = trace_begin();
	if (unlinkat(parent, name, AT_REMOVEDIR) == 0) {
		trace_end(t, "cgroup rmdir %s", name);
		return 0;
	}
	return errno == ENOENT ? 0 : -1;
}

static int rmdir_retry(int parent, const char *name)
{
	/* EBUSY while the last processes are still exiting: a short backoff (~0.6 s in all). */
	for (int delay_ms = 10;; delay_ms *= 2) {
		if (rmdir_traced(parent, name) == 0)
			return 0;
		if (errno != EBUSY || delay_ms > 320)
			return -1;
		struct timespec ts = { 0, delay_ms * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* Children first (a cgroup with sub-cgroups cannot be removed), then name itself. */
static int rmdir_tree(int parent, const char *name, int depth)
{
	/* A container's cgroup rarely has sub-cgroups: try the rmdir before listing the directory (v1
	 * directories list every control file, ~30 in memory). */
	if (rmdir_traced(parent, name) == 0)
		return 0;
	_cleanup_fd_ int dfd = open_dir_at(parent, name);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (depth < 64) {
		_cleanup_dir_ DIR *d = fs_opendir_at(dfd, ".", NULL);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				if (rmdir_tree(dfd, de->d_name, depth + 1) < 0)
					return -1;
	}
	return rmdir_retry(parent, name);
}

int cgroup_destroy(struct cgroup *cg, struct hull_err **err)
{
	int ret = 0;
	for (size_t i = 0; i < cg->n_hier; i++) {
		struct cg_hier *h = &cg->hier[i];
		_cleanup_free_ char *parent = xasprintf("%s%s", h->mnt, cg->path);
		char *slash = strrchr(parent, '/');
		*slash = '\0';
		const char *leaf = slash + 1;
		_cleanup_fd_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0) {
			if (errno == ENOENT)
				continue;
			ret = hull_err_sys(err, "cgroup: open %s", parent);
			continue;
		}
		if (rmdir_tree(pfd, leaf, 0) < 0) {
			ret = hull_err_sys(err, "cgroup: remove %s/%s", parent, leaf);
			continue;
		}
		/* Parents this object created, when still empty (others may have joined them meanwhile). */
		if (h->created > 1)
			undo_created(h->mnt, parent + strlen(h->mnt), h->created - 1);
		h->created = 0;
		if (h->dfd >= 0) {
			close(h->dfd);
			h->dfd = -1;
		}
	}
	return ret;
}
