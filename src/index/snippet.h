/* samskap — index: the search's snippets (snippet.c). */
#ifndef SK_INDEX_SNIPPET_H
#define SK_INDEX_SNIPPET_H

#include "samskap/util.h"

#include <stddef.h>

/* Every how many words of a body the index marks where a word starts. */
#define SK_SNIPPET_MARK_EVERY 16

/* A phrase instance in a text: its first token, how many tokens, and the
 * phrase's number in the query. */
typedef struct sk_snippet_inst {
	int off, size, phrase;
} sk_snippet_inst;

/* Appends to *out where words SK_SNIPPET_MARK_EVERY, 2 * that, ... of text
 * start (byte offsets, 4 bytes each, little-endian); returns how many. */
size_t sk_snippet_marks(const char *text, size_t n_text, sk_buf *out);

/* The window of n_tok tokens of text holding the most distinct phrases of
 * v (n of them, phrase numbers below n_phrases; sorted here), those
 * highlighted between open and close, `ellipsis` where text is left out
 * (caller frees). `marks` (n_marks bytes, from sk_snippet_marks over this
 * text; NULL: none) let it start reading near the window. */
char *sk_snippet_make(const char *text, size_t n_text, const unsigned char *marks, size_t n_marks,
	sk_snippet_inst *v, size_t n, int n_phrases, int n_tok, const char *open, const char *close,
	const char *ellipsis);

#endif
