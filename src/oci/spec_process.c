/* spec_process.c — the "process" object (config.json, and process.json of `exec -p`). */
#include "oci/parse.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

static int cap_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	uint64_t *set = ctx;
	if (!json_is_string(v))
		return pc_fail(pc, "expected string, got %s", pc_typename(v));
	int cap = oci_capability_lookup(json_string_value(v));
	/* config.md 1.1+: a capability that cannot be mapped to the kernel MUST be logged as a warning and
	 * SHOULD NOT fail the container (runc 1.2 does the same): it is left out of the set. 1.0.x said
	 * it MUST cause an error, and the runtime-tools suite written against it checks that. */
	if (cap < 0 && pc->unknown_caps_fail)
		return pc_fail(pc, "unknown capability \"%.100s\"", json_string_value(v));
	if (cap < 0)
		pc_warn(pc, "unknown capability \"%.100s\" (ignored)", json_string_value(v));
	else
		*set |= 1ULL << cap;
	return 0;
}

static int caps_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_caps *c = ctx;
	static const char *const names[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	uint64_t *sets[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient };
	bool *has[] = { &c->has_bounding, &c->has_effective, &c->has_inheritable, &c->has_permitted, &c->has_ambient };
	for (size_t k = 0; k < 5; k++) {
		*has[k] = pc_get(o, names[k]) != NULL;
		if (pg_list(pc, o, names[k], 0, NULL, NULL, cap_item, sets[k]) < 0)
			return -1;
	}
	return 0;
}

static int rlimit_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	struct spec_process *p = ctx;
	struct spec_rlimit *rl = item;
	long type = 0;
	if (pv_object(pc, v) < 0 ||
	    pg_enum(pc, v, "type", true, oci_rlimits, oci_n_rlimits, "rlimit", NULL, &type, &rl->name) < 0 ||
	    pg_u64(pc, v, "soft", true, NULL, UINT64_MAX, &rl->soft) < 0 ||
	    pg_u64(pc, v, "hard", true, NULL, UINT64_MAX, &rl->hard) < 0)
		return -1;
	rl->type = (int)type;
	for (struct spec_rlimit *prev = p->rlimits; prev < rl; prev++)
		if (prev->type == rl->type)
			return pc_fail(pc, "duplicate rlimit \"%s\" (also at index %zu)", rl->name, (size_t)(prev - p->rlimits));
	if (rl->soft > rl->hard)
		return pc_fail(pc, "soft limit %llu is above hard limit %llu", (unsigned long long)rl->soft,
			       (unsigned long long)rl->hard);
	return 0;
}

static int gid_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	uint64_t g;
	if (pv_u64(pc, v, UINT32_MAX, &g) < 0)
		return -1;
	*(gid_t *)item = (gid_t)g;
	return 0;
}

static int user_obj(struct pctx *pc, const json_t *u, void *ctx)
{
	struct spec_user *user = ctx;
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
	if (pg_list(pc, u, "additionalGids", sizeof(gid_t), &user->additional_gids, &user->n_additional_gids,
		    gid_item, NULL) < 0)
		return -1;
	return pg_str(pc, u, "username", false, &user->username);
}

static int sched_flag_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	long f;
	if (pv_enum(pc, v, oci_sched_flags, oci_n_sched_flags, "scheduler flag", &f) < 0)
		return -1;
	*(uint64_t *)ctx |= (uint64_t)f;
	return 0;
}

/* runc's rules: nice in [-20, 19]; a priority only for the real-time policies (1..99); runtime,
 * deadline and period only for SCHED_DEADLINE. */
static int scheduler_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_scheduler *sc = ctx;
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
	if (pg_list(pc, o, "flags", 0, NULL, NULL, sched_flag_item, &sc->flags) < 0)
		return -1;
	if (pg_u64(pc, o, "runtime", false, NULL, UINT64_MAX, &sc->runtime) < 0 ||
	    pg_u64(pc, o, "deadline", false, NULL, UINT64_MAX, &sc->deadline) < 0 ||
	    pg_u64(pc, o, "period", false, NULL, UINT64_MAX, &sc->period) < 0)
		return -1;
	if ((sc->runtime || sc->deadline || sc->period) && policy != SCHED_DEADLINE)
		return pc_fail(pc, "runtime, deadline and period are for SCHED_DEADLINE only, not %s", sc->policy);
	return 0;
}

static int cpu_affinity_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_exec_cpu_affinity *a = ctx;
	if (pg_str(pc, o, "initial", false, &a->initial) < 0 || pg_str(pc, o, "final", false, &a->final) < 0)
		return -1;
	const char *keys[] = { "initial", "final" };
	const char *vals[] = { a->initial, a->final };
	for (int k = 0; k < 2; k++) {
		if (vals[k] && !pc_valid_id_list(vals[k]))
			return pc_fail_at(pc, keys[k], "invalid CPU list \"%.100s\" (want e.g. \"0-3,7\")", vals[k]);
	}
	return 0;
}

static int console_size_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_console_size *cs = ctx;
	uint32_t h, w;
	if (pg_u32(pc, o, "height", true, NULL, &h) < 0 || pg_u32(pc, o, "width", true, NULL, &w) < 0)
		return -1;
	cs->height = h;
	cs->width = w;
	return 0;
}

static int io_priority_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec_io_priority *io = ctx;
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

static int check_env(struct pctx *pc, const struct spec_process *p)
{
	/* As runc: every entry is NAME=VALUE with a non-empty name. */
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (!eq || eq == p->env[i]) {
			pc_key(pc, "env");
			pc_index(pc, i);
			return pc_fail(pc, "\"%.100s\" is not NAME=VALUE", p->env[i]);
		}
	}
	return 0;
}

int parse_process(struct pctx *pc, const json_t *v, struct spec_process *p)
{
	if (pg_bool(pc, v, "terminal", NULL, &p->terminal) < 0 ||
	    pg_sub(pc, v, "consoleSize", &p->has_console_size, console_size_obj, &p->console_size) < 0 ||
	    pg_sub(pc, v, "user", NULL, user_obj, &p->user) < 0 ||
	    pg_str_array(pc, v, "args", false, &p->args, &p->n_args) < 0 ||
	    pg_str(pc, v, "commandLine", false, &p->command_line) < 0)
		return -1;
	if (p->n_args == 0)
		return pc_fail_at(pc, "args", "at least one argument is required (the program to run)");
	if (!p->args[0][0]) {
		pc_key(pc, "args");
		pc_index(pc, 0);
		return pc_fail(pc, "empty program name");
	}
	if (pg_str_array(pc, v, "env", false, &p->env, &p->n_env) < 0 || check_env(pc, p) < 0 ||
	    pg_str(pc, v, "cwd", true, &p->cwd) < 0)
		return -1;
	if (p->cwd[0] != '/')
		return pc_fail_at(pc, "cwd", "\"%.200s\" is not an absolute path", p->cwd);
	int64_t adj = 0;
	if (pg_sub(pc, v, "capabilities", &p->has_caps, caps_obj, &p->caps) < 0 ||
	    pg_list(pc, v, "rlimits", sizeof(struct spec_rlimit), &p->rlimits, &p->n_rlimits, rlimit_item, p) < 0 ||
	    pg_bool(pc, v, "noNewPrivileges", NULL, &p->no_new_privileges) < 0 ||
	    pg_str(pc, v, "apparmorProfile", false, &p->apparmor_profile) < 0 ||
	    pg_str(pc, v, "selinuxLabel", false, &p->selinux_label) < 0 ||
	    pg_i64(pc, v, "oomScoreAdj", false, &p->has_oom_score_adj, -1000, 1000, &adj) < 0 ||
	    pg_sub(pc, v, "scheduler", &p->has_scheduler, scheduler_obj, &p->scheduler) < 0 ||
	    pg_sub(pc, v, "ioPriority", &p->has_io_priority, io_priority_obj, &p->io_priority) < 0 ||
	    pg_sub(pc, v, "execCPUAffinity", &p->has_exec_cpu_affinity, cpu_affinity_obj, &p->exec_cpu_affinity) < 0)
		return -1;
	p->oom_score_adj = (int)adj;
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
	free_strv(p->warnings, p->n_warnings);
	free(p);
}
