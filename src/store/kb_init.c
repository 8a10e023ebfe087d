/* store: making a new knowledge base (a git repository with samskap.json,
 * the record folders and a first commit), optionally from example content. */
#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The record folders every KB has (made on disk; git tracks files only). */
static const char *const kb_folders[] = { "kommuner", "challenges", "cases", "experiments", "models", NULL };

typedef struct file_set {
	sk_store_write *w;
	char **paths;     /* owned copies behind w[i].path */
	char **datas;     /* owned copies behind w[i].data */
	size_t len, cap;
} file_set;

static void set_add(file_set *s, const char *path, char *data, size_t len, int expect)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->w = sk_realloc(s->w, sk_mul_size(s->cap, sizeof *s->w));
		s->paths = sk_realloc(s->paths, sk_mul_size(s->cap, sizeof *s->paths));
		s->datas = sk_realloc(s->datas, sk_mul_size(s->cap, sizeof *s->datas));
	}
	s->paths[s->len] = sk_strdup(path);
	s->datas[s->len] = data;
	memset(&s->w[s->len], 0, sizeof s->w[s->len]);
	s->w[s->len].path = s->paths[s->len];
	s->w[s->len].data = data;
	s->w[s->len].len = len;
	s->w[s->len].expect = expect;
	s->len++;
}

static void set_free(file_set *s)
{
	for (size_t i = 0; i < s->len; i++) {
		free(s->paths[i]);
		free(s->datas[i]);
	}
	free(s->paths);
	free(s->datas);
	free(s->w);
}

static int set_has(const file_set *s, const char *path)
{
	for (size_t i = 0; i < s->len; i++)
		if (strcmp(s->paths[i], path) == 0)
			return 1;
	return 0;
}

/* Adds every regular file under src/rel (recursively; dotfiles and
 * symlinks left out) as a new file at rel. */
static int add_tree(file_set *s, const char *src, const char *rel)
{
	char *dirpath = *rel ? sk_printf("%s/%s", src, rel) : sk_strdup(src);
	DIR *d = opendir(dirpath);
	int rc = 0;

	if (!d) {
		rc = sk_error_set(SK_EIO, "%s: %s", dirpath, strerror(errno));
		goto done;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *child = *rel ? sk_printf("%s/%s", rel, e->d_name) : sk_strdup(e->d_name);
		char *abs = sk_printf("%s/%s", src, child);
		struct stat sb;
		if (lstat(abs, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rc = add_tree(s, src, child);
		} else if (lstat(abs, &sb) == 0 && S_ISREG(sb.st_mode)) {
			char *data = NULL;
			size_t len = 0;
			rc = sk_file_read(&data, &len, abs, 64u * 1024 * 1024);
			if (rc == 0)
				set_add(s, child, data, len, SK_STORE_EXPECT_ABSENT);
		}
		free(abs);
		free(child);
		if (rc < 0)
			goto done;
	}
done:
	if (d)
		closedir(d);
	free(dirpath);
	return rc;
}

/* JSON string contents for a folder name (quotes, backslashes and
 * control characters escaped). */
static char *json_escape(const char *s)
{
	sk_buf b = SK_BUF_INIT;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sk_buf_printf(&b, "\\%c", c);
		else if (c < 0x20)
			sk_buf_printf(&b, "\\u%04x", c);
		else
			sk_buf_putc(&b, (char)c);
	}
	return sk_buf_detach(&b);
}

int sk_store_kb_init(sk_oid *out, const char *dir, const char *example_dir,
	const sk_store_author *author)
{
	sk_store *st = NULL;
	file_set files = { NULL, NULL, NULL, 0, 0 };
	char *settings = NULL, *path = NULL;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if ((rc = sk_path_mkdirs(dir)) < 0)
		goto done;
	settings = sk_path_join(dir, "samskap.json");
	if (sk_path_exists(settings)) {
		rc = sk_error_set(SK_EEXISTS, "%s is already a knowledge base (it has samskap.json)", dir);
		goto done;
	}
	if ((rc = sk_store_init(&st, dir)) < 0)
		goto done;
	if (example_dir && (rc = add_tree(&files, example_dir, "")) < 0)
		goto done;
	if (!set_has(&files, "samskap.json")) {
		const char *wd = st->workdir;
		size_t wl = strlen(wd);
		/* The KB's folder name: the prefix's last part, else the work tree's. */
		const char *base = *st->prefix ? st->prefix : wd;
		size_t bl = *st->prefix ? strlen(st->prefix) : wl;
		const char *end = base + bl - 1; /* at the trailing '/' */
		const char *start = end;
		while (start > base && start[-1] != '/')
			start--;
		char *name = sk_strndup(start, (size_t)(end - start));
		char *esc = json_escape(name);
		char *json = sk_printf("{\n  \"name\": \"%s\",\n  \"language\": \"norwegian\"\n}\n", esc);
		set_add(&files, "samskap.json", json, strlen(json), SK_STORE_EXPECT_ABSENT);
		free(esc);
		free(name);
	}
	{
		/* .samskap/ holds the index, drafts and caches: never committed. */
		char *old = NULL;
		size_t len = 0;
		path = sk_path_join(dir, ".gitignore");
		if (sk_path_exists(path) && (rc = sk_file_read(&old, &len, path, 1024 * 1024)) < 0)
			goto done;
		if (!old || !strstr(old, ".samskap")) {
			char *text = sk_printf("%s%s.samskap/\n", old ? old : "",
				old && len && old[len - 1] != '\n' ? "\n" : "");
			set_add(&files, ".gitignore", text, strlen(text), SK_STORE_EXPECT_ANY);
		}
		free(old);
	}
	for (size_t i = 0; kb_folders[i]; i++) {
		char *f = sk_path_join(dir, kb_folders[i]);
		rc = sk_path_mkdirs(f);
		free(f);
		if (rc < 0)
			goto done;
	}
	rc = sk_store_commit(out, st, files.w, files.len, author,
		example_dir ? "init: knowledge base with the bundled example content"
			    : "init: new knowledge base");
done:
	set_free(&files);
	free(settings);
	free(path);
	sk_store_free(st);
	return rc;
}
