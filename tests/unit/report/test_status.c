/* report: the status overview computed from a small KB made in a temporary
 * folder, and its Markdown, HTML and JSON renderings. */
#include "report_int.h"
#include "sktest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

Suite *report_status_suite(void);

static char *kbdir;

/* A KB of two kommuner, two challenges, three experiments and their logs,
 * with a hostile title. Today is 2026-06-30 in every test. */
static void make_kb(void)
{
	kbdir = sk_test_tmpdir();
	sk_test_write(kbdir, "samskap.json", "{\"name\": \"Testpartnerskap\"}\n");
	sk_test_write(kbdir, "kommuner/alfa.md", "---\ntitle: Ålesund\nkommunenummer: \"1508\"\nfylke: Møre og Romsdal\n"
		"resource_group: true\n---\n# Ålesund\n");
	sk_test_write(kbdir, "kommuner/beta.md", "---\ntitle: Bodø\nkommunenummer: \"1804\"\nfylke: Nordland\n"
		"resource_group: false\n---\n# Bodø\n");
	sk_test_write(kbdir, "challenges/eldre.md", "---\ntitle: Flere eldre\nstatus: active\n---\nTekst.\n");
	sk_test_write(kbdir, "challenges/unge.md", "---\ntitle: \"Unge <script>alert(1)</script>\"\nstatus: active\n---\n"
		"Tekst.\n");
	sk_test_write(kbdir, "experiments/tilsyn/index.md",
		"---\ntitle: Digitalt tilsyn\nkommuner: [alfa]\nchallenge: eldre\nstatus: running\nstart: 2026-05-01\n"
		"hypothesis: Færre besøk.\nmetrics:\n  - name: besok\n    unit: besøk per uke\n    baseline: 400\n"
		"    target: 200\n  - name: timer\n    unit: timer\n    baseline: 0\n    target: 50\n---\nTekst.\n");
	sk_test_write(kbdir, "experiments/tilsyn/log/2026-05-10-a.md",
		"---\ndate: 2026-05-10\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 350\n---\nMålt.\n");
	sk_test_write(kbdir, "experiments/tilsyn/log/2026-06-20-b.md",
		"---\ndate: 2026-06-20\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 300\n  timer: 10\n---\n"
		"Målt igjen.\n");
	/* A running experiment whose last entry is 100 days old: quiet. */
	sk_test_write(kbdir, "experiments/los/index.md",
		"---\ntitle: \"Los <b>for</b> unge\"\nkommuner: [beta]\nchallenge: unge\nstatus: running\n"
		"start: 2025-09-01\nhypothesis: Flere fullfører.\nmetrics:\n  - name: andel\n    unit: prosent\n"
		"    baseline: 20\n    target: 40\n---\nTekst.\n");
	sk_test_write(kbdir, "experiments/los/log/2026-03-22-c.md",
		"---\ndate: 2026-03-22\nauthor: Per\nkind: measurement\nmeasurements:\n  andel: 25.5\n---\nMålt.\n");
	/* Completed in the period. */
	sk_test_write(kbdir, "experiments/ferdig/index.md",
		"---\ntitle: Ferdig forsøk\nkommuner: [alfa, beta]\nchallenge: eldre\nstatus: completed\n"
		"start: 2025-01-01\nend: 2026-06-01\nhypothesis: Noe.\nmetrics: []\nmodel: omsorg\n---\n"
		"Se [[finnes-ikke]].\n");
	/* Demand grows 5 % a year from 100; the scenario halves the growth. */
	sk_test_write(kbdir, "models/omsorg.json",
		"{\"title\": \"Omsorgsbehov\", \"time\": {\"start\": 2020, \"stop\": 2030, \"dt\": 1},\n"
		" \"parameters\": [{\"name\": \"vekst\", \"value\": 0.05}],\n"
		" \"stocks\": [{\"name\": \"Behov\", \"unit\": \"årsverk\", \"initial\": 100, \"inflows\": [\"okning\"]}],\n"
		" \"flows\": [{\"name\": \"okning\", \"equation\": \"Behov * vekst\"}],\n"
		" \"scenarios\": [{\"name\": \"baseline\", \"title\": \"Referanse\"},\n"
		"   {\"name\": \"tiltak\", \"title\": \"Med <tiltak>\", \"set\": {\"vekst\": 0.025}}],\n"
		" \"outputs\": [\"Behov\"]}\n");
}

static void drop_kb(void)
{
	sk_test_rmtree(kbdir);
	free(kbdir);
	kbdir = NULL;
}

/* The status of kb through its search index, brought up to date. */
static int status_ix(json_t **st, const sk_kb *kb, const sk_status_opts *o)
{
	sk_index *ix = NULL;
	ck_assert_msg(sk_index_open(&ix, kb, NULL) == 0, "%s", sk_error_last());
	ck_assert_msg(sk_index_update(ix, 0, NULL, NULL, NULL) == 0, "%s", sk_error_last());
	int rc = sk_report_status(st, ix, kb, o);
	sk_index_free(ix);
	return rc;
}

static json_t *status_of(const sk_status_opts *o)
{
	sk_kb *kb = NULL;
	json_t *st = NULL;
	ck_assert_msg(sk_kb_open(&kb, kbdir) == 0, "%s", sk_error_last());
	int rc = status_ix(&st, kb, o);
	ck_assert_msg(rc == 0, "%s", sk_error_last());
	sk_kb_free(kb);
	return st;
}

static const json_t *find(const json_t *arr, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(sk_report__str(v, "id"), id) == 0)
			return v;
	ck_abort_msg("no entry '%s'", id);
	return NULL;
}

static long geti(const json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

START_TEST(status_figures)
{
	sk_status_opts o = {.today = "2026-06-30", .since = "2026-04-01", .no_history = 1};
	json_t *st = status_of(&o);
	const json_t *t = json_object_get(st, "totals");
	ck_assert_int_eq(geti(t, "experiments"), 3);
	ck_assert_int_eq(geti(t, "running"), 2);
	ck_assert_int_eq(geti(t, "completed"), 1);
	ck_assert_int_eq(geti(t, "started_in_period"), 1);
	ck_assert_int_eq(geti(t, "completed_in_period"), 1);
	ck_assert_int_eq(geti(t, "logs_in_period"), 2);
	ck_assert_int_eq(geti(t, "quiet"), 1);
	ck_assert_str_eq(sk_report__str(st, "name"), "Testpartnerskap");

	/* Metric: baseline 400, target 200, latest 300 -> halfway. */
	const json_t *e = find(json_object_get(st, "experiments"), "tilsyn");
	const json_t *m = json_array_get(json_object_get(e, "metrics"), 0);
	ck_assert_str_eq(sk_report__str(m, "name"), "besok");
	ck_assert(fabs(json_real_value(json_object_get(m, "latest")) - 300) < 1e-9);
	ck_assert_str_eq(sk_report__str(m, "latest_date"), "2026-06-20");
	ck_assert(fabs(json_real_value(json_object_get(m, "progress")) - 0.5) < 1e-9);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "measurements")), 2);
	m = json_array_get(json_object_get(e, "metrics"), 1);
	ck_assert(fabs(json_real_value(json_object_get(m, "progress")) - 0.2) < 1e-9);
	ck_assert_str_eq(sk_report__str(e, "last_log"), "2026-06-20");
	ck_assert(json_is_false(json_object_get(e, "quiet")));

	e = find(json_object_get(st, "experiments"), "los");
	ck_assert(json_is_true(json_object_get(e, "quiet")));
	ck_assert_int_eq(geti(e, "days_quiet"), 100);

	/* Challenges: quiet and completed lists land on the right one. */
	const json_t *c = find(json_object_get(st, "challenges"), "unge");
	ck_assert_uint_eq(json_array_size(json_object_get(c, "quiet")), 1);
	c = find(json_object_get(st, "challenges"), "eldre");
	ck_assert_int_eq(geti(c, "experiments"), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "completed_in_period")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "started_in_period")), 1);

	/* Kommuner: Ålesund logged in the period, Bodø did not; Norwegian
	 * order puts Bodø before Ålesund. */
	const json_t *ks = json_object_get(st, "kommuner");
	ck_assert_str_eq(sk_report__str(json_array_get(ks, 0), "id"), "beta");
	ck_assert(json_is_true(json_object_get(find(ks, "alfa"), "logged")));
	ck_assert(json_is_false(json_object_get(find(ks, "beta"), "logged")));
	ck_assert_str_eq(sk_report__str(find(ks, "beta"), "last_log"), "2026-03-22");

	/* No history asked for, one broken link. */
	ck_assert(json_is_false(json_object_get(json_object_get(st, "history"), "available")));
	const json_t *h = json_object_get(st, "health");
	ck_assert_int_eq(geti(h, "broken_links_count"), 1);
	ck_assert_str_eq(sk_report__str(json_array_get(json_object_get(h, "broken_links"), 0), "target"),
		"finnes-ikke");
	json_decref(st);
}
END_TEST

/* The linked model runs under each scenario, compared at 2030. */
START_TEST(status_projections)
{
	sk_status_opts o = {.today = "2026-06-30", .no_history = 1};
	json_t *st = status_of(&o);
	const json_t *pj = json_object_get(st, "projections");
	ck_assert(json_is_true(json_object_get(pj, "available")));
	const json_t *m = find(json_object_get(pj, "models"), "omsorg");
	ck_assert_msg(json_is_null(json_object_get(m, "error")), "%s", sk_report__str(m, "error"));
	ck_assert(fabs(json_number_value(json_object_get(m, "horizon")) - 2030) < 1e-9);
	ck_assert_str_eq(sk_report__str(json_array_get(json_object_get(m, "linked_from"), 0), "id") ?
		"" : json_string_value(json_array_get(json_object_get(m, "linked_from"), 0)), "ferdig");
	const json_t *out = json_array_get(json_object_get(m, "outputs"), 0);
	ck_assert_str_eq(sk_report__str(out, "unit"), "årsverk");
	const json_t *svs = json_object_get(out, "scenarios");
	ck_assert_uint_eq(json_array_size(svs), 2);
	double base = json_number_value(json_object_get(json_array_get(svs, 0), "horizon_value"));
	double tilt = json_number_value(json_object_get(json_array_get(svs, 1), "horizon_value"));
	/* Euler, 10 steps: 100 * 1.05^10 and 100 * 1.025^10. */
	ck_assert_msg(fabs(base - 100 * pow(1.05, 10)) < 1e-6, "baseline %g", base);
	ck_assert_msg(fabs(tilt - 100 * pow(1.025, 10)) < 1e-6, "tiltak %g", tilt);
	ck_assert(fabs(json_number_value(json_object_get(json_array_get(svs, 1), "diff_vs_baseline")) -
		(tilt - base)) < 1e-9);
	char *html = NULL, *md = NULL;
	ck_assert_int_eq(sk_report_status_html(&html, st), 0);
	ck_assert_int_eq(sk_report_status_md(&md, st), 0);
	ck_assert_contains(html, "Med &lt;tiltak&gt;");
	ck_assert_contains(html, "Verdi i 2030");
	ck_assert_contains(html, "Behov (årsverk)");
	ck_assert_contains(md, "| Med \\<tiltak\\> | 128 | -34,9 |");
	free(html);
	free(md);
	json_decref(st);
}
END_TEST

START_TEST(status_filters)
{
	sk_status_opts o = {.today = "2026-06-30", .since = "2026-04-01", .no_history = 1, .kommune = "beta"};
	json_t *st = status_of(&o);
	ck_assert_int_eq(geti(json_object_get(st, "totals"), "experiments"), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "kommuner")), 1);
	json_decref(st);
	o.kommune = NULL;
	o.challenge = "eldre";
	o.quiet_days = 5;
	st = status_of(&o);
	ck_assert_int_eq(geti(json_object_get(st, "totals"), "experiments"), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "challenges")), 1);
	/* With 5 quiet days, tilsyn (last entry 10 days ago) is quiet. */
	ck_assert_int_eq(geti(json_object_get(st, "totals"), "quiet"), 1);
	json_decref(st);
}
END_TEST

START_TEST(status_errors)
{
	sk_kb *kb = NULL;
	json_t *st = NULL;
	ck_assert_int_eq(sk_kb_open(&kb, kbdir), 0);
	sk_status_opts o = {.today = "2026-06-30", .no_history = 1, .kommune = "gamma"};
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "gamma");
	o.kommune = "eldre"; /* a challenge, not a kommune */
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_ENOTFOUND);
	o.kommune = NULL;
	o.challenge = "nope";
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_ENOTFOUND);
	o.challenge = NULL;
	o.since = "2026-13-01";
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_EINVALID);
	o.since = "2026-07-01";
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_EINVALID);
	o.since = NULL;
	o.quiet_days = -1;
	ck_assert_int_eq(status_ix(&st, kb, &o), SK_EINVALID);
	ck_assert_ptr_null(st);
	sk_kb_free(kb);
}
END_TEST

START_TEST(status_renderings)
{
	sk_status_opts o = {.today = "2026-06-30", .since = "2026-04-01", .no_history = 1};
	json_t *st = status_of(&o);
	char *md = NULL, *html = NULL, *js = NULL;
	ck_assert_int_eq(sk_report_status_md(&md, st), 0);
	ck_assert_int_eq(sk_report_status_html(&html, st), 0);
	ck_assert_int_eq(sk_report_status_json(&js, st), 0);

	ck_assert_contains(md, "# Statusoversikt – Testpartnerskap");
	ck_assert_contains(md, "| Forsøk i alt | 3 |");
	ck_assert_contains(md, "▓▓▓▓▓░░░░░ 50\xC2\xA0%");
	ck_assert_contains(md, "Unge \\<script\\>alert(1)\\</script\\>");
	ck_assert_contains(md, "25,5 (2026-03-22)");
	ck_assert_contains(md, "Periode 1. april 2026 – 30. juni 2026");
	ck_assert_contains(md, "Historikk er utelatt.");
	ck_assert_not_contains(md, "<script>");

	ck_assert_contains(html, "<!DOCTYPE html>");
	ck_assert_contains(html, "Unge &lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_contains(html, "Los &lt;b&gt;for&lt;/b&gt; unge");
	ck_assert_not_contains(html, "<script");
	ck_assert_contains(html, "<svg");
	ck_assert_contains(html, "@media print");
	ck_assert_contains(html, "name=\"viewport\"");
	ck_assert_contains(html, "25,5");

	/* The JSON is the status object itself. */
	json_error_t err;
	json_t *back = json_loads(js, 0, &err);
	ck_assert_msg(back != NULL, "%s", err.text);
	ck_assert(json_equal(back, st));
	json_decref(back);

	/* HTML passes tidy without errors or warnings. */
	char *path = sk_path_join(kbdir, "status.html");
	ck_assert_int_eq(sk_file_write(path, html, strlen(html)), 0);
	sk_run_result r = sk_test_run(NULL, NULL, "tidy -errors -quiet '%s' 2>&1", path);
	ck_assert_msg(r.status == 0, "tidy: %s", r.out);
	sk_run_result_free(&r);
	free(path);
	free(md);
	free(html);
	free(js);
	json_decref(st);
}
END_TEST

/* A KB outside any git repository says so instead of failing. */
START_TEST(status_without_git)
{
	sk_status_opts o = {.today = "2026-06-30"};
	json_t *st = status_of(&o);
	const json_t *h = json_object_get(st, "history");
	ck_assert(json_is_false(json_object_get(h, "available")));
	ck_assert_contains(sk_report__str(h, "note"), "ingen git-historikk");
	json_decref(st);
}
END_TEST

Suite *report_status_suite(void)
{
	Suite *s = suite_create("report status");
	TCase *tc = tcase_create("status");
	tcase_add_checked_fixture(tc, make_kb, drop_kb);
	tcase_add_test(tc, status_figures);
	tcase_add_test(tc, status_projections);
	tcase_add_test(tc, status_filters);
	tcase_add_test(tc, status_errors);
	tcase_add_test(tc, status_renderings);
	tcase_add_test(tc, status_without_git);
	suite_add_tcase(s, tc);
	return s;
}
