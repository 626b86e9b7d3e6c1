/* cgroup.h — one interface over cgroup v1, v2 and hybrid hosts.
 *
 * The manager knows nothing of containers: it takes a cgroup path (absolute, as in the OCI
 * linux.cgroupsPath, "/" = the hierarchy root), OCI resources (struct spec_resources, plain data) and pids.
 * The layout (v1, v2 or hybrid) is detected from the host at cgroup_open, never taken from a flag.
 * It must never create or touch a cgroup outside the path it was given, nor remove one it did not create.
 */
#ifndef HULL_CGROUP_CGROUP_H
#define HULL_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

struct spec_resources;

enum cgroup_layout { CGROUP_LAYOUT_V1, CGROUP_LAYOUT_HYBRID, CGROUP_LAYOUT_V2 };

struct cgroup;  /* opaque: a cgroup path across the hierarchies that hold it */

/* Detect the host layout (from /proc/self/mountinfo or statfs of /sys/fs/cgroup). `root` NULL means
 * /sys/fs/cgroup; tests pass a fake tree. */
enum cgroup_layout cgroup_detect(const char *root);

/* Resolve an OCI cgroupsPath to an absolute cgroup path: absolute kept; relative put under
 * default_parent ("/hull"); "../" components refused. `id` names the default leaf when path is NULL. */
char *cgroup_resolve_path(const char *oci_path, const char *id, struct hull_err **err);

/* Open (and with create=true, mkdir -p) the cgroup at path in every hierarchy. `root` as cgroup_detect. */
struct cgroup *cgroup_open(const char *root, const char *path, bool create, struct hull_err **err);
void cgroup_free(struct cgroup *cg);

/* Write the resources; on failure the message names the OCI field and the cgroup file. */
int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, bool update, struct hull_err **err);
int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct hull_err **err);
/* An O_DIRECTORY fd of the v2 (unified) cgroup for clone3 CLONE_INTO_CGROUP, or -1 when not possible. */
int cgroup_v2_fd(struct cgroup *cg);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct hull_err **err);
/* Is the cgroup frozen (for state "paused")? */
int cgroup_is_frozen(struct cgroup *cg);
int cgroup_kill(struct cgroup *cg, int sig, struct hull_err **err);
/* The pids in the cgroup (and its children). Caller frees *pids. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct hull_err **err);
/* Remove the cgroup dirs this path owns (leaf first); tolerates already-removed. */
int cgroup_destroy(struct cgroup *cg, struct hull_err **err);

#endif
