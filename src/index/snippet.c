/* index: sk_snippet, the search's snippets.
 *
 * FTS5's snippet() tokenizes a hit's whole column twice, once to find
 * sentences and once to highlight, and that was a third of a search at
 * 10 000 records (every hit on a page gets a snippet, and stemming and
 * compound parts find more hits than the literal words). This one picks
 * its window from the phrase instances FTS5 already holds, the one
 * covering the most distinct phrases (then the most instances), a little
 * context before the first, and tokenizes the column once, only up to the
 * window's end. Its windows do not move to a sentence's start as FTS5's
 * do. */
#include "snippet.h"

#include "samskap/util.h"

#include <stdlib.h>
#include <string.h>

/* A phrase instance in the column: its first token and how many. */
typedef struct inst {
	int off, size, phrase;
} inst;

/* What the tokenizer callback fills: the window's text with highlights. */
typedef struct cut {
	const char *text;
	int n_text;
	int start, end;             /* the window: tokens [start, end) */
	const int *hl_len;          /* per window token: tokens a highlight
	                             * starting there covers (0: none) */
	const char *open, *close, *ellipsis;
	int token;                  /* the next token's number */
	int last_off;               /* bytes of text copied up to here */
	int hl_until;               /* last token of the open highlight; -1 */
	int more;                   /* a token after the window exists */
	sk_buf out;
} cut;

static void put_range(cut *c, int from, int to)
{
	if (to > from)
		sk_buf_put(&c->out, c->text + from, (size_t)(to - from));
}

static int cut_token(void *ud, int tflags, const char *tok, int n_tok, int start_off, int end_off)
{
	(void)tok;
	(void)n_tok;
	cut *c = ud;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;   /* a synonym at the same place: no new token */
	int t = c->token++;
	if (t < c->start)
		return SQLITE_OK;
	if (t >= c->end) {
		c->more = 1;
		return SQLITE_DONE;   /* the rest is not read */
	}
	if (start_off < 0 || end_off > c->n_text || end_off < start_off)
		return SQLITE_CORRUPT_VTAB;
	if (t == c->start) {
		if (t > 0)
			sk_buf_puts(&c->out, c->ellipsis);
		c->last_off = start_off;
	}
	put_range(c, c->last_off, start_off);
	int len = c->hl_len[t - c->start];
	if (len > 0) {
		if (c->hl_until < t)
			sk_buf_puts(&c->out, c->open);
		if (t + len - 1 > c->hl_until)
			c->hl_until = t + len - 1;
	}
	put_range(c, start_off, end_off);
	c->last_off = end_off;
	if (c->hl_until == t || (c->hl_until > t && t == c->end - 1)) {
		sk_buf_puts(&c->out, c->close);
		c->hl_until = -1;
	}
	return SQLITE_OK;
}

static int cmp_inst(const void *a, const void *b)
{
	const inst *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The window of n_tok tokens with the most distinct phrases, then the most
 * instances, earliest first; moved back so that the instances it holds sit
 * in its middle (never before the column's start). */
static int pick_start(const inst *v, int n, int n_tok, int n_phrases, int *stamp)
{
	int best_start = 0, best_score = -1;
	for (int i = 0; i < n; i++) {
		int score = 0, first = v[i].off, last = v[i].off;
		for (int k = i; k < n && v[k].off < v[i].off + n_tok; k++) {
			if (v[k].off + v[k].size > v[i].off + n_tok)
				continue;   /* does not fit whole */
			if (v[k].phrase >= 0 && v[k].phrase < n_phrases && stamp[v[k].phrase] != i + 1) {
				stamp[v[k].phrase] = i + 1;
				score += 1000;
			}
			score++;
			if (v[k].off + v[k].size - 1 > last)
				last = v[k].off + v[k].size - 1;
		}
		if (score > best_score) {
			best_score = score;
			int start = first - (n_tok - (last - first + 1)) / 2;
			best_start = start < 0 ? 0 : start;
		}
	}
	return best_start;
}

/* sk_snippet(fts, column, open, close, ellipsis, tokens) */
static void snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
	int n_args, sqlite3_value **args)
{
	if (n_args != 5) {
		sqlite3_result_error(ctx, "sk_snippet: wrong number of arguments", -1);
		return;
	}
	int col = sqlite3_value_int(args[0]);
	const char *open = (const char *)sqlite3_value_text(args[1]);
	const char *close = (const char *)sqlite3_value_text(args[2]);
	const char *ellipsis = (const char *)sqlite3_value_text(args[3]);
	int n_tok = sqlite3_value_int(args[4]);
	if (n_tok < 1)
		n_tok = 1;
	if (n_tok > 64)
		n_tok = 64;
	const char *text = NULL;
	int n_text = 0, n_inst = 0, rc = api->xColumnText(fts, col, &text, &n_text);
	if (rc == SQLITE_OK && !text) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	if (rc == SQLITE_OK)
		rc = api->xInstCount(fts, &n_inst);
	inst *v = NULL;
	int n = 0;
	if (rc == SQLITE_OK && n_inst > 0) {
		v = sk_calloc((size_t)n_inst, sizeof *v);
		for (int i = 0; i < n_inst && rc == SQLITE_OK; i++) {
			int phrase = 0, icol = 0, off = 0;
			rc = api->xInst(fts, i, &phrase, &icol, &off);
			if (rc == SQLITE_OK && icol == col) {
				int size = api->xPhraseSize(fts, phrase);
				v[n++] = (inst){ off, size > 0 ? size : 1, phrase };
			}
		}
	}
	int *stamp = NULL, *hl_len = NULL;
	cut c;
	memset(&c, 0, sizeof c);
	if (rc == SQLITE_OK) {
		qsort(v, (size_t)n, sizeof *v, cmp_inst);
		int n_phrases = api->xPhraseCount(fts);
		stamp = sk_calloc((size_t)(n_phrases > 0 ? n_phrases : 1), sizeof *stamp);
		int start = n ? pick_start(v, n, n_tok, n_phrases, stamp) : 0;
		hl_len = sk_calloc((size_t)n_tok, sizeof *hl_len);
		for (int i = 0; i < n; i++) {
			int t = v[i].off - start;
			if (t >= 0 && t < n_tok && v[i].size > hl_len[t])
				hl_len[t] = v[i].size;
		}
		c = (cut){ text, n_text, start, start + n_tok, hl_len, open ? open : "", close ? close : "",
			ellipsis ? ellipsis : "", 0, 0, -1, 0, SK_BUF_INIT };
		rc = api->xTokenize(fts, text, n_text, &c, cut_token);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc == SQLITE_OK) {
			if (c.hl_until >= 0)
				sk_buf_puts(&c.out, c.close);
			if (c.more)
				sk_buf_puts(&c.out, c.ellipsis);
			else if (c.token > c.start)
				put_range(&c, c.last_off, n_text);   /* the column's end */
		}
	}
	if (rc == SQLITE_OK)
		sqlite3_result_text(ctx, c.out.data ? c.out.data : "", (int)c.out.len, SQLITE_TRANSIENT);
	else
		sqlite3_result_error_code(ctx, rc);
	sk_buf_free(&c.out);
	free(v);
	free(stamp);
	free(hl_len);
}

int sk_index__snippet_register(fts5_api *api)
{
	return api->xCreateFunction(api, "sk_snippet", NULL, snippet_fn, NULL) == SQLITE_OK ? 0 : -1;
}
