/* samskap related ID [--limit N] [--json] [--kb PATH] */
#include "cli.h"
#include "cli_index.h"

#include "samskap/util.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static int cmd_related(int argc, char **argv)
{
	int rc = 0, json = 0;
	size_t limit = 10;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_search_result *res = NULL;
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "C:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': {
			char *end = NULL;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || !end || *end || v < 1 || v > 1000)
				return sk_cli_usage(&sk_cmd_related, "--limit wants a number from 1 to 1000, not '%s'", optarg);
			limit = (size_t)v;
			break;
		}
		case 'j': json = 1; break;
		case 'C': kb_path = optarg; break;
		default:
			return sk_cli_usage(&sk_cmd_related, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return sk_cli_usage(&sk_cmd_related, "needs one record ID");
	if ((rc = sk_cli_index_open(&kb, &ix, kb_path, 0, NULL)) != 0)
		goto done;
	if ((rc = sk_index_related(&res, ix, argv[optind], limit)) != 0)
		goto done;
	if (json) {
		json_t *hits = json_array();
		for (size_t i = 0; i < res->n_hits; i++) {
			const sk_search_hit *h = &res->hits[i];
			json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f}",
				"id", h->id, "type", h->type, "path", h->path, "title", h->title,
				"why", h->snippet, "score", h->score));
		}
		json_t *j = json_pack("{s:s, s:o}", "id", argv[optind], "related", hits); /* steals hits */
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		if (res->n_hits == 0)
			printf("no related records\n");
		for (size_t i = 0; i < res->n_hits; i++) {
			const sk_search_hit *h = &res->hits[i];
			printf("%5.1f  %s  %s (%s)  %s\n", h->score, h->title, h->id, h->type, h->snippet);
		}
	}
done:
	sk_search_result_free(res);
	sk_index_free(ix);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_related = {
	"related", cmd_related, "List the records closest to a record",
	"usage: samskap related ID [--limit N] [--json] [--kb PATH]\n\n"
	"Ranks other records by how close they are to ID: links between them,\n"
	"links to the same records, shared tags, and text that shares ID's most\n"
	"distinctive words.\n\n"
	"  --limit N   show at most N records (default 10)\n"
	"  --json      print them as JSON\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)"
};
