/* hooks_kind.c — hooks_run for one kind of a parsed spec. Its own object so that linking hooks_run alone
 * does not pull in the spec parser's tables. */
#include "runtime/hooks.h"

int hooks_run_kind(const struct spec *s, enum spec_hook_kind kind, const char *state_json, struct hull_err **err)
{
	return hooks_run(s->hooks[kind], s->n_hooks[kind], spec_hook_kind_names[kind], state_json, err);
}
