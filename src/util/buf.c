/* Growable NUL-terminated byte buffers. */
#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_buf_grow(sk_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		sk_mul_size(SIZE_MAX, 2); /* aborts with a message */
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = sk_realloc(b->data, cap);
	b->cap = cap;
}

void sk_buf_put(sk_buf *b, const void *data, size_t len)
{
	sk_buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void sk_buf_puts(sk_buf *b, const char *s)
{
	sk_buf_put(b, s, strlen(s));
}

void sk_buf_putc(sk_buf *b, char c)
{
	sk_buf_put(b, &c, 1);
}

void sk_buf_printf(sk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sk_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sk_buf_clear(sk_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *sk_buf_detach(sk_buf *b)
{
	char *d = b->data ? b->data : sk_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void sk_buf_free(sk_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
