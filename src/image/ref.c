/* ref.c — see ref.h. Grammar from the distribution reference package:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port], told from a path component by a '.', a ':' or being "localhost"
 */
#include "image/ref.h"
#include "util/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define NAME_MAX_TOTAL 255

int digest_is_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return 0;
	for (const char *p = s + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return 0;
	return 1;
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+ */
static bool path_component_ok(const char *s, size_t n)
{
	if (n == 0 || (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0])))
		return false;
	size_t i = 0;
	while (i < n) {
		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++;
		if (i == n)
			return true;
		size_t sep = i;
		if (s[i] == '.' || s[i] == '_') {
			i++;
			if (i < n && s[i - 1] == '_' && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || i == sep || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			return false;
	}
	return true;
}

static bool domain_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n && s[0] == '[') { /* IPv6 literal */
		const char *close = memchr(s, ']', n);
		if (!close)
			return false;
		i = (size_t)(close - s) + 1;
	} else {
		for (; i < n && s[i] != ':'; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
				return false;
		if (i == 0)
			return false;
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

void image_ref_free(struct image_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

int image_ref_parse(const char *s, struct image_ref *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return hull_err_set(err, EINVAL, "invalid reference format: empty");
	_cleanup_free_ char *work = xstrdup(s);
	char *at = strchr(work, '@');
	if (at) {
		*at = 0;
		if (!digest_is_valid(at + 1))
			return hull_err_set(err, EINVAL, "invalid reference \"%s\": bad digest \"%s\" (want sha256:<64 hex>)",
					    s, at + 1);
		out->digest = xstrdup(at + 1);
	}
	/* A tag is after the last ':' that follows the last '/'. */
	char *slash = strrchr(work, '/');
	char *colon = strrchr(slash ? slash : work, ':');
	if (colon) {
		*colon = 0;
		if (!tag_ok(colon + 1)) {
			image_ref_free(out);
			return hull_err_set(err, EINVAL, "invalid reference \"%s\": bad tag \"%s\"", s, colon + 1);
		}
		out->tag = xstrdup(colon + 1);
	}
	char *name = work;
	char *first_slash = strchr(name, '/');
	const char *rest = name;
	if (first_slash) {
		size_t dlen = (size_t)(first_slash - name);
		bool is_domain = memchr(name, '.', dlen) || memchr(name, ':', dlen) ||
				 (dlen == 9 && strncmp(name, "localhost", 9) == 0);
		for (size_t i = 0; i < dlen && !is_domain; i++)
			if (isupper((unsigned char)name[i]))
				is_domain = true;
		if (is_domain) {
			if (!domain_ok(name, dlen)) {
				image_ref_free(out);
				return hull_err_set(err, EINVAL, "invalid reference \"%s\": bad registry host \"%.*s\"", s,
						    (int)dlen, name);
			}
			out->domain = xstrndup(name, dlen);
			rest = first_slash + 1;
		}
	}
	if (!out->domain)
		out->domain = xstrdup(REF_DEFAULT_DOMAIN);
	if (strcmp(out->domain, "index.docker.io") == 0) {
		free(out->domain);
		out->domain = xstrdup(REF_DEFAULT_DOMAIN);
	}
	if (!*rest) {
		image_ref_free(out);
		return hull_err_set(err, EINVAL, "invalid reference \"%s\": no repository name", s);
	}
	for (const char *p = rest;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		for (size_t i = 0; i < n; i++)
			if (isupper((unsigned char)p[i])) {
				image_ref_free(out);
				return hull_err_set(err, EINVAL, "invalid reference \"%s\": repository name must be lowercase",
						    s);
			}
		if (!path_component_ok(p, n)) {
			image_ref_free(out);
			return hull_err_set(err, EINVAL, "invalid reference \"%s\": bad name component \"%.*s\"", s, (int)n,
					    p);
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (strcmp(out->domain, REF_DEFAULT_DOMAIN) == 0 && !strchr(rest, '/'))
		out->path = xasprintf("library/%s", rest);
	else
		out->path = xstrdup(rest);
	if (strlen(out->domain) + 1 + strlen(out->path) > NAME_MAX_TOTAL) {
		image_ref_free(out);
		return hull_err_set(err, EINVAL, "invalid reference \"%s\": name longer than %d characters", s,
				    NAME_MAX_TOTAL);
	}
	if (!out->tag && !out->digest)
		out->tag = xstrdup(REF_DEFAULT_TAG);
	return 0;
}

char *image_ref_repo(const struct image_ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *image_ref_string(const struct image_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
			 r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *image_ref_tagged(const struct image_ref *r)
{
	return r->tag ? xasprintf("%s/%s:%s", r->domain, r->path, r->tag) : NULL;
}

const char *image_ref_registry_host(const struct image_ref *r)
{
	return strcmp(r->domain, REF_DEFAULT_DOMAIN) == 0 ? "registry-1.docker.io" : r->domain;
}
