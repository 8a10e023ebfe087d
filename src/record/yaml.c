/* Front matter: YAML read with libyaml's event API into Jansson values,
 * scalars typed by the YAML 1.2 core schema, with the line and column of
 * every value. Aliases are copied, under a budget of values, so that an
 * alias bomb ("billion laughs") is refused instead of exhausting memory. */
#include "record_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct anchor {
	char *name;
	json_t *value;  /* own reference */
	size_t nodes;   /* values in it, counting its own alias copies */
} anchor;

typedef struct yctx {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	const char *text;
	json_t *lines, *cols;
	int first_line;
	const char *file;
	sk_diags *diags;
	anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;   /* values made so far, alias copies included */
} yctx;

static int file_line(const yctx *c, yaml_mark_t m)
{
	return c->first_line + (int)m.line;
}

static void fail(yctx *c, yaml_mark_t m, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Adds an error at mark m; always the one diagnostic a parse reports. */
static void fail(yctx *c, yaml_mark_t m, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->diags)
		sk_diags_add(c->diags, SK_DIAG_ERROR, c->file, file_line(c, m),
			(int)m.column + 1, path && *path ? path : NULL, "%s", msg);
	sk_error_set(SK_EINVALID, "%s:%d:%d: %s", c->file, file_line(c, m), (int)m.column + 1, msg);
}

/* Reports libyaml's own error (syntax, or a reader error such as a
 * control character) at the place it names. */
static void fail_parser(yctx *c)
{
	yaml_parser_t *p = &c->parser;
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "unknown problem";

	if (p->error == YAML_READER_ERROR) {
		/* A reader error gives a byte offset, not a mark. */
		memset(&m, 0, sizeof m);
		for (size_t i = 0; i < p->problem_offset && c->text[i]; i++) {
			if (c->text[i] == '\n') {
				m.line++;
				m.column = 0;
			} else if (((unsigned char)c->text[i] & 0xC0) != 0x80) {
				m.column++;
			}
		}
		fail(c, m, NULL, "front matter cannot be read as YAML: %s (byte 0x%02X)",
			problem, (unsigned)(p->problem_value & 0xFF));
		return;
	}
	if (p->context)
		fail(c, m, NULL, "YAML syntax error in the front matter: %s (%s at line %d)",
			problem, p->context, file_line(c, p->context_mark));
	else
		fail(c, m, NULL, "YAML syntax error in the front matter: %s", problem);
}

/* Moves to the next event; -1 (reported) on a syntax error. */
static int next(yctx *c)
{
	if (c->have_ev) {
		yaml_event_delete(&c->ev);
		c->have_ev = 0;
	}
	if (!yaml_parser_parse(&c->parser, &c->ev)) {
		fail_parser(c);
		return -1;
	}
	c->have_ev = 1;
	return 0;
}

static void note_place(yctx *c, const char *path, yaml_mark_t m)
{
	json_object_set_new(c->lines, path, json_integer(file_line(c, m)));
	json_object_set_new(c->cols, path, json_integer((json_int_t)m.column + 1));
}

/* Counts one more value against the budget. */
static int count_nodes(yctx *c, size_t n, yaml_mark_t m, const char *path)
{
	if (n > SK_YAML_MAX_NODES || c->nodes + n > SK_YAML_MAX_NODES) {
		fail(c, m, path,
			"front matter expands to more than %d values (aliases of aliases?); refused",
			SK_YAML_MAX_NODES);
		return -1;
	}
	c->nodes += n;
	return 0;
}

static int all_in(const char *s, size_t n, const char *set)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || s[i] == '\0')
			return 0;
	return 1;
}

static int is_one_of(const char *s, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return 0;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_core_float(const char *s)
{
	const char *p = s;
	int digits = 0;
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
		if (!digits)
			return 0;
	} else {
		while (*p >= '0' && *p <= '9')
			p++, digits++;
		if (!digits)
			return 0;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

enum { R_STR, R_NULL, R_BOOL, R_INT, R_FLOAT };

/* Resolves a plain scalar by the YAML 1.2 core schema into *out; -1 with
 * a reported error for values JSON cannot hold. kind gets the R_ kind. */
static int resolve_plain(yctx *c, json_t **out, int *kind, const char *s, yaml_mark_t m, const char *path)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const infs[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	size_t n = strlen(s);

	*out = NULL;
	if (is_one_of(s, nulls)) {
		*kind = R_NULL;
		*out = json_null();
		return 0;
	}
	if (is_one_of(s, trues) || is_one_of(s, falses)) {
		*kind = R_BOOL;
		*out = json_boolean(is_one_of(s, trues));
		return 0;
	}
	if (is_one_of(s, infs) || is_one_of(s, nans)) {
		fail(c, m, path,
			"'%s' is not a finite number and JSON cannot hold it; quote it (\"%s\") to keep it as text",
			s, s);
		return -1;
	}
	int base = 0;
	const char *digits = s;
	if ((s[0] == '-' || s[0] == '+') && all_in(s + 1, n - 1, "0123456789"))
		base = 10;
	else if (all_in(s, n, "0123456789"))
		base = 10;
	else if (n > 2 && s[0] == '0' && s[1] == 'o' && all_in(s + 2, n - 2, "01234567"))
		base = 8, digits = s + 2;
	else if (n > 2 && s[0] == '0' && s[1] == 'x' && all_in(s + 2, n - 2, "0123456789abcdefABCDEF"))
		base = 16, digits = s + 2;
	if (base) {
		errno = 0;
		char *end = NULL;
		long long v = strtoll(digits, &end, base);
		if (errno == ERANGE || *end) {
			fail(c, m, path, "integer %s is out of range (at most 19 digits); quote it to keep it as text", s);
			return -1;
		}
		*kind = R_INT;
		*out = json_integer((json_int_t)v);
		return 0;
	}
	if (is_core_float(s)) {
		double v = strtod(s, NULL);
		if (!isfinite(v)) {
			fail(c, m, path, "number %s is too large for JSON; quote it to keep it as text", s);
			return -1;
		}
		*kind = R_FLOAT;
		*out = json_real(v);
		return 0;
	}
	*kind = R_STR;
	return 0;
}

static int make_string(yctx *c, json_t **out, const char *s, size_t len, yaml_mark_t m, const char *path)
{
	if (memchr(s, '\0', len)) {
		fail(c, m, path, "text value contains a NUL character (\\0), which samskap does not accept");
		return -1;
	}
	*out = json_stringn(s, len);
	if (!*out) {
		fail(c, m, path, "text value is not valid UTF-8 (an escaped surrogate?)");
		return -1;
	}
	return 0;
}

#define TAG_PREFIX "tag:yaml.org,2002:"

/* Turns the current scalar event into a value. */
static int scalar_value(yctx *c, json_t **out, const char *path)
{
	yaml_event_t *e = &c->ev;
	const char *s = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	const char *tag = (const char *)e->data.scalar.tag;
	yaml_mark_t m = e->start_mark;
	int kind = R_STR;

	*out = NULL;
	if (tag && strcmp(tag, "!") != 0 && strcmp(tag, TAG_PREFIX "str") != 0) {
		static const char *const kinds[] = { TAG_PREFIX "null", TAG_PREFIX "bool",
			TAG_PREFIX "int", TAG_PREFIX "float" };
		int want = -1;
		for (int i = 0; i < 4; i++)
			if (strcmp(tag, kinds[i]) == 0)
				want = i + 1;
		if (want < 0) {
			fail(c, m, path, "YAML tag '%s' is not supported (samskap reads plain YAML 1.2: text, numbers, true/false, null, lists and mappings)", tag);
			return -1;
		}
		if (memchr(s, '\0', len) || resolve_plain(c, out, &kind, s, m, path) < 0)
			return -1;
		if (kind != want && !(want == R_FLOAT && kind == R_INT)) {
			json_decref(*out);
			*out = NULL;
			fail(c, m, path, "'%s' is not a valid %s", s, tag + strlen(TAG_PREFIX));
			return -1;
		}
		if (want == R_FLOAT && kind == R_INT) {
			json_t *r = json_real((double)json_integer_value(*out));
			json_decref(*out);
			*out = r;
		}
		return 0;
	}
	/* Quoted, block and explicitly tagged strings are always strings. */
	if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag) {
		if (memchr(s, '\0', len))
			return make_string(c, out, s, len, m, path);
		if (resolve_plain(c, out, &kind, s, m, path) < 0)
			return -1;
		if (*out)
			return 0;
	}
	return make_string(c, out, s, len, m, path);
}

static void add_anchor(yctx *c, const char *name, json_t *value, size_t nodes)
{
	if (c->n_anchors == c->cap_anchors) {
		c->cap_anchors = c->cap_anchors ? c->cap_anchors * 2 : 8;
		c->anchors = sk_realloc(c->anchors, sk_mul_size(c->cap_anchors, sizeof *c->anchors));
	}
	anchor *a = &c->anchors[c->n_anchors++];
	a->name = sk_strdup(name);
	a->value = json_incref(value);
	a->nodes = nodes;
}

static int parse_node(yctx *c, json_t **out, sk_buf *path, int depth);

/* Path of the current value as a C string ("" for the root). */
static const char *path_str(sk_buf *path)
{
	return path->data ? path->data : "";
}

static int parse_mapping(yctx *c, json_t *obj, sk_buf *path, int depth)
{
	int rc = 0;
	json_t *key_lines = json_object();
	size_t base = path->len;

	for (;;) {
		if ((rc = next(c)) < 0)
			goto done;
		if (c->ev.type == YAML_MAPPING_END_EVENT)
			break;
		yaml_mark_t km = c->ev.start_mark;
		if (c->ev.type != YAML_SCALAR_EVENT) {
			fail(c, km, path_str(path),
				"a mapping key must be text, not a %s",
				c->ev.type == YAML_ALIAS_EVENT ? "alias" :
				c->ev.type == YAML_SEQUENCE_START_EVENT ? "list" : "mapping");
			rc = -1;
			goto done;
		}
		json_t *k = NULL;
		if ((rc = scalar_value(c, &k, path_str(path))) < 0)
			goto done;
		if (!json_is_string(k)) {
			fail(c, km, path_str(path),
				"mapping key '%s' is not text (YAML reads it as %s); quote it: \"%s\"",
				(const char *)c->ev.data.scalar.value,
				json_is_integer(k) ? "an integer" : json_is_real(k) ? "a number" :
				json_is_boolean(k) ? "a boolean" : "null",
				(const char *)c->ev.data.scalar.value);
			json_decref(k);
			rc = -1;
			goto done;
		}
		char *key = sk_strdup(json_string_value(k));
		json_decref(k);
		json_t *first = json_object_get(key_lines, key);
		if (first) {
			fail(c, km, path_str(path), "duplicate key '%s' (first at line %d)",
				key, (int)json_integer_value(first));
			free(key);
			rc = -1;
			goto done;
		}
		json_object_set_new(key_lines, key, json_integer(file_line(c, km)));
		path->len = base;
		if (path->data)
			path->data[base] = '\0';
		sk_buf_putc(path, '/');
		sk_record__pointer_append(path, key);
		json_t *v = NULL;
		if ((rc = next(c)) < 0 || (rc = parse_node(c, &v, path, depth + 1)) < 0) {
			free(key);
			goto done;
		}
		json_object_set_new(obj, key, v);
		free(key);
	}
done:
	path->len = base;
	if (path->data)
		path->data[base] = '\0';
	json_decref(key_lines);
	return rc;
}

static int parse_sequence(yctx *c, json_t *arr, sk_buf *path, int depth)
{
	int rc = 0;
	size_t base = path->len;

	for (size_t i = 0;; i++) {
		if ((rc = next(c)) < 0)
			goto done;
		if (c->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		path->len = base;
		if (path->data)
			path->data[base] = '\0';
		sk_buf_printf(path, "/%zu", i);
		json_t *v = NULL;
		if ((rc = parse_node(c, &v, path, depth + 1)) < 0)
			goto done;
		json_array_append_new(arr, v);
	}
done:
	path->len = base;
	if (path->data)
		path->data[base] = '\0';
	return rc;
}

/* Parses the node whose first event is current into *out (caller's). */
static int parse_node(yctx *c, json_t **out, sk_buf *path, int depth)
{
	int rc = 0;
	json_t *v = NULL;
	yaml_mark_t m = c->ev.start_mark;
	char *anchor_name = NULL;
	size_t nodes_before = c->nodes;

	*out = NULL;
	note_place(c, path_str(path), m);
	switch (c->ev.type) {
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)c->ev.data.alias.anchor;
		anchor *a = NULL;
		for (size_t i = c->n_anchors; i-- > 0;) {
			if (strcmp(c->anchors[i].name, name) == 0) {
				a = &c->anchors[i];
				break;
			}
		}
		if (!a) {
			fail(c, m, path_str(path), "alias *%s refers to no anchor &%s before it", name, name);
			rc = -1;
			goto done;
		}
		if ((rc = count_nodes(c, a->nodes, m, path_str(path))) < 0)
			goto done;
		v = json_deep_copy(a->value);
		break;
	}
	case YAML_SCALAR_EVENT:
		if (c->ev.data.scalar.anchor)
			anchor_name = sk_strdup((const char *)c->ev.data.scalar.anchor);
		if ((rc = count_nodes(c, 1, m, path_str(path))) < 0)
			goto done;
		if ((rc = scalar_value(c, &v, path_str(path))) < 0)
			goto done;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_map = c->ev.type == YAML_MAPPING_START_EVENT;
		const yaml_char_t *an = is_map ? c->ev.data.mapping_start.anchor : c->ev.data.sequence_start.anchor;
		const yaml_char_t *tag = is_map ? c->ev.data.mapping_start.tag : c->ev.data.sequence_start.tag;
		if (tag && strcmp((const char *)tag, is_map ? TAG_PREFIX "map" : TAG_PREFIX "seq") != 0 &&
		    strcmp((const char *)tag, "!") != 0) {
			fail(c, m, path_str(path), "YAML tag '%s' is not supported", (const char *)tag);
			rc = -1;
			goto done;
		}
		if (depth >= SK_YAML_MAX_DEPTH) {
			fail(c, m, path_str(path), "front matter is nested more than %d levels deep; refused",
				SK_YAML_MAX_DEPTH);
			rc = -1;
			goto done;
		}
		if (an)
			anchor_name = sk_strdup((const char *)an);
		if ((rc = count_nodes(c, 1, m, path_str(path))) < 0)
			goto done;
		v = is_map ? json_object() : json_array();
		rc = is_map ? parse_mapping(c, v, path, depth) : parse_sequence(c, v, path, depth);
		if (rc < 0)
			goto done;
		break;
	}
	default:
		fail(c, m, path_str(path), "unexpected YAML event");
		rc = -1;
		goto done;
	}
	if (anchor_name)
		add_anchor(c, anchor_name, v, c->nodes - nodes_before);
	*out = v;
	v = NULL;
done:
	free(anchor_name);
	json_decref(v);
	return rc;
}

int sk_record__yaml_parse(json_t **out, json_t *lines, json_t *cols,
	const char *text, size_t len, int first_line, const char *file, sk_diags *diags)
{
	int rc = 0;
	yctx c;
	json_t *root = NULL;
	sk_buf path = SK_BUF_INIT;

	*out = NULL;
	memset(&c, 0, sizeof c);
	c.text = text;
	c.lines = lines;
	c.cols = cols;
	c.first_line = first_line;
	c.file = file;
	c.diags = diags;
	if (!yaml_parser_initialize(&c.parser))
		return sk_error_set(SK_ERROR, "%s: cannot start the YAML parser", file);
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);

	if ((rc = next(&c)) < 0 || (rc = next(&c)) < 0) /* STREAM-START, then the document */
		goto done;
	if (c.ev.type == YAML_STREAM_END_EVENT) {
		root = json_object();
		yaml_mark_t m = { 0, 0, 0 };
		note_place(&c, "", m);
		goto finish;
	}
	/* DOCUMENT-START */
	if ((rc = next(&c)) < 0)
		goto done;
	yaml_mark_t rm = c.ev.start_mark;
	if ((rc = parse_node(&c, &root, &path, 0)) < 0)
		goto done;
	if (json_is_null(root)) {
		/* Only comments: an empty front matter. */
		json_decref(root);
		root = json_object();
	}
	if (!json_is_object(root)) {
		fail(&c, rm, NULL, "front matter must be a mapping of fields (key: value), not %s",
			json_is_array(root) ? "a list" : "a single value");
		rc = -1;
		goto done;
	}
	if ((rc = next(&c)) < 0) /* DOCUMENT-END */
		goto done;
	if ((rc = next(&c)) < 0)
		goto done;
	if (c.ev.type != YAML_STREAM_END_EVENT) {
		fail(&c, c.ev.start_mark, NULL, "front matter holds more than one YAML document");
		rc = -1;
		goto done;
	}
finish:
	*out = root;
	root = NULL;
done:
	if (rc < 0)
		rc = SK_EINVALID;
	if (c.have_ev)
		yaml_event_delete(&c.ev);
	yaml_parser_delete(&c.parser);
	for (size_t i = 0; i < c.n_anchors; i++) {
		free(c.anchors[i].name);
		json_decref(c.anchors[i].value);
	}
	free(c.anchors);
	json_decref(root);
	sk_buf_free(&path);
	return rc;
}
