/* manifest.c — see manifest.h. */
#include "image/manifest.h"
#include "image/ref.h"
#include "util/cleanup.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>

int media_type_is_index(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST));
}

int media_type_is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST));
}

int layer_media_compression(const char *mt, enum layer_compression *out, struct hull_err **err)
{
	static const struct {
		const char *mt;
		enum layer_compression c;
	} table[] = {
		{ MT_OCI_LAYER, COMP_NONE },
		{ MT_OCI_LAYER_GZIP, COMP_GZIP },
		{ MT_OCI_LAYER_ZSTD, COMP_ZSTD },
		{ MT_DOCKER_LAYER_GZIP, COMP_GZIP },
		{ MT_DOCKER_FOREIGN_GZIP, COMP_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", COMP_NONE },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", COMP_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", COMP_ZSTD },
	};
	for (size_t i = 0; mt && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(mt, table[i].mt)) {
			*out = table[i].c;
			return 0;
		}
	return hull_err_set(err, EINVAL, "unsupported layer media type \"%s\"", mt ? mt : "(none)");
}

static char *dup_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

void platform_free(struct platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

static void descriptor_free(struct descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	platform_free(&d->platform);
}

static int descriptor_parse(json_t *o, const char *where, struct descriptor *d, struct hull_err **err)
{
	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return hull_err_set(err, EINVAL, "%s: not an object", where);
	json_t *mt = json_object_get(o, "mediaType"), *dg = json_object_get(o, "digest"),
	       *sz = json_object_get(o, "size");
	if (!json_is_string(mt))
		return hull_err_set(err, EINVAL, "%s.mediaType: missing or not a string", where);
	if (!json_is_string(dg) || !digest_is_valid(json_string_value(dg)))
		return hull_err_set(err, EINVAL, "%s.digest: missing or not sha256:<64 hex>", where);
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return hull_err_set(err, EINVAL, "%s.size: missing or negative", where);
	d->media_type = xstrdup(json_string_value(mt));
	d->digest = xstrdup(json_string_value(dg));
	d->size = (uint64_t)json_integer_value(sz);
	json_t *pf = json_object_get(o, "platform");
	if (json_is_object(pf)) {
		d->platform.os = dup_str(pf, "os");
		d->platform.arch = dup_str(pf, "architecture");
		d->platform.variant = dup_str(pf, "variant");
	}
	return 0;
}

void manifest_free(struct manifest *m)
{
	free(m->media_type);
	descriptor_free(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_free(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_free(&m->manifests[i]);
	free(m->manifests);
	memset(m, 0, sizeof(*m));
}

static int parse_list(json_t *arr, const char *name, struct descriptor **out, size_t *n, struct hull_err **err)
{
	if (!json_is_array(arr))
		return hull_err_set(err, EINVAL, "%s: missing or not an array", name);
	*n = json_array_size(arr);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		char where[64];
		snprintf(where, sizeof(where), "%s[%zu]", name, i);
		if (descriptor_parse(json_array_get(arr, i), where, &(*out)[i], err) < 0) {
			*n = i;
			return -1;
		}
	}
	return 0;
}

int manifest_parse(const char *buf, size_t len, const char *declared_type, struct manifest *out,
		   struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	if (!root)
		return hull_err_set(err, EINVAL, "manifest: invalid JSON at line %d: %s", jerr.line, jerr.text);
	int ret = -1;
	json_t *sv = json_object_get(root, "schemaVersion");
	const char *own = json_string_value(json_object_get(root, "mediaType"));
	bool has_manifests = json_object_get(root, "manifests") != NULL;
	bool has_layers = json_object_get(root, "layers") != NULL || json_object_get(root, "config") != NULL;
	if (!json_is_object(root)) {
		hull_err_set(err, EINVAL, "manifest: not a JSON object");
		goto out;
	}
	if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
		hull_err_set(err, EINVAL, "manifest.schemaVersion: want 2 (schema 1 manifests are not supported)");
		goto out;
	}
	/* CVE-2021-41190: a document that can be read both as an index and as a manifest, or whose own media
	 * type differs from what it was served or referred to as, could be verified as one thing and used as
	 * another. */
	if (has_manifests && has_layers) {
		hull_err_set(err, EINVAL, "manifest: ambiguous document has both \"manifests\" and \"layers\"/\"config\"");
		goto out;
	}
	bool declared_known = media_type_is_index(declared_type) || media_type_is_manifest(declared_type);
	if (own && declared_known && strcmp(own, declared_type) != 0) {
		hull_err_set(err, EINVAL, "manifest.mediaType: \"%s\" but it was declared as \"%s\"", own, declared_type);
		goto out;
	}
	const char *mt = own ? own : declared_known ? declared_type : NULL;
	if (!mt)
		mt = has_manifests ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	if (media_type_is_index(mt)) {
		if (has_layers) {
			hull_err_set(err, EINVAL, "manifest: index \"%s\" has layers", mt);
			goto out;
		}
		out->kind = MANIFEST_INDEX;
		if (parse_list(json_object_get(root, "manifests"), "manifests", &out->manifests, &out->n_manifests,
			       err) < 0)
			goto out;
	} else if (media_type_is_manifest(mt)) {
		if (has_manifests) {
			hull_err_set(err, EINVAL, "manifest: image manifest \"%s\" has \"manifests\"", mt);
			goto out;
		}
		out->kind = MANIFEST_IMAGE;
		if (descriptor_parse(json_object_get(root, "config"), "config", &out->config, err) < 0)
			goto out;
		if (strcmp(out->config.media_type, MT_OCI_CONFIG) != 0 &&
		    strcmp(out->config.media_type, MT_DOCKER_CONFIG) != 0) {
			hull_err_set(err, EINVAL, "config.mediaType: \"%s\" is not an image config",
				     out->config.media_type);
			goto out;
		}
		if (parse_list(json_object_get(root, "layers"), "layers", &out->layers, &out->n_layers, err) < 0)
			goto out;
		for (size_t i = 0; i < out->n_layers; i++) {
			enum layer_compression c;
			if (layer_media_compression(out->layers[i].media_type, &c, err) < 0) {
				hull_err_wrap(err, "layers[%zu].mediaType", i);
				goto out;
			}
		}
	} else {
		hull_err_set(err, EINVAL, "manifest.mediaType: unsupported \"%s\"", mt);
		goto out;
	}
	out->media_type = xstrdup(mt);
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		manifest_free(out);
	return ret;
}

int platform_parse(const char *s, struct platform *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *w = xstrdup(s);
	char *save = NULL, *os = strtok_r(w, "/", &save), *arch = strtok_r(NULL, "/", &save),
	     *variant = strtok_r(NULL, "/", &save), *extra = strtok_r(NULL, "/", &save);
	if (!os || !arch || extra)
		return hull_err_set(err, EINVAL, "--platform \"%s\": want os/arch[/variant]", s);
	out->os = xstrdup(os);
	out->arch = xstrdup(arch);
	out->variant = variant ? xstrdup(variant) : NULL;
	return 0;
}

void platform_host(struct platform *out)
{
	struct utsname u;
	uname(&u);
	memset(out, 0, sizeof(*out));
	out->os = xstrdup("linux");
	const char *m = u.machine;
	if (!strcmp(m, "x86_64"))
		out->arch = xstrdup("amd64");
	else if (!strcmp(m, "aarch64")) {
		out->arch = xstrdup("arm64");
		out->variant = xstrdup("v8");
	} else if (!strncmp(m, "armv7", 5)) {
		out->arch = xstrdup("arm");
		out->variant = xstrdup("v7");
	} else if (!strncmp(m, "i", 1) && strstr(m, "86"))
		out->arch = xstrdup("386");
	else
		out->arch = xstrdup(m);
}

char *platform_string(const struct platform *p)
{
	return xasprintf("%s/%s%s%s", p->os ? p->os : "?", p->arch ? p->arch : "?", p->variant ? "/" : "",
			 p->variant ? p->variant : "");
}

/* arm64 images usually omit their v8 variant. */
static const char *norm_variant(const struct platform *p)
{
	if (p->arch && !strcmp(p->arch, "arm64") && (!p->variant || !*p->variant))
		return "v8";
	return p->variant;
}

int manifest_select_platform(const struct manifest *idx, const struct platform *want, struct hull_err **err)
{
	const char *wv = norm_variant(want);
	/* An exact variant match beats an entry without one. */
	int loose = -1;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct platform *p = &idx->manifests[i].platform;
		if (!media_type_is_manifest(idx->manifests[i].media_type))
			continue;
		if (!p->os || !p->arch || strcmp(p->os, want->os) || strcmp(p->arch, want->arch))
			continue;
		const char *pv = norm_variant(p);
		if (wv && pv && !strcmp(wv, pv))
			return (int)i;
		if (!wv && !pv)
			return (int)i;
		if ((!wv || !pv) && loose < 0)
			loose = (int)i;
	}
	if (loose >= 0)
		return loose;
	_cleanup_free_ char *w = platform_string(want);
	char offered[1024] = "";
	for (size_t i = 0; i < idx->n_manifests; i++) {
		_cleanup_free_ char *s = platform_string(&idx->manifests[i].platform);
		if (strlen(offered) + strlen(s) + 3 < sizeof(offered)) {
			if (i)
				strcat(offered, ", ");
			strcat(offered, s);
		}
	}
	return hull_err_set(err, ENOENT, "no image for platform %s in the index (it offers: %s)", w,
			    *offered ? offered : "nothing");
}

void image_config_info_free(struct image_config_info *c)
{
	for (size_t i = 0; i < c->n_diff_ids; i++)
		free(c->diff_ids[i]);
	free(c->diff_ids);
	platform_free(&c->platform);
	memset(c, 0, sizeof(*c));
}

int image_config_parse(const char *buf, size_t len, struct image_config_info *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	if (!root)
		return hull_err_set(err, EINVAL, "image config: invalid JSON at line %d: %s", jerr.line, jerr.text);
	int ret = -1;
	json_t *rootfs = json_object_get(root, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_object(root) || !json_is_object(rootfs) ||
	    !json_is_string(json_object_get(rootfs, "type")) ||
	    strcmp(json_string_value(json_object_get(rootfs, "type")), "layers") != 0) {
		hull_err_set(err, EINVAL, "image config: rootfs.type: want \"layers\"");
		goto out;
	}
	if (!json_is_array(ids)) {
		hull_err_set(err, EINVAL, "image config: rootfs.diff_ids: missing or not an array");
		goto out;
	}
	out->n_diff_ids = json_array_size(ids);
	out->diff_ids = xcalloc(out->n_diff_ids + 1, sizeof(char *));
	for (size_t i = 0; i < out->n_diff_ids; i++) {
		const char *s = json_string_value(json_array_get(ids, i));
		if (!digest_is_valid(s)) {
			out->n_diff_ids = i;
			hull_err_set(err, EINVAL, "image config: rootfs.diff_ids[%zu]: not sha256:<64 hex>", i);
			goto out;
		}
		out->diff_ids[i] = xstrdup(s);
	}
	out->platform.os = dup_str(root, "os");
	out->platform.arch = dup_str(root, "architecture");
	out->platform.variant = dup_str(root, "variant");
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		image_config_info_free(out);
	return ret;
}
