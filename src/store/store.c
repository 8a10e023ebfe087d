/* store: opening the repository of a knowledge base, ids, paths, refs. */
#include "store_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sk_store__git_error(int code, const char *what)
{
	const git_error *e = git_error_last();
	if (e && e->message && *e->message)
		return sk_error_set(code, "%s: %s", what, e->message);
	return sk_error_set(code, "%s", what);
}

int sk_oid_is_zero(const sk_oid *id)
{
	return !id || id->hex[0] == '\0';
}

void sk_store__oid_to(sk_oid *out, const git_oid *id)
{
	if (!id || git_oid_is_zero(id)) {
		memset(out, 0, sizeof *out);
		return;
	}
	git_oid_tostr(out->hex, sizeof out->hex, id);
}

int sk_store__oid_from(git_oid *out, const sk_oid *id)
{
	if (sk_oid_is_zero(id)) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	if (strlen(id->hex) != 40 || git_oid_fromstr(out, id->hex) < 0)
		return sk_error_set(SK_EINVALID, "'%s' is not a git object id (40 hex digits)", id->hex);
	return 0;
}

/* realpath() with a trailing '/', caller frees; NULL when it fails. */
static char *real_dir(const char *path)
{
	char buf[PATH_MAX];
	if (!realpath(path, buf))
		return NULL;
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '/')
		return sk_strdup(buf);
	return sk_printf("%s/", buf);
}

static int store_from_repo(sk_store **out, git_repository *repo, const char *kb_root)
{
	sk_store *st = NULL;
	char *kb = NULL;
	int rc = 0;

	*out = NULL;
	if (git_repository_is_bare(repo)) {
		rc = sk_error_set(SK_EUNSUPPORTED, "%s: a bare repository has no work tree for a knowledge base",
			kb_root);
		goto done;
	}
	st = sk_calloc(1, sizeof *st);
	st->repo = repo;
	repo = NULL;
	st->workdir = real_dir(git_repository_workdir(st->repo));
	st->gitdir = real_dir(git_repository_path(st->repo));
	kb = real_dir(kb_root);
	if (!st->workdir || !st->gitdir || !kb) {
		rc = sk_error_set(SK_EIO, "%s: %s", kb_root, strerror(errno));
		goto done;
	}
	size_t wl = strlen(st->workdir);
	if (strncmp(kb, st->workdir, wl) != 0) {
		rc = sk_error_set(SK_EINVALID, "%s is not inside the work tree %s", kb_root, st->workdir);
		goto done;
	}
	st->prefix = sk_strdup(kb + wl);
	*out = st;
	st = NULL;
done:
	free(kb);
	git_repository_free(repo);
	sk_store_free(st);
	return rc;
}

int sk_store_open(sk_store **out, const char *kb_root)
{
	git_repository *repo = NULL;
	int err;

	*out = NULL;
	git_libgit2_init();
	err = git_repository_open_ext(&repo, kb_root, 0, NULL);
	if (err == GIT_ENOTFOUND) {
		git_libgit2_shutdown();
		return sk_error_set(SK_ENOTFOUND, "%s is not inside a git repository "
			"(a knowledge base lives in one: see 'samskap init')", kb_root);
	}
	if (err < 0) {
		int rc = sk_store__git_error(SK_ERROR, kb_root);
		git_libgit2_shutdown();
		return rc;
	}
	int rc = store_from_repo(out, repo, kb_root);
	if (rc < 0)
		git_libgit2_shutdown();
	return rc;
}

/* Whether dir lies in repo's work tree in a path its .gitignore rules
 * out. The repository's own root is never ignored. */
static int enclosing_repo_ignores(git_repository *repo, const char *dir)
{
	const char *wd = git_repository_workdir(repo);
	char *work = wd ? real_dir(wd) : NULL, *kb = real_dir(dir);
	int ignored = 0;

	if (work && kb && strncmp(kb, work, strlen(work)) == 0 && kb[strlen(work)] != '\0') {
		if (git_ignore_path_is_ignored(&ignored, repo, kb + strlen(work)) < 0)
			ignored = 0;
	}
	free(work);
	free(kb);
	return ignored;
}

int sk_store_init(sk_store **out, const char *dir)
{
	git_repository *repo = NULL;
	git_repository_init_options opts;
	int err;

	*out = NULL;
	git_libgit2_init();
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	err = git_repository_open_ext(&repo, dir, 0, NULL);
	if (err == 0 && enclosing_repo_ignores(repo, dir)) {
		/* A folder the enclosing repository ignores (a build folder, say)
		 * is not meant to be tracked by it: the KB gets a repository of
		 * its own rather than commits in someone else's. */
		git_repository_free(repo);
		repo = NULL;
		err = GIT_ENOTFOUND;
	}
	if (err == GIT_ENOTFOUND) {
		opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
		opts.initial_head = "main";
		err = git_repository_init_ext(&repo, dir, &opts);
	}
	if (err < 0) {
		int rc = sk_store__git_error(SK_ERROR, dir);
		git_libgit2_shutdown();
		return rc;
	}
	int rc = store_from_repo(out, repo, dir);
	if (rc < 0)
		git_libgit2_shutdown();
	return rc;
}

void sk_store_lib_hold(void)
{
	git_libgit2_init();
}

void sk_store_lib_release(void)
{
	git_libgit2_shutdown();
}

void sk_store_free(sk_store *st)
{
	if (!st)
		return;
	int had_repo = st->repo != NULL;
	git_repository_free(st->repo);
	free(st->workdir);
	free(st->gitdir);
	free(st->prefix);
	free(st);
	if (had_repo)
		git_libgit2_shutdown();
}

const char *sk_store_workdir(const sk_store *st)
{
	return st->workdir;
}

const char *sk_store_prefix(const sk_store *st)
{
	return st->prefix;
}

int sk_store__branch_ref(char **out, sk_store *st)
{
	git_reference *head = NULL;
	int rc = 0;

	*out = NULL;
	if (git_reference_lookup(&head, st->repo, "HEAD") < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading HEAD");
		goto done;
	}
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC) {
		rc = sk_error_set(SK_EINVALID, "HEAD is detached (not on a branch): "
			"samskap commits on a branch; run 'git switch main' (or your branch) first");
		goto done;
	}
	const char *target = git_reference_symbolic_target(head);
	if (strncmp(target, "refs/heads/", 11) != 0) {
		rc = sk_error_set(SK_EINVALID, "HEAD points at %s, not at a branch", target);
		goto done;
	}
	*out = sk_strdup(target);
done:
	git_reference_free(head);
	return rc;
}

int sk_store_branch(char **out, sk_store *st)
{
	char *full = NULL;
	int rc = sk_store__branch_ref(&full, st);
	*out = NULL;
	if (rc < 0)
		return rc;
	*out = sk_strdup(full + 11);
	free(full);
	return 0;
}

int sk_store_head(sk_oid *out, sk_store *st)
{
	git_oid id;
	int err = git_reference_name_to_id(&id, st->repo, "HEAD");

	memset(out, 0, sizeof *out);
	if (err == GIT_ENOTFOUND || err == GIT_EUNBORNBRANCH)
		return sk_error_set(SK_ENOTFOUND, "the repository %s has no commits yet "
			"(make one, or use 'samskap init')", st->workdir);
	if (err < 0)
		return sk_store__git_error(SK_ERROR, "resolving HEAD");
	sk_store__oid_to(out, &id);
	return 0;
}

int sk_store__commit_lookup(git_commit **out, sk_store *st, const sk_oid *id)
{
	git_oid oid;
	int rc;

	*out = NULL;
	if (sk_oid_is_zero(id)) {
		sk_oid head;
		if ((rc = sk_store_head(&head, st)) < 0)
			return rc;
		git_oid_fromstr(&oid, head.hex);
	} else if ((rc = sk_store__oid_from(&oid, id)) < 0) {
		return rc;
	}
	if (git_commit_lookup(out, st->repo, &oid) < 0)
		return sk_store__git_error(SK_ENOTFOUND, "no such commit");
	return 0;
}

char *sk_store__repo_path(const sk_store *st, const char *relpath)
{
	const char *p = relpath;
	if (!relpath || !*relpath || relpath[0] == '/') {
		sk_error_set(SK_EINVALID, "'%s': a path inside the knowledge base must be relative",
			relpath ? relpath : "");
		return NULL;
	}
	/* Each segment: not empty, not "." or "..", not ".git". */
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
			(n == 4 && strncmp(p, ".git", 4) == 0)) {
			sk_error_set(SK_EINVALID, "'%s': the path leaves the knowledge base or is malformed",
				relpath);
			return NULL;
		}
		if (!slash)
			break;
		p = slash + 1;
		if (!*p) {
			sk_error_set(SK_EINVALID, "'%s': a file path cannot end in '/'", relpath);
			return NULL;
		}
	}
	return sk_printf("%s%s", st->prefix, relpath);
}

const char *sk_store__kb_path(const sk_store *st, const char *repo_path)
{
	size_t n = strlen(st->prefix);
	if (!repo_path || strncmp(repo_path, st->prefix, n) != 0)
		return NULL;
	return repo_path + n;
}

void sk_store__sleep_ms(unsigned lo, unsigned hi)
{
	static _Thread_local unsigned seed;
	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	seed = seed * 1103515245u + 12345u;
	unsigned ms = lo + (hi > lo ? (seed >> 8) % (hi - lo + 1) : 0);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int sk_store__ref_cas(sk_store *st, const char *name, const git_oid *new_id,
	const git_oid *old_id, const char *log_message)
{
	git_reference *ref = NULL;
	int err;

	if (!old_id || git_oid_is_zero(old_id))
		err = git_reference_create(&ref, st->repo, name, new_id, 0, log_message);
	else
		err = git_reference_create_matching(&ref, st->repo, name, new_id, 1, old_id, log_message);
	git_reference_free(ref);
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED)
		return sk_error_set(SK_ECONFLICT, "%s moved while samskap was writing", name);
	if (err < 0)
		return sk_store__git_error(SK_ERROR, name);
	return 0;
}
