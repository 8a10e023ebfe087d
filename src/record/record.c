/* One record: its file split into front matter and body, parsed, and
 * turned into JSON for `show --json` and the API. */
#include "record_internal.h"

#include <stdlib.h>
#include <string.h>

void sk_record__pointer_append(sk_buf *b, const char *key)
{
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			sk_buf_puts(b, "~0");
		else if (*p == '/')
			sk_buf_puts(b, "~1");
		else
			sk_buf_putc(b, *p);
	}
}

void sk_record__add_link(sk_record *rec, const char *target, const char *field,
	int line, int col, int implicit)
{
	/* Capacity doubles at each power of two. */
	if ((rec->n_links & (rec->n_links - 1)) == 0)
		rec->links = sk_realloc(rec->links,
			sk_mul_size(rec->n_links ? rec->n_links * 2 : 1, sizeof *rec->links));
	sk_link *l = &rec->links[rec->n_links++];
	l->target = sk_strdup(target);
	l->field = field ? sk_strdup(field) : NULL;
	l->line = line;
	l->col = col;
	l->implicit = implicit;
}

void sk_record_free(sk_record *rec)
{
	if (!rec)
		return;
	free(rec->id);
	free(rec->path);
	free(rec->experiment);
	json_decref(rec->front);
	json_decref(rec->lines);
	json_decref(rec->cols);
	free(rec->title);
	free(rec->body);
	free(rec->text);
	for (size_t i = 0; i < rec->n_headings; i++)
		free(rec->headings[i].text);
	free(rec->headings);
	for (size_t i = 0; i < rec->n_links; i++) {
		free(rec->links[i].target);
		free(rec->links[i].field);
	}
	free(rec->links);
	free(rec);
}

/* Looks a JSON pointer up in a place table, walking to its parents. */
static int place_of(const json_t *table, const char *path, int unknown)
{
	if (!table || !path)
		return unknown;
	char *p = sk_strdup(path);
	int v = unknown;
	for (;;) {
		json_t *x = json_object_get(table, p);
		if (json_is_integer(x)) {
			v = (int)json_integer_value(x);
			break;
		}
		char *slash = strrchr(p, '/');
		if (!slash) {
			if (*p) { /* a path without a leading '/': try the root */
				*p = '\0';
				continue;
			}
			break;
		}
		*slash = '\0';
	}
	free(p);
	return v;
}

int sk_record_line_of(const sk_record *rec, const char *path)
{
	int line = place_of(rec->lines, path, 1);
	return line > 0 ? line : 1;
}

int sk_record_col_of(const sk_record *rec, const char *path)
{
	/* Take the column from the same entry the line came from. */
	if (!rec->cols || !path)
		return 0;
	char *p = sk_strdup(path);
	int v = 0;
	for (;;) {
		json_t *x = json_object_get(rec->lines, p);
		if (json_is_integer(x)) {
			v = (int)json_integer_value(json_object_get(rec->cols, p));
			break;
		}
		char *slash = strrchr(p, '/');
		if (!slash) {
			if (*p) {
				*p = '\0';
				continue;
			}
			break;
		}
		*slash = '\0';
	}
	free(p);
	return v;
}

/* Line and 1-based column (in code points) of byte offset off. */
static void line_col(const char *data, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)data[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Length of the line at p (without its "\n" or "\r\n"), and where the next
 * one starts. */
static size_t line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl ? nl : end;
	*next = nl ? nl + 1 : end;
	if (e > p && e[-1] == '\r')
		e--;
	return (size_t)(e - p);
}

/* 1 when the line [p, p+n) is a front matter fence: "---" and optional
 * trailing blanks. */
static int is_fence(const char *p, size_t n)
{
	if (n < 3 || memcmp(p, "---", 3) != 0)
		return 0;
	for (size_t i = 3; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

/* Adds link records for the reference fields of the front matter. */
static void front_links(sk_record *rec)
{
	sk_buf path = SK_BUF_INIT;
	for (size_t f = 0; sk_record_link_fields[f]; f++) {
		const char *field = sk_record_link_fields[f];
		json_t *v = json_object_get(rec->front, field);
		if (json_is_string(v)) {
			sk_buf_clear(&path);
			sk_buf_printf(&path, "/%s", field);
			sk_record__add_link(rec, json_string_value(v), field,
				sk_record_line_of(rec, path.data), sk_record_col_of(rec, path.data), 0);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *item;
			json_array_foreach(v, i, item) {
				if (!json_is_string(item))
					continue;
				sk_buf_clear(&path);
				sk_buf_printf(&path, "/%s/%zu", field, i);
				sk_record__add_link(rec, json_string_value(item), field,
					sk_record_line_of(rec, path.data), sk_record_col_of(rec, path.data), 0);
			}
		}
	}
	sk_buf_free(&path);
}

static void set_title(sk_record *rec)
{
	const char *t = json_string_value(json_object_get(rec->front, "title"));
	if (!(t && *t) && rec->type == SK_TYPE_MODEL)
		t = json_string_value(json_object_get(rec->front, "name"));
	if (!(t && *t))
		for (size_t i = 0; i < rec->n_headings && !(t && *t); i++)
			t = rec->headings[i].text;
	rec->title = sk_strdup(t && *t ? t : rec->id);
}

/* A model: the whole file is JSON. Places of values come from reading the
 * same text as YAML (JSON is YAML); when that fails they are simply
 * unknown, since Jansson has already judged the JSON. */
static int parse_model(sk_record *rec, const char *data, size_t len, sk_diags *d)
{
	json_error_t err;
	json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		sk_diags_add(d, SK_DIAG_ERROR, rec->path, err.line > 0 ? err.line : 0,
			err.column > 0 ? err.column : 0, NULL, "model is not valid JSON: %s", err.text);
		return SK_EINVALID;
	}
	if (!json_is_object(v)) {
		sk_diags_add(d, SK_DIAG_ERROR, rec->path, 1, 1, NULL,
			"a model must be a JSON object ({...}), not %s",
			json_is_array(v) ? "an array" : "a single value");
		json_decref(v);
		return SK_EINVALID;
	}
	rec->front = v;
	json_t *front = NULL;
	if (sk_record__yaml_parse(&front, rec->lines, rec->cols, data, len, 1, rec->path, NULL) < 0) {
		json_object_clear(rec->lines);
		json_object_clear(rec->cols);
	}
	json_decref(front);
	sk_error_clear();
	rec->body = sk_strdup("");
	rec->text = sk_strdup("");
	rec->body_line = 1;
	return 0;
}

static int parse_markdown(sk_record *rec, const char *data, size_t len, sk_diags *d)
{
	const char *end = data + len, *p = data, *next;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	size_t n = line_len(p, end, &next);
	if (!is_fence(p, n)) {
		sk_diags_add(d, SK_DIAG_ERROR, rec->path, 1, 1, NULL,
			"no front matter: a record starts with a line '---', its YAML fields, then a line '---'");
		return SK_EINVALID;
	}
	const char *fm = next, *close = NULL;
	int line = 2;
	for (p = next; p < end; p = next, line++) {
		n = line_len(p, end, &next);
		if (is_fence(p, n)) {
			close = p;
			break;
		}
	}
	if (!close) {
		sk_diags_add(d, SK_DIAG_ERROR, rec->path, 1, 1, NULL,
			"front matter opened at line 1 is not closed: add a line '---' after its fields");
		return SK_EINVALID;
	}
	int rc = sk_record__yaml_parse(&rec->front, rec->lines, rec->cols, fm,
		(size_t)(close - fm), 2, rec->path, d);
	if (rc < 0)
		return rc;
	rec->body = sk_strndup(next, (size_t)(end - next));
	rec->body_line = line + 1;
	return 0;
}

int sk_record_parse(sk_record **out, const char *relpath, const char *data, size_t len, sk_diags *diags)
{
	int rc = 0;
	sk_record *rec = NULL;
	sk_diags local = SK_DIAGS_INIT;
	size_t bad;

	*out = NULL;
	rec = sk_calloc(1, sizeof *rec);
	rec->path = sk_strdup(relpath);
	rec->lines = json_object();
	rec->cols = json_object();
	if ((rc = sk_record_locate(&rec->type, &rec->id, &rec->experiment, relpath)) < 0) {
		const char *msg = sk_error_last();
		size_t k = strlen(relpath);
		if (strncmp(msg, relpath, k) == 0 && msg[k] == ':')
			msg += k + 2;
		sk_diags_add(&local, SK_DIAG_ERROR, relpath, 0, 0, NULL, "%s", msg);
		goto done;
	}
	if (len == 0) {
		sk_diags_add(&local, SK_DIAG_ERROR, relpath, 0, 0, NULL,
			rec->type == SK_TYPE_MODEL ? "file is empty: a model is a JSON object" :
			"file is empty: a record starts with front matter between '---' lines");
		rc = SK_EINVALID;
		goto done;
	}
	const char *nul = memchr(data, '\0', len);
	if (nul) {
		int l, c;
		line_col(data, (size_t)(nul - data), &l, &c);
		sk_diags_add(&local, SK_DIAG_ERROR, relpath, l, c, NULL,
			"file contains a NUL byte: records are UTF-8 text, not binary");
		rc = SK_EINVALID;
		goto done;
	}
	if (!sk_utf8_valid(data, len, &bad)) {
		int l, c;
		line_col(data, bad, &l, &c);
		sk_diags_add(&local, SK_DIAG_ERROR, relpath, l, c, NULL,
			"file is not valid UTF-8 (byte 0x%02X); save it as UTF-8",
			(unsigned)(unsigned char)data[bad]);
		rc = SK_EINVALID;
		goto done;
	}
	rc = rec->type == SK_TYPE_MODEL ? parse_model(rec, data, len, &local)
		: parse_markdown(rec, data, len, &local);
	if (rc < 0)
		goto done;
	front_links(rec);
	if (rec->type != SK_TYPE_MODEL)
		sk_record__markdown(rec);
	if (rec->type == SK_TYPE_LOG)
		sk_record__add_link(rec, rec->experiment, NULL, 1, 0, 1);
	set_title(rec);
	*out = rec;
	rec = NULL;
done:
	if (rc < 0) {
		if (local.len) {
			char *msg = sk_diag_format(&local.items[0]);
			sk_error_set(rc, "%s", msg);
			free(msg);
		} else if (!*sk_error_last()) {
			sk_error_set(rc, "%s: cannot be read as a record", relpath);
		}
	}
	if (diags)
		for (size_t i = 0; i < local.len; i++) {
			sk_diag *g = &local.items[i];
			sk_diags_add(diags, g->severity, g->file, g->line, g->col, g->path, "%s", g->message);
		}
	sk_diags_free(&local);
	sk_record_free(rec);
	return rc;
}

int sk_record_load(sk_record **out, const char *root, const char *relpath, size_t max_bytes, sk_diags *diags)
{
	int rc = 0;
	char *full = sk_path_join(root, relpath);
	char *data = NULL;
	size_t len = 0;

	*out = NULL;
	if ((rc = sk_file_read(&data, &len, full, max_bytes)) < 0) {
		/* Name the file as the KB does: relative to its root. */
		const char *msg = sk_error_last();
		size_t k = strlen(full);
		char *m = sk_strdup(strncmp(msg, full, k) == 0 && msg[k] == ':' ? msg + k + 2 : msg);
		if (diags)
			sk_diags_add(diags, SK_DIAG_ERROR, relpath, 0, 0, NULL, "%s", m);
		sk_error_set(rc, "%s: %s", relpath, m);
		free(m);
		goto done;
	}
	rc = sk_record_parse(out, relpath, data, len, diags);
done:
	free(data);
	free(full);
	return rc;
}

int sk_record_to_json(json_t **out, const sk_record *rec)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(rec->id));
	json_object_set_new(o, "type", json_string(sk_record_type_name(rec->type)));
	json_object_set_new(o, "path", json_string(rec->path));
	json_object_set_new(o, "title", json_string(rec->title));
	json_object_set_new(o, "experiment", rec->experiment ? json_string(rec->experiment) : json_null());
	json_object_set(o, "front", rec->front); /* borrowed: a new reference */
	json_t *links = json_array();
	for (size_t i = 0; i < rec->n_links; i++) {
		const sk_link *l = &rec->links[i];
		json_array_append_new(links, json_pack("{s:s, s:o, s:i, s:i, s:b}",
			"target", l->target, "field", l->field ? json_string(l->field) : json_null(),
			"line", l->line, "col", l->col, "implicit", l->implicit));
	}
	json_object_set_new(o, "links", links);
	json_t *heads = json_array();
	for (size_t i = 0; i < rec->n_headings; i++)
		json_array_append_new(heads, json_pack("{s:i, s:s, s:i}", "level", rec->headings[i].level,
			"text", rec->headings[i].text, "line", rec->headings[i].line));
	json_object_set_new(o, "headings", heads);
	json_object_set_new(o, "body", json_string(rec->body));
	*out = o;
	return 0;
}
