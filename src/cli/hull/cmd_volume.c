/* cmd_volume.c — hull volume create|ls|inspect|rm|prune. */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int cmd_volume(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: hull volume create [NAME] | ls [-q] | inspect NAME... | rm [-f] NAME... | prune\n");
		return 125;
	}
	const char *sub = argv[1];
	struct engine e;
	struct hull_err *err = NULL;
	if (engine_open(&e, g->root, &err) < 0)
		return cli_fail(err);
	int rc = 0;
	if (!strcmp(sub, "create")) {
		char gen[65];
		const char *name = argc > 2 ? argv[2] : NULL;
		if (!name) {
			unsigned char b[32];
			if (getrandom(b, sizeof(b), 0) != sizeof(b))
				abort();
			for (int i = 0; i < 32; i++)
				sprintf(gen + 2 * i, "%02x", b[i]);
			name = gen;
		}
		bool ok = name[0] && name[0] != '.' && name[0] != '-' && !strchr(name, '/');
		if (!ok) {
			fprintf(stderr, "hull: volume create %s: invalid volume name\n", name);
			rc = 125;
		} else if (volume_create(&e, name, false, NULL, &err) < 0)
			rc = cli_fail(err);
		else
			printf("%s\n", name);
	} else if (!strcmp(sub, "ls") || !strcmp(sub, "list")) {
		bool quiet = argc > 2 && !strcmp(argv[2], "-q");
		char **names;
		size_t n;
		if (volume_list(&e, &names, &n, &err) < 0)
			rc = cli_fail(err);
		else {
			if (!quiet)
				printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
			for (size_t i = 0; i < n; i++) {
				if (quiet)
					printf("%s\n", names[i]);
				else
					printf("%-10s %s\n", "local", names[i]);
				free(names[i]);
			}
			free(names);
		}
	} else if (!strcmp(sub, "inspect")) {
		json_t *arr = json_array();
		for (int i = 2; i < argc && rc == 0; i++) {
			json_t *v = volume_inspect(&e, argv[i], &err);
			if (!v)
				rc = cli_fail(err);
			else
				json_array_append_new(arr, v);
		}
		if (rc == 0) {
			json_dumpf(arr, stdout, JSON_INDENT(4));
			putchar('\n');
		}
		json_decref(arr);
	} else if (!strcmp(sub, "rm") || !strcmp(sub, "remove")) {
		bool force = false;
		int i = 2;
		if (i < argc && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))) {
			force = true;
			i++;
		}
		if (i >= argc) {
			fprintf(stderr, "hull: volume rm: requires at least one volume\n");
			rc = 125;
		}
		for (; i < argc; i++) {
			if (volume_remove(&e, argv[i], force, &err) < 0) {
				cli_fail(err);
				err = NULL;
				rc = 1;
			} else
				printf("%s\n", argv[i]);
		}
	} else if (!strcmp(sub, "prune")) {
		char **names;
		size_t n;
		if (volume_list(&e, &names, &n, &err) < 0)
			rc = cli_fail(err);
		else {
			printf("Deleted Volumes:\n");
			for (size_t i = 0; i < n; i++) {
				/* as docker ≥ 23: prune takes the anonymous volumes no container uses */
				json_t *v = volume_inspect(&e, names[i], NULL);
				bool anon = v && json_is_true(json_object_get(v, "Anonymous"));
				json_decref(v);
				bool all = argc > 2 && (!strcmp(argv[2], "-a") || !strcmp(argv[2], "--all"));
				if ((anon || all) && !volume_in_use(&e, names[i]) && volume_remove(&e, names[i], false, NULL) == 0)
					printf("%s\n", names[i]);
				free(names[i]);
			}
			free(names);
		}
	} else {
		fprintf(stderr, "hull: volume %s: unknown command\n", sub);
		rc = 125;
	}
	engine_close(&e);
	return rc;
}
