/* UTF-8 checks and decoding (RFC 3629: no overlongs, no surrogates). */
#include "samskap/util.h"

int sk_utf8_valid(const char *str, size_t len, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1; cp = c & 0x1F; min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2; cp = c & 0x0F; min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i <= n)
			goto bad;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n + 1;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

size_t sk_utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

uint32_t sk_utf8_next(const char **str)
{
	const unsigned char *s = (const unsigned char *)*str;
	uint32_t cp;
	int n;
	if (s[0] < 0x80) { cp = s[0]; n = 0; }
	else if ((s[0] & 0xE0) == 0xC0) { cp = s[0] & 0x1F; n = 1; }
	else if ((s[0] & 0xF0) == 0xE0) { cp = s[0] & 0x0F; n = 2; }
	else { cp = s[0] & 0x07; n = 3; }
	for (int k = 1; k <= n; k++) {
		if ((s[k] & 0xC0) != 0x80) { /* truncated: stop before it */
			*str = (const char *)(s + k);
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	*str = (const char *)(s + n + 1);
	return cp;
}

int sk_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}
