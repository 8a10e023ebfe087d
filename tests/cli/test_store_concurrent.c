/* Concurrent writers never lose a write: 8 processes x 25 `samskap log`
 * at once on one knowledge base give 200 commits and 200 entry files,
 * git fsck is clean and the work tree and index hold every entry. */
#include "sktest.h"

#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PROCS = 8, EACH_FULL = 25, EACH_WRAPPED = 3 };

/* Under a wrapper (tools/memcheck runs every samskap in valgrind, seconds
 * each) the same race with fewer rounds: 8 x 3 still overlap. */
static int each(void)
{
	const char *w = getenv("SAMSKAP_TEST_WRAPPER");
	return w && *w ? EACH_WRAPPED : EACH_FULL;
}

static char *ok(const char *dir, const char *cmd)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	ck_assert_msg(r.status == 0, "'%s' exited %d:\n%s%s", cmd, r.status, r.out, r.err);
	free(r.err);
	return r.out;
}

START_TEST(eight_by_twentyfive_logs)
{
	char *dir = sk_test_tmpdir();
	free(ok(dir, "$SAMSKAP init . >/dev/null && $SAMSKAP new experiment --title Ungdom "
		"--kommune asker --challenge ungt-utenforskap --field 'hypothesis=H' "
		"--field 'metrics=[{name: deltakere, unit: antall, baseline: 0, target: 50}]' --no-edit"));
	char *base = ok(dir, "git rev-list --count HEAD");
	const int n_each = each(), total = PROCS * n_each;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *cmd = sk_printf("for p in $(seq %d); do "
		"( for i in $(seq %d); do $SAMSKAP log ungdom -m \"writer $p entry $i\" --metric deltakere=$i "
		">/dev/null || echo \"FAILED $p $i\"; done ) & "
		"done; wait", PROCS, n_each);
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!sk_test_contains(r.out, "FAILED"), "some writes failed:\n%s\n%s", r.out, r.err);
	sk_run_result_free(&r);
	if (n_each == EACH_FULL)
		printf("figure: concurrent log: %d processes x %d 'samskap log' = %d commits in %.1f s "
		"(%.0f ms per commit)\n", PROCS, n_each, PROCS * n_each, secs, secs * 1000 / (PROCS * n_each));

	char *counts = ok(dir, "git rev-list --count HEAD && ls experiments/ungdom/log | wc -l && "
		"git ls-files experiments/ungdom/log | wc -l && "
		"git log --format=%s | grep -c '^log: ungdom (Test Person)$' && "
		"cat experiments/ungdom/log/*.md | grep -c '^writer [0-9]* entry [0-9]*$' && "
		"cat experiments/ungdom/log/*.md | grep '^writer' | sort -u | wc -l");
	char *want = sk_printf("%d\n%d\n%d\n%d\n%d\n%d\n", atoi(base) + total, total, total, total,
		total, total);
	ck_assert_str_eq(counts, want);
	free(ok(dir, "git fsck --strict --no-progress"));
	char *status = ok(dir, "git status --porcelain");
	ck_assert_msg(status[0] == '\0', "git status is not clean:\n%s", status);
	/* Each commit adds exactly one file on top of the one before. */
	char *shape_cmd = sk_printf("git log --format=%%p | awk 'NF > 1' | wc -l && "
		"git log -n %d --format= --name-only | grep -c .", total);
	char *shape = ok(dir, shape_cmd);
	char *shape_want = sk_printf("0\n%d\n", total);
	ck_assert_str_eq(shape, shape_want);
	free(shape_cmd);
	free(shape_want);
	free(shape);
	free(status);
	free(want);
	free(counts);
	free(cmd);
	free(base);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	setenv("SAMSKAP", SAMSKAP_BIN, 1);
	Suite *s = suite_create("store concurrency");
	TCase *tc = tcase_create("concurrent");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, eight_by_twentyfive_logs);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
