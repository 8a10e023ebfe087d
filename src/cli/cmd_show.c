/* samskap show ID [--json] [--kb PATH] */
#include "cli.h"

#include "samskap/record.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints one front matter value: text as it is, anything else as JSON. */
static void print_value(const char *key, json_t *v)
{
	if (json_is_string(v)) {
		printf("%s: %s\n", key, json_string_value(v));
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	printf("%s: %s\n", key, s ? s : "?");
	free(s);
}

static int cmd_show(int argc, char **argv)
{
	int rc = 0, json = 0;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_record *rec = NULL;
	sk_diags diags = SK_DIAGS_INIT;
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
			return sk_cli_usage(&sk_cmd_show, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return sk_cli_usage(&sk_cmd_show, "needs one record ID");
	if ((rc = sk_kb_open(&kb, kb_path)) < 0)
		goto done;
	if ((rc = sk_kb_find_record(&rec, kb, argv[optind], &diags)) < 0)
		goto done;
	if (json) {
		json_t *j = NULL;
		sk_record_to_json(&j, rec);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
		goto done;
	}
	printf("id: %s\ntype: %s\npath: %s\n", rec->id, sk_record_type_name(rec->type), rec->path);
	if (rec->type == SK_TYPE_MODEL) {
		json_dumpf(rec->front, stdout, JSON_INDENT(2));
		printf("\n");
		goto done;
	}
	const char *key;
	json_t *v;
	json_object_foreach(rec->front, key, v)
		print_value(key, v);
	const char *body = rec->body;
	while (*body == '\n' || *body == '\r')
		body++;
	if (*body)
		printf("\n%s%s", body, body[strlen(body) - 1] == '\n' ? "" : "\n");
done:
	sk_diags_free(&diags);
	sk_record_free(rec);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_show = {
	"show", cmd_show, "Show one record",
	"usage: samskap show ID [--json] [--kb PATH]\n\n"
	"Prints the record with this id: its type and file, its front matter\n"
	"fields, then its Markdown body (a model: its JSON).\n\n"
	"  --json      print the record as JSON (id, type, path, title,\n"
	"              front, links, headings, body)\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)\n\n"
	"example: samskap show asker-velferdslab"
};
