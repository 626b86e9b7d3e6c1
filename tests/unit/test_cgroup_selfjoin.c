/* test_cgroup_selfjoin.c — cgroup_enter_self_v1 and cgroup_add_pid_v2 on a fake hybrid tree: the init
 * joins each v1 hierarchy by writing "0" to `tasks` (never cgroup.procs, whose write takes the kernel's
 * global threadgroup lock) and leaves the unified one alone; the parent's v2 write goes to the unified
 * hierarchy only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cgroup_fake.h"

static int setup(void **state) { return fx_setup(state, fake_hybrid_host(true), true); }
static int teardown(void **state) { return fx_teardown(state); }

/* The files the kernel would have in the cgroup: `tasks` in v1, cgroup.procs everywhere. */
static void put_member_files(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		char *dir = xasprintf("%s%s", cg->hier[i].mnt, cg->path);
		if (!cg->hier[i].v2)
			put(dir, "tasks", "");
		put(dir, "cgroup.procs", "");
		free(dir);
	}
}

static void test_enter_self_v1_writes_tasks_only(void **state)
{
	struct fx *f = *state;
	put_member_files(f->cg);
	rec_reset();
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_enter_self_v1(f->cg, &err), 0);
	size_t v1 = 0;
	for (size_t i = 0; i < f->cg->n_hier; i++)
		v1 += !f->cg->hier[i].v2;
	assert_int_equal(n_rec, v1);
	for (size_t i = 0; i < n_rec; i++)
		assert_string_equal(rec[i], "tasks=0");
	for (size_t i = 0; i < f->cg->n_hier; i++) {
		char *dir = xasprintf("%s%s", f->cg->hier[i].mnt, f->cg->path);
		char *t = get(dir, f->cg->hier[i].v2 ? "cgroup.procs" : "tasks");
		assert_string_equal(t, f->cg->hier[i].v2 ? "" : "0");
		free(t);
		free(dir);
	}
}

static void test_add_pid_v2_unified_only(void **state)
{
	struct fx *f = *state;
	put_member_files(f->cg);
	rec_reset();
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_add_pid_v2(f->cg, 4242, &err), 0);
	assert_string_equal(rec_joined(), "cgroup.procs=4242");
	struct cg_hier *u = &f->cg->hier[f->cg->unified];
	char *dir = xasprintf("%s%s", u->mnt, f->cg->path);
	char *t = get(dir, "cgroup.procs");
	assert_string_equal(t, "4242");
	free(t);
	free(dir);
}

static void test_enter_self_v1_names_the_failing_hierarchy(void **state)
{
	struct fx *f = *state;
	/* no `tasks` files: the first v1 hierarchy fails, and the error says which */
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_enter_self_v1(f->cg, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "/hulltest/c1 (tasks)"));
	hull_err_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enter_self_v1_writes_tasks_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_pid_v2_unified_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enter_self_v1_names_the_failing_hierarchy, setup, teardown),
	};
	return cmocka_run_group_tests_name("cgroup_selfjoin", tests, NULL, NULL);
}
