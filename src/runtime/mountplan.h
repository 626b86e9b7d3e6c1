/* mountplan.h — the pure half of the container's file-system view: spec mounts, devices and
 * masked/read-only paths turned into plain, ordered data that rootfs.c, mounts.c and devices.c apply.
 *
 * Nothing here touches the kernel or the file system: unit tests check every decision without root.
 * Paths are normalised lexically only ("/a/./b/../c" → "/a/c", never above "/"): the real resolution
 * happens later, confined to the rootfs with openat2(RESOLVE_IN_ROOT). It never decides anything that
 * needs to look at the rootfs (file or directory, existing or not): that is the appliers' job.
 */
#ifndef HULL_RUNTIME_MOUNTPLAN_H
#define HULL_RUNTIME_MOUNTPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "oci/spec.h"

enum mount_kind {
	MOUNT_KIND_BIND,   /* bind/rbind of a host path */
	MOUNT_KIND_FS,     /* a new file-system instance: tmpfs, proc, sysfs, devpts, mqueue, … */
	MOUNT_KIND_CGROUP, /* "cgroup"/"cgroup2": the host's hierarchies (bind) or a mount in a cgroup ns */
};

struct mount_step {
	size_t index;                /* position in spec->mounts (for error texts: mounts[3]) */
	const struct spec_mount *m;
	enum mount_kind kind;
	char *dest;                  /* normalised absolute destination inside the container */
	char *source;                /* BIND: absolute host path (relative ones joined to the bundle);
	                              * FS: the source string given to the file system (type if absent) */
	char *fstype;                /* FS/CGROUP: the file-system type */
	bool recursive;              /* rbind */
	uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for the top mount (ro, nosuid, nodev, noexec, atime) */
	uint64_t rattr_set, rattr_clr; /* MOUNT_ATTR_* for the whole tree (rro, rnosuid, …) */
	uint64_t propagation;        /* MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE; 0 for none */
	bool propagation_recursive;
	unsigned long sb_flags;      /* superblock flags of a new file system (sync, dirsync, lazytime, ro) */
	bool tmpcopyup;
	bool idmap, ridmap;
	bool defer_rdonly;           /* FS on /dev asked read-only: mounted rw, made ro once devices exist */
};

struct mount_plan {
	struct mount_step *steps;
	size_t n_steps;
	bool setup_dev;              /* false when /dev is a bind of the host's: no default devices then */
};

/* Build the ordered plan of spec mounts. Errors name the mount: "mounts[2] (bind on /data): …".
 * bundle: absolute bundle directory, for relative bind sources. */
int mountplan_build(const struct spec *s, const char *bundle, struct mount_plan *out, struct hull_err **err);
void mountplan_free(struct mount_plan *p);

/* Lexical clean of a container path: always absolute, no ".", "..", "//" or trailing "/";
 * ".." never climbs above "/". Returns a new string. */
char *mountplan_clean_path(const char *path);
/* true when clean path p is dir or below it ("/proc/sys" is under "/proc"; "/procfoo" is not). */
bool mountplan_path_under(const char *p, const char *dir);

/* MS_* flags to MOUNT_ATTR_* (ro, nosuid, nodev, noexec, atime modes, nodiratime, nosymfollow). */
uint64_t mountplan_ms_to_attr(unsigned long ms);
/* MS_* flags a new superblock takes as fsconfig flags: those mount attributes cannot express, and
 * MS_RDONLY, which mount(2) applies to a new superblock too (an existing shared one, such as sysfs of a
 * shared network namespace, is left as it is by the kernel). */
unsigned long mountplan_sb_flags(unsigned long ms);

/* Which mounts may land on /proc or below it (as runc: procfs on /proc itself, or one of the few files
 * lxcfs-style tools overlay). Returns 0 or -1 with an error naming the mount. */
int mountplan_check_proc_dest(const struct mount_step *st, struct hull_err **err);

/* A device node to create inside /dev. */
struct device_node {
	char *path;         /* clean absolute path, always under /dev */
	char type;          /* 'c', 'b', 'p' ('u' is taken as 'c') */
	int64_t major, minor;
	mode_t mode;        /* permission bits */
	uid_t uid; gid_t gid;
	bool is_default;
};
/* linux.devices, then the default set (null, zero, full, random, urandom, tty) minus those the spec
 * redefines. Errors name linux.devices[i]. */
int mountplan_devices(const struct spec *s, struct device_node **out, size_t *n, struct hull_err **err);
void mountplan_devices_free(struct device_node *d, size_t n);

/* The /dev symlinks every container gets: name inside /dev → target. */
struct dev_symlink { const char *name, *target; };
extern const struct dev_symlink mountplan_dev_symlinks[];
extern const size_t mountplan_n_dev_symlinks;

/* maskedPaths / readonlyPaths cleaned, duplicates removed, "/" refused. The caller frees with
 * mountplan_paths_free. Errors name linux.maskedPaths[i]. */
int mountplan_paths(char *const *paths, size_t n, const char *field, char ***out, size_t *n_out,
		    struct hull_err **err);
void mountplan_paths_free(char **p, size_t n);

/* What masks a path: directories get a read-only tmpfs, anything else a bind of /dev/null. */
enum mask_kind { MASK_WITH_TMPFS, MASK_WITH_NULL };
enum mask_kind mountplan_mask_kind(mode_t st_mode);

/* A cgroup hierarchy of the host as the container sees it, from /proc/self/mountinfo and /proc/self/cgroup. */
struct cgroup_hier {
	char *name;        /* directory under the container's cgroup mount: basename of the host mount point */
	char *fstype;      /* "cgroup" or "cgroup2" */
	char *controllers; /* v1: "cpu,cpuacct" or "name=systemd" as /proc/self/cgroup names them; NULL for v2 */
	char *host_dir;    /* host mount point + this process's cgroup in that hierarchy; NULL when no
	                    * mount shows it (inside a cgroup namespace) */
};
int mountplan_cgroup_hierarchies(const char *mountinfo, const char *proc_cgroup, struct cgroup_hier **out,
				 size_t *n, struct hull_err **err);
void mountplan_cgroup_free(struct cgroup_hier *h, size_t n);

/* --no-pivot: the mounts of mountinfo that are neither "/", nor the rootfs or below it, nor a mount the
 * rootfs lives on, deepest first (a path once per stacked layer): what to detach before the rootfs is moved onto "/", so that the
 * host's /proc, /sys and the like do not stay reachable under the container. NULL-terminated; free
 * with mountplan_paths_free(list, n). */
char **mountplan_detach_list(const char *mountinfo, const char *rootfs, size_t *n);

/* The mount point (unescaped) of the mount that path lives on: the longest mount point of mountinfo that
 * is path or above it. NULL if none. */
char *mountplan_mount_of(const char *mountinfo, const char *path);

/* Does linux.namespaces list a namespace of this type (new or joined)? */
bool mountplan_has_ns(const struct spec *s, enum spec_ns_type t);

/* Propagation of "/" before anything else: linux.rootfsPropagation or MS_REC|MS_PRIVATE. */
unsigned long mountplan_root_propagation(const struct spec *s);

#endif
