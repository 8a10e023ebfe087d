/* Private to the report module: the loaded corpus of records, dates as day
 * numbers, number formatting, and the pieces the status and export code
 * share. */
#ifndef SK_REPORT_INT_H
#define SK_REPORT_INT_H

#include "samskap/index.h"
#include "samskap/record.h"
#include "samskap/report.h"
#include "samskap/util.h"

#include <jansson.h>
#include <pthread.h>

/* What the status counts of one experiment: its front matter's few fields
 * that every figure but its detailed entry needs. Strings are owned. */
typedef struct sk_report__exp {
	char *id, *title, *path;
	char *status, *challenge, *start, *end;   /* NULL when absent */
	char **kommuner;
	size_t n_kommuner;
	char **metrics;        /* its metrics' names (read from the index only) */
	size_t n_metrics;
	size_t *logs;          /* its log entries (indices into the corpus's logs) */
	size_t n_logs;
} sk_report__exp;

/* What the status counts of one log entry. */
typedef struct sk_report__log {
	char *experiment;
	char *date;            /* NULL when absent */
	char **kommuner;       /* the entry's own kommuner; none: its experiment's */
	size_t n_kommuner;
	char *path;            /* read from the index only: its file */
	char **measured;       /* read from the index only: its measurements' names */
	size_t n_measured;
} sk_report__log;

/* The records of a KB that parse, with lookups by id, and the experiments
 * and log entries summed up for counting. Read from the files, every
 * record is whole; read from the search index, records carry their links
 * but no text, and front matter only for kommuner, challenges, models and
 * the partnership: an experiment's whole record and its log entries come
 * from sk_report__detail_load. */
typedef struct sk_report__corpus {
	sk_record **recs;    /* files: type order, then id; the index: id order */
	size_t n;
	size_t n_files;      /* record files found */
	size_t n_failed;     /* of them, failing to parse */
	sk_record **sorted;  /* recs by id, for lookups (of a duplicate id, the first in recs) */
	json_t *by_id;       /* files only: id -> index into recs (the first wins) */
	json_t *logs_by_exp; /* files only: experiment id -> array of indices of its logs */
	sk_report__exp *exps;
	size_t n_exps;
	sk_report__log *logs;
	size_t n_logs;
	sk_index *ix;        /* borrowed: the index it was read from, or NULL */
	sk_index_set *set;   /* read from the index: the set that owns the records */
} sk_report__corpus;

/* Loads every record of kb; *out is the caller's (sk_report__corpus_free). */
int sk_report__corpus_load(sk_report__corpus **out, const sk_kb *kb);
/* Loads the corpus from the search index, which the caller brought up to
 * date (ix is borrowed and must outlive the corpus): no record file read.
 * Appends to `problems` what `samskap check` would say of the KB: every
 * file's own problems, stray files, the checks across records. */
int sk_report__corpus_from_index(sk_report__corpus **out, sk_diags *problems, const sk_kb *kb,
	sk_index *ix);
void sk_report__corpus_free(sk_report__corpus *c);
/* The record with this id, or NULL (borrowed). */
const sk_record *sk_report__corpus_get(const sk_report__corpus *c, const char *id);

/* One experiment whole, with its log entries in date order (borrowed from
 * the detail; read from the index when the corpus came from there). */
typedef struct sk_report__detail {
	const sk_record *exp;
	const sk_record **logs;
	size_t n_logs;
	sk_record **owned;   /* what was read for it */
	size_t n_owned;
} sk_report__detail;
int sk_report__detail_load(sk_report__detail *d, const sk_report__corpus *c, const char *exp_id);
void sk_report__detail_free(sk_report__detail *d);

/* Day number (days since 1970-01-01) of a YYYY-MM-DD date; SK_EINVALID
 * (no message) when it is not a real date. */
int sk_report__date_days(long *days, const char *date);
/* Writes the date of day number `days` as YYYY-MM-DD into out. */
void sk_report__date_format(char out[11], long days);
/* Today's UTC date as a day number. */
long sk_report__today(void);

/* Appends a number the Norwegian way: decimal comma, at most two decimals,
 * no trailing zeros ("12,5", "-3", "1250"). */
void sk_report__num(sk_buf *b, double v);
/* The same with up to `decimals` decimals (0..6), for axis ticks. */
void sk_report__num_dec(sk_buf *b, double v, int decimals);
/* A model's output: no decimals from 100 on, one from 10, else two; with
 * sign, a '+' before a positive value that does not round to 0. */
void sk_report__num_auto(sk_buf *b, double v, int sign);

/* Appends a date as Norwegian prose ("25. november 2026"); the text
 * itself when it is not a date. */
void sk_report__date_long(sk_buf *b, const char *date);
/* Appends a share (0.45) as a whole percentage with a no-break space
 * ("45 %"), an en dash when not finite. */
void sk_report__percent(sk_buf *b, double share);

/* Compares two names in Norwegian alphabetical order (æ, ø, å after z,
 * case and accents folded), like strcmp. */
int sk_report__collate(const char *a, const char *b);

/* Status computed from an already loaded corpus (export shares it). */
int sk_report__status_build(json_t **out, const sk_report__corpus *c, const sk_kb *kb,
	const sk_status_opts *opts);
/* The same with sk_kb_check's findings already at hand (checked: borrowed;
 * NULL runs the check). */
int sk_report__status_build_checked(json_t **out, const sk_report__corpus *c, const sk_kb *kb,
	const sk_status_opts *opts, sk_diags *checked);

/* Runs model record mrec under each of its scenarios and compares its
 * outputs at the horizon: the status overview's projection entry (see
 * status.c). linked_from (stolen) lists the ids linking to it. A model
 * that fails to run gives an entry with "error" set. */
json_t *sk_report__projection(const sk_kb *kb, const sk_record *mrec, json_t *linked_from);

/* Appends one line chart per output of a projection entry, with a table
 * of the values at the horizon. */
void sk_report__projection_html(sk_buf *b, const json_t *proj);

/* sk_kb_check run on a thread beside the corpus load. _finish waits and
 * returns its findings (NULL when no thread could be started: then the
 * status runs the check itself); _free releases them. */
typedef struct sk_report__check {
	const sk_kb *kb;
	sk_diags diags;
	pthread_t thread;
	int started;
} sk_report__check;
void sk_report__check_start(sk_report__check *job, const sk_kb *kb);
sk_diags *sk_report__check_finish(sk_report__check *job);
void sk_report__check_free(sk_report__check *job);

/* Appends the status page as a whole HTML document; when home is not
 * NULL, a navigation link to it (relative href) heads the page. */
void sk_report__status_html(sk_buf *b, const json_t *status, const char *home,
	const char *css_href);

/* Appends <!DOCTYPE html> through </head> with the page's title and
 * either a link to css_href or, when NULL, the stylesheet inline. */
void sk_report__page_head(sk_buf *b, const char *title, const char *css_href);

/* The inline stylesheet the status page and the exported site share. */
extern const char sk_report__css[];

/* Norwegian label of an experiment status ("Pågår"); the value itself when
 * unknown. */
const char *sk_report__status_label(const char *status);

/* Helpers for reading front matter defensively: NULL / 0 when absent or
 * of another type. */
const char *sk_report__str(const json_t *obj, const char *key);
int sk_report__bool(const json_t *obj, const char *key);

#endif
