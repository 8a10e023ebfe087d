/* store: reading files, blobs and trees at a commit. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

/* The tree entry of repo path `path` in commit (NULL: HEAD); *out NULL and
 * 0 returned when the commit has no such path. */
static int entry_at(git_tree_entry **out, sk_store *st, const sk_oid *commit, const char *path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int rc, err;

	*out = NULL;
	if ((rc = sk_store__commit_lookup(&c, st, commit)) < 0)
		goto done;
	if (git_commit_tree(&tree, c) < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading a commit's tree");
		goto done;
	}
	err = git_tree_entry_bypath(out, tree, path);
	if (err == GIT_ENOTFOUND)
		*out = NULL;
	else if (err < 0)
		rc = sk_store__git_error(SK_ERROR, path);
done:
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

static int blob_read(char **data, size_t *len, sk_store *st, const git_oid *id, const char *what)
{
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, st->repo, id) < 0)
		return sk_store__git_error(SK_ENOTFOUND, what);
	size_t n = (size_t)git_blob_rawsize(blob);
	char *buf = sk_malloc(n + 1);
	memcpy(buf, git_blob_rawcontent(blob), n);
	buf[n] = '\0';
	git_blob_free(blob);
	*data = buf;
	if (len)
		*len = n;
	return 0;
}

int sk_store_read(char **data, size_t *len, sk_store *st, const sk_oid *commit, const char *relpath)
{
	git_tree_entry *e = NULL;
	char *path = NULL;
	int rc;

	*data = NULL;
	if (len)
		*len = 0;
	if (!(path = sk_store__repo_path(st, relpath)))
		return sk_error_code();
	if ((rc = entry_at(&e, st, commit, path)) < 0)
		goto done;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = sk_error_set(SK_ENOTFOUND, "%s: no such file in commit %s", relpath,
			sk_oid_is_zero(commit) ? "HEAD" : commit->hex);
		goto done;
	}
	rc = blob_read(data, len, st, git_tree_entry_id(e), relpath);
done:
	git_tree_entry_free(e);
	free(path);
	return rc;
}

int sk_store_read_blob(char **data, size_t *len, sk_store *st, const sk_oid *blob)
{
	git_oid id;
	int rc;

	*data = NULL;
	if (len)
		*len = 0;
	if ((rc = sk_store__oid_from(&id, blob)) < 0)
		return rc;
	if (sk_oid_is_zero(blob))
		return sk_error_set(SK_ENOTFOUND, "no blob given");
	return blob_read(data, len, st, &id, blob->hex);
}

int sk_store_blob_id(sk_oid *out, sk_store *st, const sk_oid *commit, const char *relpath)
{
	git_tree_entry *e = NULL;
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(path = sk_store__repo_path(st, relpath)))
		return sk_error_code();
	rc = entry_at(&e, st, commit, path);
	if (rc == 0 && e && git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		sk_store__oid_to(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	free(path);
	return rc;
}

int sk_store_ignored(int *out, sk_store *st, const char *relpath)
{
	char *path = NULL;
	*out = 0;
	if (!(path = sk_store__repo_path(st, relpath)))
		return sk_error_code();
	int rc = 0;
	if (git_ignore_path_is_ignored(out, st->repo, path) < 0)
		rc = sk_store__git_error(SK_ERROR, relpath);
	free(path);
	return rc;
}

int sk_store_hash(sk_oid *out, const void *data, size_t len)
{
	git_oid id;
	git_libgit2_init();
	int err = git_odb_hash(&id, data, len, GIT_OBJECT_BLOB);
	git_libgit2_shutdown();
	if (err < 0)
		return sk_store__git_error(SK_ERROR, "hashing a blob");
	sk_store__oid_to(out, &id);
	return 0;
}

typedef struct list_ctx {
	sk_store_file *files;
	size_t len, cap;
	const char *base; /* KB-relative folder of the walked tree's root: "" */
} list_ctx;

static int list_cb(const char *root, const git_tree_entry *e, void *payload)
{
	list_ctx *ctx = payload;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (ctx->len == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 64;
		ctx->files = sk_realloc(ctx->files, sk_mul_size(ctx->cap, sizeof *ctx->files));
	}
	sk_store_file *f = &ctx->files[ctx->len++];
	f->path = sk_printf("%s%s", root, git_tree_entry_name(e));
	sk_store__oid_to(&f->blob, git_tree_entry_id(e));
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const sk_store_file *)a)->path, ((const sk_store_file *)b)->path);
}

int sk_store_list(sk_store_file **files, size_t *count, sk_store *st, const sk_oid *commit)
{
	git_commit *c = NULL;
	git_tree *tree = NULL, *sub = NULL;
	git_tree_entry *e = NULL;
	list_ctx ctx = { NULL, 0, 0, "" };
	int rc = 0;

	*files = NULL;
	*count = 0;
	if (sk_oid_is_zero(commit)) {
		git_oid head;
		if (git_reference_name_to_id(&head, st->repo, "HEAD") < 0)
			return 0; /* unborn: nothing committed */
	}
	if ((rc = sk_store__commit_lookup(&c, st, commit)) < 0)
		goto done;
	if (git_commit_tree(&tree, c) < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading a commit's tree");
		goto done;
	}
	git_tree *walk = tree;
	if (*st->prefix) {
		size_t n = strlen(st->prefix);
		char *dir = sk_strndup(st->prefix, n - 1);
		int err = git_tree_entry_bypath(&e, tree, dir);
		free(dir);
		if (err == GIT_ENOTFOUND || (err == 0 && git_tree_entry_type(e) != GIT_OBJECT_TREE))
			goto done;
		if (err < 0 || git_tree_lookup(&sub, st->repo, git_tree_entry_id(e)) < 0) {
			rc = sk_store__git_error(SK_ERROR, st->prefix);
			goto done;
		}
		walk = sub;
	}
	if (git_tree_walk(walk, GIT_TREEWALK_PRE, list_cb, &ctx) < 0) {
		rc = sk_store__git_error(SK_ERROR, "listing a tree");
		goto done;
	}
	if (ctx.len > 1)
		qsort(ctx.files, ctx.len, sizeof *ctx.files, file_cmp);
	*files = ctx.files;
	*count = ctx.len;
	ctx.files = NULL;
	ctx.len = 0;
done:
	sk_store_files_free(ctx.files, ctx.len);
	git_tree_entry_free(e);
	git_tree_free(sub);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

void sk_store_files_free(sk_store_file *files, size_t count)
{
	if (!files)
		return;
	for (size_t i = 0; i < count; i++)
		free(files[i].path);
	free(files);
}
