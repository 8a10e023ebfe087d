/* store: recovery after a writer died (kill -9, power loss) in the middle
 * of a commit.
 *
 * A writer notes what it is about to write in a journal file of its own,
 * .git/samskap-pending/PID-N, before it moves the branch, and removes it
 * once the work tree and the index follow. A journal whose process is gone
 * means the writer died: if its commit landed, the next writer writes the
 * files the dead one did not (unless a user changed them since), and it
 * removes the git lock files the dead writer may have left, which would
 * otherwise block every later writer. */
#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A lock file older than this, while a dead writer's journal exists, is
 * taken to be that writer's: live writers hold git's locks for
 * milliseconds. */
#define STALE_LOCK_SECONDS 2

static char *journal_dir(const sk_store *st)
{
	return sk_printf("%ssamskap-pending", st->gitdir);
}

int sk_store__journal_write(char **path, sk_store *st, const sk_store__wt_item *items, size_t n)
{
	static unsigned serial;
	sk_buf b = SK_BUF_INIT;
	char *dir = journal_dir(st);
	int rc;

	if (!*path) {
		if ((rc = sk_path_mkdirs(dir)) < 0)
			goto done;
		*path = sk_printf("%s/%ld-%u", dir, (long)getpid(), serial++);
	}
	for (size_t i = 0; i < n; i++) {
		char old_hex[GIT_OID_HEXSZ + 1], new_hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(old_hex, sizeof old_hex, &items[i].old_id);
		git_oid_tostr(new_hex, sizeof new_hex, &items[i].new_id);
		sk_buf_printf(&b, "%s %s %s\n", old_hex, new_hex, items[i].path);
	}
	rc = sk_file_write(*path, b.data ? b.data : "", b.len);
done:
	sk_buf_free(&b);
	free(dir);
	return rc;
}

void sk_store__journal_remove(char *path)
{
	if (path)
		unlink(path);
	free(path);
}

/* 1 when the journal's writer (its name starts with the pid) is gone. */
static int writer_dead(const char *name)
{
	char *end;
	long pid = strtol(name, &end, 10);
	if (end == name || *end != '-' || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Removes a dead writer's lock once it is STALE_LOCK_SECONDS old, waiting
 * for that when it is younger: its journal is gone after this recovery, so
 * no later writer would find the lock to be stale, and every one of them
 * would wait on it until its deadline. A lock that goes away meanwhile was
 * a live git user's. */
static void remove_if_stale(const char *path)
{
	struct stat sb;
	for (int waited_ms = 0; lstat(path, &sb) == 0; waited_ms += 100) {
		/* By the nanosecond: whole seconds would take a lock written
		 * 1.01 s ago for 2 s old, and a writer slowed down that much
		 * (eight at once under ASan) would lose it while writing. */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double age = (double)(now.tv_sec - sb.st_mtim.tv_sec) +
			(double)(now.tv_nsec - sb.st_mtim.tv_nsec) / 1e9;
		if (age >= STALE_LOCK_SECONDS) {
			unlink(path);
			return;
		}
		if (waited_ms > (STALE_LOCK_SECONDS + 1) * 1000)
			return;
		sk_store__sleep_ms(100, 100);
	}
}

/* Reads a dead writer's journal into items whose commit landed: the
 * branch's tip holds the new blob and the work tree holds the old one (or
 * nothing), that is, what the dead writer would have written. */
static int journal_read(sk_store__wt_item **out, size_t *count, sk_store *st, git_tree *tip,
	const char *path)
{
	char *text = NULL;
	size_t len = 0, n = 0, cap = 0;
	sk_store__wt_item *items = NULL;
	int rc = sk_file_read(&text, &len, path, 1 << 20);

	*out = NULL;
	*count = 0;
	if (rc < 0)
		return rc;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		git_oid old_id, new_id, at_tip, in_tree;
		if (strlen(line) < 2 * GIT_OID_HEXSZ + 3 || git_oid_fromstrn(&old_id, line, GIT_OID_HEXSZ) < 0 ||
		    git_oid_fromstrn(&new_id, line + GIT_OID_HEXSZ + 1, GIT_OID_HEXSZ) < 0)
			continue;
		const char *file = line + 2 * GIT_OID_HEXSZ + 2;
		git_tree_entry *e = NULL;
		memset(&at_tip, 0, sizeof at_tip);
		if (tip && git_tree_entry_bypath(&e, tip, file) == 0) {
			git_oid_cpy(&at_tip, git_tree_entry_id(e));
			git_tree_entry_free(e);
		}
		git_error_clear();
		if (!git_oid_equal(&at_tip, &new_id))
			continue;   /* it did not land, or a later commit replaced it */
		char *abs = sk_printf("%s%s", st->workdir, file);
		struct stat sb;
		int exists = lstat(abs, &sb) == 0;
		/* Holding the new blob already (killed after writing the file,
		 * before the index): the index entry is still to be made. */
		int ok = !exists || (S_ISREG(sb.st_mode) &&
			git_repository_hashfile(&in_tree, st->repo, abs, GIT_OBJECT_BLOB, NULL) == 0 &&
			(git_oid_equal(&in_tree, &old_id) || git_oid_equal(&in_tree, &new_id)));
		free(abs);
		git_error_clear();
		if (!ok)
			continue;   /* someone changed it since: theirs stays */
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			items = sk_realloc(items, sk_mul_size(cap, sizeof *items));
		}
		memset(&items[n], 0, sizeof items[n]);
		items[n].path = sk_strdup(file);
		git_oid_cpy(&items[n].old_id, &old_id);
		git_oid_cpy(&items[n].new_id, &new_id);
		n++;
	}
	free(text);
	*out = items;
	*count = n;
	return 0;
}

int sk_store__recover(sk_store *st, const char *branch)
{
	char *dir = journal_dir(st);
	DIR *d = opendir(dir);
	git_commit *commit = NULL;
	git_tree *tip = NULL;
	int rc = 0, locks_checked = 0;

	if (!d)
		goto done;   /* no journals: nothing ever died here */
	git_oid tip_id;
	if (git_reference_name_to_id(&tip_id, st->repo, branch) == 0 &&
	    git_commit_lookup(&commit, st->repo, &tip_id) == 0)
		git_commit_tree(&tip, commit);
	git_error_clear();
	struct dirent *ent;
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.' || !writer_dead(ent->d_name))
			continue;
		char *path = sk_printf("%s/%s", dir, ent->d_name);
		sk_store__wt_item *items = NULL;
		size_t n = 0;
		rc = journal_read(&items, &n, st, tip, path);
		if (rc == SK_ENOTFOUND) {
			/* Its writer finished and removed it after our readdir:
			 * nothing to recover (seen with 8 concurrent writers). */
			rc = 0;
			sk_error_clear();
			free(path);
			continue;
		}
		/* The journal outlived its writer (read after its death was
		 * seen): a real crash, so its git locks may be stale too. */
		if (rc == 0 && !locks_checked) {
			char *index_lock = sk_printf("%sindex.lock", st->gitdir);
			char *ref_lock = sk_printf("%s%s.lock", st->gitdir, branch);
			remove_if_stale(index_lock);
			remove_if_stale(ref_lock);
			free(index_lock);
			free(ref_lock);
			locks_checked = 1;
		}
		if (rc == 0 && n > 0)
			rc = sk_store__worktree_apply(st, items, n);
		for (size_t i = 0; i < n; i++)
			free(items[i].path);
		free(items);
		if (rc == 0)
			unlink(path);
		free(path);
		if (rc < 0)
			break;
	}
	closedir(d);
done:
	git_tree_free(tip);
	git_commit_free(commit);
	free(dir);
	return rc;
}
