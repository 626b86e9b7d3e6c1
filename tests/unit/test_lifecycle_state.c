/* test_lifecycle_state.c — runtime/state on a temp state root (no root needed): state.json round trip,
 * status from the kernel (alive, recycled pid, start fifo), the lock, listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/state.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static int setup(void **state)
{
	strcpy(root, "/tmp/hull-runtime-state-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	fs_rmtree_at(AT_FDCWD, root, NULL);
	return 0;
}

/* A container dir with a saved state for pid/start. */
static void make_container(const char *id, pid_t pid, unsigned long long start, bool fifo)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, id);
	assert_int_equal(mkdir(path, 0711), 0);
	struct spec_kv ann = { "a", "b" };
	struct container c = { .dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
	c.st = (struct container_state){ .id = (char *)id, .pid = pid, .pid_start = start, .bundle = "/bundle",
					 .rootfs = "/bundle/rootfs", .created = "2026-01-01T00:00:00Z",
					 .cgroup_path = NULL, .owner = 1000, .annotations = &ann, .n_annotations = 1,
					 .ns_mask = 5 };
	assert_true(c.dirfd >= 0);
	assert_int_equal(container_state_save(&c, NULL), 0);
	if (fifo)
		assert_int_equal(mkfifoat(c.dirfd, HULL_EXEC_FIFO, 0600), 0);
	close(c.dirfd);
}

static void test_missing(void **state)
{
	struct hull_err *err = NULL;
	assert_null(container_open(root, "nope", false, &err));
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "container does not exist");
	hull_err_free(err);
	/* a dir without state.json: a create that never finished */
	char path[256];
	snprintf(path, sizeof(path), "%s/half", root);
	assert_int_equal(mkdir(path, 0700), 0);
	err = NULL;
	assert_null(container_open(root, "half", true, &err));
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err);
	err = NULL;
	assert_null(container_open(root, "../etc", false, &err));
	hull_err_free(err);
}

static void test_round_trip_and_status(void **state)
{
	unsigned long long me = proc_pid_starttime(getpid());
	assert_true(me > 0);
	make_container("alive", getpid(), me, false);
	make_container("created", getpid(), me, true);
	make_container("recycled", getpid(), me + 1, false);
	make_container("dead", 0, 0, false);

	struct container *c = container_open(root, "alive", false, NULL);
	assert_non_null(c);
	assert_int_equal(c->st.pid, getpid());
	assert_int_equal(c->st.pid_start, me);
	assert_int_equal(c->st.owner, 1000);
	assert_int_equal(c->st.ns_mask, 5);
	assert_int_equal(c->st.n_annotations, 1);
	assert_string_equal(c->st.annotations[0].value, "b");
	assert_string_equal(c->st.created, "2026-01-01T00:00:00Z");
	assert_int_equal(container_status(c), STATUS_RUNNING);
	container_close(c);

	c = container_open(root, "created", false, NULL);
	assert_int_equal(container_status(c), STATUS_CREATED);
	container_close(c);
	/* the same pid with another start time is another process: the container is gone */
	c = container_open(root, "recycled", false, NULL);
	assert_int_equal(container_status(c), STATUS_STOPPED);
	container_close(c);
	c = container_open(root, "dead", false, NULL);
	assert_int_equal(container_status(c), STATUS_STOPPED);
	char *j = container_state_json(&c->st, container_status(c), false, "");
	assert_non_null(strstr(j, "\"pid\":0,\"status\":\"stopped\""));
	assert_null(strstr(j, "hull")); /* private fields stay private */
	free(j);
	container_close(c);
}

static void test_creating(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/mid-create", root);
	assert_int_equal(mkdir(path, 0711), 0);
	int holder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct container c = { .dirfd = holder };
	c.st = (struct container_state){ .id = "mid-create", .bundle = "/b", .creating = true };
	assert_int_equal(container_state_save(&c, NULL), 0);
	assert_int_equal(flock(holder, LOCK_EX), 0); /* the create still running */
	struct container *o = container_open(root, "mid-create", false, NULL);
	assert_non_null(o);
	assert_true(o->st.creating);
	assert_int_equal(container_status(o), STATUS_CREATING);
	close(holder); /* the create died */
	assert_int_equal(container_status(o), STATUS_STOPPED);
	container_close(o);
}

static void test_lock(void **state)
{
	make_container("locked", 0, 0, false);
	struct container *c = container_open(root, "locked", true, NULL);
	assert_non_null(c);
	char path[256];
	snprintf(path, sizeof(path), "%s/locked", root);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	container_close(c);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

static void test_list(void **state)
{
	make_container("b-two", 0, 0, false);
	make_container("a-one", 0, 0, false);
	char path[256];
	snprintf(path, sizeof(path), "%s/.hidden", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/seccomp cache", root);
	assert_int_equal(mkdir(path, 0700), 0);
	char **ids;
	size_t n;
	assert_int_equal(container_list_ids(root, &ids, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "a-one");
	assert_string_equal(ids[1], "b-two");
	strv_free(ids, n);
	assert_int_equal(container_list_ids("/nonexistent/hull-root", &ids, &n, NULL), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
