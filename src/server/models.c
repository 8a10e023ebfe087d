/* Models: run one scenario, compare scenarios side by side (JSON), and
 * the model pages with SVG charts (one per output, a line per scenario). */
#include "server_int.h"

#include "samskap/model.h"
#include "samskap/record.h"
#include "samskap/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Most variables a request may ask for, and most scenarios compared. */
#define MAX_VARS 32
#define MAX_SCENARIOS 8
/* Charts a model page draws when the model lists no outputs. */
#define PAGE_CHARTS 6

static const char *str_or(const char *s, const char *d)
{
	return s ? s : d;
}

/* The model record (for its scenarios and units) and its file's path. */
static int model_record(sk_req *r, sk_record **rec, char **path, const char *id)
{
	*path = NULL;
	int rc = sk_server__record(r, rec, id);
	if (rc < 0)
		return rc;
	if ((*rec)->type != SK_TYPE_MODEL) {
		sk_record_free(*rec);
		*rec = NULL;
		return sk_error_set(SK_ENOTFOUND, "'%s' is not a model", id);
	}
	*path = sk_path_join(r->srv->kb_root, (*rec)->path);
	return 0;
}

/* 1 when the model's JSON names this scenario. */
static int has_scenario(const sk_record *rec, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(rec->front, "scenarios"), i, s)
		if (strcmp(str_or(json_string_value(json_object_get(s, "name")), ""), name) == 0)
			return 1;
	return 0;
}

static int check_scenario(sk_req *r, const sk_record *rec, const char *name)
{
	if (!name || has_scenario(rec, name))
		return 0;
	sk_buf names = SK_BUF_INIT;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(rec->front, "scenarios"), i, s) {
		if (names.len)
			sk_buf_puts(&names, ", ");
		sk_buf_puts(&names, str_or(json_string_value(json_object_get(s, "name")), "?"));
	}
	int rc = sk_server__fail(r, 400, "model '%s' has no scenario '%s' (it has: %s)",
		rec->id, name, names.len ? names.data : "none");
	sk_buf_free(&names);
	return rc;
}

/* Splits a comma-separated parameter into at most max parts (copies). */
static size_t split_list(char **out, size_t max, const char *s)
{
	size_t n = 0;
	while (s && *s && n < max) {
		size_t len = strcspn(s, ",");
		if (len)
			out[n++] = sk_strndup(s, len);
		s += len;
		if (*s == ',')
			s++;
	}
	return n;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
}

/* Compiles the model under a scenario (NULL: none) and runs it, keeping
 * the variables named in vars (none: the model's outputs, else all). */
static int run_one(sk_req *r, sk_model **m, sk_model_result **res, const char *path,
	const char *scenario, char **vars, size_t nvars)
{
	sk_model_options o = { scenario, NULL, 0, SK_MODEL_METHOD_DEFAULT };
	size_t idx[MAX_VARS];
	*m = NULL;
	*res = NULL;
	int rc = sk_model_load(m, path, &o);
	if (rc < 0)
		return sk_server__fail(r, 500, "the model does not compile: %s", sk_error_last());
	for (size_t i = 0; i < nvars; i++) {
		long k = sk_model_var_find(*m, vars[i]);
		if (k < 0) {
			rc = sk_server__fail(r, 400, "the model has no variable '%s'", vars[i]);
			goto fail;
		}
		idx[i] = (size_t)k;
	}
	size_t nout = 0;
	const size_t *outs = sk_model_outputs(*m, &nout);
	if (nvars == 0 && nout > MAX_VARS)
		nout = MAX_VARS;
	rc = sk_model_run(res, *m, nvars ? idx : nout ? outs : NULL, nvars ? nvars : nout);
	if (rc < 0) {
		rc = sk_server__fail(r, 500, "the run failed: %s", sk_error_last());
		goto fail;
	}
	return 0;
fail:
	sk_model_free(*m);
	*m = NULL;
	return rc;
}

static json_t *times_json(const sk_model_result *res)
{
	json_t *t = json_array();
	for (size_t i = 0; i < sk_model_result_times(res); i++)
		json_array_append_new(t, json_real(sk_model_result_time(res, i)));
	return t;
}

static json_t *values_json(const sk_model_result *res, size_t v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sk_model_result_times(res); i++) {
		double x = sk_model_result_value(res, i, v);
		json_array_append_new(a, isfinite(x) ? json_real(x) : json_null());
	}
	return a;
}

static json_t *scenario_names(const sk_record *rec)
{
	json_t *a = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(rec->front, "scenarios"), i, s)
		if (json_is_string(json_object_get(s, "name")))
			json_array_append(a, json_object_get(s, "name"));
	return a;
}

int sk_server__h_api_model_run(sk_req *r)
{
	sk_record *rec = NULL;
	char *path = NULL;
	char *vars[MAX_VARS];
	size_t nvars = 0;
	sk_model *m = NULL;
	sk_model_result *res = NULL;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = model_record(r, &rec, &path, r->params[0]);
	const char *scenario = sk_server__query(r, "scenario");
	if (scenario && !*scenario)
		scenario = NULL;
	if (rc == 0)
		rc = check_scenario(r, rec, scenario);
	if (rc == 0) {
		nvars = split_list(vars, MAX_VARS, sk_server__query(r, "vars"));
		rc = run_one(r, &m, &res, path, scenario, vars, nvars);
	}
	if (rc < 0)
		goto done;
	json_t *series = json_array();
	for (size_t v = 0; v < sk_model_result_vars(res); v++)
		json_array_append_new(series, json_pack("{s:s,s:o}", "name",
			sk_model_result_name(res, v), "values", values_json(res, v)));
	json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "model", rec->id,
		"name", sk_model_name(m) ? sk_model_name(m) : rec->id,
		"scenario", scenario ? json_string(scenario) : json_null(),
		"scenarios", scenario_names(rec), "times", times_json(res), "series", series);
	sk_server__json(r, 200, o);
done:
	free_list(vars, nvars);
	sk_model_result_free(res);
	sk_model_free(m);
	sk_record_free(rec);
	free(path);
	return rc;
}

/* Runs each scenario (all of the model's when none are named). */
typedef struct compare {
	char *names[MAX_SCENARIOS];
	size_t n;
	sk_model *models[MAX_SCENARIOS];
	sk_model_result *res[MAX_SCENARIOS];
} compare;

static void compare_free(compare *c)
{
	for (size_t i = 0; i < c->n; i++) {
		sk_model_result_free(c->res[i]);
		sk_model_free(c->models[i]);
		free(c->names[i]);
	}
	c->n = 0;
}

static int compare_run(sk_req *r, compare *c, const sk_record *rec, const char *path,
	const char *scenarios, char **vars, size_t nvars)
{
	memset(c, 0, sizeof *c);
	if (scenarios && *scenarios) {
		c->n = split_list(c->names, MAX_SCENARIOS, scenarios);
	} else {
		size_t i;
		json_t *s;
		json_array_foreach(json_object_get(rec->front, "scenarios"), i, s) {
			const char *name = json_string_value(json_object_get(s, "name"));
			if (name && c->n < MAX_SCENARIOS)
				c->names[c->n++] = sk_strdup(name);
		}
	}
	if (c->n == 0)
		c->names[c->n++] = sk_strdup("");  /* no scenarios: the model as it is */
	for (size_t i = 0; i < c->n; i++) {
		const char *name = *c->names[i] ? c->names[i] : NULL;
		int rc = check_scenario(r, rec, name);
		if (rc == 0)
			rc = run_one(r, &c->models[i], &c->res[i], path, name, vars, nvars);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sk_server__h_api_model_compare(sk_req *r)
{
	sk_record *rec = NULL;
	char *path = NULL;
	char *vars[MAX_VARS];
	size_t nvars = 0;
	compare c;
	memset(&c, 0, sizeof c);
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = model_record(r, &rec, &path, r->params[0]);
	if (rc == 0) {
		nvars = split_list(vars, MAX_VARS, sk_server__query(r, "vars"));
		rc = compare_run(r, &c, rec, path, sk_server__query(r, "scenarios"), vars, nvars);
	}
	if (rc < 0)
		goto done;
	json_t *variables = json_array();
	for (size_t v = 0; v < sk_model_result_vars(c.res[0]); v++) {
		json_t *per = json_array();
		for (size_t s = 0; s < c.n; s++)
			json_array_append_new(per, json_pack("{s:o,s:o}", "scenario",
				*c.names[s] ? json_string(c.names[s]) : json_null(),
				"values", values_json(c.res[s], v)));
		json_array_append_new(variables, json_pack("{s:s,s:o}", "name",
			sk_model_result_name(c.res[0], v), "scenarios", per));
	}
	sk_server__json(r, 200, json_pack("{s:s,s:o,s:o}", "model", rec->id,
		"times", times_json(c.res[0]), "variables", variables));
done:
	compare_free(&c);
	free_list(vars, nvars);
	sk_record_free(rec);
	free(path);
	return rc;
}

/* The unit a model gives a variable (stocks, flows, auxiliaries,
 * parameters carry "units"), or NULL. */
static const char *unit_of(const sk_record *rec, const char *var)
{
	static const char *const kinds[] = { "stocks", "flows", "auxiliaries", "parameters" };
	for (size_t k = 0; k < 4; k++) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(rec->front, kinds[k]), i, x) {
			const char *name = json_string_value(json_object_get(x, "name"));
			if (name && strcmp(name, var) == 0) {
				const char *u = json_string_value(json_object_get(x, "units"));
				return u ? u : json_string_value(json_object_get(x, "unit"));
			}
		}
	}
	return NULL;
}

/* The title a scenario gives itself, else its name. */
static const char *scenario_title(const sk_record *rec, const char *name)
{
	size_t i;
	json_t *s;
	if (!*name)
		return "Modellen";
	json_array_foreach(json_object_get(rec->front, "scenarios"), i, s) {
		if (strcmp(str_or(json_string_value(json_object_get(s, "name")), ""), name) == 0) {
			const char *t = json_string_value(json_object_get(s, "title"));
			return t ? t : name;
		}
	}
	return name;
}

/* One chart per variable of a comparison, a line per scenario. */
static void compare_charts(sk_buf *b, const sk_record *rec, compare *c, size_t max)
{
	size_t nt = sk_model_result_times(c->res[0]);
	double *x = sk_calloc(nt ? nt : 1, sizeof *x);
	double *ys = sk_calloc(sk_mul_size(c->n, nt ? nt : 1), sizeof *ys);
	for (size_t t = 0; t < nt; t++)
		x[t] = sk_model_result_time(c->res[0], t);
	size_t nv = sk_model_result_vars(c->res[0]);
	for (size_t v = 0; v < nv && v < max; v++) {
		sk_chart_series series[MAX_SCENARIOS];
		for (size_t s = 0; s < c->n; s++) {
			for (size_t t = 0; t < nt; t++)
				ys[s * nt + t] = sk_model_result_value(c->res[s], t, v);
			series[s].name = scenario_title(rec, c->names[s]);
			series[s].x = x;
			series[s].y = ys + s * nt;
			series[s].n = nt;
		}
		const char *var = sk_model_result_name(c->res[0], v);
		const char *unit = unit_of(rec, var);
		char *ylab = unit ? sk_printf("%s (%s)", var, unit) : sk_strdup(var);
		sk_chart chart = { var, "År", ylab, series, c->n, 0, 0 };
		sk_buf_puts(b, "<figure class=\"chart\">\n");
		if (sk_report_chart_svg(b, &chart) < 0) {
			sk_buf_puts(b, "<p>Ingen verdier å tegne for ");
			sk_server__esc(b, var);
			sk_buf_puts(b, ".</p>");
		}
		sk_buf_puts(b, "</figure>\n");
		free(ylab);
	}
	free(x);
	free(ys);
}

int sk_server__h_models_page(sk_req *r)
{
	sk_record **recs = NULL;
	size_t n = 0;
	int rc = sk_server__records(r, &recs, &n, SK_TYPE_MODEL);
	if (rc < 0)
		return rc;
	sk_buf *b = &r->out;
	sk_server__page_begin(r, "Modeller");
	sk_buf_printf(b, "<h1>Modeller <span class=\"count\">(%zu)</span></h1>\n"
		"<p>Scenariomodeller som casene og eksperimentene lenker til. Velg en modell for "
		"å kjøre og sammenligne scenarioene.</p>\n<ul>\n", n);
	for (size_t i = 0; i < n; i++) {
		sk_buf_puts(b, "<li><a href=\"/models/");
		sk_buf_puts(b, recs[i]->id);
		sk_buf_puts(b, "\">");
		sk_server__esc(b, recs[i]->title);
		sk_buf_puts(b, "</a>");
		const char *d = json_string_value(json_object_get(recs[i]->front, "summary"));
		if (!d)
			d = json_string_value(json_object_get(recs[i]->front, "description"));
		if (d) {
			sk_buf_puts(b, " – ");
			sk_server__esc(b, d);
		}
		sk_buf_puts(b, "</li>\n");
	}
	sk_buf_puts(b, "</ul>\n");
	sk_server__page_end(r, 200);
	sk_records_free(recs, n);
	return 0;
}

int sk_server__h_model_page(sk_req *r)
{
	sk_record *rec = NULL;
	char *path = NULL;
	compare c;
	memset(&c, 0, sizeof c);
	sk_buf chosen = SK_BUF_INIT;
	int rc = sk_server__check_query(r);
	if (rc == 0)
		rc = model_record(r, &rec, &path, r->params[0]);
	if (rc < 0)
		goto done;
	/* Scenarios ticked in the form arrive as s=NAME, one each. */
	json_t *names = scenario_names(rec);
	size_t i;
	json_t *s;
	json_array_foreach(names, i, s) {
		char *key = sk_printf("s-%s", json_string_value(s));
		if (sk_server__query(r, key)) {
			if (chosen.len)
				sk_buf_putc(&chosen, ',');
			sk_buf_puts(&chosen, json_string_value(s));
		}
		free(key);
	}
	rc = compare_run(r, &c, rec, path, chosen.len ? chosen.data : NULL, NULL, 0);
	if (rc < 0) {
		json_decref(names);
		goto done;
	}
	sk_buf *b = &r->out;
	sk_server__page_begin(r, rec->title);
	sk_buf_puts(b, "<p class=\"crumbs\"><a href=\"/models\">Modeller</a></p>\n<h1>");
	sk_server__esc(b, rec->title);
	sk_buf_puts(b, "</h1>\n");
	if (json_is_true(json_object_get(rec->front, "example")) ||
		json_is_true(json_object_get(rec->front, "illustrative")))
		sk_buf_puts(b, "<p class=\"example\"><strong>Illustrasjon:</strong> tallene viser "
			"hvordan scenarioene virker, de er ikke en prognose.</p>\n");
	const char *d = json_string_value(json_object_get(rec->front, "description"));
	if (d) {
		sk_buf_puts(b, "<div class=\"body\">");
		sk_server__markdown(b, d);
		sk_buf_puts(b, "</div>\n");
	}
	sk_buf_puts(b, "<form method=\"get\" class=\"scenarios\">\n<fieldset><legend>Scenarioer</legend>\n");
	json_array_foreach(names, i, s) {
		const char *name = json_string_value(s);
		int on = 0;
		for (size_t k = 0; k < c.n; k++)
			on |= strcmp(c.names[k], name) == 0;
		sk_buf_puts(b, "<label class=\"check\"><input type=\"checkbox\" name=\"s-");
		sk_server__esc(b, name);
		sk_buf_puts(b, on ? "\" checked> " : "\"> ");
		sk_server__esc(b, scenario_title(rec, name));
		sk_buf_puts(b, "</label>\n");
	}
	json_decref(names);
	sk_buf_puts(b, "<button type=\"submit\">Sammenlign</button>\n</fieldset>\n</form>\n");
	compare_charts(b, rec, &c, PAGE_CHARTS);
	sk_buf_puts(b, "<p>Som data: <a href=\"/api/models/");
	sk_buf_puts(b, rec->id);
	sk_buf_puts(b, "/compare\">JSON</a>. Modellfilen: ");
	sk_server__record_link(b, rec->id, rec->path);
	sk_buf_puts(b, ".</p>\n");
	sk_server__page_end(r, 200);
done:
	sk_buf_free(&chosen);
	compare_free(&c);
	sk_record_free(rec);
	free(path);
	return rc;
}

/* On a case's or experiment's page: its model's chart, the baseline
 * against its scenario, for the model's first output. Quietly nothing
 * when the model is missing or does not run: the page is about the case. */
void sk_server__model_section(sk_req *r, const sk_record *rec)
{
	const char *model = json_string_value(json_object_get(rec->front, "model"));
	const char *scenario = json_string_value(json_object_get(rec->front, "scenario"));
	if (!model || !sk_id_valid(model) || rec->type == SK_TYPE_MODEL)
		return;
	sk_record *mrec = NULL;
	char *path = NULL;
	compare c;
	memset(&c, 0, sizeof c);
	int fail = r->fail_status;
	if (model_record(r, &mrec, &path, model) < 0)
		goto done;
	sk_buf list = SK_BUF_INIT;
	if (has_scenario(mrec, "baseline"))
		sk_buf_puts(&list, "baseline");
	if (scenario && has_scenario(mrec, scenario) && strcmp(scenario, "baseline") != 0) {
		if (list.len)
			sk_buf_putc(&list, ',');
		sk_buf_puts(&list, scenario);
	}
	int rc = compare_run(r, &c, mrec, path, list.len ? list.data : NULL, NULL, 0);
	sk_buf_free(&list);
	if (rc < 0)
		goto done;
	sk_buf *b = &r->out;
	sk_buf_puts(b, "<h2>Modell: ");
	sk_server__esc(b, mrec->title);
	sk_buf_puts(b, "</h2>\n");
	compare_charts(b, mrec, &c, 1);
	sk_buf_puts(b, "<p><a href=\"/models/");
	sk_buf_puts(b, mrec->id);
	sk_buf_puts(b, "\">Alle scenarioer og utdata</a></p>\n");
done:
	sk_error_clear();
	r->fail_status = fail;
	compare_free(&c);
	sk_record_free(mrec);
	free(path);
}
