/* store: the history of files, from git's commits. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct info_list {
	sk_store_commit_info *items;
	size_t len, cap;
} info_list;

/* The diff of commit c against parent number `p` (-1: the empty tree),
 * limited to the pathspec. */
static int diff_against(git_diff **out, sk_store *st, git_commit *c, int p, git_tree *tree,
	const git_strarray *ps)
{
	git_commit *parent = NULL;
	git_tree *ptree = NULL;
	git_diff_options opts;
	int rc = 0;

	*out = NULL;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.pathspec = *ps;
	/* Literal paths, not globs; a trailing '/' means a folder. */
	opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	if (p >= 0 && (git_commit_parent(&parent, c, (unsigned)p) < 0 || git_commit_tree(&ptree, parent) < 0)) {
		rc = sk_store__git_error(SK_ERROR, "reading a parent commit");
		goto done;
	}
	if (git_diff_tree_to_tree(out, st->repo, ptree, tree, &opts) < 0)
		rc = sk_store__git_error(SK_ERROR, "comparing a commit with its parent");
done:
	git_tree_free(ptree);
	git_commit_free(parent);
	return rc;
}

static void info_fill(sk_store_commit_info *ci, sk_store *st, git_commit *c, git_diff *diff,
	int lines)
{
	const git_signature *a = git_commit_author(c);
	const char *msg = git_commit_message(c);
	git_diff_stats *stats = NULL;
	size_t nd = git_diff_num_deltas(diff);

	memset(ci, 0, sizeof *ci);
	sk_store__oid_to(&ci->id, git_commit_id(c));
	ci->author_name = sk_strdup(a && a->name ? a->name : "");
	ci->author_email = sk_strdup(a && a->email ? a->email : "");
	ci->time = a ? (int64_t)a->when.time : (int64_t)git_commit_time(c);
	ci->tz_offset = a ? a->when.offset : git_commit_time_offset(c);
	ci->message = sk_strdup(msg ? msg : "");
	ci->summary = sk_strndup(ci->message, strcspn(ci->message, "\n"));
	if (lines && git_diff_get_stats(&stats, diff) == 0) {
		ci->added = git_diff_stats_insertions(stats);
		ci->removed = git_diff_stats_deletions(stats);
	}
	git_diff_stats_free(stats);
	ci->paths = sk_calloc(nd ? nd : 1, sizeof *ci->paths);
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *rp = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		const char *kp = sk_store__kb_path(st, rp);
		if (kp)
			ci->paths[ci->n_paths++] = sk_strdup(kp);
	}
}

int sk_store_history(sk_store_commit_info **out, size_t *count, sk_store *st,
	const char *const *paths, size_t n_paths, size_t limit)
{
	sk_store_log_opts o = { paths, n_paths, limit, 0, 0 };
	return sk_store_log(out, count, st, &o);
}

int sk_store_log(sk_store_commit_info **out, size_t *count, sk_store *st, const sk_store_log_opts *o)
{
	const char *const *paths = o->paths;
	size_t n_paths = o->n_paths, limit = o->limit;
	git_revwalk *walk = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	info_list l = { NULL, 0, 0 };
	git_strarray ps = { NULL, 0 };
	int rc = 0;

	*out = NULL;
	*count = 0;
	{
		sk_oid head;
		if ((rc = sk_store_head(&head, st)) < 0)
			return rc;
	}
	/* The pathspec: the KB's folder, or the given paths inside it. */
	if (n_paths) {
		ps.strings = sk_calloc(n_paths, sizeof *ps.strings);
		for (size_t i = 0; i < n_paths; i++) {
			/* A folder keeps its trailing '/', which the path check
			 * does not accept: check it without. */
			size_t len = strlen(paths[i]);
			int folder = len > 1 && paths[i][len - 1] == '/';
			char *bare = sk_strndup(paths[i], folder ? len - 1 : len);
			char *rp = sk_store__repo_path(st, bare);
			free(bare);
			if (!rp) {
				rc = sk_error_code();
				goto done;
			}
			if (folder) {
				char *withslash = sk_printf("%s/", rp);
				free(rp);
				rp = withslash;
			}
			ps.strings[ps.count++] = rp;
		}
	} else if (*st->prefix) {
		ps.strings = sk_calloc(1, sizeof *ps.strings);
		ps.strings[ps.count++] = sk_strdup(st->prefix);
	}
	if (git_revwalk_new(&walk, st->repo) < 0 ||
		git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
		git_revwalk_push_head(walk) < 0) {
		rc = sk_store__git_error(SK_ERROR, "walking the history");
		goto done;
	}
	git_oid id;
	int err;
	while ((err = git_revwalk_next(&id, walk)) == 0) {
		if (git_commit_lookup(&c, st->repo, &id) < 0 || git_commit_tree(&tree, c) < 0) {
			rc = sk_store__git_error(SK_ERROR, "reading a commit");
			goto done;
		}
		/* Newest first: the first commit before `since` ends the walk
		 * (a merge's older side may hold a later one; as in git log
		 * --since, the walk stops). */
		if (o->since && git_commit_time(c) < o->since)
			break;
		unsigned np = git_commit_parentcount(c);
		if ((rc = diff_against(&diff, st, c, np ? 0 : -1, tree, &ps)) < 0)
			goto done;
		int touches = git_diff_num_deltas(diff) > 0;
		/* A merge counts only when it differs from every parent in these
		 * paths (as git log simplifies): otherwise it merely brought in
		 * a change the other side's own commit already shows. */
		for (unsigned p = 1; touches && p < np; p++) {
			git_diff *other = NULL;
			if ((rc = diff_against(&other, st, c, (int)p, tree, &ps)) < 0)
				goto done;
			touches = git_diff_num_deltas(other) > 0;
			git_diff_free(other);
		}
		if (touches) {
			if (l.len == l.cap) {
				l.cap = l.cap ? l.cap * 2 : 32;
				l.items = sk_realloc(l.items, sk_mul_size(l.cap, sizeof *l.items));
			}
			info_fill(&l.items[l.len++], st, c, diff, !o->no_lines);
		}
		git_diff_free(diff);
		diff = NULL;
		git_tree_free(tree);
		tree = NULL;
		git_commit_free(c);
		c = NULL;
		if (limit && l.len >= limit)
			break;
	}
	if (err < 0 && err != GIT_ITEROVER) {
		rc = sk_store__git_error(SK_ERROR, "walking the history");
		goto done;
	}
	git_error_clear();
	*out = l.items;
	*count = l.len;
	l.items = NULL;
	l.len = 0;
done:
	sk_store_history_free(l.items, l.len);
	for (size_t i = 0; i < ps.count; i++)
		free(ps.strings[i]);
	free(ps.strings);
	git_diff_free(diff);
	git_tree_free(tree);
	git_commit_free(c);
	git_revwalk_free(walk);
	return rc;
}

void sk_store_history_free(sk_store_commit_info *infos, size_t count)
{
	if (!infos)
		return;
	for (size_t i = 0; i < count; i++) {
		sk_store_commit_info *ci = &infos[i];
		free(ci->author_name);
		free(ci->author_email);
		free(ci->summary);
		free(ci->message);
		for (size_t j = 0; j < ci->n_paths; j++)
			free(ci->paths[j]);
		free(ci->paths);
	}
	free(infos);
}
