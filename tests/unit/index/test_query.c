/* Unit tests of the query parser and the FTS5 expressions it builds. */
#include "test_index.h"

#include <stdlib.h>
#include <string.h>

/* Parses text and returns the positive FTS5 expression ("" when none). */
static char *fts_of(const char *text)
{
	sk_query *q = NULL;
	int rc = sk_index__query_parse(&q, text);
	ck_assert_msg(rc == 0, "parse of '%s' failed: %s", text, sk_error_last());
	char *f = sk_index__query_fts(q, 0, NULL, NULL);
	sk_index__query_free(q);
	return f ? f : sk_strdup("");
}

#define ck_fts(text, expected) do { \
	char *got_ = fts_of(text); \
	ck_assert_msg(strcmp(got_, (expected)) == 0, "fts of '%s': got '%s', expected '%s'", \
		(text), got_, (expected)); \
	free(got_); \
} while (0)

/* Parse must fail with SK_EINVALID and a message containing `needle`. */
#define ck_bad(text, needle) do { \
	sk_query *q_ = NULL; \
	int rc_ = sk_index__query_parse(&q_, (text)); \
	ck_assert_msg(rc_ == SK_EINVALID, "'%s' should be refused, got %d", (text), rc_); \
	ck_assert_ptr_null(q_); \
	ck_assert_contains(sk_error_last(), (needle)); \
} while (0)

START_TEST(test_words_and_phrases)
{
	ck_fts("eldre omsorg", "\"eldre\" AND \"omsorg\"");
	ck_fts("\"velferds teknologi\" Asker", "\"velferds teknologi\" AND \"Asker\"");
	ck_fts("omsorg OR pleie bolig", "(\"omsorg\" OR \"pleie\") AND \"bolig\"");
	ck_fts("a OR b OR c", "(\"a\" OR \"b\" OR \"c\")");
	ck_fts("velferd*", "\"velferd\" *");
	ck_fts("\"velferds tek\"*", "\"velferds tek\" *");
	/* Lower-case or is a word. */
	ck_fts("or", "\"or\"");
}
END_TEST

START_TEST(test_exclusion)
{
	sk_query *q = NULL;
	ck_assert_int_eq(sk_index__query_parse(&q, "ungdom -skole -\"tidlig innsats\""), 0);
	char *pos = sk_index__query_fts(q, 0, NULL, NULL);
	char *neg = sk_index__query_fts(q, 1, NULL, NULL);
	ck_assert_str_eq(pos, "\"ungdom\"");
	ck_assert_str_eq(neg, "\"skole\" OR \"tidlig innsats\"");
	free(pos);
	free(neg);
	sk_index__query_free(q);
	/* Only exclusions: no positive expression. */
	ck_assert_int_eq(sk_index__query_parse(&q, "-skole type:case"), 0);
	ck_assert_ptr_null(sk_index__query_fts(q, 0, NULL, NULL));
	sk_index__query_free(q);
	/* A hyphen inside a word is not an exclusion. */
	ck_fts("Nord-Fron", "\"Nord-Fron\"");
}
END_TEST

START_TEST(test_filters)
{
	sk_query *q = NULL;
	ck_assert_int_eq(sk_index__query_parse(&q,
		"type:experiment kommune:asker Status:running tag:\"eldre omsorg\" since:2024 until:2025-06-30 "
		"kind:decision example:false -challenge:klima"), 0);
	ck_assert_uint_eq(q->n_terms, 0);
	ck_assert_uint_eq(q->n_filters, 9);
	ck_assert_str_eq(q->filters[0].field, "type");
	ck_assert_str_eq(q->filters[0].value, "experiment");
	ck_assert_str_eq(q->filters[2].field, "status");
	ck_assert_str_eq(q->filters[3].value, "eldre omsorg");
	ck_assert_str_eq(q->filters[6].field, "kind");
	ck_assert_int_eq(q->filters[8].negated, 1);
	sk_index__query_free(q);
	/* A URL is a word, not a filter. */
	ck_fts("https://ks.no", "\"https://ks.no\"");
	/* A colon after something that is not a field name is text. */
	ck_fts("kl.14:30", "\"kl.14:30\"");
}
END_TEST

/* The bad queries of issue 4: each a sensible result or a clear error. */
START_TEST(test_bad_queries)
{
	ck_fts("Nord-Fron", "\"Nord-Fron\"");
	ck_bad("status:ferdig", "unknown status 'ferdig'");
	ck_bad("type:sak", "unknown record type 'sak'");
	ck_bad("OR", "OR must stand between");
	ck_bad("omsorg OR", "OR must stand between");
	ck_bad("OR omsorg", "OR must stand between");
	ck_bad("a OR OR b", "OR must stand between");
	ck_bad("a OR -b", "cannot be part of an OR group");
	ck_bad("\"", "nothing to search for");
	ck_bad("*", "nothing to search for");
	ck_bad("^", "nothing to search for");
	ck_bad("-", "nothing to search for");
	ck_bad("", "nothing to search for");
	ck_bad("   \t ", "nothing to search for");
	ck_fts("\"unclosed phrase", "\"unclosed phrase\"");
	ck_fts("NEAR(", "\"NEAR(\"");
	ck_fts("NEAR(a b)", "\"NEAR(a\" AND \"b)\"");
	ck_fts("^omsorg", "\"^omsorg\"");
	ck_fts("omsorg ^", "\"omsorg\"");
	ck_fts("a\"b", "\"a\" AND \"b\"");
	ck_fts("say \"\"\"hi\"", "\"say\" AND \"hi\"");
	ck_bad("type:", "needs a value");
	ck_bad("since:igår", "wants a date");
	ck_bad("until:2024-13", "wants a date");
	ck_bad("since:2024-02-30", "wants a date");

	char *big = sk_malloc(10001);
	memset(big, 'a', 10000);
	big[10000] = '\0';
	ck_bad(big, "too long");
	for (int i = 0; i < 10000; i += 2) {
		big[i] = 'a';
		big[i + 1] = ' ';
	}
	ck_bad(big, "too long");
	free(big);
	big = sk_malloc(200);
	big[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(big, "ab ");
	ck_bad(big, "too many terms");
	free(big);

	ck_bad("omsorg \xff\xfe", "not valid UTF-8");
	ck_bad("\xc3", "not valid UTF-8");
	ck_bad("\xed\xa0\x80", "not valid UTF-8");
	/* Control characters separate terms and never reach FTS5. */
	ck_fts("a\x01" "b", "\"a\" AND \"b\"");
	ck_fts("\"a\x01" "b\"", "\"a b\"");
}
END_TEST

START_TEST(test_quote)
{
	sk_buf b = SK_BUF_INIT;
	sk_index__fts_quote(&b, "say \"hi\"");
	ck_assert_str_eq(b.data, "\"say \"\"hi\"\"\"");
	sk_buf_free(&b);
}
END_TEST

static void expand_stub(void *ud, const sk_qterm *t, sk_buf *alt)
{
	(void)ud;
	if (strcmp(t->text, "teknologi") == 0)
		sk_buf_puts(alt, " OR \"\x01velferdsteknologi\"");
}

START_TEST(test_expand)
{
	sk_query *q = NULL;
	ck_assert_int_eq(sk_index__query_parse(&q, "teknologi \"teknologi\" teknologi*"), 0);
	char *f = sk_index__query_fts(q, 0, expand_stub, NULL);
	ck_assert_str_eq(f, "(\"teknologi\" OR \"\x01velferdsteknologi\") AND \"teknologi\" AND \"teknologi\" *");
	free(f);
	sk_index__query_free(q);
}
END_TEST

TCase *tcase_query(void)
{
	TCase *tc = tcase_create("query");
	tcase_add_test(tc, test_words_and_phrases);
	tcase_add_test(tc, test_exclusion);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_bad_queries);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_expand);
	return tc;
}
