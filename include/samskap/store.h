/* samskap — store: the knowledge base's git repository, through libgit2.
 *
 * Reads (HEAD, blobs, trees, diffs, status, history) and writes (one commit
 * per write, safe against concurrent writers), and sync with a remote.
 *
 * Paths: every path given to or returned by this API is relative to the KB
 * root (the folder holding samskap.json), with '/' separators. The KB may
 * be a folder inside a larger repository; the store keeps that folder's
 * prefix and adds or strips it, and ignores files outside it.
 *
 * Ownership: sk_store is freed with sk_store_free; arrays and strings an
 * out-parameter receives are the caller's, freed with the matching _free
 * below (or free() for plain char *). Borrowed pointers are marked.
 * An sk_store is not shared between threads (libgit2 objects are not). */
#ifndef SAMSKAP_STORE_H
#define SAMSKAP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "samskap/util.h"

typedef struct sk_store sk_store;

/* A git object id as 40 lower-case hex digits and a NUL. The zero id
 * ("" — hex[0] == '\0') means "none": a file that does not exist, an
 * empty tree, no commit. */
typedef struct sk_oid {
	char hex[41];
} sk_oid;

/* 1 when id is the zero id (no object). */
int sk_oid_is_zero(const sk_oid *id);

/* ---- Opening ------------------------------------------------------------ */

/* Opens the repository holding the KB whose root folder is kb_root (the
 * repository is found from there upwards). Fails with SK_ENOTFOUND when
 * kb_root is not inside a git repository, SK_EUNSUPPORTED for a bare one. */
int sk_store_open(sk_store **out, const char *kb_root);

/* Makes dir a git repository (git init; branch "main") when it is not
 * already inside one, or when the one it is inside ignores it (a build
 * folder), and opens it as sk_store_open does. */
int sk_store_init(sk_store **out, const char *dir);

void sk_store_free(sk_store *st);

/* Borrowed: the work tree's absolute path ending in '/', and the KB's
 * prefix inside it ("" or "some/folder/", always ending in '/'). */
const char *sk_store_workdir(const sk_store *st);
const char *sk_store_prefix(const sk_store *st);

/* The commit HEAD points at. SK_ENOTFOUND with a clear message when the
 * repository has no commits yet. A detached HEAD is fine for reading. */
int sk_store_head(sk_oid *out, sk_store *st);

/* The checked-out branch's short name ("main"; caller frees). SK_EINVALID
 * with a clear message on a detached HEAD. Works on an unborn branch. */
int sk_store_branch(char **out, sk_store *st);

/* ---- Reading ------------------------------------------------------------ */

/* Reads the file at relpath in commit `commit` (NULL: HEAD) into *data
 * (caller frees; NUL-terminated, *len without it). SK_ENOTFOUND when the
 * commit holds no such file. */
int sk_store_read(char **data, size_t *len, sk_store *st, const sk_oid *commit, const char *relpath);

/* Reads a blob by id (caller frees, NUL-terminated). */
int sk_store_read_blob(char **data, size_t *len, sk_store *st, const sk_oid *blob);

/* The blob id of relpath at commit (NULL: HEAD); zero id (and 0 returned)
 * when the commit has no such file. */
int sk_store_blob_id(sk_oid *out, sk_store *st, const sk_oid *commit, const char *relpath);

/* *out: 1 when git ignores the file relpath of the KB (.gitignore and
 * friends), else 0. */
int sk_store_ignored(int *out, sk_store *st, const char *relpath);

/* The id git would give `data` as a blob (git hash-object). */
int sk_store_hash(sk_oid *out, const void *data, size_t len);

/* One file of a tree. */
typedef struct sk_store_file {
	char *path;     /* relative to the KB root */
	sk_oid blob;
} sk_store_file;

/* Every file (blob) under the KB prefix in commit (NULL: HEAD), sorted
 * by path. An empty array (count 0) for an unborn branch when commit is
 * NULL. Free with sk_store_files_free. */
int sk_store_list(sk_store_file **files, size_t *count, sk_store *st, const sk_oid *commit);
void sk_store_files_free(sk_store_file *files, size_t count);

/* ---- Changes ------------------------------------------------------------ */

typedef enum sk_change_kind {
	SK_CHANGE_ADDED,
	SK_CHANGE_MODIFIED,
	SK_CHANGE_DELETED,
	SK_CHANGE_RENAMED     /* old_path -> new_path; content may also differ */
} sk_change_kind;

/* One changed file. For ADDED old_path is NULL and old_blob zero; for
 * DELETED new_path is NULL and new_blob zero. In sk_store_status, the
 * blob ids of work-tree files are their hashes (what git would store). */
typedef struct sk_store_change {
	sk_change_kind kind;
	char *old_path;
	char *new_path;
	sk_oid old_blob;
	sk_oid new_blob;
} sk_store_change;

/* Files under the KB prefix that differ between commit `from` (NULL or
 * zero: the empty tree) and commit `to` (NULL: HEAD), with renames found
 * (git's default similarity, 50%). Sorted by path. Free with
 * sk_store_changes_free. */
int sk_store_diff(sk_store_change **changes, size_t *count, sk_store *st,
	const sk_oid *from, const sk_oid *to);

/* Uncommitted changes under the KB prefix: the work tree (and index)
 * against HEAD, untracked files included (ignored ones not), renames not
 * paired. On an unborn branch every file counts as added. */
int sk_store_status(sk_store_change **changes, size_t *count, sk_store *st);

void sk_store_changes_free(sk_store_change *changes, size_t count);

/* ---- Writing ------------------------------------------------------------ */

/* The author of a commit. */
typedef struct sk_store_author {
	char *name;
	char *email;
} sk_store_author;

/* Works out the author: `spec` ("Name <email>", from --author) when not
 * NULL, else $SAMSKAP_AUTHOR, else git config user.name and user.email.
 * SK_EINVALID when spec is malformed, SK_ENOTFOUND with a message saying
 * how to set one when there is none. Free with sk_store_author_free. */
int sk_store_author_resolve(sk_store_author *out, sk_store *st, const char *spec);
void sk_store_author_free(sk_store_author *a);

/* One file of a write. */
typedef struct sk_store_write {
	const char *path;   /* relative to the KB root */
	const char *data;   /* new content; NULL deletes the file */
	size_t len;
	/* What the writer based the change on: SK_STORE_EXPECT_ANY, _ABSENT
	 * (the file must not exist yet: new records and log entries) or _BLOB
	 * (the tip must still hold `expect_blob`: an edit). */
	int expect;
	sk_oid expect_blob;
} sk_store_write;

enum {
	SK_STORE_EXPECT_ANY = 0,
	SK_STORE_EXPECT_ABSENT = 1,
	SK_STORE_EXPECT_BLOB = 2
};

/* Commits the files of `writes` on the checked-out branch as one commit by
 * `author` with `message`, without touching any other file of the work
 * tree or index:
 *   - the new tree is the branch tip's tree with these files replaced;
 *   - the branch moves only if its tip is still the parent (compare and
 *     swap); when another writer won, the commit is rebuilt on the new tip
 *     and retried, so concurrent writers never lose a write;
 *   - then the files are written to the work tree (atomically) and their
 *     index entries updated, so `git status` stays clean.
 * Refuses, before committing: SK_ECONFLICT when a work-tree file differs
 * from the tip's (a user's uncommitted edit; the message names it) or the
 * tip no longer matches `expect`, SK_EEXISTS when an _ABSENT file exists,
 * SK_EINVALID on a detached HEAD or a path leaving the KB.
 * Works on an unborn branch (the first commit). *out (may be NULL)
 * receives the new commit's id. */
int sk_store_commit(sk_oid *out, sk_store *st, const sk_store_write *writes, size_t n,
	const sk_store_author *author, const char *message);

/* ---- Knowledge bases ------------------------------------------------------ */

/* Makes `dir` (created when missing) a knowledge base: a git repository
 * (unless dir already lies inside one: then the KB is that folder of it),
 * samskap.json, a .gitignore holding .samskap/, the record folders on
 * disk, and one first commit by `author`. With example_dir (e.g. from
 * sk_data_path(&p, "content")), every file under it is copied in and
 * committed too (its samskap.json replaces the default one).
 * SK_EEXISTS when dir already holds samskap.json. *out (may be NULL)
 * receives the commit. */
int sk_store_kb_init(sk_oid *out, const char *dir, const char *example_dir,
	const sk_store_author *author);

/* Checks `data` as the record at relpath (sk_record_parse, then
 * sk_record_validate; a log entry's experiment must exist at HEAD) and
 * commits it by `author` with `message`. expect_blob NULL: a new record
 * (the file must not exist, and no other record may have its id);
 * otherwise an edit based on that blob (SK_ECONFLICT when the branch
 * holds another version by now). An invalid record is not committed:
 * SK_EINVALID, with its problems (file:line) appended to diags (may be
 * NULL). Other failures as sk_store_commit. */
int sk_store_save_record(sk_oid *out, sk_store *st, const char *relpath, const char *data,
	size_t len, const sk_oid *expect_blob, const sk_store_author *author, const char *message,
	sk_diags *diags);

/* One entry of an experiment's log, as `samskap log` and the server take it. */
typedef struct sk_store_log_entry {
	const char *experiment;      /* the experiment's id */
	const char *text;            /* the entry's Markdown body (required) */
	const char *kind;            /* observation | measurement | decision;
	                                NULL: measurement when metrics are given */
	const char *date;            /* YYYY-MM-DD; NULL: today */
	const char *title;           /* optional */
	const char *const *metrics;  /* metric names (must be the experiment's) */
	const double *values;        /* their values */
	size_t n_metrics;
} sk_store_log_entry;

/* Adds a log entry as its own new file experiments/ID/log/DATE-XXXXXX.md
 * (six random hex digits) and commits it with the message
 * "log: ID (AUTHOR)". SK_ENOTFOUND for an unknown experiment, SK_EINVALID
 * for a metric the experiment does not have, a bad kind or date, or an
 * entry that fails validation (problems in diags). *relpath (may be NULL)
 * receives the new file's KB-relative path (caller frees). */
int sk_store_log_add(sk_oid *out, char **relpath, sk_store *st, const sk_store_log_entry *e,
	const sk_store_author *author, sk_diags *diags);

/* Keeps libgit2 set up until the matching sk_store_lib_release. Each store
 * sets it up and tears it down again when it is the last; a program with
 * threads (the server) holds it for its whole life, since tearing it down
 * while another thread lives loses that thread's error state. */
void sk_store_lib_hold(void);
void sk_store_lib_release(void);

/* ---- History ------------------------------------------------------------ */

typedef struct sk_store_commit_info {
	sk_oid id;
	char *author_name;
	char *author_email;
	int64_t time;        /* seconds since the epoch */
	int tz_offset;       /* minutes east of UTC */
	char *summary;       /* the first line of the message */
	char *message;       /* the whole message */
	size_t added;        /* lines added and removed within the paths */
	size_t removed;
	char **paths;        /* files touched within the paths (KB-relative) */
	size_t n_paths;
} sk_store_commit_info;

/* Commits reachable from HEAD, newest first, that change a file under any
 * of `paths` (files or folders, KB-relative; n_paths 0: the whole KB),
 * compared with their first parent, with lines added and removed in those
 * paths. limit 0: no limit. Free with sk_store_history_free. */
int sk_store_history(sk_store_commit_info **out, size_t *count, sk_store *st,
	const char *const *paths, size_t n_paths, size_t limit);
void sk_store_history_free(sk_store_commit_info *infos, size_t count);

/* What sk_store_log reads. */
typedef struct sk_store_log_opts {
	const char *const *paths;  /* as sk_store_history's; NULL with n_paths 0: the whole KB */
	size_t n_paths;
	size_t limit;              /* 0: no limit */
	int64_t since;             /* seconds since the epoch: the walk ends at the first
	                            * commit older than this; 0: the whole history */
	int no_lines;              /* 1: leave added and removed 0: counting them reads every
	                            * file a commit changed (seconds for an import of 100 000) */
} sk_store_log_opts;

/* sk_store_history with options; sk_store_history is this with paths,
 * n_paths and limit and lines counted. */
int sk_store_log(sk_store_commit_info **out, size_t *count, sk_store *st, const sk_store_log_opts *o);

/* ---- Sync --------------------------------------------------------------- */

typedef enum sk_sync_outcome {
	SK_SYNC_UP_TO_DATE,   /* nothing to fetch or push */
	SK_SYNC_PUSHED,       /* only local commits: pushed */
	SK_SYNC_FAST_FORWARD, /* only remote commits: branch moved forward */
	SK_SYNC_MERGED,       /* both: merge commit made and pushed */
	SK_SYNC_CONFLICT      /* both changed the same lines: nothing merged */
} sk_sync_outcome;

typedef struct sk_sync_result {
	sk_sync_outcome outcome;
	sk_oid local;        /* the branch before */
	sk_oid remote;       /* the remote's branch as fetched (zero: none) */
	sk_oid head;         /* the branch after */
	char **conflicts;    /* KB-relative paths in conflict */
	size_t n_conflicts;
	char *conflict_ref;  /* where the remote's commit is kept, on conflict */
	size_t n_fetched;    /* commits that came in */
	size_t n_pushed;     /* commits that went out */
} sk_sync_result;

/* Fetches `remote` (NULL: "origin"), brings the checked-out branch up to
 * date with the remote's branch of the same name (fast-forward, or a merge
 * commit by `author`), updates the work tree for the files that changed
 * (refusing with SK_ECONFLICT, before moving the branch, when one of them
 * has uncommitted edits), then pushes. On a real conflict returns
 * SK_ECONFLICT, leaves the local branch untouched, keeps the remote's
 * commit as refs/samskap/conflict/REMOTE and fills res->conflicts.
 * SK_ENOTFOUND for an unknown remote, SK_EIO when it cannot be reached,
 * SK_ECONFLICT also when the remote refuses the push. res is filled as far
 * as the sync went; free it with sk_sync_result_free. */
int sk_store_sync(sk_sync_result *res, sk_store *st, const char *remote,
	const sk_store_author *author);
void sk_sync_result_free(sk_sync_result *res);

#endif
