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

/* Detect the host layout (statfs of `root` and of root/unified). `root` NULL means /sys/fs/cgroup;
 * tests pass a fake tree (a plain dir is recognised by cgroup.controllers / cgroup.procs files). */
enum cgroup_layout cgroup_detect(const char *root);

/* Resolve an OCI cgroupsPath to an absolute cgroup path: absolute kept (normalised: no "." or empty
 * components); relative put under "/hull" (never under the caller's own cgroup); ".." components and
 * the root itself refused. NULL or "" gives "/hull/<id>". */
char *cgroup_resolve_path(const char *oci_path, const char *id, struct hull_err **err);

/* Open (and with create=true, mkdir -p) the cgroup at path in every hierarchy: each v1 one
 * (name=systemd included) and the cgroup2 one. A new v1 cpuset dir gets its parent's cpus/mems; on a
 * pure v2 host each parent gets its available controllers enabled in cgroup.subtree_control (on a
 * hybrid host only those a resource needs, when it is applied). Without create, hierarchies lacking
 * the path are left out (no error). On failure nothing this call created is left. */
struct cgroup *cgroup_open(const char *root, const char *path, bool create, struct hull_err **err);
void cgroup_free(struct cgroup *cg);

/* Write the resources; on failure the message names the OCI field and the cgroup file. res may be NULL
 * (no linux.resources): the device rules (deny all, then runc's default allowed devices) are applied
 * all the same, so a runtime calls this for every container. With update=true, device rules are only
 * rewritten when res has some. Values the kernel lacks (kernel memory, v2 swappiness…) are ignored with
 * a warning, as runc does; controllers the host lacks are an error naming the field. */
int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, bool update, struct hull_err **err);
int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct hull_err **err);
/* Write pid into cgroup.procs of every hierarchy (hybrid: the v1 ones and the unified one). */
/* Move the calling thread into cg in every v1 hierarchy by writing "0" to `tasks`. For a process with
 * one thread (a container's init or exec'd process right after clone) that is the same as its pid in
 * cgroup.procs, but the kernel skips the global threadgroup lock, whose first writer waits for an RCU
 * grace period (~10 ms here, on every container start a runtime makes on an idle host). v2 hierarchies
 * are left to CLONE_INTO_CGROUP or cgroup_add_pid_v2. Never from a process with other threads. */
int cgroup_enter_self_v1(struct cgroup *cg, struct hull_err **err);
/* cgroup_add_pid for the v2 (unified) hierarchy alone; nothing to do without one. */
int cgroup_add_pid_v2(struct cgroup *cg, pid_t pid, struct hull_err **err);
/* An O_DIRECTORY fd of the cgroup2 cgroup for clone3 CLONE_INTO_CGROUP (owned by cg), or -1 on a v1
 * host. On a hybrid host it is the unified one: the v1 hierarchies still need cgroup_add_pid. */
int cgroup_v2_fd(struct cgroup *cg);
/* v1 freezer.state FROZEN/THAWED, polled until reached (~2 s at most); v2 cgroup.freeze, waited for in
 * cgroup.events. A freeze that times out is undone. */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct hull_err **err);
/* Is the cgroup frozen (for state "paused")? 1 or 0. */
int cgroup_is_frozen(struct cgroup *cg);
/* Signal every process: SIGKILL through cgroup.kill where the kernel has it; otherwise (and, on hybrid
 * hosts, also) freeze, signal each pid listed, thaw — so nothing forks in between. A paused cgroup is
 * thawed after SIGKILL so its processes can die. */
int cgroup_kill(struct cgroup *cg, int sig, struct hull_err **err);
/* The pids in the cgroup (and its children). Caller frees *pids. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct hull_err **err);
/* Remove the cgroup in every hierarchy: sub-cgroups first, then the leaf, retrying EBUSY briefly while
 * the last processes exit; parents only when this same object created them and they are empty.
 * Tolerates already-removed. */
int cgroup_destroy(struct cgroup *cg, struct hull_err **err);

/* ---- additions (refinements of the first interface; nothing above changed meaning) ---- */

enum cgroup_layout cgroup_layout(const struct cgroup *cg);
const char *cgroup_path(const struct cgroup *cg);
/* Do not touch device rules in cgroup_apply (unit tests on a fake tree; callers that only update limits). */
void cgroup_set_skip_devices(struct cgroup *cg, bool skip);
/* Does any hierarchy hold this cgroup's directory? (false after destroy or for a path never created) */
bool cgroup_exists(const struct cgroup *cg);

/* OOM notifications. cgroup_oom_watch returns an fd that becomes readable (POLLIN) when something may
 * have happened (v1: an eventfd registered on memory.oom_control; v2: an inotify watch on memory.events);
 * cgroup_oom_read then returns the number of new OOM events (0 if none), -1 on error. The fd is the
 * caller's to close. */
int cgroup_oom_watch(struct cgroup *cg, struct hull_err **err);
int cgroup_oom_read(struct cgroup *cg, int fd, struct hull_err **err);

/* Statistics, with runc's meanings (units: ns for cpu, bytes for memory). */
struct cgroup_mem_entry { uint64_t limit, usage, max, failcnt; };
struct cgroup_blkio_entry { uint64_t major, minor; char op[16]; uint64_t value; };
struct cgroup_hugetlb_stat { char page_size[32]; uint64_t usage, max, failcnt; };
struct cgroup_kv_u64 { char *key; uint64_t value; };
struct cgroup_stats {
	struct {
		uint64_t total, kernel, user;
		uint64_t *percpu, *percpu_kernel, *percpu_user; size_t n_percpu, n_percpu_kernel, n_percpu_user;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {
		uint64_t cache;
		struct cgroup_mem_entry usage, swap, kernel, kernel_tcp;
		struct cgroup_kv_u64 *raw; size_t n_raw;
	} memory;
	struct {
		uint16_t *cpus, *mems; size_t n_cpus, n_mems;
		uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
			memory_spread_slab, memory_pressure, sched_load_balance;
		int64_t sched_relax_domain_level;
	} cpuset;
	struct { uint64_t current, limit; } pids;
	struct {
		struct cgroup_blkio_entry *service_bytes, *serviced; size_t n_service_bytes, n_serviced;
	} blkio;
	struct cgroup_hugetlb_stat *hugetlb; size_t n_hugetlb;
};
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct hull_err **err);
void cgroup_stats_free(struct cgroup_stats *st);

/* ---- OCI → cgroup v2 conversions (convert.c); pure functions ---- */

/* cpu.shares [2, 262144] → cpu.weight [1, 10000]: the quadratic fit through (2,1), (1024,100),
 * (262144,10000) that crun introduced and runc (opencontainers/cgroups) now uses, so the default 1024
 * maps to the v2 default 100 (the old linear formula gave 39). 0 stays 0 (unset). */
uint64_t cgroup_shares_to_weight(uint64_t shares);
/* blkio weight [10, 1000] → io.weight [1, 10000], linear as runc. 0 stays 0. */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);
/* memory.swap (memory+swap, the v1 meaning; 0 = unset) and memory.limit (0 = unset) → memory.swap.max.
 * Returns 1 with *out to write (-1 meaning "max"), 0 when nothing is to be written, -1 on error (as
 * runc: a swap limit without a memory limit, or swap < limit). */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct hull_err **err);

#endif
