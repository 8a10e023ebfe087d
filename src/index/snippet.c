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

/* Longest window, in words. */
#define WINDOW_MAX 64

/* What the word callback fills: where the window's words are. */
typedef struct cut {
	int start, end;             /* the window: words [start, end) */
	int word;                   /* the next word's number */
	int n;                      /* the window's words seen */
	size_t from[WINDOW_MAX], to[WINDOW_MAX];
	int more;                   /* a word after the window exists */
} cut;

static int cut_word(void *ud, size_t start_off, size_t end_off)
{
	cut *c = ud;
	int t = c->word++;
	if (t < c->start)
		return 0;
	if (t >= c->end) {
		c->more = 1;
		return 1;   /* the rest is not read */
	}
	c->from[c->n] = start_off;
	c->to[c->n] = end_off;
	c->n++;
	return 0;
}

/* The window's text with its highlights: text is copied in runs between
 * the markers, not word by word. hl_len[r]: words a highlight starting at
 * the window's word r covers (0: none). */
static void put_window(sk_buf *out, const char *text, size_t n_text, const cut *c, const int *hl_len,
	const char *open, const char *close, const char *ellipsis)
{
	if (!c->n)
		return;
	if (c->start > 0)
		sk_buf_puts(out, ellipsis);
	size_t at = c->from[0];   /* copied up to here */
	int until = -1;           /* the open highlight's last word; -1 */
	for (int r = 0; r < c->n; r++) {
		if (hl_len[r] > 0) {
			if (until < r) {
				sk_buf_put(out, text + at, c->from[r] - at);
				sk_buf_puts(out, open);
				at = c->from[r];
			}
			if (r + hl_len[r] - 1 > until)
				until = r + hl_len[r] - 1;
		}
		if (until == r || (until > r && r == c->end - c->start - 1)) {
			sk_buf_put(out, text + at, c->to[r] - at);
			sk_buf_puts(out, close);
			at = c->to[r];
			until = -1;
		}
	}
	size_t last = c->to[c->n - 1];
	sk_buf_put(out, text + at, last - at);
	if (until >= 0)
		sk_buf_puts(out, close);
	if (c->more)
		sk_buf_puts(out, ellipsis);
	else
		sk_buf_put(out, text + last, n_text - last);   /* the column's end */
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
	if (n_tok > WINDOW_MAX)
		n_tok = WINDOW_MAX;
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
	cut c = { .start = start, .end = start + n_tok, .word = from_word };
	sk_index__words_at(text, n_text, from, cut_word, &c);
	sk_buf out = SK_BUF_INIT;
	put_window(&out, text, n_text, &c, hl_len, open, close, ellipsis);
	free(stamp);
	free(hl_len);
	return out.data ? sk_buf_detach(&out) : sk_strdup("");
}
