/* samskap compare ID ID... — initiatives side by side: each case or
 * experiment links a model and a scenario in its front matter; compare runs
 * each and shows one variable for all of them (table, CSV or JSON) and,
 * with --svg, a line chart. */
#include "cli.h"
#include "model_cli.h"

#include "samskap/record.h"
#include "samskap/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_years(double **out, size_t *n, const char *s)
{
	size_t nn;
	char **l = sk_cli_split_list(s, &nn);
	int rc = 0;
	*out = sk_calloc(nn + 1, sizeof(double));
	*n = 0;
	for (size_t i = 0; i < nn && rc == 0; i++) {
		char *end;
		double v = strtod(l[i], &end);
		if (end == l[i] || *end)
			rc = sk_cli_usage(&sk_cmd_compare, "--years: '%s' is not a number", l[i]);
		else
			(*out)[(*n)++] = v;
	}
	sk_cli_list_free(l, nn);
	return rc;
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{"var", required_argument, NULL, 'v'},
		{"years", required_argument, NULL, 'y'},
		{"svg", required_argument, NULL, 'g'},
		{"format", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}};
	const char *var = NULL, *svg = NULL, *format = "table";
	double *years = NULL;
	size_t nyears = 0, nruns = 0;
	sk_kb *kb = NULL;
	sk_record **recs = NULL;
	sk_cli_run *runs = NULL;
	int rc = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': var = optarg; break;
		case 'g': svg = optarg; break;
		case 'f': format = optarg; break;
		case 'j': format = "json"; break;
		case 'y':
			free(years);
			if ((rc = parse_years(&years, &nyears, optarg)) < 0)
				goto done;
			break;
		default:
			rc = sk_cli_usage(&sk_cmd_compare, "unknown option '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
		rc = sk_cli_usage(&sk_cmd_compare, "--format is table, csv or json, not '%s'", format);
		goto done;
	}
	if (optind >= argc) {
		rc = sk_cli_usage(&sk_cmd_compare, "name at least one case or experiment");
		goto done;
	}
	if ((rc = sk_kb_open(&kb, ".")) < 0)
		goto done;
	nruns = (size_t)(argc - optind);
	recs = sk_calloc(nruns, sizeof(sk_record *));
	runs = sk_calloc(nruns, sizeof(sk_cli_run));
	for (size_t i = 0; i < nruns; i++) {
		const char *id = argv[optind + (int)i];
		sk_diags diags = SK_DIAGS_INIT;
		rc = sk_kb_find_record(&recs[i], kb, id, &diags);
		if (rc < 0 && diags.len) {
			char *msg = sk_diag_format(&diags.items[0]);
			rc = sk_error_set(rc, "%s", msg);
			free(msg);
		}
		sk_diags_free(&diags);
		if (rc < 0)
			goto done;
		const sk_record *r = recs[i];
		if (r->type != SK_TYPE_CASE && r->type != SK_TYPE_EXPERIMENT) {
			rc = sk_error_set(SK_EINVALID, "%s is a %s; compare takes cases and experiments", id,
				sk_record_type_name(r->type));
			goto done;
		}
		const char *model = json_string_value(json_object_get(r->front, "model"));
		if (!model) {
			rc = sk_error_set(SK_EINVALID, "%s (%s) links no model: add 'model:' and 'scenario:' to its "
				"front matter", id, r->path);
			goto done;
		}
		runs[i].label = r->id;
		runs[i].model = model;
		runs[i].scenario = json_string_value(json_object_get(r->front, "scenario"));
	}
	rc = sk_cli_compare_runs(runs, nruns, var, years, nyears, format, svg, "tiltakene side om side");
done:
	for (size_t i = 0; recs && i < nruns; i++)
		sk_record_free(recs[i]);
	free(recs);
	free(runs);
	free(years);
	sk_kb_free(kb);
	return rc;
}

const sk_command sk_cmd_compare = {
	"compare", cmd_compare, "Compare the initiatives of cases or experiments through their models",
	"usage: samskap compare ID ID... [--var V] [--years 2030,2040] [--svg FILE]\n"
	"                       [--format table|csv|json]\n"
	"\n"
	"Each ID is a case or an experiment whose front matter links a model and a scenario\n"
	"(model: eldrebolgen-omsorg, scenario: velferdsteknologi). compare runs each model\n"
	"under its scenario and shows one variable (--var, else the first model's first\n"
	"output) side by side, with each run's difference from the first; --years picks the\n"
	"rows; --svg writes a line chart with one line per initiative."
};
