/* Helpers for samskap's Check tests: temporary folders, running the real
 * binary, reading and writing files. Everything returned is the caller's
 * to free(). Paths to the binary, the source tree, shared/ and the test
 * data come from the build (SAMSKAP_BIN, SK_SOURCE_DIR, SK_SHARED_DIR,
 * SK_TEST_DATA). */
#ifndef SKTEST_H
#define SKTEST_H

#include <check.h>
#include <stddef.h>

/* The result of running a command. */
typedef struct sk_run_result {
	int status;   /* exit status, or 128+signal */
	char *out;    /* stdout */
	char *err;    /* stderr */
} sk_run_result;

/* A new empty folder under $TMPDIR (or /tmp); removed by sk_test_rmtree. */
char *sk_test_tmpdir(void);
/* rm -rf, for folders sk_test_tmpdir made. */
void sk_test_rmtree(const char *path);

/* The command that runs the samskap binary under test: its path, prefixed
 * with $SAMSKAP_TEST_WRAPPER when set (tools/memcheck sets it to valgrind).
 * Use it as a printf argument: sk_test_run(dir, NULL, "%s check", SAMSKAP_BIN). */
const char *sk_test_bin(void);
#define SAMSKAP_BIN sk_test_bin()

/* Runs `/bin/sh -c CMD` in folder dir (NULL: the current one) with input
 * on stdin (NULL: /dev/null). Environment: the caller's,
 * plus SAMSKAP_AUTHOR="Test Person <test@example.org>", NO_COLOR=1, and
 * GIT_CONFIG_NOSYSTEM=1 unless already set. */
sk_run_result sk_test_run(const char *dir, const char *input, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sk_run_result_free(sk_run_result *r);

/* Writes text to dir/relpath, making folders; reads a file (NULL when
 * missing). */
void sk_test_write(const char *dir, const char *relpath, const char *text);
char *sk_test_read(const char *dir, const char *relpath);

/* 1 when needle occurs in haystack (NULL haystack: 0). */
int sk_test_contains(const char *haystack, const char *needle);

/* Runs a suite with CK_NORMAL output; returns the process exit status. */
int sk_test_main(Suite *s);

#define ck_assert_contains(hay, needle) \
	ck_assert_msg(sk_test_contains((hay), (needle)), \
		"expected to find \"%s\" in:\n%s", (needle), (hay) ? (hay) : "(null)")
#define ck_assert_not_contains(hay, needle) \
	ck_assert_msg(!sk_test_contains((hay), (needle)), \
		"did not expect \"%s\" in:\n%s", (needle), (hay) ? (hay) : "(null)")

#endif
