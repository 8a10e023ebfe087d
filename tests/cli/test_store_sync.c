/* samskap sync through the real binary: two clones and a bare hub on disk
 * syncing both ways, a same-line conflict, unknown and unreachable remotes,
 * a refused push. git itself only sets up and checks. */
#include "sktest.h"

#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_FIELDS "--kommune asker --challenge ungt-utenforskap " \
	"--field 'hypothesis=Tidlig kontakt gir færre som faller ut' " \
	"--field 'metrics=[{name: frafall, unit: prosent, baseline: 20, target: 10}]'"

static char *ok(const char *dir, const char *cmd)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	ck_assert_msg(r.status == 0, "'%s' exited %d:\n%s%s", cmd, r.status, r.out, r.err);
	free(r.err);
	return r.out;
}

static void assert_clean(const char *dir)
{
	char *st = ok(dir, "git status --porcelain");
	ck_assert_msg(st[0] == '\0', "git status in %s is not clean:\n%s", dir, st);
	free(st);
}

/* hub.git, clone a (made with samskap init, pushed by samskap sync) and
 * clone b (git clone of the hub), under a new temporary folder. */
static char *make_hub_and_clones(void)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL,
		"git init -q --bare -b main hub.git && $SAMSKAP init a >/dev/null && cd a && "
		"$SAMSKAP new experiment --title Ungdom " EXP_FIELDS " --no-edit >/dev/null && "
		"$SAMSKAP new case --title Saken --no-edit >/dev/null && "
		"git remote add origin ../hub.git && $SAMSKAP sync && cd .. && git clone -q hub.git b");
	ck_assert_msg(r.status == 0, "setting up failed: %s%s", r.out, r.err);
	ck_assert_contains(r.out, "Pushed 3 commits to origin/main.");
	sk_run_result_free(&r);
	return dir;
}

START_TEST(two_clones_sync_both_ways)
{
	char *dir = make_hub_and_clones();
	char *a = sk_path_join(dir, "a"), *b = sk_path_join(dir, "b");
	sk_run_result r;

	/* Both log into the same experiment at once (no sync in between). */
	free(ok(a, "$SAMSKAP log ungdom -m 'Fra a, én' && $SAMSKAP log ungdom -m 'Fra a, to'"));
	free(ok(b, "$SAMSKAP log ungdom -m 'Fra b' --author 'Bodil <b@example.org>'"));

	r = sk_test_run(a, NULL, "$SAMSKAP sync");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Pushed 2 commits");
	sk_run_result_free(&r);
	r = sk_test_run(b, NULL, "$SAMSKAP sync");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Merged 2 commits from origin/main and pushed 2");
	sk_run_result_free(&r);
	r = sk_test_run(a, NULL, "$SAMSKAP sync");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Fetched 2 commits from origin/main (fast-forward)");
	sk_run_result_free(&r);
	r = sk_test_run(b, NULL, "$SAMSKAP sync");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Already up to date");
	sk_run_result_free(&r);
	r = sk_test_run(b, NULL, "$SAMSKAP sync --json");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"outcome\": \"up-to-date\"");
	ck_assert_contains(r.out, "\"conflicts\": []");
	sk_run_result_free(&r);

	/* Every entry is in both clones (work tree and commit) and the hub. */
	char *la = ok(a, "ls experiments/ungdom/log | wc -l && git ls-files experiments/ungdom/log | wc -l");
	char *lb = ok(b, "ls experiments/ungdom/log | wc -l && git ls-files experiments/ungdom/log | wc -l");
	char *hub = ok(dir, "git --git-dir=hub.git ls-tree --name-only main experiments/ungdom/log/ | wc -l");
	ck_assert_str_eq(la, "3\n3\n");
	ck_assert_str_eq(lb, "3\n3\n");
	ck_assert_str_eq(hub, "3\n");
	free(la);
	free(lb);
	free(hub);
	char *heads = ok(dir, "git -C a rev-parse HEAD && git -C b rev-parse HEAD && git --git-dir=hub.git rev-parse main");
	ck_assert_uint_eq(strlen(heads), 3 * 41);
	ck_assert(strncmp(heads, heads + 41, 40) == 0 && strncmp(heads, heads + 82, 40) == 0);
	free(heads);
	char *merge = ok(b, "git log --merges --format=%s");
	ck_assert_str_eq(merge, "sync: merge origin/main (Test Person)\n");
	free(merge);
	assert_clean(a);
	assert_clean(b);
	free(ok(a, "git fsck --strict --no-progress"));
	free(a);
	free(b);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(same_line_conflict_keeps_both)
{
	char *dir = make_hub_and_clones();
	char *a = sk_path_join(dir, "a"), *b = sk_path_join(dir, "b");
	sk_run_result r;

	free(ok(a, "EDITOR='sed -i s/^status:.*/status:\\ running/' $SAMSKAP edit saken && $SAMSKAP sync"));
	free(ok(b, "EDITOR='sed -i s/^status:.*/status:\\ stopped/' $SAMSKAP edit saken && "
		"$SAMSKAP log ungdom -m 'Ikke i konflikt'"));
	char *before = ok(b, "git rev-parse HEAD");

	r = sk_test_run(b, NULL, "$SAMSKAP sync --json");
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "\"outcome\": \"conflict\"");
	ck_assert_contains(r.out, "\"cases/saken.md\"");
	ck_assert_contains(r.err, "conflict: cases/saken.md");
	ck_assert_contains(r.err, "refs/samskap/conflict/origin/main");
	ck_assert_contains(r.err, "git merge");
	ck_assert_not_contains(r.err, "ungdom");
	sk_run_result_free(&r);

	/* Nothing lost: local unchanged (branch and file), the remote's
	 * version reachable under the conflict ref, the hub untouched. */
	char *after = ok(b, "git rev-parse HEAD");
	ck_assert_str_eq(before, after);
	char *mine = sk_test_read(b, "cases/saken.md");
	ck_assert_contains(mine, "status: stopped");
	free(mine);
	char *theirs = ok(b, "git show refs/samskap/conflict/origin/main:cases/saken.md");
	ck_assert_contains(theirs, "status: running");
	free(theirs);
	char *hub = ok(dir, "git --git-dir=hub.git show main:cases/saken.md");
	ck_assert_contains(hub, "status: running");
	free(hub);
	assert_clean(b);

	/* Going on as the message says: merge, resolve, commit, sync. */
	r = sk_test_run(b, NULL, "git merge -q refs/samskap/conflict/origin/main >/dev/null 2>&1; "
		"git checkout --theirs cases/saken.md && git add cases/saken.md && "
		"git -c user.name=B -c user.email=b@example.org commit -q --no-edit && $SAMSKAP sync");
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_contains(r.out, "Pushed");
	sk_run_result_free(&r);
	free(before);
	free(after);
	free(a);
	free(b);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(remote_errors)
{
	char *dir = make_hub_and_clones();
	char *a = sk_path_join(dir, "a");
	sk_run_result r;

	r = sk_test_run(a, NULL, "$SAMSKAP sync nosuch");
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no remote named 'nosuch'");
	sk_run_result_free(&r);

	r = sk_test_run(a, NULL, "git remote add gone ../no-such-hub.git && $SAMSKAP sync gone");
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "cannot fetch from the remote 'gone'");
	sk_run_result_free(&r);

	/* A URL rewritten by url.BASE.insteadOf, as git does. */
	r = sk_test_run(a, NULL, "git remote add alias hub:hub.git && "
		"git config \"url.$(cd .. && pwd)/.insteadOf\" hub: && $SAMSKAP sync alias");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Already up to date with alias/main.");
	sk_run_result_free(&r);

	/* A push the remote refuses: pushes go to a hub that has moved on. */
	r = sk_test_run(dir, NULL, "git clone -q --bare hub.git other.git && git clone -q other.git o && "
		"cd o && $SAMSKAP new case --title Annen --no-edit >/dev/null && git push -q origin main && "
		"cd ../a && git remote set-url --push origin ../other.git && "
		"$SAMSKAP new case --title Min --no-edit >/dev/null && $SAMSKAP sync");
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "refused the push");
	ck_assert_contains(r.err, "safe locally");
	sk_run_result_free(&r);

	/* A branch that never had a commit pushed: an empty hub. */
	r = sk_test_run(dir, NULL, "git init -q --bare -b main empty.git && cd a && "
		"git remote add empty ../empty.git && $SAMSKAP sync empty && $SAMSKAP sync empty");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Pushed 4 commits to empty/main.");
	ck_assert_contains(r.out, "Already up to date with empty/main.");
	sk_run_result_free(&r);
	free(a);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	setenv("SAMSKAP", SAMSKAP_BIN, 1);
	Suite *s = suite_create("store sync");
	TCase *tc = tcase_create("sync");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_clones_sync_both_ways);
	tcase_add_test(tc, same_line_conflict_keeps_both);
	tcase_add_test(tc, remote_errors);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
