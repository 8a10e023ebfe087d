/* samskap — model: the stepper (a small stack machine over flat slots),
 * Euler and RK4 integration, results and name look-ups.
 *
 * A run allocates its buffers once; the step loop only executes the
 * compiled programs and adds up flows, so its cost is linear in the size
 * of the model and the number of steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

#define STACK 272

struct sk_model_result {
	const sk_model *m;
	size_t ntimes, nvars;
	double *times;
	double *values;    /* ntimes x nvars */
	size_t *vars;      /* reported index of each kept column */
};

typedef struct run {
	const sk_model *m;
	double t;
	double *v;
	double *hist;      /* ndelays x (nsteps + 1) */
	long nsteps;
	long hcount;       /* recorded steps */
	int bad;           /* slot that became NaN or infinite */
} run;

static double lookup(const sk_table *t, double x)
{
	int n = t->n;
	if (isnan(x))
		return x;
	if (x <= t->x[0]) {
		if (t->type == SK_GF_EXTRAPOLATE && n > 1 && t->x[1] != t->x[0])
			return t->y[0] + (x - t->x[0]) * (t->y[1] - t->y[0]) / (t->x[1] - t->x[0]);
		return t->y[0];
	}
	if (x >= t->x[n - 1]) {
		if (t->type == SK_GF_EXTRAPOLATE && n > 1 && t->x[n - 1] != t->x[n - 2])
			return t->y[n - 1] + (x - t->x[n - 1]) * (t->y[n - 1] - t->y[n - 2]) /
				(t->x[n - 1] - t->x[n - 2]);
		return t->y[n - 1];
	}
	int lo = 0, hi = n - 1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (t->x[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	if (t->type == SK_GF_DISCRETE)
		return t->y[lo];
	double dx = t->x[hi] - t->x[lo];
	if (dx == 0)
		return t->y[hi];
	return t->y[lo] + (x - t->x[lo]) * (t->y[hi] - t->y[lo]) / dx;
}

static double aggregate(const sk_agg *a, const double *v)
{
	int n = a->n;
	double r;
	switch (a->kind) {
	case SK_AGG_SUM:
		r = 0;
		for (int i = 0; i < n; i++)
			r += v[a->slots[i]];
		return r;
	case SK_AGG_PROD:
		r = 1;
		for (int i = 0; i < n; i++)
			r *= v[a->slots[i]];
		return r;
	case SK_AGG_MEAN:
		r = 0;
		for (int i = 0; i < n; i++)
			r += v[a->slots[i]];
		return n ? r / n : 0;
	case SK_AGG_MIN:
		r = INFINITY;
		for (int i = 0; i < n; i++)
			if (v[a->slots[i]] < r)
				r = v[a->slots[i]];
		return r;
	case SK_AGG_MAX:
		r = -INFINITY;
		for (int i = 0; i < n; i++)
			if (v[a->slots[i]] > r)
				r = v[a->slots[i]];
		return r;
	case SK_AGG_STDDEV: {
		double s = 0, ss = 0;
		for (int i = 0; i < n; i++) {
			s += v[a->slots[i]];
		}
		double mean = n ? s / n : 0;
		for (int i = 0; i < n; i++)
			ss += (v[a->slots[i]] - mean) * (v[a->slots[i]] - mean);
		return n ? sqrt(ss / n) : 0;
	}
	case SK_AGG_SIZE:
		return n;
	}
	return NAN;
}

static double fn(int id, double a, double b, double c, double t, double dt)
{
	switch (id) {
	case SK_F_ABS: return fabs(a);
	case SK_F_SQRT: return sqrt(a);
	case SK_F_EXP: return exp(a);
	case SK_F_LN: return log(a);
	case SK_F_LOG10: return log10(a);
	case SK_F_INT: return floor(a);
	case SK_F_SIN: return sin(a);
	case SK_F_COS: return cos(a);
	case SK_F_TAN: return tan(a);
	case SK_F_ASIN: return asin(a);
	case SK_F_ACOS: return acos(a);
	case SK_F_ATAN: return atan(a);
	case SK_F_SINH: return sinh(a);
	case SK_F_COSH: return cosh(a);
	case SK_F_TANH: return tanh(a);
	case SK_F_MIN: return a < b ? a : b;
	case SK_F_MAX: return a > b ? a : b;
	case SK_F_MODF: return b == 0 ? NAN : a - b * floor(a / b);
	case SK_F_SAFEDIV: return b == 0 ? 0 : a / b;
	case SK_F_NONNEG: return a < 0 ? 0 : a;
	case SK_F_STEP: return t + dt * 1e-6 >= b ? a : 0;
	case SK_F_RAMP: return t > b ? a * (t - b) : 0;
	case SK_F_RAMP2: return t > b ? a * ((t < c ? t : c) - b) : 0;
	case SK_F_PULSE2:
	case SK_F_PULSE3: {
		double first = b, every = id == SK_F_PULSE3 ? c : 0;
		if (t + dt * 1e-6 < first)
			return 0;
		double r = t - first;
		if (every > 0)
			r = fmod(r + dt * 1e-6, every) - dt * 1e-6;
		return (r > -dt * 0.5 && r < dt * 0.5) ? a / dt : 0;
	}
	}
	return NAN;
}

/* Pipeline delay: the input's value at t - d, from the recorded history. */
static double delayp(run *r, int k, double d)
{
	const sk_model *m = r->m;
	const sk_delayp *dp = &m->delays[k];
	double target = r->t - d;
	const double *h = r->hist + (size_t)k * (size_t)(r->nsteps + 1);
	if (target < m->start - m->dt * 1e-6 || r->hcount == 0) {
		if (dp->init >= 0)
			return r->v[dp->init];
		return r->hcount ? h[0] : r->v[dp->input];
	}
	/* the input as it was at the last step at or before t - d */
	long j = (long)floor((target - m->start) / m->dt + 1e-6);
	if (j >= r->hcount)
		return r->v[dp->input];
	return h[j];
}

/* Runs one program. Returns 0, or -1 with r->bad set. */
static int exec(run *r, const sk_ins *p)
{
	const sk_model *m = r->m;
	double *v = r->v;
	double st[STACK];
	int sp = -1;
	const double t = r->t, dt = m->dt;
	for (;; p++) {
		switch ((sk_iop)p->op) {
		case SK_I_CONST: st[++sp] = p->k; break;
		case SK_I_LOAD: st[++sp] = v[p->a]; break;
		case SK_I_STORE:
			if (!isfinite(st[sp])) {
				r->bad = p->a;
				return -1;
			}
			v[p->a] = st[sp--];
			break;
		case SK_I_ADD: sp--; st[sp] += st[sp + 1]; break;
		case SK_I_SUB: sp--; st[sp] -= st[sp + 1]; break;
		case SK_I_MUL: sp--; st[sp] *= st[sp + 1]; break;
		case SK_I_DIV: sp--; st[sp] /= st[sp + 1]; break;
		case SK_I_POW: sp--; st[sp] = pow(st[sp], st[sp + 1]); break;
		case SK_I_MOD: sp--; st[sp] = fn(SK_F_MODF, st[sp], st[sp + 1], 0, t, dt); break;
		case SK_I_LT: sp--; st[sp] = st[sp] < st[sp + 1]; break;
		case SK_I_LE: sp--; st[sp] = st[sp] <= st[sp + 1]; break;
		case SK_I_GT: sp--; st[sp] = st[sp] > st[sp + 1]; break;
		case SK_I_GE: sp--; st[sp] = st[sp] >= st[sp + 1]; break;
		case SK_I_EQ: sp--; st[sp] = st[sp] == st[sp + 1]; break;
		case SK_I_NE: sp--; st[sp] = st[sp] != st[sp + 1]; break;
		case SK_I_AND: sp--; st[sp] = st[sp] != 0 && st[sp + 1] != 0; break;
		case SK_I_OR: sp--; st[sp] = st[sp] != 0 || st[sp + 1] != 0; break;
		case SK_I_NOT: st[sp] = st[sp] == 0; break;
		case SK_I_NEG: st[sp] = -st[sp]; break;
		case SK_I_JMPF:
			if (st[sp--] == 0)
				p += p->a - 1;
			break;
		case SK_I_JMP: p += p->a - 1; break;
		case SK_I_TIME: st[++sp] = t; break;
		case SK_I_DT: st[++sp] = dt; break;
		case SK_I_START: st[++sp] = m->start; break;
		case SK_I_STOP: st[++sp] = m->stop; break;
		case SK_I_FN1: st[sp] = fn(p->a, st[sp], 0, 0, t, dt); break;
		case SK_I_FN2: sp--; st[sp] = fn(p->a, st[sp], st[sp + 1], 0, t, dt); break;
		case SK_I_FN3: sp -= 2; st[sp] = fn(p->a, st[sp], st[sp + 1], st[sp + 2], t, dt); break;
		case SK_I_AGG: st[++sp] = aggregate(&m->aggs[p->a], v); break;
		case SK_I_LOOKUP: st[sp] = lookup(&m->tables[p->a], st[sp]); break;
		case SK_I_DELAYP: st[sp] = delayp(r, p->a, st[sp]); break;
		case SK_I_LOADIDX: {
			const int *tab = m->idxtabs[p->a];
			double x = floor(st[sp] + 1e-9);
			st[sp] = (x >= 1 && x <= tab[0]) ? v[tab[(int)x]] : 0;
			break;
		}
		case SK_I_END:
			return 0;
		}
	}
}

static int report_bad(const run *r)
{
	const sk_model *m = r->m;
	const sk_slot *s = &m->slots[r->bad];
	const char *name = "(hidden)";
	char buf[64] = "";
	if (s->var >= 0) {
		name = m->vars[s->var].name;
		if (m->vars[s->var].ndims)
			snprintf(buf, sizeof(buf), " (element %d)", s->elem + 1);
	}
	return sk_error_set(SK_EINVALID, "%s: variable '%s'%s is not a finite number at time %g",
		m->file, name, buf, r->t);
}

static void net_flows(const sk_model *m, const double *v, const int *pos, double *d)
{
	memset(d, 0, sizeof(double) * (size_t)m->nstocks);
	for (int i = 0; i < m->nlinks; i++)
		d[pos[m->links[i].stock]] += m->links[i].sign * v[m->links[i].flow];
}

int sk_model_run(sk_model_result **out, const sk_model *m, const size_t *vars, size_t nvars)
{
	sk_model_result *res = NULL;
	run r;
	int rc = 0;
	int *pos = NULL;
	double *d = NULL, *s0 = NULL, *acc = NULL, *scratch = NULL;
	memset(&r, 0, sizeof(r));
	*out = NULL;
	long nsteps = (long)floor((m->stop - m->start) / m->dt + 1e-6);
	long every = (long)floor(m->saveper / m->dt + 0.5);
	if (every < 1)
		every = 1;
	res = sk_calloc(1, sizeof(*res));
	res->m = m;
	if (!vars) {
		nvars = m->nreported;
		res->vars = sk_malloc(sizeof(size_t) * (nvars + 1));
		for (size_t i = 0; i < nvars; i++)
			res->vars[i] = i;
	} else {
		res->vars = sk_malloc(sizeof(size_t) * (nvars + 1));
		for (size_t i = 0; i < nvars; i++) {
			if (vars[i] >= m->nreported) {
				rc = sk_error_set(SK_EINVALID, "variable index %zu out of range", vars[i]);
				goto done;
			}
			res->vars[i] = vars[i];
		}
	}
	res->nvars = nvars;
	size_t nsave = (size_t)(nsteps / every) + 1;
	res->times = sk_calloc(nsave, sizeof(double));
	res->values = sk_calloc(sk_mul_size(nsave, nvars ? nvars : 1), sizeof(double));
	r.m = m;
	r.v = sk_calloc((size_t)m->nslots + 1, sizeof(double));
	r.nsteps = nsteps;
	r.hist = sk_calloc(sk_mul_size((size_t)m->ndelays + 1, (size_t)nsteps + 1), sizeof(double));
	pos = sk_calloc((size_t)m->nslots + 1, sizeof(int));
	for (int i = 0; i < m->nstocks; i++)
		pos[m->stocks[i]] = i;
	d = sk_calloc((size_t)m->nstocks + 1, sizeof(double));
	s0 = sk_calloc((size_t)m->nstocks + 1, sizeof(double));
	acc = sk_calloc((size_t)m->nstocks + 1, sizeof(double));
	if (m->cohort)
		scratch = sk_calloc(sk_model__cohort_scratch(m->cohort) + 1, sizeof(double));
	int rk4 = m->method == SK_MODEL_METHOD_RK4;
	r.t = m->start;
	if (exec(&r, m->init_prog) < 0 || (m->active_initial && exec(&r, m->step_prog) < 0)) {
		rc = report_bad(&r);
		goto done;
	}
	for (long i = 0;; i++) {
		r.t = m->start + (double)i * m->dt;
		if (i > 0 && exec(&r, m->step_prog) < 0) {
			rc = report_bad(&r);
			goto done;
		}
		for (int k = 0; k < m->ndelays; k++)
			r.hist[(size_t)k * (size_t)(nsteps + 1) + (size_t)i] = r.v[m->delays[k].input];
		r.hcount = i + 1;
		if (i % every == 0) {
			size_t row = (size_t)(i / every);
			res->times[row] = r.t;
			double *out_row = res->values + row * nvars;
			for (size_t k = 0; k < nvars; k++)
				out_row[k] = r.v[m->reported_slot[res->vars[k]]];
			res->ntimes = row + 1;
		}
		if (i >= nsteps)
			break;
		double dt = m->dt;
		if (!rk4) {
			net_flows(m, r.v, pos, d);
			for (int k = 0; k < m->nstocks; k++) {
				double *x = &r.v[m->stocks[k]];
				*x += dt * d[k];
				if (m->slots[m->stocks[k]].nonneg && *x < 0)
					*x = 0;
			}
		} else {
			/* k1 at t (already computed), then k2, k3 at t + dt/2, k4 at t + dt */
			static const double wt[4] = {1, 2, 2, 1};
			static const double frac[4] = {0, 0.5, 0.5, 1};
			for (int k = 0; k < m->nstocks; k++) {
				s0[k] = r.v[m->stocks[k]];
				acc[k] = 0;
			}
			for (int stage = 0; stage < 4; stage++) {
				if (stage > 0) {
					r.t = m->start + ((double)i + frac[stage]) * dt;
					for (int k = 0; k < m->nstocks; k++)
						r.v[m->stocks[k]] = s0[k] + frac[stage] * dt * d[k];
					if (exec(&r, m->step_prog) < 0) {
						rc = report_bad(&r);
						goto done;
					}
				}
				net_flows(m, r.v, pos, d);
				for (int k = 0; k < m->nstocks; k++)
					acc[k] += wt[stage] * d[k];
			}
			for (int k = 0; k < m->nstocks; k++) {
				double x = s0[k] + dt / 6 * acc[k];
				if (m->slots[m->stocks[k]].nonneg && x < 0)
					x = 0;
				r.v[m->stocks[k]] = x;
			}
		}
		if (m->cohort) {
			r.t = m->start + (double)i * m->dt;
			sk_model__cohort_step(m, m->cohort, r.v, scratch);
		}
	}
done:
	free(r.v);
	free(r.hist);
	free(pos);
	free(d);
	free(s0);
	free(acc);
	free(scratch);
	if (rc < 0) {
		sk_model_result_free(res);
		res = NULL;
	}
	*out = res;
	return rc;
}

size_t sk_model_result_times(const sk_model_result *r) { return r->ntimes; }
size_t sk_model_result_vars(const sk_model_result *r) { return r->nvars; }
double sk_model_result_time(const sk_model_result *r, size_t t) { return r->times[t]; }

const char *sk_model_result_name(const sk_model_result *r, size_t v)
{
	return r->m->reported[r->vars[v]];
}

double sk_model_result_value(const sk_model_result *r, size_t t, size_t v)
{
	return r->values[t * r->nvars + v];
}

void sk_model_result_free(sk_model_result *r)
{
	if (!r)
		return;
	free(r->times);
	free(r->values);
	free(r->vars);
	free(r);
}

const char *sk_model_name(const sk_model *m) { return m->name; }

void sk_model_time(const sk_model *m, double *start, double *stop, double *dt, double *saveper)
{
	if (start) *start = m->start;
	if (stop) *stop = m->stop;
	if (dt) *dt = m->dt;
	if (saveper) *saveper = m->saveper;
}

sk_model_method sk_model_method_used(const sk_model *m) { return m->method; }
size_t sk_model_var_count(const sk_model *m) { return m->nreported; }
const char *sk_model_var_name(const sk_model *m, size_t i) { return m->reported[i]; }

const char *sk_model_var_unit(const sk_model *m, size_t i)
{
	if (i >= m->nreported)
		return NULL;
	int var = m->slots[m->reported_slot[i]].var;
	if (var < 0 || !m->vars[var].def)
		return NULL;
	return json_string_value(json_object_get(m->vars[var].def, "unit"));
}

const size_t *sk_model_outputs(const sk_model *m, size_t *count)
{
	*count = m->noutputs;
	return m->outputs;
}

/* "Name[a, b]" → key of the name and keys of each subscript, joined as
 * "name[a,b]", so differently written names compare equal. */
static char *full_key(const char *s)
{
	const char *lb = strchr(s, '[');
	if (!lb)
		return sk_model_name_key(s);
	sk_buf b = SK_BUF_INIT;
	char *head = sk_strndup(s, (size_t)(lb - s));
	char *hk = sk_model_name_key(head);
	sk_buf_puts(&b, hk);
	free(head);
	free(hk);
	sk_buf_putc(&b, '[');
	const char *p = lb + 1;
	int first = 1;
	for (;;) {
		const char *e = p;
		while (*e && *e != ',' && *e != ']')
			e++;
		char *part = sk_strndup(p, (size_t)(e - p));
		char *pk = sk_model_name_key(part);
		/* "dim.elem" → elem */
		char *dot = strchr(pk, '.');
		if (!first)
			sk_buf_putc(&b, ',');
		sk_buf_puts(&b, dot ? dot + 1 : pk);
		free(part);
		free(pk);
		first = 0;
		if (*e != ',')
			break;
		p = e + 1;
	}
	sk_buf_putc(&b, ']');
	return sk_buf_detach(&b);
}

long sk_model_var_find(const sk_model *m, const char *name)
{
	char *k = full_key(name);
	long hit = -1;
	for (size_t i = 0; i < m->nreported && hit < 0; i++) {
		char *rk = full_key(m->reported[i]);
		if (strcmp(rk, k) == 0)
			hit = (long)i;
		free(rk);
	}
	free(k);
	return hit;
}

int sk_model_load(sk_model **out, const char *path, const sk_model_options *opts)
{
	char *text = NULL, *json = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = sk_file_read(&text, &len, path, 64u << 20);
	if (rc < 0)
		return rc;
	const char *dot = strrchr(path, '.');
	if (dot && (!strcasecmp(dot, ".xmile") || !strcasecmp(dot, ".xml") || !strcasecmp(dot, ".stmx"))) {
		rc = sk_model_import_xmile(&json, text, len, path);
		if (rc == 0)
			rc = sk_model_compile(out, json, strlen(json), path, opts);
	} else {
		rc = sk_model_compile(out, text, len, path, opts);
	}
	free(text);
	free(json);
	return rc;
}
