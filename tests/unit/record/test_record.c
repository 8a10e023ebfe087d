/* record: front matter typing and places, Markdown text, headings and
 * links, titles, record places, and the knowledge base on disk. */
#include "record_internal.h"
#include "sktest.h"

#include <stdlib.h>
#include <string.h>

/* Parses text as relpath; fails the test when it does not parse. */
static sk_record *parse_ok(const char *relpath, const char *text)
{
	sk_record *rec = NULL;
	sk_diags d = SK_DIAGS_INIT;
	int rc = sk_record_parse(&rec, relpath, text, strlen(text), &d);
	ck_assert_msg(rc == 0, "parse failed: %s", sk_error_last());
	ck_assert_uint_eq(d.len, 0);
	sk_diags_free(&d);
	return rec;
}

/* Parses text expecting failure; returns the first diagnostic's text. */
static char *parse_fail(const char *relpath, const char *text, size_t len)
{
	sk_record *rec = NULL;
	sk_diags d = SK_DIAGS_INIT;
	int rc = sk_record_parse(&rec, relpath, text, len, &d);
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_null(rec);
	ck_assert_uint_ge(d.len, 1);
	char *msg = sk_diag_format(&d.items[0]);
	sk_diags_free(&d);
	return msg;
}

START_TEST(scalars_follow_yaml_core_schema)
{
	sk_record *rec = parse_ok("cases/x.md",
		"---\n"
		"i: 42\n"
		"neg: -7\n"
		"oct: 0o17\n"
		"hex: 0x1F\n"
		"f: 3.5\n"
		"e: 1e3\n"
		"t: true\n"
		"F: False\n"
		"yes_is_text: yes\n"
		"off_is_text: off\n"
		"n1: null\n"
		"n2: ~\n"
		"n3:\n"
		"d: 2025-03-01\n"
		"q: \"42\"\n"
		"sq: 'true'\n"
		"s: hello world\n"
		"ver: 1.2.3\n"
		"lit: |\n"
		"  line one\n"
		"  line two\n"
		"---\n");
	json_t *f = rec->front;
	ck_assert(json_is_integer(json_object_get(f, "i")));
	ck_assert_int_eq(json_integer_value(json_object_get(f, "i")), 42);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "neg")), -7);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "oct")), 15);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "hex")), 31);
	ck_assert(json_is_real(json_object_get(f, "f")));
	ck_assert(json_real_value(json_object_get(f, "f")) == 3.5);
	ck_assert(json_real_value(json_object_get(f, "e")) == 1000.0);
	ck_assert(json_is_true(json_object_get(f, "t")));
	ck_assert(json_is_false(json_object_get(f, "F")));
	ck_assert_str_eq(json_string_value(json_object_get(f, "yes_is_text")), "yes");
	ck_assert_str_eq(json_string_value(json_object_get(f, "off_is_text")), "off");
	ck_assert(json_is_null(json_object_get(f, "n1")));
	ck_assert(json_is_null(json_object_get(f, "n2")));
	ck_assert(json_is_null(json_object_get(f, "n3")));
	ck_assert_str_eq(json_string_value(json_object_get(f, "d")), "2025-03-01");
	ck_assert_str_eq(json_string_value(json_object_get(f, "q")), "42");
	ck_assert_str_eq(json_string_value(json_object_get(f, "sq")), "true");
	ck_assert_str_eq(json_string_value(json_object_get(f, "s")), "hello world");
	ck_assert_str_eq(json_string_value(json_object_get(f, "ver")), "1.2.3");
	ck_assert_str_eq(json_string_value(json_object_get(f, "lit")), "line one\nline two\n");
	sk_record_free(rec);
}
END_TEST

START_TEST(infinity_and_nan_are_refused)
{
	const char *t = "---\nx: 1\nv: .inf\n---\n";
	char *m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "cases/x.md:3:4: error:");
	ck_assert_contains(m, "not a finite number");
	free(m);
	t = "---\nv: .NaN\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "not a finite number");
	free(m);
	t = "---\nv: 1e999\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "too large");
	free(m);
	t = "---\nv: 99999999999999999999999\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "out of range");
	free(m);
}
END_TEST

START_TEST(lines_and_columns_by_pointer)
{
	sk_record *rec = parse_ok("experiments/e1/index.md",
		"---\n"
		"title: T\n"
		"metrics:\n"
		"  - name: a\n"
		"    target: 5\n"
		"  - {name: b, target: 7}\n"
		"a/b: 1\n"
		"---\n"
		"body\n");
	ck_assert_int_eq(sk_record_line_of(rec, "/title"), 2);
	ck_assert_int_eq(sk_record_col_of(rec, "/title"), 8);
	ck_assert_int_eq(sk_record_line_of(rec, "/metrics/0/target"), 5);
	ck_assert_int_eq(sk_record_col_of(rec, "/metrics/0/target"), 13);
	ck_assert_int_eq(sk_record_line_of(rec, "/metrics/1/target"), 6);
	ck_assert_int_eq(sk_record_col_of(rec, "/metrics/1/target"), 23);
	ck_assert_int_eq(sk_record_line_of(rec, "/a~1b"), 7);
	/* A missing value falls back to its nearest parent. */
	ck_assert_int_eq(sk_record_line_of(rec, "/metrics/1/unit"), 6);
	ck_assert_int_eq(sk_record_line_of(rec, "/nothing/here"), 2);
	ck_assert_int_eq(rec->body_line, 9);
	ck_assert_str_eq(rec->body, "body\n");
	sk_record_free(rec);
}
END_TEST

START_TEST(duplicate_and_non_text_keys)
{
	const char *t = "---\ntitle: a\nx: 1\ntitle: b\n---\n";
	char *m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "cases/x.md:4:1: error: duplicate key 'title' (first at line 2)");
	free(m);
	t = "---\n2024: a\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "mapping key '2024' is not text");
	free(m);
	t = "---\n? [a, b]\n: c\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "a mapping key must be text, not a list");
	free(m);
}
END_TEST

START_TEST(aliases_copy_and_bombs_are_refused)
{
	sk_record *rec = parse_ok("cases/x.md",
		"---\nbase: &b [1, 2]\ncopy: *b\n---\n");
	ck_assert(json_equal(json_object_get(rec->front, "base"), json_object_get(rec->front, "copy")));
	ck_assert_int_eq(sk_record_line_of(rec, "/copy"), 3);
	sk_record_free(rec);

	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (char c = 'b'; c <= 'j'; c++) {
		sk_buf_printf(&b, "%c: &%c [", c, c);
		for (int i = 0; i < 9; i++)
			sk_buf_printf(&b, "%s*%c", i ? "," : "", c - 1);
		sk_buf_puts(&b, "]\n");
	}
	sk_buf_puts(&b, "---\n");
	char *m = parse_fail("cases/x.md", b.data, b.len);
	ck_assert_contains(m, "more than 100000 values");
	free(m);
	sk_buf_free(&b);

	const char *t = "---\na: *nope\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "alias *nope refers to no anchor");
	free(m);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, "---\nx: ");
	for (int i = 0; i < 10000; i++)
		sk_buf_putc(&b, '[');
	sk_buf_puts(&b, "\n---\n");
	char *m = parse_fail("cases/x.md", b.data, b.len);
	ck_assert_contains(m, "nested more than 64 levels");
	free(m);
	sk_buf_free(&b);
}
END_TEST

START_TEST(front_matter_shapes)
{
	const char *t = "# Just markdown\n";
	char *m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "no front matter");
	free(m);
	t = "---\ntitle: x\n\nbody\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "is not closed");
	free(m);
	t = "---\n- a\n- b\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "must be a mapping");
	free(m);
	t = "---\ntitle: [a, b\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "YAML syntax error");
	free(m);
	m = parse_fail("cases/x.md", "", 0);
	ck_assert_contains(m, "file is empty");
	free(m);
	m = parse_fail("cases/x.md", "---\na: b\0c\n---\n", 14);
	ck_assert_contains(m, "cases/x.md:2:5: error: file contains a NUL byte");
	free(m);
	t = "---\na: bl\xE5\n---\n";
	m = parse_fail("cases/x.md", t, strlen(t));
	ck_assert_contains(m, "cases/x.md:2:6: error: file is not valid UTF-8");
	free(m);
	/* An empty front matter is an empty object; CRLF works. */
	sk_record *rec = parse_ok("cases/x.md", "---\r\n---\r\nBody\r\n");
	ck_assert_uint_eq(json_object_size(rec->front), 0);
	ck_assert_str_eq(rec->title, "x");
	sk_record_free(rec);
}
END_TEST

START_TEST(text_headings_and_links)
{
	sk_record *rec = parse_ok("cases/x.md",
		"---\n"
		"kommuner: [asker, baerum]\n"
		"challenge: ungt-utenforskap\n"
		"---\n"
		"# Tittel her\n"
		"\n"
		"Første linje med [[asker]] og\n"
		"andre linje, `[[ikke-lenke]]` *og [[trondheim]]*.\n"
		"\n"
		"```\n"
		"[[heller-ikke]]\n"
		"```\n"
		"\n"
		"## Del to\n"
		"\n"
		"- punkt [[volda]]\n");
	ck_assert_str_eq(rec->title, "Tittel her");
	ck_assert_uint_eq(rec->n_headings, 2);
	ck_assert_int_eq(rec->headings[0].level, 1);
	ck_assert_str_eq(rec->headings[0].text, "Tittel her");
	ck_assert_int_eq(rec->headings[0].line, 5);
	ck_assert_int_eq(rec->headings[1].level, 2);
	ck_assert_int_eq(rec->headings[1].line, 14);
	ck_assert_str_eq(rec->text,
		"Tittel her\n"
		"Første linje med [[asker]] og andre linje, [[ikke-lenke]] og [[trondheim]].\n"
		"[[heller-ikke]]\n"
		"Del to\n"
		"punkt [[volda]]\n");
	ck_assert_uint_eq(rec->n_links, 6);
	/* Front matter first, in field order. */
	ck_assert_str_eq(rec->links[0].target, "asker");
	ck_assert_str_eq(rec->links[0].field, "kommuner");
	ck_assert_int_eq(rec->links[0].line, 2);
	ck_assert_int_eq(rec->links[0].col, 12);
	ck_assert_str_eq(rec->links[1].target, "baerum");
	ck_assert_int_eq(rec->links[1].col, 19);
	ck_assert_str_eq(rec->links[2].target, "ungt-utenforskap");
	ck_assert_str_eq(rec->links[2].field, "challenge");
	ck_assert_int_eq(rec->links[2].line, 3);
	ck_assert_str_eq(rec->links[3].target, "asker");
	ck_assert_ptr_null(rec->links[3].field);
	ck_assert_int_eq(rec->links[3].line, 7);
	ck_assert_int_eq(rec->links[3].col, 18); /* code points: "Første" */
	ck_assert_str_eq(rec->links[4].target, "trondheim");
	ck_assert_int_eq(rec->links[4].line, 8);
	ck_assert_int_eq(rec->links[4].col, 35);
	ck_assert_str_eq(rec->links[5].target, "volda");
	ck_assert_int_eq(rec->links[5].line, 16);
	ck_assert_int_eq(rec->links[5].col, 9);
	sk_record_free(rec);
}
END_TEST

START_TEST(titles)
{
	sk_record *rec = parse_ok("challenges/c.md", "---\ntitle: Fra feltet\n---\n# Overskrift\n");
	ck_assert_str_eq(rec->title, "Fra feltet");
	sk_record_free(rec);
	rec = parse_ok("challenges/c.md", "---\nstatus: active\n---\nTekst\n\n## Først\n");
	ck_assert_str_eq(rec->title, "Først");
	sk_record_free(rec);
	rec = parse_ok("challenges/c.md", "---\nstatus: active\n---\nBare tekst.\n");
	ck_assert_str_eq(rec->title, "c");
	sk_record_free(rec);
}
END_TEST

START_TEST(log_entries_link_their_experiment)
{
	sk_record *rec = parse_ok("experiments/e1/log/2025-01-02-abc.md",
		"---\ndate: 2025-01-02\n---\n");
	ck_assert_int_eq(rec->type, SK_TYPE_LOG);
	ck_assert_str_eq(rec->id, "2025-01-02-abc");
	ck_assert_str_eq(rec->experiment, "e1");
	ck_assert_uint_eq(rec->n_links, 1);
	ck_assert_str_eq(rec->links[0].target, "e1");
	ck_assert_int_eq(rec->links[0].implicit, 1);
	sk_record_free(rec);
}
END_TEST

START_TEST(models_are_json)
{
	sk_record *rec = parse_ok("models/m.json", "{\n  \"title\": \"Modell\",\n  \"x\": [1, 2.5]\n}\n");
	ck_assert_int_eq(rec->type, SK_TYPE_MODEL);
	ck_assert_str_eq(rec->title, "Modell");
	ck_assert_str_eq(rec->body, "");
	ck_assert_int_eq(sk_record_line_of(rec, "/x/1"), 3);
	sk_record_free(rec);
	const char *t = "{\"a\": 1,\n \"a\": 2}";
	char *m = parse_fail("models/m.json", t, strlen(t));
	ck_assert_contains(m, "model is not valid JSON");
	ck_assert_contains(m, "duplicate");
	free(m);
	sk_buf b = SK_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		sk_buf_putc(&b, '[');
	m = parse_fail("models/m.json", b.data, b.len);
	ck_assert_contains(m, "model is not valid JSON");
	free(m);
	sk_buf_free(&b);
}
END_TEST

START_TEST(locate_places)
{
	sk_record_type t;
	char *id = NULL, *exp = NULL;
	ck_assert_int_eq(sk_record_locate(&t, &id, &exp, "partnership.md"), 0);
	ck_assert_int_eq(t, SK_TYPE_PARTNERSHIP);
	ck_assert_str_eq(id, "partnership");
	free(id);
	ck_assert_int_eq(sk_record_locate(&t, &id, &exp, "kommuner/asker.md"), 0);
	ck_assert_int_eq(t, SK_TYPE_KOMMUNE);
	ck_assert_str_eq(id, "asker");
	free(id);
	ck_assert_int_eq(sk_record_locate(&t, &id, &exp, "experiments/e-1/index.md"), 0);
	ck_assert_int_eq(t, SK_TYPE_EXPERIMENT);
	ck_assert_str_eq(id, "e-1");
	free(id);
	ck_assert_int_eq(sk_record_locate(&t, &id, &exp, "experiments/e-1/log/l1.md"), 0);
	ck_assert_int_eq(t, SK_TYPE_LOG);
	ck_assert_str_eq(id, "l1");
	ck_assert_str_eq(exp, "e-1");
	free(id);
	free(exp);
	ck_assert_int_eq(sk_record_locate(&t, &id, NULL, "models/m.json"), 0);
	ck_assert_int_eq(t, SK_TYPE_MODEL);
	free(id);
	ck_assert_int_eq(sk_record_locate(&t, &id, NULL, "cases/notes.txt"), SK_ENOTFOUND);
	ck_assert_int_eq(sk_record_locate(&t, &id, NULL, "models/data/x.csv"), SK_ENOTFOUND);
	ck_assert_int_eq(sk_record_locate(&t, &id, NULL, "experiments/e/notes.md"), SK_ENOTFOUND);
	ck_assert_int_eq(sk_record_locate(&t, &id, NULL, "cases/Bad_Id.md"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "'Bad_Id' is not a valid id");
	ck_assert_ptr_null(id);
	ck_assert_int_eq(sk_record_type_parse(&t, "experiment"), 0);
	ck_assert_int_eq(t, SK_TYPE_EXPERIMENT);
	ck_assert_int_eq(sk_record_type_parse(&t, "widget"), SK_ENOTFOUND);
	ck_assert_str_eq(sk_record_type_name(SK_TYPE_LOG), "log");
}
END_TEST

START_TEST(to_json_holds_the_record)
{
	sk_record *rec = parse_ok("cases/x.md", "---\ntitle: X\ncase: y\n---\nSe [[z]].\n");
	json_t *j = NULL;
	ck_assert_int_eq(sk_record_to_json(&j, rec), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), "x");
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "case");
	ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "X");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "links")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "front"), "case")), "y");
	ck_assert_str_eq(json_string_value(json_object_get(j, "body")), "Se [[z]].\n");
	json_decref(j);
	sk_record_free(rec);
}
END_TEST

START_TEST(kb_open_list_load_find)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{\"max_record_bytes\": 5000}");
	sk_test_write(dir, "partnership.md", "---\ntitle: P\n---\n");
	sk_test_write(dir, "kommuner/asker.md", "---\ntitle: Asker\n---\n");
	sk_test_write(dir, "cases/c1.md", "---\ntitle: C1\n---\n");
	sk_test_write(dir, "cases/notes.txt", "x");
	sk_test_write(dir, "experiments/e1/index.md", "---\ntitle: E1\n---\n");
	sk_test_write(dir, "experiments/e1/log/l1.md", "---\ndate: 2025-01-01\n---\n");
	sk_test_write(dir, "models/data/pop.csv", "a,b\n");
	sk_test_write(dir, "README.md", "not listed\n");
	char *sub = sk_path_join(dir, "experiments/e1");
	sk_kb *kb = NULL;
	ck_assert_int_eq(sk_kb_open(&kb, sub), 0);
	ck_assert_uint_eq(kb->max_bytes, 5000);
	ck_assert_str_eq(kb->language, "norwegian");

	char **paths = NULL;
	size_t n = 0;
	ck_assert_int_eq(sk_kb_list_files(&paths, &n, kb), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(paths[0], "cases/c1.md");
	ck_assert_str_eq(paths[1], "cases/notes.txt");
	ck_assert_str_eq(paths[2], "experiments/e1/index.md");
	ck_assert_str_eq(paths[3], "experiments/e1/log/l1.md");
	ck_assert_str_eq(paths[4], "kommuner/asker.md");
	ck_assert_str_eq(paths[5], "partnership.md");
	sk_kb_paths_free(paths, n);

	sk_record **recs = NULL;
	ck_assert_int_eq(sk_kb_load_records(&recs, &n, kb, SK_TYPE_COUNT, NULL), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(recs[0]->type, SK_TYPE_PARTNERSHIP);
	ck_assert_str_eq(recs[1]->id, "asker");
	ck_assert_str_eq(recs[4]->id, "l1");
	sk_records_free(recs, n);
	ck_assert_int_eq(sk_kb_load_records(&recs, &n, kb, SK_TYPE_CASE, NULL), 0);
	ck_assert_uint_eq(n, 1);
	sk_records_free(recs, n);

	sk_record *rec = NULL;
	ck_assert_int_eq(sk_kb_find_record(&rec, kb, "l1", NULL), 0);
	ck_assert_str_eq(rec->path, "experiments/e1/log/l1.md");
	sk_record_free(rec);
	ck_assert_int_eq(sk_kb_find_record(&rec, kb, "nope", NULL), SK_ENOTFOUND);
	ck_assert_ptr_null(rec);
	sk_kb_free(kb);

	char *none = sk_test_tmpdir();
	ck_assert_int_eq(sk_kb_open(&kb, none), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "no samskap.json");
	sk_test_rmtree(none);
	free(none);
	free(sub);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(validate_places_schema_errors)
{
	sk_record *rec = parse_ok("kommuner/baerum.md",
		"---\n"
		"title: Bærum\n"
		"kommunenummer: 3024\n"
		"fylke: Akershus\n"
		"resource_group: ja\n"
		"---\n");
	sk_diags d = SK_DIAGS_INIT;
	ck_assert_int_eq(sk_record_validate(rec, &d), SK_EINVALID);
	ck_assert_uint_eq(d.len, 2);
	sk_diags_sort(&d);
	ck_assert_str_eq(d.items[0].file, "kommuner/baerum.md");
	ck_assert_str_eq(d.items[0].path, "/kommunenummer");
	ck_assert_int_eq(d.items[0].line, 3);
	ck_assert_int_eq(d.items[0].col, 16);
	ck_assert_contains(d.items[0].message, "/kommunenummer: expected");
	ck_assert_str_eq(d.items[1].path, "/resource_group");
	ck_assert_int_eq(d.items[1].line, 5);
	ck_assert_contains(sk_error_last(), "kommuner/baerum.md:3:16: /kommunenummer: expected");
	sk_diags_free(&d);
	/* The validator keeps its compiled schema and finds the same. */
	sk_record_validator *v = sk_record_validator_new();
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(sk_record_validator_run(v, rec, &d), SK_EINVALID);
		ck_assert_uint_eq(d.len, 2);
		ck_assert_int_eq(d.items[0].line + d.items[1].line, 8);
		sk_diags_free(&d);
	}
	sk_record_validator_free(v);
	sk_record_validator_free(NULL);
	sk_record_free(rec);

	rec = parse_ok("kommuner/baerum.md",
		"---\ntitle: Bærum\nkommunenummer: \"3201\"\nfylke: Akershus\nresource_group: true\n---\n");
	ck_assert_int_eq(sk_record_validate(rec, &d), 0);
	ck_assert_uint_eq(d.len, 0);
	sk_record_free(rec);

	rec = parse_ok("experiments/e/log/l.md", "---\nkind: observation\n---\n");
	ck_assert_int_eq(sk_record_validate(rec, &d), SK_EINVALID);
	ck_assert_uint_ge(d.len, 2);
	ck_assert_contains(d.items[0].message, "front matter: missing required property");
	sk_diags_free(&d);
	sk_record_free(rec);
}
END_TEST

START_TEST(kb_check_reports_places)
{
	char *dir = sk_test_tmpdir();
	sk_test_write(dir, "samskap.json", "{}");
	sk_test_write(dir, "challenges/c.md", "---\ntitle: C\nstatus: active\n---\nSe [[d]].\n");
	sk_test_write(dir, "cases/c.md", "---\ntitle: Også c\n---\n");
	sk_kb *kb = NULL;
	ck_assert_int_eq(sk_kb_open(&kb, dir), 0);
	sk_diags d = SK_DIAGS_INIT;
	size_t n = 0;
	ck_assert_int_eq(sk_kb_check_records(kb, &d, &n), SK_EINVALID);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(sk_diags_errors(&d), 2);
	sk_diags_sort(&d);
	ck_assert_str_eq(d.items[0].file, "challenges/c.md");
	ck_assert_contains(d.items[0].message, "duplicate id 'c'");
	ck_assert_int_eq(d.items[1].line, 5);
	ck_assert_int_eq(d.items[1].col, 4);
	ck_assert_contains(d.items[1].message, "[[d]] names no record");
	sk_diags_free(&d);
	sk_kb_free(kb);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");
	tcase_add_test(tc, scalars_follow_yaml_core_schema);
	tcase_add_test(tc, infinity_and_nan_are_refused);
	tcase_add_test(tc, lines_and_columns_by_pointer);
	tcase_add_test(tc, duplicate_and_non_text_keys);
	tcase_add_test(tc, aliases_copy_and_bombs_are_refused);
	tcase_add_test(tc, deep_nesting_is_refused);
	tcase_add_test(tc, front_matter_shapes);
	tcase_add_test(tc, text_headings_and_links);
	tcase_add_test(tc, titles);
	tcase_add_test(tc, log_entries_link_their_experiment);
	tcase_add_test(tc, models_are_json);
	tcase_add_test(tc, locate_places);
	tcase_add_test(tc, to_json_holds_the_record);
	tcase_add_test(tc, kb_open_list_load_find);
	tcase_add_test(tc, validate_places_schema_errors);
	tcase_add_test(tc, kb_check_reports_places);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
