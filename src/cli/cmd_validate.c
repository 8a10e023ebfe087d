/* samskap validate: JSON files against a JSON Schema (a file, or the
 * bundled schema of a record type). */
#include "cli.h"

#include "samskap/schema.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Instances larger than this are refused rather than read whole. */
#define VALIDATE_MAX_BYTES (64u * 1024 * 1024)

/* Reads standard input whole (up to the same limit as a file). */
static int read_stdin(char **out, size_t *len)
{
	sk_buf b = SK_BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (b.len + n > VALIDATE_MAX_BYTES) {
			sk_buf_free(&b);
			return sk_error_set(SK_ETOOBIG, "standard input is over the limit of %u bytes",
				VALIDATE_MAX_BYTES);
		}
		sk_buf_put(&b, chunk, n);
	}
	if (ferror(stdin)) {
		sk_buf_free(&b);
		return sk_error_set(SK_EIO, "cannot read standard input");
	}
	*len = b.len;
	*out = sk_buf_detach(&b);
	return 0;
}

/* Validates one file; appends its diagnostics (file and position filled
 * in) to *diags. Returns 1 when the file is valid. */
static int validate_file(const sk_schema *schema, const char *path, sk_diags *diags)
{
	char *text = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	json_error_t err;
	sk_diags found = SK_DIAGS_INIT;
	int ok = 0;

	if (strcmp(path, "-") == 0) {
		if (read_stdin(&text, &len) < 0) {
			sk_diags_add(diags, SK_DIAG_ERROR, path, 0, 0, NULL, "%s", sk_error_last());
			goto done;
		}
	} else if (sk_file_read(&text, &len, path, VALIDATE_MAX_BYTES) < 0) {
		/* sk_file_read's message starts with the path already. */
		const char *msg = sk_error_last();
		size_t pl = strlen(path);
		if (strncmp(msg, path, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
			msg += pl + 2;
		sk_diags_add(diags, SK_DIAG_ERROR, path, 0, 0, NULL, "%s", msg);
		goto done;
	}
	doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (!doc) {
		sk_diags_add(diags, SK_DIAG_ERROR, path, err.line > 0 ? err.line : 0,
			err.column > 0 ? err.column : 0, NULL, "invalid JSON: %s", err.text);
		goto done;
	}
	ok = sk_schema_validate(schema, doc, &found) == 0;
	for (size_t i = 0; i < found.len; i++) {
		const sk_diag *d = &found.items[i];
		int line = 0, col = 0;
		sk_schema_locate(text, len, d->path ? d->path : "", &line, &col);
		sk_diags_add(diags, d->severity, path, line, col, d->path, "%s", d->message);
	}
done:
	sk_diags_free(&found);
	json_decref(doc);
	free(text);
	return ok;
}

static void print_text(const sk_diags *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const sk_diag *d = &diags->items[i];
		char *line = sk_diag_format(d);
		/* The instance path goes between the severity and the message. */
		if (d->path) {
			const char *sev = d->severity == SK_DIAG_ERROR ? "error: " : "warning: ";
			char *at = strstr(line, sev);
			size_t head = at ? (size_t)(at - line) + strlen(sev) : 0;
			printf("%.*s%s: %s\n", (int)head, line, *d->path ? d->path : "(root)", line + head);
		} else {
			printf("%s\n", line);
		}
		free(line);
	}
}

static json_t *diag_json(const sk_diag *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "severity", json_string(d->severity == SK_DIAG_ERROR ? "error" : "warning"));
	if (d->line > 0)
		json_object_set_new(o, "line", json_integer(d->line));
	if (d->col > 0)
		json_object_set_new(o, "col", json_integer(d->col));
	if (d->path)
		json_object_set_new(o, "path", json_string(d->path));
	json_object_set_new(o, "message", json_string(d->message));
	return o;
}

static int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"schema", required_argument, NULL, 's'},
		{"type", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}
	};
	const char *schema_path = NULL, *type = NULL;
	int json_out = 0, rc = 0, c;
	size_t invalid = 0, nfiles;
	sk_schema *schema = NULL;
	json_t *report = NULL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:t:", opts, NULL)) != -1) {
		switch (c) {
		case 's': schema_path = optarg; break;
		case 't': type = optarg; break;
		case 'j': json_out = 1; break;
		default:
			return sk_cli_usage(&sk_cmd_validate, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!schema_path == !type)
		return sk_cli_usage(&sk_cmd_validate, "give exactly one of --schema FILE and --type TYPE");
	if (optind >= argc)
		return sk_cli_usage(&sk_cmd_validate, "name at least one JSON file to validate");
	nfiles = (size_t)(argc - optind);

	if (schema_path)
		rc = sk_schema_load(&schema, schema_path);
	else
		rc = sk_schema_builtin(&schema, type);
	if (rc < 0)
		goto done;

	report = json_array();
	for (int i = optind; i < argc; i++) {
		sk_diags diags = SK_DIAGS_INIT;
		int ok = validate_file(schema, argv[i], &diags);
		invalid += !ok;
		if (json_out) {
			json_t *errors = json_array();
			for (size_t k = 0; k < diags.len; k++)
				json_array_append_new(errors, diag_json(&diags.items[k]));
			json_t *f = json_object();
			json_object_set_new(f, "file", json_string(argv[i]));
			json_object_set_new(f, "valid", json_boolean(ok));
			json_object_set_new(f, "errors", errors); /* stolen */
			json_array_append_new(report, f);
		} else if (ok) {
			printf("%s: valid\n", argv[i]);
		} else {
			print_text(&diags);
		}
		sk_diags_free(&diags);
	}
	if (json_out) {
		json_t *top = json_object();
		json_object_set_new(top, "schema", json_string(schema_path ? schema_path : type));
		json_object_set_new(top, "valid", json_boolean(invalid == 0));
		json_object_set_new(top, "files", json_incref(report));
		json_dumpf(top, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(top);
	}
	if (invalid)
		rc = sk_error_set(SK_EINVALID, "%zu of %zu file%s did not validate", invalid, nfiles,
			nfiles == 1 ? "" : "s");
done:
	json_decref(report);
	sk_schema_free(schema);
	return rc;
}

const sk_command sk_cmd_validate = {
	"validate", cmd_validate, "Validate JSON files against a JSON Schema",
	"usage: samskap validate (--schema FILE | --type TYPE) [--json] JSON...\n"
	"\n"
	"Validates each JSON file against a JSON Schema (draft 2020-12): the schema\n"
	"in FILE, or with --type the bundled schema of a record type (experiment,\n"
	"log, kommune, ...: the files schemas/TYPE.schema.json). Prints one line per\n"
	"problem, 'file:line:col: error: /path: message', where /path is the JSON\n"
	"pointer of the value at fault, and 'file: valid' for a file that passes.\n"
	"A file named - is standard input.\n"
	"\n"
	"  --schema FILE  the schema to validate against (itself checked first)\n"
	"  --type TYPE    a bundled record schema instead\n"
	"  --json         print the results as JSON\n"
	"\n"
	"Exit status: 0 when every file is valid, 1 when any is not (or the schema\n"
	"is itself invalid), 2 on wrong usage."
};
