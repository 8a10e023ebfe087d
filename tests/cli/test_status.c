/* samskap status: formats, options and errors on KBs made in a temporary
 * folder and on a copy of the bundled content; the HTML page validated
 * with tidy and rendered in headless Chromium. */
#include "samskap/util.h"
#include "sktest.h"

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
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
