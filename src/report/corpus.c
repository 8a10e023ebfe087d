/* The corpus: every record of a KB loaded once, with lookups by id and the
 * log entries of each experiment, shared by status and export. */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

int sk_report__corpus_load(sk_report__corpus **out, const sk_kb *kb)
{
	sk_report__corpus *c = sk_calloc(1, sizeof *c);
	sk_diags diags = SK_DIAGS_INIT;
	int rc = 0;
	*out = NULL;
	rc = sk_kb_load_records(&c->recs, &c->n, kb, SK_TYPE_COUNT, &diags);
	if (rc < 0)
		goto done;
	/* Files that failed to load: one or more errors each. */
	json_t *failed = json_object();
	for (size_t i = 0; i < diags.len; i++)
		if (diags.items[i].severity == SK_DIAG_ERROR)
			json_object_set_new(failed, diags.items[i].file ? diags.items[i].file : "?", json_true());
	c->n_failed = json_object_size(failed);
	json_decref(failed);
	c->n_files = c->n + c->n_failed;
	c->by_id = json_object();
	c->logs_by_exp = json_object();
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		if (!json_object_get(c->by_id, r->id))
			json_object_set_new(c->by_id, r->id, json_integer((json_int_t)i));
		if (r->type == SK_TYPE_LOG && r->experiment) {
			json_t *arr = json_object_get(c->logs_by_exp, r->experiment);
			if (!arr) {
				arr = json_array();
				json_object_set_new(c->logs_by_exp, r->experiment, arr);
			}
			json_array_append_new(arr, json_integer((json_int_t)i));
		}
	}
	*out = c;
	c = NULL;
done:
	sk_diags_free(&diags);
	sk_report__corpus_free(c);
	return rc;
}

void sk_report__corpus_free(sk_report__corpus *c)
{
	if (!c)
		return;
	sk_records_free(c->recs, c->n);
	json_decref(c->by_id);
	json_decref(c->logs_by_exp);
	free(c);
}

const sk_record *sk_report__corpus_get(const sk_report__corpus *c, const char *id)
{
	json_t *v = id ? json_object_get(c->by_id, id) : NULL;
	return v ? c->recs[json_integer_value(v)] : NULL;
}
