/* The search tokenizer: words of letters and digits, lower-cased with
 * æ ø å kept distinct, stemmed with Snowball in the KB's language, then
 * variant letters folded to their Norwegian forms (ö→ø, ä→æ) and accents
 * dropped (é→e). The stemmer sees the original letters; folding comes after
 * it so that a Swedish stemmer still sees ö and ä.
 *
 * The same code serves the FTS5 tokenizer "samskap" (documents and queries)
 * and the query builder (stems for compound expansion). */
#include "index_internal.h"

#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Stemming is most of a tokenizer's work and words repeat (Zipf), so
 * stems are kept in a small direct-mapped cache. */
#define STEM_CACHE 2048

typedef struct stem_entry {
	unsigned char wlen, slen;   /* 0: empty */
	char word[SK_TOK_MAX];
	char stem[SK_TOK_MAX];
} stem_entry;

struct sk_tok {
	struct sb_stemmer *stemmer;
	char *language;
	stem_entry *cache;
};

static const char *const languages[] = { "norwegian", "danish", "swedish", "english", NULL };

int sk_index__tok_new(sk_tok **out, const char *language)
{
	*out = NULL;
	if (!language)
		language = "norwegian";
	int known = 0;
	for (size_t i = 0; languages[i]; i++)
		if (strcmp(languages[i], language) == 0)
			known = 1;
	if (!known)
		return sk_error_set(SK_EINVALID,
			"unknown language '%s' in samskap.json (use norwegian, danish, swedish or english)",
			language);
	struct sb_stemmer *st = sb_stemmer_new(language, "UTF_8");
	if (!st)
		return sk_error_set(SK_ERROR, "libstemmer has no '%s' stemmer", language);
	sk_tok *t = sk_calloc(1, sizeof *t);
	t->stemmer = st;
	t->language = sk_strdup(language);
	t->cache = sk_calloc(STEM_CACHE, sizeof *t->cache);
	*out = t;
	return 0;
}

void sk_index__tok_free(sk_tok *t)
{
	if (!t)
		return;
	sb_stemmer_delete(t->stemmer);
	free(t->language);
	free(t->cache);
	free(t);
}

/* Decodes one code point at s[*i] (i < len), advancing *i. Invalid or
 * truncated sequences give 0xFFFD and advance one byte, so any input is
 * walked safely. */
static uint32_t decode(const unsigned char *s, size_t len, size_t *i)
{
	unsigned c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	int n;
	uint32_t cp, min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3; cp = c & 0x07; min = 0x10000;
	} else {
		(*i)++;
		return 0xFFFD;
	}
	if (*i + (size_t)n >= len) {
		(*i)++;
		return 0xFFFD;
	}
	for (int k = 1; k <= n; k++) {
		unsigned cc = s[*i + (size_t)k];
		if ((cc & 0xC0) != 0x80) {
			(*i)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (cc & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		(*i)++;
		return 0xFFFD;
	}
	*i += (size_t)n + 1;
	return cp;
}

/* Combining marks (U+0300..U+036F): they belong to the word they follow. */
static int is_mark(uint32_t cp)
{
	return cp >= 0x300 && cp <= 0x36F;
}

/* Letters and digits. Outside ASCII, everything from Latin-1's letters on
 * counts as a letter except the punctuation, symbol and space blocks; that
 * keeps every alphabet a kommune is likely to write searchable. */
static int is_word(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD)
		return 0;
	if (cp >= 0x2000 && cp <= 0x2BFF)   /* punctuation, symbols, arrows, maths, boxes */
		return 0;
	if (cp >= 0x2E00 && cp <= 0x2E7F)
		return 0;
	if (cp >= 0x3000 && cp <= 0x303F)
		return 0;
	if (cp >= 0xFE30 && cp <= 0xFE6F)
		return 0;
	if (cp >= 0xFF00 && cp <= 0xFF0F)
		return 0;
	if (cp >= 0x1F000 && cp <= 0x1FAFF) /* emoji */
		return 0;
	if (cp >= 0xE000 && cp <= 0xF8FF)   /* private use */
		return 0;
	return 1;
}

/* Lower case for the alphabets of Latin, Greek and Cyrillic script. */
static uint32_t lower(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 32;
	if (cp >= 0x100 && cp <= 0x137)
		return cp | 1;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x14A && cp <= 0x177)
		return cp | 1;
	if (cp == 0x178)
		return 0xFF;
	if (cp >= 0x179 && cp <= 0x17E)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)
		return cp + 32;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 80;
	return cp;
}

/* After stemming: variant letters to their Norwegian forms, accents off.
 * æ (E6), ø (F8) and å (E5) stay themselves. */
static uint32_t fold_variant(uint32_t cp)
{
	if (cp < 0xDF)
		return cp;
	switch (cp) {
	case 0xE4: return 0xE6;                 /* ä → æ */
	case 0xF6: return 0xF8;                 /* ö → ø */
	case 0xE0: case 0xE1: case 0xE2: case 0xE3: return 'a';
	case 0xE7: return 'c';
	case 0xE8: case 0xE9: case 0xEA: case 0xEB: return 'e';
	case 0xEC: case 0xED: case 0xEE: case 0xEF: return 'i';
	case 0xF1: return 'n';
	case 0xF2: case 0xF3: case 0xF4: case 0xF5: return 'o';
	case 0xF9: case 0xFA: case 0xFB: return 'u';
	case 0xFC: return 'y';                  /* ü → y, as in Norwegian spelling */
	case 0xFD: case 0xFF: return 'y';
	case 0x151: return 0xF8;                /* ő */
	case 0x171: return 'y';                 /* ű */
	case 0x10D: case 0x107: return 'c';
	case 0x161: case 0x15B: return 's';
	case 0x17E: case 0x17A: case 0x17C: return 'z';
	case 0x142: return 'l';
	case 0x144: case 0x148: return 'n';
	case 0x159: return 'r';
	case 0x11B: case 0x119: return 'e';
	case 0x105: return 'a';
	default: return cp;
	}
}

/* Composes a letter with a following combining mark where Norwegian cares:
 * a + ring above is å, a/o + diaeresis fold to æ/ø later (as ä/ö); every
 * other mark is dropped (é written as e + U+0301 becomes e). */
static uint32_t compose(uint32_t base, uint32_t mark)
{
	if (mark == 0x30A && base == 'a')
		return 0xE5;
	if (mark == 0x308 && base == 'a')
		return 0xE4;
	if (mark == 0x308 && base == 'o')
		return 0xF6;
	if (mark == 0x308 && base == 'u')
		return 0xFC;
	if (mark == 0x301 && base == 'e')
		return 0xE9;
	return base;
}

static size_t encode(uint32_t cp, char *out)
{
	return (size_t)sk_utf8_encode(cp, out);
}

/* Walks the UTF-8 string [s, s+len), folds variants, and writes the result
 * into out (capacity len + 1, folding never grows a string). */
static size_t fold_string(const char *s, size_t len, char *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t cp = decode((const unsigned char *)s, len, &i);
		o += encode(fold_variant(cp), out + o);
	}
	out[o] = '\0';
	return o;
}

/* Emits one word: word[0..wlen) is already lower-cased and composed. */
static int emit(sk_tok *t, char *word, size_t wlen, int stem, size_t start, size_t end,
	sk_tok_fn fn, void *ud)
{
	char folded[SK_TOK_MAX * 2 + 8];
	const char *src = word;
	size_t slen = wlen;
	if (stem && wlen > 2) {
		uint32_t h = 2166136261u;
		for (size_t i = 0; i < wlen; i++)
			h = (h ^ (unsigned char)word[i]) * 16777619u;
		stem_entry *e = &t->cache[h % STEM_CACHE];
		if (e->wlen == wlen && memcmp(e->word, word, wlen) == 0) {
			src = e->stem;
			slen = e->slen;
		} else {
			const sb_symbol *r = sb_stemmer_stem(t->stemmer, (const sb_symbol *)word, (int)wlen);
			int n = r ? sb_stemmer_length(t->stemmer) : 0;
			if (n > 0 && (size_t)n <= SK_TOK_MAX) {
				e->wlen = (unsigned char)wlen;
				memcpy(e->word, word, wlen);
				e->slen = (unsigned char)n;
				memcpy(e->stem, r, (size_t)n);
				src = e->stem;
				slen = (size_t)n;
			}
		}
	}
	int ascii = 1;
	for (size_t i = 0; i < slen && ascii; i++)
		ascii = (unsigned char)src[i] < 0x80;
	if (ascii)   /* nothing to fold */
		return slen ? fn(ud, src, slen, start, end) : 0;
	size_t flen = fold_string(src, slen, folded);
	if (flen == 0)
		return 0;
	return fn(ud, folded, flen, start, end);
}

/* ASCII letters and digits, the common case, read without decoding
 * (0 for every byte from 0x80). */
static const unsigned char ascii_word[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

int sk_index__tokenize(sk_tok *t, const char *text, size_t len, int stem, sk_tok_fn fn, void *ud)
{
	const unsigned char *s = (const unsigned char *)text;
	char word[SK_TOK_MAX + 8];
	size_t wlen = 0, wstart = 0, wend = 0;
	int in_word = 0, full = 0;
	uint32_t last = 0;
	size_t i = 0;
	while (i < len) {
		size_t at = i;
		unsigned b = s[i];
		if (ascii_word[b]) {
			if (!in_word) {
				in_word = 1;
				full = 0;
				wlen = 0;
				wstart = at;
			}
			unsigned lc = b - 'A' < 26u ? b + 32 : b;
			if (!full) {
				if (wlen + 1 > SK_TOK_MAX)
					full = 1;
				else
					word[wlen++] = (char)lc;
			}
			last = lc;
			wend = ++i;
			continue;
		}
		uint32_t cp = decode(s, len, &i);
		if (is_mark(cp)) {
			if (!in_word)
				continue;
			/* Recompose the last letter with its mark. */
			uint32_t c = compose(last, cp);
			if (c != last && !full) {
				size_t back = (size_t)sk_utf8_encode(last, (char[4]){0});
				wlen -= back;
				wlen += encode(c, word + wlen);
				last = c;
			}
			wend = i;
			continue;
		}
		if (is_word(cp)) {
			if (!in_word) {
				in_word = 1;
				full = 0;
				wlen = 0;
				wstart = at;
			}
			uint32_t lc = lower(cp);
			if (!full) {
				char enc[4];
				size_t n = encode(lc, enc);
				if (wlen + n > SK_TOK_MAX)
					full = 1;
				else {
					memcpy(word + wlen, enc, n);
					wlen += n;
				}
			}
			last = lc;
			wend = i;
			continue;
		}
		if (in_word) {
			in_word = 0;
			word[wlen] = '\0';
			int rc = emit(t, word, wlen, stem, wstart, wend, fn, ud);
			if (rc)
				return rc;
		}
	}
	if (in_word) {
		word[wlen] = '\0';
		return emit(t, word, wlen, stem, wstart, wend, fn, ud);
	}
	return 0;
}

int sk_index__words(const char *text, size_t len, sk_word_fn fn, void *ud)
{
	return sk_index__words_at(text, len, 0, fn, ud);
}

int sk_index__words_at(const char *text, size_t len, size_t from, sk_word_fn fn, void *ud)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t wstart = 0, wend = 0;
	int in_word = 0;
	size_t i = from < len ? from : len;
	while (i < len) {
		size_t at = i;
		unsigned b = s[i];
		if (ascii_word[b]) {
			if (!in_word) {
				in_word = 1;
				wstart = at;
			}
			/* The rest of the run without a branch per kind of byte. */
			for (i++; i < len && ascii_word[s[i]]; i++)
				;
			wend = i;
			continue;
		}
		uint32_t cp;
		if (b < 0x80) {   /* an ASCII separator, without decoding */
			cp = b;
			i++;
		} else {
			cp = decode(s, len, &i);
			if (is_mark(cp)) {
				if (in_word)
					wend = i;
				continue;
			}
		}
		if (cp >= 0x80 && is_word(cp)) {
			if (!in_word) {
				in_word = 1;
				wstart = at;
			}
			wend = i;
			continue;
		}
		if (in_word) {
			in_word = 0;
			int rc = fn(ud, wstart, wend);
			if (rc)
				return rc;
		}
	}
	return in_word ? fn(ud, wstart, wend) : 0;
}

static int first_token(void *ud, const char *tok, size_t len, size_t start, size_t end)
{
	(void)start;
	(void)end;
	*(char **)ud = sk_strndup(tok, len);
	return 1;
}

char *sk_index__stem_word(sk_tok *t, const char *word, int stem)
{
	char *out = NULL;
	sk_index__tokenize(t, word, strlen(word), stem, first_token, &out);
	return out ? out : sk_strdup("");
}

/* ---- Counting terms: open addressing, FNV-1a --------------------------- */

uint64_t sk_index__hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

void sk_index__term_deltas_add(sk_term_deltas *d, const char *term, size_t len)
{
	if (d->len * 2 >= d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 1024;
		sk_term_delta *slots = sk_calloc(ncap, sizeof *slots);
		for (size_t i = 0; i < d->cap; i++) {
			sk_term_delta *e = &d->slots[i];
			if (!e->term)
				continue;
			size_t j = sk_index__hash(e->term, strlen(e->term)) & (ncap - 1);
			while (slots[j].term)
				j = (j + 1) & (ncap - 1);
			slots[j] = *e;
		}
		free(d->slots);
		d->slots = slots;
		d->cap = ncap;
	}
	size_t j = sk_index__hash(term, len) & (d->cap - 1);
	while (d->slots[j].term &&
		(strncmp(d->slots[j].term, term, len) != 0 || d->slots[j].term[len] != '\0'))
		j = (j + 1) & (d->cap - 1);
	sk_term_delta *e = &d->slots[j];
	if (!e->term) {
		e->term = sk_strndup(term, len);
		d->len++;
	}
	if (e->doc != d->doc) {
		e->doc = d->doc;
		e->docs += d->sign;
	}
}

void sk_index__term_deltas_free(sk_term_deltas *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->cap; i++)
		free(d->slots[i].term);
	free(d->slots);
	memset(d, 0, sizeof *d);
}

/* ---- The FTS5 face ------------------------------------------------------ */

typedef struct fts_tokenizer {
	sk_tok *tok;
	sk_tok_ctx *ctx;
} fts_tokenizer;

static int fts_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	*out = NULL;
	sk_tok *t = NULL;
	if (sk_index__tok_new(&t, argc > 0 ? argv[0] : NULL) != 0)
		return SQLITE_ERROR;
	fts_tokenizer *ft = sk_calloc(1, sizeof *ft);
	ft->tok = t;
	ft->ctx = ud;
	*out = (Fts5Tokenizer *)ft;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *p)
{
	fts_tokenizer *ft = (fts_tokenizer *)p;
	if (!ft)
		return;
	sk_index__tok_free(ft->tok);
	free(ft);
}

typedef struct fts_walk {
	void *fts_ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
	sk_term_deltas *collect;
} fts_walk;

static int fts_token(void *ud, const char *tok, size_t len, size_t start, size_t end)
{
	fts_walk *w = ud;
	if (w->collect && len >= SK_VOCAB_MIN_BYTES)
		sk_index__term_deltas_add(w->collect, tok, len);
	return w->xToken(w->fts_ctx, 0, tok, (int)len, (int)start, (int)end);
}

static int fts_tokenize(Fts5Tokenizer *p, void *fts_ctx, int flags, const char *text, int n,
	int (*xToken)(void *, int, const char *, int, int, int))
{
	fts_tokenizer *ft = (fts_tokenizer *)p;
	if (n <= 0)
		return SQLITE_OK;
	/* A raw token from the query builder: already folded and stemmed. */
	if ((flags & FTS5_TOKENIZE_QUERY) && text[0] == SK_TOK_RAW) {
		if (n == 1)
			return SQLITE_OK;
		return xToken(fts_ctx, 0, text + 1, n - 1, 0, n);
	}
	fts_walk w = { fts_ctx, xToken, NULL };
	if ((flags & FTS5_TOKENIZE_DOCUMENT) && ft->ctx)
		w.collect = ft->ctx->collect;
	int stem = !(flags & FTS5_TOKENIZE_PREFIX);
	return sk_index__tokenize(ft->tok, text, (size_t)n, stem, fts_token, &w);
}

/* The fts5_api of a connection, fetched the documented way. */
static fts5_api *fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int sk_index__fts5_register(sqlite3 *db, sk_tok_ctx *ctx)
{
	fts5_api *api = fts5_api_of(db);
	if (!api)
		return sk_error_set(SK_ERROR, "this SQLite has no FTS5: %s", sqlite3_errmsg(db));
	fts5_tokenizer tk = { fts_create, fts_delete, fts_tokenize };
	if (api->xCreateTokenizer(api, "samskap", ctx, &tk, NULL) != SQLITE_OK)
		return sk_error_set(SK_ERROR, "cannot register the search tokenizer: %s", sqlite3_errmsg(db));
	return sk_index__search_register(db, api, ctx);
}

int sk_index__has_word(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp = decode((const unsigned char *)s, len, &i);
		if (!is_mark(cp) && is_word(cp))
			return 1;
	}
	return 0;
}
