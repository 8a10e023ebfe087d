/* Searching the index: a parsed query becomes one FTS5 MATCH (every term a
 * quoted FTS5 string, a word with its compound parts as alternatives) and
 * SQL conditions whose values are all bound parameters. One pass ranks
 * every match with sk_rank, a bm25 of our own that knows which phrases are
 * the words and which their parts, and keeps where a hit that may reach
 * the page holds them; the hits are gathered in C, the page picked by
 * quickselect, its snippets cut from those places in its body, and the
 * facets counted from a per-connection cache of the records' facet
 * values (which also holds the rows' lengths and dates). */
#include "index_priv.h"
#include "snippet.h"
#include "vocab.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
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

/* 1 when a filter reads the records table (r); the others need only the
 * record's rid. */
static int filter_needs_record(const sk_qfilter *f)
{
	const char *n = f->field;
	if (strcmp(n, "type") == 0 || strcmp(n, "since") == 0 || strcmp(n, "until") == 0)
		return 1;
	if (strcmp(n, "kommune") == 0 || strcmp(n, "challenge") == 0 || strcmp(n, "status") == 0 ||
		strcmp(n, "tag") == 0)
		return 0;
	return strlen(f->value) > SK_INDEX_FIELD_MAX;
}

/* Appends the SELECT of the rids a filter on the rid alone (kommune,
 * challenge, status, tag, a field's short value; type through the type
 * facet, which holds records.type) lets through; a rid may come twice. */
static void filter_set_sql(sk_buf *sql, params *p, const sk_qfilter *f)
{
	const char *n = f->field, *v = f->value;
	if (strcmp(n, "type") == 0 || strcmp(n, "status") == 0) {
		sk_buf_printf(sql, "SELECT rid FROM facets WHERE name = '%s' AND value = ?", n);
		params_add(p, v);
	} else if (strcmp(n, "kommune") == 0 || strcmp(n, "challenge") == 0) {
		/* An id, or the title of that kommune or challenge (Nord-Fron). */
		sk_buf_printf(sql, "SELECT rid FROM facets WHERE name = '%s' AND value IN"
			" (SELECT ? UNION ALL SELECT id FROM records WHERE type = '%s' AND title = ? COLLATE NOCASE)",
			n, n);
		params_add(p, v);
		params_add(p, v);
	} else if (strcmp(n, "tag") == 0) {
		sk_buf_puts(sql, "SELECT rid FROM tags WHERE tag = ?");
		params_add(p, v);
	} else {
		/* Any front-matter field, through the index's table of field
		 * values (text, case-insensitive; numbers as SQLite writes them;
		 * true, false). */
		sk_buf_puts(sql, "SELECT rid FROM fields WHERE name = ? AND value = ?");
		params_add(p, n);
		params_add(p, v);
	}
}

/* Appends " AND (condition)" for one filter; its values go to p. `rid`:
 * the SQL of the record's rid (r.rid, or fts's rowid when records is not
 * joined). */
static void filter_sql(sk_buf *sql, params *p, const sk_qfilter *f, const char *rid)
{
	const char *n = f->field, *v = f->value;
	sk_buf_puts(sql, f->negated ? " AND NOT (" : " AND (");
	if (strcmp(n, "type") == 0) {
		/* "+": a scan of the narrow records beats the (type, title) index
		 * for a type that a quarter of the records have. */
		sk_buf_puts(sql, "+r.type = ?");
		params_add(p, v);
	} else if (strcmp(n, "since") == 0) {
		sk_buf_puts(sql, "r.date >= ?");
		params_add(p, v);
	} else if (strcmp(n, "until") == 0) {
		/* until:2024 includes all of 2024. */
		sk_buf_puts(sql, "substr(r.date, 1, length(?)) <= ?");
		params_add(p, v);
		params_add(p, v);
	} else if (filter_needs_record(f)) {
		/* A front-matter field's long text, which the fields table leaves
		 * out: the record's JSON answers (a bound path, never spliced). */
		char *path = sk_printf("$.\"%s\"", n);
		sk_buf_puts(sql, "EXISTS (SELECT 1 FROM record_front f, json_each(f.front, ?) j"
			" WHERE f.rid = r.rid AND j.type = 'text' AND j.value = ? COLLATE NOCASE)");
		params_add(p, path);
		params_add(p, v);
		free(path);
	} else {
		sk_buf_printf(sql, "%s IN (", rid);
		filter_set_sql(sql, p, f);
		sk_buf_putc(sql, ')');
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

/* Appends to q an FTS5 query for the trigram index that every term
 * holding `stem` (4+ characters) matches: its first, middle and last
 * trigrams. The phrase of all its trigrams matches exactly those terms,
 * but FTS5 then reads and lines up the positions of every trigram (15 for
 * velferdsteknologi: 1.1 ms at 100 000 records, against 0.3 ms for three);
 * the few terms that hold the three elsewhere are dropped by strstr. */
static void trigram_query(sk_buf *q, const char *stem, size_t slen)
{
	size_t starts[SK_TOK_MAX + 1], n = 0;
	for (size_t i = 0; i < slen && n < SK_TOK_MAX; i++)
		if (((unsigned char)stem[i] & 0xC0) != 0x80)
			starts[n++] = i;
	starts[n] = slen;
	size_t pick[3] = { 0, (n - 3) / 2, n - 3 };
	for (size_t k = 0; k < 3; k++) {
		if (k && pick[k] == pick[k - 1])
			continue;
		char *tri = sk_strndup(stem + starts[pick[k]], starts[pick[k] + 3] - starts[pick[k]]);
		if (k)
			sk_buf_putc(q, ' ');
		sk_index__fts_quote(q, tri);
		free(tri);
	}
}

static const sk_vocab *cache_vocab(const sk_search_cache *c);

/* The compound parts of one word found so far (see expand_compound), and
 * how many records hold each (-1: not known here). */
#define PARTS_MAX 24
typedef struct part_search {
	const char *stem;
	size_t slen;
	sk_buf *alt;
	int added, looked;
	const sk_vocab *vocab;
	sqlite3_int64 df[PARTS_MAX];
	sqlite3_int64 self_df;       /* the stem's own, when it is a term */
} part_search;

/* Takes a term holding the stem at `at` as a part when the stem starts it
 * or follows at least four letters, which keeps `eldre` from finding
 * `foreldre`; 1 once PARTS_MAX parts are found or 2000 terms looked at.
 * `i`: the term's number in the vocabulary, SIZE_MAX without it. */
static int part_take(const char *term, size_t i, const char *at, void *ud)
{
	part_search *ps = ud;
	ps->looked++;
	if (i != SIZE_MAX && strcmp(term, ps->stem) == 0)
		ps->self_df = sk_vocab_df(ps->vocab, i);
	size_t before = (size_t)(at - term), after = strlen(at + ps->slen);
	if (strcmp(term, ps->stem) != 0 && ((before == 0 && after >= 3) || before >= 4)) {
		sk_buf_puts(ps->alt, " OR \"");
		sk_buf_putc(ps->alt, SK_TOK_RAW);
		sk_buf_puts(ps->alt, term);   /* terms are words: no '"' in them */
		sk_buf_putc(ps->alt, '"');
		ps->df[ps->added++] = i == SIZE_MAX ? -1 : sk_vocab_df(ps->vocab, i);
	}
	return ps->added >= PARTS_MAX || ps->looked >= 2000;
}

/* Compound expansion: indexed terms that hold the word's stem as a part
 * (teknologi → velferdsteknologi), shortest first: from the connection's
 * vocabulary in memory when it has one, else from the trigram index over
 * the vocabulary, which finds the same terms in the same order. df gets
 * how many records hold each part added, *self_df how many hold the word
 * itself (-1: not known here; the word, its own shortest compound, comes
 * first in the vocabulary's order). */
static void expand_compound(sk_index *ix, const sk_qterm *t, sk_buf *alt, sqlite3_int64 df[PARTS_MAX],
	sqlite3_int64 *self_df)
{
	*self_df = -1;
	int n = 0;
	sk_index__tokenize(ix->tok, t->text, strlen(t->text), 1, count_token, &n);
	if (n != 1)
		return;
	char *stem = sk_index__stem_word(ix->tok, t->text, 1);
	sqlite3_stmt *st = NULL;
	sk_buf q = SK_BUF_INIT;
	size_t slen = strlen(stem);
	const sk_vocab *vocab = cache_vocab(ix->tctx.search);
	part_search ps = { stem, slen, alt, 0, 0, vocab, { 0 }, -1 };
	if (sk_utf8_length(stem, slen) < 4 || sk_utf8_length(stem, slen) > SK_TOK_MAX)
		goto done;
	if (vocab) {
		sk_vocab_each_holding(vocab, stem, part_take, &ps);
		goto done;
	}
	/* Term ids grow with the term's length (see save_terms): in rowid
	 * order the shortest terms come first, and the search stops at the
	 * 24th part found or the 2000th term holding the stem looked at.
	 * Terms that hold only the three trigrams are not counted; should
	 * 2000 of them come first, the phrase of every trigram is asked. */
	size_t start = alt->len;
	for (int full = 0; full < 2; full++) {
		sk_index__release(ix, st);
		st = NULL;
		if (sk_index__cached(ix, &st, "SELECT term FROM terms_tri WHERE terms_tri MATCH ? ORDER BY rowid") != 0)
			goto done;
		q.len = 0;
		if (full)
			sk_index__fts_quote(&q, stem);
		else
			trigram_query(&q, stem, slen);
		sqlite3_bind_text(st, 1, q.data, (int)q.len, SQLITE_STATIC);
		alt->len = start;
		if (alt->data)
			alt->data[start] = '\0';
		ps.added = ps.looked = 0;
		int others = 0;
		while (others < 2000 && sqlite3_step(st) == SQLITE_ROW) {
			const char *term = (const char *)sqlite3_column_text(st, 0);
			const char *at = term ? strstr(term, stem) : NULL;
			if (!at)
				others++;
			else if (part_take(term, SIZE_MAX, at, &ps))
				break;
		}
		if (others < 2000)
			break;
	}
done:
	memcpy(df, ps.df, sizeof ps.df);
	*self_df = ps.self_df;
	sk_index__release(ix, st);
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

/* Appends v in decimal (printf costs more than the look-up it feeds). */
static void put_int(sk_buf *b, sqlite3_int64 v)
{
	char digits[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[n++] = '-';
	while (n)
		sk_buf_putc(b, digits[--n]);
}

/* Binds the rids to ?1 of st as a JSON array, which the statement reads
 * through json_each: the rows of a page in one run of a statement instead
 * of one run a row, whose start and reset cost more than the look-up.
 * *list holds the text until st is reset. */
static void bind_rids(sqlite3_stmt *st, sk_buf *list, const sqlite3_int64 *rids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sk_buf_putc(list, i ? ',' : '[');
		put_int(list, rids[i]);
	}
	if (!n)
		sk_buf_putc(list, '[');
	sk_buf_putc(list, ']');
	sqlite3_bind_text(st, 1, list->data, (int)list->len, SQLITE_STATIC);
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

/* ---- The per-connection cache: every record's facet values -------------- */

/* Counting the facets of 20 000 hits through the facets table costs more
 * than finding them (a b-tree seek per hit), so each connection keeps the
 * facet values of every record in memory: value ids per record, the
 * records' rows of `entries` between offsets[rid] and offsets[rid + 1].
 * It is read again when the index changes (PRAGMA data_version for other
 * connections' commits, the connection's change count for its own) and
 * freed with the connection. */
#define N_FACETS 4
static const char *const facet_names[N_FACETS] = { "type", "kommune", "challenge", "status" };

/* Value ids are below 2^28 (the facet's number sits above them), and rids
 * in the cache below 2^28 too; an index beyond that counts through SQL. */
#define FACET_ID_BITS 28
#define FACET_MAX ((uint32_t)1 << FACET_ID_BITS)

struct sk_search_cache {
	int searches;                /* on this connection so far */
	int loaded, usable;
	sqlite3_int64 data_version, changes;
	uint32_t *offsets;           /* n_rids + 1 entries */
	sqlite3_int64 n_rids;        /* rids 0 .. n_rids - 1 are covered */
	uint32_t *entries;           /* facet << FACET_ID_BITS | value id */
	size_t n_entries;
	char **values[N_FACETS];     /* by id */
	size_t n_values[N_FACETS];
	/* Every row's length in tokens, which bm25 divides by: FTS5 reads it
	 * with a statement of its own per row (a third of ranking a row). */
	uint32_t *doc_len;           /* by rowid; UINT32_MAX: not known */
	sqlite3_int64 n_doc_len;
	/* Every record's date, for searches by filters alone: its text (for
	 * since: and until:) and the score that orders them, newest first. */
	int dates_usable;            /* 0: some date is not plain ASCII text */
	sqlite3_int64 n_recs;        /* rids 0 .. n_recs - 1 */
	uint32_t *date_at;           /* by rid: offset in date_text; DATE_NONE */
	sqlite3_int64 *date_score;   /* by rid */
	char *date_text;             /* NUL-terminated dates, one after another */
	size_t date_len;
	/* The vocabulary, for compound parts, with every term's record count;
	 * the terms are kept while the table holds as many, up to the same
	 * last tid (it only grows but for a rebuild), the counts read again
	 * after every write (see vocab_refresh). */
	sk_vocab *vocab;
};

static const sk_vocab *cache_vocab(const sk_search_cache *c)
{
	return c ? c->vocab : NULL;
}

#define DATE_NONE UINT32_MAX         /* no date (SQL NULL) */
#define DATE_NO_RECORD (UINT32_MAX - 1)

static void cache_clear(sk_search_cache *c)
{
	int searches = c->searches;
	sk_vocab *vocab = c->vocab;
	free(c->date_at);
	free(c->date_score);
	free(c->date_text);
	free(c->doc_len);
	free(c->offsets);
	free(c->entries);
	for (size_t f = 0; f < N_FACETS; f++) {
		for (size_t i = 0; i < c->n_values[f]; i++)
			free(c->values[f][i]);
		free(c->values[f]);
	}
	memset(c, 0, sizeof *c);
	c->searches = searches;
	c->vocab = vocab;
}

static void cache_free(void *p)
{
	if (!p)
		return;
	sk_search_cache *c = p;
	cache_clear(c);
	sk_vocab_free(c->vocab);
	free(c);
}

/* Value ids while loading: an open-addressing table of id + 1 (0: free). */
typedef struct interner {
	uint32_t *slots;
	size_t cap, len;
} interner;

static uint32_t intern(interner *in, sk_search_cache *c, size_t f, const char *v)
{
	if (2 * (in->len + 1) > in->cap) {
		size_t ncap = in->cap ? in->cap * 2 : 64;
		uint32_t *slots = sk_calloc(ncap, sizeof *slots);
		for (size_t i = 0; i < in->cap; i++) {
			if (!in->slots[i])
				continue;
			const char *s = c->values[f][in->slots[i] - 1];
			size_t k = sk_index__hash(s, strlen(s)) & (ncap - 1);
			while (slots[k])
				k = (k + 1) & (ncap - 1);
			slots[k] = in->slots[i];
		}
		free(in->slots);
		in->slots = slots;
		in->cap = ncap;
	}
	size_t k = sk_index__hash(v, strlen(v)) & (in->cap - 1);
	while (in->slots[k]) {
		if (strcmp(c->values[f][in->slots[k] - 1], v) == 0)
			return in->slots[k] - 1;
		k = (k + 1) & (in->cap - 1);
	}
	size_t id = c->n_values[f]++;
	c->values[f] = sk_realloc(c->values[f], sk_mul_size(c->n_values[f], sizeof *c->values[f]));
	c->values[f][id] = sk_strdup(v);
	in->slots[k] = (uint32_t)id + 1;
	in->len++;
	return (uint32_t)id;
}

static int facet_index(const char *name)
{
	for (int f = 0; f < N_FACETS; f++)
		if (strcmp(facet_names[f], name) == 0)
			return f;
	return -1;
}

/* One SQLite varint (FTS5 writes the column sizes so); 0 bytes read when
 * the blob ends first. */
static size_t get_varint(const unsigned char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n && i < 9; i++) {
		if (i == 8) {
			*v = (x << 8) | p[i];
			return 9;
		}
		x = (x << 7) | (p[i] & 0x7F);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/* Reads every row's length in tokens (the sum of its columns' sizes) from
 * FTS5's docsize table, as xColumnSize(-1) computes it. */
static int load_doc_len(sk_index *ix, sk_search_cache *c)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc = sk_index__prepare(ix, &st, "SELECT id, sz FROM fts_docsize ORDER BY id");
	if (rc)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= (sqlite3_int64)FACET_MAX)
			continue;   /* left to xColumnSize */
		const unsigned char *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1), at = 0;
		uint64_t sum = 0, v;
		int whole = p != NULL;
		for (int col = 0; col < 3 && whole; col++) {
			size_t k = get_varint(p + at, n - at, &v);
			whole = k != 0;
			at += k;
			sum += v;
		}
		/* What FTS5 would call corrupt is left to it (xColumnSize). */
		if (!whole || at != n)
			sum = UINT32_MAX;
		if ((size_t)id >= cap) {
			size_t ncap = cap ? cap : 4096;
			while (ncap <= (size_t)id)
				ncap *= 2;
			c->doc_len = sk_realloc(c->doc_len, sk_mul_size(ncap, sizeof *c->doc_len));
			for (size_t i = cap; i < ncap; i++)
				c->doc_len[i] = UINT32_MAX;
			cap = ncap;
		}
		c->doc_len[id] = sum < UINT32_MAX ? (uint32_t)sum : UINT32_MAX;
		if (id >= c->n_doc_len)
			c->n_doc_len = id + 1;
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading the rows' sizes");
	sqlite3_finalize(st);
	return rc;
}

/* Reads every record's date and its score, the one the SQL of find_hits
 * computes for a search by filters alone. */
static int load_dates(sk_index *ix, sk_search_cache *c)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0, cap_text = 0;
	int rc = sk_index__prepare(ix, &st, "SELECT rid, date,"
		" coalesce(-CAST(replace(substr(date, 1, 10), '-', '') AS INTEGER), 0) FROM records ORDER BY rid");
	if (rc)
		return rc;
	c->dates_usable = 1;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		if (rid < 0 || rid >= (sqlite3_int64)FACET_MAX) {
			c->dates_usable = 0;
			continue;
		}
		if ((size_t)rid >= cap) {
			size_t ncap = cap ? cap : 4096;
			while (ncap <= (size_t)rid)
				ncap *= 2;
			c->date_at = sk_realloc(c->date_at, sk_mul_size(ncap, sizeof *c->date_at));
			c->date_score = sk_realloc(c->date_score, sk_mul_size(ncap, sizeof *c->date_score));
			for (size_t i = cap; i < ncap; i++)
				c->date_at[i] = DATE_NO_RECORD;
			cap = ncap;
		}
		c->date_score[rid] = sqlite3_column_int64(st, 2);
		c->date_at[rid] = DATE_NONE;
		if (rid >= c->n_recs)
			c->n_recs = rid + 1;
		int type = sqlite3_column_type(st, 1);
		if (type == SQLITE_NULL)
			continue;
		const char *d = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		int ascii = type == SQLITE_TEXT && d;
		for (size_t i = 0; ascii && i < n; i++)
			ascii = (unsigned char)d[i] >= 0x20 && (unsigned char)d[i] < 0x80;
		if (!ascii || c->date_len + n + 1 >= DATE_NO_RECORD) {
			c->dates_usable = 0;
			continue;
		}
		if (c->date_len + n + 1 > cap_text) {
			while (c->date_len + n + 1 > cap_text)
				cap_text = cap_text ? cap_text * 2 : 65536;
			c->date_text = sk_realloc(c->date_text, cap_text);
		}
		c->date_at[rid] = (uint32_t)c->date_len;
		memcpy(c->date_text + c->date_len, d, n + 1);
		c->date_len += n + 1;
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading the records' dates");
	sqlite3_finalize(st);
	return rc;
}

/* Reads the vocabulary again when the terms table has grown (or was made
 * again: its last tid tells), and the terms' record counts after every
 * write. Without the vocabulary (it could not be read) compound parts come
 * from the trigram index, and without the counts from the terms table. */
static void vocab_refresh(sk_index *ix, sk_search_cache *c)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 count = -1, last = -1;
	if (sk_index__prepare(ix, &st, "SELECT count(*), coalesce(max(tid), 0) FROM terms") == 0 &&
		sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int64(st, 0);
		last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (!c->vocab || count != (sqlite3_int64)sk_vocab_terms(c->vocab) || last != sk_vocab_last_tid(c->vocab)) {
		sk_vocab_free(c->vocab);
		c->vocab = NULL;
		if (count >= 0)
			sk_vocab_load(&c->vocab, ix->db);
	}
	if (c->vocab)
		sk_vocab_load_df(c->vocab, ix->db);
	sk_error_clear();
}

/* Brings the cache up to date with the index. */
static int cache_refresh(sk_index *ix, sk_search_cache *c)
{
	sqlite3_stmt *st = NULL;
	int rc = sk_index__cached(ix, &st, "PRAGMA data_version");
	if (rc)
		return rc;
	sqlite3_int64 version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sk_index__release(ix, st);
	st = NULL;
	sqlite3_int64 changes = sqlite3_total_changes64(ix->db);
	if (c->loaded && version == c->data_version && changes == c->changes)
		return 0;
	cache_clear(c);
	interner in[N_FACETS];
	memset(in, 0, sizeof in);
	size_t cap_rids = 0, cap_entries = 0;
	sqlite3_int64 next = 0;   /* the first rid without its offset yet */
	int usable = 1;
	/* The primary key's order: by rid. */
	if ((rc = sk_index__prepare(ix, &st, "SELECT rid, name, value FROM facets ORDER BY rid")) != 0)
		goto done;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *value = (const char *)sqlite3_column_text(st, 2);
		int f = name ? facet_index(name) : -1;
		if (f < 0 || !value)
			continue;
		if (rid < next - 1 || rid >= (sqlite3_int64)FACET_MAX - 1) {
			usable = 0;
			break;
		}
		while (next <= rid) {
			if ((size_t)next + 1 >= cap_rids) {
				cap_rids = cap_rids ? cap_rids * 2 : 4096;
				c->offsets = sk_realloc(c->offsets, sk_mul_size(cap_rids, sizeof *c->offsets));
			}
			c->offsets[next++] = (uint32_t)c->n_entries;
		}
		uint32_t id = intern(&in[f], c, (size_t)f, value);
		if (id >= FACET_MAX || c->n_entries >= UINT32_MAX - 1) {
			usable = 0;
			break;
		}
		if (c->n_entries == cap_entries) {
			cap_entries = cap_entries ? cap_entries * 2 : 4096;
			c->entries = sk_realloc(c->entries, sk_mul_size(cap_entries, sizeof *c->entries));
		}
		c->entries[c->n_entries++] = (uint32_t)f << FACET_ID_BITS | id;
	}
	if (usable && step != SQLITE_DONE) {
		rc = sk_index__sql_error(ix, "reading the facets");
		goto done;
	}
	if (usable && ((rc = load_doc_len(ix, c)) != 0 || (rc = load_dates(ix, c)) != 0))
		goto done;
	if (!usable) {
		cache_clear(c);
	} else {
		if ((size_t)next + 1 > cap_rids)
			c->offsets = sk_realloc(c->offsets, sk_mul_size((size_t)next + 1, sizeof *c->offsets));
		c->offsets[next] = (uint32_t)c->n_entries;
		c->n_rids = next;
	}
	vocab_refresh(ix, c);
	c->usable = usable;
	c->loaded = 1;
	c->data_version = version;
	c->changes = changes;
done:
	sqlite3_finalize(st);
	for (size_t f = 0; f < N_FACETS; f++)
		free(in[f].slots);
	if (rc)
		cache_clear(c);
	return rc;
}

/* ---- Ranking: bm25 with the title boost and compound parts, in one pass -- */

/* What the query builder knows of each phrase of the FTS5 expression, in
 * the expression's order: the AND group it belongs to (an OR group is one)
 * and whether it is a compound part. The phrases of the NOT part come
 * after these and are not ranked (no matching row holds them). */
#define ROLE_PART 0x80
#define ROLE_GROUP 0x3F

/* sk_rank's state for one statement, bound as a pointer: it reads the
 * roles, and leaves each row's tier and boost beside the score it returns,
 * which parts some tier-1 row holds (`held`, whose IDF ranks them), and
 * where in its body the row holds its phrases, for its snippet: every
 * tier-1 row's, and a tier-0 row's while it ranks among the page's
 * `page_end` best so far (`worst`, a max-heap of their keys). */
typedef struct rank_state {
	const unsigned char *roles;
	int n_roles, n_groups;
	int ready;
	double avgdl;
	sqlite3_int64 n_rows;
	double *idf, *freq;          /* n_roles each; idf < 0: not known yet */
	unsigned char *held;         /* n_roles */
	const sk_search_cache *cache;   /* row lengths, when loaded */
	/* A tier-1 row is ranked after the pass, and only when the page
	 * reaches tier 1: its phrases' frequencies wait here, in order. */
	struct phrase_freq { int phrase; double freq; } *kept;
	size_t n_kept, cap_kept;
	int tier, boost;             /* the current row's */
	size_t row_at, row_n;        /* the current row's kept, in tier 1 */
	int row_len;
	int *phrase_size;            /* n_roles: tokens in each phrase */
	const sqlite3_int64 *known_df;   /* n_roles: records holding it, from
	                                  * the vocabulary; -1: count them */
	int *by_kind;                /* n_roles: the words' phrase numbers, then the parts' */
	int n_words;
	sk_snippet_inst *inst;       /* the rows' body instances, row by row */
	size_t n_inst, cap_inst;
	size_t row_inst_at, row_inst_n;   /* the current row's */
	size_t page_end;
	size_t n_tier0;              /* tier-0 rows so far */
	double *worst;               /* up to page_end keys, worst on top */
	size_t n_worst, cap_worst;
} rank_state;

/* Instances kept of one row, for its snippet (a window of 14 tokens has
 * more than enough to choose from). */
#define SNIPPET_INST_MAX 64
#define SNIPPET_COLUMN 2
#define SNIPPET_TOKENS 14

static void inst_add(rank_state *s, int off, int phrase)
{
	if (s->n_inst - s->row_inst_at >= SNIPPET_INST_MAX)
		return;
	if (s->n_inst == s->cap_inst) {
		s->cap_inst = s->cap_inst ? s->cap_inst * 2 : 1024;
		s->inst = sk_realloc(s->inst, sk_mul_size(s->cap_inst, sizeof *s->inst));
	}
	s->inst[s->n_inst++] = (sk_snippet_inst){ off, s->phrase_size[phrase], phrase };
}

/* Whether a tier-0 row of this key (its score, tripled by the title
 * boost; smaller is better) may reach the page: among the page_end best
 * so far, ties included. Keeps the heap of those keys. */
static int may_reach_page(rank_state *s, double key)
{
	double *h = s->worst;
	size_t n = s->n_worst;
	if (n < s->page_end) {
		if (n == s->cap_worst) {
			s->cap_worst = s->cap_worst ? s->cap_worst * 2 : 64;
			s->worst = sk_realloc(s->worst, sk_mul_size(s->cap_worst, sizeof *s->worst));
			h = s->worst;
		}
		size_t i = s->n_worst++;
		for (; i > 0 && h[(i - 1) / 2] < key; i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = key;
		return 1;
	}
	if (n == 0 || key > h[0])
		return 0;
	if (key < h[0]) {   /* the worst leaves: sift the new key down */
		size_t i = 0;
		for (;;) {
			size_t c = 2 * i + 1;
			if (c >= n)
				break;
			if (c + 1 < n && h[c + 1] > h[c])
				c++;
			if (h[c] <= key)
				break;
			h[i] = h[c];
			i = c;
		}
		h[i] = key;
	}
	return 1;
}

#define RANK_POINTER "sk_rank_state"

static const double rank_weights[3] = { 10.0, 5.0, 1.0 };   /* SK_INDEX_WEIGHTS */

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)ud)++;
	return SQLITE_OK;
}

/* bm25's IDF of phrase i as FTS5's bm25() computes it: log((N - n + 0.5) /
 * (n + 0.5)), at least 1e-6, n the rows that hold the phrase. */
static void set_idf(rank_state *s, int i, sqlite3_int64 n)
{
	double idf = log(((double)s->n_rows - (double)n + 0.5) / ((double)n + 0.5));
	s->idf[i] = idf <= 0.0 ? 1e-6 : idf;
}

/* Phrase i's IDF, its records counted by FTS5 unless the vocabulary told. */
static int rank_idf(const Fts5ExtensionApi *api, Fts5Context *fts, rank_state *s, int i)
{
	sqlite3_int64 n = s->known_df ? s->known_df[i] : -1;
	int rc = SQLITE_OK;
	if (n < 0) {
		n = 0;
		rc = api->xQueryPhrase(fts, i, &n, count_row);
	}
	set_idf(s, i, n);
	return rc;
}

/* One phrase's share of bm25 in a row of n_tok tokens. */
static double rank_term(const rank_state *s, int i, double freq, int n_tok)
{
	const double k1 = 1.2, b = 0.75, D = (double)n_tok;
	return s->idf[i] * ((freq * (k1 + 1.0)) / (freq + k1 * (1 - b + b * D / s->avgdl)));
}

/* sk_rank(fts, state): FTS5's bm25 with the weights of SK_INDEX_WEIGHTS,
 * computed over the words themselves for a row that holds a word of every
 * AND group (tier 0), over words and compound parts for a row found only
 * through parts (tier 1, ranked after tier 0). A tier-0 row whose title or
 * tags hold a word of every group is marked for the title boost. One pass
 * instead of one MATCH for the words, one for title and tags and one for
 * the parts. The numbers are bm25()'s to the bit (the same sums in the
 * same order; a phrase the row lacks adds 0, so its IDF, a look-up of its
 * own, is only computed once a row holds it). Phrases are read one by one
 * (xPhraseFirst), not through xInst, which sorts the instances of all 25
 * phrases of a word and its parts for every row. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
	int n_args, sqlite3_value **args)
{
	rank_state *s = n_args > 0 ? sqlite3_value_pointer(args[0], RANK_POINTER) : NULL;
	if (!s) {
		sqlite3_result_error(ctx, "sk_rank: no state", -1);
		return;
	}
	int rc = SQLITE_OK;
	if (!s->ready) {
		sqlite3_int64 n_tokens = 0;
		rc = api->xRowCount(fts, &s->n_rows);
		if (rc == SQLITE_OK)
			rc = api->xColumnTotalSize(fts, -1, &n_tokens);
		if (rc == SQLITE_OK) {
			int n = api->xPhraseCount(fts);
			if (s->n_roles > n)
				s->n_roles = n;
			s->avgdl = (double)n_tokens / (double)s->n_rows;
			int k = 0;
			for (int i = 0; i < s->n_roles; i++) {
				s->idf[i] = -1;
				int size = api->xPhraseSize(fts, i);
				s->phrase_size[i] = size > 0 ? size : 1;
				if (!(s->roles[i] & ROLE_PART))
					s->by_kind[k++] = i;
			}
			s->n_words = k;
			for (int i = 0; i < s->n_roles; i++)
				if (s->roles[i] & ROLE_PART)
					s->by_kind[k++] = i;
		}
		s->ready = 1;
	}
	/* The words first: they decide the tier, and a tier-0 row ranks by
	 * them alone, so its parts need not be read. */
	uint64_t seen = 0, in_title = 0;
	s->row_inst_at = s->n_inst;
	for (int pass = 0; pass < 2; pass++) {
		int from = pass ? s->n_words : 0, to = pass ? s->n_roles : s->n_words;
		for (int k = from; rc == SQLITE_OK && k < to; k++) {
			int i = s->by_kind[k];
			unsigned role = s->roles[i];
			Fts5PhraseIter it;
			int col = -1, off = 0, title = 0;
			double f = 0;
			rc = api->xPhraseFirst(fts, i, &it, &col, &off);
			for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off)) {
				f += col < 3 ? rank_weights[col] : 1.0;
				title |= col < 2;
				if (col == SNIPPET_COLUMN)
					inst_add(s, off, i);
			}
			s->freq[i] = f;
			if (f > 0 && !pass) {
				uint64_t bit = (uint64_t)1 << (role & ROLE_GROUP);
				seen |= bit;
				if (title)
					in_title |= bit;
			}
		}
		if (!pass) {
			uint64_t all = s->n_groups >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << s->n_groups) - 1;
			s->tier = (seen & all) == all ? 0 : 1;
			s->boost = s->tier == 0 && (in_title & all) == all;
			if (s->tier == 0)
				break;
			/* A tier-1 row sorts after every tier-0 one: once the page
			 * is full of those, its parts (a phrase each to read) and
			 * its rank are never wanted. It still counts as a hit. */
			if (rc == SQLITE_OK && s->n_tier0 >= s->page_end) {
				s->n_inst = s->row_inst_at;
				s->row_inst_n = 0;
				s->row_at = s->n_kept;
				s->row_n = 0;
				s->row_len = 0;
				sqlite3_result_double(ctx, 0.0);
				return;
			}
		}
	}
	if (s->tier == 0)
		s->n_tier0++;
	int n_tok = 0;
	sqlite3_int64 rowid = api->xRowid(fts);
	const sk_search_cache *c = s->cache;
	if (c && c->usable && rowid >= 0 && rowid < c->n_doc_len && c->doc_len[rowid] <= INT32_MAX)
		n_tok = (int)c->doc_len[rowid];
	else if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &n_tok);
	double score = 0.0;
	s->row_at = s->n_kept;
	s->row_n = 0;
	s->row_len = n_tok;
	/* Tier 0 sums the words alone (by_kind's first half, in phrase
	 * order), tier 1 every phrase in order: bm25()'s sums. */
	int n_sum = s->tier == 0 ? s->n_words : s->n_roles;
	for (int k = 0; rc == SQLITE_OK && k < n_sum; k++) {
		int i = s->tier == 0 ? s->by_kind[k] : k;
		if (s->freq[i] == 0 || (s->tier == 0 && (s->roles[i] & ROLE_PART)))
			continue;
		if (s->idf[i] < 0 && !(s->roles[i] & ROLE_PART) && (rc = rank_idf(api, fts, s, i)) != SQLITE_OK)
			break;
		if (s->tier == 0) {
			score += rank_term(s, i, s->freq[i], n_tok);
			continue;
		}
		s->held[i] = 1;
		if (s->n_kept == s->cap_kept) {
			s->cap_kept = s->cap_kept ? s->cap_kept * 2 : 256;
			s->kept = sk_realloc(s->kept, sk_mul_size(s->cap_kept, sizeof *s->kept));
		}
		s->kept[s->n_kept++] = (struct phrase_freq){ i, s->freq[i] };
		s->row_n++;
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (s->tier == 0 && !may_reach_page(s, -1.0 * score * (s->boost ? 3 : 1)))
		s->n_inst = s->row_inst_at;
	s->row_inst_n = s->n_inst - s->row_inst_at;
	sqlite3_result_double(ctx, -1.0 * score);
}

int sk_index__search_register(sqlite3 *db, fts5_api *api, sk_tok_ctx *ctx)
{
	sk_search_cache *c = sk_calloc(1, sizeof *c);
	/* FTS5 frees c when the connection closes (also when this fails). */
	if (api->xCreateFunction(api, "sk_rank", c, rank_fn, cache_free) != SQLITE_OK)
		return sk_error_set(SK_ERROR, "cannot register the search's rank function: %s", sqlite3_errmsg(db));
	ctx->search = c;
	return 0;
}

/* ---- Searching ---------------------------------------------------------- */

typedef struct hit {
	sqlite3_int64 rid;
	double score;
	int tier, boost;
	size_t at, n;        /* tier 1: its phrases in rank_state.kept */
	int len;             /* tier 1: its length in tokens */
	size_t inst_at, inst_n;   /* its body instances in rank_state.inst */
} hit;

typedef struct hits {
	hit *v;
	size_t len, cap;
} hits;

static void hits_add(hits *h, sqlite3_int64 rid, double score)
{
	if (h->len == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->v = sk_realloc(h->v, sk_mul_size(h->cap, sizeof *h->v));
	}
	h->v[h->len++] = (hit){ rid, score, 0, 0, 0, 0, 0, 0, 0 };
}

static int hit_key_cmp(const hit *a, const hit *b)
{
	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	return a->score < b->score ? -1 : a->score > b->score;
}

/* The expression's phrases' roles (see ROLE_PART), in the order
 * sk_index__query_fts writes them: each positive term, then its compound
 * parts (n_parts[i] of them). *n_groups: how many AND groups; first[i]:
 * the number of term i's phrase. */
static void phrase_roles(sk_buf *roles, int *n_groups, const sk_query *q, const int *n_parts, int *first)
{
	int group = -1;
	for (size_t i = 0; i < q->n_terms; i++) {
		if (q->terms[i].negated)
			continue;
		if (i == 0 || !q->terms[i - 1].or_next)
			group++;
		first[i] = (int)roles->len;
		sk_buf_putc(roles, (char)(group & ROLE_GROUP));
		for (int k = 0; k < n_parts[i]; k++)
			sk_buf_putc(roles, (char)((group & ROLE_GROUP) | ROLE_PART));
	}
	*n_groups = group + 1;
}

/* Adds the records that match `expr` (an FTS5 expression, ranked by
 * sk_rank with `roles`; NULL: every record but those matching `neg`, newest
 * first) and the query's filters to *out. held[i] (n_roles of them) is set
 * when a tier-1 hit holds phrase i. */
/* Whether a record dated `d` (NULL: none) passes a since: or until:
 * filter, as SQLite compares text (BINARY); without a date the condition
 * is NULL, negated or not. */
static int date_pass(const sk_qfilter *f, const char *d)
{
	if (!d)
		return 0;
	const char *v = f->value;
	size_t n = strlen(d), m = strlen(v), k = n < m ? n : m;
	int c = memcmp(d, v, k), ok;
	if (strcmp(f->field, "since") == 0) {
		if (!c)
			c = n < m ? -1 : n > m;
		ok = c >= 0;   /* r.date >= ? */
	} else {
		if (!c)
			c = k < m ? -1 : 0;
		ok = c <= 0;   /* substr(r.date, 1, length(?)) <= ?, the value ASCII */
	}
	return f->negated ? !ok : ok;
}

static int is_date_filter(const sk_qfilter *f)
{
	return strcmp(f->field, "since") == 0 || strcmp(f->field, "until") == 0;
}

/* Whether record rid holds facet f's value id in the cache. */
static int has_facet(const sk_search_cache *c, sqlite3_int64 rid, size_t f, uint32_t id)
{
	if (rid >= c->n_rids)
		return 0;
	uint32_t key = (uint32_t)f << FACET_ID_BITS | id;
	for (uint32_t e = c->offsets[rid]; e < c->offsets[rid + 1]; e++)
		if (c->entries[e] == key)
			return 1;
	return 0;
}

/* A search by type:, status: and date filters alone, answered from the
 * cache without SQL (the facets table's look-up of type:log returned a
 * quarter of the records, row by row: 8-13 ms at 100 000). The same
 * records as the SQL: a value is the facet's text to the byte. *handled
 * stays 0 for any other filter or an exclusion of words. */
static void find_by_cached_facets(const sk_search_cache *c, const sk_query *q, const char *neg, hits *out,
	int *handled)
{
	enum { MAX = 16 };
	size_t facet[MAX];
	uint32_t id[MAX];
	int known[MAX], negated[MAX];
	size_t n = 0;
	if (neg)
		return;
	for (size_t i = 0; i < q->n_filters; i++) {
		const sk_qfilter *f = &q->filters[i];
		if (is_date_filter(f))
			continue;
		/* kommune: and challenge: also take a title (see filter_set_sql). */
		int fi = facet_index(f->field);
		if (fi < 0 || strcmp(f->field, "kommune") == 0 || strcmp(f->field, "challenge") == 0 || n == MAX)
			return;
		facet[n] = (size_t)fi;
		known[n] = 0;
		negated[n] = f->negated;
		for (size_t v = 0; v < c->n_values[fi] && !known[n]; v++)
			if (strcmp(c->values[fi][v], f->value) == 0) {
				id[n] = (uint32_t)v;
				known[n] = 1;
			}
		n++;
	}
	for (sqlite3_int64 rid = 0; rid < c->n_recs; rid++) {
		if (c->date_at[rid] == DATE_NO_RECORD)
			continue;
		int pass = 1;
		for (size_t k = 0; pass && k < n; k++) {
			int has = known[k] && has_facet(c, rid, facet[k], id[k]);
			pass = negated[k] ? !has : has;
		}
		const char *d = c->date_at[rid] == DATE_NONE ? NULL : c->date_text + c->date_at[rid];
		for (size_t i = 0; pass && i < q->n_filters; i++)
			if (is_date_filter(&q->filters[i]))
				pass = date_pass(&q->filters[i], d);
		if (pass)
			hits_add(out, rid, (double)c->date_score[rid]);
	}
	*handled = 1;
}

/* A search by filters alone through the cache: the rids of one filter's
 * index lookup, the other filters on the rid in SQL, dates checked and
 * scored from the cache. The SQL of find_hits reads the records table for
 * every hit (25 ms for 25 000 at 100 000 records); this reads none.
 * *handled stays 0 when it cannot serve the query (no filter to start
 * from, a filter that reads the record's JSON, dates the cache does not
 * hold). */
static int find_by_filters(sk_index *ix, const sk_query *q, const char *neg, hits *out, int *handled)
{
	*handled = 0;
	const sk_search_cache *c = ix->tctx.search;
	if (!c || !c->usable || !c->dates_usable)
		return 0;
	find_by_cached_facets(c, q, neg, out, handled);
	if (*handled)
		return 0;
	const sk_qfilter *driver = NULL;
	for (size_t i = 0; i < q->n_filters; i++) {
		const sk_qfilter *f = &q->filters[i];
		if (is_date_filter(f))
			continue;
		if (filter_needs_record(f) && strcmp(f->field, "type") != 0)
			return 0;
		if (!f->negated && !driver)
			driver = f;
	}
	if (!driver)
		return 0;
	sk_buf sql = SK_BUF_INIT;
	params p = { 0 };
	sqlite3_stmt *st = NULL;
	unsigned char *seen = NULL;
	int rc = 0;
	sk_buf_puts(&sql, "SELECT x.rid FROM (");
	filter_set_sql(&sql, &p, driver);
	sk_buf_puts(&sql, ") x WHERE 1");
	for (size_t i = 0; i < q->n_filters; i++) {
		const sk_qfilter *f = &q->filters[i];
		if (f == driver || is_date_filter(f))
			continue;
		sk_buf_puts(&sql, f->negated ? " AND NOT (x.rid IN (" : " AND (x.rid IN (");
		filter_set_sql(&sql, &p, f);
		sk_buf_puts(&sql, "))");
	}
	if (neg) {
		sk_buf_puts(&sql, " AND x.rid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)");
		params_add(&p, neg);
	}
	if ((rc = sk_index__cached(ix, &st, sql.data)) != 0)
		goto done;
	params_bind(st, &p, 1);
	seen = sk_calloc((size_t)c->n_recs / 8 + 1, 1);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		if (rid < 0 || rid >= c->n_recs || c->date_at[rid] == DATE_NO_RECORD)
			continue;
		if (seen[rid / 8] & (1u << (rid % 8)))
			continue;
		seen[rid / 8] |= (unsigned char)(1u << (rid % 8));
		const char *d = c->date_at[rid] == DATE_NONE ? NULL : c->date_text + c->date_at[rid];
		int pass = 1;
		for (size_t i = 0; pass && i < q->n_filters; i++)
			if (is_date_filter(&q->filters[i]))
				pass = date_pass(&q->filters[i], d);
		if (pass)
			hits_add(out, rid, (double)c->date_score[rid]);
	}
	if (step != SQLITE_DONE) {
		rc = sk_index__sql_error(ix, "searching");
		goto done;
	}
	*handled = 1;
done:
	sk_index__release(ix, st);
	sk_buf_free(&sql);
	params_free(&p);
	free(seen);
	return rc;
}

static int find_hits(sk_index *ix, const sk_query *q, const char *expr, const char *neg,
	rank_state *rs, hits *out)
{
	sk_buf sql = SK_BUF_INIT;
	params p = { 0 };
	sqlite3_stmt *st = NULL;
	int rc = 0, join = 0, handled = 0;
	if (!expr && ((rc = find_by_filters(ix, q, neg, out, &handled)) != 0 || handled))
		return rc;
	if (expr) {
		/* ?1: the rank state; with filters the text match drives (CROSS
		 * JOIN), never a scan of records by type probing the text index. */
		params_add(&p, expr);
		for (size_t i = 0; i < q->n_filters; i++)
			join |= filter_needs_record(&q->filters[i]);
		/* Filters on the rid alone are checked against fts's rowid; the
		 * unary + keeps FTS5 from taking them as rowids to look up one by
		 * one (a MATCH parsed again for each). */
		if (join)
			sk_buf_puts(&sql, "SELECT fts.rowid, sk_rank(fts, ?1) FROM fts CROSS JOIN records r"
				" ON r.rid = fts.rowid WHERE fts MATCH ?");
		else
			sk_buf_puts(&sql, "SELECT fts.rowid, sk_rank(fts, ?1) FROM fts WHERE fts MATCH ?");
	} else {
		/* No text to rank by: the newest first, so the score is minus the
		 * date as a number (2024-05-01: -20240501; none: 0, last). */
		sk_buf_puts(&sql, "SELECT r.rid, coalesce(-CAST(replace(substr(r.date, 1, 10), '-', '') AS INTEGER), 0)"
			" FROM records r WHERE 1");
		if (neg) {
			sk_buf_puts(&sql, " AND r.rid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)");
			params_add(&p, neg);
		}
	}
	for (size_t i = 0; i < q->n_filters; i++)
		filter_sql(&sql, &p, &q->filters[i], expr && !join ? "+fts.rowid" : "r.rid");
	if ((rc = sk_index__cached(ix, &st, sql.data)) != 0)
		goto done;
	if (expr)
		sqlite3_bind_pointer(st, 1, rs, RANK_POINTER, NULL);
	params_bind(st, &p, expr ? 2 : 1);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		hits_add(out, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1));
		if (expr) {
			hit *h = &out->v[out->len - 1];
			h->tier = rs->tier;
			h->boost = rs->boost;
			h->at = rs->row_at;
			h->n = rs->row_n;
			h->len = rs->row_len;
			h->inst_at = rs->row_inst_at;
			h->inst_n = rs->row_inst_n;
		}
	}
	if (step != SQLITE_DONE) {
		rc = sk_index__sql_error(ix, "searching");
		goto done;
	}
done:
	sk_index__release(ix, st);
	sk_buf_free(&sql);
	params_free(&p);
	return rc;
}

/* Ranks the tier-1 hits, whose phrases sk_rank kept: the IDF of each part
 * a tier-1 hit holds (`part_text[i]`, a raw term) from the records that
 * hold it as the terms table counts them (`df[i]` when the vocabulary in
 * memory told; an FTS5 query per part, which looks the term up again, was
 * a quarter of such a search), then the same sums sk_rank would have
 * made. */
static int rank_tier1(sk_index *ix, rank_state *rs, hits *all, char *const *part_text, const sqlite3_int64 *df)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	for (int i = 0; i < rs->n_roles; i++) {
		if (!rs->held[i] || rs->idf[i] >= 0 || !part_text[i])
			continue;
		if (df[i] >= 0) {
			set_idf(rs, i, df[i]);
			continue;
		}
		if (!st && (rc = sk_index__cached(ix, &st, "SELECT df FROM terms WHERE term = ?")) != 0)
			goto done;
		sqlite3_bind_text(st, 1, part_text[i], -1, SQLITE_STATIC);
		int step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			rc = sk_index__sql_error(ix, "ranking compound parts");
			goto done;
		}
		/* Every part is a term of the table; a tier-1 hit holds it. */
		set_idf(rs, i, step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1);
		sqlite3_reset(st);
	}
	for (size_t k = 0; k < all->len; k++) {
		hit *h = &all->v[k];
		if (h->tier != 1)
			continue;
		double score = 0.0;
		for (size_t e = h->at; e < h->at + h->n; e++)
			if (rs->idf[rs->kept[e].phrase] >= 0)
				score += rank_term(rs, rs->kept[e].phrase, rs->kept[e].freq, h->len);
		h->score = -1.0 * score;
	}
done:
	sk_index__release(ix, st);
	return rc;
}

/* Moves the k smallest hits by (tier, score) to the front, in no order
 * (quickselect; 0 < k < n). */
static void select_first(hit *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, t = (ptrdiff_t)k - 1;
	while (lo < hi) {
		hit pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (hit_key_cmp(&v[i], &pivot) < 0)
				i++;
			while (hit_key_cmp(&v[j], &pivot) > 0)
				j--;
			if (i <= j) {
				hit x = v[i];
				v[i] = v[j];
				v[j] = x;
				i++;
				j--;
			}
		}
		/* [lo, j] <= pivot, [i, hi] >= pivot, what lies between equals it */
		if (t <= j)
			hi = j;
		else if (t >= i)
			lo = i;
		else
			break;
	}
}

/* A hit on its way to the page, with what breaks its ties. */
typedef struct candidate {
	hit h;
	char *date, *id, *type, *path, *title;
	int valid;
} candidate;

static int cmp_candidate(const void *a, const void *b)
{
	const candidate *x = a, *y = b;
	int c = hit_key_cmp(&x->h, &y->h);
	if (c)
		return c;
	/* date DESC, a record without a date last (SQLite's NULL is the
	 * smallest value), then id. */
	if (!x->date != !y->date)
		return x->date ? -1 : 1;
	if (x->date && (c = strcmp(y->date, x->date)) != 0)
		return c;
	if ((c = strcmp(x->id ? x->id : "", y->id ? y->id : "")) != 0)
		return c;
	/* Two records with one id (check reports it): the first indexed first. */
	return x->h.rid < y->h.rid ? -1 : x->h.rid > y->h.rid;
}

static void candidate_free(candidate *c)
{
	free(c->date);
	free(c->id);
	free(c->type);
	free(c->path);
	free(c->title);
}

/* The page: hits up to the (tier, score) of the page's last one, ties
 * included, are the only ones whose records are read to break ties by date
 * and id. *out gets them sorted (the page is [offset, offset + limit)). */
static int page_candidates(sk_index *ix, hits *all, size_t end, candidate **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!all->len || !end)
		return 0;
	size_t n = all->len;
	if (end < n) {
		select_first(all->v, n, end);
		/* the largest of the first `end` is the cut; its ties follow */
		size_t worst = 0;
		for (size_t i = 1; i < end; i++)
			if (hit_key_cmp(&all->v[i], &all->v[worst]) > 0)
				worst = i;
		hit cut = all->v[worst];
		size_t m = end;
		for (size_t i = end; i < n; i++) {
			if (hit_key_cmp(&all->v[i], &cut) <= 0) {
				hit t = all->v[m];
				all->v[m] = all->v[i];
				all->v[i] = t;
				m++;
			}
		}
		n = m;
	}
	sqlite3_stmt *st = NULL;
	int rc = sk_index__cached(ix, &st, "SELECT j.key, r.date, r.id, r.type, r.path, r.title, r.valid"
		" FROM json_each(?) j JOIN records r ON r.rid = j.value");
	if (rc)
		return rc;
	sqlite3_int64 *rids = sk_calloc(n, sizeof *rids);
	for (size_t i = 0; i < n; i++)
		rids[i] = all->v[i].rid;
	sk_buf list = SK_BUF_INIT;
	bind_rids(st, &list, rids, n);
	free(rids);
	candidate *c = sk_calloc(n, sizeof *c);
	size_t k = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 i = sqlite3_column_int64(st, 0);
		if (i < 0 || (size_t)i >= n)
			continue;
		candidate *x = &c[k++];
		x->h = all->v[i];
		x->date = col_dup(st, 1);
		x->id = col_dup(st, 2);
		x->type = col_dup(st, 3);
		x->path = col_dup(st, 4);
		x->title = col_dup(st, 5);
		x->valid = sqlite3_column_int(st, 6);
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading the hits' records");
	sk_index__release(ix, st);
	sk_buf_free(&list);
	if (rc) {
		for (size_t i = 0; i < k; i++)
			candidate_free(&c[i]);
		free(c);
		return rc;
	}
	if (k > 1)
		qsort(c, k, sizeof *c, cmp_candidate);
	*out = c;
	*n_out = k;
	return 0;
}

/* Snippets of the page's hits from the instances the ranking pass kept
 * (`inst[i]`, `n_inst[i]` for hit i): the bodies and their marks read in
 * one statement, from FTS5's content table itself (fts_content, its
 * columns c0, c1, c2): a b-tree look-up where a query of the fts table by
 * rowid runs a statement of its own inside. */
static int page_snippets(sk_index *ix, sk_search_hit *page, const sqlite3_int64 *rids, size_t n,
	sk_snippet_inst *const *inst, const size_t *n_inst, int n_phrases, const char *hl_open, const char *hl_close)
{
	if (!n)
		return 0;
	sqlite3_stmt *st = NULL;
	int rc = sk_index__cached(ix, &st, "SELECT j.key, c.c2, m.at FROM json_each(?) j"
		" JOIN fts_content c ON c.id = j.value LEFT JOIN marks m ON m.rid = c.id");
	if (rc)
		return rc;
	sk_buf list = SK_BUF_INIT;
	bind_rids(st, &list, rids, n);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 i = sqlite3_column_int64(st, 0);
		if (i < 0 || (size_t)i >= n || page[i].snippet)
			continue;
		const char *body = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const unsigned char *marks = sqlite3_column_blob(st, 2);
		size_t n_marks = (size_t)sqlite3_column_bytes(st, 2);
		page[i].snippet = sk_snippet_make(body ? body : "", body ? len : 0, marks, n_marks, inst[i], n_inst[i],
			n_phrases, SNIPPET_TOKENS, hl_open, hl_close, "…");
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "making snippets");
	sk_index__release(ix, st);
	sk_buf_free(&list);
	return rc;
}

/* The start of the text of each page hit (a search by filters only), read
 * as page_snippets reads bodies: end at a word, say it goes on. */
static int page_starts(sk_index *ix, sk_search_hit *page, const sqlite3_int64 *rids, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = n ? sk_index__cached(ix, &st, "SELECT j.key, substr(c.c2, 1, 160) FROM json_each(?) j"
		" JOIN fts_content c ON c.id = j.value") : 0;
	if (rc || !n)
		return rc;
	sk_buf list = SK_BUF_INIT;
	bind_rids(st, &list, rids, n);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 i = sqlite3_column_int64(st, 0);
		if (i >= 0 && (size_t)i < n && !page[i].snippet)
			page[i].snippet = col_dup(st, 1);
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "reading the hits' text");
	sk_index__release(ix, st);
	sk_buf_free(&list);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!page[i].snippet)
			page[i].snippet = sk_strdup("");
		squeeze(page[i].snippet);
		if (strlen(page[i].snippet) >= 150) {
			char *cut = strrchr(page[i].snippet, ' ');
			if (cut)
				*cut = '\0';
			char *longer = sk_printf("%s…", page[i].snippet);
			free(page[i].snippet);
			page[i].snippet = longer;
		}
	}
	return rc;
}

/* Counts the hits' facet values, from the connection's cache (or, for an
 * index the cache cannot hold, from the facets table hit by hit). */
static int count_facets(sk_index *ix, const hits *all, sk_search_result *res)
{
	const sk_search_cache *c = ix->tctx.search;
	int rc = 0;
	res->facets = sk_calloc(N_FACETS, sizeof *res->facets);
	res->n_facets = N_FACETS;
	for (size_t f = 0; f < N_FACETS; f++)
		res->facets[f].name = sk_strdup(facet_names[f]);
	if (c && c->usable) {
		size_t *counts[N_FACETS];
		for (size_t f = 0; f < N_FACETS; f++)
			counts[f] = sk_calloc(c->n_values[f] + 1, sizeof *counts[f]);
		for (size_t i = 0; i < all->len; i++) {
			sqlite3_int64 rid = all->v[i].rid;
			if (rid < 0 || rid >= c->n_rids)
				continue;
			for (uint32_t e = c->offsets[rid]; e < c->offsets[rid + 1]; e++) {
				uint32_t x = c->entries[e];
				counts[x >> FACET_ID_BITS][x & (FACET_MAX - 1)]++;
			}
		}
		for (size_t f = 0; f < N_FACETS; f++) {
			size_t n = 0;
			for (size_t v = 0; v < c->n_values[f]; v++)
				n += counts[f][v] != 0;
			sk_facet_value *vals = n ? sk_calloc(n, sizeof *vals) : NULL;
			n = 0;
			for (size_t v = 0; v < c->n_values[f]; v++)
				if (counts[f][v])
					vals[n++] = (sk_facet_value){ .value = c->values[f][v], .count = counts[f][v] };
			if (n > 1)
				qsort(vals, n, sizeof *vals, cmp_facet_value);
			if (n > 50)
				n = 50;
			for (size_t k = 0; k < n; k++)
				vals[k].value = sk_strdup(vals[k].value);
			res->facets[f].values = vals;
			res->facets[f].n_values = n;
			free(counts[f]);
		}
		return 0;
	}
	/* Without the cache: the hits' rids as a JSON array, one look-up of
	 * the facets table each. */
	facet_counter counters[N_FACETS];
	memset(counters, 0, sizeof counters);
	sqlite3_stmt *st = NULL;
	sk_buf list = SK_BUF_INIT;
	if ((rc = sk_index__cached(ix, &st,
		"SELECT name, value FROM facets WHERE rid IN (SELECT value FROM json_each(?))")) != 0)
		goto done;
	sqlite3_int64 *rids = sk_calloc(all->len + 1, sizeof *rids);
	for (size_t i = 0; i < all->len; i++)
		rids[i] = all->v[i].rid;
	bind_rids(st, &list, rids, all->len);
	free(rids);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		int f = name ? facet_index(name) : -1;
		if (f >= 0 && value)
			counter_add(&counters[f], value);
	}
	if (step != SQLITE_DONE)
		rc = sk_index__sql_error(ix, "counting facets");
done:
	sk_index__release(ix, st);
	sk_buf_free(&list);
	for (size_t f = 0; f < N_FACETS; f++)
		counter_take(&counters[f], &res->facets[f]);
	return rc;
}

/* The compound parts expand_compound added to each term: how many (for
 * the roles) and which (their records are counted to rank them). */
typedef struct expand_ctx {
	sk_index *ix;
	const sk_query *q;
	int *n_parts;
	char ***parts;               /* per term, n_parts[i] raw terms */
	sqlite3_int64 **part_df;     /* per term, their records (-1: unknown) */
	sqlite3_int64 *word_df;      /* per term, the word's records (-1: unknown) */
	int *first;                  /* per term, its phrase's number */
} expand_ctx;

static void expand_counting(void *ud, const sk_qterm *t, sk_buf *alt)
{
	expand_ctx *e = ud;
	size_t i = (size_t)(t - e->q->terms), before = alt->len;
	sqlite3_int64 df[PARTS_MAX];
	expand_compound(e->ix, t, alt, df, &e->word_df[i]);
	int n = 0;
	for (size_t k = before; k < alt->len; k++)
		n += alt->data[k] == SK_TOK_RAW;
	e->parts[i] = n ? sk_calloc((size_t)n, sizeof *e->parts[i]) : NULL;
	e->part_df[i] = n ? sk_calloc((size_t)n, sizeof *e->part_df[i]) : NULL;
	n = 0;
	for (size_t k = before; k < alt->len; k++) {
		if (alt->data[k] != SK_TOK_RAW)
			continue;
		size_t end = k + 1;
		while (end < alt->len && alt->data[end] != '"')
			end++;
		e->part_df[i][n] = n < PARTS_MAX ? df[n] : -1;
		e->parts[i][n++] = sk_strndup(alt->data + k + 1, end - k - 1);
	}
	e->n_parts[i] = n;
}

/* Runs a statement without results from the handle's cache (BEGIN and
 * COMMIT, twice a search: sqlite3_exec would parse them each time). */
static int run_cached(sk_index *ix, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sk_index__cached(ix, &st, sql);
	if (rc == 0 && sqlite3_step(st) != SQLITE_DONE)
		rc = sk_index__sql_error(ix, sql);
	sk_index__release(ix, st);
	return rc;
}

int sk_index_search(sk_search_result **out, sk_index *ix, const char *query,
	const sk_search_opts *opts)
{
	*out = NULL;
	int rc = 0;
	sk_query *q = NULL;
	char *pos = NULL, *exact = NULL, *neg = NULL, *match = NULL, *exact_match = NULL;
	int *n_parts = NULL, *first = NULL, began = 0;
	char ***parts = NULL;
	unsigned char *held = NULL;
	char **part_text = NULL;
	sqlite3_int64 **part_df = NULL, *phrase_df = NULL, *word_df = NULL, *known_df = NULL;
	rank_state rs;
	sk_buf roles = SK_BUF_INIT;
	hits all = { NULL, 0, 0 };
	candidate *cand = NULL;
	size_t n_cand = 0;
	sqlite3_int64 *rids = NULL;
	sk_snippet_inst **page_inst = NULL;
	size_t *page_n_inst = NULL;
	sk_search_result *res = sk_calloc(1, sizeof *res);
	sk_search_opts defaults = { 0 };
	if (!opts)
		opts = &defaults;
	memset(&rs, 0, sizeof rs);
	size_t limit = opts->limit ? opts->limit : 20;
	const char *hl_open = opts->hl_open ? opts->hl_open : "[";
	const char *hl_close = opts->hl_close ? opts->hl_close : "]";

	if ((rc = sk_index__query_parse(&q, query)) != 0)
		goto done;
	/* One read transaction: the cache and every statement see the same
	 * index, and the statements skip taking and dropping their locks. */
	if (sqlite3_get_autocommit(ix->db)) {
		if ((rc = run_cached(ix, "BEGIN")) != 0)
			goto done;
		began = 1;
	}
	/* The cache is read at a handle's second search: one that searches
	 * once (the CLI) would spend more reading it (130 ms at 100 000
	 * records) than the search does without it. */
	sk_search_cache *cache = ix->tctx.search;
	if (cache && cache->searches++ > 0 && (rc = cache_refresh(ix, cache)) != 0)
		goto done;
	n_parts = sk_calloc(q->n_terms + 1, sizeof *n_parts);
	first = sk_calloc(q->n_terms + 1, sizeof *first);
	parts = sk_calloc(q->n_terms + 1, sizeof *parts);
	part_df = sk_calloc(q->n_terms + 1, sizeof *part_df);
	word_df = sk_calloc(q->n_terms + 1, sizeof *word_df);
	for (size_t i = 0; i < q->n_terms; i++)
		word_df[i] = -1;
	expand_ctx ectx = { ix, q, n_parts, parts, part_df, word_df, first };
	pos = sk_index__query_fts(q, 0, expand_counting, &ectx);
	exact = sk_index__query_fts(q, 0, NULL, NULL);
	neg = sk_index__query_fts(q, 1, NULL, NULL);
	if (exact) {
		exact_match = with_not(exact, neg);
		if (strcmp(pos, exact) != 0)
			match = with_not(pos, neg);
	}

	/* One pass finds and ranks every hit: tier 0 holds the words, tier 1
	 * (after it) only compound parts of them. */
	int n_groups = 0;
	if (exact)
		phrase_roles(&roles, &n_groups, q, n_parts, first);
	held = sk_calloc(roles.len + 1, 1);
	rs.roles = (const unsigned char *)roles.data;
	rs.n_roles = (int)roles.len;
	rs.n_groups = n_groups;
	rs.idf = sk_calloc(roles.len + 1, sizeof *rs.idf);
	rs.freq = sk_calloc(roles.len + 1, sizeof *rs.freq);
	rs.held = held;
	rs.cache = ix->tctx.search;
	rs.phrase_size = sk_calloc(roles.len + 1, sizeof *rs.phrase_size);
	/* A word the vocabulary holds needs no query to count its records. */
	known_df = sk_calloc(roles.len + 1, sizeof *known_df);
	for (size_t i = 0; i < roles.len; i++)
		known_df[i] = -1;
	for (size_t i = 0; exact && i < q->n_terms; i++)
		if (!q->terms[i].negated)
			known_df[first[i]] = word_df[i];
	rs.known_df = known_df;
	rs.by_kind = sk_calloc(roles.len + 1, sizeof *rs.by_kind);
	/* Tier 1 is ranked only when the page reaches it. */
	size_t end = opts->offset + limit < opts->offset ? SIZE_MAX : opts->offset + limit;
	rs.page_end = end;
	if ((rc = find_hits(ix, q, exact ? (match ? match : exact_match) : NULL, neg, &rs, &all)) != 0)
		goto done;
	res->total = all.len;
	/* bm25 divides by the length of the whole record, so a long record
	 * whose title or tags hold every word would lose to a short one that
	 * mentions them once: records whose title and tags hold the query
	 * count three times (when more than one record holds the words). */
	size_t exact_hits = 0;
	for (size_t i = 0; i < all.len; i++)
		exact_hits += all.v[i].tier == 0;
	if (exact_hits > 1)
		for (size_t i = 0; i < all.len; i++)
			if (all.v[i].boost)
				all.v[i].score *= 3;

	if (exact_hits < all.len && exact_hits < end) {
		part_text = sk_calloc(roles.len + 1, sizeof *part_text);
		phrase_df = sk_calloc(roles.len + 1, sizeof *phrase_df);
		for (size_t i = 0; i < q->n_terms; i++)
			for (int k = 0; !q->terms[i].negated && k < n_parts[i]; k++) {
				part_text[first[i] + 1 + k] = parts[i][k];
				phrase_df[first[i] + 1 + k] = part_df[i][k];
			}
		if ((rc = rank_tier1(ix, &rs, &all, part_text, phrase_df)) != 0)
			goto done;
	}
	if ((rc = page_candidates(ix, &all, end, &cand, &n_cand)) != 0)
		goto done;
	res->hits = sk_calloc(limit, sizeof *res->hits);
	rids = sk_calloc(limit, sizeof *rids);
	page_inst = sk_calloc(limit, sizeof *page_inst);
	page_n_inst = sk_calloc(limit, sizeof *page_n_inst);
	for (size_t i = opts->offset; i < n_cand && res->n_hits < limit; i++) {
		sk_search_hit *h = &res->hits[res->n_hits];
		candidate *c = &cand[i];
		h->id = c->id;
		h->type = c->type;
		h->path = c->path;
		h->title = c->title;
		c->id = c->type = c->path = c->title = NULL;
		/* Without text the score is only the date's order: not a rank. */
		h->score = exact ? c->h.score : 0;
		h->valid = c->valid;
		rids[res->n_hits] = c->h.rid;
		page_inst[res->n_hits] = rs.inst ? rs.inst + c->h.inst_at : NULL;
		page_n_inst[res->n_hits] = c->h.inst_n;
		res->n_hits++;
	}
	if (exact) {
		/* A tier-0 row kept the words' instances, a tier-1 row its parts'
		 * too: parts are highlighted only where they found the record. */
		if ((rc = page_snippets(ix, res->hits, rids, res->n_hits, page_inst, page_n_inst, rs.n_roles,
			hl_open, hl_close)) != 0)
			goto done;
		for (size_t i = 0; i < res->n_hits; i++) {
			if (!res->hits[i].snippet)
				res->hits[i].snippet = sk_strdup("");
			squeeze(res->hits[i].snippet);
		}
	} else if ((rc = page_starts(ix, res->hits, rids, res->n_hits)) != 0) {
		goto done;
	}
	if (opts->facets && (rc = count_facets(ix, &all, res)) != 0)
		goto done;
	res->fts = strip_raw(match ? match : exact_match);
done:
	if (began && !sqlite3_get_autocommit(ix->db))
		run_cached(ix, "COMMIT");
	for (size_t i = 0; i < n_cand; i++)
		candidate_free(&cand[i]);
	free(cand);
	free(rids);
	free(page_inst);
	free(page_n_inst);
	free(all.v);
	sk_buf_free(&roles);
	for (size_t i = 0; parts && i < q->n_terms; i++) {
		for (int k = 0; k < n_parts[i]; k++)
			free(parts[i][k]);
		free(parts[i]);
		free(part_df[i]);
	}
	free(parts);
	free(part_df);
	free(phrase_df);
	free(word_df);
	free(known_df);
	free(n_parts);
	free(first);
	free(held);
	free(part_text);
	free(rs.idf);
	free(rs.freq);
	free(rs.kept);
	free(rs.phrase_size);
	free(rs.by_kind);
	free(rs.inst);
	free(rs.worst);
	sk_index__query_free(q);
	free(pos);
	free(exact);
	free(neg);
	free(match);
	free(exact_match);
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
	term_bag bag = { NULL, 0, 0 };
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
	sqlite3_int64 changes = sqlite3_total_changes64(ix->db);
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
	/* The temporary table's rows are no change to the index: the search
	 * cache stays good. */
	sk_search_cache *c = ix->tctx.search;
	if (c && c->loaded && c->changes == changes)
		c->changes = sqlite3_total_changes64(ix->db);
	free(terms);
	if (rc) {
		sk_search_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}
