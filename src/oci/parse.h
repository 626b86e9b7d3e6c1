/* parse.h — internal to src/oci: typed getters over jansson that know the JSON path they stand on, so
 * every error reads "config.json: linux.namespaces[2].type: unknown namespace \"foo\"".
 *
 * JSON null counts as absent (Go's encoding/json, which wrote most configs we read, does the same), and
 * so does "" for an optional string (pg_str, pg_enum), as runc reads them.
 * Getters return 0 on success (the out value untouched when the key is absent), -1 with *pc->err set.
 * They never print and never accept a value of the wrong JSON type silently: a warning (pc_warn) is the
 * only way to let something questionable through, and the caller decides what to do with warnings.
 */
#ifndef HULL_OCI_PARSE_H
#define HULL_OCI_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "oci/spec.h"
#include "oci/tables.h"

struct pctx {
	const char *origin;
	struct hull_err **err;
	char path[768];
	size_t len;
	char **warnings; /* NULL-terminated */
	size_t n_warnings;
	/* ociVersion 1.0.x: unknown capabilities are errors (that spec: "MUST cause an error"); from 1.1
	 * on they are warnings ("MUST be logged as a warning ... SHOULD NOT fail"). */
	bool unknown_caps_fail;
};

/* Marker for integers beyond int64 that jansson cannot hold: spec_parse rewrites them into strings
 * "\u0001u64:<digits>" before parsing (see bigint.c) and the unsigned getters read them back. */
#define PC_U64_MARKER "\001u64:"

/* Path building: push returns the previous length to pop back to. */
size_t pc_key(struct pctx *pc, const char *key);
size_t pc_index(struct pctx *pc, size_t i);
/* A map key that may contain dots: `sysctl["net.ipv4.ip_forward"]`. */
size_t pc_mapkey(struct pctx *pc, const char *key);
static inline void pc_pop(struct pctx *pc, size_t len) { pc->len = len; pc->path[len] = 0; }
/* "<origin>: <path>: <msg>" (no path part at the top level). Returns -1. */
int pc_fail(struct pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record "<origin>: <path>: <msg>" as a warning: accepted, but the user should know. */
void pc_warn(struct pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *pc_typename(const json_t *v);
/* obj[key], NULL when absent or null. */
json_t *pc_get(const json_t *obj, const char *key);

/* Value getters: the path already names v. */
int pv_object(struct pctx *pc, const json_t *v);
int pv_array(struct pctx *pc, const json_t *v);
int pv_str(struct pctx *pc, const json_t *v, char **out);
int pv_bool(struct pctx *pc, const json_t *v, bool *out);
int pv_i64(struct pctx *pc, const json_t *v, int64_t min, int64_t max, int64_t *out);
int pv_u64(struct pctx *pc, const json_t *v, uint64_t max, uint64_t *out);

/* Member getters: *has (may be NULL) tells whether the key was present; required adds "missing". */
int pg_str(struct pctx *pc, const json_t *obj, const char *key, bool required, char **out);
int pg_bool(struct pctx *pc, const json_t *obj, const char *key, bool *has, bool *out);
int pg_i64(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, int64_t min,
	   int64_t max, int64_t *out);
int pg_u64(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, uint64_t max,
	   uint64_t *out);
int pg_u32(struct pctx *pc, const json_t *obj, const char *key, bool required, bool *has, uint32_t *out);
int pg_str_array(struct pctx *pc, const json_t *obj, const char *key, bool required, char ***out, size_t *n);
/* An optional object or array member: *out NULL when absent; error when present with another type. */
int pg_object(struct pctx *pc, const json_t *obj, const char *key, json_t **out);
int pg_array(struct pctx *pc, const json_t *obj, const char *key, json_t **out);
/* The optional array obj[key] as a new zeroed C array of count+1 items of `size` bytes in *(void **)out;
 * fn fills each item with "key[i]" on the path. *n counts the items handed to fn so far, so the caller's
 * free covers a half-filled array. size 0: nothing is allocated, fn gets item NULL (it folds elements
 * into ctx, e.g. names into a bitmask). */
typedef int (*pc_item_fn)(struct pctx *pc, const json_t *el, void *item, void *ctx);
int pg_list(struct pctx *pc, const json_t *obj, const char *key, size_t size, void *out, size_t *n, pc_item_fn fn,
	    void *ctx);
/* The optional object obj[key] handed to fn with "key" on the path; *has (may be NULL) says it was there. */
typedef int (*pc_obj_fn)(struct pctx *pc, const json_t *o, void *ctx);
int pg_sub(struct pctx *pc, const json_t *obj, const char *key, bool *has, pc_obj_fn fn, void *ctx);
/* Push key (and index) and fail: for checks on a value already read. */
int pc_fail_at(struct pctx *pc, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An object of string values (annotations, sysctl, unified). */
int pg_str_map(struct pctx *pc, const json_t *obj, const char *key, struct spec_kv **out, size_t *n);
/* A string member looked up in a name table; *out the value, *name_out (optional) the name. */
int pg_enum(struct pctx *pc, const json_t *obj, const char *key, bool required, const struct oci_name_value *t,
	    size_t n, const char *what, bool *has, long *out, char **name_out);
int pv_enum(struct pctx *pc, const json_t *v, const struct oci_name_value *t, size_t n, const char *what,
	    long *out);

/* "0-3,7": comma-separated numbers and ascending ranges (CPU and memory-node lists); "" is valid. */
bool pc_valid_id_list(const char *s);

void free_strv(char **v, size_t n);
void free_kv(struct spec_kv *kv, size_t n);

/* Sections parsed in their own files. */
int parse_process(struct pctx *pc, const json_t *v, struct spec_process *p);
int parse_mount(struct pctx *pc, const json_t *v, struct spec_mount *m);
int parse_idmaps(struct pctx *pc, const json_t *obj, const char *key, struct spec_idmapping **out, size_t *n);
int parse_linux(struct pctx *pc, const json_t *v, struct spec_linux *l);
int parse_resources(struct pctx *pc, const json_t *v, struct spec_resources *r);
int parse_seccomp(struct pctx *pc, const json_t *v, struct spec_seccomp *s);
void free_linux(struct spec_linux *l);
void free_resources(struct spec_resources *r);
void free_seccomp(struct spec_seccomp *s);
void free_mount(struct spec_mount *m);

/* Rewrite integers > INT64_MAX into marker strings; NULL when there are none. */
char *bigint_rewrite(const char *text, size_t len, size_t *out_len);
/* How many columns the rewrite added on the line of byte `pos` of the rewritten text, before it. */
int bigint_column_shift(const char *rewritten, size_t pos);

#endif
