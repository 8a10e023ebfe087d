/* samskap check [PATH] [--json] */
#include "cli.h"

#include "samskap/record.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How to name the KB root in front of its files so that the names work
 * from the current folder: "" (it is the current folder), a relative
 * prefix, or the absolute root. Caller frees. */
static char *root_prefix(const char *root)
{
	char *cwd = getcwd(NULL, 0);
	char *out = NULL;
	size_t n = strlen(root);

	if (!cwd)
		return sk_printf("%s/", root);
	size_t c = strlen(cwd);
	if (strcmp(cwd, root) == 0) {
		out = sk_strdup("");
	} else if (c > n && strncmp(cwd, root, n) == 0 && (cwd[n] == '/' || n == 1)) {
		sk_buf b = SK_BUF_INIT;
		for (const char *p = cwd + (n == 1 ? 0 : n); *p; p++)
			if (*p == '/')
				sk_buf_puts(&b, "../");
		out = sk_buf_detach(&b);
	} else if (n > c && strncmp(root, cwd, c) == 0 && (root[c] == '/' || c == 1)) {
		out = sk_printf("%s/", root + (c == 1 ? 1 : c + 1));
	} else {
		out = sk_printf("%s/", root);
	}
	free(cwd);
	return out;
}

static int cmd_check(int argc, char **argv)
{
	int rc = 0, json = 0;
	sk_kb *kb = NULL;
	sk_diags diags = SK_DIAGS_INIT;
	size_t checked = 0;
	char *prefix = NULL;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return sk_cli_usage(&sk_cmd_check, "unknown option '%s'", argv[optind - 1]);
		json = 1;
	}
	if (argc - optind > 1)
		return sk_cli_usage(&sk_cmd_check, "takes at most one PATH");
	if ((rc = sk_kb_open(&kb, argc - optind == 1 ? argv[optind] : ".")) < 0)
		goto done;
	rc = sk_kb_check_records(kb, &diags, &checked);
	if (rc < 0 && rc != SK_EINVALID)
		goto done;
	sk_diags_sort(&diags);
	size_t errors = sk_diags_errors(&diags), warnings = diags.len - errors;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < diags.len; i++) {
			const sk_diag *g = &diags.items[i];
			json_array_append_new(arr, json_pack("{s:s, s:o, s:i, s:i, s:o, s:s}",
				"severity", g->severity == SK_DIAG_ERROR ? "error" : "warning",
				"file", g->file ? json_string(g->file) : json_null(),
				"line", g->line, "col", g->col,
				"path", g->path ? json_string(g->path) : json_null(),
				"message", g->message));
		}
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:o}", "root", kb->root,
			"records", (json_int_t)checked, "errors", (json_int_t)errors,
			"warnings", (json_int_t)warnings, "diagnostics", arr);
		json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
	} else {
		prefix = root_prefix(kb->root);
		for (size_t i = 0; i < diags.len; i++) {
			sk_diag *g = &diags.items[i];
			if (g->file) {
				char *f = sk_printf("%s%s", prefix, g->file);
				free(g->file);
				g->file = f;
			}
			char *line = sk_diag_format(g);
			printf("%s\n", line);
			free(line);
		}
		printf("checked %zu record%s: %zu error%s, %zu warning%s\n", checked,
			checked == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
			warnings, warnings == 1 ? "" : "s");
	}
	if (errors)
		rc = sk_error_set(SK_EINVALID, "the knowledge base has %zu error%s", errors, errors == 1 ? "" : "s");
	else
		rc = 0;
done:
	free(prefix);
	sk_diags_free(&diags);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_check = {
	"check", cmd_check, "Check every record of a knowledge base",
	"usage: samskap check [PATH] [--json]\n\n"
	"Checks the knowledge base at PATH (or the one holding the current\n"
	"folder): every record and model parses and matches its schema, ids are\n"
	"unique slugs, every link names an existing record of the right type,\n"
	"every log entry sits under an existing experiment, and dates exist.\n"
	"Prints one line per problem, 'file:line:col: error: message' (and\n"
	"warnings, e.g. for stray files), sorted, then a summary. Exits 1 when\n"
	"there is any error.\n\n"
	"  --json   print {root, records, errors, warnings, diagnostics: [...]}\n\n"
	"example: samskap check content"
};
