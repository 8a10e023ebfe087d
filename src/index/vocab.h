/* samskap — index: the vocabulary in memory (vocab.c), for compound parts. */
#ifndef SK_INDEX_VOCAB_H
#define SK_INDEX_VOCAB_H

#include <sqlite3.h>
#include <stddef.h>

typedef struct sk_vocab sk_vocab;

/* Reads the terms table (every indexed term of 6+ bytes) in tid order,
 * which is by length, shortest first. */
int sk_vocab_load(sk_vocab **out, sqlite3 *db);
void sk_vocab_free(sk_vocab *v);
/* How many rows of the terms table it holds, and the largest tid. */
size_t sk_vocab_terms(const sk_vocab *v);
sqlite3_int64 sk_vocab_last_tid(const sk_vocab *v);

/* Reads how many records hold each term (terms.df) again: every write
 * changes counts, seldom the terms. On failure the counts are unknown. */
int sk_vocab_load_df(sk_vocab *v, sqlite3 *db);
/* Term number i's record count; -1 when not known. */
sqlite3_int64 sk_vocab_df(const sk_vocab *v, size_t i);

/* Called with a term, its number, and where in it the needle starts;
 * nonzero stops. */
typedef int (*sk_vocab_fn)(const char *term, size_t i, const char *at, void *ud);

/* Calls fn for every term holding needle (3+ bytes), in tid order, as the
 * look-up in terms_tri and strstr would find them. */
void sk_vocab_each_holding(const sk_vocab *v, const char *needle, sk_vocab_fn fn, void *ud);

#endif
