/* transfer_ops.c — the table libhull-transfer.so exports (transfer.h); its only exported symbol. */
#include "image/auth.h"
#include "image/transfer.h"
#include "transfer_build_id.h"

static int transfer_login(const char *host, const struct registry_opts *o, struct hull_err **err)
{
	struct registry *reg = registry_new(host, o);
	int r = registry_ping(reg, err);
	registry_free(reg);
	if (r < 0)
		return hull_err_wrap(err, "login");
	return auth_store(o->authfile, host, o->user, o->pass, err);
}

const struct image_transfer hull_image_transfer = {
	.build_id = HULL_BUILD_ID,
	.size = sizeof(struct image_transfer),
	.pull = image_pull,
	.load = image_load,
	.save = image_save,
	.login = transfer_login,
	.logout = auth_remove,
};
