/* imagedb.c — see imagedb.h. */
#include "image/imagedb.h"
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#define DB_FILE "images.json"

void strv_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void strv_del(char **v, size_t *n, size_t i)
{
	free(v[i]);
	memmove(v + i, v + i + 1, (*n - i) * sizeof(char *));
	(*n)--;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void image_record_free(struct image_record *r)
{
	free(r->id);
	free(r->manifest);
	free(r->manifest_type);
	strv_free(r->names, r->n_names);
	strv_free(r->digests, r->n_digests);
	strv_free(r->chain_ids, r->n_layers);
	memset(r, 0, sizeof(*r));
}

void imagedb_free(struct imagedb *db)
{
	for (size_t i = 0; i < db->n; i++)
		image_record_free(&db->v[i]);
	free(db->v);
	memset(db, 0, sizeof(*db));
}

static void load_strv(json_t *arr, char ***v, size_t *n)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x))
			strv_add(v, n, json_string_value(x));
}

int imagedb_load(struct store *s, struct imagedb *db, struct hull_err **err)
{
	memset(db, 0, sizeof(*db));
	_cleanup_err_ struct hull_err *e = NULL;
	size_t len;
	_cleanup_free_ char *txt = fs_read_file_at(s->rootfd, DB_FILE, &len, &e);
	if (!txt) {
		if (e->errnum == ENOENT)
			return 0;
		return hull_err_pass(err, &e);
	}
	json_error_t jerr;
	json_t *j = json_loadb(txt, len, 0, &jerr);
	json_t *imgs = json_object_get(j, "images");
	if (!json_is_array(imgs)) {
		json_decref(j);
		return hull_err_set(err, EINVAL, "%s/%s: corrupt (%s)", s->root, DB_FILE, j ? "no images" : jerr.text);
	}
	size_t i;
	json_t *o;
	json_array_foreach(imgs, i, o) {
		struct image_record r = { 0 };
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *man = json_string_value(json_object_get(o, "manifest"));
		if (!digest_is_valid(id) || !digest_is_valid(man))
			continue;
		r.id = xstrdup(id);
		r.manifest = xstrdup(man);
		const char *mt = json_string_value(json_object_get(o, "manifest_type"));
		r.manifest_type = xstrdup(mt ? mt : "");
		load_strv(json_object_get(o, "names"), &r.names, &r.n_names);
		load_strv(json_object_get(o, "digests"), &r.digests, &r.n_digests);
		json_t *layers = json_object_get(o, "layers");
		size_t k;
		json_t *x;
		r.chain_ids = xcalloc(json_array_size(layers) + 1, sizeof(char *));
		json_array_foreach(layers, k, x)
			r.chain_ids[r.n_layers++] = xstrdup(json_string_value(x) ? json_string_value(x) : "");
		r.size = (uint64_t)json_integer_value(json_object_get(o, "size"));
		r.created = json_integer_value(json_object_get(o, "created"));
		r.stored = json_integer_value(json_object_get(o, "stored"));
		db->v = xrealloc(db->v, (db->n + 1) * sizeof(*db->v));
		db->v[db->n++] = r;
	}
	json_decref(j);
	return 0;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int imagedb_save(struct store *s, const struct imagedb *db, struct hull_err **err)
{
	json_t *imgs = json_array();
	for (size_t i = 0; i < db->n; i++) {
		const struct image_record *r = &db->v[i];
		json_array_append_new(imgs, json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:I,s:I,s:I}", "id", r->id, "manifest",
						      r->manifest, "manifest_type", r->manifest_type, "names",
						      strv_json(r->names, r->n_names), "digests",
						      strv_json(r->digests, r->n_digests), "layers",
						      strv_json(r->chain_ids, r->n_layers), "size", (json_int_t)r->size,
						      "created", (json_int_t)r->created, "stored", (json_int_t)r->stored));
	}
	json_t *j = json_pack("{s:o}", "images", imgs);
	_cleanup_free_ char *txt = json_dumps(j, JSON_INDENT(1));
	json_decref(j);
	return fs_write_atomic(s->rootfd, DB_FILE, txt, strlen(txt), 0600, err);
}

static bool all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

int imagedb_find(const struct imagedb *db, const char *what, struct hull_err **err)
{
	if (digest_is_valid(what)) {
		for (size_t i = 0; i < db->n; i++)
			if (!strcmp(db->v[i].id, what))
				return (int)i;
	}
	size_t wl = strlen(what);
	if (wl >= 3 && wl <= 64 && all_hex(what)) {
		int found = -1;
		for (size_t i = 0; i < db->n; i++)
			if (!strncmp(db->v[i].id + 7, what, wl)) {
				if (found >= 0 && strcmp(db->v[found].id, db->v[i].id))
					return hull_err_set(err, EINVAL, "image ID prefix \"%s\" is ambiguous", what);
				found = (int)i;
			}
		if (found >= 0)
			return found;
	}
	struct image_ref ref;
	_cleanup_err_ struct hull_err *perr = NULL;
	if (image_ref_parse(what, &ref, &perr) == 0) {
		_cleanup_free_ char *tagged = image_ref_tagged(&ref);
		_cleanup_free_ char *repo = image_ref_repo(&ref);
		_cleanup_free_ char *by_digest = ref.digest ? xasprintf("%s@%s", repo, ref.digest) : NULL;
		image_ref_free(&ref);
		for (size_t i = 0; i < db->n; i++) {
			const struct image_record *r = &db->v[i];
			for (size_t k = 0; by_digest && k < r->n_digests; k++)
				if (!strcmp(r->digests[k], by_digest))
					return (int)i;
			if (by_digest && !strcmp(r->manifest, strchr(by_digest, '@') + 1))
				return (int)i;
			for (size_t k = 0; !by_digest && tagged && k < r->n_names; k++)
				if (!strcmp(r->names[k], tagged))
					return (int)i;
		}
	}
	return hull_err_set(err, ENOENT, "%s: image not known", what);
}

int imagedb_load_find(struct store *s, const char *what, struct imagedb *db, struct hull_err **err)
{
	if (imagedb_load(s, db, err) < 0)
		return -1;
	int i = imagedb_find(db, what, err);
	if (i < 0)
		imagedb_free(db);
	return i;
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

bool imagedb_has(const struct imagedb *db, const struct image_record *rec)
{
	for (size_t i = 0; i < db->n; i++) {
		const struct image_record *r = &db->v[i];
		if (strcmp(r->id, rec->id) || strcmp(r->manifest, rec->manifest))
			continue;
		for (size_t k = 0; k < rec->n_names; k++)
			if (!strv_has(r->names, r->n_names, rec->names[k]))
				return false;
		for (size_t k = 0; k < rec->n_digests; k++)
			if (!strv_has(r->digests, r->n_digests, rec->digests[k]))
				return false;
		return true;
	}
	return false;
}

int imagedb_untag(struct imagedb *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		for (size_t k = 0; k < db->v[i].n_names; k++)
			if (!strcmp(db->v[i].names[k], name)) {
				strv_del(db->v[i].names, &db->v[i].n_names, k);
				return 1;
			}
	return 0;
}

size_t imagedb_add(struct imagedb *db, struct image_record *rec)
{
	for (size_t k = 0; k < rec->n_names; k++)
		imagedb_untag(db, rec->names[k]);
	for (size_t i = 0; i < db->n; i++) {
		struct image_record *r = &db->v[i];
		if (strcmp(r->id, rec->id) != 0)
			continue;
		for (size_t k = 0; k < rec->n_names; k++)
			strv_add(&r->names, &r->n_names, rec->names[k]);
		for (size_t k = 0; k < rec->n_digests; k++)
			strv_add(&r->digests, &r->n_digests, rec->digests[k]);
		if (strcmp(r->manifest, rec->manifest) != 0) {
			/* Same config through another manifest (e.g. recompressed): keep the newest. */
			free(r->manifest);
			free(r->manifest_type);
			strv_free(r->chain_ids, r->n_layers);
			r->manifest = steal_ptr(&rec->manifest);
			r->manifest_type = steal_ptr(&rec->manifest_type);
			r->chain_ids = steal_ptr(&rec->chain_ids);
			r->n_layers = rec->n_layers;
			rec->n_layers = 0;
		}
		r->stored = rec->stored;
		image_record_free(rec);
		return i;
	}
	db->v = xrealloc(db->v, (db->n + 1) * sizeof(*db->v));
	db->v[db->n] = *rec;
	memset(rec, 0, sizeof(*rec));
	return db->n++;
}

void imagedb_remove(struct imagedb *db, size_t i)
{
	image_record_free(&db->v[i]);
	memmove(db->v + i, db->v + i + 1, (db->n - i - 1) * sizeof(*db->v));
	db->n--;
}
