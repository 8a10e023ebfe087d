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

struct sk_record_validator {
	sk_schema *schemas[SK_TYPE_COUNT];
	int failed[SK_TYPE_COUNT];   /* 1 when compiling that type's schema failed */
	char *why[SK_TYPE_COUNT];    /* and why */
};

sk_record_validator *sk_record_validator_new(void)
{
	return sk_calloc(1, sizeof(sk_record_validator));
}

int sk_record_validator_run(sk_record_validator *v, const sk_record *rec, sk_diags *diags)
{
	sk_record_type t = rec->type;
	if (!v->schemas[t] && !v->failed[t] &&
	    sk_schema_builtin(&v->schemas[t], sk_record_type_name(t)) < 0) {
		v->failed[t] = 1;
		v->why[t] = sk_strdup(sk_error_last());
	}
	if (v->failed[t]) {
		if (diags)
			sk_diags_add(diags, SK_DIAG_ERROR, rec->path, 0, 0, NULL,
				"cannot validate: %s", v->why[t]);
		return sk_error_set(SK_ERROR, "%s: cannot validate: %s", rec->path, v->why[t]);
	}
	return sk_record__validate(rec, v->schemas[t], diags);
}

void sk_record_validator_free(sk_record_validator *v)
{
	if (!v)
		return;
	for (int t = 0; t < SK_TYPE_COUNT; t++) {
		sk_schema_free(v->schemas[t]);
		free(v->why[t]);
	}
	free(v);
}
