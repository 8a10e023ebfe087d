/* Compiling a JSON Schema document into a tree of sk_snode: every keyword
 * is checked for its type once, regular expressions are compiled once, and
 * $ref pointers are resolved to nodes, so validation only walks. */
#include "schema_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cctx {
	sk_schema *schema;
	sk_buf where;         /* JSON pointer of the value being compiled */
} cctx;

static int compile_node(cctx *c, const json_t *s, int depth, sk_snode **out);

/* Appends one JSON pointer token to b, escaping '~' and '/'. */
static void pointer_append(sk_buf *b, const char *token)
{
	sk_buf_putc(b, '/');
	for (const char *p = token; *p; p++) {
		if (*p == '~')
			sk_buf_puts(b, "~0");
		else if (*p == '/')
			sk_buf_puts(b, "~1");
		else
			sk_buf_putc(b, *p);
	}
}

static const char *where_text(cctx *c)
{
	return c->where.len ? c->where.data : "(root)";
}

/* A message naming the schema file and the keyword's place (its middle
 * cut out when very deep, so the message stays readable and whole). */
static int bad(cctx *c, int code, const char *fmt, const char *arg)
{
	char *msg = sk_printf(fmt, arg ? arg : "");
	const char *w = where_text(c);
	size_t len = strlen(w);
	char *where = len > 200 ? sk_printf("%.80s...%s", w, w + len - 100) : sk_strdup(w);
	int rc = sk_error_set(code, "%s: %s: invalid schema: %s", c->schema->name, where, msg);
	free(where);
	free(msg);
	return rc;
}

static void register_node(sk_schema *s, sk_snode *n)
{
	if (s->n_nodes == s->cap_nodes) {
		s->cap_nodes = s->cap_nodes ? s->cap_nodes * 2 : 32;
		s->nodes = sk_realloc(s->nodes, sk_mul_size(s->cap_nodes, sizeof *s->nodes));
	}
	s->nodes[s->n_nodes++] = n;
}

/* Compiles the subschema under keyword `key` (and optionally `key2`,
 * a property name or index) of the node at c->where. */
static int compile_sub(cctx *c, const json_t *s, int depth, sk_snode **out,
	const char *key, const char *key2)
{
	size_t saved = c->where.len;
	pointer_append(&c->where, key);
	if (key2)
		pointer_append(&c->where, key2);
	int rc = compile_node(c, s, depth + 1, out);
	c->where.len = saved;
	if (c->where.data)
		c->where.data[saved] = '\0';
	return rc;
}

static void where_push(cctx *c, const char *key, size_t *saved)
{
	*saved = c->where.len;
	pointer_append(&c->where, key);
}

static void where_pop(cctx *c, size_t saved)
{
	c->where.len = saved;
	if (c->where.data)
		c->where.data[saved] = '\0';
}

/* A number that is an integer (1 or 1.0). */
static int integral(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (isfinite(d) && floor(d) == d && fabs(d) < 9.0e18) {
			*out = (long long)d;
			return 1;
		}
	}
	return 0;
}

static int keyword_count(cctx *c, const json_t *v, const char *key, long long *out)
{
	size_t saved;
	int rc = 0;
	where_push(c, key, &saved);
	if (!integral(v, out) || *out < 0)
		rc = bad(c, SK_EINVALID, "%s must be a non-negative integer", key);
	where_pop(c, saved);
	return rc;
}

static int keyword_number(cctx *c, const json_t *v, const char *key, const json_t **out)
{
	size_t saved;
	int rc = 0;
	where_push(c, key, &saved);
	if (!json_is_number(v))
		rc = bad(c, SK_EINVALID, "%s must be a number", key);
	else
		*out = v;
	where_pop(c, saved);
	return rc;
}

static int keyword_strings(cctx *c, const json_t *v, const char *key)
{
	size_t saved, i;
	json_t *e;
	int rc = 0;
	where_push(c, key, &saved);
	if (!json_is_array(v)) {
		rc = bad(c, SK_EINVALID, "%s must be an array of strings", key);
		goto done;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			rc = bad(c, SK_EINVALID, "%s must be an array of strings", key);
			goto done;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), e)) {
				rc = bad(c, SK_EINVALID, "%s must not repeat a name", key);
				goto done;
			}
	}
done:
	where_pop(c, saved);
	return rc;
}

static int keyword_list(cctx *c, const json_t *v, int depth, const char *key, sk_slist *out)
{
	size_t saved, i;
	json_t *e;
	int rc = 0;
	if (!json_is_array(v) || json_array_size(v) == 0) {
		where_push(c, key, &saved);
		rc = bad(c, SK_EINVALID, "%s must be a non-empty array of schemas", key);
		where_pop(c, saved);
		return rc;
	}
	out->items = sk_calloc(json_array_size(v), sizeof *out->items);
	json_array_foreach(v, i, e) {
		char idx[32];
		snprintf(idx, sizeof idx, "%zu", i);
		if ((rc = compile_sub(c, e, depth, &out->items[i], key, idx)) < 0)
			return rc;
		out->len = i + 1;
	}
	return 0;
}

static int keyword_named(cctx *c, const json_t *v, int depth, const char *key,
	sk_snamed **out, size_t *n)
{
	const char *name;
	json_t *e;
	int rc = 0;
	if (!json_is_object(v)) {
		size_t saved;
		where_push(c, key, &saved);
		rc = bad(c, SK_EINVALID, "%s must be an object of schemas", key);
		where_pop(c, saved);
		return rc;
	}
	*out = sk_calloc(json_object_size(v) + 1, sizeof **out);
	json_object_foreach((json_t *)v, name, e) {
		sk_snamed *p = &(*out)[*n];
		p->name = name;
		if ((rc = compile_sub(c, e, depth, &p->schema, key, name)) < 0)
			return rc;
		(*n)++;
	}
	return 0;
}

/* ECMA-262 (unicode mode) names General_Category values in full
 * (\p{Letter}); PCRE2 before 10.43 knows only the short aliases. */
static const char *const category_aliases[][2] = {
	{"Letter", "L"}, {"Cased_Letter", "L&"}, {"Uppercase_Letter", "Lu"},
	{"Lowercase_Letter", "Ll"}, {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"},
	{"Other_Letter", "Lo"}, {"Mark", "M"}, {"Combining_Mark", "M"},
	{"Nonspacing_Mark", "Mn"}, {"Spacing_Mark", "Mc"}, {"Enclosing_Mark", "Me"},
	{"Number", "N"}, {"Decimal_Number", "Nd"}, {"digit", "Nd"}, {"Letter_Number", "Nl"},
	{"Other_Number", "No"}, {"Punctuation", "P"}, {"punct", "P"},
	{"Connector_Punctuation", "Pc"}, {"Dash_Punctuation", "Pd"}, {"Open_Punctuation", "Ps"},
	{"Close_Punctuation", "Pe"}, {"Initial_Punctuation", "Pi"}, {"Final_Punctuation", "Pf"},
	{"Other_Punctuation", "Po"}, {"Symbol", "S"}, {"Math_Symbol", "Sm"},
	{"Currency_Symbol", "Sc"}, {"Modifier_Symbol", "Sk"}, {"Other_Symbol", "So"},
	{"Separator", "Z"}, {"Space_Separator", "Zs"}, {"Line_Separator", "Zl"},
	{"Paragraph_Separator", "Zp"}, {"Other", "C"}, {"Control", "Cc"}, {"cntrl", "Cc"},
	{"Format", "Cf"}, {"Surrogate", "Cs"}, {"Private_Use", "Co"}, {"Unassigned", "Cn"},
};

/* Rewrites \p{Long_Name} and \p{General_Category=Name} (and \P) to the
 * names PCRE2 knows; everything else is copied as it is. */
static char *translate_regex(const char *src, size_t len, size_t *out_len)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, "");
	for (size_t i = 0; i < len; i++) {
		if (src[i] != '\\' || i + 1 >= len) {
			sk_buf_putc(&b, src[i]);
			continue;
		}
		char kind = src[i + 1];
		const char *close = (kind == 'p' || kind == 'P') && i + 2 < len && src[i + 2] == '{'
			? memchr(src + i + 3, '}', len - i - 3) : NULL;
		if (!close) {
			/* Any other escape: keep both characters so "\\p" stays literal. */
			sk_buf_putc(&b, src[i]);
			sk_buf_putc(&b, kind);
			i++;
			continue;
		}
		const char *name = src + i + 3;
		size_t n = (size_t)(close - name);
		static const char *const prefixes[] = {"General_Category=", "gc=", "Script=", "sc=", NULL};
		for (size_t k = 0; prefixes[k]; k++) {
			size_t pl = strlen(prefixes[k]);
			if (n > pl && strncmp(name, prefixes[k], pl) == 0) {
				name += pl;
				n -= pl;
				break;
			}
		}
		const char *mapped = NULL;
		for (size_t k = 0; k < sizeof category_aliases / sizeof category_aliases[0]; k++)
			if (strlen(category_aliases[k][0]) == n && strncmp(category_aliases[k][0], name, n) == 0)
				mapped = category_aliases[k][1];
		sk_buf_printf(&b, "\\%c{", kind);
		if (mapped)
			sk_buf_puts(&b, mapped);
		else
			sk_buf_put(&b, name, n);
		sk_buf_putc(&b, '}');
		i = (size_t)(close - src);
	}
	*out_len = b.len;
	return sk_buf_detach(&b);
}

static int compile_regex(cctx *c, const char *key, const char *source, size_t len, pcre2_code **out)
{
	int err;
	PCRE2_SIZE off;
	size_t plen;
	char *pcre = translate_regex(source, len, &plen);
	/* ECMA-262 semantics where PCRE2 differs by default: UTF-8 code points,
	 * '$' only at the very end (not before a final newline), and the escapes
	 * \uhhhh, \u{h...} and \xhh. */
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
	*out = pcre2_compile((PCRE2_SPTR)pcre, plen, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX,
		&err, &off, cc);
	pcre2_compile_context_free(cc);
	free(pcre);
	if (*out)
		return 0;
	PCRE2_UCHAR text[256];
	pcre2_get_error_message(err, text, sizeof text);
	/* The message is built first and passed as an argument: neither the
	 * pattern nor PCRE2's text may act as a format. */
	char *msg = sk_printf("%s is not a valid regular expression: %s", source, (const char *)text);
	size_t saved;
	where_push(c, key, &saved);
	int rc = bad(c, SK_EINVALID, "%s", msg);
	where_pop(c, saved);
	free(msg);
	return rc;
}

static const struct { const char *name; unsigned bit; } type_names[] = {
	{"null", SK_T_NULL}, {"boolean", SK_T_BOOLEAN}, {"object", SK_T_OBJECT},
	{"array", SK_T_ARRAY}, {"number", SK_T_NUMBER}, {"string", SK_T_STRING},
	{"integer", SK_T_INTEGER},
};

static int type_bit(const json_t *v, unsigned *bit)
{
	if (!json_is_string(v))
		return 0;
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(json_string_value(v), type_names[i].name) == 0) {
			*bit = type_names[i].bit;
			return 1;
		}
	return 0;
}

static int keyword_type(cctx *c, const json_t *v, unsigned *types)
{
	unsigned bit;
	size_t saved, i;
	json_t *e;
	int rc = 0;
	where_push(c, "type", &saved);
	if (type_bit(v, &bit)) {
		*types = bit;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!type_bit(e, &bit) || (*types & bit)) {
				rc = bad(c, SK_EINVALID, "%s", "type must list distinct names of "
					"null, boolean, object, array, number, string, integer");
				goto done;
			}
			*types |= bit;
		}
	} else {
		rc = bad(c, SK_EINVALID, "%s", "type must be one of null, boolean, object, "
			"array, number, string, integer, or an array of them");
	}
done:
	where_pop(c, saved);
	return rc;
}

/* Keywords samskap does not implement: refusing them beats silently
 * accepting what the schema's author meant to forbid. */
static const char *const unsupported[] = {
	"$dynamicRef", "$recursiveRef", "unevaluatedItems", NULL
};

static int compile_object(cctx *c, const json_t *s, int depth, sk_snode *n)
{
	int rc = 0;
	const char *key;
	json_t *v;
	size_t saved;

	n->min_props = n->max_props = -1;
	n->min_items = n->max_items = -1;
	n->min_length = n->max_length = -1;
	n->min_contains = 1;
	n->max_contains = -1;

	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_get(s, unsupported[i])) {
			where_push(c, unsupported[i], &saved);
			rc = bad(c, SK_EUNSUPPORTED, "the keyword %s is not supported by samskap's validator",
				unsupported[i]);
			where_pop(c, saved);
			return rc;
		}

	json_object_foreach((json_t *)s, key, v) {
		if (strcmp(key, "type") == 0) {
			rc = keyword_type(c, v, &n->types);
		} else if (strcmp(key, "enum") == 0) {
			if (!json_is_array(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "enum must be an array");
				where_pop(c, saved);
			}
			n->enum_values = v;
		} else if (strcmp(key, "const") == 0) {
			n->const_value = v;
		} else if (strcmp(key, "required") == 0) {
			rc = keyword_strings(c, v, key);
			n->required = v;
		} else if (strcmp(key, "properties") == 0) {
			rc = keyword_named(c, v, depth, key, &n->props, &n->n_props);
		} else if (strcmp(key, "patternProperties") == 0) {
			sk_snamed *named = NULL;
			size_t count = 0;
			rc = keyword_named(c, v, depth, key, &named, &count);
			n->pattern_props = sk_calloc(count + 1, sizeof *n->pattern_props);
			for (size_t i = 0; rc == 0 && i < count; i++) {
				sk_spattern *p = &n->pattern_props[i];
				p->source = named[i].name;
				p->schema = named[i].schema;
				size_t saved2;
				where_push(c, key, &saved2);
				rc = compile_regex(c, p->source, p->source, strlen(p->source), &p->re);
				where_pop(c, saved2);
				n->n_pattern_props = i + 1;
			}
			free(named);
		} else if (strcmp(key, "additionalProperties") == 0) {
			rc = compile_sub(c, v, depth, &n->additional, key, NULL);
		} else if (strcmp(key, "unevaluatedProperties") == 0) {
			rc = compile_sub(c, v, depth, &n->unevaluated_props, key, NULL);
		} else if (strcmp(key, "propertyNames") == 0) {
			rc = compile_sub(c, v, depth, &n->property_names, key, NULL);
		} else if (strcmp(key, "minProperties") == 0) {
			rc = keyword_count(c, v, key, &n->min_props);
		} else if (strcmp(key, "maxProperties") == 0) {
			rc = keyword_count(c, v, key, &n->max_props);
		} else if (strcmp(key, "dependentRequired") == 0) {
			const char *dk;
			json_t *dv;
			if (!json_is_object(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "dependentRequired must be an object of arrays of strings");
				where_pop(c, saved);
			} else {
				where_push(c, key, &saved);
				json_object_foreach(v, dk, dv) {
					if ((rc = keyword_strings(c, dv, dk)) < 0)
						break;
				}
				where_pop(c, saved);
			}
			n->dependent_required = v;
		} else if (strcmp(key, "dependentSchemas") == 0) {
			rc = keyword_named(c, v, depth, key, &n->dependent_schemas, &n->n_dependent_schemas);
		} else if (strcmp(key, "prefixItems") == 0) {
			rc = keyword_list(c, v, depth, key, &n->prefix_items);
		} else if (strcmp(key, "items") == 0) {
			rc = compile_sub(c, v, depth, &n->items, key, NULL);
		} else if (strcmp(key, "contains") == 0) {
			rc = compile_sub(c, v, depth, &n->contains, key, NULL);
		} else if (strcmp(key, "minContains") == 0) {
			rc = keyword_count(c, v, key, &n->min_contains);
		} else if (strcmp(key, "maxContains") == 0) {
			rc = keyword_count(c, v, key, &n->max_contains);
		} else if (strcmp(key, "minItems") == 0) {
			rc = keyword_count(c, v, key, &n->min_items);
		} else if (strcmp(key, "maxItems") == 0) {
			rc = keyword_count(c, v, key, &n->max_items);
		} else if (strcmp(key, "uniqueItems") == 0) {
			if (!json_is_boolean(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "uniqueItems must be true or false");
				where_pop(c, saved);
			}
			n->unique_items = json_is_true(v);
		} else if (strcmp(key, "minLength") == 0) {
			rc = keyword_count(c, v, key, &n->min_length);
		} else if (strcmp(key, "maxLength") == 0) {
			rc = keyword_count(c, v, key, &n->max_length);
		} else if (strcmp(key, "pattern") == 0) {
			if (!json_is_string(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "pattern must be a string");
				where_pop(c, saved);
			} else {
				n->pattern.source = json_string_value(v);
				rc = compile_regex(c, key, n->pattern.source, json_string_length(v), &n->pattern.re);
			}
		} else if (strcmp(key, "format") == 0) {
			if (!json_is_string(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "format must be a string");
				where_pop(c, saved);
			} else if (strcmp(json_string_value(v), "date") == 0) {
				n->format = SK_FORMAT_DATE;
			} else if (strcmp(json_string_value(v), "date-time") == 0) {
				n->format = SK_FORMAT_DATETIME;
			}
			/* Other formats are annotations only, as 2020-12 allows. */
		} else if (strcmp(key, "minimum") == 0) {
			rc = keyword_number(c, v, key, &n->minimum);
		} else if (strcmp(key, "maximum") == 0) {
			rc = keyword_number(c, v, key, &n->maximum);
		} else if (strcmp(key, "exclusiveMinimum") == 0) {
			rc = keyword_number(c, v, key, &n->exclusive_minimum);
		} else if (strcmp(key, "exclusiveMaximum") == 0) {
			rc = keyword_number(c, v, key, &n->exclusive_maximum);
		} else if (strcmp(key, "multipleOf") == 0) {
			rc = keyword_number(c, v, key, &n->multiple_of);
			if (rc == 0 && !(json_number_value(v) > 0)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "multipleOf must be greater than 0");
				where_pop(c, saved);
			}
		} else if (strcmp(key, "allOf") == 0) {
			rc = keyword_list(c, v, depth, key, &n->all_of);
		} else if (strcmp(key, "anyOf") == 0) {
			rc = keyword_list(c, v, depth, key, &n->any_of);
		} else if (strcmp(key, "oneOf") == 0) {
			rc = keyword_list(c, v, depth, key, &n->one_of);
		} else if (strcmp(key, "not") == 0) {
			rc = compile_sub(c, v, depth, &n->not_, key, NULL);
		} else if (strcmp(key, "if") == 0) {
			rc = compile_sub(c, v, depth, &n->if_, key, NULL);
		} else if (strcmp(key, "then") == 0) {
			rc = compile_sub(c, v, depth, &n->then_, key, NULL);
		} else if (strcmp(key, "else") == 0) {
			rc = compile_sub(c, v, depth, &n->else_, key, NULL);
		} else if (strcmp(key, "$defs") == 0) {
			/* Compiled so that $ref finds them; they assert nothing here. */
			sk_snamed *defs = NULL;
			size_t count = 0;
			rc = keyword_named(c, v, depth, key, &defs, &count);
			free(defs);
		} else if (strcmp(key, "$ref") == 0) {
			if (!json_is_string(v)) {
				where_push(c, key, &saved);
				rc = bad(c, SK_EINVALID, "%s", "$ref must be a string");
				where_pop(c, saved);
			}
			n->ref_text = json_string_value(v);
		}
		/* Any other keyword is an annotation (title, description, $comment,
		 * $schema, $id, examples, ...) or unknown, which 2020-12 ignores. */
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int compile_node(cctx *c, const json_t *s, int depth, sk_snode **out)
{
	*out = NULL;
	if (depth > SK_SCHEMA_MAX_DEPTH)
		return bad(c, SK_EINVALID, "schema nested more than %s levels deep", SK_SCHEMA_MAX_DEPTH_TEXT);
	if (!json_is_object(s) && !json_is_boolean(s))
		return bad(c, SK_EINVALID, "%s", "a schema must be an object or a boolean");
	sk_snode *n = sk_calloc(1, sizeof *n);
	n->src = s;
	n->where = sk_strdup(c->where.len ? c->where.data : "");
	n->boolean = json_is_boolean(s) ? json_is_true(s) : -1;
	register_node(c->schema, n);
	*out = n;
	if (n->boolean >= 0)
		return 0;
	return compile_object(c, s, depth, n);
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes %XX escapes of a URI fragment into a new string; NULL when an
 * escape is malformed. */
static char *percent_decode(const char *s)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, "");
	for (const char *p = s; *p; p++) {
		if (*p != '%') {
			sk_buf_putc(&b, *p);
			continue;
		}
		int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
		if (hi < 0 || lo < 0) {
			sk_buf_free(&b);
			return NULL;
		}
		sk_buf_putc(&b, (char)(hi * 16 + lo));
		p += 2;
	}
	return sk_buf_detach(&b);
}

/* Follows a JSON pointer ("/a/b~1c/0") from root; NULL when it does not
 * resolve. */
static const json_t *pointer_get(const json_t *root, const char *ptr)
{
	const json_t *cur = root;
	const char *p = ptr;
	sk_buf tok = SK_BUF_INIT;
	while (cur && *p) {
		if (*p != '/') {
			cur = NULL;
			break;
		}
		p++;
		sk_buf_clear(&tok);
		sk_buf_puts(&tok, "");
		while (*p && *p != '/') {
			if (p[0] == '~' && p[1] == '0') {
				sk_buf_putc(&tok, '~');
				p += 2;
			} else if (p[0] == '~' && p[1] == '1') {
				sk_buf_putc(&tok, '/');
				p += 2;
			} else if (p[0] == '~') {
				cur = NULL;
				goto done;
			} else {
				sk_buf_putc(&tok, *p++);
			}
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok.data);
		} else if (json_is_array(cur)) {
			const char *t = tok.data;
			size_t idx = 0;
			if (!*t || (t[0] == '0' && t[1]) || strspn(t, "0123456789") != strlen(t) || strlen(t) > 18) {
				cur = NULL;
				break;
			}
			idx = (size_t)strtoull(t, NULL, 10);
			cur = json_array_get(cur, idx);
		} else {
			cur = NULL;
		}
	}
done:
	sk_buf_free(&tok);
	return cur;
}

static int resolve_ref(cctx *c, sk_snode *n)
{
	int rc = 0;
	char *ptr = NULL;
	size_t saved;

	sk_buf_clear(&c->where);
	sk_buf_puts(&c->where, n->where);
	where_push(c, "$ref", &saved);
	if (n->ref_text[0] != '#') {
		rc = bad(c, SK_EUNSUPPORTED, "$ref \"%s\" is not supported: samskap resolves only "
			"\"#...\" JSON pointers within the same schema document", n->ref_text);
		goto done;
	}
	ptr = percent_decode(n->ref_text + 1);
	if (!ptr) {
		rc = bad(c, SK_EINVALID, "$ref \"%s\" has a malformed %%-escape", n->ref_text);
		goto done;
	}
	if (ptr[0] && ptr[0] != '/') {
		rc = bad(c, SK_EUNSUPPORTED, "$ref \"%s\" names an anchor; samskap resolves only "
			"JSON pointers (\"#/$defs/name\")", n->ref_text);
		goto done;
	}
	const json_t *target = pointer_get(c->schema->doc, ptr);
	if (!target) {
		rc = bad(c, SK_EINVALID, "$ref \"%s\" does not resolve: nothing at that place in the document",
			n->ref_text);
		goto done;
	}
	for (size_t i = 0; i < c->schema->n_nodes; i++)
		if (c->schema->nodes[i]->src == target) {
			n->ref = c->schema->nodes[i];
			goto done;
		}
	/* The target lies where no keyword made it a subschema: compile it now,
	 * named by its own pointer. */
	sk_buf_clear(&c->where);
	sk_buf_puts(&c->where, ptr);
	rc = compile_node(c, target, 0, &n->ref);
done:
	free(ptr);
	return rc;
}

int sk_schema_compile(sk_schema **out, json_t *doc, const char *name)
{
	int rc = 0;
	cctx c = {NULL, SK_BUF_INIT};
	sk_schema *s = sk_calloc(1, sizeof *s);

	*out = NULL;
	s->doc = json_incref(doc);
	s->name = sk_strdup(name ? name : "schema");
	c.schema = s;
	if ((rc = compile_node(&c, doc, 0, &s->root)) < 0)
		goto done;
	/* Nodes compiled for a $ref target join the list as it is walked. */
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i]->ref_text && (rc = resolve_ref(&c, s->nodes[i])) < 0)
			goto done;
done:
	sk_buf_free(&c.where);
	if (rc < 0)
		sk_schema_free(s);
	else
		*out = s;
	return rc;
}

static void free_node(sk_snode *n)
{
	free(n->where);
	free(n->props);
	for (size_t i = 0; i < n->n_pattern_props; i++)
		pcre2_code_free(n->pattern_props[i].re);
	free(n->pattern_props);
	free(n->dependent_schemas);
	free(n->prefix_items.items);
	pcre2_code_free(n->pattern.re);
	free(n->all_of.items);
	free(n->any_of.items);
	free(n->one_of.items);
	free(n);
}

void sk_schema_free(sk_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_nodes; i++)
		free_node(s->nodes[i]);
	free(s->nodes);
	free(s->name);
	json_decref(s->doc);
	free(s);
}

int sk_schema_load(sk_schema **out, const char *path)
{
	int rc = 0;
	char *text = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	json_error_t err;

	*out = NULL;
	if ((rc = sk_file_read(&text, &len, path, 16u * 1024 * 1024)) < 0)
		goto done;
	doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		rc = sk_error_set(SK_EINVALID, "%s:%d:%d: invalid JSON in schema: %s",
			path, err.line, err.column, err.text);
		goto done;
	}
	rc = sk_schema_compile(out, doc, path);
done:
	json_decref(doc);
	free(text);
	return rc;
}
