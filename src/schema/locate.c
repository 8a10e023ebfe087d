/* Finding where a JSON pointer's value stands in JSON text. Jansson gives
 * positions only for parse errors, so validation errors are placed by
 * scanning the text again along the pointer: a small tokenizer that skips
 * what it does not descend into. */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct scan {
	const char *s;
	size_t len, pos;
	int line, col;
} scan;

static void advance(scan *sc)
{
	if (sc->s[sc->pos] == '\n') {
		sc->line++;
		sc->col = 1;
	} else if (((unsigned char)sc->s[sc->pos] & 0xC0) != 0x80) {
		sc->col++; /* columns count code points */
	}
	sc->pos++;
}

static void skip_ws(scan *sc)
{
	while (sc->pos < sc->len && strchr(" \t\r\n", sc->s[sc->pos]) && sc->s[sc->pos])
		advance(sc);
}

static int hex4(const char *p, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return 0;
		*out = *out * 16 + d;
	}
	return 1;
}

/* Reads a string at the cursor (on its '"'), decoding it into out when
 * out is non-NULL. Returns 0 on malformed text. */
static int read_string(scan *sc, sk_buf *out)
{
	if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
		return 0;
	advance(sc);
	while (sc->pos < sc->len) {
		char ch = sc->s[sc->pos];
		if (ch == '"') {
			advance(sc);
			return 1;
		}
		if (ch != '\\') {
			if (out)
				sk_buf_putc(out, ch);
			advance(sc);
			continue;
		}
		if (sc->pos + 1 >= sc->len)
			return 0;
		char e = sc->s[sc->pos + 1];
		advance(sc);
		advance(sc);
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			if (out)
				sk_buf_putc(out, "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
		} else if (e == 'u') {
			unsigned cp, lo;
			if (sc->pos + 4 > sc->len || !hex4(sc->s + sc->pos, &cp))
				return 0;
			for (int i = 0; i < 4; i++)
				advance(sc);
			if (cp >= 0xD800 && cp < 0xDC00 && sc->pos + 6 <= sc->len
			    && sc->s[sc->pos] == '\\' && sc->s[sc->pos + 1] == 'u'
			    && hex4(sc->s + sc->pos + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				for (int i = 0; i < 6; i++)
					advance(sc);
			}
			if (out) {
				char buf[4];
				sk_buf_put(out, buf, (size_t)sk_utf8_encode(cp, buf));
			}
		} else {
			return 0;
		}
	}
	return 0;
}

/* Skips one value of any kind. Containers are skipped by counting
 * brackets (outside strings), so nesting costs no recursion. */
static int skip_value(scan *sc)
{
	size_t depth = 0;
	do {
		skip_ws(sc);
		if (sc->pos >= sc->len)
			return 0;
		char ch = sc->s[sc->pos];
		if (ch == '"') {
			if (!read_string(sc, NULL))
				return 0;
		} else if (ch == '{' || ch == '[') {
			depth++;
			advance(sc);
		} else if (ch == '}' || ch == ']') {
			if (depth == 0)
				return 0;
			depth--;
			advance(sc);
		} else if (ch == ',' || ch == ':') {
			if (depth == 0)
				return 0;
			advance(sc);
		} else {
			/* a number or a literal */
			size_t start = sc->pos;
			while (sc->pos < sc->len && !strchr(" \t\r\n,:]}[{\"", sc->s[sc->pos]) && sc->s[sc->pos])
				advance(sc);
			if (sc->pos == start)
				return 0;
		}
	} while (depth > 0);
	return 1;
}

int sk_schema_locate(const char *text, size_t len, const char *pointer, int *line, int *col)
{
	scan sc = {text, len, 0, 1, 1};
	sk_buf want = SK_BUF_INIT, key = SK_BUF_INIT;
	const char *p = pointer;
	int found = 0;

	*line = *col = 0;
	/* A UTF-8 byte order mark is not a column. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		sc.pos = 3;
	skip_ws(&sc);
	while (*p == '/') {
		/* The next token of the pointer, unescaped. */
		sk_buf_clear(&want);
		sk_buf_puts(&want, "");
		for (p++; *p && *p != '/'; p++) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				sk_buf_putc(&want, p[1] == '0' ? '~' : '/');
				p++;
			} else {
				sk_buf_putc(&want, *p);
			}
		}
		if (sc.pos >= len)
			goto done;
		if (text[sc.pos] == '{') {
			advance(&sc);
			for (;;) {
				skip_ws(&sc);
				sk_buf_clear(&key);
				sk_buf_puts(&key, "");
				if (!read_string(&sc, &key))
					goto done;
				skip_ws(&sc);
				if (sc.pos >= len || text[sc.pos] != ':')
					goto done;
				advance(&sc);
				skip_ws(&sc);
				if (key.len == want.len && memcmp(key.data, want.data, key.len) == 0)
					break;
				if (!skip_value(&sc))
					goto done;
				skip_ws(&sc);
				if (sc.pos >= len || text[sc.pos] != ',')
					goto done;
				advance(&sc);
			}
		} else if (text[sc.pos] == '[') {
			char *end;
			unsigned long long idx = strtoull(want.data, &end, 10);
			if (!want.len || *end)
				goto done;
			advance(&sc);
			for (unsigned long long i = 0; i < idx; i++) {
				if (!skip_value(&sc))
					goto done;
				skip_ws(&sc);
				if (sc.pos >= len || text[sc.pos] != ',')
					goto done;
				advance(&sc);
			}
			skip_ws(&sc);
		} else {
			goto done;
		}
	}
	if (*p == '\0' && sc.pos < len) {
		*line = sc.line;
		*col = sc.col;
		found = 1;
	}
done:
	sk_buf_free(&want);
	sk_buf_free(&key);
	if (!found)
		return sk_error_set(SK_ENOTFOUND, "the JSON pointer \"%s\" leads to no value in the text", pointer);
	return 0;
}
