/* The static site: every record as a page, index pages per type, kommune
 * and challenge, the status page, and a search page that works from disk
 * (the index is a script file, since browsers refuse fetch() on file://).
 *
 * Layout (all links relative, so the folder works anywhere):
 *   index.html  status.html  search.html  search.js  search-index.js  style.css
 *   r/ID.html            one per record (ids are unique across the KB)
 *   types/TYPE.html      one per record type
 *   kommune/ID.html      everything linked to a kommune
 *   challenge/ID.html    everything linked to a challenge
 * A manifest (.samskap-export) lists what the site holds, so a second run
 * removes only its own stale pages and never touches anything else. */
#include "report_int.h"

#include "samskap/store.h"

#include <cmark.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MANIFEST ".samskap-export"
#define MANIFEST_HEADER "samskap export manifest 1\n"
/* History kept per record page, and commits looked at for it. */
#define PAGE_HISTORY 10
#define HISTORY_SCAN 2000
/* Characters of body text per record in the search index. */
#define SEARCH_TEXT 600

typedef struct exporter {
	const sk_kb *kb;
	const char *outdir;
	const sk_report__corpus *c;
	json_t *status;
	json_t *backlinks;    /* id -> array of record indices linking to it */
	json_t *history;      /* path -> array of commits */
	json_t *projections;  /* model id -> projection entry */
	json_t *written;      /* relpath -> true, this run */
	sk_export_stats *stats;
	sk_report_progress_fn progress;
	void *ctx;
	size_t total;
} exporter;

static const struct {
	sk_record_type type;
	const char *slug, *plural, *singular;
} types[] = {
	{SK_TYPE_PARTNERSHIP, "partnership", "Partnerskapet", "Partnerskap"},
	{SK_TYPE_CHALLENGE, "challenge", "Utfordringer", "Utfordring"},
	{SK_TYPE_KOMMUNE, "kommune", "Kommuner", "Kommune"},
	{SK_TYPE_CASE, "case", "Caser", "Case"},
	{SK_TYPE_EXPERIMENT, "experiment", "Forsøk", "Forsøk"},
	{SK_TYPE_LOG, "log", "Loggføringer", "Loggføring"},
	{SK_TYPE_MODEL, "model", "Modeller", "Modell"},
};
#define NTYPES (sizeof types / sizeof types[0])

static size_t type_index(sk_record_type t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == t)
			return i;
	return 0;
}

static const struct {
	const char *key, *label;
} field_labels[] = {
	{"summary", "Sammendrag"}, {"kommuner", "Kommuner"}, {"challenges", "Utfordringer"},
	{"challenge", "Utfordring"}, {"status", "Status"}, {"start", "Start"}, {"end", "Slutt"},
	{"hypothesis", "Hypotese"}, {"metrics", "Måltall"}, {"owner", "Eier"}, {"tags", "Stikkord"},
	{"sources", "Kilder"}, {"example", "Eksempel"}, {"date", "Dato"}, {"author", "Forfatter"},
	{"kind", "Slag"}, {"measurements", "Målinger"}, {"kommunenummer", "Kommunenummer"},
	{"fylke", "Fylke"}, {"resource_group", "Ressursgruppen"}, {"region", "Region"},
	{"population", "Folketall"}, {"contact", "Kontakt"}, {"case", "Case"}, {"cases", "Caser"},
	{"model", "Modell"}, {"models", "Modeller"}, {"scenario", "Scenario"}, {"started", "Startet"},
	{"ended", "Avsluttet"}, {"period", "Periode"}, {"organisation", "Organisering"},
	{"indicators", "Indikatorer"}, {"experiment", "Forsøk"}, {"experiments", "Forsøk"},
	{"description", "Beskrivelse"}, {"time", "Tid"}, {"outputs", "Utdata"},
	{"default_scenario", "Standardscenario"}, {"scenarios", "Scenarioer"}, {"name", "Navn"},
	{"unit", "Enhet"}, {"baseline", "Utgangspunkt"}, {"target", "Mål"}, {"count", "Antall"},
	{"year", "År"}, {"source", "Kilde"}, {"from", "Fra"}, {"to", "Til"},
};

static const char *field_label(const char *key)
{
	for (size_t i = 0; i < sizeof field_labels / sizeof field_labels[0]; i++)
		if (strcmp(field_labels[i].key, key) == 0)
			return field_labels[i].label;
	return key;
}

static int is_link_field(const char *key)
{
	for (size_t i = 0; sk_record_link_fields[i]; i++)
		if (strcmp(sk_record_link_fields[i], key) == 0)
			return 1;
	return 0;
}

static void esc(sk_buf *b, const char *s)
{
	sk_report_html_escape(b, s);
}

/* A link to record `id` from a page `depth` folders below the root, with
 * its title; plain text when no record has that id. */
static void rec_link(sk_buf *b, const exporter *x, const char *id, int depth)
{
	const sk_record *r = sk_report__corpus_get(x->c, id);
	if (!r || !sk_id_valid(id)) {
		esc(b, id);
		return;
	}
	sk_buf_puts(b, "<a href=\"");
	for (int i = 0; i < depth; i++)
		sk_buf_puts(b, "../");
	sk_buf_printf(b, "r/%s.html\">", r->id);
	esc(b, r->title ? r->title : r->id);
	sk_buf_puts(b, "</a>");
}

static int http_url(const char *s)
{
	return s && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

/* Writes one file of the site unless it already holds exactly this. */
static int put_file(exporter *x, const char *rel, const char *data, size_t len)
{
	char *path = sk_path_join(x->outdir, rel);
	char *old = NULL;
	size_t oldlen = 0;
	int rc = 0;
	if (sk_path_exists(path) && sk_file_read(&old, &oldlen, path, (size_t)1 << 30) == 0 &&
		oldlen == len && memcmp(old, data, len) == 0) {
		x->stats->unchanged++;
	} else {
		sk_error_clear();
		char *slash = strrchr(path, '/');
		*slash = '\0';
		rc = sk_path_mkdirs(path);
		*slash = '/';
		if (rc == 0)
			rc = sk_file_write_nosync(path, data, len);
		if (rc < 0)
			goto done;
		x->stats->written++;
	}
	x->stats->pages++;
	json_object_set_new(x->written, rel, json_true());
	if (x->progress)
		x->progress(x->stats->pages, x->total, x->ctx);
done:
	free(old);
	free(path);
	return rc;
}

static void page_begin(sk_buf *b, const char *title, int depth, const char *section)
{
	sk_buf css = SK_BUF_INIT;
	for (int i = 0; i < depth; i++)
		sk_buf_puts(&css, "../");
	sk_buf_puts(&css, "style.css");
	sk_report__page_head(b, title, css.data);
	sk_buf_puts(b, "<body>\n<main>\n<nav class=\"site noprint\">");
	static const struct {
		const char *href, *label;
	} nav[] = {
		{"index.html", "Forside"}, {"status.html", "Status"}, {"types/experiment.html", "Forsøk"},
		{"types/kommune.html", "Kommuner"}, {"types/challenge.html", "Utfordringer"},
		{"types/case.html", "Caser"}, {"types/model.html", "Modeller"}, {"search.html", "Søk"},
	};
	for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
		sk_buf_puts(b, "<a href=\"");
		for (int d = 0; d < depth; d++)
			sk_buf_puts(b, "../");
		sk_buf_printf(b, "%s\"%s>%s</a>", nav[i].href,
			section && strcmp(section, nav[i].href) == 0 ? " class=\"current\"" : "", nav[i].label);
		sk_buf_puts(b, i + 1 < sizeof nav / sizeof nav[0] ? "\n" : "");
	}
	sk_buf_puts(b, "</nav>\n");
	sk_buf_free(&css);
}

static void page_end(sk_buf *b, const char *source)
{
	sk_buf_puts(b, "<footer>");
	if (source) {
		sk_buf_puts(b, "Kilde: <code>");
		esc(b, source);
		sk_buf_puts(b, "</code> · ");
	}
	sk_buf_puts(b, "Laget med samskap.</footer>\n</main>\n</body>\n</html>\n");
}

/* Splits text nodes at [[id]] and links the records that exist, by title;
 * page links are relative to r/. */
static void link_wikilinks(cmark_node *root, const exporter *x)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	cmark_node **texts = NULL;
	size_t n = 0;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_TEXT &&
			strstr(cmark_node_get_literal(node), "[[")) {
			texts = sk_realloc(texts, sk_mul_size(n + 1, sizeof *texts));
			texts[n++] = node;
		}
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++) {
		cmark_node *node = texts[i];
		char *lit = sk_strdup(cmark_node_get_literal(node));
		const char *rest = lit;
		int changed = 0;
		for (const char *p = strstr(rest, "[["); p; p = strstr(p + 2, "[[")) {
			const char *e = strstr(p + 2, "]]");
			if (!e)
				break;
			char *id = sk_strndup(p + 2, (size_t)(e - p - 2));
			const sk_record *r = sk_id_valid(id) ? sk_report__corpus_get(x->c, id) : NULL;
			if (r) {
				char *before = sk_strndup(rest, (size_t)(p - rest));
				cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
				cmark_node_set_literal(t, before);
				cmark_node_insert_before(node, t);
				cmark_node *a = cmark_node_new(CMARK_NODE_LINK);
				char *url = sk_printf("%s.html", r->id);
				cmark_node_set_url(a, url);
				cmark_node *at = cmark_node_new(CMARK_NODE_TEXT);
				cmark_node_set_literal(at, r->title ? r->title : r->id);
				cmark_node_append_child(a, at);
				cmark_node_insert_before(node, a);
				free(url);
				free(before);
				rest = e + 2;
				p = e;
				changed = 1;
			}
			free(id);
		}
		if (changed)
			cmark_node_set_literal(node, rest);
		free(lit);
	}
	free(texts);
}

/* 1 when a URL would run code or reach outside the site in a way a
 * browser treats as unsafe (cmark's safe mode blanks these; an empty href
 * is no better, so the link's text is kept without the link). */
static int unsafe_url(const char *url)
{
	while (*url == ' ' || *url == '\t')
		url++;
	static const char *const bad[] = {"javascript:", "vbscript:", "file:", "data:"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strncasecmp(url, bad[i], strlen(bad[i])) == 0)
			return 1;
	return 0;
}

static void drop_unsafe_links(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	cmark_node **found = NULL;
	size_t n = 0;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE)) {
			const char *url = cmark_node_get_url(node);
			if (!url || !*url || unsafe_url(url)) {
				found = sk_realloc(found, sk_mul_size(n + 1, sizeof *found));
				found[n++] = node;
			}
		}
	}
	cmark_iter_free(it);
	/* Innermost last in document order: unwrap from the end. */
	for (size_t i = n; i-- > 0;) {
		cmark_node *node = found[i], *child;
		while ((child = cmark_node_first_child(node)))
			cmark_node_insert_before(node, child);
		cmark_node_free(node);
	}
	free(found);
}

/* The record's body through cmark. CMARK_OPT_DEFAULT is cmark's safe
 * mode (raw HTML left out, javascript: and other unsafe links dropped);
 * never CMARK_OPT_UNSAFE. Links the author wrote to "/..." would break on
 * disk, so relative links stay as written and absolute paths are not
 * rewritten either: the link walker in the tests reports them. */
static void markdown(sk_buf *b, const exporter *x, const char *md, const char *title)
{
	cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
	drop_unsafe_links(doc);
	cmark_consolidate_text_nodes(doc);
	/* A first heading that repeats the title would stand twice. */
	cmark_node *first = cmark_node_first_child(doc);
	if (first && title && cmark_node_get_type(first) == CMARK_NODE_HEADING &&
		cmark_node_get_heading_level(first) == 1) {
		cmark_node *t = cmark_node_first_child(first);
		if (t && !cmark_node_next(t) && cmark_node_get_type(t) == CMARK_NODE_TEXT &&
			strcmp(cmark_node_get_literal(t), title) == 0) {
			cmark_node_unlink(first);
			cmark_node_free(first);
		}
	}
	link_wikilinks(doc, x);
	char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
	sk_buf_puts(b, html);
	cmark_get_default_mem_allocator()->free(html);
	cmark_node_free(doc);
}

/* One front-matter value: ids as links, URLs as external links, arrays
 * as lists, objects (metrics, population) as small tables. */
static void put_value(sk_buf *b, const exporter *x, const char *key, const json_t *v, int depth)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (key && is_link_field(key) && sk_id_valid(s))
			rec_link(b, x, s, 1);
		else if (http_url(s)) {
			sk_buf_puts(b, "<a href=\"");
			esc(b, s);
			sk_buf_puts(b, "\">");
			esc(b, s);
			sk_buf_puts(b, "</a>");
		} else if (key && strcmp(key, "status") == 0) {
			esc(b, sk_report__status_label(s));
		} else {
			esc(b, s);
		}
	} else if (json_is_number(v)) {
		sk_report__num(b, json_number_value(v));
	} else if (json_is_boolean(v)) {
		sk_buf_puts(b, json_is_true(v) ? "ja" : "nei");
	} else if (json_is_null(v)) {
		sk_buf_puts(b, "\xE2\x80\x93");
	} else if (depth > 3) {
		sk_buf_puts(b, "…");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		int simple = 1;
		json_array_foreach(v, i, e)
			if (json_is_object(e) || json_is_array(e))
				simple = 0;
		/* Objects of one kind (metrics, indicators): one table. */
		int objects = json_array_size(v) > 0;
		json_array_foreach(v, i, e)
			if (!json_is_object(e))
				objects = 0;
		if (objects) {
			json_t *cols = json_object();
			const char *k;
			json_t *cv;
			json_array_foreach(v, i, e)
				json_object_foreach(e, k, cv)
					json_object_set_new(cols, k, json_true());
			sk_buf_puts(b, "<table><thead><tr>");
			json_object_foreach(cols, k, cv) {
				sk_buf_puts(b, "<th>");
				esc(b, field_label(k));
				sk_buf_puts(b, "</th>");
			}
			sk_buf_puts(b, "</tr></thead><tbody>");
			json_array_foreach(v, i, e) {
				sk_buf_puts(b, "<tr>");
				json_object_foreach(cols, k, cv) {
					json_t *cell = json_object_get(e, k);
					sk_buf_puts(b, json_is_number(cell) ? "<td class=\"num\">" : "<td>");
					if (cell)
						put_value(b, x, k, cell, depth + 1);
					sk_buf_puts(b, "</td>");
				}
				sk_buf_puts(b, "</tr>");
			}
			sk_buf_puts(b, "</tbody></table>");
			json_decref(cols);
			return;
		}
		if (simple && json_array_size(v) <= 12 && !(key && strcmp(key, "sources") == 0)) {
			json_array_foreach(v, i, e) {
				if (i)
					sk_buf_puts(b, ", ");
				put_value(b, x, key, e, depth + 1);
			}
			return;
		}
		sk_buf_puts(b, "<ul class=\"compact\">");
		json_array_foreach(v, i, e) {
			sk_buf_puts(b, "<li>");
			put_value(b, x, key, e, depth + 1);
			sk_buf_puts(b, "</li>");
		}
		sk_buf_puts(b, "</ul>");
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		sk_buf_puts(b, "<table>");
		json_object_foreach((json_t *)v, k, e) {
			sk_buf_puts(b, "<tr><th>");
			esc(b, field_label(k));
			sk_buf_puts(b, "</th><td>");
			put_value(b, x, k, e, depth + 1);
			sk_buf_puts(b, "</td></tr>");
		}
		sk_buf_puts(b, "</table>");
	}
}

/* Model JSON holds whole equation systems: the page shows their size. */
static int model_bulk(const char *k)
{
	static const char *const bulk[] = {"stocks", "flows", "auxiliaries", "parameters", "lookups", "data",
		"cohort", "dimensions", NULL};
	for (size_t i = 0; bulk[i]; i++)
		if (strcmp(bulk[i], k) == 0)
			return 1;
	return 0;
}

static void front_table(sk_buf *b, const exporter *x, const sk_record *r)
{
	const char *k;
	json_t *v;
	sk_buf_puts(b, "<h2>Fakta</h2>\n<div class=\"table-wrap\"><table class=\"front\">\n");
	json_object_foreach(r->front, k, v) {
		/* Shown in the page's header instead. */
		if (strcmp(k, "title") == 0 || strcmp(k, "name") == 0 || strcmp(k, "summary") == 0 ||
			strcmp(k, "example") == 0)
			continue;
		if (r->type == SK_TYPE_MODEL && model_bulk(k)) {
			sk_buf_puts(b, "<tr><th scope=\"row\">");
			esc(b, k);
			sk_buf_printf(b, "</th><td>%zu</td></tr>\n", json_is_array(v) ? json_array_size(v) :
				json_is_object(v) ? json_object_size(v) : 1);
			continue;
		}
		if (r->type == SK_TYPE_MODEL && strcmp(k, "scenarios") == 0) {
			sk_buf_puts(b, "<tr><th scope=\"row\">Scenarioer</th><td>");
			size_t i;
			json_t *s;
			json_array_foreach(v, i, s) {
				if (i)
					sk_buf_puts(b, ", ");
				const char *t = sk_report__str(s, "title");
				esc(b, t ? t : sk_report__str(s, "name"));
			}
			sk_buf_puts(b, "</td></tr>\n");
			continue;
		}
		sk_buf_puts(b, "<tr><th scope=\"row\">");
		esc(b, field_label(k));
		sk_buf_puts(b, "</th><td>");
		put_value(b, x, k, v, 0);
		sk_buf_puts(b, "</td></tr>\n");
	}
	sk_buf_puts(b, "</table></div>\n");
}

/* Record indices as a list of links, from a page at depth. */
static void link_list(sk_buf *b, const exporter *x, const json_t *idx, int depth)
{
	size_t i;
	json_t *v;
	sk_buf_puts(b, "<ul class=\"compact\">\n");
	json_array_foreach(idx, i, v) {
		const sk_record *r = x->c->recs[json_integer_value(v)];
		sk_buf_puts(b, "<li>");
		rec_link(b, x, r->id, depth);
		sk_buf_printf(b, " <span class=\"muted\">%s</span></li>\n", types[type_index(r->type)].singular);
	}
	sk_buf_puts(b, "</ul>\n");
}

/* An experiment's log entries, newest first. */
static void log_timeline(sk_buf *b, const exporter *x, const sk_record *e)
{
	json_t *idx = json_object_get(x->c->logs_by_exp, e->id);
	size_t n = json_array_size(idx);
	if (n == 0)
		return;
	const sk_record **logs = sk_calloc(n, sizeof *logs);
	for (size_t i = 0; i < n; i++)
		logs[i] = x->c->recs[json_integer_value(json_array_get(idx, i))];
	/* Newest first: insertion sort by date, descending (logs are few). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			const char *a = sk_report__str(logs[j - 1]->front, "date");
			const char *c = sk_report__str(logs[j]->front, "date");
			if (strcmp(a ? a : "", c ? c : "") >= 0)
				break;
			const sk_record *t = logs[j - 1];
			logs[j - 1] = logs[j];
			logs[j] = t;
		}
	sk_buf_printf(b, "<h2>Logg (%zu)</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Dato</th>"
		"<th>Slag</th><th>Hvem</th><th>Loggføring</th><th>Målinger</th></tr></thead>\n<tbody>\n", n);
	static const struct {
		const char *k, *l;
	} kinds[] = {{"observation", "Observasjon"}, {"measurement", "Måling"}, {"decision", "Beslutning"}};
	for (size_t i = 0; i < n; i++) {
		const json_t *f = logs[i]->front;
		const char *kind = sk_report__str(f, "kind");
		for (size_t k = 0; k < 3; k++)
			if (kind && strcmp(kind, kinds[k].k) == 0)
				kind = kinds[k].l;
		sk_buf_puts(b, "<tr><td class=\"num\">");
		esc(b, sk_report__str(f, "date"));
		sk_buf_puts(b, "</td><td>");
		esc(b, kind);
		sk_buf_puts(b, "</td><td>");
		esc(b, sk_report__str(f, "author"));
		sk_buf_puts(b, "</td><td>");
		rec_link(b, x, logs[i]->id, 1);
		sk_buf_puts(b, "</td><td>");
		const char *k;
		json_t *v;
		int first = 1;
		json_object_foreach(json_object_get(f, "measurements"), k, v) {
			if (!first)
				sk_buf_puts(b, "<br>");
			first = 0;
			esc(b, k);
			sk_buf_puts(b, ": ");
			sk_report__num(b, json_number_value(v));
		}
		sk_buf_puts(b, "</td></tr>\n");
	}
	sk_buf_puts(b, "</tbody></table></div>\n");
	free(logs);
}

static void history_section(sk_buf *b, const exporter *x, const sk_record *r)
{
	sk_buf_puts(b, "<h2>Historikk</h2>\n");
	if (!x->history) {
		sk_buf_puts(b, "<p class=\"note\">Ingen git-historikk.</p>\n");
		return;
	}
	json_t *h = json_object_get(x->history, r->path);
	if (json_array_size(h) == 0) {
		sk_buf_puts(b, "<p class=\"note\">Ingen endringer i git-historikken (ennå ikke lagret).</p>\n");
		return;
	}
	sk_buf_puts(b, "<ul class=\"compact\">\n");
	size_t i;
	json_t *c;
	json_array_foreach(h, i, c) {
		sk_buf_puts(b, "<li><span class=\"num\">");
		esc(b, sk_report__str(c, "date"));
		sk_buf_puts(b, "</span> ");
		esc(b, sk_report__str(c, "author"));
		sk_buf_puts(b, ": ");
		esc(b, sk_report__str(c, "summary"));
		sk_buf_puts(b, " <span class=\"muted\">");
		esc(b, sk_report__str(c, "short"));
		sk_buf_puts(b, "</span></li>\n");
	}
	sk_buf_puts(b, "</ul>\n");
}

static int record_page(exporter *x, size_t idx, sk_buf *b)
{
	const sk_record *r = x->c->recs[idx];
	const char *tl = types[type_index(r->type)].singular;
	sk_buf_clear(b);
	sk_buf title = SK_BUF_INIT;
	sk_buf_printf(&title, "%s – %s", r->title ? r->title : r->id, tl);
	page_begin(b, title.data, 1, NULL);
	sk_buf_free(&title);
	sk_buf_printf(b, "<header class=\"top\">\n<p class=\"meta\"><a href=\"../types/%s.html\">%s</a></p>\n<h1>",
		types[type_index(r->type)].slug, tl);
	esc(b, r->title ? r->title : r->id);
	sk_buf_puts(b, "</h1>\n");
	if (sk_report__bool(r->front, "example"))
		sk_buf_puts(b, "<p><span class=\"badge example\">Oppdiktet eksempel</span> Innholdet er laget for å vise "
			"arbeidsmåten, ikke hentet fra et virkelig forsøk.</p>\n");
	const char *summary = sk_report__str(r->front, "summary");
	if (summary) {
		sk_buf_puts(b, "<p>");
		esc(b, summary);
		sk_buf_puts(b, "</p>\n");
	}
	sk_buf_puts(b, "</header>\n");
	front_table(b, x, r);
	if (r->body && *r->body) {
		sk_buf_puts(b, "<div class=\"body\">\n");
		markdown(b, x, r->body, r->title);
		sk_buf_puts(b, "</div>\n");
	}
	if (r->type == SK_TYPE_EXPERIMENT)
		log_timeline(b, x, r);
	if (r->type == SK_TYPE_KOMMUNE || r->type == SK_TYPE_CHALLENGE)
		sk_buf_printf(b, "<p><a href=\"../%s/%s.html\">Alt som er knyttet til %s</a></p>\n",
			types[type_index(r->type)].slug, r->id, r->type == SK_TYPE_KOMMUNE ? "kommunen" : "utfordringen");

	/* Model charts: the model's own, or the one the record links to. */
	const char *mid = r->type == SK_TYPE_MODEL ? r->id : sk_report__str(r->front, "model");
	json_t *proj = mid ? json_object_get(x->projections, mid) : NULL;
	if (proj) {
		sk_buf_puts(b, "<h2>");
		if (r->type == SK_TYPE_MODEL) {
			sk_buf_puts(b, "Framskrivinger");
		} else {
			sk_buf_puts(b, "Modell: ");
			rec_link(b, x, mid, 1);
		}
		sk_buf_puts(b, "</h2>\n");
		sk_report__projection_html(b, proj);
	}

	/* Outgoing links, each target once. */
	json_t *seen = json_object();
	json_t *out = json_array();
	for (size_t l = 0; l < r->n_links; l++) {
		const char *t = r->links[l].target;
		json_t *ti = json_object_get(x->c->by_id, t);
		if (!ti || json_object_get(seen, t) || strcmp(t, r->id) == 0)
			continue;
		json_object_set_new(seen, t, json_true());
		json_array_append(out, ti);
	}
	if (json_array_size(out)) {
		sk_buf_puts(b, "<h2>Lenker til</h2>\n");
		link_list(b, x, out, 1);
	}
	json_decref(out);
	json_decref(seen);
	json_t *back = json_object_get(x->backlinks, r->id);
	if (json_array_size(back)) {
		sk_buf_puts(b, "<h2>Lenket fra</h2>\n");
		link_list(b, x, back, 1);
	}
	history_section(b, x, r);
	page_end(b, r->path);
	char *rel = sk_printf("r/%s.html", r->id);
	int rc = put_file(x, rel, b->data, b->len);
	free(rel);
	return rc;
}

static int cmp_idx_title(const void *a, const void *b, void *ctx)
{
	const exporter *x = ctx;
	const sk_record *ra = x->c->recs[*(const size_t *)a], *rb = x->c->recs[*(const size_t *)b];
	int c = sk_report__collate(ra->title ? ra->title : ra->id, rb->title ? rb->title : rb->id);
	return c ? c : strcmp(ra->id, rb->id);
}

/* qsort has no context argument in C11: a small merge sort that has. */
static void sort_idx(size_t *v, size_t n, const exporter *x)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_idx(v, h, x);
	sort_idx(v + h, n - h, x);
	size_t *tmp = sk_calloc(n, sizeof *tmp);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_idx_title(&v[j], &v[i], (void *)x) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
	free(tmp);
}

static int type_page(exporter *x, size_t t, sk_buf *b)
{
	sk_buf_clear(b);
	size_t n = 0;
	size_t *v = sk_calloc(x->c->n ? x->c->n : 1, sizeof *v);
	for (size_t i = 0; i < x->c->n; i++)
		if (x->c->recs[i]->type == types[t].type)
			v[n++] = i;
	sort_idx(v, n, x);
	char *sect = sk_printf("types/%s.html", types[t].slug);
	page_begin(b, types[t].plural, 1, sect);
	sk_buf_printf(b, "<header class=\"top\"><h1>%s</h1>\n<p class=\"meta\">%zu i alt</p></header>\n",
		types[t].plural, n);
	if (n == 0)
		sk_buf_puts(b, "<p class=\"note\">Ingen ennå.</p>\n");
	else
		sk_buf_puts(b, "<div class=\"table-wrap\"><table>\n<thead><tr><th>Tittel</th><th>Detaljer</th></tr>"
			"</thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const sk_record *r = x->c->recs[v[i]];
		sk_buf_puts(b, "<tr><td>");
		rec_link(b, x, r->id, 1);
		sk_buf_puts(b, "</td><td>");
		const char *st = sk_report__str(r->front, "status");
		if (r->type == SK_TYPE_LOG) {
			esc(b, sk_report__str(r->front, "date"));
			sk_buf_puts(b, " · ");
			rec_link(b, x, r->experiment, 1);
		} else if (st) {
			esc(b, sk_report__status_label(st));
		} else if (sk_report__str(r->front, "fylke")) {
			esc(b, sk_report__str(r->front, "fylke"));
		} else if (sk_report__str(r->front, "summary")) {
			esc(b, sk_report__str(r->front, "summary"));
		}
		sk_buf_puts(b, "</td></tr>\n");
	}
	if (n)
		sk_buf_puts(b, "</tbody></table></div>\n");
	page_end(b, NULL);
	int rc = put_file(x, sect, b->data, b->len);
	free(sect);
	free(v);
	return rc;
}

/* Everything linked to one kommune or challenge, grouped by type: the
 * experiments (and their log entries), cases, models. */
static int facet_page(exporter *x, const sk_record *r, sk_buf *b)
{
	sk_buf_clear(b);
	const char *slug = types[type_index(r->type)].slug;
	sk_buf title = SK_BUF_INIT;
	sk_buf_printf(&title, "%s – alt i kunnskapsbasen", r->title ? r->title : r->id);
	page_begin(b, title.data, 1, NULL);
	sk_buf_free(&title);
	sk_buf_puts(b, "<header class=\"top\"><p class=\"meta\">");
	sk_buf_puts(b, r->type == SK_TYPE_KOMMUNE ? "Kommune" : "Utfordring");
	sk_buf_puts(b, "</p><h1>");
	esc(b, r->title ? r->title : r->id);
	sk_buf_puts(b, "</h1>\n<p>");
	rec_link(b, x, r->id, 1);
	sk_buf_puts(b, " (egen side)</p></header>\n");
	json_t *back = json_object_get(x->backlinks, r->id);
	json_t *groups[SK_TYPE_COUNT] = {0};
	size_t i;
	json_t *v;
	json_array_foreach(back, i, v) {
		const sk_record *s = x->c->recs[json_integer_value(v)];
		if (!groups[s->type])
			groups[s->type] = json_array();
		json_array_append(groups[s->type], v);
		/* An experiment brings its log entries along. */
		if (s->type == SK_TYPE_EXPERIMENT) {
			size_t k;
			json_t *l;
			json_array_foreach(json_object_get(x->c->logs_by_exp, s->id), k, l) {
				if (!groups[SK_TYPE_LOG])
					groups[SK_TYPE_LOG] = json_array();
				json_array_append(groups[SK_TYPE_LOG], l);
			}
		}
	}
	int any = 0;
	for (size_t t = 0; t < NTYPES; t++) {
		json_t *g = groups[types[t].type];
		if (!g)
			continue;
		/* A log entry may come twice: linked itself and via its experiment. */
		json_t *uniq = json_array(), *seen = json_object();
		json_array_foreach(g, i, v) {
			char key[32];
			snprintf(key, sizeof key, "%lld", (long long)json_integer_value(v));
			if (json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			json_array_append(uniq, v);
		}
		sk_buf_printf(b, "<h2>%s (%zu)</h2>\n", types[t].plural, json_array_size(uniq));
		link_list(b, x, uniq, 1);
		json_decref(uniq);
		json_decref(seen);
		any = 1;
	}
	for (size_t t = 0; t < SK_TYPE_COUNT; t++)
		json_decref(groups[t]);
	if (!any)
		sk_buf_puts(b, "<p class=\"note\">Ingenting lenker hit ennå.</p>\n");
	page_end(b, NULL);
	char *rel = sk_printf("%s/%s.html", slug, r->id);
	int rc = put_file(x, rel, b->data, b->len);
	free(rel);
	return rc;
}

static int home_page(exporter *x, sk_buf *b)
{
	sk_buf_clear(b);
	const char *name = sk_report__str(x->status, "name");
	page_begin(b, name, 0, "index.html");
	sk_buf_puts(b, "<header class=\"top\"><h1>");
	esc(b, name);
	sk_buf_puts(b, "</h1>\n");
	const sk_record *p = sk_report__corpus_get(x->c, "partnership");
	if (p && sk_report__str(p->front, "summary")) {
		sk_buf_puts(b, "<p>");
		esc(b, sk_report__str(p->front, "summary"));
		sk_buf_puts(b, "</p>\n");
	}
	sk_buf_puts(b, "</header>\n<form class=\"noprint\" action=\"search.html\" method=\"get\" role=\"search\">"
		"<label for=\"q\">Søk i kunnskapsbasen</label> <input id=\"q\" name=\"q\" type=\"search\"> "
		"<button type=\"submit\">Søk</button></form>\n");
	const json_t *t = json_object_get(x->status, "totals");
	sk_buf_printf(b, "<p><a href=\"status.html\">Statusoversikt</a>: %lld forsøk, %lld pågår, %lld "
		"loggføringer i perioden.</p>\n", (long long)json_integer_value(json_object_get(t, "experiments")),
		(long long)json_integer_value(json_object_get(t, "running")),
		(long long)json_integer_value(json_object_get(t, "logs_in_period")));
	if (p) {
		sk_buf_puts(b, "<p>Om partnerskapet: ");
		rec_link(b, x, p->id, 0);
		sk_buf_puts(b, "</p>\n");
	}
	sk_buf_puts(b, "<h2>Innhold</h2>\n<ul class=\"compact\">\n");
	for (size_t k = 0; k < NTYPES; k++) {
		size_t n = 0;
		for (size_t i = 0; i < x->c->n; i++)
			n += x->c->recs[i]->type == types[k].type;
		sk_buf_printf(b, "<li><a href=\"types/%s.html\">%s</a> (%zu)</li>\n", types[k].slug, types[k].plural, n);
	}
	sk_buf_puts(b, "</ul>\n");
	/* Shortcuts to each challenge's and kommune's page of everything. */
	for (int pass = 0; pass < 2; pass++) {
		sk_record_type want = pass ? SK_TYPE_KOMMUNE : SK_TYPE_CHALLENGE;
		size_t n = 0;
		size_t *v = sk_calloc(x->c->n ? x->c->n : 1, sizeof *v);
		for (size_t i = 0; i < x->c->n; i++)
			if (x->c->recs[i]->type == want)
				v[n++] = i;
		sort_idx(v, n, x);
		if (n) {
			sk_buf_printf(b, "<h2>%s</h2>\n<p>", pass ? "Kommuner" : "Utfordringer");
			for (size_t i = 0; i < n; i++) {
				const sk_record *r = x->c->recs[v[i]];
				sk_buf_printf(b, "%s<a href=\"%s/%s.html\">", i ? " · " : "", pass ? "kommune" : "challenge", r->id);
				esc(b, r->title ? r->title : r->id);
				sk_buf_puts(b, "</a>");
			}
			sk_buf_puts(b, "</p>\n");
		}
		free(v);
	}
	page_end(b, NULL);
	return put_file(x, "index.html", b->data, b->len);
}

/* The search script: plain ES5, reads window.SK_INDEX from
 * search-index.js, ANDs the words of the query over title, tags and text
 * (case and accents folded, æ ø å kept), ranks title hits first. */
static const char search_js[] =
	"(function () {\n"
	"  'use strict';\n"
	"  function fold(s) {\n"
	"    s = (s || '').toLowerCase();\n"
	"    if (s.normalize) {\n"
	"      s = s.replace(/[æøå]/g, function (c) { return {'æ': '\\u0001', 'ø': '\\u0002', 'å': '\\u0003'}[c]; });\n"
	"      s = s.normalize('NFD').replace(/[\\u0300-\\u036f]/g, '');\n"
	"      s = s.replace(/[\\u0001\\u0002\\u0003]/g, function (c) { return {'\\u0001': 'æ', '\\u0002': 'ø', "
	"'\\u0003': 'å'}[c]; });\n"
	"    }\n"
	"    return s;\n"
	"  }\n"
	"  var idx = (window.SK_INDEX || []).map(function (r) {\n"
	"    return {r: r, t: fold(r.t), g: fold((r.g || []).join(' ')), x: fold(r.s + ' ' + r.x)};\n"
	"  });\n"
	"  var form = document.getElementById('sk-search');\n"
	"  var input = document.getElementById('q');\n"
	"  var out = document.getElementById('sk-results');\n"
	"  var count = document.getElementById('sk-count');\n"
	"  function el(tag, cls, text) {\n"
	"    var e = document.createElement(tag);\n"
	"    if (cls) e.className = cls;\n"
	"    if (text) e.textContent = text;\n"
	"    return e;\n"
	"  }\n"
	"  function run() {\n"
	"    var words = fold(input.value).split(/[^0-9a-zæøå]+/).filter(function (w) { return w.length > 0; });\n"
	"    while (out.firstChild) out.removeChild(out.firstChild);\n"
	"    if (!words.length) { count.textContent = ''; return; }\n"
	"    var hits = [];\n"
	"    idx.forEach(function (e) {\n"
	"      var score = 0;\n"
	"      for (var i = 0; i < words.length; i++) {\n"
	"        var w = words[i], s = 0;\n"
	"        if (e.t.indexOf(w) >= 0) s += 10;\n"
	"        if (e.g.indexOf(w) >= 0) s += 4;\n"
	"        if (e.x.indexOf(w) >= 0) s += 1;\n"
	"        if (!s) return;\n"
	"        score += s;\n"
	"      }\n"
	"      hits.push({e: e, s: score});\n"
	"    });\n"
	"    hits.sort(function (a, b) { return b.s - a.s || (a.e.r.t < b.e.r.t ? -1 : 1); });\n"
	"    count.textContent = hits.length === 1 ? '1 treff' : hits.length + ' treff';\n"
	"    hits.slice(0, 100).forEach(function (h) {\n"
	"      var li = el('li');\n"
	"      var a = el('a', null, h.e.r.t);\n"
	"      a.href = h.e.r.u;\n"
	"      li.appendChild(a);\n"
	"      li.appendChild(el('span', 'muted', ' ' + h.e.r.y));\n"
	"      if (h.e.r.s) li.appendChild(el('div', 'muted', h.e.r.s));\n"
	"      out.appendChild(li);\n"
	"    });\n"
	"  }\n"
	"  form.addEventListener('submit', function (ev) { ev.preventDefault(); run(); });\n"
	"  input.addEventListener('input', run);\n"
	"  var m = /[?&]q=([^&]*)/.exec(window.location.search);\n"
	"  if (m) { input.value = decodeURIComponent(m[1].replace(/\\+/g, ' ')); run(); }\n"
	"})();\n";

static int search_pages(exporter *x, sk_buf *b)
{
	sk_buf_clear(b);
	page_begin(b, "Søk", 0, "search.html");
	sk_buf_puts(b, "<header class=\"top\"><h1>Søk</h1></header>\n"
		"<form id=\"sk-search\" role=\"search\"><label for=\"q\">Søkeord</label> "
		"<input id=\"q\" name=\"q\" type=\"search\" autofocus> <button type=\"submit\">Søk</button></form>\n"
		"<p id=\"sk-count\" class=\"muted\"></p>\n<ol id=\"sk-results\"></ol>\n"
		"<noscript><p class=\"note\">Søket trenger JavaScript. Uten det kan du bla i "
		"<a href=\"types/experiment.html\">forsøkene</a> og de andre listene.</p></noscript>\n"
		"<p class=\"muted\">Søket kjører i nettleseren på en ferdig indeks av titler, stikkord og "
		"begynnelsen av teksten; <code>samskap search</code> søker i hele teksten med bøying av ord.</p>\n"
		"<script src=\"search-index.js\"></script>\n<script src=\"search.js\"></script>\n");
	page_end(b, NULL);
	int rc = put_file(x, "search.html", b->data, b->len);
	if (rc < 0)
		return rc;
	rc = put_file(x, "search.js", search_js, sizeof search_js - 1);
	if (rc < 0)
		return rc;

	json_t *arr = json_array();
	for (size_t i = 0; i < x->c->n; i++) {
		const sk_record *r = x->c->recs[i];
		json_t *e = json_object();
		json_object_set_new(e, "t", json_string(r->title ? r->title : r->id));
		json_object_set_new(e, "y", json_string(types[type_index(r->type)].singular));
		char *u = sk_printf("r/%s.html", r->id);
		json_object_set_new(e, "u", json_string(u));
		free(u);
		const char *sum = sk_report__str(r->front, "summary");
		json_object_set_new(e, "s", json_string(sum ? sum : ""));
		json_t *tags = json_object_get(r->front, "tags");
		json_object_set_new(e, "g", json_is_array(tags) ? json_deep_copy(tags) : json_array());
		/* The start of the text, cut at a character boundary. */
		const char *text = r->text ? r->text : "";
		size_t len = strlen(text);
		if (len > SEARCH_TEXT) {
			len = SEARCH_TEXT;
			while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
				len--;
		}
		json_t *tx = json_stringn(text, len);
		json_object_set_new(e, "x", tx ? tx : json_string(""));
		json_array_append_new(arr, e);
	}
	char *js = json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH);
	json_decref(arr);
	sk_buf_clear(b);
	/* A script file, not JSON fetched at run time: browsers refuse
	 * fetch() on file://, and the site must work opened from disk. */
	sk_buf_puts(b, "window.SK_INDEX = ");
	sk_buf_puts(b, js ? js : "[]");
	sk_buf_puts(b, ";\n");
	free(js);
	return put_file(x, "search-index.js", b->data, b->len);
}

/* One pass over git history: for each path, its latest commits. */
static json_t *collect_history(const sk_kb *kb)
{
	sk_store *st = NULL;
	sk_store_commit_info *infos = NULL;
	size_t n = 0;
	json_t *h = NULL;
	if (sk_store_open(&st, kb->root) < 0 || sk_store_history(&infos, &n, st, NULL, 0, HISTORY_SCAN) < 0) {
		sk_error_clear();
		goto done;
	}
	h = json_object();
	for (size_t i = 0; i < n; i++) {
		char d[11];
		sk_report__date_format(d, (long)((infos[i].time + (int64_t)infos[i].tz_offset * 60) / 86400));
		for (size_t p = 0; p < infos[i].n_paths; p++) {
			json_t *arr = json_object_get(h, infos[i].paths[p]);
			if (!arr) {
				arr = json_array();
				if (json_object_set_new(h, infos[i].paths[p], arr) < 0)
					continue;
			}
			if (json_array_size(arr) >= PAGE_HISTORY)
				continue;
			json_t *c = json_object();
			json_object_set_new(c, "date", json_string(d));
			json_t *a = json_string(infos[i].author_name ? infos[i].author_name : "");
			json_object_set_new(c, "author", a ? a : json_string("?"));
			json_t *s = json_string(infos[i].summary ? infos[i].summary : "");
			json_object_set_new(c, "summary", s ? s : json_string("?"));
			json_object_set_new(c, "short", json_stringn(infos[i].id.hex, 8));
			json_array_append_new(arr, c);
		}
	}
done:
	sk_store_history_free(infos, n);
	sk_store_free(st);
	return h;
}

/* Reads the previous run's manifest into an object (relpath -> true).
 * A non-empty folder without one is not ours: refuse to write into it. */
static int read_manifest(json_t **out, const char *outdir)
{
	*out = json_object();
	char *path = sk_path_join(outdir, MANIFEST);
	char *data = NULL;
	size_t len = 0;
	int rc = 0;
	if (sk_path_exists(path)) {
		if ((rc = sk_file_read(&data, &len, path, (size_t)64 << 20)) < 0)
			goto done;
		if (strncmp(data, MANIFEST_HEADER, strlen(MANIFEST_HEADER)) != 0) {
			rc = sk_error_set(SK_EINVALID, "%s: not a samskap export manifest; refusing to write into %s",
				path, outdir);
			goto done;
		}
		char *line = data + strlen(MANIFEST_HEADER);
		while (*line) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			/* Only plain relative paths are ever removed. */
			if (*line && line[0] != '/' && !strstr(line, ".."))
				json_object_set_new(*out, line, json_true());
			if (!nl)
				break;
			line = nl + 1;
		}
		goto done;
	}
	DIR *d = opendir(outdir);
	if (!d)
		goto done; /* missing: created later */
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			rc = sk_error_set(SK_EEXISTS, "%s is not empty and holds no samskap export (%s); "
				"choose an empty or new folder", outdir, MANIFEST);
			break;
		}
	}
	closedir(d);
done:
	free(data);
	free(path);
	return rc;
}

static int write_manifest(exporter *x)
{
	sk_buf b = SK_BUF_INIT;
	sk_buf_puts(&b, MANIFEST_HEADER);
	/* Sorted, so the manifest itself changes only when the page set does. */
	size_t n = json_object_size(x->written), i = 0;
	const char **keys = sk_calloc(n ? n : 1, sizeof *keys);
	const char *k;
	json_t *v;
	json_object_foreach(x->written, k, v)
		keys[i++] = k;
	for (size_t a = 1; a < n; a++)
		for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
			const char *t = keys[c - 1];
			keys[c - 1] = keys[c];
			keys[c] = t;
		}
	for (i = 0; i < n; i++) {
		sk_buf_puts(&b, keys[i]);
		sk_buf_putc(&b, '\n');
	}
	free(keys);
	char *path = sk_path_join(x->outdir, MANIFEST);
	char *old = NULL;
	size_t oldlen = 0;
	int rc = 0;
	if (!(sk_path_exists(path) && sk_file_read(&old, &oldlen, path, (size_t)64 << 20) == 0 &&
		oldlen == b.len && memcmp(old, b.data, b.len) == 0))
		rc = sk_file_write(path, b.data, b.len);
	sk_error_clear();
	if (rc < 0)
		rc = sk_error_set(SK_EIO, "%s: could not write the export manifest", path);
	free(old);
	free(path);
	sk_buf_free(&b);
	return rc;
}

int sk_report_export(sk_export_stats *stats, const sk_kb *kb, const char *outdir,
	const sk_status_opts *opts, sk_report_progress_fn progress, void *ctx)
{
	sk_report__corpus *c = NULL;
	json_t *old = NULL;
	sk_buf b = SK_BUF_INIT;
	exporter x = {0};
	sk_report__check check = {0};
	sk_diags *checked = NULL;
	int rc = 0;
	memset(stats, 0, sizeof *stats);
	if (!outdir || !*outdir)
		return sk_error_set(SK_EINVALID, "export: no output folder given");
	if ((rc = read_manifest(&old, outdir)) < 0)
		goto done;
	if ((rc = sk_path_mkdirs(outdir)) < 0)
		goto done;
	sk_report__check_start(&check, kb);
	rc = sk_report__corpus_load(&c, kb);
	checked = sk_report__check_finish(&check);
	if (rc < 0)
		goto done;
	x.kb = kb;
	x.outdir = outdir;
	x.c = c;
	x.stats = stats;
	x.progress = progress;
	x.ctx = ctx;
	x.written = json_object();
	stats->records = c->n;
	if ((rc = sk_report__status_build_checked(&x.status, c, kb, opts, checked)) < 0)
		goto done;

	/* Backlinks: for each id, the records linking to it, once each. */
	x.backlinks = json_object();
	for (size_t i = 0; i < c->n; i++) {
		const sk_record *r = c->recs[i];
		for (size_t l = 0; l < r->n_links; l++) {
			const char *t = r->links[l].target;
			if (strcmp(t, r->id) == 0 || !sk_report__corpus_get(c, t))
				continue;
			json_t *arr = json_object_get(x.backlinks, t);
			if (!arr) {
				arr = json_array();
				json_object_set_new(x.backlinks, t, arr);
			}
			json_t *last = json_array_get(arr, json_array_size(arr) - 1);
			if (!last || (size_t)json_integer_value(last) != i)
				json_array_append_new(arr, json_integer((json_int_t)i));
		}
	}
	/* Every model, run once, for its own page and the pages linking to it. */
	x.projections = json_object();
	for (size_t i = 0; i < c->n; i++)
		if (c->recs[i]->type == SK_TYPE_MODEL)
			json_object_set_new(x.projections, c->recs[i]->id,
				sk_report__projection(kb, c->recs[i], json_array()));
	if (!(opts && opts->no_history))
		x.history = collect_history(kb);

	size_t nfacets = 0;
	for (size_t i = 0; i < c->n; i++)
		nfacets += c->recs[i]->type == SK_TYPE_KOMMUNE || c->recs[i]->type == SK_TYPE_CHALLENGE;
	x.total = c->n + NTYPES + nfacets + 6;

	sk_buf_puts(&b, sk_report__css);
	if ((rc = put_file(&x, "style.css", b.data, b.len)) < 0)
		goto done;
	for (size_t i = 0; i < c->n; i++) {
		/* Two records with one id (a KB error) would share a page. */
		if (sk_report__corpus_get(c, c->recs[i]->id) != c->recs[i])
			continue;
		if ((rc = record_page(&x, i, &b)) < 0)
			goto done;
		if ((c->recs[i]->type == SK_TYPE_KOMMUNE || c->recs[i]->type == SK_TYPE_CHALLENGE) &&
			(rc = facet_page(&x, c->recs[i], &b)) < 0)
			goto done;
	}
	for (size_t t = 0; t < NTYPES; t++)
		if ((rc = type_page(&x, t, &b)) < 0)
			goto done;
	if ((rc = home_page(&x, &b)) < 0)
		goto done;
	sk_buf_clear(&b);
	sk_report__status_html(&b, x.status, "index.html", "style.css");
	if ((rc = put_file(&x, "status.html", b.data, b.len)) < 0)
		goto done;
	if ((rc = search_pages(&x, &b)) < 0)
		goto done;

	/* Pages of the last run that this one did not write are stale. */
	const char *k;
	json_t *v;
	json_object_foreach(old, k, v) {
		if (json_object_get(x.written, k))
			continue;
		char *p = sk_path_join(outdir, k);
		if (remove(p) == 0)
			stats->removed++;
		free(p);
	}
	rc = write_manifest(&x);
done:
	sk_buf_free(&b);
	json_decref(old);
	json_decref(x.status);
	json_decref(x.backlinks);
	json_decref(x.history);
	json_decref(x.projections);
	json_decref(x.written);
	sk_report__check_free(&check);
	sk_report__corpus_free(c);
	return rc;
}
