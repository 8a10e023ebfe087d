/* samskap — report: the partnership's status overview (computed once as a
 * JSON value, rendered as Markdown, HTML or JSON) and the static site.
 *
 * Ownership: what an out-parameter receives is the caller's: json_t values
 * are released with json_decref, strings with free(). Options and inputs
 * are borrowed for the length of the call. */
#ifndef SAMSKAP_REPORT_H
#define SAMSKAP_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "samskap/index.h"
#include "samskap/record.h"
#include "samskap/util.h"

/* Days without a log entry after which a running experiment counts as quiet. */
#define SK_REPORT_QUIET_DAYS 60
/* Length of the default period (days before today) when no `since` is given. */
#define SK_REPORT_PERIOD_DAYS 90

/* What a status overview covers. Every string may be NULL. */
typedef struct sk_status_opts {
	const char *today;     /* YYYY-MM-DD; NULL: the current UTC date */
	const char *since;     /* start of the period; NULL: today - SK_REPORT_PERIOD_DAYS */
	const char *kommune;   /* only experiments of this kommune (an id) */
	const char *challenge; /* only experiments of this challenge (an id) */
	int quiet_days;        /* 0: SK_REPORT_QUIET_DAYS */
	int no_history;        /* 1: leave git history out (no repository needed) */
} sk_status_opts;

/* One line of a chart: n points (x[i], y[i]), borrowed. */
typedef struct sk_chart_series {
	const char *name;    /* legend label */
	const double *x;
	const double *y;
	size_t n;
} sk_chart_series;

/* A line chart as a person would put it in a report: title, axes with
 * units, legend, whole years on the x axis when x holds years. */
typedef struct sk_chart {
	const char *title;
	const char *x_label;   /* e.g. "År" */
	const char *y_label;   /* with unit, e.g. "Årsverk" */
	const sk_chart_series *series;
	size_t nseries;
	int width, height;     /* 0: 720 x 400 */
} sk_chart;

/* Appends the chart as a self-contained <svg> element (all text escaped,
 * no scripts) to b. SK_EINVALID when there is nothing to draw. */
int sk_report_chart_svg(sk_buf *b, const sk_chart *chart);

/* Appends s to b with & < > " ' escaped: the one way text enters HTML. */
void sk_report_html_escape(sk_buf *b, const char *s);

/* Appends s to b escaped for inline Markdown (a table cell or a line):
 * punctuation that Markdown reads is backslash-escaped, line breaks become
 * spaces. */
void sk_report_md_escape(sk_buf *b, const char *s);

/* Computes the status overview of the KB as one JSON object carrying every
 * figure the Markdown and HTML renderings show (see DESIGN.md, issue 5).
 * It reads the records, their problems and links from the search index ix
 * of kb, which the caller has brought up to date (sk_index_update): no
 * record file is read, so 100 000 records take well under a second. With
 * ix NULL (an index that cannot be written) it reads every file instead.
 * Fails with SK_EINVALID for a malformed date or quiet_days < 1 and
 * SK_ENOTFOUND for an unknown kommune or challenge, with a message naming
 * it. *out is the caller's (json_decref). */
int sk_report_status(json_t **out, sk_index *ix, const sk_kb *kb, const sk_status_opts *opts);

/* Renders a status overview from sk_report_status as Markdown, as one
 * self-contained HTML page (inline CSS and SVG), or as indented JSON.
 * *out is the caller's (free). */
int sk_report_status_md(char **out, const json_t *status);
int sk_report_status_html(char **out, const json_t *status);
int sk_report_status_json(char **out, const json_t *status);

/* Called while exporting after each page: done of total. */
typedef void (*sk_report_progress_fn)(size_t done, size_t total, void *ctx);

/* What an export did. */
typedef struct sk_export_stats {
	size_t pages;      /* pages (and other files) the site holds */
	size_t written;    /* of them, written because new or changed */
	size_t unchanged;  /* left alone because their content was the same */
	size_t removed;    /* stale pages of a previous export removed */
	size_t records;    /* records rendered */
} sk_export_stats;

/* Writes a static site of the whole KB into outdir (created when missing):
 * every record as a page (Markdown through cmark's safe renderer, front
 * matter as a table, links and backlinks), index pages per type, kommune
 * and challenge, the status page, relative links only. A page whose
 * content is unchanged is not rewritten. opts (may be NULL) shapes the
 * status page. progress may be NULL. */
int sk_report_export(sk_export_stats *stats, const sk_kb *kb, const char *outdir,
	const sk_status_opts *opts, sk_report_progress_fn progress, void *ctx);

#endif
