/* index: the vocabulary in memory, for compound parts.
 *
 * A search looks each word of 4+ letters up among the indexed terms that
 * hold it (teknologi in velferdsteknologi). Through the terms_tri table
 * that look-up is an FTS5 query of its own, 0.2-0.3 ms a word at 100 000
 * records, a quarter of a typical search. A connection that searches more
 * than once (the server, the benchmark) keeps the terms here instead, with
 * the terms holding each byte trigram: the rarest trigram of a word names
 * the few terms to compare with it. */
#include "vocab.h"

#include "samskap/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sk_vocab {
	char *text;            /* the terms, NUL-terminated, in tid order */
	uint32_t *term_at;     /* n_terms offsets into text */
	size_t n_terms;
	/* Open addressing: trigram key + 1 (0: free) and its postings,
	 * the terms holding it, between first[slot] and first[slot] + count. */
	uint32_t *keys;
	uint32_t *first, *count;
	size_t cap;
	uint32_t *postings;    /* term numbers, ascending within a trigram */
	sqlite3_int64 last_tid;
	uint32_t *df;          /* n_terms record counts, or NULL */
};

static uint32_t tri_key(const unsigned char *p)
{
	return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) + 1;
}

static size_t tri_slot(const sk_vocab *v, uint32_t key)
{
	size_t k = (size_t)(key * 2654435761u) & (v->cap - 1);
	while (v->keys[k] && v->keys[k] != key)
		k = (k + 1) & (v->cap - 1);
	return k;
}

/* Doubles the table while counting (first[] is not filled yet). */
static void tri_grow(sk_vocab *v, uint32_t **last)
{
	sk_vocab old = *v;
	uint32_t *old_last = *last;
	v->cap = old.cap * 2;
	v->keys = sk_calloc(v->cap, sizeof *v->keys);
	v->count = sk_calloc(v->cap, sizeof *v->count);
	*last = sk_calloc(v->cap, sizeof **last);
	for (size_t k = 0; k < old.cap; k++) {
		if (!old.keys[k])
			continue;
		size_t j = tri_slot(v, old.keys[k]);
		v->keys[j] = old.keys[k];
		v->count[j] = old.count[k];
		(*last)[j] = old_last[k];
	}
	free(old.keys);
	free(old.count);
	free(old_last);
}

/* Counts (fill 0) or places (fill 1) each term's trigrams, once a term. */
static void tri_pass(sk_vocab *v, uint32_t **last, size_t *n_keys, int fill)
{
	for (size_t t = 0; t < v->n_terms; t++) {
		const unsigned char *s = (const unsigned char *)v->text + v->term_at[t];
		size_t len = strlen((const char *)s);
		for (size_t i = 0; i + 3 <= len; i++) {
			uint32_t key = tri_key(s + i);
			size_t k = tri_slot(v, key);
			if (!v->keys[k]) {
				if (2 * (*n_keys + 1) > v->cap) {
					tri_grow(v, last);
					k = tri_slot(v, key);
				}
				v->keys[k] = key;
				(*n_keys)++;
			}
			if ((*last)[k] == (uint32_t)t + 1)
				continue;   /* this term holds it twice */
			(*last)[k] = (uint32_t)t + 1;
			if (fill)
				v->postings[v->first[k] + v->count[k]] = (uint32_t)t;
			v->count[k]++;
		}
	}
}

int sk_vocab_load(sk_vocab **out, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	sk_vocab *v = sk_calloc(1, sizeof *v);
	size_t cap_terms = 0, len_text = 0, cap_text = 0;
	int rc = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT term, tid FROM terms ORDER BY tid", -1, &st, NULL) != SQLITE_OK) {
		rc = sk_error_set(SK_ERROR, "reading the vocabulary: %s", sqlite3_errmsg(db));
		goto fail;
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		/* Every row counts (sk_vocab_terms is compared with the table's
		 * count); strstr reads a term up to its first NUL in any case. */
		const char *term = (const char *)sqlite3_column_text(st, 0);
		size_t n = term ? strnlen(term, (size_t)sqlite3_column_bytes(st, 0)) : 0;
		if (!term)
			term = "";
		if (len_text + n + 1 > UINT32_MAX || v->n_terms >= UINT32_MAX - 1) {
			rc = sk_error_set(SK_ETOOBIG, "the vocabulary is too large to keep in memory");
			goto fail;
		}
		if (v->n_terms == cap_terms) {
			cap_terms = cap_terms ? cap_terms * 2 : 4096;
			v->term_at = sk_realloc(v->term_at, sk_mul_size(cap_terms, sizeof *v->term_at));
		}
		if (len_text + n + 1 > cap_text) {
			while (len_text + n + 1 > cap_text)
				cap_text = cap_text ? cap_text * 2 : 65536;
			v->text = sk_realloc(v->text, cap_text);
		}
		v->term_at[v->n_terms++] = (uint32_t)len_text;
		v->last_tid = sqlite3_column_int64(st, 1);
		memcpy(v->text + len_text, term, n + 1);
		len_text += n + 1;
	}
	if (step != SQLITE_DONE) {
		rc = sk_error_set(SK_ERROR, "reading the vocabulary: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* Counted first, then placed: each trigram's terms in one run. */
	size_t n_keys = 0;
	v->cap = 4096;
	v->keys = sk_calloc(v->cap, sizeof *v->keys);
	v->count = sk_calloc(v->cap, sizeof *v->count);
	uint32_t *last = sk_calloc(v->cap, sizeof *last);
	tri_pass(v, &last, &n_keys, 0);
	v->first = sk_calloc(v->cap, sizeof *v->first);
	size_t total = 0;
	for (size_t k = 0; k < v->cap; k++) {
		v->first[k] = (uint32_t)total;
		total += v->count[k];
		v->count[k] = 0;
	}
	v->postings = sk_malloc(sk_mul_size(total + 1, sizeof *v->postings));
	memset(last, 0, v->cap * sizeof *last);
	tri_pass(v, &last, &n_keys, 1);
	free(last);
	*out = v;
	return 0;
fail:
	sqlite3_finalize(st);
	sk_vocab_free(v);
	return rc;
}

void sk_vocab_free(sk_vocab *v)
{
	if (!v)
		return;
	free(v->text);
	free(v->term_at);
	free(v->keys);
	free(v->first);
	free(v->count);
	free(v->postings);
	free(v->df);
	free(v);
}

size_t sk_vocab_terms(const sk_vocab *v)
{
	return v ? v->n_terms : 0;
}

sqlite3_int64 sk_vocab_last_tid(const sk_vocab *v)
{
	return v ? v->last_tid : 0;
}

int sk_vocab_load_df(sk_vocab *v, sqlite3 *db)
{
	free(v->df);
	v->df = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT df FROM terms ORDER BY tid", -1, &st, NULL) != SQLITE_OK)
		return sk_error_set(SK_ERROR, "reading the terms' record counts: %s", sqlite3_errmsg(db));
	uint32_t *df = sk_malloc(sk_mul_size(v->n_terms + 1, sizeof *df));
	size_t n = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW && n < v->n_terms) {
		sqlite3_int64 d = sqlite3_column_int64(st, 0);
		df[n++] = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	/* Another number of rows than of terms: the table changed under us. */
	int ok = step == SQLITE_DONE && n == v->n_terms;
	sqlite3_finalize(st);
	if (!ok) {
		free(df);
		return sk_error_set(SK_ERROR, "the terms changed while their record counts were read");
	}
	v->df = df;
	return 0;
}

sqlite3_int64 sk_vocab_df(const sk_vocab *v, size_t i)
{
	return v && v->df && i < v->n_terms ? (sqlite3_int64)v->df[i] : -1;
}

void sk_vocab_each_holding(const sk_vocab *v, const char *needle, sk_vocab_fn fn, void *ud)
{
	size_t len = strlen(needle);
	if (len < 3)
		return;
	/* The rarest of the needle's trigrams: every term holding the needle
	 * is among its terms. */
	size_t best = SIZE_MAX;
	for (size_t i = 0; i + 3 <= len; i++) {
		size_t k = tri_slot(v, tri_key((const unsigned char *)needle + i));
		if (!v->keys[k])
			return;   /* no term holds this trigram */
		if (best == SIZE_MAX || v->count[k] < v->count[best])
			best = k;
	}
	const uint32_t *p = v->postings + v->first[best];
	for (uint32_t i = 0; i < v->count[best]; i++) {
		const char *term = v->text + v->term_at[p[i]];
		const char *at = strstr(term, needle);
		if (at && fn(term, p[i], at, ud))
			break;
	}
}
