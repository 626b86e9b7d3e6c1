/* tables.c — see tables.h. Values come from the kernel and libseccomp headers where they exist; the few
 * constants newer than Debian 12's headers are spelled out with their kernel ABI value. */
#include "oci/tables.h"
#include "oci/spec.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/elf-em.h>
#include <linux/ioprio.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N(t) (sizeof(t) / sizeof((t)[0]))

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* One list, in enum spec_ns_type order, for both the name/flag table and spec_ns_type_names. */
#define NAMESPACES(X)                                                                              \
	X("pid", CLONE_NEWPID) X("network", CLONE_NEWNET) X("mount", CLONE_NEWNS) X("ipc", CLONE_NEWIPC) \
	X("uts", CLONE_NEWUTS) X("user", CLONE_NEWUSER) X("cgroup", CLONE_NEWCGROUP) X("time", CLONE_NEWTIME)
#define NS_ENTRY(name, flag) { name, flag },
#define NS_NAME(name, flag) name,
const struct oci_name_value oci_namespaces[] = { NAMESPACES(NS_ENTRY) };
const size_t oci_n_namespaces = N(oci_namespaces);
const char *const spec_ns_type_names[NS_TYPE_COUNT] = { NAMESPACES(NS_NAME) };
_Static_assert(N(oci_namespaces) == NS_TYPE_COUNT, "namespace table and enum spec_ns_type differ");

const char *const oci_capabilities[OCI_CAP_LAST + 1] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int oci_capability_lookup(const char *name)
{
	for (int i = 0; i <= OCI_CAP_LAST; i++)
		if (strcmp(oci_capabilities[i], name) == 0)
			return i;
	return -1;
}

const struct oci_name_value oci_rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};
const size_t oci_n_rlimits = N(oci_rlimits);

const char *const spec_hook_kind_names[HOOK_KIND_COUNT] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* "norelatime"/"rnorelatime": the kernel has no "not relatime" mode, only relatime (the default),
 * noatime and strictatime; like mount(8) we let "norelatime" merely clear MS_RELATIME, and its
 * recursive form picks strictatime, the only mode that is "not relatime" and still updates atime. */
const struct oci_mountopt oci_mount_options[] = {
	{ "defaults", MOPT_DEFAULTS, 0 },
	{ "ro", MOPT_MS_SET, MS_RDONLY },           { "rw", MOPT_MS_CLEAR, MS_RDONLY },
	{ "nosuid", MOPT_MS_SET, MS_NOSUID },       { "suid", MOPT_MS_CLEAR, MS_NOSUID },
	{ "nodev", MOPT_MS_SET, MS_NODEV },         { "dev", MOPT_MS_CLEAR, MS_NODEV },
	{ "noexec", MOPT_MS_SET, MS_NOEXEC },       { "exec", MOPT_MS_CLEAR, MS_NOEXEC },
	{ "sync", MOPT_MS_SET, MS_SYNCHRONOUS },    { "async", MOPT_MS_CLEAR, MS_SYNCHRONOUS },
	{ "dirsync", MOPT_MS_SET, MS_DIRSYNC },
	{ "remount", MOPT_MS_SET, MS_REMOUNT },
	{ "mand", MOPT_MS_SET, MS_MANDLOCK },       { "nomand", MOPT_MS_CLEAR, MS_MANDLOCK },
	{ "noatime", MOPT_MS_SET, MS_NOATIME },     { "atime", MOPT_MS_CLEAR, MS_NOATIME },
	{ "nodiratime", MOPT_MS_SET, MS_NODIRATIME }, { "diratime", MOPT_MS_CLEAR, MS_NODIRATIME },
	{ "relatime", MOPT_MS_SET, MS_RELATIME },   { "norelatime", MOPT_MS_CLEAR, MS_RELATIME },
	{ "strictatime", MOPT_MS_SET, MS_STRICTATIME }, { "nostrictatime", MOPT_MS_CLEAR, MS_STRICTATIME },
	{ "nosymfollow", MOPT_MS_SET, MS_NOSYMFOLLOW }, { "symfollow", MOPT_MS_CLEAR, MS_NOSYMFOLLOW },
	{ "lazytime", MOPT_MS_SET, MS_LAZYTIME },   { "nolazytime", MOPT_MS_CLEAR, MS_LAZYTIME },
	{ "silent", MOPT_MS_SET, MS_SILENT },       { "loud", MOPT_MS_CLEAR, MS_SILENT },
	{ "iversion", MOPT_MS_SET, MS_I_VERSION },  { "noiversion", MOPT_MS_CLEAR, MS_I_VERSION },
	{ "acl", MOPT_MS_SET, MS_POSIXACL },        { "noacl", MOPT_MS_CLEAR, MS_POSIXACL },
	{ "bind", MOPT_BIND, MS_BIND },             { "rbind", MOPT_BIND, MS_BIND | MS_REC },
	{ "shared", MOPT_PROPAGATION, MS_SHARED },  { "rshared", MOPT_PROPAGATION, MS_SHARED | MS_REC },
	{ "slave", MOPT_PROPAGATION, MS_SLAVE },    { "rslave", MOPT_PROPAGATION, MS_SLAVE | MS_REC },
	{ "private", MOPT_PROPAGATION, MS_PRIVATE }, { "rprivate", MOPT_PROPAGATION, MS_PRIVATE | MS_REC },
	{ "unbindable", MOPT_PROPAGATION, MS_UNBINDABLE },
	{ "runbindable", MOPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
	{ "rro", MOPT_ATTR_SET, MOUNT_ATTR_RDONLY },     { "rrw", MOPT_ATTR_CLEAR, MOUNT_ATTR_RDONLY },
	{ "rnosuid", MOPT_ATTR_SET, MOUNT_ATTR_NOSUID }, { "rsuid", MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSUID },
	{ "rnodev", MOPT_ATTR_SET, MOUNT_ATTR_NODEV },   { "rdev", MOPT_ATTR_CLEAR, MOUNT_ATTR_NODEV },
	{ "rnoexec", MOPT_ATTR_SET, MOUNT_ATTR_NOEXEC }, { "rexec", MOPT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", MOPT_ATTR_SET, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", MOPT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", MOPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rrelatime", MOPT_ATIME_MODE, MOUNT_ATTR_RELATIME },
	{ "rnorelatime", MOPT_ATIME_MODE, MOUNT_ATTR_STRICTATIME },
	{ "rnoatime", MOPT_ATIME_MODE, MOUNT_ATTR_NOATIME },
	{ "ratime", MOPT_ATIME_MODE, MOUNT_ATTR_RELATIME },
	{ "rstrictatime", MOPT_ATIME_MODE, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", MOPT_ATIME_MODE, MOUNT_ATTR_RELATIME },
	{ "tmpcopyup", MOPT_TMPCOPYUP, 0 },
	{ "idmap", MOPT_IDMAP, 0 },
	{ "ridmap", MOPT_RIDMAP, 0 },
};
const size_t oci_n_mount_options = N(oci_mount_options);

const struct oci_mountopt *oci_mountopt_lookup(const char *name)
{
	for (size_t i = 0; i < oci_n_mount_options; i++)
		if (strcmp(oci_mount_options[i].name, name) == 0)
			return &oci_mount_options[i];
	return NULL;
}

const struct oci_name_value oci_rootfs_propagations[] = {
	{ "shared", MS_SHARED | MS_REC },   { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE | MS_REC },     { "rslave", MS_SLAVE | MS_REC },
	{ "private", MS_PRIVATE | MS_REC }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "unbindable", MS_UNBINDABLE | MS_REC }, { "runbindable", MS_UNBINDABLE | MS_REC },
};
const size_t oci_n_rootfs_propagations = N(oci_rootfs_propagations);

const struct oci_seccomp_action oci_seccomp_actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};
const size_t oci_n_seccomp_actions = N(oci_seccomp_actions);

const struct oci_name_value oci_seccomp_operators[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};
const size_t oci_n_seccomp_operators = N(oci_seccomp_operators);

/* Newer than Debian 12's headers; values are the kernel's AUDIT_ARCH_* ABI. */
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef EM_SH
#define EM_SH 42
#endif
#ifndef EM_68K
#define EM_68K 4
#endif
#define HULL_ARCH_LOONGARCH64 (EM_LOONGARCH | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE)
#define HULL_ARCH_M68K (EM_68K)
#define HULL_ARCH_SH (EM_SH | __AUDIT_ARCH_LE)
#define HULL_ARCH_SHEB (EM_SH)

const struct oci_name_value oci_seccomp_archs[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },           { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },           { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },   { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },     { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },     { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 }, { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },       { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },         { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },     { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },   { "SCMP_ARCH_LOONGARCH64", HULL_ARCH_LOONGARCH64 },
	{ "SCMP_ARCH_M68K", HULL_ARCH_M68K },         { "SCMP_ARCH_SH", HULL_ARCH_SH },
	{ "SCMP_ARCH_SHEB", HULL_ARCH_SHEB },
};
const size_t oci_n_seccomp_archs = N(oci_seccomp_archs);

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
const struct oci_name_value oci_seccomp_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};
const size_t oci_n_seccomp_flags = N(oci_seccomp_flags);

bool oci_seccomp_arch_supported(long arch_token)
{
	/* libseccomp answers by name; find ours, strip "SCMP_ARCH_" and lower-case it ("x86_64"). */
	for (size_t i = 0; i < oci_n_seccomp_archs; i++) {
		if (oci_seccomp_archs[i].value != arch_token)
			continue;
		char lower[32];
		const char *s = oci_seccomp_archs[i].name + strlen("SCMP_ARCH_");
		size_t j = 0;
		for (; s[j] && j < sizeof(lower) - 1; j++)
			lower[j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] - 'A' + 'a' : s[j]);
		lower[j] = 0;
		return seccomp_arch_resolve_name(lower) == (uint32_t)arch_token;
	}
	return false;
}

bool oci_seccomp_flag_supported(long flag)
{
	/* With a NULL program the kernel checks the flags first (EINVAL) and only then faults on the
	 * program (EFAULT): EFAULT means the flag is known. Nothing is installed either way.
	 * WAIT_KILLABLE_RECV is only valid with a listener, so it is asked together with NEW_LISTENER. */
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flag, NULL);
	return r < 0 && errno == EFAULT;
}

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
const struct oci_name_value oci_sched_policies[] = {
	{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
	{ "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", 4 /* reserved, not in mainline */ },
	{ "SCHED_IDLE", SCHED_IDLE },   { "SCHED_DEADLINE", SCHED_DEADLINE },
};
const size_t oci_n_sched_policies = N(oci_sched_policies);

/* linux/sched.h values (SCHED_FLAG_*), spelled out: glibc's sched.h and linux/sched.h collide. */
const struct oci_name_value oci_sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};
const size_t oci_n_sched_flags = N(oci_sched_flags);

const struct oci_name_value oci_ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT }, { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
	{ "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
};
const size_t oci_n_ioprio_classes = N(oci_ioprio_classes);

const struct oci_name_value oci_personality_domains[] = {
	{ "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 },
};
const size_t oci_n_personality_domains = N(oci_personality_domains);

/* linux/mempolicy.h values. */
const struct oci_name_value oci_mempolicy_modes[] = {
	{ "MPOL_DEFAULT", 0 }, { "MPOL_PREFERRED", 1 }, { "MPOL_BIND", 2 }, { "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 }, { "MPOL_PREFERRED_MANY", 5 }, { "MPOL_WEIGHTED_INTERLEAVE", 6 },
};
const size_t oci_n_mempolicy_modes = N(oci_mempolicy_modes);
const struct oci_name_value oci_mempolicy_flags[] = {
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 }, { "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
};
const size_t oci_n_mempolicy_flags = N(oci_mempolicy_flags);

const char *const oci_time_clocks[] = { "monotonic", "boottime" };
const size_t oci_n_time_clocks = N(oci_time_clocks);

const struct oci_name_value *oci_lookup(const struct oci_name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}
