/* samskap list and samskap show, reading a knowledge base's files. */
#include "samskap/util.h"
#include "sktest.h"

#include <stdlib.h>
#include <string.h>

static char *make_kb(void)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{}\n");
	sk_test_write(dir, "kommuner/asker.md",
		"---\ntitle: Asker\nkommunenummer: \"3203\"\nfylke: Akershus\nresource_group: true\n---\n\n# Asker\n\nSe [[asker-velferdslab]].\n");
	sk_test_write(dir, "cases/asker-velferdslab.md",
		"---\ntitle: Asker velferdslab\nkommuner: [asker]\n---\nTekst.\n");
	sk_test_write(dir, "challenges/ungt-utenforskap.md",
		"---\nstatus: active\n---\n# Ungt utenforskap\n");
	sk_test_write(dir, "cases/broken.md", "no front matter\n");
	return dir;
}

START_TEST(list_all_as_a_table)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s list", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
		"ID                 TYPE       TITLE\n"
		"asker              kommune    Asker\n"
		"ungt-utenforskap   challenge  Ungt utenforskap\n"
		"asker-velferdslab  case       Asker velferdslab\n");
	ck_assert_contains(r.err, "1 file could not be read as records and is left out (see 'samskap check')");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(list_one_type_as_json)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s list case --json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"id\": \"asker-velferdslab\"");
	ck_assert_contains(r.out, "\"path\": \"cases/asker-velferdslab.md\"");
	ck_assert_not_contains(r.out, "\"kommune\"");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s list widget", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "'widget' is not a record type");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(show_prints_fields_and_body)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "cd cases && %s show asker", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
		"id: asker\n"
		"type: kommune\n"
		"path: kommuner/asker.md\n"
		"title: Asker\n"
		"kommunenummer: 3203\n"
		"fylke: Akershus\n"
		"resource_group: true\n"
		"\n"
		"# Asker\n"
		"\n"
		"Se [[asker-velferdslab]].\n");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(show_json_and_errors)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s show asker --json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"type\": \"kommune\"");
	ck_assert_contains(r.out, "\"target\": \"asker-velferdslab\"");
	ck_assert_contains(r.out, "\"kommunenummer\": \"3203\"");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s show nobody", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no record with id 'nobody'");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s show broken", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "samskap: cases/broken.md:1:1: error: no front matter");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s show", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("list_show");
	TCase *tc = tcase_create("list_show");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, list_all_as_a_table);
	tcase_add_test(tc, list_one_type_as_json);
	tcase_add_test(tc, show_prints_fields_and_body);
	tcase_add_test(tc, show_json_and_errors);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
