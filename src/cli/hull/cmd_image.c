/* cmd_image.c — image commands: pull, images, rmi, tag, inspect, and `image <sub>` (ls, pull, rm, tag,
 * inspect, prune, mount, unmount, load, save). */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "image/image.h"
#include "image/imagedb.h"
#include "image/pull.h"
#include "image/ref.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static int open_store(struct hull_globals *g, struct store *s)
{
	struct hull_err *err = NULL;
	if (store_open(s, g->root, &err) < 0)
		return cli_fail(err);
	return 0;
}

int cli_transfer_store(struct hull_globals *g, const struct image_transfer **tr, struct store *s,
		       struct hull_err **err)
{
	*tr = image_transfer(err);
	if (!*tr)
		return -1;
	return store_open(s, g->root, err);
}

int cmd_pull(struct hull_globals *g, int argc, char **argv)
{
	struct pull_opts o = { .tls_verify = true, .out = stdout, .tty = isatty(1) };
	static const struct option opts[] = {
		{ "quiet", no_argument, 0, 'q' },         { "platform", required_argument, 0, 'p' },
		{ "tls-verify", optional_argument, 0, 't' }, { "authfile", required_argument, 0, 'a' },
		{ "help", no_argument, 0, 'h' },          { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': o.quiet = true; break;
		case 'p': o.platform = optarg; break;
		case 'a': o.authfile = optarg; break;
		case 't':
			if (optarg && cli_bool(optarg) < 0) {
				fprintf(stderr, "hull: --tls-verify: want true or false, got \"%s\"\n", optarg);
				return 125;
			}
			o.tls_verify = optarg ? cli_bool(optarg) : true;
			break;
		case 'h':
			printf("Usage: hull pull [-q] [--platform os/arch[/variant]] [--tls-verify=false] [--authfile F] REF\n");
			return 0;
		default: return 125;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "hull: pull: want exactly one image reference\n");
		return 125;
	}
	struct hull_err *err = NULL;
	const struct image_transfer *tr;
	struct store s;
	if (cli_transfer_store(g, &tr, &s, &err) < 0)
		return cli_fail(err);
	_cleanup_free_ char *id = NULL;
	int r = tr->pull(&s, argv[optind], &o, &id, &err);
	store_close(&s);
	if (r < 0)
		return cli_fail(err);
	if (o.quiet) {
		struct image_ref ref;
		if (image_ref_parse(argv[optind], &ref, NULL) == 0) {
			_cleanup_free_ char *name = image_ref_string(&ref);
			printf("%s\n", name);
			image_ref_free(&ref);
		}
	}
	return 0;
}

static void human_size(char *buf, size_t n, uint64_t v)
{
	if (v >= 1000000000)
		snprintf(buf, n, "%.3gGB", (double)v / 1e9);
	else if (v >= 1000000)
		snprintf(buf, n, "%.3gMB", (double)v / 1e6);
	else if (v >= 1000)
		snprintf(buf, n, "%.3gkB", (double)v / 1e3);
	else
		snprintf(buf, n, "%lluB", (unsigned long long)v);
}

static void human_ago(char *buf, size_t n, int64_t t)
{
	int64_t d = (int64_t)time(NULL) - t;
	if (t <= 0)
		snprintf(buf, n, "N/A");
	else if (d < 60)
		snprintf(buf, n, "%lld seconds ago", (long long)d);
	else if (d < 3600)
		snprintf(buf, n, "%lld minutes ago", (long long)(d / 60));
	else if (d < 86400 * 2)
		snprintf(buf, n, "%lld hours ago", (long long)(d / 3600));
	else if (d < 86400 * 60)
		snprintf(buf, n, "%lld days ago", (long long)(d / 86400));
	else
		snprintf(buf, n, "%lld months ago", (long long)(d / (86400 * 30)));
}

int cmd_images(struct hull_globals *g, int argc, char **argv)
{
	bool quiet = false, digests = false;
	const char *format = NULL;
	static const struct option opts[] = {
		{ "quiet", no_argument, 0, 'q' }, { "digests", no_argument, 0, 'd' },
		{ "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case 'd': digests = true; break;
		case 'f': format = optarg; break;
		case 'h': printf("Usage: hull images [-q] [--digests] [--format json]\n"); return 0;
		default: return 125;
		}
	}
	if (format && strcmp(format, "json") != 0) {
		fprintf(stderr, "hull: images: --format: only \"json\" is known, got \"%s\"\n", format);
		return 125;
	}
	struct store s;
	if (open_store(g, &s))
		return 125;
	struct imagedb db;
	struct hull_err *err = NULL;
	int r = imagedb_load(&s, &db, &err);
	store_close(&s);
	if (r < 0)
		return cli_fail(err);
	if (format) {
		json_t *arr = json_array();
		for (size_t i = 0; i < db.n; i++) {
			const struct image_record *im = &db.v[i];
			json_t *names = json_array(), *rd = json_array();
			for (size_t k = 0; k < im->n_names; k++)
				json_array_append_new(names, json_string(im->names[k]));
			for (size_t k = 0; k < im->n_digests; k++)
				json_array_append_new(rd, json_string(im->digests[k]));
			json_array_append_new(arr, json_pack("{s:s,s:o,s:s,s:o,s:I,s:I,s:I}", "Id", im->id + 7, "Names", names,
							     "Digest", im->manifest, "RepoDigests", rd, "Size",
							     (json_int_t)im->size, "Created", (json_int_t)im->created,
							     "Layers", (json_int_t)im->n_layers));
		}
		json_dumpf(arr, stdout, JSON_INDENT(4));
		putchar('\n');
		json_decref(arr);
		imagedb_free(&db);
		return 0;
	}
	if (!quiet)
		printf("%-40s %-12s %s%-14s %-16s %s\n", "REPOSITORY", "TAG", digests ? "DIGEST                                                                   " : "",
		       "IMAGE ID", "CREATED", "SIZE");
	for (size_t i = 0; i < db.n; i++) {
		const struct image_record *im = &db.v[i];
		if (quiet) {
			printf("%.12s\n", im->id + 7);
			continue;
		}
		char size[48], ago[48];
		human_size(size, sizeof(size), im->size);
		human_ago(ago, sizeof(ago), im->created);
		size_t rows = im->n_names ? im->n_names : 1;
		for (size_t k = 0; k < rows; k++) {
			_cleanup_free_ char *repo = xstrdup(im->n_names ? im->names[k] : "<none>:<none>");
			char *colon = strrchr(repo, ':');
			const char *tag = "<none>";
			if (colon && !strchr(colon, '/')) {
				*colon = 0;
				tag = colon + 1;
			}
			printf("%-40s %-12s ", repo, tag);
			if (digests)
				printf("%-74s ", im->manifest);
			printf("%-14.12s %-16s %s\n", im->id + 7, ago, size);
		}
	}
	imagedb_free(&db);
	return 0;
}

/* The containers that exist and the images they use: rmi and prune pass them down to the image store,
 * which never asks the engine itself. */
struct image_users_list {
	struct engine e;
	struct ctr **cs;
	size_t n;
	struct image_user *v;
	struct image_users users;
};

static int image_users_load(struct hull_globals *g, struct image_users_list *l)
{
	struct hull_err *err = NULL;
	*l = (struct image_users_list){ 0 };
	if (engine_open(&l->e, g->root, &err) < 0)
		return cli_fail(err);
	if (ctr_list(&l->e, &l->cs, &l->n, &err) < 0) {
		engine_close(&l->e);
		return cli_fail(err);
	}
	l->v = xcalloc(l->n + 1, sizeof(*l->v));
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = (struct image_user){ .image_id = json_string_value(json_object_get(l->cs[i]->rec, "Image")),
					       .container = l->cs[i]->id, .name = ctr_name(l->cs[i]),
					       .running = !strcmp(ctr_status(l->cs[i]), "running") };
	l->users = (struct image_users){ .v = l->v, .n = l->n };
	return 0;
}

static void image_users_free(struct image_users_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ctr_free(l->cs[i]);
	free(l->cs);
	free(l->v);
	engine_close(&l->e);
}

/* For the commands that remove images: the containers that use them (never removed from under them) and
 * the store. On success the caller owns both. */
static int open_store_with_users(struct hull_globals *g, struct store *s, struct image_users_list *l)
{
	if (open_store(g, s))
		return 125;
	/* exclusive before the list: a create holds it shared from its image lookup until its record is
	 * written, so no container can appear between the list and the removal */
	struct hull_err *err = NULL;
	if (store_gc_lock(s, LOCK_EX, &err) < 0) {
		store_close(s);
		return cli_fail(err);
	}
	if (image_users_load(g, l)) {
		store_close(s);
		return 125;
	}
	return 0;
}

int cmd_rmi(struct hull_globals *g, int argc, char **argv)
{
	bool force = false;
	static const struct option opts[] = { { "force", no_argument, 0, 'f' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return 125;
		force = true;
	}
	if (optind >= argc) {
		fprintf(stderr, "hull: rmi: want at least one image\n");
		return 125;
	}
	struct image_users_list l;
	struct store s;
	if (open_store_with_users(g, &s, &l))
		return 125;
	struct hull_err *err = NULL;
	int r = image_remove(&s, argv + optind, (size_t)(argc - optind), force, &l.users, stdout, &err);
	store_close(&s);
	image_users_free(&l);
	return r < 0 ? cli_fail(err) : 0;
}

int cmd_tag(struct hull_globals *g, int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "hull: tag: want SOURCE TARGET\n");
		return 125;
	}
	struct store s;
	if (open_store(g, &s))
		return 125;
	struct hull_err *err = NULL;
	int r = image_tag(&s, argv[1], argv[2], &err);
	store_close(&s);
	return r < 0 ? cli_fail(err) : 0;
}

int cmd_inspect(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "hull: inspect: want an image\n");
		return 125;
	}
	struct store s;
	if (open_store(g, &s))
		return 125;
	int rc = 0;
	for (int i = 1; i < argc && rc == 0; i++) {
		struct image_info info;
		struct hull_err *err = NULL;
		if (image_resolve_in(&s, argv[i], &info, &err) < 0) {
			rc = cli_fail(err);
			break;
		}
		json_t *j = json_loadb(info.config, info.config_len, 0, NULL);
		json_dumpf(j, stdout, JSON_INDENT(4));
		putchar('\n');
		json_decref(j);
		image_info_free(&info);
	}
	store_close(&s);
	return rc;
}

static int image_prune_cmd(struct hull_globals *g, int argc, char **argv)
{
	struct image_users_list l;
	struct store s;
	if (open_store_with_users(g, &s, &l))
		return 125;
	struct hull_err *err = NULL;
	int r = image_prune(&s, &l.users, stdout, &err);
	store_close(&s);
	image_users_free(&l);
	return r < 0 ? cli_fail(err) : 0;
}

static int image_mount_cmd(struct hull_globals *g, int argc, char **argv)
{
	bool un = !strcmp(argv[0], "unmount") || !strcmp(argv[0], "umount");
	if (argc != 2) {
		fprintf(stderr, "hull: image %s: want one image\n", argv[0]);
		return 125;
	}
	struct store s;
	if (open_store(g, &s))
		return 125;
	struct hull_err *err = NULL;
	_cleanup_free_ char *path = NULL;
	int r = un ? image_unmount(&s, argv[1], &err) : image_mount(&s, argv[1], &path, &err);
	store_close(&s);
	if (r < 0)
		return cli_fail(err);
	if (path)
		printf("%s\n", path);
	return 0;
}

int cmd_image(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: hull image {ls|pull|rm|tag|inspect|load|save|prune|mount|unmount} ...\n");
		return 125;
	}
	const char *sub = argv[1];
	int (*fn)(struct hull_globals *, int, char **) = NULL;
	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		fn = cmd_images;
	else if (!strcmp(sub, "pull"))
		fn = cmd_pull;
	else if (!strcmp(sub, "rm"))
		fn = cmd_rmi;
	else if (!strcmp(sub, "tag"))
		fn = cmd_tag;
	else if (!strcmp(sub, "inspect"))
		fn = cmd_inspect;
	else if (!strcmp(sub, "load"))
		fn = cmd_load;
	else if (!strcmp(sub, "save"))
		fn = cmd_save;
	else if (!strcmp(sub, "prune"))
		fn = image_prune_cmd;
	else if (!strcmp(sub, "mount") || !strcmp(sub, "unmount") || !strcmp(sub, "umount"))
		fn = image_mount_cmd;
	if (!fn) {
		fprintf(stderr, "hull: image: no such subcommand: %s\n", sub);
		return 125;
	}
	optind = 0;
	return fn(g, argc - 1, argv + 1);
}
