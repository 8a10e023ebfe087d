/* Reading records back out of the index for reports: front matter and
 * links as the last update stored them, and what check finds in each file,
 * so that a status overview of 100 000 records reads no record file. */
#include "index_priv.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- Where the records' memory comes from ------------------------------
 * sk_index_records gives each record allocations of its own (freed with
 * sk_record_free); a set keeps the strings, links and records of 100 000
 * records in a few large blocks, so that reading them allocates little and
 * freeing them is a handful of calls. */

typedef struct pool_block {
	struct pool_block *next;
	size_t used, cap;
	max_align_t data[];
} pool_block;

typedef struct pool {
	pool_block *head;
} pool;

#define POOL_BLOCK (1u << 20)

static void *pool_alloc(pool *p, size_t n)
{
	size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (!p->head || p->head->cap - p->head->used < n) {
		size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
		pool_block *b = sk_malloc(sizeof *b + cap);
		b->next = p->head;
		b->used = 0;
		b->cap = cap;
		p->head = b;
	}
	void *out = (char *)p->head->data + p->head->used;
	p->head->used += n;
	return out;
}

static void pool_free(pool *p)
{
	while (p->head) {
		pool_block *next = p->head->next;
		free(p->head);
		p->head = next;
	}
}

/* A copy of s in the pool, or of its own when p is NULL. */
static char *pool_strdup(pool *p, const char *s)
{
	if (!s)
		return NULL;
	if (!p)
		return sk_strdup(s);
	size_t n = strlen(s) + 1;
	char *out = pool_alloc(p, n);
	memcpy(out, s, n);
	return out;
}

static char *column_dup(pool *p, sqlite3_stmt *st, int col)
{
	return pool_strdup(p, (const char *)sqlite3_column_text(st, col));
}

/* Id, then path: a set's order, the one the checks across records use. */
static int compare_ids(const void *a, const void *b)
{
	const sk_record *x = *(sk_record *const *)a, *y = *(sk_record *const *)b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->path, y->path);
}

/* Binds the conditions of sel to the statement of select_sql. */
static void bind_select(sqlite3_stmt *q, const sk_index_select *sel)
{
	if (sqlite3_bind_parameter_count(q) == 0)
		return;
	sqlite3_bind_int64(q, 1, sel->types ? (sqlite3_int64)sel->types : -1);
	if (sel->id)
		sqlite3_bind_text(q, 2, sel->id, -1, SQLITE_STATIC);
	if (sel->experiment)
		sqlite3_bind_text(q, 3, sel->experiment, -1, SQLITE_STATIC);
}

/* The records' rows: ?1 a mask of type numbers, ?2 an id, ?3 an
 * experiment (NULL: any). The type's number comes from its name through
 * a CASE so that the mask can be tested in SQL. */
#define TYPE_NUMBER \
	"CASE r.type WHEN 'partnership' THEN 0 WHEN 'kommune' THEN 1 WHEN 'challenge' THEN 2" \
	" WHEN 'case' THEN 3 WHEN 'experiment' THEN 4 WHEN 'log' THEN 5 WHEN 'model' THEN 6 ELSE 31 END"

/* Appends the WHERE clause of sel: only the conditions it sets, so that
 * SQLite looks an id or an experiment up in its index. */
static void select_where(sk_buf *sql, const sk_index_select *sel)
{
	sk_buf_puts(sql, " WHERE (?1 >> (" TYPE_NUMBER ")) & 1");
	if (sel->id)
		sk_buf_puts(sql, " AND r.id = ?2");
	if (sel->experiment)
		sk_buf_puts(sql, " AND r.experiment = ?3");
}

/* Sets each record's links from the links table's rows; recs are in rid
 * order (rids[i] is recs[i]'s). A record's links are one run of rows:
 * gathered in `run`, then given their own array (or pool space). */
static int attach_links(sk_index *ix, pool *p, sk_record **recs, const sqlite3_int64 *rids, size_t n,
	const sk_index_select *sel)
{
	sqlite3_stmt *q = NULL;
	sk_buf sql = SK_BUF_INIT;
	sk_link *run = NULL;
	size_t n_run = 0, cap = 0, i = 0;
	sk_buf_puts(&sql, "SELECT l.rid, l.target, l.field, l.line, l.col, l.implicit FROM links l");
	/* Every record's links need no look-up of their record each. */
	if (sel->types || sel->id || sel->experiment) {
		sk_buf_puts(&sql, " JOIN records r ON r.rid = l.rid");
		select_where(&sql, sel);
	}
	sk_buf_puts(&sql, " ORDER BY l.rid");
	int rc = sk_index__prepare(ix, &q, sql.data);
	sk_buf_free(&sql);
	if (rc)
		return rc;
	bind_select(q, sel);
	int r;
	for (;;) {
		r = sqlite3_step(q);
		sqlite3_int64 rid = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
		/* A run ends: hand it to its record. */
		if (n_run && (r != SQLITE_ROW || rid != rids[i])) {
			size_t bytes = sk_mul_size(n_run, sizeof *run);
			recs[i]->links = p ? pool_alloc(p, bytes) : sk_malloc(bytes);
			memcpy(recs[i]->links, run, bytes);
			recs[i]->n_links = n_run;
			n_run = 0;
		}
		if (r != SQLITE_ROW)
			break;
		while (i < n && rids[i] < rid)
			i++;
		if (i >= n || rids[i] != rid)
			continue;
		if (n_run == cap) {
			cap = cap ? cap * 2 : 16;
			run = sk_realloc(run, sk_mul_size(cap, sizeof *run));
		}
		sk_link *l = &run[n_run++];
		l->target = column_dup(p, q, 1);
		l->field = column_dup(p, q, 2);
		l->line = sqlite3_column_int(q, 3);
		l->col = sqlite3_column_int(q, 4);
		l->implicit = sqlite3_column_int(q, 5);
		if (!l->target)
			l->target = pool_strdup(p, "");
	}
	if (r != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading links");
	free(run);
	sqlite3_finalize(q);
	return rc;
}

/* A growing array of records with their rids. */
typedef struct rec_list {
	sk_record **v;
	sqlite3_int64 *rids;
	size_t n, cap;
} rec_list;

static void rec_list_push(rec_list *l, sk_record *rec, sqlite3_int64 rid)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = sk_realloc(l->v, sk_mul_size(l->cap, sizeof *l->v));
		l->rids = sk_realloc(l->rids, sk_mul_size(l->cap, sizeof *l->rids));
	}
	l->v[l->n] = rec;
	l->rids[l->n++] = rid;
}

/* Reads the records sel selects into ok (those that parse, with links)
 * and, when bad is not NULL, bad; their memory from p, or their own. */
static int read_records(sk_index *ix, pool *p, const sk_index_select *sel, rec_list *ok, rec_list *bad)
{
	sqlite3_stmt *q = NULL;
	sk_buf sql = SK_BUF_INIT;
	sk_buf_puts(&sql, "SELECT r.rid, r.id, r.type, r.path, r.experiment, r.title, f.parsed,"
		" CASE WHEN f.parsed AND (?4 >> (" TYPE_NUMBER ")) & 1 THEN f.front END"
		" FROM records r JOIN record_front f USING(rid)");
	select_where(&sql, sel);
	sk_buf_puts(&sql, " ORDER BY r.rid");
	int rc = sk_index__prepare(ix, &q, sql.data);
	sk_buf_free(&sql);
	if (rc)
		return rc;
	bind_select(q, sel);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)sel->fronts);
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		sk_record_type type;
		const char *tname = (const char *)sqlite3_column_text(q, 2);
		int parsed = sqlite3_column_int(q, 6);
		if (!tname || sk_record_type_parse(&type, tname) != 0) {
			sk_error_clear();
			continue;
		}
		if (!parsed && !bad)
			continue;
		if (!sqlite3_column_text(q, 1) || !sqlite3_column_text(q, 3))
			continue;
		sk_record *rec = p ? pool_alloc(p, sizeof *rec) : sk_malloc(sizeof *rec);
		memset(rec, 0, sizeof *rec);
		rec->type = type;
		rec->id = column_dup(p, q, 1);
		rec->path = column_dup(p, q, 3);
		rec->experiment = column_dup(p, q, 4);
		rec->title = column_dup(p, q, 5);
		const char *text = (const char *)sqlite3_column_text(q, 7);
		if (text) {
			json_error_t err;
			rec->front = json_loadb(text, (size_t)sqlite3_column_bytes(q, 7), 0, &err);
		}
		rec_list_push(parsed ? ok : bad, rec, sqlite3_column_int64(q, 0));
	}
	if (r != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading records");
	sqlite3_finalize(q);
	/* Only records that parse have links. */
	if (rc == 0 && sel->links)
		rc = attach_links(ix, p, ok->v, ok->rids, ok->n, sel);
	return rc;
}

static const sk_index_select select_all = { 0, ~0u, NULL, NULL, 1 };

int sk_index_records(sk_record ***recs, size_t *count, sk_record ***unparsed, size_t *n_unparsed,
	sk_index *ix, const sk_index_select *sel)
{
	rec_list ok = { 0 }, bad = { 0 };
	*recs = NULL;
	*count = 0;
	if (unparsed) {
		*unparsed = NULL;
		*n_unparsed = 0;
	}
	int rc = read_records(ix, NULL, sel ? sel : &select_all, &ok, unparsed ? &bad : NULL);
	if (rc == 0) {
		if (ok.n > 1)
			qsort(ok.v, ok.n, sizeof *ok.v, sk_records_compare);
		if (bad.n > 1)
			qsort(bad.v, bad.n, sizeof *bad.v, sk_records_compare);
		*recs = ok.v;
		*count = ok.n;
		ok.v = NULL;
		if (unparsed) {
			*unparsed = bad.v;
			*n_unparsed = bad.n;
			bad.v = NULL;
		}
	}
	sk_records_free(ok.v, ok.n);
	sk_records_free(bad.v, bad.n);
	free(ok.rids);
	free(bad.rids);
	return rc;
}

struct sk_index_set {
	pool pool;
	sk_record **recs, **unparsed;
	size_t n, n_unparsed;
};

int sk_index_set_load(sk_index_set **out, sk_index *ix, const sk_index_select *sel)
{
	sk_index_set *set = sk_calloc(1, sizeof *set);
	rec_list ok = { 0 }, bad = { 0 };
	*out = NULL;
	int rc = read_records(ix, &set->pool, sel ? sel : &select_all, &ok, &bad);
	set->recs = ok.v;
	set->n = ok.n;
	set->unparsed = bad.v;
	set->n_unparsed = bad.n;
	free(ok.rids);
	free(bad.rids);
	if (rc) {
		sk_index_set_free(set);
		return rc;
	}
	if (set->n > 1)
		qsort(set->recs, set->n, sizeof *set->recs, compare_ids);
	if (set->n_unparsed > 1)
		qsort(set->unparsed, set->n_unparsed, sizeof *set->unparsed, compare_ids);
	*out = set;
	return 0;
}

sk_record *const *sk_index_set_records(const sk_index_set *set, size_t *count)
{
	*count = set->n;
	return set->recs;
}

sk_record *const *sk_index_set_unparsed(const sk_index_set *set, size_t *count)
{
	*count = set->n_unparsed;
	return set->unparsed;
}

void sk_index_set_free(sk_index_set *set)
{
	if (!set)
		return;
	/* Front matter is Jansson's, counted by reference, not the pool's. */
	for (size_t i = 0; i < set->n; i++)
		json_decref(set->recs[i]->front);
	free(set->recs);
	free(set->unparsed);
	pool_free(&set->pool);
	free(set);
}

/* Appends `$."name"` (a JSON path naming one member) to b. */
static void json_member_path(sk_buf *b, const char *name, size_t len)
{
	sk_buf_puts(b, "$.\"");
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '"' || name[i] == '\\')
			sk_buf_putc(b, '\\');
		sk_buf_putc(b, name[i]);
	}
	sk_buf_putc(b, '"');
}

int sk_index_each(sk_index *ix, sk_record_type type, const char *const *fields,
	sk_index_row_fn fn, void *ud)
{
	sqlite3_stmt *q = NULL;
	sk_buf sql = SK_BUF_INIT;
	size_t nf = 0;
	while (fields && fields[nf])
		nf++;
	char **paths = sk_calloc(2 * nf + 1, sizeof *paths);
	const char **values = sk_calloc(nf + 1, sizeof *values);
	/* Every JSON path is a bound parameter: a field's name never stands
	 * in the statement. */
	sk_buf_puts(&sql, "SELECT r.id, r.path, r.title, r.experiment");
	int param = 2;
	for (size_t i = 0; i < nf; i++) {
		const char *f = fields[i], *dot = strstr(f, "[].");
		size_t len = strlen(f);
		sk_buf p = SK_BUF_INIT, m = SK_BUF_INIT;
		if (len > 2 && strcmp(f + len - 2, "{}") == 0) {
			json_member_path(&p, f, len - 2);
			sk_buf_printf(&sql, ", CASE WHEN json_type(f.front, ?%d) = 'object' THEN"
				" (SELECT json_group_array(key) FROM json_each(f.front, ?%d)) END", param, param);
			param++;
		} else if (dot) {
			json_member_path(&p, f, (size_t)(dot - f));
			json_member_path(&m, dot + 3, strlen(dot + 3));
			sk_buf_printf(&sql, ", CASE WHEN json_type(f.front, ?%d) = 'array' THEN"
				" (SELECT json_group_array(json_extract(value, ?%d)) FROM json_each(f.front, ?%d)) END",
				param, param + 1, param);
			param += 2;
		} else {
			json_member_path(&p, f, len);
			sk_buf_printf(&sql, ", json_extract(f.front, ?%d)", param);
			param++;
		}
		paths[2 * i] = sk_buf_detach(&p);
		paths[2 * i + 1] = m.len ? sk_buf_detach(&m) : NULL;
		sk_buf_free(&m);
	}
	sk_buf_puts(&sql, " FROM records r JOIN record_front f USING(rid)"
		" WHERE r.type = ?1 AND f.parsed ORDER BY r.rid");
	int rc = sk_index__prepare(ix, &q, sql.data);
	if (rc)
		goto done;
	sqlite3_bind_text(q, 1, sk_record_type_name(type), -1, SQLITE_STATIC);
	param = 2;
	for (size_t i = 0; i < nf; i++) {
		sqlite3_bind_text(q, param++, paths[2 * i], -1, SQLITE_STATIC);
		if (paths[2 * i + 1])
			sqlite3_bind_text(q, param++, paths[2 * i + 1], -1, SQLITE_STATIC);
	}
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		for (size_t i = 0; i < nf; i++)
			values[i] = (const char *)sqlite3_column_text(q, (int)i + 4);
		if ((rc = fn(ud, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
			(const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3), values)) != 0)
			goto done;
	}
	if (r != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading records");
done:
	sqlite3_finalize(q);
	for (size_t i = 0; i < 2 * nf; i++)
		free(paths[i]);
	free(paths);
	free(values);
	sk_buf_free(&sql);
	return rc;
}

/* Appends the problems of one file as index_file stored them. */
static void add_problems(sk_diags *diags, const char *path, const char *text)
{
	json_error_t err;
	json_t *arr = json_loads(text, 0, &err);
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p) {
		const char *sev = json_string_value(json_array_get(p, 0));
		const char *msg = json_string_value(json_array_get(p, 4));
		sk_diags_add(diags, sev && strcmp(sev, "warning") == 0 ? SK_DIAG_WARNING : SK_DIAG_ERROR,
			path, (int)json_integer_value(json_array_get(p, 1)),
			(int)json_integer_value(json_array_get(p, 2)),
			json_string_value(json_array_get(p, 3)), "%s", msg ? msg : "");
	}
	json_decref(arr);
}

int sk_index_problems(sk_diags *diags, sk_index *ix)
{
	sqlite3_stmt *q = NULL;
	int rc = sk_index__prepare(ix, &q,
		"SELECT r.path, f.problems FROM record_front f JOIN records r USING(rid)"
		" WHERE f.problems IS NOT NULL");
	if (rc)
		return rc;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW)
		add_problems(diags, (const char *)sqlite3_column_text(q, 0),
			(const char *)sqlite3_column_text(q, 1));
	if (r != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading problems");
	sqlite3_finalize(q);
	q = NULL;
	if (rc || (rc = sk_index__prepare(ix, &q,
		"SELECT path, severity, line, col, message FROM strays")) != 0)
		return rc;
	while ((r = sqlite3_step(q)) == SQLITE_ROW)
		sk_diags_add(diags, sqlite3_column_int(q, 1) ? SK_DIAG_ERROR : SK_DIAG_WARNING,
			(const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 2),
			sqlite3_column_int(q, 3), NULL, "%s", (const char *)sqlite3_column_text(q, 4));
	if (r != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading stray files");
	sqlite3_finalize(q);
	return rc;
}


int sk_index_open_again(sk_index **out, sk_index *ix)
{
	return sk_index_open(out, ix->kb, ix->db_path);
}
