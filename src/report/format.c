/* Small pieces every report shares: escaping text for HTML and Markdown,
 * Norwegian number formatting, dates as day numbers, front-matter getters
 * and Norwegian labels. */
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * are not one. */
static size_t utf8_seq(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
		(c & 0xF8) == 0xF0 ? 4 : 0;
	if (n == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (s[i] == '\0')
			return 0;
	return sk_utf8_valid(s, n, NULL) ? n : 0;
}

/* XML 1.0 forbids most control characters even as references, and a byte
 * that is not UTF-8 would make the whole page unreadable to a parser:
 * both are replaced rather than passed on. */
void sk_report_html_escape(sk_buf *b, const char *s)
{
	if (!s)
		return;
	const char *run = s;
	while (*s) {
		unsigned char c = (unsigned char)*s;
		const char *rep = NULL;
		size_t adv = 1;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
				rep = "";
			} else if (c >= 0x80) {
				adv = utf8_seq(s);
				if (adv == 0) {
					rep = "\xEF\xBF\xBD"; /* U+FFFD */
					adv = 1;
				}
			}
		}
		if (rep) {
			sk_buf_put(b, run, (size_t)(s - run));
			sk_buf_puts(b, rep);
			s += adv;
			run = s;
		} else {
			s += adv;
		}
	}
	sk_buf_put(b, run, (size_t)(s - run));
}

/* Escapes what Markdown (CommonMark and the GFM table extension) reads
 * inline; a leading character that would start a block (a list, a
 * heading, a numbered item) is escaped too, since the text may begin a
 * line. Line breaks would end a table row, so they become spaces. */
void sk_report_md_escape(sk_buf *b, const char *s)
{
	if (!s)
		return;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+' || *s == '=')
		sk_buf_putc(b, '\\');
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' || c == '\r' || c == '\t') {
			sk_buf_putc(b, ' ');
			continue;
		}
		if (c < 0x20 || c == 0x7F)
			continue;
		if (strchr("\\`*_[]<>|~#&!", c))
			sk_buf_putc(b, '\\');
		else if ((c == '.' || c == ')') && p > s && p[-1] >= '0' && p[-1] <= '9') {
			/* "2024. " at the start would begin an ordered list. */
			const char *q = s;
			while (q < p && *q >= '0' && *q <= '9')
				q++;
			if (q == p)
				sk_buf_putc(b, '\\');
		}
		sk_buf_putc(b, (char)c);
	}
}

/* Formats v with at most `decimals` decimals, trailing zeros dropped, a
 * decimal comma and, from five digits on, groups of three separated by a
 * no-break space (Språkrådet's rule). Done with integers so that neither
 * the C locale nor float printing decides the separators. */
static void num_prec(sk_buf *b, double v, int decimals)
{
	if (!isfinite(v)) {
		sk_buf_puts(b, "\xE2\x80\x93"); /* en dash: no value */
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	double scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (fabs(v) * scale >= 9e15) {
		decimals = 0;
		scale = 1;
		if (fabs(v) >= 9e15) {
			sk_buf_printf(b, "%.3g", v);
			return;
		}
	}
	long long units = llround(fabs(v) * scale);
	int neg = v < 0 && units != 0;
	long long whole = units / (long long)scale;
	long long frac = units % (long long)scale;
	char digits[32];
	int nd = snprintf(digits, sizeof digits, "%lld", whole);
	if (neg)
		sk_buf_putc(b, '-');
	for (int i = 0; i < nd; i++) {
		if (nd >= 5 && i > 0 && (nd - i) % 3 == 0)
			sk_buf_puts(b, "\xC2\xA0");
		sk_buf_putc(b, digits[i]);
	}
	if (frac) {
		char f[24];
		snprintf(f, sizeof f, "%0*lld", decimals, frac);
		int fl = decimals;
		while (fl > 0 && f[fl - 1] == '0')
			fl--;
		sk_buf_putc(b, ',');
		sk_buf_put(b, f, (size_t)fl);
	}
}

void sk_report__num(sk_buf *b, double v)
{
	num_prec(b, v, 2);
}

void sk_report__num_dec(sk_buf *b, double v, int decimals)
{
	num_prec(b, v, decimals);
}

/* Projections run to fractions no plan needs: whole numbers from 100 on. */
void sk_report__num_auto(sk_buf *b, double v, int sign)
{
	double a = fabs(v);
	int dec = a >= 100 ? 0 : a >= 10 ? 1 : 2;
	sk_buf tmp = SK_BUF_INIT;
	num_prec(&tmp, v, dec);
	if (sign && isfinite(v) && v > 0 && strcmp(tmp.data, "0") != 0)
		sk_buf_putc(b, '+');
	sk_buf_puts(b, tmp.data);
	sk_buf_free(&tmp);
}

/* Days from civil (Howard Hinnant's algorithm): exact for every
 * proleptic Gregorian date, no time zone involved. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

int sk_report__date_days(long *days, const char *date)
{
	if (!date || !sk_date_valid(date))
		return SK_EINVALID;
	long y = 0;
	unsigned m = 0, d = 0;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (date[i] - '0');
	m = (unsigned)((date[5] - '0') * 10 + (date[6] - '0'));
	d = (unsigned)((date[8] - '0') * 10 + (date[9] - '0'));
	*days = days_from_civil(y, m, d);
	return 0;
}

void sk_report__date_format(char out[11], long days)
{
	days += 719468;
	long era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%04ld-%02u-%02u", y, m % 100, d % 100);
	memcpy(out, tmp, 11);
	out[10] = '\0';
}

long sk_report__today(void)
{
	time_t now = time(NULL);
	return (long)(now / 86400);
}

const char *sk_report__str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int sk_report__bool(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_true(v);
}

static const struct {
	const char *status, *label;
} status_labels[] = {
	{"planned", "Planlagt"},
	{"running", "Pågår"},
	{"completed", "Fullført"},
	{"stopped", "Stoppet"},
	{"idea", "Idé"},
	{"active", "Aktiv"},
	{"parked", "Parkert"},
};

const char *sk_report__status_label(const char *status)
{
	if (!status)
		return "Ukjent";
	for (size_t i = 0; i < sizeof status_labels / sizeof status_labels[0]; i++)
		if (strcmp(status_labels[i].status, status) == 0)
			return status_labels[i].label;
	return status;
}

static const char *const months[] = {
	"januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
	"september", "oktober", "november", "desember",
};

void sk_report__date_long(sk_buf *b, const char *date)
{
	long d;
	if (!date || sk_report__date_days(&d, date) < 0) {
		sk_buf_puts(b, date ? date : "\xE2\x80\x93");
		return;
	}
	int day = (date[8] - '0') * 10 + (date[9] - '0');
	int mon = (date[5] - '0') * 10 + (date[6] - '0');
	sk_buf_printf(b, "%d. %s %.4s", day, months[mon - 1], date);
}

void sk_report__percent(sk_buf *b, double share)
{
	if (!isfinite(share)) {
		sk_buf_puts(b, "\xE2\x80\x93");
		return;
	}
	sk_report__num_dec(b, share * 100, 0);
	sk_buf_puts(b, "\xC2\xA0%");
}

/* The sort weight of one code point in Norwegian order: letters fold to
 * lower case, accented Latin letters to their base, and æ, ø, å after z. */
static uint32_t collate_weight(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	switch (cp) {
	case 0xC6: case 0xE6: case 0xC4: case 0xE4: return 'z' + 1; /* Æ æ Ä ä */
	case 0xD8: case 0xF8: case 0xD6: case 0xF6: return 'z' + 2; /* Ø ø Ö ö */
	case 0xC5: case 0xE5: return 'z' + 3;                       /* Å å */
	case 0xC0: case 0xC1: case 0xC2: case 0xE0: case 0xE1: case 0xE2: return 'a';
	case 0xC8: case 0xC9: case 0xCA: case 0xE8: case 0xE9: case 0xEA: return 'e';
	case 0xD3: case 0xD2: case 0xD4: case 0xF3: case 0xF2: case 0xF4: return 'o';
	case 0xDC: case 0xFC: return 'y';
	default: return cp;
	}
}

int sk_report__collate(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	const char *p = a, *q = b;
	size_t la = strlen(a), lb = strlen(b);
	if (!sk_utf8_valid(a, la, NULL) || !sk_utf8_valid(b, lb, NULL))
		return strcmp(a, b);
	while (*p && *q) {
		uint32_t x = collate_weight(sk_utf8_next(&p)), y = collate_weight(sk_utf8_next(&q));
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (*p || *q)
		return *p ? 1 : -1;
	return strcmp(a, b);
}
