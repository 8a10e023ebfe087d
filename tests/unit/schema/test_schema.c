/* schema: the JSON Schema validator against known answers, the shape of
 * each message, invalid schemas, and the bundled schemas. */
#include "samskap/schema.h"
#include "schema_int.h"
#include "sktest.h"

#include <stdlib.h>
#include <string.h>

/* Compiles schema text (which must be valid) and validates instance text;
 * returns the number of errors, with *diags kept for inspection. */
static size_t run(const char *schema_text, const char *instance_text, sk_diags *diags)
{
	json_error_t err;
	sk_schema *s = NULL;
	json_t *doc = json_loads(schema_text, JSON_DECODE_ANY, &err);
	ck_assert_msg(doc != NULL, "bad test schema: %s", err.text);
	json_t *inst = json_loads(instance_text, JSON_DECODE_ANY, &err);
	ck_assert_msg(inst != NULL, "bad test instance: %s", err.text);
	ck_assert_msg(sk_schema_compile(&s, doc, "t.schema.json") == 0, "%s", sk_error_last());
	int rc = sk_schema_validate(s, inst, diags);
	ck_assert_int_eq(rc == 0, diags->len == 0);
	if (rc != 0)
		ck_assert_int_eq(rc, SK_EINVALID);
	sk_schema_free(s);
	json_decref(doc);
	json_decref(inst);
	return diags->len;
}

static int valid(const char *schema_text, const char *instance_text)
{
	sk_diags d = SK_DIAGS_INIT;
	size_t n = run(schema_text, instance_text, &d);
	sk_diags_free(&d);
	return n == 0;
}

/* The one error of an invalid instance: its path and message. */
static void one_error(const char *schema_text, const char *instance_text,
	const char *path, const char *message)
{
	sk_diags d = SK_DIAGS_INIT;
	size_t n = run(schema_text, instance_text, &d);
	ck_assert_msg(n == 1, "expected 1 error, got %zu%s%s", n, n ? ": " : "",
		n ? d.items[0].message : "");
	ck_assert_str_eq(d.items[0].path, path);
	ck_assert_str_eq(d.items[0].message, message);
	ck_assert_int_eq(d.items[0].severity, SK_DIAG_ERROR);
	sk_diags_free(&d);
}

/* Compiling must fail with `code` and a message holding `needle`. */
static void bad_schema(const char *schema_text, int code, const char *needle)
{
	json_error_t err;
	sk_schema *s = (sk_schema *)1;
	json_t *doc = json_loads(schema_text, JSON_DECODE_ANY, &err);
	ck_assert_msg(doc != NULL, "bad test schema: %s", err.text);
	ck_assert_int_eq(sk_schema_compile(&s, doc, "bad.schema.json"), code);
	ck_assert_ptr_null(s);
	ck_assert_contains(sk_error_last(), "bad.schema.json: ");
	ck_assert_contains(sk_error_last(), needle);
	json_decref(doc);
}

/* 1 when one of the diagnostics' messages holds needle. */
static int any_message(const sk_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->len; i++)
		if (strstr(d->items[i].message, needle))
			return 1;
	return 0;
}

static const char *experiment_like =
	"{\"type\": \"object\", \"required\": [\"status\", \"metrics\"],"
	" \"properties\": {"
	"  \"status\": {\"enum\": [\"planned\", \"running\", \"completed\", \"stopped\"]},"
	"  \"metrics\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/metric\"}}},"
	" \"additionalProperties\": false,"
	" \"$defs\": {\"metric\": {\"type\": \"object\", \"required\": [\"name\", \"target\"],"
	"  \"properties\": {\"name\": {\"type\": \"string\", \"pattern\": \"^[a-z0-9_-]+$\"},"
	"   \"target\": {\"type\": \"number\", \"minimum\": 0}}}}}";

START_TEST(messages_name_path_and_expectation)
{
	one_error(experiment_like, "{\"status\": \"ferdig\", \"metrics\": []}",
		"/status", "expected one of planned, running, completed, stopped, got \"ferdig\"");
	one_error(experiment_like,
		"{\"status\": \"running\", \"metrics\": [{\"name\": \"a\", \"target\": \"ti\"}]}",
		"/metrics/0/target", "expected number, got \"ti\"");
	one_error(experiment_like,
		"{\"status\": \"running\", \"metrics\": [{\"name\": \"a\", \"target\": 1}, {\"name\": \"b\", \"target\": -2}]}",
		"/metrics/1/target", "expected a number at least 0, got -2");
	one_error(experiment_like,
		"{\"status\": \"running\", \"metrics\": [{\"name\": \"Å b\", \"target\": 1}]}",
		"/metrics/0/name", "expected a string matching ^[a-z0-9_-]+$, got \"Å b\"");
	one_error(experiment_like, "{\"status\": \"running\"}",
		"", "missing required property \"metrics\"");
	one_error(experiment_like, "{\"status\": \"running\", \"metrics\": [], \"color\": 1}",
		"/color", "unknown property \"color\" (not allowed by the schema)");
	one_error("{\"type\": [\"string\", \"null\"]}", "{\"a\": 1}", "", "expected null or string, got {\"a\":1}");
	one_error("{\"const\": 3}", "4", "", "expected 3, got 4");
	one_error("{\"minLength\": 4}", "\"æøå\"", "", "expected at least 4 characters, got 3");
	one_error("{\"maxItems\": 1}", "[1, 2]", "", "expected at most 1 item, got 2");
	one_error("{\"uniqueItems\": true}", "[1, \"x\", 1.0]", "/2",
		"expected unique items, got 1.0 again (equal to item 0)");
	one_error("{\"multipleOf\": 0.5}", "1.3", "", "expected a multiple of 0.5, got 1.3");
	one_error("{\"exclusiveMaximum\": 10}", "10", "", "expected a number less than 10, got 10");
	one_error("{\"format\": \"date\"}", "\"2023-02-29\"", "",
		"expected a date written YYYY-MM-DD that exists, got \"2023-02-29\"");
	one_error("{\"not\": {\"type\": \"string\"}}", "\"x\"", "",
		"expected not to match the schema at #/not, got \"x\"");
	one_error("{\"dependentRequired\": {\"end\": [\"start\"]}}", "{\"end\": 1}", "",
		"missing property \"start\", required when \"end\" is present");
	one_error("{\"contains\": {\"const\": 1}}", "[2, 3]", "",
		"expected at least 1 item matching the \"contains\" schema, got 0");
	one_error("{\"propertyNames\": {\"maxLength\": 2}}", "{\"abc\": 1}", "",
		"invalid property name \"abc\": expected at most 2 characters, got 3");
	one_error("{\"properties\": {\"a/b~c\": {\"type\": \"integer\"}}}", "{\"a/b~c\": 1.5}",
		"/a~1b~0c", "expected integer, got 1.5");
	one_error("{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 0}]}", "3", "",
		"expected to match exactly one schema in oneOf, but it matches both 0 and 1");
	one_error("{\"anyOf\": [{\"type\": \"string\"}, {\"properties\": {\"n\": {\"minimum\": 5}}}]}",
		"{\"n\": 1}", "",
		"expected to match at least one schema in anyOf, but it matches none: 0: expected string, "
		"got {\"n\":1}; 1: /n: expected a number at least 5, got 1");
	one_error("false", "1", "", "no value is allowed here (the schema is false)");
}
END_TEST

START_TEST(all_failures_are_reported)
{
	sk_diags d = SK_DIAGS_INIT;
	ck_assert_uint_eq(run(experiment_like,
		"{\"status\": 1, \"metrics\": [{\"name\": \"A\"}], \"x\": 0}", &d), 4);
	ck_assert_str_eq(d.items[0].path, "/status");
	ck_assert_str_eq(d.items[1].path, "/metrics/0");
	ck_assert_str_eq(d.items[1].message, "missing required property \"target\"");
	ck_assert_str_eq(d.items[2].path, "/metrics/0/name");
	ck_assert_str_eq(d.items[3].path, "/x");
	sk_diags_free(&d);
}
END_TEST

START_TEST(numbers_compare_by_value)
{
	ck_assert(valid("{\"enum\": [1, \"a\"]}", "1.0"));
	ck_assert(valid("{\"const\": 1.0}", "1"));
	ck_assert(valid("{\"const\": {\"a\": [1, 2.0]}}", "{\"a\": [1.0, 2]}"));
	ck_assert(!valid("{\"const\": {\"a\": 1}}", "{\"a\": 1, \"b\": 2}"));
	ck_assert(!valid("{\"uniqueItems\": true}", "[[1], [1.0]]"));
	ck_assert(valid("{\"uniqueItems\": true}", "[{\"a\": 1}, {\"a\": 2}]"));
	ck_assert(valid("{\"type\": \"integer\"}", "2.0"));
	ck_assert(!valid("{\"type\": \"integer\"}", "2.5"));
	ck_assert(!valid("{\"enum\": [false]}", "0"));
	ck_assert(valid("{\"maximum\": 9007199254740993}", "9007199254740993"));
	ck_assert(!valid("{\"maximum\": 9007199254740992}", "9007199254740993"));
	/* multipleOf with binary fractions */
	ck_assert(valid("{\"multipleOf\": 0.01}", "19.99"));
	ck_assert(valid("{\"multipleOf\": 0.1}", "0.3"));
	ck_assert(valid("{\"multipleOf\": 0.0001}", "0.0075"));
	ck_assert(!valid("{\"multipleOf\": 0.0001}", "0.00751"));
	ck_assert(!valid("{\"multipleOf\": 1}", "1000000.001"));
	ck_assert(!valid("{\"multipleOf\": 0.123456789}", "1e308"));
	ck_assert(valid("{\"multipleOf\": 3}", "-9"));
}
END_TEST

START_TEST(strings_dates_and_patterns)
{
	ck_assert(valid("{\"maxLength\": 2}", "\"💩💩\""));
	ck_assert(valid("{\"format\": \"date\"}", "\"2024-02-29\""));
	ck_assert(valid("{\"format\": \"date\"}", "\"2000-02-29\""));
	ck_assert(!valid("{\"format\": \"date\"}", "\"1900-02-29\""));
	ck_assert(!valid("{\"format\": \"date\"}", "\"2024-04-31\""));
	ck_assert(!valid("{\"format\": \"date\"}", "\"2024-4-1\""));
	ck_assert(valid("{\"format\": \"date\"}", "12"));
	ck_assert(valid("{\"format\": \"date-time\"}", "\"2024-02-29T23:59:59+01:00\""));
	ck_assert(!valid("{\"format\": \"date-time\"}", "\"2024-02-29 23:59:59\""));
	ck_assert(valid("{\"format\": \"email\"}", "\"not checked\""));
	ck_assert(valid("{\"pattern\": \"b\"}", "\"abc\""));        /* not anchored */
	ck_assert(!valid("{\"pattern\": \"^a$\"}", "\"a\\n\""));   /* $ only at the end */
	ck_assert(valid("{\"pattern\": \"^.$\"}", "\"ø\""));        /* code points */
	ck_assert(valid("{\"pattern\": \"^\\\\p{Letter}+$\"}", "\"πø\""));
	/* ECMA-262 escapes: \uhhhh, \u{...}, \xhh; \d is ASCII only */
	ck_assert(valid("{\"pattern\": \"^caf\\\\u00e9 \\\\u{1F600}\\\\x41$\"}", "\"café 😀A\""));
	ck_assert(!valid("{\"pattern\": \"^\\\\d$\"}", "\"٣\""));
	ck_assert(!valid("{\"pattern\": \"^\\\\p{Letter}+$\"}", "\"12\""));
	ck_assert(valid("{\"patternProperties\": {\"^x-\": {\"type\": \"string\"}},"
		" \"additionalProperties\": false}", "{\"x-a\": \"1\"}"));
	ck_assert(!valid("{\"patternProperties\": {\"^x-\": {\"type\": \"string\"}},"
		" \"additionalProperties\": false}", "{\"y\": \"1\"}"));
}
END_TEST

START_TEST(applicators_and_refs)
{
	const char *cond = "{\"if\": {\"properties\": {\"kind\": {\"const\": \"measurement\"}}},"
		" \"then\": {\"required\": [\"measurements\"]}, \"else\": {\"not\": {\"required\": [\"measurements\"]}}}";
	ck_assert(valid(cond, "{\"kind\": \"measurement\", \"measurements\": {}}"));
	ck_assert(!valid(cond, "{\"kind\": \"measurement\"}"));
	ck_assert(valid(cond, "{\"kind\": \"decision\"}"));
	ck_assert(!valid(cond, "{\"kind\": \"decision\", \"measurements\": {}}"));
	ck_assert(valid("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": {\"type\": \"integer\"}}",
		"[\"a\", 1, 2]"));
	ck_assert(!valid("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": false}", "[\"a\", 1]"));
	ck_assert(valid("{\"contains\": {\"const\": 1}, \"minContains\": 2, \"maxContains\": 2}", "[1, 2, 1]"));
	ck_assert(!valid("{\"contains\": {\"const\": 1}, \"maxContains\": 1}", "[1, 1]"));
	ck_assert(valid("{\"dependentSchemas\": {\"a\": {\"required\": [\"b\"]}}}", "{\"b\": 1}"));
	ck_assert(!valid("{\"dependentSchemas\": {\"a\": {\"required\": [\"b\"]}}}", "{\"a\": 1}"));
	/* escaped pointers: ~0, ~1 and percent-encoding */
	const char *esc = "{\"$defs\": {\"t~d\": {\"type\": \"integer\"}, \"s/l\": {\"type\": \"string\"},"
		" \"p%c\": {\"type\": \"null\"}}, \"properties\": {\"a\": {\"$ref\": \"#/$defs/t~0d\"},"
		" \"b\": {\"$ref\": \"#/$defs/s~1l\"}, \"c\": {\"$ref\": \"#/$defs/p%25c\"}}}";
	ck_assert(valid(esc, "{\"a\": 1, \"b\": \"x\", \"c\": null}"));
	ck_assert(!valid(esc, "{\"a\": \"1\"}"));
	ck_assert(!valid(esc, "{\"b\": 1}"));
	ck_assert(!valid(esc, "{\"c\": 1}"));
	/* a recursive schema: a tree of any depth */
	const char *tree = "{\"type\": \"object\", \"properties\": {\"children\": {\"type\": \"array\","
		" \"items\": {\"$ref\": \"#\"}}}, \"additionalProperties\": false}";
	ck_assert(valid(tree, "{\"children\": [{\"children\": [{}]}, {}]}"));
	ck_assert(!valid(tree, "{\"children\": [{\"children\": [{\"x\": 1}]}]}"));
	ck_assert(valid("{\"$ref\": \"#/$defs/b\", \"$defs\": {\"b\": true}}", "1"));
	ck_assert(!valid("{\"$ref\": \"#/$defs/b\", \"$defs\": {\"b\": false}}", "1"));
	/* $ref to a place no keyword made a schema */
	ck_assert(!valid("{\"x-extra\": {\"type\": \"string\"}, \"$ref\": \"#/x-extra\"}", "1"));
	ck_assert(!valid("{\"unevaluatedProperties\": false, \"properties\": {\"a\": true}}", "{\"b\": 1}"));
	ck_assert(valid("{\"unevaluatedProperties\": false, \"allOf\": [{\"properties\": {\"a\": true}}]}",
		"{\"a\": 1}"));
	/* unevaluatedProperties sees what succeeded in place: if (then/else),
	 * matching anyOf/oneOf branches, $ref, present dependentSchemas; never
	 * what `not` or a sibling subschema (a cousin) evaluated. */
	const char *ifonly = "{\"if\": {\"properties\": {\"k\": {\"const\": 1}}, \"required\": [\"k\"]},"
		" \"then\": {\"properties\": {\"t\": true}}, \"unevaluatedProperties\": false}";
	ck_assert(valid(ifonly, "{\"k\": 1, \"t\": 2}"));
	ck_assert(!valid(ifonly, "{\"k\": 2}"));
	const char *branches = "{\"anyOf\": [{\"properties\": {\"a\": true}}, {\"properties\": {\"b\": {\"type\": \"string\"}}}],"
		" \"unevaluatedProperties\": false}";
	ck_assert(valid(branches, "{\"a\": 1, \"b\": \"x\"}"));
	ck_assert(!valid(branches, "{\"a\": 1, \"b\": 2}"));
	ck_assert(!valid("{\"not\": {\"not\": {\"properties\": {\"a\": true}}}, \"unevaluatedProperties\": false}",
		"{\"a\": 1}"));
	ck_assert(!valid("{\"allOf\": [{\"properties\": {\"a\": true}}, {\"unevaluatedProperties\": false}]}",
		"{\"a\": 1}"));
	const char *dep = "{\"dependentSchemas\": {\"d\": {\"properties\": {\"e\": true}}},"
		" \"properties\": {\"d\": true}, \"unevaluatedProperties\": false}";
	ck_assert(valid(dep, "{\"d\": 1, \"e\": 1}"));
	ck_assert(!valid(dep, "{\"e\": 1}"));
	ck_assert(valid("{\"allOf\": [{\"unevaluatedProperties\": true}], \"unevaluatedProperties\": false}",
		"{\"z\": 1}"));
	const char *cyc = "{\"properties\": {\"x\": {\"$ref\": \"#\"}}, \"unevaluatedProperties\": false}";
	ck_assert(valid(cyc, "{\"x\": {\"x\": {}}}"));
	ck_assert(!valid(cyc, "{\"x\": {\"x\": {}, \"y\": 1}}"));
}
END_TEST

START_TEST(cycles_and_depth_are_guarded)
{
	sk_diags d = SK_DIAGS_INIT;
	/* A $ref cycle that never consumes the instance. */
	ck_assert_uint_ge(run("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"$ref\": \"#/$defs/a\"}},"
		" \"$ref\": \"#/$defs/a\"}", "1", &d), 1);
	ck_assert_contains(d.items[0].message, "nested more than");
	sk_diags_free(&d);
	ck_assert_uint_ge(run("{\"not\": {\"$ref\": \"#\"}}", "1", &d), 1);
	ck_assert(any_message(&d, "nested more than"));
	sk_diags_free(&d);

	/* Exponential work (both anyOf branches recurse and fail at every level) is
	 * cut off by the step budget, not left to run for ages. */
	char inst[202];
	for (int i = 0; i < 100; i++) {
		inst[i] = '[';
		inst[100 + i] = ']';
	}
	inst[200] = '\0';
	ck_assert_uint_ge(run("{\"type\": \"array\", \"minItems\": 1,"
		" \"items\": {\"anyOf\": [{\"$ref\": \"#\"}, {\"$ref\": \"#\"}]}}", inst, &d), 1);
	ck_assert(any_message(&d, "validation stopped after 1000000 steps"));
	sk_diags_free(&d);

	/* A schema nested deeper than the limit is refused, not a crash. */
	json_t *deep = json_object();
	json_t *cur = deep;
	for (int i = 0; i < SK_SCHEMA_MAX_DEPTH + 10; i++) {
		json_t *next = json_object();
		json_object_set_new(cur, "items", next);
		cur = next;
	}
	sk_schema *s = NULL;
	ck_assert_int_eq(sk_schema_compile(&s, deep, "deep.json"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "deep.json: /items/items/");
	ck_assert_contains(sk_error_last(), "nested more than 500 levels");
	json_decref(deep);
}
END_TEST

START_TEST(invalid_schemas_are_refused)
{
	bad_schema("42", SK_EINVALID, "(root): invalid schema: a schema must be an object or a boolean");
	bad_schema("{\"properties\": {\"a\": {\"minLength\": \"x\"}}}", SK_EINVALID,
		"/properties/a/minLength: invalid schema: minLength must be a non-negative integer");
	bad_schema("{\"type\": \"text\"}", SK_EINVALID, "/type: invalid schema: type must be one of");
	bad_schema("{\"required\": \"a\"}", SK_EINVALID, "/required: invalid schema: required must be an array of strings");
	bad_schema("{\"items\": [{}]}", SK_EINVALID, "/items: invalid schema: a schema must be an object or a boolean");
	bad_schema("{\"anyOf\": []}", SK_EINVALID, "/anyOf: invalid schema: anyOf must be a non-empty array");
	bad_schema("{\"multipleOf\": 0}", SK_EINVALID, "/multipleOf: invalid schema: multipleOf must be greater than 0");
	bad_schema("{\"pattern\": \"^(a\"}", SK_EINVALID,
		"/pattern: invalid schema: ^(a is not a valid regular expression: missing closing parenthesis");
	bad_schema("{\"patternProperties\": {\"[\": true}}", SK_EINVALID,
		"/patternProperties/[: invalid schema: [ is not a valid regular expression");
	bad_schema("{\"$ref\": \"#/$defs/nope\"}", SK_EINVALID,
		"/$ref: invalid schema: $ref \"#/$defs/nope\" does not resolve");
	bad_schema("{\"properties\": {\"a\": {\"$ref\": \"#/properties/b\"}}}", SK_EINVALID,
		"/properties/a/$ref: invalid schema: $ref \"#/properties/b\" does not resolve");
	bad_schema("{\"$ref\": \"other.json#/a\"}", SK_EUNSUPPORTED, "$ref \"other.json#/a\" is not supported");
	bad_schema("{\"$ref\": \"#anchor\"}", SK_EUNSUPPORTED, "names an anchor");
	bad_schema("{\"$ref\": \"#/a%zz\"}", SK_EINVALID, "malformed %-escape");
	bad_schema("{\"$ref\": \"#/enum/0\", \"enum\": [1]}", SK_EINVALID, "a schema must be an object or a boolean");
	bad_schema("{\"unevaluatedItems\": false}", SK_EUNSUPPORTED, "unevaluatedItems is not supported");
}
END_TEST

START_TEST(load_reports_file_and_position)
{
	char *dir = sk_test_tmpdir();
	char *bad = sk_path_join(dir, "bad.json");
	char *good = sk_path_join(dir, "good.json");
	char *wrong = sk_path_join(dir, "wrong.json");
	sk_schema *s = NULL;
	sk_test_write(dir, "bad.json", "{\n  \"type\": \"string\",\n  oops\n}\n");
	sk_test_write(dir, "good.json", "{\"type\": \"string\"}");
	sk_test_write(dir, "wrong.json", "{\"maxLength\": -1}");
	ck_assert_int_eq(sk_schema_load(&s, bad), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "bad.json:3:");
	ck_assert_contains(sk_error_last(), "invalid JSON in schema");
	ck_assert_int_eq(sk_schema_load(&s, wrong), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "wrong.json: /maxLength: invalid schema");
	ck_assert_int_eq(sk_schema_load(&s, "/nonexistent/x.json"), SK_ENOTFOUND);
	ck_assert_int_eq(sk_schema_load(&s, good), 0);
	json_t *v = json_string("x");
	ck_assert_int_eq(sk_schema_validate(s, v, NULL), 0);
	json_decref(v);
	v = json_integer(1);
	ck_assert_int_eq(sk_schema_validate(s, v, NULL), SK_EINVALID);
	json_decref(v);
	sk_schema_free(s);
	sk_schema_free(NULL);
	sk_test_rmtree(dir);
	free(dir);
	free(bad);
	free(good);
	free(wrong);
}
END_TEST

START_TEST(bundled_schemas_compile)
{
	size_t n = 0;
	const char *name;
	for (size_t i = 0; (name = sk_schema_builtin_name(i)); i++) {
		size_t len = 0;
		/* Other JSON rides along (the server's openapi.json): only the
		 * record schemas are compiled here. */
		size_t nl = strlen(name);
		if (nl < 12 || strcmp(name + nl - 12, ".schema.json") != 0)
			continue;
		ck_assert_ptr_nonnull(sk_schema_builtin_text(name, &len));
		ck_assert_uint_gt(len, 0);
		char *type = sk_strndup(name, strcspn(name, "."));
		sk_schema *s = NULL;
		ck_assert_msg(sk_schema_builtin(&s, type) == 0, "%s: %s", name, sk_error_last());
		sk_schema_free(s);
		free(type);
		n++;
	}
	ck_assert_uint_ge(n, 6);
	sk_schema *s = NULL;
	ck_assert_int_eq(sk_schema_builtin(&s, "nonsense"), SK_ENOTFOUND);
	ck_assert_ptr_null(sk_schema_builtin_text("nonsense.schema.json", NULL));
}
END_TEST

START_TEST(bundled_experiment_schema)
{
	sk_schema *s = NULL;
	sk_diags d = SK_DIAGS_INIT;
	json_error_t err;
	ck_assert_int_eq(sk_schema_builtin(&s, "experiment"), 0);
	json_t *ok = json_loads("{\"title\": \"Test\", \"kommuner\": [\"asker\"], \"challenge\": \"eldrebolgen\","
		" \"status\": \"running\", \"start\": \"2024-02-29\", \"hypothesis\": \"H\","
		" \"metrics\": [{\"name\": \"besok_per_uke\", \"unit\": \"antall\", \"baseline\": 3, \"target\": 2.5}]}",
		0, &err);
	ck_assert_ptr_nonnull(ok);
	ck_assert_int_eq(sk_schema_validate(s, ok, &d), 0);
	json_object_set_new(ok, "status", json_string("ferdig"));
	json_object_set_new(ok, "start", json_string("2023-02-29"));
	json_object_set_new(json_array_get(json_object_get(ok, "metrics"), 0), "target", json_string("to"));
	ck_assert_int_eq(sk_schema_validate(s, ok, &d), SK_EINVALID);
	ck_assert_uint_eq(d.len, 3);
	int seen = 0;
	for (size_t i = 0; i < d.len; i++) {
		if (strcmp(d.items[i].path, "/status") == 0) {
			ck_assert_str_eq(d.items[i].message,
				"expected one of planned, running, completed, stopped, got \"ferdig\"");
			seen |= 1;
		} else if (strcmp(d.items[i].path, "/start") == 0) {
			seen |= 2;
		} else if (strcmp(d.items[i].path, "/metrics/0/target") == 0) {
			seen |= 4;
		}
	}
	ck_assert_int_eq(seen, 7);
	sk_diags_free(&d);
	json_decref(ok);
	sk_schema_free(s);
}
END_TEST

START_TEST(locate_finds_values_in_text)
{
	const char *t = "{\n"
		"  \"a\": {\"x\": [1, {\"y\": \"}]\"}, 3]},\n"
		"  \"s/l~\\u00e6\": \"æø\", \"n\": null,\n"
		"  \"m\": [[], {}, \"last\"]\n"
		"}\n";
	int line, col;
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "", &line, &col), 0);
	ck_assert_int_eq(line, 1);
	ck_assert_int_eq(col, 1);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/a/x/1/y", &line, &col), 0);
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(col, 24);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/a/x/2", &line, &col), 0);
	ck_assert_int_eq(col, 31);
	/* ~1 and ~0 in the pointer, a \u escape in the key */
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/s~1l~0æ", &line, &col), 0);
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(col, 17);
	/* columns count code points: "æø" is two */
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/n", &line, &col), 0);
	ck_assert_int_eq(col, 28);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/m/2", &line, &col), 0);
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(col, 17);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/m/3", &line, &col), SK_ENOTFOUND);
	ck_assert_int_eq(line, 0);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/nope", &line, &col), SK_ENOTFOUND);
	ck_assert_int_eq(sk_schema_locate(t, strlen(t), "/n/0", &line, &col), SK_ENOTFOUND);
	ck_assert_int_eq(sk_schema_locate("{\"a\": [1, ", 10, "/a/1", &line, &col), SK_ENOTFOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("schema");
	/* The step-budget case runs a million steps: slow under ASan on a busy machine. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, messages_name_path_and_expectation);
	tcase_add_test(tc, all_failures_are_reported);
	tcase_add_test(tc, numbers_compare_by_value);
	tcase_add_test(tc, strings_dates_and_patterns);
	tcase_add_test(tc, applicators_and_refs);
	tcase_add_test(tc, cycles_and_depth_are_guarded);
	tcase_add_test(tc, invalid_schemas_are_refused);
	tcase_add_test(tc, load_reports_file_and_position);
	tcase_add_test(tc, bundled_schemas_compile);
	tcase_add_test(tc, bundled_experiment_schema);
	tcase_add_test(tc, locate_finds_values_in_text);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
