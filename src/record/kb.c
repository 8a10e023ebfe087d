/* A knowledge base on disk: finding it, listing its files, loading its
 * records. */
#include "record_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
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

typedef struct path_list {
	char **items;
	size_t len, cap;
	sk_kb_file *files;   /* with their stat data, when wanted */
} path_list;

static void list_add(path_list *l, char *p, const struct stat *st)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if (l->files)
			l->files = sk_realloc(l->files, sk_mul_size(l->cap, sizeof *l->files));
		else
			l->items = sk_realloc(l->items, sk_mul_size(l->cap, sizeof *l->items));
	}
	if (l->files) {
		sk_kb_file *f = &l->files[l->len++];
		f->path = p;
		f->regular = st && S_ISREG(st->st_mode);
		f->size = st ? (int64_t)st->st_size : -1;
		f->mtime_ns = st ? (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec : 0;
	} else {
		l->items[l->len++] = p;
	}
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_FOLDER_DEPTH 8

/* Adds every file under root/rel (not following symlinks; a symlink is
 * listed as a file so that reading it is refused with a message). rel is
 * a buffer the walk extends and restores: at 100 000 files, a new path
 * string per lstat cost more than the lstat. */
static int walk(path_list *l, const char *root, sk_buf *rel, int depth)
{
	int rc = 0;
	char *full = sk_path_join(root, rel->data);
	DIR *d = opendir(full);
	size_t base = rel->len;

	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			rc = sk_error_set(SK_EIO, "%s: %s", full, strerror(errno));
		goto done;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		rel->len = base;
		sk_buf_putc(rel, '/');
		sk_buf_puts(rel, e->d_name);
		struct stat st;
		int have = fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0;
		int is_dir = have && S_ISDIR(st.st_mode);
		if (is_dir && strcmp(rel->data, "models/data") == 0) {
			continue; /* a model's data files are not records */
		} else if (is_dir && depth < MAX_FOLDER_DEPTH) {
			if ((rc = walk(l, root, rel, depth + 1)) < 0)
				goto done;
		} else {
			list_add(l, sk_strndup(rel->data, rel->len), have ? &st : NULL);
		}
	}
done:
	rel->len = base;
	if (rel->data)
		rel->data[base] = '\0';
	if (d)
		closedir(d);
	free(full);
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
static int list_all(path_list *l, const sk_kb *kb)
{
	int rc = 0;
	char *p = sk_path_join(kb->root, "partnership.md");
	struct stat st;
	if (lstat(p, &st) == 0)
		list_add(l, sk_strdup("partnership.md"), &st);
	free(p);
	for (size_t i = 0; record_folders[i]; i++) {
		sk_buf rel = SK_BUF_INIT;
		sk_buf_puts(&rel, record_folders[i]);
		rc = walk(l, kb->root, &rel, 1);
		sk_buf_free(&rel);
		if (rc < 0)
			return rc;
	}
	if (l->len > 1 && l->files)
		qsort(l->files, l->len, sizeof *l->files, compare_files);
	else if (l->len > 1)
		qsort(l->items, l->len, sizeof *l->items, compare_paths);
	return 0;
}

int sk_kb_list_files(char ***paths, size_t *count, const sk_kb *kb)
{
	path_list l = { NULL, 0, 0, NULL };
	*paths = NULL;
	*count = 0;
	int rc = list_all(&l, kb);
	if (rc < 0) {
		sk_kb_paths_free(l.items, l.len);
		return rc;
	}
	*paths = l.items;
	*count = l.len;
	return 0;
}

int sk_kb_list_file_stats(sk_kb_file **files, size_t *count, const sk_kb *kb)
{
	path_list l = { NULL, 0, 0, NULL };
	*files = NULL;
	*count = 0;
	l.files = sk_calloc(1, sizeof *l.files);
	l.cap = 1;
	int rc = list_all(&l, kb);
	if (rc < 0) {
		sk_kb_file_stats_free(l.files, l.len);
		return rc;
	}
	*files = l.files;
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

static int compare_records(const void *a, const void *b)
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
		qsort(out, len, sizeof *out, compare_records);
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
	path_list cands = { NULL, 0, 0, NULL };
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
		char *f = sk_path_join(kb->root, cands.items[i]);
		int there = sk_path_exists(f);
		free(f);
		if (there) {
			rc = sk_record_load(out, kb->root, cands.items[i], kb->max_bytes, diags);
			goto done;
		}
	}
	rc = sk_error_set(SK_ENOTFOUND, "no record with id '%s' in %s", id, kb->root);
done:
	if (d)
		closedir(d);
	sk_kb_paths_free(cands.items, cands.len);
	return rc;
}
