/* samskap — fuzz harness: the model loader and equation compiler, and a
 * short run of whatever compiles (bounded: the run stops at 1000 steps). */
#include <stdint.h>

#include "samskap/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sk_model *model = NULL;
	sk_model_options opts = {0};
	if (sk_model_compile(&model, (const char *)data, size, "fuzz.json", &opts) == 0) {
		double start, stop, dt, saveper;
		sk_model_time(model, &start, &stop, &dt, &saveper);
		if (dt > 0 && (stop - start) / dt < 1000) {
			sk_model_result *res = NULL;
			sk_model_run(&res, model, NULL, 0);
			sk_model_result_free(res);
		}
	}
	sk_model_free(model);
	sk_error_clear();
	return 0;
}
