/* The status overview as Markdown that reads well as plain text and in
 * any viewer: headings, short tables (GFM), text progress bars. Every
 * piece of record text goes through sk_report_md_escape. */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static void esc(sk_buf *b, const char *s)
{
	sk_report_md_escape(b, s);
}

static void date_long(sk_buf *b, const char *d)
{
	sk_report__date_long(b, d);
}

/* "▓▓▓▓▓░░░░░ 45 %": ten cells, the share clamped to 0..1. */
static void text_bar(sk_buf *b, double p)
{
	if (!isfinite(p)) {
		sk_buf_puts(b, "ingen måling");
		return;
	}
	double f = p < 0 ? 0 : p > 1 ? 1 : p;
	int full = (int)lround(f * 10);
	for (int i = 0; i < 10; i++)
		sk_buf_puts(b, i < full ? "\xE2\x96\x93" : "\xE2\x96\x91");
	sk_buf_putc(b, ' ');
	sk_report__percent(b, p);
}

static void ref_list(sk_buf *b, const json_t *arr, const char *key, long total)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		sk_buf_puts(b, "- ");
		esc(b, jstr(e, "title"));
		if (jstr(e, key)) {
			sk_buf_puts(b, " (");
			date_long(b, jstr(e, key));
			sk_buf_puts(b, ")");
		}
		if (json_is_integer(json_object_get(e, "days_quiet")))
			sk_buf_printf(b, " – %ld dager uten logg", jint(e, "days_quiet"));
		sk_buf_putc(b, '\n');
	}
	if (total > (long)json_array_size(arr)) {
		sk_buf_puts(b, "- … og ");
		sk_report__num(b, (double)(total - (long)json_array_size(arr)));
		sk_buf_puts(b, " til\n");
	}
	sk_buf_putc(b, '\n');
}

int sk_report_status_md(char **out, const json_t *st)
{
	sk_buf b = SK_BUF_INIT;
	*out = NULL;
	if (!json_is_object(st))
		return sk_error_set(SK_EINVALID, "status overview: not a status object");
	size_t i;
	json_t *e;

	sk_buf_puts(&b, "# Statusoversikt – ");
	esc(&b, jstr(st, "name"));
	sk_buf_puts(&b, "\n\nPeriode ");
	date_long(&b, jstr(st, "since"));
	sk_buf_puts(&b, " – ");
	date_long(&b, jstr(st, "today"));
	const json_t *f = json_object_get(st, "filter");
	if (jstr(f, "kommune")) {
		sk_buf_puts(&b, " · Kommune: ");
		esc(&b, jstr(f, "kommune_title"));
	}
	if (jstr(f, "challenge")) {
		sk_buf_puts(&b, " · Utfordring: ");
		esc(&b, jstr(f, "challenge_title"));
	}
	sk_buf_puts(&b, "\n\n## Nøkkeltall\n\n| | Antall |\n|---|---:|\n");
	const json_t *t = json_object_get(st, "totals");
	static const struct {
		const char *key, *label;
	} cards[] = {
		{"experiments", "Forsøk i alt"}, {"running", "Pågår"}, {"planned", "Planlagt"},
		{"completed", "Fullført"}, {"stopped", "Stoppet"}, {"started_in_period", "Startet i perioden"},
		{"completed_in_period", "Fullført i perioden"}, {"logs_in_period", "Loggføringer i perioden"},
		{"quiet", "Stille forsøk"}, {"kommuner_logged", "Kommuner som har loggført"},
		{"kommuner_silent", "Kommuner uten loggføring"},
	};
	for (size_t k = 0; k < sizeof cards / sizeof cards[0]; k++) {
		sk_buf_printf(&b, "| %s | ", cards[k].label);
		sk_report__num(&b, (double)jint(t, cards[k].key));
		sk_buf_puts(&b, " |\n");
	}
	sk_buf_printf(&b, "\nEt forsøk som pågår, regnes som stille når det ikke er loggført på %ld dager.\n",
		jint(st, "quiet_days"));

	sk_buf_puts(&b, "\n## Utfordringer\n\n");
	const json_t *chs = json_object_get(st, "challenges");
	if (json_array_size(chs) == 0)
		sk_buf_puts(&b, "Kunnskapsbasen har ingen utfordringer i utvalget.\n");
	else
		sk_buf_puts(&b, "| Utfordring | Forsøk | Pågår | Planlagt | Fullført | Stoppet | Startet i perioden | "
			"Fullført i perioden | Stille |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	json_array_foreach(chs, i, e) {
		const json_t *bs = json_object_get(e, "by_status");
		sk_buf_puts(&b, "| ");
		esc(&b, jstr(e, "title"));
		if (jstr(e, "status") && strcmp(jstr(e, "status"), "parked") == 0)
			sk_buf_puts(&b, " (parkert)");
		if (json_is_true(json_object_get(e, "missing")))
			sk_buf_puts(&b, " (mangler i kunnskapsbasen)");
		sk_buf_printf(&b, " | %ld | %ld | %ld | %ld | %ld | %ld | %ld | %ld |\n", jint(e, "experiments"),
			jint(bs, "running"), jint(bs, "planned"), jint(bs, "completed"), jint(bs, "stopped"),
			jint(e, "started_in_period_count"), jint(e, "completed_in_period_count"),
			jint(e, "quiet_count"));
	}
	json_array_foreach(chs, i, e) {
		const json_t *s = json_object_get(e, "started_in_period");
		const json_t *d = json_object_get(e, "completed_in_period");
		const json_t *q = json_object_get(e, "quiet");
		if (!json_array_size(s) && !json_array_size(d) && !json_array_size(q))
			continue;
		sk_buf_puts(&b, "\n### ");
		esc(&b, jstr(e, "title"));
		sk_buf_puts(&b, "\n\n");
		if (json_array_size(s)) {
			sk_buf_puts(&b, "Startet i perioden:\n\n");
			ref_list(&b, s, "start", jint(e, "started_in_period_count"));
		}
		if (json_array_size(d)) {
			sk_buf_puts(&b, "Fullført i perioden:\n\n");
			ref_list(&b, d, "end", jint(e, "completed_in_period_count"));
		}
		if (json_array_size(q)) {
			sk_buf_printf(&b, "**Stille** (ingen logg på %ld dager):\n\n", jint(st, "quiet_days"));
			ref_list(&b, q, "last_log", jint(e, "quiet_count"));
		}
	}

	sk_buf_puts(&b, "\n## Forsøk\n\n");
	const json_t *exps = json_object_get(st, "experiments");
	if (json_array_size(exps) == 0)
		sk_buf_puts(&b, "Ingen forsøk i utvalget.\n");
	long all = jint(json_object_get(st, "totals"), "experiments");
	if (all > (long)json_array_size(exps)) {
		sk_buf_printf(&b, "Her vises %zu forsøk (de sist stille og de sist aktive) av ", json_array_size(exps));
		sk_report__num(&b, (double)all);
		sk_buf_puts(&b, ". Avgrens med `--challenge` eller `--kommune` for å se andre.\n\n");
	}
	json_array_foreach(exps, i, e) {
		sk_buf_puts(&b, "### ");
		esc(&b, jstr(e, "title"));
		sk_buf_puts(&b, "\n\n");
		sk_buf_puts(&b, sk_report__status_label(jstr(e, "status")));
		if (json_is_true(json_object_get(e, "quiet")))
			sk_buf_puts(&b, " · **stille**");
		if (json_is_true(json_object_get(e, "example")))
			sk_buf_puts(&b, " · oppdiktet eksempel");
		sk_buf_puts(&b, " · ");
		esc(&b, jstr(e, "challenge_title"));
		sk_buf_puts(&b, " · start ");
		date_long(&b, jstr(e, "start"));
		sk_buf_printf(&b, " · %ld loggføringer (%ld i perioden)", jint(e, "logs"), jint(e, "logs_in_period"));
		if (jstr(e, "last_log")) {
			sk_buf_puts(&b, ", siste ");
			date_long(&b, jstr(e, "last_log"));
		}
		sk_buf_puts(&b, "\n\n");
		const json_t *ms = json_object_get(e, "metrics");
		if (json_array_size(ms))
			sk_buf_puts(&b, "| Måltall | Enhet | Utgangspunkt | Mål | Siste måling | Framdrift |\n"
				"|---|---|---:|---:|---:|---|\n");
		size_t k;
		json_t *m;
		json_array_foreach(ms, k, m) {
			sk_buf_puts(&b, "| ");
			esc(&b, jstr(m, "name"));
			sk_buf_puts(&b, " | ");
			esc(&b, jstr(m, "unit"));
			sk_buf_puts(&b, " | ");
			sk_report__num(&b, jnum(m, "baseline"));
			sk_buf_puts(&b, " | ");
			sk_report__num(&b, jnum(m, "target"));
			sk_buf_puts(&b, " | ");
			if (jstr(m, "latest_date")) {
				sk_report__num(&b, jnum(m, "latest"));
				sk_buf_puts(&b, " (");
				sk_buf_puts(&b, jstr(m, "latest_date"));
				sk_buf_puts(&b, ")");
			} else {
				sk_buf_puts(&b, "ingen ennå");
			}
			sk_buf_puts(&b, " | ");
			text_bar(&b, jnum(m, "progress"));
			sk_buf_puts(&b, " |\n");
		}
		sk_buf_putc(&b, '\n');
	}

	sk_buf_puts(&b, "## Kommuner\n\n");
	sk_buf_printf(&b, "%ld av %ld kommuner har loggført i perioden; %ld har vært stille.\n\n",
		jint(t, "kommuner_logged"), jint(t, "kommuner"), jint(t, "kommuner_silent"));
	const json_t *ks = json_object_get(st, "kommuner");
	if (json_array_size(ks))
		sk_buf_puts(&b, "| Kommune | Forsøk | Pågår | Loggføringer i perioden | Siste logg | I perioden |\n"
			"|---|---:|---:|---:|---|---|\n");
	json_array_foreach(ks, i, e) {
		sk_buf_puts(&b, "| ");
		esc(&b, jstr(e, "title"));
		sk_buf_printf(&b, " | %ld | %ld | %ld | ", jint(e, "experiments"), jint(e, "running"),
			jint(e, "logs_in_period"));
		sk_buf_puts(&b, jstr(e, "last_log") ? jstr(e, "last_log") : "aldri");
		sk_buf_puts(&b, json_is_true(json_object_get(e, "logged")) ? " | Har loggført |\n" : " | **Stille** |\n");
	}

	sk_buf_puts(&b, "\n## Framskrivinger\n\n");
	const json_t *pj = json_object_get(st, "projections");
	if (jstr(pj, "note")) {
		esc(&b, jstr(pj, "note"));
		sk_buf_puts(&b, "\n\n");
	}
	const json_t *miss = json_object_get(pj, "missing");
	if (json_array_size(miss)) {
		sk_buf_puts(&b, "Lenket til, men mangler i kunnskapsbasen: ");
		json_array_foreach(miss, i, e) {
			if (i)
				sk_buf_puts(&b, ", ");
			esc(&b, json_string_value(e));
		}
		sk_buf_puts(&b, "\n\n");
	}
	json_array_foreach(json_object_get(pj, "models"), i, e) {
		sk_buf_puts(&b, "### ");
		esc(&b, jstr(e, "title"));
		sk_buf_puts(&b, "\n\n");
		if (jstr(e, "error")) {
			sk_buf_puts(&b, "Modellen kunne ikke kjøres: ");
			esc(&b, jstr(e, "error"));
			sk_buf_puts(&b, "\n\n");
			continue;
		}
		size_t j;
		json_t *o;
		json_array_foreach(json_object_get(e, "outputs"), j, o) {
			esc(&b, jstr(o, "variable"));
			if (jstr(o, "unit")) {
				sk_buf_puts(&b, " (");
				esc(&b, jstr(o, "unit"));
				sk_buf_puts(&b, ")");
			}
			sk_buf_puts(&b, ":\n\n| Scenario | Verdi i ");
			sk_report__num(&b, jnum(e, "horizon"));
			sk_buf_puts(&b, " | Forskjell fra referansen |\n|---|---:|---:|\n");
			size_t s;
			json_t *sv;
			json_array_foreach(json_object_get(o, "scenarios"), s, sv) {
				sk_buf_puts(&b, "| ");
				esc(&b, jstr(sv, "title"));
				sk_buf_puts(&b, " | ");
				sk_report__num_auto(&b, jnum(sv, "horizon_value"), 0);
				sk_buf_puts(&b, " | ");
				sk_report__num_auto(&b, jnum(sv, "diff_vs_baseline"), 1);
				sk_buf_puts(&b, " |\n");
			}
			sk_buf_putc(&b, '\n');
		}
	}

	sk_buf_puts(&b, "## Siste aktivitet\n\n");
	const json_t *h = json_object_get(st, "history");
	if (!json_is_true(json_object_get(h, "available")) || json_array_size(json_object_get(h, "commits")) == 0) {
		esc(&b, jstr(h, "note") ? jstr(h, "note") : "Ingen endringer i perioden.");
		sk_buf_puts(&b, "\n\n");
	} else {
		sk_buf_printf(&b, "%s%ld endringer i perioden.\n\n| Dato | Hvem | Hva |\n|---|---|---|\n",
			json_is_true(json_object_get(h, "truncated")) ? "Minst " : "", jint(h, "commits_in_period"));
		json_array_foreach(json_object_get(h, "commits"), i, e) {
			sk_buf_printf(&b, "| %s | ", jstr(e, "date") ? jstr(e, "date") : "");
			esc(&b, jstr(e, "author"));
			sk_buf_puts(&b, " | ");
			esc(&b, jstr(e, "summary"));
			sk_buf_puts(&b, " |\n");
		}
		sk_buf_putc(&b, '\n');
	}

	sk_buf_puts(&b, "## Kunnskapsbasens helse\n\n");
	const json_t *hl = json_object_get(st, "health");
	sk_buf_printf(&b, "%ld poster lest. ", jint(hl, "records"));
	if (jint(hl, "errors") == 0 && jint(hl, "broken_links_count") == 0)
		sk_buf_puts(&b, "Alle poster består kontrollen, og alle lenker virker.");
	else
		sk_buf_printf(&b, "**%ld feil i %ld filer, %ld brutte lenker.**", jint(hl, "errors"),
			jint(hl, "failing_files"), jint(hl, "broken_links_count"));
	if (jint(hl, "warnings"))
		sk_buf_printf(&b, " %ld advarsler.", jint(hl, "warnings"));
	sk_buf_puts(&b, "\n");
	const json_t *pr = json_object_get(hl, "problems");
	if (json_array_size(pr)) {
		sk_buf_puts(&b, "\n### Poster som ikke består kontrollen\n\n");
		json_array_foreach(pr, i, e) {
			sk_buf_puts(&b, "- ");
			esc(&b, jstr(e, "file"));
			if (jint(e, "line"))
				sk_buf_printf(&b, ":%ld", jint(e, "line"));
			sk_buf_puts(&b, ": ");
			esc(&b, jstr(e, "message"));
			sk_buf_putc(&b, '\n');
		}
	}
	const json_t *bl = json_object_get(hl, "broken_links");
	if (json_array_size(bl)) {
		sk_buf_puts(&b, "\n### Brutte lenker\n\n");
		json_array_foreach(bl, i, e) {
			sk_buf_puts(&b, "- ");
			esc(&b, jstr(e, "file"));
			if (jint(e, "line"))
				sk_buf_printf(&b, ":%ld", jint(e, "line"));
			sk_buf_puts(&b, " lenker til ");
			esc(&b, jstr(e, "target"));
			sk_buf_putc(&b, '\n');
		}
	}
	*out = sk_buf_detach(&b);
	return 0;
}
