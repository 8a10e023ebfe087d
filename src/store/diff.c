/* store: what changed between two commits, and in the work tree. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct change_list {
	sk_store_change *items;
	size_t len, cap;
} change_list;

static sk_store_change *change_push(change_list *l)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = sk_realloc(l->items, sk_mul_size(l->cap, sizeof *l->items));
	}
	sk_store_change *c = &l->items[l->len++];
	memset(c, 0, sizeof *c);
	return c;
}

static const char *change_path(const sk_store_change *c)
{
	return c->new_path ? c->new_path : c->old_path;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(change_path(a), change_path(b));
}

/* A pathspec limiting libgit2 to the KB's folder (none for the whole
 * repository). */
static void prefix_pathspec(const sk_store *st, git_strarray *ps, char **one)
{
	size_t n = strlen(st->prefix);
	ps->count = 0;
	ps->strings = NULL;
	*one = NULL;
	if (n == 0)
		return;
	*one = sk_strdup(st->prefix); /* literal: a trailing '/' means the folder */
	ps->strings = one;
	ps->count = 1;
}

static int tree_of(git_tree **out, sk_store *st, const sk_oid *commit, int zero_is_empty)
{
	git_commit *c = NULL;
	int rc;
	*out = NULL;
	if (zero_is_empty && sk_oid_is_zero(commit))
		return 0;
	if ((rc = sk_store__commit_lookup(&c, st, commit)) < 0)
		return rc;
	if (git_commit_tree(out, c) < 0)
		rc = sk_store__git_error(SK_ERROR, "reading a commit's tree");
	git_commit_free(c);
	return rc;
}

int sk_store_diff(sk_store_change **changes, size_t *count, sk_store *st,
	const sk_oid *from, const sk_oid *to)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	git_diff_find_options fopts;
	change_list l = { NULL, 0, 0 };
	char *one = NULL;
	int rc;

	*changes = NULL;
	*count = 0;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	if ((rc = tree_of(&a, st, from, 1)) < 0 || (rc = tree_of(&b, st, to, 0)) < 0)
		goto done;
	prefix_pathspec(st, &opts.pathspec, &one);
	opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	if (git_diff_tree_to_tree(&diff, st->repo, a, b, &opts) < 0) {
		rc = sk_store__git_error(SK_ERROR, "comparing commits");
		goto done;
	}
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &fopts) < 0) {
		rc = sk_store__git_error(SK_ERROR, "finding renames");
		goto done;
	}
	size_t n = git_diff_num_deltas(diff);
	for (size_t i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *op = sk_store__kb_path(st, d->old_file.path);
		const char *np = sk_store__kb_path(st, d->new_file.path);
		sk_store_change *c;
		switch (d->status) {
		case GIT_DELTA_ADDED:
			if (!np)
				continue;
			c = change_push(&l);
			c->kind = SK_CHANGE_ADDED;
			c->new_path = sk_strdup(np);
			sk_store__oid_to(&c->new_blob, &d->new_file.id);
			break;
		case GIT_DELTA_DELETED:
			if (!op)
				continue;
			c = change_push(&l);
			c->kind = SK_CHANGE_DELETED;
			c->old_path = sk_strdup(op);
			sk_store__oid_to(&c->old_blob, &d->old_file.id);
			break;
		case GIT_DELTA_RENAMED:
			if (!op || !np)
				continue;
			c = change_push(&l);
			c->kind = SK_CHANGE_RENAMED;
			c->old_path = sk_strdup(op);
			c->new_path = sk_strdup(np);
			sk_store__oid_to(&c->old_blob, &d->old_file.id);
			sk_store__oid_to(&c->new_blob, &d->new_file.id);
			break;
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
			if (!np)
				continue;
			c = change_push(&l);
			c->kind = SK_CHANGE_MODIFIED;
			c->old_path = sk_strdup(op ? op : np);
			c->new_path = sk_strdup(np);
			sk_store__oid_to(&c->old_blob, &d->old_file.id);
			sk_store__oid_to(&c->new_blob, &d->new_file.id);
			break;
		default:
			continue;
		}
	}
	if (l.len > 1)
		qsort(l.items, l.len, sizeof *l.items, change_cmp);
	*changes = l.items;
	*count = l.len;
	l.items = NULL;
	l.len = 0;
done:
	sk_store_changes_free(l.items, l.len);
	free(one);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}

int sk_store_status(sk_store_change **changes, size_t *count, sk_store *st)
{
	git_status_list *list = NULL;
	git_status_options opts;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	change_list l = { NULL, 0, 0 };
	char *one = NULL;
	int rc = 0;

	*changes = NULL;
	*count = 0;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	{
		git_oid hid;
		if (git_reference_name_to_id(&hid, st->repo, "HEAD") == 0) {
			if (git_commit_lookup(&head, st->repo, &hid) < 0 || git_commit_tree(&tree, head) < 0) {
				rc = sk_store__git_error(SK_ERROR, "reading HEAD");
				goto done;
			}
		}
	}
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	prefix_pathspec(st, &opts.pathspec, &one);
	if (git_status_list_new(&list, st->repo, &opts) < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading the work tree's status");
		goto done;
	}
	size_t n = git_status_list_entrycount(list);
	for (size_t i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		if (!d)
			continue;
		/* Either side's path: the file is compared HEAD -> work tree. */
		const char *rp = d->new_file.path ? d->new_file.path : d->old_file.path;
		const char *kp = sk_store__kb_path(st, rp);
		if (!kp)
			continue;
		git_oid old_id, new_id;
		git_tree_entry *te = NULL;
		memset(&old_id, 0, sizeof old_id);
		memset(&new_id, 0, sizeof new_id);
		if (tree && git_tree_entry_bypath(&te, tree, rp) == 0) {
			if (git_tree_entry_type(te) == GIT_OBJECT_BLOB)
				git_oid_cpy(&old_id, git_tree_entry_id(te));
			git_tree_entry_free(te);
		}
		char *abs = sk_printf("%s%s", st->workdir, rp);
		if (sk_path_exists(abs))
			git_repository_hashfile(&new_id, st->repo, abs, GIT_OBJECT_BLOB, NULL);
		free(abs);
		int had = !git_oid_is_zero(&old_id), has = !git_oid_is_zero(&new_id);
		if (!had && !has)
			continue;
		if (had && has && git_oid_equal(&old_id, &new_id))
			continue;
		sk_store_change *c = change_push(&l);
		c->kind = !had ? SK_CHANGE_ADDED : !has ? SK_CHANGE_DELETED : SK_CHANGE_MODIFIED;
		if (had)
			c->old_path = sk_strdup(kp);
		if (has)
			c->new_path = sk_strdup(kp);
		sk_store__oid_to(&c->old_blob, &old_id);
		sk_store__oid_to(&c->new_blob, &new_id);
	}
	if (l.len > 1)
		qsort(l.items, l.len, sizeof *l.items, change_cmp);
	*changes = l.items;
	*count = l.len;
	l.items = NULL;
	l.len = 0;
done:
	sk_store_changes_free(l.items, l.len);
	free(one);
	git_status_list_free(list);
	git_tree_free(tree);
	git_commit_free(head);
	return rc;
}

void sk_store_changes_free(sk_store_change *changes, size_t count)
{
	if (!changes)
		return;
	for (size_t i = 0; i < count; i++) {
		free(changes[i].old_path);
		free(changes[i].new_path);
	}
	free(changes);
}
