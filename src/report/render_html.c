/* The status overview as one self-contained HTML page: inline CSS, inline
 * SVG charts (experiments by status per challenge, metric progress,
 * projection lines), readable on a phone and printable. Text enters the
 * page only through sk_report_html_escape. */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char sk_report__css[] =
	":root{--fg:#1a1a1a;--muted:#555;--line:#d9d9d9;--soft:#f4f6f8;--accent:#0072B2;"
	"--planned:#56B4E9;--running:#0072B2;--completed:#009E73;--stopped:#9a9a9a;--warn:#B84A00}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
	"color:var(--fg);background:#fff;-webkit-text-size-adjust:100%}\n"
	"main{max-width:62rem;margin:0 auto;padding:1rem 1.2rem 3rem}\n"
	"header.top{border-bottom:4px solid var(--accent);margin-bottom:1rem}\n"
	"h1{font-size:1.75rem;line-height:1.2;margin:.4rem 0}\n"
	"h2{font-size:1.3rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;margin:2.2rem 0 .8rem}\n"
	"h3{font-size:1.08rem;margin:1.2rem 0 .4rem}\n"
	"a{color:#005a8c}\n"
	"p{margin:.4rem 0 .8rem}\n"
	".meta,.muted{color:var(--muted)}\n"
	".note{color:var(--muted);font-style:italic}\n"
	".warn{color:var(--warn);font-weight:600}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem;margin:1rem 0}\n"
	".card{border:1px solid var(--line);border-radius:8px;padding:.55rem .8rem;background:var(--soft)}\n"
	".card b{display:block;font-size:1.7rem;line-height:1.2}\n"
	".card span{font-size:.88rem;color:var(--muted)}\n"
	".table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.4rem 0 1rem}\n"
	"table{border-collapse:collapse;width:100%;font-size:.94rem}\n"
	"th,td{text-align:left;padding:.35rem .55rem;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"th{background:var(--soft);font-weight:600}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.8rem;font-weight:600;"
	"border:1px solid currentColor;white-space:nowrap}\n"
	".badge.running{color:#00507d}.badge.planned{color:#2a6f96}.badge.completed{color:#006e50}"
	".badge.stopped{color:#666}.badge.quiet{color:var(--warn)}.badge.example{color:#7a4a00}\n"
	".exp{border:1px solid var(--line);border-radius:8px;padding:.5rem 1rem .8rem;margin:1rem 0}\n"
	".exp h3{margin-top:.4rem}\n"
	".chart{margin:.6rem 0 1.2rem}\n"
	"svg{max-width:100%;height:auto;display:block}\n"
	"ul.compact{margin:.2rem 0 .8rem;padding-left:1.2rem}\n"
	"nav.site{font-size:.95rem;padding:.5rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}"
	"nav.site a.current{font-weight:700;text-decoration:none;color:var(--fg)}\n"
	"form[role=search]{margin:1rem 0}input[type=search]{font:inherit;padding:.3rem .5rem;width:min(28rem,70%)}"
	"button{font:inherit;padding:.3rem .8rem}\n"
	"dl.front{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.6rem 0 1rem}\n"
	"dl.front dt{font-weight:600}dl.front dd{margin:0}\n"
	"footer{margin-top:3rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:.6rem}\n"
	"@media (max-width:40rem){body{font-size:15px}main{padding:.6rem .7rem 2rem}h1{font-size:1.4rem}"
	"th,td{padding:.3rem .35rem}dl.front{grid-template-columns:1fr}}\n"
	"@media print{body{font-size:10.5pt}main{max-width:none;padding:0}nav,.noprint{display:none}"
	"a{color:inherit;text-decoration:none}h2{break-after:avoid}section.page{break-before:page}"
	".exp,.card,.chart,tr,svg{break-inside:avoid}.card{background:none}@page{margin:14mm}}\n";

static void esc(sk_buf *b, const char *s)
{
	sk_report_html_escape(b, s);
}

static const char *jstr(const json_t *o, const char *k)
{
	return sk_report__str(o, k);
}

static long jint(const json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static double jnum(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A record's title, linked to its page in an exported site. */
static void rec_link(sk_buf *b, const char *prefix, const char *id, const char *title)
{
	if (prefix && id && sk_id_valid(id)) {
		sk_buf_printf(b, "<a href=\"%s", prefix);
		esc(b, id);
		sk_buf_puts(b, ".html\">");
		esc(b, title ? title : id);
		sk_buf_puts(b, "</a>");
	} else {
		esc(b, title ? title : id);
	}
}

static void date_long(sk_buf *b, const char *d)
{
	sk_buf tmp = SK_BUF_INIT;
	sk_report__date_long(&tmp, d);
	esc(b, tmp.data);
	sk_buf_free(&tmp);
}

static void num(sk_buf *b, double v)
{
	sk_report__num(b, v);
}

static void badge(sk_buf *b, const char *status)
{
	sk_buf_puts(b, "<span class=\"badge ");
	esc(b, status && sk_id_valid(status) ? status : "unknown");
	sk_buf_puts(b, "\">");
	esc(b, sk_report__status_label(status));
	sk_buf_puts(b, "</span>");
}

static const char *const statuses[] = {"running", "planned", "completed", "stopped"};
static const char *const status_colours[] = {"#0072B2", "#56B4E9", "#009E73", "#9a9a9a"};

/* Horizontal stacked bars: one row per challenge, a segment per status. */
static void status_bars_svg(sk_buf *b, const json_t *challenges)
{
	size_t n = json_array_size(challenges);
	long max = 0;
	size_t i;
	json_t *c;
	json_array_foreach(challenges, i, c)
		if (jint(c, "experiments") > max)
			max = jint(c, "experiments");
	if (n == 0 || max == 0)
		return;
	int W = 720, label_w = 230, row = 30, top = 34;
	int H = top + (int)n * row + 44;
	double bar_w = W - label_w - 60;
	sk_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sk-chart\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" style=\"font-family:system-ui,-apple-system,'Segoe UI',"
		"Roboto,Arial,sans-serif\">\n<title>Forsøk etter status per utfordring</title>\n", W, H, W, H);
	sk_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
	sk_buf_printf(b, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" "
		"fill=\"#1a1a1a\">Forsøk etter status per utfordring</text>\n", W / 2);
	json_array_foreach(challenges, i, c) {
		int y = top + (int)i * row;
		sk_buf tmp = SK_BUF_INIT;
		const char *title = jstr(c, "title");
		/* Long titles are cut to fit the label column. */
		size_t len = title ? strlen(title) : 0;
		if (title && sk_utf8_length(title, len) > 34) {
			const char *p = title;
			for (int k = 0; k < 32 && *p; k++)
				sk_utf8_next(&p);
			sk_buf_put(&tmp, title, (size_t)(p - title));
			sk_buf_puts(&tmp, "…");
		} else {
			sk_buf_puts(&tmp, title ? title : "");
		}
		sk_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"13\" fill=\"#1a1a1a\">",
			label_w - 8, y + 19);
		esc(b, tmp.data);
		sk_buf_puts(b, "</text>\n");
		sk_buf_free(&tmp);
		double x = label_w;
		json_t *bs = json_object_get(c, "by_status");
		for (size_t s = 0; s < 4; s++) {
			long v = jint(bs, statuses[s]);
			if (v <= 0)
				continue;
			double w = bar_w * (double)v / (double)max;
			sk_buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				"stroke=\"#ffffff\" stroke-width=\"1\"/>\n", x, y + 4, w, row - 8, status_colours[s]);
			if (w >= 16)
				sk_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" "
					"fill=\"%s\">%ld</text>\n", x + w / 2, y + 19, s == 1 ? "#1a1a1a" : "#ffffff", v);
			x += w;
		}
		sk_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#555555\">%ld</text>\n",
			x + 6, y + 19, jint(c, "experiments"));
	}
	int ly = top + (int)n * row + 24;
	double lx = label_w;
	for (size_t s = 0; s < 4; s++) {
		const char *lab = sk_report__status_label(statuses[s]);
		sk_buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">", lx, ly - 11,
			status_colours[s], lx + 19, ly);
		esc(b, lab);
		sk_buf_puts(b, "</text>\n");
		lx += 30 + 7.5 * (double)sk_utf8_length(lab, strlen(lab)) + 14;
	}
	sk_buf_puts(b, "</svg>\n");
}

/* One bar per metric: the share of the way from baseline to target. */
static void progress_svg(sk_buf *b, const json_t *metrics)
{
	size_t n = json_array_size(metrics);
	if (n == 0)
		return;
	int W = 640, label_w = 200, row = 26;
	int H = 10 + (int)n * row + 8;
	double bar_w = W - label_w - 70;
	sk_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sk-chart\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" style=\"font-family:system-ui,-apple-system,'Segoe UI',"
		"Roboto,Arial,sans-serif\">\n<title>Framdrift mot målene</title>\n", W, H, W, H);
	size_t i;
	json_t *m;
	json_array_foreach(metrics, i, m) {
		int y = 10 + (int)i * row;
		sk_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">",
			label_w - 8, y + 14);
		esc(b, jstr(m, "name"));
		sk_buf_puts(b, "</text>\n");
		sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#eef1f4\" "
			"stroke=\"#c9ced3\"/>\n", label_w, y + 3, bar_w);
		double p = jnum(m, "progress");
		sk_buf tmp = SK_BUF_INIT;
		if (isfinite(p)) {
			double f = p < 0 ? 0 : p > 1 ? 1 : p;
			const char *col = p < 0 ? "#B84A00" : p >= 1 ? "#009E73" : "#0072B2";
			if (f > 0)
				sk_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>\n",
					label_w, y + 3, bar_w * f, col);
			sk_report__percent(&tmp, p);
		} else {
			sk_buf_puts(&tmp, "ingen måling");
		}
		sk_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">", label_w + bar_w + 8,
			y + 14);
		esc(b, tmp.data);
		sk_buf_puts(b, "</text>\n");
		sk_buf_free(&tmp);
	}
	sk_buf_puts(b, "</svg>\n");
}

static void card(sk_buf *b, long v, const char *label)
{
	sk_buf_puts(b, "<div class=\"card\"><b>");
	sk_report__num(b, (double)v);
	sk_buf_puts(b, "</b><span>");
	esc(b, label);
	sk_buf_puts(b, "</span></div>\n");
}

/* A list of {id, title, KEY} as "title (date)". */
static void ref_list(sk_buf *b, const json_t *arr, const char *datekey, const char *prefix, long total)
{
	size_t i;
	json_t *e;
	sk_buf_puts(b, "<ul class=\"compact\">\n");
	json_array_foreach(arr, i, e) {
		sk_buf_puts(b, "<li>");
		rec_link(b, prefix, jstr(e, "id"), jstr(e, "title"));
		if (jstr(e, datekey)) {
			sk_buf_puts(b, " <span class=\"muted\">(");
			date_long(b, jstr(e, datekey));
			sk_buf_puts(b, ")</span>");
		}
		if (json_is_integer(json_object_get(e, "days_quiet")))
			sk_buf_printf(b, " <span class=\"muted\">– %ld dager uten logg</span>", jint(e, "days_quiet"));
		sk_buf_puts(b, "</li>\n");
	}
	if (total > (long)json_array_size(arr)) {
		sk_buf_puts(b, "<li class=\"muted\">… og ");
		sk_report__num(b, (double)(total - (long)json_array_size(arr)));
		sk_buf_puts(b, " til</li>\n");
	}
	sk_buf_puts(b, "</ul>\n");
}

static void section_challenges(sk_buf *b, const json_t *st, const char *prefix)
{
	const json_t *chs = json_object_get(st, "challenges");
	sk_buf_puts(b, "<section id=\"utfordringer\">\n<h2>Utfordringer</h2>\n");
	if (json_array_size(chs) == 0) {
		sk_buf_puts(b, "<p class=\"note\">Kunnskapsbasen har ingen utfordringer i utvalget.</p>\n</section>\n");
		return;
	}
	sk_buf_puts(b, "<div class=\"chart\">\n");
	status_bars_svg(b, chs);
	sk_buf_puts(b, "</div>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Utfordring</th>"
		"<th class=\"num\">Forsøk</th><th class=\"num\">Pågår</th><th class=\"num\">Planlagt</th>"
		"<th class=\"num\">Fullført</th><th class=\"num\">Stoppet</th><th class=\"num\">Startet i perioden</th>"
		"<th class=\"num\">Fullført i perioden</th><th class=\"num\">Stille</th></tr></thead>\n<tbody>\n");
	size_t i;
	json_t *c;
	json_array_foreach(chs, i, c) {
		json_t *bs = json_object_get(c, "by_status");
		sk_buf_puts(b, "<tr><td>");
		if (json_is_true(json_object_get(c, "missing")))
			esc(b, jstr(c, "title"));
		else
			rec_link(b, prefix, jstr(c, "id"), jstr(c, "title"));
		if (jstr(c, "status") && strcmp(jstr(c, "status"), "parked") == 0)
			sk_buf_puts(b, " <span class=\"badge stopped\">Parkert</span>");
		if (json_is_true(json_object_get(c, "missing")))
			sk_buf_puts(b, " <span class=\"badge quiet\">mangler i kunnskapsbasen</span>");
		sk_buf_printf(b, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td>"
			"<td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td>"
			"<td class=\"num\">%ld</td><td class=\"num\">%ld</td></tr>\n",
			jint(c, "experiments"), jint(bs, "running"), jint(bs, "planned"), jint(bs, "completed"),
			jint(bs, "stopped"), jint(c, "started_in_period_count"), jint(c, "completed_in_period_count"),
			jint(c, "quiet_count"));
	}
	sk_buf_puts(b, "</tbody></table></div>\n");
	json_array_foreach(chs, i, c) {
		const json_t *s = json_object_get(c, "started_in_period");
		const json_t *d = json_object_get(c, "completed_in_period");
		const json_t *q = json_object_get(c, "quiet");
		if (!json_array_size(s) && !json_array_size(d) && !json_array_size(q))
			continue;
		sk_buf_puts(b, "<h3>");
		esc(b, jstr(c, "title"));
		sk_buf_puts(b, "</h3>\n");
		if (json_array_size(s)) {
			sk_buf_puts(b, "<p><b>Startet i perioden:</b></p>\n");
			ref_list(b, s, "start", prefix, jint(c, "started_in_period_count"));
		}
		if (json_array_size(d)) {
			sk_buf_puts(b, "<p><b>Fullført i perioden:</b></p>\n");
			ref_list(b, d, "end", prefix, jint(c, "completed_in_period_count"));
		}
		if (json_array_size(q)) {
			sk_buf_printf(b, "<p><b class=\"warn\">Stille (ingen logg på %ld dager):</b></p>\n",
				jint(st, "quiet_days"));
			ref_list(b, q, "last_log", prefix, jint(c, "quiet_count"));
		}
	}
	sk_buf_puts(b, "</section>\n");
}

static void section_experiments(sk_buf *b, const json_t *st, const char *prefix)
{
	const json_t *exps = json_object_get(st, "experiments");
	sk_buf_puts(b, "<section id=\"forsok\" class=\"page\">\n<h2>Forsøk</h2>\n");
	if (json_array_size(exps) == 0)
		sk_buf_puts(b, "<p class=\"note\">Ingen forsøk i utvalget.</p>\n");
	long all = jint(json_object_get(st, "totals"), "experiments");
	if (all > (long)json_array_size(exps)) {
		sk_buf_printf(b, "<p class=\"note\">Her vises %zu forsøk (de sist stille og de sist aktive) av ",
			json_array_size(exps));
		sk_report__num(b, (double)all);
		sk_buf_puts(b, ". Avgrens med utfordring eller kommune for å se andre.</p>\n");
	}
	size_t i;
	json_t *e;
	json_array_foreach(exps, i, e) {
		sk_buf_puts(b, "<article class=\"exp\">\n<h3>");
		rec_link(b, prefix, jstr(e, "id"), jstr(e, "title"));
		sk_buf_puts(b, "</h3>\n<p>");
		badge(b, jstr(e, "status"));
		if (json_is_true(json_object_get(e, "quiet")))
			sk_buf_puts(b, " <span class=\"badge quiet\">Stille</span>");
		if (json_is_true(json_object_get(e, "example")))
			sk_buf_puts(b, " <span class=\"badge example\">Oppdiktet eksempel</span>");
		sk_buf_puts(b, " <span class=\"muted\">");
		esc(b, jstr(e, "challenge_title"));
		json_t *ks = json_object_get(e, "kommuner");
		if (json_array_size(ks)) {
			sk_buf_puts(b, " · ");
			size_t k;
			json_t *kv;
			json_array_foreach(ks, k, kv) {
				if (k)
					sk_buf_puts(b, ", ");
				const json_t *kom = NULL;
				size_t j;
				json_t *ke;
				json_array_foreach(json_object_get(st, "kommuner"), j, ke)
					if (jstr(ke, "id") && json_is_string(kv) && strcmp(jstr(ke, "id"), json_string_value(kv)) == 0)
						kom = ke;
				esc(b, kom ? jstr(kom, "title") : json_string_value(kv));
			}
		}
		sk_buf_puts(b, "</span></p>\n<p class=\"meta\">Start ");
		date_long(b, jstr(e, "start"));
		if (jstr(e, "end")) {
			sk_buf_puts(b, " · slutt ");
			date_long(b, jstr(e, "end"));
		}
		sk_buf_printf(b, " · %ld loggføringer (%ld i perioden)", jint(e, "logs"), jint(e, "logs_in_period"));
		if (jstr(e, "last_log")) {
			sk_buf_puts(b, " · siste ");
			date_long(b, jstr(e, "last_log"));
		} else {
			sk_buf_puts(b, " · ingen logg ennå");
		}
		sk_buf_puts(b, "</p>\n");
		const json_t *ms = json_object_get(e, "metrics");
		if (json_array_size(ms)) {
			sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Måltall</th><th>Enhet</th>"
				"<th class=\"num\">Utgangspunkt</th><th class=\"num\">Mål</th><th class=\"num\">Siste måling</th>"
				"<th class=\"num\">Framdrift</th></tr></thead>\n<tbody>\n");
			size_t k;
			json_t *m;
			json_array_foreach(ms, k, m) {
				sk_buf_puts(b, "<tr><td>");
				esc(b, jstr(m, "name"));
				if (jstr(m, "description")) {
					sk_buf_puts(b, "<br><span class=\"muted\">");
					esc(b, jstr(m, "description"));
					sk_buf_puts(b, "</span>");
				}
				sk_buf_puts(b, "</td><td>");
				esc(b, jstr(m, "unit"));
				sk_buf_puts(b, "</td><td class=\"num\">");
				num(b, jnum(m, "baseline"));
				sk_buf_puts(b, "</td><td class=\"num\">");
				num(b, jnum(m, "target"));
				sk_buf_puts(b, "</td><td class=\"num\">");
				if (jstr(m, "latest_date")) {
					num(b, jnum(m, "latest"));
					sk_buf_puts(b, "<br><span class=\"muted\">");
					date_long(b, jstr(m, "latest_date"));
					sk_buf_puts(b, "</span>");
				} else {
					sk_buf_puts(b, "<span class=\"muted\">ingen ennå</span>");
				}
				sk_buf_puts(b, "</td><td class=\"num\">");
				sk_buf tmp = SK_BUF_INIT;
				sk_report__percent(&tmp, jnum(m, "progress"));
				esc(b, tmp.data);
				sk_buf_free(&tmp);
				sk_buf_puts(b, "</td></tr>\n");
			}
			sk_buf_puts(b, "</tbody></table></div>\n<div class=\"chart\">\n");
			progress_svg(b, ms);
			sk_buf_puts(b, "</div>\n");
		}
		sk_buf_puts(b, "</article>\n");
	}
	sk_buf_puts(b, "</section>\n");
}

static void section_kommuner(sk_buf *b, const json_t *st, const char *prefix)
{
	const json_t *ks = json_object_get(st, "kommuner");
	sk_buf_puts(b, "<section id=\"kommuner\" class=\"page\">\n<h2>Kommuner</h2>\n");
	const json_t *tot = json_object_get(st, "totals");
	sk_buf_printf(b, "<p>%ld av %ld kommuner har loggført i perioden; %ld har vært stille.</p>\n",
		jint(tot, "kommuner_logged"), jint(tot, "kommuner"), jint(tot, "kommuner_silent"));
	if (json_array_size(ks) == 0) {
		sk_buf_puts(b, "<p class=\"note\">Ingen kommuner i kunnskapsbasen.</p>\n</section>\n");
		return;
	}
	sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Kommune</th><th class=\"num\">Forsøk</th>"
		"<th class=\"num\">Pågår</th><th class=\"num\">Loggføringer i perioden</th><th>Siste logg</th>"
		"<th>I perioden</th></tr></thead>\n<tbody>\n");
	size_t i;
	json_t *k;
	json_array_foreach(ks, i, k) {
		sk_buf_puts(b, "<tr><td>");
		rec_link(b, prefix, jstr(k, "id"), jstr(k, "title"));
		sk_buf_printf(b, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td><td>",
			jint(k, "experiments"), jint(k, "running"), jint(k, "logs_in_period"));
		if (jstr(k, "last_log"))
			date_long(b, jstr(k, "last_log"));
		else
			sk_buf_puts(b, "<span class=\"muted\">aldri</span>");
		sk_buf_puts(b, json_is_true(json_object_get(k, "logged")) ? "</td><td>Har loggført</td></tr>\n" :
			"</td><td><span class=\"warn\">Stille</span></td></tr>\n");
	}
	sk_buf_puts(b, "</tbody></table></div>\n</section>\n");
}

static void section_projections(sk_buf *b, const json_t *st, const char *prefix)
{
	const json_t *pj = json_object_get(st, "projections");
	sk_buf_puts(b, "<section id=\"framskrivinger\" class=\"page\">\n<h2>Framskrivinger</h2>\n");
	if (jstr(pj, "note")) {
		sk_buf_puts(b, "<p class=\"note\">");
		esc(b, jstr(pj, "note"));
		sk_buf_puts(b, "</p>\n");
	}
	size_t i;
	json_t *m;
	const json_t *miss = json_object_get(pj, "missing");
	if (json_array_size(miss)) {
		sk_buf_puts(b, "<p class=\"warn\">Lenket til, men mangler i kunnskapsbasen: ");
		json_array_foreach(miss, i, m) {
			if (i)
				sk_buf_puts(b, ", ");
			esc(b, json_string_value(m));
		}
		sk_buf_puts(b, "</p>\n");
	}
	json_array_foreach(json_object_get(pj, "models"), i, m) {
		sk_buf_puts(b, "<h3>");
		rec_link(b, prefix, jstr(m, "id"), jstr(m, "title"));
		sk_buf_puts(b, "</h3>\n");
		sk_report__projection_html(b, m);
	}
	sk_buf_puts(b, "</section>\n");
}

void sk_report__projection_html(sk_buf *b, const json_t *m)
{
	if (jstr(m, "error")) {
		sk_buf_puts(b, "<p class=\"warn\">Modellen kunne ikke kjøres: ");
		esc(b, jstr(m, "error"));
		sk_buf_puts(b, "</p>\n");
		return;
	}
	double horizon = jnum(m, "horizon");
	size_t j;
	json_t *o;
	json_array_foreach(json_object_get(m, "outputs"), j, o) {
		const json_t *svs = json_object_get(o, "scenarios");
		size_t ns = json_array_size(svs);
		sk_chart_series *series = sk_calloc(ns ? ns : 1, sizeof *series);
		double **xs = sk_calloc(ns ? ns : 1, sizeof *xs), **ys = sk_calloc(ns ? ns : 1, sizeof *ys);
		for (size_t s = 0; s < ns; s++) {
			const json_t *sv = json_array_get(svs, s);
			const json_t *pts = json_object_get(sv, "series");
			size_t np = json_array_size(pts);
			xs[s] = sk_calloc(np ? np : 1, sizeof(double));
			ys[s] = sk_calloc(np ? np : 1, sizeof(double));
			for (size_t p = 0; p < np; p++) {
				const json_t *pt = json_array_get(pts, p);
				xs[s][p] = json_number_value(json_array_get(pt, 0));
				ys[s][p] = json_number_value(json_array_get(pt, 1));
			}
			series[s] = (sk_chart_series){jstr(sv, "title"), xs[s], ys[s], np};
		}
		sk_buf title = SK_BUF_INIT, ylab = SK_BUF_INIT;
		sk_buf_puts(&title, jstr(o, "variable") ? jstr(o, "variable") : "");
		sk_buf_puts(&ylab, jstr(o, "variable") ? jstr(o, "variable") : "");
		if (jstr(o, "unit"))
			sk_buf_printf(&ylab, " (%s)", jstr(o, "unit"));
		sk_chart ch = {title.data, "År", ylab.data, series, ns, 0, 0};
		sk_buf_puts(b, "<div class=\"chart\">\n");
		if (sk_report_chart_svg(b, &ch) < 0) {
			sk_buf_puts(b, "<p class=\"note\">Ingen verdier å tegne.</p>\n");
			sk_error_clear();
		}
		sk_buf_puts(b, "</div>\n");
		for (size_t s = 0; s < ns; s++) {
			free(xs[s]);
			free(ys[s]);
		}
		free(xs);
		free(ys);
		free(series);
		sk_buf_free(&title);
		sk_buf_free(&ylab);
		sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Scenario</th>"
			"<th class=\"num\">Verdi i ");
		num(b, horizon);
		sk_buf_puts(b, "</th><th class=\"num\">Forskjell fra referansen</th></tr></thead>\n<tbody>\n");
		size_t s;
		json_t *sv;
		json_array_foreach(svs, s, sv) {
			sk_buf_puts(b, "<tr><td>");
			esc(b, jstr(sv, "title"));
			sk_buf_puts(b, "</td><td class=\"num\">");
			sk_report__num_auto(b, jnum(sv, "horizon_value"), 0);
			sk_buf_puts(b, "</td><td class=\"num\">");
			sk_report__num_auto(b, jnum(sv, "diff_vs_baseline"), 1);
			sk_buf_puts(b, "</td></tr>\n");
		}
		sk_buf_puts(b, "</tbody></table></div>\n");
	}
}

static void section_history(sk_buf *b, const json_t *st)
{
	const json_t *h = json_object_get(st, "history");
	sk_buf_puts(b, "<section id=\"aktivitet\">\n<h2>Siste aktivitet</h2>\n");
	if (!json_is_true(json_object_get(h, "available")) || json_array_size(json_object_get(h, "commits")) == 0) {
		sk_buf_puts(b, "<p class=\"note\">");
		esc(b, jstr(h, "note") ? jstr(h, "note") : "Ingen endringer i perioden.");
		sk_buf_puts(b, "</p>\n</section>\n");
		return;
	}
	sk_buf_printf(b, "<p>%s%ld endringer i perioden.</p>\n",
		json_is_true(json_object_get(h, "truncated")) ? "Minst " : "", jint(h, "commits_in_period"));
	sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Dato</th><th>Hvem</th><th>Hva</th>"
		"<th>Filer</th></tr></thead>\n<tbody>\n");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(h, "commits"), i, c) {
		sk_buf_puts(b, "<tr><td class=\"num\">");
		esc(b, jstr(c, "date"));
		sk_buf_puts(b, "</td><td>");
		esc(b, jstr(c, "author"));
		sk_buf_puts(b, "</td><td>");
		esc(b, jstr(c, "summary"));
		sk_buf_puts(b, "</td><td>");
		const json_t *ps = json_object_get(c, "paths");
		size_t np = json_array_size(ps);
		for (size_t p = 0; p < np && p < 3; p++) {
			if (p)
				sk_buf_puts(b, "<br>");
			esc(b, json_string_value(json_array_get(ps, p)));
		}
		long files = jint(c, "files");
		if (files > 3) {
			sk_buf_puts(b, "<br><span class=\"muted\">og ");
			sk_report__num(b, (double)(files - 3));
			sk_buf_puts(b, " til</span>");
		}
		sk_buf_puts(b, "</td></tr>\n");
	}
	sk_buf_puts(b, "</tbody></table></div>\n</section>\n");
}

static void section_health(sk_buf *b, const json_t *st)
{
	const json_t *h = json_object_get(st, "health");
	sk_buf_puts(b, "<section id=\"helse\">\n<h2>Kunnskapsbasens helse</h2>\n");
	sk_buf_printf(b, "<p>%ld poster lest. ", jint(h, "records"));
	if (jint(h, "errors") == 0 && jint(h, "broken_links_count") == 0)
		sk_buf_puts(b, "Alle poster består kontrollen, og alle lenker virker.");
	else
		sk_buf_printf(b, "<span class=\"warn\">%ld feil i %ld filer, %ld brutte lenker.</span>",
			jint(h, "errors"), jint(h, "failing_files"), jint(h, "broken_links_count"));
	if (jint(h, "warnings"))
		sk_buf_printf(b, " %ld advarsler.", jint(h, "warnings"));
	sk_buf_puts(b, "</p>\n");
	const json_t *pr = json_object_get(h, "problems");
	if (json_array_size(pr)) {
		sk_buf_puts(b, "<h3>Poster som ikke består kontrollen</h3>\n<div class=\"table-wrap\"><table>\n"
			"<thead><tr><th>Fil</th><th class=\"num\">Linje</th><th>Problem</th></tr></thead>\n<tbody>\n");
		size_t i;
		json_t *p;
		json_array_foreach(pr, i, p) {
			sk_buf_puts(b, "<tr><td>");
			esc(b, jstr(p, "file"));
			sk_buf_printf(b, "</td><td class=\"num\">%ld</td><td>", jint(p, "line"));
			if (jstr(p, "severity") && strcmp(jstr(p, "severity"), "warning") == 0)
				sk_buf_puts(b, "Advarsel: ");
			esc(b, jstr(p, "message"));
			sk_buf_puts(b, "</td></tr>\n");
		}
		sk_buf_puts(b, "</tbody></table></div>\n");
	}
	const json_t *bl = json_object_get(h, "broken_links");
	if (json_array_size(bl)) {
		sk_buf_puts(b, "<h3>Brutte lenker</h3>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Fil</th>"
			"<th class=\"num\">Linje</th><th>Lenker til</th></tr></thead>\n<tbody>\n");
		size_t i;
		json_t *p;
		json_array_foreach(bl, i, p) {
			sk_buf_puts(b, "<tr><td>");
			esc(b, jstr(p, "file"));
			sk_buf_printf(b, "</td><td class=\"num\">%ld</td><td>", jint(p, "line"));
			esc(b, jstr(p, "target"));
			sk_buf_puts(b, "</td></tr>\n");
		}
		sk_buf_puts(b, "</tbody></table></div>\n");
	}
	sk_buf_puts(b, "</section>\n");
}

void sk_report__page_head(sk_buf *b, const char *title, const char *css_href)
{
	sk_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(b, title);
	sk_buf_puts(b, "</title>\n");
	if (css_href) {
		sk_buf_puts(b, "<link rel=\"stylesheet\" href=\"");
		esc(b, css_href);
		sk_buf_puts(b, "\">\n");
	} else {
		sk_buf_puts(b, "<style>\n");
		sk_buf_puts(b, sk_report__css);
		sk_buf_puts(b, "</style>\n");
	}
	sk_buf_puts(b, "</head>\n");
}

void sk_report__status_html(sk_buf *b, const json_t *st, const char *home, const char *css_href)
{
	/* In an exported site the status page sits at the root beside index.html
	 * and record pages live under r/. */
	const char *prefix = home ? "r/" : NULL;
	sk_buf title = SK_BUF_INIT;
	sk_buf_printf(&title, "Statusoversikt – %s", jstr(st, "name") ? jstr(st, "name") : "");
	sk_report__page_head(b, title.data, css_href);
	sk_buf_puts(b, "<body>\n<main>\n");
	if (home) {
		sk_buf_puts(b, "<nav class=\"site noprint\"><a href=\"");
		esc(b, home);
		sk_buf_puts(b, "\">Forside</a></nav>\n");
	}
	sk_buf_puts(b, "<header class=\"top\">\n<h1>");
	esc(b, title.data);
	sk_buf_puts(b, "</h1>\n<p class=\"meta\">Periode ");
	date_long(b, jstr(st, "since"));
	sk_buf_puts(b, " – ");
	date_long(b, jstr(st, "today"));
	const json_t *f = json_object_get(st, "filter");
	if (jstr(f, "kommune")) {
		sk_buf_puts(b, " · Kommune: ");
		esc(b, jstr(f, "kommune_title"));
	}
	if (jstr(f, "challenge")) {
		sk_buf_puts(b, " · Utfordring: ");
		esc(b, jstr(f, "challenge_title"));
	}
	sk_buf_puts(b, "</p>\n</header>\n");
	sk_buf_free(&title);

	const json_t *t = json_object_get(st, "totals");
	sk_buf_puts(b, "<section id=\"nokkeltall\">\n<h2>Nøkkeltall</h2>\n<div class=\"cards\">\n");
	card(b, jint(t, "experiments"), "forsøk i alt");
	card(b, jint(t, "running"), "pågår");
	card(b, jint(t, "completed"), "fullført");
	card(b, jint(t, "started_in_period"), "startet i perioden");
	card(b, jint(t, "completed_in_period"), "fullført i perioden");
	card(b, jint(t, "logs_in_period"), "loggføringer i perioden");
	card(b, jint(t, "quiet"), "stille forsøk");
	card(b, jint(t, "kommuner_logged"), "kommuner har loggført");
	sk_buf_puts(b, "</div>\n");
	sk_buf_printf(b, "<p class=\"muted\">Et forsøk som pågår, regnes som stille når det ikke er loggført på "
		"%ld dager.</p>\n</section>\n", jint(st, "quiet_days"));
	section_challenges(b, st, prefix);
	section_experiments(b, st, prefix);
	section_kommuner(b, st, prefix);
	section_projections(b, st, prefix);
	section_history(b, st);
	section_health(b, st);
	sk_buf_puts(b, "<footer>Laget av samskap ");
	date_long(b, jstr(st, "today"));
	sk_buf_puts(b, ".</footer>\n</main>\n</body>\n</html>\n");
}

int sk_report_status_html(char **out, const json_t *status)
{
	sk_buf b = SK_BUF_INIT;
	*out = NULL;
	if (!json_is_object(status))
		return sk_error_set(SK_EINVALID, "status overview: not a status object");
	sk_report__status_html(&b, status, NULL, NULL);
	*out = sk_buf_detach(&b);
	return 0;
}

int sk_report_status_json(char **out, const json_t *status)
{
	*out = NULL;
	if (!json_is_object(status))
		return sk_error_set(SK_EINVALID, "status overview: not a status object");
	char *s = json_dumps(status, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return sk_error_set(SK_ERROR, "status overview: could not write JSON");
	*out = sk_printf("%s\n", s);
	free(s);
	return 0;
}
