/* Checking a whole knowledge base: every record parses and validates, ids
 * are unique, links resolve to records of the right type, log entries sit
 * under their experiment, dates exist, and stray files are named. */
#include "record_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The record type a reference field names. */
static sk_record_type field_type(const char *field)
{
	static const struct { const char *field; sk_record_type type; } map[] = {
		{ "kommuner", SK_TYPE_KOMMUNE }, { "challenges", SK_TYPE_CHALLENGE },
		{ "challenge", SK_TYPE_CHALLENGE }, { "cases", SK_TYPE_CASE },
		{ "case", SK_TYPE_CASE }, { "models", SK_TYPE_MODEL }, { "model", SK_TYPE_MODEL },
		{ "experiment", SK_TYPE_EXPERIMENT }, { "experiments", SK_TYPE_EXPERIMENT },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].type;
	return SK_TYPE_COUNT;
}

/* 1 when s is shaped like a date (DDDD-DD-DD), whether or not it exists. */
static int date_shaped(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* Reports every date-shaped text value that is no real day, unless the
 * schema already reported that value. */
static void check_dates(const sk_record *rec, json_t *v, sk_buf *path, json_t *reported, sk_diags *d)
{
	size_t base = path->len;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		const char *p = path->data ? path->data : "";
		if (date_shaped(s) && !sk_date_valid(s) && !json_object_get(reported, p))
			sk_diags_add(d, SK_DIAG_ERROR, rec->path, sk_record_line_of(rec, p),
				sk_record_col_of(rec, p), p, "%s: date %s does not exist", p, s);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			sk_buf_putc(path, '/');
			sk_record__pointer_append(path, k);
			check_dates(rec, x, path, reported, d);
			path->len = base;
			path->data[base] = '\0';
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			sk_buf_printf(path, "/%zu", i);
			check_dates(rec, x, path, reported, d);
			path->len = base;
			path->data[base] = '\0';
		}
	}
}

/* An end date before its start date. */
static void check_order(const sk_record *rec, const char *from_ptr, const char *to_ptr, sk_diags *d)
{
	json_t *from = json_object_get(rec->front, from_ptr + 1);
	json_t *to = json_object_get(rec->front, to_ptr + 1);
	if (strchr(from_ptr + 1, '/')) { /* /period/from */
		json_t *period = json_object_get(rec->front, "period");
		from = json_object_get(period, "from");
		to = json_object_get(period, "to");
	}
	const char *a = json_string_value(from), *b = json_string_value(to);
	if (a && b && sk_date_valid(a) && sk_date_valid(b) && strcmp(b, a) < 0)
		sk_diags_add(d, SK_DIAG_ERROR, rec->path, sk_record_line_of(rec, to_ptr),
			sk_record_col_of(rec, to_ptr), to_ptr, "%s: %s is before %s %s",
			to_ptr, b, from_ptr, a);
}

void sk_kb_check_measurement(const sk_kb *kb, const sk_record *log, const char *log_path,
	const char *key, const char *exp_id, const char *exp_path, sk_diags *d)
{
	/* A record read from the index has no line map: the rare problem
	 * found in one reads its file for the place. */
	sk_record *full = NULL;
	if (!log || !log->lines) {
		if (sk_record_load(&full, kb->root, log_path, kb->max_bytes, NULL) < 0)
			sk_error_clear();
	}
	const sk_record *at = full ? full : log;
	sk_buf p = SK_BUF_INIT;
	sk_buf_puts(&p, "/measurements/");
	sk_record__pointer_append(&p, key);
	sk_diags_add(d, SK_DIAG_ERROR, log_path, at ? sk_record_line_of(at, p.data) : 1,
		at ? sk_record_col_of(at, p.data) : 0, p.data,
		"measurement '%s' is not one of the metrics of experiment '%s' (see its metrics in %s)",
		key, exp_id, exp_path);
	sk_buf_free(&p);
	sk_record_free(full);
}

/* Measurements of a log entry that are no metric of its experiment (the
 * rule `samskap log` enforces, here for entries written by hand). */
static void check_measurements(const sk_kb *kb, const sk_record *log, const sk_record *exp,
	sk_diags *d)
{
	json_t *ms = json_object_get(log->front, "measurements");
	json_t *metrics = json_object_get(exp->front, "metrics");
	if (!json_is_object(ms) || !json_is_array(metrics))
		return;
	const char *k;
	json_t *v;
	json_object_foreach(ms, k, v) {
		int known = 0;
		size_t i;
		json_t *m;
		json_array_foreach(metrics, i, m) {
			const char *name = json_string_value(json_object_get(m, "name"));
			if (name && strcmp(name, k) == 0)
				known = 1;
		}
		if (!known)
			sk_kb_check_measurement(kb, log, log->path, k, exp->id, exp->path, d);
	}
}

/* 1 when the regular file at path starts with a front matter fence. */
static int looks_like_record(const char *path)
{
	char head[4] = { 0 };
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, head, 3);
	close(fd);
	return n == 3 && memcmp(head, "---", 3) == 0;
}

static int is_record_folder(const char *name)
{
	static const char *const folders[] = {
		"kommuner", "challenges", "cases", "experiments", "models", NULL
	};
	for (size_t i = 0; folders[i]; i++)
		if (strcmp(name, folders[i]) == 0)
			return 1;
	return 0;
}

#define PLACES "partnership.md, kommuner/, challenges/, cases/, experiments/ID/ and models/"

static int is_markdown(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && strcmp(name + n - 3, ".md") == 0;
}

/* Reports Markdown records under rel, a folder that is no record type's
 * (a few levels deep: experiment/x/index.md is a typo too). */
static void unknown_folder(const sk_kb *kb, const char *top, const char *rel, int depth, sk_diags *d)
{
	char *full = sk_path_join(kb->root, rel);
	DIR *dir = opendir(full);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char *r = sk_path_join(rel, e->d_name);
		char *f = sk_path_join(kb->root, r);
		struct stat st;
		if (lstat(f, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 4)
				unknown_folder(kb, top, r, depth + 1, d);
			else if (S_ISREG(st.st_mode) && is_markdown(e->d_name) && looks_like_record(f))
				sk_diags_add(d, SK_DIAG_ERROR, r, 1, 1, NULL,
					"unknown record type: '%s/' is not a record folder (records live in " PLACES ")",
					top);
		}
		free(f);
		free(r);
	}
	if (dir)
		closedir(dir);
	free(full);
}

/* Markdown records (files with front matter) outside every record folder:
 * at the top, or in a folder that is no record type's. */
static void check_unknown_places(const sk_kb *kb, sk_diags *d)
{
	DIR *root = opendir(kb->root);
	struct dirent *e;
	while (root && (e = readdir(root))) {
		const char *name = e->d_name;
		if (name[0] == '.' || strcmp(name, "partnership.md") == 0 || is_record_folder(name))
			continue;
		char *full = sk_path_join(kb->root, name);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (is_markdown(name) && looks_like_record(full))
				sk_diags_add(d, SK_DIAG_ERROR, name, 1, 1, NULL,
					"unknown record type: a record at the top must be partnership.md; records live in " PLACES);
		} else if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			unknown_folder(kb, name, name, 1, d);
		}
		free(full);
	}
	if (root)
		closedir(root);
}

int sk_record_check(sk_record_validator *validator, const sk_record *rec, sk_diags *diags)
{
	size_t errors = sk_diags_errors(diags);
	json_t *reported = json_object();
	size_t before = diags->len;
	sk_buf path = SK_BUF_INIT;
	sk_record_validator_run(validator, rec, diags);
	for (size_t j = before; j < diags->len; j++)
		json_object_set_new(reported, diags->items[j].path ? diags->items[j].path : "", json_true());
	check_dates(rec, rec->front, &path, reported, diags);
	json_decref(reported);
	sk_buf_free(&path);
	switch (rec->type) {
	case SK_TYPE_EXPERIMENT:
		check_order(rec, "/start", "/end", diags);
		break;
	case SK_TYPE_CASE:
		check_order(rec, "/started", "/ended", diags);
		break;
	case SK_TYPE_PARTNERSHIP:
		check_order(rec, "/period/from", "/period/to", diags);
		break;
	default:
		break;
	}
	return sk_diags_errors(diags) > errors ? SK_EINVALID : 0;
}

int sk_kb_check_stray(const sk_kb *kb, const char *path, sk_diags *diags)
{
	sk_record_type type;
	char *id = NULL;
	int lrc = sk_record_locate(&type, &id, NULL, path);
	free(id);
	if (lrc == 0)
		return 0;
	const char *msg = sk_error_last();
	size_t k = strlen(path);
	if (strncmp(msg, path, k) == 0 && msg[k] == ':')
		msg += k + 2;
	/* A stray file is a warning, but Markdown with front matter in the
	 * wrong place is a record that would silently not count. */
	char *full = sk_path_join(kb->root, path);
	if (lrc == SK_ENOTFOUND && is_markdown(path) && looks_like_record(full))
		sk_diags_add(diags, SK_DIAG_ERROR, path, 1, 1, NULL, "a record in no record's place: %s", msg);
	else
		sk_diags_add(diags, lrc == SK_ENOTFOUND ? SK_DIAG_WARNING : SK_DIAG_ERROR,
			path, 0, 0, NULL, "%s%s", lrc == SK_ENOTFOUND ? "ignored, " : "", msg);
	free(full);
	sk_error_clear();
	return 1;
}

void sk_kb_check_places(const sk_kb *kb, sk_diags *diags)
{
	check_unknown_places(kb, diags);
}

static int compare_entries(const void *a, const void *b)
{
	const sk_kb_entry *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->path, y->path);
}

static const sk_kb_entry *find_entry(const sk_kb_entry *es, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(es[mid].id, id);
		if (c == 0) {
			while (mid > 0 && strcmp(es[mid - 1].id, id) == 0)
				mid--;
			return &es[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void sk_kb_check_across(const sk_kb *kb, sk_kb_entry *es, size_t n, sk_diags *diags)
{
	/* Entries that come sorted (from the search index) stay as they are. */
	size_t sorted = 1;
	while (sorted < n && compare_entries(&es[sorted - 1], &es[sorted]) <= 0)
		sorted++;
	if (sorted < n)
		qsort(es, n, sizeof *es, compare_entries);

	/* Ids are unique across the whole KB. */
	for (size_t i = 1; i < n; i++)
		if (strcmp(es[i].id, es[i - 1].id) == 0) {
			size_t first = i - 1;
			while (first > 0 && strcmp(es[first - 1].id, es[i].id) == 0)
				first--;
			sk_diags_add(diags, SK_DIAG_ERROR, es[i].path, 1, 1, NULL,
				"duplicate id '%s': both %s and %s have it (ids must be unique in the knowledge base)",
				es[i].id, es[first].path, es[i].path);
		}

	/* Links resolve; log entries sit under an experiment. */
	for (size_t i = 0; i < n; i++) {
		const sk_record *rec = es[i].rec;
		if (!rec)
			continue;
		for (size_t j = 0; j < rec->n_links; j++) {
			const sk_link *l = &rec->links[j];
			const sk_kb_entry *t = find_entry(es, n, l->target);
			if (l->implicit) {
				if (!t || t->type != SK_TYPE_EXPERIMENT)
					sk_diags_add(diags, SK_DIAG_ERROR, rec->path, 1, 1, NULL,
						"log entry without its experiment: there is no experiments/%s/index.md (log entries live in experiments/EXPERIMENT/log/)",
						l->target);
				else if (t->rec)
					check_measurements(kb, rec, t->rec, diags);
				continue;
			}
			if (!t) {
				if (l->field)
					sk_diags_add(diags, SK_DIAG_ERROR, rec->path, l->line, l->col, NULL,
						"broken link: field '%s' names '%s', but no record has that id",
						l->field, l->target);
				else
					sk_diags_add(diags, SK_DIAG_ERROR, rec->path, l->line, l->col, NULL,
						"broken link: [[%s]] names no record", l->target);
				continue;
			}
			sk_record_type want = l->field ? field_type(l->field) : SK_TYPE_COUNT;
			if (want != SK_TYPE_COUNT && t->type != want)
				sk_diags_add(diags, SK_DIAG_ERROR, rec->path, l->line, l->col, NULL,
					"field '%s' should name a %s, but '%s' is a %s (%s)", l->field,
					sk_record_type_name(want), l->target, sk_record_type_name(t->type), t->path);
		}
	}
}

int sk_kb_check_records(const sk_kb *kb, sk_diags *diags, size_t *checked)
{
	int rc = 0;
	char **paths = NULL;
	size_t n_paths = 0, n = 0;
	sk_kb_entry *es = NULL;
	sk_record **recs = NULL;
	sk_record_validator *validator = sk_record_validator_new();

	if (checked)
		*checked = 0;
	if ((rc = sk_kb_list_files(&paths, &n_paths, kb)) < 0)
		goto done;
	es = sk_calloc(n_paths ? n_paths : 1, sizeof *es);
	recs = sk_calloc(n_paths ? n_paths : 1, sizeof *recs);

	/* Every file in a record's place: load and validate. */
	for (size_t i = 0; i < n_paths; i++) {
		if (sk_kb_check_stray(kb, paths[i], diags))
			continue;
		sk_kb_entry *e = &es[n];
		char *id = NULL;
		sk_record_locate(&e->type, &id, NULL, paths[i]);
		e->id = id;
		e->path = paths[i];
		if (sk_record_load(&recs[n], kb->root, paths[i], kb->max_bytes, diags) == 0) {
			e->rec = recs[n];
			sk_record_check(validator, recs[n], diags);
		}
		n++;
	}
	if (checked)
		*checked = n;
	sk_kb_check_across(kb, es, n, diags);
	check_unknown_places(kb, diags);
	rc = sk_diags_errors(diags) ? SK_EINVALID : 0;
	if (rc < 0)
		sk_error_set(rc, "%zu error%s in the knowledge base at %s", sk_diags_errors(diags),
			sk_diags_errors(diags) == 1 ? "" : "s", kb->root);
done:
	for (size_t i = 0; i < n; i++) {
		free((char *)es[i].id);
		sk_record_free(recs[i]);
	}
	free(es);
	free(recs);
	sk_record_validator_free(validator);
	sk_kb_paths_free(paths, n_paths);
	return rc;
}

int sk_kb_check(const sk_kb *kb, sk_diags *diags)
{
	return sk_kb_check_records(kb, diags, NULL);
}
