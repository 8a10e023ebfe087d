/* samskap export: the static site of a KB made in a temporary folder and of
 * a copy of the bundled content. Every page passes tidy, every internal
 * link resolves, hostile titles and bodies stay text, a second run writes
 * nothing, and a folder that is not an export is left alone. */
#include "samskap/util.h"
#include "sktest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static void make_kb(void)
{
	dir = sk_test_tmpdir();
	sk_test_write(dir, "kb/samskap.json", "{\"name\": \"Testpartnerskap\"}\n");
	sk_test_write(dir, "kb/kommuner/alfa.md", "---\ntitle: Ålesund\nkommunenummer: \"1508\"\nfylke: Møre og Romsdal\n"
		"resource_group: true\n---\n# Ålesund\n\nSe [[tilsyn]].\n");
	sk_test_write(dir, "kb/challenges/eldre.md", "---\ntitle: \"Eldre <script>alert('t')</script>\"\n"
		"status: active\n---\nTekst.\n");
	sk_test_write(dir, "kb/experiments/tilsyn/index.md",
		"---\ntitle: Digitalt tilsyn\nkommuner: [alfa]\nchallenge: eldre\nstatus: running\nstart: 2026-05-01\n"
		"hypothesis: Færre besøk.\nmetrics:\n  - name: besok\n    unit: besøk per uke\n    baseline: 400\n"
		"    target: 200\n---\n# Digitalt tilsyn\n\n<script>alert('body')</script>\n\n"
		"[klikk](javascript:alert(1)) og <img src=x onerror=alert(2)> og [[eldre]] og [[finnes-ikke]].\n\n"
		"`[[alfa]]` i kode.\n");
	sk_test_write(dir, "kb/experiments/tilsyn/log/2026-06-20-b.md",
		"---\ndate: 2026-06-20\nauthor: Kari\nkind: measurement\nmeasurements:\n  besok: 300\n---\nMålt.\n");
}

static void drop_kb(void)
{
	sk_test_rmtree(dir);
	free(dir);
	dir = NULL;
}

/* Calls fn on every regular file under root (relative path). */
static void walk(const char *root, const char *rel, void (*fn)(const char *, const char *, void *), void *ctx)
{
	char *path = rel[0] ? sk_path_join(root, rel) : sk_strdup(root);
	DIR *d = opendir(path);
	ck_assert_msg(d != NULL, "cannot open %s", path);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *r = rel[0] ? sk_printf("%s/%s", rel, e->d_name) : sk_strdup(e->d_name);
		char *full = sk_path_join(root, r);
		struct stat sb;
		ck_assert_int_eq(lstat(full, &sb), 0);
		if (S_ISDIR(sb.st_mode))
			walk(root, r, fn, ctx);
		else
			fn(root, r, ctx);
		free(full);
		free(r);
	}
	closedir(d);
	free(path);
}

typedef struct site_stats {
	int pages, links, tidy_failures, broken;
	char report[4096];
} site_stats;

static void note(site_stats *s, const char *fmt, const char *a, const char *b)
{
	size_t len = strlen(s->report);
	if (len < sizeof s->report - 200)
		snprintf(s->report + len, sizeof s->report - len, fmt, a, b);
}

/* Checks one page: tidy finds nothing, and every href/src that is not an
 * external URL names a file that exists, relative to the page. */
static void check_page(const char *root, const char *rel, void *ctx)
{
	site_stats *s = ctx;
	size_t n = strlen(rel);
	if (n < 5 || strcmp(rel + n - 5, ".html") != 0)
		return;
	s->pages++;
	sk_run_result r = sk_test_run(root, NULL, "tidy -errors -quiet '%s' 2>&1", rel);
	if (r.status != 0) {
		s->tidy_failures++;
		note(s, "tidy %s: %s\n", rel, r.out);
	}
	sk_run_result_free(&r);
	char *html = sk_test_read(root, rel);
	ck_assert_ptr_nonnull(html);
	char *pagedir = sk_strdup(rel);
	char *slash = strrchr(pagedir, '/');
	if (slash)
		slash[1] = '\0';
	else
		pagedir[0] = '\0';
	static const char *const attrs[] = {"href=\"", "src=\""};
	for (size_t a = 0; a < 2; a++) {
		for (const char *p = strstr(html, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
			p += strlen(attrs[a]);
			const char *end = strchr(p, '"');
			ck_assert_ptr_nonnull(end);
			char *url = sk_strndup(p, (size_t)(end - p));
			if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
				free(url);
				continue;
			}
			s->links++;
			/* Relative only: no scheme, no leading slash. */
			if (url[0] == '/' || strchr(url, ':') || url[0] == '\0') {
				s->broken++;
				note(s, "%s: not a relative link: '%s'\n", rel, url);
				free(url);
				continue;
			}
			char *hash = strchr(url, '#');
			if (hash)
				*hash = '\0';
			char *q = strchr(url, '?');
			if (q)
				*q = '\0';
			char *target = sk_printf("%s/%s%s", root, pagedir, url);
			struct stat sb;
			if (url[0] && stat(target, &sb) != 0) {
				s->broken++;
				note(s, "%s: broken link '%s'\n", rel, url);
			}
			free(target);
			free(url);
		}
	}
	free(pagedir);
	free(html);
}

static site_stats check_site(const char *root)
{
	site_stats s = {0};
	walk(root, "", check_page, &s);
	return s;
}

START_TEST(site_is_valid_and_linked)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s export --kb kb --out site --today 2026-06-30", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "exported 4 records to site: 19 files, 19 written");
	sk_run_result_free(&r);
	char *site = sk_path_join(dir, "site");
	site_stats s = check_site(site);
	ck_assert_msg(s.tidy_failures == 0 && s.broken == 0, "%d tidy failures, %d broken links:\n%s",
		s.tidy_failures, s.broken, s.report);
	/* 4 records, 7 type pages, 2 facet pages, home, status, search. */
	ck_assert_int_eq(s.pages, 16);
	ck_assert_int_gt(s.links, 100);

	/* Hostile text stays text; cmark's safe mode drops raw HTML and
	 * javascript: links; [[id]] becomes a link, not inside code. */
	char *page = sk_test_read(site, "r/tilsyn.html");
	ck_assert_ptr_nonnull(page);
	ck_assert_not_contains(page, "<script");
	ck_assert_not_contains(page, "javascript:");
	ck_assert_not_contains(page, "onerror");
	ck_assert_contains(page, "Eldre &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;");
	ck_assert_contains(page, "<a href=\"eldre.html\">Eldre &lt;script&gt;");
	ck_assert_contains(page, "[[finnes-ikke]]");
	ck_assert_contains(page, "<code>[[alfa]]</code>");
	free(page);
	page = sk_test_read(site, "challenge/eldre.html");
	ck_assert_ptr_nonnull(page);
	ck_assert_contains(page, "r/tilsyn.html");
	ck_assert_contains(page, "r/2026-06-20-b.html");
	free(page);
	page = sk_test_read(site, "r/alfa.html");
	ck_assert_contains(page, "Lenket fra");
	ck_assert_contains(page, "<a href=\"tilsyn.html\">Digitalt tilsyn</a>");
	free(page);
	char *idx = sk_test_read(site, "search-index.js");
	ck_assert_ptr_nonnull(idx);
	ck_assert(strncmp(idx, "window.SK_INDEX = [", 19) == 0);
	ck_assert_not_contains(idx, "</script");
	free(idx);
	free(site);
}
END_TEST

START_TEST(second_run_writes_nothing)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s export --kb kb --out site --today 2026-06-30 --quiet && "
		"%s export --kb kb --out site --today 2026-06-30", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "0 written, 19 unchanged, 0 removed");
	sk_run_result_free(&r);
	/* One record changes, one goes: its page is rewritten, the other's
	 * page removed (with the pages whose links to it changed). */
	sk_test_write(dir, "kb/challenges/eldre.md", "---\ntitle: Eldre\nstatus: active\n---\nNy tekst.\n");
	r = sk_test_run(dir, NULL, "rm kb/experiments/tilsyn/log/2026-06-20-b.md && "
		"%s export --kb kb --out site --today 2026-06-30", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "1 removed");
	ck_assert_not_contains(r.out, " 0 written");
	sk_run_result_free(&r);
	char *gone = sk_printf("%s/site/r/2026-06-20-b.html", dir);
	struct stat sb;
	ck_assert_int_ne(stat(gone, &sb), 0);
	free(gone);
	char *page = sk_test_read(dir, "site/r/eldre.html");
	ck_assert_contains(page, "Ny tekst.");
	free(page);
}
END_TEST

START_TEST(refuses_foreign_folder)
{
	sk_test_write(dir, "mine/notes.txt", "mine\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s export --kb kb --out mine", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not empty");
	sk_run_result_free(&r);
	char *keep = sk_test_read(dir, "mine/notes.txt");
	ck_assert_str_eq(keep, "mine\n");
	free(keep);
	r = sk_test_run(dir, NULL, "%s export --kb kb", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--out");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(bundled_content_site)
{
	sk_run_result r = sk_test_run(dir, NULL, "cp -R '%s/content' content && "
		"%s export --kb content --out site", SK_SOURCE_DIR, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	sk_run_result_free(&r);
	char *site = sk_path_join(dir, "site");
	site_stats s = check_site(site);
	ck_assert_msg(s.tidy_failures == 0 && s.broken == 0, "%d tidy failures, %d broken links:\n%s",
		s.tidy_failures, s.broken, s.report);
	ck_assert_int_gt(s.pages, 50);
	printf("figure: export of content/: %d pages, %d internal links, all resolve\n", s.pages, s.links);
	/* The search page works opened from disk: Chromium runs its script. */
	r = sk_test_run(dir, NULL, "command -v chromium >/dev/null || { echo 'chromium is missing: run tools/setup'; "
		"exit 99; }; timeout 120 chromium --headless --no-sandbox --disable-gpu "
		"--user-data-dir=\"$PWD/chromium-profile\" --dump-dom "
		"\"file://$PWD/site/search.html?q=nattilsyn+trondheim\" 2>/dev/null");
	ck_assert_msg(r.status == 0, "chromium failed (exit %d): %s", r.status, r.out);
	ck_assert_contains(r.out, "<p id=\"sk-count\" class=\"muted\">1 treff</p>");
	ck_assert_contains(r.out, "<a href=\"r/digitalt-tilsyn-trondheim.html\">");
	sk_run_result_free(&r);
	free(site);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli export");
	TCase *tc = tcase_create("export");
	tcase_add_checked_fixture(tc, make_kb, drop_kb);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, site_is_valid_and_linked);
	tcase_add_test(tc, second_run_writes_nothing);
	tcase_add_test(tc, refuses_foreign_folder);
	tcase_add_test(tc, bundled_content_site);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
