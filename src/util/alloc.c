/* Allocation that aborts: running out of memory is not an error a user can
 * act on, and checking every pointer hides the checks that matter. */
#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "samskap: out of memory (%zu bytes)\n", n);
	abort();
}

void *sk_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *sk_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		out_of_memory(sk_mul_size(count, size));
	return p;
}

void *sk_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *sk_strndup(const char *s, size_t n)
{
	char *d = sk_malloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *sk_strdup(const char *s)
{
	return sk_strndup(s, strlen(s));
}

size_t sk_mul_size(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		fprintf(stderr, "samskap: size overflow (%zu x %zu)\n", count, size);
		abort();
	}
	return count * size;
}

char *sk_printf(const char *fmt, ...)
{
	va_list ap;
	sk_buf b = SK_BUF_INIT;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sk_strdup("");
	sk_buf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.data;
}
