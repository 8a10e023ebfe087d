/* samskap — model: scenario models (stocks, flows, auxiliaries, arrays,
 * lookups, scenarios) with XMILE semantics, and XMILE import.
 *
 * A model is JSON (schemas/model.schema.json). It is compiled once
 * (equations parsed, names resolved, arrays expanded to scalar slots,
 * auxiliaries sorted by dependency, bytecode emitted) and then run as often
 * as wanted; a run allocates its buffers once, never per step.
 *
 * Ownership rule for the whole API: what comes back through `*out` is the
 * caller's, freed with the type's _free (which accepts NULL); const char *
 * getters return strings borrowed from the object they were asked of. */
#ifndef SAMSKAP_MODEL_H
#define SAMSKAP_MODEL_H

#include <stddef.h>

#include "samskap/util.h"

typedef struct sk_model sk_model;
typedef struct sk_model_result sk_model_result;

typedef enum {
	SK_MODEL_METHOD_DEFAULT = 0, /* what the model's time settings say */
	SK_MODEL_METHOD_EULER,
	SK_MODEL_METHOD_RK4
} sk_model_method;

/* One NAME=VALUE override of a parameter or auxiliary (`--set`). */
typedef struct sk_model_set {
	const char *name;
	double value;
} sk_model_set;

/* How to compile: the scenario to apply (NULL: none, or the model's
 * `default_scenario`), overrides applied after it, and the method. All
 * borrowed for the duration of the call. */
typedef struct sk_model_options {
	const char *scenario;
	const sk_model_set *sets;
	size_t nsets;
	sk_model_method method;
} sk_model_options;

/* Compiles a model from its JSON text. `file` names it in messages.
 * Errors: SK_EINVALID for bad JSON, an unknown name, a syntax error
 * ("file: variable 'x': equation column 7: ...") or a cycle (the message
 * names its members); SK_ENOTFOUND for an unknown scenario or --set name;
 * SK_EUNSUPPORTED ("unsupported: ...") for a feature samskap lacks.
 * On failure *out is NULL. */
int sk_model_compile(sk_model **out, const char *json_text, size_t len,
	const char *file, const sk_model_options *opts);

/* Reads a model file and compiles it: .json as above, .xmile/.xml/.stmx
 * imported first. */
int sk_model_load(sk_model **out, const char *path, const sk_model_options *opts);

/* Imports XMILE text (1.0, pre-1.0 namespaces, undeclared isee: prefix) into
 * samskap's JSON model format; *out_json (caller frees) is indented JSON.
 * Returns SK_EUNSUPPORTED with "unsupported: ..." for macros, modules and
 * other features the engine cannot run faithfully. */
int sk_model_import_xmile(char **out_json, const char *xml, size_t len, const char *file);

/* The model's display name (borrowed) and its time settings. */
const char *sk_model_name(const sk_model *m);
void sk_model_time(const sk_model *m, double *start, double *stop, double *dt,
	double *saveper);
sk_model_method sk_model_method_used(const sk_model *m);

/* Number of reportable scalar values (array elements count one each) and
 * the name of each as "Name" or "Name[e1,e2]" (borrowed). */
size_t sk_model_var_count(const sk_model *m);
const char *sk_model_var_name(const sk_model *m, size_t i);
/* The unit the model gives variable i ("årsverk"), borrowed; NULL when
 * it gives none. */
const char *sk_model_var_unit(const sk_model *m, size_t i);
/* Index of a variable by name ("Name", "name", "the_name[a, b]"), or -1. */
long sk_model_var_find(const sk_model *m, const char *name);
/* The model's listed outputs as variable indices (borrowed; may be 0 long). */
const size_t *sk_model_outputs(const sk_model *m, size_t *count);

/* Runs the model. `vars` selects what to keep (indices from
 * sk_model_var_find), NULL and 0 keeps every variable. A value that becomes
 * NaN or infinite stops the run with SK_EINVALID naming the variable and
 * the time. */
int sk_model_run(sk_model_result **out, const sk_model *m, const size_t *vars,
	size_t nvars);

size_t sk_model_result_times(const sk_model_result *r);
size_t sk_model_result_vars(const sk_model_result *r);
double sk_model_result_time(const sk_model_result *r, size_t t);
/* Name of kept variable v (borrowed from the model, which must outlive r). */
const char *sk_model_result_name(const sk_model_result *r, size_t v);
double sk_model_result_value(const sk_model_result *r, size_t t, size_t v);

void sk_model_result_free(sk_model_result *r);
void sk_model_free(sk_model *m);

/* Normalises a name as XMILE compares them: lower case (ASCII), spaces and
 * runs of underscores as one '_', outer blanks and quotes dropped. Caller
 * frees. */
char *sk_model_name_key(const char *name);

#endif
