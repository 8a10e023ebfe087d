/* The status overview, computed once as a JSON object that carries every
 * figure the renderings show: per challenge, per experiment (metrics and
 * progress), per kommune, the key projections of linked models, recent
 * git activity and the KB's health. Renderers only format it. */
#include "report_int.h"

#include "samskap/model.h"
#include "samskap/store.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* How many commits to look at for recent activity, and to list. */
#define HISTORY_SCAN 200
#define HISTORY_SHOW 25
/* Files listed per commit (all are counted). */
#define PATHS_SHOW 20
/* At most this many health problems are listed (all are counted). */
#define HEALTH_SHOW 100
/* Outputs of one model compared; series points kept per scenario. */
#define PROJ_OUTPUTS 3
#define PROJ_POINTS 120
/* Experiments shown whole (the others are counted), and entries listed per
 * challenge as started, completed or quiet: a page read in five minutes. */
#define DETAIL_SHOW 40
#define LIST_SHOW 25

static const char *const exp_statuses[] = {"running", "planned", "completed", "stopped"};
#define N_STATUSES (sizeof exp_statuses / sizeof exp_statuses[0])

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* json_string for text that may not be valid UTF-8 (a commit message). */
static json_t *str_lossy(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	sk_buf b = SK_BUF_INIT;
	for (const char *p = s; *p; p++)
		sk_buf_putc(&b, (unsigned char)*p < 0x80 ? *p : '?');
	v = json_string(b.data ? b.data : "");
	sk_buf_free(&b);
	return v;
}

static json_t *status_counts(void)
{
	json_t *o = json_object();
	for (size_t i = 0; i < N_STATUSES; i++)
		json_object_set_new(o, exp_statuses[i], json_integer(0));
	return o;
}

static void count_inc(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* 1 when the string array `arr` (front matter) holds s. */
static int array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr) || !s)
		return 0;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static int date_of(long *days, const char *s)
{
	return s ? sk_report__date_days(days, s) : SK_EINVALID;
}

/* What the status counts of one experiment, from its summary. */
typedef struct exp_tally {
	long last;        /* day of its last log entry up to today, -1: none */
	long in_period;   /* log entries in the period */
	int quiet;
	long ref;         /* day quiet is counted from, -1: none */
} exp_tally;

/* The kommuner a log entry counts for: its own if it names any, else its
 * experiment's. */
static void log_kommuner(const sk_report__exp *e, const sk_report__log *l, char *const **v, size_t *n)
{
	*v = l->n_kommuner ? l->kommuner : e->kommuner;
	*n = l->n_kommuner ? l->n_kommuner : e->n_kommuner;
}

/* Counts one experiment: its log entries up to today, those in the period,
 * whether it is quiet; adds its entries to the kommuner's tallies in
 * `kom` (logs in the period, last log). */
static exp_tally exp_count(const sk_report__corpus *c, const sk_report__exp *e, long today,
	long since, int quiet_days, json_t *kom)
{
	exp_tally t = { -1, 0, 0, -1 };
	for (size_t i = 0; i < e->n_logs; i++) {
		const sk_report__log *l = &c->logs[e->logs[i]];
		long d;
		if (date_of(&d, l->date) < 0 || d > today)
			continue;
		if (d > t.last)
			t.last = d;
		char *const *ks;
		size_t nk;
		log_kommuner(e, l, &ks, &nk);
		if (d >= since)
			t.in_period++;
		for (size_t k = 0; k < nk; k++) {
			json_t *kt = json_object_get(kom, ks[k]);
			if (!kt)
				continue;
			if (d >= since)
				json_object_set_new(kt, "logs_in_period",
					json_integer(json_integer_value(json_object_get(kt, "logs_in_period")) + 1));
			/* Last log per kommune, in or out of the period. */
			const char *prev = sk_report__str(kt, "last_log");
			if (!prev || strcmp(l->date, prev) > 0)
				json_object_set_new(kt, "last_log", json_string(l->date));
		}
	}
	/* Quiet: a running experiment with no entry for quiet_days, counting
	 * from its start when it has none. */
	t.ref = t.last;
	long start;
	if (date_of(&start, e->start) == 0 && start > t.ref)
		t.ref = start;
	int running = e->status && strcmp(e->status, "running") == 0;
	t.quiet = running && (t.ref < 0 || today - t.ref >= quiet_days);
	return t;
}

/* One experiment's entry: its summary's figures, the whole record's
 * fields and each metric's baseline, target, latest measured value (from
 * its log) and progress. */
static json_t *experiment_entry(const sk_report__corpus *c, const sk_report__exp *e,
	const sk_report__detail *det, const exp_tally *t, long today)
{
	json_t *o = json_object();
	const json_t *f = det->exp ? det->exp->front : NULL;
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "title", json_string(e->title));
	json_object_set_new(o, "path", json_string(e->path));
	json_object_set_new(o, "status", str_or_null(e->status));
	json_object_set_new(o, "status_label", json_string(sk_report__status_label(e->status)));
	json_object_set_new(o, "challenge", str_or_null(e->challenge));
	const sk_record *chr = sk_report__corpus_get(c, e->challenge);
	json_object_set_new(o, "challenge_title", str_or_null(chr ? chr->title : e->challenge));
	json_t *koms = json_array();
	for (size_t k = 0; k < e->n_kommuner; k++)
		json_array_append_new(koms, json_string(e->kommuner[k]));
	json_object_set_new(o, "kommuner", koms);
	json_object_set_new(o, "start", str_or_null(e->start));
	json_object_set_new(o, "end", str_or_null(e->end));
	json_object_set_new(o, "owner", str_or_null(sk_report__str(f, "owner")));
	json_object_set_new(o, "example", json_boolean(sk_report__bool(f, "example")));
	json_object_set_new(o, "model", str_or_null(sk_report__str(f, "model")));
	json_object_set_new(o, "scenario", str_or_null(sk_report__str(f, "scenario")));
	json_object_set_new(o, "hypothesis", str_or_null(sk_report__str(f, "hypothesis")));
	json_object_set_new(o, "logs", json_integer((json_int_t)e->n_logs));
	json_object_set_new(o, "logs_in_period", json_integer(t->in_period));
	char buf[11];
	if (t->last >= 0) {
		sk_report__date_format(buf, t->last);
		json_object_set_new(o, "last_log", json_string(buf));
		json_object_set_new(o, "days_since_log", json_integer(today - t->last));
	} else {
		json_object_set_new(o, "last_log", json_null());
		json_object_set_new(o, "days_since_log", json_null());
	}
	json_object_set_new(o, "quiet", json_boolean(t->quiet));
	json_object_set_new(o, "days_quiet", t->ref >= 0 ? json_integer(today - t->ref) : json_null());

	/* Metrics: baseline, target, the latest measured value and progress. */
	json_t *metrics = json_array();
	size_t mi;
	json_t *m;
	json_array_foreach(json_object_get(f, "metrics"), mi, m) {
		const char *name = sk_report__str(m, "name");
		if (!name)
			continue;
		json_t *mo = json_object();
		json_object_set_new(mo, "name", json_string(name));
		json_object_set_new(mo, "unit", str_or_null(sk_report__str(m, "unit")));
		json_object_set_new(mo, "description", str_or_null(sk_report__str(m, "description")));
		json_t *bv = json_object_get(m, "baseline"), *tv = json_object_get(m, "target");
		double base = json_is_number(bv) ? json_number_value(bv) : NAN;
		double target = json_is_number(tv) ? json_number_value(tv) : NAN;
		json_object_set_new(mo, "baseline", isfinite(base) ? json_real(base) : json_null());
		json_object_set_new(mo, "target", isfinite(target) ? json_real(target) : json_null());
		json_t *series = json_array();
		double latest = NAN;
		const char *latest_date = NULL;
		for (size_t i = 0; i < det->n_logs; i++) {
			const json_t *lf = det->logs[i]->front;
			json_t *v = json_object_get(json_object_get(lf, "measurements"), name);
			const char *ds = sk_report__str(lf, "date");
			long d;
			if (!json_is_number(v) || date_of(&d, ds) < 0 || d > today)
				continue;
			json_t *pt = json_object();
			json_object_set_new(pt, "date", json_string(ds));
			json_object_set_new(pt, "value", json_real(json_number_value(v)));
			json_array_append_new(series, pt);
			latest = json_number_value(v);
			latest_date = ds;
		}
		json_object_set_new(mo, "latest", isfinite(latest) ? json_real(latest) : json_null());
		json_object_set_new(mo, "latest_date", str_or_null(latest_date));
		/* Progress: the share of the way from baseline to target, which
		 * may be below 0 (worse than at the start) or above 1. */
		if (isfinite(latest) && isfinite(base) && isfinite(target) && target != base)
			json_object_set_new(mo, "progress", json_real((latest - base) / (target - base)));
		else
			json_object_set_new(mo, "progress", json_null());
		json_object_set_new(mo, "measurements", series);
		json_array_append_new(metrics, mo);
	}
	json_object_set_new(o, "metrics", metrics);
	return o;
}

/* The output's unit: the "units" (or "unit") of the model variable of
 * that name, searched anywhere in the model's JSON. */
static const char *find_units(const json_t *v, const char *key)
{
	if (json_is_object(v)) {
		const char *name = sk_report__str(v, "name");
		if (name) {
			char *a = sk_model_name_key(name);
			int same = strcmp(a, key) == 0;
			free(a);
			if (same) {
				const char *u = sk_report__str(v, "units");
				if (!u)
					u = sk_report__str(v, "unit");
				if (u)
					return u;
			}
		}
		const char *k;
		json_t *child;
		json_object_foreach((json_t *)v, k, child) {
			const char *u = find_units(child, key);
			if (u)
				return u;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *child;
		json_array_foreach(v, i, child) {
			const char *u = find_units(child, key);
			if (u)
				return u;
		}
	}
	return NULL;
}

/* The scenario names of a model's JSON: "scenarios" as an object (name ->
 * definition) or an array of objects with "name"; with their titles. */
static json_t *model_scenarios(const json_t *front)
{
	json_t *out = json_array();
	json_t *sc = json_object_get(front, "scenarios");
	if (json_is_object(sc)) {
		const char *k;
		json_t *v;
		json_object_foreach(sc, k, v) {
			json_t *e = json_object();
			json_object_set_new(e, "name", json_string(k));
			const char *t = sk_report__str(v, "title");
			if (!t)
				t = sk_report__str(v, "label");
			json_object_set_new(e, "title", json_string(t ? t : k));
			json_array_append_new(out, e);
		}
	} else if (json_is_array(sc)) {
		size_t i;
		json_t *v;
		json_array_foreach(sc, i, v) {
			const char *n = sk_report__str(v, "name");
			if (!n)
				n = sk_report__str(v, "id");
			if (!n)
				continue;
			json_t *e = json_object();
			json_object_set_new(e, "name", json_string(n));
			const char *t = sk_report__str(v, "title");
			if (!t)
				t = sk_report__str(v, "label");
			json_object_set_new(e, "title", json_string(t ? t : n));
			json_array_append_new(out, e);
		}
	}
	return out;
}

/* Runs one model under each of its scenarios and compares the outputs at
 * the horizon (the model's stop time). Failures become the entry's
 * "error", so one broken model does not hide the others. */
json_t *sk_report__projection(const sk_kb *kb, const sk_record *mrec, json_t *linked_from)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(mrec->id));
	json_object_set_new(o, "title", json_string(mrec->title ? mrec->title : mrec->id));
	json_object_set_new(o, "path", json_string(mrec->path));
	json_object_set_new(o, "linked_from", linked_from);
	json_t *scen = model_scenarios(mrec->front);
	if (json_array_size(scen) == 0) {
		json_t *e = json_object();
		json_object_set_new(e, "name", json_null());
		json_object_set_new(e, "title", json_string("Standard"));
		json_array_append_new(scen, e);
	}
	char *path = sk_path_join(kb->root, mrec->path);
	json_t *outputs = json_array();
	char *err = NULL;
	size_t ns = json_array_size(scen);
	for (size_t s = 0; s < ns && !err; s++) {
		json_t *se = json_array_get(scen, s);
		sk_model_options mo = {0};
		mo.scenario = sk_report__str(se, "name");
		sk_model *m = NULL;
		sk_model_result *r = NULL;
		if (sk_model_load(&m, path, &mo) < 0) {
			err = sk_printf("%s", sk_error_last());
			break;
		}
		size_t nout = 0;
		const size_t *outs = sk_model_outputs(m, &nout);
		if (nout == 0) {
			err = sk_strdup("modellen oppgir ingen utdata (outputs)");
			sk_model_free(m);
			break;
		}
		if (nout > PROJ_OUTPUTS)
			nout = PROJ_OUTPUTS;
		if (sk_model_run(&r, m, outs, nout) < 0) {
			err = sk_printf("%s", sk_error_last());
			sk_model_free(m);
			break;
		}
		double start, stop, dt, saveper;
		sk_model_time(m, &start, &stop, &dt, &saveper);
		if (s == 0) {
			json_object_set_new(o, "start", json_real(start));
			json_object_set_new(o, "horizon", json_real(stop));
			for (size_t v = 0; v < nout; v++) {
				json_t *oe = json_object();
				const char *vn = sk_model_result_name(r, v);
				char *key = sk_model_name_key(vn);
				json_object_set_new(oe, "variable", json_string(vn));
				json_object_set_new(oe, "unit", str_or_null(find_units(mrec->front, key)));
				json_object_set_new(oe, "scenarios", json_array());
				free(key);
				json_array_append_new(outputs, oe);
			}
		}
		size_t nt = sk_model_result_times(r);
		size_t stride = nt > PROJ_POINTS ? (nt + PROJ_POINTS - 1) / PROJ_POINTS : 1;
		for (size_t v = 0; v < nout && v < json_array_size(outputs); v++) {
			json_t *sv = json_object();
			json_object_set_new(sv, "name", json_deep_copy(json_object_get(se, "name")));
			json_object_set_new(sv, "title", json_deep_copy(json_object_get(se, "title")));
			double v0 = nt ? sk_model_result_value(r, 0, v) : NAN;
			double vh = nt ? sk_model_result_value(r, nt - 1, v) : NAN;
			json_object_set_new(sv, "start_value", isfinite(v0) ? json_real(v0) : json_null());
			json_object_set_new(sv, "horizon_value", isfinite(vh) ? json_real(vh) : json_null());
			json_t *pts = json_array();
			for (size_t t = 0; t < nt; t += stride) {
				json_t *p = json_array();
				json_array_append_new(p, json_real(sk_model_result_time(r, t)));
				json_array_append_new(p, json_real(sk_model_result_value(r, t, v)));
				json_array_append_new(pts, p);
			}
			if (nt && (nt - 1) % stride) {
				json_t *p = json_array();
				json_array_append_new(p, json_real(sk_model_result_time(r, nt - 1)));
				json_array_append_new(p, json_real(vh));
				json_array_append_new(pts, p);
			}
			json_object_set_new(sv, "series", pts);
			json_array_append_new(json_object_get(json_array_get(outputs, v), "scenarios"), sv);
		}
		sk_model_result_free(r);
		sk_model_free(m);
	}
	/* Each scenario against the baseline ("baseline", else the first). */
	size_t i;
	json_t *oe;
	json_array_foreach(outputs, i, oe) {
		json_t *svs = json_object_get(oe, "scenarios");
		json_t *basev = json_array_get(svs, 0);
		size_t j;
		json_t *sv;
		json_array_foreach(svs, j, sv) {
			const char *n = sk_report__str(sv, "name");
			if (n && strcmp(n, "baseline") == 0)
				basev = sv;
		}
		json_object_set_new(oe, "baseline", json_deep_copy(json_object_get(basev, "name")));
		json_t *bh = json_object_get(basev, "horizon_value");
		json_array_foreach(svs, j, sv) {
			json_t *h = json_object_get(sv, "horizon_value");
			if (json_is_number(h) && json_is_number(bh))
				json_object_set_new(sv, "diff_vs_baseline",
					json_real(json_number_value(h) - json_number_value(bh)));
			else
				json_object_set_new(sv, "diff_vs_baseline", json_null());
		}
	}
	json_object_set_new(o, "outputs", outputs);
	json_object_set_new(o, "error", str_or_null(err));
	free(err);
	free(path);
	json_decref(scen);
	return o;
}

/* Adds model ids a record links to (its `model` and `models` fields)
 * into `models` (id -> array of linking record ids). */
static void collect_models(json_t *models, const sk_record *r)
{
	for (size_t i = 0; i < r->n_links; i++) {
		const sk_link *l = &r->links[i];
		if (!l->field || (strcmp(l->field, "model") != 0 && strcmp(l->field, "models") != 0))
			continue;
		json_t *from = json_object_get(models, l->target);
		if (!from) {
			from = json_array();
			json_object_set_new(models, l->target, from);
		}
		if (!array_has(from, r->id))
			json_array_append_new(from, json_string(r->id));
	}
}

/* The record an experiment's `case` field names, or NULL. */
static const sk_record *case_of(const sk_report__corpus *c, const sk_record *r)
{
	for (size_t i = 0; i < r->n_links; i++)
		if (r->links[i].field && strcmp(r->links[i].field, "case") == 0)
			return sk_report__corpus_get(c, r->links[i].target);
	return NULL;
}

static json_t *projections(const sk_report__corpus *c, const sk_kb *kb,
	const sk_report__exp *const *in_view, size_t n_view, int filtered)
{
	json_t *o = json_object();
	json_t *linked = json_object();
	/* Linked models: those the experiments in view (and their cases)
	 * link to; with no filter, every model of the KB as well. */
	for (size_t i = 0; i < n_view; i++) {
		const sk_record *r = sk_report__corpus_get(c, in_view[i]->id);
		if (!r)
			continue;
		collect_models(linked, r);
		const sk_record *cs = case_of(c, r);
		if (cs)
			collect_models(linked, cs);
	}
	if (!filtered) {
		/* Type by type, as the records' type order has them, whatever
		 * order the corpus is in. */
		static const sk_record_type linking[] = { SK_TYPE_PARTNERSHIP, SK_TYPE_CHALLENGE, SK_TYPE_CASE };
		for (size_t t = 0; t < sizeof linking / sizeof linking[0]; t++)
			for (size_t k = 0; k < c->n; k++)
				if (c->recs[k]->type == linking[t])
					collect_models(linked, c->recs[k]);
		for (size_t k = 0; k < c->n; k++)
			if (c->recs[k]->type == SK_TYPE_MODEL && !json_object_get(linked, c->recs[k]->id))
				json_object_set_new(linked, c->recs[k]->id, json_array());
	}
	json_t *models = json_array();
	json_t *missing = json_array();
	/* Stable order: the corpus's (type, then id). */
	for (size_t k = 0; k < c->n; k++) {
		const sk_record *r = c->recs[k];
		json_t *from = r->type == SK_TYPE_MODEL ? json_object_get(linked, r->id) : NULL;
		if (!from)
			continue;
		json_array_append_new(models, sk_report__projection(kb, r, json_incref(from)));
		json_object_del(linked, r->id);
	}
	const char *k;
	json_t *v;
	json_object_foreach(linked, k, v)
		json_array_append_new(missing, json_string(k));
	json_object_set_new(o, "available", json_boolean(json_array_size(models) > 0));
	json_object_set_new(o, "note", json_array_size(models) ? json_null() :
		json_string("Ingen modeller er koblet til forsøkene i utvalget."));
	json_object_set_new(o, "models", models);
	json_object_set_new(o, "missing", missing);
	json_decref(linked);
	return o;
}

/* Recent activity: commits in the period, newest first. */
static json_t *history(const sk_kb *kb, long since, const sk_status_opts *opts)
{
	json_t *o = json_object();
	sk_store *st = NULL;
	sk_store_commit_info *infos = NULL;
	size_t n = 0;
	if (opts && opts->no_history) {
		json_object_set_new(o, "available", json_false());
		json_object_set_new(o, "note", json_string("Historikk er utelatt."));
		goto done;
	}
	/* Only the period's commits, and no lines counted (the page shows
	 * none): an import of 100 000 files costs seconds to count. */
	sk_store_log_opts lo = { NULL, 0, HISTORY_SCAN, (int64_t)since * 86400, 1 };
	if (sk_store_open(&st, kb->root) < 0 || sk_store_log(&infos, &n, st, &lo) < 0) {
		json_object_set_new(o, "available", json_false());
		json_object_set_new(o, "note", json_string(st ? "ingen git-historikk (ingen commits ennå)" :
			"ingen git-historikk (kunnskapsbasen ligger ikke i et git-depot)"));
		sk_error_clear();
		goto done;
	}
	json_t *commits = json_array();
	size_t in_period = 0;
	int truncated = n >= HISTORY_SCAN;
	for (size_t i = 0; i < n; i++) {
		long day = (long)(infos[i].time / 86400);
		if (infos[i].time < 0)
			day = (long)((infos[i].time - 86399) / 86400);
		if (day < since) {
			truncated = 0;
			continue;
		}
		in_period++;
		if (json_array_size(commits) >= HISTORY_SHOW)
			continue;
		json_t *ce = json_object();
		char d[11];
		/* The author's own calendar date. */
		long local = (long)((infos[i].time + (int64_t)infos[i].tz_offset * 60) / 86400);
		sk_report__date_format(d, local);
		json_object_set_new(ce, "id", json_string(infos[i].id.hex));
		json_object_set_new(ce, "short", json_stringn(infos[i].id.hex, 8));
		json_object_set_new(ce, "author", str_lossy(infos[i].author_name));
		json_object_set_new(ce, "date", json_string(d));
		json_object_set_new(ce, "time", json_integer(infos[i].time));
		json_object_set_new(ce, "summary", str_lossy(infos[i].summary));
		json_object_set_new(ce, "files", json_integer((json_int_t)infos[i].n_paths));
		json_t *paths = json_array();
		for (size_t p = 0; p < infos[i].n_paths && p < PATHS_SHOW; p++)
			json_array_append_new(paths, str_lossy(infos[i].paths[p]));
		json_object_set_new(ce, "paths", paths);
		json_array_append_new(commits, ce);
	}
	json_object_set_new(o, "available", json_true());
	json_object_set_new(o, "note", in_period ? json_null() : json_string("Ingen endringer i perioden."));
	json_object_set_new(o, "commits_in_period", json_integer((json_int_t)in_period));
	json_object_set_new(o, "truncated", json_boolean(truncated));
	json_object_set_new(o, "commits", commits);
done:
	if (!json_object_get(o, "commits"))
		json_object_set_new(o, "commits", json_array());
	sk_store_history_free(infos, n);
	sk_store_free(st);
	return o;
}

/* Health: what sk_kb_check finds (in `checked` when the caller ran it
 * already, else run here), and the broken links on their own. */
/* A link that names no record, from the record holding it. */
typedef struct broken_link {
	const sk_record *rec;
	const sk_link *link;
} broken_link;

static int compare_broken(const void *a, const void *b)
{
	const broken_link *x = a, *y = b;
	int c = strcmp(x->rec->path, y->rec->path);
	if (c)
		return c;
	if (x->link->line != y->link->line)
		return x->link->line < y->link->line ? -1 : 1;
	if (x->link->col != y->link->col)
		return x->link->col < y->link->col ? -1 : 1;
	return strcmp(x->link->target, y->link->target);
}

static json_t *health(const sk_report__corpus *c, const sk_kb *kb, sk_diags *checked)
{
	json_t *o = json_object();
	sk_diags own = SK_DIAGS_INIT;
	sk_diags *dp = checked;
	if (!dp) {
		dp = &own;
		sk_kb_check(kb, dp);
		sk_error_clear();
	}
	sk_diags d = *dp;
	sk_diags_sort(&d);
	json_t *failing = json_array();
	json_t *files = json_object();
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < d.len; i++) {
		const sk_diag *g = &d.items[i];
		/* Broken links are listed on their own below, from the corpus. */
		if (g->message && strncmp(g->message, "broken link", 11) == 0)
			continue;
		if (g->severity == SK_DIAG_ERROR) {
			errors++;
			if (g->file)
				json_object_set_new(files, g->file, json_true());
		} else {
			warnings++;
		}
		if (json_array_size(failing) >= HEALTH_SHOW)
			continue;
		json_t *e = json_object();
		json_object_set_new(e, "severity", json_string(g->severity == SK_DIAG_ERROR ? "error" : "warning"));
		json_object_set_new(e, "file", str_lossy(g->file));
		json_object_set_new(e, "line", json_integer(g->line));
		json_object_set_new(e, "message", str_lossy(g->message));
		json_array_append_new(failing, e);
	}
	/* Broken links by file and line, whatever order the corpus is in. */
	broken_link *bl = NULL;
	size_t nbroken = 0, cap = 0;
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		for (size_t l = 0; l < r->n_links; l++) {
			/* A log entry's link to its experiment is a problem of its
			 * own ("log entry without its experiment"), not a link. */
			if (r->links[l].implicit || sk_report__corpus_get(c, r->links[l].target))
				continue;
			if (nbroken == cap) {
				cap = cap ? cap * 2 : 16;
				bl = sk_realloc(bl, sk_mul_size(cap, sizeof *bl));
			}
			bl[nbroken++] = (broken_link){ r, &r->links[l] };
		}
	}
	if (nbroken > 1)
		qsort(bl, nbroken, sizeof *bl, compare_broken);
	json_t *broken = json_array();
	for (size_t i = 0; i < nbroken && i < HEALTH_SHOW; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "file", json_string(bl[i].rec->path));
		json_object_set_new(e, "line", json_integer(bl[i].link->line));
		json_object_set_new(e, "source", json_string(bl[i].rec->id));
		json_object_set_new(e, "target", json_string(bl[i].link->target));
		json_object_set_new(e, "field", str_or_null(bl[i].link->field));
		json_array_append_new(broken, e);
	}
	free(bl);
	json_object_set_new(o, "ok", json_boolean(errors == 0));
	json_object_set_new(o, "files", json_integer((json_int_t)c->n_files));
	json_object_set_new(o, "records", json_integer((json_int_t)c->n));
	json_object_set_new(o, "errors", json_integer((json_int_t)errors));
	json_object_set_new(o, "warnings", json_integer((json_int_t)warnings));
	json_object_set_new(o, "failing_files", json_integer((json_int_t)json_object_size(files)));
	json_object_set_new(o, "problems", failing);
	json_object_set_new(o, "broken_links_count", json_integer((json_int_t)nbroken));
	json_object_set_new(o, "broken_links", broken);
	json_decref(files);
	sk_diags_free(&own);
	return o;
}

static int cmp_title(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return sk_report__collate(sk_report__str(x, "title"), sk_report__str(y, "title"));
}

/* Sorts an array of ids by the titles their entries in `by_id` carry. */
static void sort_by_title(json_t *ids, json_t *by_id)
{
	size_t n = json_array_size(ids);
	json_t **v = sk_calloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_object_get(by_id, json_string_value(json_array_get(ids, i)));
	qsort(v, n, sizeof *v, cmp_title);
	json_array_clear(ids);
	for (size_t i = 0; i < n; i++)
		json_array_append(ids, json_object_get(v[i], "id"));
	free(v);
}

static json_t *ref_entry(const sk_report__exp *e, const char *key, const char *value)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "title", json_string(e->title));
	json_object_set_new(o, key, str_or_null(value));
	return o;
}

/* Appends entry (stolen) to the list `key` of challenge entry ce, keeping
 * at most LIST_SHOW and counting all in "KEY_count". */
static void list_add(json_t *ce, const char *key, json_t *entry)
{
	json_t *l = json_object_get(ce, key);
	if (!l)
		json_object_set_new(ce, key, l = json_array());
	json_array_append_new(l, entry);
}

/* Orders of the lists per challenge: the newest started or completed
 * first; of the quiet ones, those gone quiet most recently first (the
 * ones still easy to pick up again). Ties by title. */
static int by_title(const json_t *x, const json_t *y, int c)
{
	return c ? c : sk_report__collate(sk_report__str(x, "title"), sk_report__str(y, "title"));
}

static int newest_first(const json_t *x, const json_t *y, const char *key)
{
	const char *dx = sk_report__str(x, key), *dy = sk_report__str(y, key);
	return by_title(x, y, -strcmp(dx ? dx : "", dy ? dy : ""));
}

static int compare_started(const void *a, const void *b)
{
	return newest_first(*(json_t *const *)a, *(json_t *const *)b, "start");
}

static int compare_completed(const void *a, const void *b)
{
	return newest_first(*(json_t *const *)a, *(json_t *const *)b, "end");
}

static int compare_quiet(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_t *dx = json_object_get(x, "days_quiet"), *dy = json_object_get(y, "days_quiet");
	int c;
	/* No date at all: last. */
	if (!json_is_integer(dx) || !json_is_integer(dy))
		c = json_is_integer(dy) - json_is_integer(dx);
	else
		c = (json_integer_value(dx) > json_integer_value(dy)) - (json_integer_value(dx) < json_integer_value(dy));
	return by_title(x, y, c);
}

/* Sorts a challenge's list `key` by `cmp`, counts it in "KEY_count" and
 * keeps the first LIST_SHOW. */
static void list_finish(json_t *ce, const char *key, int (*cmp)(const void *, const void *))
{
	json_t *l = json_object_get(ce, key);
	size_t n = json_array_size(l);
	char count_key[64];
	snprintf(count_key, sizeof count_key, "%s_count", key);
	json_object_set_new(ce, count_key, json_integer((json_int_t)n));
	if (!l) {
		json_object_set_new(ce, key, json_array());
		return;
	}
	json_t **v = sk_calloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(l, i));
	qsort(v, n, sizeof *v, cmp);
	json_array_clear(l);
	for (size_t i = 0; i < n; i++) {
		if (i < LIST_SHOW)
			json_array_append(l, v[i]);
		json_decref(v[i]);
	}
	free(v);
}

/* Which experiments a status shows whole when there are more than
 * DETAIL_SHOW: the quiet ones (gone quiet most recently first), then those
 * with the most recent log entry (or start), then by id. */
typedef struct pick {
	size_t exp;       /* index into c->exps */
	exp_tally t;
} pick;

static int compare_picks(const void *a, const void *b)
{
	const pick *x = a, *y = b;
	if (x->t.quiet != y->t.quiet)
		return x->t.quiet ? -1 : 1;
	if (x->t.ref != y->t.ref)
		return x->t.ref > y->t.ref ? -1 : 1;
	return (x->exp > y->exp) - (x->exp < y->exp);
}

static int compare_pick_order(const void *a, const void *b)
{
	const pick *x = a, *y = b;
	return (x->exp > y->exp) - (x->exp < y->exp);
}

int sk_report__status_build(json_t **out, const sk_report__corpus *c, const sk_kb *kb,
	const sk_status_opts *opts)
{
	return sk_report__status_build_checked(out, c, kb, opts, NULL);
}

int sk_report__status_build_checked(json_t **out, const sk_report__corpus *c, const sk_kb *kb,
	const sk_status_opts *opts, sk_diags *checked)
{
	sk_status_opts none = {0};
	json_t *st = NULL, *kom = NULL, *chs = NULL;
	int rc = 0;
	*out = NULL;
	if (!opts)
		opts = &none;
	long today, since;
	if (opts->today) {
		if (sk_report__date_days(&today, opts->today) < 0)
			return sk_error_set(SK_EINVALID, "today: '%s' is not a date (YYYY-MM-DD)", opts->today);
	} else {
		today = sk_report__today();
	}
	if (opts->since) {
		if (sk_report__date_days(&since, opts->since) < 0)
			return sk_error_set(SK_EINVALID, "since: '%s' is not a date (YYYY-MM-DD)", opts->since);
		if (since > today)
			return sk_error_set(SK_EINVALID, "since: %s is after today", opts->since);
	} else {
		since = today - SK_REPORT_PERIOD_DAYS;
	}
	if (opts->quiet_days < 0)
		return sk_error_set(SK_EINVALID, "quiet days: %d is not a positive number", opts->quiet_days);
	int quiet_days = opts->quiet_days ? opts->quiet_days : SK_REPORT_QUIET_DAYS;
	const sk_record *fk = NULL, *fc = NULL;
	if (opts->kommune) {
		fk = sk_report__corpus_get(c, opts->kommune);
		if (!fk || fk->type != SK_TYPE_KOMMUNE)
			return sk_error_set(SK_ENOTFOUND, "kommune '%s': no such kommune in the knowledge base (kommuner/%s.md)",
				opts->kommune, opts->kommune);
	}
	if (opts->challenge) {
		fc = sk_report__corpus_get(c, opts->challenge);
		if (!fc || fc->type != SK_TYPE_CHALLENGE)
			return sk_error_set(SK_ENOTFOUND, "challenge '%s': no such challenge in the knowledge base (challenges/%s.md)",
				opts->challenge, opts->challenge);
	}

	st = json_object();
	char d1[11], d2[11];
	sk_report__date_format(d1, today);
	sk_report__date_format(d2, since);
	const char *name = sk_report__str(kb->settings, "name");
	const sk_record *pr = sk_report__corpus_get(c, "partnership");
	if (!name && pr && pr->type == SK_TYPE_PARTNERSHIP)
		name = pr->title;
	json_object_set_new(st, "format", json_string("samskap-status/1"));
	json_object_set_new(st, "title", json_string("Statusoversikt"));
	json_object_set_new(st, "name", json_string(name ? name : "Kunnskapsbasen"));
	json_object_set_new(st, "today", json_string(d1));
	json_object_set_new(st, "since", json_string(d2));
	json_object_set_new(st, "quiet_days", json_integer(quiet_days));
	json_t *filter = json_object();
	json_object_set_new(filter, "kommune", str_or_null(fk ? fk->id : NULL));
	json_object_set_new(filter, "kommune_title", str_or_null(fk ? fk->title : NULL));
	json_object_set_new(filter, "challenge", str_or_null(fc ? fc->id : NULL));
	json_object_set_new(filter, "challenge_title", str_or_null(fc ? fc->title : NULL));
	json_object_set_new(st, "filter", filter);

	/* Kommuner in view, keyed by id, in corpus order. */
	kom = json_object();
	json_t *kom_order = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		if (r->type != SK_TYPE_KOMMUNE || (fk && r != fk) || json_object_get(kom, r->id))
			continue;
		json_t *k = json_object();
		json_object_set_new(k, "id", json_string(r->id));
		json_object_set_new(k, "title", json_string(r->title ? r->title : r->id));
		json_object_set_new(k, "experiments", json_integer(0));
		json_object_set_new(k, "running", json_integer(0));
		json_object_set_new(k, "logs_in_period", json_integer(0));
		json_object_set_new(k, "last_log", json_null());
		json_object_set_new(kom, r->id, k);
		json_array_append_new(kom_order, json_string(r->id));
	}

	/* Challenges: every challenge record (or the one asked for). */
	chs = json_object();
	json_t *ch_order = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		if (r->type != SK_TYPE_CHALLENGE || (fc && r != fc) || json_object_get(chs, r->id))
			continue;
		json_t *e = json_object();
		json_object_set_new(e, "id", json_string(r->id));
		json_object_set_new(e, "title", json_string(r->title ? r->title : r->id));
		json_object_set_new(e, "status", str_or_null(sk_report__str(r->front, "status")));
		json_object_set_new(e, "missing", json_false());
		json_object_set_new(chs, r->id, e);
		json_array_append_new(ch_order, json_string(r->id));
	}

	json_t *exps = json_array();
	json_t *totals = status_counts();
	long started = 0, completed = 0, nquiet = 0, logs_period = 0;
	pick *picks = sk_calloc(c->n_exps ? c->n_exps : 1, sizeof *picks);
	const sk_report__exp **in_view = sk_calloc(c->n_exps ? c->n_exps : 1, sizeof *in_view);
	size_t n_view = 0;
	for (size_t i = 0; i < c->n_exps; i++) {
		const sk_report__exp *r = &c->exps[i];
		const char *ch = r->challenge;
		if (fc && (!ch || strcmp(ch, fc->id) != 0))
			continue;
		int has_kommune = 0;
		for (size_t k = 0; fk && k < r->n_kommuner; k++)
			has_kommune |= strcmp(r->kommuner[k], fk->id) == 0;
		if (fk && !has_kommune)
			continue;
		exp_tally t = exp_count(c, r, today, since, quiet_days, kom);
		picks[n_view] = (pick){ i, t };
		in_view[n_view++] = r;
		logs_period += t.in_period;
		const char *status = r->status;
		count_inc(totals, status ? status : "unknown");
		nquiet += t.quiet;

		const char *chkey = ch ? ch : "";
		json_t *ce = json_object_get(chs, chkey);
		if (!ce) {
			/* A challenge the experiment names but the KB lacks. */
			ce = json_object();
			json_object_set_new(ce, "id", json_string(chkey));
			json_object_set_new(ce, "title", json_string(*chkey ? chkey : "Uten utfordring"));
			json_object_set_new(ce, "status", json_null());
			json_object_set_new(ce, "missing", json_true());
			json_object_set_new(chs, chkey, ce);
			json_array_append_new(ch_order, json_string(chkey));
		}
		if (!json_object_get(ce, "by_status")) {
			json_object_set_new(ce, "by_status", status_counts());
			json_object_set_new(ce, "experiments", json_integer(0));
		}
		count_inc(json_object_get(ce, "by_status"), status ? status : "unknown");
		count_inc(ce, "experiments");
		long d;
		if (date_of(&d, r->start) == 0 && d >= since && d <= today) {
			started++;
			list_add(ce, "started_in_period", ref_entry(r, "start", r->start));
		}
		if (status && strcmp(status, "completed") == 0 && date_of(&d, r->end) == 0 &&
			d >= since && d <= today) {
			completed++;
			list_add(ce, "completed_in_period", ref_entry(r, "end", r->end));
		}
		if (t.quiet) {
			json_t *q = json_object();
			json_object_set_new(q, "id", json_string(r->id));
			json_object_set_new(q, "title", json_string(r->title));
			char buf[11];
			if (t.last >= 0)
				sk_report__date_format(buf, t.last);
			json_object_set_new(q, "last_log", t.last >= 0 ? json_string(buf) : json_null());
			json_object_set_new(q, "days_quiet", t.ref >= 0 ? json_integer(today - t.ref) : json_null());
			list_add(ce, "quiet", q);
		}
		/* Kommuner's tallies of experiments. */
		for (size_t k = 0; k < r->n_kommuner; k++) {
			json_t *kt = json_object_get(kom, r->kommuner[k]);
			if (!kt)
				continue;
			count_inc(kt, "experiments");
			if (status && strcmp(status, "running") == 0)
				count_inc(kt, "running");
		}
	}

	/* The experiments shown whole: all of them up to DETAIL_SHOW, else
	 * those that most need a reader's eye, in the corpus's order. */
	size_t n_shown = n_view;
	if (n_view > DETAIL_SHOW) {
		/* Quiet ones first (most recently quiet first), then the most
		 * recently active; the quiet take at most half the places when
		 * there are active ones to fill the rest, so that the page shows
		 * what moves as well as what has stopped. */
		qsort(picks, n_view, sizeof *picks, compare_picks);
		size_t n_quiet = 0;
		while (n_quiet < n_view && picks[n_quiet].t.quiet)
			n_quiet++;
		size_t quiet_shown = n_quiet < DETAIL_SHOW / 2 ? n_quiet : DETAIL_SHOW / 2;
		if (n_view - n_quiet < DETAIL_SHOW - quiet_shown)
			quiet_shown = DETAIL_SHOW - (n_view - n_quiet);
		/* The active ones move up behind the quiet ones shown. */
		memmove(&picks[quiet_shown], &picks[n_quiet],
			(DETAIL_SHOW - quiet_shown) * sizeof *picks);
		n_shown = DETAIL_SHOW;
		qsort(picks, n_shown, sizeof *picks, compare_pick_order);
	}
	for (size_t i = 0; i < n_shown && rc == 0; i++) {
		const sk_report__exp *r = &c->exps[picks[i].exp];
		sk_report__detail det;
		if ((rc = sk_report__detail_load(&det, c, r->id)) < 0)
			break;
		json_array_append_new(exps, experiment_entry(c, r, &det, &picks[i].t, today));
		sk_report__detail_free(&det);
	}
	free(picks);
	if (rc < 0) {
		free(in_view);
		json_decref(exps);
		json_decref(totals);
		json_decref(kom_order);
		json_decref(ch_order);
		goto fail;
	}

	/* Challenges as an array; with a kommune filter only those it works on. */
	json_t *charr = json_array();
	size_t i;
	json_t *idv;
	json_array_foreach(ch_order, i, idv) {
		json_t *ce = json_object_get(chs, json_string_value(idv));
		if (!json_object_get(ce, "by_status")) {
			if (fk)
				continue;
			json_object_set_new(ce, "by_status", status_counts());
			json_object_set_new(ce, "experiments", json_integer(0));
		}
		list_finish(ce, "started_in_period", compare_started);
		list_finish(ce, "completed_in_period", compare_completed);
		list_finish(ce, "quiet", compare_quiet);
		json_array_append(charr, ce);
	}
	json_decref(ch_order);

	json_t *karr = json_array();
	sort_by_title(kom_order, kom);
	json_t *logged = json_array(), *silent = json_array();
	json_array_foreach(kom_order, i, idv) {
		json_t *k = json_object_get(kom, json_string_value(idv));
		int yes = json_integer_value(json_object_get(k, "logs_in_period")) > 0;
		json_object_set_new(k, "logged", json_boolean(yes));
		json_array_append_new(yes ? logged : silent, json_copy(idv));
		json_array_append(karr, k);
	}
	json_decref(kom_order);

	json_object_set_new(totals, "experiments", json_integer((json_int_t)n_view));
	json_object_set_new(totals, "experiments_shown", json_integer((json_int_t)json_array_size(exps)));
	json_object_set_new(totals, "started_in_period", json_integer(started));
	json_object_set_new(totals, "completed_in_period", json_integer(completed));
	json_object_set_new(totals, "quiet", json_integer(nquiet));
	json_object_set_new(totals, "logs_in_period", json_integer(logs_period));
	json_object_set_new(totals, "kommuner", json_integer((json_int_t)json_array_size(karr)));
	json_object_set_new(totals, "kommuner_logged", json_integer((json_int_t)json_array_size(logged)));
	json_object_set_new(totals, "kommuner_silent", json_integer((json_int_t)json_array_size(silent)));
	json_object_set_new(totals, "records", json_integer((json_int_t)c->n));
	json_object_set_new(st, "totals", totals);
	json_object_set_new(st, "challenges", charr);
	json_object_set_new(st, "experiments", exps);
	json_object_set_new(st, "kommuner", karr);
	json_object_set_new(st, "kommuner_logged", logged);
	json_object_set_new(st, "kommuner_silent", silent);
	json_object_set_new(st, "projections", projections(c, kb, in_view, n_view, fk || fc));
	free(in_view);
	json_object_set_new(st, "history", history(kb, since, opts));
	json_object_set_new(st, "health", health(c, kb, checked));
	*out = st;
	st = NULL;
fail:
	json_decref(st);
	json_decref(kom);
	json_decref(chs);
	return rc;
}

/* sk_kb_check reads and validates every file again: on a large KB it costs
 * as much as loading the corpus, so it runs on a thread of its own beside
 * the load (the record and schema modules keep no mutable globals, and
 * error messages are per thread). */
static void *check_main(void *arg)
{
	sk_report__check *j = arg;
	sk_kb_check(j->kb, &j->diags);
	sk_error_clear();
	return NULL;
}

void sk_report__check_start(sk_report__check *job, const sk_kb *kb)
{
	sk_diags none = SK_DIAGS_INIT;
	job->kb = kb;
	job->diags = none;
	job->started = pthread_create(&job->thread, NULL, check_main, job) == 0;
}

sk_diags *sk_report__check_finish(sk_report__check *job)
{
	if (!job->started)
		return NULL;
	pthread_join(job->thread, NULL);
	job->started = 0;
	return &job->diags;
}

void sk_report__check_free(sk_report__check *job)
{
	sk_report__check_finish(job);
	sk_diags_free(&job->diags);
}

int sk_report_status(json_t **out, sk_index *ix, const sk_kb *kb, const sk_status_opts *opts)
{
	sk_report__corpus *c = NULL;
	sk_diags problems = SK_DIAGS_INIT;
	*out = NULL;
	if (!ix) {
		/* No index: read every file, with check on a thread beside. */
		sk_report__check job;
		sk_report__check_start(&job, kb);
		int rc = sk_report__corpus_load(&c, kb);
		sk_diags *checked = sk_report__check_finish(&job);
		if (rc == 0)
			rc = sk_report__status_build_checked(out, c, kb, opts, checked);
		sk_report__check_free(&job);
		sk_report__corpus_free(c);
		return rc;
	}
	int rc = sk_report__corpus_from_index(&c, &problems, kb, ix);
	if (rc == 0)
		rc = sk_report__status_build_checked(out, c, kb, opts, &problems);
	sk_diags_free(&problems);
	sk_report__corpus_free(c);
	return rc;
}
