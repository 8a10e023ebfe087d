/* Validating a record against its type's bundled JSON Schema, with the
 * schema's findings placed at the line and column of the offending value. */
#include "record_internal.h"

#include <stdlib.h>
#include <string.h>

int sk_record__validate(const sk_record *rec, const sk_schema *schema, sk_diags *diags)
{
	sk_diags found = SK_DIAGS_INIT;
	int rc = sk_schema_validate(schema, rec->front, &found);
	const char *whole = rec->type == SK_TYPE_MODEL ? "model" : "front matter";

	if (rc < 0 && found.len == 0) {
		/* The validator failed without a finding: report why. */
		sk_diags_add(&found, SK_DIAG_ERROR, NULL, 0, 0, "", "%s", sk_error_last());
	}
	for (size_t i = 0; i < found.len; i++) {
		const sk_diag *g = &found.items[i];
		const char *path = g->path ? g->path : "";
		if (diags)
			sk_diags_add(diags, g->severity, rec->path, sk_record_line_of(rec, path),
				sk_record_col_of(rec, path), path, "%s: %s", *path ? path : whole, g->message);
	}
	if (rc < 0) {
		const sk_diag *g = &found.items[0];
		const char *path = g->path ? g->path : "";
		rc = sk_error_set(SK_EINVALID, "%s:%d:%d: %s: %s", rec->path, sk_record_line_of(rec, path),
			sk_record_col_of(rec, path), *path ? path : whole, g->message);
	}
	sk_diags_free(&found);
	return rc;
}

int sk_record_validate(const sk_record *rec, sk_diags *diags)
{
	sk_schema *schema = NULL;
	int rc = sk_schema_builtin(&schema, sk_record_type_name(rec->type));
	if (rc < 0) {
		if (diags)
			sk_diags_add(diags, SK_DIAG_ERROR, rec->path, 0, 0, NULL,
				"cannot validate: %s", sk_error_last());
		return rc;
	}
	rc = sk_record__validate(rec, schema, diags);
	sk_schema_free(schema);
	return rc;
}
