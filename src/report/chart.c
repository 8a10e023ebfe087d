/* SVG line charts: one function turns series of (x, y) points into a
 * self-contained <svg> element with a title, axes with "nice" ticks, year
 * labels, a legend and colours that stay apart in print and for readers
 * with colour-blindness. No scripts, no ids (several charts share one HTML
 * page), every piece of text through sk_report_html_escape. */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Okabe–Ito palette (colour-blind safe, prints well), each colour paired
 * with its own dash pattern so lines stay apart on a grey-scale printer. */
static const char *const colours[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
};
static const char *const dashes[] = {
	"", "7 4", "2 3", "10 3 2 3", "4 4", "12 4", "1 2",
};
#define NCOLOURS (sizeof colours / sizeof colours[0])

#define FONT "style=\"font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif\""

/* A coordinate with one decimal and a '.', whatever the locale. */
static void coord(sk_buf *b, double v)
{
	long t = lround(v * 10);
	if (t < 0) {
		sk_buf_putc(b, '-');
		t = -t;
	}
	if (t % 10)
		sk_buf_printf(b, "%ld.%ld", t / 10, t % 10);
	else
		sk_buf_printf(b, "%ld", t / 10);
}

/* Rough width in pixels of text at 12px: enough to lay out a legend and
 * the left margin without measuring fonts. */
static double text_width(const char *s, double size)
{
	size_t n = s ? sk_utf8_length(s, strlen(s)) : 0;
	return (double)n * size * 0.56;
}

/* A "nice" number near x (1, 2, 5 times a power of ten); rounded to the
 * nearest when `round`, else the next one up. Heckbert, Graphics Gems I. */
static double nice_num(double x, int round)
{
	if (x <= 0)
		return 1;
	double e = floor(log10(x));
	double f = x / pow(10, e);
	double nf;
	if (round)
		nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	else
		nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	return nf * pow(10, e);
}

/* Decimals needed to write multiples of step. */
static int step_decimals(double step)
{
	int d = (int)-floor(log10(step) + 1e-9);
	return d < 0 ? 0 : d > 6 ? 6 : d;
}

static int all_whole_years(const sk_chart *c)
{
	for (size_t s = 0; s < c->nseries; s++)
		for (size_t i = 0; i < c->series[s].n; i++) {
			double x = c->series[s].x[i];
			if (!isfinite(x))
				continue;
			if (x != floor(x) || x < 1000 || x > 3000)
				return 0;
		}
	return 1;
}

/* One text element: position, anchor, size, extra attributes, escaped text. */
static void text(sk_buf *b, double x, double y, const char *anchor, int size,
	const char *extra, const char *s)
{
	sk_buf_puts(b, "<text x=\"");
	coord(b, x);
	sk_buf_puts(b, "\" y=\"");
	coord(b, y);
	sk_buf_printf(b, "\" text-anchor=\"%s\" font-size=\"%d\"%s%s>", anchor, size,
		extra && *extra ? " " : "", extra ? extra : "");
	sk_report_html_escape(b, s);
	sk_buf_puts(b, "</text>\n");
}

int sk_report_chart_svg(sk_buf *b, const sk_chart *chart)
{
	if (!chart || !chart->series || chart->nseries == 0)
		return sk_error_set(SK_EINVALID, "chart%s%s: no series to draw",
			chart && chart->title ? " " : "", chart && chart->title ? chart->title : "");
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	size_t npoints = 0;
	for (size_t s = 0; s < chart->nseries; s++) {
		const sk_chart_series *se = &chart->series[s];
		if (se->n && (!se->x || !se->y))
			return sk_error_set(SK_EINVALID, "chart series %zu ('%s'): %zu points but no values",
				s + 1, se->name ? se->name : "", se->n);
		for (size_t i = 0; i < se->n; i++) {
			if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
				continue;
			xmin = fmin(xmin, se->x[i]);
			xmax = fmax(xmax, se->x[i]);
			ymin = fmin(ymin, se->y[i]);
			ymax = fmax(ymax, se->y[i]);
			npoints++;
		}
	}
	if (npoints == 0)
		return sk_error_set(SK_EINVALID, "chart%s%s: no finite points to draw",
			chart->title ? " " : "", chart->title ? chart->title : "");
	int W = chart->width > 0 ? chart->width : 720;
	int H = chart->height > 0 ? chart->height : 400;
	if (W < 240 || H < 160 || W > 20000 || H > 20000)
		return sk_error_set(SK_EINVALID, "chart size %dx%d: width must be 240..20000 and height 160..20000",
			W, H);

	/* The y domain: nice ticks around the data; zero kept in view when
	 * the data sit close to it, so small changes are not blown up. */
	if (ymin > 0 && ymin < ymax * 0.5)
		ymin = 0;
	if (ymax < 0 && ymax > ymin * 0.5)
		ymax = 0;
	if (ymax - ymin < 1e-12) {
		double pad = fabs(ymax) > 0 ? fabs(ymax) * 0.1 : 1;
		ymin -= pad;
		ymax += pad;
	}
	int years = all_whole_years(chart);
	int yticks_wanted = H >= 300 ? 6 : 4;
	double yrange = nice_num(ymax - ymin, 0);
	double ystep = nice_num(yrange / (yticks_wanted - 1), 1);
	double y0 = floor(ymin / ystep + 1e-9) * ystep;
	double y1 = ceil(ymax / ystep - 1e-9) * ystep;
	int ydec = step_decimals(ystep);

	/* Left margin from the widest tick label. */
	double labw = 0;
	sk_buf tmp = SK_BUF_INIT;
	for (double v = y0; v <= y1 + ystep * 0.5; v += ystep) {
		sk_buf_clear(&tmp);
		sk_report__num_dec(&tmp, fabs(v) < ystep * 1e-6 ? 0 : v, ydec);
		labw = fmax(labw, text_width(tmp.data, 12));
	}
	double ml = labw + 14 + (chart->y_label && *chart->y_label ? 22 : 0);
	double mr = 18;
	double mt = chart->title && *chart->title ? 38 : 14;

	/* Legend items flow left to right and wrap under the plot. */
	double avail = W - ml - mr;
	int legend_rows = 0;
	if (chart->nseries > 1 || (chart->series[0].name && *chart->series[0].name)) {
		double xcur = 0;
		legend_rows = 1;
		for (size_t s = 0; s < chart->nseries; s++) {
			double w = 30 + text_width(chart->series[s].name ? chart->series[s].name : "", 12) + 18;
			if (xcur > 0 && xcur + w > avail) {
				legend_rows++;
				xcur = 0;
			}
			xcur += w;
		}
	}
	double mb = 24 + (chart->x_label && *chart->x_label ? 18 : 0) + (legend_rows ? 12 + legend_rows * 18 : 4);
	double px0 = ml, px1 = W - mr, py0 = mt, py1 = H - mb;
	if (px1 - px0 < 80 || py1 - py0 < 60) {
		sk_buf_free(&tmp);
		return sk_error_set(SK_EINVALID, "chart%s%s: %dx%d leaves no room for the plot (legend of %zu series)",
			chart->title ? " " : "", chart->title ? chart->title : "", W, H, chart->nseries);
	}

	/* The x domain is the data's own (lines start at the edge); ticks on
	 * nice steps inside it, whole years when x holds years. */
	if (xmax - xmin < 1e-12) {
		xmin -= years ? 1 : 0.5;
		xmax += years ? 1 : 0.5;
	}
	int xticks_wanted = (int)((px1 - px0) / 70);
	if (xticks_wanted < 2)
		xticks_wanted = 2;
	/* Years: round the step up (every 5 years rather than every 2). */
	double xstep = nice_num((xmax - xmin) / xticks_wanted, !years);
	if (years && xstep < 1)
		xstep = 1;
	while ((xmax - xmin) / xstep > xticks_wanted + 1)
		xstep = nice_num(xstep * 1.5, 0);
	int xdec = years ? 0 : step_decimals(xstep);

#define SX(v) (px0 + ((v) - xmin) / (xmax - xmin) * (px1 - px0))
#define SY(v) (py1 - ((v) - y0) / (y1 - y0) * (py1 - py0))

	sk_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sk-chart\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" " FONT ">\n",
		W, H, W, H);
	sk_buf_puts(b, "<title>");
	sk_report_html_escape(b, chart->title && *chart->title ? chart->title : "Diagram");
	sk_buf_puts(b, "</title>\n");
	sk_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
	if (chart->title && *chart->title)
		text(b, W / 2.0, 24, "middle", 15, "font-weight=\"600\" fill=\"#1a1a1a\"", chart->title);

	/* Horizontal grid lines and y tick labels. */
	sk_buf_puts(b, "<g stroke=\"#d9d9d9\" stroke-width=\"1\">\n");
	for (double v = y0; v <= y1 + ystep * 0.5; v += ystep) {
		sk_buf_puts(b, "<line x1=\"");
		coord(b, px0);
		sk_buf_puts(b, "\" x2=\"");
		coord(b, px1);
		sk_buf_puts(b, "\" y1=\"");
		coord(b, SY(v));
		sk_buf_puts(b, "\" y2=\"");
		coord(b, SY(v));
		sk_buf_puts(b, "\"/>\n");
	}
	sk_buf_puts(b, "</g>\n<g fill=\"#333333\">\n");
	for (double v = y0; v <= y1 + ystep * 0.5; v += ystep) {
		sk_buf_clear(&tmp);
		sk_report__num_dec(&tmp, fabs(v) < ystep * 1e-6 ? 0 : v, ydec);
		text(b, px0 - 7, SY(v) + 4, "end", 12, NULL, tmp.data);
	}
	/* x ticks: on multiples of the step within the domain. */
	double xfirst = ceil(xmin / xstep - 1e-9) * xstep;
	for (double v = xfirst; v <= xmax + xstep * 1e-6; v += xstep) {
		sk_buf_clear(&tmp);
		if (years)
			sk_buf_printf(&tmp, "%ld", lround(v));
		else
			sk_report__num_dec(&tmp, fabs(v) < xstep * 1e-6 ? 0 : v, xdec);
		text(b, SX(v), py1 + 18, "middle", 12, NULL, tmp.data);
	}
	sk_buf_puts(b, "</g>\n");
	sk_buf_puts(b, "<g stroke=\"#333333\" stroke-width=\"1\">\n");
	for (double v = xfirst; v <= xmax + xstep * 1e-6; v += xstep) {
		sk_buf_puts(b, "<line x1=\"");
		coord(b, SX(v));
		sk_buf_puts(b, "\" x2=\"");
		coord(b, SX(v));
		sk_buf_puts(b, "\" y1=\"");
		coord(b, py1);
		sk_buf_puts(b, "\" y2=\"");
		coord(b, py1 + 5);
		sk_buf_puts(b, "\"/>\n");
	}
	/* The axes themselves. */
	sk_buf_puts(b, "<path fill=\"none\" d=\"M");
	coord(b, px0);
	sk_buf_putc(b, ' ');
	coord(b, py0);
	sk_buf_puts(b, " V");
	coord(b, py1);
	sk_buf_puts(b, " H");
	coord(b, px1);
	sk_buf_puts(b, "\"/>\n</g>\n");

	if (chart->x_label && *chart->x_label)
		text(b, (px0 + px1) / 2, py1 + 38, "middle", 12, "fill=\"#333333\"", chart->x_label);
	if (chart->y_label && *chart->y_label) {
		sk_buf_clear(&tmp);
		double cx = 14, cy = (py0 + py1) / 2;
		sk_buf_puts(&tmp, "fill=\"#333333\" transform=\"rotate(-90 ");
		coord(&tmp, cx);
		sk_buf_putc(&tmp, ' ');
		coord(&tmp, cy);
		sk_buf_puts(&tmp, ")\"");
		char *attr = sk_buf_detach(&tmp);
		text(b, cx, cy, "middle", 12, attr, chart->y_label);
		free(attr);
	}

	/* The lines: a gap where a value is missing; markers when few points. */
	for (size_t s = 0; s < chart->nseries; s++) {
		const sk_chart_series *se = &chart->series[s];
		const char *col = colours[s % NCOLOURS];
		const char *dash = dashes[s % NCOLOURS];
		sk_buf_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" "
			"stroke-linejoin=\"round\" stroke-linecap=\"round\"", col);
		if (*dash)
			sk_buf_printf(b, " stroke-dasharray=\"%s\"", dash);
		sk_buf_puts(b, " d=\"");
		int pen = 0;
		for (size_t i = 0; i < se->n; i++) {
			if (!isfinite(se->x[i]) || !isfinite(se->y[i])) {
				pen = 0;
				continue;
			}
			sk_buf_putc(b, pen ? 'L' : 'M');
			coord(b, SX(se->x[i]));
			sk_buf_putc(b, ' ');
			coord(b, SY(se->y[i]));
			pen = 1;
		}
		sk_buf_puts(b, "\"/>\n");
		if (se->n <= 40) {
			sk_buf_printf(b, "<g fill=\"%s\">", col);
			for (size_t i = 0; i < se->n; i++) {
				if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
					continue;
				sk_buf_puts(b, "<circle cx=\"");
				coord(b, SX(se->x[i]));
				sk_buf_puts(b, "\" cy=\"");
				coord(b, SY(se->y[i]));
				sk_buf_puts(b, "\" r=\"2.6\"/>");
			}
			sk_buf_puts(b, "</g>\n");
		}
	}

	/* Legend under the axis labels. */
	if (legend_rows) {
		double ly = py1 + 24 + (chart->x_label && *chart->x_label ? 18 : 0) + 14;
		double xcur = 0;
		for (size_t s = 0; s < chart->nseries; s++) {
			const char *name = chart->series[s].name ? chart->series[s].name : "";
			double w = 30 + text_width(name, 12) + 18;
			if (xcur > 0 && xcur + w > avail) {
				ly += 18;
				xcur = 0;
			}
			double lx = px0 + xcur;
			sk_buf_printf(b, "<line stroke=\"%s\" stroke-width=\"3\"", colours[s % NCOLOURS]);
			if (*dashes[s % NCOLOURS])
				sk_buf_printf(b, " stroke-dasharray=\"%s\"", dashes[s % NCOLOURS]);
			sk_buf_puts(b, " x1=\"");
			coord(b, lx);
			sk_buf_puts(b, "\" x2=\"");
			coord(b, lx + 24);
			sk_buf_puts(b, "\" y1=\"");
			coord(b, ly - 4);
			sk_buf_puts(b, "\" y2=\"");
			coord(b, ly - 4);
			sk_buf_puts(b, "\"/>\n");
			text(b, lx + 30, ly, "start", 12, "fill=\"#1a1a1a\"", name);
			xcur += w;
		}
	}
	sk_buf_puts(b, "</svg>\n");
#undef SX
#undef SY
	sk_buf_free(&tmp);
	return 0;
}
