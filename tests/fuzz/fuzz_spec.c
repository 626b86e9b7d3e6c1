/* fuzz_spec.c — libFuzzer entry for the config.json parser (make fuzz).
 *
 * Any input must give either a spec or an error naming where it went wrong — never a crash, a leak or
 * a read out of bounds. A parsed spec is walked so the sanitizers see every string it holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t touch_strv(char **v, size_t n)
{
	size_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += touch(v[i]);
	return t;
}

static size_t walk(const struct spec *s)
{
	size_t t = touch(s->oci_version) + touch(s->root_path) + touch(s->hostname) + touch(s->domainname);
	if (s->process)
		t += touch_strv(s->process->args, s->process->n_args) + touch_strv(s->process->env, s->process->n_env) +
		     touch(s->process->cwd);
	for (size_t i = 0; i < s->n_mounts; i++)
		t += touch(s->mounts[i].destination) + touch(s->mounts[i].data) +
		     touch_strv(s->mounts[i].options, s->mounts[i].n_options);
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		for (size_t i = 0; i < s->n_hooks[k]; i++)
			t += touch(s->hooks[k][i].path);
	for (size_t i = 0; i < s->n_annotations; i++)
		t += touch(s->annotations[i].key) + touch(s->annotations[i].value);
	if (s->linux_) {
		for (size_t i = 0; i < s->linux_->n_namespaces; i++)
			t += touch(s->linux_->namespaces[i].path) + touch(spec_ns_type_names[s->linux_->namespaces[i].type]);
		if (s->linux_->seccomp)
			t += touch(s->linux_->seccomp->raw_json);
		t += touch_strv(s->linux_->masked_paths, s->linux_->n_masked_paths);
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_err *err = NULL;
	struct spec *s = spec_parse((const char *)data, size, "config.json", &err);
	if (s) {
		if (err)
			abort(); /* success must not leave an error behind */
		volatile size_t t = walk(s);
		(void)t;
		spec_free(s);
	} else if (!err || !err->msg || strncmp(err->msg, "config.json", 11) != 0) {
		abort(); /* failure must say so, naming the origin */
	}
	hull_err_free(err);
	err = NULL;
	struct spec_process *p = spec_parse_process((const char *)data, size, "process.json", &err);
	if (!p == !err)
		abort();
	spec_process_free(p);
	hull_err_free(err);
	return 0;
}
