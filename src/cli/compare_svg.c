/* Line charts of compared runs (see compare_svg.h). */
#include "compare_svg.h"

#include "samskap/util.h"

int sk_cli_chart_write(const char *path, const char *title, const char *y_label,
	const sk_cli_chart_line *lines, size_t n)
{
	(void)title; (void)y_label; (void)lines; (void)n;
	return sk_error_set(SK_EUNSUPPORTED, "%s: SVG charts need the report module, not built yet", path);
}
