/* samskap list [TYPE] [--json] [--kb PATH] */
#include "cli.h"

#include "samskap/record.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int cmd_list(int argc, char **argv)
{
	int rc = 0, json = 0;
	const char *kb_path = NULL;
	sk_kb *kb = NULL;
	sk_record **recs = NULL;
	size_t n = 0;
	sk_record_type type = SK_TYPE_COUNT;
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
			return sk_cli_usage(&sk_cmd_list, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_list, "takes at most one TYPE");
	if (argc - optind == 1 && sk_record_type_parse(&type, argv[optind]) < 0)
		return sk_cli_usage(&sk_cmd_list, "%s", sk_error_last());
	if ((rc = sk_kb_open(&kb, kb_path)) < 0)
		goto done;
	if ((rc = sk_kb_load_records(&recs, &n, kb, type, &diags)) < 0)
		goto done;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}",
				"id", recs[i]->id, "type", sk_record_type_name(recs[i]->type),
				"title", recs[i]->title, "path", recs[i]->path));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(arr);
	} else {
		int wid = 2, wtype = 4;
		for (size_t i = 0; i < n; i++) {
			int l = (int)strlen(recs[i]->id);
			int t = (int)strlen(sk_record_type_name(recs[i]->type));
			wid = l > wid ? l : wid;
			wtype = t > wtype ? t : wtype;
		}
		printf("%-*s  %-*s  %s\n", wid, "ID", wtype, "TYPE", "TITLE");
		for (size_t i = 0; i < n; i++)
			printf("%-*s  %-*s  %s\n", wid, recs[i]->id, wtype,
				sk_record_type_name(recs[i]->type), recs[i]->title);
	}
	if (diags.len)
		fprintf(stderr, "samskap: %zu file%s could not be read as records and %s left out (see 'samskap check')\n",
			diags.len, diags.len == 1 ? "" : "s", diags.len == 1 ? "is" : "are");
done:
	sk_diags_free(&diags);
	sk_records_free(recs, n);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_list = {
	"list", cmd_list, "List the records of the knowledge base",
	"usage: samskap list [TYPE] [--json] [--kb PATH]\n\n"
	"Lists every record (id, type, title), read from the files, or only\n"
	"those of TYPE: partnership, kommune, challenge, case, experiment, log,\n"
	"model. Files that do not parse are left out with a note on stderr.\n\n"
	"  --json      print a JSON array of {id, type, title, path}\n"
	"  --kb PATH   the knowledge base (default: the folder with samskap.json\n"
	"              at or above the current one)\n\n"
	"example: samskap list experiment"
};
