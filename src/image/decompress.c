/* decompress.c — see decompress.h. */
#include "image/decompress.h"
#include "image/digest.h"

#include <errno.h>
#include <isa-l.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define IN_SIZE (256 * 1024)
#define OUT_SIZE (1024 * 1024)

struct layer_reader {
	int fd;
	enum layer_compression comp;
	struct inflate_state *gz;
	ZSTD_DStream *zs;
	unsigned char *in, *out;
	size_t in_len, in_pos;
	bool in_eof, done;
	uint64_t total, max_out;
	struct digest_ctx *diff;
};

uint64_t layer_max_uncompressed(uint64_t size)
{
	/* Real layers rarely expand more than 10x; leave wide room for sparse or zero-filled files, and
	 * let an environment variable raise it for exotic images. */
	const char *env = getenv("HULL_MAX_LAYER_EXPANSION");
	uint64_t ratio = env ? strtoull(env, NULL, 10) : 64;
	/* size comes from a manifest: saturate rather than wrap to a small limit. */
	uint64_t limit;
	if (__builtin_mul_overflow(size, ratio, &limit) || __builtin_add_overflow(limit, 64ull << 20, &limit))
		return UINT64_MAX;
	return limit;
}

struct layer_reader *layer_reader_new(int fd, enum layer_compression comp, uint64_t max_out)
{
	struct layer_reader *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->comp = comp;
	r->max_out = max_out;
	r->in = xmalloc(IN_SIZE);
	r->out = xmalloc(OUT_SIZE);
	r->diff = digest_new();
	if (comp == COMP_GZIP) {
		r->gz = xmalloc(sizeof(*r->gz));
		isal_inflate_init(r->gz);
		r->gz->crc_flag = ISAL_GZIP;
	} else if (comp == COMP_ZSTD) {
		r->zs = ZSTD_createDStream();
		if (!r->zs)
			abort();
		ZSTD_initDStream(r->zs);
	}
	return r;
}

void layer_reader_free(struct layer_reader *r)
{
	if (!r)
		return;
	free(r->gz);
	if (r->zs)
		ZSTD_freeDStream(r->zs);
	free(r->in);
	free(r->out);
	digest_free(r->diff);
	free(r);
}

static int fill(struct layer_reader *r, struct hull_err **err)
{
	if (r->in_pos < r->in_len || r->in_eof)
		return 0;
	ssize_t n;
	do
		n = read(r->fd, r->in, IN_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_err_sys(err, "read layer stream");
	r->in_len = (size_t)n;
	r->in_pos = 0;
	if (n == 0)
		r->in_eof = true;
	return 0;
}

/* One step of the decompressor: fills r->out with up to OUT_SIZE bytes, returns the count (0 = end). */
static ssize_t step(struct layer_reader *r, struct hull_err **err)
{
	for (;;) {
		if (r->done)
			return 0;
		if (fill(r, err) < 0)
			return -1;
		size_t avail = r->in_len - r->in_pos;
		if (r->comp == COMP_NONE) {
			if (avail == 0) {
				r->done = true;
				return 0;
			}
			size_t n = avail < OUT_SIZE ? avail : OUT_SIZE;
			memcpy(r->out, r->in + r->in_pos, n);
			r->in_pos += n;
			return (ssize_t)n;
		}
		if (r->comp == COMP_GZIP) {
			if (r->gz->block_state == ISAL_BLOCK_FINISH) {
				/* A gzip file may hold several members; anything else after the first is an error
				 * only if it is not all zeros (some tools pad). */
				if (avail == 0) {
					r->done = true;
					return 0;
				}
				isal_inflate_reset(r->gz);
				r->gz->crc_flag = ISAL_GZIP;
			}
			if (avail == 0 && r->in_eof)
				return hull_err_set(err, EBADMSG, "gzip layer: unexpected end of stream");
			r->gz->next_in = r->in + r->in_pos;
			r->gz->avail_in = (uint32_t)avail;
			r->gz->next_out = r->out;
			r->gz->avail_out = OUT_SIZE;
			int rc = isal_inflate(r->gz);
			r->in_pos = r->in_len - r->gz->avail_in;
			if (rc < 0)
				return hull_err_set(err, EBADMSG, "gzip layer: corrupt data (isa-l error %d)", rc);
			size_t n = OUT_SIZE - r->gz->avail_out;
			if (n)
				return (ssize_t)n;
			continue;
		}
		/* zstd */
		if (avail == 0 && r->in_eof) {
			r->done = true;
			return 0;
		}
		ZSTD_inBuffer zin = { r->in + r->in_pos, avail, 0 };
		ZSTD_outBuffer zout = { r->out, OUT_SIZE, 0 };
		size_t rc = ZSTD_decompressStream(r->zs, &zout, &zin);
		r->in_pos += zin.pos;
		if (ZSTD_isError(rc))
			return hull_err_set(err, EBADMSG, "zstd layer: %s", ZSTD_getErrorName(rc));
		if (zout.pos)
			return (ssize_t)zout.pos;
	}
}

ssize_t layer_reader_read(struct layer_reader *r, const void **buf, struct hull_err **err)
{
	ssize_t n = step(r, err);
	if (n <= 0)
		return n;
	r->total += (uint64_t)n;
	if (r->total > r->max_out)
		return hull_err_set(err, EFBIG, "layer expands past %llu bytes: refusing a decompression bomb",
				    (unsigned long long)r->max_out);
	digest_update(r->diff, r->out, (size_t)n);
	*buf = r->out;
	return n;
}

int layer_reader_drain(struct layer_reader *r, struct hull_err **err)
{
	const void *b;
	ssize_t n;
	while ((n = layer_reader_read(r, &b, err)) > 0)
		;
	return n < 0 ? -1 : 0;
}

void layer_reader_diff_id(struct layer_reader *r, char out[72])
{
	digest_final(r->diff, out);
}

uint64_t layer_reader_total(const struct layer_reader *r)
{
	return r->total;
}
