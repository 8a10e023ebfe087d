/* Comparing model runs side by side: `samskap model compare` (one model,
 * several scenarios) and `samskap compare` (cases and experiments, each
 * linking a model and a scenario) share this. */
#include "cli.h"
#include "model_cli.h"

#include "samskap/model.h"
#include "samskap/util.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare_svg.h"

extern const sk_command sk_cmd_model;

typedef struct series {
	double *t, *y;
	size_t n;
	char *var;     /* the variable's name as the model writes it */
	char *unit;
} series;

/* Runs one model under one scenario and keeps `var` (NULL: the model's
 * first output, else its first variable). */
static int run_one(series *s, const sk_cli_run *run, const char *var)
{
	char *path = NULL;
	sk_model *m = NULL;
	sk_model_result *r = NULL;
	sk_model_options o = {run->scenario, NULL, 0, SK_MODEL_METHOD_DEFAULT};
	int rc;
	memset(s, 0, sizeof(*s));
	if ((rc = sk_cli_model_path(&path, run->model)) < 0)
		goto done;
	if ((rc = sk_model_load(&m, path, &o)) < 0)
		goto done;
	long vi;
	if (var) {
		vi = sk_model_var_find(m, var);
		if (vi < 0) {
			rc = sk_error_set(SK_ENOTFOUND, "model '%s' has no variable '%s'", run->model, var);
			goto done;
		}
	} else {
		size_t no;
		const size_t *outs = sk_model_outputs(m, &no);
		vi = no ? (long)outs[0] : 0;
		if (!sk_model_var_count(m)) {
			rc = sk_error_set(SK_EINVALID, "model '%s' has no variables", run->model);
			goto done;
		}
	}
	size_t v = (size_t)vi;
	if ((rc = sk_model_run(&r, m, &v, 1)) < 0)
		goto done;
	s->n = sk_model_result_times(r);
	s->t = sk_calloc(s->n + 1, sizeof(double));
	s->y = sk_calloc(s->n + 1, sizeof(double));
	for (size_t i = 0; i < s->n; i++) {
		s->t[i] = sk_model_result_time(r, i);
		s->y[i] = sk_model_result_value(r, i, 0);
	}
	s->var = sk_strdup(sk_model_var_name(m, v));
	if (sk_model_var_unit(m, v))
		s->unit = sk_strdup(sk_model_var_unit(m, v));
done:
	free(path);
	sk_model_result_free(r);
	sk_model_free(m);
	return rc;
}

static void series_free(series *s)
{
	free(s->t);
	free(s->y);
	free(s->var);
	free(s->unit);
}

/* Value of s at time t, or NAN when t is not a saved time. */
static double at(const series *s, double t)
{
	for (size_t i = 0; i < s->n; i++)
		if (fabs(s->t[i] - t) < 1e-9 * (1 + fabs(t)))
			return s->y[i];
	return NAN;
}

static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (fabs(v) >= 100 || v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.4g", v);
}

int sk_cli_compare_runs(const sk_cli_run *runs, size_t nruns, const char *var,
	const double *years, size_t nyears, const char *format, const char *svg,
	const char *title)
{
	series *ss = sk_calloc(nruns + 1, sizeof(series));
	double *rows = NULL;
	size_t nrows = 0;
	int rc = 0;
	for (size_t i = 0; i < nruns && rc == 0; i++)
		rc = run_one(&ss[i], &runs[i], var);
	if (rc < 0)
		goto done;
	if (years && nyears) {
		rows = sk_malloc(sizeof(double) * nyears);
		memcpy(rows, years, sizeof(double) * nyears);
		nrows = nyears;
		for (size_t k = 0; k < nrows; k++)
			if (isnan(at(&ss[0], rows[k]))) {
				rc = sk_error_set(SK_EINVALID, "year %g is not a saved time of the model (%g to %g)",
					rows[k], ss[0].t[0], ss[0].t[ss[0].n - 1]);
				goto done;
			}
	} else {
		rows = sk_malloc(sizeof(double) * (ss[0].n + 1));
		memcpy(rows, ss[0].t, sizeof(double) * ss[0].n);
		nrows = ss[0].n;
	}
	const char *vname = ss[0].var;
	if (!strcmp(format, "json")) {
		json_t *o = json_object(), *arr = json_array();
		json_object_set_new(o, "variable", json_string(vname));
		for (size_t i = 0; i < nruns; i++) {
			json_t *r = json_object(), *vals = json_array(), *diff = json_array();
			json_object_set_new(r, "label", json_string(runs[i].label));
			json_object_set_new(r, "model", json_string(runs[i].model));
			json_object_set_new(r, "scenario", runs[i].scenario ? json_string(runs[i].scenario) : json_null());
			for (size_t k = 0; k < nrows; k++) {
				double y = at(&ss[i], rows[k]), y0 = at(&ss[0], rows[k]);
				json_array_append_new(vals, isnan(y) ? json_null() : json_real(y));
				json_array_append_new(diff, isnan(y) || isnan(y0) ? json_null() : json_real(y - y0));
			}
			json_object_set_new(r, "values", vals);
			json_object_set_new(r, "difference", diff);
			json_array_append_new(arr, r);
		}
		json_t *t = json_array();
		for (size_t k = 0; k < nrows; k++)
			json_array_append_new(t, json_real(rows[k]));
		json_object_set_new(o, "times", t);
		json_object_set_new(o, "runs", arr);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', stdout);
		json_decref(o);
	} else if (!strcmp(format, "csv")) {
		printf("time");
		for (size_t i = 0; i < nruns; i++)
			printf(",%s", runs[i].label);
		for (size_t i = 1; i < nruns; i++)
			printf(",%s - %s", runs[i].label, runs[0].label);
		putchar('\n');
		for (size_t k = 0; k < nrows; k++) {
			printf("%.12g", rows[k]);
			for (size_t i = 0; i < nruns; i++)
				printf(",%.12g", at(&ss[i], rows[k]));
			for (size_t i = 1; i < nruns; i++)
				printf(",%.12g", at(&ss[i], rows[k]) - at(&ss[0], rows[k]));
			putchar('\n');
		}
	} else {
		printf("%s\n\n", vname);
		size_t w = 6;
		for (size_t i = 0; i < nruns; i++)
			if (strlen(runs[i].label) + 2 > w)
				w = strlen(runs[i].label) + 2;
		printf("%6s", "time");
		for (size_t i = 0; i < nruns; i++)
			printf("  %*s", (int)w, runs[i].label);
		for (size_t i = 1; i < nruns; i++) {
			char h[256];
			snprintf(h, sizeof(h), "diff %s", runs[i].label);
			printf("  %*s", (int)w, h);
		}
		putchar('\n');
		for (size_t k = 0; k < nrows; k++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%g", rows[k]);
			printf("%6s", buf);
			for (size_t i = 0; i < nruns; i++) {
				fmt_num(buf, sizeof(buf), at(&ss[i], rows[k]));
				printf("  %*s", (int)w, buf);
			}
			for (size_t i = 1; i < nruns; i++) {
				double d = at(&ss[i], rows[k]) - at(&ss[0], rows[k]);
				fmt_num(buf, sizeof(buf), d);
				char sb[72];
				snprintf(sb, sizeof(sb), "%s%s", d > 0 ? "+" : "", buf);
				printf("  %*s", (int)w, sb);
			}
			putchar('\n');
		}
	}
	if (svg) {
		sk_cli_chart_line *lines = sk_calloc(nruns, sizeof(sk_cli_chart_line));
		for (size_t i = 0; i < nruns; i++) {
			lines[i].name = runs[i].label;
			lines[i].x = ss[i].t;
			lines[i].y = ss[i].y;
			lines[i].n = ss[i].n;
		}
		char *ylab = ss[0].unit ? sk_printf("%s (%s)", vname, ss[0].unit) : sk_strdup(vname);
		char *full = title ? sk_printf("%s: %s", vname, title) : sk_strdup(vname);
		rc = sk_cli_chart_write(svg, full, ylab, lines, nruns);
		free(full);
		free(ylab);
		free(lines);
		if (rc == 0)
			fprintf(stderr, "wrote %s\n", svg);
	}
done:
	for (size_t i = 0; i < nruns; i++)
		series_free(&ss[i]);
	free(ss);
	free(rows);
	return rc;
}

/* "2030,2040" → numbers; *out is the caller's. */
static int parse_years(double **out, size_t *n, const char *s)
{
	size_t nn;
	char **l = sk_cli_split_list(s, &nn);
	*out = sk_calloc(nn + 1, sizeof(double));
	*n = 0;
	int rc = 0;
	for (size_t i = 0; i < nn && rc == 0; i++) {
		char *end;
		double v = strtod(l[i], &end);
		if (end == l[i] || *end)
			rc = sk_error_set(SK_EUSAGE, "--years: '%s' is not a number", l[i]);
		else
			(*out)[(*n)++] = v;
	}
	sk_cli_list_free(l, nn);
	return rc;
}

int sk_cli_model_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scenarios", required_argument, NULL, 's'},
		{"var", required_argument, NULL, 'v'},
		{"years", required_argument, NULL, 'y'},
		{"svg", required_argument, NULL, 'g'},
		{"format", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}};
	const char *scen = NULL, *var = NULL, *svg = NULL, *format = "table";
	double *years = NULL;
	size_t nyears = 0, ns = 0;
	char **names = NULL;
	sk_cli_run *runs = NULL;
	int rc = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': scen = optarg; break;
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
			rc = sk_cli_usage(&sk_cmd_model, "unknown option '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
		rc = sk_cli_usage(&sk_cmd_model, "--format is table, csv or json, not '%s'", format);
		goto done;
	}
	if (optind != argc - 1 || !scen) {
		rc = sk_cli_usage(&sk_cmd_model, "model compare takes one model and --scenarios a,b,...");
		goto done;
	}
	names = sk_cli_split_list(scen, &ns);
	if (ns < 1) {
		rc = sk_cli_usage(&sk_cmd_model, "--scenarios needs at least one scenario");
		goto done;
	}
	runs = sk_calloc(ns, sizeof(sk_cli_run));
	for (size_t i = 0; i < ns; i++) {
		runs[i].label = names[i];
		runs[i].model = argv[optind];
		runs[i].scenario = names[i];
	}
	rc = sk_cli_compare_runs(runs, ns, var, years, nyears, format, svg, "scenarioene side om side");
done:
	free(runs);
	sk_cli_list_free(names, ns);
	free(years);
	return rc;
}
