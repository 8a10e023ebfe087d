/* store: commits with compare-and-swap, the work tree and index after a
 * write, reading, diffs, status, history and sync, on repositories made
 * in temporary folders (the git CLI only checks the results). */
#include "samskap/store.h"
#include "sktest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GIT "git -c user.name=Git -c user.email=git@example.org -c init.defaultBranch=main "

/* Asserts a call returned `want`, showing the error message when not. */
#define ck_rc(call, want) do { \
	int rc_ = (call); \
	ck_assert_msg(rc_ == (want), "%s returned %d (wanted %d): %s", #call, rc_, (want), sk_error_last()); \
} while (0)

static sk_store_author test_author(void)
{
	sk_store_author a = { sk_strdup("Kari Nordmann"), sk_strdup("kari@example.org") };
	return a;
}

/* Runs a shell command in dir and returns its stdout (caller frees);
 * fails the test when it exits non-zero. */
static char *sh(const char *dir, const char *cmd)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	ck_assert_msg(r.status == 0, "'%s' failed (%d): %s", cmd, r.status, r.err);
	free(r.err);
	return r.out;
}

static int write1(sk_store *st, const char *path, const char *text, int expect, const char *msg)
{
	sk_store_author a = test_author();
	sk_store_write w = { path, text, text ? strlen(text) : 0, expect, { "" } };
	int rc = sk_store_commit(NULL, st, &w, 1, &a, msg);
	sk_store_author_free(&a);
	return rc;
}

static void assert_git_clean(const char *dir)
{
	char *out = sh(dir, "git status --porcelain");
	ck_assert_msg(out[0] == '\0', "git status is not clean:\n%s", out);
	free(out);
}

START_TEST(first_commit_and_reads)
{
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;
	sk_oid head, blob, hash;
	char *data = NULL;
	size_t len = 0;

	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(sk_store_head(&head, st), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "no commits");
	char *branch = NULL;
	ck_rc(sk_store_branch(&branch, st), 0);
	ck_assert_str_eq(branch, "main");
	free(branch);

	sk_store_file *files = NULL;
	size_t n = 99;
	ck_rc(sk_store_list(&files, &n, st, NULL), 0);
	ck_assert_uint_eq(n, 0);
	sk_store_files_free(files, n);

	ck_rc(write1(st, "samskap.json", "{}\n", SK_STORE_EXPECT_ABSENT, "init"), 0);
	ck_rc(write1(st, "cases/a.md", "hei\n", SK_STORE_EXPECT_ABSENT, "new: a"), 0);
	ck_rc(sk_store_head(&head, st), 0);
	ck_assert_uint_eq(strlen(head.hex), 40);

	ck_rc(sk_store_read(&data, &len, st, NULL, "cases/a.md"), 0);
	ck_assert_str_eq(data, "hei\n");
	ck_assert_uint_eq(len, 4);
	free(data);
	ck_rc(sk_store_read(&data, &len, st, NULL, "cases/none.md"), SK_ENOTFOUND);
	ck_rc(sk_store_read(&data, &len, st, NULL, "../etc/passwd"), SK_EINVALID);

	ck_rc(sk_store_blob_id(&blob, st, NULL, "cases/a.md"), 0);
	ck_rc(sk_store_hash(&hash, "hei\n", 4), 0);
	ck_assert_str_eq(blob.hex, hash.hex);
	ck_rc(sk_store_read_blob(&data, &len, st, &blob), 0);
	ck_assert_str_eq(data, "hei\n");
	free(data);
	ck_rc(sk_store_blob_id(&blob, st, NULL, "cases/none.md"), 0);
	ck_assert(sk_oid_is_zero(&blob));

	ck_rc(sk_store_list(&files, &n, st, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(files[0].path, "cases/a.md");
	ck_assert_str_eq(files[1].path, "samskap.json");
	sk_store_files_free(files, n);

	/* The work tree has the file and git sees nothing uncommitted. */
	char *wt = sk_test_read(dir, "cases/a.md");
	ck_assert_str_eq(wt, "hei\n");
	free(wt);
	assert_git_clean(dir);
	char *log = sh(dir, "git log --format='%an <%ae>|%s'");
	ck_assert_str_eq(log, "Kari Nordmann <kari@example.org>|new: a\n"
		"Kari Nordmann <kari@example.org>|init\n");
	free(log);
	sk_store_free(st);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(expectations_and_uncommitted_edits)
{
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;
	sk_store_author a = test_author();
	sk_oid before, after;

	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(write1(st, "cases/a.md", "one\n", SK_STORE_EXPECT_ABSENT, "a"), 0);
	ck_rc(write1(st, "cases/a.md", "two\n", SK_STORE_EXPECT_ABSENT, "a again"), SK_EEXISTS);
	ck_rc(sk_store_blob_id(&before, st, NULL, "cases/a.md"), 0);
	ck_rc(write1(st, "cases/a.md", "one\n", SK_STORE_EXPECT_ANY, "same"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "nothing to commit");

	/* An edit based on the current blob lands; one based on an old blob
	 * is refused. */
	sk_store_write w = { "cases/a.md", "two\n", 4, SK_STORE_EXPECT_BLOB, before };
	ck_rc(sk_store_commit(NULL, st, &w, 1, &a, "edit"), 0);
	w.data = "three\n";
	w.len = 6;
	ck_rc(sk_store_commit(NULL, st, &w, 1, &a, "stale edit"), SK_ECONFLICT);
	ck_assert_contains(sk_error_last(), "cases/a.md");
	ck_rc(sk_store_blob_id(&after, st, NULL, "cases/a.md"), 0);
	ck_assert_str_ne(before.hex, after.hex);

	/* A user's uncommitted edit is never overwritten. */
	sk_test_write(dir, "cases/a.md", "user's own edit\n");
	ck_rc(write1(st, "cases/a.md", "four\n", SK_STORE_EXPECT_ANY, "x"), SK_ECONFLICT);
	ck_assert_contains(sk_error_last(), "uncommitted");
	char *wt = sk_test_read(dir, "cases/a.md");
	ck_assert_str_eq(wt, "user's own edit\n");
	free(wt);
	/* ... but a file the editor already saved with the new content is fine. */
	sk_test_write(dir, "cases/a.md", "four\n");
	ck_rc(write1(st, "cases/a.md", "four\n", SK_STORE_EXPECT_ANY, "x"), 0);
	assert_git_clean(dir);

	/* An untracked file where a new one goes is not replaced. */
	sk_test_write(dir, "cases/b.md", "mine\n");
	ck_rc(write1(st, "cases/b.md", "theirs\n", SK_STORE_EXPECT_ABSENT, "b"), SK_ECONFLICT);
	/* Unrelated uncommitted work is neither committed nor touched. */
	sk_test_write(dir, "notes.txt", "scratch\n");
	ck_rc(write1(st, "cases/c.md", "c\n", SK_STORE_EXPECT_ABSENT, "c"), 0);
	char *files = sh(dir, "git ls-files");
	ck_assert_str_eq(files, "cases/a.md\ncases/c.md\n");
	free(files);

	/* Deleting, and paths that leave the KB. */
	ck_rc(write1(st, "cases/c.md", NULL, SK_STORE_EXPECT_ANY, "rm c"), 0);
	char *gone = sk_test_read(dir, "cases/c.md");
	ck_assert_ptr_null(gone);
	ck_rc(write1(st, "../x.md", "x", SK_STORE_EXPECT_ANY, "x"), SK_EINVALID);
	ck_rc(write1(st, ".git/config", "x", SK_STORE_EXPECT_ANY, "x"), SK_EINVALID);
	char *status = sh(dir, "git status --porcelain");
	ck_assert_str_eq(status, "?? cases/b.md\n?? notes.txt\n");
	free(status);

	sk_store_author_free(&a);
	sk_store_free(st);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(detached_head_and_open_errors)
{
	char *dir = sk_test_tmpdir();
	char *sub = sk_path_join(dir, "plain");
	sk_store *st = NULL;

	sk_path_mkdirs(sub);
	ck_rc(sk_store_open(&st, sub), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "not inside a git repository");
	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(write1(st, "a.md", "a\n", SK_STORE_EXPECT_ABSENT, "a"), 0);
	sk_store_free(st);
	free(sh(dir, "git checkout -q --detach"));
	ck_rc(sk_store_open(&st, dir), 0);
	ck_rc(write1(st, "b.md", "b\n", SK_STORE_EXPECT_ABSENT, "b"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "detached");
	char *branch = NULL;
	ck_rc(sk_store_branch(&branch, st), SK_EINVALID);
	sk_store_free(st);
	free(sub);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(kb_in_a_subfolder)
{
	char *dir = sk_test_tmpdir();
	char *kb = sk_path_join(dir, "docs/kb");
	sk_store *st = NULL;

	sk_path_mkdirs(kb);
	free(sh(dir, GIT "init -q ."));
	sk_test_write(dir, "README", "outside\n");
	free(sh(dir, GIT "add README && " GIT "commit -q -m readme"));
	ck_rc(sk_store_open(&st, kb), 0);
	ck_assert_str_eq(sk_store_prefix(st), "docs/kb/");
	ck_rc(write1(st, "cases/x.md", "x\n", SK_STORE_EXPECT_ABSENT, "x"), 0);
	char *x = sk_test_read(dir, "docs/kb/cases/x.md");
	ck_assert_str_eq(x, "x\n");
	free(x);
	sk_store_file *files = NULL;
	size_t n = 0;
	ck_rc(sk_store_list(&files, &n, st, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(files[0].path, "cases/x.md");
	sk_store_files_free(files, n);
	sk_store_commit_info *h = NULL;
	ck_rc(sk_store_history(&h, &n, st, NULL, 0, 0), 0);
	ck_assert_uint_eq(n, 1); /* the README commit lies outside the KB */
	ck_assert_str_eq(h[0].paths[0], "cases/x.md");
	sk_store_history_free(h, n);
	assert_git_clean(dir);
	sk_store_free(st);
	free(kb);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(diff_and_status)
{
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;
	sk_oid c1, c2;
	sk_store_change *ch = NULL;
	size_t n = 0;

	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(write1(st, "a.md", "a\n", SK_STORE_EXPECT_ABSENT, "a"), 0);
	ck_rc(write1(st, "b.md", "b\n", SK_STORE_EXPECT_ABSENT, "b"), 0);
	ck_rc(sk_store_head(&c1, st), 0);
	ck_rc(write1(st, "a.md", "a2\n", SK_STORE_EXPECT_ANY, "a2"), 0);
	ck_rc(write1(st, "c.md", "c\n", SK_STORE_EXPECT_ABSENT, "c"), 0);
	ck_rc(write1(st, "b.md", NULL, SK_STORE_EXPECT_ANY, "rm b"), 0);
	ck_rc(sk_store_head(&c2, st), 0);

	ck_rc(sk_store_diff(&ch, &n, st, &c1, &c2), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ch[0].kind, SK_CHANGE_MODIFIED);
	ck_assert_str_eq(ch[0].new_path, "a.md");
	ck_assert_int_eq(ch[1].kind, SK_CHANGE_DELETED);
	ck_assert_str_eq(ch[1].old_path, "b.md");
	ck_assert_int_eq(ch[2].kind, SK_CHANGE_ADDED);
	ck_assert_str_eq(ch[2].new_path, "c.md");
	sk_store_changes_free(ch, n);
	ck_rc(sk_store_diff(&ch, &n, st, NULL, NULL), 0);
	ck_assert_uint_eq(n, 2); /* from the empty tree: a.md and c.md */
	sk_store_changes_free(ch, n);

	ck_rc(sk_store_status(&ch, &n, st), 0);
	ck_assert_uint_eq(n, 0);
	sk_store_changes_free(ch, n);
	sk_test_write(dir, "a.md", "edited\n");
	sk_test_write(dir, "d.md", "new\n");
	ck_rc(sk_store_status(&ch, &n, st), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ch[0].kind, SK_CHANGE_MODIFIED);
	ck_assert_str_eq(ch[0].new_path, "a.md");
	sk_oid h;
	sk_store_hash(&h, "edited\n", 7);
	ck_assert_str_eq(ch[0].new_blob.hex, h.hex);
	ck_assert_int_eq(ch[1].kind, SK_CHANGE_ADDED);
	ck_assert_str_eq(ch[1].new_path, "d.md");
	sk_store_changes_free(ch, n);
	sk_store_free(st);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* The diff walks only subtrees that changed: nested additions, a
 * modification, deletions alone, files outside the KB's folder left out,
 * and renames still paired (a commit with both additions and deletions). */
START_TEST(diff_walks_changed_trees)
{
	char *dir = sk_test_tmpdir();
	char *kb = sk_path_join(dir, "docs/kb");
	sk_store *st = NULL;
	sk_oid c1, c2, c3, c4;
	sk_store_change *ch = NULL;
	size_t n = 0;

	sk_path_mkdirs(kb);
	free(sh(dir, GIT "init -q ."));
	sk_test_write(dir, "docs/kbx/outside.md", "x\n");
	sk_test_write(dir, "README", "outside\n");
	free(sh(dir, GIT "add -A && " GIT "commit -q -m outside"));
	ck_rc(sk_store_open(&st, kb), 0);
	ck_rc(write1(st, "a.md", "a\n", SK_STORE_EXPECT_ABSENT, "a"), 0);
	ck_rc(write1(st, "cases/keep.md", "keep\n", SK_STORE_EXPECT_ABSENT, "keep"), 0);
	ck_rc(sk_store_head(&c1, st), 0);
	ck_rc(write1(st, "a.md", "a2\n", SK_STORE_EXPECT_ANY, "a2"), 0);
	ck_rc(write1(st, "sub/d.md", "d\n", SK_STORE_EXPECT_ABSENT, "d"), 0);
	ck_rc(write1(st, "sub/deep/e.md", "e\n", SK_STORE_EXPECT_ABSENT, "e"), 0);
	sk_test_write(dir, "docs/kbx/outside.md", "y\n");   /* beside the KB, not in it */
	sk_test_write(dir, "README", "changed\n");
	free(sh(dir, GIT "add -A && " GIT "commit -q -m outside2"));
	ck_rc(sk_store_head(&c2, st), 0);

	ck_rc(sk_store_diff(&ch, &n, st, &c1, &c2), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ch[0].kind, SK_CHANGE_MODIFIED);
	ck_assert_str_eq(ch[0].old_path, "a.md");
	ck_assert_str_eq(ch[0].new_path, "a.md");
	sk_oid h;
	sk_store_hash(&h, "a2\n", 3);
	ck_assert_str_eq(ch[0].new_blob.hex, h.hex);
	ck_assert_int_eq(ch[1].kind, SK_CHANGE_ADDED);
	ck_assert_str_eq(ch[1].new_path, "sub/d.md");
	ck_assert_int_eq(ch[2].kind, SK_CHANGE_ADDED);
	ck_assert_str_eq(ch[2].new_path, "sub/deep/e.md");
	sk_store_changes_free(ch, n);

	/* Deletions only: a whole folder. */
	ck_rc(write1(st, "sub/deep/e.md", NULL, SK_STORE_EXPECT_ANY, "rm e"), 0);
	ck_rc(write1(st, "sub/d.md", NULL, SK_STORE_EXPECT_ANY, "rm d"), 0);
	ck_rc(sk_store_head(&c3, st), 0);
	ck_rc(sk_store_diff(&ch, &n, st, &c2, &c3), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ch[0].kind, SK_CHANGE_DELETED);
	ck_assert_str_eq(ch[0].old_path, "sub/d.md");
	ck_assert_int_eq(ch[1].kind, SK_CHANGE_DELETED);
	ck_assert_str_eq(ch[1].old_path, "sub/deep/e.md");
	sk_store_changes_free(ch, n);

	/* A move: paired as a rename. */
	free(sh(kb, GIT "mv cases/keep.md cases/moved.md && " GIT "commit -q -m move"));
	ck_rc(sk_store_head(&c4, st), 0);
	ck_rc(sk_store_diff(&ch, &n, st, &c3, &c4), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ch[0].kind, SK_CHANGE_RENAMED);
	ck_assert_str_eq(ch[0].old_path, "cases/keep.md");
	ck_assert_str_eq(ch[0].new_path, "cases/moved.md");
	sk_store_changes_free(ch, n);

	/* From the empty tree: every file of the KB. */
	ck_rc(sk_store_diff(&ch, &n, st, NULL, &c1), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ch[0].new_path, "a.md");
	ck_assert_str_eq(ch[1].new_path, "cases/keep.md");
	sk_store_changes_free(ch, n);
	sk_store_free(st);
	free(kb);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(history_of_paths)
{
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;
	sk_store_commit_info *h = NULL;
	size_t n = 0;

	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(write1(st, "experiments/foo/index.md", "1\n2\n", SK_STORE_EXPECT_ABSENT, "new: foo"), 0);
	ck_rc(write1(st, "experiments/foobar/index.md", "x\n", SK_STORE_EXPECT_ABSENT, "new: foobar"), 0);
	ck_rc(write1(st, "experiments/foo/log/e1.md", "l\n", SK_STORE_EXPECT_ABSENT, "log: foo"), 0);
	ck_rc(write1(st, "experiments/foo/index.md", "1\n3\n4\n", SK_STORE_EXPECT_ANY, "edit: foo"), 0);

	const char *folder[] = { "experiments/foo/" };
	ck_rc(sk_store_history(&h, &n, st, folder, 1, 0), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(h[0].summary, "edit: foo");
	ck_assert_uint_eq(h[0].added, 2);
	ck_assert_uint_eq(h[0].removed, 1);
	ck_assert_str_eq(h[0].author_name, "Kari Nordmann");
	ck_assert_str_eq(h[1].summary, "log: foo");
	ck_assert_str_eq(h[1].paths[0], "experiments/foo/log/e1.md");
	ck_assert_str_eq(h[2].summary, "new: foo");
	ck_assert_uint_eq(h[2].added, 2);
	ck_assert(h[2].time > 1700000000);
	sk_store_history_free(h, n);

	/* A folder without its trailing '/' is the same folder, not a prefix
	 * of "experiments/foobar". */
	const char *folder2[] = { "experiments/foo" };
	ck_rc(sk_store_history(&h, &n, st, folder2, 1, 0), 0);
	ck_assert_uint_eq(n, 3);
	sk_store_history_free(h, n);

	const char *file[] = { "experiments/foo/index.md" };
	ck_rc(sk_store_history(&h, &n, st, file, 1, 0), 0);
	ck_assert_uint_eq(n, 2);
	sk_store_history_free(h, n);
	ck_rc(sk_store_history(&h, &n, st, NULL, 0, 2), 0);
	ck_assert_uint_eq(n, 2);
	sk_store_history_free(h, n);
	sk_store_free(st);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(author_resolution)
{
	sk_store_author a = { NULL, NULL };
	ck_rc(sk_store_author_resolve(&a, NULL, "Ola Nordmann <ola@example.org>"), 0);
	ck_assert_str_eq(a.name, "Ola Nordmann");
	ck_assert_str_eq(a.email, "ola@example.org");
	sk_store_author_free(&a);
	ck_rc(sk_store_author_resolve(&a, NULL, "Ola"), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "Name <email>");
	ck_rc(sk_store_author_resolve(&a, NULL, "<ola@example.org>"), SK_EINVALID);

	char *home = sk_test_tmpdir();
	char *saved = getenv("SAMSKAP_AUTHOR") ? sk_strdup(getenv("SAMSKAP_AUTHOR")) : NULL;
	setenv("SAMSKAP_AUTHOR", "Per Hansen <per@example.org>", 1);
	ck_rc(sk_store_author_resolve(&a, NULL, NULL), 0);
	ck_assert_str_eq(a.name, "Per Hansen");
	sk_store_author_free(&a);
	setenv("SAMSKAP_AUTHOR", "broken", 1);
	ck_rc(sk_store_author_resolve(&a, NULL, NULL), SK_EINVALID);
	ck_assert_contains(sk_error_last(), "SAMSKAP_AUTHOR");

	/* From git config (a repository's own), and none at all. */
	unsetenv("SAMSKAP_AUTHOR");
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	sk_store *st = NULL;
	ck_rc(sk_store_init(&st, home), 0);
	ck_rc(sk_store_author_resolve(&a, st, NULL), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "SAMSKAP_AUTHOR");
	free(sh(home, "git config user.name 'Config Person' && git config user.email cp@example.org"));
	sk_store_free(st);
	ck_rc(sk_store_open(&st, home), 0);
	ck_rc(sk_store_author_resolve(&a, st, NULL), 0);
	ck_assert_str_eq(a.name, "Config Person");
	ck_assert_str_eq(a.email, "cp@example.org");
	sk_store_author_free(&a);
	sk_store_free(st);
	if (saved)
		setenv("SAMSKAP_AUTHOR", saved, 1);
	free(saved);
	sk_test_rmtree(home);
	free(home);
}
END_TEST

/* Several processes commit at once through the library: every write lands. */
START_TEST(concurrent_writers)
{
	enum { PROCS = 4, EACH = 10 };
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;

	ck_rc(sk_store_init(&st, dir), 0);
	ck_rc(write1(st, "samskap.json", "{}\n", SK_STORE_EXPECT_ABSENT, "init"), 0);
	sk_store_free(st);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			sk_store *s = NULL;
			if (sk_store_open(&s, dir) < 0)
				_exit(2);
			for (int i = 0; i < EACH; i++) {
				char path[64], text[64];
				snprintf(path, sizeof path, "log/p%d-%d.md", p, i);
				snprintf(text, sizeof text, "entry %d %d\n", p, i);
				if (write1(s, path, text, SK_STORE_EXPECT_ABSENT, path) < 0) {
					fprintf(stderr, "%s\n", sk_error_last());
					_exit(1);
				}
			}
			sk_store_free(s);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int status = 0;
		waitpid(pids[p], &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", p);
	}
	char *count = sh(dir, "git rev-list --count HEAD && git ls-files log | wc -l && ls log | wc -l");
	ck_assert_str_eq(count, "41\n40\n40\n");
	free(count);
	free(sh(dir, "git fsck --strict --no-progress"));
	assert_git_clean(dir);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* Two clones and a bare hub: fast-forward, merge, conflict, errors. */
START_TEST(sync_between_clones)
{
	char *dir = sk_test_tmpdir();
	char *a_dir = sk_path_join(dir, "a"), *b_dir = sk_path_join(dir, "b");
	sk_store *a = NULL, *b = NULL;
	sk_store_author au = test_author();
	sk_sync_result res;

	free(sh(dir, GIT "init -q --bare hub.git && mkdir a && cd a && " GIT "init -q && "
		"git remote add origin ../hub.git"));
	ck_rc(sk_store_open(&a, a_dir), 0);
	ck_rc(write1(a, "cases/x.md", "line 1\nline 2\nline 3\n", SK_STORE_EXPECT_ABSENT, "x"), 0);
	ck_rc(sk_store_sync(&res, a, NULL, &au), 0);
	ck_assert_int_eq(res.outcome, SK_SYNC_PUSHED);
	ck_assert_uint_eq(res.n_pushed, 1);
	sk_sync_result_free(&res);

	free(sh(dir, GIT "clone -q hub.git b"));
	ck_rc(sk_store_open(&b, b_dir), 0);
	ck_rc(sk_store_sync(&res, b, NULL, &au), 0);
	ck_assert_int_eq(res.outcome, SK_SYNC_UP_TO_DATE);
	sk_sync_result_free(&res);

	/* Both write different files: b fast-forwards... then a merges. */
	ck_rc(write1(a, "log/a1.md", "a1\n", SK_STORE_EXPECT_ABSENT, "a1"), 0);
	ck_rc(sk_store_sync(&res, a, "origin", &au), 0);
	sk_sync_result_free(&res);
	ck_rc(write1(b, "log/b1.md", "b1\n", SK_STORE_EXPECT_ABSENT, "b1"), 0);
	ck_rc(sk_store_sync(&res, b, NULL, &au), 0);
	ck_assert_int_eq(res.outcome, SK_SYNC_MERGED);
	ck_assert_uint_eq(res.n_fetched, 1);
	sk_sync_result_free(&res);
	ck_rc(sk_store_sync(&res, a, NULL, &au), 0);
	ck_assert_int_eq(res.outcome, SK_SYNC_FAST_FORWARD);
	sk_sync_result_free(&res);
	char *la = sh(a_dir, "ls log"), *lb = sh(b_dir, "ls log");
	ck_assert_str_eq(la, "a1.md\nb1.md\n");
	ck_assert_str_eq(lb, "a1.md\nb1.md\n");
	free(la);
	free(lb);
	assert_git_clean(a_dir);
	assert_git_clean(b_dir);

	/* The same line changed on both sides: a conflict, nothing lost. */
	ck_rc(write1(a, "cases/x.md", "line 1\nline 2 from a\nline 3\n", SK_STORE_EXPECT_ANY, "a"), 0);
	ck_rc(sk_store_sync(&res, a, NULL, &au), 0);
	sk_sync_result_free(&res);
	ck_rc(write1(b, "cases/x.md", "line 1\nline 2 from b\nline 3\n", SK_STORE_EXPECT_ANY, "b"), 0);
	sk_oid before, after;
	sk_store_head(&before, b);
	ck_rc(sk_store_sync(&res, b, NULL, &au), SK_ECONFLICT);
	ck_assert_int_eq(res.outcome, SK_SYNC_CONFLICT);
	ck_assert_uint_eq(res.n_conflicts, 1);
	ck_assert_str_eq(res.conflicts[0], "cases/x.md");
	ck_assert_contains(sk_error_last(), "cases/x.md");
	ck_assert_str_eq(res.conflict_ref, "refs/samskap/conflict/origin/main");
	sk_sync_result_free(&res);
	sk_store_head(&after, b);
	ck_assert_str_eq(before.hex, after.hex);
	char *theirs = sh(b_dir, "git show refs/samskap/conflict/origin/main:cases/x.md");
	ck_assert_contains(theirs, "from a");
	free(theirs);
	char *ours = sk_test_read(b_dir, "cases/x.md");
	ck_assert_contains(ours, "from b");
	free(ours);

	/* A fast-forward that would overwrite an uncommitted edit stops
	 * before moving the branch. */
	sk_store_free(a);
	free(sh(a_dir, "git merge -q -X theirs refs/samskap/conflict/origin/main 2>/dev/null; true"));
	ck_rc(sk_store_open(&a, a_dir), 0);
	ck_rc(write1(a, "log/a2.md", "a2\n", SK_STORE_EXPECT_ABSENT, "a2"), 0);
	ck_rc(sk_store_sync(&res, a, NULL, &au), 0);
	sk_sync_result_free(&res);
	free(sh(b_dir, "git checkout -q -- . && git reset -q --hard refs/samskap/conflict/origin/main"));
	sk_store_free(b);
	ck_rc(sk_store_open(&b, b_dir), 0);
	sk_test_write(b_dir, "log/a2.md", "b's own, uncommitted\n");
	sk_store_head(&before, b);
	ck_rc(sk_store_sync(&res, b, NULL, &au), SK_ECONFLICT);
	ck_assert_contains(sk_error_last(), "log/a2.md");
	sk_sync_result_free(&res);
	sk_store_head(&after, b);
	ck_assert_str_eq(before.hex, after.hex);
	char *kept = sk_test_read(b_dir, "log/a2.md");
	ck_assert_str_eq(kept, "b's own, uncommitted\n");
	free(kept);

	/* Unknown and unreachable remotes. */
	ck_rc(sk_store_sync(&res, b, "nosuch", &au), SK_ENOTFOUND);
	ck_assert_contains(sk_error_last(), "nosuch");
	sk_sync_result_free(&res);
	free(sh(b_dir, "git remote add gone /nonexistent/samskap-hub.git"));
	ck_rc(sk_store_sync(&res, b, "gone", &au), SK_EIO);
	ck_assert_contains(sk_error_last(), "cannot fetch");
	sk_sync_result_free(&res);

	sk_store_author_free(&au);
	sk_store_free(a);
	sk_store_free(b);
	free(a_dir);
	free(b_dir);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(kb_init_and_bundled_content)
{
	char *dir = sk_test_tmpdir();
	char *kb = sk_path_join(dir, "kb"), *ex = sk_path_join(dir, "ex");
	char *content = NULL;
	sk_store_author a = test_author();
	sk_oid c;

	ck_rc(sk_store_kb_init(&c, kb, NULL, &a), 0);
	ck_assert_uint_eq(strlen(c.hex), 40);
	char *json = sk_test_read(kb, "samskap.json");
	ck_assert_contains(json, "\"name\": \"kb\"");
	free(json);
	char *files = sh(kb, "git ls-files && test -d experiments && test -d kommuner && git status --porcelain");
	ck_assert_str_eq(files, ".gitignore\nsamskap.json\n");
	free(files);
	ck_rc(sk_store_kb_init(&c, kb, NULL, &a), SK_EEXISTS);

	/* Example content: every file copied and committed. */
	sk_test_write(dir, "ex/samskap.json", "{\"name\": \"Eksempel\"}\n");
	sk_test_write(dir, "ex/cases/a.md", "---\ntitle: A\n---\n");
	char *kb2 = sk_path_join(dir, "kb2");
	ck_rc(sk_store_kb_init(&c, kb2, ex, &a), 0);
	files = sh(kb2, "git ls-files && git status --porcelain && cat samskap.json");
	ck_assert_str_eq(files, ".gitignore\ncases/a.md\nsamskap.json\n{\"name\": \"Eksempel\"}\n");
	free(files);

	/* The bundled content is found (from the source tree in a build). */
	ck_rc(sk_data_path(&content, "content"), 0);
	char *p = sk_path_join(content, "samskap.json");
	ck_assert(sk_path_exists(p));
	free(p);
	free(content);
	ck_rc(sk_data_path(&content, "no-such-thing"), SK_ENOTFOUND);
	sk_store_author_free(&a);
	free(kb2);
	free(kb);
	free(ex);
	sk_test_rmtree(dir);
	free(dir);
}

/* sk_store_log: the walk ends at `since` (only the period's commits are
 * diffed), and lines are left uncounted when asked. */
START_TEST(log_since_and_without_lines)
{
	char *dir = sk_test_tmpdir();
	sk_store *st = NULL;
	free(sh(dir, GIT "init -q ."));
	sk_test_write(dir, "samskap.json", "{}\n");
	sk_test_write(dir, "cases/old.md", "a\nb\nc\n");
	free(sh(dir, "GIT_AUTHOR_DATE='2020-01-01T12:00:00Z' GIT_COMMITTER_DATE='2020-01-01T12:00:00Z' "
		GIT "add -A && GIT_AUTHOR_DATE='2020-01-01T12:00:00Z' GIT_COMMITTER_DATE='2020-01-01T12:00:00Z' "
		GIT "commit -q -m old"));
	sk_test_write(dir, "cases/new.md", "x\ny\n");
	free(sh(dir, "GIT_AUTHOR_DATE='2026-06-01T12:00:00Z' GIT_COMMITTER_DATE='2026-06-01T12:00:00Z' "
		GIT "add -A && GIT_AUTHOR_DATE='2026-06-01T12:00:00Z' GIT_COMMITTER_DATE='2026-06-01T12:00:00Z' "
		GIT "commit -q -m new"));
	ck_rc(sk_store_open(&st, dir), 0);
	sk_store_commit_info *h = NULL;
	size_t n = 0;
	/* 2026-01-01T00:00:00Z */
	sk_store_log_opts o = { NULL, 0, 0, 1767225600, 1 };
	ck_rc(sk_store_log(&h, &n, st, &o), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].summary, "new");
	ck_assert_uint_eq(h[0].n_paths, 1);
	ck_assert_uint_eq(h[0].added, 0);
	sk_store_history_free(h, n);
	ck_rc(sk_store_history(&h, &n, st, NULL, 0, 0), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(h[0].added, 2);
	ck_assert_uint_eq(h[1].added, 4);
	sk_store_history_free(h, n);
	sk_store_free(st);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, first_commit_and_reads);
	tcase_add_test(tc, expectations_and_uncommitted_edits);
	tcase_add_test(tc, detached_head_and_open_errors);
	tcase_add_test(tc, kb_in_a_subfolder);
	tcase_add_test(tc, diff_and_status);
	tcase_add_test(tc, diff_walks_changed_trees);
	tcase_add_test(tc, history_of_paths);
	tcase_add_test(tc, log_since_and_without_lines);
	tcase_add_test(tc, author_resolution);
	tcase_add_test(tc, concurrent_writers);
	tcase_add_test(tc, sync_between_clones);
	tcase_add_test(tc, kb_init_and_bundled_content);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
