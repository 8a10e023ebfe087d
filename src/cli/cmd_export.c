/* samskap export --out DIR [--kb PATH] [--since DATE] [--no-history] [--quiet] */
#include "cli.h"

#include "samskap/record.h"
#include "samskap/report.h"
#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A progress bar on a terminal, redrawn only when the percentage moves. */
typedef struct progress {
	int last;
} progress;

static void show_progress(size_t done, size_t total, void *ctx)
{
	progress *p = ctx;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct > 100)
		pct = 100;
	if (pct == p->last)
		return;
	p->last = pct;
	char bar[31];
	int full = pct * 30 / 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < full ? '#' : '-';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %zu/%zu", bar, pct, done, total);
	fflush(stderr);
}

static int cmd_export(int argc, char **argv)
{
	int rc = 0, quiet = 0;
	const char *kb_path = NULL, *outdir = NULL;
	sk_status_opts so = {0};
	sk_kb *kb = NULL;
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ "today", required_argument, NULL, 't' },
		{ "no-history", no_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "o:C:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 's': so.since = optarg; break;
		case 't': so.today = optarg; break;
		case 'H': so.no_history = 1; break;
		case 'q': quiet = 1; break;
		case 'C': kb_path = optarg; break;
		default:
			if (optopt && strchr("ostC", optopt))
				return sk_cli_usage(&sk_cmd_export, "option '%s' needs a value", argv[optind - 1]);
			return sk_cli_usage(&sk_cmd_export, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sk_cli_usage(&sk_cmd_export, "unexpected argument '%s'", argv[optind]);
	if (!outdir)
		return sk_cli_usage(&sk_cmd_export, "--out DIR is required");
	if (so.since && !sk_date_valid(so.since))
		return sk_cli_usage(&sk_cmd_export, "--since: '%s' is not a date (YYYY-MM-DD)", so.since);
	if (so.today && !sk_date_valid(so.today))
		return sk_cli_usage(&sk_cmd_export, "--today: '%s' is not a date (YYYY-MM-DD)", so.today);
	if ((rc = sk_kb_open(&kb, kb_path)) < 0)
		goto done;
	progress p = { -1 };
	int bar = !quiet && isatty(fileno(stderr));
	sk_export_stats st;
	rc = sk_report_export(&st, kb, outdir, &so, bar ? show_progress : NULL, &p);
	if (bar)
		fputs("\n", stderr);
	if (rc < 0)
		goto done;
	if (!quiet)
		printf("exported %zu records to %s: %zu files, %zu written, %zu unchanged, %zu removed\n",
			st.records, outdir, st.pages, st.written, st.unchanged, st.removed);
done:
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_export = {
	"export", cmd_export, "Write the knowledge base as a static web site",
	"usage: samskap export --out DIR [--since DATE] [--today DATE] [--no-history]\n"
	"                      [--quiet] [--kb PATH]\n\n"
	"Writes a static site of the whole knowledge base into DIR: every record as a\n"
	"page (Markdown rendered safely, front matter as a table, links, backlinks,\n"
	"history and linked model charts), index pages per type, kommune and challenge,\n"
	"the status overview (status.html) and a search page that works opened from\n"
	"disk. Links are relative, so the folder can be served from anywhere. A second\n"
	"run rewrites only pages whose content changed and removes pages of records\n"
	"that are gone. DIR must be new, empty or an earlier export.\n\n"
	"  --out DIR        the folder to write (required)\n"
	"  --since DATE     start of the status page's period (default: 90 days ago)\n"
	"  --today DATE     end of the status page's period (default: today, UTC)\n"
	"  --no-history     leave git history out of the pages\n"
	"  --quiet          no progress bar and no summary\n"
	"  --kb PATH        the knowledge base (default: found from the current folder)\n"
};
