/* spec_process.c — the "process" object (config.json, and process.json of `exec -p`). */
#include "oci/parse.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

static const char *const cap_set_names[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };

static int parse_caps(struct pctx *pc, const json_t *o, struct spec_caps *c)
{
	uint64_t *sets[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient };
	bool *has[] = { &c->has_bounding, &c->has_effective, &c->has_inheritable, &c->has_permitted, &c->has_ambient };
	for (size_t k = 0; k < 5; k++) {
		json_t *arr;
		if (pg_array(pc, o, cap_set_names[k], &arr) < 0)
			return -1;
		if (!arr)
			continue;
		*has[k] = true;
		size_t old = pc_key(pc, cap_set_names[k]);
		for (size_t i = 0; i < json_array_size(arr); i++) {
			size_t o2 = pc_index(pc, i);
			json_t *v = json_array_get(arr, i);
			int cap = -1;
			if (!json_is_string(v))
				pc_fail(pc, "expected string, got %s", pc_typename(v));
			else if ((cap = oci_capability_lookup(json_string_value(v))) < 0)
				pc_fail(pc, "unknown capability \"%.100s\"", json_string_value(v));
			pc_pop(pc, o2);
			if (cap < 0) {
				pc_pop(pc, old);
				return -1;
			}
			*sets[k] |= 1ULL << cap;
		}
		pc_pop(pc, old);
	}
	return 0;
}

static int parse_rlimits(struct pctx *pc, const json_t *arr, struct spec_process *p)
{
	size_t n = json_array_size(arr);
	p->rlimits = xcalloc(n + 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++) {
		size_t old = pc_index(pc, i);
		json_t *v = json_array_get(arr, i);
		struct spec_rlimit *rl = &p->rlimits[i];
		long type = 0;
		p->n_rlimits = i + 1;
		int r = pv_object(pc, v);
		if (r == 0)
			r = pg_enum(pc, v, "type", true, oci_rlimits, oci_n_rlimits, "rlimit", NULL, &type, &rl->name);
		if (r == 0)
			r = pg_u64(pc, v, "soft", true, NULL, UINT64_MAX, &rl->soft);
		if (r == 0)
			r = pg_u64(pc, v, "hard", true, NULL, UINT64_MAX, &rl->hard);
		rl->type = (int)type;
		for (size_t j = 0; r == 0 && j < i; j++)
			if (p->rlimits[j].type == rl->type)
				r = pc_fail(pc, "duplicate rlimit \"%s\" (also at index %zu)", rl->name, j);
		if (r == 0 && rl->soft > rl->hard)
			r = pc_fail(pc, "soft limit %llu is above hard limit %llu", (unsigned long long)rl->soft,
				    (unsigned long long)rl->hard);
		pc_pop(pc, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int parse_user(struct pctx *pc, const json_t *u, struct spec_user *user)
{
	uint32_t id;
	if (pg_u32(pc, u, "uid", true, NULL, &id) < 0)
		return -1;
	user->uid = id;
	if (pg_u32(pc, u, "gid", true, NULL, &id) < 0)
		return -1;
	user->gid = id;
	uint64_t umask;
	if (pg_u64(pc, u, "umask", false, &user->has_umask, 0777, &umask) < 0)
		return -1;
	user->umask = (mode_t)umask;
	json_t *arr;
	if (pg_array(pc, u, "additionalGids", &arr) < 0)
		return -1;
	if (arr) {
		size_t old = pc_key(pc, "additionalGids");
		user->additional_gids = xcalloc(json_array_size(arr) + 1, sizeof(gid_t));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			size_t o2 = pc_index(pc, i);
			uint64_t g;
			int r = pv_u64(pc, json_array_get(arr, i), UINT32_MAX, &g);
			pc_pop(pc, o2);
			if (r < 0) {
				pc_pop(pc, old);
				return -1;
			}
			user->additional_gids[user->n_additional_gids++] = (gid_t)g;
		}
		pc_pop(pc, old);
	}
	return pg_str(pc, u, "username", false, &user->username);
}

/* runc's rules: nice in [-20, 19]; a priority only for the real-time policies (1..99); runtime,
 * deadline and period only for SCHED_DEADLINE. */
static int parse_scheduler(struct pctx *pc, const json_t *o, struct spec_scheduler *sc)
{
	long policy;
	if (pg_enum(pc, o, "policy", true, oci_sched_policies, oci_n_sched_policies, "scheduler policy", NULL,
		    &policy, &sc->policy) < 0)
		return -1;
	sc->policy_num = (int)policy;
	int64_t i = 0;
	if (pg_i64(pc, o, "nice", false, NULL, -20, 19, &i) < 0)
		return -1;
	sc->nice = (int)i;
	i = 0;
	if (pg_i64(pc, o, "priority", false, NULL, INT32_MIN, INT32_MAX, &i) < 0)
		return -1;
	sc->priority = (int)i;
	bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
	if (sc->priority != 0 && !rt)
		return pc_fail(pc, "priority: only SCHED_FIFO and SCHED_RR take a priority, not %s", sc->policy);
	if (rt && (sc->priority < 1 || sc->priority > 99))
		return pc_fail(pc, "priority: %s needs a priority in [1, 99], got %d", sc->policy, sc->priority);
	json_t *arr;
	if (pg_array(pc, o, "flags", &arr) < 0)
		return -1;
	if (arr) {
		size_t old = pc_key(pc, "flags");
		for (size_t k = 0; k < json_array_size(arr); k++) {
			size_t o2 = pc_index(pc, k);
			long f;
			int r = pv_enum(pc, json_array_get(arr, k), oci_sched_flags, oci_n_sched_flags, "scheduler flag", &f);
			pc_pop(pc, o2);
			if (r < 0) {
				pc_pop(pc, old);
				return -1;
			}
			sc->flags |= (uint64_t)f;
		}
		pc_pop(pc, old);
	}
	if (pg_u64(pc, o, "runtime", false, NULL, UINT64_MAX, &sc->runtime) < 0 ||
	    pg_u64(pc, o, "deadline", false, NULL, UINT64_MAX, &sc->deadline) < 0 ||
	    pg_u64(pc, o, "period", false, NULL, UINT64_MAX, &sc->period) < 0)
		return -1;
	if ((sc->runtime || sc->deadline || sc->period) && policy != SCHED_DEADLINE)
		return pc_fail(pc, "runtime, deadline and period are for SCHED_DEADLINE only, not %s", sc->policy);
	return 0;
}

static int parse_cpu_affinity(struct pctx *pc, const json_t *o, struct spec_exec_cpu_affinity *a)
{
	if (pg_str(pc, o, "initial", false, &a->initial) < 0 || pg_str(pc, o, "final", false, &a->final) < 0)
		return -1;
	const char *keys[] = { "initial", "final" };
	const char *vals[] = { a->initial, a->final };
	for (int k = 0; k < 2; k++) {
		if (vals[k] && !pc_valid_id_list(vals[k])) {
			pc_key(pc, keys[k]);
			return pc_fail(pc, "invalid CPU list \"%.100s\" (want e.g. \"0-3,7\")", vals[k]);
		}
	}
	return 0;
}

static int parse_console_size(struct pctx *pc, const json_t *o, struct spec_console_size *cs)
{
	uint32_t h, w;
	if (pg_u32(pc, o, "height", true, NULL, &h) < 0 || pg_u32(pc, o, "width", true, NULL, &w) < 0)
		return -1;
	cs->height = h;
	cs->width = w;
	return 0;
}

static int parse_io_priority(struct pctx *pc, const json_t *o, struct spec_io_priority *io)
{
	long cls = 0;
	int64_t prio = 0;
	if (pg_enum(pc, o, "class", true, oci_ioprio_classes, oci_n_ioprio_classes, "ioPriority class", NULL, &cls,
		    NULL) < 0 ||
	    pg_i64(pc, o, "priority", true, NULL, 0, 7, &prio) < 0)
		return -1;
	io->class = (int)cls;
	io->priority = (int)prio;
	return 0;
}

/* Parse one optional sub-object with `fn`, with the path pushed. */
#define SUBOBJ(key, call)                                                   \
	do {                                                                \
		json_t *sub_;                                               \
		if (pg_object(pc, v, key, &sub_) < 0)                       \
			return -1;                                          \
		if (sub_) {                                                 \
			size_t old_ = pc_key(pc, key);                      \
			json_t *o = sub_;                                   \
			int r_ = (call);                                    \
			pc_pop(pc, old_);                                   \
			if (r_ < 0)                                         \
				return -1;                                  \
		}                                                           \
	} while (0)

int parse_process(struct pctx *pc, const json_t *v, struct spec_process *p)
{
	if (pg_bool(pc, v, "terminal", NULL, &p->terminal) < 0)
		return -1;
	SUBOBJ("consoleSize", (p->has_console_size = true, parse_console_size(pc, o, &p->console_size)));
	SUBOBJ("user", parse_user(pc, o, &p->user));
	if (pg_str_array(pc, v, "args", false, &p->args, &p->n_args) < 0 ||
	    pg_str(pc, v, "commandLine", false, &p->command_line) < 0)
		return -1;
	if (p->n_args == 0) {
		size_t old = pc_key(pc, "args");
		pc_fail(pc, "at least one argument is required (the program to run)");
		pc_pop(pc, old);
		return -1;
	}
	if (!p->args[0][0]) {
		size_t old = pc_key(pc, "args");
		pc_index(pc, 0);
		pc_fail(pc, "empty program name");
		pc_pop(pc, old);
		return -1;
	}
	if (pg_str_array(pc, v, "env", false, &p->env, &p->n_env) < 0)
		return -1;
	if (pg_str(pc, v, "cwd", true, &p->cwd) < 0)
		return -1;
	if (p->cwd[0] != '/') {
		size_t old = pc_key(pc, "cwd");
		pc_fail(pc, "\"%.200s\" is not an absolute path", p->cwd);
		pc_pop(pc, old);
		return -1;
	}
	SUBOBJ("capabilities", (p->has_caps = true, parse_caps(pc, o, &p->caps)));
	json_t *arr;
	if (pg_array(pc, v, "rlimits", &arr) < 0)
		return -1;
	if (arr) {
		size_t old = pc_key(pc, "rlimits");
		int r = parse_rlimits(pc, arr, p);
		pc_pop(pc, old);
		if (r < 0)
			return -1;
	}
	if (pg_bool(pc, v, "noNewPrivileges", NULL, &p->no_new_privileges) < 0 ||
	    pg_str(pc, v, "apparmorProfile", false, &p->apparmor_profile) < 0 ||
	    pg_str(pc, v, "selinuxLabel", false, &p->selinux_label) < 0)
		return -1;
	int64_t adj = 0;
	if (pg_i64(pc, v, "oomScoreAdj", false, &p->has_oom_score_adj, -1000, 1000, &adj) < 0)
		return -1;
	p->oom_score_adj = (int)adj;
	SUBOBJ("scheduler", (p->has_scheduler = true, parse_scheduler(pc, o, &p->scheduler)));
	SUBOBJ("ioPriority", (p->has_io_priority = true, parse_io_priority(pc, o, &p->io_priority)));
	SUBOBJ("execCPUAffinity",
	       (p->has_exec_cpu_affinity = true, parse_cpu_affinity(pc, o, &p->exec_cpu_affinity)));
	return 0;
}

void spec_process_free(struct spec_process *p)
{
	if (!p)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	free_strv(p->args, p->n_args);
	free(p->command_line);
	free_strv(p->env, p->n_env);
	free(p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].name);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->scheduler.policy);
	free(p->exec_cpu_affinity.initial);
	free(p->exec_cpu_affinity.final);
	free(p);
}
