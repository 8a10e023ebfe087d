/* samskap — fuzz harness: the JSON Schema compiler and validator. The
 * input is a schema, a NUL byte, then an instance; without a NUL the
 * input is validated as an instance against itself as a schema. */
#include <stdint.h>
#include <string.h>

#include "samskap/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t schema_len = nul ? (size_t)(nul - text) : size;
	json_t *doc = json_loadb(text, schema_len, JSON_DECODE_ANY, NULL);
	json_t *instance = nul ? json_loadb(nul + 1, size - schema_len - 1, JSON_DECODE_ANY, NULL)
	                       : json_incref(doc);
	sk_schema *schema = NULL;
	if (doc && sk_schema_compile(&schema, doc, "fuzz.schema.json") == 0 && instance) {
		sk_diags diags = SK_DIAGS_INIT;
		sk_schema_validate(schema, instance, &diags);
		sk_diags_free(&diags);
	}
	sk_schema_free(schema);
	json_decref(doc);
	json_decref(instance);
	sk_error_clear();
	return 0;
}
