/* filter.c — see filter.h. */
#include "engine/filter.h"
#include "engine/internal.h"
#include "image/image.h"
#include "util/cleanup.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key { K_ID, K_NAME, K_STATUS, K_ANCESTOR, K_LABEL, K_EXITED, K_BEFORE, K_SINCE, K_VOLUME, K_NETWORK,
	   K_PUBLISH, K_EXPOSE, K_HEALTH, K_COUNT };
static const char *const key_names[K_COUNT] = { "id", "name", "status", "ancestor", "label", "exited", "before",
						"since", "volume", "network", "publish", "expose", "health" };
static const char *const states[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead" };

struct filter {
	enum key key;
	char *value;
	regex_t re;         /* name */
	char *image_id;     /* ancestor: what the value names in the store now, if anything */
	char *created;      /* before/since: the named container's creation time */
	int code;           /* exited */
	unsigned lo, hi;    /* publish/expose: a port range and its protocol (IPPROTO_*) */
	int proto;
};

struct ctr_filters {
	struct filter *v;
	size_t n;
	bool has[K_COUNT];
};

struct ctr_filters *ctr_filters_new(void)
{
	return xcalloc(1, sizeof(struct ctr_filters));
}

void ctr_filters_free(struct ctr_filters *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].key == K_NAME)
			regfree(&f->v[i].re);
		free(f->v[i].value);
		free(f->v[i].image_id);
		free(f->v[i].created);
	}
	free(f->v);
	free(f);
}

int ctr_filters_add(struct ctr_filters *f, const char *arg, struct hull_err **err)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : 0;
	int k = 0;
	while (k < K_COUNT && (strlen(key_names[k]) != klen || strncmp(key_names[k], arg, klen)))
		k++;
	if (!eq || k == K_COUNT)
		return hull_err_set(err, EINVAL, "--filter %s: want KEY=VALUE with KEY one of id, name, status, ancestor, "
						 "label, exited, before, since, volume, network, publish, expose, health", arg);
	struct filter x = { .key = (enum key)k, .value = xstrdup(eq + 1) };
	const char *v = x.value;
	bool ok = *v != 0;
	const char *what = "value";
	if (k == K_STATUS) {
		ok = false;
		for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
			ok |= !strcmp(states[i], v);
	} else if (k == K_HEALTH) {
		ok = !strcmp(v, "starting") || !strcmp(v, "healthy") || !strcmp(v, "unhealthy") || !strcmp(v, "none");
	} else if (k == K_EXITED) {
		char *end;
		x.code = (int)strtol(v, &end, 10);
		ok = *v && !*end;
	} else if (k == K_NAME) {
		ok = regcomp(&x.re, v, REG_EXTENDED | REG_NOSUB) == 0;
		what = "regular expression";
	} else if (k == K_PUBLISH || k == K_EXPOSE) {
		ok = *v && net_port_range_parse(v, &x.lo, &x.hi, &x.proto, NULL) == 0;
		what = "port (PORT[/PROTO] or START-END[/PROTO])";
	}
	if (!ok) {
		free(x.value);
		return hull_err_set(err, EINVAL, "--filter %s: invalid %s", arg, what);
	}
	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	f->v[f->n++] = x;
	f->has[k] = true;
	return 0;
}

int ctr_filters_resolve(struct ctr_filters *f, struct engine *e, struct hull_err **err)
{
	struct store s;
	bool store_open_ok = f->has[K_ANCESTOR] && store_open(&s, e->root, NULL) == 0;
	int ret = 0;
	for (size_t i = 0; i < f->n && ret == 0; i++) {
		struct filter *x = &f->v[i];
		if (x->key == K_ANCESTOR && store_open_ok) {
			struct image_info info;
			if (image_resolve_in(&s, x->value, &info, NULL) == 0) {
				x->image_id = xstrdup(info.id);
				image_info_free(&info);
			}
		} else if (x->key == K_BEFORE || x->key == K_SINCE) {
			_cleanup_ctr_ struct ctr *c = ctr_find(e, x->value, err);
			if (!c)
				ret = hull_err_wrap(err, "--filter %s=%s", key_names[x->key], x->value);
			else
				x->created = xstrdup(rec_str(c->rec, "Created") ?: "");
		}
	}
	if (store_open_ok)
		store_close(&s);
	return ret;
}

/* "80/tcp" (a record's ExposedPorts key, or a --expose value without a protocol) in x's range? */
static bool port_key_in(const struct filter *x, const char *key)
{
	unsigned lo, hi;
	int proto;
	return key && net_port_range_parse(key, &lo, &hi, &proto, NULL) == 0 && proto == x->proto && lo <= x->hi &&
	       hi >= x->lo;
}

static bool exposes(const struct filter *x, struct ctr *c)
{
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(json_object_get(c->rec, "Config"), "ExposedPorts"), k, v)
		if (port_key_in(x, k))
			return true;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(json_object_get(c->rec, "HostConfig"), "HullNetwork"),
					   "exposed"), i, v)
		if (port_key_in(x, json_string_value(v)))
			return true;
	return false;
}

static bool publishes(const struct filter *x, struct ctr *c)
{
	json_t *net = json_object_get(json_object_get(c->rec, "HostConfig"), "HullNetwork"), *p;
	size_t i;
	json_array_foreach(json_object_get(net, "ports"), i, p) {
		unsigned port = (unsigned)json_integer_value(json_object_get(p, "container_port"));
		const char *proto = rec_str(p, "proto");
		if (port >= x->lo && port <= x->hi && proto && !strcmp(proto, net_proto_name(x->proto)))
			return true;
	}
	/* -P publishes every exposed port */
	return json_is_true(json_object_get(net, "publish_all")) && exposes(x, c);
}

static bool on_network(const struct filter *x, struct ctr *c)
{
	const char *mode = ctr_network_mode(c);
	if (!strcmp(mode, x->value))
		return true;
	/* the networks it was connected to since (src/net's record) */
	json_t *settings = net_settings(c->e->root, c->id);
	bool found = json_object_get(json_object_get(settings, "Networks"), x->value) != NULL;
	json_decref(settings);
	return found;
}

static bool has_volume(const struct filter *x, struct ctr *c)
{
	json_t *m;
	size_t i;
	json_array_foreach(json_object_get(c->rec, "Mounts"), i, m) {
		const char *name = rec_str(m, "Name"), *dest = rec_str(m, "Destination");
		if ((name && !strcmp(name, x->value)) || (dest && !strcmp(dest, x->value)))
			return true;
	}
	return false;
}

static bool match_one(const struct filter *x, struct ctr *c)
{
	json_t *st = json_object_get(c->rec, "State");
	const char *created = rec_str(c->rec, "Created");
	switch (x->key) {
	case K_ID: return !strncmp(c->id, x->value, strlen(x->value));
	case K_NAME: {
		_cleanup_free_ char *slashed = xasprintf("/%s", ctr_name(c)); /* docker's names start with / */
		return regexec(&x->re, slashed, 0, NULL, 0) == 0;
	}
	case K_STATUS: {
		/* a frozen container is "paused", not "running" (docker) */
		const char *status = ctr_status(c);
		if (!strcmp(status, "running") && engine_paused(c))
			status = "paused";
		return !strcmp(status, x->value);
	}
	case K_EXITED:
		return !strcmp(ctr_status(c), "exited") && json_integer_value(json_object_get(st, "ExitCode")) == x->code;
	case K_ANCESTOR: {
		const char *img = rec_str(c->rec, "Image"), *name = rec_str(c->rec, "ImageName");
		if (x->image_id)
			return img && !strcmp(img, x->image_id);
		return name && !strcmp(name, x->value);
	}
	case K_LABEL: {
		json_t *labels = json_object_get(json_object_get(c->rec, "Config"), "Labels");
		const char *eq = strchr(x->value, '=');
		_cleanup_free_ char *k = eq ? xstrndup(x->value, (size_t)(eq - x->value)) : xstrdup(x->value);
		const char *have = json_string_value(json_object_get(labels, k));
		return have && (!eq || !strcmp(have, eq + 1));
	}
	/* creation times are RFC 3339 in one format: they compare as strings (ps sorts by them too) */
	case K_BEFORE: return x->created && created && strcmp(created, x->created) < 0;
	case K_SINCE: return x->created && created && strcmp(created, x->created) > 0;
	case K_VOLUME: return has_volume(x, c);
	case K_NETWORK: return on_network(x, c);
	case K_PUBLISH: return publishes(x, c);
	case K_EXPOSE: return exposes(x, c);
	case K_HEALTH: {
		/* "none": no healthcheck, or not running one now (docker) */
		const char *h = json_string_value(json_object_get(json_object_get(st, "Health"), "Status"));
		bool running = !strcmp(ctr_status(c), "running");
		return !strcmp(x->value, "none") ? !h || !running : h && running && !strcmp(h, x->value);
	}
	default: return false;
	}
}

bool ctr_filters_match(const struct ctr_filters *f, struct ctr *c)
{
	for (int k = 0; k < K_COUNT; k++) {
		if (!f->has[k])
			continue;
		bool any = false;
		for (size_t i = 0; i < f->n && !any; i++)
			any = f->v[i].key == (enum key)k && match_one(&f->v[i], c);
		if (!any)
			return false;
	}
	return true;
}

bool ctr_filters_name_status(const struct ctr_filters *f)
{
	return f->has[K_STATUS];
}
