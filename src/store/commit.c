/* store: writing. One commit per write, built in memory from the branch
 * tip and published with a compare-and-swap on the branch ref, so that
 * concurrent writers (other samskap processes, the server) never lose a
 * write; then the work tree and the index follow for the written files
 * only. */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a writer keeps retrying when other writers keep winning the
 * race for the branch or hold a lock (milliseconds). */
#define CAS_DEADLINE_MS 120000
#define LOCK_DEADLINE_MS 30000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Author --------------------------------------------------------------- */

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return sk_strndup(s, n);
}

/* Parses "Name <email>"; SK_EINVALID naming `where` when malformed. */
static int author_parse(sk_store_author *out, const char *spec, const char *where)
{
	const char *lt = strchr(spec, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	char *name = NULL, *email = NULL;
	int rc = 0;

	if (!lt || !gt) {
		rc = sk_error_set(SK_EINVALID, "%s '%s' must look like 'Name <email>'", where, spec);
		goto done;
	}
	for (const char *p = gt + 1; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			rc = sk_error_set(SK_EINVALID, "%s '%s' must look like 'Name <email>'", where, spec);
			goto done;
		}
	name = trim_dup(spec, (size_t)(lt - spec));
	email = trim_dup(lt + 1, (size_t)(gt - lt - 1));
	if (!*name || !*email || strchr(email, '<') || strchr(name, '>')) {
		rc = sk_error_set(SK_EINVALID, "%s '%s' needs both a name and an email: 'Name <email>'",
			where, spec);
		goto done;
	}
	out->name = name;
	out->email = email;
	name = email = NULL;
done:
	free(name);
	free(email);
	return rc;
}

int sk_store_author_resolve(sk_store_author *out, sk_store *st, const char *spec)
{
	git_config *cfg = NULL;
	const char *name = NULL, *email = NULL;
	int rc = 0;

	out->name = out->email = NULL;
	if (spec)
		return author_parse(out, spec, "--author");
	const char *env = getenv("SAMSKAP_AUTHOR");
	if (env && *env)
		return author_parse(out, env, "SAMSKAP_AUTHOR");

	git_libgit2_init();
	int err = st ? git_repository_config_snapshot(&cfg, st->repo) : git_config_open_default(&cfg);
	if (err == 0 && !st) {
		git_config *snap = NULL;
		err = git_config_snapshot(&snap, cfg);
		git_config_free(cfg);
		cfg = snap;
	}
	if (err < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading git config");
		goto done;
	}
	if (git_config_get_string(&name, cfg, "user.name") < 0 || !*name ||
		git_config_get_string(&email, cfg, "user.email") < 0 || !*email) {
		git_error_clear();
		rc = sk_error_set(SK_ENOTFOUND, "no author for the commit: pass --author 'Name <email>', "
			"set SAMSKAP_AUTHOR='Name <email>', or set git config user.name and user.email");
		goto done;
	}
	out->name = sk_strdup(name);
	out->email = sk_strdup(email);
done:
	git_config_free(cfg);
	git_libgit2_shutdown();
	return rc;
}

void sk_store_author_free(sk_store_author *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->email);
	a->name = a->email = NULL;
}

/* ---- Work tree and index -------------------------------------------------- */

/* The id of the work-tree file at repository path `path` as git would
 * store it; zero when there is no file. SK_ECONFLICT for a symlink or a
 * folder in its place. */
static int worktree_id(git_oid *out, sk_store *st, const char *path, int *exists)
{
	struct stat sb;
	char *abs = sk_printf("%s%s", st->workdir, path);
	int rc = 0;

	memset(out, 0, sizeof *out);
	*exists = 0;
	if (lstat(abs, &sb) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = sk_error_set(SK_EIO, "%s: %s", abs, strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = sk_error_set(SK_ECONFLICT, "%s: not a regular file in the work tree; "
			"samskap will not replace it", path);
		goto done;
	}
	*exists = 1;
	if (git_repository_hashfile(out, st->repo, abs, GIT_OBJECT_BLOB, path) < 0)
		rc = sk_store__git_error(SK_EIO, abs);
done:
	free(abs);
	return rc;
}

/* Serialises samskap's use of the git index between processes (an
 * flock() on a file of our own beside it, released by the kernel if the
 * process dies). Writers hold it exclusively for their read-modify-write:
 * libgit2 locks the index only while writing, so two writers that read it
 * at once would each drop the other's entry. Readers hold it shared:
 * libgit2 reads the index by stat(), then open(), then as many bytes as
 * the stat said, so a reader between a writer's rename and its own open
 * reads the first bytes of a longer index ("invalid data in index -
 * invalid entry", seen in CI with eight writers at once). */
int sk_store__index_lock(sk_store *st, int *fd_out, int shared)
{
	char *path = sk_printf("%ssamskap-index.lock", st->gitdir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	int rc = 0;

	*fd_out = -1;
	if (fd < 0) {
		rc = sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	while (flock(fd, shared ? LOCK_SH : LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = sk_error_set(SK_EIO, "%s: %s", path, strerror(errno));
			close(fd);
			goto done;
		}
	}
	*fd_out = fd;
done:
	free(path);
	return rc;
}

/* The repository's git index, read from disk (force: even when its
 * checksum says it is unchanged), by a caller holding sk_store__index_lock.
 * git itself takes no such lock, so a read that finds the file invalid (a
 * git command replaced it mid-read, see above) is tried again for up to a
 * second. The first read of a process happens inside
 * git_repository_index, which keeps nothing when it fails, so that call is
 * what is repeated then. */
static int read_git_index(git_index **out, sk_store *st, int force)
{
	*out = NULL;
	for (int attempt = 0, waited_ms = 0;; attempt++) {
		/* The repository keeps its index object: a process's later
		 * calls get the one read before, which must be read again. */
		if ((*out || git_repository_index(out, st->repo) == 0) && git_index_read(*out, force) == 0)
			return 0;
		if (waited_ms >= 1000) {
			int rc = sk_store__git_error(SK_ERROR, "reading the git index");
			git_index_free(*out);
			*out = NULL;
			return rc;
		}
		git_error_clear();
		unsigned ms = attempt < 4 ? 10u << attempt : 100;
		sk_store__sleep_ms(ms, ms);
		waited_ms += (int)ms;
		force = 1;
	}
}

static int id_is(const git_oid *a, const git_oid *b)
{
	return git_oid_equal(a, b);
}

int sk_store__worktree_check(sk_store *st, const sk_store__wt_item *items, size_t n)
{
	git_index *idx = NULL;
	int rc = 0, lockfd = -1;

	if ((rc = sk_store__index_lock(st, &lockfd, 1)) < 0)
		goto done;
	rc = read_git_index(&idx, st, 0);
	close(lockfd);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const sk_store__wt_item *it = &items[i];
		const char *kp = sk_store__kb_path(st, it->path);
		const char *shown = kp ? kp : it->path;
		git_oid wt;
		int exists;

		if ((rc = worktree_id(&wt, st, it->path, &exists)) < 0)
			goto done;
		/* The file must hold what the tip had (untouched) or already
		 * what we are about to write (an editor saved it there). */
		if (!id_is(&wt, &it->old_id) && !id_is(&wt, &it->new_id)) {
			rc = sk_error_set(SK_ECONFLICT, "%s has uncommitted changes in the work tree; "
				"samskap will not overwrite them (commit or discard them with git first)", shown);
			goto done;
		}
		git_oid ix;
		memset(&ix, 0, sizeof ix);
		if (git_index_get_bypath(idx, it->path, 1) || git_index_get_bypath(idx, it->path, 2) ||
			git_index_get_bypath(idx, it->path, 3)) {
			rc = sk_error_set(SK_ECONFLICT, "%s is in conflict in the git index; "
				"resolve it with git first", shown);
			goto done;
		}
		const git_index_entry *e = git_index_get_bypath(idx, it->path, 0);
		if (e)
			git_oid_cpy(&ix, &e->id);
		if (!id_is(&ix, &it->old_id) && !id_is(&ix, &it->new_id)) {
			rc = sk_error_set(SK_ECONFLICT, "%s has staged changes in the git index; "
				"samskap will not overwrite them (commit or unstage them with git first)", shown);
			goto done;
		}
	}
done:
	git_index_free(idx);
	return rc;
}

/* Makes the folders above repository path `path`. */
static int mkparents(sk_store *st, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	char *dir = sk_printf("%s%.*s", st->workdir, (int)(slash - path), path);
	int rc = sk_path_mkdirs(dir);
	free(dir);
	return rc;
}

int sk_store__worktree_apply(sk_store *st, const sk_store__wt_item *items, size_t n)
{
	git_index *idx = NULL;
	git_blob *blob = NULL;
	int rc = 0, lockfd = -1;

	for (size_t i = 0; i < n; i++) {
		const sk_store__wt_item *it = &items[i];
		git_oid wt;
		int exists;
		char *abs = NULL;

		if ((rc = worktree_id(&wt, st, it->path, &exists)) < 0)
			goto done;
		if (git_oid_is_zero(&it->new_id)) {
			abs = sk_printf("%s%s", st->workdir, it->path);
			if (exists && unlink(abs) < 0 && errno != ENOENT)
				rc = sk_error_set(SK_EIO, "%s: %s", abs, strerror(errno));
			free(abs);
			if (rc < 0)
				goto done;
			continue;
		}
		if (exists && id_is(&wt, &it->new_id))
			continue;
		const char *data = it->data;
		size_t len = it->len;
		if (!data) {
			if (git_blob_lookup(&blob, st->repo, &it->new_id) < 0) {
				rc = sk_store__git_error(SK_ERROR, it->path);
				goto done;
			}
			data = git_blob_rawcontent(blob);
			len = (size_t)git_blob_rawsize(blob);
		}
		if ((rc = mkparents(st, it->path)) < 0)
			goto done;
		abs = sk_printf("%s%s", st->workdir, it->path);
		rc = sk_file_write(abs, data, len);
		free(abs);
		git_blob_free(blob);
		blob = NULL;
		if (rc < 0)
			goto done;
	}

	if ((rc = sk_store__index_lock(st, &lockfd, 0)) < 0)
		goto done;
	if ((rc = read_git_index(&idx, st, 1)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		int err = git_oid_is_zero(&items[i].new_id) ? git_index_remove_bypath(idx, items[i].path)
							      : git_index_add_bypath(idx, items[i].path);
		if (err < 0) {
			rc = sk_store__git_error(SK_ERROR, items[i].path);
			goto done;
		}
	}
	/* Someone using git itself may hold index.lock for a moment. */
	long long deadline = now_ms() + LOCK_DEADLINE_MS;
	for (;;) {
		int err = git_index_write(idx);
		if (err == 0)
			break;
		if (err != GIT_ELOCKED || now_ms() > deadline) {
			rc = sk_store__git_error(SK_EIO, "the commit is made, but updating the git index failed "
				"('git status' may show the written files as changed; 'git reset' fixes it)");
			goto done;
		}
		sk_store__sleep_ms(5, 50);
	}
done:
	if (lockfd >= 0)
		close(lockfd);
	git_blob_free(blob);
	git_index_free(idx);
	return rc;
}

/* ---- Commit --------------------------------------------------------------- */

static int path_cmp(const void *a, const void *b)
{
	return strcmp(((const sk_store__wt_item *)a)->path, ((const sk_store__wt_item *)b)->path);
}

static void items_free(sk_store__wt_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i].path);
	free(items);
}

/* The message as git stores it: ending in exactly one newline. */
static char *message_clean(const char *message)
{
	size_t n = strlen(message);
	while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
		n--;
	return sk_printf("%.*s\n", (int)n, message);
}

/* One attempt: builds the commit on the tip `tip` (zero: unborn) and
 * checks the expectations. *tree_changed 0 when the writes change
 * nothing. */
static int build_commit(git_oid *out, sk_store *st, const git_oid *tip, sk_store__wt_item *items,
	const sk_store_write *writes, size_t n, const git_signature *sig, const char *message,
	int *changed)
{
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_treebuilder *tb = NULL;
	git_tree_update *upd = sk_calloc(n ? n : 1, sizeof *upd);
	git_oid tree_id, empty_id;
	int rc = 0;

	*changed = 0;
	if (!git_oid_is_zero(tip)) {
		if (git_commit_lookup(&parent, st->repo, tip) < 0 || git_commit_tree(&base, parent) < 0) {
			rc = sk_store__git_error(SK_ERROR, "reading the branch tip");
			goto done;
		}
	} else {
		/* An unborn branch: start from the empty tree. */
		if (git_treebuilder_new(&tb, st->repo, NULL) < 0 || git_treebuilder_write(&empty_id, tb) < 0 ||
			git_tree_lookup(&base, st->repo, &empty_id) < 0) {
			rc = sk_store__git_error(SK_ERROR, "making the empty tree");
			goto done;
		}
	}
	for (size_t i = 0; i < n; i++) {
		sk_store__wt_item *it = &items[i];
		const sk_store_write *w = &writes[i];
		git_tree_entry *e = NULL;
		git_filemode_t mode = GIT_FILEMODE_BLOB;

		memset(&it->old_id, 0, sizeof it->old_id);
		int err = git_tree_entry_bypath(&e, base, it->path);
		if (err == 0) {
			if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
				git_tree_entry_free(e);
				rc = sk_error_set(SK_ECONFLICT, "%s is a folder in the repository, not a file",
					w->path);
				goto done;
			}
			git_oid_cpy(&it->old_id, git_tree_entry_id(e));
			if (git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE)
				mode = GIT_FILEMODE_BLOB_EXECUTABLE;
			git_tree_entry_free(e);
		} else if (err != GIT_ENOTFOUND) {
			rc = sk_store__git_error(SK_ERROR, w->path);
			goto done;
		}
		git_error_clear();
		int had = !git_oid_is_zero(&it->old_id);
		if (w->expect == SK_STORE_EXPECT_ABSENT && had) {
			rc = sk_error_set(SK_EEXISTS, "%s already exists", w->path);
			goto done;
		}
		if (w->expect == SK_STORE_EXPECT_BLOB) {
			git_oid want;
			if ((rc = sk_store__oid_from(&want, &w->expect_blob)) < 0)
				goto done;
			if (!git_oid_equal(&want, &it->old_id)) {
				rc = sk_error_set(SK_ECONFLICT, "%s was changed by someone else while you worked "
					"on it (the branch now holds another version); start again from the new one",
					w->path);
				goto done;
			}
		}
		if (w->data) {
			if (git_blob_create_from_buffer(&it->new_id, st->repo, w->data, w->len) < 0) {
				rc = sk_store__git_error(SK_ERROR, w->path);
				goto done;
			}
			upd[i].action = GIT_TREE_UPDATE_UPSERT;
			upd[i].filemode = mode;
			git_oid_cpy(&upd[i].id, &it->new_id);
		} else {
			if (!had) {
				rc = sk_error_set(SK_ENOTFOUND, "%s: no such file to delete", w->path);
				goto done;
			}
			memset(&it->new_id, 0, sizeof it->new_id);
			upd[i].action = GIT_TREE_UPDATE_REMOVE;
		}
		upd[i].path = it->path;
		if (!git_oid_equal(&it->old_id, &it->new_id))
			*changed = 1;
	}
	if (!*changed)
		goto done;
	if ((rc = sk_store__worktree_check(st, items, n)) < 0)
		goto done;
	if (git_tree_create_updated(&tree_id, st->repo, base, n, upd) < 0 ||
		git_tree_lookup(&tree, st->repo, &tree_id) < 0) {
		rc = sk_store__git_error(SK_ERROR, "building the new tree");
		goto done;
	}
	const git_commit *parents[1] = { parent };
	if (git_commit_create(out, st->repo, NULL, sig, sig, NULL, message, tree, parent ? 1 : 0,
		parents) < 0) {
		rc = sk_store__git_error(SK_ERROR, "making the commit");
		goto done;
	}
done:
	free(upd);
	git_treebuilder_free(tb);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	return rc;
}

int sk_store_commit(sk_oid *out, sk_store *st, const sk_store_write *writes, size_t n,
	const sk_store_author *author, const char *message)
{
	sk_store__wt_item *items = NULL;
	git_signature *sig = NULL;
	char *branch = NULL, *msg = NULL, *reflog = NULL, *journal = NULL;
	int rc = 0, landed = 0;

	if (out)
		memset(out, 0, sizeof *out);
	if (n == 0)
		return sk_error_set(SK_EINVALID, "nothing to commit: no files given");
	if (!author || !author->name || !author->email)
		return sk_error_set(SK_EINVALID, "a commit needs an author");
	if ((rc = sk_store__branch_ref(&branch, st)) < 0)
		goto done;
	if ((rc = sk_store__recover(st, branch)) < 0)
		goto done;
	items = sk_calloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++) {
		if (!(items[i].path = sk_store__repo_path(st, writes[i].path))) {
			rc = sk_error_code();
			goto done;
		}
		items[i].data = writes[i].data;
		items[i].len = writes[i].len;
	}
	{
		/* Sorted copies to find duplicates; the order of `items` must
		 * stay that of `writes`. */
		sk_store__wt_item *sorted = sk_malloc(sk_mul_size(n, sizeof *sorted));
		memcpy(sorted, items, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, path_cmp);
		for (size_t i = 1; i < n; i++)
			if (strcmp(sorted[i - 1].path, sorted[i].path) == 0) {
				rc = sk_error_set(SK_EINVALID, "%s is written twice in one commit", sorted[i].path);
				break;
			}
		free(sorted);
		if (rc < 0)
			goto done;
	}
	if (git_signature_now(&sig, author->name, author->email) < 0) {
		rc = sk_store__git_error(SK_EINVALID, "the author");
		goto done;
	}
	msg = message_clean(message && *message ? message : "samskap: update");
	reflog = sk_printf("samskap: %.*s", (int)strcspn(msg, "\n"), msg);

	long long deadline = now_ms() + CAS_DEADLINE_MS;
	unsigned backoff = 2;
	for (;;) {
		git_oid tip, id;
		int changed = 0;
		int err = git_reference_name_to_id(&tip, st->repo, branch);
		if (err == GIT_ENOTFOUND) {
			memset(&tip, 0, sizeof tip);
			git_error_clear();
		} else if (err < 0) {
			rc = sk_store__git_error(SK_ERROR, branch);
			goto done;
		}
		if ((rc = build_commit(&id, st, &tip, items, writes, n, sig, msg, &changed)) < 0)
			goto done;
		if (!changed) {
			rc = sk_error_set(SK_EINVALID, "nothing to commit: the files already hold this content");
			goto done;
		}
		/* Should this process die from here on, the next writer finishes
		 * its work tree (recover.c). */
		if ((rc = sk_store__journal_write(&journal, st, items, n)) < 0)
			goto done;
		rc = sk_store__ref_cas(st, branch, &id, &tip, reflog);
		if (rc == 0) {
			landed = 1;
			if (out)
				sk_store__oid_to(out, &id);
			break;
		}
		if (rc != SK_ECONFLICT)
			goto done;
		/* Another writer moved the branch (or holds its lock): rebuild
		 * on the new tip. The orphaned commit is garbage for git gc. */
		if (now_ms() > deadline) {
			rc = sk_error_set(SK_ECONFLICT, "%s kept moving under other writers for %d s; "
				"nothing was committed, try again", branch, CAS_DEADLINE_MS / 1000);
			goto done;
		}
		sk_store__sleep_ms(backoff / 2, backoff);
		if (backoff < 64)
			backoff *= 2;
	}
	if ((rc = sk_store__worktree_apply(st, items, n)) < 0)
		goto done;
	sk_store__journal_remove(journal);
	journal = NULL;
done:
	/* A journal stays only when the commit landed but the work tree could
	 * not follow: the next writer retries it. */
	if (landed)
		free(journal);
	else
		sk_store__journal_remove(journal);
	items_free(items, n);
	git_signature_free(sig);
	free(branch);
	free(msg);
	free(reflog);
	return rc;
}
