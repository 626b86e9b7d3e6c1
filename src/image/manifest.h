/* manifest.h — OCI image manifests and indexes, Docker schema2 manifests and manifest lists, image configs.
 *
 * Parses and checks the documents (media types against descriptors and Content-Type, the
 * CVE-2021-41190 class of ambiguous documents), and picks a platform from an index. Pure: no I/O.
 */
#ifndef HULL_IMAGE_MANIFEST_H
#define HULL_IMAGE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
/* What a registry is asked for, in order of preference. */
#define MANIFEST_ACCEPT MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST

enum layer_compression { COMP_NONE, COMP_GZIP, COMP_ZSTD };

struct platform {
	char *os, *arch, *variant;
};

struct descriptor {
	char *media_type;
	char *digest;
	uint64_t size;
	struct platform platform; /* only in index entries; fields may be NULL */
};

enum manifest_kind { MANIFEST_IMAGE, MANIFEST_INDEX };

struct manifest {
	enum manifest_kind kind;
	char *media_type;          /* the document's own, or the one it was served/declared as */
	struct descriptor config;  /* MANIFEST_IMAGE */
	struct descriptor *layers; /* MANIFEST_IMAGE */
	size_t n_layers;
	struct descriptor *manifests; /* MANIFEST_INDEX */
	size_t n_manifests;
};

/* Parse buf. declared_type: the Content-Type or the referring descriptor's mediaType (NULL if unknown);
 * a document whose own mediaType or shape contradicts it is refused. */
int manifest_parse(const char *buf, size_t len, const char *declared_type, struct manifest *out,
		   struct hull_err **err);
void manifest_free(struct manifest *m);
int media_type_is_index(const char *mt);
int media_type_is_manifest(const char *mt);
/* Compression of a layer media type; -1 (with err) for a type that is not a layer. */
int layer_media_compression(const char *mt, enum layer_compression *out, struct hull_err **err);

/* "os/arch[/variant]" → platform. */
int platform_parse(const char *s, struct platform *out, struct hull_err **err);
/* This machine's platform (linux/amd64, linux/arm64/v8, ...). */
void platform_host(struct platform *out);
void platform_free(struct platform *p);
char *platform_string(const struct platform *p);
/* Index of the entry of idx that matches want, or -1 with an error listing what the index offers. */
int manifest_select_platform(const struct manifest *idx, const struct platform *want, struct hull_err **err);

struct image_config_info {
	char **diff_ids;
	size_t n_diff_ids;
	struct platform platform;
};
/* The parts of an image config the store needs: rootfs.diff_ids (checked) and os/architecture. */
int image_config_parse(const char *buf, size_t len, struct image_config_info *out, struct hull_err **err);
void image_config_info_free(struct image_config_info *c);

#endif
