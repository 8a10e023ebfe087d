/* samskap — fuzz harness: XMILE import (expat), then compiling what it
 * produced. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samskap/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = NULL;
	if (sk_model_import_xmile(&json, (const char *)data, size, "fuzz.xmile") == 0) {
		sk_model *model = NULL;
		sk_model_options opts = {0};
		sk_model_compile(&model, json, strlen(json), "fuzz.xmile", &opts);
		sk_model_free(model);
	}
	free(json);
	sk_error_clear();
	return 0;
}
