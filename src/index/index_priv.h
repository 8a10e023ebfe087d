/* samskap — index: the index handle and SQL helpers shared by index.c,
 * search.c and related.c. */
#ifndef SK_INDEX_PRIV_H
#define SK_INDEX_PRIV_H

#include "index_internal.h"
#include "samskap/index.h"

/* bm25 weights of the FTS columns title, tags, body. */
#define SK_INDEX_WEIGHTS "10.0, 5.0, 1.0"

/* Statements a handle keeps prepared between searches (see
 * sk_index__cached): preparing costs more than running many of them. */
#define SK_INDEX_STMTS 32

typedef struct sk_index_stmt {
	char *sql;
	sqlite3_stmt *st;
	int in_use;
	unsigned long long used;  /* when last handed out, for eviction */
} sk_index_stmt;

struct sk_index {
	sqlite3 *db;
	sk_index_stmt stmts[SK_INDEX_STMTS];
	unsigned long long stmt_clock;
	const sk_kb *kb;       /* borrowed */
	char *db_path;
	char *language;
	sk_tok *tok;           /* for stemming query words in C */
	sk_tok_ctx tctx;       /* what the FTS5 tokenizer reads */
};

/* Sets an error naming the index and SQLite's message; returns SK_ERROR. */
int sk_index__sql_error(sk_index *ix, const char *what);
/* Runs SQL without results. */
int sk_index__exec(sk_index *ix, const char *sql);
/* Prepares a statement (caller finalizes). */
int sk_index__prepare(sk_index *ix, sqlite3_stmt **st, const char *sql);
/* A statement for sql from the handle's cache, prepared on first use;
 * the caller gives it back with sk_index__release (never finalizes it). */
int sk_index__cached(sk_index *ix, sqlite3_stmt **st, const char *sql);
/* Gives a statement from sk_index__cached back (reset, bindings cleared);
 * any other statement is finalized. NULL is ignored. */
void sk_index__release(sk_index *ix, sqlite3_stmt *st);

#endif
