/* samskap — index: sk_snippet (snippet.c), the search's snippets. */
#ifndef SK_INDEX_SNIPPET_H
#define SK_INDEX_SNIPPET_H

#include <sqlite3.h>

/* Registers sk_snippet(fts, column, open, close, ellipsis, tokens) with a
 * connection's FTS5; 0 or -1. */
int sk_index__snippet_register(fts5_api *api);

#endif
