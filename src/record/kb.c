/* A knowledge base on disk: finding it, listing its files, loading its
 * records. */
#include "record_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sk_kb_free(sk_kb *kb)
{
	if (!kb)
		return;
	free(kb->root);
	json_decref(kb->settings);
	free(kb->language);
	free(kb);
}

/* Reads and checks samskap.json into kb. */
static int read_settings(sk_kb *kb)
{
	int rc = 0;
	char *file = sk_path_join(kb->root, "samskap.json");
	char *data = NULL;
	size_t len = 0;
	json_error_t err;

	if ((rc = sk_file_read(&data, &len, file, SK_RECORD_MAX_BYTES)) < 0)
		goto done;
	kb->settings = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!kb->settings) {
		rc = sk_error_set(SK_EINVALID, "%s:%d:%d: not valid JSON: %s", file, err.line, err.column, err.text);
		goto done;
	}
	if (!json_is_object(kb->settings)) {
		rc = sk_error_set(SK_EINVALID, "%s: must be a JSON object ({\"name\": ...})", file);
		goto done;
	}
	json_t *lang = json_object_get(kb->settings, "language");
	if (lang && !json_is_string(lang)) {
		rc = sk_error_set(SK_EINVALID, "%s: \"language\" must be a string such as \"norwegian\"", file);
		goto done;
	}
	kb->language = sk_strdup(lang ? json_string_value(lang) : "norwegian");
	json_t *max = json_object_get(kb->settings, "max_record_bytes");
	kb->max_bytes = SK_RECORD_MAX_BYTES;
	if (max) {
		if (!json_is_integer(max) || json_integer_value(max) < 1 ||
		    (unsigned long long)json_integer_value(max) > (unsigned long long)SIZE_MAX / 2) {
			rc = sk_error_set(SK_EINVALID, "%s: \"max_record_bytes\" must be a positive integer", file);
			goto done;
		}
		kb->max_bytes = (size_t)json_integer_value(max);
	}
done:
	free(data);
	free(file);
	return rc;
}

int sk_kb_open(sk_kb **out, const char *path)
{
	int rc = 0;
	sk_kb *kb = NULL;
	char *dir = NULL;
	struct stat st;

	*out = NULL;
	if (!path || !*path)
		path = ".";
	dir = realpath(path, NULL);
	if (!dir) {
		rc = sk_error_set(errno == ENOENT ? SK_ENOTFOUND : SK_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir] = '\0';
	}
	for (;;) {
		char *f = sk_path_join(dir, "samskap.json");
		int found = lstat(f, &st) == 0;
		free(f);
		if (found)
			break;
		char *slash = strrchr(dir, '/');
		if (!slash || dir[1] == '\0') {
			rc = sk_error_set(SK_ENOTFOUND,
				"%s: not in a knowledge base (no samskap.json here or in any folder above)", path);
			goto done;
		}
		slash[slash == dir] = '\0';
	}
	kb = sk_calloc(1, sizeof *kb);
	kb->root = dir;
	dir = NULL;
	if ((rc = read_settings(kb)) < 0)
		goto done;
	*out = kb;
	kb = NULL;
done:
	free(dir);
	sk_kb_free(kb);
	return rc;
}

/* Files by path (owned), with what lstat said of them (NULL st: unknown). */
typedef struct file_list {
	sk_kb_file *items;
	size_t len, cap;
} file_list;

static sk_kb_file *list_push(file_list *l)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = sk_realloc(l->items, sk_mul_size(l->cap, sizeof *l->items));
	}
	return &l->items[l->len++];
}

static void list_add(file_list *l, char *p, const struct stat *st)
{
	sk_kb_file *f = list_push(l);
	f->path = p;
	f->regular = st && S_ISREG(st->st_mode);
	f->size = st ? (int64_t)st->st_size : -1;
	f->mtime_ns = st ? (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec : 0;
}

#define MAX_FOLDER_DEPTH 8

/* ---- Listing the record folders ------------------------------------------
 * Two threads share a stack of folders still to read: at 100 000 files the
 * listing is lstat and getdents calls, and the kernel answers two callers
 * at once nearly twice as fast. */

typedef struct walk_dir {
	char *rel;
	int depth;
} walk_dir;

typedef struct walk_shared {
	pthread_mutex_t mu;
	pthread_cond_t more;
	walk_dir *stack;
	size_t len, cap;
	int busy;            /* threads reading a folder now */
	int rc;              /* the first error, its message in err */
	char *err;
	const char *root;
} walk_shared;

typedef struct walk_worker {
	walk_shared *sh;
	file_list list;      /* what this thread found */
} walk_worker;

static void walk_push(walk_shared *sh, char *rel, int depth)
{
	pthread_mutex_lock(&sh->mu);
	if (sh->len == sh->cap) {
		sh->cap = sh->cap ? sh->cap * 2 : 64;
		sh->stack = sk_realloc(sh->stack, sk_mul_size(sh->cap, sizeof *sh->stack));
	}
	sh->stack[sh->len].rel = rel;
	sh->stack[sh->len].depth = depth;
	sh->len++;
	pthread_cond_signal(&sh->more);
	pthread_mutex_unlock(&sh->mu);
}

/* Lists one folder: files into w->list (a symlink counts as a file, so
 * that reading it is refused with a message), folders onto the stack. */
static int walk_one_dir(walk_worker *w, const walk_dir *job)
{
	int rc = 0;
	char *full = sk_path_join(w->sh->root, job->rel);
	DIR *d = opendir(full);
	sk_buf rel = SK_BUF_INIT;

	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = sk_error_set(SK_EIO, "%s: %s", full, strerror(errno));
		goto done;
	}
	sk_buf_puts(&rel, job->rel);
	size_t base = rel.len;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		rel.len = base;
		sk_buf_putc(&rel, '/');
		sk_buf_puts(&rel, e->d_name);
		struct stat st;
		int have = 0, is_dir;
#ifdef DT_DIR
		/* readdir says what a name is on most file systems: a folder
		 * needs no lstat (half the calls in a KB of experiments). */
		if (e->d_type == DT_DIR) {
			is_dir = 1;
		} else
#endif
		{
			have = fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0;
			is_dir = have && S_ISDIR(st.st_mode);
		}
		if (is_dir && strcmp(rel.data, "models/data") == 0)
			continue; /* a model's data files are not records */
		if (is_dir && job->depth < MAX_FOLDER_DEPTH)
			walk_push(w->sh, sk_strndup(rel.data, rel.len), job->depth + 1);
		else
			list_add(&w->list, sk_strndup(rel.data, rel.len), have ? &st : NULL);
	}
done:
	sk_buf_free(&rel);
	if (d)
		closedir(d);
	free(full);
	return rc;
}

static void *walk_thread(void *arg)
{
	walk_worker *w = arg;
	walk_shared *sh = w->sh;
	pthread_mutex_lock(&sh->mu);
	for (;;) {
		while (sh->len == 0 && sh->busy > 0 && sh->rc == 0)
			pthread_cond_wait(&sh->more, &sh->mu);
		if (sh->len == 0 || sh->rc != 0)
			break;
		walk_dir job = sh->stack[--sh->len];
		sh->busy++;
		pthread_mutex_unlock(&sh->mu);
		int rc = walk_one_dir(w, &job);
		char *msg = rc ? sk_strdup(sk_error_last()) : NULL;
		free(job.rel);
		pthread_mutex_lock(&sh->mu);
		sh->busy--;
		if (rc && !sh->rc) {
			sh->rc = rc;
			sh->err = msg;
			msg = NULL;
		}
		free(msg);
		if (sh->len == 0 && sh->busy == 0)
			pthread_cond_broadcast(&sh->more);
	}
	pthread_cond_broadcast(&sh->more);
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

/* Adds every file under the folders `rels` (relative to root) to l. */
static int walk_folders(file_list *l, const char *root, const char *const *rels)
{
	enum { N_WORKERS = 2 };
	walk_shared sh;
	memset(&sh, 0, sizeof sh);
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.more, NULL);
	sh.root = root;
	for (size_t i = 0; rels[i]; i++)
		walk_push(&sh, sk_strdup(rels[i]), 1);
	walk_worker w[N_WORKERS];
	pthread_t tid[N_WORKERS];
	int started[N_WORKERS] = { 0 };
	for (int i = 0; i < N_WORKERS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].sh = &sh;
		/* The first runs here: the listing works without threads too. */
		started[i] = i > 0 && pthread_create(&tid[i], NULL, walk_thread, &w[i]) == 0;
	}
	walk_thread(&w[0]);
	for (int i = 1; i < N_WORKERS; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	for (int i = 0; i < N_WORKERS; i++) {
		for (size_t k = 0; k < w[i].list.len; k++)
			*list_push(l) = w[i].list.items[k];
		free(w[i].list.items);
	}
	int rc = sh.rc;
	if (rc)
		sk_error_set(rc, "%s", sh.err);
	free(sh.err);
	for (size_t i = 0; i < sh.len; i++)
		free(sh.stack[i].rel);
	free(sh.stack);
	pthread_mutex_destroy(&sh.mu);
	pthread_cond_destroy(&sh.more);
	return rc;
}

static const char *const record_folders[] = {
	"kommuner", "challenges", "cases", "experiments", "models", NULL
};

static int compare_files(const void *a, const void *b)
{
	return strcmp(((const sk_kb_file *)a)->path, ((const sk_kb_file *)b)->path);
}

/* Fills l with every file of the record folders, sorted. */
static int list_all(file_list *l, const sk_kb *kb)
{
	int rc = 0;
	char *p = sk_path_join(kb->root, "partnership.md");
	struct stat st;
	if (lstat(p, &st) == 0)
		list_add(l, sk_strdup("partnership.md"), &st);
	free(p);
	if ((rc = walk_folders(l, kb->root, record_folders)) < 0)
		return rc;
	if (l->len > 1)
		qsort(l->items, l->len, sizeof *l->items, compare_files);
	return 0;
}

int sk_kb_list_files(char ***paths, size_t *count, const sk_kb *kb)
{
	sk_kb_file *files = NULL;
	size_t n = 0;
	*paths = NULL;
	*count = 0;
	int rc = sk_kb_list_file_stats(&files, &n, kb);
	if (rc < 0)
		return rc;
	char **out = sk_calloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = files[i].path;   /* the paths move; the stat data goes */
	free(files);
	*paths = out;
	*count = n;
	return 0;
}

int sk_kb_list_file_stats(sk_kb_file **files, size_t *count, const sk_kb *kb)
{
	file_list l = { NULL, 0, 0 };
	*files = NULL;
	*count = 0;
	int rc = list_all(&l, kb);
	if (rc < 0) {
		sk_kb_file_stats_free(l.items, l.len);
		return rc;
	}
	*files = l.items;
	*count = l.len;
	return 0;
}

void sk_kb_file_stats_free(sk_kb_file *files, size_t count)
{
	if (!files)
		return;
	for (size_t i = 0; i < count; i++)
		free(files[i].path);
	free(files);
}

void sk_kb_paths_free(char **paths, size_t count)
{
	if (!paths)
		return;
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

void sk_records_free(sk_record **recs, size_t count)
{
	if (!recs)
		return;
	for (size_t i = 0; i < count; i++)
		sk_record_free(recs[i]);
	free(recs);
}

int sk_records_compare(const void *a, const void *b)
{
	const sk_record *x = *(sk_record *const *)a, *y = *(sk_record *const *)b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->path, y->path);
}

int sk_kb_load_records(sk_record ***recs, size_t *count, const sk_kb *kb,
	sk_record_type type, sk_diags *diags)
{
	int rc = 0;
	char **paths = NULL;
	size_t n = 0, len = 0;
	sk_record **out = NULL;

	*recs = NULL;
	*count = 0;
	if ((rc = sk_kb_list_files(&paths, &n, kb)) < 0)
		goto done;
	out = sk_calloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		sk_record_type t;
		char *id = NULL;
		int lrc = sk_record_locate(&t, &id, NULL, paths[i]);
		free(id);
		if (lrc == SK_ENOTFOUND)
			continue;
		if (lrc == 0 && type != SK_TYPE_COUNT && t != type)
			continue;
		if (lrc < 0) {
			if (diags)
				sk_diags_add(diags, SK_DIAG_ERROR, paths[i], 0, 0, NULL, "%s",
					sk_error_last() + strlen(paths[i]) + 2);
			continue;
		}
		sk_record *rec = NULL;
		if (sk_record_load(&rec, kb->root, paths[i], kb->max_bytes, diags) == 0)
			out[len++] = rec;
	}
	if (len)
		qsort(out, len, sizeof *out, sk_records_compare);
	sk_error_clear();
	*recs = out;
	*count = len;
	out = NULL;
done:
	sk_records_free(out, len);
	sk_kb_paths_free(paths, n);
	return rc;
}

int sk_kb_find_record(sk_record **out, const sk_kb *kb, const char *id, sk_diags *diags)
{
	int rc = SK_ENOTFOUND;
	file_list cands = { NULL, 0, 0 };
	DIR *d = NULL;

	*out = NULL;
	if (!sk_id_valid(id))
		return sk_error_set(SK_ENOTFOUND, "'%s' is not a record id (ids are lower-case slugs such as 'asker-velferdslab')", id);
	if (strcmp(id, "partnership") == 0)
		list_add(&cands, sk_strdup("partnership.md"), NULL);
	list_add(&cands, sk_printf("kommuner/%s.md", id), NULL);
	list_add(&cands, sk_printf("challenges/%s.md", id), NULL);
	list_add(&cands, sk_printf("cases/%s.md", id), NULL);
	list_add(&cands, sk_printf("experiments/%s/index.md", id), NULL);
	list_add(&cands, sk_printf("models/%s.json", id), NULL);
	char *exps = sk_path_join(kb->root, "experiments");
	d = opendir(exps);
	free(exps);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			list_add(&cands, sk_printf("experiments/%s/log/%s.md", e->d_name, id), NULL);
	for (size_t i = 0; i < cands.len; i++) {
		char *f = sk_path_join(kb->root, cands.items[i].path);
		int there = sk_path_exists(f);
		free(f);
		if (there) {
			rc = sk_record_load(out, kb->root, cands.items[i].path, kb->max_bytes, diags);
			goto done;
		}
	}
	rc = sk_error_set(SK_ENOTFOUND, "no record with id '%s' in %s", id, kb->root);
done:
	if (d)
		closedir(d);
	sk_kb_file_stats_free(cands.items, cands.len);
	return rc;
}
