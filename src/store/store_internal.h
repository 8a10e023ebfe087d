/* Private to the store module: the sk_store struct and helpers shared by
 * its files. */
#ifndef SK_STORE_INTERNAL_H
#define SK_STORE_INTERNAL_H

#include <git2.h>

#include "samskap/store.h"

struct sk_store {
	git_repository *repo;
	char *workdir;   /* absolute, ends in '/' */
	char *gitdir;    /* absolute, ends in '/' */
	char *prefix;    /* "" or "a/b/" */
};

/* Sets the sk error from libgit2's last error: "WHAT: libgit2 message". */
int sk_store__git_error(int code, const char *what);

void sk_store__oid_to(sk_oid *out, const git_oid *id);
int sk_store__oid_from(git_oid *out, const sk_oid *id);

/* Checks a KB-relative path (no "..", no ".git", not absolute, not
 * empty) and returns the repository-relative path (caller frees), or NULL
 * with an error set. */
char *sk_store__repo_path(const sk_store *st, const char *relpath);

/* The KB-relative path of a repository path, or NULL when it lies outside
 * the prefix (borrowed: points into repo_path). */
const char *sk_store__kb_path(const sk_store *st, const char *repo_path);

/* The commit `id` (NULL or zero: HEAD). */
int sk_store__commit_lookup(git_commit **out, sk_store *st, const sk_oid *id);

/* The full name of the checked-out branch ("refs/heads/main"; caller
 * frees); SK_EINVALID on a detached HEAD. */
int sk_store__branch_ref(char **out, sk_store *st);

/* Random milliseconds for backoff in [lo, hi]. */
void sk_store__sleep_ms(unsigned lo, unsigned hi);
/* Takes samskap's lock on the git index (commit.c): shared to read it,
 * exclusive to change it; close *fd_out to release. */
int sk_store__index_lock(sk_store *st, int *fd_out, int shared);

/* A file the work tree has to follow: repository path, what it held
 * before (zero: absent), what it holds now (zero: delete) and, when known,
 * the new content (else read from the new blob). */
typedef struct sk_store__wt_item {
	char *path;
	git_oid old_id;
	git_oid new_id;
	const char *data;
	size_t len;
} sk_store__wt_item;

/* SK_ECONFLICT (naming the file) when the work tree or the index holds
 * something else than old_id or new_id for an item: a user's uncommitted
 * edit that must not be overwritten. */
int sk_store__worktree_check(sk_store *st, const sk_store__wt_item *items, size_t n);

/* Writes the items to the work tree (atomically) and updates their index
 * entries under a lock, so `git status` stays clean. */
int sk_store__worktree_apply(sk_store *st, const sk_store__wt_item *items, size_t n);

/* The journal of a commit in progress (recover.c): writes the items (with
 * their old and new blob ids) to *path, making a new journal file when
 * *path is NULL. Removed (and *path freed) once the work tree follows. */
int sk_store__journal_write(char **path, sk_store *st, const sk_store__wt_item *items, size_t n);
void sk_store__journal_remove(char *path);

/* Finishes what writers that died left undone: writes the files of their
 * landed commits that the work tree lacks and removes their stale git
 * locks. `branch` is the full ref name. */
int sk_store__recover(sk_store *st, const char *branch);

/* Moves ref `name` from `old` (zero: the ref must not exist) to `new`.
 * GIT_EMODIFIED-like mismatch is returned as SK_ECONFLICT without a
 * user message being final (callers retry). */
int sk_store__ref_cas(sk_store *st, const char *name, const git_oid *new_id,
	const git_oid *old_id, const char *log_message);

#endif
