/* samskap search QUERY [--limit N] [--json] [--facets] [--kb PATH] */
#include "cli.h"
#include "cli_index.h"

#include "samskap/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a positive count for --limit. */
static int parse_limit(size_t *out, const char *s, const sk_command *cmd)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !end || *end || v < 1 || v > 10000)
		return sk_cli_usage(cmd, "--limit wants a number from 1 to 10000, not '%s'", s);
	*out = (size_t)v;
	return 0;
}

static json_t *facets_json(const sk_search_result *res)
{
	json_t *o = json_object();
	for (size_t i = 0; i < res->n_facets; i++) {
		json_t *arr = json_array();
		for (size_t k = 0; k < res->facets[i].n_values; k++)
			json_array_append_new(arr, json_pack("{s:s, s:I}", "value", res->facets[i].values[k].value,
				"count", (json_int_t)res->facets[i].values[k].count));
		json_object_set_new(o, res->facets[i].name, arr);   /* steals arr */
	}
	return o;
}

static void print_json(const char *query, const sk_search_result *res, int facets)
{
	json_t *hits = json_array();
	for (size_t i = 0; i < res->n_hits; i++) {
		const sk_search_hit *h = &res->hits[i];
		json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:b}",
			"id", h->id, "type", h->type, "path", h->path, "title", h->title,
			"snippet", h->snippet, "score", h->score, "valid", h->valid));
	}
	json_t *j = json_pack("{s:s, s:I, s:o}", "query", query, "total", (json_int_t)res->total,
		"hits", hits);   /* "o" steals hits */
	if (facets)
		json_object_set_new(j, "facets", facets_json(res));
	json_dumpf(j, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(j);
}

static void print_text(const sk_search_result *res, int facets, int color)
{
	if (res->n_hits == 0)
		printf("no records match\n");
	for (size_t i = 0; i < res->n_hits; i++) {
		const sk_search_hit *h = &res->hits[i];
		if (color)
			printf("\033[1m%s\033[0m  %s (%s)%s\n", h->title, h->id, h->type,
				h->valid ? "" : "  \033[31m[fails validation]\033[0m");
		else
			printf("%s  %s (%s)%s\n", h->title, h->id, h->type, h->valid ? "" : "  [fails validation]");
		if (*h->snippet)
			printf("    %s\n", h->snippet);
	}
	if (res->total > res->n_hits)
		printf("(%zu of %zu records shown; --limit N for more)\n", res->n_hits, res->total);
	if (!facets)
		return;
	for (size_t i = 0; i < res->n_facets; i++) {
		const sk_facet *f = &res->facets[i];
		printf("%s%s:", i == 0 ? "\n" : "", f->name);
		for (size_t k = 0; k < f->n_values; k++)
			printf("%s %s (%zu)", k ? "," : "", f->values[k].value, f->values[k].count);
		printf("\n");
	}
}

static int cmd_search(int argc, char **argv)
{
	int rc = 0, json = 0, facets = 0;
	size_t limit = 20;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_search_result *res = NULL;
	sk_buf query = SK_BUF_INIT;
	/* Options by hand rather than getopt: a query term may start with '-'
	 * (-skole, -type:log), so only the options below are options and
	 * everything else, or all after "--", is the query. */
	int only_query = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!only_query && strcmp(a, "--") == 0) {
			only_query = 1;
			continue;
		}
		if (!only_query && (strcmp(a, "--limit") == 0 || strcmp(a, "-n") == 0 ||
			strncmp(a, "--limit=", 8) == 0)) {
			val = a[1] == 'n' ? argv[++i] : a[7] == '=' ? a + 8 : argv[++i];
			if (!val)
				return sk_cli_usage(&sk_cmd_search, "--limit needs a number");
			if ((rc = parse_limit(&limit, val, &sk_cmd_search)) != 0)
				return rc;
		} else if (!only_query && (strcmp(a, "--kb") == 0 || strncmp(a, "--kb=", 5) == 0)) {
			kb_path = a[4] == '=' ? a + 5 : argv[++i];
			if (!kb_path)
				return sk_cli_usage(&sk_cmd_search, "--kb needs a folder");
		} else if (!only_query && strcmp(a, "--json") == 0) {
			json = 1;
		} else if (!only_query && strcmp(a, "--facets") == 0) {
			facets = 1;
		} else if (!only_query && strncmp(a, "--", 2) == 0) {
			return sk_cli_usage(&sk_cmd_search, "unknown option '%s'", a);
		} else {
			if (query.len)
				sk_buf_putc(&query, ' ');
			sk_buf_puts(&query, a);
		}
	}
	if (!query.len)
		return sk_cli_usage(&sk_cmd_search, "needs a query");
	if ((rc = sk_cli_index_open(&kb, &ix, kb_path, 0, NULL)) != 0)
		goto done;
	int color = sk_cli_color(stdout) && !json;
	sk_search_opts so = { limit, 0, facets, color ? "\033[1;33m" : "**", color ? "\033[0m" : "**" };
	if ((rc = sk_index_search(&res, ix, query.data, &so)) != 0)
		goto done;
	if (json)
		print_json(query.data, res, facets);
	else
		print_text(res, facets, color);
done:
	sk_search_result_free(res);
	sk_index_free(ix);
	sk_kb_free(kb);
	sk_buf_free(&query);
	return rc;
}

const sk_command sk_cmd_search = {
	"search", cmd_search, "Search the knowledge base",
	"usage: samskap search [--limit N] [--json] [--facets] [--kb PATH] QUERY...\n\n"
	"Finds records by their title, tags, text and front matter, ranked best\n"
	"first (title and tags weigh more than text), with a snippet around the\n"
	"match. Words are stemmed (kommunene finds kommune) and found inside\n"
	"compounds (teknologi finds velferdsteknologi); æ, ø and å stay letters of\n"
	"their own (mål does not find mal).\n\n"
	"Query:\n"
	"  eldre omsorg        records with both words\n"
	"  \"tidlig innsats\"    the phrase\n"
	"  omsorg OR pleie     either word\n"
	"  -skole              without the word\n"
	"  velferd*            words starting with velferd (not stemmed)\n"
	"  type:case  kommune:asker  challenge:ungt-utenforskap  status:running\n"
	"  tag:ungdom  since:2024-01-01  until:2025  and FIELD:value on any\n"
	"  front-matter field (kind:decision, example:false); -type:log excludes\n\n"
	"  --limit N   show at most N records (default 20)\n"
	"  --json      print the hits (and facets) as JSON\n"
	"  --facets    count the matches by type, kommune, challenge and status\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)"
};
