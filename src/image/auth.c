/* auth.c — see auth.h. */
#include "image/auth.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

char *base64_encode(const void *buf, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, buf, (int)n);
	return out;
}

static char *base64_decode(const char *s)
{
	size_t n = strlen(s);
	unsigned char *out = xmalloc(3 * (n / 4) + 4);
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	while (n && s[n - 1] == '=') { /* EVP_DecodeBlock counts padding as zero bytes */
		len--;
		n--;
	}
	out[len] = 0;
	return (char *)out;
}

char *auth_file_path(const char *authfile)
{
	if (authfile)
		return xstrdup(authfile);
	const char *env = getenv("REGISTRY_AUTH_FILE");
	if (env && *env)
		return xstrdup(env);
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		return xasprintf("%s/containers/auth.json", xdg);
	return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

static json_t *load(const char *path, struct hull_err **err)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return json_object();
		hull_err_set(err, EINVAL, "%s: line %d: %s", path, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		hull_err_set(err, EINVAL, "%s: not a JSON object", path);
		return NULL;
	}
	return j;
}

static int lookup_in(const char *path, const char *host, char **user, char **pass, struct hull_err **err)
{
	json_t *j = load(path, err);
	if (!j)
		return -1;
	json_t *entry = json_object_get(json_object_get(j, "auths"), host);
	const char *b64 = json_string_value(json_object_get(entry, "auth"));
	int found = 0;
	if (b64) {
		_cleanup_free_ char *plain = base64_decode(b64);
		char *colon = plain ? strchr(plain, ':') : NULL;
		if (!colon) {
			json_decref(j);
			return hull_err_set(err, EINVAL, "%s: auths.\"%s\".auth: not base64 of user:password", path, host);
		}
		*colon = 0;
		*user = xstrdup(plain);
		*pass = xstrdup(colon + 1);
		found = 1;
	}
	json_decref(j);
	return found;
}

int auth_lookup(const char *authfile, const char *host, char **user, char **pass, struct hull_err **err)
{
	*user = *pass = NULL;
	_cleanup_free_ char *primary = auth_file_path(authfile);
	int r = lookup_in(primary, host, user, pass, err);
	if (r != 0 || authfile)
		return r < 0 ? -1 : 0;
	const char *home = getenv("HOME");
	if (!home)
		return 0;
	_cleanup_free_ char *docker = xasprintf("%s/.docker/config.json", home);
	return lookup_in(docker, host, user, pass, err) < 0 ? -1 : 0;
}

static int save(const char *path, json_t *j, struct hull_err **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		*slash = 0;
		name = path + (slash - dir) + 1;
		if (*dir && fs_mkdir_p(dir, 0700, err) < 0)
			return -1;
	}
	_cleanup_fd_ int dfd = open(slash ? (*dir ? dir : "/") : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", dir);
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(1));
	return fs_write_atomic(dfd, name, text, strlen(text), 0600, err);
}

int auth_store(const char *authfile, const char *host, const char *user, const char *pass, struct hull_err **err)
{
	_cleanup_free_ char *path = auth_file_path(authfile);
	json_t *j = load(path, err);
	if (!j)
		return -1;
	json_t *auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(j, "auths", auths);
	}
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
	_cleanup_free_ char *b64 = base64_encode(plain, strlen(plain));
	json_object_set_new(auths, host, json_pack("{s:s}", "auth", b64));
	int r = save(path, j, err);
	json_decref(j);
	return r;
}

int auth_remove(const char *authfile, const char *host, struct hull_err **err)
{
	_cleanup_free_ char *path = auth_file_path(authfile);
	json_t *j = load(path, err);
	if (!j)
		return -1;
	json_t *auths = json_object_get(j, "auths");
	int removed = 0;
	if (json_is_object(auths)) {
		if (!host) {
			removed = json_object_size(auths) > 0;
			json_object_clear(auths);
		} else {
			removed = json_object_del(auths, host) == 0;
		}
	}
	int r = removed ? save(path, j, err) : 0;
	json_decref(j);
	return r < 0 ? -1 : removed;
}
