/* store: sync with a remote (any git host, or a bare repository on disk):
 * fetch, fast-forward or merge, push. A real conflict stops with nothing
 * lost: the local branch stays as it was and the remote's commit is kept
 * under refs/samskap/conflict/. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct str_list {
	char **items;
	size_t len, cap;
} str_list;

static void str_push_unique(str_list *l, const char *s)
{
	for (size_t i = 0; i < l->len; i++)
		if (strcmp(l->items[i], s) == 0)
			return;
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->items = sk_realloc(l->items, sk_mul_size(l->cap, sizeof *l->items));
	}
	l->items[l->len++] = sk_strdup(s);
}

static void str_list_free(str_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = l->cap = 0;
}

/* ssh keys from the agent; anything else as libgit2 would do alone. */
static int credentials_cb(git_credential **out, const char *url, const char *username_from_url,
	unsigned int allowed_types, void *payload)
{
	(void)url;
	(void)payload;
	if (allowed_types & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, username_from_url ? username_from_url : "git");
	if (allowed_types & GIT_CREDENTIAL_DEFAULT)
		return git_credential_default_new(out);
	return GIT_PASSTHROUGH;
}

typedef struct push_status {
	char *refused;   /* the remote's reason, when it refused the update */
} push_status;

static int push_update_cb(const char *refname, const char *status, void *data)
{
	push_status *ps = data;
	if (status && !ps->refused)
		ps->refused = sk_printf("%s: %s", refname, status);
	return 0;
}

/* The files that differ between two commits (whole repository): what the
 * work tree has to follow when the branch moves from `from` to `to`. */
static int changed_items(sk_store__wt_item **out, size_t *n, sk_store *st, const git_oid *from,
	const git_oid *to)
{
	git_commit *a = NULL, *b = NULL;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	sk_store__wt_item *items = NULL;
	size_t count = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (git_commit_lookup(&a, st->repo, from) < 0 || git_commit_tree(&ta, a) < 0 ||
		git_commit_lookup(&b, st->repo, to) < 0 || git_commit_tree(&tb, b) < 0 ||
		git_diff_tree_to_tree(&diff, st->repo, ta, tb, NULL) < 0) {
		rc = sk_store__git_error(SK_ERROR, "comparing the local and the merged branch");
		goto done;
	}
	size_t nd = git_diff_num_deltas(diff);
	items = sk_calloc(nd ? nd : 1, sizeof *items);
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->old_file.mode == GIT_FILEMODE_COMMIT || d->new_file.mode == GIT_FILEMODE_COMMIT)
			continue; /* submodules are not samskap's */
		sk_store__wt_item *it = &items[count++];
		it->path = sk_strdup(d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path);
		if (d->status != GIT_DELTA_ADDED)
			git_oid_cpy(&it->old_id, &d->old_file.id);
		if (d->status != GIT_DELTA_DELETED)
			git_oid_cpy(&it->new_id, &d->new_file.id);
	}
	*out = items;
	*n = count;
	items = NULL;
done:
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(a);
	git_commit_free(b);
	free(items);
	return rc;
}

static void items_free(sk_store__wt_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i].path);
	free(items);
}

/* Moves the branch from `from` to `to` (compare and swap), the work tree
 * and index following for the files that differ; refuses before moving
 * when one of them holds uncommitted edits. */
static int move_branch(sk_store *st, const char *branch, const git_oid *from, const git_oid *to,
	const char *why)
{
	sk_store__wt_item *items = NULL;
	size_t n = 0;
	int rc;

	if ((rc = changed_items(&items, &n, st, from, to)) < 0)
		goto done;
	if ((rc = sk_store__worktree_check(st, items, n)) < 0) {
		char *why_not = sk_strdup(sk_error_last()); /* the message buffer is rewritten */
		rc = sk_error_set(SK_ECONFLICT, "sync stopped before changing anything: %s", why_not);
		free(why_not);
		goto done;
	}
	if ((rc = sk_store__ref_cas(st, branch, to, from, why)) < 0) {
		if (rc == SK_ECONFLICT)
			sk_error_set(SK_ECONFLICT, "%s moved during the sync (another samskap wrote to it); "
				"nothing was lost: run 'samskap sync' again", branch);
		goto done;
	}
	rc = sk_store__worktree_apply(st, items, n);
done:
	items_free(items, n);
	return rc;
}

/* Merges `theirs` into `ours`. 0 with *merged set, or SK_ECONFLICT with
 * the conflicting KB-relative paths in *conflicts. */
static int merge(git_oid *merged, str_list *conflicts, sk_store *st, const git_oid *ours,
	const git_oid *theirs, const sk_store_author *author, const char *what)
{
	git_commit *a = NULL, *b = NULL;
	git_index *index = NULL;
	git_index_conflict_iterator *it = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_merge_options mopts;
	git_oid tree_id;
	char *msg = NULL;
	int rc = 0;

	git_merge_options_init(&mopts, GIT_MERGE_OPTIONS_VERSION);
	if (git_commit_lookup(&a, st->repo, ours) < 0 || git_commit_lookup(&b, st->repo, theirs) < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading the commits to merge");
		goto done;
	}
	if (git_merge_commits(&index, st->repo, a, b, &mopts) < 0) {
		rc = sk_store__git_error(SK_ERROR, "merging");
		goto done;
	}
	if (git_index_has_conflicts(index)) {
		const git_index_entry *anc, *our, *their;
		if (git_index_conflict_iterator_new(&it, index) < 0) {
			rc = sk_store__git_error(SK_ERROR, "listing conflicts");
			goto done;
		}
		while (git_index_conflict_next(&anc, &our, &their, it) == 0) {
			const git_index_entry *e = our ? our : their ? their : anc;
			const char *kp = sk_store__kb_path(st, e->path);
			str_push_unique(conflicts, kp ? kp : e->path);
		}
		git_error_clear();
		rc = SK_ECONFLICT;
		goto done;
	}
	if (!author || !author->name || !author->email) {
		rc = sk_error_set(SK_ENOTFOUND, "the merge commit needs an author: pass --author 'Name <email>', "
			"set SAMSKAP_AUTHOR, or set git config user.name and user.email");
		goto done;
	}
	if (git_index_write_tree_to(&tree_id, index, st->repo) < 0 ||
		git_tree_lookup(&tree, st->repo, &tree_id) < 0) {
		rc = sk_store__git_error(SK_ERROR, "writing the merged tree");
		goto done;
	}
	if (git_signature_now(&sig, author->name, author->email) < 0) {
		rc = sk_store__git_error(SK_EINVALID, "the author");
		goto done;
	}
	msg = sk_printf("sync: merge %s (%s)\n", what, author->name);
	const git_commit *parents[2] = { a, b };
	if (git_commit_create(merged, st->repo, NULL, sig, sig, NULL, msg, tree, 2, parents) < 0)
		rc = sk_store__git_error(SK_ERROR, "making the merge commit");
done:
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_conflict_iterator_free(it);
	git_index_free(index);
	git_commit_free(a);
	git_commit_free(b);
	return rc;
}

static int push(sk_store *st, git_remote *remote, const char *name, const char *branch)
{
	git_push_options popts;
	push_status ps = { NULL };
	char *spec = sk_printf("%s:%s", branch, branch);
	git_strarray specs = { &spec, 1 };
	int rc = 0;

	(void)st;
	git_push_options_init(&popts, GIT_PUSH_OPTIONS_VERSION);
	popts.callbacks.credentials = credentials_cb;
	popts.callbacks.push_update_reference = push_update_cb;
	popts.callbacks.payload = &ps;
	int err = git_remote_push(remote, &specs, &popts);
	if (err < 0) {
		const git_error *e = git_error_last();
		const char *m = e && e->message ? e->message : "unknown error";
		if (err == GIT_ENONFASTFORWARD || strstr(m, "fast-forward") || strstr(m, "fastforward") ||
			strstr(m, "rejected") || strstr(m, "refused"))
			rc = sk_error_set(SK_ECONFLICT, "the remote '%s' refused the push of %s: %s "
				"(your commits are safe locally; run 'samskap sync' again)", name, branch + 11, m);
		else
			rc = sk_error_set(SK_EIO, "cannot push to the remote '%s' (%s): %s "
				"(your commits are safe locally)", name,
				git_remote_pushurl(remote) ? git_remote_pushurl(remote) : git_remote_url(remote), m);
		goto done;
	}
	if (ps.refused)
		rc = sk_error_set(SK_ECONFLICT, "the remote '%s' refused the push of %s "
			"(your commits are safe locally; run 'samskap sync' again)", name, ps.refused);
done:
	free(ps.refused);
	free(spec);
	return rc;
}

/* The longest url.BASE.insteadOf (or pushInsteadOf) prefix of url,
 * rewritten to BASE, as git does; NULL when none applies. */
typedef struct insteadof_ctx {
	const char *url;
	const char *key;      /* "insteadof" or "pushinsteadof" */
	size_t best;
	char *out;
} insteadof_ctx;

static int insteadof_cb(const git_config_entry *e, void *payload)
{
	insteadof_ctx *c = payload;
	size_t n = strlen(e->name), k = strlen(c->key);
	if (strncmp(e->name, "url.", 4) != 0 || n < 4 + 1 + k || e->name[n - k - 1] != '.' ||
		strcmp(e->name + n - k, c->key) != 0 || !e->value)
		return 0;
	size_t vl = strlen(e->value);
	if (vl == 0 || vl <= c->best || strncmp(c->url, e->value, vl) != 0)
		return 0;
	c->best = vl;
	free(c->out);
	c->out = sk_printf("%.*s%s", (int)(n - k - 1 - 4), e->name + 4, c->url + vl);
	return 0;
}

static char *insteadof(git_config *cfg, const char *url, const char *key)
{
	insteadof_ctx c = { url, key, 0, NULL };
	git_config_foreach(cfg, insteadof_cb, &c);
	return c.out;
}

/* A relative path URL made absolute from the work tree's top, as git
 * reads it (libgit2 would read it from the process's folder). */
static char *url_resolve(sk_store *st, const char *url)
{
	if (!url[0] || url[0] == '/' || strchr(url, ':'))
		return sk_strdup(url);
	return sk_printf("%s%s", st->workdir, url);
}

/* The remote `name` as an in-memory remote made from its config (url,
 * pushurl, insteadOf rewrites). Not git_remote_lookup: in libgit2 1.5
 * its insteadOf lookup leaks (fixed upstream by libgit2 PR #6382), and
 * the fetch and push here name their refspecs anyway. */
static int remote_open(git_remote **out, sk_store *st, const char *name)
{
	git_config *cfg = NULL;
	git_remote_create_options opts;
	char *key = NULL, *url = NULL, *push = NULL, *tmp;
	const char *v = NULL;
	int rc = 0;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, st->repo) < 0) {
		rc = sk_store__git_error(SK_ERROR, "reading git config");
		goto done;
	}
	key = sk_printf("remote.%s.url", name);
	if (git_config_get_string(&v, cfg, key) < 0 || !*v) {
		git_error_clear();
		rc = sk_error_set(SK_ENOTFOUND, "no remote named '%s' (see 'git remote -v'; add one with "
			"'git remote add %s URL')", name, name);
		goto done;
	}
	url = sk_strdup(v);
	free(key);
	key = sk_printf("remote.%s.pushurl", name);
	if (git_config_get_string(&v, cfg, key) == 0 && *v)
		push = sk_strdup(v);
	git_error_clear();
	if (!push && (tmp = insteadof(cfg, url, "pushinsteadof")))
		push = tmp;
	if ((tmp = insteadof(cfg, url, "insteadof"))) {
		free(url);
		url = tmp;
	}
	if (push && (tmp = insteadof(cfg, push, "insteadof"))) {
		free(push);
		push = tmp;
	}
	tmp = url_resolve(st, url);
	free(url);
	url = tmp;
	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	opts.repository = st->repo;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(out, url, &opts) < 0) {
		rc = sk_store__git_error(SK_ERROR, name);
		goto done;
	}
	if (push) {
		tmp = url_resolve(st, push);
		int err = git_remote_set_instance_pushurl(*out, tmp);
		free(tmp);
		if (err < 0) {
			rc = sk_store__git_error(SK_ERROR, name);
			goto done;
		}
	}
done:
	if (rc < 0) {
		git_remote_free(*out);
		*out = NULL;
	}
	free(key);
	free(url);
	free(push);
	git_config_free(cfg);
	return rc;
}

int sk_store_sync(sk_sync_result *res, sk_store *st, const char *remote_name,
	const sk_store_author *author)
{
	git_remote *remote = NULL;
	git_fetch_options fopts;
	str_list conflicts = { NULL, 0, 0 };
	char *branch = NULL, *tracking = NULL, *fetchspec = NULL, *what = NULL;
	git_oid local, theirs, merged;
	int rc = 0, err;

	memset(res, 0, sizeof *res);
	const char *name = remote_name && *remote_name ? remote_name : "origin";
	if ((rc = sk_store__branch_ref(&branch, st)) < 0)
		goto done;
	{
		sk_oid head;
		if ((rc = sk_store_head(&head, st)) < 0)
			goto done;
		git_oid_fromstr(&local, head.hex);
		res->local = head;
		res->head = head;
	}
	if ((rc = remote_open(&remote, st, name)) < 0)
		goto done;
	/* Fetch just this branch into its remote-tracking ref. */
	tracking = sk_printf("refs/remotes/%s/%s", name, branch + 11);
	fetchspec = sk_printf("+%s:%s", branch, tracking);
	what = sk_printf("%s/%s", name, branch + 11);
	git_fetch_options_init(&fopts, GIT_FETCH_OPTIONS_VERSION);
	fopts.callbacks.credentials = credentials_cb;
	{
		git_strarray specs = { &fetchspec, 1 };
		if (git_remote_fetch(remote, &specs, &fopts, "samskap sync: fetch") < 0) {
			const git_error *e = git_error_last();
			rc = sk_error_set(SK_EIO, "cannot fetch from the remote '%s' (%s): %s", name,
				git_remote_url(remote) ? git_remote_url(remote) : "no URL",
				e && e->message ? e->message : "unknown error");
			goto done;
		}
	}
	err = git_reference_name_to_id(&theirs, st->repo, tracking);
	if (err == GIT_ENOTFOUND) {
		/* The remote has no such branch yet (a new hub): publish ours. */
		git_error_clear();
		size_t n = 0;
		git_revwalk *w = NULL;
		git_oid id;
		if (git_revwalk_new(&w, st->repo) == 0 && git_revwalk_push(w, &local) == 0)
			while (git_revwalk_next(&id, w) == 0)
				n++;
		git_revwalk_free(w);
		git_error_clear();
		if ((rc = push(st, remote, name, branch)) < 0)
			goto done;
		res->outcome = SK_SYNC_PUSHED;
		res->n_pushed = n;
		goto done;
	}
	if (err < 0) {
		rc = sk_store__git_error(SK_ERROR, tracking);
		goto done;
	}
	sk_store__oid_to(&res->remote, &theirs);
	if (git_oid_equal(&local, &theirs)) {
		res->outcome = SK_SYNC_UP_TO_DATE;
		goto done;
	}
	size_t ahead = 0, behind = 0;
	if (git_graph_ahead_behind(&ahead, &behind, st->repo, &local, &theirs) < 0) {
		rc = sk_store__git_error(SK_ERROR, "comparing with the remote");
		goto done;
	}
	res->n_fetched = behind;
	if (behind == 0) {
		if ((rc = push(st, remote, name, branch)) < 0)
			goto done;
		res->outcome = SK_SYNC_PUSHED;
		res->n_pushed = ahead;
		goto done;
	}
	if (ahead == 0) {
		char *why = sk_printf("samskap sync: fast-forward to %s", what);
		rc = move_branch(st, branch, &local, &theirs, why);
		free(why);
		if (rc < 0)
			goto done;
		res->outcome = SK_SYNC_FAST_FORWARD;
		sk_store__oid_to(&res->head, &theirs);
		goto done;
	}
	rc = merge(&merged, &conflicts, st, &local, &theirs, author, what);
	if (rc == SK_ECONFLICT) {
		/* Keep the remote's side reachable under a ref of our own; the
		 * local branch is untouched. */
		git_reference *ref = NULL;
		res->conflict_ref = sk_printf("refs/samskap/conflict/%s/%s", name, branch + 11);
		if (git_reference_create(&ref, st->repo, res->conflict_ref, &theirs, 1,
			"samskap sync: conflict") < 0) {
			rc = sk_store__git_error(SK_ERROR, res->conflict_ref);
			goto done;
		}
		git_reference_free(ref);
		res->outcome = SK_SYNC_CONFLICT;
		res->conflicts = conflicts.items;
		res->n_conflicts = conflicts.len;
		conflicts.items = NULL;
		conflicts.len = 0;
		sk_buf b = SK_BUF_INIT;
		for (size_t i = 0; i < res->n_conflicts; i++)
			sk_buf_printf(&b, "%s%s", i ? ", " : "", res->conflicts[i]);
		rc = sk_error_set(SK_ECONFLICT, "sync stopped: both sides changed the same lines of %s. "
			"Nothing was merged and nothing is lost: your branch is unchanged and the remote's "
			"version is kept as %s. To go on: 'git merge %s', fix the conflicting files, "
			"'git commit', then 'samskap sync' again", b.data, res->conflict_ref, res->conflict_ref);
		sk_buf_free(&b);
		goto done;
	}
	if (rc < 0)
		goto done;
	{
		char *why = sk_printf("samskap sync: merge %s", what);
		rc = move_branch(st, branch, &local, &merged, why);
		free(why);
		if (rc < 0)
			goto done;
	}
	sk_store__oid_to(&res->head, &merged);
	res->outcome = SK_SYNC_MERGED;
	if ((rc = push(st, remote, name, branch)) < 0)
		goto done;
	res->n_pushed = ahead + 1;
done:
	str_list_free(&conflicts);
	free(branch);
	free(tracking);
	free(fetchspec);
	free(what);
	git_remote_free(remote);
	return rc;
}

void sk_sync_result_free(sk_sync_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_conflicts; i++)
		free(res->conflicts[i]);
	free(res->conflicts);
	free(res->conflict_ref);
	res->conflicts = NULL;
	res->conflict_ref = NULL;
	res->n_conflicts = 0;
}
