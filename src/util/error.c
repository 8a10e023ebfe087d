/* Per-thread error messages, as libgit2's git_error_last. */
#include "samskap/util.h"

#include <stdio.h>

static _Thread_local char message[2048];
static _Thread_local int last_code;

int sk_error_setv(int code, const char *fmt, va_list ap)
{
	vsnprintf(message, sizeof message, fmt, ap);
	last_code = code;
	return code;
}

int sk_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

const char *sk_error_last(void)
{
	return message;
}

int sk_error_code(void)
{
	return last_code;
}

void sk_error_clear(void)
{
	message[0] = '\0';
	last_code = 0;
}
