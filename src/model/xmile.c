/* samskap — model: XMILE import. */
#include <stdlib.h>

#include "model_int.h"

int sk_model_import_xmile(char **out_json, const char *xml, size_t len, const char *file)
{
	(void)xml; (void)len;
	*out_json = NULL;
	return sk_error_set(SK_EUNSUPPORTED, "unsupported: XMILE (%s)", file);
}
