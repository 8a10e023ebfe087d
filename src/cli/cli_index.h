/* The CLI's way into the search index, shared by search, index, links
 * and related: open the KB and its index and bring it up to date, with a
 * progress bar on a terminal. */
#ifndef SK_CLI_INDEX_H
#define SK_CLI_INDEX_H

#include "samskap/index.h"
#include "samskap/record.h"

/* Opens the KB at kb_path (NULL: the folder holding samskap.json at or
 * above the current one) and its index, updated with `flags` (SK_INDEX_*).
 * On success *kb and *ix are the caller's (free the index first); stats
 * (may be NULL) receives what the update did. */
int sk_cli_index_open(sk_kb **kb, sk_index **ix, const char *kb_path, int flags,
	sk_index_stats *stats);

#endif
