/* samskap — model: the cohort-component block. */
#include <stdlib.h>

#include "model_int.h"

struct sk_cohort {
	int dummy;
};

int sk_model__cohort_compile(sk_model *m, json_t *def, sk_cohort **out)
{
	(void)def;
	*out = NULL;
	return sk_error_set(SK_EUNSUPPORTED, "unsupported: cohort block (%s)", m->file);
}

void sk_model__cohort_step(const sk_model *m, const sk_cohort *c, double *v, double *scratch)
{
	(void)m; (void)c; (void)v; (void)scratch;
}

size_t sk_model__cohort_scratch(const sk_cohort *c)
{
	(void)c;
	return 0;
}

void sk_model__cohort_free(sk_cohort *c)
{
	free(c);
}
