/* Collected diagnostics: errors and warnings with their places. */
#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_diags_add(sk_diags *d, sk_diag_severity sev, const char *file,
	int line, int col, const char *path, const char *fmt, ...)
{
	if (d->len == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = sk_realloc(d->items, sk_mul_size(d->cap, sizeof *d->items));
	}
	sk_diag *g = &d->items[d->len++];
	g->severity = sev;
	g->file = file ? sk_strdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->path = path ? sk_strdup(path) : NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	g->message = sk_malloc((size_t)(n < 0 ? 0 : n) + 1);
	g->message[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(g->message, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
}

size_t sk_diags_errors(const sk_diags *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += d->items[i].severity == SK_DIAG_ERROR;
	return n;
}

static int compare_diags(const sk_diag *a, const sk_diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void sk_diags_sort(sk_diags *d)
{
	/* Insertion sort: stable, and diagnostics come mostly in order. */
	for (size_t i = 1; i < d->len; i++) {
		sk_diag x = d->items[i];
		size_t j = i;
		while (j > 0 && compare_diags(&d->items[j - 1], &x) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = x;
	}
}

char *sk_diag_format(const sk_diag *g)
{
	sk_buf b = SK_BUF_INIT;
	if (g->file) {
		sk_buf_puts(&b, g->file);
		if (g->line > 0) {
			sk_buf_printf(&b, ":%d", g->line);
			if (g->col > 0)
				sk_buf_printf(&b, ":%d", g->col);
		}
		sk_buf_puts(&b, ": ");
	}
	sk_buf_puts(&b, g->severity == SK_DIAG_ERROR ? "error: " : "warning: ");
	sk_buf_puts(&b, g->message);
	return sk_buf_detach(&b);
}

void sk_diags_free(sk_diags *d)
{
	for (size_t i = 0; i < d->len; i++) {
		free(d->items[i].file);
		free(d->items[i].path);
		free(d->items[i].message);
	}
	free(d->items);
	d->items = NULL;
	d->len = d->cap = 0;
}
