/* nftlib.c — see nftlib.h. */
#include "net/nftlib.h"
#include "util/log.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

static struct nftlib lib;
static bool loaded;

const struct nftlib *nftlib_get(struct hull_err **err)
{
	if (loaded)
		return &lib;
	uint64_t t = trace_begin();
	/* Never closed: libnftables keeps global state (its caches, libxtables' registrations) until exit. */
	void *h = dlopen(NFTLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		return hull_err_set(err, 0, "nftables: %s", e ? e : "cannot load " NFTLIB_SONAME), NULL;
	}
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{ "nft_ctx_new", offsetof(struct nftlib, ctx_new) },
		{ "nft_ctx_free", offsetof(struct nftlib, ctx_free) },
		{ "nft_ctx_buffer_output", offsetof(struct nftlib, ctx_buffer_output) },
		{ "nft_ctx_buffer_error", offsetof(struct nftlib, ctx_buffer_error) },
		{ "nft_ctx_get_output_buffer", offsetof(struct nftlib, ctx_get_output_buffer) },
		{ "nft_ctx_get_error_buffer", offsetof(struct nftlib, ctx_get_error_buffer) },
		{ "nft_run_cmd_from_buffer", offsetof(struct nftlib, run_cmd_from_buffer) },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f) {
			dlclose(h);
			return hull_err_set(err, 0, "nftables: " NFTLIB_SONAME ": no symbol %s", syms[i].name), NULL;
		}
		*(void **)((char *)&lib + syms[i].off) = f;
	}
	loaded = true;
	trace_end(t, "load " NFTLIB_SONAME);
	return &lib;
}
