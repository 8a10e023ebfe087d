/* Helpers shared by the model and compare commands (cmd_model.c,
 * model_compare.c, cmd_compare.c). */
#ifndef SAMSKAP_MODEL_CLI_H
#define SAMSKAP_MODEL_CLI_H

#include <stddef.h>

/* Finds a model: a file path as given, or an id as models/ID.json in the
 * KB (from the current folder upward) or among the bundled models.
 * *out is the caller's. SK_ENOTFOUND with a message when there is none. */
int sk_cli_model_path(char **out, const char *arg);

/* "a,b,c" → a new array of new strings (sk_cli_list_free). */
char **sk_cli_split_list(const char *s, size_t *n);
void sk_cli_list_free(char **l, size_t n);

/* One run to compare: a label, a model (id or file) and a scenario. */
typedef struct sk_cli_run {
	const char *label;
	const char *model;
	const char *scenario;   /* may be NULL */
} sk_cli_run;

/* Runs each and prints `var` side by side (table, csv or json), with the
 * difference of each from the first; years (may be NULL) selects rows;
 * svg (may be NULL) writes a line chart there, titled "VAR: title". */
int sk_cli_compare_runs(const sk_cli_run *runs, size_t nruns, const char *var,
	const double *years, size_t nyears, const char *format, const char *svg,
	const char *title);

/* samskap model compare ... (argv[0] is "compare"). */
int sk_cli_model_compare(int argc, char **argv);

#endif
