/* The Markdown body through cmark: plain text for indexing, headings, and
 * [[id]] links, all from the syntax tree (text inside code is not a link). */
#include "record_internal.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

/* Start offsets of the body's lines, so that cmark's line and column turn
 * into byte offsets and back without rescanning the body. */
typedef struct line_table {
	const char *body;
	size_t len;
	size_t *start;  /* start[i]: offset of line i + 1 */
	size_t n;
	/* The last place found: links come in order, so counting code points
	 * resumes here instead of at the line's start. */
	size_t last_off, last_line;
	int last_col;
} line_table;

static void line_table_init(line_table *lt, const char *body)
{
	lt->body = body;
	lt->len = strlen(body);
	lt->n = 1;
	lt->last_off = 0;
	lt->last_line = 0;
	lt->last_col = 1;
	for (size_t i = 0; i < lt->len; i++)
		lt->n += body[i] == '\n';
	lt->start = sk_malloc(sk_mul_size(lt->n, sizeof *lt->start));
	size_t k = 0;
	lt->start[k++] = 0;
	for (size_t i = 0; i < lt->len; i++)
		if (body[i] == '\n')
			lt->start[k++] = i + 1;
}

/* Byte offset of 1-based line and column (cmark's columns count bytes). */
static size_t offset_of(const line_table *lt, int line, int col)
{
	if (line < 1)
		return 0;
	if ((size_t)line > lt->n)
		return lt->len;
	size_t off = lt->start[line - 1] + (col > 0 ? (size_t)col - 1 : 0);
	return off > lt->len ? lt->len : off;
}

/* File line and column (in code points) of byte offset off. */
static void place_of(const sk_record *rec, line_table *lt, size_t off, int *line, int *col)
{
	size_t lo = 0, hi = lt->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (lt->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	int c = 1;
	size_t i = lt->start[lo];
	if (lt->last_line == lo && lt->last_off <= off && lt->last_off >= i) {
		i = lt->last_off;
		c = lt->last_col;
	}
	for (; i < off; i++)
		if (((unsigned char)lt->body[i] & 0xC0) != 0x80)
			c++;
	lt->last_line = lo;
	lt->last_off = off;
	lt->last_col = c;
	*line = rec->body_line + (int)lo;
	*col = c;
}

/* Finds [[id]] in a text node's literal and adds a link for each, placed
 * where the same "[[id]]" stands in the source at or after the node's
 * start (escapes and entities can make the literal differ in length). */
static void scan_links(sk_record *rec, line_table *lt, cmark_node *node, size_t *search_from)
{
	const char *lit = cmark_node_get_literal(node);
	if (!lit || !strstr(lit, "[["))
		return;
	size_t from = offset_of(lt, cmark_node_get_start_line(node),
		cmark_node_get_start_column(node));
	if (*search_from > from)
		from = *search_from;
	for (const char *p = strstr(lit, "[["); p; p = strstr(p + 2, "[[")) {
		const char *s = p + 2;
		const char *e = strstr(s, "]]");
		if (!e)
			break;
		/* [[[[id]]: the link is the innermost opening. */
		while (s[0] == '[')
			s++;
		size_t n = (size_t)(e - s);
		if (n == 0 || n > 100)
			continue;
		char *id = sk_strndup(s, n);
		if (!sk_id_valid(id)) {
			free(id);
			continue;
		}
		char *needle = sk_printf("[[%s]]", id);
		const char *at = strstr(rec->body + from, needle);
		size_t off = at ? (size_t)(at - rec->body) : from;
		int line, col;
		place_of(rec, lt, off, &line, &col);
		sk_record__add_link(rec, id, NULL, line, col, 0);
		if (at)
			from = off + strlen(needle);
		free(needle);
		free(id);
		p = e;
	}
	*search_from = from;
}

/* Plain text of a node's inline content (for a heading's text). */
static char *inline_text(cmark_node *node)
{
	sk_buf b = SK_BUF_INIT;
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			sk_buf_puts(&b, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			sk_buf_putc(&b, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	return sk_buf_detach(&b);
}

static void end_block(sk_buf *t)
{
	if (t->len && t->data[t->len - 1] != '\n')
		sk_buf_putc(t, '\n');
}

void sk_record__markdown(sk_record *rec)
{
	sk_buf text = SK_BUF_INIT;
	size_t search_from = 0;
	line_table lt;
	line_table_init(&lt, rec->body);
	cmark_node *doc = cmark_parse_document(rec->body, strlen(rec->body), CMARK_OPT_DEFAULT);
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (ev == CMARK_EVENT_EXIT) {
			if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING)
				end_block(&text);
			continue;
		}
		switch (t) {
		case CMARK_NODE_TEXT:
			sk_buf_puts(&text, cmark_node_get_literal(n));
			scan_links(rec, &lt, n, &search_from);
			break;
		case CMARK_NODE_CODE:
			sk_buf_puts(&text, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_CODE_BLOCK:
			end_block(&text);
			sk_buf_puts(&text, cmark_node_get_literal(n));
			end_block(&text);
			break;
		case CMARK_NODE_SOFTBREAK:
			sk_buf_putc(&text, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			sk_buf_putc(&text, '\n');
			break;
		case CMARK_NODE_HEADING: {
			end_block(&text);
			/* Capacity doubles at each power of two. */
			if ((rec->n_headings & (rec->n_headings - 1)) == 0)
				rec->headings = sk_realloc(rec->headings,
					sk_mul_size(rec->n_headings ? rec->n_headings * 2 : 1, sizeof *rec->headings));
			sk_heading *h = &rec->headings[rec->n_headings++];
			h->level = cmark_node_get_heading_level(n);
			h->text = inline_text(n);
			h->line = rec->body_line + cmark_node_get_start_line(n) - 1;
			break;
		}
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_ITEM:
		case CMARK_NODE_BLOCK_QUOTE:
		case CMARK_NODE_THEMATIC_BREAK:
			end_block(&text);
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	free(lt.start);
	free(rec->text);
	rec->text = sk_buf_detach(&text);
}
