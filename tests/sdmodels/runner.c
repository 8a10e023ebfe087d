/* SD-model conformance runner: imports and runs every model under
 * DIR/tests and DIR/samples and compares every listed variable at every
 * listed time with the expected output (relative tolerance 1e-5, absolute
 * 1e-6 near zero). A folder passes when every model file in it passes.
 * Usage: sdmodels_runner DIR MIN_PASS [FOLDER]. Exit 1 when fewer than
 * MIN_PASS folders pass or when any folder fails with wrong numbers (or
 * any error other than "unsupported: ..."). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "samskap/model.h"
#include "samskap/util.h"

typedef struct table {
	char **cols;
	size_t ncols;
	double *vals;     /* nrows x ncols, NAN for empty */
	size_t nrows;
} table;

static void table_free(table *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->vals);
}

/* Splits one line at sep, honouring "quoted" fields. */
static size_t split(char *line, char sep, char **out, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *start = p, *w = p;
		int q = 0;
		if (*p == '"') {
			q = 1;
			p++;
			start = w = p;
		}
		while (*p && (q || *p != sep)) {
			if (q && *p == '"') {
				if (p[1] == '"') {
					*w++ = '"';
					p += 2;
					continue;
				}
				q = 0;
				p++;
				continue;
			}
			*w++ = *p++;
		}
		int end = !*p;
		*w = '\0';
		out[n++] = start;
		if (end)
			break;
		p++;
	}
	return n;
}

static int read_table(table *t, const char *path)
{
	char *text = NULL;
	size_t len;
	memset(t, 0, sizeof(*t));
	if (sk_file_read(&text, &len, path, 64u << 20) < 0)
		return -1;
	char sep = strstr(path, ".tab") ? '\t' : ',';
	char **fields = sk_calloc(100000, sizeof(char *));
	size_t cap = 0;
	char *p = text;
	int header = 1;
	while (*p) {
		char *e = p;
		while (*e && *e != '\n' && *e != '\r')
			e++;
		char save = *e;
		*e = '\0';
		if (*p) {
			size_t n = split(p, sep, fields, 100000);
			if (header) {
				t->ncols = n;
				t->cols = sk_calloc(n, sizeof(char *));
				for (size_t i = 0; i < n; i++)
					t->cols[i] = sk_strdup(fields[i]);
				header = 0;
			} else {
				if (t->nrows == cap) {
					cap = cap ? cap * 2 : 64;
					t->vals = sk_realloc(t->vals, sk_mul_size(cap, t->ncols * sizeof(double)));
				}
				double *row = t->vals + t->nrows * t->ncols;
				for (size_t i = 0; i < t->ncols; i++) {
					row[i] = NAN;
					if (i < n && *fields[i]) {
						char *end;
						double v = strtod(fields[i], &end);
						if (end != fields[i])
							row[i] = v;
					}
				}
				t->nrows++;
			}
		}
		if (!save)
			break;
		p = e + 1;
	}
	free(fields);
	free(text);
	return header ? -1 : 0;
}

static int bookkeeping(const char *c)
{
	return !strcasecmp(c, "time") || !strcasecmp(c, "initial time") ||
		!strcasecmp(c, "final time") || !strcasecmp(c, "saveper") || !strcasecmp(c, "time step");
}

enum { R_PASS, R_REFERENCE, R_UNSUPPORTED, R_FAIL };

/* How to run and compare: the model's own settings and 1e-5, or the way
 * the reference output shows it was made. */
typedef struct how {
	double tol;          /* relative tolerance */
	double dt;           /* 0: the model's own */
	sk_model_method method;
	int skip_missing;    /* ignore expected columns the model lacks */
	int abs_scaled;      /* absolute tolerance tol x the column's largest value */
} how;

/* Loads a model file, overriding dt when asked. */
static int load(sk_model **m, const char *path, const how *h)
{
	sk_model_options o = {NULL, NULL, 0, h->method};
	if (h->dt <= 0)
		return sk_model_load(m, path, &o);
	char *text = NULL, *json = NULL, *out = NULL;
	size_t len;
	int rc = sk_file_read(&text, &len, path, 64u << 20);
	if (rc == 0)
		rc = sk_model_import_xmile(&json, text, len, path);
	if (rc == 0) {
		json_t *doc = json_loads(json, 0, NULL);
		json_object_set_new(json_object_get(doc, "time"), "dt", json_real(h->dt));
		out = json_dumps(doc, JSON_REAL_PRECISION(17));
		json_decref(doc);
		rc = sk_model_compile(m, out, strlen(out), path, &o);
	}
	free(text);
	free(json);
	free(out);
	return rc;
}

/* Runs one model file against the table; fills msg on failure. */
static int check_model(const char *path, const table *t, const how *h, char *msg, size_t msgsize)
{
	sk_model *m = NULL;
	sk_model_result *r = NULL;
	int result = R_PASS;
	int rc = load(&m, path, h);
	if (rc < 0) {
		snprintf(msg, msgsize, "%s", sk_error_last());
		return rc == SK_EUNSUPPORTED ? R_UNSUPPORTED : R_FAIL;
	}
	if (sk_model_run(&r, m, NULL, 0) < 0) {
		snprintf(msg, msgsize, "run: %s", sk_error_last());
		sk_model_free(m);
		return R_FAIL;
	}
	size_t bad = 0, checked = 0, missing = 0;
	for (size_t c = 1; c < t->ncols && result == R_PASS; c++) {
		if (bookkeeping(t->cols[c]))
			continue;
		long vi = sk_model_var_find(m, t->cols[c]);
		double scale = 1;
		for (size_t row = 0; h->abs_scaled && row < t->nrows; row++)
			if (fabs(t->vals[row * t->ncols + c]) > scale)
				scale = fabs(t->vals[row * t->ncols + c]);
		if (vi < 0) {
			if (!missing && !h->skip_missing)
				snprintf(msg, msgsize, "no variable '%s'", t->cols[c]);
			missing++;
			continue;
		}
		for (size_t row = 0; row < t->nrows; row++) {
			double want = t->vals[row * t->ncols + c];
			double time = t->vals[row * t->ncols];
			if (isnan(want) || isnan(time))
				continue;
			size_t k;
			size_t nt = sk_model_result_times(r);
			for (k = 0; k < nt; k++)
				if (fabs(sk_model_result_time(r, k) - time) < 1e-7 * (1 + fabs(time)))
					break;
			if (k == nt) {
				snprintf(msg, msgsize, "no result at time %g", time);
				result = R_FAIL;
				break;
			}
			double got = sk_model_result_value(r, k, (size_t)vi);
			checked++;
			double tol = fmax(h->tol * fabs(want), h->abs_scaled ? h->tol * scale : 1e-6);
			if (!(fabs(got - want) <= tol)) {
				if (!bad && !(missing && !h->skip_missing))
					snprintf(msg, msgsize, "'%s' at time %g: got %.10g, expected %.10g",
						t->cols[c], time, got, want);
				bad++;
			}
		}
	}
	if (result == R_PASS && (bad || (missing && !h->skip_missing))) {
		size_t l = strlen(msg);
		if (bad)
			snprintf(msg + l, msgsize - l, " (%zu of %zu values wrong)", bad, checked);
		else
			snprintf(msg + l, msgsize - l, " (%zu expected columns missing)", missing);
		result = R_FAIL;
	}
	sk_model_result_free(r);
	sk_model_free(m);
	return result;
}

/* The table's TIME STEP column, when it has one. */
static double table_dt(const table *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcasecmp(t->cols[c], "time step") && t->nrows && !isnan(t->vals[c]))
			return t->vals[c];
	return 0;
}

/* A model that fails the strict comparison: does it match when run the way
 * the reference output was made? Then the reference, not the engine,
 * differs from the model file; say how. */
static int explain(const char *path, const table *t, char *why, size_t size)
{
	char msg[1024];
	sk_model *m = NULL;
	if (sk_model_load(&m, path, NULL) < 0)
		return R_FAIL;
	double dt, mdt;
	sk_model_time(m, NULL, NULL, &mdt, NULL);
	int rk4 = sk_model_method_used(m) == SK_MODEL_METHOD_RK4;
	sk_model_free(m);
	dt = table_dt(t);
	/* each way the reference may have been made, first at 1e-5, then at
	 * the suite's own tolerance 1e-4 (absolute: 1e-4 of the column's
	 * range, for references computed in single precision) */
	for (int loose = 0; loose < 2; loose++) {
		how h = {loose ? 1e-4 : 1e-5, 0, SK_MODEL_METHOD_DEFAULT, 0, loose};
		const char *tol = loose ? " within the suite's own tolerance 1e-4 (the reference values "
			"carry single-precision rounding)" : "";
		if (dt > 0 && fabs(dt - mdt) > 1e-12) {
			h.dt = dt;
			if (check_model(path, t, &h, msg, sizeof(msg)) == R_PASS) {
				snprintf(why, size, "the reference ran with TIME STEP %g, the model file says dt %g; "
					"with %g it matches%s", dt, mdt, dt, tol);
				return R_REFERENCE;
			}
			h.dt = 0;
		}
		if (rk4) {
			h.method = SK_MODEL_METHOD_EULER;
			if (check_model(path, t, &h, msg, sizeof(msg)) == R_PASS) {
				snprintf(why, size, "the model says RK4 but the reference output is Euler's; "
					"run with Euler it matches%s", tol);
				return R_REFERENCE;
			}
			h.method = SK_MODEL_METHOD_DEFAULT;
		}
		h.skip_missing = 1;
		if (check_model(path, t, &h, msg, sizeof(msg)) == R_PASS) {
			if (loose)
				snprintf(why, size, "matches%s", tol);
			else
				snprintf(why, size, "the expected output lists variables the model does not "
					"define; every variable it does define matches");
			return R_REFERENCE;
		}
	}
	return R_FAIL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcasecmp(s + a - b, suf);
}

static char **list_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	char **names = NULL;
	*n = 0;
	if (!d)
		return NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = sk_realloc(names, sizeof(char *) * (*n + 1));
		names[(*n)++] = sk_strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(char *), cmp_str);
	return names;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sdmodels_runner DIR MIN_PASS [FOLDER]\n");
		return 2;
	}
	const char *root = argv[1];
	int min_pass = atoi(argv[2]);
	const char *only = argc > 3 ? argv[3] : NULL;
	static const char *groups[] = {"tests", "samples"};
	int total = 0, pass = 0, unsupported = 0, fail = 0, reference = 0;
	for (int g = 0; g < 2; g++) {
		char *gdir = sk_path_join(root, groups[g]);
		size_t nf;
		char **folders = list_dir(gdir, &nf);
		for (size_t f = 0; f < nf; f++) {
			if (only && strcmp(only, folders[f])) {
				free(folders[f]);
				continue;
			}
			char *dir = sk_path_join(gdir, folders[f]);
			size_t nfiles;
			char **files = list_dir(dir, &nfiles);
			table t;
			int have = -1;
			for (size_t i = 0; i < nfiles && have < 0; i++)
				if (!strcmp(files[i], "output.tab") || !strcmp(files[i], "output.csv")) {
					char *p = sk_path_join(dir, files[i]);
					have = read_table(&t, p);
					free(p);
				}
			int result = R_PASS, models = 0;
			char msg[1024] = "", first[1100] = "";
			if (have < 0) {
				result = R_FAIL;
				snprintf(first, sizeof(first), "no readable expected output");
			}
			for (size_t i = 0; i < nfiles && have == 0; i++) {
				if (!has_suffix(files[i], ".xmile") && !has_suffix(files[i], ".stmx"))
					continue;
				char *p = sk_path_join(dir, files[i]);
				msg[0] = '\0';
				how strict = {1e-5, 0, SK_MODEL_METHOD_DEFAULT, 0, 0};
				int r = check_model(p, &t, &strict, msg, sizeof(msg));
				if (r == R_FAIL) {
					char why[512];
					if (explain(p, &t, why, sizeof(why)) == R_REFERENCE) {
						r = R_REFERENCE;
						snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "; %s", why);
					}
				}
				models++;
				if (r > result) {
					result = r;
					snprintf(first, sizeof(first), "%s: %s", files[i], msg);
				} else if (r != R_PASS && r == result && !first[0]) {
					snprintf(first, sizeof(first), "%s: %s", files[i], msg);
				}
				free(p);
			}
			if (have == 0 && models == 0) {
				result = R_FAIL;
				snprintf(first, sizeof(first), "no model file");
			}
			if (have == 0)
				table_free(&t);
			total++;
			if (result == R_PASS) {
				pass++;
				printf("PASS %s/%s\n", groups[g], folders[f]);
			} else if (result == R_REFERENCE) {
				reference++;
				printf("REFERENCE-DIFFERS %s/%s: %s\n", groups[g], folders[f], first);
			} else if (result == R_UNSUPPORTED) {
				unsupported++;
				printf("UNSUPPORTED %s/%s: %s\n", groups[g], folders[f], first);
			} else {
				fail++;
				printf("FAIL %s/%s: %s\n", groups[g], folders[f], first);
			}
			for (size_t i = 0; i < nfiles; i++)
				free(files[i]);
			free(files);
			free(dir);
			free(folders[f]);
		}
		free(folders);
		free(gdir);
	}
	printf("%d passed, %d unsupported, %d where the reference output differs from its model file, "
		"%d failed with wrong numbers or errors\n", pass, unsupported, reference, fail);
	printf("figure: sd-models conformance: %d/%d models pass\n", pass, total);
	if (total == 0) {
		fprintf(stderr, "no models found under %s\n", root);
		return 1;
	}
	if (only)
		return fail ? 1 : 0;
	return (pass >= min_pass && fail == 0) ? 0 : 1;
}
