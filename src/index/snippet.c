/* index: the search's snippets.
 *
 * A snippet is the window of a record's body with the most distinct query
 * phrases (then the most instances), a little context before the first,
 * with the phrases highlighted. Where the phrases are comes from the
 * ranking pass, which reads every hit's instances anyway: an FTS5 function
 * would have to match the expression again (every phrase and compound part
 * looked up once more, half of a search of a word with 24 parts at 1 000
 * records). The text is split into words without stemming (a word is a
 * token, as the tokenizer counts them) from the index's mark nearest
 * before the window (every 16th word's place) up to the window's end. The
 * window does not move back to a sentence's start as FTS5's snippet()
 * does. */
#include "snippet.h"

#include "index_internal.h"
#include "samskap/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the word callback fills: the window's text with highlights. */
typedef struct cut {
	const char *text;
	size_t n_text;
	int start, end;             /* the window: tokens [start, end) */
	const int *hl_len;          /* per window token: tokens a highlight
	                             * starting there covers (0: none) */
	const char *open, *close, *ellipsis;
	int token;                  /* the next token's number */
	size_t last_off;            /* bytes of text copied up to here */
	int hl_until;               /* last token of the open highlight; -1 */
	int more;                   /* a token after the window exists */
	sk_buf out;
} cut;

static void put_range(cut *c, size_t from, size_t to)
{
	if (to > from)
		sk_buf_put(&c->out, c->text + from, to - from);
}

static int cut_word(void *ud, size_t start_off, size_t end_off)
{
	cut *c = ud;
	int t = c->token++;
	if (t < c->start)
		return 0;
	if (t >= c->end) {
		c->more = 1;
		return 1;   /* the rest is not read */
	}
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
	return 0;
}

static int cmp_inst(const void *a, const void *b)
{
	const sk_snippet_inst *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The window of n_tok tokens with the most distinct phrases, then the most
 * instances, earliest first; moved back so that the instances it holds sit
 * in its middle (never before the column's start). */
static int pick_start(const sk_snippet_inst *v, size_t n, int n_tok, int n_phrases, size_t *stamp)
{
	int best_start = 0, best_score = -1;
	for (size_t i = 0; i < n; i++) {
		int score = 0, first = v[i].off, last = v[i].off;
		for (size_t k = i; k < n && v[k].off < v[i].off + n_tok; k++) {
			if (v[k].off + v[k].size > v[i].off + n_tok)
				continue;   /* does not fit whole */
			if (v[k].phrase < n_phrases && stamp[v[k].phrase] != i + 1) {
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

typedef struct marker {
	sk_buf *out;
	size_t words;
} marker;

static int mark_word(void *ud, size_t start, size_t end)
{
	(void)end;
	marker *m = ud;
	if (m->words++ % SK_SNIPPET_MARK_EVERY == 0 && m->words > 1) {
		uint32_t at = (uint32_t)start;
		unsigned char b[4] = { (unsigned char)at, (unsigned char)(at >> 8), (unsigned char)(at >> 16),
			(unsigned char)(at >> 24) };
		sk_buf_put(m->out, (const char *)b, 4);
	}
	return 0;
}

size_t sk_snippet_marks(const char *text, size_t n_text, sk_buf *out)
{
	if (n_text > UINT32_MAX)
		return 0;
	size_t before = out->len;
	marker m = { out, 0 };
	sk_index__words(text, n_text, mark_word, &m);
	return (out->len - before) / 4;
}

/* The mark nearest at or before word `word` (0, 0 without one): its
 * word's number and its place, which must lie inside the text. */
static void nearest_mark(const unsigned char *marks, size_t n_marks, size_t n_text, int word, int *at_word,
	size_t *at)
{
	*at_word = 0;
	*at = 0;
	size_t k = (size_t)(word > 0 ? word : 0) / SK_SNIPPET_MARK_EVERY;
	size_t have = marks ? n_marks / 4 : 0;
	if (k > have)
		k = have;
	if (k == 0)
		return;
	const unsigned char *p = marks + (k - 1) * 4;
	size_t off = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
	if (off >= n_text)
		return;
	*at_word = (int)(k * SK_SNIPPET_MARK_EVERY);
	*at = off;
}

char *sk_snippet_make(const char *text, size_t n_text, const unsigned char *marks, size_t n_marks,
	sk_snippet_inst *v, size_t n, int n_phrases, int n_tok, const char *open, const char *close,
	const char *ellipsis)
{
	if (n_tok < 1)
		n_tok = 1;
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_inst);
	size_t *stamp = sk_calloc(n_phrases > 0 ? (size_t)n_phrases : 1, sizeof *stamp);
	int start = n ? pick_start(v, n, n_tok, n_phrases, stamp) : 0;
	int *hl_len = sk_calloc((size_t)n_tok, sizeof *hl_len);
	for (size_t i = 0; i < n; i++) {
		int t = v[i].off - start;
		if (t >= 0 && t < n_tok && v[i].size > hl_len[t])
			hl_len[t] = v[i].size;
	}
	int from_word = 0;
	size_t from = 0;
	nearest_mark(marks, n_marks, n_text, start, &from_word, &from);
	/* Offsets stay the whole text's: the words are read from `from`. */
	cut c = { text, n_text, start, start + n_tok, hl_len, open, close, ellipsis, from_word, 0, -1, 0, SK_BUF_INIT };
	sk_index__words_at(text, n_text, from, cut_word, &c);
	if (c.hl_until >= 0)
		sk_buf_puts(&c.out, c.close);
	if (c.more)
		sk_buf_puts(&c.out, c.ellipsis);
	else if (c.token > c.start)
		put_range(&c, c.last_off, n_text);   /* the column's end */
	free(stamp);
	free(hl_len);
	return c.out.data ? sk_buf_detach(&c.out) : sk_strdup("");
}
