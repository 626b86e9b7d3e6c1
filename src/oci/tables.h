/* tables.h — the names of runtime-spec 1.2 and their kernel/libseccomp values, in one place.
 *
 * The config.json parser, `hullrt features` and `--help` all read these tables, so what we accept, what
 * we advertise and what we document cannot drift apart. This module holds data and lookups only: it
 * never touches the kernel (the one exception: seccomp_arch_supported asks the linked libseccomp).
 */
#ifndef HULL_OCI_TABLES_H
#define HULL_OCI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowest and highest ociVersion we accept (major must be 1; minor up to the max's). */
#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.2.1"
/* The 1.3 line: accepted too, for its fields that are settled (netDevices among them: src/runtime/netdev.c). */
#define OCI_VERSION_MAX_MINOR 3

struct oci_name_value { const char *name; long value; };

/* Namespaces, in spec order; value is the CLONE_NEW* flag. Index = enum spec_ns_type; the names are
 * spec_ns_type_names (spec.h), made from the same list. */
extern const struct oci_name_value oci_namespaces[];
extern const size_t oci_n_namespaces;

/* Capabilities CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40); index = capability number. */
#define OCI_CAP_LAST 40
extern const char *const oci_capabilities[OCI_CAP_LAST + 1];
int oci_capability_lookup(const char *name); /* -1 if unknown */

/* RLIMIT_* names and numbers. */
extern const struct oci_name_value oci_rlimits[];
extern const size_t oci_n_rlimits;

/* Hook kinds: spec_hook_kind_names of spec.h, defined in tables.c (prestart is deprecated, accepted). */

/* Mount options of config.md "Linux mount options". */
enum oci_mountopt_kind {
	MOPT_DEFAULTS,     /* "defaults": nothing */
	MOPT_MS_SET,       /* set MS_* flag (ro, nosuid, …) */
	MOPT_MS_CLEAR,     /* clear MS_* flag (rw, suid, …) */
	MOPT_BIND,         /* bind / rbind (value has MS_BIND[|MS_REC]) */
	MOPT_PROPAGATION,  /* shared, rslave, …: value is MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC] */
	MOPT_ATTR_SET,     /* recursive option setting MOUNT_ATTR_* (mount_setattr AT_RECURSIVE) */
	MOPT_ATTR_CLEAR,   /* recursive option clearing MOUNT_ATTR_* */
	MOPT_ATIME_MODE,   /* recursive atime mode: value is MOUNT_ATTR_{RELATIME,NOATIME,STRICTATIME} */
	MOPT_TMPCOPYUP,
	MOPT_IDMAP,
	MOPT_RIDMAP,
};
struct oci_mountopt { const char *name; enum oci_mountopt_kind kind; unsigned long value; };
extern const struct oci_mountopt oci_mount_options[];
extern const size_t oci_n_mount_options;
const struct oci_mountopt *oci_mountopt_lookup(const char *name);

/* rootfsPropagation values → MS_* flags. */
extern const struct oci_name_value oci_rootfs_propagations[];
extern const size_t oci_n_rootfs_propagations;

/* Seccomp. Actions carry the SCMP_ACT_* value without errno payload; errno_ok says errnoRet is allowed. */
struct oci_seccomp_action { const char *name; uint32_t value; bool errno_ok; };
extern const struct oci_seccomp_action oci_seccomp_actions[];
extern const size_t oci_n_seccomp_actions;
extern const struct oci_name_value oci_seccomp_operators[]; /* enum scmp_compare */
extern const size_t oci_n_seccomp_operators;
extern const struct oci_name_value oci_seccomp_archs[];     /* SCMP_ARCH_* (AUDIT_ARCH_* values) */
extern const size_t oci_n_seccomp_archs;
extern const struct oci_name_value oci_seccomp_flags[];     /* SECCOMP_FILTER_FLAG_* */
extern const size_t oci_n_seccomp_flags;
/* Does the linked libseccomp know this arch token? */
bool oci_seccomp_arch_supported(long arch_token);
/* Does the linked libseccomp / kernel accept this filter flag? (features "supportedFlags") */
bool oci_seccomp_flag_supported(long flag);

/* Scheduler policies (SCHED_*) and flags (SCHED_FLAG_*), ioPriority classes, personality domains,
 * memoryPolicy modes and flags, time namespace clocks. */
extern const struct oci_name_value oci_sched_policies[];
extern const size_t oci_n_sched_policies;
extern const struct oci_name_value oci_sched_flags[];
extern const size_t oci_n_sched_flags;
extern const struct oci_name_value oci_ioprio_classes[];
extern const size_t oci_n_ioprio_classes;
extern const struct oci_name_value oci_personality_domains[];
extern const size_t oci_n_personality_domains;
extern const struct oci_name_value oci_mempolicy_modes[];
extern const size_t oci_n_mempolicy_modes;
extern const struct oci_name_value oci_mempolicy_flags[];
extern const size_t oci_n_mempolicy_flags;
extern const char *const oci_time_clocks[];
extern const size_t oci_n_time_clocks;

/* The features.md document (JSON text, caller frees) of `hullrt features`, from these tables. */
char *oci_features_json(const char *runtime_version);

/* Linear lookup in a name/value table; NULL if absent. */
const struct oci_name_value *oci_lookup(const struct oci_name_value *t, size_t n, const char *name);

#endif
