/* spec_linux.c — the "linux" object but resources (spec_resources.c) and seccomp (spec_seccomp.c). */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>

static int namespace_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_linux *l = ctx;
	struct spec_namespace *ns = item;
	long t;
	if (pv_object(pc, el) < 0 ||
	    pg_enum(pc, el, "type", true, oci_namespaces, oci_n_namespaces, "namespace", NULL, &t, NULL) < 0)
		return -1;
	/* The table's value is the clone flag; the enum is the table's index. */
	const struct oci_name_value *e = oci_lookup(oci_namespaces, oci_n_namespaces,
						    json_string_value(json_object_get(el, "type")));
	ns->type = (enum spec_ns_type)(e - oci_namespaces);
	for (struct spec_namespace *prev = l->namespaces; prev < ns; prev++)
		if (prev->type == ns->type)
			return pc_fail_at(pc, "type", "duplicate namespace \"%s\" (also at index %zu)",
					  spec_ns_type_names[ns->type], (size_t)(prev - l->namespaces));
	if (pg_str(pc, el, "path", false, &ns->path) < 0)
		return -1;
	if (ns->path && ns->path[0] != '/')
		return pc_fail_at(pc, "path", "namespace path \"%.200s\" is not absolute", ns->path);
	return 0;
}

static int time_offsets_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_linux *l = ctx;
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

static int device_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_device *d = item;
	char *type = NULL;
	if (pv_object(pc, el) < 0 || pg_str(pc, el, "path", true, &d->path) < 0)
		return -1;
	if (d->path[0] != '/')
		return pc_fail_at(pc, "path", "device path \"%.200s\" is not absolute", d->path);
	if (pg_str(pc, el, "type", true, &type) < 0)
		return -1;
	bool ok = strlen(type) == 1 && strchr("cbup", type[0]);
	d->type = type[0];
	free(type);
	if (!ok)
		return pc_fail_at(pc, "type", "unknown device type (want \"c\", \"b\", \"u\" or \"p\")");
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

static int personality_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_personality *p = ctx;
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

/* A sysctl name becomes a path under /proc/sys ("net.ipv4.ip_forward" → net/ipv4/ip_forward; a "/"
 * stands for a dot inside a component, as in sysctl(8)): no empty or ".." component may slip through. */
static int check_sysctl_names(struct pctx *pc, const struct spec_linux *l)
{
	for (size_t i = 0; i < l->n_sysctl; i++) {
		const char *k = l->sysctl[i].key;
		bool bad = false;
		for (const char *c = k; !bad;) {
			size_t n = strcspn(c, "./");
			bad = n == 0 || (n == 2 && c[0] == '.' && c[1] == '.') || memchr(c, '\n', n);
			if (!c[n])
				break;
			c += n + 1;
		}
		/* strcspn stops at '.', so ".." shows as two empty components: caught above. */
		if (bad) {
			pc_key(pc, "sysctl");
			pc_mapkey(pc, k);
			return pc_fail(pc, "invalid sysctl name");
		}
	}
	return 0;
}

static bool has_newline(const char *s)
{
	return s && strchr(s, '\n');
}

static int intel_rdt_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_linux *l = ctx;
	if (pg_str(pc, o, "closID", false, &l->intel_rdt_clos_id) < 0 ||
	    pg_str(pc, o, "l3CacheSchema", false, &l->intel_rdt_l3_cache_schema) < 0 ||
	    pg_str(pc, o, "memBwSchema", false, &l->intel_rdt_mem_bw_schema) < 0 ||
	    pg_str_array(pc, o, "schemata", false, &l->intel_rdt_schemata, &l->n_intel_rdt_schemata) < 0 ||
	    pg_bool(pc, o, "enableMonitoring", NULL, &l->intel_rdt_enable_monitoring) < 0)
		return -1;
	const char *clos = l->intel_rdt_clos_id;
	/* closID names a directory of resctrl: "/" (the default class) or one plain component. */
	if (clos && strcmp(clos, "/") != 0 &&
	    (!*clos || strchr(clos, '/') || strcmp(clos, ".") == 0 || strcmp(clos, "..") == 0 || has_newline(clos)))
		return pc_fail_at(pc, "closID", "invalid CLOS id \"%.100s\" (want \"/\" or a plain name)", clos);
	if (has_newline(l->intel_rdt_l3_cache_schema))
		return pc_fail_at(pc, "l3CacheSchema", "must not contain a newline");
	const char *mb = l->intel_rdt_mem_bw_schema;
	if (mb && (strncmp(mb, "MB:", 3) != 0 || has_newline(mb)))
		return pc_fail_at(pc, "memBwSchema", "must start with \"MB:\" and hold no newline");
	for (size_t i = 0; i < l->n_intel_rdt_schemata; i++)
		if (has_newline(l->intel_rdt_schemata[i])) {
			pc_key(pc, "schemata");
			pc_index(pc, i);
			return pc_fail(pc, "must not contain a newline");
		}
	return 0;
}

static int mempolicy_flag_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	long f;
	if (pv_enum(pc, el, oci_mempolicy_flags, oci_n_mempolicy_flags, "memory policy flag", &f) < 0)
		return -1;
	*(unsigned *)ctx |= (unsigned)f;
	return 0;
}

static int memory_policy_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_memory_policy *mp = ctx;
	long mode;
	if (pg_enum(pc, o, "mode", true, oci_mempolicy_modes, oci_n_mempolicy_modes, "memory policy mode", NULL, &mode,
		    &mp->mode) < 0 ||
	    pg_str(pc, o, "nodes", false, &mp->nodes) < 0)
		return -1;
	mp->mode_num = (int)mode;
	if (mp->nodes && !pc_valid_id_list(mp->nodes))
		return pc_fail_at(pc, "nodes", "invalid node list \"%.100s\" (want e.g. \"0-3,7\")", mp->nodes);
	return pg_list(pc, o, "flags", 0, NULL, NULL, mempolicy_flag_item, &mp->flags);
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

static int net_devices_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_linux *l = ctx;
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

static int resources_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	return parse_resources(pc, o, ctx);
}

static int seccomp_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_linux *l = ctx;
	l->seccomp = xcalloc(1, sizeof(*l->seccomp));
	return parse_seccomp(pc, o, l->seccomp);
}

int parse_linux(struct pctx *pc, const json_t *v, struct spec_linux *l)
{
	if (pg_list(pc, v, "namespaces", sizeof(struct spec_namespace), &l->namespaces, &l->n_namespaces, namespace_item,
		    l) < 0 ||
	    parse_idmaps(pc, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
	    parse_idmaps(pc, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0 ||
	    pg_sub(pc, v, "timeOffsets", NULL, time_offsets_obj, l) < 0 ||
	    pg_list(pc, v, "devices", sizeof(struct spec_device), &l->devices, &l->n_devices, device_item, NULL) < 0 ||
	    pg_str(pc, v, "cgroupsPath", false, &l->cgroups_path) < 0 ||
	    pg_sub(pc, v, "resources", &l->has_resources, resources_obj, &l->resources) < 0)
		return -1;
	long prop;
	bool has_prop;
	if (pg_enum(pc, v, "rootfsPropagation", false, oci_rootfs_propagations, oci_n_rootfs_propagations,
		    "rootfs propagation", &has_prop, &prop, &l->rootfs_propagation) < 0)
		return -1;
	l->rootfs_propagation_flags = has_prop ? (unsigned long)prop : 0;
	if (pg_str_map(pc, v, "sysctl", &l->sysctl, &l->n_sysctl) < 0 || check_sysctl_names(pc, l) < 0 ||
	    pg_sub(pc, v, "seccomp", NULL, seccomp_obj, l) < 0 ||
	    parse_abs_paths(pc, v, "maskedPaths", &l->masked_paths, &l->n_masked_paths) < 0 ||
	    parse_abs_paths(pc, v, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths) < 0 ||
	    pg_str(pc, v, "mountLabel", false, &l->mount_label) < 0 ||
	    pg_sub(pc, v, "personality", &l->has_personality, personality_obj, &l->personality) < 0 ||
	    pg_sub(pc, v, "intelRdt", &l->has_intel_rdt, intel_rdt_obj, l) < 0 ||
	    pg_sub(pc, v, "memoryPolicy", &l->has_memory_policy, memory_policy_obj, &l->memory_policy) < 0 ||
	    pg_sub(pc, v, "netDevices", NULL, net_devices_obj, l) < 0)
		return -1;
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
