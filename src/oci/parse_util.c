/* parse_util.c — path-aware typed getters over jansson (see parse.h). */
#include "oci/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t pc_append(struct pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t pc_append(struct pctx *pc, const char *fmt, ...)
{
	size_t old = pc->len;
	if (pc->len < sizeof(pc->path) - 1) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(pc->path + pc->len, sizeof(pc->path) - pc->len, fmt, ap);
		va_end(ap);
		if (n > 0)
			pc->len += (size_t)n;
		if (pc->len > sizeof(pc->path) - 1)
			pc->len = sizeof(pc->path) - 1;
	}
	return old;
}

/* Keys and indexes are pushed for every field read: plain copies, no printf. */
static void pc_put(struct pctx *pc, const char *s, size_t n)
{
	size_t room = sizeof(pc->path) - 1 - pc->len;
	if (n > room)
		n = room;
	memcpy(pc->path + pc->len, s, n);
	pc->len += n;
	pc->path[pc->len] = 0;
}

size_t pc_key(struct pctx *pc, const char *key)
{
	size_t old = pc->len;
	if (pc->len)
		pc_put(pc, ".", 1);
	pc_put(pc, key, strlen(key));
	return old;
}

size_t pc_index(struct pctx *pc, size_t i)
{
	char buf[24], *p = buf + sizeof(buf);
	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10));
	*--p = '[';
	size_t old = pc->len;
	pc_put(pc, p, (size_t)(buf + sizeof(buf) - p));
	return old;
}

size_t pc_mapkey(struct pctx *pc, const char *key)
{
	return pc_append(pc, "[\"%.200s\"]", key);
}

/* "<origin>: <path>: <msg>", or "<origin>: <msg>" at the top level: errors and warnings read alike. */
static char *pc_vmessage(const struct pctx *pc, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	char *located = pc->len ? xasprintf("%s: %s: %s", pc->origin, pc->path, msg)
				: xasprintf("%s: %s", pc->origin, msg);
	free(msg);
	return located;
}

static int pc_vfail(struct pctx *pc, const char *fmt, va_list ap)
{
	char *msg = pc_vmessage(pc, fmt, ap);
	hull_err_set(pc->err, 0, "%s", msg);
	free(msg);
	return -1;
}

int pc_fail(struct pctx *pc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pc_vfail(pc, fmt, ap);
	va_end(ap);
	return -1;
}

void pc_warn(struct pctx *pc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = pc_vmessage(pc, fmt, ap);
	va_end(ap);
	pc->warnings = xrealloc(pc->warnings, (pc->n_warnings + 2) * sizeof(char *));
	pc->warnings[pc->n_warnings++] = msg;
	pc->warnings[pc->n_warnings] = NULL;
}

static bool is_bigint(const json_t *v)
{
	return json_is_string(v) && strncmp(json_string_value(v), PC_U64_MARKER, strlen(PC_U64_MARKER)) == 0;
}

const char *pc_typename(const json_t *v)
{
	if (is_bigint(v))
		return "integer";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

json_t *pc_get(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

int pv_object(struct pctx *pc, const json_t *v)
{
	return json_is_object(v) ? 0 : pc_fail(pc, "expected object, got %s", pc_typename(v));
}

int pv_array(struct pctx *pc, const json_t *v)
{
	return json_is_array(v) ? 0 : pc_fail(pc, "expected array, got %s", pc_typename(v));
}

int pv_str(struct pctx *pc, const json_t *v, char **out)
{
	if (!json_is_string(v) || is_bigint(v))
		return pc_fail(pc, "expected string, got %s", pc_typename(v));
	/* C strings end at NUL: a string with an embedded one would mean something else to us than to
	 * the writer (jansson rejects \u0000 without JSON_ALLOW_NUL; this is belt and braces). */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return pc_fail(pc, "string contains a NUL character");
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

int pv_bool(struct pctx *pc, const json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return pc_fail(pc, "expected boolean, got %s", pc_typename(v));
	*out = json_is_true(v);
	return 0;
}

int pv_i64(struct pctx *pc, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	if (is_bigint(v))
		return pc_fail(pc, "integer %s out of range [%" PRId64 ", %" PRId64 "]",
			       json_string_value(v) + strlen(PC_U64_MARKER), min, max);
	if (!json_is_integer(v))
		return pc_fail(pc, "expected integer, got %s", pc_typename(v));
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return pc_fail(pc, "integer %" JSON_INTEGER_FORMAT " out of range [%" PRId64 ", %" PRId64 "]", i, min,
			       max);
	*out = i;
	return 0;
}

int pv_u64(struct pctx *pc, const json_t *v, uint64_t max, uint64_t *out)
{
	uint64_t u;
	if (is_bigint(v)) {
		const char *digits = json_string_value(v) + strlen(PC_U64_MARKER);
		char *end;
		errno = 0;
		u = strtoull(digits, &end, 10);
		if (errno || *end || !*digits)
			return pc_fail(pc, "integer %s out of range [0, %" PRIu64 "]", digits, max);
	} else if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0)
			return pc_fail(pc, "integer %" JSON_INTEGER_FORMAT " out of range [0, %" PRIu64 "]", i, max);
		u = (uint64_t)i;
	} else {
		return pc_fail(pc, "expected unsigned integer, got %s", pc_typename(v));
	}
	if (u > max)
		return pc_fail(pc, "integer %" PRIu64 " out of range [0, %" PRIu64 "]", u, max);
	*out = u;
	return 0;
}

/* An optional string member, NULL also when it is "": runc (Go, omitempty) treats an empty
 * cgroupsPath, namespace path, label or rootfsPropagation as not given, and so do we. */
static json_t *pc_get_str(const json_t *obj, const char *key, bool required)
{
	json_t *v = pc_get(obj, key);
	if (v && !required && json_is_string(v) && json_string_length(v) == 0)
		return NULL;
	return v;
}

int pg_str(struct pctx *pc, const json_t *obj, const char *key, bool required, char **out)
{
	json_t *v = pc_get_str(obj, key, required);
	size_t old = pc_key(pc, key);
	int r = 0;
	if (!v)
		r = required ? pc_fail(pc, "required string is missing") : 0;
	else
		r = pv_str(pc, v, out);
	pc_pop(pc, old);
	return r;
}

int pg_bool(struct pctx *pc, const json_t *obj, const char *key, bool *has, bool *out)
{
	json_t *v = pc_get(obj, key);
	if (has)
		*has = v != NULL;
	if (!v)
		return 0;
	size_t old = pc_key(pc, key);
	int r = pv_bool(pc, v, out);
	pc_pop(pc, old);
	return r;
}

/* The member step every integer getter shares: look key up, say whether it was there, push it on the
 * path; the caller reads the value (or fails "missing") and pops back to *old. */
static json_t *pg_member(struct pctx *pc, const json_t *obj, const char *key, bool *has, size_t *old)
{
	json_t *v = pc_get(obj, key);
	if (has)
		*has = v != NULL;
	*old = pc_key(pc, key);
	return v;
}

int pg_i64(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, int64_t min,
	   int64_t max, int64_t *out)
{
	size_t old;
	json_t *v = pg_member(pc, obj, key, has, &old);
	int r = v ? pv_i64(pc, v, min, max, out) : required ? pc_fail(pc, "required integer is missing") : 0;
	pc_pop(pc, old);
	return r;
}

int pg_u64(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, uint64_t max,
	   uint64_t *out)
{
	size_t old;
	json_t *v = pg_member(pc, obj, key, has, &old);
	int r = v ? pv_u64(pc, v, max, out) : required ? pc_fail(pc, "required integer is missing") : 0;
	pc_pop(pc, old);
	return r;
}

int pg_u32(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, uint32_t *out)
{
	uint64_t u = 0;
	bool h = false;
	if (pg_u64(pc, obj, key, required, &h, UINT32_MAX, &u) < 0)
		return -1;
	if (has)
		*has = h;
	if (h)
		*out = (uint32_t)u;
	return 0;
}

static int pg_typed(struct pctx *pc, const json_t *obj, const char *key, int (*check)(struct pctx *, const json_t *),
		    json_t **out)
{
	json_t *v = pc_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	size_t old = pc_key(pc, key);
	int r = check(pc, v);
	pc_pop(pc, old);
	if (r == 0)
		*out = v;
	return r;
}

int pg_object(struct pctx *pc, const json_t *obj, const char *key, json_t **out)
{
	return pg_typed(pc, obj, key, pv_object, out);
}

int pg_array(struct pctx *pc, const json_t *obj, const char *key, json_t **out)
{
	return pg_typed(pc, obj, key, pv_array, out);
}

int pg_list(struct pctx *pc, const json_t *obj, const char *key, size_t size, void *out, size_t *n, pc_item_fn fn,
	    void *ctx)
{
	json_t *arr;
	if (pg_array(pc, obj, key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	size_t cnt = json_array_size(arr), old = pc_key(pc, key);
	char *items = size ? xcalloc(cnt + 1, size) : NULL;
	if (size)
		*(void **)out = items;
	int r = 0;
	for (size_t i = 0; i < cnt && r == 0; i++) {
		size_t o2 = pc_index(pc, i);
		if (n)
			*n = i + 1;
		r = fn(pc, json_array_get(arr, i), items ? items + i * size : NULL, ctx);
		pc_pop(pc, o2);
	}
	pc_pop(pc, old);
	return r;
}

int pg_sub(struct pctx *pc, const json_t *obj, const char *key, bool *has, pc_obj_fn fn, void *ctx)
{
	json_t *o;
	if (pg_object(pc, obj, key, &o) < 0)
		return -1;
	if (!o)
		return 0;
	if (has)
		*has = true;
	size_t old = pc_key(pc, key);
	int r = fn(pc, o, ctx);
	pc_pop(pc, old);
	return r;
}

int pc_fail_at(struct pctx *pc, const char *key, const char *fmt, ...)
{
	size_t old = pc_key(pc, key);
	va_list ap;
	va_start(ap, fmt);
	pc_vfail(pc, fmt, ap);
	va_end(ap);
	pc_pop(pc, old);
	return -1;
}

static int str_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	return pv_str(pc, el, item);
}

int pg_str_array(struct pctx *pc, const json_t *obj, const char *key, bool required, char ***out, size_t *n)
{
	if (required && !pc_get(obj, key))
		return pc_fail_at(pc, key, "required array is missing");
	free_strv(*out, *n);
	*out = NULL;
	*n = 0;
	/* The spare NULL item ends the array: args and env go straight to execve. */
	return pg_list(pc, obj, key, sizeof(char *), out, n, str_item, NULL);
}

int pg_str_map(struct pctx *pc, const json_t *obj, const char *key, struct spec_kv **out, size_t *n)
{
	json_t *m = NULL;
	if (pg_object(pc, obj, key, &m) < 0)
		return -1;
	if (!m)
		return 0;
	size_t old = pc_key(pc, key);
	struct spec_kv *kv = xcalloc(json_object_size(m) + 1, sizeof(*kv));
	*out = kv;
	*n = 0;
	const char *k;
	json_t *v;
	int r = 0;
	json_object_foreach(m, k, v) {
		size_t o2 = pc_mapkey(pc, k);
		if (!*k)
			r = pc_fail(pc, "empty key");
		else if (!json_is_null(v) && (r = pv_str(pc, v, &kv[*n].value)) == 0)
			kv[(*n)++].key = xstrdup(k);
		pc_pop(pc, o2);
		if (r < 0)
			break;
	}
	pc_pop(pc, old);
	return r;
}

int pv_enum(struct pctx *pc, const json_t *v, const struct oci_name_value *t, size_t n, const char *what,
	    long *out)
{
	if (!json_is_string(v) || is_bigint(v))
		return pc_fail(pc, "expected string, got %s", pc_typename(v));
	const struct oci_name_value *e = oci_lookup(t, n, json_string_value(v));
	if (!e)
		return pc_fail(pc, "unknown %s \"%.100s\"", what, json_string_value(v));
	*out = e->value;
	return 0;
}

int pg_enum(struct pctx *pc, const json_t *obj, const char *key, bool required, const struct oci_name_value *t,
	    size_t n, const char *what, bool *has, long *out, char **name_out)
{
	json_t *v = pc_get_str(obj, key, required);
	if (has)
		*has = v != NULL;
	size_t old = pc_key(pc, key);
	int r = 0;
	if (!v)
		r = required ? pc_fail(pc, "required string is missing") : 0;
	else if ((r = pv_enum(pc, v, t, n, what, out)) == 0 && name_out)
		r = pv_str(pc, v, name_out);
	pc_pop(pc, old);
	return r;
}

void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void free_kv(struct spec_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* "0-3,7": comma-separated CPU numbers and ranges. */
bool pc_valid_id_list(const char *s)
{
	if (!*s)
		return true;
	for (;;) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		/* A number past ULONG_MAX comes back as ULONG_MAX with ERANGE: refused here, not by the kernel
		 * half-way through setting the container up. */
		errno = 0;
		unsigned long a = strtoul(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			unsigned long b = strtoul(end + 1, &end, 10);
			if (b < a)
				return false;
		}
		if (errno == ERANGE)
			return false;
		if (!*end)
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}
