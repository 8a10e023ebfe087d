/* samskap init, new, log, edit and history through the real binary, on
 * knowledge bases made in temporary folders; git itself only checks. */
#include "sktest.h"

#include "samskap/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_FIELDS "--kommune asker --challenge ungt-utenforskap " \
	"--field 'hypothesis=Tidlig kontakt gir færre som faller ut' " \
	"--field 'metrics=[{name: frafall, unit: prosent, baseline: 20, target: 10}, " \
	"{name: deltakere, unit: antall, baseline: 0, target: 50}]'"

/* Runs a command that must succeed; returns its stdout (caller frees). */
static char *ok(const char *dir, const char *cmd)
{
	sk_run_result r = sk_test_run(dir, NULL, "%s", cmd);
	ck_assert_msg(r.status == 0, "'%s' exited %d:\n%s%s", cmd, r.status, r.out, r.err);
	free(r.err);
	return r.out;
}

/* A KB in a new temporary folder with one experiment, "ungdom". */
static char *make_kb(void)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL, "%s init . && %s new experiment --title Ungdom "
		EXP_FIELDS " --no-edit", SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "making the KB failed: %s%s", r.out, r.err);
	sk_run_result_free(&r);
	return dir;
}

static void assert_clean(const char *dir)
{
	char *st = ok(dir, "git status --porcelain");
	ck_assert_msg(st[0] == '\0', "git status is not clean:\n%s", st);
	free(st);
}

START_TEST(init_makes_a_kb)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r = sk_test_run(dir, NULL, "%s init kb", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Made a knowledge base");
	sk_run_result_free(&r);
	char *kb = sk_path_join(dir, "kb");
	char *files = ok(kb, "git ls-files && git log --format=%an:%s && test -d experiments && "
		"test -d kommuner && cat .gitignore");
	ck_assert_str_eq(files, ".gitignore\nsamskap.json\nTest Person:init: new knowledge base\n.samskap/\n");
	free(files);
	assert_clean(kb);

	/* Again: refused, nothing changed. */
	r = sk_test_run(dir, NULL, "%s init kb", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "already a knowledge base");
	sk_run_result_free(&r);

	/* --example: the bundled content, all committed. */
	r = sk_test_run(dir, NULL, "%s init ex --example", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	sk_run_result_free(&r);
	char *ex = sk_path_join(dir, "ex");
	char *n = ok(ex, "git ls-files kommuner | wc -l && git ls-files partnership.md && "
		"test $(git ls-files | wc -l) -eq $(( $(cd " SK_SOURCE_DIR "/content && "
		"find . -type f ! -name '.*' | wc -l) + 1 ))"); /* + .gitignore */
	ck_assert_msg(atoi(n) >= 10, "too few kommuner in the example: %s", n);
	ck_assert_contains(n, "partnership.md");
	free(n);
	assert_clean(ex);
	free(ex);
	free(kb);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* A KB made inside another repository: a folder that repository ignores
 * (a project's build folder, as tools/demo uses) gets a repository of its
 * own and leaves the outer one untouched; a tracked folder becomes a
 * folder KB of the outer repository. */
START_TEST(init_inside_another_repository)
{
	char *dir = sk_test_tmpdir();
	char *out = ok(dir, "git init -q -b main . && printf '/build/\\n' > .gitignore && "
		"git add .gitignore && git -c user.name=P -c user.email=p@x commit -q -m project && "
		"git rev-parse HEAD");
	sk_run_result r = sk_test_run(dir, NULL, "%s init build/kb --example", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	sk_run_result_free(&r);
	char *after = ok(dir, "git rev-parse HEAD && git status --porcelain");
	ck_assert_str_eq(after, out); /* the project: no commit, nothing staged */
	free(after);
	char *kb = sk_path_join(dir, "build/kb");
	char *top = ok(kb, "git rev-parse --show-toplevel && git log --format=%s");
	ck_assert_contains(top, "build/kb\n");
	ck_assert_contains(top, "init: knowledge base with the bundled example content");
	free(top);
	assert_clean(kb);
	free(kb);

	r = sk_test_run(dir, NULL, "%s init notes", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	sk_run_result_free(&r);
	char *files = ok(dir, "test ! -e notes/.git && git log -1 --format=%s && git ls-files notes");
	ck_assert_str_eq(files, "init: new knowledge base\nnotes/.gitignore\nnotes/samskap.json\n");
	free(files);
	free(out);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(new_valid_and_invalid)
{
	char *dir = make_kb();
	char *idx = sk_test_read(dir, "experiments/ungdom/index.md");
	ck_assert_contains(idx, "title: \"Ungdom\"");
	ck_assert_contains(idx, "kommuner: [\"asker\"]");
	free(idx);
	char *log = ok(dir, "git log -1 --format=%s");
	ck_assert_str_eq(log, "new: experiment ungdom (Test Person)\n");
	free(log);

	/* The body from stdin. */
	sk_run_result r = sk_test_run(dir, "Hva Asker gjorde.\n", "%s new case --title 'Asker velferdslab'",
		SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "cases/asker-velferdslab.md");
	sk_run_result_free(&r);
	char *c = sk_test_read(dir, "cases/asker-velferdslab.md");
	ck_assert_contains(c, "Hva Asker gjorde.");
	free(c);

	/* Invalid (no hypothesis): not committed, draft kept and named. */
	char *before = ok(dir, "git rev-parse HEAD");
	r = sk_test_run(dir, NULL, "%s new experiment --title 'Uten hypotese' --kommune asker "
		"--challenge ungt-utenforskap --no-edit", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "experiments/uten-hypotese/index.md:");
	ck_assert_contains(r.err, "hypothesis");
	ck_assert_contains(r.err, ".samskap/drafts/uten-hypotese.md");
	sk_run_result_free(&r);
	char *after = ok(dir, "git rev-parse HEAD");
	ck_assert_str_eq(before, after);
	char *draft = sk_test_read(dir, ".samskap/drafts/uten-hypotese.md");
	ck_assert_ptr_nonnull(draft);
	ck_assert_contains(draft, "Uten hypotese");
	free(draft);
	ck_assert_ptr_null(sk_test_read(dir, "experiments/uten-hypotese/index.md"));
	assert_clean(dir);

	/* The fixed draft goes in from stdin. */
	r = sk_test_run(dir, NULL, "sed -i 's/^hypothesis: \"\"/hypothesis: Noe/' "
		".samskap/drafts/uten-hypotese.md && %s new experiment --id uten-hypotese "
		"< .samskap/drafts/uten-hypotese.md", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	sk_run_result_free(&r);

	/* On a terminal (a pty from script(1)) the template opens in $EDITOR. */
	sk_test_write(dir, ".samskap/ed.sh", "#!/bin/sh\nsed -i 's/^status: idea/status: running/' \"$1\"\n"
		"echo 'Skrevet i editoren.' >> \"$1\"\n");
	r = sk_test_run(dir, NULL, "chmod +x .samskap/ed.sh && EDITOR=.samskap/ed.sh "
		"script -qec \"%s new case --title 'Fra terminal'\" /dev/null", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_contains(r.out, "Created cases/fra-terminal.md");
	sk_run_result_free(&r);
	c = sk_test_read(dir, "cases/fra-terminal.md");
	ck_assert_contains(c, "status: running");
	ck_assert_contains(c, "Skrevet i editoren.");
	free(c);

	/* Unknown type, an id already taken, a field the schema lacks. */
	r = sk_test_run(dir, NULL, "%s new gadget --title X --no-edit", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not a record type");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s new case --title Ungdom --no-edit", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "already used by experiments/ungdom/index.md");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s new case --title Z --field colour=blue --no-edit", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "colour");
	sk_run_result_free(&r);
	assert_clean(dir);
	free(before);
	free(after);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(log_entries)
{
	char *dir = make_kb();
	sk_run_result r = sk_test_run(dir, NULL, "%s log ungdom -m 'Første samling: 12 deltakere.' "
		"--metric deltakere=12 --metric frafall=18.5 --date 2025-03-01", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "experiments/ungdom/log/2025-03-01-");
	sk_run_result_free(&r);
	char *files = ok(dir, "ls experiments/ungdom/log");
	ck_assert_uint_eq(strlen(files), strlen("2025-03-01-abcdef.md\n"));
	char *rel = sk_printf("experiments/ungdom/log/%.20s", files);
	char *entry = sk_test_read(dir, rel);
	ck_assert_contains(entry, "date: 2025-03-01\n");
	ck_assert_contains(entry, "author: \"Test Person\"\n");
	ck_assert_contains(entry, "kind: measurement\n");
	ck_assert_contains(entry, "  deltakere: 12\n");
	ck_assert_contains(entry, "  frafall: 18.5\n");
	ck_assert_contains(entry, "Første samling");
	free(entry);
	free(rel);
	free(files);
	char *msg = ok(dir, "git log -1 --format='%an <%ae>|%s' && git show --stat --format= HEAD");
	ck_assert_contains(msg, "Test Person <test@example.org>|log: ungdom (Test Person)");
	ck_assert_contains(msg, "1 file changed");
	free(msg);
	assert_clean(dir);

	/* --author wins over SAMSKAP_AUTHOR; a decision without metrics. */
	r = sk_test_run(dir, NULL, "%s log ungdom -m 'Vi fortsetter.' --kind decision "
		"--author 'Kari Nordmann <kari@example.org>'", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	sk_run_result_free(&r);
	msg = ok(dir, "git log -1 --format='%an|%s'");
	ck_assert_str_eq(msg, "Kari Nordmann|log: ungdom (Kari Nordmann)\n");
	free(msg);

	/* Bad metric, unknown experiment, bad kind, bad date, no text. */
	char *before = ok(dir, "git rev-parse HEAD");
	r = sk_test_run(dir, NULL, "%s log ungdom -m x --metric trivsel=3", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "'trivsel' is not a metric of experiment 'ungdom'");
	ck_assert_contains(r.err, "frafall, deltakere");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s log ungdom -m x --metric frafall=mye", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not a number");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s log finnes-ikke -m x", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no experiment 'finnes-ikke'");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s log ungdom -m x --kind rumour", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "'rumour' is not a kind");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s log ungdom -m x --date 2025-02-30", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not a date");
	sk_run_result_free(&r);
	r = sk_test_run(dir, NULL, "%s log ungdom", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 2);
	sk_run_result_free(&r);
	char *after = ok(dir, "git rev-parse HEAD");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(edit_with_an_editor_script)
{
	char *dir = make_kb();
	sk_test_write(dir, ".samskap/fix.sh", "#!/bin/sh\nsed -i 's/^status: planned/status: running/' \"$1\"\n");
	sk_test_write(dir, ".samskap/break.sh", "#!/bin/sh\nsed -i 's/^status: .*/status: halfway/' \"$1\"\n");
	sk_run_result r = sk_test_run(dir, NULL, "chmod +x .samskap/fix.sh .samskap/break.sh && "
		"EDITOR=.samskap/fix.sh %s edit ungdom", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "Updated experiments/ungdom/index.md");
	sk_run_result_free(&r);
	char *idx = sk_test_read(dir, "experiments/ungdom/index.md");
	ck_assert_contains(idx, "status: running");
	free(idx);
	char *msg = ok(dir, "git log -1 --format=%s && git show --format= --numstat HEAD");
	ck_assert_str_eq(msg, "edit: ungdom (Test Person)\n1\t1\texperiments/ungdom/index.md\n");
	free(msg);
	assert_clean(dir);

	/* An invalid edit: not committed, the draft survives and the next
	 * edit goes on from it. */
	char *before = ok(dir, "git rev-parse HEAD");
	r = sk_test_run(dir, NULL, "EDITOR=.samskap/break.sh %s edit ungdom", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "experiments/ungdom/index.md:");
	ck_assert_contains(r.err, ".samskap/drafts/ungdom.md");
	sk_run_result_free(&r);
	char *after = ok(dir, "git rev-parse HEAD");
	ck_assert_str_eq(before, after);
	char *draft = sk_test_read(dir, ".samskap/drafts/ungdom.md");
	ck_assert_contains(draft, "status: halfway");
	free(draft);
	idx = sk_test_read(dir, "experiments/ungdom/index.md");
	ck_assert_contains(idx, "status: running");
	free(idx);
	r = sk_test_run(dir, NULL, "EDITOR=\"sed -i s/halfway/completed/\" %s edit ungdom", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "from the draft");
	sk_run_result_free(&r);
	ck_assert_ptr_null(sk_test_read(dir, ".samskap/drafts/ungdom.md"));

	/* A user's uncommitted edit is refused, and kept. */
	r = sk_test_run(dir, NULL, "echo 'Mine notater' >> experiments/ungdom/index.md && "
		"EDITOR=.samskap/fix.sh %s edit ungdom", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "uncommitted changes");
	sk_run_result_free(&r);
	idx = sk_test_read(dir, "experiments/ungdom/index.md");
	ck_assert_contains(idx, "Mine notater");
	free(idx);

	r = sk_test_run(dir, NULL, "EDITOR=.samskap/fix.sh %s edit finnes-ikke", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no record with id 'finnes-ikke'");
	sk_run_result_free(&r);
	free(before);
	free(after);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(history_of_a_record)
{
	char *dir = make_kb();
	free(ok(dir, "$SAMSKAP log ungdom -m 'En' && $SAMSKAP log ungdom -m 'To' && "
		"$SAMSKAP new case --title Annet --no-edit"));
	sk_run_result r = sk_test_run(dir, NULL, "%s history ungdom", SAMSKAP_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	/* The experiment's two log entries and its creation, newest first. */
	char *first = strstr(r.out, "log: ungdom"), *last = strstr(r.out, "new: experiment ungdom");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(last);
	ck_assert(first < last);
	ck_assert_not_contains(r.out, "Annet");
	ck_assert_not_contains(r.out, "init:");
	ck_assert_contains(r.out, "Test Person");
	ck_assert_contains(r.out, "+12 -0");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s history ungdom --json", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\"summary\": \"log: ungdom (Test Person)\"");
	ck_assert_contains(r.out, "\"author\": \"Test Person\"");
	ck_assert_contains(r.out, "\"email\": \"test@example.org\"");
	ck_assert_contains(r.out, "\"added\": 7");
	ck_assert_contains(r.out, "\"removed\": 0");
	ck_assert_contains(r.out, "\"paths\": [");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s history --json --limit 1", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "new: case annet");
	ck_assert_not_contains(r.out, "ungdom");
	sk_run_result_free(&r);

	r = sk_test_run(dir, NULL, "%s history finnes-ikke", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no record with id 'finnes-ikke'");
	sk_run_result_free(&r);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(clear_errors)
{
	char *dir = sk_test_tmpdir();
	sk_run_result r;

	/* Not a knowledge base. */
	r = sk_test_run(dir, NULL, "%s log x -m y", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not in a knowledge base");
	sk_run_result_free(&r);

	/* A KB in a repository with no commits. */
	r = sk_test_run(dir, NULL, "git init -q -b main nocommits && echo '{}' > nocommits/samskap.json && "
		"cd nocommits && %s history", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no commits");
	sk_run_result_free(&r);

	/* A KB outside git. */
	r = sk_test_run(dir, NULL, "mkdir nogit && echo '{}' > nogit/samskap.json && "
		"cd nogit && %s log x -m y", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "not in a git repository");
	sk_run_result_free(&r);

	/* Detached HEAD: writes refused, nothing written. */
	r = sk_test_run(dir, NULL, "%s init kb >/dev/null && cd kb && "
		"%s new experiment --title Ungdom " EXP_FIELDS " --no-edit >/dev/null && "
		"git checkout -q --detach && %s log ungdom -m y", SAMSKAP_BIN, SAMSKAP_BIN, SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "detached");
	sk_run_result_free(&r);
	char *kb = sk_path_join(dir, "kb");
	char *logdir = ok(kb, "ls experiments/ungdom");
	ck_assert_str_eq(logdir, "index.md\n");
	free(logdir);

	/* No author anywhere. */
	r = sk_test_run(kb, NULL, "git checkout -q main && env -u SAMSKAP_AUTHOR HOME=/nonexistent "
		"XDG_CONFIG_HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 %s log ungdom -m y", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "no author");
	ck_assert_contains(r.err, "SAMSKAP_AUTHOR");
	sk_run_result_free(&r);
	r = sk_test_run(kb, NULL, "%s log ungdom -m y --author 'just a name'", SAMSKAP_BIN);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "Name <email>");
	sk_run_result_free(&r);
	free(kb);
	sk_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	/* history_of_a_record runs samskap through $SAMSKAP in a shell line. */
	setenv("SAMSKAP", SAMSKAP_BIN, 1);
	Suite *s = suite_create("store commands");
	TCase *tc = tcase_create("store");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, init_makes_a_kb);
	tcase_add_test(tc, init_inside_another_repository);
	tcase_add_test(tc, new_valid_and_invalid);
	tcase_add_test(tc, log_entries);
	tcase_add_test(tc, edit_with_an_editor_script);
	tcase_add_test(tc, history_of_a_record);
	tcase_add_test(tc, clear_errors);
	suite_add_tcase(s, tc);
	return sk_test_main(s);
}
