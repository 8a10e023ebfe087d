/* Validating a JSON value against a compiled schema, collecting one
 * diagnostic per failure with the instance's JSON pointer. */
#include "schema_int.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What every level of one validation shares. */
typedef struct vshared {
	sk_diags *top;        /* the caller's diagnostics, or NULL */
	sk_buf path;          /* JSON pointer of the value being checked */
	long steps;           /* subschema checks so far */
	int stopped;         /* set once a limit is hit: everything fails fast */
} vshared;

typedef struct vctx {
	sk_diags *diags;      /* where this level's failures go; NULL: stop at the first */
	vshared *sh;
} vctx;

static int check(const sk_snode *n, const json_t *v, vctx *c, int depth);

/* ---- values ---------------------------------------------------------- */

int sk_schema__numcmp(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return x < y ? -1 : x > y;
	}
	/* long double holds every 64-bit integer exactly on the platforms
	 * samskap builds for, so mixed comparisons do not round. */
	long double x = json_is_integer(a) ? (long double)json_integer_value(a) : (long double)json_real_value(a);
	long double y = json_is_integer(b) ? (long double)json_integer_value(b) : (long double)json_real_value(b);
	return x < y ? -1 : x > y;
}

int sk_schema__equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return sk_schema__numcmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b)
			&& memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!sk_schema__equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT: {
		const char *key;
		json_t *x;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, key, x) {
			json_t *y = json_object_get(b, key);
			if (!y || !sk_schema__equal(x, y))
				return 0;
		}
		return 1;
	}
	default: /* true, false, null: the type says it all */
		return 1;
	}
}

char *sk_schema__show(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (!s)
		return sk_strdup("?");
	size_t len = strlen(s);
	char *out;
	if (len <= 80) {
		out = sk_strdup(s);
	} else {
		/* Cut on a UTF-8 boundary. */
		size_t cut = 77;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
		out = sk_printf("%.*s...", (int)cut, s);
	}
	free(s);
	return out;
}

static int is_integral(const json_t *v)
{
	if (json_is_integer(v))
		return 1;
	if (!json_is_real(v))
		return 0;
	double d = json_real_value(v);
	return isfinite(d) && floor(d) == d;
}

static unsigned type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return SK_T_NULL;
	case JSON_TRUE:
	case JSON_FALSE: return SK_T_BOOLEAN;
	case JSON_OBJECT: return SK_T_OBJECT;
	case JSON_ARRAY: return SK_T_ARRAY;
	case JSON_STRING: return SK_T_STRING;
	case JSON_INTEGER:
	case JSON_REAL: return is_integral(v) ? SK_T_NUMBER | SK_T_INTEGER : SK_T_NUMBER;
	}
	return 0;
}

/* ---- reporting ------------------------------------------------------- */

static void fail(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(vctx *c, const char *fmt, ...)
{
	if (!c->diags)
		return;
	va_list ap;
	va_start(ap, fmt);
	sk_buf msg = SK_BUF_INIT;
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sk_buf_grow(&msg, (size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(msg.data, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	sk_diags_add(c->diags, SK_DIAG_ERROR, NULL, 0, 0, c->sh->path.data ? c->sh->path.data : "",
		"%s", msg.data);
	sk_buf_free(&msg);
}

static void path_push(vctx *c, const char *key, size_t *saved)
{
	*saved = c->sh->path.len;
	sk_buf_putc(&c->sh->path, '/');
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			sk_buf_puts(&c->sh->path, "~0");
		else if (*p == '/')
			sk_buf_puts(&c->sh->path, "~1");
		else
			sk_buf_putc(&c->sh->path, *p);
	}
}

static void path_push_index(vctx *c, size_t i, size_t *saved)
{
	*saved = c->sh->path.len;
	sk_buf_printf(&c->sh->path, "/%zu", i);
}

static void path_pop(vctx *c, size_t saved)
{
	c->sh->path.len = saved;
	if (c->sh->path.data)
		c->sh->path.data[saved] = '\0';
}

static void types_text(sk_buf *b, unsigned types)
{
	static const char *const names[] = {"null", "boolean", "object", "array", "number", "string", "integer"};
	int first = 1;
	for (int i = 0; i < 7; i++) {
		if (!(types & (1u << i)))
			continue;
		if (!first)
			sk_buf_puts(b, " or ");
		sk_buf_puts(b, names[i]);
		first = 0;
	}
}

/* Runs n on v into fresh diagnostics (when the caller collects them) and
 * returns whether it matched; *sub receives the failures. */
static int check_into(const sk_snode *n, const json_t *v, vctx *c, int depth, sk_diags *sub)
{
	vctx s = {c->diags ? sub : NULL, c->sh};
	return check(n, v, &s, depth);
}

/* The first failure of a sub-check as "message" or "/path: message"
 * relative to where the check started. */
static void first_failure(sk_buf *b, const sk_diags *sub, vctx *c)
{
	if (sub->len == 0) {
		sk_buf_puts(b, "failed");
		return;
	}
	const sk_diag *d = &sub->items[0];
	size_t base = c->sh->path.len, start = b->len;
	if (d->path && strlen(d->path) > base)
		sk_buf_printf(b, "%s: ", d->path + base);
	sk_buf_puts(b, d->message);
	/* Nested alternatives would nest their messages level by level: keep
	 * each quoted failure short. */
	if (b->len - start > 200) {
		size_t cut = start + 197;
		while (cut > start && ((unsigned char)b->data[cut] & 0xC0) == 0x80)
			cut--;
		b->len = cut;
		b->data[cut] = '\0';
		sk_buf_puts(b, "...");
	}
	if (sub->len > 1)
		sk_buf_printf(b, " (and %zu more)", sub->len - 1);
}

/* ---- keywords by instance type ---------------------------------------- */

static int check_object(const sk_snode *n, const json_t *v, vctx *c, int depth)
{
	int ok = 1;
	const char *key;
	json_t *e;
	size_t saved, i;

	if (n->required) {
		json_array_foreach(n->required, i, e) {
			if (!json_object_get(v, json_string_value(e))) {
				fail(c, "missing required property \"%s\"", json_string_value(e));
				ok = 0;
				if (!c->diags)
					return 0;
			}
		}
	}
	size_t size = json_object_size(v);
	if (n->min_props >= 0 && size < (size_t)n->min_props) {
		fail(c, "expected at least %lld propert%s, got %zu", n->min_props,
			n->min_props == 1 ? "y" : "ies", size);
		ok = 0;
	}
	if (n->max_props >= 0 && size > (size_t)n->max_props) {
		fail(c, "expected at most %lld propert%s, got %zu", n->max_props,
			n->max_props == 1 ? "y" : "ies", size);
		ok = 0;
	}
	if (!ok && !c->diags)
		return 0;
	if (n->dependent_required) {
		const char *dk;
		json_t *dv;
		json_object_foreach((json_t *)n->dependent_required, dk, dv) {
			if (!json_object_get(v, dk))
				continue;
			json_array_foreach(dv, i, e) {
				if (!json_object_get(v, json_string_value(e))) {
					fail(c, "missing property \"%s\", required when \"%s\" is present",
						json_string_value(e), dk);
					ok = 0;
					if (!c->diags)
						return 0;
				}
			}
		}
	}
	for (size_t d = 0; d < n->n_dependent_schemas; d++) {
		if (json_object_get(v, n->dependent_schemas[d].name)
		    && !check(n->dependent_schemas[d].schema, v, c, depth + 1)) {
			ok = 0;
			if (!c->diags)
				return 0;
		}
	}

	json_object_foreach((json_t *)v, key, e) {
		int matched = 0;
		if (n->property_names) {
			sk_diags sub = SK_DIAGS_INIT;
			json_t *name = json_stringn(key, strlen(key));
			if (!check_into(n->property_names, name, c, depth + 1, &sub)) {
				sk_buf b = SK_BUF_INIT;
				first_failure(&b, &sub, c);
				fail(c, "invalid property name \"%s\": %s", key, b.data);
				sk_buf_free(&b);
				ok = 0;
			}
			json_decref(name);
			sk_diags_free(&sub);
			if (!ok && !c->diags)
				return 0;
		}
		for (size_t p = 0; p < n->n_props; p++) {
			if (strcmp(n->props[p].name, key) != 0)
				continue;
			matched = 1;
			path_push(c, key, &saved);
			if (n->props[p].schema->boolean == 0) {
				fail(c, "property \"%s\" is not allowed", key);
				ok = 0;
			} else if (!check(n->props[p].schema, e, c, depth + 1)) {
				ok = 0;
			}
			path_pop(c, saved);
			break;
		}
		for (size_t p = 0; p < n->n_pattern_props; p++) {
			const sk_spattern *pp = &n->pattern_props[p];
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(pp->re, NULL);
			int r = pcre2_match(pp->re, (PCRE2_SPTR)key, strlen(key), 0, 0, md, NULL);
			pcre2_match_data_free(md);
			if (r < 0)
				continue;
			matched = 1;
			path_push(c, key, &saved);
			if (pp->schema->boolean == 0) {
				fail(c, "property \"%s\" is not allowed (it matches %s)", key, pp->source);
				ok = 0;
			} else if (!check(pp->schema, e, c, depth + 1)) {
				ok = 0;
			}
			path_pop(c, saved);
		}
		if (!matched && n->additional) {
			path_push(c, key, &saved);
			if (n->additional->boolean == 0) {
				fail(c, "unknown property \"%s\" (not allowed by the schema)", key);
				ok = 0;
			} else if (!check(n->additional, e, c, depth + 1)) {
				ok = 0;
			}
			path_pop(c, saved);
		}
		if (!ok && !c->diags)
			return 0;
	}
	return ok;
}

static int check_array(const sk_snode *n, const json_t *v, vctx *c, int depth)
{
	int ok = 1;
	size_t size = json_array_size(v), saved;

	if (n->min_items >= 0 && size < (size_t)n->min_items) {
		fail(c, "expected at least %lld item%s, got %zu", n->min_items,
			n->min_items == 1 ? "" : "s", size);
		ok = 0;
	}
	if (n->max_items >= 0 && size > (size_t)n->max_items) {
		fail(c, "expected at most %lld item%s, got %zu", n->max_items,
			n->max_items == 1 ? "" : "s", size);
		ok = 0;
	}
	if (!ok && !c->diags)
		return 0;
	for (size_t i = 0; i < size; i++) {
		const sk_snode *s = i < n->prefix_items.len ? n->prefix_items.items[i] : n->items;
		if (!s)
			continue;
		path_push_index(c, i, &saved);
		if (s->boolean == 0) {
			fail(c, "no item is allowed at this position (the array may hold at most %zu)",
				n->prefix_items.len);
			ok = 0;
		} else if (!check(s, json_array_get(v, i), c, depth + 1)) {
			ok = 0;
		}
		path_pop(c, saved);
		if (!ok && !c->diags)
			return 0;
	}
	if (n->unique_items) {
		for (size_t i = 1; i < size; i++)
			for (size_t j = 0; j < i; j++)
				if (sk_schema__equal(json_array_get(v, i), json_array_get(v, j))) {
					path_push_index(c, i, &saved);
					char *shown = sk_schema__show(json_array_get(v, i));
					fail(c, "expected unique items, got %s again (equal to item %zu)", shown, j);
					free(shown);
					path_pop(c, saved);
					ok = 0;
					if (!c->diags)
						return 0;
					break;
				}
	}
	if (n->contains) {
		long long count = 0;
		for (size_t i = 0; i < size; i++) {
			vctx quiet = {NULL, c->sh};
			path_push_index(c, i, &saved);
			count += check(n->contains, json_array_get(v, i), &quiet, depth + 1);
			path_pop(c, saved);
		}
		if (count < n->min_contains) {
			fail(c, "expected at least %lld item%s matching the \"contains\" schema, got %lld",
				n->min_contains, n->min_contains == 1 ? "" : "s", count);
			ok = 0;
		}
		if (n->max_contains >= 0 && count > n->max_contains) {
			fail(c, "expected at most %lld item%s matching the \"contains\" schema, got %lld",
				n->max_contains, n->max_contains == 1 ? "" : "s", count);
			ok = 0;
		}
	}
	return ok;
}

static int check_string(const sk_snode *n, const json_t *v, vctx *c)
{
	int ok = 1;
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (n->min_length >= 0 || n->max_length >= 0) {
		size_t cps = sk_utf8_length(s, len);
		if (n->min_length >= 0 && cps < (size_t)n->min_length) {
			fail(c, "expected at least %lld character%s, got %zu", n->min_length,
				n->min_length == 1 ? "" : "s", cps);
			ok = 0;
		}
		if (n->max_length >= 0 && cps > (size_t)n->max_length) {
			fail(c, "expected at most %lld character%s, got %zu", n->max_length,
				n->max_length == 1 ? "" : "s", cps);
			ok = 0;
		}
	}
	if (n->pattern.re) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->pattern.re, NULL);
		int r = pcre2_match(n->pattern.re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (r < 0) {
			char *shown = sk_schema__show(v);
			fail(c, "expected a string matching %s, got %s", n->pattern.source, shown);
			free(shown);
			ok = 0;
		}
	}
	if (n->format != SK_FORMAT_NONE) {
		int valid = strlen(s) == len
			&& (n->format == SK_FORMAT_DATE ? sk_date_valid(s) : sk_datetime_valid(s));
		if (!valid) {
			char *shown = sk_schema__show(v);
			fail(c, "expected %s, got %s", n->format == SK_FORMAT_DATE
				? "a date written YYYY-MM-DD that exists"
				: "a date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z)", shown);
			free(shown);
			ok = 0;
		}
	}
	return ok;
}

/* multipleOf without false negatives from binary fractions: integers are
 * checked exactly; otherwise the quotient must be whole up to the rounding
 * the division itself can introduce (a few ulps of the quotient). */
static int multiple_of(const json_t *v, const json_t *m)
{
	if (json_is_integer(v) && json_is_integer(m))
		return json_integer_value(v) % json_integer_value(m) == 0;
	double x = json_number_value(v), d = json_number_value(m);
	double q = x / d;
	if (!isfinite(q))
		return 0;
	double r = fabs(q - nearbyint(q));
	return r <= fabs(q) * 8 * DBL_EPSILON;
}

static int check_number(const sk_snode *n, const json_t *v, vctx *c)
{
	int ok = 1;
	char *shown = NULL, *lim = NULL;
	struct { const json_t *limit; int bad_if; int strict; const char *what; } rules[] = {
		{n->minimum, -1, 0, "at least"},
		{n->maximum, 1, 0, "at most"},
		{n->exclusive_minimum, -1, 1, "more than"},
		{n->exclusive_maximum, 1, 1, "less than"},
	};
	for (size_t i = 0; i < 4; i++) {
		if (!rules[i].limit)
			continue;
		int cmp = sk_schema__numcmp(v, rules[i].limit);
		if (cmp == rules[i].bad_if || (rules[i].strict && cmp == 0)) {
			shown = sk_schema__show(v);
			lim = sk_schema__show(rules[i].limit);
			fail(c, "expected a number %s %s, got %s", rules[i].what, lim, shown);
			free(shown);
			free(lim);
			ok = 0;
		}
	}
	if (n->multiple_of && !multiple_of(v, n->multiple_of)) {
		shown = sk_schema__show(v);
		lim = sk_schema__show(n->multiple_of);
		fail(c, "expected a multiple of %s, got %s", lim, shown);
		free(shown);
		free(lim);
		ok = 0;
	}
	return ok;
}

/* ---- applicators ------------------------------------------------------- */

static int check_any_of(const sk_slist *list, const char *kw, const json_t *v, vctx *c, int depth)
{
	sk_diags *subs = c->diags ? sk_calloc(list->len, sizeof *subs) : NULL;
	size_t matches = 0, first = 0, second = 0;
	int ok;

	for (size_t i = 0; i < list->len; i++) {
		sk_diags scratch = SK_DIAGS_INIT;
		if (check_into(list->items[i], v, c, depth + 1, subs ? &subs[i] : &scratch)) {
			if (matches == 0)
				first = i;
			else if (matches == 1)
				second = i;
			matches++;
			/* anyOf is settled by one match; oneOf by a second. */
			if (strcmp(kw, "anyOf") == 0 || matches > 1)
				break;
		}
	}
	if (strcmp(kw, "oneOf") == 0 && matches > 1) {
		fail(c, "expected to match exactly one schema in oneOf, but it matches both %zu and %zu",
			first, second);
		ok = 0;
	} else if (matches == 0) {
		sk_buf b = SK_BUF_INIT;
		sk_buf_printf(&b, "expected to match %s schema in %s, but it matches none",
			strcmp(kw, "anyOf") == 0 ? "at least one" : "exactly one", kw);
		for (size_t i = 0; subs && i < list->len; i++) {
			sk_buf_printf(&b, "%s %zu: ", i == 0 ? ":" : ";", i);
			first_failure(&b, &subs[i], c);
		}
		fail(c, "%s", b.data);
		sk_buf_free(&b);
		ok = 0;
	} else {
		ok = 1;
	}
	for (size_t i = 0; subs && i < list->len; i++)
		sk_diags_free(&subs[i]);
	free(subs);
	return ok;
}

/* Counts a step and checks the depth; past either limit reports once and
 * makes every later check fail at once. Returns 1 when a limit is hit. */
static int limit_hit(vctx *c, int depth)
{
	if (c->sh->stopped)
		return 1;
	if (depth <= SK_SCHEMA_MAX_DEPTH && ++c->sh->steps <= SK_SCHEMA_MAX_STEPS)
		return 0;
	if (c->sh->top)
		sk_diags_add(c->sh->top, SK_DIAG_ERROR, NULL, 0, 0,
			c->sh->path.data ? c->sh->path.data : "", depth > SK_SCHEMA_MAX_DEPTH
			? "validation nested more than %d levels deep (a very deeply nested value, "
			  "or a $ref cycle in the schema)"
			: "validation stopped after %d steps: the schema is too complex for this value",
			depth > SK_SCHEMA_MAX_DEPTH ? SK_SCHEMA_MAX_DEPTH : SK_SCHEMA_MAX_STEPS);
	c->sh->stopped = 1;
	return 1;
}

/* unevaluatedProperties: which properties of object v did n or the
 * subschemas that succeeded on v evaluate? Marks them as keys of `seen`.
 * `self` leaves out n's own unevaluatedProperties (the one being checked). */
static void collect_evaluated(const sk_snode *n, const json_t *v, vctx *c, int depth,
	json_t *seen, int self)
{
	const char *key;
	json_t *e;
	vctx quiet = {NULL, c->sh};

	if (n->boolean >= 0 || limit_hit(c, depth))
		return;
	json_object_foreach((json_t *)v, key, e) {
		int matched = 0;
		for (size_t p = 0; p < n->n_props; p++)
			if (strcmp(n->props[p].name, key) == 0)
				matched = 1;
		for (size_t p = 0; p < n->n_pattern_props; p++) {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->pattern_props[p].re, NULL);
			if (pcre2_match(n->pattern_props[p].re, (PCRE2_SPTR)key, strlen(key), 0, 0, md, NULL) >= 0)
				matched = 1;
			pcre2_match_data_free(md);
		}
		if (matched || n->additional || (!self && n->unevaluated_props))
			json_object_set_new(seen, key, json_true());
	}
	if (n->ref)
		collect_evaluated(n->ref, v, c, depth + 1, seen, 0);
	for (size_t i = 0; i < n->all_of.len; i++)
		collect_evaluated(n->all_of.items[i], v, c, depth + 1, seen, 0);
	for (size_t i = 0; i < n->any_of.len; i++)
		if (check(n->any_of.items[i], v, &quiet, depth + 1))
			collect_evaluated(n->any_of.items[i], v, c, depth + 1, seen, 0);
	for (size_t i = 0; i < n->one_of.len; i++)
		if (check(n->one_of.items[i], v, &quiet, depth + 1))
			collect_evaluated(n->one_of.items[i], v, c, depth + 1, seen, 0);
	for (size_t i = 0; i < n->n_dependent_schemas; i++)
		if (json_object_get(v, n->dependent_schemas[i].name))
			collect_evaluated(n->dependent_schemas[i].schema, v, c, depth + 1, seen, 0);
	if (n->if_) {
		if (check(n->if_, v, &quiet, depth + 1)) {
			collect_evaluated(n->if_, v, c, depth + 1, seen, 0);
			if (n->then_)
				collect_evaluated(n->then_, v, c, depth + 1, seen, 0);
		} else if (n->else_) {
			collect_evaluated(n->else_, v, c, depth + 1, seen, 0);
		}
	}
}

static int check_unevaluated(const sk_snode *n, const json_t *v, vctx *c, int depth)
{
	int ok = 1;
	const char *key;
	json_t *e;
	size_t saved;
	json_t *seen = json_object();

	collect_evaluated(n, v, c, depth, seen, 1);
	json_object_foreach((json_t *)v, key, e) {
		if (json_object_get(seen, key))
			continue;
		path_push(c, key, &saved);
		if (n->unevaluated_props->boolean == 0) {
			fail(c, "unknown property \"%s\" (not allowed by the schema)", key);
			ok = 0;
		} else if (!check(n->unevaluated_props, e, c, depth + 1)) {
			ok = 0;
		}
		path_pop(c, saved);
		if (!ok && !c->diags)
			break;
	}
	json_decref(seen);
	return ok;
}

static int check(const sk_snode *n, const json_t *v, vctx *c, int depth)
{
	int ok = 1;
	unsigned t;

	if (limit_hit(c, depth))
		return 0;
	if (n->boolean == 1)
		return 1;
	if (n->boolean == 0) {
		fail(c, "no value is allowed here (the schema is false)");
		return 0;
	}
#define STOP_IF_FAILED() do { if (!ok && !c->diags) return 0; } while (0)

	if (n->ref) {
		ok &= check(n->ref, v, c, depth + 1);
		STOP_IF_FAILED();
	}
	t = type_of(v);
	if (n->types && !(n->types & t)) {
		sk_buf b = SK_BUF_INIT;
		char *shown = sk_schema__show(v);
		types_text(&b, n->types);
		fail(c, "expected %s, got %s", b.data, shown);
		free(shown);
		sk_buf_free(&b);
		ok = 0;
		STOP_IF_FAILED();
	}
	if (n->enum_values) {
		size_t i;
		json_t *e;
		int found = 0;
		json_array_foreach(n->enum_values, i, e)
			if (sk_schema__equal(e, v)) {
				found = 1;
				break;
			}
		if (!found) {
			sk_buf b = SK_BUF_INIT;
			json_array_foreach(n->enum_values, i, e) {
				if (i > 0)
					sk_buf_puts(&b, ", ");
				if (json_is_string(e)) {
					sk_buf_puts(&b, json_string_value(e));
				} else {
					char *s = sk_schema__show(e);
					sk_buf_puts(&b, s);
					free(s);
				}
			}
			char *shown = sk_schema__show(v);
			fail(c, "expected one of %s, got %s", b.data, shown);
			free(shown);
			sk_buf_free(&b);
			ok = 0;
			STOP_IF_FAILED();
		}
	}
	if (n->const_value && !sk_schema__equal(n->const_value, v)) {
		char *want = sk_schema__show(n->const_value), *shown = sk_schema__show(v);
		fail(c, "expected %s, got %s", want, shown);
		free(want);
		free(shown);
		ok = 0;
		STOP_IF_FAILED();
	}

	if (t & SK_T_OBJECT)
		ok &= check_object(n, v, c, depth);
	else if (t & SK_T_ARRAY)
		ok &= check_array(n, v, c, depth);
	else if (t & SK_T_STRING)
		ok &= check_string(n, v, c);
	else if (t & SK_T_NUMBER)
		ok &= check_number(n, v, c);
	STOP_IF_FAILED();

	for (size_t i = 0; i < n->all_of.len; i++) {
		ok &= check(n->all_of.items[i], v, c, depth + 1);
		STOP_IF_FAILED();
	}
	if (n->any_of.len) {
		ok &= check_any_of(&n->any_of, "anyOf", v, c, depth);
		STOP_IF_FAILED();
	}
	if (n->one_of.len) {
		ok &= check_any_of(&n->one_of, "oneOf", v, c, depth);
		STOP_IF_FAILED();
	}
	if (n->not_) {
		vctx quiet = {NULL, c->sh};
		if (check(n->not_, v, &quiet, depth + 1)) {
			char *shown = sk_schema__show(v);
			fail(c, "expected not to match the schema at #%s, got %s", n->not_->where, shown);
			free(shown);
			ok = 0;
			STOP_IF_FAILED();
		}
	}
	if (n->if_) {
		vctx quiet = {NULL, c->sh};
		const sk_snode *branch = check(n->if_, v, &quiet, depth + 1) ? n->then_ : n->else_;
		if (branch)
			ok &= check(branch, v, c, depth + 1);
	}
	if (n->unevaluated_props && json_is_object(v)) {
		STOP_IF_FAILED();
		ok &= check_unevaluated(n, v, c, depth);
	}
#undef STOP_IF_FAILED
	return ok;
}

int sk_schema_validate(const sk_schema *schema, const json_t *instance, sk_diags *errors)
{
	vshared sh = {errors, SK_BUF_INIT, 0, 0};
	vctx c = {errors, &sh};
	sk_buf_puts(&sh.path, "");
	int valid = check(schema->root, instance, &c, 0);
	sk_buf_free(&sh.path);
	if (valid && !sh.stopped)
		return 0;
	return sk_error_set(SK_EINVALID, "%s: the value does not match the schema", schema->name);
}
