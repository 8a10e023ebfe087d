/* samskap — model: the compiler. JSON model → flat slots and bytecode.
 *
 * Every variable is expanded to one slot per array element. Each slot gets
 * its own short program (its equation compiled in the context of its
 * element, so a dimension name in a subscript means "my index along that
 * dimension"). Stateful builtins (SMTH1, DELAY3, INIT, ...) become hidden
 * stocks, flows and auxiliaries, so the stepper only knows stocks, flows,
 * auxiliaries and constants. The slots' programs are then concatenated in
 * dependency order into one program for the initial values and one for a
 * step, which the stepper runs without allocating. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

#define MAX_STACK 256

/* ---- a small string → int map ------------------------------------------ */

typedef struct kmap {
	char **keys;
	int *vals;
	size_t cap, len;
} kmap;

static uint64_t khash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int kmap_get(const kmap *km, const char *key)
{
	if (!km->cap)
		return -1;
	for (size_t i = khash(key) & (km->cap - 1);; i = (i + 1) & (km->cap - 1)) {
		if (!km->keys[i])
			return -1;
		if (strcmp(km->keys[i], key) == 0)
			return km->vals[i];
	}
}

static void kmap_put(kmap *km, const char *key, int val)
{
	if ((km->len + 1) * 2 > km->cap) {
		kmap old = *km;
		km->cap = old.cap ? old.cap * 2 : 64;
		km->keys = sk_calloc(km->cap, sizeof(char *));
		km->vals = sk_calloc(km->cap, sizeof(int));
		km->len = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i])
				kmap_put(km, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	size_t i = khash(key) & (km->cap - 1);
	while (km->keys[i] && strcmp(km->keys[i], key) != 0)
		i = (i + 1) & (km->cap - 1);
	if (!km->keys[i])
		km->len++;
	km->keys[i] = (char *)key;
	km->vals[i] = val;
}

static void kmap_free(kmap *km)
{
	free(km->keys);
	free(km->vals);
}

/* ---- compile state ------------------------------------------------------ */

typedef struct eqn_set {
	sk_node **nodes;   /* one per element, or one for all (apply-to-all) */
	int per_elem;
	sk_node *init;     /* an auxiliary's active initial, apply-to-all */
} eqn_set;

typedef struct compiler {
	sk_model *m;
	kmap vars;
	eqn_set *eqns;     /* per variable */
	int *const_state;  /* per variable: 0 unknown, 1 in progress */
	const char *file;
	const char *base_dir;
	json_t *doc;
} compiler;

/* The local names of one macro call: parameters and the macro's own
 * variables, each a slot. */
typedef struct mscope {
	char **keys;
	int *slots;
	int n;
	int depth;
} mscope;

typedef struct emitter {
	compiler *c;
	int var;           /* the variable whose equation this is, or -1 */
	const int *cidx;   /* element index along each of var's dims */
	sk_ins *code;
	size_t n, cap;
	int *deps;
	size_t nd, capd;
	int depth, maxdepth;
	int star;          /* inside SUM(expr): 1 + the element '*' stands for */
	const mscope *scope; /* inside a macro: its local names */
} emitter;

static const char *var_name(const compiler *c, int var)
{
	return var >= 0 ? c->m->vars[var].name : "(hidden)";
}

static int err_at(emitter *e, const sk_node *n, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int err_at(emitter *e, const sk_node *n, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == SK_EUNSUPPORTED)
		return sk_error_set(code, "unsupported: %s (%s: variable '%s')", msg,
			e->c->file, var_name(e->c, e->var));
	return sk_error_set(code, "%s: variable '%s': equation column %d: %s", e->c->file,
		var_name(e->c, e->var), n ? n->col : 0, msg);
}

static void put(emitter *e, int op, int a, double k, int dstack)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->code = sk_realloc(e->code, sk_mul_size(e->cap, sizeof(*e->code)));
	}
	e->code[e->n].op = op;
	e->code[e->n].a = a;
	e->code[e->n].k = k;
	e->n++;
	e->depth += dstack;
	if (e->depth > e->maxdepth)
		e->maxdepth = e->depth;
}

static void add_dep(emitter *e, int slot)
{
	/* duplicates are harmless to the sort; only short lists are kept
	 * tidy, so SUM over 100 000 elements stays linear */
	for (size_t i = 0; i < e->nd && e->nd <= 32; i++)
		if (e->deps[i] == slot)
			return;
	if (e->nd == e->capd) {
		e->capd = e->capd ? e->capd * 2 : 8;
		e->deps = sk_realloc(e->deps, sk_mul_size(e->capd, sizeof(int)));
	}
	e->deps[e->nd++] = slot;
}

static void load(emitter *e, int slot)
{
	put(e, SK_I_LOAD, slot, 0, 1);
	add_dep(e, slot);
}

static int new_slot(sk_model *m, sk_slot_kind kind)
{
	if (m->nslots == 0 || (m->nslots >= 16 && (m->nslots & (m->nslots - 1)) == 0)) {
		size_t cap = m->nslots ? (size_t)m->nslots * 2 : 16;
		m->slots = sk_realloc(m->slots, sk_mul_size(cap, sizeof(sk_slot)));
	}
	sk_slot *s = &m->slots[m->nslots];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->var = -1;
	return m->nslots++;
}

/* Gives slot `slot` the code in e (taking it over). */
static void slot_take(sk_model *m, int slot, emitter *e)
{
	sk_slot *s = &m->slots[slot];
	free(s->code);
	free(s->deps);
	s->code = e->code;
	s->ncode = e->n;
	s->deps = e->deps;
	s->ndeps = e->nd;
	e->code = NULL;
	e->deps = NULL;
	e->n = e->cap = e->nd = e->capd = 0;
}

static int emit(emitter *e, const sk_node *n);

/* Compiles `n` in e's element context into a new hidden slot. */
static int hidden(emitter *e, sk_slot_kind kind, const sk_node *n, int *out)
{
	emitter sub = {e->c, e->var, e->cidx, NULL, 0, 0, NULL, 0, 0, 0, 0, e->star, e->scope};
	int rc = emit(&sub, n);
	if (rc < 0 || sub.maxdepth > MAX_STACK) {
		free(sub.code);
		free(sub.deps);
		if (rc == 0)
			rc = err_at(e, n, SK_EINVALID, "equation too deeply nested");
		return rc;
	}
	*out = new_slot(e->c->m, kind);
	slot_take(e->c->m, *out, &sub);
	return 0;
}

/* Same, for a node the compiler built (freed here). */
static int hidden_built(emitter *e, sk_slot_kind kind, sk_node *n, int *out)
{
	int rc = hidden(e, kind, n, out);
	sk_model__node_free(n);
	return rc;
}

static void add_link(sk_model *m, int stock, int flow, double sign)
{
	if (m->nlinks == 0 || (m->nlinks >= 16 && (m->nlinks & (m->nlinks - 1)) == 0)) {
		size_t cap = m->nlinks ? (size_t)m->nlinks * 2 : 16;
		m->links = sk_realloc(m->links, sk_mul_size(cap, sizeof(sk_link)));
	}
	m->links[m->nlinks].stock = stock;
	m->links[m->nlinks].flow = flow;
	m->links[m->nlinks].sign = sign;
	m->nlinks++;
}

/* ---- name resolution ---------------------------------------------------- */

static int find_dim(const sk_model *m, const char *key)
{
	for (int i = 0; i < m->ndims; i++)
		if (strcmp(m->dims[i].key, key) == 0)
			return i;
	return -1;
}

static int find_elem(const sk_dim *d, const char *key)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->ekeys[i], key) == 0)
			return i;
	return -1;
}

/* The context's index along dimension `dim` (directly, or through a
 * sub-range relation), or -1 when the context does not span it. */
static int ctx_index(const emitter *e, int dim)
{
	if (e->var < 0 && !e->cidx)
		return -1;
	const sk_model *m = e->c->m;
	if (e->var < 0)
		return -1;
	const sk_var *v = &m->vars[e->var];
	for (int i = 0; i < v->ndims; i++)
		if (v->dims[i] == dim)
			return e->cidx[i];
	/* the context runs over a sub-range of dim: map up */
	for (int i = 0; i < v->ndims; i++) {
		const sk_dim *cd = &m->dims[v->dims[i]];
		if (cd->parent == dim)
			return cd->pmap[e->cidx[i]];
	}
	/* dim is a sub-range of the context's dimension: map down */
	const sk_dim *d = &m->dims[dim];
	if (d->parent >= 0) {
		for (int i = 0; i < v->ndims; i++)
			if (v->dims[i] == d->parent) {
				for (int k = 0; k < d->n; k++)
					if (d->pmap[k] == e->cidx[i])
						return k;
				return -2;
			}
	}
	return -1;
}

typedef struct idxlist {
	int *v;
	int n;
	int dynamic;          /* position holds a run-time index */
	const sk_node *expr;  /* the index expression */
} idxlist;

static void il_add(idxlist *l, int i)
{
	/* capacity doubles at powers of two */
	if (l->n == 0 || (l->n >= 8 && (l->n & (l->n - 1)) == 0))
		l->v = sk_realloc(l->v, sk_mul_size(l->n ? (size_t)l->n * 2 : 8, sizeof(int)));
	l->v[l->n++] = i;
}

static void il_all(idxlist *l, int n)
{
	for (int i = 0; i < n; i++)
		il_add(l, i);
}

static int const_value(compiler *c, const sk_node *n, double *out);

/* An element named by a subscript node along dimension d, or -1. */
static int sub_elem(compiler *c, const sk_dim *d, const sk_node *s)
{
	if (s->kind == SK_N_NUM) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.15g", s->num);
		int k = find_elem(d, buf);
		if (k >= 0)
			return k;
		double ip = floor(s->num);
		if (ip == s->num && ip >= 1 && ip <= d->n)
			return (int)ip - 1;
		return -1;
	}
	if (s->kind == SK_N_REF && !s->subscripted) {
		int k = find_elem(d, s->name);
		if (k >= 0)
			return k;
		const char *dot = strchr(s->name, '.');
		if (dot && (size_t)(dot - s->name) == strlen(d->key) &&
			strncmp(s->name, d->key, (size_t)(dot - s->name)) == 0)
			return find_elem(d, dot + 1);
	}
	(void)c;
	return -1;
}

/* Resolves a reference to the slots it names. In an aggregate (agg = 1)
 * stars, ranges and dimensions the context lacks expand to every element. */
static int resolve(emitter *e, const sk_node *n, int agg, int **slots, int *count,
	idxlist *dyn_out, int *dyn_pos)
{
	compiler *c = e->c;
	sk_model *m = c->m;
	int vi = kmap_get(&c->vars, n->name);
	*slots = NULL;
	*count = 0;
	if (dyn_pos)
		*dyn_pos = -1;
	if (vi < 0)
		return err_at(e, n, SK_EINVALID, "unknown name '%s'", n->raw ? n->raw : n->name);
	const sk_var *v = &m->vars[vi];
	if (!n->subscripted && v->ndims == 0) {
		*slots = sk_malloc(sizeof(int));
		(*slots)[0] = v->base;
		*count = 1;
		return 0;
	}
	if (n->subscripted && n->nargs != v->ndims)
		return err_at(e, n, SK_EINVALID, "'%s' has %d dimension(s), %d subscript(s) given",
			v->name, v->ndims, n->nargs);
	int rc = 0;
	idxlist *L = sk_calloc((size_t)v->ndims, sizeof(idxlist));
	for (int p = 0; p < v->ndims && rc == 0; p++) {
		const sk_dim *d = &m->dims[v->dims[p]];
		const sk_node *s = n->subscripted ? n->args[p] : NULL;
		if (!s) {
			int k = ctx_index(e, v->dims[p]);
			if (k >= 0) {
				il_add(&L[p], k);
			} else if (agg) {
				il_all(&L[p], d->n);
			} else {
				/* positional mapping onto a context dimension of the same size */
				int mapped = -1;
				if (e->var >= 0) {
					const sk_var *cv = &m->vars[e->var];
					if (p < cv->ndims && m->dims[cv->dims[p]].n == d->n)
						mapped = e->cidx[p];
				}
				if (mapped < 0)
					rc = err_at(e, n, SK_EINVALID,
						"'%s' is an array over '%s', which this equation does not run over",
						v->name, d->name);
				else
					il_add(&L[p], mapped);
			}
			continue;
		}
		if (s->kind == SK_N_STAR && !agg && e->star) {
			/* one term of SUM(expr): '*' is the current element */
			int k = e->star - 1;
			if (s->name) {
				int sd = find_dim(m, s->name);
				if (sd >= 0 && m->dims[sd].parent == v->dims[p])
					k = k < m->dims[sd].n ? m->dims[sd].pmap[k] : -1;
			}
			if (k < 0 || k >= d->n)
				rc = err_at(e, s, SK_EINVALID, "'*' ranges differ in size in '%s'", v->name);
			else
				il_add(&L[p], k);
			continue;
		}
		if (s->kind == SK_N_STAR) {
			if (s->name) {
				int sd = find_dim(m, s->name);
				if (sd >= 0 && m->dims[sd].parent == v->dims[p]) {
					for (int k = 0; k < m->dims[sd].n; k++)
						il_add(&L[p], m->dims[sd].pmap[k]);
					continue;
				}
			}
			il_all(&L[p], d->n);
			continue;
		}
		if (s->kind == SK_N_RANGE) {
			int a = sub_elem(c, d, s->args[0]), b = sub_elem(c, d, s->args[1]);
			if (a < 0 || b < 0 || b < a) {
				rc = err_at(e, s, SK_EINVALID, "bad range in the subscripts of '%s'", v->name);
				continue;
			}
			for (int k = a; k <= b; k++)
				il_add(&L[p], k);
			continue;
		}
		if (s->kind == SK_N_REF && !s->subscripted) {
			int sd = find_dim(m, s->name);
			if (sd >= 0) {
				int k = -1;
				if (sd == v->dims[p] || m->dims[sd].parent == v->dims[p] ||
					m->dims[v->dims[p]].parent == sd) {
					k = ctx_index(e, sd);
					if (k >= 0 && sd != v->dims[p]) {
						/* translate between the sub-range and its parent */
						const sk_dim *sdd = &m->dims[sd];
						if (sdd->parent == v->dims[p])
							k = sdd->pmap[k];
						else {
							const sk_dim *vd = &m->dims[v->dims[p]];
							int kk = -1;
							for (int q = 0; q < vd->n; q++)
								if (vd->pmap[q] == k)
									kk = q;
							k = kk;
						}
					}
				} else {
					/* another dimension of the same size: by position */
					int ck = ctx_index(e, sd);
					if (ck >= 0 && m->dims[sd].n == d->n)
						k = ck;
				}
				if (k >= 0)
					il_add(&L[p], k);
				else if (agg && ctx_index(e, sd) == -1) {
					if (sd == v->dims[p])
						il_all(&L[p], d->n);
					else if (m->dims[sd].parent == v->dims[p])
						for (int q = 0; q < m->dims[sd].n; q++)
							il_add(&L[p], m->dims[sd].pmap[q]);
					else
						rc = err_at(e, s, SK_EINVALID, "dimension '%s' does not fit '%s'",
							m->dims[sd].name, v->name);
				} else
					rc = err_at(e, s, SK_EINVALID,
						"dimension '%s' is not one this equation runs over",
						m->dims[sd].name);
				continue;
			}
		}
		int k = sub_elem(c, d, s);
		if (k >= 0) {
			il_add(&L[p], k);
			continue;
		}
		double cv;
		if (const_value(c, s, &cv) == 0) {
			double ip = floor(cv + 1e-9);
			if (ip >= 1 && ip <= d->n) {
				il_add(&L[p], (int)ip - 1);
				continue;
			}
			rc = err_at(e, s, SK_EINVALID, "subscript %g out of range for '%s'", cv, v->name);
			continue;
		}
		sk_error_clear();
		if (!dyn_out || (dyn_pos && *dyn_pos >= 0)) {
			rc = err_at(e, s, SK_EINVALID, "cannot resolve subscript of '%s'", v->name);
			continue;
		}
		*dyn_pos = p;
		L[p].dynamic = 1;
		L[p].expr = s;
		il_all(&L[p], d->n);
	}
	if (rc == 0) {
		int total = 1;
		for (int p = 0; p < v->ndims; p++)
			total *= L[p].n;
		*slots = sk_malloc(sk_mul_size((size_t)total, sizeof(int)));
		int *pos = sk_calloc((size_t)v->ndims + 1, sizeof(int));
		for (int t = 0; t < total; t++) {
			int lin = 0;
			for (int p = 0; p < v->ndims; p++)
				lin = lin * m->dims[v->dims[p]].n + L[p].v[pos[p]];
			(*slots)[t] = v->base + lin;
			for (int p = v->ndims - 1; p >= 0; p--) {
				if (++pos[p] < L[p].n)
					break;
				pos[p] = 0;
			}
		}
		free(pos);
		*count = total;
		if (dyn_pos && *dyn_pos >= 0)
			*dyn_out = L[*dyn_pos];
	}
	for (int p = 0; p < v->ndims; p++)
		if (!(dyn_pos && *dyn_pos == p && rc == 0))
			free(L[p].v);
	free(L);
	if (rc < 0) {
		free(*slots);
		*slots = NULL;
	}
	return rc;
}

/* ---- constant folding (for DELAYN orders and subscripts) ----------------- */

static int var_const(compiler *c, int vi, double *out);

static int const_value(compiler *c, const sk_node *n, double *out)
{
	double a, b;
	switch (n->kind) {
	case SK_N_NUM:
		*out = n->num;
		return 0;
	case SK_N_UN:
		if (const_value(c, n->args[0], &a) < 0)
			return -1;
		*out = n->op == '-' ? -a : n->op == '!' ? (a == 0) : a;
		return 0;
	case SK_N_BIN:
		if (const_value(c, n->args[0], &a) < 0 || const_value(c, n->args[1], &b) < 0)
			return -1;
		switch (n->op) {
		case SK_OP_ADD: *out = a + b; return 0;
		case SK_OP_SUB: *out = a - b; return 0;
		case SK_OP_MUL: *out = a * b; return 0;
		case SK_OP_DIV: *out = a / b; return 0;
		case SK_OP_POW: *out = pow(a, b); return 0;
		case SK_OP_MOD: *out = a - b * floor(a / b); return 0;
		default: return -1;
		}
	case SK_N_CALL:
		/* the few functions whose value at the start is known: the
		 * order of DELAYN and SMTHN is fixed when the run starts */
		if (!strcmp(n->name, "STEP") && n->nargs == 2) {
			if (const_value(c, n->args[0], &a) < 0 || const_value(c, n->args[1], &b) < 0)
				return -1;
			*out = c->m->start >= b ? a : 0;
			return 0;
		}
		if ((!strcmp(n->name, "MIN") || !strcmp(n->name, "MAX")) && n->nargs == 2) {
			if (const_value(c, n->args[0], &a) < 0 || const_value(c, n->args[1], &b) < 0)
				return -1;
			*out = (n->name[1] == 'I') == (a < b) ? a : b;
			return 0;
		}
		return -1;
	case SK_N_REF: {
		if (n->subscripted)
			return -1;
		int vi = kmap_get(&c->vars, n->name);
		if (vi < 0 && (!strcmp(n->name, "dt") || !strcmp(n->name, "time_step"))) {
			*out = c->m->dt;
			return 0;
		}
		if (vi < 0 || c->m->vars[vi].ndims)
			return -1;
		return var_const(c, vi, out);
	}
	default:
		return -1;
	}
}

static int var_const(compiler *c, int vi, double *out)
{
	sk_var *v = &c->m->vars[vi];
	if (v->kind == SK_SLOT_STOCK || v->gf >= 0 || c->eqns[vi].per_elem || !c->eqns[vi].nodes ||
		!c->eqns[vi].nodes[0] || c->const_state[vi])
		return -1;
	c->const_state[vi] = 1;
	int rc = const_value(c, c->eqns[vi].nodes[0], out);
	c->const_state[vi] = 0;
	return rc;
}

/* ---- code generation ---------------------------------------------------- */

static int fn1_id(const char *name)
{
	static const struct { const char *n; int id; } t[] = {
		{"ABS", SK_F_ABS}, {"SQRT", SK_F_SQRT}, {"EXP", SK_F_EXP}, {"LN", SK_F_LN},
		{"LOG10", SK_F_LOG10}, {"INT", SK_F_INT}, {"SIN", SK_F_SIN}, {"COS", SK_F_COS},
		{"TAN", SK_F_TAN}, {"ARCSIN", SK_F_ASIN}, {"ARCCOS", SK_F_ACOS},
		{"ARCTAN", SK_F_ATAN}, {"INTEGER", SK_F_INT}, {"SINH", SK_F_SINH}, {"COSH", SK_F_COSH},
		{"TANH", SK_F_TANH}, {"LOG", SK_F_LOG10}, {NULL, 0}};
	for (int i = 0; t[i].n; i++)
		if (strcmp(t[i].n, name) == 0)
			return t[i].id;
	return 0;
}

static int agg_id(const char *name)
{
	if (!strcmp(name, "SUM") || !strcmp(name, "VSUM")) return SK_AGG_SUM;
	if (!strcmp(name, "PROD") || !strcmp(name, "VPROD")) return SK_AGG_PROD;
	if (!strcmp(name, "MEAN")) return SK_AGG_MEAN;
	if (!strcmp(name, "MIN") || !strcmp(name, "VMIN")) return SK_AGG_MIN;
	if (!strcmp(name, "MAX") || !strcmp(name, "VMAX")) return SK_AGG_MAX;
	if (!strcmp(name, "STDDEV")) return SK_AGG_STDDEV;
	if (!strcmp(name, "SIZE")) return SK_AGG_SIZE;
	return -1;
}

static int emit_args(emitter *e, const sk_node *n)
{
	for (int i = 0; i < n->nargs; i++) {
		int rc = emit(e, n->args[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The number of elements a '*' in expression n runs over (0 when there is
 * none): SUM(a[*] * b[*]) sums the products element by element. */
static int star_count(compiler *c, const sk_node *n)
{
	if (n->kind == SK_N_REF && n->subscripted) {
		int vi = kmap_get(&c->vars, n->name);
		for (int p = 0; vi >= 0 && p < n->nargs && p < c->m->vars[vi].ndims; p++) {
			const sk_node *s = n->args[p];
			if (s->kind != SK_N_STAR)
				continue;
			int sd = s->name ? find_dim(c->m, s->name) : -1;
			return sd >= 0 ? c->m->dims[sd].n : c->m->dims[c->m->vars[vi].dims[p]].n;
		}
		return 0;
	}
	if (n->kind == SK_N_REF)
		return 0;
	for (int i = 0; i < n->nargs; i++) {
		int k = star_count(c, n->args[i]);
		if (k)
			return k;
	}
	return 0;
}

/* An aggregate over one array argument (or several scalars). */
static int emit_agg(emitter *e, const sk_node *n, int kind)
{
	sk_model *m = e->c->m;
	int *all = NULL, nall = 0, rc = 0;
	for (int i = 0; i < n->nargs && rc == 0; i++) {
		const sk_node *a = n->args[i];
		int *s = NULL, cnt = 0;
		if (a->kind == SK_N_REF && kmap_get(&e->c->vars, a->name) >= 0) {
			rc = resolve(e, a, 1, &s, &cnt, NULL, NULL);
		} else if (!e->star && (cnt = star_count(e->c, a)) > 0) {
			s = sk_malloc(sizeof(int) * (size_t)cnt);
			for (int k = 0; k < cnt && rc == 0; k++) {
				e->star = k + 1;
				rc = hidden(e, SK_SLOT_AUX, a, &s[k]);
			}
			e->star = 0;
		} else {
			int h;
			rc = hidden(e, SK_SLOT_AUX, a, &h);
			if (rc == 0) {
				s = sk_malloc(sizeof(int));
				s[0] = h;
				cnt = 1;
			}
		}
		if (rc == 0) {
			all = sk_realloc(all, sk_mul_size((size_t)(nall + cnt) + 1, sizeof(int)));
			memcpy(all + nall, s, (size_t)cnt * sizeof(int));
			nall += cnt;
		}
		free(s);
	}
	if (rc < 0) {
		free(all);
		return rc;
	}
	for (int i = 0; i < nall; i++)
		add_dep(e, all[i]);
	m->aggs = sk_realloc(m->aggs, sk_mul_size((size_t)m->naggs + 1, sizeof(sk_agg)));
	m->aggs[m->naggs].kind = kind;
	m->aggs[m->naggs].slots = all;
	m->aggs[m->naggs].n = nall;
	put(e, SK_I_AGG, m->naggs++, 0, 1);
	return 0;
}

static sk_node *slotn(int s)
{
	return sk_model__node_slot(s);
}

/* A hidden stock with an initial-value slot; returns its slot. */
static int hidden_stock(emitter *e, int init_slot, int *out)
{
	sk_node *n = slotn(init_slot);
	return hidden_built(e, SK_SLOT_STOCK, n, out);
}

/* SMTHN / DELAYN / TREND / FORCST expanded into hidden stocks and flows.
 * kind: 's' smooth, 'd' material delay, 't' trend, 'f' forecast. */
static int emit_stateful(emitter *e, const sk_node *n, int kind, int order, int has_init)
{
	sk_model *m = e->c->m;
	int rc, in, tau, init = -1;
	if ((rc = hidden(e, SK_SLOT_AUX, n->args[0], &in)) < 0)
		return rc;
	if ((rc = hidden(e, SK_SLOT_AUX, n->args[1], &tau)) < 0)
		return rc;
	int argi = (kind == 's' || kind == 'd') ? (order > 0 && n->nargs >= 3 &&
		(!strcmp(n->name, "SMTHN") || !strcmp(n->name, "DELAYN")) ? 3 : 2) : 2;
	if (kind == 'f')
		argi = 3;
	if (has_init && n->nargs > argi) {
		if ((rc = hidden(e, SK_SLOT_INITONLY, n->args[argi], &init)) < 0)
			return rc;
	}
	if (kind == 't' || kind == 'f') {
		/* avg = SMTH1(in, tau, in / (1 + init * tau)) */
		sk_node *iv;
		if (init >= 0)
			iv = sk_model__node_bin(SK_OP_DIV, slotn(in), sk_model__node_bin(SK_OP_ADD,
				sk_model__node_num(1), sk_model__node_bin(SK_OP_MUL, slotn(init), slotn(tau))));
		else
			iv = slotn(in);
		int ivs, S, F;
		if ((rc = hidden_built(e, SK_SLOT_INITONLY, iv, &ivs)) < 0)
			return rc;
		if ((rc = hidden_stock(e, ivs, &S)) < 0)
			return rc;
		if ((rc = hidden_built(e, SK_SLOT_FLOW, sk_model__node_bin(SK_OP_DIV,
			sk_model__node_bin(SK_OP_SUB, slotn(in), slotn(S)), slotn(tau)), &F)) < 0)
			return rc;
		add_link(m, S, F, 1);
		sk_node *tr = sk_model__node_bin(SK_OP_DIV, sk_model__node_bin(SK_OP_SUB, slotn(in),
			slotn(S)), sk_model__node_bin(SK_OP_MUL, slotn(S), slotn(tau)));
		if (kind == 'f') {
			int hz;
			if ((rc = hidden(e, SK_SLOT_AUX, n->args[2], &hz)) < 0) {
				sk_model__node_free(tr);
				return rc;
			}
			tr = sk_model__node_bin(SK_OP_MUL, slotn(in), sk_model__node_bin(SK_OP_ADD,
				sk_model__node_num(1), sk_model__node_bin(SK_OP_MUL, tr, slotn(hz))));
		}
		int r;
		if ((rc = hidden_built(e, SK_SLOT_AUX, tr, &r)) < 0)
			return rc;
		load(e, r);
		return 0;
	}
	/* stage time = tau / order; DELAYN's stage k sees the delay time of
	 * k steps before (information moves one stage per step, as in the
	 * reference engine), through hidden stocks that follow it */
	int lagged = kind == 'd' && !strcmp(n->name, "DELAYN");
	int st, first_st;
	if ((rc = hidden_built(e, SK_SLOT_AUX, sk_model__node_bin(SK_OP_DIV, slotn(tau),
		sk_model__node_num(order)), &st)) < 0)
		return rc;
	first_st = st;
	int prev = in, result = -1;
	for (int k = 0; k < order; k++) {
		int iv, S, F;
		if (lagged && k > 0) {
			int l0, L, LF;
			if ((rc = hidden_built(e, SK_SLOT_INITONLY, slotn(st), &l0)) < 0 ||
				(rc = hidden_stock(e, l0, &L)) < 0)
				return rc;
			sk_node *dtn = sk_model__node_new(SK_N_REF);
			dtn->name = sk_strdup("dt");
			if ((rc = hidden_built(e, SK_SLOT_FLOW, sk_model__node_bin(SK_OP_DIV,
				sk_model__node_bin(SK_OP_SUB, slotn(st), slotn(L)), dtn), &LF)) < 0)
				return rc;
			add_link(m, L, LF, 1);
			st = L;
		}
		sk_node *ivn = slotn(init >= 0 ? init : in);
		if (kind == 'd')
			ivn = sk_model__node_bin(SK_OP_MUL, ivn, slotn(first_st));
		if ((rc = hidden_built(e, SK_SLOT_INITONLY, ivn, &iv)) < 0)
			return rc;
		if ((rc = hidden_stock(e, iv, &S)) < 0)
			return rc;
		if (kind == 's') {
			/* smooth stage: S' = (prev - S) / st */
			if ((rc = hidden_built(e, SK_SLOT_FLOW, sk_model__node_bin(SK_OP_DIV,
				sk_model__node_bin(SK_OP_SUB, slotn(prev), slotn(S)), slotn(st)), &F)) < 0)
				return rc;
			add_link(m, S, F, 1);
			prev = S;
			result = S;
		} else {
			/* delay stage: inflow prev, outflow S / st */
			if ((rc = hidden_built(e, SK_SLOT_FLOW, sk_model__node_bin(SK_OP_DIV,
				slotn(S), slotn(st)), &F)) < 0)
				return rc;
			add_link(m, S, prev, 1);
			add_link(m, S, F, -1);
			prev = F;
			result = F;
		}
	}
	load(e, result);
	return 0;
}

static int lookup_table_of(emitter *e, const sk_node *ref, int *table)
{
	sk_model *m = e->c->m;
	if (ref->kind != SK_N_REF)
		return err_at(e, ref, SK_EINVALID, "LOOKUP needs the name of a graphical function");
	int vi = kmap_get(&e->c->vars, ref->name);
	if (vi < 0)
		return err_at(e, ref, SK_EINVALID, "unknown name '%s'", ref->raw);
	const sk_var *v = &m->vars[vi];
	if (v->gf < 0 && !v->gfs)
		return err_at(e, ref, SK_EINVALID, "'%s' is not a graphical function", v->name);
	if (v->gfs) {
		int *s = NULL, cnt = 0;
		int rc = resolve(e, ref, 0, &s, &cnt, NULL, NULL);
		if (rc < 0)
			return rc;
		if (cnt != 1) {
			free(s);
			return err_at(e, ref, SK_EINVALID, "LOOKUP of an array of graphical functions");
		}
		*table = v->gfs[s[0] - v->base];
		free(s);
		return 0;
	}
	*table = v->gf;
	return 0;
}

/* ---- macros ----------------------------------------------------------- */

static int def_node(compiler *c, const char *vname, json_t *x, sk_node **out);

static json_t *find_macro(compiler *c, const char *name)
{
	json_t *ms = json_object_get(c->doc, "macros");
	char *key = sk_model_name_key(name);
	json_t *hit = NULL, *x;
	size_t i;
	json_array_foreach(ms, i, x) {
		char *k = sk_model_name_key(json_string_value(json_object_get(x, "name")) ?
			json_string_value(json_object_get(x, "name")) : "");
		if (!strcmp(k, key))
			hit = x;
		free(k);
	}
	free(key);
	return hit;
}

static void scope_add(mscope *sc, const char *name, int slot)
{
	sc->keys = sk_realloc(sc->keys, sizeof(char *) * (size_t)(sc->n + 1));
	sc->slots = sk_realloc(sc->slots, sizeof(int) * (size_t)(sc->n + 1));
	sc->keys[sc->n] = sk_model_name_key(name);
	sc->slots[sc->n++] = slot;
}

static int scope_get(const mscope *sc, const char *name)
{
	char *k = sk_model_name_key(name);
	int hit = -1;
	for (int i = 0; i < sc->n; i++)
		if (!strcmp(sc->keys[i], k))
			hit = sc->slots[i];
	free(k);
	return hit;
}

/* Parses a text equation into a hidden slot's code in scope sc. */
static int macro_slot_code(emitter *e, const mscope *sc, const char *mname, json_t *eq, int slot)
{
	sk_node *node = NULL;
	int rc = 0;
	/* the equation may be a local name written with spaces ("EXPRESSION MACRO") */
	int direct = json_is_string(eq) ? scope_get(sc, json_string_value(eq)) : -1;
	if (direct >= 0)
		node = slotn(direct);
	else if ((rc = def_node(e->c, mname, eq, &node)) < 0)
		return rc;
	if (rc < 0)
		return rc;
	emitter sub = {e->c, e->var, e->cidx, NULL, 0, 0, NULL, 0, 0, 0, 0, 0, sc};
	rc = emit(&sub, node);
	sk_model__node_free(node);
	if (rc < 0) {
		free(sub.code);
		free(sub.deps);
		return rc;
	}
	slot_take(e->c->m, slot, &sub);
	return 0;
}

/* A macro call: each call gets its own copy of the macro's variables (so
 * stocks inside keep their own state), its parameters bound to the
 * arguments; the call's value is the macro's equation. */
static int emit_macro(emitter *e, const sk_node *n, json_t *mac)
{
	sk_model *m = e->c->m;
	const char *mname = json_string_value(json_object_get(mac, "name"));
	json_t *parms = json_object_get(mac, "parameters");
	mscope sc = {NULL, NULL, 0, e->scope ? e->scope->depth + 1 : 1};
	int rc = 0;
	if (sc.depth > 16)
		return err_at(e, n, SK_EINVALID, "macro '%s' calls itself too deeply", mname);
	if ((int)json_array_size(parms) != n->nargs)
		return err_at(e, n, SK_EINVALID, "macro '%s' takes %zu argument(s)", mname,
			json_array_size(parms));
	for (int i = 0; i < n->nargs && rc == 0; i++) {
		int a;
		if ((rc = hidden(e, SK_SLOT_AUX, n->args[i], &a)) == 0)
			scope_add(&sc, json_string_value(json_array_get(parms, (size_t)i)), a);
	}
	static const struct { const char *sec; sk_slot_kind kind; } secs[] = {
		{"stocks", SK_SLOT_STOCK}, {"flows", SK_SLOT_FLOW}, {"auxiliaries", SK_SLOT_AUX}};
	/* every local name first, so equations may refer to any of them */
	for (int s = 0; s < 3 && rc == 0; s++) {
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(mac, secs[s].sec), i, d) {
			const char *vn = json_string_value(json_object_get(d, "name"));
			const char *key = secs[s].kind == SK_SLOT_STOCK ? "initial" : "equation";
			if (!vn || (!json_object_get(d, key) && scope_get(&sc, vn) >= 0))
				continue; /* a parameter drawn inside the macro */
			if (json_object_get(d, "dimensions")) {
				rc = err_at(e, n, SK_EUNSUPPORTED, "arrays inside macro '%s'", mname);
				break;
			}
			int sl = new_slot(m, secs[s].kind);
			m->slots[sl].nonneg = json_is_true(json_object_get(d, "non_negative"));
			scope_add(&sc, vn, sl);
		}
	}
	for (int s = 0; s < 3 && rc == 0; s++) {
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(mac, secs[s].sec), i, d) {
			const char *vn = json_string_value(json_object_get(d, "name"));
			const char *key = secs[s].kind == SK_SLOT_STOCK ? "initial" : "equation";
			json_t *eq = json_object_get(d, key);
			if (!vn || !eq)
				continue;
			int sl = scope_get(&sc, vn);
			if ((rc = macro_slot_code(e, &sc, mname, eq, sl)) < 0)
				break;
			for (int dir = 0; dir < 2 && secs[s].kind == SK_SLOT_STOCK && rc == 0; dir++) {
				size_t k;
				json_t *fl;
				json_array_foreach(json_object_get(d, dir ? "outflows" : "inflows"), k, fl) {
					int fs = scope_get(&sc, json_string_value(fl) ? json_string_value(fl) : "");
					if (fs < 0) {
						rc = err_at(e, n, SK_EINVALID, "macro '%s': flow '%s' is not defined", mname,
							json_string_value(fl) ? json_string_value(fl) : "?");
						break;
					}
					add_link(m, sl, fs, dir ? -1 : 1);
				}
			}
		}
	}
	if (rc == 0) {
		json_t *out = json_object_get(mac, "equation");
		int res = new_slot(m, SK_SLOT_AUX);
		if (!out)
			rc = err_at(e, n, SK_EINVALID, "macro '%s' has no equation", mname);
		else if ((rc = macro_slot_code(e, &sc, mname, out, res)) == 0)
			load(e, res);
	}
	for (int i = 0; i < sc.n; i++)
		free(sc.keys[i]);
	free(sc.keys);
	free(sc.slots);
	return rc;
}

static int emit_call(emitter *e, const sk_node *n)
{
	compiler *c = e->c;
	sk_model *m = c->m;
	const char *f = n->name;
	int rc, id;
	int na = n->nargs;
	/* a graphical function called by name */
	{
		char *key = sk_model_name_key(n->raw);
		int gv = kmap_get(&c->vars, key);
		free(key);
		if (gv >= 0 && (m->vars[gv].gf >= 0 || m->vars[gv].gfs) && fn1_id(f) == 0) {
			if (na != 1)
				return err_at(e, n, SK_EINVALID, "graphical function '%s' takes one argument",
					m->vars[gv].name);
			sk_node ref = {SK_N_REF, 0, n->col, 0, 0, 0, NULL, n->raw, NULL, 0};
			char *key2 = sk_model_name_key(n->raw);
			ref.name = key2;
			int t;
			rc = lookup_table_of(e, &ref, &t);
			free(key2);
			if (rc < 0)
				return rc;
			if ((rc = emit(e, n->args[0])) < 0)
				return rc;
			put(e, SK_I_LOOKUP, t, 0, 0);
			return 0;
		}
	}
	if ((id = fn1_id(f)) != 0) {
		if (na != 1)
			return err_at(e, n, SK_EINVALID, "%s takes one argument", f);
		if ((rc = emit_args(e, n)) < 0)
			return rc;
		put(e, SK_I_FN1, id, 0, 0);
		return 0;
	}
	if (!strcmp(f, "MIN") || !strcmp(f, "MAX")) {
		if (na == 2) {
			if ((rc = emit_args(e, n)) < 0)
				return rc;
			put(e, SK_I_FN2, f[1] == 'I' ? SK_F_MIN : SK_F_MAX, 0, -1);
			return 0;
		}
		if (na < 1)
			return err_at(e, n, SK_EINVALID, "%s needs arguments", f);
		return emit_agg(e, n, agg_id(f));
	}
	if (agg_id(f) >= 0) {
		if (na < 1)
			return err_at(e, n, SK_EINVALID, "%s needs an argument", f);
		return emit_agg(e, n, agg_id(f));
	}
	if (!strcmp(f, "MOD") || !strcmp(f, "MODULO") || !strcmp(f, "SAFEDIV") ||
		!strcmp(f, "STEP")) {
		int fid = !strcmp(f, "STEP") ? SK_F_STEP : f[0] == 'S' ? SK_F_SAFEDIV : SK_F_MODF;
		if (na != 2)
			return err_at(e, n, SK_EINVALID, "%s takes two arguments", f);
		if ((rc = emit_args(e, n)) < 0)
			return rc;
		put(e, SK_I_FN2, fid, 0, -1);
		return 0;
	}
	if (!strcmp(f, "RAMP") || !strcmp(f, "PULSE")) {
		if (na < 2 || na > 3)
			return err_at(e, n, SK_EINVALID, "%s takes two or three arguments", f);
		if ((rc = emit_args(e, n)) < 0)
			return rc;
		if (f[0] == 'R')
			put(e, na == 2 ? SK_I_FN2 : SK_I_FN3, na == 2 ? SK_F_RAMP : SK_F_RAMP2, 0, 1 - na);
		else
			put(e, na == 2 ? SK_I_FN2 : SK_I_FN3, na == 2 ? SK_F_PULSE2 : SK_F_PULSE3, 0, 1 - na);
		return 0;
	}
	if (!strcmp(f, "IF_THEN_ELSE")) {
		if (na != 3)
			return err_at(e, n, SK_EINVALID, "IF_THEN_ELSE takes three arguments");
		sk_node tmp = *n;
		tmp.kind = SK_N_IF;
		return emit(e, &tmp);
	}
	if (!strcmp(f, "PI") && na == 0) {
		put(e, SK_I_CONST, 0, M_PI, 1);
		return 0;
	}
	if (!strcmp(f, "TIME") && na == 0) {
		put(e, SK_I_TIME, 0, 0, 1);
		return 0;
	}
	if (!strcmp(f, "INIT") || !strcmp(f, "INITIAL")) {
		if (na != 1)
			return err_at(e, n, SK_EINVALID, "%s takes one argument", f);
		int s;
		if ((rc = hidden(e, SK_SLOT_INITONLY, n->args[0], &s)) < 0)
			return rc;
		load(e, s);
		return 0;
	}
	if (!strcmp(f, "LOOKUP")) {
		if (na != 2)
			return err_at(e, n, SK_EINVALID, "LOOKUP takes two arguments");
		const sk_node *a0 = n->args[0];
		if (a0->kind == SK_N_REF && !a0->subscripted &&
			kmap_get(&c->vars, a0->name) < 0) {
			char up[16];
			snprintf(up, sizeof(up), "%s", a0->name);
			for (char *p = up; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			if (agg_id(up) >= 0 && up[0] == 'V') {
				sk_node tmp = *n;
				tmp.args = n->args + 1;
				tmp.nargs = 1;
				return emit_agg(e, &tmp, agg_id(up));
			}
			/* LOOKUP(COSH, x): a builtin function named as the table */
			if (fn1_id(up)) {
				if ((rc = emit(e, n->args[1])) < 0)
					return rc;
				put(e, SK_I_FN1, fn1_id(up), 0, 0);
				return 0;
			}
		}
		int t;
		if ((rc = lookup_table_of(e, a0, &t)) < 0)
			return rc;
		if ((rc = emit(e, n->args[1])) < 0)
			return rc;
		put(e, SK_I_LOOKUP, t, 0, 0);
		return 0;
	}
	if (!strcmp(f, "SMTH1") || !strcmp(f, "SMTH3") || !strcmp(f, "DELAY1") ||
		!strcmp(f, "DELAY3")) {
		if (na < 2 || na > 3)
			return err_at(e, n, SK_EINVALID, "%s takes two or three arguments", f);
		return emit_stateful(e, n, f[0] == 'S' ? 's' : 'd', f[4] == '1' || f[5] == '1' ? 1 : 3,
			na == 3);
	}
	if (!strcmp(f, "SMTHN") || !strcmp(f, "DELAYN")) {
		if (na < 3 || na > 4)
			return err_at(e, n, SK_EINVALID, "%s takes three or four arguments", f);
		double ord, tau;
		if (const_value(c, n->args[2], &ord) < 0 || ord < 1 || ord > 1000)
			return err_at(e, n, SK_EUNSUPPORTED, "%s with an order that is not a constant 1..1000", f);
		int order = (int)floor(ord + 0.5);
		/* as Vensim does: a material delay's order drops until each stage
		 * lasts at least one time step */
		if (f[0] == 'D' && const_value(c, n->args[1], &tau) == 0 && tau / m->dt < order)
			order = tau / m->dt >= 1 ? (int)floor(tau / m->dt + 1e-9) : 1;
		return emit_stateful(e, n, f[0] == 'S' ? 's' : 'd', order, na == 4);
	}
	if (!strcmp(f, "TREND") || !strcmp(f, "FORCST")) {
		int want = f[0] == 'T' ? 2 : 3;
		if (na < want || na > want + 1)
			return err_at(e, n, SK_EINVALID, "%s takes %d or %d arguments", f, want, want + 1);
		return emit_stateful(e, n, f[0] == 'T' ? 't' : 'f', 1, na == want + 1);
	}
	if (!strcmp(f, "DELAY")) {
		if (na < 2 || na > 3)
			return err_at(e, n, SK_EINVALID, "DELAY takes two or three arguments");
		int in, init = -1;
		if ((rc = hidden(e, SK_SLOT_AUX, n->args[0], &in)) < 0)
			return rc;
		if (na == 3 && (rc = hidden(e, SK_SLOT_INITONLY, n->args[2], &init)) < 0)
			return rc;
		m->delays = sk_realloc(m->delays, sk_mul_size((size_t)m->ndelays + 1, sizeof(sk_delayp)));
		m->delays[m->ndelays].input = in;
		m->delays[m->ndelays].init = init;
		add_dep(e, init >= 0 ? init : in);
		if ((rc = emit(e, n->args[1])) < 0)
			return rc;
		put(e, SK_I_DELAYP, m->ndelays++, 0, 0);
		return 0;
	}
	json_t *mac = find_macro(c, n->raw ? n->raw : f);
	if (mac)
		return emit_macro(e, n, mac);
	return err_at(e, n, SK_EUNSUPPORTED, "function %s", n->raw ? n->raw : f);
}

static int emit_ref(emitter *e, const sk_node *n)
{
	compiler *c = e->c;
	sk_model *m = c->m;
	if (e->scope && !n->subscripted) {
		for (int i = 0; i < e->scope->n; i++)
			if (!strcmp(e->scope->keys[i], n->name)) {
				load(e, e->scope->slots[i]);
				return 0;
			}
	}
	int vi = e->scope ? -1 : kmap_get(&c->vars, n->name);
	if (e->scope && strcmp(n->name, "time") && strcmp(n->name, "dt") && strcmp(n->name, "starttime") &&
		strcmp(n->name, "stoptime") && strcmp(n->name, "pi"))
		return err_at(e, n, SK_EINVALID, "unknown name '%s' inside a macro", n->raw ? n->raw : n->name);
	if (vi < 0 && !n->subscripted) {
		if (!strcmp(n->name, "time")) {
			put(e, SK_I_TIME, 0, 0, 1);
			return 0;
		}
		if (!strcmp(n->name, "dt") || !strcmp(n->name, "time_step")) {
			put(e, SK_I_DT, 0, 0, 1);
			return 0;
		}
		if (!strcmp(n->name, "starttime") || !strcmp(n->name, "initial_time")) {
			put(e, SK_I_START, 0, 0, 1);
			return 0;
		}
		if (!strcmp(n->name, "stoptime") || !strcmp(n->name, "final_time")) {
			put(e, SK_I_STOP, 0, 0, 1);
			return 0;
		}
		if (!strcmp(n->name, "pi")) {
			put(e, SK_I_CONST, 0, M_PI, 1);
			return 0;
		}
		/* a dimension name used as a value: the context's 1-based index */
		int d = find_dim(m, n->name);
		if (d >= 0) {
			int k = ctx_index(e, d);
			if (k >= 0) {
				put(e, SK_I_CONST, 0, k + 1, 1);
				return 0;
			}
		}
		/* dim.elem as a value: the element's 1-based position */
		const char *dot = strchr(n->name, '.');
		if (dot) {
			char *dk = sk_strndup(n->name, (size_t)(dot - n->name));
			int dd = find_dim(m, dk);
			free(dk);
			if (dd >= 0) {
				int k = find_elem(&m->dims[dd], dot + 1);
				if (k >= 0) {
					put(e, SK_I_CONST, 0, k + 1, 1);
					return 0;
				}
			}
		}
	}
	if (vi >= 0 && m->vars[vi].is_lookup)
		return err_at(e, n, SK_EINVALID, "'%s' is a graphical function: call it as %s(x)",
			m->vars[vi].name, m->vars[vi].name);
	int *s = NULL, cnt = 0, dpos = -1;
	idxlist dyn = {NULL, 0, 0, NULL};
	int rc = resolve(e, n, 0, &s, &cnt, &dyn, &dpos);
	if (rc < 0)
		return rc;
	if (dpos >= 0) {
		/* a run-time subscript: the table holds the candidate slots */
		free(dyn.v);
		rc = emit(e, dyn.expr);
		if (rc == 0) {
			int *tab = sk_malloc(sk_mul_size((size_t)cnt + 1, sizeof(int)));
			tab[0] = cnt;
			memcpy(tab + 1, s, (size_t)cnt * sizeof(int));
			for (int i = 0; i < cnt; i++)
				add_dep(e, s[i]);
			m->idxtabs = sk_realloc(m->idxtabs, sk_mul_size((size_t)m->nidxtabs + 1, sizeof(int *)));
			m->idxtabs[m->nidxtabs] = tab;
			put(e, SK_I_LOADIDX, m->nidxtabs++, 0, 0);
		}
		free(s);
		return rc;
	}
	if (cnt != 1) {
		free(s);
		return err_at(e, n, SK_EINVALID, "'%s' names %d values where one is expected",
			n->raw ? n->raw : n->name, cnt);
	}
	load(e, s[0]);
	free(s);
	return 0;
}

static const int binop_ins[] = {
	[SK_OP_ADD] = SK_I_ADD, [SK_OP_SUB] = SK_I_SUB, [SK_OP_MUL] = SK_I_MUL,
	[SK_OP_DIV] = SK_I_DIV, [SK_OP_POW] = SK_I_POW, [SK_OP_MOD] = SK_I_MOD,
	[SK_OP_LT] = SK_I_LT, [SK_OP_LE] = SK_I_LE, [SK_OP_GT] = SK_I_GT, [SK_OP_GE] = SK_I_GE,
	[SK_OP_EQ] = SK_I_EQ, [SK_OP_NE] = SK_I_NE, [SK_OP_AND] = SK_I_AND, [SK_OP_OR] = SK_I_OR
};

static int emit(emitter *e, const sk_node *n)
{
	int rc;
	switch (n->kind) {
	case SK_N_NUM:
		put(e, SK_I_CONST, 0, n->num, 1);
		return 0;
	case SK_N_SLOT:
		load(e, n->slot);
		return 0;
	case SK_N_REF:
		return emit_ref(e, n);
	case SK_N_CALL:
		return emit_call(e, n);
	case SK_N_UN:
		if ((rc = emit(e, n->args[0])) < 0)
			return rc;
		if (n->op == '-')
			put(e, SK_I_NEG, 0, 0, 0);
		else if (n->op == '!')
			put(e, SK_I_NOT, 0, 0, 0);
		return 0;
	case SK_N_BIN:
		if ((rc = emit(e, n->args[0])) < 0 || (rc = emit(e, n->args[1])) < 0)
			return rc;
		put(e, binop_ins[n->op], 0, 0, -1);
		return 0;
	case SK_N_IF: {
		if ((rc = emit(e, n->args[0])) < 0)
			return rc;
		size_t jf = e->n;
		put(e, SK_I_JMPF, 0, 0, -1);
		if ((rc = emit(e, n->args[1])) < 0)
			return rc;
		size_t jj = e->n;
		put(e, SK_I_JMP, 0, 0, -1);
		e->code[jf].a = (int32_t)(e->n - jf);
		if ((rc = emit(e, n->args[2])) < 0)
			return rc;
		e->code[jj].a = (int32_t)(e->n - jj);
		return 0;
	}
	case SK_N_STAR:
	case SK_N_RANGE:
		return err_at(e, n, SK_EINVALID, "'*' or a range outside an array function");
	}
	return err_at(e, n, SK_EINVALID, "bad expression");
}

/* ---- reading the JSON model -------------------------------------------- */

int sk_model__number(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	return -1;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int read_time(compiler *c, json_t *doc)
{
	sk_model *m = c->m;
	json_t *t = json_object_get(doc, "time");
	if (!json_is_object(t))
		return sk_error_set(SK_EINVALID, "%s: the model has no \"time\" object", c->file);
	double v;
	m->start = sk_model__number(json_object_get(t, "start"), &v) == 0 ? v : 0;
	if (sk_model__number(json_object_get(t, "stop"), &m->stop) < 0)
		return sk_error_set(SK_EINVALID, "%s: time.stop is missing", c->file);
	m->dt = sk_model__number(json_object_get(t, "dt"), &v) == 0 ? v : 1;
	m->saveper = sk_model__number(json_object_get(t, "saveper"), &v) == 0 ? v : m->dt;
	if (!(m->dt > 0) || !(m->stop >= m->start) || !(m->saveper > 0))
		return sk_error_set(SK_EINVALID, "%s: time needs dt > 0, saveper > 0 and stop >= start",
			c->file);
	if ((m->stop - m->start) / m->dt > 1e8)
		return sk_error_set(SK_ETOOBIG, "%s: more than 1e8 time steps", c->file);
	const char *meth = jstr(t, "method");
	m->method = SK_MODEL_METHOD_EULER;
	if (meth && !strcasecmp(meth, "rk4"))
		m->method = SK_MODEL_METHOD_RK4;
	else if (meth && strcasecmp(meth, "euler"))
		return sk_error_set(SK_EUNSUPPORTED, "unsupported: integration method '%s' (%s)",
			meth, c->file);
	return 0;
}

static int read_dims(compiler *c, json_t *doc)
{
	sk_model *m = c->m;
	json_t *ds = json_object_get(doc, "dimensions");
	size_t i;
	json_t *d;
	if (!ds)
		return 0;
	if (!json_is_array(ds))
		return sk_error_set(SK_EINVALID, "%s: \"dimensions\" must be an array", c->file);
	m->dims = sk_calloc(json_array_size(ds) + 1, sizeof(sk_dim));
	json_array_foreach(ds, i, d) {
		sk_dim *dim = &m->dims[m->ndims];
		const char *name = jstr(d, "name");
		if (!name)
			return sk_error_set(SK_EINVALID, "%s: dimension %zu has no name", c->file, i + 1);
		dim->name = sk_strdup(name);
		dim->key = sk_model_name_key(name);
		dim->parent = -1;
		m->ndims++;
		json_t *el = json_object_get(d, "elements");
		double from = 0, to = 0, size = 0;
		if (json_is_array(el)) {
			dim->n = (int)json_array_size(el);
			dim->elems = sk_calloc((size_t)dim->n + 1, sizeof(char *));
			dim->ekeys = sk_calloc((size_t)dim->n + 1, sizeof(char *));
			for (int k = 0; k < dim->n; k++) {
				json_t *x = json_array_get(el, (size_t)k);
				char buf[64];
				const char *s = json_string_value(x);
				if (!s && json_is_number(x)) {
					snprintf(buf, sizeof(buf), "%.15g", json_number_value(x));
					s = buf;
				}
				if (!s)
					return sk_error_set(SK_EINVALID, "%s: dimension '%s': element %d is not a string",
						c->file, name, k + 1);
				dim->elems[k] = sk_strdup(s);
				dim->ekeys[k] = sk_model_name_key(s);
			}
		} else if (sk_model__number(json_object_get(d, "size"), &size) == 0 ||
			(sk_model__number(json_object_get(d, "from"), &from) == 0 &&
			 sk_model__number(json_object_get(d, "to"), &to) == 0)) {
			int lo = 1, hi;
			if (json_object_get(d, "size")) {
				hi = (int)size;
			} else {
				lo = (int)from;
				hi = (int)to;
			}
			if (hi < lo || hi - lo > 100000)
				return sk_error_set(SK_EINVALID, "%s: dimension '%s' has a bad size", c->file, name);
			dim->n = hi - lo + 1;
			dim->elems = sk_calloc((size_t)dim->n + 1, sizeof(char *));
			dim->ekeys = sk_calloc((size_t)dim->n + 1, sizeof(char *));
			for (int k = 0; k < dim->n; k++) {
				dim->elems[k] = sk_printf("%d", lo + k);
				dim->ekeys[k] = sk_strdup(dim->elems[k]);
			}
		} else {
			return sk_error_set(SK_EINVALID, "%s: dimension '%s' needs elements, size or from/to",
				c->file, name);
		}
		if (dim->n == 0)
			return sk_error_set(SK_EINVALID, "%s: dimension '%s' is empty", c->file, name);
	}
	/* sub-ranges: a dimension whose elements all belong to another one */
	for (int a = 0; a < m->ndims; a++) {
		sk_dim *da = &m->dims[a];
		for (int b = 0; b < m->ndims && da->parent < 0; b++) {
			sk_dim *db = &m->dims[b];
			if (a == b || db->n <= da->n)
				continue;
			int *map = sk_malloc(sizeof(int) * (size_t)da->n);
			int ok = 1;
			for (int k = 0; k < da->n && ok; k++)
				if ((map[k] = find_elem(db, da->ekeys[k])) < 0)
					ok = 0;
			if (ok) {
				da->parent = b;
				da->pmap = map;
			} else {
				free(map);
			}
		}
	}
	return 0;
}

/* The equation text (or number) of a definition under `key`. */
static int def_node(compiler *c, const char *vname, json_t *x, sk_node **out)
{
	*out = NULL;
	if (json_is_number(x)) {
		*out = sk_model__node_num(json_number_value(x));
		return 0;
	}
	if (!json_is_string(x))
		return sk_error_set(SK_EINVALID, "%s: variable '%s': an equation must be a string or a number",
			c->file, vname);
	int col;
	const char *msg;
	*out = sk_model__parse(json_string_value(x), &col, &msg);
	if (!*out)
		return sk_error_set(SK_EINVALID, "%s: variable '%s': equation column %d: %s", c->file,
			vname, col, msg);
	return 0;
}

static int add_table(sk_model *m, json_t *gf, const char *file, const char *vname)
{
	json_t *xs = json_object_get(gf, "x"), *ys = json_object_get(gf, "y");
	if (!json_is_array(ys) || json_array_size(ys) == 0)
		return sk_error_set(SK_EINVALID, "%s: variable '%s': a lookup needs \"y\" values", file, vname);
	int n = (int)json_array_size(ys);
	sk_table t = {sk_calloc((size_t)n, sizeof(double)), sk_calloc((size_t)n, sizeof(double)), n,
		SK_GF_CONTINUOUS};
	const char *type = jstr(gf, "type");
	if (type && !strcasecmp(type, "extrapolate"))
		t.type = SK_GF_EXTRAPOLATE;
	else if (type && !strcasecmp(type, "discrete"))
		t.type = SK_GF_DISCRETE;
	double lo = 0, hi = n - 1;
	json_t *xr = json_object_get(gf, "x_range");
	if (json_is_array(xr) && json_array_size(xr) == 2) {
		sk_model__number(json_array_get(xr, 0), &lo);
		sk_model__number(json_array_get(xr, 1), &hi);
	}
	int rc = 0;
	if (xs && (!json_is_array(xs) || (int)json_array_size(xs) != n))
		rc = sk_error_set(SK_EINVALID, "%s: variable '%s': lookup x and y differ in length", file, vname);
	for (int i = 0; i < n && rc == 0; i++) {
		if (sk_model__number(json_array_get(ys, (size_t)i), &t.y[i]) < 0)
			rc = sk_error_set(SK_EINVALID, "%s: variable '%s': lookup y is not a number", file, vname);
		if (xs) {
			if (sk_model__number(json_array_get(xs, (size_t)i), &t.x[i]) < 0)
				rc = sk_error_set(SK_EINVALID, "%s: variable '%s': lookup x is not a number", file, vname);
		} else {
			t.x[i] = n > 1 ? lo + (hi - lo) * i / (n - 1) : lo;
		}
		if (rc == 0 && i > 0 && t.x[i] < t.x[i - 1])
			rc = sk_error_set(SK_EINVALID, "%s: variable '%s': lookup x values must rise", file, vname);
	}
	if (rc < 0) {
		free(t.x);
		free(t.y);
		return rc;
	}
	m->tables = sk_realloc(m->tables, sk_mul_size((size_t)m->ntables + 1, sizeof(sk_table)));
	m->tables[m->ntables] = t;
	return m->ntables++;
}

/* Parses a subscript list "a, b" or ["a","b"] into element indices. */
static int elem_index(compiler *c, const sk_var *v, json_t *sub, int *out)
{
	sk_model *m = c->m;
	char *parts[16];
	int np = 0, rc = 0;
	if (json_is_string(sub)) {
		const char *s = json_string_value(sub);
		while (np < 16) {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);
			char *raw = sk_strndup(s, len);
			parts[np++] = sk_model_name_key(raw);
			free(raw);
			if (!comma)
				break;
			s = comma + 1;
		}
	} else if (json_is_array(sub)) {
		for (size_t i = 0; i < json_array_size(sub) && np < 16; i++) {
			json_t *x = json_array_get(sub, i);
			char buf[64];
			const char *s = json_string_value(x);
			if (!s && json_is_number(x)) {
				snprintf(buf, sizeof(buf), "%.15g", json_number_value(x));
				s = buf;
			}
			parts[np++] = sk_model_name_key(s ? s : "");
		}
	}
	if (np != v->ndims) {
		rc = sk_error_set(SK_EINVALID, "%s: variable '%s': element subscript needs %d part(s)",
			c->file, v->name, v->ndims);
		goto done;
	}
	int lin = 0;
	for (int p = 0; p < np; p++) {
		const sk_dim *d = &m->dims[v->dims[p]];
		int k = find_elem(d, parts[p]);
		if (k < 0) {
			const char *dot = strchr(parts[p], '.');
			if (dot)
				k = find_elem(d, dot + 1);
		}
		if (k < 0) {
			rc = sk_error_set(SK_EINVALID, "%s: variable '%s': '%s' is not an element of '%s'",
				c->file, v->name, parts[p], d->name);
			goto done;
		}
		lin = lin * d->n + k;
	}
	*out = lin;
done:
	for (int p = 0; p < np; p++)
		free(parts[p]);
	return rc;
}

static int add_var(compiler *c, json_t *def, sk_slot_kind kind, int is_lookup, int is_param)
{
	sk_model *m = c->m;
	const char *name = jstr(def, "name");
	if (!name || !*name)
		return sk_error_set(SK_EINVALID, "%s: a variable has no name", c->file);
	char *key = sk_model_name_key(name);
	if (kmap_get(&c->vars, key) >= 0) {
		sk_error_set(SK_EINVALID, "%s: variable '%s' is defined twice", c->file, name);
		free(key);
		return SK_EINVALID;
	}
	if (m->nvars == 0 || (m->nvars >= 16 && (m->nvars & (m->nvars - 1)) == 0)) {
		size_t cap = m->nvars ? (size_t)m->nvars * 2 : 16;
		m->vars = sk_realloc(m->vars, sk_mul_size(cap, sizeof(sk_var)));
		c->eqns = sk_realloc(c->eqns, sk_mul_size(cap, sizeof(eqn_set)));
	}
	int vi = m->nvars++;
	sk_var *v = &m->vars[vi];
	memset(v, 0, sizeof(*v));
	memset(&c->eqns[vi], 0, sizeof(eqn_set));
	v->name = sk_strdup(name);
	v->key = key;
	v->kind = kind;
	v->gf = -1;
	v->def = def;
	v->is_lookup = is_lookup;
	kmap_put(&c->vars, v->key, vi);
	json_t *dl = json_object_get(def, "dimensions");
	v->n = 1;
	if (json_is_array(dl) && json_array_size(dl)) {
		v->ndims = (int)json_array_size(dl);
		v->dims = sk_calloc((size_t)v->ndims, sizeof(int));
		for (int i = 0; i < v->ndims; i++) {
			const char *dn = json_string_value(json_array_get(dl, (size_t)i));
			char *dk = sk_model_name_key(dn ? dn : "");
			v->dims[i] = find_dim(m, dk);
			free(dk);
			if (v->dims[i] < 0)
				return sk_error_set(SK_EINVALID, "%s: variable '%s': unknown dimension '%s'",
					c->file, name, dn ? dn : "?");
			v->n *= m->dims[v->dims[i]].n;
		}
	}
	json_t *nn = json_object_get(def, "non_negative");
	v->nonneg = json_is_true(nn);
	(void)is_param;
	return vi;
}

/* Reads each variable's equations and lookups. */
static int read_equations(compiler *c, int vi, int is_param)
{
	sk_model *m = c->m;
	sk_var *v = &m->vars[vi];
	json_t *def = v->def;
	eqn_set *es = &c->eqns[vi];
	const char *ekey = v->kind == SK_SLOT_STOCK ? "initial" : is_param ? "value" : "equation";
	json_t *gf = json_object_get(def, "lookup");
	int rc;
	if (json_is_object(gf)) {
		int t = add_table(m, gf, c->file, v->name);
		if (t < 0)
			return t;
		v->gf = t;
	}
	if (v->is_lookup) {
		int t = add_table(m, def, c->file, v->name);
		if (t < 0)
			return t;
		v->gf = t;
		return 0;
	}
	json_t *els = json_object_get(def, "elements");
	json_t *eq = json_object_get(def, ekey);
	json_t *ini = json_object_get(def, "initial");
	if (v->kind != SK_SLOT_STOCK && !is_param && ini) {
		/* an active initial: the value while the model initialises */
		if ((rc = def_node(c, v->name, ini, &es->init)) < 0)
			return rc;
		m->active_initial = 1;
	}
	if (is_param && json_is_array(eq)) {
		if ((int)json_array_size(eq) != v->n)
			return sk_error_set(SK_EINVALID, "%s: parameter '%s': %zu values for %d elements",
				c->file, v->name, json_array_size(eq), v->n);
		es->per_elem = 1;
		es->nodes = sk_calloc((size_t)v->n, sizeof(sk_node *));
		for (int i = 0; i < v->n; i++)
			if ((rc = def_node(c, v->name, json_array_get(eq, (size_t)i), &es->nodes[i])) < 0)
				return rc;
		return 0;
	}
	if (json_is_array(els) && json_array_size(els)) {
		if (!v->ndims)
			return sk_error_set(SK_EINVALID, "%s: variable '%s' has elements but no dimensions",
				c->file, v->name);
		es->per_elem = 1;
		es->nodes = sk_calloc((size_t)v->n, sizeof(sk_node *));
		size_t i;
		json_t *el;
		json_array_foreach(els, i, el) {
			int k = 0;
			if ((rc = elem_index(c, v, json_object_get(el, "subscript"), &k)) < 0)
				return rc;
			if (es->nodes[k])
				return sk_error_set(SK_EINVALID, "%s: variable '%s': element %d is defined twice",
					c->file, v->name, k + 1);
			json_t *x = json_object_get(el, ekey);
			if (!x && is_param)
				x = json_object_get(el, "equation");
			if ((rc = def_node(c, v->name, x, &es->nodes[k])) < 0)
				return rc;
			json_t *egf = json_object_get(el, "lookup");
			if (json_is_object(egf)) {
				if (!v->gfs) {
					v->gfs = sk_malloc(sizeof(int) * (size_t)v->n);
					for (int q = 0; q < v->n; q++)
						v->gfs[q] = v->gf;
				}
				int t = add_table(m, egf, c->file, v->name);
				if (t < 0)
					return t;
				v->gfs[k] = t;
			}
		}
		/* elements not listed take the apply-to-all equation, if any */
		for (int k = 0; k < v->n; k++) {
			if (es->nodes[k])
				continue;
			if (!eq)
				return sk_error_set(SK_EINVALID, "%s: variable '%s': element %d has no equation",
					c->file, v->name, k + 1);
			if ((rc = def_node(c, v->name, eq, &es->nodes[k])) < 0)
				return rc;
		}
		return 0;
	}
	if (!eq) {
		if (v->gf >= 0) {
			/* a graphical function with no input runs on TIME */
			es->nodes = sk_calloc(1, sizeof(sk_node *));
			sk_node *t = sk_model__node_new(SK_N_REF);
			t->name = sk_strdup("time");
			es->nodes[0] = t;
			return 0;
		}
		return sk_error_set(SK_EINVALID, "%s: variable '%s' has no %s", c->file, v->name, ekey);
	}
	/* "1, 2, 3" gives an array its elements' values in order */
	if (v->ndims && json_is_string(eq)) {
		const char *t = json_string_value(eq);
		int depth = 0, parts = 1;
		for (const char *p = t; *p; p++) {
			if (*p == '(' || *p == '[')
				depth++;
			else if (*p == ')' || *p == ']')
				depth--;
			else if (*p == ',' && depth == 0)
				parts++;
		}
		if (parts > 1) {
			if (parts != v->n)
				return sk_error_set(SK_EINVALID, "%s: variable '%s': %d values listed for %d elements",
					c->file, v->name, parts, v->n);
			es->per_elem = 1;
			es->nodes = sk_calloc((size_t)v->n, sizeof(sk_node *));
			const char *p = t;
			for (int k = 0; k < v->n; k++) {
				const char *q = p;
				depth = 0;
				while (*q && !(*q == ',' && depth == 0)) {
					if (*q == '(' || *q == '[')
						depth++;
					else if (*q == ')' || *q == ']')
						depth--;
					q++;
				}
				char *piece = sk_strndup(p, (size_t)(q - p));
				json_t *pj = json_string(piece);
				free(piece);
				rc = def_node(c, v->name, pj, &es->nodes[k]);
				json_decref(pj);
				if (rc < 0)
					return rc;
				p = *q ? q + 1 : q;
			}
			return 0;
		}
	}
	es->nodes = sk_calloc(1, sizeof(sk_node *));
	return def_node(c, v->name, eq, &es->nodes[0]);
}

/* ---- ordering ----------------------------------------------------------- */

typedef struct sorter {
	sk_model *m;
	int init;          /* 1: the initial-value phase */
	unsigned char *mark;
	int *order;
	int norder;
	int *path;
	int npath;
} sorter;

static int in_phase(const sorter *s, int slot)
{
	const sk_slot *sl = &s->m->slots[slot];
	return s->init || ((sl->kind == SK_SLOT_AUX || sl->kind == SK_SLOT_FLOW) && !sl->constant);
}

/* 1 when code reads the clock (TIME, or the builtins that depend on it). */
static int reads_time(const sk_ins *code, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int op = code[i].op;
		if (op == SK_I_TIME || op == SK_I_DELAYP)
			return 1;
		if ((op == SK_I_FN2 || op == SK_I_FN3) && (code[i].a == SK_F_STEP ||
			code[i].a == SK_F_RAMP || code[i].a == SK_F_RAMP2 || code[i].a == SK_F_PULSE2 ||
			code[i].a == SK_F_PULSE3))
			return 1;
	}
	return 0;
}

/* Marks the auxiliaries whose value never changes after the start (no
 * clock, no stock, no other changing value upstream): the step program
 * leaves them out, so big constant arrays cost nothing per step. `order`
 * is the initial program's order, dependencies first. */
static void mark_constants(sk_model *m, const int *order, int n)
{
	for (int i = 0; i < n; i++) {
		sk_slot *sl = &m->slots[order[i]];
		sl->constant = 0;
		if ((sl->kind != SK_SLOT_AUX && sl->kind != SK_SLOT_FLOW) || sl->icode ||
			reads_time(sl->code, sl->ncode))
			continue;
		int ok = 1;
		for (size_t k = 0; k < sl->ndeps && ok; k++) {
			const sk_slot *d = &m->slots[sl->deps[k]];
			if (d->kind == SK_SLOT_STOCK || ((d->kind == SK_SLOT_AUX || d->kind == SK_SLOT_FLOW) &&
				!d->constant))
				ok = 0;
		}
		sl->constant = ok;
	}
}


static int visit(sorter *s, int slot)
{
	if (s->mark[slot] == 2)
		return 0;
	if (s->mark[slot] == 1) {
		/* a cycle: name the variables on it */
		sk_buf b = SK_BUF_INIT;
		int from = s->npath - 1;
		while (from > 0 && s->path[from] != slot)
			from--;
		const char *last = NULL;
		for (int i = from; i < s->npath; i++) {
			int vs = s->m->slots[s->path[i]].var;
			const char *lab = vs >= 0 ? s->m->vars[vs].name : NULL;
			if (!lab || (last && !strcmp(last, lab)))
				continue;
			if (b.len)
				sk_buf_puts(&b, " -> ");
			sk_buf_puts(&b, lab);
			last = lab;
		}
		int vs = s->m->slots[slot].var;
		if (vs >= 0) {
			sk_buf_puts(&b, " -> ");
			sk_buf_puts(&b, s->m->vars[vs].name);
		}
		sk_error_set(SK_EINVALID, "%s: circular definition%s: %s", s->m->file,
			s->init ? " among initial values" : "", b.data ? b.data : "?");
		sk_buf_free(&b);
		return SK_EINVALID;
	}
	s->mark[slot] = 1;
	s->path[s->npath++] = slot;
	const sk_slot *sl = &s->m->slots[slot];
	const int *deps = s->init && sl->icode ? sl->ideps : sl->deps;
	size_t ndeps = s->init && sl->icode ? sl->nideps : sl->ndeps;
	for (size_t i = 0; i < ndeps; i++) {
		int d = deps[i];
		if (!in_phase(s, d))
			continue;
		int rc = visit(s, d);
		if (rc < 0)
			return rc;
	}
	s->npath--;
	s->mark[slot] = 2;
	s->order[s->norder++] = slot;
	return 0;
}

static int build_prog(sk_model *m, int init, sk_ins **prog, size_t *nprog)
{
	sorter s = {m, init, sk_calloc((size_t)m->nslots + 1, 1),
		sk_calloc((size_t)m->nslots + 1, sizeof(int)), 0,
		sk_calloc((size_t)m->nslots + 1, sizeof(int)), 0};
	int rc = 0;
	for (int i = 0; i < m->nslots && rc == 0; i++)
		if (in_phase(&s, i))
			rc = visit(&s, i);
	if (rc == 0) {
		size_t total = 1;
		for (int i = 0; i < s.norder; i++)
			total += m->slots[s.order[i]].ncode + m->slots[s.order[i]].nicode + 2;
		sk_ins *p = sk_malloc(sk_mul_size(total, sizeof(sk_ins)));
		size_t n = 0;
		for (int i = 0; i < s.norder; i++) {
			const sk_slot *sl = &m->slots[s.order[i]];
			/* A slot may have no code at all (NULL): memcpy must not see it. */
			if (init && sl->icode) {
				memcpy(p + n, sl->icode, sl->nicode * sizeof(sk_ins));
				n += sl->nicode;
			} else if (sl->ncode) {
				memcpy(p + n, sl->code, sl->ncode * sizeof(sk_ins));
				n += sl->ncode;
			}
			if (sl->nonneg && sl->kind == SK_SLOT_FLOW) {
				p[n].op = SK_I_FN1;
				p[n].a = SK_F_NONNEG;
				p[n].k = 0;
				n++;
			}
			p[n].op = SK_I_STORE;
			p[n].a = s.order[i];
			p[n].k = 0;
			n++;
		}
		p[n].op = SK_I_END;
		p[n].a = 0;
		p[n].k = 0;
		n++;
		*prog = p;
		*nprog = n;
		if (init)
			mark_constants(m, s.order, s.norder);
	}
	free(s.mark);
	free(s.order);
	free(s.path);
	return rc;
}

/* ---- scenarios ---------------------------------------------------------- */

static json_t *find_def(json_t *doc, const char *name, const char **section)
{
	static const char *secs[] = {"parameters", "auxiliaries", "flows", "stocks", "data", NULL};
	char *key = sk_model_name_key(name);
	json_t *hit = NULL;
	for (int s = 0; secs[s] && !hit; s++) {
		json_t *arr = json_object_get(doc, secs[s]);
		size_t i;
		json_t *d;
		json_array_foreach(arr, i, d) {
			const char *n = jstr(d, "name");
			char *k = sk_model_name_key(n ? n : "");
			int eq = strcmp(k, key) == 0;
			free(k);
			if (eq) {
				hit = d;
				*section = secs[s];
				break;
			}
		}
	}
	free(key);
	return hit;
}

static int check_range(json_t *def, const char *name, double v, const char *file)
{
	json_t *r = json_object_get(def, "range");
	double lo, hi;
	if (json_is_array(r) && json_array_size(r) == 2 &&
		sk_model__number(json_array_get(r, 0), &lo) == 0 &&
		sk_model__number(json_array_get(r, 1), &hi) == 0 && (v < lo || v > hi))
		return sk_error_set(SK_EINVALID, "%s: parameter '%s' = %g is outside its range [%g, %g]",
			file, name, v, lo, hi);
	return 0;
}

/* Sets one override into the (copied) document. */
static int apply_set(json_t *doc, const char *name, json_t *val, const char *file,
	const char *scen)
{
	const char *sec = NULL;
	json_t *def = find_def(doc, name, &sec);
	if (!def) {
		if (scen)
			return sk_error_set(SK_ENOTFOUND, "%s: scenario '%s' sets '%s', which the model does not define",
				file, scen, name);
		return sk_error_set(SK_ENOTFOUND, "%s: no parameter or variable '%s' to set", file, name);
	}
	if (!strcmp(sec, "data")) {
		if (!json_is_object(val))
			return sk_error_set(SK_EINVALID, "%s: data '%s' is overridden by an object", file, name);
		json_object_update(def, val);
		return 0;
	}
	if (json_is_number(val)) {
		int rc = check_range(def, name, json_number_value(val), file);
		if (rc < 0)
			return rc;
	}
	const char *key = !strcmp(sec, "stocks") ? "initial" : !strcmp(sec, "parameters") ? "value" : "equation";
	json_object_del(def, "elements");
	json_object_set(def, key, val);
	return 0;
}

static int apply_scenario(json_t *doc, const char *name, const char *file, int depth)
{
	json_t *ss = json_object_get(doc, "scenarios");
	json_t *sc = NULL, *x;
	size_t i;
	json_array_foreach(ss, i, x) {
		const char *n = jstr(x, "name");
		if (n && !strcmp(n, name))
			sc = x;
	}
	if (!sc) {
		sk_buf b = SK_BUF_INIT;
		json_array_foreach(ss, i, x) {
			if (b.len)
				sk_buf_puts(&b, ", ");
			sk_buf_puts(&b, jstr(x, "name") ? jstr(x, "name") : "?");
		}
		int rc = sk_error_set(SK_ENOTFOUND, "%s: no scenario '%s' (the model has: %s)", file, name,
			b.len ? b.data : "none");
		sk_buf_free(&b);
		return rc;
	}
	if (depth > 16)
		return sk_error_set(SK_EINVALID, "%s: scenario '%s' extends in a circle", file, name);
	const char *ext = jstr(sc, "extends");
	if (ext) {
		int rc = apply_scenario(doc, ext, file, depth + 1);
		if (rc < 0)
			return rc;
	}
	const char *k;
	json_t *v;
	json_t *set = json_incref(json_object_get(sc, "set"));
	int rc = 0;
	json_object_foreach(set, k, v) {
		if ((rc = apply_set(doc, k, v, file, name)) < 0)
			break;
	}
	json_decref(set);
	return rc;
}

/* ---- the whole compile -------------------------------------------------- */

static void build_reported(sk_model *m)
{
	size_t n = 0;
	for (int i = 0; i < m->nvars; i++)
		if (!m->vars[i].is_lookup)
			n += (size_t)m->vars[i].n;
	m->reported = sk_calloc(n + 1, sizeof(char *));
	m->reported_slot = sk_calloc(n + 1, sizeof(int));
	for (int i = 0; i < m->nvars; i++) {
		const sk_var *v = &m->vars[i];
		if (v->is_lookup)
			continue;
		for (int e = 0; e < v->n; e++) {
			if (!v->ndims) {
				m->reported[m->nreported] = sk_strdup(v->name);
			} else {
				sk_buf b = SK_BUF_INIT;
				sk_buf_printf(&b, "%s[", v->name);
				int rem = e;
				int idx[16] = {0};
				for (int p = v->ndims - 1; p >= 0; p--) {
					int dn = m->dims[v->dims[p]].n;
					idx[p] = rem % dn;
					rem /= dn;
				}
				for (int p = 0; p < v->ndims; p++)
					sk_buf_printf(&b, "%s%s", p ? "," : "", m->dims[v->dims[p]].elems[idx[p]]);
				sk_buf_putc(&b, ']');
				m->reported[m->nreported] = sk_buf_detach(&b);
			}
			m->reported_slot[m->nreported++] = v->base + e;
		}
	}
}

static int compile_doc(sk_model *m, compiler *c, json_t *doc)
{
	int rc;
	const char *nm = jstr(doc, "title");
	if (!nm)
		nm = jstr(doc, "name");
	m->name = sk_strdup(nm ? nm : c->file);
	if ((rc = read_time(c, doc)) < 0 || (rc = read_dims(c, doc)) < 0)
		return rc;
	static const struct { const char *sec; sk_slot_kind kind; int lookup, param; } secs[] = {
		{"parameters", SK_SLOT_AUX, 0, 1}, {"data", SK_SLOT_AUX, 0, 2},
		{"stocks", SK_SLOT_STOCK, 0, 0}, {"flows", SK_SLOT_FLOW, 0, 0},
		{"auxiliaries", SK_SLOT_AUX, 0, 0}, {"lookups", SK_SLOT_AUX, 1, 0}, {NULL, 0, 0, 0}};
	int nfirst = 0;
	int *param_of = NULL;
	for (int s = 0; secs[s].sec; s++) {
		json_t *arr = json_object_get(doc, secs[s].sec);
		size_t i;
		json_t *d;
		if (arr && !json_is_array(arr))
			return sk_error_set(SK_EINVALID, "%s: \"%s\" must be an array", c->file, secs[s].sec);
		json_array_foreach(arr, i, d) {
			int vi = add_var(c, d, secs[s].kind, secs[s].lookup, secs[s].param);
			if (vi < 0) {
				free(param_of);
				return vi;
			}
			param_of = sk_realloc(param_of, sizeof(int) * (size_t)(vi + 1));
			param_of[vi] = secs[s].param;
		}
	}
	(void)nfirst;
	/* the cohort block's population and births are variables too */
	json_t *co = json_object_get(doc, "cohort");
	if (json_is_object(co)) {
		const char *pn = jstr(co, "name"), *sx = jstr(co, "sex"), *ag = jstr(co, "age"),
			*ini = jstr(co, "initial");
		if (!pn || !ag || !ini) {
			free(param_of);
			return sk_error_set(SK_EINVALID, "%s: the cohort block needs name, age and initial", c->file);
		}
		json_t *pd = json_object(), *dl = json_array();
		const char *rg = jstr(co, "region");
		if (rg)
			json_array_append_new(dl, json_string(rg));
		if (sx)
			json_array_append_new(dl, json_string(sx));
		json_array_append_new(dl, json_string(ag));
		json_object_set_new(pd, "name", json_string(pn));
		json_object_set_new(pd, "dimensions", dl);
		json_object_set_new(pd, "initial", json_string(ini));
		json_object_set_new(co, "_def", pd);
		const char *bn = jstr(co, "births");
		char *bname = bn ? sk_strdup(bn) : sk_printf("%s births", pn);
		json_t *bd = json_object();
		json_object_set_new(bd, "name", json_string(bname));
		json_object_set_new(bd, "initial", json_integer(0));
		json_object_set_new(co, "_births_def", bd);
		json_object_set_new(co, "_births", json_string(bname));
		free(bname);
		json_t *defs[2] = {pd, bd};
		for (int k = 0; k < 2; k++) {
			int vi = add_var(c, defs[k], SK_SLOT_STOCK, 0, 0);
			if (vi < 0) {
				free(param_of);
				return vi;
			}
			param_of = sk_realloc(param_of, sizeof(int) * (size_t)(vi + 1));
			param_of[vi] = 0;
		}
		const sk_var *pv = &m->vars[m->nvars - 2];
		if (sx && pv->ndims >= 2 && m->dims[pv->dims[pv->ndims - 2]].n > 16) {
			free(param_of);
			return sk_error_set(SK_EINVALID, "%s: the cohort's sex dimension has more than 16 elements",
				c->file);
		}
	}
	/* slots for every variable element */
	for (int i = 0; i < m->nvars; i++) {
		sk_var *v = &m->vars[i];
		v->base = m->nslots;
		if (v->is_lookup)
			continue;
		for (int e = 0; e < v->n; e++) {
			int s = new_slot(m, v->kind);
			m->slots[s].var = i;
			m->slots[s].elem = e;
			m->slots[s].nonneg = v->nonneg;
		}
	}
	c->const_state = sk_calloc((size_t)m->nvars + 1, sizeof(int));
	rc = 0;
	for (int i = 0; i < m->nvars && rc == 0; i++) {
		if (param_of[i] == 2) {
			/* a data table: constants read from its file */
			double *vals = NULL;
			sk_var *v = &m->vars[i];
			rc = sk_model__data_read(&vals, m, v, c->base_dir);
			if (rc == 0) {
				c->eqns[i].per_elem = 1;
				c->eqns[i].nodes = sk_calloc((size_t)v->n, sizeof(sk_node *));
				for (int e = 0; e < v->n; e++)
					c->eqns[i].nodes[e] = sk_model__node_num(vals[e]);
			}
			free(vals);
			continue;
		}
		rc = read_equations(c, i, param_of[i] == 1);
	}
	free(param_of);
	if (rc < 0)
		return rc;
	/* code for each element */
	for (int i = 0; i < m->nvars && rc == 0; i++) {
		sk_var *v = &m->vars[i];
		if (v->is_lookup)
			continue;
		int idx[16];
		if (v->ndims > 16)
			return sk_error_set(SK_EUNSUPPORTED, "unsupported: more than 16 dimensions (%s)", v->name);
		for (int e = 0; e < v->n && rc == 0; e++) {
			int rem = e;
			for (int p = v->ndims - 1; p >= 0; p--) {
				int dn = m->dims[v->dims[p]].n;
				idx[p] = rem % dn;
				rem /= dn;
			}
			emitter em = {c, i, idx, NULL, 0, 0, NULL, 0, 0, 0, 0, 0, NULL};
			const sk_node *n = c->eqns[i].nodes[c->eqns[i].per_elem ? e : 0];
			rc = emit(&em, n);
			int t = v->gfs ? v->gfs[e] : v->gf;
			if (rc == 0 && t >= 0)
				put(&em, SK_I_LOOKUP, t, 0, 0);
			if (rc == 0 && em.maxdepth > MAX_STACK)
				rc = err_at(&em, n, SK_EINVALID, "equation too deeply nested");
			if (rc < 0) {
				free(em.code);
				free(em.deps);
				break;
			}
			slot_take(m, v->base + e, &em);
			if (c->eqns[i].init) {
				emitter ie = {c, i, idx, NULL, 0, 0, NULL, 0, 0, 0, 0, 0, NULL};
				rc = emit(&ie, c->eqns[i].init);
				if (rc < 0) {
					free(ie.code);
					free(ie.deps);
					break;
				}
				sk_slot *sl = &m->slots[v->base + e];
				sl->icode = ie.code;
				sl->nicode = ie.n;
				sl->ideps = ie.deps;
				sl->nideps = ie.nd;
			}
		}
	}
	if (rc < 0)
		return rc;
	/* stocks' inflows and outflows */
	for (int i = 0; i < m->nvars && rc == 0; i++) {
		sk_var *v = &m->vars[i];
		if (v->kind != SK_SLOT_STOCK)
			continue;
		for (int dir = 0; dir < 2 && rc == 0; dir++) {
			json_t *fl = json_object_get(v->def, dir ? "outflows" : "inflows");
			size_t k;
			json_t *f;
			json_array_foreach(fl, k, f) {
				const char *fn = json_string_value(f);
				char *fk = sk_model_name_key(fn ? fn : "");
				int fi = kmap_get(&c->vars, fk);
				free(fk);
				if (fi < 0 || m->vars[fi].kind == SK_SLOT_STOCK) {
					rc = sk_error_set(SK_EINVALID, "%s: stock '%s': %s '%s' is not a flow", c->file,
						v->name, dir ? "outflow" : "inflow", fn ? fn : "?");
					break;
				}
				const sk_var *fv = &m->vars[fi];
				if (fv->n != 1 && fv->n != v->n) {
					rc = sk_error_set(SK_EINVALID, "%s: stock '%s' and flow '%s' have different dimensions",
						c->file, v->name, fv->name);
					break;
				}
				for (int e = 0; e < v->n; e++)
					add_link(m, v->base + e, fv->base + (fv->n == 1 ? 0 : e), dir ? -1 : 1);
			}
		}
	}
	if (rc < 0)
		return rc;
	if (json_is_object(co) && (rc = sk_model__cohort_compile(m, co, &m->cohort)) < 0)
		return rc;
	m->nstocks = 0;
	free(m->stocks);
	m->stocks = sk_calloc((size_t)m->nslots + 1, sizeof(int));
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].kind == SK_SLOT_STOCK)
			m->stocks[m->nstocks++] = i;
	build_reported(m);
	if ((rc = build_prog(m, 1, &m->init_prog, &m->ninit)) < 0 ||
		(rc = build_prog(m, 0, &m->step_prog, &m->nstep)) < 0)
		return rc;
	/* outputs */
	json_t *outs = json_object_get(doc, "outputs");
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *on = json_string_value(o);
		if (!on)
			continue;
		long vi = sk_model_var_find(m, on);
		char *key = sk_model_name_key(on);
		int var = kmap_get(&c->vars, key);
		free(key);
		if (vi < 0 && var < 0)
			return sk_error_set(SK_EINVALID, "%s: output '%s' is not a variable", c->file, on);
		for (size_t r = 0; r < m->nreported; r++) {
			int sl = m->reported_slot[r];
			if ((vi >= 0 && (long)r == vi) || (vi < 0 && m->slots[sl].var == var)) {
				m->outputs = sk_realloc(m->outputs, sizeof(size_t) * (m->noutputs + 1));
				m->outputs[m->noutputs++] = r;
			}
		}
	}
	return 0;
}

int sk_model_compile(sk_model **out, const char *json_text, size_t len, const char *file,
	const sk_model_options *opts)
{
	json_error_t jerr;
	json_t *doc = NULL;
	sk_model *m = NULL;
	compiler c;
	int rc = 0;
	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (!file)
		file = "model";
	doc = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		rc = sk_error_set(SK_EINVALID, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(doc)) {
		rc = sk_error_set(SK_EINVALID, "%s: a model is a JSON object", file);
		goto done;
	}
	/* scenarios and overrides edit a private copy */
	json_t *work = json_deep_copy(doc);
	json_decref(doc);
	doc = work;
	const char *scen = opts ? opts->scenario : NULL;
	if (!scen)
		scen = jstr(doc, "default_scenario");
	if (scen && (rc = apply_scenario(doc, scen, file, 0)) < 0)
		goto done;
	for (size_t i = 0; opts && i < opts->nsets; i++) {
		json_t *v = json_real(opts->sets[i].value);
		rc = apply_set(doc, opts->sets[i].name, v, file, NULL);
		json_decref(v);
		if (rc < 0)
			goto done;
	}
	m = sk_calloc(1, sizeof(*m));
	m->file = sk_strdup(file);
	m->doc = doc;
	doc = NULL;
	c.m = m;
	c.file = m->file;
	char *slash = strrchr(m->file, '/');
	c.base_dir = NULL;
	char *bd = slash ? sk_strndup(m->file, (size_t)(slash - m->file)) : sk_strdup(".");
	c.base_dir = bd;
	c.doc = m->doc;
	rc = compile_doc(m, &c, m->doc);
	free(bd);
	if (rc == 0 && opts && opts->method != SK_MODEL_METHOD_DEFAULT)
		m->method = opts->method;
done:
	if (c.eqns) {
		for (int i = 0; m && i < m->nvars; i++) {
			int cnt = c.eqns[i].per_elem ? m->vars[i].n : 1;
			for (int k = 0; c.eqns[i].nodes && k < cnt; k++)
				sk_model__node_free(c.eqns[i].nodes[k]);
			sk_model__node_free(c.eqns[i].init);
			free(c.eqns[i].nodes);
		}
		free(c.eqns);
	}
	free(c.const_state);
	kmap_free(&c.vars);
	json_decref(doc);
	if (rc < 0) {
		sk_model_free(m);
		m = NULL;
	}
	*out = m;
	return rc;
}

void sk_model_free(sk_model *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->file);
	for (int i = 0; i < m->ndims; i++) {
		for (int k = 0; k < m->dims[i].n; k++) {
			free(m->dims[i].elems[k]);
			free(m->dims[i].ekeys[k]);
		}
		free(m->dims[i].elems);
		free(m->dims[i].ekeys);
		free(m->dims[i].name);
		free(m->dims[i].key);
		free(m->dims[i].pmap);
	}
	free(m->dims);
	for (int i = 0; i < m->nvars; i++) {
		free(m->vars[i].name);
		free(m->vars[i].key);
		free(m->vars[i].dims);
		free(m->vars[i].gfs);
	}
	free(m->vars);
	for (int i = 0; i < m->nslots; i++) {
		free(m->slots[i].code);
		free(m->slots[i].deps);
		free(m->slots[i].icode);
		free(m->slots[i].ideps);
	}
	free(m->slots);
	for (int i = 0; i < m->ntables; i++) {
		free(m->tables[i].x);
		free(m->tables[i].y);
	}
	free(m->tables);
	for (int i = 0; i < m->naggs; i++)
		free(m->aggs[i].slots);
	free(m->aggs);
	free(m->delays);
	for (int i = 0; i < m->nidxtabs; i++)
		free(m->idxtabs[i]);
	free(m->idxtabs);
	free(m->links);
	free(m->stocks);
	free(m->init_prog);
	free(m->step_prog);
	for (size_t i = 0; i < m->nreported; i++)
		free(m->reported[i]);
	free(m->reported);
	free(m->reported_slot);
	free(m->outputs);
	sk_model__cohort_free(m->cohort);
	json_decref(m->doc);
	free(m);
}
