/* The JSON Schema Test Suite runner: every test of every file named (or
 * found under a folder named) on the command line, against samskap's
 * validator. Prints "FILE: passed/total" per file and a total, and exits 1
 * on any failure.
 *
 *   jsonschema_suite [--skip SKIPFILE] [--figure LABEL] [--verbose] PATH...
 *
 * SKIPFILE lines: "FILE | GROUP DESCRIPTION | reason" (GROUP "*" skips the
 * whole file); FILE matches the end of a test file's path. */
#include "samskap/schema.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct skip {
	char *file, *group;
	int used;
} skip;

typedef struct runner {
	skip *skips;
	size_t n_skips;
	int verbose;
	const char *figure;   /* label of the "figure:" line, or NULL for none */
	size_t shown_from;    /* files are named from this offset of their path */
	long passed, total, skipped, files;
} runner;

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int load_skips(runner *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0;
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *bar1 = strchr(s, '|');
		char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		if (!bar2) {
			fprintf(stderr, "%s:%d: expected FILE | GROUP | reason\n", path, lineno);
			fclose(f);
			return -1;
		}
		*bar1 = *bar2 = '\0';
		r->skips = sk_realloc(r->skips, sk_mul_size(r->n_skips + 1, sizeof *r->skips));
		r->skips[r->n_skips].file = sk_strdup(trim(s));
		r->skips[r->n_skips].group = sk_strdup(trim(bar1 + 1));
		r->skips[r->n_skips].used = 0;
		r->n_skips++;
	}
	fclose(f);
	return 0;
}

static int ends_with_file(const char *path, const char *name)
{
	size_t p = strlen(path), n = strlen(name);
	return p >= n && strcmp(path + p - n, name) == 0 && (p == n || path[p - n - 1] == '/');
}

static int skipped(runner *r, const char *path, const char *group)
{
	for (size_t i = 0; i < r->n_skips; i++)
		if (ends_with_file(path, r->skips[i].file)
		    && (strcmp(r->skips[i].group, "*") == 0 || (group && strcmp(r->skips[i].group, group) == 0))) {
			r->skips[i].used = 1;
			return 1;
		}
	return 0;
}

static void run_file(runner *r, const char *full)
{
	const char *path = strlen(full) > r->shown_from ? full + r->shown_from : full;
	json_error_t err;
	long passed = 0, total = 0, skips = 0;
	size_t gi;
	json_t *group;
	json_t *doc = json_load_file(full, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);

	r->files++;
	if (!doc || !json_is_array(doc)) {
		printf("%s:%d:%d: error: not a test file: %s\n", path, err.line, err.column,
			doc ? "expected an array of groups" : err.text);
		r->total++;
		json_decref(doc);
		return;
	}
	if (skipped(r, path, NULL)) {
		size_t n = 0;
		json_array_foreach(doc, gi, group)
			n += json_array_size(json_object_get(group, "tests"));
		printf("%s: skipped (%zu tests; see the skip list)\n", path, n);
		r->skipped += (long)n;
		json_decref(doc);
		return;
	}
	json_array_foreach(doc, gi, group) {
		const char *desc = json_string_value(json_object_get(group, "description"));
		json_t *tests = json_object_get(group, "tests");
		size_t ti;
		json_t *test;
		sk_schema *schema = NULL;
		if (!desc)
			desc = "(no description)";
		if (skipped(r, path, desc)) {
			skips += (long)json_array_size(tests);
			continue;
		}
		if (sk_schema_compile(&schema, json_object_get(group, "schema"), "schema") < 0)
			printf("FAIL %s: %s: the schema does not compile: %s\n", path, desc, sk_error_last());
		json_array_foreach(tests, ti, test) {
			const char *tdesc = json_string_value(json_object_get(test, "description"));
			int want = json_is_true(json_object_get(test, "valid"));
			sk_diags diags = SK_DIAGS_INIT;
			total++;
			if (!schema)
				continue;
			int got = sk_schema_validate(schema, json_object_get(test, "data"), &diags) == 0;
			/* Valid means no errors, and an invalid verdict must say why. */
			if (got == want && (got ? diags.len == 0 : diags.len > 0)) {
				passed++;
				if (r->verbose)
					printf("ok   %s: %s: %s\n", path, desc, tdesc);
			} else {
				printf("FAIL %s: %s: %s: expected %s, got %s%s%s\n", path, desc,
					tdesc ? tdesc : "", want ? "valid" : "invalid",
					got ? "valid" : "invalid", diags.len ? ": " : "",
					diags.len ? diags.items[0].message : "");
			}
			if (r->verbose && diags.len)
				printf("       %s: %s\n", diags.items[0].path, diags.items[0].message);
			sk_diags_free(&diags);
		}
		sk_schema_free(schema);
	}
	printf("%s: %ld/%ld passed", path, passed, total);
	if (skips)
		printf(" (%ld skipped)", skips);
	printf("\n");
	r->passed += passed;
	r->total += total;
	r->skipped += skips;
	json_decref(doc);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs a file, or every *.json under a folder in name order. */
static void run_path(runner *r, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		printf("%s: error: no such file or folder\n", path);
		r->total++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(r, path);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	if (!d) {
		printf("%s: error: cannot open folder\n", path);
		r->total++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = sk_realloc(names, sk_mul_size(n + 1, sizeof *names));
		names[n++] = sk_path_join(path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_path(r, names[i]);
		else if (len > 5 && strcmp(names[i] + len - 5, ".json") == 0)
			run_file(r, names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	runner r = {0};
	int i = 1, status = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc) {
			if (load_skips(&r, argv[++i]) < 0)
				return 2;
		} else if (strcmp(argv[i], "--figure") == 0 && i + 1 < argc) {
			r.figure = argv[++i];
		} else if (strcmp(argv[i], "--verbose") == 0) {
			r.verbose = 1;
		} else {
			fprintf(stderr, "usage: %s [--skip SKIPFILE] [--figure LABEL] [--verbose] PATH...\n", argv[0]);
			return 2;
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: %s [--skip SKIPFILE] [--figure LABEL] [--verbose] PATH...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		/* Name files from the folder given on ("draft2020-12/ref.json"). */
		size_t n = strlen(argv[i]);
		while (n > 1 && argv[i][n - 1] == '/')
			argv[i][--n] = '\0';
		const char *slash = strrchr(argv[i], '/');
		r.shown_from = slash ? (size_t)(slash - argv[i]) + 1 : 0;
		run_path(&r, argv[i]);
	}
	for (size_t k = 0; k < r.n_skips; k++) {
		if (!r.skips[k].used)
			printf("warning: skip entry never matched: %s | %s\n", r.skips[k].file, r.skips[k].group);
		free(r.skips[k].file);
		free(r.skips[k].group);
	}
	free(r.skips);
	printf("total: %ld/%ld passed in %ld files (%ld skipped)\n", r.passed, r.total, r.files, r.skipped);
	if (r.figure)
		printf("figure: %s: %ld/%ld tests passed, %ld skipped\n", r.figure, r.passed, r.total, r.skipped);
	if (r.total == 0 || r.passed != r.total)
		status = 1;
	return status;
}
