/* samskap status [--format md|html|json] [--out FILE] [--since DATE]
 *                [--kommune K] [--challenge C] [--quiet-days N] [--kb PATH] */
#include "cli.h"
#include "cli_index.h"

#include "samskap/record.h"
#include "samskap/report.h"
#include "samskap/util.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_status(int argc, char **argv)
{
	int rc = 0;
	const char *kb_path = NULL, *format = NULL, *outfile = NULL;
	sk_status_opts so = {0};
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	json_t *st = NULL;
	char *text = NULL;
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ "today", required_argument, NULL, 't' },
		{ "kommune", required_argument, NULL, 'k' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "quiet-days", required_argument, NULL, 'q' },
		{ "no-history", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "f:o:C:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': outfile = optarg; break;
		case 's': so.since = optarg; break;
		case 't': so.today = optarg; break;
		case 'k': so.kommune = optarg; break;
		case 'c': so.challenge = optarg; break;
		case 'H': so.no_history = 1; break;
		case 'j': format = "json"; break;
		case 'C': kb_path = optarg; break;
		case 'q': {
			char *end = NULL;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || !end || *end || v < 1 || v > 100000)
				return sk_cli_usage(&sk_cmd_status, "--quiet-days: '%s' is not a number of days (1..100000)",
					optarg);
			so.quiet_days = (int)v;
			break;
		}
		default:
			if (optopt && strchr("fosCtkcq", optopt))
				return sk_cli_usage(&sk_cmd_status, "option '%s' needs a value", argv[optind - 1]);
			return sk_cli_usage(&sk_cmd_status, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sk_cli_usage(&sk_cmd_status, "unexpected argument '%s'", argv[optind]);
	if (!format) {
		/* The file name says what is wanted when --format does not. */
		const char *dot = outfile ? strrchr(outfile, '.') : NULL;
		format = dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0) ? "html" :
			dot && strcmp(dot, ".json") == 0 ? "json" : "md";
	}
	if (strcmp(format, "md") && strcmp(format, "html") && strcmp(format, "json"))
		return sk_cli_usage(&sk_cmd_status, "--format: '%s' is not one of md, html, json", format);
	if (so.since && !sk_date_valid(so.since))
		return sk_cli_usage(&sk_cmd_status, "--since: '%s' is not a date (YYYY-MM-DD)", so.since);
	if (so.today && !sk_date_valid(so.today))
		return sk_cli_usage(&sk_cmd_status, "--today: '%s' is not a date (YYYY-MM-DD)", so.today);

	/* The overview reads the records from the search index, brought up
	 * to date first (a progress bar on a terminal when that is long).
	 * A KB whose index cannot be written (a read-only folder) is read
	 * file by file instead: slower, the same figures. */
	if ((rc = sk_kb_open(&kb, kb_path)) < 0)
		goto done;
	sk_kb_free(kb);
	kb = NULL;
	if ((rc = sk_cli_index_open(&kb, &ix, kb_path, 0, NULL)) < 0) {
		fprintf(stderr, "samskap: the search index cannot be used (%s); reading every file instead\n",
			sk_error_last());
		sk_error_clear();
		if ((rc = sk_kb_open(&kb, kb_path)) < 0)
			goto done;
	}
	if ((rc = sk_report_status(&st, ix, kb, &so)) < 0)
		goto done;
	if (strcmp(format, "html") == 0)
		rc = sk_report_status_html(&text, st);
	else if (strcmp(format, "json") == 0)
		rc = sk_report_status_json(&text, st);
	else
		rc = sk_report_status_md(&text, st);
	if (rc < 0)
		goto done;
	if (outfile && strcmp(outfile, "-") != 0) {
		if ((rc = sk_file_write(outfile, text, strlen(text))) < 0)
			goto done;
		fprintf(stderr, "samskap: status overview written to %s\n", outfile);
	} else {
		fputs(text, stdout);
		if (fflush(stdout) != 0)
			rc = sk_error_set(SK_EIO, "writing the status overview: %s", strerror(errno));
	}
done:
	free(text);
	json_decref(st);
	sk_index_free(ix);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_status = {
	"status", cmd_status, "Write the partnership's status overview (Markdown, HTML or JSON)",
	"usage: samskap status [--format md|html|json] [--out FILE] [--since DATE]\n"
	"                      [--kommune ID] [--challenge ID] [--quiet-days N]\n"
	"                      [--today DATE] [--no-history] [--kb PATH]\n\n"
	"Writes the status overview of the knowledge base: per challenge the experiments\n"
	"by status, those started and completed in the period and those gone quiet; per\n"
	"experiment each metric's baseline, target, latest measured value and progress;\n"
	"per kommune whether it has logged in the period; the linked models' scenarios\n"
	"compared at the horizon year; recent changes from git; and the knowledge base's\n"
	"health. Labels are in Norwegian bokmål.\n\n"
	"  --format FMT     md (default), html (one self-contained page with charts) or json\n"
	"                   (every figure); guessed from --out's extension when not given\n"
	"  --out FILE       write to FILE instead of standard output\n"
	"  --since DATE     start of the period (default: 90 days before today)\n"
	"  --today DATE     end of the period (default: today, UTC)\n"
	"  --kommune ID     only experiments in this kommune\n"
	"  --challenge ID   only experiments on this challenge\n"
	"  --quiet-days N   a running experiment without a log entry for N days is quiet\n"
	"                   (default 60)\n"
	"  --no-history     leave out recent activity from git\n"
	"  --kb PATH        the knowledge base (default: found from the current folder)\n\n"
	"Examples:\n"
	"  samskap status --out status.html\n"
	"  samskap status --kommune asker --since 2025-01-01 --format md\n"
};
