/* Line charts of compared runs, drawn by the report module. */
#ifndef SAMSKAP_COMPARE_SVG_H
#define SAMSKAP_COMPARE_SVG_H

#include <stddef.h>

typedef struct sk_cli_chart_line {
	const char *name;
	const double *x, *y;
	size_t n;
} sk_cli_chart_line;

/* Writes an SVG line chart to path. */
int sk_cli_chart_write(const char *path, const char *title, const char *y_label,
	const sk_cli_chart_line *lines, size_t n);

#endif
