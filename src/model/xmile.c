/* samskap — model: XMILE import (expat) into samskap's JSON model format.
 *
 * The XML is read without namespace processing, so files with the pre-1.0
 * namespace or an isee: prefix that is never declared load the same way;
 * prefixed vendor elements (isee:..., simlin:...) are skipped. The document
 * becomes a small tree first, then JSON. Whatever the engine cannot run
 * faithfully (modules, macros, several models, other integration methods)
 * is refused with "unsupported: ...". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "model_int.h"

typedef struct xnode xnode;
struct xnode {
	char *name;       /* local name; vendor-prefixed names keep the prefix */
	char **attrs;     /* name, value, ..., NULL */
	sk_buf text;
	xnode **kids;
	size_t nkids;
	xnode *parent;
};

typedef struct xparse {
	xnode *root, *cur;
	int depth;
	int too_deep;
} xparse;

static void xnode_free(xnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		xnode_free(n->kids[i]);
	free(n->kids);
	for (char **a = n->attrs; a && *a; a++)
		free(*a);
	free(n->attrs);
	free(n->name);
	sk_buf_free(&n->text);
	free(n);
}

static const char *local_name(const char *name)
{
	/* keep vendor prefixes so they never match standard elements */
	if (!strncmp(name, "isee:", 5) || !strncmp(name, "simlin:", 7))
		return name;
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	xparse *x = ud;
	if (++x->depth > 200) {
		x->too_deep = 1;
		return;
	}
	xnode *n = sk_calloc(1, sizeof(*n));
	n->name = sk_strdup(local_name(name));
	size_t na = 0;
	while (attrs[na])
		na++;
	n->attrs = sk_calloc(na + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++)
		n->attrs[i] = sk_strdup(i % 2 == 0 ? local_name(attrs[i]) : attrs[i]);
	n->parent = x->cur;
	if (x->cur) {
		x->cur->kids = sk_realloc(x->cur->kids, sk_mul_size(x->cur->nkids + 1, sizeof(xnode *)));
		x->cur->kids[x->cur->nkids++] = n;
	} else if (!x->root) {
		x->root = n;
	} else {
		xnode_free(n);
		return;
	}
	x->cur = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	xparse *x = ud;
	(void)name;
	if (x->depth-- > 200)
		return;
	if (x->cur)
		x->cur = x->cur->parent;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	xparse *x = ud;
	if (x->cur && x->depth <= 200)
		sk_buf_put(&x->cur->text, s, (size_t)len);
}

static const char *attr(const xnode *n, const char *name)
{
	for (char **a = n->attrs; a && a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

static xnode *kid(const xnode *n, const char *name)
{
	for (size_t i = 0; n && i < n->nkids; i++)
		if (!strcmp(n->kids[i]->name, name))
			return n->kids[i];
	return NULL;
}

/* Text of a node with outer whitespace trimmed (caller frees). */
static char *text_of(const xnode *n)
{
	if (!n || !n->text.data)
		return sk_strdup("");
	const char *s = n->text.data;
	size_t len = n->text.len;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return sk_strndup(s, len);
}

static int text_number(const xnode *n, double *out)
{
	char *t = text_of(n), *end;
	double v = strtod(t, &end);
	int ok = *t && *end == '\0';
	free(t);
	if (ok)
		*out = v;
	return ok ? 0 : -1;
}

/* Equation text: newlines inside become spaces. */
static json_t *eqn_json(const xnode *n)
{
	char *t = text_of(n);
	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	json_t *j = json_string(t);
	free(t);
	return j;
}

static int is_true_text(const xnode *n)
{
	char *t = text_of(n);
	int r = !*t || !strcasecmp(t, "true");
	free(t);
	return r;
}

static json_t *number_list(const xnode *n, int *count)
{
	char *t = text_of(n);
	const char *sep = attr(n, "sep");
	char sc = sep && *sep ? sep[0] : ',';
	json_t *arr = json_array();
	char *p = t;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p)
			break;
		json_array_append_new(arr, json_real(v));
		p = end;
		while (*p && (isspace((unsigned char)*p) || *p == sc))
			p++;
	}
	free(t);
	*count = (int)json_array_size(arr);
	return arr;
}

static int gf_json(const xnode *gf, json_t **out, const char *file, const char *vname)
{
	json_t *o = json_object();
	int ny = 0, nx = 0;
	const xnode *yp = kid(gf, "ypts"), *xp = kid(gf, "xpts"), *xs = kid(gf, "xscale");
	*out = NULL;
	if (!yp) {
		json_decref(o);
		return sk_error_set(SK_EINVALID, "%s: graphical function of '%s' has no ypts", file, vname);
	}
	json_object_set_new(o, "y", number_list(yp, &ny));
	if (xp) {
		json_object_set_new(o, "x", number_list(xp, &nx));
		if (nx != ny) {
			json_decref(o);
			return sk_error_set(SK_EINVALID, "%s: graphical function of '%s': %d x points, %d y points",
				file, vname, nx, ny);
		}
	} else if (xs) {
		const char *mn = attr(xs, "min"), *mx = attr(xs, "max");
		json_t *r = json_array();
		json_array_append_new(r, json_real(mn ? strtod(mn, NULL) : 0));
		json_array_append_new(r, json_real(mx ? strtod(mx, NULL) : ny - 1));
		json_object_set_new(o, "x_range", r);
	}
	const char *type = attr(gf, "type");
	const char *disc = attr(gf, "discrete");
	if (type)
		json_object_set_new(o, "type", json_string(!strcasecmp(type, "extrapolate") ? "extrapolate" :
			!strcasecmp(type, "discrete") ? "discrete" : "continuous"));
	else if (disc && !strcasecmp(disc, "true"))
		json_object_set_new(o, "type", json_string("discrete"));
	*out = o;
	return 0;
}

static json_t *dims_json(const xnode *v)
{
	const xnode *ds = kid(v, "dimensions");
	if (!ds)
		return NULL;
	json_t *arr = json_array();
	for (size_t i = 0; i < ds->nkids; i++)
		if (!strcmp(ds->kids[i]->name, "dim") && attr(ds->kids[i], "name"))
			json_array_append_new(arr, json_string(attr(ds->kids[i], "name")));
	return arr;
}

/* One variable (stock, flow, aux) into its JSON definition. */
static int var_json(const xnode *v, json_t **out, const char *file, const int nonneg_default[2])
{
	const char *name = attr(v, "name");
	int is_stock = !strcmp(v->name, "stock");
	int rc = 0;
	*out = NULL;
	if (!name)
		return sk_error_set(SK_EINVALID, "%s: a <%s> has no name", file, v->name);
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name));
	const char *ekey = is_stock ? "initial" : "equation";
	for (size_t i = 0; i < v->nkids && rc == 0; i++) {
		const xnode *k = v->kids[i];
		if (!strcmp(k->name, "eqn")) {
			char *t = text_of(k);
			if (*t)
				json_object_set_new(o, ekey, eqn_json(k));
			free(t);
		} else if (!strcmp(k->name, "init_eqn") || !strcmp(k->name, "isee:init_eqn")) {
			if (is_stock)
				rc = sk_error_set(SK_EINVALID, "%s: stock '%s' has an init_eqn", file, name);
			else
				json_object_set_new(o, "initial", eqn_json(k));
		} else if (!strcmp(k->name, "non_negative")) {
			json_object_set_new(o, "non_negative", json_boolean(is_true_text(k)));
		} else if (!strcmp(k->name, "inflow") || !strcmp(k->name, "outflow")) {
			const char *key = k->name[0] == 'i' ? "inflows" : "outflows";
			json_t *arr = json_object_get(o, key);
			if (!arr) {
				arr = json_array();
				json_object_set_new(o, key, arr);
			}
			char *t = text_of(k);
			json_array_append_new(arr, json_string(t));
			free(t);
		} else if (!strcmp(k->name, "units")) {
			char *t = text_of(k);
			if (*t)
				json_object_set_new(o, "unit", json_string(t));
			free(t);
		} else if (!strcmp(k->name, "gf")) {
			json_t *g;
			if ((rc = gf_json(k, &g, file, name)) == 0)
				json_object_set_new(o, "lookup", g);
		} else if (!strcmp(k->name, "conveyor") || !strcmp(k->name, "queue")) {
			rc = sk_error_set(SK_EUNSUPPORTED, "unsupported: %s stock '%s' (%s)", k->name, name, file);
		} else if (!strcmp(k->name, "element")) {
			json_t *els = json_object_get(o, "elements");
			if (!els) {
				els = json_array();
				json_object_set_new(o, "elements", els);
			}
			json_t *e = json_object();
			const char *sub = attr(k, "subscript");
			json_object_set_new(e, "subscript", json_string(sub ? sub : ""));
			const xnode *ee = kid(k, "eqn");
			if (ee)
				json_object_set_new(e, ekey, eqn_json(ee));
			const xnode *eg = kid(k, "gf");
			if (eg) {
				json_t *g;
				if ((rc = gf_json(eg, &g, file, name)) == 0)
					json_object_set_new(e, "lookup", g);
				if (!ee)
					json_object_set_new(e, ekey, json_string("TIME"));
			}
			json_array_append_new(els, e);
		}
	}
	json_t *d = dims_json(v);
	if (d)
		json_object_set_new(o, "dimensions", d);
	/* <behavior> in the header sets what <non_negative> defaults to */
	if (!json_object_get(o, "non_negative") && !strcmp(v->name, "stock") ? nonneg_default[0] :
		!json_object_get(o, "non_negative") && !strcmp(v->name, "flow") ? nonneg_default[1] : 0)
		json_object_set_new(o, "non_negative", json_true());
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	if (!json_object_get(o, ekey) && !json_object_get(o, "elements") && !json_object_get(o, "lookup")) {
		json_decref(o);
		return sk_error_set(SK_EINVALID, "%s: variable '%s' has no equation", file, name);
	}
	*out = o;
	return 0;
}

/* A <macro>: its parameters, its output equation and its own variables. */
static int macro_json(const xnode *mac, json_t *doc, const char *file)
{
	const char *name = attr(mac, "name");
	if (!name)
		return sk_error_set(SK_EINVALID, "%s: a <macro> has no name", file);
	json_t *o = json_object(), *parms = json_array();
	json_t *secs[3] = {json_array(), json_array(), json_array()};
	int rc = 0;
	static const int no_default[2] = {0, 0};
	json_object_set_new(o, "name", json_string(name));
	for (size_t i = 0; i < mac->nkids && rc == 0; i++) {
		const xnode *k = mac->kids[i];
		if (!strcmp(k->name, "parm")) {
			char *t = text_of(k);
			json_array_append_new(parms, json_string(t));
			free(t);
		} else if (!strcmp(k->name, "eqn")) {
			json_object_set_new(o, "equation", eqn_json(k));
		} else if (!strcmp(k->name, "sim_specs")) {
			rc = sk_error_set(SK_EUNSUPPORTED, "unsupported: macro '%s' with its own sim_specs (%s)",
				name, file);
		} else if (!strcmp(k->name, "variables")) {
			for (size_t j = 0; j < k->nkids && rc == 0; j++) {
				const xnode *v = k->kids[j];
				int s = !strcmp(v->name, "stock") ? 0 : !strcmp(v->name, "flow") ? 1 :
					!strcmp(v->name, "aux") ? 2 : -1;
				if (s < 0) {
					if (!strcmp(v->name, "module"))
						rc = sk_error_set(SK_EUNSUPPORTED, "unsupported: modules inside macro '%s' (%s)",
							name, file);
					continue;
				}
				json_t *vj = NULL;
				/* a flow or aux drawn only to show a parameter has no equation */
				if (s > 0 && !kid(v, "eqn") && !kid(v, "gf")) {
					vj = json_object();
					json_object_set_new(vj, "name", json_string(attr(v, "name") ? attr(v, "name") : "?"));
				} else if ((rc = var_json(v, &vj, file, no_default)) < 0) {
					break;
				}
				json_array_append_new(secs[s], vj);
			}
		}
	}
	json_object_set_new(o, "parameters", parms);
	json_object_set_new(o, "stocks", secs[0]);
	json_object_set_new(o, "flows", secs[1]);
	json_object_set_new(o, "auxiliaries", secs[2]);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	json_t *ms = json_object_get(doc, "macros");
	if (!ms) {
		ms = json_array();
		json_object_set_new(doc, "macros", ms);
	}
	json_array_append_new(ms, o);
	return 0;
}

/* ---- modules: flattened into the main model as "module.variable" ---- */

static void print_node(sk_buf *b, const sk_node *n)
{
	static const char *ops[] = {"", "+", "-", "*", "/", "^", " MOD ", "<", "<=", ">", ">=", "=",
		"<>", " AND ", " OR "};
	switch (n->kind) {
	case SK_N_NUM:
		sk_buf_printf(b, "%.17g", n->num);
		break;
	case SK_N_REF:
	case SK_N_CALL:
		sk_buf_puts(b, n->kind == SK_N_REF ? n->name : n->raw);
		if (n->kind == SK_N_CALL || n->subscripted) {
			sk_buf_putc(b, n->kind == SK_N_CALL ? '(' : '[');
			for (int i = 0; i < n->nargs; i++) {
				if (i)
					sk_buf_puts(b, ", ");
				print_node(b, n->args[i]);
			}
			sk_buf_putc(b, n->kind == SK_N_CALL ? ')' : ']');
		}
		break;
	case SK_N_UN:
		sk_buf_puts(b, n->op == '-' ? "-(" : n->op == '!' ? "NOT (" : "(");
		print_node(b, n->args[0]);
		sk_buf_putc(b, ')');
		break;
	case SK_N_BIN:
		sk_buf_putc(b, '(');
		print_node(b, n->args[0]);
		sk_buf_puts(b, ops[n->op]);
		print_node(b, n->args[1]);
		sk_buf_putc(b, ')');
		break;
	case SK_N_IF:
		sk_buf_puts(b, "(IF ");
		print_node(b, n->args[0]);
		sk_buf_puts(b, " THEN ");
		print_node(b, n->args[1]);
		sk_buf_puts(b, " ELSE ");
		print_node(b, n->args[2]);
		sk_buf_putc(b, ')');
		break;
	case SK_N_STAR:
		sk_buf_putc(b, '*');
		if (n->name)
			sk_buf_printf(b, ":%s", n->name);
		break;
	case SK_N_RANGE:
		print_node(b, n->args[0]);
		sk_buf_putc(b, ':');
		print_node(b, n->args[1]);
		break;
	case SK_N_SLOT:
		break;
	}
}

static int is_local(json_t *locals, const char *key)
{
	return json_object_get(locals, key) != NULL;
}

/* Renames the module's own names in an expression to "module.name". */
static void rename_node(sk_node *n, const char *prefix, json_t *locals)
{
	if (n->kind == SK_N_REF && is_local(locals, n->name)) {
		char *nn = sk_printf("%s.%s", prefix, n->name);
		free(n->name);
		n->name = nn;
	} else if (n->kind == SK_N_CALL && n->raw) {
		char *k = sk_model_name_key(n->raw);
		if (is_local(locals, k)) {
			free(n->raw);
			n->raw = sk_printf("%s.%s", prefix, k);
		}
		free(k);
	}
	for (int i = 0; i < n->nargs; i++)
		if (!(n->kind == SK_N_REF && n->args[i]->kind == SK_N_REF && !is_local(locals, n->args[i]->name)))
			rename_node(n->args[i], prefix, locals);
}

static int rename_eqn(json_t *o, const char *key, const char *prefix, json_t *locals, const char *file)
{
	json_t *eq = json_object_get(o, key);
	if (!json_is_string(eq))
		return 0;
	int col;
	const char *err;
	sk_node *n = sk_model__parse(json_string_value(eq), &col, &err);
	if (!n)
		return sk_error_set(SK_EINVALID, "%s: module %s: equation column %d: %s", file, prefix, col, err);
	rename_node(n, prefix, locals);
	sk_buf b = SK_BUF_INIT;
	print_node(&b, n);
	sk_model__node_free(n);
	json_object_set_new(o, key, json_string(b.data ? b.data : ""));
	sk_buf_free(&b);
	return 0;
}

/* The equation a module input is connected to, from <connect to= from=>
 * in the instance; NULL when it is not connected. Caller frees. */
static char *connected(const xnode *inst, const char *prefix, const char *vname)
{
	char *want = sk_printf("%s.%s", prefix, vname);
	char *wk = sk_model_name_key(want);
	char *hit = NULL;
	free(want);
	for (size_t i = 0; i < inst->nkids && !hit; i++) {
		const xnode *c = inst->kids[i];
		const char *to = attr(c, "to"), *from = attr(c, "from");
		if (strcmp(c->name, "connect") || !to || !from)
			continue;
		char *tk = sk_model_name_key(to);
		if (!strcmp(tk, wk))
			hit = sk_model_name_key(from[0] == '.' ? from + 1 : from);
		free(tk);
	}
	free(wk);
	return hit;
}

static int module_json(const xnode *root, const xnode *inst, json_t *stocks, json_t *flows,
	json_t *auxes, const char *file, const int nonneg[2])
{
	const char *name = attr(inst, "name");
	const char *mname = attr(inst, "model") ? attr(inst, "model") : name;
	const xnode *sub = NULL;
	int rc = 0;
	if (!name)
		return sk_error_set(SK_EINVALID, "%s: a <module> has no name", file);
	for (size_t i = 0; i < root->nkids; i++) {
		const char *n = attr(root->kids[i], "name");
		if (!strcmp(root->kids[i]->name, "model") && n && !strcmp(n, mname))
			sub = root->kids[i];
	}
	const xnode *vars = kid(sub, "variables");
	if (!vars)
		return sk_error_set(SK_EINVALID, "%s: module '%s' names no model of that name", file, name);
	char *prefix = sk_model_name_key(name);
	json_t *locals = json_object();
	for (size_t i = 0; i < vars->nkids; i++) {
		const char *vn = attr(vars->kids[i], "name");
		if (!strcmp(vars->kids[i]->name, "module"))
			rc = sk_error_set(SK_EUNSUPPORTED, "unsupported: modules inside modules ('%s' in %s)",
				name, file);
		if (vn) {
			char *k = sk_model_name_key(vn);
			json_object_set_new(locals, k, json_true());
			free(k);
		}
	}
	for (size_t i = 0; i < vars->nkids && rc == 0; i++) {
		const xnode *k = vars->kids[i];
		const char *vn = attr(k, "name");
		if (!vn || (strcmp(k->name, "stock") && strcmp(k->name, "flow") && strcmp(k->name, "aux")))
			continue;
		char *from = connected(inst, prefix, vn);
		const char *access = attr(k, "access");
		json_t *o = NULL;
		char *key = sk_model_name_key(vn);
		char *full = sk_printf("%s.%s", prefix, key);
		free(key);
		if (from && access && !strcmp(access, "input")) {
			/* an input: the variable it is connected to */
			o = json_object();
			json_object_set_new(o, "name", json_string(full));
			json_object_set_new(o, "equation", json_string(from));
			json_array_append_new(auxes, o);
		} else if ((rc = var_json(k, &o, file, nonneg)) == 0) {
			json_object_set_new(o, "name", json_string(full));
			static const char *keys[] = {"equation", "initial"};
			for (int q = 0; q < 2 && rc == 0; q++)
				rc = rename_eqn(o, keys[q], prefix, locals, file);
			json_t *els = json_object_get(o, "elements");
			size_t e;
			json_t *el;
			json_array_foreach(els, e, el)
				for (int q = 0; q < 2 && rc == 0; q++)
					rc = rename_eqn(el, keys[q], prefix, locals, file);
			for (int dir = 0; dir < 2; dir++) {
				json_t *fl = json_object_get(o, dir ? "outflows" : "inflows");
				for (size_t f = 0; f < json_array_size(fl); f++) {
					char *fk = sk_model_name_key(json_string_value(json_array_get(fl, f)));
					json_array_set_new(fl, f, json_string(fk));
					char *ff = sk_printf("%s.%s", prefix, fk);
					json_array_set_new(fl, f, json_string(ff));
					free(ff);
					free(fk);
				}
			}
			json_array_append_new(k->name[0] == 's' ? stocks : k->name[0] == 'f' ? flows : auxes, o);
		}
		free(from);
		free(full);
	}
	json_decref(locals);
	free(prefix);
	return rc;
}

static int convert(const xnode *root, json_t **out, const char *file)
{
	json_t *doc = json_object();
	int rc = 0;
	*out = NULL;
	if (strcmp(root->name, "xmile") != 0) {
		json_decref(doc);
		return sk_error_set(SK_EINVALID, "%s: not an XMILE file (root element <%s>)", file, root->name);
	}
	const xnode *header = kid(root, "header");
	const xnode *hn = kid(header, "name");
	char *title = hn ? text_of(hn) : NULL;
	if (title && *title)
		json_object_set_new(doc, "name", json_string(title));
	free(title);
	json_object_set_new(doc, "imported_from", json_string(file));
	/* time */
	const xnode *ss = kid(root, "sim_specs");
	json_t *time = json_object();
	double start = 0, stop = 10, dt = 1, v;
	if (ss) {
		if (text_number(kid(ss, "start"), &v) == 0)
			start = v;
		if (text_number(kid(ss, "stop"), &v) == 0)
			stop = v;
		const xnode *dn = kid(ss, "dt");
		if (dn && text_number(dn, &v) == 0) {
			const char *rec = attr(dn, "reciprocal");
			dt = rec && !strcasecmp(rec, "true") ? 1 / v : v;
		}
		const char *meth = attr(ss, "method");
		if (meth && strcasecmp(meth, "euler") && strcasecmp(meth, "rk4")) {
			json_decref(doc);
			json_decref(time);
			return sk_error_set(SK_EUNSUPPORTED, "unsupported: integration method '%s' (%s)", meth, file);
		}
		json_object_set_new(time, "method", json_string(meth && !strcasecmp(meth, "rk4") ? "rk4" : "euler"));
		const char *tu = attr(ss, "time_units");
		if (tu)
			json_object_set_new(time, "units", json_string(tu));
		const char *si = attr(ss, "isee:save_interval");
		if (si && strtod(si, NULL) > 0)
			json_object_set_new(time, "saveper", json_real(strtod(si, NULL)));
	}
	json_object_set_new(time, "start", json_real(start));
	json_object_set_new(time, "stop", json_real(stop));
	json_object_set_new(time, "dt", json_real(dt));
	json_object_set_new(doc, "time", time);
	/* dimensions */
	const xnode *dims = kid(root, "dimensions");
	if (dims) {
		json_t *arr = json_array();
		for (size_t i = 0; i < dims->nkids; i++) {
			const xnode *d = dims->kids[i];
			if (strcmp(d->name, "dim"))
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(attr(d, "name") ? attr(d, "name") : "?"));
			json_t *els = json_array();
			for (size_t k = 0; k < d->nkids; k++)
				if (!strcmp(d->kids[k]->name, "elem") && attr(d->kids[k], "name"))
					json_array_append_new(els, json_string(attr(d->kids[k], "name")));
			if (json_array_size(els))
				json_object_set_new(o, "elements", els);
			else {
				json_decref(els);
				const char *sz = attr(d, "size");
				json_object_set_new(o, "size", json_integer(sz ? atoi(sz) : 1));
			}
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, "dimensions", arr);
	}
	/* exactly one model, no macros */
	const xnode *model = NULL;
	for (size_t i = 0; i < root->nkids; i++) {
		const xnode *k = root->kids[i];
		if (!strcmp(k->name, "macro")) {
			if ((rc = macro_json(k, doc, file)) < 0) {
				json_decref(doc);
				return rc;
			}
			continue;
		}
		if (!strcmp(k->name, "model") && (!model || (attr(model, "name") && !attr(k, "name"))))
			model = k;
	}
	const xnode *vars = kid(model, "variables");
	if (!model || !vars) {
		json_decref(doc);
		return sk_error_set(SK_EINVALID, "%s: no <model> with <variables>", file);
	}
	int nonneg[2] = {0, 0};
	const xnode *beh = kid(root, "behavior");
	if (beh) {
		if (kid(beh, "non_negative"))
			nonneg[0] = nonneg[1] = is_true_text(kid(beh, "non_negative"));
		if (kid(kid(beh, "stock"), "non_negative"))
			nonneg[0] = is_true_text(kid(kid(beh, "stock"), "non_negative"));
		if (kid(kid(beh, "flow"), "non_negative"))
			nonneg[1] = is_true_text(kid(kid(beh, "flow"), "non_negative"));
	}
	json_t *stocks = json_array(), *flows = json_array(), *auxes = json_array(),
		*lookups = json_array();
	for (size_t i = 0; i < vars->nkids && rc == 0; i++) {
		const xnode *k = vars->kids[i];
		json_t *o = NULL;
		if (!strcmp(k->name, "stock") || !strcmp(k->name, "flow") || !strcmp(k->name, "aux")) {
			if ((rc = var_json(k, &o, file, nonneg)) < 0)
				break;
			json_array_append_new(k->name[0] == 's' ? stocks : k->name[0] == 'f' ? flows : auxes, o);
		} else if (!strcmp(k->name, "gf")) {
			const char *name = attr(k, "name");
			if (!name) {
				rc = sk_error_set(SK_EINVALID, "%s: a <gf> has no name", file);
				break;
			}
			if ((rc = gf_json(k, &o, file, name)) < 0)
				break;
			json_object_set_new(o, "name", json_string(name));
			json_array_append_new(lookups, o);
		} else if (!strcmp(k->name, "module")) {
			rc = module_json(root, k, stocks, flows, auxes, file, nonneg);
		}
	}
	json_object_set_new(doc, "stocks", stocks);
	json_object_set_new(doc, "flows", flows);
	json_object_set_new(doc, "auxiliaries", auxes);
	if (json_array_size(lookups))
		json_object_set_new(doc, "lookups", lookups);
	else
		json_decref(lookups);
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int sk_model_import_xmile(char **out_json, const char *xml, size_t len, const char *file)
{
	xparse x;
	json_t *doc = NULL;
	int rc = 0;
	memset(&x, 0, sizeof(x));
	*out_json = NULL;
	if (!file)
		file = "model.xmile";
	XML_Parser p = XML_ParserCreate("UTF-8");
	XML_SetUserData(p, &x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (len > (size_t)INT32_MAX) {
		rc = sk_error_set(SK_ETOOBIG, "%s: file too large", file);
		goto done;
	}
	if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR) {
		rc = sk_error_set(SK_EINVALID, "%s:%lu:%lu: %s", file,
			(unsigned long)XML_GetCurrentLineNumber(p),
			(unsigned long)XML_GetCurrentColumnNumber(p) + 1,
			XML_ErrorString(XML_GetErrorCode(p)));
		goto done;
	}
	if (x.too_deep) {
		rc = sk_error_set(SK_EINVALID, "%s: elements nested too deeply", file);
		goto done;
	}
	if (!x.root) {
		rc = sk_error_set(SK_EINVALID, "%s: empty document", file);
		goto done;
	}
	if ((rc = convert(x.root, &doc, file)) < 0)
		goto done;
	*out_json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (!*out_json)
		rc = sk_error_set(SK_ERROR, "%s: could not write the JSON model", file);
done:
	XML_ParserFree(p);
	xnode_free(x.root);
	json_decref(doc);
	return rc;
}
