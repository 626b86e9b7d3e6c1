/* test_process_child.h — checks inside a forked child of a unit test, where cmocka's assertions (longjmp
 * to the parent's runner) cannot be used: report the failed check on stderr and exit 1. */
#ifndef HULL_TEST_PROCESS_CHILD_H
#define HULL_TEST_PROCESS_CHILD_H

#include <stdio.h>
#include <unistd.h>

#define CHECK(cond)                                                                                     \
	do {                                                                                            \
		if (!(cond)) {                                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
			_exit(1);                                                                       \
		}                                                                                       \
	} while (0)

#endif
