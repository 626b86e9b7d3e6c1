/* spec_linux.c — the "linux" object but resources (spec_resources.c) and seccomp (spec_seccomp.c). */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>

/* Run `body` for each element of the optional array obj[key], with "key[i]" pushed and `el` the element.
 * `alloc` is evaluated once with `cnt` set, before the loop. */
#define FOR_ARRAY(obj, key, alloc, body)                                    \
	do {                                                                \
		json_t *arr_;                                               \
		if (pg_array(pc, obj, key, &arr_) < 0)                      \
			return -1;                                          \
		if (!arr_)                                                  \
			break;                                              \
		size_t old_ = pc_key(pc, key), cnt = json_array_size(arr_); \
		(void)cnt;                                                  \
		alloc;                                                      \
		for (size_t i = 0; i < cnt; i++) {                          \
			size_t o2_ = pc_index(pc, i);                       \
			json_t *el = json_array_get(arr_, i);               \
			int r_ = (body);                                    \
			pc_pop(pc, o2_);                                    \
			if (r_ < 0) {                                       \
				pc_pop(pc, old_);                           \
				return -1;                                  \
			}                                                   \
		}                                                           \
		pc_pop(pc, old_);                                           \
	} while (0)

static int parse_namespace(struct pctx *pc, const json_t *el, struct spec_linux *l)
{
	struct spec_namespace *ns = &l->namespaces[l->n_namespaces];
	long t;
	if (pv_object(pc, el) < 0 ||
	    pg_enum(pc, el, "type", true, oci_namespaces, oci_n_namespaces, "namespace", NULL, &t, NULL) < 0)
		return -1;
	/* The table's value is the clone flag; the enum is the table's index. */
	const struct oci_name_value *e = oci_lookup(oci_namespaces, oci_n_namespaces,
						    json_string_value(json_object_get(el, "type")));
	ns->type = (enum spec_ns_type)(e - oci_namespaces);
	for (size_t j = 0; j < l->n_namespaces; j++)
		if (l->namespaces[j].type == ns->type) {
			pc_key(pc, "type");
			return pc_fail(pc, "duplicate namespace \"%s\" (also at index %zu)", spec_ns_type_names[ns->type], j);
		}
	l->n_namespaces++;
	if (pg_str(pc, el, "path", false, &ns->path) < 0)
		return -1;
	if (ns->path && ns->path[0] != '/') {
		pc_key(pc, "path");
		return pc_fail(pc, "namespace path \"%.200s\" is not absolute", ns->path);
	}
	return 0;
}

static int parse_time_offsets(struct pctx *pc, const json_t *o, struct spec_linux *l)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		size_t old = pc_key(pc, k);
		struct spec_time_offset *off = NULL;
		int r = 0;
		if (strcmp(k, "monotonic") == 0) {
			off = &l->time_offsets.monotonic;
			l->time_offsets.has_monotonic = true;
		} else if (strcmp(k, "boottime") == 0) {
			off = &l->time_offsets.boottime;
			l->time_offsets.has_boottime = true;
		} else {
			r = pc_fail(pc, "unknown clock (want \"monotonic\" or \"boottime\")");
		}
		int64_t secs = 0;
		uint64_t ns = 0;
		if (r == 0)
			r = pv_object(pc, v);
		if (r == 0)
			r = pg_i64(pc, v, "secs", false, NULL, INT64_MIN, INT64_MAX, &secs);
		if (r == 0)
			r = pg_u64(pc, v, "nanosecs", false, NULL, 999999999, &ns);
		if (off) {
			off->secs = secs;
			off->nanosecs = (uint32_t)ns;
		}
		pc_pop(pc, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int parse_device(struct pctx *pc, const json_t *el, struct spec_device *d)
{
	char *type = NULL;
	if (pv_object(pc, el) < 0 || pg_str(pc, el, "path", true, &d->path) < 0)
		return -1;
	if (d->path[0] != '/') {
		pc_key(pc, "path");
		return pc_fail(pc, "device path \"%.200s\" is not absolute", d->path);
	}
	if (pg_str(pc, el, "type", true, &type) < 0)
		return -1;
	bool ok = strlen(type) == 1 && strchr("cbup", type[0]);
	d->type = type[0];
	free(type);
	if (!ok) {
		pc_key(pc, "type");
		return pc_fail(pc, "unknown device type (want \"c\", \"b\", \"u\" or \"p\")");
	}
	bool need = d->type != 'p';
	if (pg_i64(pc, el, "major", need, NULL, 0, INT64_MAX, &d->major) < 0 ||
	    pg_i64(pc, el, "minor", need, NULL, 0, INT64_MAX, &d->minor) < 0)
		return -1;
	uint32_t u;
	if (pg_u32(pc, el, "fileMode", false, &d->has_file_mode, &u) < 0)
		return -1;
	d->file_mode = u;
	if (pg_u32(pc, el, "uid", false, &d->has_uid, &u) < 0)
		return -1;
	d->uid = u;
	if (pg_u32(pc, el, "gid", false, &d->has_gid, &u) < 0)
		return -1;
	d->gid = u;
	return 0;
}

static int parse_abs_paths(struct pctx *pc, const json_t *o, const char *key, char ***out, size_t *n)
{
	if (pg_str_array(pc, o, key, false, out, n) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if ((*out)[i][0] != '/') {
			pc_key(pc, key);
			pc_index(pc, i);
			return pc_fail(pc, "\"%.200s\" is not an absolute path", (*out)[i]);
		}
	}
	return 0;
}

static int parse_personality(struct pctx *pc, const json_t *o, struct spec_personality *p)
{
	long dom;
	if (pg_enum(pc, o, "domain", true, oci_personality_domains, oci_n_personality_domains, "personality domain",
		    NULL, &dom, &p->domain) < 0)
		return -1;
	p->domain_num = (int)dom;
	if (pg_str_array(pc, o, "flags", false, &p->flags, &p->n_flags) < 0)
		return -1;
	if (p->n_flags) {
		/* runtime-spec 1.2 defines no personality flag yet. */
		pc_key(pc, "flags");
		pc_index(pc, 0);
		return pc_fail(pc, "unknown personality flag \"%.100s\"", p->flags[0]);
	}
	return 0;
}

static bool has_newline(const char *s)
{
	return s && strchr(s, '\n');
}

static int parse_intel_rdt(struct pctx *pc, const json_t *o, struct spec_linux *l)
{
	l->has_intel_rdt = true;
	if (pg_str(pc, o, "closID", false, &l->intel_rdt_clos_id) < 0 ||
	    pg_str(pc, o, "l3CacheSchema", false, &l->intel_rdt_l3_cache_schema) < 0 ||
	    pg_str(pc, o, "memBwSchema", false, &l->intel_rdt_mem_bw_schema) < 0 ||
	    pg_str_array(pc, o, "schemata", false, &l->intel_rdt_schemata, &l->n_intel_rdt_schemata) < 0 ||
	    pg_bool(pc, o, "enableMonitoring", NULL, &l->intel_rdt_enable_monitoring) < 0)
		return -1;
	const char *clos = l->intel_rdt_clos_id;
	/* closID names a directory of resctrl: "/" (the default class) or one plain component. */
	if (clos && strcmp(clos, "/") != 0 &&
	    (!*clos || strchr(clos, '/') || strcmp(clos, ".") == 0 || strcmp(clos, "..") == 0 || has_newline(clos))) {
		pc_key(pc, "closID");
		return pc_fail(pc, "invalid CLOS id \"%.100s\" (want \"/\" or a plain name)", clos);
	}
	if (has_newline(l->intel_rdt_l3_cache_schema)) {
		pc_key(pc, "l3CacheSchema");
		return pc_fail(pc, "must not contain a newline");
	}
	const char *mb = l->intel_rdt_mem_bw_schema;
	if (mb && (strncmp(mb, "MB:", 3) != 0 || has_newline(mb))) {
		pc_key(pc, "memBwSchema");
		return pc_fail(pc, "must start with \"MB:\" and hold no newline");
	}
	for (size_t i = 0; i < l->n_intel_rdt_schemata; i++)
		if (has_newline(l->intel_rdt_schemata[i])) {
			pc_key(pc, "schemata");
			pc_index(pc, i);
			return pc_fail(pc, "must not contain a newline");
		}
	return 0;
}

static int parse_memory_policy(struct pctx *pc, const json_t *o, struct spec_memory_policy *mp)
{
	long mode, f;
	if (pg_enum(pc, o, "mode", true, oci_mempolicy_modes, oci_n_mempolicy_modes, "memory policy mode", NULL, &mode,
		    &mp->mode) < 0 ||
	    pg_str(pc, o, "nodes", false, &mp->nodes) < 0)
		return -1;
	mp->mode_num = (int)mode;
	if (mp->nodes && !pc_valid_id_list(mp->nodes)) {
		pc_key(pc, "nodes");
		return pc_fail(pc, "invalid node list \"%.100s\" (want e.g. \"0-3,7\")", mp->nodes);
	}
	FOR_ARRAY(o, "flags", (void)0,
		  (pv_enum(pc, el, oci_mempolicy_flags, oci_n_mempolicy_flags, "memory policy flag", &f) < 0
			   ? -1 : (mp->flags |= (unsigned)f, 0)));
	return 0;
}

/* A network interface name: what the kernel's dev_valid_name accepts. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t' || *s == '\n')
			return false;
	return true;
}

static int parse_net_devices(struct pctx *pc, const json_t *o, struct spec_linux *l)
{
	l->net_devices = xcalloc(json_object_size(o) + 1, sizeof(*l->net_devices));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		size_t old = pc_mapkey(pc, k);
		struct spec_net_device *d = &l->net_devices[l->n_net_devices++];
		d->host_name = xstrdup(k);
		int r = valid_ifname(k) ? 0 : pc_fail(pc, "invalid interface name");
		if (r == 0)
			r = pv_object(pc, v);
		if (r == 0)
			r = pg_str(pc, v, "name", false, &d->name);
		if (r == 0 && d->name && d->name[0] && !valid_ifname(d->name)) {
			pc_key(pc, "name");
			r = pc_fail(pc, "invalid interface name \"%.100s\"", d->name);
		}
		pc_pop(pc, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

#define SUBOBJ(key, call)                                      \
	do {                                                   \
		json_t *o;                                     \
		if (pg_object(pc, v, key, &o) < 0)             \
			return -1;                             \
		if (o) {                                       \
			size_t old_ = pc_key(pc, key);         \
			int r_ = (call);                       \
			pc_pop(pc, old_);                      \
			if (r_ < 0)                            \
				return -1;                     \
		}                                              \
	} while (0)

int parse_linux(struct pctx *pc, const json_t *v, struct spec_linux *l)
{
	FOR_ARRAY(v, "namespaces", l->namespaces = xcalloc(cnt + 1, sizeof(*l->namespaces)),
		  parse_namespace(pc, el, l));
	if (parse_idmaps(pc, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
	    parse_idmaps(pc, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0)
		return -1;
	SUBOBJ("timeOffsets", parse_time_offsets(pc, o, l));
	FOR_ARRAY(v, "devices", l->devices = xcalloc(cnt + 1, sizeof(*l->devices)),
		  (l->n_devices = i + 1, parse_device(pc, el, &l->devices[i])));
	if (pg_str(pc, v, "cgroupsPath", false, &l->cgroups_path) < 0)
		return -1;
	SUBOBJ("resources", (l->has_resources = true, parse_resources(pc, o, &l->resources)));
	long prop;
	bool has_prop;
	if (pg_enum(pc, v, "rootfsPropagation", false, oci_rootfs_propagations, oci_n_rootfs_propagations,
		    "rootfs propagation", &has_prop, &prop, &l->rootfs_propagation) < 0)
		return -1;
	l->rootfs_propagation_flags = has_prop ? (unsigned long)prop : 0;
	if (pg_str_map(pc, v, "sysctl", &l->sysctl, &l->n_sysctl) < 0)
		return -1;
	SUBOBJ("seccomp", (l->seccomp = xcalloc(1, sizeof(*l->seccomp)), parse_seccomp(pc, o, l->seccomp)));
	if (parse_abs_paths(pc, v, "maskedPaths", &l->masked_paths, &l->n_masked_paths) < 0 ||
	    parse_abs_paths(pc, v, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths) < 0 ||
	    pg_str(pc, v, "mountLabel", false, &l->mount_label) < 0)
		return -1;
	SUBOBJ("personality", (l->has_personality = true, parse_personality(pc, o, &l->personality)));
	SUBOBJ("intelRdt", parse_intel_rdt(pc, o, l));
	SUBOBJ("memoryPolicy", (l->has_memory_policy = true, parse_memory_policy(pc, o, &l->memory_policy)));
	SUBOBJ("netDevices", parse_net_devices(pc, o, l));
	return 0;
}

void free_linux(struct spec_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	free_resources(&l->resources);
	free(l->rootfs_propagation);
	free_kv(l->sysctl, l->n_sysctl);
	if (l->seccomp) {
		free_seccomp(l->seccomp);
		free(l->seccomp);
	}
	free_strv(l->masked_paths, l->n_masked_paths);
	free_strv(l->readonly_paths, l->n_readonly_paths);
	free(l->mount_label);
	free(l->personality.domain);
	free_strv(l->personality.flags, l->personality.n_flags);
	free(l->intel_rdt_clos_id);
	free(l->intel_rdt_l3_cache_schema);
	free(l->intel_rdt_mem_bw_schema);
	free_strv(l->intel_rdt_schemata, l->n_intel_rdt_schemata);
	free(l->memory_policy.mode);
	free(l->memory_policy.nodes);
	for (size_t i = 0; i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
}
