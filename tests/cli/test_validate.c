/* samskap validate, driven through the real binary: valid and invalid
 * files, an invalid schema, malformed JSON, a missing file, --type and
 * --json. */
#include "sktest.h"

#include <jansson.h>
#include <stdlib.h>

static const char *status_schema =
	"{\"type\": \"object\", \"required\": [\"status\"],\n"
	" \"properties\": {\"status\": {\"enum\": [\"planned\", \"running\", \"completed\", \"stopped\"]},\n"
	"  \"metrics\": {\"type\": \"array\", \"items\": {\"type\": \"object\",\n"
	"   \"properties\": {\"target\": {\"type\": \"number\"}}}}}}\n";

static char *dir;

static void setup(void)
{
	dir = sk_test_tmpdir();
	sk_test_write(dir, "s.schema.json", status_schema);
	sk_test_write(dir, "good.json", "{\"status\": \"running\", \"metrics\": [{\"target\": 2}]}\n");
	sk_test_write(dir, "bad.json",
		"{\n"
		"  \"status\": \"ferdig\",\n"
		"  \"metrics\": [\n"
		"    {\"target\": 1},\n"
		"    {\"target\": \"høy\"}\n"
		"  ]\n"
		"}\n");
}

static void teardown(void)
{
	sk_test_rmtree(dir);
	free(dir);
}

START_TEST(valid_file_passes)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --schema s.schema.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "good.json: valid");
	ck_assert_str_eq(r.err, "");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(invalid_file_names_place_path_and_expectation)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --schema s.schema.json good.json bad.json",
		SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "good.json: valid");
	ck_assert_contains(r.out,
		"bad.json:2:13: error: /status: expected one of planned, running, completed, stopped, got \"ferdig\"\n");
	ck_assert_contains(r.out, "bad.json:5:16: error: /metrics/1/target: expected number, got \"høy\"\n");
	ck_assert_contains(r.err, "samskap: 1 of 2 files did not validate");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(json_output)
{
	json_error_t err;
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --json --schema s.schema.json bad.json good.json",
		SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	json_t *doc = json_loads(r.out, 0, &err);
	ck_assert_msg(doc != NULL, "not JSON: %s\n%s", err.text, r.out);
	ck_assert(json_is_false(json_object_get(doc, "valid")));
	json_t *files = json_object_get(doc, "files");
	ck_assert_uint_eq(json_array_size(files), 2);
	json_t *bad = json_array_get(files, 0);
	ck_assert_str_eq(json_string_value(json_object_get(bad, "file")), "bad.json");
	json_t *errors = json_object_get(bad, "errors");
	ck_assert_uint_eq(json_array_size(errors), 2);
	json_t *e = json_array_get(errors, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "path")), "/metrics/1/target");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 5);
	ck_assert(json_is_true(json_object_get(json_array_get(files, 1), "valid")));
	json_decref(doc);
	sk_run_result_free(&r);
}
END_TEST

START_TEST(invalid_schema_is_refused)
{
	sk_test_write(dir, "wrong.schema.json", "{\"properties\": {\"name\": {\"pattern\": \"^(a\"}}}\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --schema wrong.schema.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "samskap: wrong.schema.json: /properties/name/pattern: invalid schema: "
		"^(a is not a valid regular expression");
	ck_assert_not_contains(r.out, "valid");
	sk_run_result_free(&r);

	sk_test_write(dir, "ref.schema.json", "{\"$ref\": \"#/$defs/missing\"}\n");
	r = sk_test_run(dir, NULL, "%s validate --schema ref.schema.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "ref.schema.json: /$ref: invalid schema: $ref \"#/$defs/missing\" does not resolve");
	sk_run_result_free(&r);

	sk_test_write(dir, "broken.schema.json", "{\"type\": \"object\",\n \"required\": [\"a\",]}\n");
	r = sk_test_run(dir, NULL, "%s validate --schema broken.schema.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "broken.schema.json:2:");
	ck_assert_contains(r.err, "invalid JSON in schema");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(malformed_and_missing_files)
{
	sk_test_write(dir, "broken.json", "{\"status\": \"running\",\n \"metrics\": [1, }\n");
	sk_run_result r = sk_test_run(dir, NULL,
		"%s validate --schema s.schema.json broken.json missing.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "broken.json:2:");
	ck_assert_contains(r.out, "error: invalid JSON: ");
	ck_assert_contains(r.out, "missing.json: error: No such file or directory");
	ck_assert_contains(r.out, "good.json: valid");
	ck_assert_contains(r.err, "2 of 3 files did not validate");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(deep_documents_and_boolean_schemas)
{
	/* Deeper than Jansson's parse limit: a clear parse error, no crash. */
	char *deep = malloc(20001);
	for (int i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	sk_test_write(dir, "deep.json", deep);
	free(deep);
	sk_test_write(dir, "tree.schema.json",
		"{\"type\": \"array\", \"items\": {\"$ref\": \"#\"}}\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --schema tree.schema.json deep.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "deep.json:1:");
	ck_assert_contains(r.out, "error: invalid JSON: ");
	sk_run_result_free(&r);

	/* Within the parse limit but past the validator's depth: an error. */
	char *mid = malloc(2001);
	for (int i = 0; i < 1000; i++) {
		mid[i] = '[';
		mid[1000 + i] = ']';
	}
	mid[2000] = '\0';
	sk_test_write(dir, "mid.json", mid);
	free(mid);
	r = sk_test_run(dir, NULL, "%s validate --schema tree.schema.json mid.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "error: /0/0/0/");
	ck_assert_contains(r.out, "validation nested more than 500 levels deep");
	sk_run_result_free(&r);

	sk_test_write(dir, "true.schema.json", "true");
	r = sk_test_run(dir, NULL, "%s validate --schema true.schema.json bad.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	sk_run_result_free(&r);
	sk_test_write(dir, "false.schema.json", "false");
	r = sk_test_run(dir, NULL, "%s validate --schema false.schema.json good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "good.json:1:1: error: (root): no value is allowed here (the schema is false)");
	sk_run_result_free(&r);
}
END_TEST

START_TEST(bundled_type_and_usage)
{
	sk_test_write(dir, "log.json",
		"{\"date\": \"2023-02-29\", \"author\": \"Kari\", \"kind\": \"observation\"}\n");
	sk_run_result r = sk_test_run(dir, NULL, "%s validate --type log log.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "log.json:1:10: error: /date: expected a date written YYYY-MM-DD that exists");
	sk_run_result_free(&r);

	r = sk_test_run(dir, "{\"status\": \"stopped\"}", "%s validate --schema s.schema.json -", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "-: valid");
	sk_run_result_free(&r);
	r = sk_test_run(dir, "{\"status\":\n 7}", "%s validate --schema s.schema.json -", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "-:2:2: error: /status: expected one of planned, running, completed, stopped, got 7");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s validate --type nosuchtype good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no bundled schema for the record type \"nosuchtype\" (there are: ");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s validate good.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "give exactly one of --schema FILE and --type TYPE");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s validate --schema s.schema.json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");
	/* Each test starts several samskap processes: under ASan or valgrind on
	 * a loaded machine that takes far longer than Check's default 4 s. */
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_file_passes);
	tcase_add_test(tc, invalid_file_names_place_path_and_expectation);
	tcase_add_test(tc, json_output);
	tcase_add_test(tc, invalid_schema_is_refused);
	tcase_add_test(tc, malformed_and_missing_files);
	tcase_add_test(tc, deep_documents_and_boolean_schemas);
	tcase_add_test(tc, bundled_type_and_usage);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
