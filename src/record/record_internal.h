/* samskap — record: helpers shared by the record module's files. */
#ifndef SK_RECORD_INTERNAL_H
#define SK_RECORD_INTERNAL_H

#include "samskap/record.h"
#include "samskap/schema.h"

/* Limits that keep hostile YAML from exhausting memory. */
#define SK_YAML_MAX_DEPTH 64        /* nested mappings and sequences */
#define SK_YAML_MAX_NODES 100000    /* values, counting alias copies */

/* Parses YAML text (the front matter) into *out (caller's) and records
 * the file line and column of every value in `lines` and `cols` (objects
 * keyed by JSON pointer). first_line is the file line of the text's first
 * line. An empty document gives an empty object. Problems go to diags
 * with `file`; returns 0 or SK_EINVALID. */
int sk_record__yaml_parse(json_t **out, json_t *lines, json_t *cols,
	const char *text, size_t len, int first_line, const char *file, sk_diags *diags);

/* Fills rec->text, headings and the [[id]] links of rec->body with cmark. */
void sk_record__markdown(sk_record *rec);

/* Appends a link to rec (target and field copied; field may be NULL). */
void sk_record__add_link(sk_record *rec, const char *target, const char *field,
	int line, int col, int implicit);

/* Validates rec against an already compiled schema (see sk_record_validate). */
int sk_record__validate(const sk_record *rec, const sk_schema *schema, sk_diags *diags);

/* Appends the JSON pointer escape of a key ("~" -> "~0", "/" -> "~1"). */
void sk_record__pointer_append(sk_buf *b, const char *key);

#endif
