/* Unit tests of what a search keeps between searches on one handle: the
 * connection's cache of facet values, row lengths and dates follows the
 * index when this handle or another one changes it, and a search by
 * filters alone (served from that cache) keeps SQL's sense of dates,
 * compound parts from the vocabulary in memory are those the trigram
 * index finds, and the vocabulary's counts of records per term (which
 * rank the parts) are FTS5's own through additions, edits and removals. */
#include "test_index.h"

#include "samskap/index.h"

#include <stdlib.h>
#include <string.h>

static char *dir;
static sk_kb *kb;
static sk_index *ix;

static void write_experiment(const char *id, const char *kommune, const char *status, const char *start)
{
	char *path = sk_printf("experiments/%s/index.md", id);
	char *text = sk_printf("---\ntitle: Forsøk %s\nkommuner: [%s]\nchallenge: eldre\nstatus: %s\n"
		"start: %s\nhypothesis: H.\nmetrics:\n  - name: a\n    unit: u\n---\nVelferdsteknologi i %s.\n",
		id, kommune, status, start, kommune);
	sk_test_write(dir, path, text);
	free(path);
	free(text);
}

static void setup(void)
{
	dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"T\"}\n");
	sk_test_write(dir, "kommuner/alfa.md", "---\ntitle: Alfa\n---\nTekst.\n");
	sk_test_write(dir, "kommuner/beta.md", "---\ntitle: Beta\n---\nTekst.\n");
	sk_test_write(dir, "challenges/eldre.md", "---\ntitle: Eldre\nstatus: active\n---\nTekst.\n");
	write_experiment("x", "alfa", "running", "2026-01-01");
	write_experiment("y", "beta", "running", "2025-01-01");
	ck_assert_int_eq(sk_kb_open(&kb, dir), 0);
	ck_assert_msg(sk_index_open(&ix, kb, NULL) == 0, "%s", sk_error_last());
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
}

static void teardown(void)
{
	sk_index_free(ix);
	sk_kb_free(kb);
	sk_test_rmtree(dir);
	free(dir);
}

/* The count of `value` in the facet `name` (0 when absent). */
static size_t facet_count(const sk_search_result *r, const char *name, const char *value)
{
	for (size_t f = 0; f < r->n_facets; f++) {
		if (strcmp(r->facets[f].name, name) != 0)
			continue;
		for (size_t k = 0; k < r->facets[f].n_values; k++)
			if (strcmp(r->facets[f].values[k].value, value) == 0)
				return r->facets[f].values[k].count;
	}
	return 0;
}

static sk_search_result *search(sk_index *on, const char *q)
{
	sk_search_result *r = NULL;
	sk_search_opts o = { 20, 0, 1, NULL, NULL };
	ck_assert_msg(sk_index_search(&r, on, q, &o) == 0, "%s: %s", q, sk_error_last());
	return r;
}

START_TEST(test_cache_follows_updates)
{
	sk_search_result *r = search(ix, "status:running");
	ck_assert_uint_eq(r->total, 2);
	ck_assert_str_eq(r->hits[0].id, "x");   /* newest first */
	ck_assert_uint_eq(facet_count(r, "kommune", "alfa"), 1);
	ck_assert_uint_eq(facet_count(r, "kommune", "beta"), 1);
	sk_search_result_free(r);

	/* This handle updates the index: y moves to alfa and becomes the newest. */
	write_experiment("y", "alfa", "running", "2027-01-01");
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	r = search(ix, "status:running");
	ck_assert_uint_eq(r->total, 2);
	ck_assert_str_eq(r->hits[0].id, "y");
	ck_assert_uint_eq(facet_count(r, "kommune", "alfa"), 2);
	ck_assert_uint_eq(facet_count(r, "kommune", "beta"), 0);
	sk_search_result_free(r);
	r = search(ix, "velferdsteknologi");
	ck_assert_uint_eq(r->total, 2);
	ck_assert_uint_eq(facet_count(r, "kommune", "alfa"), 2);
	sk_search_result_free(r);

	/* Another handle changes it: x is completed. */
	sk_index *other = NULL;
	ck_assert_msg(sk_index_open(&other, kb, NULL) == 0, "%s", sk_error_last());
	write_experiment("x", "alfa", "completed", "2026-01-01");
	ck_assert_msg(sk_index_update(other, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	sk_index_free(other);
	r = search(ix, "velferdsteknologi");
	ck_assert_uint_eq(facet_count(r, "status", "running"), 1);
	ck_assert_uint_eq(facet_count(r, "status", "completed"), 1);
	sk_search_result_free(r);
}
END_TEST

START_TEST(test_filters_alone_and_dates)
{
	/* until: takes the whole year; a record without a date passes neither
	 * since: nor -since: (SQL's NULL). */
	sk_search_result *r = search(ix, "type:experiment until:2025");
	ck_assert_uint_eq(r->total, 1);
	ck_assert_str_eq(r->hits[0].id, "y");
	sk_search_result_free(r);
	r = search(ix, "type:experiment since:2025-06 -kommune:beta");
	ck_assert_uint_eq(r->total, 1);
	ck_assert_str_eq(r->hits[0].id, "x");
	sk_search_result_free(r);
	r = search(ix, "type:challenge since:2000");
	ck_assert_uint_eq(r->total, 0);
	sk_search_result_free(r);
	r = search(ix, "type:challenge -since:2000");
	ck_assert_uint_eq(r->total, 0);
	sk_search_result_free(r);
	r = search(ix, "-type:experiment");
	ck_assert_uint_eq(r->total, 3);
	ck_assert_uint_eq(facet_count(r, "type", "kommune"), 2);
	sk_search_result_free(r);
	/* A kommune by its title, as the text path reads it too. */
	r = search(ix, "kommune:Beta");
	ck_assert_uint_eq(r->total, 1);
	ck_assert_str_eq(r->hits[0].id, "y");
	sk_search_result_free(r);
	r = search(ix, "kommune:Beta velferdsteknologi");
	ck_assert_uint_eq(r->total, 1);
	ck_assert_str_eq(r->hits[0].id, "y");
	sk_search_result_free(r);
}
END_TEST

/* The search's FTS5 expression and its hits as one string. */
static char *search_trace(sk_index *on, const char *q)
{
	sk_search_result *r = search(on, q);
	sk_buf b = SK_BUF_INIT;
	sk_buf_printf(&b, "%s | %zu |", r->fts ? r->fts : "", r->total);
	for (size_t i = 0; i < r->n_hits; i++) {
		const sk_search_hit *h = &r->hits[i];
		sk_buf_printf(&b, " %s %s %s \"%s\" %d %.17g [%s]", h->id, h->type, h->path, h->title, h->valid, h->score,
			h->snippet);
	}
	sk_search_result_free(r);
	return sk_buf_detach(&b);
}

START_TEST(test_compound_parts_from_memory)
{
	/* 30 compounds of teknologi (more than the 24 parts taken, of
	 * several lengths), words that hold it too early in them, and
	 * foreldre, which eldre must not find. */
	static const char *const heads[] = { "velferds", "helse", "omsorgs", "sensor", "mat", "bygg",
		"skole", "lyd", "bilde", "data", "energi", "miljø", "havbruks", "fiskeri", "vann", "klima",
		"trygghets", "lærings", "språk", "sikkerhets", "kommunikasjons", "mobil", "nett", "rus",
		"bolig", "transport", "medisin", "pleie", "arkiv", "kart" };
	sk_buf body = SK_BUF_INIT;
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
		sk_buf_printf(&body, "%steknologi ", heads[i]);
	sk_buf_puts(&body, "teknologiene ateknologi foreldre eldreomsorg hjemmetjenesten hjemmetjenestene.\n");
	char *text = sk_printf("---\ntitle: Ord\n---\n%s", body.data);
	sk_test_write(dir, "cases/ord.md", text);
	free(text);
	sk_buf_free(&body);
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());

	static const char *const queries[] = { "teknologi", "eldre", "hjemmetjenesten omsorg",
		"velferd*", "\"helse teknologi\"", "teknologi -bygg", "eldre OR teknologi", "kart" };
	/* A handle's first search asks the trigram index; from its second the
	 * vocabulary is in memory. */
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		sk_index *fresh = NULL;
		ck_assert_msg(sk_index_open(&fresh, kb, NULL) == 0, "%s", sk_error_last());
		char *from_index = search_trace(fresh, queries[i]);
		char *warm = search_trace(fresh, queries[i]);
		char *again = search_trace(fresh, queries[i]);
		ck_assert_str_eq(warm, from_index);
		ck_assert_str_eq(again, from_index);
		free(from_index);
		free(warm);
		free(again);
		sk_index_free(fresh);
	}
	char *t = search_trace(ix, "teknologi");
	ck_assert_msg(strstr(t, "velferdsteknologi") && strstr(t, "\"datateknologi"), "%s", t);
	/* Three letters before it are not a compound's first part. */
	ck_assert_msg(!strstr(t, "\"matteknologi"), "%s", t);
	ck_assert_msg(!strstr(t, "\"ateknologi\""), "%s", t);
	free(t);
	t = search_trace(ix, "eldre");
	ck_assert_msg(strstr(t, "eldreomsorg") && !strstr(t, "\"foreldr"), "%s", t);
	free(t);

	/* A word the index learns after the vocabulary was read is found
	 * (dronteknologi is among the shortest, so among the 24 taken). */
	t = search_trace(ix, "teknologi");
	ck_assert_msg(!strstr(t, "dronteknologi"), "%s", t);
	free(t);
	sk_test_write(dir, "cases/drone.md", "---\ntitle: Drone\n---\nDronteknologi.\n");
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	t = search_trace(ix, "teknologi");
	ck_assert_msg(strstr(t, "dronteknologi"), "%s", t);
	free(t);
	sk_index *fresh = NULL;
	ck_assert_msg(sk_index_open(&fresh, kb, NULL) == 0, "%s", sk_error_last());
	char *from_index = search_trace(fresh, "teknologi");
	sk_index_free(fresh);
	t = search_trace(ix, "teknologi");
	ck_assert_str_eq(t, from_index);
	free(from_index);
	free(t);
}
END_TEST

/* How many of the vocabulary's terms FTS5 counts in another number of
 * records, or misses: read through fts5vocab on a connection of our own. */
static long long terms_miscounted(void)
{
	char *path = sk_printf("%s/.samskap/index.sqlite", dir);
	sqlite3 *db = NULL;
	sk_tok_ctx ctx = { 0 };
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sk_index__fts5_register(db, &ctx) == 0, "%s", sk_error_last());
	sqlite3_stmt *st = NULL;
	ck_assert_msg(sqlite3_prepare_v2(db,
		"SELECT (SELECT count(*) FROM terms t WHERE t.df != coalesce((SELECT doc FROM fts_v v WHERE v.term = t.term), 0))"
		" + (SELECT count(*) FROM fts_v v WHERE length(CAST(v.term AS BLOB)) >= ?"
		"    AND NOT EXISTS (SELECT 1 FROM terms t WHERE t.term = v.term)),"
		" (SELECT count(*) FROM terms WHERE df > 1)", -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_bind_int(st, 1, SK_VOCAB_MIN_BYTES);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long bad = sqlite3_column_int64(st, 0);
	ck_assert_int_gt(sqlite3_column_int64(st, 1), 0);   /* the counts are not all 0 or 1 */
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return bad;
}

/* This handle's search (its cache and vocabulary warm, read again after
 * writes) and a new handle's find and rank the same. */
static void same_as_fresh(const char *q)
{
	char *warm = search_trace(ix, q);
	sk_index *fresh = NULL;
	ck_assert_msg(sk_index_open(&fresh, kb, NULL) == 0, "%s", sk_error_last());
	char *cold = search_trace(fresh, q);
	sk_index_free(fresh);
	ck_assert_str_eq(warm, cold);
	free(warm);
	free(cold);
}

START_TEST(test_term_counts_follow_updates)
{
	ck_assert_int_eq(terms_miscounted(), 0);
	char *warm = search_trace(ix, "teknologi");   /* this handle keeps its cache */
	free(warm);
	warm = search_trace(ix, "teknologi");
	free(warm);
	/* A term twice in one record and in two of its columns counts once. */
	sk_test_write(dir, "cases/a.md", "---\ntitle: Velferdsteknologi\ntags: [velferdsteknologi]\n---\n"
		"Velferdsteknologi og velferdsteknologi; hjemmetjenesten.\n");
	sk_test_write(dir, "cases/b.md", "---\ntitle: Hjemmetjenesten\n---\nHjemmetjenesten og sensorteknologi.\n");
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	ck_assert_int_eq(terms_miscounted(), 0);
	same_as_fresh("teknologi");
	/* A removal takes its terms away (the vocabulary keeps them, with
	 * fewer records); an edit drops one term and brings another; a record
	 * moves. */
	char *gone = sk_printf("%s/experiments/y/index.md", dir);
	ck_assert_int_eq(remove(gone), 0);
	free(gone);
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	ck_assert_int_eq(terms_miscounted(), 0);
	same_as_fresh("teknologi");
	sk_test_write(dir, "cases/a.md", "---\ntitle: Omsorgsteknologi\n---\nHjemmetjenesten.\n");
	char *from = sk_printf("%s/cases/b.md", dir), *to = sk_printf("%s/cases/c.md", dir);
	ck_assert_int_eq(rename(from, to), 0);
	free(from);
	free(to);
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	ck_assert_int_eq(terms_miscounted(), 0);
	/* Ranking by those counts: a part found in one record of several;
	 * the counts this handle keeps in memory, read again after the
	 * writes, rank as the terms table does for a new handle. */
	char *t = search_trace(ix, "teknologi");
	ck_assert_msg(strstr(t, "sensorteknologi") && strstr(t, "omsorgsteknologi"), "%s", t);
	free(t);
	same_as_fresh("teknologi");
	ck_assert_msg(sk_index_update(ix, SK_INDEX_REBUILD, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	ck_assert_int_eq(terms_miscounted(), 0);
}
END_TEST

START_TEST(test_snippets_on_every_page)
{
	/* 60 records where omsorg (and a compound of it) comes up a varying
	 * number of times at varying places, and a few in the title; every
	 * fourth holds only the compound (tier 1 for omsorg). The ranking pass
	 * keeps the places of the hits that may reach the page asked for, and
	 * reads no part of a tier-1 hit once the page is full of tier-0 ones,
	 * so a page further down shows what one long page shows, with the same
	 * totals and facets. */
	for (int i = 0; i < 60; i++) {
		sk_buf body = SK_BUF_INIT;
		const char *word = i % 4 == 3 ? "eldreomsorg" : "omsorg";
		for (int w = 0; w < 40 + (i * 7) % 50; w++)
			sk_buf_printf(&body, "%s ", w % (3 + i % 5) == 0 ? word : w % 11 == 0 ? "eldreomsorg" : "tekst");
		char *path = sk_printf("cases/c%02d.md", i);
		char *text = sk_printf("---\ntitle: %s %d\n---\n%s\n", i % 9 == 0 && i % 4 != 3 ? "Omsorg" : "Sak", i,
			body.data);
		sk_test_write(dir, path, text);
		free(path);
		free(text);
		sk_buf_free(&body);
	}
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	static const char *const queries[] = { "omsorg", "eldreomsorg", "omsorg tekst", "omsorg OR tekst" };
	for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
		sk_search_result *all = NULL;
		sk_search_opts o = { 60, 0, 1, NULL, NULL };
		ck_assert_msg(sk_index_search(&all, ix, queries[q], &o) == 0, "%s", sk_error_last());
		ck_assert_uint_ge(all->n_hits, 20);
		ck_assert_uint_ge(facet_count(all, "type", "case"), 15);
		for (size_t k = 0; k < all->n_hits; k++)   /* every hit ranked, tier 1 too */
			ck_assert_msg(all->hits[k].score < 0, "%s: %s scored %g", queries[q], all->hits[k].id,
				all->hits[k].score);
		for (size_t offset = 0; offset + 5 <= all->n_hits; offset += 7) {
			sk_search_result *page = NULL;
			sk_search_opts po = { 5, offset, 1, NULL, NULL };
			ck_assert_msg(sk_index_search(&page, ix, queries[q], &po) == 0, "%s", sk_error_last());
			ck_assert_uint_eq(page->n_hits, 5);
			ck_assert_uint_eq(page->total, all->total);
			ck_assert_uint_eq(facet_count(page, "type", "case"), facet_count(all, "type", "case"));
			for (size_t k = 0; k < 5; k++) {
				const sk_search_hit *a = &all->hits[offset + k], *b = &page->hits[k];
				ck_assert_str_eq(b->id, a->id);
				ck_assert_msg(b->score == a->score, "%s: %s scored %g on a page of 5, %g of 60", queries[q],
					b->id, b->score, a->score);
				ck_assert_str_eq(b->snippet, a->snippet);
				ck_assert_msg(strchr(b->snippet, '['), "%s: %s has no highlight: %s", queries[q], b->id, b->snippet);
			}
			sk_search_result_free(page);
		}
		sk_search_result_free(all);
	}
}
END_TEST

START_TEST(test_filters_from_cache_as_sql)
{
	/* type:, status: and dates alone are answered from a warm handle's
	 * cache; a new handle asks SQL. The same records, in the same order. */
	sk_test_write(dir, "cases/c1.md", "---\ntitle: C1\nstatus: active\ndate: 2024-03-01\n---\nTekst.\n");
	sk_test_write(dir, "cases/c2.md", "---\ntitle: C2\ndate: 2023-01-01\n---\nTekst.\n");
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	static const char *const queries[] = { "type:experiment", "-type:experiment", "type:case since:2024",
		"type:case -since:2024", "status:running", "-status:running type:experiment", "status:parked",
		"-status:parked until:2025", "since:2024", "type:experiment status:running until:2026" };
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		char *w = search_trace(ix, queries[i]);
		free(w);
		w = search_trace(ix, queries[i]);   /* the cache is read at the second search */
		free(w);
		same_as_fresh(queries[i]);
	}
	char *t = search_trace(ix, "type:case since:2024");
	ck_assert_msg(strstr(t, " c1 ") && !strstr(t, " c2 "), "%s", t);
	free(t);
	t = search_trace(ix, "status:parked");
	ck_assert_msg(strstr(t, "| 0 |"), "%s", t);
	free(t);
}
END_TEST

TCase *tcase_search(void)
{
	TCase *tc = tcase_create("search");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cache_follows_updates);
	tcase_add_test(tc, test_filters_alone_and_dates);
	tcase_add_test(tc, test_compound_parts_from_memory);
	tcase_add_test(tc, test_term_counts_follow_updates);
	tcase_add_test(tc, test_snippets_on_every_page);
	tcase_add_test(tc, test_filters_from_cache_as_sql);
	return tc;
}
