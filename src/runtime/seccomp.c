/* seccomp.c — linux.seccomp to a BPF program: checking, translation with libseccomp, export, cache use.
 * Installing the program lives in seccomp_install.c, the cache files in seccomp_cache.c.
 *
 * The translation follows runc so that a profile means the same under both runtimes:
 *  - SCMP_ACT_KILL is KILL_THREAD; ERRNO and TRACE without errnoRet return EPERM;
 *  - a rule whose action equals the default action is dropped (libseccomp would refuse it);
 *  - a syscall name libseccomp cannot resolve is skipped (older kernel tables), not an error;
 *  - several conditions on the SAME argument index cannot be AND-ed by libseccomp, so each condition
 *    becomes a rule of its own (an OR); conditions on distinct indexes stay one rule (an AND);
 *  - flags absent altogether means SECCOMP_FILTER_FLAG_SPEC_ALLOW; TSYNC is accepted and ignored
 *    (the container's init is single-threaded when it installs the filter).
 *  - a syscall numbered above every syscall the profile names gets ENOSYS, not the default action
 *    (seccomp_enosys.c), so libc falls back from calls newer than the profile.
 */
#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define SCMP_ACT_MASK 0xffff0000U
#define MAX_SYSCALL_ARGS 6

static const struct {
	const char *name;
	unsigned int flag;
} known_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", 0 },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	/* libseccomp 2.5.4 has no attribute for it; the flag goes straight to seccomp(2) at install. */
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static bool action_known(uint32_t base)
{
	switch (base) {
	case SCMP_ACT_KILL_PROCESS:
	case SCMP_ACT_KILL_THREAD:
	case SCMP_ACT_TRAP:
	case SCMP_ACT_ERRNO(0):
	case SCMP_ACT_TRACE(0):
	case SCMP_ACT_LOG:
	case SCMP_ACT_ALLOW:
	case SCMP_ACT_NOTIFY:
		return true;
	}
	return false;
}

static bool action_takes_errno(uint32_t base) { return base == SCMP_ACT_ERRNO(0) || base == SCMP_ACT_TRACE(0); }

/* The full libseccomp action: the base with its errno payload (EPERM unless errnoRet says otherwise). */
static uint32_t full_action(uint32_t action, bool has_errno, uint32_t errno_ret)
{
	uint32_t base = action & SCMP_ACT_MASK;
	if (!action_takes_errno(base))
		return base;
	return base | ((has_errno ? errno_ret : EPERM) & 0xffff);
}

static int check_action(uint32_t action, bool has_errno, uint32_t errno_ret, const char *where, struct hull_err **err)
{
	uint32_t base = action & SCMP_ACT_MASK;
	if (!action_known(base) || (action & ~SCMP_ACT_MASK))
		return hull_err_set(err, EINVAL, "linux.seccomp.%s: unknown action 0x%x", where, action);
	/* The runtime spec: an errnoRet on an action that cannot return one MUST fail. */
	if (has_errno && !action_takes_errno(base))
		return hull_err_set(err, EINVAL, "linux.seccomp.%s: errnoRet is only valid with SCMP_ACT_ERRNO or "
					       "SCMP_ACT_TRACE", where);
	if (has_errno && errno_ret > 0xffff)
		return hull_err_set(err, EINVAL, "linux.seccomp.%s: errnoRet %u out of range", where, errno_ret);
	return 0;
}

int seccomp_profile_check(const struct spec_seccomp *s, unsigned int *flags, bool *notify, struct hull_err **err)
{
	*flags = 0;
	*notify = false;
	if (check_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, "defaultAction", err) < 0)
		return -1;
	if ((s->default_action & SCMP_ACT_MASK) == SCMP_ACT_NOTIFY)
		return hull_err_set(err, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");

	if (!s->has_flags && !s->flags)
		*flags = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	for (size_t i = 0; i < s->n_flags; i++) {
		size_t k = 0;
		while (k < sizeof(known_flags) / sizeof(known_flags[0]) && strcmp(known_flags[k].name, s->flags[i]))
			k++;
		if (k == sizeof(known_flags) / sizeof(known_flags[0]))
			return hull_err_set(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
		*flags |= known_flags[k].flag;
	}

	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_seccomp_syscall *sc = &s->syscalls[i];
		char where[64];
		snprintf(where, sizeof(where), "syscalls[%zu]", i);
		if (check_action(sc->action, sc->has_errno_ret, sc->errno_ret, where, err) < 0)
			return -1;
		bool is_notify = (sc->action & SCMP_ACT_MASK) == SCMP_ACT_NOTIFY;
		if (sc->n_names == 0)
			return hull_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].names: empty", i);
		for (size_t j = 0; j < sc->n_names; j++) {
			if (!sc->names[j] || !sc->names[j][0])
				return hull_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].names[%zu]: empty syscall name",
						    i, j);
			/* The runtime writes to its sync socket after the filter is in place. */
			if (is_notify && strcmp(sc->names[j], "write") == 0)
				return hull_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be "
							       "used for the write syscall", i);
		}
		for (size_t a = 0; a < sc->n_args; a++) {
			const struct spec_seccomp_arg *arg = &sc->args[a];
			if (arg->index >= MAX_SYSCALL_ARGS)
				return hull_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not "
							       "below %d", i, a, arg->index, MAX_SYSCALL_ARGS);
			if (arg->op <= _SCMP_CMP_MIN || arg->op >= _SCMP_CMP_MAX)
				return hull_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown "
							       "operator %d", i, a, arg->op);
		}
		*notify |= is_notify;
	}
	if (*notify && !s->listener_path)
		return hull_err_set(err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
	if ((*flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !*notify)
		return hull_err_set(err, EINVAL, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an "
					       "SCMP_ACT_NOTIFY rule");
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc, uint32_t act, int nr, size_t i,
		    size_t j, struct hull_err **err)
{
	struct scmp_arg_cmp conds[MAX_SYSCALL_ARGS * 8];
	unsigned per_index[MAX_SYSCALL_ARGS] = { 0 };
	bool same_index = false;
	if (sc->n_args > sizeof(conds) / sizeof(conds[0]))
		return hull_err_set(err, E2BIG, "linux.seccomp.syscalls[%zu].args: too many conditions", i);
	for (size_t a = 0; a < sc->n_args; a++) {
		const struct spec_seccomp_arg *arg = &sc->args[a];
		/* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum, as libseccomp takes them. */
		conds[a] = (struct scmp_arg_cmp){ .arg = arg->index, .op = (enum scmp_compare)arg->op,
						  .datum_a = arg->value, .datum_b = arg->value_two };
		same_index |= ++per_index[arg->index] > 1;
	}
	int r = 0;
	if (!same_index) {
		r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, sc->n_args ? conds : NULL);
	} else {
		for (size_t a = 0; a < sc->n_args && r == 0; a++)
			r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[a]);
	}
	if (r < 0)
		return hull_err_set(err, -r, "linux.seccomp.syscalls[%zu].names[%zu] (%s): add rule", i, j, sc->names[j]);
	return 0;
}

scmp_filter_ctx seccomp_build_ctx(const struct spec_seccomp *s, struct hull_err **err)
{
	uint32_t def = full_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx) {
		hull_err_set(err, EINVAL, "linux.seccomp.defaultAction: libseccomp refuses action 0x%x", def);
		return NULL;
	}
	int r;
	/* The filter is exported, never loaded by libseccomp: NNP is the runtime's business. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		goto fail_attr;
	/* A binary tree of syscalls instead of a linear list: large profiles (docker's) evaluate faster. */
	if (s->n_syscalls > 32 && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		goto fail_attr;
	for (size_t i = 0; i < s->n_architectures; i++) {
		r = seccomp_arch_add(ctx, s->architectures[i]);
		if (r < 0 && r != -EEXIST) {
			hull_err_set(err, -r, "linux.seccomp.architectures[%zu]: add architecture 0x%x", i,
				     s->architectures[i]);
			goto fail;
		}
	}
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct spec_seccomp_syscall *sc = &s->syscalls[i];
		uint32_t act = full_action(sc->action, sc->has_errno_ret, sc->errno_ret);
		if (act == def)
			continue;
		for (size_t j = 0; j < sc->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(sc->names[j]);
			if (nr == __NR_SCMP_ERROR) {
				log_debug("seccomp: unknown syscall \"%s\" ignored", sc->names[j]);
				continue;
			}
			if (add_rule(ctx, sc, act, nr, i, j, err) < 0)
				goto fail;
		}
	}
	return ctx;
fail_attr:
	hull_err_set(err, -r, "linux.seccomp: set filter attribute");
fail:
	seccomp_release(ctx);
	return NULL;
}

int seccomp_export(scmp_filter_ctx ctx, void **filter, size_t *len, struct hull_err **err)
{
	/* libseccomp 2.5 exports to an fd only; a memfd has no pipe-size limit to deadlock on. */
	_cleanup_fd_ int fd = memfd_create("hull-seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return hull_err_set(err, -r, "seccomp: export BPF");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_err_sys(err, "seccomp: fstat BPF");
	if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return hull_err_set(err, E2BIG, "seccomp: BPF program of %lld bytes cannot be loaded (limit %d "
						"instructions)", (long long)st.st_size, BPF_MAXINSNS);
	_cleanup_free_ void *buf = xmalloc((size_t)st.st_size);
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		return hull_err_sys(err, "seccomp: read BPF back");
	*filter = steal_ptr(&buf);
	*len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

struct seccomp_prog *seccomp_prepare(const struct spec_seccomp *s, const char *cache_dir, struct hull_err **err)
{
	uint64_t t = trace_begin();
	unsigned int flags;
	bool notify;
	if (seccomp_profile_check(s, &flags, &notify, err) < 0)
		return NULL;
	struct seccomp_prog *p = xcalloc(1, sizeof(*p));
	p->flags = flags;
	p->notify = notify;

	char key[SHA256_HEX_LEN + 1] = "";
	bool use_cache = cache_dir && s->raw_json;
	if (use_cache) {
		seccomp_cache_key(s->raw_json, key);
		_cleanup_err_ struct hull_err *cerr = NULL;
		int r = seccomp_cache_load(cache_dir, key, &p->filter, &p->len, &cerr);
		if (r == 0) {
			p->cache_hit = true;
			trace_end(t, "seccomp: BPF from cache (%zu instructions)", p->len);
			return p;
		}
		/* A broken cache costs a compilation, never a container. */
		if (r < 0)
			log_debug("seccomp cache: %s", cerr->msg);
	}

	scmp_filter_ctx ctx = seccomp_build_ctx(s, err);
	if (!ctx)
		goto fail;
	int r = seccomp_export(ctx, &p->filter, &p->len, err);
	seccomp_release(ctx);
	if (r < 0 || seccomp_enosys_stub(s, &p->filter, &p->len, err) < 0)
		goto fail;
	if (use_cache) {
		_cleanup_err_ struct hull_err *cerr = NULL;
		if (seccomp_cache_store(cache_dir, key, p->filter, p->len, &cerr) < 0)
			log_debug("seccomp cache: %s", cerr->msg);
	}
	trace_end(t, "seccomp: compile profile (%zu syscall groups, %zu instructions)", s->n_syscalls, p->len);
	return p;
fail:
	seccomp_prog_free(p);
	return NULL;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	if (!p)
		return;
	free(p->filter);
	free(p);
}
