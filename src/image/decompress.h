/* decompress.h — a layer stream read back uncompressed: gzip (isa-l's igzip), zstd, or plain tar.
 *
 * Reads compressed bytes from an fd (a pipe fed by the downloader, or a blob file), hands out
 * uncompressed blocks, hashes them into the layer's diff ID, and stops with an error once the output
 * passes max_out (a decompression bomb). It never writes anything.
 */
#ifndef HULL_IMAGE_DECOMPRESS_H
#define HULL_IMAGE_DECOMPRESS_H

#include <stdint.h>
#include <sys/types.h>
#include "image/manifest.h"
#include "util/err.h"

struct layer_reader;

struct layer_reader *layer_reader_new(int fd, enum layer_compression comp, uint64_t max_out);
/* Next block of uncompressed data in *buf; returns its length, 0 at the end, -1 on error. */
ssize_t layer_reader_read(struct layer_reader *r, const void **buf, struct hull_err **err);
/* Read what is left (tar padding after the end-of-archive blocks) so the diff ID covers the whole stream. */
int layer_reader_drain(struct layer_reader *r, struct hull_err **err);
/* sha256 of everything handed out so far ("sha256:<hex>"). */
void layer_reader_diff_id(struct layer_reader *r, char out[72]);
uint64_t layer_reader_total(const struct layer_reader *r);
void layer_reader_free(struct layer_reader *r);

/* The default bomb limit for a layer whose compressed size is `size`. */
uint64_t layer_max_uncompressed(uint64_t size);

#endif
