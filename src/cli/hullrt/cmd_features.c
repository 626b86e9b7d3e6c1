/* cmd_features.c — `hullrt features`: the runtime-spec features.md document, generated from the
 * same tables the config.json parser reads (src/oci/tables.c). */
#include "cli/hullrt/cli.h"
#include "oci/tables.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>

int cmd_features(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hullrt features\n\nShow the enabled features (runtime-spec features.md JSON).\n");
			return 0;
		}
		fprintf(stderr, "Usage: hullrt features\n");
		return 1;
	}
	if (optind < argc) {
		struct hull_err *err = NULL;
		hull_err_set(&err, 0, "features: unexpected argument \"%s\"", argv[optind]);
		return cli_fail(g, err);
	}
	_cleanup_free_ char *text = oci_features_json(HULLRT_VERSION);
	puts(text);
	return 0;
}
