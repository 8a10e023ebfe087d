/* The query parser: a user's search text to terms and filters, and terms
 * to an FTS5 expression in which every term is a quoted FTS5 string. User
 * text never reaches FTS5 as syntax and never reaches SQL at all (filters
 * become bound parameters in search.c). */
#include "index_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The record types and the status values the schemas allow (schemas/).
 * Kept here so that a mistyped filter is a clear error, not an empty
 * result. */
static const char *const type_names[] = {
	"partnership", "kommune", "challenge", "case", "experiment", "log", "model", NULL
};
static const char *const status_names[] = {
	"idea", "planned", "running", "completed", "stopped", "active", "parked", NULL
};

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static char *join_list(const char *const *list)
{
	sk_buf b = SK_BUF_INIT;
	for (size_t i = 0; list[i]; i++) {
		if (i)
			sk_buf_puts(&b, ", ");
		sk_buf_puts(&b, list[i]);
	}
	return sk_buf_detach(&b);
}

/* Spaces and control characters separate terms; control characters never
 * reach a term (SK_TOK_RAW stays the query builder's own). */
static int is_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7F;
}

static int field_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* YYYY, YYYY-MM or YYYY-MM-DD. */
static int date_prefix_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 10)
		return sk_date_valid(s);
	if (n != 4 && n != 7)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 4) {
			if (s[i] != '-')
				return 0;
		} else if (!isdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	if (n == 7) {
		int m = (s[5] - '0') * 10 + (s[6] - '0');
		if (m < 1 || m > 12)
			return 0;
	}
	return 1;
}

/* One lexed item before validation. */
typedef enum { ITEM_TERM, ITEM_OR, ITEM_FILTER } item_kind;

typedef struct item {
	item_kind kind;
	sk_qterm term;
	sk_qfilter filter;
} item;

static void query_add_term(sk_query *q, const sk_qterm *t)
{
	q->terms = sk_realloc(q->terms, sk_mul_size(q->n_terms + 1, sizeof *q->terms));
	q->terms[q->n_terms++] = *t;
}

static void query_add_filter(sk_query *q, const sk_qfilter *f)
{
	q->filters = sk_realloc(q->filters, sk_mul_size(q->n_filters + 1, sizeof *q->filters));
	q->filters[q->n_filters++] = *f;
}

/* Reads a "quoted" stretch starting at s[*i] == '"'; an unclosed quote
 * runs to the end of the query. */
static char *read_quoted(const char *s, size_t len, size_t *i)
{
	size_t start = ++*i;
	while (*i < len && s[*i] != '"')
		(*i)++;
	char *out = sk_strndup(s + start, *i - start);
	if (*i < len)
		(*i)++;
	/* Control characters inside quotes become spaces too. */
	for (char *p = out; *p; p++)
		if (is_space((unsigned char)*p))
			*p = ' ';
	return out;
}

static void item_free(item *it)
{
	free(it->term.text);
	free(it->filter.field);
	free(it->filter.value);
}

/* Checks a filter's value where the field has a fixed vocabulary. */
static int filter_check(const sk_qfilter *f)
{
	int rc = 0;
	char *list = NULL;
	if (f->value[0] == '\0') {
		rc = sk_error_set(SK_EINVALID, "the filter '%s:' needs a value (for example %s:%s)", f->field,
			f->field, strcmp(f->field, "type") == 0 ? "case" : strcmp(f->field, "since") == 0 ? "2024-01-01" : "asker");
		goto done;
	}
	if (strcmp(f->field, "type") == 0 && !in_list(type_names, f->value)) {
		list = join_list(type_names);
		rc = sk_error_set(SK_EINVALID, "unknown record type '%s' in type:%s (types: %s)", f->value,
			f->value, list);
	} else if (strcmp(f->field, "status") == 0 && !in_list(status_names, f->value)) {
		list = join_list(status_names);
		rc = sk_error_set(SK_EINVALID, "unknown status '%s' in status:%s (statuses: %s)", f->value,
			f->value, list);
	} else if ((strcmp(f->field, "since") == 0 || strcmp(f->field, "until") == 0) &&
		!date_prefix_valid(f->value)) {
		rc = sk_error_set(SK_EINVALID, "%s: wants a date YYYY-MM-DD, YYYY-MM or YYYY, not '%s'",
			f->field, f->value);
	}
done:
	free(list);
	return rc;
}

/* Lexes the whole query into items. */
static int lex(item **out, size_t *n_out, const char *s, size_t len)
{
	item *items = NULL;
	size_t n = 0;
	int rc = 0;
	size_t i = 0;
	while (i < len) {
		if (is_space((unsigned char)s[i])) {
			i++;
			continue;
		}
		item it;
		memset(&it, 0, sizeof it);
		int negated = 0;
		if (s[i] == '-' && i + 1 < len && !is_space((unsigned char)s[i + 1])) {
			negated = 1;
			i++;
		}
		if (s[i] == '"') {
			it.kind = ITEM_TERM;
			it.term.phrase = 1;
			it.term.text = read_quoted(s, len, &i);
			while (i < len && s[i] == '*') {
				it.term.prefix = 1;
				i++;
			}
			it.term.negated = negated;
		} else {
			size_t start = i;
			while (i < len && !is_space((unsigned char)s[i]) && s[i] != '"')
				i++;
			size_t wlen = i - start;
			const char *w = s + start;
			const char *colon = memchr(w, ':', wlen);
			if (!negated && wlen == 2 && w[0] == 'O' && w[1] == 'R') {
				it.kind = ITEM_OR;
			} else if (colon && colon > w) {
				size_t flen = (size_t)(colon - w);
				char *field = sk_strndup(w, flen);
				for (char *p = field; *p; p++)
					*p = (char)tolower((unsigned char)*p);
				const char *v = colon + 1;
				int url = (size_t)(v - w) + 2 <= wlen && v[0] == '/' && v[1] == '/';
				if (field_valid(field, flen) && !url) {
					it.kind = ITEM_FILTER;
					it.filter.field = field;
					it.filter.negated = negated;
					if (v == s + i && i < len && s[i] == '"') {
						it.filter.value = read_quoted(s, len, &i);
					} else {
						it.filter.value = sk_strndup(v, (size_t)(s + i - v));
					}
				} else {
					free(field);
					it.kind = ITEM_TERM;
					it.term.text = sk_strndup(w, wlen);
					it.term.negated = negated;
				}
			} else {
				it.kind = ITEM_TERM;
				while (wlen > 0 && w[wlen - 1] == '*') {
					it.term.prefix = 1;
					wlen--;
				}
				it.term.text = sk_strndup(w, wlen);
				it.term.negated = negated;
			}
		}
		items = sk_realloc(items, sk_mul_size(n + 1, sizeof *items));
		items[n++] = it;
	}
	*out = items;
	*n_out = n;
	return rc;
}

int sk_index__query_parse(sk_query **out, const char *text)
{
	*out = NULL;
	item *items = NULL;
	size_t n = 0;
	int rc = 0;
	sk_query *q = sk_calloc(1, sizeof *q);
	size_t len = strlen(text);
	size_t bad = 0;
	if (len > SK_QUERY_MAX_BYTES) {
		rc = sk_error_set(SK_EINVALID, "the query is too long (%zu bytes; at most %d)", len,
			SK_QUERY_MAX_BYTES);
		goto done;
	}
	if (!sk_utf8_valid(text, len, &bad)) {
		rc = sk_error_set(SK_EINVALID, "the query is not valid UTF-8 (bad byte at offset %zu)", bad);
		goto done;
	}
	if ((rc = lex(&items, &n, text, len)) != 0)
		goto done;

	/* Drop terms without a letter or digit ("^", "*", "-"): they can
	 * match nothing, and FTS5 would read some of them as syntax. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i].kind == ITEM_TERM &&
			!sk_index__has_word(items[i].term.text, strlen(items[i].term.text))) {
			item_free(&items[i]);
			continue;
		}
		items[k++] = items[i];
	}
	n = k;

	for (size_t i = 0; i < n; i++) {
		item *it = &items[i];
		if (it->kind == ITEM_OR) {
			int left = i > 0 && items[i - 1].kind == ITEM_TERM;
			int right = i + 1 < n && items[i + 1].kind == ITEM_TERM;
			if (!left || !right) {
				rc = sk_error_set(SK_EINVALID,
					"OR must stand between two words or phrases (as in: omsorg OR pleie)");
				goto done;
			}
			if (items[i - 1].term.negated || items[i + 1].term.negated) {
				rc = sk_error_set(SK_EINVALID,
					"an excluded term (-word) cannot be part of an OR group");
				goto done;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		item *it = &items[i];
		if (it->kind == ITEM_TERM) {
			it->term.or_next = i + 1 < n && items[i + 1].kind == ITEM_OR;
			if (q->n_terms == SK_QUERY_MAX_TERMS) {
				rc = sk_error_set(SK_EINVALID, "the query has too many terms (at most %d)",
					SK_QUERY_MAX_TERMS);
				goto done;
			}
			query_add_term(q, &it->term);
			it->term.text = NULL;
		} else if (it->kind == ITEM_FILTER) {
			if ((rc = filter_check(&it->filter)) != 0)
				goto done;
			if (q->n_filters == SK_QUERY_MAX_TERMS) {
				rc = sk_error_set(SK_EINVALID, "the query has too many filters (at most %d)",
					SK_QUERY_MAX_TERMS);
				goto done;
			}
			query_add_filter(q, &it->filter);
			it->filter.field = it->filter.value = NULL;
		}
	}
	if (q->n_terms == 0 && q->n_filters == 0) {
		rc = sk_error_set(SK_EINVALID,
			"nothing to search for: give a word, a \"phrase\" or a filter such as type:case");
		goto done;
	}
done:
	for (size_t i = 0; i < n; i++)
		item_free(&items[i]);
	free(items);
	if (rc) {
		sk_index__query_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void sk_index__query_free(sk_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n_terms; i++)
		free(q->terms[i].text);
	for (size_t i = 0; i < q->n_filters; i++) {
		free(q->filters[i].field);
		free(q->filters[i].value);
	}
	free(q->terms);
	free(q->filters);
	free(q);
}

void sk_index__fts_quote(sk_buf *b, const char *s)
{
	sk_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sk_buf_putc(b, '"');
		sk_buf_putc(b, *s);
	}
	sk_buf_putc(b, '"');
}

static void put_term(sk_buf *b, const sk_qterm *t, sk_expand_fn expand, void *ud)
{
	sk_buf alt = SK_BUF_INIT;
	if (expand && !t->phrase && !t->prefix)
		expand(ud, t, &alt);
	if (alt.len)
		sk_buf_putc(b, '(');
	sk_index__fts_quote(b, t->text);
	if (t->prefix)
		sk_buf_puts(b, " *");
	if (alt.len) {
		sk_buf_put(b, alt.data, alt.len);
		sk_buf_putc(b, ')');
	}
	sk_buf_free(&alt);
}

char *sk_index__query_fts(const sk_query *q, int negated, sk_expand_fn expand, void *ud)
{
	sk_buf b = SK_BUF_INIT;
	int any = 0;
	for (size_t i = 0; i < q->n_terms; i++) {
		const sk_qterm *t = &q->terms[i];
		if (t->negated != negated)
			continue;
		if (negated) {
			if (any)
				sk_buf_puts(&b, " OR ");
			put_term(&b, t, NULL, NULL);
			any = 1;
			continue;
		}
		if (any)
			sk_buf_puts(&b, " AND ");
		any = 1;
		if (!t->or_next) {
			put_term(&b, t, expand, ud);
			continue;
		}
		/* An OR group: this term and the ones OR joins to it. */
		sk_buf_putc(&b, '(');
		for (;;) {
			put_term(&b, &q->terms[i], expand, ud);
			if (!q->terms[i].or_next || i + 1 >= q->n_terms)
				break;
			sk_buf_puts(&b, " OR ");
			i++;
		}
		sk_buf_putc(&b, ')');
	}
	if (!any) {
		sk_buf_free(&b);
		return NULL;
	}
	return sk_buf_detach(&b);
}
