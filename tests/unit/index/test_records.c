/* Unit tests of reading records back out of the index: sk_index_records
 * with its selections, sk_index_each's field forms, sk_index_problems with
 * the stray files and unreadable files a scan keeps. */
#include "test_index.h"

#include "samskap/index.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static sk_kb *kb;
static sk_index *ix;

static void setup(void)
{
	dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"T\"}\n");
	sk_test_write(dir, "kommuner/alfa.md", "---\ntitle: Alfa\nkommunenummer: \"1508\"\nfylke: Agder\n"
		"resource_group: true\n---\nTekst.\n");
	sk_test_write(dir, "challenges/eldre.md", "---\ntitle: Eldre\nstatus: active\n---\nSe [[alfa]].\n");
	sk_test_write(dir, "experiments/x/index.md", "---\ntitle: X\nkommuner: [alfa]\nchallenge: eldre\n"
		"status: running\nstart: 2026-01-01\nhypothesis: H.\nmetrics:\n  - name: a\n    unit: u\n"
		"  - name: b\n    unit: u\n---\nTekst.\n");
	sk_test_write(dir, "experiments/x/log/2026-02-01-a.md", "---\ndate: 2026-02-01\nauthor: K\n"
		"kind: measurement\nmeasurements:\n  a: 1\n  \"q\\\"uote\": 2\n---\nMålt.\n");
	sk_test_write(dir, "experiments/x/log/2026-02-02-b.md", "---\ndate: 2026-02-02\nauthor: K\nkind: observation\n"
		"---\nSett.\n");
	sk_test_write(dir, "cases/skjev.md", "---\ntitle: [uten slutt\n---\nTekst.\n");
	sk_test_write(dir, "cases/notes.txt", "notater\n");
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

START_TEST(test_records_and_selections)
{
	sk_record **recs = NULL, **bad = NULL;
	size_t n = 0, nb = 0;
	ck_assert_int_eq(sk_index_records(&recs, &n, &bad, &nb, ix, NULL), 0);
	/* Type order, then id: kommune, challenge, experiment, two logs. */
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(recs[0]->id, "alfa");
	ck_assert_str_eq(recs[1]->id, "eldre");
	ck_assert_str_eq(recs[2]->id, "x");
	ck_assert_int_eq(recs[3]->type, SK_TYPE_LOG);
	ck_assert_str_eq(recs[3]->experiment, "x");
	ck_assert_ptr_nonnull(recs[2]->front);
	ck_assert_str_eq(json_string_value(json_object_get(recs[2]->front, "status")), "running");
	/* The challenge's [[alfa]], with its place in the file. */
	ck_assert_uint_eq(recs[1]->n_links, 1);
	ck_assert_str_eq(recs[1]->links[0].target, "alfa");
	ck_assert_int_eq(recs[1]->links[0].line, 5);
	ck_assert_int_gt(recs[1]->links[0].col, 0);
	/* A log entry's link to its experiment is marked implicit. */
	int implicit = 0;
	for (size_t i = 0; i < recs[3]->n_links; i++)
		implicit |= recs[3]->links[i].implicit && strcmp(recs[3]->links[i].target, "x") == 0;
	ck_assert(implicit);
	/* The file that does not parse comes apart, without front matter. */
	ck_assert_uint_eq(nb, 1);
	ck_assert_str_eq(bad[0]->id, "skjev");
	ck_assert_ptr_null(bad[0]->front);
	sk_records_free(recs, n);
	sk_records_free(bad, nb);

	/* One experiment's log entries, front matter only where asked. */
	sk_index_select sel = { 1u << SK_TYPE_LOG, 0, NULL, "x", 0 };
	ck_assert_int_eq(sk_index_records(&recs, &n, NULL, NULL, ix, &sel), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(recs[0]->front);
	ck_assert_uint_eq(recs[0]->n_links, 0);
	sk_records_free(recs, n);
	sk_index_select one = { 0, ~0u, "eldre", NULL, 1 };
	ck_assert_int_eq(sk_index_records(&recs, &n, NULL, NULL, ix, &one), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(recs[0]->title, "Eldre");
	sk_records_free(recs, n);
	sk_index_select none = { 0, 0, "finnes-ikke", NULL, 0 };
	ck_assert_int_eq(sk_index_records(&recs, &n, NULL, NULL, ix, &none), 0);
	ck_assert_uint_eq(n, 0);
	sk_records_free(recs, n);
}
END_TEST

static int collect(void *ud, const char *id, const char *path, const char *title,
	const char *experiment, const char *const *v)
{
	(void)title;
	(void)experiment;
	json_t *rows = ud;
	json_t *row = json_pack("[s,s]", id, path);
	for (size_t i = 0; i < 3; i++)
		json_array_append_new(row, v[i] ? json_string(v[i]) : json_null());
	json_array_append_new(rows, row);
	return 0;
}

START_TEST(test_each_field_forms)
{
	/* A field's value, a mapping's member names, an array's members. */
	const char *exp_fields[] = { "status", "kommuner", "metrics[].name", NULL };
	json_t *rows = json_array();
	ck_assert_int_eq(sk_index_each(ix, SK_TYPE_EXPERIMENT, exp_fields, collect, rows), 0);
	ck_assert_uint_eq(json_array_size(rows), 1);
	json_t *r = json_array_get(rows, 0);
	ck_assert_str_eq(json_string_value(json_array_get(r, 2)), "running");
	ck_assert_str_eq(json_string_value(json_array_get(r, 3)), "[\"alfa\"]");
	ck_assert_str_eq(json_string_value(json_array_get(r, 4)), "[\"a\",\"b\"]");
	json_decref(rows);

	/* Names with quotes stay names: the JSON paths are bound. */
	const char *log_fields[] = { "date", "measurements{}", "no\"such", NULL };
	rows = json_array();
	ck_assert_msg(sk_index_each(ix, SK_TYPE_LOG, log_fields, collect, rows) == 0, "%s", sk_error_last());
	ck_assert_uint_eq(json_array_size(rows), 2);
	json_t *a = NULL, *b = NULL;
	size_t i;
	json_array_foreach(rows, i, r) {
		if (strstr(json_string_value(json_array_get(r, 1)), "-a.md"))
			a = r;
		else
			b = r;
	}
	ck_assert_str_eq(json_string_value(json_array_get(a, 2)), "2026-02-01");
	json_error_t err;
	json_t *keys = json_loads(json_string_value(json_array_get(a, 3)), 0, &err);
	ck_assert_uint_eq(json_array_size(keys), 2);
	ck_assert_str_eq(json_string_value(json_array_get(keys, 1)), "q\"uote");
	json_decref(keys);
	ck_assert(json_is_null(json_array_get(a, 4)));
	/* No measurements: no names. */
	ck_assert(json_is_null(json_array_get(b, 3)));
	json_decref(rows);
}
END_TEST

START_TEST(test_problems_and_strays)
{
	sk_diags d = SK_DIAGS_INIT;
	ck_assert_int_eq(sk_index_problems(&d, ix), 0);
	int yaml = 0, stray = 0;
	for (size_t i = 0; i < d.len; i++) {
		if (strcmp(d.items[i].file, "cases/skjev.md") == 0 && d.items[i].severity == SK_DIAG_ERROR &&
			d.items[i].line == 3 && strstr(d.items[i].message, "YAML"))
			yaml = 1;
		if (strcmp(d.items[i].file, "cases/notes.txt") == 0 && d.items[i].severity == SK_DIAG_WARNING)
			stray = 1;
	}
	ck_assert(yaml);
	ck_assert(stray);
	sk_diags_free(&d);

	/* The stray file removed and a record turned into a symbolic link:
	 * the next update knows both. */
	sk_run_result r = sk_test_run(dir, NULL, "rm cases/notes.txt && rm kommuner/alfa.md && "
		"ln -s ../challenges/eldre.md kommuner/alfa.md");
	ck_assert_int_eq(r.status, 0);
	sk_run_result_free(&r);
	ck_assert_int_eq(sk_index_update(ix, 0, NULL, NULL, NULL), 0);
	ck_assert_int_eq(sk_index_problems(&d, ix), 0);
	int link = 0;
	for (size_t i = 0; i < d.len; i++) {
		ck_assert_str_ne(d.items[i].file, "cases/notes.txt");
		link |= strcmp(d.items[i].file, "kommuner/alfa.md") == 0 && strstr(d.items[i].message, "symbolic link");
	}
	ck_assert(link);
	sk_diags_free(&d);
	/* The link is no longer a kommune that parses. */
	sk_record **recs = NULL, **bad = NULL;
	size_t n = 0, nb = 0;
	ck_assert_int_eq(sk_index_records(&recs, &n, &bad, &nb, ix, NULL), 0);
	ck_assert_uint_eq(nb, 2);
	sk_records_free(recs, n);
	sk_records_free(bad, nb);
}
END_TEST

TCase *tcase_records(void)
{
	TCase *tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_records_and_selections);
	tcase_add_test(tc, test_each_field_forms);
	tcase_add_test(tc, test_problems_and_strays);
	return tc;
}
