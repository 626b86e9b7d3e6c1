/* auth.h — registry credentials in the standard auth.json layout ({"auths":{"host":{"auth":"base64(u:p)"}}}).
 *
 * Read from --authfile, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json (else
 * /run/containers/<uid>/auth.json), then ~/.docker/config.json; `hull login` writes the first of these
 * that applies. Writes are atomic. This module never talks to a registry.
 */
#ifndef HULL_IMAGE_AUTH_H
#define HULL_IMAGE_AUTH_H

#include "util/err.h"

/* The file login writes to (authfile if given). */
char *auth_file_path(const char *authfile);
/* Credentials for host ("user", "password"), or 0 with both NULL if none. */
int auth_lookup(const char *authfile, const char *host, char **user, char **pass, struct hull_err **err);
int auth_store(const char *authfile, const char *host, const char *user, const char *pass, struct hull_err **err);
/* Remove host (or every host if host is NULL). Returns 1 if something was removed. */
int auth_remove(const char *authfile, const char *host, struct hull_err **err);

char *base64_encode(const void *buf, size_t n);

#endif
