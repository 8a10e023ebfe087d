/* The corpus: the records of a KB with lookups by id and the experiments
 * and log entries summed up for counting, read either from the files
 * (export renders every record) or from the search index (the status
 * overview, which at 100 000 records cannot afford to read them). */
#include "report_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? sk_strdup(s) : NULL;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void strings_push(char ***v, size_t *n, const char *s)
{
	*v = sk_realloc(*v, sk_mul_size(*n + 1, sizeof **v));
	(*v)[(*n)++] = sk_strdup(s);
}

/* The string items of a front-matter array. */
static void strings_from_json(char ***v, size_t *n, const json_t *arr)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x))
			strings_push(v, n, json_string_value(x));
}

/* A record and its place in recs: of a duplicate id, the first in recs
 * comes first in the lookup (as by_id keeps it). */
typedef struct placed {
	sk_record *rec;
	size_t place;
} placed;

static int compare_placed(const void *a, const void *b)
{
	const placed *x = a, *y = b;
	int c = strcmp(x->rec->id, y->rec->id);
	return c ? c : (x->place > y->place) - (x->place < y->place);
}

static void corpus_sort_ids(sk_report__corpus *c)
{
	placed *v = sk_calloc(c->n ? c->n : 1, sizeof *v);
	for (size_t i = 0; i < c->n; i++)
		v[i] = (placed){ c->recs[i], i };
	if (c->n > 1)
		qsort(v, c->n, sizeof *v, compare_placed);
	c->sorted = sk_calloc(c->n ? c->n : 1, sizeof *c->sorted);
	for (size_t i = 0; i < c->n; i++)
		c->sorted[i] = v[i].rec;
	free(v);
}

/* The first place i < n where id_at(arr, i) is id, in an array sorted by
 * id; n when there is none. */
static size_t first_by_id(const void *arr, size_t n, const char *(*id_at)(const void *, size_t),
	const char *id)
{
	size_t lo = 0, hi = n;
	while (id && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(id_at(arr, mid), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return id && lo < n && strcmp(id_at(arr, lo), id) == 0 ? lo : n;
}

static const char *sorted_id(const void *arr, size_t i)
{
	return ((sk_record *const *)arr)[i]->id;
}

static const char *exp_id(const void *arr, size_t i)
{
	return ((const sk_report__exp *)arr)[i].id;
}

/* The place in c->sorted of the first record with this id, or c->n. */
static size_t find_first(const sk_report__corpus *c, const char *id)
{
	return first_by_id(c->sorted, c->n, sorted_id, id);
}

const sk_record *sk_report__corpus_get(const sk_report__corpus *c, const char *id)
{
	size_t i = find_first(c, id);
	return i < c->n ? c->sorted[i] : NULL;
}

/* Index of the first experiment with this id in c->exps (sorted by id),
 * or (size_t)-1. */
static size_t exp_find(const sk_report__corpus *c, const char *id)
{
	size_t i = first_by_id(c->exps, c->n_exps, exp_id, id);
	return i < c->n_exps ? i : (size_t)-1;
}

static int compare_exps(const void *a, const void *b)
{
	const sk_report__exp *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->path, y->path);
}

/* A log entry's date and index, to put an experiment's entries in date
 * order (then as they came). */
typedef struct dated {
	const char *date;
	size_t log;
} dated;

static int compare_dated(const void *a, const void *b)
{
	const dated *x = a, *y = b;
	int c = strcmp(x->date ? x->date : "", y->date ? y->date : "");
	return c ? c : (x->log > y->log) - (x->log < y->log);
}

/* Sorts the experiments by id and hands each its log entries. */
static void link_logs(sk_report__corpus *c)
{
	if (c->n_exps > 1)
		qsort(c->exps, c->n_exps, sizeof *c->exps, compare_exps);
	size_t *count = sk_calloc(c->n_exps + 1, sizeof *count);
	size_t *owner = sk_calloc(c->n_logs + 1, sizeof *owner);
	for (size_t i = 0; i < c->n_logs; i++) {
		owner[i] = exp_find(c, c->logs[i].experiment);
		if (owner[i] != (size_t)-1)
			count[owner[i]]++;
	}
	for (size_t e = 0; e < c->n_exps; e++) {
		c->exps[e].logs = sk_calloc(count[e] ? count[e] : 1, sizeof *c->exps[e].logs);
		c->exps[e].n_logs = 0;
	}
	for (size_t i = 0; i < c->n_logs; i++)
		if (owner[i] != (size_t)-1) {
			sk_report__exp *e = &c->exps[owner[i]];
			e->logs[e->n_logs++] = i;
		}
	dated *v = NULL;
	size_t cap = 0;
	for (size_t e = 0; e < c->n_exps; e++) {
		sk_report__exp *x = &c->exps[e];
		if (x->n_logs < 2)
			continue;
		if (x->n_logs > cap) {
			cap = x->n_logs;
			v = sk_realloc(v, sk_mul_size(cap, sizeof *v));
		}
		for (size_t i = 0; i < x->n_logs; i++)
			v[i] = (dated){ c->logs[x->logs[i]].date, x->logs[i] };
		qsort(v, x->n_logs, sizeof *v, compare_dated);
		for (size_t i = 0; i < x->n_logs; i++)
			x->logs[i] = v[i].log;
	}
	free(v);
	free(count);
	free(owner);
}

static void exp_fill(sk_report__exp *e, const char *id, const char *title, const char *path)
{
	memset(e, 0, sizeof *e);
	e->id = sk_strdup(id);
	e->title = sk_strdup(title ? title : id);
	e->path = sk_strdup(path);
}

/* ---- From the files ------------------------------------------------------ */

int sk_report__corpus_load(sk_report__corpus **out, const sk_kb *kb)
{
	sk_report__corpus *c = sk_calloc(1, sizeof *c);
	sk_diags diags = SK_DIAGS_INIT;
	int rc = 0;
	*out = NULL;
	rc = sk_kb_load_records(&c->recs, &c->n, kb, SK_TYPE_COUNT, &diags);
	if (rc < 0)
		goto done;
	/* Files that failed to load: one or more errors each. */
	json_t *failed = json_object();
	for (size_t i = 0; i < diags.len; i++)
		if (diags.items[i].severity == SK_DIAG_ERROR)
			json_object_set_new(failed, diags.items[i].file ? diags.items[i].file : "?", json_true());
	c->n_failed = json_object_size(failed);
	json_decref(failed);
	c->n_files = c->n + c->n_failed;
	c->by_id = json_object();
	c->logs_by_exp = json_object();
	size_t ne = 0, nl = 0;
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		ne += r->type == SK_TYPE_EXPERIMENT;
		nl += r->type == SK_TYPE_LOG && r->experiment;
	}
	c->exps = sk_calloc(ne ? ne : 1, sizeof *c->exps);
	c->logs = sk_calloc(nl ? nl : 1, sizeof *c->logs);
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		if (!json_object_get(c->by_id, r->id))
			json_object_set_new(c->by_id, r->id, json_integer((json_int_t)i));
		if (r->type == SK_TYPE_EXPERIMENT) {
			sk_report__exp *e = &c->exps[c->n_exps++];
			exp_fill(e, r->id, r->title, r->path);
			e->status = dup_or_null(sk_report__str(r->front, "status"));
			e->challenge = dup_or_null(sk_report__str(r->front, "challenge"));
			e->start = dup_or_null(sk_report__str(r->front, "start"));
			e->end = dup_or_null(sk_report__str(r->front, "end"));
			strings_from_json(&e->kommuner, &e->n_kommuner, json_object_get(r->front, "kommuner"));
		}
		if (r->type == SK_TYPE_LOG && r->experiment) {
			json_t *arr = json_object_get(c->logs_by_exp, r->experiment);
			if (!arr) {
				arr = json_array();
				json_object_set_new(c->logs_by_exp, r->experiment, arr);
			}
			json_array_append_new(arr, json_integer((json_int_t)i));
			sk_report__log *l = &c->logs[c->n_logs++];
			l->experiment = sk_strdup(r->experiment);
			l->date = dup_or_null(sk_report__str(r->front, "date"));
			strings_from_json(&l->kommuner, &l->n_kommuner, json_object_get(r->front, "kommuner"));
		}
	}
	corpus_sort_ids(c);
	link_logs(c);
	*out = c;
	c = NULL;
done:
	sk_diags_free(&diags);
	sk_report__corpus_free(c);
	return rc;
}

/* ---- From the search index ---------------------------------------------- */

/* A record type's bit in an sk_index_select mask. */
#define TYPE_BIT(t) (1u << (t))

/* The strings of a JSON array given as text (NULL: none). */
static void strings_from_text(char ***v, size_t *n, const char *text)
{
	if (!text)
		return;
	json_error_t err;
	json_t *arr = json_loads(text, 0, &err);
	strings_from_json(v, n, arr);
	json_decref(arr);
}

static int exp_row(void *ud, const char *id, const char *path, const char *title,
	const char *experiment, const char *const *v)
{
	(void)experiment;
	sk_report__corpus *c = ud;
	if ((c->n_exps & (c->n_exps - 1)) == 0)
		c->exps = sk_realloc(c->exps, sk_mul_size(c->n_exps ? c->n_exps * 2 : 1, sizeof *c->exps));
	sk_report__exp *e = &c->exps[c->n_exps++];
	exp_fill(e, id, title, path);
	e->status = dup_or_null(v[0]);
	e->challenge = dup_or_null(v[1]);
	e->start = dup_or_null(v[2]);
	e->end = dup_or_null(v[3]);
	strings_from_text(&e->kommuner, &e->n_kommuner, v[4]);
	strings_from_text(&e->metrics, &e->n_metrics, v[5]);
	return 0;
}

static int log_row(void *ud, const char *id, const char *path, const char *title,
	const char *experiment, const char *const *v)
{
	(void)id;
	(void)title;
	sk_report__corpus *c = ud;
	if (!experiment)
		return 0;
	if ((c->n_logs & (c->n_logs - 1)) == 0)
		c->logs = sk_realloc(c->logs, sk_mul_size(c->n_logs ? c->n_logs * 2 : 1, sizeof *c->logs));
	sk_report__log *l = &c->logs[c->n_logs++];
	memset(l, 0, sizeof *l);
	l->experiment = sk_strdup(experiment);
	l->date = dup_or_null(v[0]);
	strings_from_text(&l->kommuner, &l->n_kommuner, v[1]);
	if (v[2]) {
		l->path = sk_strdup(path);
		strings_from_text(&l->measured, &l->n_measured, v[2]);
	}
	return 0;
}

/* Measurements that are no metric of their experiment, as check_across
 * finds them in records with front matter: for a log entry whose id's
 * first record (by id, then path) is an experiment that parses. */
static void check_measurements(const sk_report__corpus *c, const sk_kb *kb, sk_diags *problems)
{
	for (size_t i = 0; i < c->n_logs; i++) {
		const sk_report__log *l = &c->logs[i];
		if (!l->n_measured)
			continue;
		const sk_record *first = sk_report__corpus_get(c, l->experiment);
		size_t e = exp_find(c, l->experiment);
		if (!first || first->type != SK_TYPE_EXPERIMENT || e == (size_t)-1)
			continue;
		const sk_report__exp *x = &c->exps[e];
		for (size_t k = 0; k < l->n_measured; k++) {
			int known = 0;
			for (size_t m = 0; m < x->n_metrics && !known; m++)
				known = strcmp(x->metrics[m], l->measured[k]) == 0;
			if (!known)
				sk_kb_check_measurement(kb, NULL, l->path, l->measured[k], x->id, x->path, problems);
		}
	}
}

/* The experiments and log entries, read on a thread of their own with a
 * handle of its own while the records are read beside it. */
typedef struct summary_job {
	sk_report__corpus *c;
	sk_index *ix;          /* the job's own handle */
	int rc;
	char *err;
} summary_job;

static void *summaries_main(void *arg)
{
	static const char *const exp_fields[] = {
		"status", "challenge", "start", "end", "kommuner", "metrics[].name", NULL
	};
	static const char *const log_fields[] = { "date", "kommuner", "measurements{}", NULL };
	summary_job *j = arg;
	sk_report__corpus *c = j->c;
	j->rc = sk_index_each(j->ix, SK_TYPE_EXPERIMENT, exp_fields, exp_row, c);
	if (j->rc == 0) {
		if (c->n_exps > 1)
			qsort(c->exps, c->n_exps, sizeof *c->exps, compare_exps);
		j->rc = sk_index_each(j->ix, SK_TYPE_LOG, log_fields, log_row, c);
	}
	if (j->rc == 0)
		link_logs(c);
	if (j->rc < 0)
		j->err = sk_strdup(sk_error_last());
	sk_error_clear();
	return NULL;
}

int sk_report__corpus_from_index(sk_report__corpus **out, sk_diags *problems, const sk_kb *kb,
	sk_index *ix)
{
	sk_report__corpus *c = sk_calloc(1, sizeof *c);
	sk_kb_entry *es = NULL;
	summary_job job = { c, NULL, 0, NULL };
	pthread_t thread;
	int started = 0;
	*out = NULL;
	c->ix = ix;
	int rc = sk_index_open_again(&job.ix, ix);
	if (rc < 0)
		goto done;
	started = pthread_create(&thread, NULL, summaries_main, &job) == 0;
	if (!started)
		summaries_main(&job);
	/* Every record with its links, for the checks across records and the
	 * models linked; the front matter of the few records shown whole.
	 * The set holds them in id order: the lookup by id and the checks
	 * across records take that order as it is. */
	sk_index_select sel = { 0, TYPE_BIT(SK_TYPE_PARTNERSHIP) | TYPE_BIT(SK_TYPE_KOMMUNE) |
		TYPE_BIT(SK_TYPE_CHALLENGE) | TYPE_BIT(SK_TYPE_MODEL), NULL, NULL, 1 };
	rc = sk_index_set_load(&c->set, ix, &sel);
	if (rc == 0)
		rc = sk_index_problems(problems, ix);
	if (rc == 0) {
		size_t n_bad = 0;
		sk_record *const *recs = sk_index_set_records(c->set, &c->n);
		sk_record *const *bad = sk_index_set_unparsed(c->set, &n_bad);
		c->n_files = c->n + n_bad;
		c->n_failed = n_bad;
		c->recs = sk_calloc(c->n + 1, sizeof *c->recs);
		memcpy(c->recs, recs, c->n * sizeof *recs);
		c->sorted = c->recs;
		/* The checks across records see every file in a record's place:
		 * both lists merged, still in id order. */
		es = sk_calloc(c->n + n_bad + 1, sizeof *es);
		size_t i = 0, j = 0, k = 0;
		while (i < c->n || j < n_bad) {
			int take_bad = j < n_bad && (i >= c->n || strcmp(bad[j]->id, recs[i]->id) < 0 ||
				(strcmp(bad[j]->id, recs[i]->id) == 0 && strcmp(bad[j]->path, recs[i]->path) < 0));
			const sk_record *r = take_bad ? bad[j++] : recs[i++];
			es[k++] = (sk_kb_entry){ r->id, r->path, r->type, take_bad ? NULL : r };
		}
		sk_kb_check_across(kb, es, c->n + n_bad, problems);
		sk_kb_check_places(kb, problems);
	}
	if (started)
		pthread_join(thread, NULL);
	if (rc == 0 && job.rc < 0)
		rc = sk_error_set(job.rc, "%s", job.err ? job.err : "reading the search index failed");
	if (rc < 0)
		goto done;
	check_measurements(c, kb, problems);
	*out = c;
	c = NULL;
done:
	sk_index_free(job.ix);
	free(job.err);
	free(es);
	sk_report__corpus_free(c);
	return rc;
}

void sk_report__corpus_free(sk_report__corpus *c)
{
	if (!c)
		return;
	if (c->set) {
		/* The records are the set's. */
		free(c->recs);
		sk_index_set_free(c->set);
	} else {
		sk_records_free(c->recs, c->n);
		free(c->sorted);
	}
	json_decref(c->by_id);
	json_decref(c->logs_by_exp);
	for (size_t i = 0; i < c->n_exps; i++) {
		sk_report__exp *e = &c->exps[i];
		free(e->id);
		free(e->title);
		free(e->path);
		free(e->status);
		free(e->challenge);
		free(e->start);
		free(e->end);
		strings_free(e->kommuner, e->n_kommuner);
		strings_free(e->metrics, e->n_metrics);
		free(e->logs);
	}
	free(c->exps);
	for (size_t i = 0; i < c->n_logs; i++) {
		free(c->logs[i].experiment);
		free(c->logs[i].date);
		free(c->logs[i].path);
		strings_free(c->logs[i].kommuner, c->logs[i].n_kommuner);
		strings_free(c->logs[i].measured, c->logs[i].n_measured);
	}
	free(c->logs);
	free(c);
}

/* ---- One experiment whole ------------------------------------------------ */

static int cmp_log_date(const void *a, const void *b)
{
	const sk_record *ra = *(const sk_record *const *)a, *rb = *(const sk_record *const *)b;
	const char *da = sk_report__str(ra->front, "date"), *db = sk_report__str(rb->front, "date");
	int c = strcmp(da ? da : "", db ? db : "");
	return c ? c : strcmp(ra->id, rb->id);
}

int sk_report__detail_load(sk_report__detail *d, const sk_report__corpus *c, const char *exp_id)
{
	memset(d, 0, sizeof *d);
	int rc = 0;
	if (!c->ix) {
		/* The experiment of that id, not another record sharing it. */
		for (size_t i = find_first(c, exp_id); i < c->n; i++) {
			if (strcmp(c->sorted[i]->id, exp_id) != 0)
				break;
			if (c->sorted[i]->type == SK_TYPE_EXPERIMENT) {
				d->exp = c->sorted[i];
				break;
			}
		}
		json_t *idx = json_object_get(c->logs_by_exp, exp_id);
		d->n_logs = json_array_size(idx);
		d->logs = sk_calloc(d->n_logs ? d->n_logs : 1, sizeof *d->logs);
		for (size_t i = 0; i < d->n_logs; i++)
			d->logs[i] = c->recs[json_integer_value(json_array_get(idx, i))];
	} else {
		sk_record **exps = NULL, **logs = NULL;
		size_t ne = 0, nl = 0;
		sk_index_select se = { TYPE_BIT(SK_TYPE_EXPERIMENT), TYPE_BIT(SK_TYPE_EXPERIMENT), exp_id, NULL, 0 };
		sk_index_select sl = { TYPE_BIT(SK_TYPE_LOG), TYPE_BIT(SK_TYPE_LOG), NULL, exp_id, 0 };
		if ((rc = sk_index_records(&exps, &ne, NULL, NULL, c->ix, &se)) < 0)
			return rc;
		if ((rc = sk_index_records(&logs, &nl, NULL, NULL, c->ix, &sl)) < 0) {
			sk_records_free(exps, ne);
			return rc;
		}
		d->n_owned = ne + nl;
		d->owned = sk_calloc(d->n_owned + 1, sizeof *d->owned);
		/* An empty list is NULL: nothing to copy (memcpy takes no NULL). */
		if (ne)
			memcpy(d->owned, exps, ne * sizeof *exps);
		if (nl)
			memcpy(d->owned + ne, logs, nl * sizeof *logs);
		free(exps);
		free(logs);
		/* Of a duplicate id, the one the corpus counts (the first). */
		d->exp = ne ? d->owned[0] : NULL;
		d->n_logs = nl;
		d->logs = sk_calloc(nl ? nl : 1, sizeof *d->logs);
		for (size_t i = 0; i < nl; i++)
			d->logs[i] = d->owned[ne + i];
	}
	if (d->n_logs > 1)
		qsort(d->logs, d->n_logs, sizeof *d->logs, cmp_log_date);
	return rc;
}

void sk_report__detail_free(sk_report__detail *d)
{
	sk_records_free(d->owned, d->n_owned);
	free(d->logs);
	memset(d, 0, sizeof *d);
}
