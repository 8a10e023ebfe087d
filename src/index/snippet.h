/* samskap — index: the search's snippets (snippet.c). */
#ifndef SK_INDEX_SNIPPET_H
#define SK_INDEX_SNIPPET_H

#include <stddef.h>

/* A phrase instance in a text: its first token, how many tokens, and the
 * phrase's number in the query. */
typedef struct sk_snippet_inst {
	int off, size, phrase;
} sk_snippet_inst;

/* The window of n_tok tokens of text holding the most distinct phrases of
 * v (n of them, phrase numbers below n_phrases; sorted here), those
 * highlighted between open and close, `ellipsis` where text is left out
 * (caller frees). */
char *sk_snippet_make(const char *text, size_t n_text, sk_snippet_inst *v, size_t n, int n_phrases,
	int n_tok, const char *open, const char *close, const char *ellipsis);

#endif
