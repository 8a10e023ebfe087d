/* Crash safety: samskap killed with SIGKILL in the middle of an index
 * rebuild, an incremental index update and a commit. The next command
 * must recover by itself: the index consistent (the same answers as a
 * fresh rebuild), `git fsck` clean, no half-written record committed, the
 * work tree holding every committed write, and no lock left behind that
 * blocks the next writer. The kill points are spread over each command's
 * run by a range of delays. */
#include "sktest.h"

#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Delays (seconds) after which the command is killed. */
static const char *const delays[] = {
	"0.005", "0.02", "0.05", "0.1", "0.2", "0.4",
};
#define N_DELAYS (sizeof delays / sizeof delays[0])

/* Runs a shell command that must succeed; returns its stdout. */
static char *ok(const char *dir, const char *cmd)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	ck_assert_msg(r.status == 0, "'%s' exited %d:\n%s%s", cmd, r.status, r.out, r.err);
	free(r.err);
	return r.out;
}

/* Starts `samskap ARGS` in dir and kills it with SIGKILL after `delay`. */
static void run_and_kill(const char *dir, const char *args, const char *delay)
{
	sk_run_result r = sk_test_run(dir, NULL,
		"%s %s >/dev/null 2>&1 & pid=$!; sleep %s; kill -9 $pid 2>/dev/null; wait $pid; true",
		SAMSKAP_BIN, args, delay);
	sk_run_result_free(&r);
}

/* A KB (git) from the bundled example plus `extra` generated cases, each
 * mentioning `word`, committed. */
static char *make_kb(int extra, const char *word)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL,
		"%s init . --example >/dev/null && "
		"for i in $(seq %d); do printf -- '---\\ntitle: Sak %%s\\nkommuner: [asker]\\n---\\n"
		"Erfaringer med %s og hverdagsrehabilitering i sak %%s.\\n' $i $i > cases/sak-$i.md; done && "
		"git add -A && { git diff --cached --quiet || git -c user.name=T -c user.email=t@example.org commit -qm extra; }",
		SAMSKAP_BIN, extra, word);
	ck_assert_msg(r.status == 0, "making the KB failed: %s%s", r.out, r.err);
	sk_run_result_free(&r);
	return dir;
}

/* Number of records matching query, from `search --json` ("total"). */
static long search_total(const char *dir, const char *query)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s search '%s' --json --limit 1", SAMSKAP_BIN, query);
	ck_assert_msg(r.status == 0, "search after a crash failed (%d):\n%s%s", r.status, r.out, r.err);
	const char *p = strstr(r.out, "\"total\"");
	ck_assert_msg(p != NULL, "no total in:\n%s", r.out);
	long total = strtol(strchr(p, ':') + 1, NULL, 10);
	sk_run_result_free(&r);
	return total;
}

START_TEST(killed_rebuild_recovers)
{
	char *dir = make_kb(1000, "krasjsikkerhet");
	for (size_t i = 0; i < N_DELAYS; i++)
		run_and_kill(dir, "index --rebuild", delays[i]);
	/* The next read command brings the index up to date by itself. */
	long after_crash = search_total(dir, "krasjsikkerhet");
	sk_run_result r = sk_test_run(dir, NULL, "%s index --rebuild", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	sk_run_result_free(&r);
	long fresh = search_total(dir, "krasjsikkerhet");
	ck_assert_int_eq(fresh, 1000);
	ck_assert_int_eq(after_crash, fresh);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(killed_incremental_update_recovers)
{
	char *dir = make_kb(1000, "krasjgrunnlag");
	sk_run_result first = sk_test_run(dir, NULL, "%s index", SAMSKAP_BIN);
	ck_assert_int_eq(first.status, 0);
	sk_run_result_free(&first);
	for (size_t i = 0; i < N_DELAYS; i++) {
		/* A new commit changing 200 records, then an update killed midway. */
		sk_run_result r = sk_test_run(dir, NULL,
			"for i in $(seq 200); do sed -i 's/Erfaringer med [a-z0-9]*/Erfaringer med "
			"runde%zu/' cases/sak-$i.md; done && git -c user.name=T -c user.email=t@example.org "
			"commit -qam round%zu", i, i);
		ck_assert_int_eq(r.status, 0);
		sk_run_result_free(&r);
		run_and_kill(dir, "index", delays[i]);
	}
	char last[32];
	snprintf(last, sizeof last, "runde%zu", N_DELAYS - 1);
	ck_assert_int_eq(search_total(dir, last), 200);
	ck_assert_int_eq(search_total(dir, "runde0"), 0);
	ck_assert_int_eq(search_total(dir, "krasjgrunnlag"), 800);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(killed_commit_recovers)
{
	/* A KB of its own (not the example) so that the check below is about
	 * what the killed writers left, nothing else. */
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL, "%s init . >/dev/null && %s new experiment "
		"--title Krasj --kommune asker --challenge ungt-utenforskap "
		"--field 'hypothesis=Skrivinger overlever kill -9' "
		"--field 'metrics=[{name: tap, unit: antall, baseline: 0, target: 0}]' --no-edit "
		"&& mkdir -p kommuner challenges && printf -- '---\ntitle: Asker\nkommunenummer: \"3203\"\n"
		"fylke: Akershus\nresource_group: true\n---\n' > kommuner/asker.md && printf -- "
		"'---\ntitle: Ungt utenforskap\nstatus: active\n---\n' > challenges/ungt-utenforskap.md "
		"&& git add -A && git -c user.name=T -c user.email=t@example.org commit -qm base",
		SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "making the KB failed: %s%s", r.out, r.err);
	sk_run_result_free(&r);
	const char *exp = "krasj";
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < N_DELAYS; i++) {
			char args[160];
			snprintf(args, sizeof args, "log %s -m 'Runde %d.%zu' --kind observation", exp,
				round, i);
			run_and_kill(dir, args, delays[i]);
		}
	/* No lock left behind: the next writer goes through at once. */
	r = sk_test_run(dir, NULL, "timeout 20 %s log %s -m 'Etter krasjene'",
		SAMSKAP_BIN, exp);
	ck_assert_msg(r.status == 0, "the writer after the crashes failed (%d):\n%s%s", r.status,
		r.out, r.err);
	sk_run_result_free(&r);
	/* git is intact. */
	r = sk_test_run(dir, NULL, "git fsck --no-progress --no-dangling 2>&1");
	ck_assert_msg(r.status == 0 && r.out[0] == '\0', "git fsck:\n%s%s", r.out, r.err);
	sk_run_result_free(&r);
	/* Every committed write is in the work tree, unchanged. */
	char *changed = ok(dir, "git diff --name-only --diff-filter=DM HEAD");
	ck_assert_msg(changed[0] == '\0', "committed files missing or changed in the work tree:\n%s",
		changed);
	free(changed);
	/* Nothing half-written was committed: the committed tree checks clean. */
	char *tree = sk_test_tmpdir();
	r = sk_test_run(dir, NULL, "git archive HEAD | tar -x -C '%s' && %s check '%s'", tree,
		SAMSKAP_BIN, tree);
	ck_assert_msg(r.status == 0, "the committed tree does not check:\n%s%s", r.out, r.err);
	sk_run_result_free(&r);
	sk_test_rmtree(tree);
	free(tree);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* A writer killed just now, holding git's locks: its journal is found at
 * once but its locks are younger than the staleness limit. The next writer
 * must still go through (it waits for them to age) instead of waiting on
 * them until its deadline; deterministic, unlike the kills above. */
START_TEST(fresh_locks_of_a_dead_writer)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL, "%s init . >/dev/null && %s new experiment "
		"--title Laas --kommune asker --challenge ungt-utenforskap "
		"--field 'hypothesis=Låser blir ikke stående' "
		"--field 'metrics=[{name: tap, unit: antall, baseline: 0, target: 0}]' --no-edit >/dev/null "
		"&& pid=$(sh -c 'echo $$') && mkdir -p .git/samskap-pending && : > .git/samskap-pending/$pid-0 "
		"&& : > .git/index.lock && : > .git/refs/heads/main.lock "
		"&& timeout 20 %s log laas -m 'Etter et brått stopp' && test ! -e .git/index.lock "
		"&& test ! -e .git/refs/heads/main.lock && test ! -e .git/samskap-pending/$pid-0",
		SAMSKAP_BIN, SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "the writer after a fresh crash failed (%d):\n%s%s", r.status,
		r.out, r.err);
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("kill -9");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, killed_rebuild_recovers);
	tcase_add_test(tc, killed_incremental_update_recovers);
	tcase_add_test(tc, killed_commit_recovers);
	tcase_add_test(tc, fresh_locks_of_a_dead_writer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sk_test_main(crash_suite());
}
