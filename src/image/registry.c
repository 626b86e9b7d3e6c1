/* registry.c — see registry.h. */
#include "image/registry.h"
#include "image/auth.h"
#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define MAX_TRIES 5
#define MAX_SMALL (8u << 20)

struct token {
	char *scope, *value;
	struct token *next;
};

struct registry {
	char *host;   /* what we connect to */
	char *scheme; /* "https" or "http", fixed by the first successful request */
	bool tls_verify, insecure_ok, loopback;
	char *basic;  /* "Basic base64(u:p)" or NULL */
	pthread_mutex_t lock;
	struct token *tokens;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static bool host_is_loopback(const char *host)
{
	return !strncmp(host, "localhost", 9) && (host[9] == 0 || host[9] == ':') ? true
	       : !strncmp(host, "127.", 4)                                         ? true
	       : !strncmp(host, "[::1]", 5);
}

struct registry *registry_new(const char *domain, const struct registry_opts *opts)
{
	pthread_once(&curl_once, curl_init);
	struct registry *r = xcalloc(1, sizeof(*r));
	r->host = xstrdup(!strcmp(domain, "docker.io") ? "registry-1.docker.io" : domain);
	r->tls_verify = opts->tls_verify;
	r->loopback = host_is_loopback(r->host);
	r->insecure_ok = !opts->tls_verify || r->loopback;
	pthread_mutex_init(&r->lock, NULL);
	_cleanup_free_ char *user = NULL, *pass = NULL;
	if (opts->user) {
		user = xstrdup(opts->user);
		pass = xstrdup(opts->pass ? opts->pass : "");
	} else {
		_cleanup_err_ struct hull_err *e = NULL;
		if (auth_lookup(opts->authfile, domain, &user, &pass, &e) < 0)
			log_warn("credentials: %s", e->msg);
	}
	if (user) {
		_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
		_cleanup_free_ char *b64 = base64_encode(plain, strlen(plain));
		r->basic = xasprintf("Basic %s", b64);
	}
	return r;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	for (struct token *t = r->tokens, *n; t; t = n) {
		n = t->next;
		free(t->scope);
		free(t->value);
		free(t);
	}
	free(r->host);
	free(r->scheme);
	free(r->basic);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* One HTTP exchange. Bodies of successful answers go to sink (from skip bytes on), others to errbody. */
struct xfer {
	registry_sink sink;
	void *arg;
	struct hull_err *sink_err;
	CURL *curl;
	long status;
	uint64_t skip;      /* bytes of a 200 answer already delivered by an earlier try */
	uint64_t delivered; /* bytes handed to sink in total */
	char *www_auth;
	char errbody[512];
	size_t errlen;
	bool range_sent;
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len > 5 && !strncmp(buf, "HTTP/", 5)) { /* a new response (after a redirect) */
		free(x->www_auth);
		x->www_auth = NULL;
	} else if (len > 17 && !strncasecmp(buf, "WWW-Authenticate:", 17)) {
		const char *v = buf + 17;
		while (*v == ' ')
			v++;
		size_t vl = len - (size_t)(v - buf);
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		free(x->www_auth);
		x->www_auth = xstrndup(v, vl);
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status != 200 && x->status != 206) {
		size_t room = sizeof(x->errbody) - 1 - x->errlen;
		size_t c = len < room ? len : room;
		memcpy(x->errbody + x->errlen, buf, c);
		x->errlen += c;
		x->errbody[x->errlen] = 0;
		return len;
	}
	/* A server that ignored our Range header resends from byte 0: drop what we already have. */
	if (x->status == 206)
		x->skip = 0;
	const char *p = buf;
	size_t left = len;
	if (x->skip) {
		size_t s = left < x->skip ? left : (size_t)x->skip;
		p += s;
		left -= s;
		x->skip -= s;
	}
	if (left && x->sink(x->arg, p, left, &x->sink_err) < 0)
		return 0; /* aborts the transfer */
	x->delivered += left;
	return len;
}

/* Value of key in a challenge's parameter list (key="value",...). */
static char *challenge_param(const char *s, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = s; (p = strcasestr(p, key)); p += kl) {
		if ((p != s && p[-1] != ' ' && p[-1] != ',') || p[kl] != '=')
			continue;
		const char *v = p + kl + 1;
		if (*v == '"') {
			const char *e = strchr(v + 1, '"');
			return e ? xstrndup(v + 1, (size_t)(e - v - 1)) : NULL;
		}
		size_t n = strcspn(v, ", ");
		return xstrndup(v, n);
	}
	return NULL;
}

static char *token_get(struct registry *r, const char *scope)
{
	char *v = NULL;
	pthread_mutex_lock(&r->lock);
	for (struct token *t = r->tokens; t; t = t->next)
		if (!strcmp(t->scope, scope))
			v = xstrdup(t->value);
	pthread_mutex_unlock(&r->lock);
	return v;
}

static void token_put(struct registry *r, const char *scope, const char *value)
{
	struct token *t = xcalloc(1, sizeof(*t));
	t->scope = xstrdup(scope);
	t->value = xstrdup(value);
	pthread_mutex_lock(&r->lock);
	t->next = r->tokens;
	r->tokens = t;
	pthread_mutex_unlock(&r->lock);
}

static size_t to_buf(char *buf, size_t size, size_t n, void *arg)
{
	struct { char *p; size_t len; } *b = arg;
	size_t len = size * n;
	if (b->len + len > MAX_SMALL)
		return 0;
	b->p = xrealloc(b->p, b->len + len + 1);
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	b->p[b->len] = 0;
	return len;
}

static void common_opts(struct registry *r, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer (under 1 KB/s for 60 s) is retried rather than waited on forever. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hull/0.1");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (!r->tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* Fetch a bearer token for the challenge (realm, service, scope), with basic credentials if any. */
static int fetch_token(struct registry *r, const char *challenge, const char *scope, struct hull_err **err)
{
	_cleanup_free_ char *realm = challenge_param(challenge, "realm");
	_cleanup_free_ char *service = challenge_param(challenge, "service");
	_cleanup_free_ char *chal_scope = challenge_param(challenge, "scope");
	if (!realm)
		return hull_err_set(err, EACCES, "registry %s: bearer challenge without realm", r->host);
	CURL *c = curl_easy_init();
	char *es = service ? curl_easy_escape(c, service, 0) : NULL;
	const char *want = chal_scope ? chal_scope : scope;
	char *esc = want && *want ? curl_easy_escape(c, want, 0) : NULL;
	_cleanup_free_ char *url = xasprintf("%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
					     es ? es : "", esc ? "&scope=" : "", esc ? esc : "");
	curl_free(es);
	curl_free(esc);
	struct { char *p; size_t len; } b = { 0 };
	struct curl_slist *h = NULL;
	if (r->basic) {
		_cleanup_free_ char *line = xasprintf("Authorization: %s", r->basic);
		h = curl_slist_append(h, line);
	}
	common_opts(r, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	_cleanup_free_ char *body = b.p;
	if (cc != CURLE_OK)
		return hull_err_set(err, EIO, "token from %s: %s", realm, curl_easy_strerror(cc));
	if (status == 401 || status == 403)
		return hull_err_set(err, EACCES, "token from %s: %s: authentication failed (hull login %s?)", realm,
				    status == 401 ? "401 Unauthorized" : "403 Forbidden", r->host);
	if (status != 200)
		return hull_err_set(err, EIO, "token from %s: HTTP %ld", realm, status);
	json_t *j = json_loads(body ? body : "", 0, NULL);
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok) {
		json_decref(j);
		return hull_err_set(err, EIO, "token from %s: answer has no token", realm);
	}
	_cleanup_free_ char *value = xasprintf("Bearer %s", tok);
	token_put(r, scope ? scope : "", value);
	json_decref(j);
	return 0;
}

static bool retryable_curl(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	       c == CURLE_PARTIAL_FILE || c == CURLE_GOT_NOTHING || c == CURLE_OPERATION_TIMEDOUT ||
	       c == CURLE_HTTP2 || c == CURLE_HTTP2_STREAM;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, 100000000L << attempt };
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	nanosleep(&ts, NULL);
}

/* GET path (under /v2/) with auth, retries and scheme fallback. scope: "repository:<repo>:pull" or "". */
static int request(struct registry *r, const char *path, const char *scope, const char *accept, struct xfer *x,
		   char **content_type, struct hull_err **err)
{
	bool auth_tried = false;
	for (int attempt = 0;; attempt++) {
		pthread_mutex_lock(&r->lock);
		/* Loopback registries are nearly always plain HTTP: ask that first (and spare loading the CA
		 * store); one that speaks only HTTPS says so and is asked again over HTTPS. */
		_cleanup_free_ char *scheme = xstrdup(r->scheme ? r->scheme : r->loopback ? "http" : "https");
		bool fixed = r->scheme != NULL;
		pthread_mutex_unlock(&r->lock);
		_cleanup_free_ char *url = xasprintf("%s://%s/v2/%s", scheme, r->host, path);
		CURL *c = curl_easy_init();
		x->curl = c;
		x->status = 0;
		x->errlen = 0;
		x->errbody[0] = 0;
		struct curl_slist *h = NULL;
		_cleanup_free_ char *authz = token_get(r, scope);
		if (!authz && r->basic)
			authz = xstrdup(r->basic);
		if (authz) {
			_cleanup_free_ char *line = xasprintf("Authorization: %s", authz);
			h = curl_slist_append(h, line);
		}
		if (accept) {
			_cleanup_free_ char *line = xasprintf("Accept: %s", accept);
			h = curl_slist_append(h, line);
		}
		x->range_sent = x->delivered > 0;
		if (x->range_sent) {
			_cleanup_free_ char *line = xasprintf("Range: bytes=%llu-", (unsigned long long)x->delivered);
			h = curl_slist_append(h, line);
		}
		common_opts(r, c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
		x->skip = x->delivered;
		CURLcode cc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
		if (content_type) {
			char *ct = NULL;
			curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
			free(*content_type);
			*content_type = ct ? xstrndup(ct, strcspn(ct, ";")) : NULL;
		}
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		if (x->sink_err)
			return hull_err_pass(err, &x->sink_err);
		if (cc != CURLE_OK && !fixed && r->insecure_ok && !strcmp(scheme, "https") &&
		    (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_COULDNT_CONNECT || cc == CURLE_RECV_ERROR ||
		     cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_GOT_NOTHING)) {
			pthread_mutex_lock(&r->lock);
			if (!r->scheme)
				r->scheme = xstrdup("http");
			pthread_mutex_unlock(&r->lock);
			log_debug("%s: no HTTPS, using HTTP", r->host);
			attempt--;
			continue;
		}
		if (!fixed && r->loopback && !strcmp(scheme, "http") &&
		    ((cc != CURLE_OK && cc != CURLE_WRITE_ERROR) ||
		     (x->status == 400 && strstr(x->errbody, "HTTPS")))) {
			pthread_mutex_lock(&r->lock);
			if (!r->scheme)
				r->scheme = xstrdup("https");
			pthread_mutex_unlock(&r->lock);
			log_debug("%s: answers only HTTPS", r->host);
			attempt--;
			continue;
		}
		if (cc == CURLE_OK && !fixed) {
			pthread_mutex_lock(&r->lock);
			if (!r->scheme)
				r->scheme = xstrdup(scheme);
			pthread_mutex_unlock(&r->lock);
		}
		bool retry = cc != CURLE_OK ? retryable_curl(cc) : (x->status >= 500 || x->status == 429);
		if (retry && attempt + 1 < MAX_TRIES) {
			log_debug("%s: %s, retrying", url, cc != CURLE_OK ? curl_easy_strerror(cc) : "server error");
			backoff(attempt + 1);
			continue;
		}
		if (cc != CURLE_OK)
			return hull_err_set(err, EIO, "GET %s: %s", url, curl_easy_strerror(cc));
		if (x->status == 401 && !auth_tried && x->www_auth) {
			auth_tried = true;
			if (!strncasecmp(x->www_auth, "Bearer", 6)) {
				if (fetch_token(r, x->www_auth, scope, err) < 0)
					return -1;
				attempt--;
				continue;
			}
		}
		if (x->status == 401 || x->status == 403)
			return hull_err_set(err, EACCES, "GET %s: %ld %s%s", url, x->status,
					    x->status == 401 ? "Unauthorized: authentication required" : "Forbidden",
					    r->basic ? " (credentials refused)" : "");
		if (x->status == 404)
			return hull_err_set(err, ENOENT, "GET %s: 404 not found%s%.200s", url, x->errlen ? ": " : "",
					    x->errbody);
		if (x->status != 200 && x->status != 206)
			return hull_err_set(err, EIO, "GET %s: HTTP %ld%s%.200s", url, x->status, x->errlen ? ": " : "",
					    x->errbody);
		return 0;
	}
}

static int sink_buf(void *arg, const void *buf, size_t n, struct hull_err **err)
{
	struct { char *p; size_t len; uint64_t max; } *b = arg;
	if (b->len + n > b->max)
		return hull_err_set(err, EFBIG, "answer larger than %llu bytes", (unsigned long long)b->max);
	b->p = xrealloc(b->p, b->len + n + 1);
	memcpy(b->p + b->len, buf, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

static int get_small(struct registry *r, const char *path, const char *scope, const char *accept, uint64_t max,
		     char **body, size_t *len, char **ct, struct hull_err **err)
{
	struct { char *p; size_t len; uint64_t max; } b = { NULL, 0, max };
	struct xfer x = { .sink = sink_buf, .arg = &b };
	int rc = request(r, path, scope, accept, &x, ct, err);
	free(x.www_auth);
	if (rc < 0) {
		free(b.p);
		return -1;
	}
	*body = b.p ? b.p : xstrdup("");
	*len = b.len;
	return 0;
}

int registry_ping(struct registry *r, struct hull_err **err)
{
	_cleanup_free_ char *body = NULL;
	size_t len;
	if (get_small(r, "", "", NULL, MAX_SMALL, &body, &len, NULL, err) < 0)
		return hull_err_wrap(err, "registry %s", r->host);
	return 0;
}

int registry_get_manifest(struct registry *r, const char *repo, const char *reference, char **body, size_t *len,
			  char **content_type, struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifests/%s", repo, reference);
	_cleanup_free_ char *scope = xasprintf("repository:%s:pull", repo);
	*content_type = NULL;
	return get_small(r, path, scope, MANIFEST_ACCEPT, 4u << 20, body, len, content_type, err);
}

int registry_get_blob_buf(struct registry *r, const char *repo, const char *digest, uint64_t max, char **body,
			  size_t *len, struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/blobs/%s", repo, digest);
	_cleanup_free_ char *scope = xasprintf("repository:%s:pull", repo);
	return get_small(r, path, scope, NULL, max, body, len, NULL, err);
}

int registry_get_blob(struct registry *r, const char *repo, const char *digest, registry_sink sink, void *arg,
		      struct hull_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/blobs/%s", repo, digest);
	_cleanup_free_ char *scope = xasprintf("repository:%s:pull", repo);
	struct xfer x = { .sink = sink, .arg = arg };
	int rc = request(r, path, scope, NULL, &x, NULL, err);
	free(x.www_auth);
	return rc;
}
