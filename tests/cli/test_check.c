/* samskap check: a clean knowledge base passes, and each kind of broken
 * record gets its own clear message, a place, and exit status 1 (never a
 * crash). Every test builds its KB in a temporary folder. */
#include "samskap/util.h"
#include "sktest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A small KB that passes the check: one record of each Markdown type. */
static char *make_kb(void)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"name\": \"test\", \"language\": \"norwegian\"}\n");
	sk_test_write(dir, "partnership.md",
		"---\n"
		"title: Partnerskapet\n"
		"period:\n"
		"  from: 2020-01-01\n"
		"kommuner: [asker]\n"
		"challenges: [ungt-utenforskap]\n"
		"---\n"
		"# Partnerskapet\n");
	sk_test_write(dir, "kommuner/asker.md",
		"---\n"
		"title: Asker\n"
		"kommunenummer: \"3203\"\n"
		"fylke: Akershus\n"
		"resource_group: true\n"
		"---\n"
		"Asker er med i [[ungt-utenforskap]].\n");
	sk_test_write(dir, "challenges/ungt-utenforskap.md",
		"---\n"
		"title: Ungt utenforskap\n"
		"status: active\n"
		"---\n");
	sk_test_write(dir, "cases/asker-velferdslab.md",
		"---\n"
		"title: Asker velferdslab\n"
		"kommuner: [asker]\n"
		"started: 2016-01-01\n"
		"---\n"
		"Se [[asker]] og `[[ikke-en-lenke]]`.\n");
	sk_test_write(dir, "experiments/e1/index.md",
		"---\n"
		"title: Forsøk\n"
		"kommuner: [asker]\n"
		"challenge: ungt-utenforskap\n"
		"case: asker-velferdslab\n"
		"status: running\n"
		"start: 2025-01-01\n"
		"hypothesis: Det virker.\n"
		"metrics:\n"
		"  - name: andel\n"
		"    unit: prosent\n"
		"    baseline: 30\n"
		"    target: 20\n"
		"---\n");
	sk_test_write(dir, "experiments/e1/log/2025-01-15-e1-1.md",
		"---\n"
		"date: 2025-01-15\n"
		"author: Kari\n"
		"kind: measurement\n"
		"measurements:\n"
		"  andel: 28\n"
		"---\n"
		"Første måling.\n");
	return dir;
}

static void drop_kb(char *dir)
{
	sk_test_rmtree(dir);
	free(dir);
}

/* Runs `samskap check` in dir; asserts exit 1, no crash, and every
 * expected piece in stdout. */
static void expect_error(const char *dir, const char *a, const char *b)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN);
	ck_assert_msg(r.status == 1, "exit %d, expected 1\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
	ck_assert_contains(r.out, a);
	if (b)
		ck_assert_contains(r.out, b);
	ck_assert_contains(r.err, "samskap: the knowledge base has");
	ck_assert_not_contains(r.err, "Sanitizer");
	sk_run_result_free(&r);
}

START_TEST(clean_kb_passes)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_str_eq(r.out, "checked 6 records: 0 errors, 0 warnings\n");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(no_front_matter)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "# Bare Markdown\n\nNo fields.\n");
	expect_error(dir, "cases/x.md:1:1: error: no front matter: a record starts with a line '---'", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(unclosed_front_matter)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\n\n# Body\n");
	expect_error(dir, "cases/x.md:1:1: error: front matter opened at line 1 is not closed", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(yaml_syntax_error_has_its_line)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\ntags: [a, b\nsummary: y\n---\n");
	expect_error(dir, "cases/x.md:4:8: error: YAML syntax error in the front matter: did not find expected ',' or ']'", "line 3");
	drop_kb(dir);
}
END_TEST

START_TEST(front_matter_not_a_mapping)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\n- title\n- X\n---\n");
	expect_error(dir, "cases/x.md:2:1: error: front matter must be a mapping of fields (key: value), not a list", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(duplicate_keys_name_both_lines)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\nsummary: s\ntitle: Y\n---\n");
	expect_error(dir, "cases/x.md:4:1: error: duplicate key 'title' (first at line 2)", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(non_text_key)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\n2024: godt år\n---\n");
	expect_error(dir, "cases/x.md:3:1: error: mapping key '2024' is not text (YAML reads it as an integer)", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(wrong_types)
{
	char *dir = make_kb();
	sk_test_write(dir, "kommuner/baerum.md",
		"---\ntitle: Bærum\nkommunenummer: 3024\nfylke: Akershus\nresource_group: ja\n---\n");
	expect_error(dir, "kommuner/baerum.md:3:16: error: /kommunenummer: expected",
		"kommuner/baerum.md:5:17: error: /resource_group: expected");
	drop_kb(dir);
}
END_TEST

START_TEST(infinite_number)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/log/2025-02-01-e1.md",
		"---\ndate: 2025-02-01\nauthor: Kari\nkind: measurement\nmeasurements:\n  andel: .inf\n---\n");
	expect_error(dir, "experiments/e1/log/2025-02-01-e1.md:6:10: error: '.inf' is not a finite number", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(measurement_of_no_metric)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/log/2025-02-01-e1.md",
		"---\ndate: 2025-02-01\nauthor: Kari\nkind: measurement\nmeasurements:\n  andel: 27\n  andell: 26\n---\n");
	expect_error(dir, "experiments/e1/log/2025-02-01-e1.md:7:11: error: measurement 'andell' is not one of the metrics of experiment 'e1'", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(unknown_type_folder)
{
	char *dir = make_kb();
	sk_test_write(dir, "kommune/oslo.md", "---\ntitle: Oslo\n---\n");
	expect_error(dir, "kommune/oslo.md:1:1: error: unknown record type: 'kommune/' is not a record folder", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(unknown_folder_deeper_down)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiment/e2/index.md", "---\ntitle: E2\n---\n");
	expect_error(dir, "experiment/e2/index.md:1:1: error: unknown record type: 'experiment/' is not a record folder", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(record_in_wrong_place_of_a_record_folder)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/logg/2025-02-01-e1.md",
		"---\ndate: 2025-02-01\nauthor: Kari\nkind: observation\n---\n");
	expect_error(dir, "experiments/e1/logg/2025-02-01-e1.md:1:1: error: a record in no record's place", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(missing_required_fields)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/log/2025-02-01-e1.md", "---\ndate: 2025-02-01\nkind: observation\n---\nSett.\n");
	expect_error(dir, "experiments/e1/log/2025-02-01-e1.md:2:1: error: front matter: missing required property \"author\"", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(bad_date_format)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/log/2025-02-01-e1.md",
		"---\ndate: 1.2.2025\nauthor: Kari\nkind: observation\n---\n");
	expect_error(dir, "experiments/e1/log/2025-02-01-e1.md:2:7: error: /date: expected a date written YYYY-MM-DD", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(bad_date_that_does_not_exist)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/e1/log/2025-02-01-e1.md",
		"---\ndate: 2025-02-30\nauthor: Kari\nkind: observation\n---\n");
	expect_error(dir, "experiments/e1/log/2025-02-01-e1.md:2:7: error: /date:", "2025-02-30");
	drop_kb(dir);
}
END_TEST

START_TEST(end_before_start)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\nstarted: 2024-05-01\nended: 2023-05-01\n---\n");
	expect_error(dir, "cases/x.md:4:8: error: /ended: 2023-05-01 is before /started 2024-05-01", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(invalid_utf8)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: Bl\xE5" "b\xE6" "r\n---\n");
	expect_error(dir, "cases/x.md:2:10: error: file is not valid UTF-8 (byte 0xE5)", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(nul_byte)
{
	char *dir = make_kb();
	char *path = sk_path_join(dir, "cases/x.md");
	ck_assert_int_eq(sk_file_write(path, "---\ntitle: X\n---\nab\0cd\n", 21), 0);
	free(path);
	expect_error(dir, "cases/x.md:4:3: error: file contains a NUL byte", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(file_over_the_size_limit)
{
	char *dir = make_kb();
	size_t n = 1024 * 1024 + 1;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	memcpy(big, "---\ntitle: X\n---\n", 17);
	big[n] = '\0';
	sk_test_write(dir, "cases/big.md", big);
	free(big);
	expect_error(dir, "cases/big.md: error: file is 1048577 bytes, over the limit of 1048576 bytes", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(size_limit_from_settings)
{
	char *dir = make_kb();
	sk_test_write(dir, "samskap.json", "{\"max_record_bytes\": 100}\n");
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\nsummary: This summary makes the file longer than one hundred bytes in all, which is over.\n---\n");
	expect_error(dir, "cases/x.md: error: file is", "over the limit of 100 bytes");
	drop_kb(dir);
}
END_TEST

START_TEST(empty_file)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "");
	expect_error(dir, "cases/x.md: error: file is empty: a record starts with front matter", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(symlink_is_refused)
{
	char *dir = make_kb();
	char *link = sk_path_join(dir, "cases/lenke.md");
	ck_assert_int_eq(symlink("asker-velferdslab.md", link), 0);
	free(link);
	expect_error(dir, "cases/lenke.md: error: is a symbolic link; samskap reads only regular files", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(id_not_a_slug)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/Asker_Lab.md", "---\ntitle: X\n---\n");
	expect_error(dir, "cases/Asker_Lab.md: error: id 'Asker_Lab' is not a valid id", "lower-case");
	drop_kb(dir);
}
END_TEST

START_TEST(duplicate_id_names_both_files)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/asker.md", "---\ntitle: Også Asker\n---\n");
	expect_error(dir, "error: duplicate id 'asker': both cases/asker.md and kommuner/asker.md have it", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(broken_link_in_text)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\n---\n\nSom i [[finnes-ikke]].\n");
	expect_error(dir, "cases/x.md:5:7: error: broken link: [[finnes-ikke]] names no record", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(broken_link_in_field)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\nkommuner:\n  - asker\n  - oslo\n---\n");
	expect_error(dir, "cases/x.md:5:5: error: broken link: field 'kommuner' names 'oslo', but no record has that id", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(link_to_wrong_type)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\nchallenges: [asker]\n---\n");
	expect_error(dir, "cases/x.md:3:14: error: field 'challenges' should name a challenge, but 'asker' is a kommune", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(log_entry_without_experiment)
{
	char *dir = make_kb();
	sk_test_write(dir, "experiments/borte/log/2025-03-01-borte.md",
		"---\ndate: 2025-03-01\nauthor: Kari\nkind: observation\n---\n");
	expect_error(dir, "experiments/borte/log/2025-03-01-borte.md:1:1: error: log entry without its experiment: there is no experiments/borte/index.md", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(model_that_is_not_json)
{
	char *dir = make_kb();
	sk_test_write(dir, "models/m.json", "{\n  \"title\": \"Modell\",\n  \"stocks\": [\n}\n");
	expect_error(dir, "models/m.json:4:1: error: model is not valid JSON", NULL);
	drop_kb(dir);
}
END_TEST

START_TEST(deeply_nested_front_matter)
{
	char *dir = make_kb();
	char *t = malloc(10000 + 64);
	strcpy(t, "---\ntitle: X\ntags: ");
	size_t n = strlen(t);
	memset(t + n, '[', 10000);
	strcpy(t + n + 10000, "\n---\n");
	sk_test_write(dir, "cases/x.md", t);
	free(t);
	expect_error(dir, "cases/x.md:3:", "front matter is nested more than 64 levels deep");
	drop_kb(dir);
}
END_TEST

START_TEST(deeply_nested_model)
{
	char *dir = make_kb();
	char *t = malloc(10001);
	memset(t, '[', 10000);
	t[10000] = '\0';
	sk_test_write(dir, "models/m.json", t);
	free(t);
	expect_error(dir, "models/m.json:1:", "model is not valid JSON: maximum parsing depth reached");
	drop_kb(dir);
}
END_TEST

START_TEST(billion_laughs)
{
	char *dir = make_kb();
	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, "---\ntitle: X\nlol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		sk_buf_printf(&b, "lol%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			sk_buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
		sk_buf_puts(&b, "]\n");
	}
	sk_buf_puts(&b, "---\n");
	sk_test_write(dir, "cases/x.md", b.data);
	sk_buf_free(&b);
	expect_error(dir, "cases/x.md:", "front matter expands to more than 100000 values");
	drop_kb(dir);
}
END_TEST

START_TEST(bad_settings_file)
{
	char *dir = make_kb();
	sk_test_write(dir, "samskap.json", "[1, 2]\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "samskap.json: must be a JSON object");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(no_knowledge_base)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not in a knowledge base (no samskap.json here or in any folder above)");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(stray_file_is_a_warning)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/notes.txt", "husk å ringe\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_contains(r.out, "cases/notes.txt: warning: ignored, not a record's place");
	ck_assert_contains(r.out, "checked 6 records: 0 errors, 1 warning\n");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(errors_sorted_with_summary_and_paths_from_here)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/b.md", "---\ntitle: B\n---\n[[nope-b]]\n");
	sk_test_write(dir, "cases/a.md", "---\ntitle: A\n---\n[[nope-a2]] [[nope-a1]]\n");
	sk_run_result r = sk_test_run(dir, NULL, "cd kommuner && %s check", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out,
		"../cases/a.md:4:1: error: broken link: [[nope-a2]] names no record\n"
		"../cases/a.md:4:13: error: broken link: [[nope-a1]] names no record\n"
		"../cases/b.md:4:1: error: broken link: [[nope-b]] names no record\n"
		"checked 8 records: 3 errors, 0 warnings\n");
	sk_run_result_free(&r);
	r = sk_test_run(NULL, NULL, "%s check %s/cases", SAMSKAP_BIN, dir);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "/cases/b.md:4:1: error: broken link");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(json_output)
{
	char *dir = make_kb();
	sk_test_write(dir, "cases/x.md", "---\ntitle: X\n---\n[[nope]]\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s check --json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "\"records\": 7,");
	ck_assert_contains(r.out, "\"errors\": 1,");
	ck_assert_contains(r.out, "\"warnings\": 0,");
	ck_assert_contains(r.out, "\"severity\": \"error\"");
	ck_assert_contains(r.out, "\"file\": \"cases/x.md\"");
	ck_assert_contains(r.out, "\"line\": 4,");
	ck_assert_contains(r.out, "\"message\": \"broken link: [[nope]] names no record\"");
	sk_run_result_free(&r);
	drop_kb(dir);
}
END_TEST

START_TEST(bundled_content_passes)
{
	sk_run_result r = sk_test_run(NULL, NULL, "%s check %s/content", SAMSKAP_BIN, SK_SOURCE_DIR);
	ck_assert_msg(r.status == 0, "bundled content has errors:\n%s%s", r.out, r.err);
	ck_assert_contains(r.out, ": 0 errors, 0 warnings\n");
	sk_run_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("check");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, clean_kb_passes);
	tcase_add_test(tc, no_front_matter);
	tcase_add_test(tc, unclosed_front_matter);
	tcase_add_test(tc, yaml_syntax_error_has_its_line);
	tcase_add_test(tc, front_matter_not_a_mapping);
	tcase_add_test(tc, duplicate_keys_name_both_lines);
	tcase_add_test(tc, non_text_key);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, infinite_number);
	tcase_add_test(tc, measurement_of_no_metric);
	tcase_add_test(tc, unknown_type_folder);
	tcase_add_test(tc, unknown_folder_deeper_down);
	tcase_add_test(tc, record_in_wrong_place_of_a_record_folder);
	tcase_add_test(tc, missing_required_fields);
	tcase_add_test(tc, bad_date_format);
	tcase_add_test(tc, bad_date_that_does_not_exist);
	tcase_add_test(tc, end_before_start);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, file_over_the_size_limit);
	tcase_add_test(tc, size_limit_from_settings);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, symlink_is_refused);
	tcase_add_test(tc, id_not_a_slug);
	tcase_add_test(tc, duplicate_id_names_both_files);
	tcase_add_test(tc, broken_link_in_text);
	tcase_add_test(tc, broken_link_in_field);
	tcase_add_test(tc, link_to_wrong_type);
	tcase_add_test(tc, log_entry_without_experiment);
	tcase_add_test(tc, model_that_is_not_json);
	tcase_add_test(tc, deeply_nested_front_matter);
	tcase_add_test(tc, deeply_nested_model);
	tcase_add_test(tc, billion_laughs);
	tcase_add_test(tc, bad_settings_file);
	tcase_add_test(tc, no_knowledge_base);
	tcase_add_test(tc, stray_file_is_a_warning);
	tcase_add_test(tc, errors_sorted_with_summary_and_paths_from_here);
	tcase_add_test(tc, json_output);
	tcase_add_test(tc, bundled_content_passes);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
