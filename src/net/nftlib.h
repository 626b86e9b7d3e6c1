/* nftlib.h — libnftables, loaded on first use rather than linked: `hull run --network none`, ps, logs and
 * every other command that never changes nftables do not load it and the libraries it needs (libnftnl,
 * libxtables, libgmp, libjansson). The system's library by its soname, as the dynamic linker would have
 * found it. Only the calls nft.c makes; the types are the header's own, so a mismatch fails to compile.
 */
#ifndef HULL_NET_NFTLIB_H
#define HULL_NET_NFTLIB_H

#include <nftables/libnftables.h>
#include "util/err.h"

#define NFTLIB_SONAME "libnftables.so.1"

struct nftlib {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *ctx_buffer_output;
	__typeof__(nft_ctx_buffer_error) *ctx_buffer_error;
	__typeof__(nft_ctx_get_output_buffer) *ctx_get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *ctx_get_error_buffer;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
};

/* The loaded library (cached after the first call); NULL with *err if it cannot be loaded. */
const struct nftlib *nftlib_get(struct hull_err **err);

#endif
