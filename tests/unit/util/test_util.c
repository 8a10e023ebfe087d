/* util: buffers, UTF-8, files, ids, dates and diagnostics. */
#include "samskap/util.h"
#include "sktest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(buf_grows_and_detaches)
{
	sk_buf b = SK_BUF_INIT;
	for (int i = 0; i < 1000; i++)
		sk_buf_printf(&b, "%d,", i);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	char *s = sk_buf_detach(&b);
	ck_assert_ptr_null(b.data);
	ck_assert(strstr(s, "999,") != NULL);
	free(s);
	s = sk_buf_detach(&b);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(utf8_validation)
{
	size_t bad = 99;
	ck_assert(sk_utf8_valid("blåbær", strlen("blåbær"), NULL));
	ck_assert(!sk_utf8_valid("ab\xC3(", 4, &bad));
	ck_assert_uint_eq(bad, 2);
	ck_assert(!sk_utf8_valid("\xC0\xAF", 2, &bad)); /* overlong '/' */
	ck_assert(!sk_utf8_valid("\xED\xA0\x80", 3, &bad)); /* surrogate */
	ck_assert(!sk_utf8_valid("\xF4\x90\x80\x80", 4, &bad)); /* > U+10FFFF */
	ck_assert(!sk_utf8_valid("\xE2\x82", 2, &bad)); /* truncated */
	ck_assert_uint_eq(sk_utf8_length("æøå", strlen("æøå")), 3);
	const char *p = "ø";
	ck_assert_uint_eq(sk_utf8_next(&p), 0xF8);
	char out[4];
	ck_assert_int_eq(sk_utf8_encode(0x1F600, out), 4);
	ck_assert(sk_utf8_valid(out, 4, NULL));
}
END_TEST

START_TEST(ids_and_dates)
{
	ck_assert(sk_id_valid("asker-velferdslab"));
	ck_assert(sk_id_valid("a1"));
	ck_assert(!sk_id_valid(""));
	ck_assert(!sk_id_valid("Asker"));
	ck_assert(!sk_id_valid("-a"));
	ck_assert(!sk_id_valid("a--b"));
	ck_assert(!sk_id_valid("øvre-eiker"));
	ck_assert(!sk_id_valid("../etc"));
	ck_assert(sk_date_valid("2024-02-29"));
	ck_assert(!sk_date_valid("2023-02-29"));
	ck_assert(!sk_date_valid("2024-02-30"));
	ck_assert(!sk_date_valid("2024-13-01"));
	ck_assert(!sk_date_valid("2024-1-01"));
	ck_assert(sk_date_valid("2000-02-29"));
	ck_assert(!sk_date_valid("1900-02-29"));
	ck_assert(sk_datetime_valid("2024-05-01T12:30:00Z"));
	ck_assert(sk_datetime_valid("2024-05-01T12:30:00.5+02:00"));
	ck_assert(sk_datetime_valid("1998-12-31T23:59:60Z"));
	ck_assert(!sk_datetime_valid("1998-12-31T22:59:60Z"));
	ck_assert(!sk_datetime_valid("2024-05-01 12:30:00Z"));
	ck_assert(!sk_datetime_valid("2024-05-01T24:00:00Z"));
	ck_assert(!sk_datetime_valid("2024-05-01T12:30:00"));
}
END_TEST

START_TEST(files_refuse_symlinks_and_big_files)
{
	char *dir = sk_test_tmpdir();
	char *path = sk_path_join(dir, "a.md");
	char *link = sk_path_join(dir, "b.md");
	char *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(sk_file_write(path, "hei\n", 4), 0);
	ck_assert_int_eq(sk_file_read(&data, &len, path, 100), 0);
	ck_assert_str_eq(data, "hei\n");
	free(data);
	ck_assert_int_eq(sk_file_read(&data, &len, path, 3), SK_ETOOBIG);
	ck_assert_contains(sk_error_last(), "over the limit");
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(sk_file_read(&data, &len, link, 100), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "symbolic link");
	ck_assert_int_eq(sk_file_read(&data, &len, dir, 100), SK_EINVALID);
	char *missing = sk_path_join(dir, "nope/x.md");
	ck_assert_int_eq(sk_file_read(&data, &len, missing, 100), SK_ENOTFOUND);
	char *deep = sk_path_join(dir, "x/y/z");
	ck_assert_int_eq(sk_path_mkdirs(deep), 0);
	ck_assert(sk_path_exists(deep));
	free(deep);
	free(missing);
	free(path);
	free(link);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(diagnostics_sort_and_format)
{
	sk_diags d = SK_DIAGS_INIT;
	sk_diags_add(&d, SK_DIAG_WARNING, "b.md", 3, 1, NULL, "late");
	sk_diags_add(&d, SK_DIAG_ERROR, "a.md", 10, 2, "/x", "bad %d", 7);
	sk_diags_add(&d, SK_DIAG_ERROR, "a.md", 2, 0, NULL, "first");
	sk_diags_add(&d, SK_DIAG_ERROR, NULL, 0, 0, NULL, "nowhere");
	ck_assert_uint_eq(sk_diags_errors(&d), 3);
	sk_diags_sort(&d);
	char *s = sk_diag_format(&d.items[0]);
	ck_assert_str_eq(s, "error: nowhere");
	free(s);
	s = sk_diag_format(&d.items[1]);
	ck_assert_str_eq(s, "a.md:2: error: first");
	free(s);
	s = sk_diag_format(&d.items[2]);
	ck_assert_str_eq(s, "a.md:10:2: error: bad 7");
	free(s);
	s = sk_diag_format(&d.items[3]);
	ck_assert_str_eq(s, "b.md:3:1: warning: late");
	free(s);
	sk_diags_free(&d);
}
END_TEST

START_TEST(errors_are_per_call)
{
	ck_assert_int_eq(sk_error_set(SK_ENOTFOUND, "no record '%s'", "x"), SK_ENOTFOUND);
	ck_assert_str_eq(sk_error_last(), "no record 'x'");
	ck_assert_int_eq(sk_error_code(), SK_ENOTFOUND);
	sk_error_clear();
	ck_assert_str_eq(sk_error_last(), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, buf_grows_and_detaches);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, ids_and_dates);
	tcase_add_test(tc, files_refuse_symlinks_and_big_files);
	tcase_add_test(tc, diagnostics_sort_and_format);
	tcase_add_test(tc, errors_are_per_call);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
