/* samskap — model: the cohort-component block.
 *
 * Ages a population held as an array over [sex, age] (or [age] alone) by
 * one age group per step, the step being the width of an age group (dt).
 * Per step and sex: half the net migrants join at the start and half at
 * the end (or all at the start or end); survivors move up one group; the
 * open top group keeps its own survivors and receives the group below;
 * births are the fertility rates times the mean of the women at the start
 * (after early migration) and at the end of the step, times the step;
 * births split by the sex ratio at birth and survive into the first group.
 * Survival comes as ratios, as mortality rates, or as life-table L with
 * l0 (S[0] = L[0] / (width * l0), S[a] = L[a] / L[a-1], open group
 * L[n-1] / (L[n-2] + L[n-1])): the method of Preston, Heuveline and
 * Guillot (2001), Box 6.2. The rates are read from the model's variables
 * as they stand at the start of each step, so scenarios can change them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

enum { SURV_RATIO, SURV_MORTALITY, SURV_LIFETABLE };
enum { MIG_HALF, MIG_START, MIG_END };

struct sk_cohort {
	int pop;           /* first slot of the population array */
	int ng;            /* regions (1 when there is no region dimension) */
	int ns, na;        /* sexes (1 when there is no sex dimension), age groups */
	int female;
	int fert, fert_n;
	int surv, surv_n, surv_kind;
	int mig, mig_n, mig_timing;
	int srb_slot;      /* -1: srb_const */
	double srb_const;
	int births;        /* slot reporting births during the last step */
	double l0;
};

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Finds a variable by name for the block: its first slot and element count. */
static int block_var(const sk_model *m, const char *what, const char *name, int *base, int *n,
	int want_a, int want_b, int ng)
{
	if (!name)   /* missing, or not a string (the schema was not asked) */
		return sk_error_set(SK_EINVALID, "%s: cohort needs its %s variable, by name", m->file, what);
	char *key = sk_model_name_key(name);
	int vi = -1;
	for (int i = 0; i < m->nvars; i++)
		if (!strcmp(m->vars[i].key, key))
			vi = i;
	free(key);
	if (vi < 0)
		return sk_error_set(SK_EINVALID, "%s: cohort %s '%s' is not a variable of the model", m->file,
			what, name);
	*base = m->vars[vi].base;
	*n = m->vars[vi].n;
	if (*n != want_a && *n != want_b && *n != want_a * ng && *n != want_b * ng)
		return sk_error_set(SK_EINVALID, "%s: cohort %s '%s' has %d elements; it must run over age "
			"(%d) or sex and age (%d), for each region or for all", m->file, what, name, *n, want_a,
			want_b);
	return 0;
}

int sk_model__cohort_compile(sk_model *m, json_t *def, sk_cohort **out)
{
	sk_cohort *c = sk_calloc(1, sizeof(*c));
	int rc = 0, n;
	*out = NULL;
	const char *name = jstr(def, "name");
	char *key = sk_model_name_key(name ? name : "");
	int pv = -1;
	for (int i = 0; i < m->nvars; i++)
		if (!strcmp(m->vars[i].key, key))
			pv = i;
	free(key);
	if (pv < 0) {
		rc = sk_error_set(SK_EINVALID, "%s: cohort block without a population", m->file);
		goto done;
	}
	const sk_var *p = &m->vars[pv];
	c->pop = p->base;
	int has_sex = jstr(def, "sex") != NULL, has_region = jstr(def, "region") != NULL;
	c->na = m->dims[p->dims[p->ndims - 1]].n;
	c->ns = has_sex ? m->dims[p->dims[p->ndims - 2]].n : 1;
	c->ng = has_region ? m->dims[p->dims[0]].n : 1;
	if (c->na < 3) {
		rc = sk_error_set(SK_EINVALID, "%s: cohort age dimension needs at least 3 groups", m->file);
		goto done;
	}
	if (has_sex) {
		const sk_dim *sd = &m->dims[p->dims[p->ndims - 2]];
		const char *fem = jstr(def, "female");
		c->female = -1;
		for (int k = 0; k < sd->n; k++) {
			const char *e = sd->ekeys[k];
			if (fem ? !strcmp(e, fem) : (e[0] == 'f' || e[0] == 'k' || !strcmp(e, "2")))
				if (c->female < 0)
					c->female = k;
		}
		if (c->female < 0) {
			if (fem) {
				rc = sk_error_set(SK_EINVALID, "%s: cohort: '%s' is not an element of '%s'", m->file,
					fem, sd->name);
				goto done;
			}
			c->female = 0;
		}
	}
	int full = c->ns * c->na;
	if ((rc = block_var(m, "fertility", jstr(def, "fertility"), &c->fert, &c->fert_n, c->na, full, c->ng)) < 0)
		goto done;
	const char *sv = jstr(def, "survival");
	c->surv_kind = SURV_RATIO;
	if (!sv && (sv = jstr(def, "mortality")))
		c->surv_kind = SURV_MORTALITY;
	if (!sv && (sv = jstr(def, "life_table")))
		c->surv_kind = SURV_LIFETABLE;
	if (!sv) {
		rc = sk_error_set(SK_EINVALID, "%s: cohort needs survival, mortality or life_table", m->file);
		goto done;
	}
	if ((rc = block_var(m, "survival", sv, &c->surv, &c->surv_n, c->na, full, c->ng)) < 0)
		goto done;
	c->mig = -1;
	const char *mg = jstr(def, "migration");
	if (mg && (rc = block_var(m, "migration", mg, &c->mig, &c->mig_n, c->na, full, c->ng)) < 0)
		goto done;
	const char *mt = jstr(def, "migration_timing");
	c->mig_timing = !mt || !strcmp(mt, "half") ? MIG_HALF : !strcmp(mt, "start") ? MIG_START : MIG_END;
	json_t *srb = json_object_get(def, "sex_ratio_at_birth");
	c->srb_slot = -1;
	c->srb_const = 1.05;
	if (json_is_number(srb)) {
		c->srb_const = json_number_value(srb);
	} else if (json_is_string(srb)) {
		if ((rc = block_var(m, "sex ratio at birth", json_string_value(srb), &c->srb_slot, &n, 1, 1, 1)) < 0)
			goto done;
	}
	double l0;
	c->l0 = sk_model__number(json_object_get(def, "l0"), &l0) == 0 ? l0 : 100000;
	const char *bn = json_string_value(json_object_get(def, "_births"));
	if (!bn || block_var(m, "births", bn, &c->births, &n, 1, 1, 1) < 0) {
		rc = sk_error_set(SK_EINVALID, "%s: cohort births variable missing", m->file);
		goto done;
	}
	/* the cohort's own slots are stepped by the block, not integrated */
	for (int i = 0; i < full * c->ng; i++)
		m->slots[c->pop + i].nonneg = 0;
done:
	if (rc < 0) {
		free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

/* Rate for region g, sex s and age a from an array over [age], [sex, age]
 * or either of those per region. */
static double rate(const sk_cohort *c, const double *v, int base, int n, int g, int s, int a)
{
	int na = c->na, ns = c->ns;
	if (n == na)
		return v[base + a];
	if (n == ns * na)
		return v[base + s * na + a];
	if (n == c->ng * na)
		return v[base + g * na + a];
	return v[base + (g * ns + s) * na + a];
}

/* One step of one region. */
static void step_region(const sk_model *m, const sk_cohort *c, double *v, double *scratch, int g,
	double *births_out)
{
	int ns = c->ns, na = c->na;
	double w = m->dt;
	double early = c->mig_timing == MIG_HALF ? 0.5 : c->mig_timing == MIG_START ? 1 : 0;
	double *star = scratch, *fin = scratch + (size_t)ns * na;
	double s0[16];
	int sb = c->surv, sn = c->surv_n;
	double *pop = v + c->pop + (size_t)g * ns * na;
	for (int s = 0; s < ns; s++) {
		double *P = pop + s * na;
		double *ps = star + s * na, *pf = fin + s * na;
		for (int a = 0; a < na; a++)
			ps[a] = P[a] + (c->mig >= 0 ? early * rate(c, v, c->mig, c->mig_n, g, s, a) : 0);
		for (int a = 1; a < na; a++) {
			double x;
			if (c->surv_kind == SURV_RATIO) {
				x = a < na - 1 ? ps[a - 1] * rate(c, v, sb, sn, g, s, a)
					: (ps[a - 1] + ps[a]) * rate(c, v, sb, sn, g, s, a);
			} else if (c->surv_kind == SURV_MORTALITY) {
				x = ps[a - 1] * (1 - rate(c, v, sb, sn, g, s, a - 1));
				if (a == na - 1)
					x += ps[a] * (1 - rate(c, v, sb, sn, g, s, a));
			} else {
				double L = rate(c, v, sb, sn, g, s, a), Lp = rate(c, v, sb, sn, g, s, a - 1);
				x = a < na - 1 ? (Lp > 0 ? ps[a - 1] * L / Lp : 0)
					: (Lp + L > 0 ? (ps[a - 1] + ps[a]) * L / (Lp + L) : 0);
			}
			pf[a] = x + (c->mig >= 0 ? (1 - early) * rate(c, v, c->mig, c->mig_n, g, s, a) : 0);
		}
		if (c->surv_kind == SURV_RATIO)
			s0[s & 15] = rate(c, v, sb, sn, g, s, 0);
		else if (c->surv_kind == SURV_MORTALITY)
			s0[s & 15] = 1 - rate(c, v, sb, sn, g, s, 0) / 2;
		else
			s0[s & 15] = rate(c, v, sb, sn, g, s, 0) / (w * c->l0);
	}
	/* births: mean of the women at the start and the end, times the step */
	int f = c->female;
	double births = 0;
	for (int a = 1; a < na; a++) {
		double fr = rate(c, v, c->fert, c->fert_n, g, f, a);
		if (fr != 0)
			births += w * fr * (star[f * na + a] + fin[f * na + a]) / 2;
	}
	double srb = c->srb_slot >= 0 ? v[c->srb_slot] : c->srb_const;
	for (int s = 0; s < ns; s++) {
		double share = ns == 1 ? 1 / (1 + srb) : s == f ? 1 / (1 + srb) : srb / (1 + srb);
		fin[s * na] = births * share * s0[s & 15] +
			(c->mig >= 0 ? (1 - early) * rate(c, v, c->mig, c->mig_n, g, s, 0) : 0);
		double *P = pop + s * na;
		for (int a = 0; a < na; a++)
			P[a] = fin[s * na + a] > 0 ? fin[s * na + a] : 0;
	}
	*births_out += births;
}

void sk_model__cohort_step(const sk_model *m, const sk_cohort *c, double *v, double *scratch)
{
	double births = 0;
	for (int g = 0; g < c->ng; g++)
		step_region(m, c, v, scratch, g, &births);
	v[c->births] = births;
}

size_t sk_model__cohort_scratch(const sk_cohort *c)
{
	return c ? (size_t)2 * (size_t)c->ns * (size_t)c->na : 0;
}

void sk_model__cohort_free(sk_cohort *c)
{
	free(c);
}
