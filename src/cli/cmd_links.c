/* samskap links ID [--json] [--kb PATH] */
#include "cli.h"
#include "cli_index.h"

#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

static json_t *links_json(const sk_index_link *a, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s}", "id", a[i].id);
		json_object_set_new(o, "type", a[i].type ? json_string(a[i].type) : json_null());
		json_object_set_new(o, "title", a[i].title ? json_string(a[i].title) : json_null());
		json_object_set_new(o, "field", a[i].field ? json_string(a[i].field) : json_null());
		json_object_set_new(o, "exists", json_boolean(a[i].type != NULL));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void print_links(const char *heading, const sk_index_link *a, size_t n)
{
	printf("%s (%zu):\n", heading, n);
	for (size_t i = 0; i < n; i++) {
		if (a[i].type)
			printf("  %s (%s) %s", a[i].id, a[i].type, a[i].title);
		else
			printf("  %s (no such record)", a[i].id);
		printf("%s%s%s\n", a[i].field ? "  [" : "  [body", a[i].field ? a[i].field : "", "]");
	}
}

static int cmd_links(int argc, char **argv)
{
	int rc = 0, json = 0;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_index *ix = NULL;
	sk_index_links *l = NULL;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "kb", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "C:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'C': kb_path = optarg; break;
		default:
			return sk_cli_usage(&sk_cmd_links, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return sk_cli_usage(&sk_cmd_links, "needs one record ID");
	if ((rc = sk_cli_index_open(&kb, &ix, kb_path, 0, NULL)) != 0)
		goto done;
	if ((rc = sk_index_links_get(&l, ix, argv[optind])) != 0)
		goto done;
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", l->id, "type", l->type,
			"title", l->title, "links", links_json(l->out, l->n_out),
			"backlinks", links_json(l->in, l->n_in));   /* "o" steals both arrays */
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		printf("%s (%s) %s\n", l->id, l->type, l->title);
		print_links("links to", l->out, l->n_out);
		print_links("linked from", l->in, l->n_in);
	}
done:
	sk_index_links_free(l);
	sk_index_free(ix);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_links = {
	"links", cmd_links, "Show a record's links and backlinks",
	"usage: samskap links ID [--json] [--kb PATH]\n\n"
	"Lists the records ID links to (front-matter fields such as kommuner and\n"
	"challenge, and [[id]] in the text; missing targets are marked) and the\n"
	"records that link to ID.\n\n"
	"  --json      print them as JSON\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)"
};
