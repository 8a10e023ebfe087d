/* Unit tests of the search tokenizer: word splitting, folding, stemming;
 * and of the snippets cut from its words, read from the body's marks. */
#include "snippet.h"
#include "test_index.h"

#include <stdlib.h>
#include <string.h>

typedef struct collect {
	sk_buf b;
	size_t n;
} collect;

static int add_token(void *ud, const char *tok, size_t len, size_t start, size_t end)
{
	collect *c = ud;
	(void)start;
	(void)end;
	if (c->n++)
		sk_buf_putc(&c->b, ' ');
	sk_buf_put(&c->b, tok, len);
	return 0;
}

/* The tokens of text joined by spaces (caller frees). */
char *tokens_of(const char *language, const char *text, int stem)
{
	sk_tok *t = NULL;
	ck_assert_int_eq(sk_index__tok_new(&t, language), 0);
	collect c = { SK_BUF_INIT, 0 };
	sk_index__tokenize(t, text, strlen(text), stem, add_token, &c);
	sk_index__tok_free(t);
	return sk_buf_detach(&c.b);
}

#define ck_tokens(lang, text, stem, expected) do { \
	char *got_ = tokens_of((lang), (text), (stem)); \
	ck_assert_msg(strcmp(got_, (expected)) == 0, "tokens of \"%s\": got \"%s\", expected \"%s\"", \
		(text), got_, (expected)); \
	free(got_); \
} while (0)

START_TEST(test_split_and_fold)
{
	ck_tokens("norwegian", "Hei, VERDEN! 2024 Nord-Fron", 0, "hei verden 2024 nord fron");
	ck_tokens("norwegian", "  ", 0, "");
	ck_tokens("norwegian", "", 0, "");
	/* æ ø å stay distinct; upper case folds to them. */
	ck_tokens("norwegian", "ÆRLIG ØYE ÅPEN", 0, "ærlig øye åpen");
	ck_tokens("norwegian", "mål mal får far", 0, "mål mal får far");
	/* Variant letters fold to the Norwegian forms, accents drop. */
	ck_tokens("norwegian", "Möte Ärlig kafé", 0, "møte ærlig kafe");
	/* Decomposed letters (NFD) compose: a + ring is å. */
	ck_tokens("norwegian", "pa\xcc\x8a a\xcc\x8apen", 0, "på åpen");
	ck_tokens("norwegian", "kafe\xcc\x81", 0, "kafe");
	/* Punctuation and symbols separate words. */
	ck_tokens("norwegian", "a\xe2\x80\x94" "b\xc2\xa0" "c\xc2\xab" "d\xc2\xbb", 0, "a b c d");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	/* Invalid bytes separate words and never crash. */
	ck_tokens("norwegian", "abc\xff" "def\xc3", 0, "abc def");
	ck_tokens("norwegian", "\xe2\x82", 0, "");
	ck_tokens("norwegian", "\xed\xa0\x80x", 0, "x");
	ck_tokens("norwegian", "\xcc\x81\xcc\x81", 0, "");
}
END_TEST

START_TEST(test_long_word)
{
	char big[400];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *got = tokens_of("norwegian", big, 1);
	ck_assert_uint_le(strlen(got), SK_TOK_MAX);
	ck_assert_uint_gt(strlen(got), 0);
	free(got);
	/* A long word of two-byte letters is cut at a character boundary. */
	char wide[401];
	for (int i = 0; i < 400; i += 2) {
		wide[i] = (char)0xC3;
		wide[i + 1] = (char)0xA5;
	}
	wide[400] = '\0';
	got = tokens_of("norwegian", wide, 0);
	ck_assert_uint_le(strlen(got), SK_TOK_MAX);
	ck_assert_int_eq(sk_utf8_valid(got, strlen(got), NULL), 1);
	free(got);
}
END_TEST

START_TEST(test_stem_norwegian)
{
	/* Inflections meet at one stem. */
	char *a = tokens_of("norwegian", "kommunene", 1);
	char *b = tokens_of("norwegian", "kommune", 1);
	char *c = tokens_of("norwegian", "kommunen", 1);
	char *d = tokens_of("norwegian", "kommunane", 1);   /* nynorsk */
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	ck_assert_str_eq(a, d);
	free(a); free(b); free(c); free(d);
	a = tokens_of("norwegian", "eldres", 1);
	b = tokens_of("norwegian", "eldre", 1);
	ck_assert_str_eq(a, b);
	free(a); free(b);
	a = tokens_of("norwegian", "erfaringene", 1);
	b = tokens_of("norwegian", "erfaring", 1);
	ck_assert_str_eq(a, b);
	free(a); free(b);
	/* Stemming keeps æ ø å words apart from their folded look-alikes. */
	a = tokens_of("norwegian", "mål", 1);
	b = tokens_of("norwegian", "mal", 1);
	ck_assert_str_ne(a, b);
	free(a); free(b);
	a = tokens_of("norwegian", "får", 1);
	b = tokens_of("norwegian", "far", 1);
	ck_assert_str_ne(a, b);
	free(a); free(b);
	/* Without stemming (prefix queries) the word stays whole. */
	ck_tokens("norwegian", "kommunene", 0, "kommunene");
}
END_TEST

START_TEST(test_stem_danish)
{
	char *a = tokens_of("danish", "kommunerne", 1);
	char *b = tokens_of("danish", "kommune", 1);
	ck_assert_str_eq(a, b);
	free(a); free(b);
}
END_TEST

START_TEST(test_stem_swedish_sees_original)
{
	/* The Swedish stemmer gets ö and ä, then the stem is folded. */
	char *a = tokens_of("swedish", "kommunerna", 1);
	char *b = tokens_of("swedish", "kommuner", 1);
	ck_assert_str_eq(a, b);
	free(a); free(b);
	a = tokens_of("swedish", "Möten", 1);
	ck_assert_msg(strncmp(a, "m\xc3\xb8t", 4) == 0, "got %s", a);
	free(a);
}
END_TEST

START_TEST(test_unknown_language)
{
	sk_tok *t = NULL;
	ck_assert_int_eq(sk_index__tok_new(&t, "klingon"), SK_EINVALID);
	ck_assert_ptr_null(t);
	ck_assert_contains(sk_error_last(), "klingon");
}
END_TEST

START_TEST(test_stem_word)
{
	sk_tok *t = NULL;
	ck_assert_int_eq(sk_index__tok_new(&t, NULL), 0);
	char *s = sk_index__stem_word(t, "Teknologien", 1);
	ck_assert_str_eq(s, "teknologi");
	free(s);
	s = sk_index__stem_word(t, "^", 1);
	ck_assert_str_eq(s, "");
	free(s);
	sk_index__tok_free(t);
}
END_TEST

START_TEST(test_snippet_from_marks)
{
	/* Words of several scripts and marks between them: every window made
	 * reading from the nearest mark is the one made reading from the start,
	 * with and without instances, and marks that do not fit the text are
	 * not used. */
	static const char *const words[] = { "Velferdsteknologi", "i", "Bærum,", "«hverdagsrehabilitering»",
		"–", "eldre", "og", "unge;", "naïve", "e\xcc\x81tude", "2040", "R&D", "Ålesund", "øst.", "…" };
	sk_buf text = SK_BUF_INIT;
	for (int i = 0; i < 300; i++)
		sk_buf_printf(&text, "%s%s", words[(i * 7) % 15], i % 13 == 12 ? "\n\n" : " ");
	sk_buf marks = SK_BUF_INIT;
	size_t n_marks = sk_snippet_marks(text.data, text.len, &marks);
	ck_assert_uint_gt(n_marks, 10);
	ck_assert_uint_eq(marks.len, n_marks * 4);
	for (int w = 0; w < 280; w += 3) {
		sk_snippet_inst a[2] = { { w, 1, 0 }, { w + 5, 2, 1 } }, b[2];
		memcpy(b, a, sizeof a);
		char *plain = sk_snippet_make(text.data, text.len, NULL, 0, a, 2, 2, 14, "[", "]", "…");
		char *marked = sk_snippet_make(text.data, text.len, (const unsigned char *)marks.data, marks.len, b, 2,
			2, 14, "[", "]", "…");
		ck_assert_str_eq(marked, plain);
		ck_assert_msg(strchr(marked, '['), "%s", marked);
		free(plain);
		free(marked);
	}
	char *first = sk_snippet_make(text.data, text.len, (const unsigned char *)marks.data, marks.len, NULL, 0, 0,
		14, "[", "]", "…");
	ck_assert_msg(strncmp(first, "Velferdsteknologi", 17) == 0, "%s", first);
	free(first);
	/* Another text's marks, past this one's end: read from the start. */
	sk_snippet_inst late = { 200, 1, 0 };
	char *expect = sk_snippet_make(text.data, text.len, NULL, 0, &late, 1, 1, 14, "[", "]", "…");
	unsigned char wrong[8] = { 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f };
	char *got = sk_snippet_make(text.data, text.len, wrong, sizeof wrong, &late, 1, 1, 14, "[", "]", "…");
	ck_assert_str_eq(got, expect);
	free(expect);
	free(got);
	sk_buf_free(&marks);
	sk_buf_free(&text);
}
END_TEST

TCase *tcase_tokenizer(void)
{
	TCase *tc = tcase_create("tokenizer");
	tcase_add_test(tc, test_split_and_fold);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_long_word);
	tcase_add_test(tc, test_stem_norwegian);
	tcase_add_test(tc, test_stem_danish);
	tcase_add_test(tc, test_stem_swedish_sees_original);
	tcase_add_test(tc, test_unknown_language);
	tcase_add_test(tc, test_stem_word);
	tcase_add_test(tc, test_snippet_from_marks);
	return tc;
}
