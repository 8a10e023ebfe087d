/* samskap search, index, links and related on knowledge bases made in a
 * temporary folder: as a plain folder and as a git repository. */
#include "sktest.h"

#include "samskap/util.h"

#include <stdlib.h>
#include <string.h>

/* A small KB in bokmål, nynorsk and with æøå look-alikes. */
static char *make_kb(void)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"Test\", \"language\": \"norwegian\"}\n");
	sk_test_write(dir, "kommuner/asker.md",
		"---\ntitle: Asker\nkommunenummer: \"3203\"\nfylke: Akershus\nresource_group: true\n"
		"tags: [kommune]\n---\n\n# Asker\n\nAsker kommune i Akershus.\n");
	sk_test_write(dir, "kommuner/nord-fron.md",
		"---\ntitle: Nord-Fron\nkommunenummer: \"3436\"\nfylke: Innlandet\nresource_group: false\n---\n\n"
		"Nord-Fron ligger i Gudbrandsdalen.\n");
	sk_test_write(dir, "challenges/ungt-utenforskap.md",
		"---\ntitle: Ungt utenforskap\nstatus: active\n---\n\nUnge som står utenfor skole og arbeid.\n");
	sk_test_write(dir, "cases/velferdsteknologi.md",
		"---\ntitle: Trygghetsalarmer i hjemmet\nkommuner: [asker]\nstatus: completed\nstarted: \"2021-01-04\"\n"
		"tags: [eldre, omsorg]\n---\n\nKommunene tok i bruk velferdsteknologien for eldres trygghet.\n"
		"Se [[ungt-utenforskap]].\n");
	sk_test_write(dir, "cases/malbilde.md",
		"---\ntitle: Et felles malbilde\nkommuner: [nord-fron]\nstatus: idea\nstarted: \"2024-05-01\"\n---\n\n"
		"Vi lagde en mal for rapporter, og far til en av deltakerne var med.\n");
	sk_test_write(dir, "cases/maal.md",
		"---\ntitle: Konkrete mål for ungdom\nkommuner: [asker, nord-fron]\nchallenges: [ungt-utenforskap]\n"
		"status: running\nstarted: \"2025-02-01\"\ntags: [ungdom]\n---\n\n"
		"Hver ungdom får egne mål. Erfaringene fra Asker viser at det virker.\n");
	sk_test_write(dir, "experiments/los/index.md",
		"---\ntitle: Ungdomslos\nkommuner: [nord-fron]\nchallenge: ungt-utenforskap\nstatus: running\n"
		"start: \"2025-08-01\"\nhypothesis: Ein los for ungdommane gjev færre avbrot.\n"
		"metrics:\n  - {name: avbrot, unit: prosent, baseline: 7, target: 4}\n---\n\n"
		"Kommunane prøver ein ungdomslos.\n");
	sk_test_write(dir, "experiments/los/log/2025-09-01-vedtak.md",
		"---\ndate: \"2025-09-01\"\nauthor: Kari\nkind: decision\ntitle: Vedtak om oppstart\n---\n\n"
		"Vi startar opp.\n");
	/* Fails validation (status is not allowed), still indexed. */
	sk_test_write(dir, "cases/halvferdig.md",
		"---\ntitle: Halvferdig sak om bibliotek\nstatus: ferdig\n---\n\nBibliotekene samarbeider.\n");
	return dir;
}

static sk_run_result search(const char *dir, const char *args)
{
	return sk_test_run(dir, NULL, "%s search %s", SAMSKAP_BIN, args);
}

/* The id of the first hit in `search --json` output (caller frees). */
static char *first_id(const char *out)
{
	const char *p = out ? strstr(out, "\"id\": \"") : NULL;
	if (!p)
		return sk_strdup("");
	p += 7;
	const char *e = strchr(p, '"');
	return sk_strndup(p, (size_t)(e - p));
}

#define ck_first(dir, query, expected) do { \
	sk_run_result r_ = search((dir), "--json " query); \
	ck_assert_msg(r_.status == 0, "search %s failed: %s", query, r_.err); \
	char *id_ = first_id(r_.out); \
	ck_assert_msg(strcmp(id_, (expected)) == 0, "search %s: first hit %s, expected %s\n%s", \
		query, id_, (expected), r_.out); \
	free(id_); \
	sk_run_result_free(&r_); \
} while (0)

START_TEST(test_stemming_and_compounds)
{
	char *dir = make_kb();
	sk_run_result k = search(dir, "--json kommunene");
	ck_assert_contains(k.out, "\"id\": \"velferdsteknologi\"");
	ck_assert_contains(k.out, "\"id\": \"los\"");   /* nynorsk kommunane */
	sk_run_result_free(&k);
	ck_first(dir, "eldre", "velferdsteknologi");
	ck_first(dir, "teknologi", "velferdsteknologi");   /* compound part */
	ck_first(dir, "erfaring", "maal");
	ck_first(dir, "mål", "maal");
	ck_first(dir, "mal", "malbilde");
	ck_first(dir, "far", "malbilde");
	ck_first(dir, "får", "maal");
	ck_first(dir, "ungdommane", "los");                 /* nynorsk */
	ck_first(dir, "\"velferdsteknologien for\"", "velferdsteknologi");
	ck_first(dir, "ungdoms*", "los");
	/* mål must not find the record that only has mal. */
	sk_run_result r = search(dir, "--json mål");
	ck_assert_not_contains(r.out, "\"malbilde\"");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

#define LONG_SUMMARY "Kommunene i regionen prøver ut en felles modell for tidlig innsats overfor unge " \
	"som står utenfor skole og arbeid, med en fast kontaktperson og tett oppfølging over tid"

START_TEST(test_filters_and_facets)
{
	char *dir = make_kb();
	ck_first(dir, "type:experiment", "los");
	ck_first(dir, "kind:decision", "2025-09-01-vedtak");
	ck_first(dir, "status:idea", "malbilde");
	ck_first(dir, "tag:eldre", "velferdsteknologi");
	ck_first(dir, "kommune:Nord-Fron type:case", "maal");
	ck_first(dir, "challenge:ungt-utenforskap ungdom", "maal");
	ck_first(dir, "since:2025 until:2025-03 type:case", "maal");
	ck_first(dir, "resource_group:true", "asker");
	/* Field values: case-insensitive text, numbers, inside arrays and
	 * mappings (one level), and no match where none holds the value. */
	ck_first(dir, "fylke:innlandet", "nord-fron");
	ck_first(dir, "kommunenummer:3203", "asker");
	ck_first(dir, "tags:omsorg", "velferdsteknologi");
	ck_first(dir, "type:experiment metrics:avbrot", "");
	ck_first(dir, "resource_group:false", "nord-fron");
	ck_first(dir, "author:kari type:log", "2025-09-01-vedtak");
	ck_first(dir, "fylke:oslo", "");
	/* Filters alone rank nothing: newest first, and no score to show. */
	sk_run_result sr = search(dir, "--json kind:decision");
	ck_assert_contains(sr.out, "\"score\": 0.0");
	sk_run_result_free(&sr);
	/* A long text value (beyond what the fields table keeps) matches too. */
	sk_test_write(dir, "cases/lang.md", "---\ntitle: Lang\nsummary: \"" LONG_SUMMARY "\"\n---\n\nTekst.\n");
	ck_first(dir, "'summary:\"" LONG_SUMMARY "\"'", "lang");
	ck_first(dir, "'summary:\"" LONG_SUMMARY " og mer\"'", "");
	sk_run_result r = search(dir, "--json --facets ungdom OR eldre");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"facets\"");
	ck_assert_contains(r.out, "\"value\": \"nord-fron\"");
	ck_assert_contains(r.out, "\"total\": 3");
	sk_run_result_free(&r);
	/* Exclusion, also of a filter. */
	r = search(dir, "--json ungdom -los");
	ck_assert_not_contains(r.out, "\"id\": \"los\"");
	ck_assert_contains(r.out, "\"id\": \"maal\"");
	sk_run_result_free(&r);
	r = search(dir, "--json ungdom -type:experiment");
	ck_assert_not_contains(r.out, "\"id\": \"los\"");
	sk_run_result_free(&r);
	/* Text output: title, id, highlighted snippet. */
	r = search(dir, "eldres");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Trygghetsalarmer i hjemmet  velferdsteknologi (case)");
	ck_assert_contains(r.out, "**eldres**");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* Each bad query of issue 4: a result or a clear error, never SQL text. */
START_TEST(test_bad_queries)
{
	char *dir = make_kb();
	static const struct { const char *q; int status; const char *expect; } cases[] = {
		{ "Nord-Fron", 0, "nord-fron" },
		{ "status:ferdig", 1, "unknown status 'ferdig'" },
		{ "OR", 1, "OR must stand between" },
		{ "'\"'", 1, "nothing to search for" },
		{ "'*'", 1, "nothing to search for" },
		{ "'NEAR('", 0, "\"total\": 0" },
		{ "'^'", 1, "nothing to search for" },
		{ "'\"unclosed'", 0, "\"total\": 0" },
		{ "\"$(printf '\\377\\376')\"", 1, "not valid UTF-8" },
		{ "\"it's\"", 0, "\"total\"" },
		{ "\"a'); DROP TABLE records; --\"", 0, "\"total\"" },
		{ "'kind:\"x\" OR'", 1, "OR must stand between" },
		{ "'bad field:x'", 0, "\"total\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *args = sk_printf("--json %s", cases[i].q);
		sk_run_result r = search(dir, args);
		free(args);
		ck_assert_msg(r.status == cases[i].status, "query %s: status %d, expected %d\n%s%s",
			cases[i].q, r.status, cases[i].status, r.out, r.err);
		const char *text = cases[i].status ? r.err : r.out;
		ck_assert_msg(sk_test_contains(text, cases[i].expect), "query %s: expected '%s' in:\n%s",
			cases[i].q, cases[i].expect, text);
		ck_assert_not_contains(r.err, "SQL");
		ck_assert_not_contains(r.err, "fts5");
		sk_run_result_free(&r);
	}
	/* 10 000 characters. */
	sk_run_result r = sk_test_run(dir, NULL, "%s search \"$(head -c 10000 /dev/zero | tr '\\0' a)\"",
		SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "too long");
	sk_run_result_free(&r);
	/* The index still works after all that. */
	ck_first(dir, "Nord-Fron", "nord-fron");
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_invalid_still_indexed)
{
	char *dir = make_kb();
	sk_run_result r = search(dir, "--json bibliotek");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"id\": \"halvferdig\"");
	ck_assert_contains(r.out, "\"valid\": false");
	sk_run_result_free(&r);
	r = search(dir, "bibliotek");
	ck_assert_contains(r.out, "[fails validation]");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_folder_incremental)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s index --json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"source\": \"folder\"");
	ck_assert_contains(r.out, "\"indexed\": 9");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s index --json", SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"indexed\": 0");
	sk_run_result_free(&r);
	/* An edit, a new file, a deletion: only those are read. */
	sk_test_write(dir, "cases/malbilde.md",
		"---\ntitle: Et felles malbilde\nstatus: idea\n---\n\nNå om sykkelveier.\n");
	sk_test_write(dir, "cases/ny.md", "---\ntitle: Ny sak\n---\n\nOm sykkelparkering.\n");
	r = sk_test_run(dir, NULL, "rm cases/maal.md && %s index --json", SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"indexed\": 2");
	ck_assert_contains(r.out, "\"removed\": 1");
	sk_run_result_free(&r);
	r = search(dir, "--json sykkel*");
	ck_assert_contains(r.out, "\"id\": \"malbilde\"");
	ck_assert_contains(r.out, "\"total\": 2");
	sk_run_result_free(&r);
	r = search(dir, "--json får");
	ck_assert_contains(r.out, "\"total\": 0");
	sk_run_result_free(&r);
	/* --rebuild reads everything again. */
	r = sk_test_run(dir, NULL, "%s index --rebuild --json", SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"indexed\": 9");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_git_incremental)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL,
		"git init -q -b main . && git add . && git -c user.name=T -c user.email=t@x commit -qm one && "
		"%s index --json", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"source\": \"git\"");
	ck_assert_contains(r.out, "\"indexed\": 9");
	sk_run_result_free(&r);
	/* The index stays out of git. */
	r = sk_test_run(dir, NULL, "git status --porcelain");
	ck_assert_str_eq(r.out, "");
	sk_run_result_free(&r);
	/* A committed rename and edit. */
	r = sk_test_run(dir, NULL,
		"git mv cases/maal.md cases/maal2.md && printf '\\nOm skateparker.\\n' >> cases/maal2.md && "
		"git -c user.name=T -c user.email=t@x commit -qam two && %s index --json", SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"indexed\": 1");
	ck_assert_contains(r.out, "\"removed\": 1");
	sk_run_result_free(&r);
	ck_first(dir, "skatepark", "maal2");
	/* An uncommitted edit is found (not with --committed), and forgotten
	 * when reverted. */
	r = sk_test_run(dir, NULL, "printf '\\nOm isbading.\\n' >> cases/malbilde.md && %s index --committed --json",
		SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"indexed\": 0");
	sk_run_result_free(&r);
	ck_first(dir, "isbading", "malbilde");
	r = sk_test_run(dir, NULL, "git checkout -q cases/malbilde.md && %s search --json isbading", SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"total\": 0");
	sk_run_result_free(&r);
	/* An untracked new record. */
	sk_test_write(dir, "cases/utkast.md", "---\ntitle: Utkast\n---\n\nOm vinterdekk.\n");
	ck_first(dir, "vinterdekk", "utkast");
	/* A committed file whose mtime is not older than the index's last scan
	 * (here: set ahead), edited to the same size and given the same mtime
	 * again: lstat cannot tell, the racy rule reads it. */
	r = sk_test_run(dir, NULL,
		"printf -- '---\ntitle: Rask\n---\n\nOm snoscooter.\n' > cases/rask.md && git add cases/rask.md && "
		"git -c user.name=T -c user.email=t@x commit -qm rask && "
		"touch -d \"@$(( $(date +%%s) + 30 ))\" cases/rask.md && cp -p cases/rask.md ref.tmp && "
		"%s index >/dev/null && printf -- '---\ntitle: Rask\n---\n\nOm vannscooter\n' > cases/rask.md && "
		"touch -r ref.tmp cases/rask.md && rm ref.tmp && %s search --json snoscooter", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"total\": 0");
	sk_run_result_free(&r);
	ck_first(dir, "vannscooter", "rask");
	/* A file git ignores is not indexed; an uncommitted deletion is seen,
	 * and so is the file coming back. */
	sk_test_write(dir, ".gitignore", "cases/privat.md\n");
	sk_test_write(dir, "cases/privat.md", "---\ntitle: Privat\n---\n\nOm hemmeligheter.\n");
	r = sk_test_run(dir, NULL, "rm cases/malbilde.md && %s search --json hemmeligheter && "
		"%s search --json 'type:case rapporter'", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_not_contains(r.out, "\"id\": \"privat\"");
	ck_assert_not_contains(r.out, "\"id\": \"malbilde\"");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "git checkout -q cases/malbilde.md && %s search --json 'type:case rapporter'",
		SAMSKAP_BIN);
	ck_assert_contains(r.out, "\"id\": \"malbilde\"");
	sk_run_result_free(&r);
	/* The uncommitted record committed with git: still found, and the
	 * next update has nothing to read again. */
	r = sk_test_run(dir, NULL, "git add cases/utkast.md cases/rask.md && "
		"git -c user.name=T -c user.email=t@x commit -qm three && "
		"sleep 1.1 && %s index --json && %s index --json", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"indexed\": 0");
	sk_run_result_free(&r);
	ck_first(dir, "vinterdekk", "utkast");
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_links_and_related)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s links --json ungt-utenforskap", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"backlinks\"");
	ck_assert_contains(r.out, "\"id\": \"los\"");
	ck_assert_contains(r.out, "\"id\": \"velferdsteknologi\"");   /* [[ungt-utenforskap]] in the body */
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s links maal", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "nord-fron (kommune) Nord-Fron  [kommuner]");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s links nobody", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no record has the id 'nobody'");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s related --json maal", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\"related\"");
	ck_assert_contains(r.out, "\"id\": \"los\"");
	ck_assert_not_contains(r.out, "\"path\": \"cases/maal.md\"");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s search", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("search");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_stemming_and_compounds);
	tcase_add_test(tc, test_filters_and_facets);
	tcase_add_test(tc, test_bad_queries);
	tcase_add_test(tc, test_invalid_still_indexed);
	tcase_add_test(tc, test_folder_incremental);
	tcase_add_test(tc, test_git_incremental);
	tcase_add_test(tc, test_links_and_related);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
