/* samskap log EXPERIMENT -m TEXT [--kind K] [--metric NAME=VALUE]... [--date D] */
#include "cli.h"
#include "cli_store.h"

#include "samskap/util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "metric", required_argument, NULL, 'M' },
		{ "date", required_argument, NULL, 'd' },
		{ "title", required_argument, NULL, 't' },
		{ "author", required_argument, NULL, 'a' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	sk_store_log_entry e;
	const char *author_spec = NULL, *kb_path = NULL;
	char **names = sk_calloc((size_t)argc + 1, sizeof *names);
	double *values = sk_calloc((size_t)argc + 1, sizeof *values);
	size_t n = 0;
	char *text = NULL, *path = NULL;
	sk_kb *kb = NULL;
	sk_store *st = NULL;
	sk_store_author author = { NULL, NULL };
	sk_diags diags = SK_DIAGS_INIT;
	sk_oid commit;
	int c, rc = 0;

	memset(&e, 0, sizeof e);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:C:", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			e.text = optarg;
			break;
		case 'k':
			e.kind = optarg;
			break;
		case 'd':
			e.date = optarg;
			break;
		case 't':
			e.title = optarg;
			break;
		case 'a':
			author_spec = optarg;
			break;
		case 'C':
			kb_path = optarg;
			break;
		case 'M': {
			const char *eq = strchr(optarg, '=');
			char *end = NULL;
			if (!eq || eq == optarg || !eq[1]) {
				rc = sk_cli_usage(&sk_cmd_log, "--metric takes NAME=VALUE, not '%s'", optarg);
				goto done;
			}
			errno = 0;
			double v = strtod(eq + 1, &end);
			if (errno || *end || !isfinite(v)) {
				rc = sk_error_set(SK_EINVALID, "--metric %s: '%s' is not a number", optarg, eq + 1);
				goto done;
			}
			names[n] = sk_strndup(optarg, (size_t)(eq - optarg));
			values[n++] = v;
			break;
		}
		default:
			rc = sk_cli_usage(&sk_cmd_log, "unknown option or missing value '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (argc - optind != 1) {
		rc = sk_cli_usage(&sk_cmd_log, "needs one EXPERIMENT id");
		goto done;
	}
	e.experiment = argv[optind];
	if (!e.text && !isatty(STDIN_FILENO)) {
		size_t len;
		text = sk_cli_read_stdin(&len);
		e.text = text;
	}
	if (!e.text || !*e.text) {
		rc = sk_cli_usage(&sk_cmd_log, "needs the entry's text: -m TEXT (or on stdin)");
		goto done;
	}
	e.metrics = (const char *const *)names;
	e.values = values;
	e.n_metrics = n;
	if ((rc = sk_cli_store_open(&kb, &st, kb_path, 1)) < 0)
		goto done;
	if ((rc = sk_store_author_resolve(&author, st, author_spec)) < 0)
		goto done;
	rc = sk_store_log_add(&commit, &path, st, &e, &author, &diags);
	if (rc < 0) {
		sk_cli_print_diags(&diags);
		goto done;
	}
	printf("Logged %s (commit %.7s)\n", path, commit.hex);
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(values);
	free(text);
	free(path);
	sk_diags_free(&diags);
	sk_store_author_free(&author);
	sk_store_free(st);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_log = {
	"log", cmd_log, "Add an entry to an experiment's log (one commit)",
	"usage: samskap log EXPERIMENT -m TEXT [--kind observation|measurement|decision]\n"
	"                   [--metric NAME=VALUE]... [--date YYYY-MM-DD] [--title T]\n"
	"                   [--author 'Name <email>'] [--kb PATH]\n"
	"\n"
	"Writes one new file experiments/EXPERIMENT/log/DATE-XXXXXX.md and commits it\n"
	"(\"log: EXPERIMENT (AUTHOR)\"); nothing else in the work tree is touched, and\n"
	"writers running at once never lose an entry.\n"
	"\n"
	"  -m, --message TEXT  the entry (Markdown); without it, read from stdin\n"
	"  --kind K            observation, measurement or decision (default:\n"
	"                      measurement with --metric, else observation)\n"
	"  --metric NAME=VALUE a measured value; NAME must be one of the experiment's metrics\n"
	"  --date D            the day the entry is about (default: today)\n"
	"  --author A          the commit's and entry's author (else SAMSKAP_AUTHOR,\n"
	"                      else git config user.name and user.email)"
};
