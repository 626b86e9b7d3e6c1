/* pull.c — see pull.h. */
#include "image/pull.h"
#include "image/digest.h"
#include "image/import.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>

/* GET a manifest and verify it against want_digest (and want_size when known). */
static int get_manifest(struct registry *reg, const char *repo, const char *reference, const char *want_digest,
			uint64_t want_size, const char *declared, char **body, size_t *len, char digest[72],
			struct manifest *m, struct hull_err **err)
{
	_cleanup_free_ char *ct = NULL;
	if (registry_get_manifest(reg, repo, reference, body, len, &ct, err) < 0)
		return -1;
	digest_buf(*body, *len, digest);
	if (want_digest && strcmp(digest, want_digest) != 0)
		return hull_err_set(err, EBADMSG, "manifest %s: digest mismatch: content is %s", want_digest, digest);
	if (want_size && *len != want_size)
		return hull_err_set(err, EBADMSG, "manifest %s: %zu bytes, its descriptor says %llu", want_digest, *len,
				    (unsigned long long)want_size);
	/* The descriptor's media type binds tighter than the server's Content-Type. */
	const char *as = declared ? declared : ct;
	if (declared && ct && (media_type_is_index(ct) || media_type_is_manifest(ct)) && strcmp(ct, declared) != 0)
		return hull_err_set(err, EINVAL, "manifest %s: served as \"%s\" but listed as \"%s\"", digest, ct, declared);
	if (manifest_parse(*body, *len, as, m, err) < 0)
		return hull_err_wrap(err, "manifest %s", digest);
	return 0;
}

/* A single-platform image for another platform is still pulled (docker and podman do the same), with a
 * warning: it will not run here without emulation. */
static void warn_platform(struct store *s, const char *config_digest, const struct platform *want)
{
	size_t len;
	_cleanup_free_ char *cfg = store_blob_read(s, config_digest, &len, NULL);
	struct image_config_info ci;
	if (!cfg || image_config_parse(cfg, len, &ci, NULL) < 0)
		return;
	if (ci.platform.os && ci.platform.arch &&
	    (strcmp(ci.platform.os, want->os) || strcmp(ci.platform.arch, want->arch))) {
		_cleanup_free_ char *got = platform_string(&ci.platform), *w = platform_string(want);
		log_warn("warning: image platform (%s) does not match the expected platform (%s)", got, w);
	}
	image_config_info_free(&ci);
}

int image_pull(struct store *s, const char *reference, const struct pull_opts *o, char **image_id,
	       struct hull_err **err)
{
	struct image_ref ref;
	if (image_ref_parse(reference, &ref, err) < 0)
		return -1;
	int ret = -1;
	struct platform want = { 0 };
	struct registry *reg = NULL;
	struct manifest top = { 0 }, img = { 0 };
	_cleanup_free_ char *top_body = NULL, *img_body = NULL, *name = image_ref_string(&ref),
			    *tagged = image_ref_tagged(&ref), *repo = image_ref_repo(&ref), *repo_digest = NULL;
	size_t top_len = 0, img_len = 0;
	char top_digest[72], img_digest[72];
	struct progress *prog = NULL;
	if (o->platform ? platform_parse(o->platform, &want, err) < 0 : (platform_host(&want), 0))
		goto out;
	/* Pulls share the store; only removal (rmi, prune) excludes them. */
	if (store_gc_lock(s, LOCK_SH, err) < 0)
		goto out;
	struct registry_opts ro = { .tls_verify = o->tls_verify, .authfile = o->authfile };
	reg = registry_new(ref.domain, &ro);
	uint64_t t = trace_begin();
	if (get_manifest(reg, ref.path, ref.digest ? ref.digest : ref.tag, ref.digest, 0, NULL, &top_body, &top_len,
			 top_digest, &top, err) < 0)
		goto out;
	trace_end(t, "GET manifest %s", name);
	if (!o->quiet && !o->tty)
		fprintf(o->out, "Pulling %s\n", name);
	const char *body = top_body;
	size_t len = top_len;
	const char *digest = top_digest;
	struct manifest *m = &top;
	if (top.kind == MANIFEST_INDEX) {
		int i = manifest_select_platform(&top, &want, err);
		if (i < 0)
			goto out;
		const struct descriptor *d = &top.manifests[i];
		if (get_manifest(reg, ref.path, d->digest, d->digest, d->size, d->media_type, &img_body, &img_len,
				 img_digest, &img, err) < 0)
			goto out;
		if (img.kind != MANIFEST_IMAGE) {
			hull_err_set(err, EINVAL, "manifest %s: an index entry must be an image manifest", d->digest);
			goto out;
		}
		body = img_body;
		len = img_len;
		digest = img_digest;
		m = &img;
	}
	repo_digest = xasprintf("%s@%s", repo, top_digest);
	const char *names[] = { tagged, NULL };
	const char *digests[] = { repo_digest, NULL };
	prog = progress_new(o->out, o->quiet, o->tty, m->n_layers);
	struct registry_source rs = { reg, ref.path };
	struct blob_source src = { registry_source_stream, &rs };
	struct import_request req = { .manifest = body, .manifest_len = len, .manifest_digest = digest,
				      .parsed = m, .names = tagged ? names : NULL, .digests = digests, .progress = prog };
	if (import_image(s, &src, &req, image_id, err) < 0)
		goto out;
	if (top.kind == MANIFEST_IMAGE)
		warn_platform(s, m->config.digest, &want);
	/* The index too, so the repo digest it was pulled by stays resolvable (and savable). */
	if (top.kind == MANIFEST_INDEX && store_blob_put(s, top_digest, top_body, top_len, err) < 0)
		goto out;
	progress_line(prog, "Digest: %s", top_digest);
	progress_line(prog, "Status: Downloaded image for %s", name);
	ret = 0;
out:
	if (ret < 0)
		hull_err_wrap(err, "pull %s", reference);
	progress_free(prog);
	manifest_free(&top);
	manifest_free(&img);
	registry_free(reg);
	platform_free(&want);
	image_ref_free(&ref);
	return ret;
}
