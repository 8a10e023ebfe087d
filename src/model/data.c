/* samskap — model: data tables from CSV and JSON-stat 2.0. */
#include <stdlib.h>

#include "model_int.h"

int sk_model__data_read(double **values, size_t expect, json_t *def,
	const char *base_dir, const char *model_file)
{
	(void)expect; (void)def; (void)base_dir;
	*values = NULL;
	return sk_error_set(SK_EUNSUPPORTED, "unsupported: data tables (%s)", model_file);
}
