/* progress.h — per-layer pull progress: redrawn lines on a terminal (like docker), plain lines otherwise,
 * nothing with -q. Thread-safe. Knows nothing about how the bytes arrive. */
#ifndef HULL_IMAGE_PROGRESS_H
#define HULL_IMAGE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* quiet: print nothing; tty decides redrawn lines vs plain lines. */
struct progress *progress_new(FILE *out, bool quiet, bool tty, size_t n_layers);
void progress_free(struct progress *p);
/* id: short layer ID shown at the start of its line. */
void progress_set_id(struct progress *p, size_t layer, const char *id);
/* A state change ("Waiting", "Downloading", "Already exists", "Pull complete", …): always shown. */
void progress_status(struct progress *p, size_t layer, const char *status);
/* Bytes so far of total: redrawn on a terminal (rate-limited), silent otherwise. */
void progress_bytes(struct progress *p, size_t layer, uint64_t done, uint64_t total);
/* A free line (not tied to a layer), e.g. "Digest: sha256:…". */
void progress_line(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
