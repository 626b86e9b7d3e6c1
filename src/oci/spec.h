/* spec.h — the OCI runtime config (runtime-spec 1.2, config.json) as validated C structs.
 *
 * src/oci owns parsing and validation: every error names its JSON path ("config.json:
 * linux.namespaces[2].type: unknown namespace \"foo\""). The structs are plain data: the runtime reads
 * them and never writes them. Nothing here touches the kernel or the file system beyond reading the file.
 * Optional scalars carry a has_ flag; strings are NULL when absent (or "", as runc reads them); arrays
 * come with a count and a spare NULL/zero element at the end (args and env go straight to execve).
 */
#ifndef HULL_OCI_SPEC_H
#define HULL_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

struct spec_kv { char *key, *value; };

/* ---- process ---- */
struct spec_rlimit { int type; /* RLIMIT_* */ char *name; uint64_t soft, hard; };
struct spec_caps {
	/* Each set is a bitmask of CAP_* numbers; has_ says the set was given at all. */
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};
struct spec_user {
	uid_t uid; gid_t gid;
	bool has_umask; mode_t umask;
	gid_t *additional_gids; size_t n_additional_gids;
	char *username; /* windows only; kept for round trip */
};
struct spec_console_size { unsigned height, width; };
struct spec_scheduler {
	char *policy; int policy_num; /* SCHED_* */
	int nice; int priority; uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};
struct spec_io_priority { int class; /* IOPRIO_CLASS_* */ int priority; };
struct spec_exec_cpu_affinity { char *initial, *final; };

struct spec_process {
	bool terminal;
	bool has_console_size; struct spec_console_size console_size;
	struct spec_user user;
	char **args; size_t n_args;
	char *command_line; /* windows only */
	char **env; size_t n_env;
	char *cwd;
	struct spec_caps caps; bool has_caps;
	struct spec_rlimit *rlimits; size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj; int oom_score_adj;
	char *selinux_label;
	bool has_scheduler; struct spec_scheduler scheduler;
	bool has_io_priority; struct spec_io_priority io_priority;
	bool has_exec_cpu_affinity; struct spec_exec_cpu_affinity exec_cpu_affinity;
	/* What was accepted but ignored, with its JSON path: unknown capability names in an ociVersion
	 * 1.1+ config (that spec says warn; 1.0.x said fail, and so do we for 1.0.x). Set by
	 * spec_parse_process only; spec_parse puts them in spec.warnings. */
	char **warnings; size_t n_warnings;
};

/* ---- mounts ---- */
struct spec_mount {
	char *destination;
	char *source;
	char *type;
	char **options; size_t n_options;
	/* Options decoded by the parser with the table of oci/tables.h: */
	unsigned long flags;          /* MS_* to set */
	unsigned long clear_flags;    /* MS_* cleared by options such as "rw", "suid" */
	unsigned long propagation;    /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (| MS_REC) or 0 */
	uint64_t attr_set, attr_clr;  /* MOUNT_ATTR_* for recursive r* options (mount_setattr) */
	bool attr_recursive;
	char *data;                   /* unrecognised options joined by ",": passed to the file system */
	bool bind, rbind;
	bool tmpcopyup;
	bool idmap, ridmap;
	struct spec_idmap { uint32_t container_id, host_id, size; } *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

/* ---- hooks ---- */
struct spec_hook {
	char *path;
	char **args; size_t n_args;
	char **env; size_t n_env;
	bool has_timeout; int timeout; /* seconds, > 0 */
};
enum spec_hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, HOOK_POSTSTART,
	HOOK_POSTSTOP, HOOK_KIND_COUNT
};
extern const char *const spec_hook_kind_names[HOOK_KIND_COUNT]; /* "prestart", "createRuntime", … */

/* ---- linux ---- */
enum spec_ns_type { NS_PID, NS_NETWORK, NS_MOUNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS_TYPE_COUNT };
struct spec_namespace { enum spec_ns_type type; char *path; /* NULL: create a new one */ };
struct spec_time_offset { int64_t secs; uint32_t nanosecs; };

struct spec_device {
	char *path; char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_file_mode; mode_t file_mode;
	bool has_uid; uid_t uid;
	bool has_gid; gid_t gid;
};

struct spec_device_cgroup {
	bool allow; char type; /* 'a', 'c', 'b' */
	bool has_major; int64_t major; bool has_minor; int64_t minor;
	char *access; /* subset of "rwm" */
};
struct spec_weight_device { int64_t major, minor; bool has_weight; uint16_t weight; bool has_leaf_weight; uint16_t leaf_weight; };
struct spec_throttle_device { int64_t major, minor; uint64_t rate; };
struct spec_hugepage_limit { char *page_size; uint64_t limit; };
struct spec_net_priority { char *name; uint32_t priority; };
struct spec_rdma { char *device; bool has_handles; uint32_t hca_handles; bool has_objects; uint32_t hca_objects; };

struct spec_resources {
	struct spec_device_cgroup *devices; size_t n_devices;
	struct {
		bool has_limit; int64_t limit;
		bool has_reservation; int64_t reservation;
		bool has_swap; int64_t swap;
		bool has_kernel; int64_t kernel;
		bool has_kernel_tcp; int64_t kernel_tcp;
		bool has_swappiness; uint64_t swappiness;
		bool has_disable_oom_killer; bool disable_oom_killer;
		bool has_use_hierarchy; bool use_hierarchy;
		bool has_check_before_update; bool check_before_update;
	} memory; bool has_memory;
	struct {
		bool has_shares; uint64_t shares;
		bool has_quota; int64_t quota;
		bool has_burst; uint64_t burst;
		bool has_period; uint64_t period;
		bool has_realtime_runtime; int64_t realtime_runtime;
		bool has_realtime_period; uint64_t realtime_period;
		char *cpus, *mems;
		bool has_idle; int64_t idle;
	} cpu; bool has_cpu;
	struct { bool has_limit; int64_t limit; } pids; bool has_pids;
	struct {
		bool has_weight; uint16_t weight;
		bool has_leaf_weight; uint16_t leaf_weight;
		struct spec_weight_device *weight_device; size_t n_weight_device;
		struct spec_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops, *throttle_write_iops;
		size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
	} block_io; bool has_block_io;
	struct spec_hugepage_limit *hugepage_limits; size_t n_hugepage_limits;
	struct { bool has_class_id; uint32_t class_id; struct spec_net_priority *priorities; size_t n_priorities; } network;
	bool has_network;
	struct spec_rdma *rdma; size_t n_rdma;
	struct spec_kv *unified; size_t n_unified;
};

struct spec_seccomp_arg { unsigned index; uint64_t value, value_two; int op; /* enum scmp_compare */ };
struct spec_seccomp_syscall {
	char **names; size_t n_names;
	uint32_t action; /* SCMP_ACT_* (without errno payload) */
	bool has_errno_ret; uint32_t errno_ret;
	struct spec_seccomp_arg *args; size_t n_args;
};
struct spec_seccomp {
	uint32_t default_action;
	bool has_default_errno_ret; uint32_t default_errno_ret;
	uint32_t *architectures; size_t n_architectures; /* SCMP_ARCH_* */
	char **flags; size_t n_flags;
	bool has_flags; /* "flags" present, even empty (so is flags != NULL): absent means runc's default SPEC_ALLOW */
	unsigned int flag_bits; /* SECCOMP_FILTER_FLAG_* of `flags` */
	char *listener_path, *listener_metadata;
	struct spec_seccomp_syscall *syscalls; size_t n_syscalls;
	char *raw_json; /* canonical JSON of the section: key of the compiled-BPF cache */
};

struct spec_personality { char *domain; int domain_num; /* PER_LINUX, PER_LINUX32 */ char **flags; size_t n_flags; };
struct spec_memory_policy { char *mode; int mode_num; /* MPOL_* */ char *nodes; unsigned int flags; /* MPOL_F_* */ };
struct spec_net_device { char *host_name; char *name; /* name inside: NULL = same as host_name */ };
struct spec_idmapping { uint32_t container_id, host_id, size; };

struct spec_linux {
	struct spec_namespace *namespaces; size_t n_namespaces;
	struct spec_idmapping *uid_mappings, *gid_mappings; size_t n_uid_mappings, n_gid_mappings;
	struct { bool has_monotonic, has_boottime; struct spec_time_offset monotonic, boottime; } time_offsets;
	struct spec_device *devices; size_t n_devices;
	char *cgroups_path;
	struct spec_resources resources; bool has_resources;
	char *rootfs_propagation; unsigned long rootfs_propagation_flags;
	struct spec_kv *sysctl; size_t n_sysctl;
	struct spec_seccomp *seccomp;
	char **masked_paths; size_t n_masked_paths;
	char **readonly_paths; size_t n_readonly_paths;
	char *mount_label;
	bool has_personality; struct spec_personality personality;
	bool has_intel_rdt;
	char *intel_rdt_clos_id; /* recorded; RDT not available here */
	char *intel_rdt_l3_cache_schema, *intel_rdt_mem_bw_schema;
	char **intel_rdt_schemata; size_t n_intel_rdt_schemata;
	bool intel_rdt_enable_monitoring;
	bool has_memory_policy; struct spec_memory_policy memory_policy; /* runtime-spec 1.3 */
	struct spec_net_device *net_devices; size_t n_net_devices;      /* runtime-spec 1.3 */
};

struct spec {
	char *oci_version;
	char *root_path;      /* root.path as written (relative to the bundle or absolute) */
	bool root_readonly;
	char *hostname, *domainname;
	struct spec_process *process; /* NULL when absent (allowed for create? no: required by runtime) */
	struct spec_mount *mounts; size_t n_mounts;
	struct spec_hook *hooks[HOOK_KIND_COUNT]; size_t n_hooks[HOOK_KIND_COUNT];
	struct spec_kv *annotations; size_t n_annotations;
	struct spec_linux *linux_; /* NULL when absent */
	void *json;                /* the parsed json_t, kept for round trip (state annotations, hooks); integers
	                            * above INT64_MAX appear in it as strings "\u0001u64:<digits>" */
	char **warnings; size_t n_warnings; /* see spec_process.warnings; spec_load_bundle logs them */
};

/* Parse and validate config.json text. `origin` names it in errors ("config.json").
 * On error returns NULL with a message naming the JSON path, or line:column for syntax errors. */
struct spec *spec_parse(const char *text, size_t len, const char *origin, struct hull_err **err);
/* The same for a document already in memory (a json_t: an engine that generated it); takes its own
 * reference, the caller keeps theirs. */
struct spec *spec_parse_doc(void *json_doc, const char *origin, struct hull_err **err);
/* Read and parse <bundle>/config.json; log_warn()s the spec's warnings. */
struct spec *spec_load_bundle(const char *bundle, struct hull_err **err);
/* Parse a process.json (runc exec -p): the "process" object on its own. */
struct spec_process *spec_parse_process(const char *text, size_t len, const char *origin, struct hull_err **err);
void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);

/* Helpers used by the runtime. */
const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t);
extern const char *const spec_ns_type_names[NS_TYPE_COUNT]; /* "pid", "network", … */

/* The default config.json of `hullrt spec` (as runc's), rootless variant if asked. Returns JSON text. */
char *spec_default_json(bool rootless);
/* Write it as dirfd/config.json (mode 0666 & ~umask), whole or not at all, never over an existing file:
 * "File config.json exists. Remove it first" (runc's words). */
int spec_write_default(int dirfd, bool rootless, struct hull_err **err);

#endif
