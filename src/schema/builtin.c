/* The schemas bundled with samskap: the files schemas/NAME.schema.json, embedded into
 * the binary by cmake/embed.cmake so a knowledge base validates without
 * the source tree. */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>

struct sk_embedded_file {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct sk_embedded_file sk_embedded_schemas[];

const char *sk_schema_builtin_text(const char *file_name, size_t *len)
{
	for (size_t i = 0; sk_embedded_schemas[i].name; i++)
		if (strcmp(sk_embedded_schemas[i].name, file_name) == 0) {
			if (len)
				*len = sk_embedded_schemas[i].len;
			return sk_embedded_schemas[i].data;
		}
	if (len)
		*len = 0;
	return NULL;
}

const char *sk_schema_builtin_name(size_t i)
{
	for (size_t k = 0; sk_embedded_schemas[k].name; k++)
		if (k == i)
			return sk_embedded_schemas[k].name;
	return NULL;
}

int sk_schema_builtin(sk_schema **out, const char *type_name)
{
	int rc = 0;
	char *file = sk_printf("%s.schema.json", type_name);
	char *name = sk_printf("schemas/%s", file);
	json_t *doc = NULL;
	json_error_t err;
	size_t len;
	const char *text = sk_schema_builtin_text(file, &len);

	*out = NULL;
	if (!text) {
		sk_buf known = SK_BUF_INIT;
		for (size_t i = 0; sk_embedded_schemas[i].name; i++) {
			const char *nm = sk_embedded_schemas[i].name;
			size_t nl = strlen(nm);
			if (nl > 12 && strcmp(nm + nl - 12, ".schema.json") == 0)
				sk_buf_printf(&known, "%s%.*s", known.len ? ", " : "", (int)(nl - 12), nm);
		}
		rc = sk_error_set(SK_ENOTFOUND, "no bundled schema for the record type \"%s\" (there are: %s)",
			type_name, known.len ? known.data : "none");
		sk_buf_free(&known);
		goto done;
	}
	doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		rc = sk_error_set(SK_EINVALID, "%s:%d:%d: invalid JSON in bundled schema: %s",
			name, err.line, err.column, err.text);
		goto done;
	}
	rc = sk_schema_compile(out, doc, name);
done:
	json_decref(doc);
	free(name);
	free(file);
	return rc;
}
