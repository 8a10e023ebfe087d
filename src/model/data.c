/* samskap — model: data tables read from CSV and from JSON-stat 2.0 (the
 * format SSB's statistikkbank exports, e.g. table 07459: population by
 * region, sex, age and year).
 *
 * A data entry names its file (relative to the model file, inside its
 * folder tree), the model dimensions it runs over, and how the file's
 * dimensions or columns map onto them: "columns" (CSV) or "map" (JSON-stat)
 * from a model dimension to the file's name for it, "codes" from a file
 * code to a model element where the names differ, and "filter" fixing the
 * file's other dimensions (a list of codes is summed, e.g. the kommuner of
 * a region). Codes match elements by name, or by number ("085" and "105+"
 * match elements 85 and 105). Every element must receive a value. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

typedef struct dmap {
	const sk_model *m;
	const sk_var *v;
	json_t *def;
	const char *file;
} dmap;

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int find_elem(const sk_dim *d, const char *key)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->ekeys[i], key) == 0)
			return i;
	return -1;
}

/* The element of model dimension d (position p of the variable) a file
 * code (and label) stands for, or -1. */
static int code_elem(const dmap *dm, int p, const char *code, const char *label)
{
	const sk_dim *d = &dm->m->dims[dm->v->dims[p]];
	json_t *codes = json_object_get(json_object_get(dm->def, "codes"), d->name);
	const char *mapped = json_string_value(json_object_get(codes, code));
	const char *tries[3] = {mapped, code, label};
	for (int t = 0; t < 3; t++) {
		if (!tries[t])
			continue;
		char *k = sk_model_name_key(tries[t]);
		int e = find_elem(d, k);
		if (e < 0 && isdigit((unsigned char)k[0])) {
			/* "085", "105+", "85 år" → "85" */
			const char *s = k;
			while (*s == '0' && isdigit((unsigned char)s[1]))
				s++;
			size_t n = 0;
			while (isdigit((unsigned char)s[n]))
				n++;
			char *num = sk_strndup(s, n);
			e = find_elem(d, num);
			free(num);
		}
		free(k);
		if (e >= 0)
			return e;
	}
	return -1;
}

/* 1 when `code` is selected by a filter value (a string or a list). */
static int filter_has(const json_t *f, const char *code)
{
	if (json_is_string(f))
		return !strcmp(json_string_value(f), code);
	size_t i;
	json_t *x;
	json_array_foreach(f, i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), code))
			return 1;
	return 0;
}

static int mapped_name(const dmap *dm, int p, const char *key, const char **out)
{
	const sk_dim *d = &dm->m->dims[dm->v->dims[p]];
	const char *n = jstr(json_object_get(dm->def, key), d->name);
	*out = n ? n : d->name;
	return 0;
}

static int names_equal(const char *a, const char *b)
{
	char *ka = sk_model_name_key(a), *kb = sk_model_name_key(b);
	int eq = strcmp(ka, kb) == 0;
	free(ka);
	free(kb);
	return eq;
}

static int check_filled(const dmap *dm, const unsigned char *filled, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (filled[i])
			continue;
		sk_buf b = SK_BUF_INIT;
		size_t rem = i;
		int idx[16] = {0};
		for (int p = dm->v->ndims - 1; p >= 0; p--) {
			int dn = dm->m->dims[dm->v->dims[p]].n;
			idx[p] = (int)(rem % (size_t)dn);
			rem /= (size_t)dn;
		}
		for (int p = 0; p < dm->v->ndims; p++)
			sk_buf_printf(&b, "%s%s", p ? "," : "", dm->m->dims[dm->v->dims[p]].elems[idx[p]]);
		int rc = sk_error_set(SK_EINVALID, "%s: data '%s': no value for [%s]", dm->file, dm->v->name,
			b.data ? b.data : "");
		sk_buf_free(&b);
		return rc;
	}
	return 0;
}

/* ---- JSON-stat 2.0 -------------------------------------------------------- */

static int read_jsonstat(double *vals, unsigned char *filled, const dmap *dm, const char *text,
	size_t len, double scale)
{
	json_error_t err;
	json_t *doc = json_loadb(text, len, 0, &err);
	int rc = 0;
	size_t nd = 0;
	size_t *size = NULL, *stride = NULL;
	int **sel_pos = NULL, **sel_elem = NULL;
	int *nsel = NULL, *ourpos = NULL;
	if (!doc)
		return sk_error_set(SK_EINVALID, "%s:%d: %s", dm->file, err.line, err.text);
	json_t *ds = doc;
	if (!json_object_get(ds, "id") && json_is_object(json_object_get(doc, "dataset")))
		ds = json_object_get(doc, "dataset");
	json_t *ids = json_object_get(ds, "id"), *sizes = json_object_get(ds, "size"),
		*dims = json_object_get(ds, "dimension"), *value = json_object_get(ds, "value");
	if (!json_is_array(ids) || !json_is_array(sizes) || !json_is_object(dims) || !value ||
		json_array_size(ids) != json_array_size(sizes)) {
		rc = sk_error_set(SK_EINVALID, "%s: not a JSON-stat 2.0 dataset (needs id, size, dimension, value)",
			dm->file);
		goto done;
	}
	nd = json_array_size(ids);
	size = sk_calloc(nd + 1, sizeof(size_t));
	stride = sk_calloc(nd + 1, sizeof(size_t));
	sel_pos = sk_calloc(nd + 1, sizeof(int *));
	sel_elem = sk_calloc(nd + 1, sizeof(int *));
	nsel = sk_calloc(nd + 1, sizeof(int));
	ourpos = sk_calloc(nd + 1, sizeof(int));
	for (size_t j = 0; j < nd; j++)
		size[j] = (size_t)json_integer_value(json_array_get(sizes, j));
	for (size_t j = nd; j-- > 0;)
		stride[j] = j + 1 < nd ? stride[j + 1] * size[j + 1] : 1;
	json_t *filter = json_object_get(dm->def, "filter");
	for (size_t j = 0; j < nd && rc == 0; j++) {
		const char *id = json_string_value(json_array_get(ids, j));
		json_t *cat = json_object_get(json_object_get(dims, id ? id : ""), "category");
		json_t *index = json_object_get(cat, "index"), *labels = json_object_get(cat, "label");
		/* codes in position order */
		char **codes = sk_calloc(size[j] + 1, sizeof(char *));
		if (json_is_array(index)) {
			for (size_t k = 0; k < size[j] && k < json_array_size(index); k++)
				codes[k] = (char *)json_string_value(json_array_get(index, k));
		} else if (json_is_object(index)) {
			const char *code;
			json_t *pos;
			json_object_foreach(index, code, pos) {
				json_int_t pi = json_integer_value(pos);
				if (pi >= 0 && (size_t)pi < size[j])
					codes[pi] = (char *)code;
			}
		} else if (json_is_object(labels) && json_object_size(labels) == 1) {
			codes[0] = (char *)json_object_iter_key(json_object_iter(labels));
		}
		ourpos[j] = -1;
		for (int p = 0; p < dm->v->ndims; p++) {
			const char *want;
			mapped_name(dm, p, "map", &want);
			if (id && names_equal(id, want))
				ourpos[j] = p;
		}
		sel_pos[j] = sk_calloc(size[j] + 1, sizeof(int));
		sel_elem[j] = sk_calloc(size[j] + 1, sizeof(int));
		json_t *f = json_object_get(filter, id ? id : "");
		for (size_t k = 0; k < size[j]; k++) {
			const char *code = codes[k] ? codes[k] : "";
			if (ourpos[j] >= 0) {
				int e = code_elem(dm, ourpos[j], code,
					json_string_value(json_object_get(labels, code)));
				if (e >= 0) {
					sel_pos[j][nsel[j]] = (int)k;
					sel_elem[j][nsel[j]++] = e;
				}
			} else if (f ? filter_has(f, code) : size[j] == 1) {
				sel_pos[j][nsel[j]] = (int)k;
				sel_elem[j][nsel[j]++] = -1;
			}
		}
		free(codes);
		if (ourpos[j] < 0 && !f && size[j] != 1)
			rc = sk_error_set(SK_EINVALID, "%s: data '%s': the file's dimension '%s' has %zu categories; "
				"map it to a model dimension or fix it with \"filter\"", dm->file, dm->v->name,
				id ? id : "?", size[j]);
		else if (nsel[j] == 0)
			rc = sk_error_set(SK_EINVALID, "%s: data '%s': no category of the file's dimension '%s' "
				"matches", dm->file, dm->v->name, id ? id : "?");
	}
	for (int p = 0; p < dm->v->ndims && rc == 0; p++) {
		int found = 0;
		for (size_t j = 0; j < nd; j++)
			if (ourpos[j] == p)
				found = 1;
		if (!found) {
			const char *want;
			mapped_name(dm, p, "map", &want);
			rc = sk_error_set(SK_EINVALID, "%s: data '%s': the file has no dimension '%s' (set \"map\")",
				dm->file, dm->v->name, want);
		}
	}
	if (rc < 0)
		goto done;
	/* every combination of selected categories */
	int *at = sk_calloc(nd + 1, sizeof(int));
	for (;;) {
		size_t vi = 0, lin = 0;
		int mul[16] = {0};
		for (size_t j = 0; j < nd; j++) {
			vi += (size_t)sel_pos[j][at[j]] * stride[j];
			if (ourpos[j] >= 0)
				mul[ourpos[j]] = sel_elem[j][at[j]];
		}
		for (int p = 0; p < dm->v->ndims; p++)
			lin = lin * (size_t)dm->m->dims[dm->v->dims[p]].n + (size_t)mul[p];
		json_t *x = json_is_array(value) ? json_array_get(value, vi) : NULL;
		if (json_is_object(value)) {
			char key[32];
			snprintf(key, sizeof(key), "%zu", vi);
			x = json_object_get(value, key);
		}
		if (json_is_number(x)) {
			vals[lin] += json_number_value(x) * scale;
			filled[lin] = 1;
		}
		size_t j = nd;
		while (j-- > 0) {
			if (++at[j] < nsel[j])
				break;
			at[j] = 0;
		}
		if (j == (size_t)-1)
			break;
	}
	free(at);
done:
	for (size_t j = 0; j < nd; j++) {
		if (sel_pos)
			free(sel_pos[j]);
		if (sel_elem)
			free(sel_elem[j]);
	}
	free(sel_pos);
	free(sel_elem);
	free(nsel);
	free(ourpos);
	free(size);
	free(stride);
	json_decref(doc);
	return rc;
}

/* ---- CSV ------------------------------------------------------------------ */

static size_t split_line(char *line, char sep, char **out, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *start = p, *w = p;
		int q = 0;
		if (*p == '"') {
			q = 1;
			start = w = ++p;
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

static int read_csv(double *vals, unsigned char *filled, const dmap *dm, char *text, double scale)
{
	char *fields[256], *header[256];
	size_t nh = 0;
	int col[16], vcol = -1, rc = 0, line = 0;
	char sep = ',';
	char *nl = strpbrk(text, "\r\n");
	size_t hl = nl ? (size_t)(nl - text) : strlen(text);
	if (memchr(text, ';', hl) && !memchr(text, ',', hl))
		sep = ';';
	else if (memchr(text, '\t', hl) && !memchr(text, ',', hl))
		sep = '\t';
	json_t *filter = json_object_get(dm->def, "filter");
	int fcol[16];
	const char *fname[16];
	json_t *fval[16];
	int nf = 0;
	char *p = text;
	while (*p && rc == 0) {
		char *e = p;
		while (*e && *e != '\n' && *e != '\r')
			e++;
		char save = *e;
		*e = '\0';
		line++;
		if (*p) {
			if (!nh) {
				nh = split_line(p, sep, header, 256);
				for (size_t i = 0; i < nh; i++)
					header[i] = sk_strdup(header[i]);
				for (int q = 0; q < dm->v->ndims; q++) {
					const char *want;
					mapped_name(dm, q, "columns", &want);
					col[q] = -1;
					for (size_t i = 0; i < nh; i++)
						if (names_equal(header[i], want))
							col[q] = (int)i;
					if (col[q] < 0)
						rc = sk_error_set(SK_EINVALID, "%s:1: data '%s': no column '%s' (set \"columns\")",
							dm->file, dm->v->name, want);
				}
				const char *vc = jstr(dm->def, "value_column");
				for (size_t i = 0; i < nh; i++)
					if (names_equal(header[i], vc ? vc : "value"))
						vcol = (int)i;
				if (vcol < 0 && !vc)
					vcol = (int)nh - 1;
				if (vcol < 0)
					rc = sk_error_set(SK_EINVALID, "%s:1: data '%s': no column '%s'", dm->file,
						dm->v->name, vc);
				const char *fk;
				json_t *fv;
				json_object_foreach(filter, fk, fv) {
					if (nf == 16)
						break;
					fcol[nf] = -1;
					for (size_t i = 0; i < nh; i++)
						if (names_equal(header[i], fk))
							fcol[nf] = (int)i;
					if (fcol[nf] < 0)
						rc = sk_error_set(SK_EINVALID, "%s:1: data '%s': filter column '%s' is missing",
							dm->file, dm->v->name, fk);
					fname[nf] = fk;
					fval[nf++] = fv;
				}
				(void)fname;
			} else {
				size_t n = split_line(p, sep, fields, 256);
				int keep = 1;
				for (int k = 0; k < nf; k++)
					if ((size_t)fcol[k] >= n || !filter_has(fval[k], fields[fcol[k]]))
						keep = 0;
				size_t lin = 0;
				for (int q = 0; q < dm->v->ndims && keep; q++) {
					if ((size_t)col[q] >= n) {
						keep = 0;
						break;
					}
					int el = code_elem(dm, q, fields[col[q]], NULL);
					if (el < 0)
						keep = 0;
					lin = lin * (size_t)dm->m->dims[dm->v->dims[q]].n + (size_t)el;
				}
				if (keep) {
					char *s = (size_t)vcol < n ? fields[vcol] : (char *)"";
					if (sep == ';')
						for (char *c = s; *c; c++)
							if (*c == ',')
								*c = '.';
					char *end;
					double x = strtod(s, &end);
					while (*end == ' ')
						end++;
					if (end == s || *end) {
						rc = sk_error_set(SK_EINVALID, "%s:%d: data '%s': '%s' is not a number",
							dm->file, line, dm->v->name, s);
					} else {
						vals[lin] += x * scale;
						filled[lin] = 1;
					}
				}
			}
		}
		if (!save)
			break;
		p = e + 1;
	}
	for (size_t i = 0; i < nh; i++)
		free(header[i]);
	if (rc == 0 && !nh)
		rc = sk_error_set(SK_EINVALID, "%s: data '%s': empty file", dm->file, dm->v->name);
	return rc;
}

int sk_model__data_read(double **values, const sk_model *m, const sk_var *v, const char *base_dir)
{
	char *path = NULL, *text = NULL;
	size_t len;
	unsigned char *filled = NULL;
	int rc = 0;
	*values = NULL;
	const char *file = jstr(v->def, "file");
	if (!file || !*file)
		return sk_error_set(SK_EINVALID, "%s: data '%s' names no file", m->file, v->name);
	if (file[0] == '/' || strstr(file, "..") || strchr(file, '\\'))
		return sk_error_set(SK_EINVALID, "%s: data '%s': file '%s' must be a path inside the model's folder",
			m->file, v->name, file);
	if (v->ndims > 16)
		return sk_error_set(SK_EINVALID, "%s: data '%s': too many dimensions", m->file, v->name);
	path = sk_path_join(base_dir, file);
	if ((rc = sk_file_read(&text, &len, path, 256u << 20)) < 0)
		goto done;
	double scale = 1;
	sk_model__number(json_object_get(v->def, "scale"), &scale);
	*values = sk_calloc((size_t)v->n + 1, sizeof(double));
	filled = sk_calloc((size_t)v->n + 1, 1);
	dmap dm = {m, v, v->def, path};
	const char *fmt = jstr(v->def, "format");
	const char *dot = strrchr(file, '.');
	int js = fmt ? !strcmp(fmt, "json-stat") : (dot && !strcasecmp(dot, ".json"));
	rc = js ? read_jsonstat(*values, filled, &dm, text, len, scale)
		: read_csv(*values, filled, &dm, text, scale);
	if (rc == 0)
		rc = check_filled(&dm, filled, (size_t)v->n);
done:
	if (rc < 0) {
		free(*values);
		*values = NULL;
	}
	free(filled);
	free(path);
	free(text);
	return rc;
}
