/* archive.c — see archive.h. */
#include "image/archive.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/imagedb.h"
#include "image/import.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- a minimal ustar writer: our archives hold only short names, regular files and directories --- */

static int tar_header(int fd, const char *name, uint64_t size, bool dir, struct hull_err **err)
{
	unsigned char h[512] = { 0 };
	if (strlen(name) >= 100)
		return hull_err_set(err, ENAMETOOLONG, "tar name %s", name);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", dir ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	memset(h + 148, ' ', 8);
	h[156] = dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if (write(fd, h, 512) != 512)
		return hull_err_sys(err, "write archive");
	return 0;
}

static int tar_pad(int fd, uint64_t size, struct hull_err **err)
{
	static const char zeros[512];
	size_t pad = (512 - size % 512) % 512;
	if (pad && write(fd, zeros, pad) != (ssize_t)pad)
		return hull_err_sys(err, "write archive");
	return 0;
}

static int tar_add_buf(int fd, const char *name, const void *buf, size_t len, struct hull_err **err)
{
	if (tar_header(fd, name, len, false, err) < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len)
		return hull_err_sys(err, "write archive");
	return tar_pad(fd, len, err);
}

static int tar_add_blob(int fd, struct store *s, const char *digest, struct hull_err **err)
{
	_cleanup_fd_ int in = store_blob_open(s, digest, err);
	if (in < 0)
		return -1;
	struct stat st;
	if (fstat(in, &st) < 0)
		return hull_err_sys(err, "stat blob %s", digest);
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	if (tar_header(fd, name, (uint64_t)st.st_size, false, err) < 0)
		return -1;
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, fd, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS)) {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(fd, buf, (size_t)n) != n)
				return hull_err_sys(err, "write archive");
		}
		if (n <= 0)
			return hull_err_sys(err, "copy blob %s", digest);
		left -= n;
	}
	return tar_pad(fd, (uint64_t)st.st_size, err);
}

int image_save(struct store *s, const char *what, const char *path, enum archive_format fmt, struct hull_err **err)
{
	struct imagedb db;
	int i = imagedb_load_find(s, what, &db, err);
	if (i < 0)
		return -1;
	const struct image_record *r = &db.v[i];
	int ret = -1;
	size_t mlen;
	struct manifest m = { 0 };
	_cleanup_free_ char *mbuf = store_blob_read(s, r->manifest, &mlen, err);
	_cleanup_free_ char *tmp = xasprintf("%s.hull-tmp-%d", path, (int)getpid());
	_cleanup_fd_ int fd = -1;
	_cleanup_free_ char *index_txt = NULL;
	json_t *index = NULL, *dman = NULL;
	if (!mbuf || manifest_parse(mbuf, mlen, r->manifest_type, &m, err) < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		hull_err_sys(err, "create %s", tmp);
		goto out;
	}
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
	json_t *desc = json_pack("{s:s,s:s,s:I}", "mediaType", m.media_type, "digest", r->manifest, "size",
				 (json_int_t)mlen);
	if (r->n_names) {
		json_t *ann = json_object();
		json_object_set_new(ann, "io.containerd.image.name", json_string(r->names[0]));
		const char *colon = strrchr(r->names[0], ':');
		if (colon && !strchr(colon, '/'))
			json_object_set_new(ann, "org.opencontainers.image.ref.name", json_string(colon + 1));
		json_object_set_new(desc, "annotations", ann);
	}
	index = json_pack("{s:i,s:s,s:[o]}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests", desc);
	index_txt = json_dumps(index, JSON_COMPACT);
	if (tar_add_buf(fd, "oci-layout", layout, strlen(layout), err) < 0 ||
	    tar_add_buf(fd, "index.json", index_txt, strlen(index_txt), err) < 0 ||
	    tar_header(fd, "blobs/", 0, true, err) < 0 || tar_header(fd, "blobs/sha256/", 0, true, err) < 0 ||
	    tar_add_blob(fd, s, r->manifest, err) < 0 || tar_add_blob(fd, s, r->id, err) < 0)
		goto out;
	for (size_t k = 0; k < m.n_layers; k++)
		if (tar_add_blob(fd, s, m.layers[k].digest, err) < 0)
			goto out;
	if (fmt == ARCHIVE_DOCKER) {
		/* docker-archive: manifest.json naming config and layers by their paths in the same tar, as
		 * docker save writes since 25.0 (docker load takes compressed layers). */
		json_t *tags = json_array(), *layers = json_array();
		for (size_t k = 0; k < r->n_names; k++)
			json_array_append_new(tags, json_string(r->names[k]));
		for (size_t k = 0; k < m.n_layers; k++)
			json_array_append_new(layers, json_sprintf("blobs/sha256/%s", m.layers[k].digest + 7));
		dman = json_pack("[{s:o,s:o,s:o}]", "Config", json_sprintf("blobs/sha256/%s", r->id + 7), "RepoTags", tags,
				 "Layers", layers);
		_cleanup_free_ char *txt = json_dumps(dman, JSON_COMPACT);
		if (tar_add_buf(fd, "manifest.json", txt, strlen(txt), err) < 0)
			goto out;
	}
	static const char end[1024];
	if (write(fd, end, sizeof(end)) != (ssize_t)sizeof(end) || fsync(fd) < 0) {
		hull_err_sys(err, "write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		hull_err_sys(err, "rename to %s", path);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && fd >= 0)
		unlink(tmp);
	json_decref(index);
	json_decref(dman);
	manifest_free(&m);
	imagedb_free(&db);
	if (ret < 0)
		hull_err_wrap(err, "save %s", what);
	return ret;
}

/* --- load --- */

/* A member name of an archive as it lies in the extraction dir: cleaned (no "..", not absolute), and
 * flattened to one component unless it is blobs/sha256/<hex>. NULL if the name is hostile. */
static char *flatten(const char *name, struct hull_err **err)
{
	char *rel = unpack_clean_path(name, err);
	if (!rel)
		return NULL;
	bool blob = !strncmp(rel, "blobs/sha256/", 13) && !strchr(rel + 13, '/') && rel[13];
	for (char *p = rel; *p && !blob; p++)
		if (*p == '/')
			*p = '#';
	return rel;
}

/* The directory a flattened name goes in: blobs/sha256 (created) or dirfd itself. */
static int open_tree_dir(int dirfd, const char *rel, struct hull_err **err)
{
	if (strncmp(rel, "blobs/sha256/", 13) != 0) {
		int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? hull_err_sys(err, "dup") : fd;
	}
	if ((mkdirat(dirfd, "blobs", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(dirfd, "blobs/sha256", 0700) < 0 && errno != EEXIST))
		return hull_err_sys(err, "mkdir blobs/sha256");
	int fd = openat(dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? hull_err_sys(err, "open blobs/sha256") : fd;
}

/* Copy the regular files of an archive into dirfd; only names a layout or docker-archive uses. */
static int extract_archive(const char *path, int dirfd, struct hull_err **err)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	int ret = -1;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		hull_err_set(err, EINVAL, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		_cleanup_err_ struct hull_err *why = NULL;
		_cleanup_free_ char *rel = flatten(archive_entry_pathname(e), &why);
		if (!rel) {
			hull_err_set(err, EPERM, "%s: entry \"%s\": %s", path, archive_entry_pathname(e), why->msg);
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG || !*rel)
			continue;
		_cleanup_fd_ int dir = open_tree_dir(dirfd, rel, err);
		if (dir < 0)
			goto out;
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		_cleanup_fd_ int fd = openat(dir, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			hull_err_sys(err, "create %s", rel);
			goto out;
		}
		if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK) {
			hull_err_set(err, EIO, "%s: %s: %s", path, rel, archive_error_string(a));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		hull_err_set(err, EINVAL, "%s: %s", path, archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	return ret;
}

/* A blob of the layout, verified against its descriptor. */
static char *layout_blob(int layoutfd, const char *digest, uint64_t size, size_t *len, struct hull_err **err)
{
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	char *buf = fs_read_file_in_root(layoutfd, name, len, err);
	if (!buf)
		return NULL;
	char got[72];
	digest_buf(buf, *len, got);
	if (strcmp(got, digest) != 0 || (size && *len != size)) {
		hull_err_set(err, EBADMSG, "%s: digest or size mismatch (content is %s, %zu bytes)", name, got, *len);
		free(buf);
		return NULL;
	}
	return buf;
}

static int load_manifest(struct store *s, int layoutfd, const char *digest, uint64_t size, const char *mt,
			 const char *name, FILE *out, struct hull_err **err)
{
	size_t len;
	_cleanup_free_ char *buf = layout_blob(layoutfd, digest, size, &len, err);
	if (!buf)
		return -1;
	struct manifest m;
	if (manifest_parse(buf, len, mt, &m, err) < 0)
		return -1;
	int ret = -1;
	if (m.kind == MANIFEST_INDEX) {
		struct platform host;
		platform_host(&host);
		int i = manifest_select_platform(&m, &host, err);
		platform_free(&host);
		if (i >= 0)
			ret = load_manifest(s, layoutfd, m.manifests[i].digest, m.manifests[i].size,
					    m.manifests[i].media_type, name, out, err);
		manifest_free(&m);
		return ret;
	}
	_cleanup_free_ char *tagged = NULL;
	struct image_ref ref;
	if (name && image_ref_parse(name, &ref, NULL) == 0) {
		tagged = image_ref_tagged(&ref);
		image_ref_free(&ref);
	}
	const char *names[] = { tagged, NULL };
	struct blob_source src = { layout_source_stream, &layoutfd };
	struct import_request req = { .manifest = buf, .manifest_len = len, .manifest_digest = digest, .parsed = &m,
				      .names = tagged ? names : NULL };
	_cleanup_free_ char *id = NULL;
	ret = import_image(s, &src, &req, &id, err);
	if (ret == 0)
		fprintf(out, "Loaded image: %s\n", tagged ? tagged : id);
	manifest_free(&m);
	return ret;
}

static int load_oci(struct store *s, int layoutfd, FILE *out, struct hull_err **err)
{
	size_t len;
	_cleanup_free_ char *txt = fs_read_file_in_root(layoutfd, "index.json", &len, err);
	if (!txt)
		return -1;
	json_t *idx = json_loadb(txt, len, 0, NULL);
	json_t *mans = json_object_get(idx, "manifests");
	if (!json_is_array(mans)) {
		json_decref(idx);
		return hull_err_set(err, EINVAL, "index.json: manifests: missing or not an array");
	}
	int ret = 0;
	size_t i;
	json_t *d;
	json_array_foreach(mans, i, d) {
		const char *dg = json_string_value(json_object_get(d, "digest"));
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		json_t *ann = json_object_get(d, "annotations");
		const char *name = json_string_value(json_object_get(ann, "io.containerd.image.name"));
		if (!name)
			name = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
		if (!digest_is_valid(dg)) {
			ret = hull_err_set(err, EINVAL, "index.json: manifests[%zu].digest: not sha256:<64 hex>", i);
			break;
		}
		if (load_manifest(s, layoutfd, dg, (uint64_t)json_integer_value(json_object_get(d, "size")), mt, name,
				  out, err) < 0) {
			ret = hull_err_wrap(err, "index.json: manifests[%zu]", i);
			break;
		}
	}
	json_decref(idx);
	return ret;
}

/* docker-archive without an OCI index: describe its files as an OCI manifest, with each layer file
 * linked in under its digest so the layout source can stream it. */
static int load_docker(struct store *s, int dirfd, FILE *out, struct hull_err **err)
{
	size_t len;
	_cleanup_free_ char *txt = fs_read_file_in_root(dirfd, "manifest.json", &len, err);
	if (!txt)
		return -1;
	json_t *arr = json_loadb(txt, len, 0, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return hull_err_set(err, EINVAL, "manifest.json: not an array");
	}
	_cleanup_fd_ int blobs = open_tree_dir(dirfd, "blobs/sha256/x", err);
	int ret = blobs < 0 ? -1 : 0;
	size_t i;
	json_t *ent;
	json_array_foreach(arr, i, ent) {
		if (ret < 0)
			break;
		json_t *layers = json_object_get(ent, "Layers");
		const char *cfgname = json_string_value(json_object_get(ent, "Config"));
		if (!cfgname || !json_is_array(layers)) {
			ret = hull_err_set(err, EINVAL, "manifest.json[%zu]: Config and Layers are required", i);
			break;
		}
		json_t *descs = json_array();
		char cfgdg[72];
		uint64_t cfgsize = 0;
		_cleanup_free_ char *cfgflat = flatten(cfgname, err);
		ret = cfgflat ? digest_file_at(dirfd, cfgflat, cfgdg, &cfgsize, err) : -1;
		size_t k;
		json_t *l;
		json_array_foreach(layers, k, l) {
			if (ret < 0)
				break;
			_cleanup_free_ char *flat = flatten(json_string_value(l) ? json_string_value(l) : "", err);
			if (!flat || !*flat) {
				ret = flat ? hull_err_set(err, EINVAL, "manifest.json[%zu].Layers[%zu]: bad name", i, k) : -1;
				break;
			}
			char dg[72];
			uint64_t size;
			unsigned char magic[4] = { 0 };
			_cleanup_fd_ int lfd = openat(dirfd, flat, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (lfd < 0 || read(lfd, magic, 4) < 0 || digest_file_at(dirfd, flat, dg, &size, err) < 0) {
				ret = lfd < 0 ? hull_err_sys(err, "manifest.json[%zu].Layers[%zu]: %s", i, k, flat) : -1;
				break;
			}
			const char *mt = magic[0] == 0x1f && magic[1] == 0x8b ? MT_OCI_LAYER_GZIP
					 : magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd
						 ? MT_OCI_LAYER_ZSTD
						 : MT_OCI_LAYER;
			if (linkat(dirfd, flat, blobs, dg + 7, 0) < 0 && errno != EEXIST) {
				ret = hull_err_sys(err, "link %s", flat);
				break;
			}
			json_array_append_new(descs, json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", dg, "size",
							       (json_int_t)size));
		}
		if (ret == 0 && linkat(dirfd, cfgflat, blobs, cfgdg + 7, 0) < 0 && errno != EEXIST)
			ret = hull_err_sys(err, "link %s", cfgflat);
		if (ret < 0) {
			json_decref(descs);
			break;
		}
		json_t *man = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
					"config", "mediaType", MT_OCI_CONFIG, "digest", cfgdg, "size", (json_int_t)cfgsize,
					"layers", descs);
		_cleanup_free_ char *mtxt = json_dumps(man, JSON_COMPACT);
		json_decref(man);
		char mdg[72];
		digest_buf(mtxt, strlen(mtxt), mdg);
		if (fs_write_atomic(blobs, mdg + 7, mtxt, strlen(mtxt), 0600, err) < 0) {
			ret = -1;
			break;
		}
		json_t *tags = json_object_get(ent, "RepoTags");
		const char *name = json_string_value(json_array_get(tags, 0));
		ret = load_manifest(s, dirfd, mdg, strlen(mtxt), MT_OCI_MANIFEST, name, out, err);
		for (size_t t = 1; ret == 0 && t < json_array_size(tags); t++)
			ret = image_tag(s, name, json_string_value(json_array_get(tags, t)), err);
	}
	json_decref(arr);
	return ret;
}

int image_load(struct store *s, const char *path, FILE *out, struct hull_err **err)
{
	if (store_gc_lock(s, LOCK_SH, err) < 0)
		return -1;
	struct stat st;
	if (stat(path, &st) < 0)
		return hull_err_sys(err, "load %s", path);
	_cleanup_free_ char *tmp = NULL;
	_cleanup_fd_ int dirfd = -1;
	int ret = -1;
	if (S_ISDIR(st.st_mode)) {
		dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return hull_err_sys(err, "load %s", path);
	} else {
		if (store_tmp_dir(s, &tmp, err) < 0)
			return -1;
		dirfd = openat(s->tmpfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dirfd < 0) {
			hull_err_sys(err, "open %s", tmp);
			goto out;
		}
		if (extract_archive(path, dirfd, err) < 0)
			goto out;
	}
	struct stat ist;
	bool oci = fstatat(dirfd, "index.json", &ist, AT_SYMLINK_NOFOLLOW) == 0;
	if (!oci && !tmp) {
		/* load_docker links and writes blobs into the directory it reads: that must be our own
		 * extraction dir, never the caller's (whose "blobs" could be a symlink to anywhere). */
		hull_err_set(err, EINVAL, "not an OCI image layout (no index.json): a docker-archive loads from its tar");
		goto out;
	}
	ret = oci ? load_oci(s, dirfd, out, err) : load_docker(s, dirfd, out, err);
out:
	store_tmp_remove(s, tmp);
	if (ret < 0)
		hull_err_wrap(err, "load %s", path);
	return ret;
}
