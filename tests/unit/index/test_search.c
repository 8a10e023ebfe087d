/* Unit tests of what a search keeps between searches on one handle: the
 * connection's cache of facet values, row lengths and dates follows the
 * index when this handle or another one changes it, and a search by
 * filters alone (served from that cache) keeps SQL's sense of dates. */
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

TCase *tcase_search(void)
{
	TCase *tc = tcase_create("search");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cache_follows_updates);
	tcase_add_test(tc, test_filters_alone_and_dates);
	return tc;
}
