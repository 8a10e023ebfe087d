/* samskap status: formats, options and errors on KBs made in a temporary
 * folder and on a copy of the bundled content; the HTML page validated
 * with tidy and rendered in headless Chromium. */
#include "samskap/util.h"
#include "sktest.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static void make_kb(void)
{
	dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"Test <script>x</script>\"}\n");
	sk_test_write(dir, "kommuner/alfa.md", "---\ntitle: Ålesund\nkommunenummer: \"1508\"\nfylke: Møre og Romsdal\n"
		"resource_group: true\n---\n# Ålesund\n");
	sk_test_write(dir, "kommuner/beta.md", "---\ntitle: Bodø\nkommunenummer: \"1804\"\nfylke: Nordland\n"
		"resource_group: false\n---\n# Bodø\n");
	sk_test_write(dir, "challenges/eldre.md", "---\ntitle: Flere eldre <script>alert(1)</script>\nstatus: active\n"
		"---\nTekst.\n");
	sk_test_write(dir, "experiments/tilsyn/index.md",
		"---\ntitle: Digitalt tilsyn\nkommuner: [alfa]\nchallenge: eldre\nstatus: running\nstart: 2026-05-01\n"
		"hypothesis: Færre besøk.\nmetrics:\n  - name: besok\n    unit: besøk per uke\n    baseline: 400\n"
		"    target: 200\n---\nTekst.\n");
	sk_test_write(dir, "experiments/tilsyn/log/2026-06-20-b.md",
		"---\ndate: 2026-06-20\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 300\n---\nMålt.\n");
}

static void drop_kb(void)
{
	sk_test_rmtree(dir);
	free(dir);
	dir = NULL;
}

START_TEST(markdown_to_stdout)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --since 2026-04-01", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "# Statusoversikt – Test \\<script\\>x\\</script\\>");
	ck_assert_contains(r.out, "| besok | besøk per uke | 400 | 200 | 300 (2026-06-20) | ▓▓▓▓▓░░░░░ 50\xC2\xA0% |");
	ck_assert_contains(r.out, "1 av 2 kommuner har loggført i perioden");
	ck_assert_not_contains(r.out, "<script>");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(html_and_json_files)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --out status.html", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.err, "status.html");
	sk_run_result_free(&r);
	char *html = sk_test_read(dir, "status.html");
	ck_assert_ptr_nonnull(html);
	ck_assert_contains(html, "<!DOCTYPE html>");
	ck_assert_contains(html, "Flere eldre &lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_not_contains(html, "<script");
	ck_assert_contains(html, "<svg");
	ck_assert_contains(html, "<style>");
	ck_assert_not_contains(html, "<link");
	free(html);
	r = sk_test_run(dir, NULL, "tidy -errors -quiet status.html 2>&1");
	ck_assert_msg(r.status == 0, "tidy found problems (exit %d):\n%s", r.status, r.out);
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --format json --kommune alfa", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"format\": \"samskap-status/1\"");
	ck_assert_contains(r.out, "\"progress\": 0.5");
	ck_assert_contains(r.out, "\"kommune\": \"alfa\"");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(usage_errors)
{
	struct { const char *args; int status; const char *msg; } cases[] = {
		{"--format pdf", 2, "not one of md, html, json"},
		{"--since 2026-02-30", 2, "not a date"},
		{"--quiet-days 0", 2, "--quiet-days"},
		{"--quiet-days x", 2, "--quiet-days"},
		{"--bogus", 2, "unknown option"},
		{"extra", 2, "unexpected argument"},
		{"--kommune gamma", 1, "kommune 'gamma'"},
		{"--challenge unge", 1, "challenge 'unge'"},
		{"--since 2027-01-01 --today 2026-06-30", 1, "after today"},
		{"--out no/such/dir/status.html --today 2026-06-30", 1, "no/such/dir"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sk_run_result r = sk_test_run(dir, NULL, "%s status %s", SAMSKAP_BIN, cases[i].args);
		ck_assert_msg(r.status == cases[i].status, "%s: exit %d, want %d: %s", cases[i].args, r.status,
			cases[i].status, r.err);
		ck_assert_contains(r.err, cases[i].msg);
		sk_run_result_free(&r);
	}
	sk_run_result r = sk_test_run(dir, NULL, "%s status --kb /nonexistent", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	sk_run_result_free(&r);
}
END_TEST

/* The bundled content, copied to a temporary folder: every format works,
 * the page is valid, and Chromium renders it with its charts. */
START_TEST(bundled_content_in_chromium)
{
	sk_run_result r = sk_test_run(dir, NULL, "cp -R '%s/content' kb", SK_SOURCE_DIR);
	ck_assert_int_eq(r.status, 0);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s status --kb kb --out status.html && %s status --kb kb --format md "
		"--out status.md && %s status --kb kb --format json --out status.json", SAMSKAP_BIN, SAMSKAP_BIN,
		SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "tidy -errors -quiet status.html 2>&1");
	ck_assert_msg(r.status == 0, "tidy found problems (exit %d):\n%s", r.status, r.out);
	sk_run_result_free(&r);

	/* The screenshot is kept in the build folder for a person to look at. */
	char *bin = sk_strdup(SK_SAMSKAP_PATH);
	char *slash = strrchr(bin, '/');
	if (slash)
		*slash = '\0';
	char *png = sk_printf("%s/status-screenshot.png", slash ? bin : ".");
	remove(png);
	r = sk_test_run(dir, NULL, "command -v chromium >/dev/null || { echo 'chromium is missing: run tools/setup'; "
		"exit 99; }; timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
		"--user-data-dir=\"$PWD/chromium-profile\" --window-size=1000,2400 --screenshot='%s' "
		"\"file://$PWD/status.html\" 2>&1", png);
	ck_assert_msg(r.status == 0, "chromium failed (exit %d): %s", r.status, r.out);
	sk_run_result_free(&r);
	struct stat sb;
	ck_assert_msg(stat(png, &sb) == 0, "no screenshot at %s", png);
	/* A blank page of this size compresses to a few kilobytes; text,
	 * cards and charts make it far larger. */
	ck_assert_msg(sb.st_size > 40000, "screenshot %s is only %lld bytes", png, (long long)sb.st_size);
	FILE *f = fopen(png, "rb");
	unsigned char sig[8] = {0};
	ck_assert_uint_eq(fread(sig, 1, 8, f), 8);
	fclose(f);
	ck_assert(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
	printf("status page screenshot: %s (%lld bytes)\n", png, (long long)sb.st_size);
	free(png);
	free(bin);
}
END_TEST


/* Writes a KB with a problem of every kind check knows into dir/kb. */
static void write_broken_kb(void)
{
	sk_test_write(dir, "kb/samskap.json", "{\"name\": \"Feil\", \"max_record_bytes\": 2000}\n");
	sk_test_write(dir, "kb/kommuner/alfa.md", "---\ntitle: Ålesund\nkommunenummer: \"1508\"\nfylke: Møre og Romsdal\n"
		"resource_group: true\n---\n# Ålesund\n");
	/* A schema error: kommunenummer is missing. */
	sk_test_write(dir, "kb/kommuner/gamma.md", "---\ntitle: Gamma\nfylke: Agder\n---\nTekst.\n");
	sk_test_write(dir, "kb/challenges/eldre.md", "---\ntitle: Flere eldre\nstatus: active\n---\nTekst.\n");
	sk_test_write(dir, "kb/experiments/tilsyn/index.md",
		"---\ntitle: Digitalt tilsyn\nkommuner: [alfa]\nchallenge: eldre\nstatus: running\nstart: 2026-05-01\n"
		"hypothesis: Færre besøk.\nmetrics:\n  - name: besok\n    unit: besøk per uke\n    baseline: 400\n"
		"    target: 200\n---\nTekst.\n");
	/* A measurement that is no metric, on line 7. */
	sk_test_write(dir, "kb/experiments/tilsyn/log/2026-06-20-b.md",
		"---\ndate: 2026-06-20\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 300\n  feil: 3\n---\n"
		"Målt.\n");
	/* A date that does not exist, and an end before its start. */
	sk_test_write(dir, "kb/experiments/dato/index.md",
		"---\ntitle: Dato\nkommuner: [alfa]\nchallenge: eldre\nstatus: running\nstart: 2025-02-30\n"
		"hypothesis: H.\nmetrics: []\n---\nTekst.\n");
	sk_test_write(dir, "kb/experiments/snudd/index.md",
		"---\ntitle: Snudd\nkommuner: [alfa]\nchallenge: eldre\nstatus: completed\nstart: 2025-05-01\n"
		"end: 2025-04-01\nhypothesis: H.\nmetrics: []\n---\nTekst.\n");
	/* A reference to a record of the wrong type, and broken links. */
	sk_test_write(dir, "kb/experiments/feiltype/index.md",
		"---\ntitle: Feil type\nkommuner: [alfa, nope]\nchallenge: alfa\nstatus: planned\nstart: 2025-05-01\n"
		"hypothesis: H.\nmetrics: []\n---\nSe [[finnes-ikke]].\n");
	/* A log entry without its experiment. */
	sk_test_write(dir, "kb/experiments/borte/log/2026-01-01-a.md",
		"---\ndate: 2026-01-01\nauthor: Per\nkind: observation\n---\nTekst.\n");
	/* A duplicate id, YAML that does not parse, text that is no UTF-8,
	 * a file over max_record_bytes and a symbolic link. */
	sk_test_write(dir, "kb/cases/dato.md", "---\ntitle: Dato som sak\n---\nTekst.\n");
	sk_test_write(dir, "kb/cases/skjev.md", "---\ntitle: [uten slutt\n---\nTekst.\n");
	sk_test_write(dir, "kb/cases/binaer.md", "---\ntitle: Binær\n---\nTekst \xff\xfe.\n");
	char *big = sk_calloc(3001, 1);
	memcpy(big, "---\ntitle: Stor\n---\n", 20);
	memset(big + 20, 'x', 2980);
	sk_test_write(dir, "kb/cases/stor.md", big);
	free(big);
	sk_run_result r = sk_test_run(dir, NULL, "ln -s ../kommuner/alfa.md kb/cases/lenke.md");
	ck_assert_int_eq(r.status, 0);
	sk_run_result_free(&r);
	/* Stray files: a note (a warning), records in no record's place. */
	sk_test_write(dir, "kb/cases/notes.txt", "notater\n");
	sk_test_write(dir, "kb/experiments/tilsyn/logg/a.md", "---\ndate: 2026-01-01\n---\nFeil mappe.\n");
	sk_test_write(dir, "kb/kommune/oslo.md", "---\ntitle: Oslo\n---\nFeil mappe.\n");
}

/* "severity file:line message" of every problem check reports, and of
 * those the status's health lists (its broken links apart). */
static json_t *check_lines(const json_t *diags, int broken)
{
	json_t *out = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(diags, i, d) {
		const char *msg = json_string_value(json_object_get(d, "message"));
		if ((strncmp(msg, "broken link", 11) == 0) != broken)
			continue;
		char *line = sk_printf("%s %s:%lld %s", json_string_value(json_object_get(d, "severity")),
			json_string_value(json_object_get(d, "file")),
			(long long)json_integer_value(json_object_get(d, "line")), msg);
		json_array_append_new(out, json_string(line));
		free(line);
	}
	return out;
}

/* The status's health, read from the search index, says what `samskap
 * check`, reading every file, says: in a plain folder and in git. */
START_TEST(health_matches_check)
{
	write_broken_kb();
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			sk_run_result g = sk_test_run(dir, NULL, "cd kb && git init -q -b main && git add -A && "
				"git -c user.name=t -c user.email=t@example.org commit -qm x");
			ck_assert_msg(g.status == 0, "%s", g.err);
			sk_run_result_free(&g);
		}
		sk_run_result c = sk_test_run(dir, NULL, "%s check --json kb", SAMSKAP_BIN);
		ck_assert_int_eq(c.status, 1);
		sk_run_result s = sk_test_run(dir, NULL, "%s status --kb kb --format json --no-history", SAMSKAP_BIN);
		ck_assert_msg(s.status == 0, "%s", s.err);
		json_error_t err;
		json_t *cj = json_loads(c.out, 0, &err), *sj = json_loads(s.out, 0, &err);
		ck_assert_ptr_nonnull(cj);
		ck_assert_ptr_nonnull(sj);
		const json_t *h = json_object_get(sj, "health");
		json_t *want = check_lines(json_object_get(cj, "diagnostics"), 0);
		json_t *got = check_lines(json_object_get(h, "problems"), 0);
		char *w = json_dumps(want, JSON_INDENT(1)), *g = json_dumps(got, JSON_INDENT(1));
		if (!json_equal(want, got))
			printf("round %d: check says\n%s\nstatus says\n%s\n", round, w, g);
		ck_assert_msg(json_equal(want, got), "round %d: the status's problems differ from check's", round);
		/* Every kind is there. */
		const char *kinds[] = { "kommunenummer", "got \\\"2025-02-30\\\"", "is before /start",
			"should name a challenge", "log entry without its experiment", "measurement 'feil'",
			"duplicate id 'dato'", "binaer.md", "stor.md", "lenke.md", "ignored, ", "no record's place",
			"unknown record type", "skjev.md" };
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			ck_assert_msg(strstr(g, kinds[k]), "round %d: no '%s' in\n%s", round, kinds[k], g);
		/* The measurement's line is its line in the file. */
		ck_assert_msg(strstr(g, "log/2026-06-20-b.md:7 measurement 'feil'"), "%s", g);
		free(w);
		free(g);
		json_decref(want);
		json_decref(got);
		want = check_lines(json_object_get(cj, "diagnostics"), 1);
		ck_assert_int_eq(json_integer_value(json_object_get(h, "broken_links_count")), json_array_size(want));
		ck_assert_int_eq(json_array_size(want), 2);
		ck_assert_int_eq(json_integer_value(json_object_get(h, "errors")) + json_array_size(want),
			json_integer_value(json_object_get(cj, "errors")));
		ck_assert_int_eq(json_integer_value(json_object_get(h, "warnings")),
			json_integer_value(json_object_get(cj, "warnings")));
		json_decref(want);
		json_decref(cj);
		json_decref(sj);
		sk_run_result_free(&c);
		sk_run_result_free(&s);
	}
}
END_TEST

/* A record edited after the last status, even within the same second and
 * to the same size, shows in the next one; a record removed is gone. */
START_TEST(follows_edits)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --format json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"latest\": 300");
	sk_run_result_free(&r);
	sk_test_write(dir, "experiments/tilsyn/log/2026-06-20-b.md",
		"---\ndate: 2026-06-20\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 250\n---\nMålt.\n");
	r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --format json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"latest\": 250");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "rm experiments/tilsyn/log/2026-06-20-b.md && %s status --today 2026-06-30 "
		"--format json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"latest\": null");
	ck_assert_contains(r.out, "\"logs\": 0");
	sk_run_result_free(&r);
}
END_TEST

/* More experiments than a page shows: every one counted, the 40 that most
 * need a look shown whole (the quiet ones first), long lists cut short
 * with the rest counted. */
START_TEST(many_experiments_capped)
{
	for (int i = 0; i < 60; i++) {
		char *path = sk_printf("experiments/x%02d/index.md", i);
		/* Thirty are quiet (running, started long ago, no log entry);
		 * the others planned, started in the period. */
		char start[11];
		if (i % 2 == 0)
			snprintf(start, sizeof start, "2025-01-%02d", i / 2 + 1);
		else
			snprintf(start, sizeof start, "2026-06-%02d", i % 28 + 1);
		char *text = sk_printf("---\ntitle: Forsøk %02d\nkommuner: [alfa]\nchallenge: eldre\nstatus: %s\n"
			"start: %s\nhypothesis: H.\nmetrics: []\n---\nTekst.\n", i, i % 2 == 0 ? "running" : "planned",
			start);
		sk_test_write(dir, path, text);
		free(path);
		free(text);
	}
	sk_run_result r = sk_test_run(dir, NULL, "%s status --today 2026-06-30 --format json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	json_error_t err;
	json_t *st = json_loads(r.out, 0, &err);
	ck_assert_ptr_nonnull(st);
	const json_t *t = json_object_get(st, "totals");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "experiments")), 61);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "experiments_shown")), 40);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "quiet")), 30);
	const json_t *exps = json_object_get(st, "experiments");
	ck_assert_int_eq(json_array_size(exps), 40);
	size_t quiet = 0, i;
	json_t *e;
	json_array_foreach(exps, i, e)
		quiet += json_is_true(json_object_get(e, "quiet"));
	/* Half the places for the quiet, the rest for the active. */
	ck_assert_int_eq(quiet, 20);
	const json_t *ch = json_array_get(json_object_get(st, "challenges"), 0);
	/* The 30 planned ones and tilsyn (started 2026-05-01). */
	ck_assert_int_eq(json_integer_value(json_object_get(ch, "started_in_period_count")), 31);
	ck_assert_int_eq(json_array_size(json_object_get(ch, "started_in_period")), 25);
	/* The newest started first; of the quiet, the most recently quiet. */
	const json_t *started = json_object_get(ch, "started_in_period"), *qs = json_object_get(ch, "quiet");
	for (i = 1; i < json_array_size(started); i++)
		ck_assert_str_ge(json_string_value(json_object_get(json_array_get(started, i - 1), "start")),
			json_string_value(json_object_get(json_array_get(started, i), "start")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(started, 0), "start")), "2026-06-28");
	ck_assert_int_eq(json_array_size(qs), 25);
	for (i = 1; i < json_array_size(qs); i++)
		ck_assert_int_le(json_integer_value(json_object_get(json_array_get(qs, i - 1), "days_quiet")),
			json_integer_value(json_object_get(json_array_get(qs, i), "days_quiet")));
	json_decref(st);
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s status --today 2026-06-30", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Her vises 40 forsøk (de sist stille og de sist aktive) av 61.");
	ck_assert_contains(r.out, "- … og 6 til");
	sk_run_result_free(&r);
}
END_TEST

/* Where the search index cannot be written (here .samskap is a file; a
 * read-only folder is the same to samskap), status reads every file and
 * says so, with the very figures it reads from the index elsewhere. */
START_TEST(without_index_same_figures)
{
	write_broken_kb();
	sk_test_write(dir, "kb/experiments/tilsyn/log/2026-06-21-c.md",
		"---\ndate: 2026-06-21\nauthor: Kari\nkind: measurement\nkommuner: [alfa]\nmeasurements:\n  besok: 280\n"
		"---\nMålt.\n");
	sk_run_result r = sk_test_run(dir, NULL, "cp -R kb ro && %s status --kb kb --format json --no-history "
		"--today 2026-06-30 > a.json && rm -rf ro/.samskap && touch ro/.samskap && %s status --kb ro --format json "
		"--no-history --today 2026-06-30 > b.json", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.err, "reading every file instead");
	sk_run_result_free(&r);
	char *a = sk_test_read(dir, "a.json"), *b = sk_test_read(dir, "b.json");
	json_error_t err;
	json_t *ja = json_loads(a, 0, &err), *jb = json_loads(b, 0, &err);
	ck_assert_ptr_nonnull(ja);
	ck_assert_ptr_nonnull(jb);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ja, "totals"), "experiments")), 4);
	if (!json_equal(ja, jb))
		printf("from the index:\n%s\nfrom the files:\n%s\n", a, b);
	ck_assert_msg(json_equal(ja, jb), "the status from the files differs from the one from the index");
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli status");
	TCase *tc = tcase_create("status");
	tcase_add_checked_fixture(tc, make_kb, drop_kb);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, markdown_to_stdout);
	tcase_add_test(tc, html_and_json_files);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, bundled_content_in_chromium);
	tcase_add_test(tc, health_matches_check);
	tcase_add_test(tc, follows_edits);
	tcase_add_test(tc, many_experiments_capped);
	tcase_add_test(tc, without_index_same_figures);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
