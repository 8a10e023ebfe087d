/* samskap index [--rebuild] [--json] [--kb PATH] */
#include "cli.h"
#include "cli_index.h"

#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmd_index(int argc, char **argv)
{
	int rc = 0, json = 0, flags = 0;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_index_stats stats;
	static const struct option opts[] = {
		{ "rebuild", no_argument, NULL, 'r' },
		{ "committed", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "C:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': flags |= SK_INDEX_REBUILD; break;
		case 'c': flags |= SK_INDEX_COMMITTED; break;
		case 'j': json = 1; break;
		case 'C': kb_path = optarg; break;
		default:
			return sk_cli_usage(&sk_cmd_index, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return sk_cli_usage(&sk_cmd_index, "takes no arguments");
	double t0 = now_ms();
	if ((rc = sk_cli_index_open(&kb, &ix, kb_path, flags, &stats)) != 0)
		goto done;
	double ms = now_ms() - t0;
	if (json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f}",
			"source", stats.used_git ? "git" : "folder",
			"scanned", (json_int_t)stats.scanned, "indexed", (json_int_t)stats.indexed,
			"removed", (json_int_t)stats.removed, "invalid", (json_int_t)stats.invalid,
			"ms", ms);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		printf("index up to date (%s): %zu records read, %zu removed, %zu failing validation; %.0f ms\n",
			stats.used_git ? "git" : "folder", stats.indexed, stats.removed, stats.invalid, ms);
	}
done:
	sk_index_free(ix);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_index = {
	"index", cmd_index, "Bring the search index up to date (or rebuild it)",
	"usage: samskap index [--rebuild] [--committed] [--json] [--kb PATH]\n\n"
	"Updates KB/.samskap/index.sqlite: in a git repository from the commits\n"
	"since the last update and the uncommitted edits, in a plain folder from\n"
	"file sizes, times and contents. Only changed records are read again.\n"
	"Every command that reads the index (search, links, related) does this\n"
	"first, so running it by hand is seldom needed.\n\n"
	"  --rebuild   drop the index and read every record again\n"
	"  --committed follow commits only; do not scan the work tree for\n"
	"              uncommitted edits (quicker on a large KB nobody edits)\n"
	"  --json      print what the update did as JSON\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)"
};
