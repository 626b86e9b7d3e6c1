/* spec_seccomp.c — linux.seccomp: names of actions, operators, architectures and flags mapped to
 * libseccomp / kernel values; the canonical JSON of the section kept as the BPF cache key. Syscall
 * names are left to the seccomp module (libseccomp resolves them per architecture). */
#include "oci/parse.h"

#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

/* errnoRet becomes the low 16 bits of SCMP_ACT_ERRNO(x) / SCMP_ACT_TRACE(x). */
#define ERRNO_MAX 0xffff

static int parse_action(struct pctx *pc, const json_t *o, const char *key, const char *errno_key, uint32_t *action,
			bool *has_errno, uint32_t *errno_ret, bool *notify)
{
	json_t *v = pc_get(o, key);
	size_t old = pc_key(pc, key);
	const struct oci_seccomp_action *a = NULL;
	if (!v) {
		pc_fail(pc, "required string is missing");
	} else if (!json_is_string(v)) {
		pc_fail(pc, "expected string, got %s", pc_typename(v));
	} else {
		for (size_t i = 0; i < oci_n_seccomp_actions && !a; i++)
			if (strcmp(oci_seccomp_actions[i].name, json_string_value(v)) == 0)
				a = &oci_seccomp_actions[i];
		if (!a)
			pc_fail(pc, "unknown seccomp action \"%.100s\"", json_string_value(v));
	}
	pc_pop(pc, old);
	if (!a)
		return -1;
	*action = a->value;
	if (a->value == SCMP_ACT_NOTIFY)
		*notify = true;
	uint64_t e = 0;
	if (pg_u64(pc, o, errno_key, false, has_errno, ERRNO_MAX, &e) < 0)
		return -1;
	*errno_ret = (uint32_t)e;
	if (*has_errno && !a->errno_ok)
		return pc_fail_at(pc, errno_key, "%s does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)", a->name);
	return 0;
}

static int arg_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_seccomp_arg *a = item;
	uint64_t idx;
	long op;
	if (pv_object(pc, el) < 0 || pg_u64(pc, el, "index", true, NULL, 5, &idx) < 0 ||
	    pg_u64(pc, el, "value", true, NULL, UINT64_MAX, &a->value) < 0 ||
	    pg_u64(pc, el, "valueTwo", false, NULL, UINT64_MAX, &a->value_two) < 0 ||
	    pg_enum(pc, el, "op", true, oci_seccomp_operators, oci_n_seccomp_operators, "seccomp operator", NULL, &op,
		    NULL) < 0)
		return -1;
	a->index = (unsigned)idx;
	a->op = (int)op;
	return 0;
}

static int syscall_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	struct spec_seccomp_syscall *sc = item;
	bool *notify = ctx;
	if (pv_object(pc, el) < 0 || pg_str_array(pc, el, "names", true, &sc->names, &sc->n_names) < 0)
		return -1;
	if (sc->n_names == 0)
		return pc_fail_at(pc, "names", "at least one syscall name is required");
	for (size_t i = 0; i < sc->n_names; i++)
		if (!sc->names[i][0]) {
			pc_key(pc, "names");
			pc_index(pc, i);
			return pc_fail(pc, "empty syscall name");
		}
	if (parse_action(pc, el, "action", "errnoRet", &sc->action, &sc->has_errno_ret, &sc->errno_ret, notify) < 0)
		return -1;
	return pg_list(pc, el, "args", sizeof(*sc->args), &sc->args, &sc->n_args, arg_item, NULL);
}

static int arch_item(struct pctx *pc, const json_t *el, void *item, void *ctx)
{
	long a = 0;
	if (pv_enum(pc, el, oci_seccomp_archs, oci_n_seccomp_archs, "seccomp architecture", &a) < 0)
		return -1;
	if (!oci_seccomp_arch_supported(a))
		return pc_fail(pc, "architecture %s is not supported by libseccomp %u.%u.%u", json_string_value(el),
			       SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	*(uint32_t *)item = (uint32_t)a;
	return 0;
}

int parse_seccomp(struct pctx *pc, const json_t *v, struct spec_seccomp *s)
{
	bool notify = false;
	if (parse_action(pc, v, "defaultAction", "defaultErrnoRet", &s->default_action, &s->has_default_errno_ret,
			 &s->default_errno_ret, &notify) < 0)
		return -1;
	if (notify)
		return pc_fail_at(pc, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
	if (pg_list(pc, v, "architectures", sizeof(*s->architectures), &s->architectures, &s->n_architectures,
		    arch_item, NULL) < 0)
		return -1;
	s->has_flags = pc_get(v, "flags") != NULL;
	if (pg_str_array(pc, v, "flags", false, &s->flags, &s->n_flags) < 0)
		return -1;
	for (size_t i = 0; i < s->n_flags; i++) {
		const struct oci_name_value *f = oci_lookup(oci_seccomp_flags, oci_n_seccomp_flags, s->flags[i]);
		if (!f) {
			pc_key(pc, "flags");
			pc_index(pc, i);
			return pc_fail(pc, "unknown seccomp flag \"%.100s\"", s->flags[i]);
		}
		s->flag_bits |= (unsigned)f->value;
	}
	if (pg_str(pc, v, "listenerPath", false, &s->listener_path) < 0 ||
	    pg_str(pc, v, "listenerMetadata", false, &s->listener_metadata) < 0)
		return -1;
	if (s->listener_metadata && s->listener_metadata[0] && !(s->listener_path && s->listener_path[0]))
		return pc_fail_at(pc, "listenerMetadata", "set without listenerPath");
	if (pg_list(pc, v, "syscalls", sizeof(*s->syscalls), &s->syscalls, &s->n_syscalls, syscall_item, &notify) < 0)
		return -1;
	if (notify && !(s->listener_path && s->listener_path[0]))
		return pc_fail(pc, "SCMP_ACT_NOTIFY is used but listenerPath is not set");
	s->raw_json = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!s->raw_json)
		abort();
	return 0;
}

void free_seccomp(struct spec_seccomp *s)
{
	free(s->architectures);
	free_strv(s->flags, s->n_flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		free_strv(s->syscalls[i].names, s->syscalls[i].n_names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s->raw_json);
}
