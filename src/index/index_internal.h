/* samskap — index: what the index module's files share: the tokenizer
 * (folding and stemming, and its FTS5 face) and the query parser. */
#ifndef SK_INDEX_INTERNAL_H
#define SK_INDEX_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>

#include "samskap/util.h"

/* ---- Tokenizer ---------------------------------------------------------- */

/* Longest token kept, in bytes; longer words are cut at a character
 * boundary (URLs, hashes) so that one word cannot bloat the index. */
#define SK_TOK_MAX 64

/* A token starting with this byte in an FTS5 query string is passed
 * through verbatim (already folded and stemmed): the query builder uses it
 * for compound expansions. User text never contains it (the query parser
 * treats control characters as spaces). */
#define SK_TOK_RAW '\x01'

typedef struct sk_tok sk_tok;

/* A tokenizer for `language` ("norwegian", "danish", "swedish",
 * "english"; NULL: norwegian). SK_EINVALID naming the languages for any
 * other. Free with sk_index__tok_free. */
int sk_index__tok_new(sk_tok **out, const char *language);
void sk_index__tok_free(sk_tok *t);

/* Called per token: the folded (and, when stemming, stemmed) token and the
 * byte range [start, end) of the word in the input. A non-zero return
 * stops the walk and is returned by sk_index__tokenize. */
typedef int (*sk_tok_fn)(void *ud, const char *tok, size_t len, size_t start, size_t end);

/* Splits text into words (runs of letters and digits; invalid UTF-8 and
 * everything else separates), lower-cases them keeping æ ø å distinct,
 * stems them when `stem` is 1, then folds variant letters (ö→ø, ä→æ,
 * é→e, ...). Never fails on any input. */
int sk_index__tokenize(sk_tok *t, const char *text, size_t len, int stem, sk_tok_fn fn, void *ud);

/* Calls fn with the byte range [start, end) of each word of [text,
 * text+len), the words sk_index__tokenize finds (one token each), without
 * lower-casing, stemming or folding them. A non-zero return stops the walk
 * and is returned. */
typedef int (*sk_word_fn)(void *ud, size_t start, size_t end);
int sk_index__words(const char *text, size_t len, sk_word_fn fn, void *ud);
/* The same from byte `from` on, which must be where a word starts (or 0). */
int sk_index__words_at(const char *text, size_t len, size_t from, sk_word_fn fn, void *ud);

/* Folds and stems one word into a new string (caller frees); "" when the
 * text has no word characters; the first token when it has several. */
char *sk_index__stem_word(sk_tok *t, const char *word, int stem);

/* 1 when [s, s+len) holds at least one letter or digit (a word). */
int sk_index__has_word(const char *s, size_t len);

/* FNV-1a of [s, s+len), for the index's hash tables. */
uint64_t sk_index__hash(const char *s, size_t len);

/* The vocabulary compound parts come from: the indexed terms of this many
 * bytes or more (a part is a word of 4+ letters inside a longer term). */
#define SK_VOCAB_MIN_BYTES 6

/* What an update does to the vocabulary: each term of SK_VOCAB_MIN_BYTES
 * or more its documents hold, and how many more documents hold it than
 * before (its document frequency, which ranks a compound part without a
 * query of its own). The writer numbers each document it adds or removes
 * (`doc`) and says which (`sign`, 1 or -1); a document counts once a term. */
typedef struct sk_term_delta {
	char *term;
	sqlite3_int64 docs;
	uint32_t doc;        /* the last document counted */
} sk_term_delta;
typedef struct sk_term_deltas {
	sk_term_delta *slots;
	size_t cap, len;
	uint32_t doc;
	int sign;
} sk_term_deltas;
void sk_index__term_deltas_add(sk_term_deltas *d, const char *term, size_t len);
void sk_index__term_deltas_free(sk_term_deltas *d);

/* Per-connection state the FTS5 tokenizer reads: when `collect` is set,
 * the terms of every document added or removed are counted in it. */
typedef struct sk_search_cache sk_search_cache;
typedef struct sk_tok_ctx {
	sk_term_deltas *collect;
	sk_search_cache *search;   /* search.c's, owned by the connection */
} sk_tok_ctx;

/* Registers the FTS5 tokenizer "samskap" (argument: the language) and
 * search.c's rank function on db. ctx is borrowed and must outlive the
 * connection. */
int sk_index__fts5_register(sqlite3 *db, sk_tok_ctx *ctx);

/* search.c: registers the rank function "sk_rank" on the connection whose
 * fts5_api is `api`, with a cache of the connection's own that closing
 * the connection frees; ctx->search points to it. */
int sk_index__search_register(sqlite3 *db, fts5_api *api, sk_tok_ctx *ctx);

/* ---- Query -------------------------------------------------------------- */

/* Limits on a query, so that a hostile one costs little. */
#define SK_QUERY_MAX_BYTES 1000
/* Longest front-matter text value kept in the fields table for FIELD:value
 * filters (bytes); longer ones (prose) are matched from the JSON. */
#define SK_INDEX_FIELD_MAX 128
#define SK_QUERY_MAX_TERMS 32

typedef struct sk_qterm {
	char *text;      /* the word or phrase as typed, without quotes or '*' */
	int phrase;      /* 1 when it was "quoted" */
	int prefix;      /* 1 when it ended in '*' */
	int negated;     /* 1 when it started with '-' */
	int or_next;     /* 1 when OR joins it to the next term */
} sk_qterm;

typedef struct sk_qfilter {
	char *field;     /* "type", "kommune", "challenge", "status", "tag", "since", "until", or any front-matter field */
	char *value;
	int negated;
} sk_qfilter;

typedef struct sk_query {
	sk_qterm *terms;
	size_t n_terms;
	sk_qfilter *filters;
	size_t n_filters;
} sk_query;

/* Parses a user's query. Terms without any letter or digit (a lone '^',
 * '*') are dropped. SK_EINVALID with a message a user can act on for
 * invalid UTF-8, over-long queries, a misplaced OR, '-' inside an OR
 * group, an empty filter value, a bad field name, an unknown type or
 * status, a bad date, or a query with nothing to search for. */
int sk_index__query_parse(sk_query **out, const char *text);
void sk_index__query_free(sk_query *q);

/* Appends s to b as an FTS5 string ("..." with '"' doubled). */
void sk_index__fts_quote(sk_buf *b, const char *s);

/* The FTS5 expression of the query's terms: OR groups joined by AND, every
 * term a quoted FTS5 string. With `negated` 0 the positive terms only
 * (NULL when there are none); with 1 the excluded terms joined by OR (NULL
 * when none). `expand`, when not NULL, may append alternatives for a
 * plain word (compound parts): it gets the word and a buffer to append
 * " OR ..." alternatives to. Caller frees. */
typedef void (*sk_expand_fn)(void *ud, const sk_qterm *term, sk_buf *alternatives);
char *sk_index__query_fts(const sk_query *q, int negated, sk_expand_fn expand, void *ud);

#endif
