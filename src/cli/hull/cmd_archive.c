/* cmd_archive.c — load, save. */
#include "cli/hull/cli.h"
#include "image/archive.h"
#include "image/store.h"
#include "image/transfer.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_save(struct hull_globals *g, int argc, char **argv)
{
	const char *output = NULL, *format = "oci-archive";
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "format", required_argument, 0, 'f' }, { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'f': format = optarg; break;
		default: return 125;
		}
	}
	enum archive_format fmt;
	if (!strcmp(format, "oci-archive"))
		fmt = ARCHIVE_OCI;
	else if (!strcmp(format, "docker-archive"))
		fmt = ARCHIVE_DOCKER;
	else {
		fprintf(stderr, "hull: save: --format: want oci-archive or docker-archive, got \"%s\"\n", format);
		return 125;
	}
	if (!output || optind + 1 != argc) {
		fprintf(stderr, "Usage: hull save -o FILE [--format oci-archive|docker-archive] IMAGE\n");
		return 125;
	}
	struct hull_err *err = NULL;
	const struct image_transfer *tr;
	struct store s;
	if (cli_transfer_store(g, &tr, &s, &err) < 0)
		return cli_fail(err);
	int r = tr->save(&s, argv[optind], output, fmt, &err);
	store_close(&s);
	return r < 0 ? cli_fail(err) : 0;
}

int cmd_load(struct hull_globals *g, int argc, char **argv)
{
	const char *input = NULL;
	static const struct option opts[] = { { "input", required_argument, 0, 'i' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+i:q", opts, NULL)) != -1) {
		if (c == 'i')
			input = optarg;
		else if (c != 'q')
			return 125;
	}
	if (!input && optind < argc)
		input = argv[optind];
	if (!input) {
		fprintf(stderr, "Usage: hull load -i FILE|DIR\n");
		return 125;
	}
	struct hull_err *err = NULL;
	const struct image_transfer *tr;
	struct store s;
	if (cli_transfer_store(g, &tr, &s, &err) < 0)
		return cli_fail(err);
	int r = tr->load(&s, input, stdout, &err);
	store_close(&s);
	return r < 0 ? cli_fail(err) : 0;
}
