/* Searching the index: a parsed query becomes one FTS5 MATCH (every term a
 * quoted FTS5 string) and SQL conditions whose values are all bound
 * parameters; matches land in a temporary table from which the page of
 * hits, the total and the facets are read. */
#include "index_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Values bound in order to the '?' of the SQL being built. */
typedef struct params {
	char **v;
	size_t len, cap;
} params;

static void params_add(params *p, const char *s)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = sk_realloc(p->v, sk_mul_size(p->cap, sizeof *p->v));
	}
	p->v[p->len++] = sk_strdup(s);
}

static void params_free(params *p)
{
	for (size_t i = 0; i < p->len; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof *p);
}

static void params_bind(sqlite3_stmt *st, const params *p, int first)
{
	for (size_t i = 0; i < p->len; i++)
		sqlite3_bind_text(st, first + (int)i, p->v[i], -1, SQLITE_STATIC);
}

/* Appends " AND (condition)" for one filter; its values go to p. */
static void filter_sql(sk_buf *sql, params *p, const sk_qfilter *f)
{
	const char *n = f->field, *v = f->value;
	sk_buf_puts(sql, f->negated ? " AND NOT (" : " AND (");
	if (strcmp(n, "type") == 0) {
		/* "+": a scan of the narrow records beats the (type, title) index
		 * for a type that a quarter of the records have. */
		sk_buf_puts(sql, "+r.type = ?");
		params_add(p, v);
	} else if (strcmp(n, "kommune") == 0 || strcmp(n, "challenge") == 0) {
		/* An id, or the title of that kommune or challenge (Nord-Fron). */
		sk_buf_printf(sql, "r.rid IN (SELECT rid FROM facets WHERE name = '%s' AND value IN"
			" (SELECT ? UNION ALL SELECT id FROM records WHERE type = '%s' AND title = ? COLLATE NOCASE))",
			n, n);
		params_add(p, v);
		params_add(p, v);
	} else if (strcmp(n, "status") == 0) {
		sk_buf_puts(sql, "r.rid IN (SELECT rid FROM facets WHERE name = 'status' AND value = ?)");
		params_add(p, v);
	} else if (strcmp(n, "tag") == 0) {
		sk_buf_puts(sql, "r.rid IN (SELECT rid FROM tags WHERE tag = ?)");
		params_add(p, v);
	} else if (strcmp(n, "since") == 0) {
		sk_buf_puts(sql, "r.date >= ?");
		params_add(p, v);
	} else if (strcmp(n, "until") == 0) {
		/* until:2024 includes all of 2024. */
		sk_buf_puts(sql, "substr(r.date, 1, length(?)) <= ?");
		params_add(p, v);
		params_add(p, v);
	} else {
		/* Any front-matter field, through the index's table of field
		 * values (text, case-insensitive; numbers as SQLite writes them;
		 * true, false). It leaves out long text, which the record's JSON
		 * answers (a bound path, never spliced). */
		if (strlen(v) <= SK_INDEX_FIELD_MAX) {
			sk_buf_puts(sql, "r.rid IN (SELECT rid FROM fields WHERE name = ? AND value = ?)");
			params_add(p, n);
			params_add(p, v);
		} else {
			char *path = sk_printf("$.\"%s\"", n);
			sk_buf_puts(sql, "EXISTS (SELECT 1 FROM record_front f, json_each(f.front, ?) j"
				" WHERE f.rid = r.rid AND j.type = 'text' AND j.value = ? COLLATE NOCASE)");
			params_add(p, path);
			params_add(p, v);
			free(path);
		}
	}
	sk_buf_putc(sql, ')');
}

static int count_token(void *ud, const char *tok, size_t len, size_t start, size_t end)
{
	(void)tok;
	(void)len;
	(void)start;
	(void)end;
	(*(int *)ud)++;
	return 0;
}

/* Compound expansion: indexed terms that hold the word's stem as a part
 * (teknologi → velferdsteknologi), found in a trigram index over the
 * vocabulary. A part must start the term or follow at least four letters,
 * which keeps `eldre` from finding `foreldre`. */
static void expand_compound(void *ud, const sk_qterm *t, sk_buf *alt)
{
	sk_index *ix = ud;
	int n = 0;
	sk_index__tokenize(ix->tok, t->text, strlen(t->text), 1, count_token, &n);
	if (n != 1)
		return;
	char *stem = sk_index__stem_word(ix->tok, t->text, 1);
	sqlite3_stmt *st = NULL;
	sk_buf q = SK_BUF_INIT;
	size_t slen = strlen(stem);
	if (sk_utf8_length(stem, slen) < 4)
		goto done;
	/* Term ids grow with the term's length (see save_terms): in rowid
	 * order the shortest terms come first, and the search stops at the
	 * 24th part found or the 2000th term looked at. */
	if (sqlite3_prepare_v2(ix->db,
		"SELECT term FROM terms_tri WHERE terms_tri MATCH ? ORDER BY rowid LIMIT 2000",
		-1, &st, NULL) != SQLITE_OK)
		goto done;
	sk_index__fts_quote(&q, stem);
	sqlite3_bind_text(st, 1, q.data, -1, SQLITE_STATIC);
	int added = 0;
	while (added < 24 && sqlite3_step(st) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(st, 0);
		if (!term || strcmp(term, stem) == 0)
			continue;
		const char *at = strstr(term, stem);
		if (!at)
			continue;
		size_t before = (size_t)(at - term), after = strlen(at + slen);
		if (!((before == 0 && after >= 3) || before >= 4))
			continue;
		sk_buf_puts(alt, " OR \"");
		sk_buf_putc(alt, SK_TOK_RAW);
		sk_buf_puts(alt, term);   /* terms are words: no '"' in them */
		sk_buf_putc(alt, '"');
		added++;
	}
done:
	sqlite3_finalize(st);
	sk_buf_free(&q);
	free(stem);
}

/* "a" or "a NOT (b)" */
static char *with_not(const char *pos, const char *neg)
{
	if (!neg)
		return sk_strdup(pos);
	return sk_printf("%s NOT (%s)", pos, neg);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? sk_strdup((const char *)s) : NULL;
}

/* A copy of an FTS5 expression without the raw-token markers, an internal
 * detail ("" for NULL). */
static char *strip_raw(const char *expr)
{
	char *out = sk_strdup(expr ? expr : "");
	char *o = out;
	for (char *c = out; *c; c++)
		if (*c != SK_TOK_RAW)
			*o++ = *c;
	*o = '\0';
	return out;
}

/* Snippets: newlines and runs of spaces become one space. */
static void squeeze(char *s)
{
	char *o = s;
	int sp = 0;
	for (char *p = s; *p; p++) {
		char c = *p;
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c == ' ' && (sp || o == s))
			continue;
		sp = c == ' ';
		*o++ = c;
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

/* Counting one facet's values: an open-addressing table of value and
 * count (a GROUP BY sorted every facet row of the hits: 16 ms for 25 000
 * hits at 100 000 records, more than the rest of such a search). */
typedef struct facet_counter {
	sk_facet_value *slots;   /* value NULL: free */
	size_t cap, len;
} facet_counter;

static void counter_add(facet_counter *c, const char *value)
{
	if (2 * (c->len + 1) > c->cap) {
		facet_counter bigger = { sk_calloc(c->cap ? c->cap * 2 : 64, sizeof *c->slots),
			c->cap ? c->cap * 2 : 64, 0 };
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->slots[i].value)
				continue;
			size_t k = sk_index__hash(c->slots[i].value, strlen(c->slots[i].value)) & (bigger.cap - 1);
			while (bigger.slots[k].value)
				k = (k + 1) & (bigger.cap - 1);
			bigger.slots[k] = c->slots[i];
			bigger.len++;
		}
		free(c->slots);
		*c = bigger;
	}
	size_t k = sk_index__hash(value, strlen(value)) & (c->cap - 1);
	while (c->slots[k].value && strcmp(c->slots[k].value, value) != 0)
		k = (k + 1) & (c->cap - 1);
	if (!c->slots[k].value) {
		c->slots[k].value = sk_strdup(value);
		c->len++;
	}
	c->slots[k].count++;
}

static int cmp_facet_value(const void *a, const void *b)
{
	const sk_facet_value *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->value, y->value);
}

/* The counter's values, most frequent first (then by value), at most 50;
 * the counter is emptied. */
static void counter_take(facet_counter *c, sk_facet *f)
{
	size_t n = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].value)
			c->slots[n++] = c->slots[i];
	if (n > 1)
		qsort(c->slots, n, sizeof *c->slots, cmp_facet_value);
	for (size_t i = 50; i < n; i++)
		free(c->slots[i].value);
	f->n_values = n < 50 ? n : 50;
	f->values = n ? c->slots : NULL;
	if (!n)
		free(c->slots);
	c->slots = NULL;
	c->cap = c->len = 0;
}

static int read_facets(sk_index *ix, sk_search_result *res)
{
	static const char *const names[] = { "type", "kommune", "challenge", "status" };
	sqlite3_stmt *st = NULL;
	facet_counter counters[4] = { { NULL, 0, 0 } };
	/* One pass over the hits; facets(rid, name, value) covers it. CROSS
	 * JOIN keeps the hits outside, here and below: the temporary table has
	 * no statistics, and left to itself the planner scans every facet (or
	 * record) row in index order and probes the hits (7 ms at 10 000
	 * records even for no hit at all). */
	int rc = sk_index__prepare(ix, &st,
		"SELECT f.name, f.value FROM temp.hit h CROSS JOIN facets f ON f.rid = h.rid");
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		size_t i = 0;
		while (i < 4 && strcmp(names[i], name ? name : "") != 0)
			i++;
		if (i < 4 && value)
			counter_add(&counters[i], value);
	}
	sqlite3_finalize(st);
	res->facets = sk_calloc(4, sizeof *res->facets);
	res->n_facets = 4;
	for (size_t i = 0; i < 4; i++) {
		res->facets[i].name = sk_strdup(names[i]);
		counter_take(&counters[i], &res->facets[i]);
	}
	return 0;
}

/* Runs one statement with one bound text. */
static int run_bound(sk_index *ix, const char *sql, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sk_index__prepare(ix, &st, sql);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "searching");
	sqlite3_finalize(st);
	return rc;
}

/* Adds the records that match `expr` (an FTS5 expression; NULL: every
 * record but those matching `neg`) and the query's filters to temp.hit in
 * `tier`, with their bm25 score when `ranked` (else 0, which spares
 * computing it); records already there stay. *added: how many came in. */
static int fill_hits(sk_index *ix, const sk_query *q, const char *expr, const char *neg,
	int tier, int ranked, size_t *added)
{
	sk_buf sql = SK_BUF_INIT;
	params p = { 0 };
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (expr) {
		params_add(&p, expr);
		/* Without filters the records table need not be read at all;
		 * with them the text match drives (CROSS JOIN), never a scan of
		 * records by type probing the text index. */
		if (q->n_filters)
			sk_buf_printf(&sql, "INSERT OR IGNORE INTO temp.hit(rid, score, tier) SELECT r.rid, %s, %d"
				" FROM fts CROSS JOIN records r ON r.rid = fts.rowid WHERE fts MATCH ?",
				ranked ? "fts.rank" : "0", tier);
		else
			sk_buf_printf(&sql, "INSERT OR IGNORE INTO temp.hit(rid, score, tier) SELECT rowid, %s, %d"
				" FROM fts WHERE fts MATCH ?", ranked ? "rank" : "0", tier);
	} else {
		/* No text to rank by: the newest first, so the score is minus the
		 * date as a number (2024-05-01: -20240501; none: 0, last). */
		sk_buf_printf(&sql, "INSERT OR IGNORE INTO temp.hit(rid, score, tier) SELECT r.rid,"
			" coalesce(-CAST(replace(substr(r.date, 1, 10), '-', '') AS INTEGER), 0), %d"
			" FROM records r WHERE 1", tier);
		if (neg) {
			sk_buf_puts(&sql, " AND r.rid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)");
			params_add(&p, neg);
		}
	}
	for (size_t i = 0; i < q->n_filters; i++)
		filter_sql(&sql, &p, &q->filters[i]);
	if ((rc = sk_index__prepare(ix, &st, sql.data)) != 0)
		goto done;
	params_bind(st, &p, 1);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sk_index__sql_error(ix, "searching");
		goto done;
	}
	*added = (size_t)sqlite3_changes(ix->db);
done:
	sqlite3_finalize(st);
	sk_buf_free(&sql);
	params_free(&p);
	return rc;
}

int sk_index_search(sk_search_result **out, sk_index *ix, const char *query,
	const sk_search_opts *opts)
{
	*out = NULL;
	int rc = 0;
	sk_query *q = NULL;
	char *pos = NULL, *exact = NULL, *neg = NULL, *match = NULL, *exact_match = NULL;
	char *title_match = NULL;
	sqlite3_stmt *st = NULL, *snip = NULL;
	sk_search_result *res = sk_calloc(1, sizeof *res);
	sk_search_opts defaults = { 0 };
	if (!opts)
		opts = &defaults;
	size_t limit = opts->limit ? opts->limit : 20;
	const char *hl_open = opts->hl_open ? opts->hl_open : "[";
	const char *hl_close = opts->hl_close ? opts->hl_close : "]";

	if ((rc = sk_index__query_parse(&q, query)) != 0)
		goto done;
	pos = sk_index__query_fts(q, 0, expand_compound, ix);
	exact = sk_index__query_fts(q, 0, NULL, NULL);
	neg = sk_index__query_fts(q, 1, NULL, NULL);
	if ((rc = sk_index__exec(ix,
		"CREATE TEMP TABLE IF NOT EXISTS hit(rid INTEGER PRIMARY KEY, score REAL, tier INTEGER);"
		"DELETE FROM temp.hit;")) != 0)
		goto done;

	size_t exact_hits = 0, part_hits = 0;
	if (exact) {
		exact_match = with_not(exact, neg);
		if ((rc = fill_hits(ix, q, exact_match, NULL, 0, 1, &exact_hits)) != 0)
			goto done;
	} else if ((rc = fill_hits(ix, q, NULL, neg, 0, 0, &exact_hits)) != 0) {
		goto done;
	}

	/* bm25 divides by the length of the whole record, so a long record
	 * whose title or tags hold every word would lose to a short one that
	 * mentions them once: records whose title and tags hold the query
	 * count three times. */
	if (exact && exact_hits > 1) {
		title_match = sk_printf("{title tags} : (%s)", exact);
		if ((rc = run_bound(ix, "UPDATE temp.hit SET score = score * 3 WHERE rid IN"
			" (SELECT rowid FROM fts WHERE fts MATCH ?)", title_match)) != 0)
			goto done;
	}

	/* Records found only through compound parts come after those holding
	 * the words themselves (tier 1). Finding them costs little without
	 * bm25; they are ranked only when the page reaches them. */
	if (pos && strcmp(pos, exact) != 0) {
		match = with_not(pos, neg);
		if ((rc = fill_hits(ix, q, match, NULL, 1, 0, &part_hits)) != 0)
			goto done;
		if (part_hits && part_hits <= 5000 && exact_hits < opts->offset + limit &&
			(rc = run_bound(ix, "UPDATE temp.hit SET score = x.rank FROM (SELECT rowid, rank FROM fts"
				" WHERE fts MATCH ?) AS x WHERE x.rowid = temp.hit.rid AND temp.hit.tier = 1", match)) != 0)
			goto done;
	}
	res->total = exact_hits + part_hits;

	/* The page: hits up to the (tier, score) of the page's last one, ties
	 * included, are the only ones whose records are read to break ties by
	 * date and id; reading all of them cost more than the search. */
	if ((rc = sk_index__prepare(ix, &st,
		"WITH cut AS (SELECT tier, score FROM temp.hit ORDER BY tier, score LIMIT 1 OFFSET ?3)"
		" SELECT r.rid, r.id, r.type, r.path, r.title, h.score, r.valid, h.tier FROM temp.hit h"
		" CROSS JOIN records r ON r.rid = h.rid"
		" WHERE NOT EXISTS (SELECT 1 FROM cut) OR (h.tier, h.score) <= (SELECT tier, score FROM cut)"
		" ORDER BY h.tier, h.score, r.date DESC, r.id LIMIT ?1 OFFSET ?2")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)opts->offset);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(opts->offset + limit - 1));
	if (pos)
		rc = sk_index__prepare(ix, &snip,
			"SELECT snippet(fts, 2, ?, ?, '…', 14) FROM fts WHERE fts MATCH ? AND rowid = ?");
	else
		rc = sk_index__prepare(ix, &snip, "SELECT substr(body, 1, 160) FROM fts WHERE rowid = ?");
	if (rc)
		goto done;
	res->hits = sk_calloc(limit, sizeof *res->hits);
	while (sqlite3_step(st) == SQLITE_ROW) {
		sk_search_hit *h = &res->hits[res->n_hits++];
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		h->id = col_dup(st, 1);
		h->type = col_dup(st, 2);
		h->path = col_dup(st, 3);
		h->title = col_dup(st, 4);
		/* Without text the score is only the date's order: not a rank. */
		h->score = pos ? sqlite3_column_double(st, 5) : 0;
		h->valid = sqlite3_column_int(st, 6);
		if (pos) {
			sqlite3_bind_text(snip, 1, hl_open, -1, SQLITE_STATIC);
			sqlite3_bind_text(snip, 2, hl_close, -1, SQLITE_STATIC);
			/* Parts are highlighted only where they found the record. */
			sqlite3_bind_text(snip, 3, sqlite3_column_int(st, 7) ? pos : exact, -1, SQLITE_STATIC);
			sqlite3_bind_int64(snip, 4, rid);
		} else {
			sqlite3_bind_int64(snip, 1, rid);
		}
		if (sqlite3_step(snip) == SQLITE_ROW)
			h->snippet = col_dup(snip, 0);
		sqlite3_reset(snip);
		if (!h->snippet)
			h->snippet = sk_strdup("");
		squeeze(h->snippet);
		/* The start of the text (filters only): end at a word, say it goes on. */
		size_t sl = strlen(h->snippet);
		if (!pos && sl >= 150) {
			char *cut = strrchr(h->snippet, ' ');
			if (cut)
				*cut = '\0';
			char *longer = sk_printf("%s…", h->snippet);
			free(h->snippet);
			h->snippet = longer;
		}
	}
	if (opts->facets && (rc = read_facets(ix, res)) != 0)
		goto done;
	res->fts = strip_raw(match ? match : exact_match);
done:
	sqlite3_finalize(st);
	sqlite3_finalize(snip);
	sk_index__query_free(q);
	free(pos);
	free(exact);
	free(neg);
	free(match);
	free(exact_match);
	free(title_match);
	if (rc) {
		sk_search_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

void sk_search_result_free(sk_search_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_hits; i++) {
		sk_search_hit *h = &res->hits[i];
		free(h->id);
		free(h->type);
		free(h->path);
		free(h->title);
		free(h->snippet);
	}
	free(res->hits);
	for (size_t i = 0; i < res->n_facets; i++) {
		for (size_t k = 0; k < res->facets[i].n_values; k++)
			free(res->facets[i].values[k].value);
		free(res->facets[i].values);
		free(res->facets[i].name);
	}
	free(res->facets);
	free(res->fts);
	free(res);
}

/* ---- Links -------------------------------------------------------------- */

static void links_read(sqlite3_stmt *st, sk_index_link **arr, size_t *n)
{
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*arr = sk_realloc(*arr, sk_mul_size(cap, sizeof **arr));
		}
		sk_index_link *l = &(*arr)[(*n)++];
		l->id = col_dup(st, 0);
		l->field = col_dup(st, 1);
		l->type = col_dup(st, 2);
		l->title = col_dup(st, 3);
	}
}

int sk_index_links_get(sk_index_links **out, sk_index *ix, const char *id)
{
	*out = NULL;
	int rc = 0;
	sqlite3_stmt *st = NULL;
	sk_index_links *l = sk_calloc(1, sizeof *l);
	if ((rc = sk_index__prepare(ix, &st, "SELECT id, type, title FROM records WHERE id = ? ORDER BY rid LIMIT 1")) != 0)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sk_error_set(SK_ENOTFOUND, "no record has the id '%s'", id);
		goto done;
	}
	l->id = col_dup(st, 0);
	l->type = col_dup(st, 1);
	l->title = col_dup(st, 2);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sk_index__prepare(ix, &st,
		"SELECT l.target, l.field, t.type, t.title FROM links l JOIN records s ON s.rid = l.rid"
		" LEFT JOIN records t ON t.id = l.target WHERE s.id = ?"
		" GROUP BY l.target, l.field ORDER BY min(l.rowid)")) != 0)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	links_read(st, &l->out, &l->n_out);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sk_index__prepare(ix, &st,
		"SELECT s.id, l.field, s.type, s.title FROM links l JOIN records s ON s.rid = l.rid"
		" WHERE l.target = ? AND s.id <> ? GROUP BY s.id, l.field ORDER BY s.type, s.id")) != 0)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	links_read(st, &l->in, &l->n_in);
done:
	sqlite3_finalize(st);
	if (rc) {
		sk_index_links_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static void link_array_free(sk_index_link *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].id);
		free(a[i].type);
		free(a[i].title);
		free(a[i].field);
	}
	free(a);
}

void sk_index_links_free(sk_index_links *l)
{
	if (!l)
		return;
	free(l->id);
	free(l->type);
	free(l->title);
	link_array_free(l->out, l->n_out);
	link_array_free(l->in, l->n_in);
	free(l);
}

/* ---- Related records ---------------------------------------------------- */

typedef struct term_count {
	char *term;
	double weight;
} term_count;

typedef struct term_bag {
	sk_strset set;        /* distinct terms */
	term_count *items;
	size_t len, cap;
} term_bag;

static int bag_add(void *ud, const char *tok, size_t len, size_t start, size_t end)
{
	term_bag *b = ud;
	(void)start;
	(void)end;
	if (len < 3)
		return 0;
	for (size_t i = 0; i < b->len; i++) {
		if (strlen(b->items[i].term) == len && memcmp(b->items[i].term, tok, len) == 0) {
			b->items[i].weight += 1;
			return 0;
		}
	}
	if (b->len == 400)
		return 0;
	if (b->len == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->items = sk_realloc(b->items, sk_mul_size(b->cap, sizeof *b->items));
	}
	b->items[b->len].term = sk_strndup(tok, len);
	b->items[b->len].weight = 1;
	b->len++;
	return 0;
}

static int cmp_weight(const void *a, const void *b)
{
	double x = ((const term_count *)a)->weight, y = ((const term_count *)b)->weight;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The record's most distinctive terms (tf·idf) as an FTS5 OR expression
 * of raw terms; NULL when it has none worth searching. */
static char *top_terms(sk_index *ix, sqlite3_int64 rid)
{
	sqlite3_stmt *st = NULL, *df = NULL;
	term_bag bag = { { 0 }, NULL, 0, 0 };
	sk_buf expr = SK_BUF_INIT;
	double n_docs = 1;
	if (sqlite3_prepare_v2(ix->db, "SELECT title, tags, body, (SELECT count(*) FROM records) FROM fts WHERE rowid = ?",
		-1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, rid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < 3; c++) {
			const char *t = (const char *)sqlite3_column_text(st, c);
			if (t)
				sk_index__tokenize(ix->tok, t, strlen(t), 1, bag_add, &bag);
		}
		n_docs = (double)sqlite3_column_int64(st, 3);
	}
	if (sqlite3_prepare_v2(ix->db, "SELECT doc FROM fts_v WHERE term = ?", -1, &df, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < bag.len; i++) {
		sqlite3_bind_text(df, 1, bag.items[i].term, -1, SQLITE_STATIC);
		double d = 1;
		if (sqlite3_step(df) == SQLITE_ROW)
			d = (double)sqlite3_column_int64(df, 0);
		sqlite3_reset(df);
		/* A term no other record holds cannot relate it to anything. */
		if (d < 2)
			bag.items[i].weight = 0;
		else
			bag.items[i].weight *= log(1 + n_docs / d);
	}
	if (bag.len > 1)
		qsort(bag.items, bag.len, sizeof *bag.items, cmp_weight);
	for (size_t i = 0; i < bag.len && i < 12; i++) {
		if (bag.items[i].weight <= 0)
			break;
		if (expr.len)
			sk_buf_puts(&expr, " OR ");
		sk_buf_putc(&expr, '"');
		sk_buf_putc(&expr, SK_TOK_RAW);
		sk_buf_puts(&expr, bag.items[i].term);
		sk_buf_putc(&expr, '"');
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(df);
	for (size_t i = 0; i < bag.len; i++)
		free(bag.items[i].term);
	free(bag.items);
	if (!expr.len) {
		sk_buf_free(&expr);
		return NULL;
	}
	return sk_buf_detach(&expr);
}

int sk_index_related(sk_search_result **out, sk_index *ix, const char *id, size_t limit)
{
	*out = NULL;
	int rc = 0;
	sqlite3_stmt *st = NULL;
	char *terms = NULL;
	sk_search_result *res = sk_calloc(1, sizeof *res);
	if (!limit)
		limit = 10;
	if ((rc = sk_index__prepare(ix, &st, "SELECT rid FROM records WHERE id = ? ORDER BY rid LIMIT 1")) != 0)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sk_error_set(SK_ENOTFOUND, "no record has the id '%s'", id);
		goto done;
	}
	sqlite3_int64 rid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sk_index__exec(ix,
		"CREATE TEMP TABLE IF NOT EXISTS rel(rid INTEGER PRIMARY KEY, links INTEGER DEFAULT 0,"
		" tags INTEGER DEFAULT 0, text REAL DEFAULT 0);"
		"DELETE FROM temp.rel;")) != 0)
		goto done;
	/* Links either way, shared link targets, shared tags. Rare shared
	 * targets count more than ones half the KB links to. */
	static const char *const steps[] = {
		"INSERT INTO temp.rel(rid, links) SELECT rid, 3 FROM links WHERE target = (SELECT id FROM records WHERE rid = ?1)"
		" AND rid <> ?1 ON CONFLICT(rid) DO UPDATE SET links = links + 3",
		"INSERT INTO temp.rel(rid, links) SELECT t.rid, 3 FROM links l JOIN records t ON t.id = l.target"
		" WHERE l.rid = ?1 AND t.rid <> ?1 ON CONFLICT(rid) DO UPDATE SET links = links + 3",
		"INSERT INTO temp.rel(rid, links) SELECT l2.rid, count(DISTINCT l2.target) FROM links l1"
		" JOIN links l2 ON l2.target = l1.target WHERE l1.rid = ?1 AND l2.rid <> ?1"
		" AND (SELECT count(*) FROM links l3 WHERE l3.target = l1.target) <= 200"
		" GROUP BY l2.rid ON CONFLICT(rid) DO UPDATE SET links = links + excluded.links",
		"INSERT INTO temp.rel(rid, tags) SELECT t2.rid, count(*) FROM tags t1 JOIN tags t2 ON t2.tag = t1.tag"
		" WHERE t1.rid = ?1 AND t2.rid <> ?1 GROUP BY t2.rid"
		" ON CONFLICT(rid) DO UPDATE SET tags = tags + excluded.tags",
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if ((rc = sk_index__prepare(ix, &st, steps[i])) != 0)
			goto done;
		sqlite3_bind_int64(st, 1, rid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = sk_index__sql_error(ix, "finding related records");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	terms = top_terms(ix, rid);
	if (terms) {
		/* Text similarity: the best match scores 4, the rest in proportion. */
		if ((rc = sk_index__prepare(ix, &st,
			"INSERT INTO temp.rel(rid, text) SELECT rowid, s FROM (SELECT rowid, rank AS s FROM fts"
			" WHERE fts MATCH ?1 AND rowid <> ?2 ORDER BY rank LIMIT 50)"
			" WHERE 1 ON CONFLICT(rid) DO UPDATE SET text = excluded.text")) != 0)
			goto done;
		sqlite3_bind_text(st, 1, terms, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, rid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = sk_index__sql_error(ix, "finding similar records");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
		if ((rc = sk_index__exec(ix,
			"UPDATE temp.rel SET text = 4.0 * text / (SELECT min(text) FROM temp.rel WHERE text < 0)"
			" WHERE text < 0")) != 0)
			goto done;
	}
	if ((rc = sk_index__prepare(ix, &st,
		"SELECT r.id, r.type, r.path, r.title, x.links + x.tags * 2 + x.text AS score, r.valid,"
		" x.links, x.tags, x.text, (SELECT count(*) FROM temp.rel)"
		" FROM temp.rel x CROSS JOIN records r ON r.rid = x.rid ORDER BY score DESC, r.id LIMIT ?")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	res->hits = sk_calloc(limit, sizeof *res->hits);
	while (sqlite3_step(st) == SQLITE_ROW) {
		sk_search_hit *h = &res->hits[res->n_hits++];
		h->id = col_dup(st, 0);
		h->type = col_dup(st, 1);
		h->path = col_dup(st, 2);
		h->title = col_dup(st, 3);
		h->score = sqlite3_column_double(st, 4);
		h->valid = sqlite3_column_int(st, 5);
		res->total = (size_t)sqlite3_column_int64(st, 9);
		sk_buf why = SK_BUF_INIT;
		int nl = sqlite3_column_int(st, 6), nt = sqlite3_column_int(st, 7);
		if (nl)
			sk_buf_printf(&why, "link weight %d", nl);
		if (nt)
			sk_buf_printf(&why, "%sshared tags %d", why.len ? ", " : "", nt);
		if (sqlite3_column_double(st, 8) > 0)
			sk_buf_printf(&why, "%ssimilar text", why.len ? ", " : "");
		h->snippet = sk_buf_detach(&why);
	}
	res->fts = strip_raw(terms);
done:
	sqlite3_finalize(st);
	free(terms);
	if (rc) {
		sk_search_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}
