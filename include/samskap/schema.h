/* samskap — schema: a JSON Schema (2020-12) validator, and the schemas
 * bundled with samskap (the files in schemas/, compiled into the binary).
 *
 * Supported: type, enum, const, required, properties, additionalProperties,
 * patternProperties, propertyNames, min/maxProperties, items, prefixItems,
 * contains (with min/maxContains), min/maxItems, uniqueItems, min/maxLength
 * (code points), pattern (PCRE2 in UTF mode, with ECMA-262's \uXXXX escapes
 * and \p{Long_Name} categories), minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not, if/then/else,
 * dependentRequired, dependentSchemas, unevaluatedProperties, $defs, $ref to
 * "#..." pointers in the same document, boolean schemas, and format "date"
 * / "date-time" as assertions. Numbers compare by value (1 equals 1.0).
 * Other keywords are annotations and ignored, except $dynamicRef,
 * $recursiveRef and unevaluatedItems, which compiling refuses
 * (SK_EUNSUPPORTED) rather than silently accept.
 *
 * A compiled schema is read-only: threads may share one. Compiling and
 * validating are bounded (nesting depth 500, a step budget per
 * validation), so a hostile schema or value gives an error, not a crash. */
#ifndef SAMSKAP_SCHEMA_H
#define SAMSKAP_SCHEMA_H

#include <jansson.h>

#include "samskap/util.h"

typedef struct sk_schema sk_schema;

/* Compiles a schema document. `doc` is borrowed (the schema keeps its own
 * reference). `name` names the schema in messages (a file name). Returns 0,
 * or SK_EINVALID with a message when the schema itself is malformed (a bad
 * regex, a $ref that does not resolve, a keyword of the wrong type). */
int sk_schema_compile(sk_schema **out, json_t *doc, const char *name);

/* Reads and compiles a schema file. */
int sk_schema_load(sk_schema **out, const char *path);

/* Compiles the bundled schema of a record type ("experiment", "model", ...). */
int sk_schema_builtin(sk_schema **out, const char *type_name);

/* The text of a bundled schema file ("experiment.schema.json"), borrowed;
 * NULL when there is none. */
const char *sk_schema_builtin_text(const char *file_name, size_t *len);

/* The file name of the i-th bundled schema ("case.schema.json"), borrowed;
 * NULL past the last, so callers can walk them all. */
const char *sk_schema_builtin_name(size_t i);

/* Validates `instance` (borrowed). Returns 0 when valid; SK_EINVALID when
 * not, appending one error per failure to `errors` (when non-NULL) with
 * `path` set to the instance's JSON pointer and file/line left 0 for the
 * caller to fill in. */
int sk_schema_validate(const sk_schema *schema, const json_t *instance, sk_diags *errors);

void sk_schema_free(sk_schema *schema);

/* Finds where the value at JSON pointer `pointer` ("" for the whole
 * document, "/metrics/0/target") starts in the JSON text [text, text+len):
 * 1-based line and column (in code points) into *line and *col. For
 * placing validation errors, since Jansson keeps no positions. Returns 0,
 * or SK_ENOTFOUND with *line and *col 0 when the text holds no such value. */
int sk_schema_locate(const char *text, size_t len, const char *pointer, int *line, int *col);

#endif
