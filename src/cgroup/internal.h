/* internal.h — what cgroup.c, v1.c, v2.c, convert.c, stats.c and devices_bpf.c share; not an API.
 *
 * A cgroup is one path in several hierarchies. Each controller lives in exactly one hierarchy: its own v1
 * mount, or the cgroup2 mount (pure v2, or a hybrid host's "unified" mount for the controllers that no v1
 * hierarchy took, e.g. hugetlb here). Resources are written per controller by the v1 or the v2 writer of
 * the hierarchy that holds it, so v1, v2 and hybrid are one code path.
 */
#ifndef HULL_CGROUP_INTERNAL_H
#define HULL_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "cgroup/cgroup.h"
#include "oci/spec.h"

enum cg_ctrl {
	CG_CPU, CG_CPUACCT, CG_CPUSET, CG_MEMORY, CG_DEVICES, CG_FREEZER, CG_IO /* v1 blkio */, CG_PIDS,
	CG_HUGETLB, CG_NET_CLS, CG_NET_PRIO, CG_RDMA, CG_PERF_EVENT, CG_MISC, CG_CTRL_COUNT
};
extern const char *const cg_ctrl_v1_names[CG_CTRL_COUNT]; /* "cpu", …, "blkio", … */
extern const char *const cg_ctrl_v2_names[CG_CTRL_COUNT]; /* "cpu", …, "io", …; NULL when not a v2 controller */

#define CG_MAX_HIER 16

struct cg_hier {
	char *mnt;        /* mount point of the hierarchy, e.g. /sys/fs/cgroup/memory */
	bool v2;
	uint32_t ctrls;   /* 1u << enum cg_ctrl held by this hierarchy (v2: those in the root's cgroup.controllers) */
	int dfd;          /* O_DIRECTORY fd of the cgroup in this hierarchy, -1 when absent */
	int created;      /* how many trailing path components this object created (for undo on failure) */
};

struct cgroup {
	enum cgroup_layout layout;
	char *root;       /* /sys/fs/cgroup or a test tree */
	char *path;       /* absolute cgroup path, "/hull/abc" */
	struct cg_hier hier[CG_MAX_HIER];
	size_t n_hier;
	int ctrl_hier[CG_CTRL_COUNT]; /* index into hier, -1 when the controller is absent */
	int unified;      /* index of the cgroup2 hierarchy, -1 when none */
	bool skip_devices;
	uint64_t oom_seen; /* v2: last memory.events oom_kill count seen by cgroup_oom_read */
};

/* The hierarchy holding controller c, if this cgroup exists in it. */
static inline const struct cg_hier *cg_hier_of(const struct cgroup *cg, enum cg_ctrl c)
{
	int i = cg->ctrl_hier[c];
	if (i < 0 || cg->hier[i].dfd < 0)
		return NULL;
	return &cg->hier[i];
}

/* Test hook: when set, every write to a cgroup file is reported here first (file name, value). */
extern void (*cg_write_observer)(const char *file, const char *value);

/* Write value to dfd/file (no O_CREAT: a missing file is an unsupported knob). On failure:
 * "<field>: write <file> \"<value>\": <strerror>". Traced. */
int cg_write(int dfd, const char *field, const char *file, const char *value, struct hull_err **err);
/* Same, but returns -errno without setting *err (for callers that retry or tolerate). */
int cg_try_write(int dfd, const char *file, const char *value);
/* Read a whole file; NULL + errno on failure. Trailing newline kept. */
char *cg_read(int dfd, const char *file);
bool cg_exists(int dfd, const char *file);
/* Parse "key value" lines: value of key, or -1 with errno ENOENT. */
int cg_read_key(int dfd, const char *file, const char *key, uint64_t *out);
int cg_read_u64(int dfd, const char *file, uint64_t *out);
/* Write v now; if the kernel says EINVAL and can_defer, set *later (the caller writes it again once the
 * value it depends on is in place: period/burst after quota, rt period after runtime). */
int cg_write_or_defer(int dfd, const char *field, const char *file, uint64_t v, bool can_defer, bool *later,
		      struct hull_err **err);

/* Enable controllers (mask of cg_ctrl) along the v2 path from the root down to the leaf's parent. */
int cg_v2_enable(struct cgroup *cg, uint32_t mask, struct hull_err **err);

/* v1 writers: dfd is the cgroup's dir in the hierarchy holding the controller. */
int cg_v1_cpu(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v1_memory(int dfd, const struct spec_resources *r, bool update, struct hull_err **err);
int cg_v1_blkio(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v1_hugetlb(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v1_net_cls(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v1_net_prio(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v1_devices(int dfd, const struct spec_device_cgroup *rules, size_t n, struct hull_err **err);
int cg_v1_freeze(int dfd, bool frozen, struct hull_err **err);
/* Copy cpuset.cpus/mems from the parent when empty (a v1 cpuset cgroup refuses tasks until both are set). */
int cg_v1_cpuset_inherit(int parent_dfd, int dfd, struct hull_err **err);

/* v2 writers: dfd is the cgroup's dir in the cgroup2 hierarchy. */
int cg_v2_cpu(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v2_memory(int dfd, const struct spec_resources *r, bool update, struct hull_err **err);
int cg_v2_io(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v2_hugetlb(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_v2_unified(struct cgroup *cg, const struct spec_resources *r, struct hull_err **err);
int cg_v2_devices(int dfd, const struct spec_device_cgroup *rules, size_t n, struct hull_err **err);
int cg_v2_freeze(int dfd, bool frozen, struct hull_err **err);
/* cpuset.cpus/mems, pids.max and rdma.max have one format on v1 and v2. */
int cg_cpuset(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_pids(int dfd, const struct spec_resources *r, struct hull_err **err);
int cg_rdma(int dfd, const struct spec_resources *r, struct hull_err **err);

/* The rule list applied to a devices cgroup: a deny-all, the spec's rules in order, then the default
 * allowed devices (as runc). Caller frees the array (the strings are static or borrowed). */
struct spec_device_cgroup *cg_device_rules(const struct spec_resources *r, size_t *n);

/* Memory usage check for linux.resources.memory.checkBeforeUpdate. */
int cg_check_memory_usage(int dfd, const char *usage_file, int64_t new_limit, struct hull_err **err);

#endif
