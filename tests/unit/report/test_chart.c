/* report: escaping, Norwegian numbers, dates and SVG charts. */
#include "report_int.h"
#include "sktest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

Suite *report_status_suite(void);

/* Runs xmllint on text; returns its exit status (0: well-formed). */
static int xml_check(const char *text)
{
	sk_run_result r = sk_test_run(NULL, text, "xmllint --noout - 2>&1");
	int st = r.status;
	if (st != 0)
		fprintf(stderr, "xmllint: %s\n", r.out);
	sk_run_result_free(&r);
	return st;
}

static char *esc(const char *s, int md)
{
	sk_buf b = SK_BUF_INIT;
	if (md)
		sk_report_md_escape(&b, s);
	else
		sk_report_html_escape(&b, s);
	return sk_buf_detach(&b);
}

START_TEST(html_escape)
{
	char *s = esc("<script>alert('x&y')</script> \"q\"", 0);
	ck_assert_str_eq(s, "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt; &quot;q&quot;");
	free(s);
	s = esc("blåbær\x01\x7f ok", 0);
	ck_assert_str_eq(s, "blåbær ok");
	free(s);
	s = esc("a\xC3(b", 0); /* broken UTF-8 */
	ck_assert_str_eq(s, "a\xEF\xBF\xBD(b");
	free(s);
	s = esc(NULL, 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(md_escape)
{
	char *s = esc("a*b_c [x](javascript:y) <b>|</b>\nnext", 1);
	ck_assert_str_eq(s, "a\\*b\\_c \\[x\\](javascript:y) \\<b\\>\\|\\</b\\> next");
	free(s);
	s = esc("- liste", 1);
	ck_assert_str_eq(s, "\\- liste");
	free(s);
	s = esc("2024. år", 1);
	ck_assert_str_eq(s, "2024\\. år");
	free(s);
	s = esc("versjon 2. utgave", 1);
	ck_assert_str_eq(s, "versjon 2. utgave");
	free(s);
}
END_TEST

static char *num(double v, int dec)
{
	sk_buf b = SK_BUF_INIT;
	if (dec < 0)
		sk_report__num(&b, v);
	else
		sk_report__num_dec(&b, v, dec);
	return sk_buf_detach(&b);
}

START_TEST(norwegian_numbers)
{
	struct { double v; int dec; const char *want; } cases[] = {
		{12.5, -1, "12,5"}, {-3, -1, "-3"}, {1250, -1, "1250"},
		{12345.678, -1, "12\xC2\xA0" "345,68"}, {1234567, -1, "1\xC2\xA0" "234\xC2\xA0" "567"},
		{0.1 + 0.2, -1, "0,3"}, {-0.001, -1, "0"}, {2.005, 0, "2"},
		{0.125, 3, "0,125"}, {NAN, -1, "\xE2\x80\x93"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = num(cases[i].v, cases[i].dec);
		ck_assert_msg(strcmp(s, cases[i].want) == 0, "%g: got '%s', want '%s'",
			cases[i].v, s, cases[i].want);
		free(s);
	}
}
END_TEST

START_TEST(dates)
{
	long d = 0;
	ck_assert_int_eq(sk_report__date_days(&d, "1970-01-01"), 0);
	ck_assert_int_eq(d, 0);
	ck_assert_int_eq(sk_report__date_days(&d, "2024-03-01"), 0);
	long feb = 0;
	ck_assert_int_eq(sk_report__date_days(&feb, "2024-02-28"), 0);
	ck_assert_int_eq(d - feb, 2); /* leap year */
	char out[11];
	sk_report__date_format(out, d);
	ck_assert_str_eq(out, "2024-03-01");
	sk_report__date_format(out, d - 60);
	ck_assert_str_eq(out, "2024-01-01");
	ck_assert_int_eq(sk_report__date_days(&d, "2023-02-29"), SK_EINVALID);
	ck_assert_int_eq(sk_report__date_days(&d, "i går"), SK_EINVALID);
	ck_assert_int_gt(sk_report__today(), 19000);
}
END_TEST

static const double years[] = {2020, 2025, 2030, 2035, 2040};
static const double base[] = {1000, 1180, 1420, 1650, 1900.5};
static const double tiltak[] = {1000, 1120, 1280, 1410, 1530};

START_TEST(chart_is_wellformed_svg)
{
	sk_chart_series s[] = {
		{"Referansebane", years, base, 5},
		{"Hverdagsrehabilitering & velferdsteknologi", years, tiltak, 5},
	};
	sk_chart c = {"Årsverk i omsorg <2040>", "År", "Årsverk", s, 2, 0, 0};
	sk_buf b = SK_BUF_INIT;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), 0);
	ck_assert(strncmp(b.data, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	ck_assert_int_eq(xml_check(b.data), 0);
	/* Title and legend escaped, years as plain labels, no scripts. */
	ck_assert_contains(b.data, "Årsverk i omsorg &lt;2040&gt;");
	ck_assert_contains(b.data, "Hverdagsrehabilitering &amp; velferdsteknologi");
	ck_assert_contains(b.data, ">2020</text>");
	ck_assert_contains(b.data, ">2040</text>");
	ck_assert_contains(b.data, ">År</text>");
	ck_assert_contains(b.data, ">Årsverk</text>");
	ck_assert_not_contains(b.data, "<script");
	ck_assert_not_contains(b.data, ">2 020<");
	/* Two lines of distinct colours. */
	ck_assert_contains(b.data, "stroke=\"#0072B2\"");
	ck_assert_contains(b.data, "stroke=\"#D55E00\"");
	/* Nice y ticks: 1000..2000 in steps of 200 (data far from zero). */
	ck_assert_contains(b.data, ">1000</text>");
	ck_assert_contains(b.data, ">1200</text>");
	ck_assert_contains(b.data, ">2000</text>");
	ck_assert_not_contains(b.data, ">1100</text>");
	sk_buf_free(&b);
}
END_TEST

START_TEST(chart_decimal_comma_and_hostile_text)
{
	const double x[] = {0, 1, 2, 3};
	const double y[] = {0.12, 0.35, 0.41, NAN};
	sk_chart_series s[] = {{"<script>alert(1)</script>", x, y, 4}};
	sk_chart c = {"\"Andel\" & 'sånn'", NULL, "Andel", s, 1, 480, 300};
	sk_buf b = SK_BUF_INIT;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), 0);
	ck_assert_int_eq(xml_check(b.data), 0);
	ck_assert_not_contains(b.data, "<script");
	ck_assert_contains(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_contains(b.data, "&quot;Andel&quot; &amp; &#39;sånn&#39;");
	ck_assert_contains(b.data, ">0,1</text>");
	ck_assert_contains(b.data, "width=\"480\"");
	sk_buf_free(&b);
}
END_TEST

START_TEST(chart_single_point_and_many_series)
{
	const double x[] = {2030};
	const double y[] = {42};
	sk_chart_series s[9];
	for (int i = 0; i < 9; i++)
		s[i] = (sk_chart_series){"Scenario med et ganske langt navn", x, y, 1};
	sk_chart c = {"Ett punkt", "År", "Antall", s, 9, 0, 0};
	sk_buf b = SK_BUF_INIT;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), 0);
	ck_assert_int_eq(xml_check(b.data), 0);
	ck_assert_contains(b.data, ">2030</text>");
	sk_buf_free(&b);
}
END_TEST

START_TEST(chart_rejects_empty)
{
	sk_buf b = SK_BUF_INIT;
	sk_chart c = {"Tomt", NULL, NULL, NULL, 0, 0, 0};
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "no series");
	const double nan[] = {NAN};
	sk_chart_series s[] = {{"a", nan, nan, 1}, {"b", NULL, NULL, 0}};
	c.series = s;
	c.nseries = 2;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "no finite points");
	sk_chart_series bad[] = {{"a", NULL, NULL, 3}};
	c.series = bad;
	c.nseries = 1;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), SK_EINVALID);
	c.series = s;
	s[0].x = years;
	s[0].y = base;
	c.width = 100;
	ck_assert_int_eq(sk_report_chart_svg(&b, &c), SK_EINVALID);
	ck_assert_uint_eq(b.len, 0);
	sk_buf_free(&b);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, html_escape);
	tcase_add_test(tc, md_escape);
	tcase_add_test(tc, norwegian_numbers);
	tcase_add_test(tc, dates);
	suite_add_tcase(s, tc);
	tc = tcase_create("chart");
	tcase_add_test(tc, chart_is_wellformed_svg);
	tcase_add_test(tc, chart_decimal_comma_and_hostile_text);
	tcase_add_test(tc, chart_single_point_and_many_series);
	tcase_add_test(tc, chart_rejects_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());
	srunner_add_suite(sr, report_status_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
