/* spec_resources.c — linux.resources: the cgroup settings, as data for src/cgroup. */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>

static int device_rule_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_device_cgroup *d = item;
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
		if (!ok)
			return pc_fail_at(pc, "type", "unknown device type (want \"a\", \"c\" or \"b\")");
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
	if (d->access && (strspn(d->access, "rwm") != strlen(d->access)))
		return pc_fail_at(pc, "access", "invalid access \"%.20s\" (want letters of \"rwm\")", d->access);
	return 0;
}

static int memory_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
	typeof(r->memory) *m = &r->memory;
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

static int cpu_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
	typeof(r->cpu) *c = &r->cpu;
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
		if (vals[k] && !pc_valid_id_list(vals[k]))
			return pc_fail_at(pc, keys[k], "invalid list \"%.100s\" (want e.g. \"0-3,7\")", vals[k]);
	return 0;
}

static int parse_major_minor(struct pctx *pc, const json_t *el, int64_t *major, int64_t *minor)
{
	if (pv_object(pc, el) < 0 || pg_i64(pc, el, "major", true, NULL, 0, INT64_MAX, major) < 0 ||
	    pg_i64(pc, el, "minor", true, NULL, 0, INT64_MAX, minor) < 0)
		return -1;
	return 0;
}

static int weight_device_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_weight_device *w = item;
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

static int throttle_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_throttle_device *t = item;
	if (parse_major_minor(pc, el, &t->major, &t->minor) < 0)
		return -1;
	return pg_u64(pc, el, "rate", true, NULL, UINT64_MAX, &t->rate);
}

static int parse_throttle(struct pctx *pc, const json_t *o, const char *key, struct spec_throttle_device **out,
			  size_t *n)
{
	return pg_list(pc, o, key, sizeof(**out), out, n, throttle_item, NULL);
}

static int block_io_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
	typeof(r->block_io) *b = &r->block_io;
	uint64_t u;
	if (pg_u64(pc, o, "weight", false, &b->has_weight, UINT16_MAX, &u) < 0)
		return -1;
	b->weight = (uint16_t)u;
	if (pg_u64(pc, o, "leafWeight", false, &b->has_leaf_weight, UINT16_MAX, &u) < 0)
		return -1;
	b->leaf_weight = (uint16_t)u;
	if (pg_list(pc, o, "weightDevice", sizeof(*b->weight_device), &b->weight_device, &b->n_weight_device,
		    weight_device_item, NULL) < 0)
		return -1;
	if (parse_throttle(pc, o, "throttleReadBpsDevice", &b->throttle_read_bps, &b->n_throttle_read_bps) < 0 ||
	    parse_throttle(pc, o, "throttleWriteBpsDevice", &b->throttle_write_bps, &b->n_throttle_write_bps) < 0 ||
	    parse_throttle(pc, o, "throttleReadIOPSDevice", &b->throttle_read_iops, &b->n_throttle_read_iops) < 0 ||
	    parse_throttle(pc, o, "throttleWriteIOPSDevice", &b->throttle_write_iops, &b->n_throttle_write_iops) < 0)
		return -1;
	return 0;
}

static int priority_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_net_priority *p = item;
	if (pv_object(pc, el) < 0 || pg_str(pc, el, "name", true, &p->name) < 0)
		return -1;
	return pg_u32(pc, el, "priority", true, NULL, &p->priority);
}

static int network_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
	if (pg_u32(pc, o, "classID", false, &r->network.has_class_id, &r->network.class_id) < 0)
		return -1;
	return pg_list(pc, o, "priorities", sizeof(*r->network.priorities), &r->network.priorities,
		       &r->network.n_priorities, priority_item, NULL);
}

static int rdma_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
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

static int hugepage_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_hugepage_limit *h = item;
	if (pv_object(pc, el) < 0 || pg_str(pc, el, "pageSize", true, &h->page_size) < 0)
		return -1;
	/* The page size becomes part of a cgroup file name (hugetlb.<size>.limit_in_bytes). */
	if (!h->page_size[0] || strchr(h->page_size, '/') || strchr(h->page_size, '.'))
		return pc_fail_at(pc, "pageSize", "invalid page size \"%.40s\" (want e.g. \"2MB\")", h->page_size);
	return pg_u64(pc, el, "limit", true, NULL, UINT64_MAX, &h->limit);
}

static int pids_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_resources *r = ctx;
	return pg_i64(pc, o, "limit", false, &r->pids.has_limit, -1, INT64_MAX, &r->pids.limit);
}

int parse_resources(struct pctx *pc, const json_t *v, struct spec_resources *r)
{
	if (pg_list(pc, v, "devices", sizeof(*r->devices), &r->devices, &r->n_devices, device_rule_item, NULL) < 0 ||
	    pg_sub(pc, v, "memory", &r->has_memory, memory_obj, r) < 0 ||
	    pg_sub(pc, v, "cpu", &r->has_cpu, cpu_obj, r) < 0 ||
	    pg_sub(pc, v, "pids", &r->has_pids, pids_obj, r) < 0 ||
	    pg_sub(pc, v, "blockIO", &r->has_block_io, block_io_obj, r) < 0 ||
	    pg_list(pc, v, "hugepageLimits", sizeof(*r->hugepage_limits), &r->hugepage_limits, &r->n_hugepage_limits,
		    hugepage_item, NULL) < 0 ||
	    pg_sub(pc, v, "network", &r->has_network, network_obj, r) < 0 ||
	    pg_sub(pc, v, "rdma", NULL, rdma_obj, r) < 0)
		return -1;
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
