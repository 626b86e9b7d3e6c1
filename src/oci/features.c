/* features.c — the runtime-spec features.md document of `hullrt features`, generated from tables.c so
 * it says exactly what the parser accepts. Recognized-name lists are sorted, as runc prints them. */
#include "oci/spec.h"
#include "oci/tables.h"
#include "util/err.h"

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted JSON array of names; `keep` (may be NULL) filters by value. */
static json_t *names(const struct oci_name_value *t, size_t n, bool (*keep)(long))
{
	const char **v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!keep || keep(t[i].value))
			v[k++] = t[i].name;
	qsort(v, k, sizeof(*v), cmp_str);
	json_t *a = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append_new(a, json_string(v[i]));
	free(v);
	return a;
}

static json_t *strs(const char *const *t, size_t n, bool sorted)
{
	const char **v = xcalloc(n + 1, sizeof(*v));
	memcpy(v, t, n * sizeof(*v));
	if (sorted)
		qsort(v, n, sizeof(*v), cmp_str);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	free(v);
	return a;
}

char *oci_features_json(const char *runtime_version)
{
	const char *mopts[oci_n_mount_options];
	for (size_t i = 0; i < oci_n_mount_options; i++)
		mopts[i] = oci_mount_options[i].name;
	const char *actions[oci_n_seccomp_actions];
	for (size_t i = 0; i < oci_n_seccomp_actions; i++)
		actions[i] = oci_seccomp_actions[i].name;

	const struct scmp_version *sv = seccomp_version();
	char *libseccomp = xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);

	json_t *seccomp = json_pack("{sb so so so so so}", "enabled", 1,
				    "actions", strs(actions, oci_n_seccomp_actions, true),
				    "operators", names(oci_seccomp_operators, oci_n_seccomp_operators, NULL),
				    "archs", names(oci_seccomp_archs, oci_n_seccomp_archs, oci_seccomp_arch_supported),
				    "knownFlags", names(oci_seccomp_flags, oci_n_seccomp_flags, NULL),
				    "supportedFlags", names(oci_seccomp_flags, oci_n_seccomp_flags, oci_seccomp_flag_supported));
	/* Capabilities in number order (as runc), everything else sorted. src/cgroup writes v1 and v2 and
	 * rdma.max; systemd cgroup managers are not implemented (no systemd here), nor RDT, AppArmor and
	 * SELinux (absent from this machine). */
	json_t *linux_ = json_pack(
		"{so so s{sbsbsbsbsb} so s{sb} s{sb} s{sbsbsb} s{s{sb}} s{sb}}",
		"namespaces", strs(spec_ns_type_names, NS_TYPE_COUNT, true),
		"capabilities", strs(oci_capabilities, OCI_CAP_LAST + 1, false),
		"cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 1,
		"seccomp", seccomp,
		"apparmor", "enabled", 0,
		"selinux", "enabled", 0,
		"intelRdt", "enabled", 0, "schemata", 0, "monitoring", 0,
		"mountExtensions", "idmap", "enabled", 1,
		"netDevices", "enabled", 1);
	json_t *doc = json_pack("{ss ss so so so s{ssss}}",
				"ociVersionMin", OCI_VERSION_MIN, "ociVersionMax", OCI_VERSION_MAX,
				"hooks", strs(spec_hook_kind_names, HOOK_KIND_COUNT, false),
				"mountOptions", strs(mopts, oci_n_mount_options, true),
				"linux", linux_,
				"annotations", "io.github.seccomp.libseccomp.version", libseccomp,
				"org.hull.version", runtime_version);
	free(libseccomp);
	if (!doc)
		abort();
	char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		abort();
	return text;
}
