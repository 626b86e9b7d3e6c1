/* import.c — see import.h. */
#include "image/import.h"
#include "image/decompress.h"
#include "image/digest.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARALLEL 3
#define MAX_CONFIG (16u << 20)

int registry_source_stream(void *ctx, const struct descriptor *d, registry_sink sink, void *arg,
			   struct hull_err **err)
{
	struct registry_source *rs = ctx;
	return registry_get_blob(rs->reg, rs->repo, d->digest, sink, arg, err);
}

int layout_source_stream(void *ctx, const struct descriptor *d, registry_sink sink, void *arg,
			 struct hull_err **err)
{
	int layoutfd = *(int *)ctx;
	_cleanup_free_ char *path = xasprintf("blobs/sha256/%s", d->digest + 7);
	/* A layout directory may come from anyone: a symlinked blobs/ must not lead out of it. */
	_cleanup_fd_ int fd = fs_open_in_root(layoutfd, path, O_RDONLY | O_NOFOLLOW, 0, 0, err);
	if (fd < 0)
		return -1;
	static __thread char buf[1 << 17];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "read %s", path);
		if (n == 0)
			return 0;
		if (sink(arg, buf, (size_t)n, err) < 0)
			return -1;
	}
}

/* Everything one layer's download goes through: verification, the blob file, the unpacker's pipe. */
struct layer_job {
	struct store *s;
	struct blob_source *src;
	const struct descriptor *d;
	const char *diff_id, *chain_id;
	size_t index;
	struct progress *progress;
	struct digest_check check;
	int blobfd, pipefd;
	char *blob_tmp, *snap_tmp;
	bool want_blob, want_snapshot;
	/* unpacker thread */
	int unpack_in;
	enum layer_compression comp;
	struct unpack_result res;
	struct hull_err *unpack_err;
	struct hull_err *err;
};

static int write_all(int fd, const void *buf, size_t n, const char *what, struct hull_err **err)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hull_err_sys(err, "write %s", what);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int job_sink(void *arg, const void *buf, size_t n, struct hull_err **err)
{
	struct layer_job *j = arg;
	if (digest_check_update(&j->check, buf, n, err) < 0)
		return -1;
	if (j->blobfd >= 0 && write_all(j->blobfd, buf, n, "blob", err) < 0)
		return -1;
	if (j->pipefd >= 0 && write_all(j->pipefd, buf, n, "unpack pipe", err) < 0) {
		/* The unpacker stopped reading: its error is the one to report. */
		if (errno == EPIPE)
			hull_err_wrap(err, "unpacker stopped");
		return -1;
	}
	if (j->progress)
		progress_bytes(j->progress, j->index, j->check.got, j->check.want_size);
	return 0;
}

static void *unpack_thread(void *arg)
{
	struct layer_job *j = arg;
	_cleanup_free_ char *fsdir = xasprintf("%s/fs", j->snap_tmp);
	if (mkdirat(j->s->tmpfd, fsdir, 0755) < 0) {
		hull_err_sys(&j->unpack_err, "mkdir %s", fsdir);
	} else {
		_cleanup_fd_ int rootfd = openat(j->s->tmpfd, fsdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (rootfd < 0)
			hull_err_sys(&j->unpack_err, "open %s", fsdir);
		else
			unpack_layer(rootfd, j->unpack_in, j->comp, layer_max_uncompressed(j->d->size), &j->res,
				     &j->unpack_err);
	}
	/* Let the downloader see EPIPE rather than block on a full pipe. */
	close(j->unpack_in);
	j->unpack_in = -1;
	return NULL;
}

static int run_job(struct layer_job *j, struct hull_err **err)
{
	_cleanup_free_ char *what = xasprintf("layer %s", j->d->digest);
	j->blobfd = j->pipefd = j->unpack_in = -1;
	if (layer_media_compression(j->d->media_type, &j->comp, err) < 0)
		return -1;
	pthread_t tid;
	bool thread = false;
	int ret = -1;
	_cleanup_fd_ int blobfd = -1;
	int pipefd[2] = { -1, -1 };
	if (j->want_snapshot) {
		if (store_tmp_dir(j->s, &j->snap_tmp, err) < 0)
			goto out;
		if (j->want_blob) {
			if (pipe2(pipefd, O_CLOEXEC) < 0) {
				hull_err_sys(err, "pipe");
				goto out;
			}
			fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
			j->unpack_in = pipefd[0];
			j->pipefd = pipefd[1];
		} else {
			j->unpack_in = store_blob_open(j->s, j->d->digest, err);
			if (j->unpack_in < 0)
				goto out;
		}
		if (pthread_create(&tid, NULL, unpack_thread, j) != 0) {
			hull_err_set(err, EAGAIN, "start unpacker");
			if (j->unpack_in >= 0)
				close(j->unpack_in);
			goto out;
		}
		thread = true;
	}
	if (j->want_blob) {
		blobfd = store_tmp_file(j->s, &j->blob_tmp, err);
		if (blobfd < 0)
			goto out;
		j->blobfd = blobfd;
		progress_status(j->progress, j->index, "Downloading");
		digest_check_init(&j->check, j->d->digest, j->d->size, what);
		int r = j->src->stream(j->src->ctx, j->d, job_sink, j, err);
		if (r == 0)
			r = digest_check_finish(&j->check, err);
		digest_check_free(&j->check);
		if (j->pipefd >= 0) {
			close(j->pipefd);
			j->pipefd = -1;
		}
		if (r < 0) {
			if (thread) {
				pthread_join(tid, NULL);
				thread = false;
				/* When the unpacker failed first, the download error is only its echo. */
				if (j->unpack_err && err && *err && strstr((*err)->msg, "unpacker stopped"))
					hull_err_pass(err, &j->unpack_err);
			}
			goto out;
		}
		progress_status(j->progress, j->index, "Verifying Checksum");
	}
	if (thread) {
		pthread_join(tid, NULL);
		thread = false;
		if (j->unpack_err) {
			hull_err_pass(err, &j->unpack_err);
			goto out;
		}
		if (strcmp(j->res.diff_id, j->diff_id) != 0) {
			hull_err_set(err, EBADMSG, "%s: uncompressed content is %s but the config's diff_id is %s", what,
				     j->res.diff_id, j->diff_id);
			goto out;
		}
	}
	/* The blob first: a snapshot without its blob can be repaired by a pull, the reverse too, but only
	 * a committed blob lets save/load reproduce the image. */
	if (j->want_blob) {
		if (fsync(blobfd) < 0) {
			hull_err_sys(err, "fsync blob");
			goto out;
		}
		if (store_blob_commit(j->s, j->blob_tmp, j->d->digest, err) < 0)
			goto out;
		free(j->blob_tmp);
		j->blob_tmp = NULL;
	}
	if (j->want_snapshot) {
		progress_status(j->progress, j->index, "Extracting");
		if (store_snapshot_commit(j->s, j->snap_tmp, j->chain_id, j->diff_id, j->res.uncompressed, err) < 0)
			goto out;
		free(j->snap_tmp);
		j->snap_tmp = NULL;
	}
	progress_status(j->progress, j->index, "Pull complete");
	ret = 0;
out:
	if (thread)
		pthread_join(tid, NULL);
	if (j->pipefd >= 0)
		close(j->pipefd);
	hull_err_free(j->unpack_err);
	j->unpack_err = NULL;
	store_tmp_remove(j->s, j->blob_tmp);
	store_tmp_remove(j->s, j->snap_tmp);
	free(j->blob_tmp);
	free(j->snap_tmp);
	j->blob_tmp = j->snap_tmp = NULL;
	if (ret < 0)
		hull_err_wrap(err, "%s", what);
	return ret;
}

struct job_queue {
	struct layer_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
	bool failed;
};

static void *worker(void *arg)
{
	struct job_queue *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		size_t i = q->next < q->n && !q->failed ? q->next++ : q->n;
		pthread_mutex_unlock(&q->lock);
		if (i >= q->n)
			return NULL;
		uint64_t t = trace_begin();
		if (run_job(&q->jobs[i], &q->jobs[i].err) < 0) {
			pthread_mutex_lock(&q->lock);
			q->failed = true;
			pthread_mutex_unlock(&q->lock);
		}
		trace_end(t, "layer %zu %.19s: download, verify, unpack", i, q->jobs[i].d->digest);
	}
}

int import_blob(struct store *s, struct blob_source *src, const struct descriptor *d, struct hull_err **err)
{
	if (store_has_blob(s, d->digest))
		return 0;
	struct layer_job j = { .s = s, .src = src, .d = d, .want_blob = true };
	/* run_job wants a layer type for compression; a non-layer blob is streamed as "uncompressed". */
	struct descriptor copy = *d;
	copy.media_type = (char *)MT_OCI_LAYER;
	j.d = &copy;
	return run_job(&j, err);
}

static int fetch_config(struct store *s, struct blob_source *src, const struct descriptor *d, char **buf,
			size_t *len, struct hull_err **err)
{
	if (d->size > MAX_CONFIG)
		return hull_err_set(err, EFBIG, "config %s: %llu bytes is too large", d->digest,
				    (unsigned long long)d->size);
	if (!store_has_blob(s, d->digest) && import_blob(s, src, d, err) < 0)
		return hull_err_wrap(err, "config");
	*buf = store_blob_read(s, d->digest, len, err);
	return *buf ? 0 : -1;
}

int import_image(struct store *s, struct blob_source *src, const struct import_request *req, char **image_id,
		 struct hull_err **err)
{
	const struct manifest *m = req->parsed;
	_cleanup_free_ char *cfg = NULL;
	size_t cfg_len = 0;
	if (store_blob_put(s, req->manifest_digest, req->manifest, req->manifest_len, err) < 0)
		return hull_err_wrap(err, "manifest");
	if (fetch_config(s, src, &m->config, &cfg, &cfg_len, err) < 0)
		return -1;
	struct image_config_info info;
	if (image_config_parse(cfg, cfg_len, &info, err) < 0)
		return -1;
	int ret = -1;
	_cleanup_fd_ int lk = -1;
	char (*chains)[72] = xcalloc(m->n_layers + 1, 72);
	struct layer_job *jobs = xcalloc(m->n_layers + 1, sizeof(*jobs));
	if (info.n_diff_ids != m->n_layers) {
		hull_err_set(err, EINVAL, "config %s: rootfs.diff_ids has %zu entries for %zu layers", m->config.digest,
			     info.n_diff_ids, m->n_layers);
		goto out;
	}
	chain_ids(info.diff_ids, info.n_diff_ids, chains);
	for (size_t i = 0; i < m->n_layers; i++) {
		struct layer_job *j = &jobs[i];
		*j = (struct layer_job){ .s = s, .src = src, .d = &m->layers[i], .diff_id = info.diff_ids[i],
					 .chain_id = chains[i], .index = i, .progress = req->progress };
		j->want_blob = !store_has_blob(s, j->d->digest);
		j->want_snapshot = !store_has_snapshot(s, chains[i]);
		if (req->progress) {
			progress_set_id(req->progress, i, j->d->digest + 7);
			progress_status(req->progress, i,
					j->want_blob || j->want_snapshot ? "Pulling fs layer" : "Already exists");
		}
	}
	struct job_queue q = { .jobs = jobs, .n = m->n_layers };
	pthread_mutex_init(&q.lock, NULL);
	pthread_t tids[MAX_PARALLEL];
	size_t nthreads = 0;
	for (size_t i = 0; i < m->n_layers; i++)
		if (jobs[i].want_blob || jobs[i].want_snapshot)
			nthreads++;
	if (nthreads > MAX_PARALLEL)
		nthreads = MAX_PARALLEL;
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, worker, &q) != 0)
			break;
	if (nthreads && !started)
		worker(&q);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&q.lock);
	for (size_t i = 0; i < m->n_layers; i++)
		if (jobs[i].err) {
			hull_err_pass(err, &jobs[i].err);
			goto out;
		}
	struct image_record rec = { 0 };
	rec.id = xstrdup(m->config.digest);
	rec.manifest = xstrdup(req->manifest_digest);
	rec.manifest_type = xstrdup(m->media_type);
	for (size_t i = 0; req->names && req->names[i]; i++)
		strv_add(&rec.names, &rec.n_names, req->names[i]);
	for (size_t i = 0; req->digests && req->digests[i]; i++)
		strv_add(&rec.digests, &rec.n_digests, req->digests[i]);
	rec.chain_ids = xcalloc(m->n_layers + 1, sizeof(char *));
	for (size_t i = 0; i < m->n_layers; i++) {
		rec.chain_ids[i] = xstrdup(chains[i]);
		rec.size += store_snapshot_size(s, chains[i]);
	}
	rec.n_layers = m->n_layers;
	json_t *cj = json_loadb(cfg, cfg_len, 0, NULL);
	const char *created = json_string_value(json_object_get(cj, "created"));
	struct tm tm = { 0 };
	if (created && strptime(created, "%Y-%m-%dT%H:%M:%S", &tm))
		rec.created = (int64_t)timegm(&tm);
	json_decref(cj);
	rec.stored = (int64_t)time(NULL);
	lk = store_index_lock(s, err);
	struct imagedb db;
	if (lk < 0 || imagedb_load(s, &db, err) < 0) {
		image_record_free(&rec);
		goto out;
	}
	int r = 0;
	if (imagedb_has(&db, &rec)) {
		image_record_free(&rec);
	} else {
		imagedb_add(&db, &rec);
		r = imagedb_save(s, &db, err);
	}
	imagedb_free(&db);
	if (r < 0)
		goto out;
	*image_id = xstrdup(m->config.digest);
	ret = 0;
out:
	for (size_t i = 0; i < m->n_layers; i++)
		hull_err_free(jobs[i].err);
	free(jobs);
	free(chains);
	image_config_info_free(&info);
	return ret;
}
