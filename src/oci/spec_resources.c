/* spec_resources.c — linux.resources: the cgroup settings, as data for src/cgroup. */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>

static int parse_device_rule(struct pctx *pc, const json_t *el, struct spec_device_cgroup *d)
{
	if (pv_object(pc, el) < 0)
		return -1;
	bool has_allow;
	if (pg_bool(pc, el, "allow", &has_allow, &d->allow) < 0)
		return -1;
	if (!has_allow)
		return pc_fail(pc, "allow: required boolean is missing");
	char *type = NULL;
	if (pg_str(pc, el, "type", false, &type) < 0)
		return -1;
	d->type = 'a';
	if (type) {
		bool ok = strlen(type) == 1 && strchr("acb", type[0]);
		d->type = type[0];
		free(type);
		if (!ok) {
			pc_key(pc, "type");
			return pc_fail(pc, "unknown device type (want \"a\", \"c\" or \"b\")");
		}
	}
	/* -1 is how some writers say "any" (the "*" of devices.allow). */
	if (pg_i64(pc, el, "major", false, &d->has_major, -1, INT64_MAX, &d->major) < 0 ||
	    pg_i64(pc, el, "minor", false, &d->has_minor, -1, INT64_MAX, &d->minor) < 0)
		return -1;
	if (d->has_major && d->major == -1)
		d->has_major = false;
	if (d->has_minor && d->minor == -1)
		d->has_minor = false;
	if (pg_str(pc, el, "access", false, &d->access) < 0)
		return -1;
	if (d->access && (strspn(d->access, "rwm") != strlen(d->access))) {
		pc_key(pc, "access");
		return pc_fail(pc, "invalid access \"%.20s\" (want letters of \"rwm\")", d->access);
	}
	return 0;
}

static int parse_device_rules(struct pctx *pc, const json_t *arr, struct spec_resources *r)
{
	r->devices = xcalloc(json_array_size(arr) + 1, sizeof(*r->devices));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		size_t o2 = pc_index(pc, i);
		r->n_devices = i + 1;
		int e = parse_device_rule(pc, json_array_get(arr, i), &r->devices[i]);
		pc_pop(pc, o2);
		if (e < 0)
			return -1;
	}
	return 0;
}

static int parse_memory(struct pctx *pc, const json_t *o, struct spec_resources *r)
{
	typeof(r->memory) *m = &r->memory;
	r->has_memory = true;
	if (pg_i64(pc, o, "limit", false, &m->has_limit, -1, INT64_MAX, &m->limit) < 0 ||
	    pg_i64(pc, o, "reservation", false, &m->has_reservation, -1, INT64_MAX, &m->reservation) < 0 ||
	    pg_i64(pc, o, "swap", false, &m->has_swap, -1, INT64_MAX, &m->swap) < 0 ||
	    pg_i64(pc, o, "kernel", false, &m->has_kernel, -1, INT64_MAX, &m->kernel) < 0 ||
	    pg_i64(pc, o, "kernelTCP", false, &m->has_kernel_tcp, -1, INT64_MAX, &m->kernel_tcp) < 0 ||
	    pg_u64(pc, o, "swappiness", false, &m->has_swappiness, 100, &m->swappiness) < 0 ||
	    pg_bool(pc, o, "disableOOMKiller", &m->has_disable_oom_killer, &m->disable_oom_killer) < 0 ||
	    pg_bool(pc, o, "useHierarchy", &m->has_use_hierarchy, &m->use_hierarchy) < 0 ||
	    pg_bool(pc, o, "checkBeforeUpdate", &m->has_check_before_update, &m->check_before_update) < 0)
		return -1;
	/* memory+swap below memory makes no sense to the kernel (EINVAL); say which fields disagree. */
	if (m->has_limit && m->has_swap && m->limit > 0 && m->swap > 0 && m->swap < m->limit)
		return pc_fail(pc, "swap (%lld) must not be below limit (%lld): swap is memory+swap",
			       (long long)m->swap, (long long)m->limit);
	return 0;
}

static int parse_cpu(struct pctx *pc, const json_t *o, struct spec_resources *r)
{
	typeof(r->cpu) *c = &r->cpu;
	r->has_cpu = true;
	if (pg_u64(pc, o, "shares", false, &c->has_shares, UINT64_MAX, &c->shares) < 0 ||
	    pg_i64(pc, o, "quota", false, &c->has_quota, -1, INT64_MAX, &c->quota) < 0 ||
	    pg_u64(pc, o, "burst", false, &c->has_burst, UINT64_MAX, &c->burst) < 0 ||
	    pg_u64(pc, o, "period", false, &c->has_period, UINT64_MAX, &c->period) < 0 ||
	    pg_i64(pc, o, "realtimeRuntime", false, &c->has_realtime_runtime, -1, INT64_MAX, &c->realtime_runtime) < 0 ||
	    pg_u64(pc, o, "realtimePeriod", false, &c->has_realtime_period, UINT64_MAX, &c->realtime_period) < 0 ||
	    pg_str(pc, o, "cpus", false, &c->cpus) < 0 || pg_str(pc, o, "mems", false, &c->mems) < 0 ||
	    pg_i64(pc, o, "idle", false, &c->has_idle, INT64_MIN, INT64_MAX, &c->idle) < 0)
		return -1;
	if (c->has_burst && c->has_quota && c->quota > 0 && c->burst > (uint64_t)c->quota)
		return pc_fail(pc, "burst (%llu) must not be above quota (%lld)", (unsigned long long)c->burst,
			       (long long)c->quota);
	const char *keys[] = { "cpus", "mems" };
	const char *vals[] = { c->cpus, c->mems };
	for (int k = 0; k < 2; k++)
		if (vals[k] && !pc_valid_id_list(vals[k])) {
			pc_key(pc, keys[k]);
			return pc_fail(pc, "invalid list \"%.100s\" (want e.g. \"0-3,7\")", vals[k]);
		}
	return 0;
}

static int parse_major_minor(struct pctx *pc, const json_t *el, int64_t *major, int64_t *minor)
{
	if (pv_object(pc, el) < 0 || pg_i64(pc, el, "major", true, NULL, 0, INT64_MAX, major) < 0 ||
	    pg_i64(pc, el, "minor", true, NULL, 0, INT64_MAX, minor) < 0)
		return -1;
	return 0;
}

static int parse_weight_device(struct pctx *pc, const json_t *el, struct spec_weight_device *w)
{
	uint64_t u;
	if (parse_major_minor(pc, el, &w->major, &w->minor) < 0)
		return -1;
	if (pg_u64(pc, el, "weight", false, &w->has_weight, UINT16_MAX, &u) < 0)
		return -1;
	w->weight = (uint16_t)u;
	if (pg_u64(pc, el, "leafWeight", false, &w->has_leaf_weight, UINT16_MAX, &u) < 0)
		return -1;
	w->leaf_weight = (uint16_t)u;
	if (!w->has_weight && !w->has_leaf_weight)
		return pc_fail(pc, "give weight, leafWeight or both");
	return 0;
}

static int parse_throttle(struct pctx *pc, const json_t *o, const char *key, struct spec_throttle_device **out,
			  size_t *n)
{
	json_t *arr;
	if (pg_array(pc, o, key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	size_t old = pc_key(pc, key);
	*out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
	int r = 0;
	for (size_t i = 0; i < json_array_size(arr) && r == 0; i++) {
		size_t o2 = pc_index(pc, i);
		json_t *el = json_array_get(arr, i);
		struct spec_throttle_device *t = &(*out)[i];
		r = parse_major_minor(pc, el, &t->major, &t->minor);
		if (r == 0)
			r = pg_u64(pc, el, "rate", true, NULL, UINT64_MAX, &t->rate);
		pc_pop(pc, o2);
		*n = i + 1;
	}
	pc_pop(pc, old);
	return r;
}

static int parse_block_io(struct pctx *pc, const json_t *o, struct spec_resources *r)
{
	typeof(r->block_io) *b = &r->block_io;
	r->has_block_io = true;
	uint64_t u;
	if (pg_u64(pc, o, "weight", false, &b->has_weight, UINT16_MAX, &u) < 0)
		return -1;
	b->weight = (uint16_t)u;
	if (pg_u64(pc, o, "leafWeight", false, &b->has_leaf_weight, UINT16_MAX, &u) < 0)
		return -1;
	b->leaf_weight = (uint16_t)u;
	json_t *arr;
	if (pg_array(pc, o, "weightDevice", &arr) < 0)
		return -1;
	if (arr) {
		size_t old = pc_key(pc, "weightDevice");
		b->weight_device = xcalloc(json_array_size(arr) + 1, sizeof(*b->weight_device));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			size_t o2 = pc_index(pc, i);
			int rr = parse_weight_device(pc, json_array_get(arr, i), &b->weight_device[i]);
			pc_pop(pc, o2);
			if (rr < 0)
				return -1;
			b->n_weight_device = i + 1;
		}
		pc_pop(pc, old);
	}
	if (parse_throttle(pc, o, "throttleReadBpsDevice", &b->throttle_read_bps, &b->n_throttle_read_bps) < 0 ||
	    parse_throttle(pc, o, "throttleWriteBpsDevice", &b->throttle_write_bps, &b->n_throttle_write_bps) < 0 ||
	    parse_throttle(pc, o, "throttleReadIOPSDevice", &b->throttle_read_iops, &b->n_throttle_read_iops) < 0 ||
	    parse_throttle(pc, o, "throttleWriteIOPSDevice", &b->throttle_write_iops, &b->n_throttle_write_iops) < 0)
		return -1;
	return 0;
}

static int parse_network(struct pctx *pc, const json_t *o, struct spec_resources *r)
{
	r->has_network = true;
	if (pg_u32(pc, o, "classID", false, &r->network.has_class_id, &r->network.class_id) < 0)
		return -1;
	json_t *arr;
	if (pg_array(pc, o, "priorities", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	size_t old = pc_key(pc, "priorities");
	r->network.priorities = xcalloc(json_array_size(arr) + 1, sizeof(*r->network.priorities));
	int rr = 0;
	for (size_t i = 0; i < json_array_size(arr) && rr == 0; i++) {
		size_t o2 = pc_index(pc, i);
		json_t *el = json_array_get(arr, i);
		struct spec_net_priority *p = &r->network.priorities[i];
		r->network.n_priorities = i + 1;
		rr = pv_object(pc, el);
		if (rr == 0)
			rr = pg_str(pc, el, "name", true, &p->name);
		if (rr == 0)
			rr = pg_u32(pc, el, "priority", true, NULL, &p->priority);
		pc_pop(pc, o2);
	}
	pc_pop(pc, old);
	return rr;
}

static int parse_rdma(struct pctx *pc, const json_t *o, struct spec_resources *r)
{
	r->rdma = xcalloc(json_object_size(o) + 1, sizeof(*r->rdma));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		size_t old = pc_mapkey(pc, k);
		struct spec_rdma *d = &r->rdma[r->n_rdma++];
		d->device = xstrdup(k);
		int rr = pv_object(pc, v);
		if (rr == 0)
			rr = pg_u32(pc, v, "hcaHandles", false, &d->has_handles, &d->hca_handles);
		if (rr == 0)
			rr = pg_u32(pc, v, "hcaObjects", false, &d->has_objects, &d->hca_objects);
		if (rr == 0 && !d->has_handles && !d->has_objects)
			rr = pc_fail(pc, "give hcaHandles, hcaObjects or both");
		pc_pop(pc, old);
		if (rr < 0)
			return -1;
	}
	return 0;
}

static int parse_hugepages(struct pctx *pc, const json_t *arr, struct spec_resources *r)
{
	r->hugepage_limits = xcalloc(json_array_size(arr) + 1, sizeof(*r->hugepage_limits));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		size_t o2 = pc_index(pc, i);
		json_t *el = json_array_get(arr, i);
		struct spec_hugepage_limit *h = &r->hugepage_limits[i];
		r->n_hugepage_limits = i + 1;
		int rr = pv_object(pc, el);
		if (rr == 0)
			rr = pg_str(pc, el, "pageSize", true, &h->page_size);
		/* The page size becomes part of a cgroup file name (hugetlb.<size>.limit_in_bytes). */
		if (rr == 0 && (!h->page_size[0] || strchr(h->page_size, '/') || strchr(h->page_size, '.'))) {
			pc_key(pc, "pageSize");
			rr = pc_fail(pc, "invalid page size \"%.40s\" (want e.g. \"2MB\")", h->page_size);
		}
		if (rr == 0)
			rr = pg_u64(pc, el, "limit", true, NULL, UINT64_MAX, &h->limit);
		pc_pop(pc, o2);
		if (rr < 0)
			return -1;
	}
	return 0;
}

int parse_resources(struct pctx *pc, const json_t *v, struct spec_resources *r)
{
	json_t *o;
	size_t old;
	int rr;
#define SUB(getter, key, call)                         \
	if (getter(pc, v, key, &o) < 0)                \
		return -1;                             \
	if (o) {                                       \
		old = pc_key(pc, key);                 \
		rr = (call);                           \
		pc_pop(pc, old);                       \
		if (rr < 0)                            \
			return -1;                     \
	}
	SUB(pg_array, "devices", parse_device_rules(pc, o, r));
	SUB(pg_object, "memory", parse_memory(pc, o, r));
	SUB(pg_object, "cpu", parse_cpu(pc, o, r));
	SUB(pg_object, "pids", (r->has_pids = true, pg_i64(pc, o, "limit", false, &r->pids.has_limit, -1, INT64_MAX,
							     &r->pids.limit)));
	SUB(pg_object, "blockIO", parse_block_io(pc, o, r));
	SUB(pg_array, "hugepageLimits", parse_hugepages(pc, o, r));
	SUB(pg_object, "network", parse_network(pc, o, r));
	SUB(pg_object, "rdma", parse_rdma(pc, o, r));
#undef SUB
	if (pg_str_map(pc, v, "unified", &r->unified, &r->n_unified) < 0)
		return -1;
	/* unified keys are cgroup file names: no path tricks. */
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		if (strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 || !strchr(k, '.')) {
			pc_key(pc, "unified");
			pc_mapkey(pc, k);
			return pc_fail(pc, "not a cgroup file name (want \"<controller>.<file>\")");
		}
	}
	return 0;
}

void free_resources(struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.throttle_read_bps);
	free(r->block_io.throttle_write_bps);
	free(r->block_io.throttle_read_iops);
	free(r->block_io.throttle_write_iops);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	free_kv(r->unified, r->n_unified);
}
