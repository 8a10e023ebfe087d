/* Line charts of compared runs (see compare_svg.h), drawn by the report
 * module's chart helper. */
#include "compare_svg.h"

#include "samskap/report.h"
#include "samskap/util.h"

#include <stdlib.h>

int sk_cli_chart_write(const char *path, const char *title, const char *y_label,
	const sk_cli_chart_line *lines, size_t n)
{
	sk_chart_series *series = sk_calloc(n + 1, sizeof(sk_chart_series));
	sk_buf b = SK_BUF_INIT;
	int rc;
	for (size_t i = 0; i < n; i++) {
		series[i].name = lines[i].name;
		series[i].x = lines[i].x;
		series[i].y = lines[i].y;
		series[i].n = lines[i].n;
	}
	sk_chart chart = {title, "År", y_label, series, n, 0, 0};
	rc = sk_report_chart_svg(&b, &chart);
	if (rc == 0) {
		sk_buf_putc(&b, '\n');
		rc = sk_file_write(path, b.data, b.len);
	}
	sk_buf_free(&b);
	free(series);
	return rc;
}
