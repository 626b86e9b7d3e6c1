/* security.c — the default security of a container, as docker's: capability set, seccomp profile, masked
 * and read-only paths. The seccomp profile is ours (a block list with capability exceptions, below as
 * JSON) and is turned into the OCI linux.seccomp of the spec at each start. */
#include "engine/internal.h"
#include "oci/tables.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const engine_default_caps[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
	"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL };

const char *const engine_masked_paths[] = { "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore",
	"/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", NULL };

const char *const engine_readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger", NULL };

/* What docker's default profile refuses, grouped by the capability that lifts the refusal (as docker's
 * "includes": {"caps": …} rules). "errno" 1 = EPERM; clone3 answers ENOSYS so that libc falls back to
 * clone, whose namespace flags are then checked by argument. */
static const char default_profile[] =
"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\n"
" \"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\n"
" \"blocked\":[\n"
"  {\"names\":[\"add_key\",\"keyctl\",\"request_key\",\"get_kernel_syms\",\"query_module\",\"create_module\",\n"
"    \"nfsservctl\",\"sysfs\",\"_sysctl\",\"uselib\",\"ustat\",\"vm86\",\"vm86old\"]},\n"
"  {\"names\":[\"mount\",\"umount\",\"umount2\",\"pivot_root\",\"unshare\",\"setns\",\"swapon\",\"swapoff\",\n"
"    \"quotactl\",\"quotactl_fd\",\"lookup_dcookie\",\"fanotify_init\",\"open_tree\",\"move_mount\",\"fsopen\",\n"
"    \"fsconfig\",\"fsmount\",\"fspick\",\"mount_setattr\"], \"unlessCap\":\"CAP_SYS_ADMIN\"},\n"
"  {\"names\":[\"bpf\"], \"unlessCap\":\"CAP_SYS_ADMIN\"},\n"
"  {\"names\":[\"perf_event_open\"], \"unlessCap\":\"CAP_SYS_ADMIN\"},\n"
"  {\"names\":[\"clone3\"], \"errno\":38, \"unlessCap\":\"CAP_SYS_ADMIN\"},\n"
"  {\"names\":[\"clone\"], \"cloneFlags\":true, \"unlessCap\":\"CAP_SYS_ADMIN\"},\n"
"  {\"names\":[\"init_module\",\"finit_module\",\"delete_module\"], \"unlessCap\":\"CAP_SYS_MODULE\"},\n"
"  {\"names\":[\"kexec_load\",\"kexec_file_load\",\"reboot\"], \"unlessCap\":\"CAP_SYS_BOOT\"},\n"
"  {\"names\":[\"settimeofday\",\"stime\",\"clock_settime\",\"clock_settime64\",\"clock_adjtime\",\n"
"    \"clock_adjtime64\",\"adjtimex\"], \"unlessCap\":\"CAP_SYS_TIME\"},\n"
"  {\"names\":[\"open_by_handle_at\"], \"unlessCap\":\"CAP_DAC_READ_SEARCH\"},\n"
"  {\"names\":[\"acct\"], \"unlessCap\":\"CAP_SYS_PACCT\"},\n"
"  {\"names\":[\"iopl\",\"ioperm\"], \"unlessCap\":\"CAP_SYS_RAWIO\"},\n"
"  {\"names\":[\"kcmp\",\"process_vm_readv\",\"process_vm_writev\"], \"unlessCap\":\"CAP_SYS_PTRACE\"},\n"
"  {\"names\":[\"get_mempolicy\",\"set_mempolicy\",\"mbind\",\"move_pages\"], \"unlessCap\":\"CAP_SYS_NICE\"},\n"
"  {\"names\":[\"syslog\"], \"unlessCap\":\"CAP_SYSLOG\"},\n"
"  {\"names\":[\"vhangup\"], \"unlessCap\":\"CAP_SYS_TTY_CONFIG\"},\n"
"  {\"names\":[\"socket\"], \"family\":40}\n"
" ]}\n";

/* The clone(2) flags that make namespaces: refused one by one by an argument rule each. */
static const unsigned long clone_ns_flags[] = { 0x00020000 /* NEWNS */, 0x02000000 /* NEWCGROUP */,
	0x04000000 /* NEWUTS */, 0x08000000 /* NEWIPC */, 0x10000000 /* NEWUSER */, 0x20000000 /* NEWPID */,
	0x40000000 /* NEWNET */, 0x00000080 /* NEWTIME */ };

static char *cap_norm(const char *name)
{
	char *n = strncasecmp(name, "CAP_", 4) ? xasprintf("CAP_%s", name) : xstrdup(name);
	for (char *p = n; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 32;
	return n;
}

static bool caps_has(json_t *a, const char *cap)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (!strcmp(json_string_value(x), cap))
			return true;
	return false;
}

static void caps_del(json_t *a, const char *cap)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!strcmp(json_string_value(json_array_get(a, i)), cap))
			json_array_remove(a, i--);
}

/* The capabilities this process may hand on: its bounding set (CAP_SYS_RESOURCE may be missing). */
static unsigned long long bounding_set(void)
{
	_cleanup_file_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long v = ~0ULL;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapBnd:", 7))
			v = strtoull(line + 7, NULL, 16);
	return v;
}

static void add_all(json_t *a)
{
	unsigned long long bnd = bounding_set();
	for (int i = 0; i <= OCI_CAP_LAST; i++)
		if ((bnd >> i) & 1 && !caps_has(a, oci_capabilities[i]))
			json_array_append_new(a, json_string(oci_capabilities[i]));
}

json_t *engine_caps(bool privileged, const struct strv *add, const struct strv *drop, struct hull_err **err)
{
	json_t *a = json_array();
	if (privileged)
		add_all(a);
	else
		for (int i = 0; engine_default_caps[i]; i++)
			json_array_append_new(a, json_string(engine_default_caps[i]));
	for (size_t i = 0; drop && i < drop->n; i++) {
		if (!strcasecmp(drop->v[i], "ALL")) {
			json_array_clear(a);
			continue;
		}
		_cleanup_free_ char *n = cap_norm(drop->v[i]);
		if (oci_capability_lookup(n) < 0) {
			json_decref(a);
			hull_err_set(err, EINVAL, "--cap-drop %s: unknown capability", drop->v[i]);
			return NULL;
		}
		caps_del(a, n);
	}
	for (size_t i = 0; add && i < add->n; i++) {
		if (!strcasecmp(add->v[i], "ALL")) {
			add_all(a);
			continue;
		}
		_cleanup_free_ char *n = cap_norm(add->v[i]);
		if (oci_capability_lookup(n) < 0) {
			json_decref(a);
			hull_err_set(err, EINVAL, "--cap-add %s: unknown capability", add->v[i]);
			return NULL;
		}
		if (!caps_has(a, n))
			json_array_append_new(a, json_string(n));
	}
	return a;
}

static json_t *rule(json_t *names, int errnum, json_t *args)
{
	json_t *r = json_pack("{s:O,s:s,s:i}", "names", names, "action", "SCMP_ACT_ERRNO", "errnoRet", errnum);
	if (args)
		json_object_set_new(r, "args", args);
	return r;
}

json_t *engine_seccomp_default(json_t *caps)
{
	json_error_t je;
	json_t *prof = json_loads(default_profile, 0, &je);
	if (!prof)
		abort(); /* the profile is part of the program: a parse error is a bug caught by every test */
	json_t *out = json_pack("{s:s,s:O,s:[]}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
				json_object_get(prof, "architectures"), "syscalls");
	json_t *sys = json_object_get(out, "syscalls");
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(prof, "blocked"), i, b) {
		const char *unless = json_string_value(json_object_get(b, "unlessCap"));
		if (unless && caps_has(caps, unless))
			continue;
		json_t *names = json_object_get(b, "names");
		int errnum = json_object_get(b, "errno") ? (int)json_integer_value(json_object_get(b, "errno")) : EPERM;
		if (json_is_true(json_object_get(b, "cloneFlags"))) {
			for (size_t k = 0; k < sizeof(clone_ns_flags) / sizeof(*clone_ns_flags); k++)
				json_array_append_new(sys, rule(names, errnum, json_pack("[{s:i,s:I,s:I,s:s}]", "index", 0,
					"value", (json_int_t)clone_ns_flags[k], "valueTwo", (json_int_t)clone_ns_flags[k],
					"op", "SCMP_CMP_MASKED_EQ")));
		} else if (json_object_get(b, "family")) {
			json_array_append_new(sys, rule(names, errnum, json_pack("[{s:i,s:I,s:s}]", "index", 0, "value",
				json_integer_value(json_object_get(b, "family")), "op", "SCMP_CMP_EQ")));
		} else {
			json_array_append_new(sys, rule(names, errnum, NULL));
		}
	}
	json_decref(prof);
	return out;
}
